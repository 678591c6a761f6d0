//! The letters on the signing screen: `f` shows what is signed and the
//! letters the decision sends, scrollable, and says when a letter is
//! incomplete.

mod common;

use common::*;
use ratatui::crossterm::event::KeyCode;
use umdesk::case::{Reviewer, Role};
use umdesk::tui::overlay::Overlay;

/// A nurse's app on a new case answered to meet every criterion, on the
/// determination screen with `f` pressed.
fn signing(reviewer: Reviewer) -> (tempfile::TempDir, App) {
    let store = empty_store();
    let id = seed_case(store.path(), facts("Zoë Ångström-Nguyễn", "FIC300000001"));
    let mut app = app_with(store.path(), reviewer);
    app.open_case(&id);
    answer_all(&mut app, "3.2");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('f'));
    (store, app)
}

fn letter_lines(app: &App) -> (Vec<String>, Vec<String>, usize) {
    match &app.overlay {
        Some(Overlay::ConfirmSign {
            lines,
            letter,
            scroll,
        }) => (lines.clone(), letter.clone(), *scroll),
        _ => panic!("f asks first, showing the letters: {:?}", app.message),
    }
}

#[test]
fn signing_shows_the_letters_the_decision_sends() {
    let (_store, app) = signing(nurse());
    let (lines, letter, scroll) = letter_lines(&app);
    assert_eq!(scroll, 0);
    assert!(!lines.iter().any(|l| l.contains("incomplete")), "{lines:?}");
    let text = letter.join("\n");
    assert!(text.contains("-- Letter to the member --"), "{text}");
    assert!(text.contains("-- Letter to the provider --"), "{text}");
    assert!(
        text.contains("Dear") || text.contains("Request approved"),
        "{text}"
    );
    assert!(text.contains("Zoë Ångström-Nguyễn"), "{text}");
    insta::assert_snapshot!("signing_with_letters_80x24", draw(&app, 80, 24).backend());
}

#[test]
fn the_letters_scroll_and_esc_signs_nothing() {
    let (_store, mut app) = signing(nurse());
    press_n(&mut app, KeyCode::Down, 3);
    assert_eq!(letter_lines(&app).2, 3);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(letter_lines(&app).2, 13);
    press(&mut app, KeyCode::Up);
    assert_eq!(letter_lines(&app).2, 12);
    let before = screen_text(&draw(&app, 80, 24));
    press(&mut app, KeyCode::PageUp);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(letter_lines(&app).2, 0);
    assert_ne!(
        before,
        screen_text(&draw(&app, 80, 24)),
        "scrolling moves the text"
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
}

#[test]
fn a_decision_whose_letter_is_incomplete_says_so_before_signing() {
    let uncredentialed = Reviewer {
        name: "Pat Lee".to_string(),
        role: Role::Nurse,
    };
    let (_store, app) = signing(uncredentialed);
    let (lines, _, _) = letter_lines(&app);
    let text = lines.join("\n");
    assert!(
        text.contains("The letter to the member is incomplete and cannot be sent"),
        "{text}"
    );
    assert!(
        text.contains("the reviewer's name and credentials"),
        "{text}"
    );
    let screen = screen_text(&draw(&app, 80, 24));
    assert!(screen.contains("incomplete"), "{screen}");
}
