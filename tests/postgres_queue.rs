//! The queue over a department's PostgreSQL store, as a reviewer sees it:
//! read a page at a time (the session never holds the whole queue),
//! filtered and counted by the database, and live: what another machine
//! saves shows in every open queue within a second.

mod common;
mod pg;
#[path = "common/session_screen.rs"]
mod session_screen;

use std::sync::Arc;
use std::time::Duration;

use common::{App, draw, nurse, press, press_n, screen_text, settings, type_text};
use ratatui::crossterm::event::KeyCode;
use ratatui::layout::Size;
use session_screen::Screen;
use time::macros::{date, datetime};
use umdesk::case::history::record;
use umdesk::case::{self, Case, Status};
use umdesk::policy::LoadedPolicy;
use umdesk::store::{CaseStore, PostgresStore};
use umdesk::tui::backend::LeanBackend;
use umdesk::tui::event::Event;
use umdesk::tui::session::{self, Channel};
use umdesk::tui::theme::{Symbols, Theme};

fn request(member: &str, member_id: &str, minute: i64) -> Case {
    let policy = LoadedPolicy::embedded();
    let facts = umdesk::fixtures::facts()
        .member(member, member_id)
        .received_at(datetime!(2026-11-30 08:00 -5) + time::Duration::minutes(minute))
        .build();
    let mut case = case::new_case("NEW", facts, &policy, &case::due::DueTable::default());
    case.fictional = Some("Fictional case for the queue tests".into());
    case
}

fn create(store: &dyn CaseStore, mut case: Case) -> String {
    store
        .create(&mut case, date!(2026 - 11 - 30), &mut |c| {
            let text = format!("Case {} created", c.id);
            record(
                c,
                None,
                &nurse(),
                "intake",
                &text,
                datetime!(2026-11-30 08:00 -5),
            );
        })
        .unwrap()
}

/// A store of `count` cases, "Member 000" due first.
fn department(count: usize) -> (pg::Database, Arc<PostgresStore>) {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    for i in 0..count {
        let member = format!("Member {i:03}");
        create(&store, request(&member, &format!("FIC{i:06}"), i as i64));
    }
    (db, Arc::new(store))
}

fn position(app: &App) -> usize {
    let paging = app.app.queue.paging.as_ref().expect("the queue is paged");
    paging.first + app.app.queue.selected
}

fn selected_member(app: &App) -> String {
    app.app
        .queue
        .selected_summary()
        .map(|s| s.member().to_string())
        .unwrap_or_default()
}

#[test]
fn a_department_queue_is_read_a_page_at_a_time_and_counted_by_the_store() {
    let (_db, store) = department(420);
    let mut app = App::start(
        settings(nurse()),
        Theme::monochrome(Symbols::UNICODE),
        store,
    );
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Up);
    let paging = app.app.queue.paging.clone().expect("paged");
    assert_eq!(paging.count, Some(420));
    let held = app.app.queue.listing.cases.len();
    assert!(held <= 200, "the head, not the queue: {held}");
    assert!(screen_text(&draw(&app, 80, 24)).contains("case 1 of 420"));

    // Down the queue: pages follow, and the window never holds more than
    // three of them.
    press_n(&mut app, KeyCode::Down, 180);
    assert_eq!(position(&app), 180);
    assert_eq!(selected_member(&app), "Member 180");
    press_n(&mut app, KeyCode::PageDown, 30);
    assert_eq!(position(&app), 419);
    assert_eq!(selected_member(&app), "Member 419");
    let held = app.app.queue.listing.cases.len();
    assert!(held <= 300, "at most three pages: {held}");
    assert!(screen_text(&draw(&app, 80, 24)).contains("case 420 of 420"));

    // And back up to the head, a page at a time.
    press_n(&mut app, KeyCode::PageUp, 50);
    assert_eq!(position(&app), 0);
    assert_eq!(selected_member(&app), "Member 000");
    assert!(screen_text(&draw(&app, 80, 24)).contains("case 1 of 420"));
}

#[test]
fn a_filter_passing_more_than_a_thousand_is_counted_to_a_thousand_and_the_queue_exactly() {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    let policy = LoadedPolicy::embedded();
    let cases = umdesk::fixtures::generate(&policy, 1_200, 7, datetime!(2026-11-30 08:00 UTC));
    let batch: Vec<_> = cases
        .iter()
        .map(|c| (c.clone(), case::to_json(c)))
        .collect();
    store.import_documents(&batch).unwrap();
    let mut app = App::start(
        settings(nurse()),
        Theme::monochrome(Symbols::UNICODE),
        Arc::new(store),
    );
    // The count follows the first page (on its own worker in a terminal).
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Up);
    let shown = screen_text(&draw(&app, 80, 24));
    assert!(shown.contains("case 1 of 1,200"), "{shown}");
    // Every generated id holds "um-": more than a thousand pass.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "um-");
    assert_eq!(app.app.queue.paging.as_ref().unwrap().count, Some(1_001));
    let shown = screen_text(&draw(&app, 80, 24));
    assert!(shown.contains("case 1 of 1,000+"), "{shown}");
    // Paged past the bound, the count never says fewer than the position.
    press(&mut app, KeyCode::Enter);
    press_n(&mut app, KeyCode::PageDown, 100);
    let at = position(&app) + 1;
    assert!(at > 1_000, "{at}");
    let shown = screen_text(&draw(&app, 80, 24));
    let grouped = format!("{},{:03}", at / 1000, at % 1000);
    let said = format!("case {grouped} of {grouped}+");
    assert!(shown.contains(&said), "{said}:\n{shown}");
    press(&mut app, KeyCode::Char('/'));
    // Fewer than a thousand: exact. A case's own id passes once.
    let id = cases[600].id.to_lowercase();
    press_n(&mut app, KeyCode::Backspace, 3);
    type_text(&mut app, &id);
    assert_eq!(app.app.queue.paging.as_ref().unwrap().count, Some(1));
    assert!(screen_text(&draw(&app, 80, 24)).contains("case 1 of 1"));
    // Cleared, the whole queue is counted exactly again.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.app.queue.paging.as_ref().unwrap().count, Some(1_200));
}

#[test]
fn a_filter_is_applied_by_the_store_as_the_reviewer_types() {
    let (_db, store) = department(120);
    let mut app = App::start(
        settings(nurse()),
        Theme::monochrome(Symbols::UNICODE),
        store,
    );
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "member 01");
    press(&mut app, KeyCode::Enter);
    let members: Vec<String> = app
        .app
        .queue
        .listing
        .cases
        .iter()
        .map(|c| c.member().to_string())
        .collect();
    let expected: Vec<String> = (10..20).map(|i| format!("Member {i:03}")).collect();
    assert_eq!(members, expected);
    assert_eq!(app.app.queue.paging.as_ref().unwrap().count, Some(10));
    // By member id too, and a status on top of the text.
    press(&mut app, KeyCode::Char('/'));
    press_n(&mut app, KeyCode::Backspace, 9);
    type_text(&mut app, "fic000042");
    press(&mut app, KeyCode::Enter);
    assert_eq!(selected_member(&app), "Member 042");
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(app.app.queue.status_filter, Some(Status::ALL[0]));
    assert!(
        app.app
            .queue
            .listing
            .cases
            .iter()
            .all(|c| c.status == Status::ALL[0])
    );
}

fn size() -> std::io::Result<Size> {
    Ok(Size {
        width: 80,
        height: 24,
    })
}

#[test]
fn what_another_machine_creates_or_saves_shows_in_an_open_queue_within_a_second() {
    let (db, store) = department(3);
    let head = store.list_cached(umdesk::tui::FIRST_SCREEN);
    let app =
        umdesk::tui::app::App::new(settings(nurse()), Theme::monochrome(Symbols::UNICODE), head);
    let channel = Channel::new();
    let stop = channel.sender.clone();
    let screen = Screen::default();
    let backend = LeanBackend::new(screen.clone(), size).unwrap();
    let shared: Arc<dyn CaseStore> = store;
    let session = std::thread::spawn(move || session::run(app, shared, channel, backend));
    screen.wait_for("Member 002", Duration::from_secs(10));

    // Another machine: its own connections to the same database.
    let elsewhere = PostgresStore::open(&db.url).unwrap();
    let id = create(&elsewhere, request("Zora Newcase", "FIC999999", -60));
    let took = screen.wait_for("Zora Newcase", Duration::from_secs(1));
    eprintln!("a create reached the open queue in {took:?}");

    let mut case = elsewhere.load(&id).unwrap();
    let before = case.clone();
    let expected = before.history.last().unwrap().digest.clone();
    case.member.name = "Zora Renamed".into();
    record(
        &mut case,
        Some(&before),
        &nurse(),
        "edit",
        "Member corrected",
        datetime!(2026-11-30 09:00 -5),
    );
    elsewhere.save(&case, &expected).unwrap();
    let took = screen.wait_for("Zora Renamed", Duration::from_secs(1));
    eprintln!("a save reached the open queue in {took:?}");

    stop.send(Event::Stop("test over".into())).unwrap();
    session.join().unwrap().unwrap();
}
