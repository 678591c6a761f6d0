//! The intake screen imports a PAS request file (^O): the case it makes
//! opens for review, and the same file again opens the same case.

mod common;

use common::{App, app_with, ctrl, empty_store, nurse, press, type_text};
use ratatui::crossterm::event::KeyCode;
use umdesk::store::{CaseStore, FileStore};
use umdesk::tui::app::Screen;

fn sample() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/pas/samples/standard-commercial.json"
    )
    .to_string()
}

fn import_at_intake(app: &mut App, path: &str) {
    press(app, KeyCode::Char('n'));
    assert!(matches!(app.app.screen, Screen::Intake(_)));
    ctrl(app, 'o');
    type_text(app, path);
    press(app, KeyCode::Enter);
}

fn open_case_id(app: &App) -> String {
    match &app.app.screen {
        Screen::Case(ws) => ws.case.id.clone(),
        _ => panic!(
            "no case open; message: {:?}",
            app.app.message.as_ref().map(|m| m.text.clone())
        ),
    }
}

#[test]
fn the_intake_imports_a_pas_request_file_and_opens_its_case_once() {
    let dir = empty_store();
    let mut app = app_with(dir.path(), nurse());
    import_at_intake(&mut app, &sample());
    let id = open_case_id(&app);
    let store = FileStore::open(dir.path()).unwrap();
    let case = store.load(&id).unwrap();
    assert_eq!(case.member.name, "Ada Sampleton");
    assert!(case.pas_request.is_some());
    assert_eq!(
        umdesk::case::history::verify(&case),
        umdesk::case::history::Integrity::Intact
    );
    // Back to the queue, and the same file again: the same case.
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.app.screen, Screen::Queue));
    import_at_intake(&mut app, &sample());
    assert_eq!(open_case_id(&app), id);
    assert_eq!(store.list().cases.len(), 1);
}

#[test]
fn a_file_that_is_not_a_pas_request_is_refused_with_its_fhir_path() {
    let dir = empty_store();
    let elsewhere = tempfile::tempdir().unwrap();
    let bad = elsewhere.path().join("not-pas.json");
    std::fs::write(&bad, r#"{"resourceType":"Patient"}"#).unwrap();
    let mut app = app_with(dir.path(), nurse());
    import_at_intake(&mut app, bad.to_str().unwrap());
    let message = app
        .app
        .message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default();
    assert!(message.contains("Bundle.resourceType"), "{message}");
    assert!(matches!(app.app.screen, Screen::Intake(_)));
    assert!(FileStore::open(dir.path()).unwrap().list().cases.is_empty());
}

#[test]
fn the_case_view_lists_the_documents_the_request_attached() {
    let dir = empty_store();
    let mut app = app_with(dir.path(), nurse());
    import_at_intake(&mut app, &sample());
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.app.screen, Screen::Queue));
    press(&mut app, KeyCode::Char('v'));
    assert_eq!(common::screen_name(&app), "case view");
    let text = common::screen_text(&common::draw(&app, 140, 50));
    assert!(text.contains("Sources"), "{text}");
    assert!(
        text.contains("DocumentReference fic-ct-report-1: CT abdomen with contrast"),
        "{text}"
    );
    assert!(text.contains("QuestionnaireResponse fic-dtr-1"), "{text}");
}
