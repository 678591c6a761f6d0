//! What a reviewer stumbled on at the review and determination screens
//! (issue 12): every lesion in view with the one that decides criterion 3,
//! messages that are never cut at the edge, a reopened case that says why,
//! all at 80x22 (80x24 less a tmux status line), 80x24 and 200x60.

mod common;

use common::*;
use ratatui::crossterm::event::KeyCode;
use umdesk::case::{Case, Lesion};

const SIZES: [(u16, u16); 3] = [(80, 22), (80, 24), (200, 60)];

fn snapshot(name: &str, app: &App) {
    for (width, height) in SIZES {
        let terminal = draw(app, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
    }
}

fn screen_text(app: &App, width: u16, height: u16) -> String {
    rows(&draw(app, width, height)).join("\n")
}

/// A case with `diameters` as its lesions, written straight into the store.
fn case_with_lesions(dir: &std::path::Path, diameters: &[f64]) -> String {
    let id = seed_case(dir, facts("Casey Fictional", "FIC200000042"));
    let mut case: Case = load_case(dir, &id);
    let before = case.clone();
    case.lesions = diameters
        .iter()
        .enumerate()
        .map(|(i, d)| Lesion {
            site: format!("segment {}", ["II", "III", "IVa", "V", "VI", "VII"][i % 6]),
            diameter_cm: Some(*d),
        })
        .collect();
    umdesk::rules::answers::sync_all(&policy().policy, &mut case);
    umdesk::case::history::record(
        &mut case,
        Some(&before),
        &nurse(),
        "imaging entered",
        "Lesions from the CT report",
        NOW,
    );
    write_case(dir, &case);
    id
}

fn review_at_criterion_3(dir: &std::path::Path, id: &str) -> App {
    let mut app = app_with(dir, nurse());
    app.open_case(id);
    assert_eq!(screen_name(&app), "review", "{:?}", app.message);
    press_n(&mut app, KeyCode::Down, 2);
    app
}

#[test]
fn the_decisive_lesion_is_in_view_at_every_size() {
    let store = empty_store();
    // Five lesions; the 2.9 cm one is the largest, entered fourth.
    let id = case_with_lesions(store.path(), &[1.1, 0.8, 1.6, 2.9, 1.2]);
    let app = review_at_criterion_3(store.path(), &id);
    for (width, height) in SIZES {
        let text = screen_text(&app, width, height);
        assert!(
            text.contains("#4 segment V: 2.9 cm"),
            "{width}x{height}:\n{text}"
        );
        assert!(
            text.contains("5 lesions, largest first"),
            "{width}x{height}:\n{text}"
        );
    }
    // Where there is room, every lesion is listed.
    let wide = screen_text(&app, 200, 60);
    for site in ["#1 ", "#2 ", "#3 ", "#4 ", "#5 "] {
        assert!(wide.contains(site), "{site} missing:\n{wide}");
    }
    // Where there is not, the rest are counted.
    let small = screen_text(&app, 80, 22);
    assert!(small.contains("more, none over"), "{small}");
    snapshot("lesions", &app);
}

#[test]
fn long_evidence_shows_whole_where_there_is_room() {
    let store = empty_store();
    let id = case_with_lesions(store.path(), &[3.2]);
    let mut app = review_at_criterion_3(store.path(), &id);
    press(&mut app, KeyCode::Char('e'));
    type_text(
        &mut app,
        "CT abdomen 2026-11-20: single lesion in segment VI measuring 3.2 cm, \
         no other hepatic lesion, no extrahepatic disease; read by the attending radiologist",
    );
    press(&mut app, KeyCode::Esc);
    let wide = screen_text(&app, 200, 60);
    assert!(wide.contains("read by the attending radiologist"), "{wide}");
    // Where there is not, it wraps and ends with "…"; `e` opens it whole.
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("Evidence (e): CT abdomen"), "{text}");
    assert!(text.contains("…"), "{text}");
}

#[test]
fn a_long_message_wraps_instead_of_being_cut_at_the_edge() {
    let store = empty_store();
    let id = case_with_lesions(store.path(), &[3.2]);
    let mut app = review_at_criterion_3(store.path(), &id);
    app.error(
        "Locked by Colleen Brody, RN (nurse) on host vm, process 4242, since \
         2026-12-01T09:14:03-05:00 (via ssh 10.0.0.5 51234 10.0.0.1 22)",
    );
    for (width, height) in SIZES {
        let text = screen_text(&app, width, height);
        assert!(
            text.contains("10.0.0.1 22)"),
            "{width}x{height}: the end of the message is on screen:\n{text}"
        );
    }
}

#[test]
fn an_amendment_shows_why_it_was_reopened_and_starts_from_the_signed_rationale() {
    let store = empty_store();
    let dir = store.path();
    let id = case_with_lesions(dir, &[3.2]);
    // A nurse approves it; a supervisor's QA disagrees and reopens it.
    let mut app = review_at_criterion_3(dir, &id);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    answer_all(&mut app, "3.2");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('e'));
    ctrl(&mut app, 'a');
    type_text(
        &mut app,
        "Approved: every criterion documented in the CT report.",
    );
    press(&mut app, KeyCode::Esc);
    sign(&mut app);
    assert_eq!(screen_name(&app), "queue", "{:?}", app.message);
    let mut boss = app_with(dir, supervisor());
    boss.view_case(&id, None);
    press(&mut boss, KeyCode::Char('Q'));
    type_text_replacing(&mut boss, "n");
    press(&mut boss, KeyCode::Tab);
    type_text(&mut boss, "3");
    press(&mut boss, KeyCode::Tab);
    type_text(&mut boss, "Lesion size not in the source report");
    press(&mut boss, KeyCode::Enter);
    press(&mut boss, KeyCode::Char('R'));
    type_text(&mut boss, "QA found the size unsupported");
    press(&mut boss, KeyCode::Enter);
    assert!(boss.overlay.is_none(), "{:?}", boss.message);

    let mut nurse_app = app_with(dir, nurse());
    nurse_app.open_case(&id);
    assert_eq!(screen_name(&nurse_app), "review", "{:?}", nurse_app.message);
    let text = screen_text(&nurse_app, 80, 24);
    assert!(text.contains("Reopened: QA found the size"), "{text}");
    assert!(text.contains("QA disagrees"), "{text}");
    snapshot("amendment_review", &nurse_app);
    press(&mut nurse_app, KeyCode::Enter);
    let text = screen_text(&nurse_app, 80, 24);
    assert!(text.contains("QA found the size unsupported"), "{text}");
    assert!(
        text.contains("Approved: every criterion documented in the CT report."),
        "the amendment starts from the signed rationale:\n{text}"
    );
    snapshot("amendment_determination", &nurse_app);
}

/// Clears the focused field, then types `text`.
fn type_text_replacing(app: &mut App, text: &str) {
    ctrl(app, 'a');
    ctrl(app, 'k');
    type_text(app, text);
}

#[test]
fn the_search_hit_count_is_never_cut_from_the_policy_pane_title() {
    let store = empty_store();
    let id = case_with_lesions(store.path(), &[3.2]);
    let mut app = review_at_criterion_3(store.path(), &id);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "hepatocellular");
    press(&mut app, KeyCode::Enter);
    let Some(search) = (match &app.screen {
        umdesk::tui::app::Screen::Case(ws) => ws.search.clone(),
        _ => None,
    }) else {
        panic!("a search: {:?}", app.message);
    };
    let count = format!("'hepatocellular' 1/{}", search.hits.len());
    for (width, height) in SIZES {
        let text = screen_text(&app, width, height);
        assert!(text.contains(&count), "{width}x{height}:\n{text}");
    }
}

#[test]
fn a_manual_answer_without_evidence_is_shown_as_such_on_the_determination() {
    let store = empty_store();
    let id = case_with_lesions(store.path(), &[3.2]);
    let mut app = review_at_criterion_3(store.path(), &id);
    press_n(&mut app, KeyCode::Up, 2);
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Enter);
    let text = screen_text(&app, 80, 24);
    assert!(text.contains("criterion 1 Unresectable"), "{text}");
    assert!(text.contains("answered by hand, with"), "{text}");
}

/// A field's error that does not fit beside it is spelled out whole below
/// the form, even once the focus has moved on (the NPI error lost its
/// closing parenthesis at 80 columns).
#[test]
fn an_intake_error_is_never_cut_at_the_edge() {
    let store = empty_store();
    let mut app = app_with(store.path(), nurse());
    press(&mut app, KeyCode::Char('n'));
    press_n(&mut app, KeyCode::Tab, 5);
    type_text(&mut app, "1234567890");
    press(&mut app, KeyCode::Tab);
    for (width, height) in SIZES {
        let text = screen_text(&app, width, height);
        // Read as a person reads wrapped text: the rows run on.
        let read: Vec<&str> = text.lines().map(str::trim).collect();
        let read = read.join(" ");
        assert!(
            read.contains(
                "Problem  ✗ Provider NPI: check digit does not match (last digit should be 3)"
            ),
            "{width}x{height}:\n{text}"
        );
    }
}

/// The read-only banner naming who holds the lock wraps instead of being
/// cut at the terminal's edge.
#[test]
fn the_lock_banner_is_never_cut_at_the_edge() {
    let store = empty_store();
    let id = case_with_lesions(store.path(), &[3.2]);
    let mut app = app_with(store.path(), supervisor());
    app.view_case(
        &id,
        Some(
            "Read-only: Locked by Colleen Brody, RN (nurse) on host vm, process 4242, \
             since 2026-12-01T09:14:03-05:00 (via ssh 10.0.0.5 51234 10.0.0.1 22)"
                .to_string(),
        ),
    );
    for (width, height) in SIZES {
        let text = screen_text(&app, width, height);
        assert!(text.contains("10.0.0.1 22)"), "{width}x{height}:\n{text}");
    }
}
