//! `umdesk serve` against OpenSSH's own client (issue 14), on 127.0.0.1,
//! port 0: a reviewer signs in with their roster key and walks a case to
//! a determination signed by their forwarded agent; a window resized mid
//! review; an unknown key refused and logged; a connection killed mid
//! review and the draft offered again; two reviewers on one case; the
//! server stopped with SIGTERM under three sessions; a command without a
//! terminal; a stalled client beside a working one.
//!
//! Each step waits for what it expects on screen or on disk, never for a
//! fixed time.

mod common;
#[path = "common/pty.rs"]
mod pty;
mod serve_harness;

use std::time::{Duration, Instant};

use common::{facts, load_case, lock_path, seed_case};
use pty::Signal;
use pty::keys::{DOWN, ENTER, RIGHT};
use serve_harness::{
    NURSE, NURSE_2, NURSE_3, SUPERVISOR, World, drafts_of, have_ssh, wait_on_disk,
};

/// The queue is on screen, with `id` in it.
fn wait_for_queue(s: &pty::Pty, id: &str) {
    s.wait_for_all(&["umdesk · Queue", id]);
}

/// Opens case `id` from the queue.
fn open(s: &mut pty::Pty, id: &str, member: &str) {
    wait_for_queue(s, id);
    s.send(ENTER);
    s.wait_for_all(&["umdesk · Review", member]);
}

#[test]
fn a_roster_key_walks_a_case_to_a_determination_signed_by_the_forwarded_agent() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let store = world.store();
    let id = seed_case(&store, facts("Casey Fictional", "FIC100000001"));
    let server = world.serve(&[]);
    let agent = world.agent(NURSE.0);
    let mut s = world.ssh_with_agent(&server, NURSE.0, &agent);
    open(&mut s, &id, "Casey Fictional");
    // The title bar names the reviewer as the roster does, known by key.
    s.wait_for(NURSE.1);
    pty::answer_every_criterion_met(&mut s);
    s.send(ENTER);
    s.wait_for_all(&["umdesk · Determination", "ready: f signs and saves"]);
    s.send("f");
    s.wait_for_all(&["Sign this?", "Approve: Meets criteria"]);
    s.send("f");
    s.wait_for_all(&["umdesk · Queue", "approved; saved"]);
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "ssh's exit status: {status:?}");

    let case = load_case(&store, &id);
    let signature = case.signatures.last().expect("the determination is signed");
    let key = std::fs::read_to_string(world.key(NURSE.0).with_extension("pub")).unwrap();
    let key = umdesk::identity::roster::parse_key(&key).unwrap();
    assert_eq!(signature.key, umdesk::identity::roster::fingerprint(&key));
    assert_eq!(signature.signer.name, NURSE.1);
    // The signature, the history and the access log all check out.
    let verified = world.umdesk(&["verify"]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
    assert!(!lock_path(&store, &id).exists(), "the lock is let go");
}

#[test]
fn without_a_forwarded_agent_a_decision_is_not_saved_and_the_reviewer_is_told_ssh_a() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let store = world.store();
    let id = seed_case(&store, facts("Casey Fictional", "FIC100000002"));
    let server = world.serve(&[]);
    let mut s = world.ssh(&server, NURSE.0, &[]);
    open(&mut s, &id, "Casey Fictional");
    // Not applicable is the shortest way to a determination.
    s.send(RIGHT);
    s.send(RIGHT);
    s.wait_for("✓ 1 Unresectable");
    s.send(ENTER);
    s.wait_for("umdesk · Determination");
    let before = load_case(&store, &id);
    s.send("f");
    if s.screen_text().contains("Sign this?") || s.wait_for("Sign this?").contains("Sign this?") {
        s.send("f");
    }
    s.wait_for_all(&["Not signed", "(agent forwarding)"]);
    assert_eq!(
        load_case(&store, &id).history.len(),
        before.history.len(),
        "nothing unsigned is saved"
    );
}

#[test]
fn an_unknown_key_is_refused_and_logged_with_its_fingerprint_and_address() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let server = world.serve(&[]);
    let refused = world.ssh_exec(&server, "stranger", &["list"]);
    assert_eq!(refused.status.code(), Some(255), "ssh is refused");
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("Permission denied"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    let key = std::fs::read_to_string(world.key("stranger").with_extension("pub")).unwrap();
    let key = umdesk::identity::roster::parse_key(&key).unwrap();
    let fingerprint = umdesk::identity::roster::fingerprint(&key);
    let log = world.audit();
    let line = log
        .lines()
        .find(|line| line.contains(&fingerprint))
        .unwrap_or_else(|| panic!("the refusal is not in the access log:\n{log}"));
    assert!(line.contains("refused"), "{line}");
    assert!(line.contains("via ssh 127.0.0.1"), "{line}");
    // And a key on the roster signs in, logged too.
    let listed = world.ssh_exec(&server, NURSE.0, &["list"]);
    assert!(listed.status.success());
    assert!(world.audit().contains("ssh sign-in"));
}

#[test]
fn a_password_or_keyboard_interactive_gets_nobody_in() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let server = world.serve(&[]);
    // The client's first occurrence of an option wins: these come before
    // the harness's own, which turn passwords off.
    let tried = std::process::Command::new("ssh")
        .env("HOME", world.home())
        .args([
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "PasswordAuthentication=yes",
            "-o",
            "KbdInteractiveAuthentication=yes",
            "-o",
            "PreferredAuthentications=keyboard-interactive,password",
        ])
        .args(serve_harness::ssh_options(&server))
        .args(["-l", NURSE.0, "127.0.0.1", "list"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&tried.stderr);
    assert_eq!(tried.status.code(), Some(255), "{said}");
    // The server offers keys and nothing else.
    assert!(said.contains("Permission denied (publickey)"), "{said}");
    assert!(tried.stdout.is_empty(), "nothing ran");
    let log = world.audit();
    assert!(
        log.lines()
            .any(|line| line.contains("ssh refused") && line.contains("via ssh 127.0.0.1")),
        "the attempt is in the access log:\n{log}"
    );
    assert!(!log.contains("ssh sign-in"), "{log}");
}

#[test]
fn a_command_without_a_terminal_runs_read_only_as_the_reviewer() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let store = world.store();
    let id = seed_case(&store, facts("Casey Fictional", "FIC100000003"));
    let server = world.serve(&[]);
    let listed = world.ssh_exec(&server, NURSE.0, &["list"]);
    assert!(listed.status.success(), "{listed:?}");
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(text.contains(&id), "{text}");
    // `show` is recorded as viewed by the reviewer the key names.
    let shown = world.ssh_exec(&server, NURSE.0, &["show", &id]);
    assert!(shown.status.success(), "{shown:?}");
    assert!(String::from_utf8_lossy(&shown.stdout).contains("Casey Fictional"));
    let log = world.audit();
    assert!(
        log.lines().any(|l| l.contains(NURSE.1)
            && l.contains("show")
            && l.contains(&id)
            && l.contains("via ssh 127.0.0.1")),
        "{log}"
    );
    // A nurse is not a supervisor, whatever the server's own user is.
    let stats = world.ssh_exec(&server, NURSE.0, &["stats"]);
    assert_eq!(stats.status.code(), Some(3), "{stats:?}");
    // What writes is refused, with its exit status.
    let generate = world.ssh_exec(&server, SUPERVISOR.0, &["generate", "--count", "3"]);
    assert_eq!(generate.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&generate.stderr).contains("cannot be run over SSH"));
    // No command and no terminal: one line, and the connection closes.
    let bare = world.ssh_exec(&server, NURSE.0, &[]);
    assert_eq!(bare.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bare.stdout).contains("no terminal"));
}

#[test]
fn a_window_resized_mid_review_is_drawn_at_its_new_size() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let store = world.store();
    let id = seed_case(&store, facts("Drew Hypothetical", "FIC100000004"));
    let server = world.serve(&[]);
    let mut s = world.ssh(&server, NURSE.0, &[]);
    open(&mut s, &id, "Drew Hypothetical");
    for size in [(30, 100), (24, 80), (32, 120)] {
        s.resize(size);
        s.wait_until(&format!("the review at {size:?}"), |output| {
            let screen = output.screen();
            let (rows, cols) = screen.size();
            (rows, cols) == size
                && screen.contents().contains("Drew Hypothetical")
                && screen
                    .rows(0, cols)
                    .nth(usize::from(rows) - 1)
                    .is_some_and(|row| !row.trim().is_empty())
        });
    }
    s.resize((20, 60));
    s.wait_for("umdesk needs at least 80x22");
}

#[test]
fn a_connection_killed_mid_review_keeps_the_draft_and_the_reconnect_is_offered_it() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let store = world.store();
    let id = seed_case(&store, facts("Riley Nonexistent", "FIC100000005"));
    let server = world.serve(&[]);
    let mut s = world.ssh(&server, NURSE.0, &[]);
    open(&mut s, &id, "Riley Nonexistent");
    s.send(RIGHT);
    s.send(RIGHT);
    s.wait_for("✓ 1 Unresectable");
    wait_on_disk("the draft", Duration::from_secs(10), || {
        drafts_of(&store, &id) == 1
    });
    // The client dies without a word: the server sees the TCP connection go.
    s.signal(Signal::KILL);
    s.wait_exit();
    wait_on_disk("the lock let go", Duration::from_secs(10), || {
        !lock_path(&store, &id).exists()
    });
    assert_eq!(drafts_of(&store, &id), 1, "the draft is kept");
    assert_eq!(
        load_case(&store, &id).history.len(),
        1,
        "nothing saved over the case"
    );

    let mut s = world.ssh(&server, NURSE.0, &[]);
    s.wait_for_all(&["Recover unsaved work", &id]);
    s.send(ENTER);
    s.wait_for_all(&["umdesk · Review", "✓ 1 Unresectable", "Recovered the draft"]);
    s.send(pty::keys::CTRL_S);
    s.wait_for("Saved");
    s.send("q");
    assert!(s.wait_exit().success());
    assert_eq!(
        load_case(&store, &id)
            .answer("unresectable")
            .and_then(|a| a.input.as_deref()),
        Some("unresectable")
    );
}

#[test]
fn two_reviewers_on_one_case_the_second_is_locked_out_and_told_who_holds_it() {
    have_ssh();
    let world = World::new(&[NURSE, NURSE_2]);
    let store = world.store();
    let id = seed_case(&store, facts("Riley Nonexistent", "FIC100000006"));
    let server = world.serve(&[]);
    let mut a = world.ssh(&server, NURSE.0, &[]);
    open(&mut a, &id, "Riley Nonexistent");
    let mut b = world.ssh(&server, NURSE_2.0, &[]);
    wait_for_queue(&b, &id);
    b.send(ENTER);
    b.wait_for(&format!("Locked by {}", NURSE.1));
    // A quits, letting go; B, back in the queue, can open it.
    a.send("q");
    assert!(a.wait_exit().success());
    b.send(pty::keys::ESC);
    b.wait_until("B's queue again", |o| {
        let text = o.screen().contents();
        text.contains("umdesk · Queue") && !text.contains("Locked by")
    });
    b.send(ENTER);
    b.wait_until("B in the review, not read-only", |o| {
        let text = o.screen().contents();
        text.contains("umdesk · Review") && !text.contains("Locked by")
    });
    wait_on_disk("B's lock", Duration::from_secs(10), || {
        std::fs::read_to_string(lock_path(&store, &id)).is_ok_and(|lock| lock.contains(NURSE_2.1))
    });
}

#[test]
fn sigterm_with_three_sessions_open_keeps_every_draft_and_tells_each_client() {
    have_ssh();
    let world = World::new(&[NURSE, NURSE_2, NURSE_3]);
    let store = world.store();
    let reviewers = [NURSE, NURSE_2, NURSE_3];
    let mut sessions = Vec::new();
    let mut ids = Vec::new();
    for (n, _) in reviewers.iter().enumerate() {
        ids.push(seed_case(
            &store,
            facts(&format!("Member Number{n}"), &format!("FIC20000000{n}")),
        ));
    }
    let mut server = world.serve(&[]);
    for (n, reviewer) in reviewers.iter().enumerate() {
        let mut s = world.ssh(&server, reviewer.0, &[]);
        wait_for_queue(&s, &ids[n]);
        // Each opens their own case: the queue lists them in order.
        for _ in 0..n {
            s.send(DOWN);
        }
        s.send(ENTER);
        s.wait_for_all(&["umdesk · Review", &format!("Member Number{n}")]);
        s.send(RIGHT);
        s.send(RIGHT);
        s.wait_for("✓ 1 Unresectable");
        sessions.push(s);
    }
    for id in &ids {
        wait_on_disk("every draft", Duration::from_secs(10), || {
            drafts_of(&store, id) == 1
        });
    }
    server.signal(Signal::TERM);
    for s in &mut sessions {
        s.wait_for("the server is shutting down");
        s.wait_exit();
    }
    let status = server.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "the server's exit status: {status:?}");
    for id in &ids {
        assert_eq!(drafts_of(&store, id), 1, "the draft of {id} is kept");
        assert!(
            !lock_path(&store, id).exists(),
            "the lock of {id} is let go"
        );
    }
}

#[test]
fn a_stalled_client_does_not_slow_another() {
    have_ssh();
    let world = World::new(&[NURSE, NURSE_2]);
    let store = world.store();
    let id = seed_case(&store, facts("Riley Nonexistent", "FIC100000007"));
    let other = seed_case(&store, facts("Sam Madeup", "FIC100000008"));
    let server = world.serve(&[]);
    let mut stalled = world.ssh_sized(&server, NURSE.0, &[], (40, 160));
    open(&mut stalled, &id, "Riley Nonexistent");
    // A burst of keys, then its client stops reading altogether: the
    // frames they draw have nowhere to go.
    for _ in 0..200 {
        stalled.send(DOWN);
        stalled.send(pty::keys::UP);
    }
    stalled.signal(Signal::STOP);
    let mut b = world.ssh(&server, NURSE_2.0, &[]);
    wait_for_queue(&b, &other);
    b.send(DOWN);
    b.send(ENTER);
    b.wait_for_all(&["umdesk · Review", "Sam Madeup"]);
    // Right steps the first criterion's input to its next value: each key
    // changes the screen.
    let resectability = |text: &str| {
        text.lines()
            .find(|line| line.contains("Resectability:"))
            .map(str::to_string)
    };
    let mut slowest = Duration::ZERO;
    for _ in 0..6 {
        b.settle();
        let before = resectability(&b.screen_text());
        let started = Instant::now();
        b.send(RIGHT);
        b.wait_until("the input to change", |o| {
            resectability(&o.screen().contents()) != before
        });
        slowest = slowest.max(started.elapsed());
    }
    assert!(
        slowest < Duration::from_secs(2),
        "a key took {slowest:?} beside a stalled client"
    );
    stalled.signal(Signal::CONT);
}

/// The channel's bytes are decoded as a terminal's: an arrow whose ESC
/// comes apart from the rest is one arrow, and a bracketed paste (line
/// break included) is one paste, not keys.
#[test]
fn split_keys_and_a_bracketed_paste_arrive_as_the_terminal_sent_them() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let store = world.store();
    let id = seed_case(&store, facts("Drew Hypothetical", "FIC100000011"));
    let server = world.serve(&[]);
    let mut s = world.ssh(&server, NURSE.0, &[]);
    open(&mut s, &id, "Drew Hypothetical");
    s.send_apart(&[b"\x1b", b"[C"], Duration::from_millis(20));
    s.wait_for("✗ 1 Unresectable");
    s.send_apart(&[b"\x1b[", b"C"], Duration::from_millis(50));
    let screen = s.wait_for("✓ 1 Unresectable");
    assert!(
        screen.contains("umdesk · Review") && !screen.contains("[C"),
        "the pieces were read as other keys:\n{screen}"
    );
    s.send("e");
    s.send("\x1b[200~CT 2026-11-20: unresectable\x1b[201~");
    s.send("\x1b");
    s.wait_for("Evidence (e): CT 2026-11-20:");
}

/// The session follows the client's terminal, not the server's: a client
/// that says its locale is not UTF-8 (`SetEnv`/`SendEnv`) gets the ASCII
/// symbols, and one that says nothing gets the server's default.
#[test]
fn a_client_without_utf8_gets_ascii_symbols() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let store = world.store();
    let id = seed_case(&store, facts("Drew Hypothetical", "FIC100000012"));
    let server = world.serve(&[]);
    let mut s = world.ssh(&server, NURSE.0, &["-o", "SetEnv=LANG=C"]);
    s.wait_for_all(&["umdesk . Queue", &id]);
    s.wait_until("the ASCII cursor", |o| {
        o.screen()
            .rows(0, 80)
            .any(|row| row.trim_start().starts_with(&format!("> {id}")))
    });
    s.send("q");
    s.wait_exit();
}
