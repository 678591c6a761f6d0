//! Two reviewers and a supervisor on one store, the reviewers as real
//! processes in pseudo-terminals (issue 10): a nurse is disconnected in the
//! middle of a review; a second nurse finds the case locked, then free; a
//! supervisor reassigns it; the first nurse comes back, recovers her draft
//! and saves. Afterwards every history entry anyone wrote is still in the
//! chain, and no one's typed text was lost.

mod common;
#[path = "common/pty.rs"]
mod pty;

use std::path::Path;

use common::{App, draft_of, empty_store, facts, load_case, press, seed_case, supervisor};
use pty::keys::{CTRL_S, ENTER, RIGHT};
use pty::{Pty, SIZE_80X24, Signal};
use ratatui::crossterm::event::KeyCode;

const UMDESK: &str = env!("CARGO_BIN_EXE_umdesk");

fn reviewer(store: &Path, name: &str) -> Pty {
    let home = tempfile::tempdir().expect("a home");
    let cmd = pty::umdesk_command(Path::new(UMDESK), home.path(), store, name);
    Pty::spawn_with_home(cmd, SIZE_80X24, home)
}

#[test]
fn a_disconnect_a_reassignment_and_a_recovery_lose_no_entry_and_no_text() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Riley Nonexistent", "FIC400000001"));

    // Nurse A opens the case and types evidence; it is drafted.
    let mut a = reviewer(dir, "Pat Lee, RN");
    a.wait_for(&id);
    a.send(ENTER);
    a.wait_for("umdesk · Review");
    a.send(RIGHT);
    a.send(RIGHT);
    a.send("e");
    a.send("CT 2026-11-20: unresectable");
    a.send("\x1b");
    a.wait_for("Evidence (e): CT 2026-11-20");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while draft_of(dir, &id).is_none() {
        assert!(std::time::Instant::now() < deadline, "no draft");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    // Nurse B finds it locked by A, named.
    let mut b = reviewer(dir, "Bo Second, RN");
    b.wait_for(&id);
    b.send(ENTER);
    b.wait_for("Locked by Pat Lee, RN");
    b.send("q");
    b.wait_exit();

    // A's connection drops: the draft stays, the lock goes.
    a.signal(Signal::HUP);
    a.wait_exit();
    assert!(
        draft_of(dir, &id).is_some(),
        "the draft survives the hang-up"
    );

    // A supervisor reassigns the case meanwhile.
    let mut boss: App = common::app_with(dir, supervisor());
    boss.view_case(&id, None);
    press(&mut boss, KeyCode::Char('G'));
    press(&mut boss, KeyCode::Enter);
    if boss.overlay.is_some() {
        // The picker started on the current assignee: take the next one.
        press(&mut boss, KeyCode::Down);
        press(&mut boss, KeyCode::Enter);
    }
    let reassigned = load_case(dir, &id);
    let supervisor_entry = reassigned.history.last().expect("an entry").clone();
    assert_eq!(
        supervisor_entry.by.name,
        supervisor().name,
        "{:?}",
        boss.message
    );
    let assigned = reassigned.assigned_reviewer.clone();
    drop(boss);

    // A comes back: offered her draft, recovers it onto the newer version.
    let mut a = reviewer(dir, "Pat Lee, RN");
    a.wait_for("Recover unsaved work");
    a.send(ENTER);
    a.wait_for_all(&["umdesk · Review", "Recovered the draft"]);
    a.send(CTRL_S);
    a.wait_for("Saved");
    a.send("q");
    a.wait_exit();

    let saved = load_case(dir, &id);
    for entry in &reassigned.history {
        assert!(
            saved.history.iter().any(|e| e.digest == entry.digest),
            "entry {} ({}) is still in the chain",
            entry.event,
            entry.summary
        );
    }
    assert_eq!(saved.assigned_reviewer, assigned, "the reassignment stands");
    assert_eq!(
        saved.answer("unresectable").unwrap().evidence,
        "CT 2026-11-20: unresectable",
        "A's typed text is kept"
    );
    assert_eq!(
        umdesk::case::history::standing(&saved),
        umdesk::case::history::Standing::Intact
    );
}
