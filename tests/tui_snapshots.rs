//! Snapshots of every screen at 80x24 (the minimum, and the usual SSH demo
//! size) and 160x48, on a fixed store, a fixed clock and the monochrome
//! theme, drawn through ratatui's TestBackend.
//!
//! After an intended change of the screens, review and accept the new
//! snapshots with `cargo insta review` (or `INSTA_UPDATE=always cargo test
//! --test tui_snapshots`, then read the `.snap` files).

mod common;

use common::*;
use ratatui::crossterm::event::KeyCode;
use umdesk::case::Status;
use umdesk::store::{CaseStore, FileStore};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn snapshot(name: &str, app: &App) {
    for (width, height) in SIZES {
        let terminal = draw(app, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
    }
}

/// A case in review with criteria 1 and 2 answered, one lesion entered and
/// the focus on criterion 3.
fn review_app() -> (tempfile::TempDir, App) {
    let store = empty_store();
    let id = seed_case(store.path(), facts("Casey Fictional", "FIC200000042"));
    let mut app = app_with(store.path(), nurse());
    app.open_case(&id);
    assert_eq!(screen_name(&app), "review");
    press_n(&mut app, KeyCode::Right, 2);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('g'));
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('a'));
    type_text(&mut app, "segment VI");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "3.2");
    press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    app.message = None;
    (store, app)
}

#[test]
fn queue() {
    let store = generated_store(12);
    let mut app = app_with(store.path(), nurse());
    press(&mut app, KeyCode::Down);
    snapshot("queue", &app);
}

#[test]
fn queue_filtered() {
    let store = generated_store(12);
    let mut app = app_with(store.path(), nurse());
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "um-2026");
    snapshot("queue_filtered", &app);
}

#[test]
fn intake() {
    let store = empty_store();
    let mut app = app_with(store.path(), nurse());
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "Casey Fictional");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "FIC200000042");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "1957-03-09");
    press(&mut app, KeyCode::Tab);
    press_n(&mut app, KeyCode::Right, 2);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Rowan Inventa, MD");
    press(&mut app, KeyCode::Tab);
    // A wrong check digit, shown beside the field.
    type_text(&mut app, "1234567890");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "47371");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "C22.");
    snapshot("intake", &app);
}

#[test]
fn review() {
    let (_store, app) = review_app();
    snapshot("review", &app);
}

#[test]
fn override_prompt() {
    let (_store, mut app) = review_app();
    press_n(&mut app, KeyCode::Up, 2);
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Enter);
    snapshot("override_prompt", &app);
}

#[test]
fn determination() {
    let (_store, mut app) = review_app();
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen_name(&app), "determination");
    snapshot("determination", &app);
}

#[test]
fn determination_referral() {
    let store = empty_store();
    let id = seed_case(store.path(), facts("Morgan Pretend", "FIC200000043"));
    let mut app = app_with(store.path(), nurse());
    app.open_case(&id);
    answer_all(&mut app, "5.0");
    press(&mut app, KeyCode::Char('e'));
    type_text(
        &mut app,
        "CT 2026-11-20: single lesion of 5.0 cm in segment VI",
    );
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen_name(&app), "determination");
    snapshot("determination_referral", &app);
}

#[test]
fn case_view_with_history() {
    let store = generated_store(12);
    let dir = store.path();
    let files = FileStore::open(dir).expect("store");
    let listing = files.list();
    // The decided case with the longest history.
    let id = listing
        .cases
        .iter()
        .filter(|c| c.status.is_final())
        .max_by_key(|c| {
            (
                files
                    .load(&c.id)
                    .map(|case| case.history.len())
                    .unwrap_or(0),
                c.id.clone(),
            )
        })
        .map(|c| c.id.clone())
        .expect("a decided case");
    let mut app = app_with(dir, supervisor());
    app.view_case(&id, None);
    assert_eq!(screen_name(&app), "case view");
    snapshot("case_view", &app);
}

#[test]
fn case_view_of_a_referred_case_for_a_nurse() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Morgan Pretend", "FIC200000043"));
    let mut app = app_with(dir, nurse());
    app.open_case(&id);
    answer_all(&mut app, "5.0");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('f'));
    assert_eq!(load_case(dir, &id).status, Status::Referred);
    // The nurse opens it again: it waits for a physician, read-only.
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen_name(&app), "case view");
    app.message = None;
    snapshot("case_view_referred", &app);
}

#[test]
fn dashboard() {
    let store = generated_store(12);
    let mut app = app_with(store.path(), supervisor());
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(screen_name(&app), "dashboard");
    snapshot("dashboard", &app);
}

#[test]
fn help_overlay() {
    let (_store, mut app) = review_app();
    press(&mut app, KeyCode::Char('?'));
    snapshot("help_review", &app);
    let store = generated_store(3);
    let mut app = app_with(store.path(), nurse());
    press(&mut app, KeyCode::Char('?'));
    snapshot("help_queue", &app);
}

#[test]
fn confirm_quit() {
    let (_store, mut app) = review_app();
    press(&mut app, KeyCode::Char('q'));
    snapshot("confirm_quit", &app);
}

#[test]
fn too_small_terminal() {
    let store = generated_store(3);
    let app = app_with(store.path(), nurse());
    let terminal = draw(&app, 60, 20);
    insta::assert_snapshot!("too_small_60x20", terminal.backend());
    let text = screen_text(&terminal);
    assert!(text.contains("60x20"), "{text}");
    assert!(text.contains("80x22"), "{text}");
}
