//! `umdesk serve`'s limits and its demo (issue 14): the demo lets anyone
//! in, each connection on its own copy of the sample cases; the maximum
//! number of sessions, the per-address rate limit and the idle timeout
//! hold; a panic in one session ends that session only.

mod common;
#[path = "common/pty.rs"]
mod pty;
mod serve_harness;

use std::time::Duration;

use common::{draft_of, facts, seed_case};
use pty::keys::{ENTER, RIGHT};
use serve_harness::{NURSE, NURSE_2, World, have_ssh, wait_on_disk};

#[test]
fn the_demo_lets_anyone_in_each_on_a_copy_of_its_own() {
    have_ssh();
    let world = World::new(&[]);
    // Where the copies are; one a killed server left behind is removed at
    // the next start.
    let copies = world.home().join("state").join("umdesk").join("serve-demo");
    let abandoned = copies.join("999999999-0");
    std::fs::create_dir_all(&abandoned).unwrap();
    let leftovers = || std::fs::read_dir(&copies).map_or(0, |d| d.count());
    let server = world.serve(&["--demo"]);
    assert!(!abandoned.exists(), "the abandoned copy is removed");
    // A key nobody knows is enough.
    let mut a = world.ssh(&server, "stranger", &[]);
    a.wait_for_all(&[
        "umdesk · Queue",
        "Dana Whitfield, RN",
        "Demo: your own copy",
    ]);
    // A sample in review, unassigned: whoever opens it first locks it.
    let sample = "UM-20260310-0001";
    let mut b = world.ssh(&server, "stranger", &[]);
    b.wait_for_all(&["umdesk · Queue", "Dana Whitfield, RN"]);
    // Both see the samples; neither locks the other out of one.
    for s in [&mut a, &mut b] {
        s.wait_for(sample);
        s.send("/");
        s.send(sample);
        s.send(ENTER);
        s.wait_until("the queue filtered to the sample", |o| {
            o.screen().contents().contains("1 of 22 cases")
        });
        s.send(ENTER);
        s.wait_until("the sample open for review, not locked", |o| {
            let text = o.screen().contents();
            text.contains("umdesk · Review") && !text.contains("Locked by")
        });
    }
    assert_eq!(leftovers(), 2, "a copy for each connection");
    a.send("q");
    assert!(a.wait_exit().success());
    b.send("q");
    assert!(b.wait_exit().success());
    // The copies are gone with their connections.
    wait_on_disk("the demo copies removed", Duration::from_secs(10), || {
        leftovers() == 0
    });
    // Nothing was written to the real store.
    assert!(!world.audit().contains("ssh sign-in"));
}

#[test]
fn beyond_the_maximum_a_session_is_told_the_server_is_full() {
    have_ssh();
    let world = World::new(&[NURSE, NURSE_2]);
    let server = world.serve(&["--max-sessions", "1"]);
    let first = world.ssh(&server, NURSE.0, &[]);
    first.wait_for("umdesk · Queue");
    let mut second = world.ssh(&server, NURSE_2.0, &[]);
    second.wait_for("the server is full (1 sessions)");
    let status = second.wait_exit();
    assert!(!status.success());
}

#[test]
fn an_address_over_the_rate_limit_is_refused_and_logged_once() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let server = world.serve(&["--rate-limit", "3/min"]);
    for _ in 0..3 {
        let listed = world.ssh_exec(&server, NURSE.0, &["list"]);
        assert!(listed.status.success(), "{listed:?}");
    }
    for _ in 0..2 {
        let refused = world.ssh_exec(&server, NURSE.0, &["list"]);
        assert_eq!(refused.status.code(), Some(255), "{refused:?}");
    }
    let log = world.audit();
    let refusals = log
        .lines()
        .filter(|l| l.contains("connection attempts a minute"))
        .count();
    assert_eq!(refusals, 1, "{log}");
}

#[test]
fn an_idle_session_is_ended_with_its_draft_kept() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let store = world.store();
    let id = seed_case(&store, facts("Riley Nonexistent", "FIC100000009"));
    let server = world.serve(&["--idle-timeout", "2"]);
    let mut s = world.ssh(&server, NURSE.0, &[]);
    s.wait_for(&id);
    s.send(ENTER);
    s.wait_for("umdesk · Review");
    s.send(RIGHT);
    s.send(RIGHT);
    s.wait_for("✓ 1 Unresectable");
    s.wait_for("idle timeout");
    s.wait_exit();
    assert!(draft_of(&store, &id).is_some(), "the draft is kept");
}

#[test]
fn a_panic_in_one_session_ends_that_session_only() {
    have_ssh();
    let world = World::new(&[NURSE, NURSE_2]);
    let store = world.store();
    let id = seed_case(&store, facts("Riley Nonexistent", "FIC100000010"));
    let mut server = world.serve_with_env(&[], &[("UMDESK_FAULT_PANIC_KEY", "%")]);
    let mut a = world.ssh(&server, NURSE.0, &[]);
    let mut b = world.ssh(&server, NURSE_2.0, &[]);
    a.wait_for(&id);
    b.wait_for(&id);
    a.send(ENTER);
    a.wait_for("umdesk · Review");
    a.send(RIGHT);
    a.send(RIGHT);
    a.wait_for("✓ 1 Unresectable");
    a.send("%");
    a.wait_for("internal error");
    let status = a.wait_exit();
    assert!(!status.success(), "{status:?}");
    assert!(draft_of(&store, &id).is_some(), "the draft is kept");
    // The other session and the server go on.
    b.send(ENTER);
    b.wait_until("B opens the case A let go of", |o| {
        let text = o.screen().contents();
        text.contains("umdesk · Review") && !text.contains("Locked by")
    });
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server is up"
    );
    let listed = world.ssh_exec(&server, NURSE.0, &["list"]);
    assert!(listed.status.success());
}

#[test]
fn the_host_key_is_made_once_and_the_same_at_every_start() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let first = world.serve(&[]).fingerprint.clone();
    let again = world.serve(&[]).fingerprint.clone();
    assert_eq!(first, again, "the host key changed between starts");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(world.root.path().join("host_key"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn a_store_without_a_roster_is_not_served() {
    let root = tempfile::tempdir().unwrap();
    let store = root.path().join("cases");
    let init = std::process::Command::new(serve_harness::UMDESK)
        .env("HOME", root.path())
        .arg("init")
        .arg(&store)
        .output()
        .unwrap();
    assert!(init.status.success());
    let served = std::process::Command::new(serve_harness::UMDESK)
        .env("HOME", root.path())
        .env("XDG_STATE_HOME", root.path().join("state"))
        .arg("--cases")
        .arg(&store)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(served.status.code(), Some(3));
    let said = String::from_utf8_lossy(&served.stderr);
    assert!(
        said.contains("no roster") && said.contains("umdesk roster add"),
        "{said}"
    );
}
