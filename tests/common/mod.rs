//! Shared helpers of the app tests: a store of fixed cases, a fixed clock,
//! an `App` built on them, and keys pressed one at a time.
//!
//! Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tempfile::TempDir;
use time::OffsetDateTime;
use time::macros::datetime;
use umdesk::case::due::DueTable;
use umdesk::case::{
    Case, RequestFacts, Reviewer, Role, Status, history, new_case, parse_case, to_json,
};
use umdesk::fixtures::generate;
use umdesk::policy::LoadedPolicy;
use umdesk::store::{CaseStore, FileStore};
use umdesk::tui::Settings;
use umdesk::tui::app::Screen;
/// The app with its effects performed as they are asked for.
pub use umdesk::tui::runner::Inline as App;
use umdesk::tui::theme::{Symbols, Theme};

/// The time every test app lives at.
pub const NOW: OffsetDateTime = datetime!(2026-12-01 10:00 -5);

pub fn fixed_now() -> OffsetDateTime {
    NOW
}

pub fn policy() -> LoadedPolicy {
    LoadedPolicy::embedded()
}

pub fn nurse() -> Reviewer {
    Reviewer {
        name: "Pat Lee, RN".to_string(),
        role: Role::Nurse,
    }
}

pub fn physician() -> Reviewer {
    Reviewer {
        name: "Olive Imaginary, MD".to_string(),
        role: Role::Physician,
    }
}

pub fn supervisor() -> Reviewer {
    Reviewer {
        name: "Quentin Makebelieve, RN".to_string(),
        role: Role::Supervisor,
    }
}

/// An empty store in a new temporary directory.
pub fn empty_store() -> TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    // Owner-only, as umdesk wants its store; else every screen shows the warning.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
        .expect("chmod 700");
    FileStore::open(dir.path()).expect("store opens");
    dir
}

/// A store holding `count` generated cases, the same on every run.
pub fn generated_store(count: usize) -> TempDir {
    let dir = empty_store();
    let policy = policy();
    for case in generate(&policy, count, 7, NOW) {
        write_case(dir.path(), &case);
    }
    dir
}

pub fn write_case(dir: &Path, case: &Case) {
    let path = dir.join(format!("{}.json", case.id));
    std::fs::write(&path, to_json(case)).expect("case written");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
}

pub fn app_with(dir: &Path, reviewer: Reviewer) -> App {
    let store = std::sync::Arc::new(FileStore::open(dir).expect("store opens"));
    let app = App::start(
        settings(reviewer),
        Theme::monochrome(Symbols::UNICODE),
        store,
    );
    if let Some(message) = &app.message {
        assert!(
            !message.text.contains("Store warning"),
            "the test store should be private: {}",
            message.text
        );
    }
    app
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn press(app: &mut App, code: KeyCode) {
    let modifiers = match code {
        KeyCode::Char(c) if c.is_ascii_uppercase() => KeyModifiers::SHIFT,
        KeyCode::BackTab => KeyModifiers::SHIFT,
        _ => KeyModifiers::NONE,
    };
    app.handle_key(KeyEvent::new(code, modifiers));
}

pub fn press_n(app: &mut App, code: KeyCode, times: usize) {
    for _ in 0..times {
        press(app, code);
    }
}

pub fn ctrl(app: &mut App, c: char) {
    app.handle_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// The request facts of a case seeded straight into a store.
pub fn facts(member: &str, member_id: &str) -> RequestFacts {
    umdesk::fixtures::facts().member(member, member_id).build()
}

/// A new case in review, written through the store as intake would; its id.
pub fn seed_case(dir: &Path, facts: RequestFacts) -> String {
    let policy = policy();
    let store = FileStore::open(dir).expect("store opens");
    let received = facts.received_at.date();
    let mut case = new_case("pending", facts, &policy, &DueTable::default());
    umdesk::rules::answers::sync_all(&policy.policy, &mut case);
    let mut complete = |case: &mut Case| {
        history::record(
            case,
            None,
            &nurse(),
            "created",
            "Case created at intake",
            NOW,
        );
    };
    store
        .create(&mut case, received, &mut complete)
        .expect("case created")
}

pub fn case_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.json"))
}

pub fn load_case(dir: &Path, id: &str) -> Case {
    let text = std::fs::read_to_string(case_path(dir, id)).expect("case file");
    parse_case(&text).unwrap_or_else(|e| panic!("{id}: {e}"))
}

pub fn load_json(dir: &Path, id: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(case_path(dir, id)).expect("case file");
    serde_json::from_str(&text).expect("case JSON")
}

/// The files in `<store>/drafts/`.
pub fn draft_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir.join("drafts")) {
        Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
        Err(_) => Vec::new(),
    }
}

pub fn lock_path(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.lock"))
}

/// The first generated case with this status.
pub fn case_with_status(dir: &Path, status: Status) -> String {
    let store = FileStore::open(dir).expect("store opens");
    store
        .list()
        .cases
        .iter()
        .find(|c| c.status == status)
        .map(|c| c.id.to_string())
        .unwrap_or_else(|| panic!("no generated case is {}", status.label()))
}

/// The id of the case open in the app.
pub fn open_id(app: &App) -> String {
    match &app.screen {
        Screen::Case(ws) => ws.case.id.clone(),
        Screen::CaseView(view) => view.case.id.clone(),
        _ => panic!("no case is open"),
    }
}

pub fn screen_name(app: &App) -> &'static str {
    match &app.screen {
        Screen::Queue => "queue",
        Screen::Intake(_) => "intake",
        Screen::Case(ws) if ws.view == umdesk::tui::workspace::WorkView::Determination => {
            "determination"
        }
        Screen::Case(_) => "review",
        Screen::CaseView(_) => "case view",
        Screen::Dashboard(_) => "dashboard",
    }
}

/// Draws the app once into a test terminal of this size.
pub fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|frame| umdesk::tui::view::render(app, frame))
        .expect("draw");
    terminal
}

/// The rows of a drawn frame as text.
pub fn rows(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect()
}

pub fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    rows(terminal).join("\n")
}

/// Fills the intake form of a new case, focus on the first field.
/// `product_steps` presses Right on the product chooser that many times.
pub fn fill_intake(app: &mut App, member: &str, icd10: &str, product_steps: usize) {
    type_text(app, member);
    press(app, KeyCode::Tab);
    type_text(app, "FIC200000042");
    press(app, KeyCode::Tab);
    type_text(app, "1957-03-09");
    press(app, KeyCode::Tab);
    press_n(app, KeyCode::Right, product_steps);
    press(app, KeyCode::Tab);
    type_text(app, "Rowan Inventa, MD");
    press(app, KeyCode::Tab);
    type_text(app, "1234567893");
    press(app, KeyCode::Tab);
    type_text(app, "47371");
    press(app, KeyCode::Tab);
    type_text(app, icd10);
    press(app, KeyCode::Tab);
    type_text(app, "2026-12-15");
    // Received keeps its default (now); urgency goes to expedited.
    press(app, KeyCode::Tab);
    press(app, KeyCode::Tab);
    press(app, KeyCode::Right);
}

/// Criteria 1, 2, 4 and 5 set through their inputs so they are met, and
/// one lesion of `diameter` cm for criterion 3. Leaves focus on criterion 5.
pub fn answer_all(app: &mut App, diameter: &str) {
    // 1: resectable, then unresectable.
    press_n(app, KeyCode::Right, 2);
    press(app, KeyCode::Down);
    // 2: the diagnosis code's suggestion.
    press(app, KeyCode::Char('g'));
    press(app, KeyCode::Down);
    // 3: one lesion.
    press(app, KeyCode::Char('a'));
    type_text(app, "segment VI");
    press(app, KeyCode::Tab);
    type_text(app, diameter);
    press(app, KeyCode::Enter);
    press(app, KeyCode::Down);
    // 4: no evidence of extrahepatic malignancy.
    press(app, KeyCode::Right);
    press(app, KeyCode::Down);
    // 5: documented amenable.
    press(app, KeyCode::Right);
}

/// The settings every test app runs with.
pub fn settings(reviewer: Reviewer) -> Settings {
    Settings {
        policy: policy(),
        reviewer,
        due_table: DueTable::default(),
        stale_lock_after: time::Duration::hours(8),
        now: fixed_now,
        identity: umdesk::tui::Trust::default(),
    }
}

/// The draft of case `id` in `<store>/drafts/`, whichever session wrote it.
pub fn draft_of(dir: &Path, id: &str) -> Option<PathBuf> {
    let prefix = format!("{id}--");
    draft_files(dir).into_iter().find(|path| {
        path.file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with(&prefix))
    })
}

/// The JSON pointers (RFC 6901) of every string in `value`, for tests that
/// put hostile text into each field of a document in turn.
pub fn string_pointers(value: &serde_json::Value) -> Vec<String> {
    fn walk(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match value {
            serde_json::Value::String(_) => out.push(at),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{at}/{i}"), out);
                }
            }
            serde_json::Value::Object(fields) => {
                for (key, item) in fields {
                    let key = key.replace('~', "~0").replace('/', "~1");
                    walk(item, format!("{at}/{key}"), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

/// `f` on the determination: what will be signed is shown and asked once;
/// `f` again signs. Where something blocks signing, the problems show
/// instead and nothing more is pressed.
pub fn sign(app: &mut App) {
    press(app, KeyCode::Char('f'));
    if matches!(
        app.overlay,
        Some(umdesk::tui::overlay::Overlay::ConfirmSign { .. })
    ) {
        press(app, KeyCode::Char('f'));
    }
}
