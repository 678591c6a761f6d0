//! Sessions are objects, not the process: two reviewers' sessions run side
//! by side in one process over one store, each with its own input, output
//! and stop, and see each other's work.

mod common;
#[path = "common/session_screen.rs"]
mod session_screen;

use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{empty_store, facts, seed_case, settings};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Size;
use session_screen::Screen;
use umdesk::case::{Reviewer, Role};
use umdesk::store::{CaseStore, FileStore};
use umdesk::tui::app::App;
use umdesk::tui::backend::LeanBackend;
use umdesk::tui::event::Event;
use umdesk::tui::session::{self, Channel, SessionEnd};
use umdesk::tui::theme::{Symbols, Theme};

const TIMEOUT: Duration = Duration::from_secs(10);

fn size() -> std::io::Result<Size> {
    Ok(Size {
        width: 80,
        height: 24,
    })
}

struct Running {
    keys: Sender<Event>,
    screen: Screen,
    thread: JoinHandle<std::io::Result<SessionEnd>>,
}

fn start(store: Arc<dyn CaseStore>, reviewer: Reviewer) -> Running {
    let head = store.list_cached(umdesk::tui::FIRST_SCREEN);
    let app = App::new(
        settings(reviewer),
        Theme::monochrome(Symbols::UNICODE),
        head,
    );
    let channel = Channel::new();
    let keys = channel.sender.clone();
    let screen = Screen::default();
    let backend = LeanBackend::new(screen.clone(), size).expect("backend");
    let thread = std::thread::spawn(move || session::run(app, store, channel, backend));
    Running {
        keys,
        screen,
        thread,
    }
}

impl Running {
    fn press(&self, code: KeyCode) {
        let key = KeyEvent::new(code, KeyModifiers::NONE);
        self.keys.send(Event::Key(key)).expect("session alive");
    }

    fn wait_for(&self, text: &str) {
        let start = Instant::now();
        while !self.screen.text().contains(text) {
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out waiting for {text:?}; the screen is:\n{}",
                self.screen.text()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn end(self) -> SessionEnd {
        self.thread.join().expect("no panic").expect("no error")
    }
}

fn reviewer(name: &str) -> Reviewer {
    Reviewer {
        name: name.to_string(),
        role: Role::Nurse,
    }
}

#[test]
fn two_sessions_in_one_process_share_a_file_store_and_its_locks() {
    let dir = empty_store();
    let id = seed_case(dir.path(), facts("Riley Nonexistent", "FIC400000001"));
    let store: Arc<dyn CaseStore> = Arc::new(FileStore::open(dir.path()).expect("store"));
    two_sessions_share(store, &id);
}

/// The same on the in-memory store: the app needs nothing of the files.
#[test]
fn two_sessions_in_one_process_share_a_memory_store_and_its_locks() {
    let memory = umdesk::store::MemoryStore::new();
    let mut case = umdesk::case::new_case(
        "pending",
        facts("Riley Nonexistent", "FIC400000001"),
        &common::policy(),
        &umdesk::case::due::DueTable::default(),
    );
    umdesk::rules::answers::sync_all(&common::policy().policy, &mut case);
    let received = case.request.received_at.date();
    let mut complete = |case: &mut umdesk::case::Case| {
        umdesk::case::history::record(
            case,
            None,
            &common::nurse(),
            "created",
            "Created",
            common::NOW,
        );
    };
    let id = memory
        .create(&mut case, received, &mut complete)
        .expect("created");
    two_sessions_share(Arc::new(memory), &id);
}

fn two_sessions_share(store: Arc<dyn CaseStore>, id: &str) {
    let id = id.to_string();

    let first = start(Arc::clone(&store), reviewer("Ada First, RN"));
    let second = start(Arc::clone(&store), reviewer("Bea Second, RN"));
    first.wait_for(&id);
    second.wait_for(&id);

    first.press(KeyCode::Enter);
    first.wait_for("umdesk · Review");
    let lock = store
        .lock_info(&id)
        .expect("the first session holds the lock");
    assert_eq!(lock.holder.reviewer.name, "Ada First, RN");

    // The second's queue shows who is in the case, without a key pressed.
    let marker = format!("{} Ada First", Symbols::UNICODE.locked);
    let shown = Instant::now();
    second.wait_for(&marker);
    assert!(
        shown.elapsed() < Duration::from_secs(1),
        "{:?}",
        shown.elapsed()
    );

    // The second sees the case read-only, naming who holds it.
    second.press(KeyCode::Enter);
    second.wait_for("Locked by Ada First, RN");
    assert!(!second.screen.text().contains("umdesk · Review"));

    // Each session stops on its own; the first lets go of its lock.
    first.press(KeyCode::Char('q'));
    assert!(matches!(first.end(), SessionEnd::Quit));
    assert!(
        store.lock_info(&id).is_none(),
        "the lock went with its session"
    );
    second
        .keys
        .send(Event::Stop("server shutting down".to_string()))
        .unwrap();
    assert!(
        matches!(second.end(), SessionEnd::Stopped(reason) if reason == "server shutting down")
    );

    let log = store.access_log(Some(&id)).expect("access log");
    let who: Vec<(&str, &str)> = log
        .iter()
        .map(|e| (e.reviewer.name.as_str(), e.action.as_str()))
        .collect();
    assert_eq!(who, [("Ada First, RN", "open"), ("Bea Second, RN", "view")]);
}
