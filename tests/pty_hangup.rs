//! The terminal itself goes away (an SSH connection drops, tmux is
//! killed): no signal is sent by us, the pseudo-terminal's master side is
//! simply closed. umdesk must notice, keep the draft, release the lock and
//! exit, not spin on a dead terminal.
//!
//! The harness's `hang_up` closes every descriptor of the master it holds
//! (the reader's duplicate too), so the kernel hangs the terminal up.

mod common;
#[path = "common/pty.rs"]
mod pty;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{draft_of, empty_store, facts, lock_path, nurse, seed_case};
use pty::keys::{ENTER, RIGHT};
use pty::{Pty, SIZE_80X24};

#[test]
fn a_terminal_that_goes_away_ends_the_app_with_the_draft_kept() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Quinn Unreal", "FIC400000077"));
    let home = tempfile::tempdir().expect("a home");
    let cmd = pty::umdesk_command(
        Path::new(env!("CARGO_BIN_EXE_umdesk")),
        home.path(),
        dir,
        &nurse().name,
    );
    let mut s = Pty::spawn_with_home(cmd, SIZE_80X24, home);

    s.wait_for(&id);
    s.send(ENTER);
    s.wait_for("umdesk · Review");
    s.send(RIGHT);
    s.send(RIGHT);
    s.wait_for("✓ 1 Unresectable");
    let deadline = Instant::now() + Duration::from_secs(5);
    while draft_of(dir, &id).is_none() {
        assert!(Instant::now() < deadline, "no draft within 5 s");
        // The draft is on disk, not on screen: nothing to be woken by.
        std::thread::sleep(Duration::from_millis(10));
    }

    // The connection drops: the terminal's master side closes.
    s.hang_up();
    s.set_timeout(Duration::from_secs(5));
    // Killed by the hang-up signal or exited by itself: either way it ends.
    let status = s.wait_exit();
    assert!(draft_of(dir, &id).is_some(), "the draft is kept");
    let log = std::fs::read_to_string(s.home().join("state/umdesk/panic.log")).unwrap_or_default();
    assert!(log.is_empty(), "umdesk panicked ({status:?}): {log}");
    assert!(
        !lock_path(dir, &id).exists(),
        "the lock is released ({status:?})"
    );
}
