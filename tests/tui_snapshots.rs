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
use umdesk::case::{Status, history};
use umdesk::store::{CaseStore, FileStore};
use umdesk::tui::theme::{Symbols, Theme};

const SIZES: [(u16, u16); 3] = [(80, 22), (80, 24), (160, 48)];

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
    sign(&mut app);
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

// ---------------------------------------------------------------- issue 12

/// The sizes of the screens issue 12 touched: the minimum and a large one.
const ISSUE_12_SIZES: [(u16, u16); 2] = [(80, 24), (200, 60)];

fn snapshot_at(name: &str, app: &App, sizes: &[(u16, u16)]) {
    for &(width, height) in sizes {
        let terminal = draw(app, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
    }
}

/// A store of the bundled sample cases (the demo's).
fn sample_store() -> tempfile::TempDir {
    let store = empty_store();
    for case in umdesk::fixtures::sample_cases(&policy()) {
        write_case(store.path(), &case);
    }
    store
}

/// The text of the frame's body: every row but the title, message and
/// footer rows.
fn body_rows(terminal: &ratatui::Terminal<ratatui::backend::TestBackend>) -> Vec<String> {
    let rows = rows(terminal);
    rows[1..rows.len() - 2].to_vec()
}

/// The case view's history reads as words, the raw changes one key away.
#[test]
fn case_view_history_in_words_and_raw() {
    let store = sample_store();
    let mut app = app_with(store.path(), supervisor());
    app.view_case("UM-20260224-0001", None);
    assert_eq!(screen_name(&app), "case view");
    // A frame tells the view how long it is; then it scrolls to the end.
    draw(&app, 80, 24);
    press_n(&mut app, KeyCode::PageDown, 40);
    let text = screen_text(&draw(&app, 80, 24));
    for words in [
        "status: approved (was in review)",
        "determination: Approve (Meets criteria);",
        "reopened for amendment: QA:",
    ] {
        assert!(text.contains(words), "missing {words:?} in\n{text}");
    }
    assert!(!text.contains("criteria[0]"), "{text}");
    snapshot_at("case_view_history_words", &app, &ISSUE_12_SIZES);

    press(&mut app, KeyCode::Char('r'));
    draw(&app, 80, 24);
    press_n(&mut app, KeyCode::PageDown, 40);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("status: reopened -> approved"), "{text}");
    snapshot_at("case_view_history_raw", &app, &ISSUE_12_SIZES);
    press(&mut app, KeyCode::Char('r'));
    let text = screen_text(&draw(&app, 200, 60));
    assert!(
        !text.contains("criteria[0]."),
        "r goes back to words:\n{text}"
    );
}

/// Scrolling stops with the last line at the bottom of the view: never a
/// blank screen past the end, and the first key back moves at once.
#[test]
fn case_view_scrolling_stops_at_the_end() {
    let store = sample_store();
    let mut app = app_with(store.path(), supervisor());
    app.view_case("UM-20260224-0001", None);
    for (width, height) in ISSUE_12_SIZES {
        draw(&app, width, height);
        press_n(&mut app, KeyCode::PageDown, 100);
        press_n(&mut app, KeyCode::Down, 100);
        let terminal = draw(&app, width, height);
        let body = body_rows(&terminal);
        assert!(
            !body.last().unwrap().trim().is_empty(),
            "the last line of the case sits on the last row at {width}x{height}:\n{}",
            body.join("\n")
        );
        let umdesk::tui::app::Screen::CaseView(view) = &app.screen else {
            panic!("not the case view");
        };
        let end = view.scroll;
        assert_eq!(Some(end), view.max_scroll());
        press(&mut app, KeyCode::Up);
        let umdesk::tui::app::Screen::CaseView(view) = &app.screen else {
            panic!("not the case view");
        };
        assert_eq!(view.scroll + 1, end, "one key up moves one line up");
        press_n(&mut app, KeyCode::PageUp, 100);
    }
}

/// Notes keep their line breaks, and a long value wraps under its own
/// column rather than under the label.
#[test]
fn case_view_keeps_line_breaks_and_hangs_long_values() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Morgan Pretend", "FIC200000043"));
    let mut app = app_with(dir, nurse());
    app.open_case(&id);
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "CT 2026-11-20: two lesions");
    press(&mut app, KeyCode::Enter);
    type_text(
        &mut app,
        "MRI 2026-11-22 confirms both lesions are confined to the right lobe of the liver",
    );
    press(&mut app, KeyCode::Esc);
    ctrl(&mut app, 's');
    let mut boss = app_with(dir, supervisor());
    boss.view_case(&id, None);
    let rows = rows(&draw(&boss, 80, 24));
    let at = rows
        .iter()
        .position(|r| r.contains("evidence: CT 2026-11-20: two lesions"))
        .unwrap_or_else(|| panic!("the evidence's first line:\n{}", rows.join("\n")));
    let column = rows[at].find("CT 2026").unwrap();
    assert_eq!(
        rows[at + 1].find("MRI 2026-11-22"),
        Some(column),
        "the second line of the note starts its own row, under the first:\n{}",
        rows.join("\n")
    );
    assert_eq!(
        rows[at + 2].find(|c: char| c != ' '),
        Some(column),
        "the long line wraps under its column:\n{}",
        rows.join("\n")
    );
}

/// The queue's Reviewer column is the assigned reviewer or "unassigned",
/// and member names are whole at 80x24.
#[test]
fn queue_of_samples_shows_assignment_and_whole_names() {
    let store = sample_store();
    let app = app_with(store.path(), nurse());
    let text = screen_text(&draw(&app, 80, 24));
    let row = |id: &str| {
        text.lines()
            .find(|l| l.contains(id))
            .unwrap_or_else(|| panic!("no row of {id}:\n{text}"))
            .to_string()
    };
    // Decided by Nora Fictive, yet assigned to nobody.
    assert!(row("UM-20260210-0001").contains("unassigned"), "{text}");
    assert!(
        row("UM-20260210-0001").contains("Bartholomew Demoford"),
        "{text}"
    );
    assert!(!text.contains("Nora Fictive"), "{text}");
    assert!(row("UM-20260311-0001").contains("Paige Exem"), "{text}");
    snapshot_at("queue_samples", &app, &ISSUE_12_SIZES);
}

/// The dashboard's labels are whole words at 80x24.
#[test]
fn dashboard_labels_are_whole_words() {
    let store = generated_store(12);
    let mut app = app_with(store.path(), supervisor());
    press(&mut app, KeyCode::Char('d'));
    for (width, height) in ISSUE_12_SIZES {
        let text = screen_text(&draw(&app, width, height));
        for label in [
            "in review",
            "pended",
            "referred",
            "reopened",
            "approved",
            "denied",
            "not applicable",
            "under 1 day",
            "15 days or more",
        ] {
            assert!(text.contains(label), "{label} at {width}x{height}:\n{text}");
        }
    }
    // 80x24 is the `dashboard` snapshot's.
    snapshot_at("dashboard", &app, &[(200, 60)]);
}

/// Reassigning picks from the reviewers the store knows, and says who
/// has the case now.
#[test]
fn reassigning_picks_from_the_reviewers_seen() {
    let store = sample_store();
    let dir = store.path();
    let mut app = app_with(dir, supervisor());
    app.view_case("UM-20260310-0001", None);
    press(&mut app, KeyCode::Char('G'));
    let Some(umdesk::tui::overlay::Overlay::Picker(picker)) = &app.overlay else {
        panic!("G opens the reviewer picker");
    };
    for name in [
        "Nora Fictive, RN",
        "Paige Exemplar, RN",
        "Olive Imaginary, MD",
    ] {
        assert_eq!(
            picker.items.iter().filter(|i| *i == name).count(),
            1,
            "{name} once in {:?}",
            picker.items
        );
    }
    let paige = picker
        .items
        .iter()
        .position(|i| i == "Paige Exemplar, RN")
        .unwrap();
    snapshot_at("reassign_picker", &app, &ISSUE_12_SIZES);
    press_n(&mut app, KeyCode::Down, paige);
    press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    assert_eq!(
        load_case(dir, "UM-20260310-0001")
            .assigned_reviewer
            .as_deref(),
        Some("Paige Exemplar, RN")
    );
    let message = app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert_eq!(
        message,
        "UM-20260310-0001 is now assigned to Paige Exemplar, RN (was unassigned)"
    );
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("is now assigned to Paige"), "{text}");
    // Esc leaves the picker without a change.
    press(&mut app, KeyCode::Char('G'));
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    assert_eq!(load_case(dir, "UM-20260310-0001").history.len(), 2);
}

/// With the ASCII theme, every cell of every screen is ASCII: borders,
/// bars, symbols, and names with accents.
#[test]
fn the_ascii_theme_draws_only_ascii() {
    let store = sample_store();
    let dir = store.path();
    let mut accented = umdesk::fixtures::facts()
        .member("Zoë Ærøskøbing-Łukasz", "FIC200000099")
        .case("UM-20261130-0009", &policy());
    history::record(&mut accented, None, &nurse(), "created", "Created", NOW);
    write_case(dir, &accented);
    let mut app = app_with(dir, supervisor());
    app.theme = Theme::monochrome(Symbols::ASCII);
    let mut screens = Vec::new();
    let mut look = |app: &App, what: &str| {
        for (width, height) in ISSUE_12_SIZES {
            screens.push((
                format!("{what} {width}x{height}"),
                screen_text(&draw(app, width, height)),
            ));
        }
    };
    look(&app, "queue");
    press(&mut app, KeyCode::Char('d'));
    look(&app, "dashboard");
    press(&mut app, KeyCode::Esc);
    app.view_case("UM-20260224-0001", None);
    look(&app, "case view");
    app.view_case("UM-20260310-0001", None);
    press(&mut app, KeyCode::Char('G'));
    look(&app, "picker");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('?'));
    look(&app, "help");
    for (what, text) in &screens {
        let odd: Vec<char> = text.chars().filter(|c| !c.is_ascii()).collect();
        assert!(odd.is_empty(), "{what} draws {odd:?}:\n{text}");
    }
    let queue = &screens[0].1;
    assert!(queue.contains("Zoe Aroskobing"), "{queue}");
    let dashboard = &screens[2].1;
    assert!(
        dashboard.contains('+') && dashboard.contains('#'),
        "{dashboard}"
    );
}
