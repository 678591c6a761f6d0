//! The app without a store: keys change its state and come back as the
//! effects a runner would perform. Nothing here touches a disk.

mod common;

use common::{facts, fixed_now, nurse, settings};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use umdesk::case::due::DueTable;
use umdesk::case::{Case, history, new_case};
use umdesk::store::{CaseSummary, Listing};
use umdesk::tui::app::{App, MessageKind, Screen};
use umdesk::tui::effect::{Done, Effect, OpenMode, Opened, SavePurpose};
use umdesk::tui::event::Event;
use umdesk::tui::theme::{Symbols, Theme};

fn app() -> App {
    App::new(settings(nurse()), Theme::monochrome(Symbols::UNICODE), None)
}

fn case(id: &str, member: &str) -> Case {
    let policy = common::policy();
    let mut case = new_case(
        id,
        facts(member, "FIC900000001"),
        &policy,
        &DueTable::default(),
    );
    umdesk::rules::answers::sync_all(&policy.policy, &mut case);
    history::record(
        &mut case,
        None,
        &nurse(),
        "created",
        "Case created",
        fixed_now(),
    );
    case
}

fn key(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.handle(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn ctrl(app: &mut App, c: char) -> Vec<Effect> {
    app.handle(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::CONTROL,
    )))
}

fn listed(app: &mut App, cases: &[Case]) {
    let listing = Listing {
        cases: cases.iter().map(CaseSummary::of).collect(),
        unreadable: Vec::new(),
    };
    let effects = app.handle(Event::from(Done::Queue(listing)));
    assert!(effects.is_empty(), "{effects:?}");
}

fn opened(app: &mut App, case: Case) {
    let done = Done::Opened(Ok(Opened {
        case,
        mode: OpenMode::Edit,
    }));
    app.handle(Event::from(done));
    assert!(matches!(app.screen, Screen::Case(_)));
}

#[test]
fn a_session_starts_by_asking_for_the_queue_its_health_and_its_lost_drafts() {
    let mut app = app();
    let effects = app.start();
    assert!(matches!(effects[0], Effect::ListQueue), "{effects:?}");
    assert!(effects.iter().any(|e| matches!(e, Effect::CheckStore)));
    let lock_reads = effects
        .iter()
        .filter(|e| matches!(e, Effect::ReadLocks))
        .count();
    assert_eq!(
        lock_reads, 1,
        "who holds which case, read once: {effects:?}"
    );
    let Some(Effect::FindDrafts { author, session }) = effects
        .iter()
        .find(|e| matches!(e, Effect::FindDrafts { .. }))
    else {
        panic!("no FindDrafts in {effects:?}");
    };
    assert_eq!(author, "Pat Lee, RN");
    assert_eq!(session, &app.holder.session);
    assert_eq!(app.working.as_deref(), Some("Listing the queue…"));
}

#[test]
fn enter_on_a_queue_row_asks_to_open_that_case_as_this_session() {
    let mut app = app();
    listed(
        &mut app,
        &[
            case("UM-20261130-0001", "Ana"),
            case("UM-20261130-0002", "Bo"),
        ],
    );
    key(&mut app, KeyCode::Down);
    let effects = key(&mut app, KeyCode::Enter);
    let [Effect::Open(request)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(request.id, "UM-20261130-0002");
    assert_eq!(request.holder, app.holder);
    assert_eq!(request.recovering, None);
    // Until the store answers, the queue stays and says what is coming.
    assert!(matches!(app.screen, Screen::Queue));
    assert_eq!(app.working.as_deref(), Some("Opening UM-20261130-0002…"));
}

#[test]
fn a_save_names_the_version_it_started_from_and_this_sessions_draft() {
    let mut app = app();
    let case = case("UM-20261130-0001", "Ana");
    let started_from = case.history.last().unwrap().digest.clone();
    opened(&mut app, case);
    key(&mut app, KeyCode::Right);
    let effects = ctrl(&mut app, 's');
    let [
        Effect::Save {
            case,
            expected,
            purpose,
            draft,
            sign,
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(expected, &started_from);
    assert_eq!(*purpose, SavePurpose::Save);
    assert_eq!(*sign, None, "a plain save signs nothing");
    let draft = draft.as_ref().expect("the draft goes with the save");
    assert_eq!(draft.author, "Pat Lee, RN");
    assert_eq!(draft.session, app.holder.session);
    // The saved version carries one new history entry of what changed.
    assert_eq!(case.history.len(), 2);
    assert!(!case.history[1].changes.is_empty());
}

#[test]
fn a_change_asks_for_a_draft_only_when_the_autosave_is_due() {
    let mut app = app();
    opened(&mut app, case("UM-20261130-0001", "Ana"));
    let effects = key(&mut app, KeyCode::Right);
    assert!(
        effects.is_empty(),
        "a key writes nothing at once: {effects:?}"
    );
    assert!(app.draft_pending());
    let effects = app.handle(Event::AutosaveDue);
    let [Effect::WriteDraft { key, json }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(key.subject, "UM-20261130-0001");
    assert!(json.contains("UM-20261130-0001"));
    assert!(!app.draft_pending(), "one write at a time");
}

#[test]
fn a_failed_save_says_the_work_is_only_in_memory_when_no_draft_was_written() {
    let mut app = app();
    opened(&mut app, case("UM-20261130-0001", "Ana"));
    key(&mut app, KeyCode::Right);
    let effects = app.handle(Event::AutosaveDue);
    let Some(Effect::WriteDraft { key, .. }) = effects.into_iter().next() else {
        panic!("no draft asked for");
    };
    app.handle(Event::from(Done::DraftWritten {
        key,
        result: Err("No space left on device".to_string()),
    }));
    app.handle(Event::from(Done::Saved {
        purpose: SavePurpose::Save,
        result: Err("No space left on device".to_string()),
    }));
    let message = app.message.clone().expect("a message");
    assert_eq!(message.kind, MessageKind::Error);
    assert!(
        message.text.contains("only in this session's memory"),
        "{}",
        message.text
    );
    assert!(
        !message.text.contains("kept as a draft"),
        "{}",
        message.text
    );
}

#[test]
fn quitting_with_unsaved_work_asks_and_discarding_lets_go_of_everything() {
    let mut app = app();
    opened(&mut app, case("UM-20261130-0001", "Ana"));
    key(&mut app, KeyCode::Right);
    let effects = key(&mut app, KeyCode::Char('q'));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(!app.should_quit, "unsaved work: it asks first");
    let effects = key(&mut app, KeyCode::Char('d'));
    assert!(app.should_quit);
    assert!(
        effects.iter().any(
            |e| matches!(e, Effect::DiscardDraft { key } if key.subject == "UM-20261130-0001")
        )
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Unlock { id, .. } if id == "UM-20261130-0001"))
    );
}

#[test]
fn a_stop_keeps_the_work_as_a_draft_and_lets_go_of_the_lock() {
    let mut app = app();
    opened(&mut app, case("UM-20261130-0001", "Ana"));
    key(&mut app, KeyCode::Right);
    let effects = app.handle(Event::Stop("hang-up".to_string()));
    assert!(
        matches!(effects[0], Effect::WriteDraft { .. }),
        "{effects:?}"
    );
    assert!(matches!(effects[1], Effect::Unlock { .. }), "{effects:?}");
    assert!(app.should_quit);
}

#[test]
fn where_the_store_has_a_roster_a_case_is_reassigned_to_someone_on_it() {
    let mut settings = settings(common::supervisor());
    settings.identity.roster = vec!["Pat Lee, RN".to_string(), "Tomas Reyes, RN".to_string()];
    let mut app = App::new(settings, Theme::monochrome(Symbols::UNICODE), None);
    let mut case = case("UM-20261130-0001", "Ana");
    case.status = umdesk::case::Status::Pended;
    let done = Done::Opened(Ok(Opened {
        case,
        mode: OpenMode::ReadOnly {
            banner: None,
            lock: None,
            lock_is_stale: false,
        },
    }));
    app.handle(Event::from(done));
    key(&mut app, KeyCode::Char('G'));
    let Some(umdesk::tui::overlay::Overlay::Picker(picker)) = &app.overlay else {
        panic!("G opens the picker: {:?}", app.message);
    };
    assert_eq!(picker.items, ["Pat Lee, RN", "Tomas Reyes, RN"]);
}
