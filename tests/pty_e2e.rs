//! The built binary in a real pseudo-terminal (issue 3 item 7, issue 5
//! items 2 and 3): a case walked from the queue to a saved determination;
//! a hang-up in the middle of a review, its draft recovered on the next
//! start; SIGTERM leaving the terminal restored; a key cut in pieces by a
//! slow link; a resized window.
//!
//! The terminal is the shared harness of `common/pty.rs`; every step waits
//! for what it expects on screen (or on disk), never for a fixed time.

mod common;
#[path = "common/pty.rs"]
mod pty;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{draft_files, draft_of, empty_store, facts, load_case, lock_path, nurse, seed_case};
use pty::keys::{CTRL_S, ENTER, RIGHT};
use pty::{Pty, SIZE_80X24, Signal, alternate_screen_left, assert_restored};
use tempfile::TempDir;
use umdesk::case::Status;

const UMDESK: &str = env!("CARGO_BIN_EXE_umdesk");

/// `umdesk --cases <store> --reviewer "Pat Lee, RN" --role nurse` in an
/// 80x24 terminal, with a home of its own so no config file interferes.
fn start(store: &Path) -> Pty {
    start_with(store, &[])
}

/// As `start`, with extra environment variables.
fn start_with(store: &Path, extra_env: &[(&str, &str)]) -> Pty {
    let home = tempfile::tempdir().expect("a home");
    let mut cmd = pty::umdesk_command(Path::new(UMDESK), home.path(), store, &nurse().name);
    for (key, value) in extra_env {
        cmd.env(key, value);
    }
    Pty::spawn_with_home(cmd, SIZE_80X24, home)
}

/// A store holding one seeded case of `member`, and umdesk started on it
/// (with `extra_env`) with that case open for review: the store, the
/// case's id and the terminal.
fn open_review(
    member: &str,
    member_id: &str,
    extra_env: &[(&str, &str)],
) -> (TempDir, String, Pty) {
    let store = empty_store();
    let id = seed_case(store.path(), facts(member, member_id));
    let mut s = start_with(store.path(), extra_env);
    s.wait_for(&id);
    s.send(ENTER);
    s.wait_for_all(&["umdesk · Review", member]);
    (store, id, s)
}

/// The case files of the store, in order.
fn case_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("store")
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("UM-"))
        })
        .collect();
    files.sort();
    files
}

/// Waits until a draft of case `id` exists; how long it took.
fn wait_for_draft(dir: &Path, id: &str) -> Duration {
    let start = Instant::now();
    while draft_of(dir, id).is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "no draft of {id} appeared"
        );
        // The draft is on disk, not on screen: nothing to be woken by.
        std::thread::sleep(Duration::from_millis(10));
    }
    start.elapsed()
}

#[test]
fn a_case_walked_from_the_queue_to_a_saved_determination() {
    let store = empty_store();
    let dir = store.path();
    let mut s = start(dir);
    s.wait_for_all(&["umdesk · Queue", "No cases in the store yet"]);

    s.send("n");
    s.wait_for("Intake: new request");
    let fields: [(&str, &[u8]); 8] = [
        ("Casey Fictional", b""),
        ("FIC200000042", b""),
        ("1957-03-09", b""),
        ("", RIGHT),
        ("Rowan Inventa, MD", b""),
        ("1234567893", b""),
        ("47371", b""),
        ("C22.0", b""),
    ];
    for (text, extra) in fields {
        s.send(text);
        s.send(extra);
        if !text.is_empty() {
            // The focused field shows its cursor after the text.
            s.wait_for(&format!("{text}_"));
        } else {
            s.wait_for("< Commercial HMO >");
        }
        s.send("\t");
    }
    // Planned date blank, received as given, urgency standard.
    s.send(CTRL_S);
    s.wait_for_all(&["umdesk · Review", "Casey Fictional"]);

    pty::answer_every_criterion_met(&mut s);

    s.send(ENTER);
    s.wait_for_all(&["umdesk · Determination", "ready: f signs and saves"]);
    s.send("f");
    s.wait_for_all(&["Sign this?", "Approve: Meets criteria", "Signed by"]);
    s.send("f");
    s.wait_for_all(&["umdesk · Queue", "approved; saved"]);
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert_eq!(status.exit_code(), 0);

    let files = case_files(dir);
    assert_eq!(files.len(), 1, "{files:?}");
    let id = files[0].file_stem().unwrap().to_string_lossy().to_string();
    let case = load_case(dir, &id);
    assert_eq!(case.status, Status::Approved);
    assert_eq!(case.member.name, "Casey Fictional");
    assert_eq!(case.lesions[0].diameter_cm, Some(3.2));
    assert!(case.seal.is_some());
    assert!(!lock_path(dir, &id).exists());
    assert!(draft_files(dir).is_empty());
    assert_restored(&s.raw());
}

#[test]
fn a_hang_up_mid_review_keeps_the_draft_for_the_next_start() {
    let (store, id, mut s) = open_review("Riley Nonexistent", "FIC400000001", &[]);
    let dir = store.path();
    assert!(lock_path(dir, &id).exists(), "the open case is locked");
    s.send(RIGHT);
    s.send(RIGHT);
    s.wait_for("✓ 1 Unresectable");
    // Autosave: the draft is on disk within a second of the change.
    let took = wait_for_draft(dir, &id);
    assert!(
        took < Duration::from_millis(1500),
        "the draft took {took:?}"
    );

    // The SSH connection drops.
    s.signal(Signal::HUP);
    let status = s.wait_exit();
    assert!(status.success(), "exit status after SIGHUP: {status:?}");
    let draft = draft_of(dir, &id).expect("the draft survives the hang-up");
    assert_eq!(draft_files(dir), vec![draft]);
    assert!(
        !lock_path(dir, &id).exists(),
        "the hang-up lets go of the lock"
    );
    assert_eq!(
        load_case(dir, &id).history.len(),
        1,
        "nothing was saved over the case"
    );
    drop(s);

    // The next start offers the draft, naming the case; Enter recovers it.
    let mut s = start(dir);
    s.wait_for_all(&["Recover unsaved work", &id]);
    s.send(ENTER);
    s.wait_for_all(&["umdesk · Review", "✓ 1 Unresectable", "Recovered the draft"]);
    // Save it and quit.
    s.send(CTRL_S);
    s.wait_for("Saved");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    let case = load_case(dir, &id);
    assert_eq!(
        case.answer("unresectable").and_then(|a| a.input.as_deref()),
        Some("unresectable")
    );
    assert!(draft_files(dir).is_empty(), "saving discards the draft");
    assert!(!lock_path(dir, &id).exists());
    assert_restored(&s.raw());
}

/// A review in progress when `signal` arrives: the process exits 0 with
/// the terminal restored, the draft kept and the lock released.
fn signal_mid_review(signal: Signal) {
    let (store, id, mut s) = open_review("Drew Hypothetical", "FIC500000001", &[]);
    let dir = store.path();
    s.send(RIGHT);
    s.wait_for("✗ 1 Unresectable");
    s.signal(signal);
    let status = s.wait_exit();
    assert!(status.success(), "exit status after {signal:?}: {status:?}");
    assert_restored(&s.raw());
    assert!(draft_of(dir, &id).is_some(), "the draft is kept");
    assert!(!lock_path(dir, &id).exists(), "the lock is released");
}

#[test]
fn sigterm_mid_review_exits_cleanly_with_the_terminal_restored() {
    signal_mid_review(Signal::TERM);
}

#[test]
fn sigint_from_outside_mid_review_exits_cleanly_with_the_terminal_restored() {
    signal_mid_review(Signal::INT);
}

/// A panic (forced with the fault-injection key) restores the terminal
/// first, then says where the panic log is; the log names the draft, and
/// the next start offers the work back.
#[test]
fn a_panic_restores_the_terminal_and_keeps_the_draft() {
    let fault = [("UMDESK_FAULT_PANIC_KEY", "%")];
    let (store, id, mut s) = open_review("Morgan Notreal", "FIC400000009", &fault);
    let dir = store.path();
    s.send(RIGHT);
    s.send(RIGHT);
    s.wait_for("✓ 1 Unresectable");
    s.send("%");
    let status = s.wait_exit();
    assert!(!status.success(), "a panic is not a clean exit: {status:?}");

    let raw = s.raw();
    // The terminal is restored after the panic.
    let left = alternate_screen_left(&raw);
    let after = String::from_utf8_lossy(&raw[left..]).to_string();
    assert!(
        after.contains("panic.log"),
        "the user is told where the log is: {after:?}"
    );

    let log_path = s.home().join("state").join("umdesk").join("panic.log");
    let log = std::fs::read_to_string(&log_path)
        .unwrap_or_else(|e| panic!("{}: {e}", log_path.display()));
    let draft = draft_of(dir, &id).expect("the draft is kept");
    assert!(log.contains("fault injected"), "{log}");
    assert!(
        log.contains(&draft.display().to_string()),
        "the log names the draft: {log}"
    );
    assert!(draft.exists(), "the draft was kept");
    drop(s);

    // The next start offers the draft; the dead process's lock does not
    // keep its own reviewer out.
    let mut s = start(dir);
    s.wait_for_all(&["Recover unsaved work", &id]);
    s.send(ENTER);
    s.wait_for_all(&["umdesk · Review", "✓ 1 Unresectable"]);
    s.send("q");
    s.send("d");
    s.wait_exit();
}

/// Whether the screen's bottom row is the footer (it ends with "q quit").
fn footer_on_bottom_row(screen: &vt100::Screen) -> bool {
    pty::bottom_row_contains(screen, "q quit")
}

/// A window resized at any time, the first resize after the start
/// included, is drawn again at its new size without waiting for a key.
#[test]
fn a_resized_terminal_is_drawn_at_its_new_size() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Drew Hypothetical", "FIC500000001"));
    let mut s = start(dir);
    s.wait_for(&id);
    for size in [(30, 100), (24, 80), (32, 120)] {
        s.resize(size);
        s.wait_until(
            &format!("the footer on the bottom row at {size:?}"),
            |output| footer_on_bottom_row(output.screen()),
        );
    }
    s.resize((20, 60));
    s.wait_for("umdesk needs at least 80x22");
    s.resize(SIZE_80X24);
    s.wait_until("the queue again at 80x24", |output| {
        footer_on_bottom_row(output.screen()) && output.screen().contents().contains(&id)
    });
}

/// An arrow key whose ESC arrives 20 ms before the rest (a laggy SSH
/// link) is an arrow key, not Esc: the review stays open.
#[test]
fn an_arrow_key_whose_esc_arrives_first_does_not_leave_the_review() {
    let (_store, _id, mut s) = open_review("Drew Hypothetical", "FIC500000001", &[]);
    s.send_apart(&[b"\x1b", b"[C"], Duration::from_millis(20));
    s.wait_for("✗ 1 Unresectable");
    s.send_apart(&[b"\x1b", b"[C"], Duration::from_millis(20));
    let screen = s.wait_for("✓ 1 Unresectable");
    assert!(
        screen.contains("umdesk · Review"),
        "the ESC was read as Esc:\n{screen}"
    );
}

/// An arrow key whose bytes arrive apart, as a slow link delivers them,
/// is still one key: cut after its `ESC [` it moves the answer once.
#[test]
fn an_arrow_key_cut_in_two_by_a_slow_link_is_one_key() {
    let (_store, _id, mut s) = open_review("Drew Hypothetical", "FIC500000001", &[]);
    s.send_apart(&[b"\x1b[", b"C"], Duration::from_millis(50));
    s.wait_for("✗ 1 Unresectable");
    s.send_apart(&[b"\x1b[", b"C"], Duration::from_millis(50));
    let screen = s.wait_for("✓ 1 Unresectable");
    assert!(
        !screen.contains("[C") && screen.contains("umdesk · Review"),
        "the pieces were read as other keys:\n{screen}"
    );
}

// ---------------------------------------------------------------- issue 12

/// Every byte sent to the terminal since it started is ASCII.
fn non_ascii_bytes(raw: &[u8]) -> usize {
    raw.iter().filter(|b| !b.is_ascii()).count()
}

/// With `LANG=C` (a terminal without UTF-8) every character drawn is
/// ASCII: borders, the scrollbar, the symbols, a member's accented name;
/// not one byte above 0x7f reaches the terminal.
#[test]
fn with_lang_c_every_character_drawn_is_ascii() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Zoë Ærøskøbing", "FIC500000077"));
    let mut s = start_with(dir, &[("LANG", "C")]);
    s.wait_for_all(&["umdesk . Queue", "Zoe Aroskobing"]);
    s.send("v");
    s.wait_for_all(&["Case view (read-only)", "History (1 entries"]);
    s.send("?");
    s.wait_for("Keys: Case view");
    s.send("x");
    s.wait_until("the help closed", |o| {
        !o.screen().contents().contains("Keys: Case view")
    });
    s.send(pty::keys::ESC);
    s.wait_for("umdesk . Queue");
    s.send(ENTER);
    s.wait_for_all(&["umdesk . Review", "Zoe Aroskobing"]);
    s.send(RIGHT);
    s.wait_for("x 1 Unresectable");
    s.settle();
    let screen = s.screen_text();
    assert!(screen.is_ascii(), "{screen}");
    assert!(screen.contains('+') && screen.contains('|'), "{screen}");
    let raw = s.raw();
    assert_eq!(
        non_ascii_bytes(&raw),
        0,
        "{}",
        String::from_utf8_lossy(&raw)
    );
    s.send("q");
    s.wait_for("Unsaved work");
    s.send("d");
    assert!(s.wait_exit().success());
    assert!(!lock_path(dir, &id).exists());
}

/// `TERM=dumb` is told in one line why the app does not start, and the
/// terminal is not switched to full-screen drawing.
#[test]
fn a_dumb_terminal_gets_a_message_not_the_screen() {
    let store = empty_store();
    let mut s = start_with(store.path(), &[("TERM", "dumb")]);
    let status = s.wait_exit();
    assert_eq!(status.exit_code(), 2, "{status:?}");
    let raw = s.raw();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("TERM=dumb"), "{text}");
    assert!(
        !raw.windows(pty::ENTER_ALTERNATE_SCREEN.len())
            .any(|w| w == pty::ENTER_ALTERNATE_SCREEN),
        "no full-screen drawing: {text:?}"
    );
}

/// `umdesk demo` in a terminal of its own, with `home` as its home.
fn start_demo(home: &Path, args: &[&str]) -> Pty {
    let mut cmd = pty::CommandBuilder::new(UMDESK);
    cmd.arg("demo");
    cmd.args(args);
    pty::isolate(&mut cmd, home);
    Pty::spawn(cmd, SIZE_80X24)
}

/// A demo user whose connection drops comes back to the same store, told
/// where it is, and is offered the draft; `demo --fresh` starts anew.
#[test]
fn a_demo_reconnect_lands_in_the_same_store_with_its_draft() {
    let home = tempfile::tempdir().expect("a home");
    let demo = home.path().join("data").join("umdesk").join("demo");
    let id = "UM-20260310-0001";
    let mut s = start_demo(home.path(), &[]);
    s.wait_for_all(&[
        id,
        "Demo store: ~/data/umdesk/demo (umdesk demo --fresh starts anew)",
    ]);
    s.send("/Marigold");
    s.wait_for("filter: Marigold");
    s.send(ENTER);
    s.send(ENTER);
    s.wait_for_all(&["umdesk · Review", "Marigold Specimen"]);
    s.send(RIGHT);
    wait_for_draft(&demo, id);
    s.signal(Signal::HUP);
    assert!(s.wait_exit().success());
    drop(s);

    let mut s = start_demo(home.path(), &[]);
    s.wait_for_all(&["Recover unsaved work", id, "Demo store: ~/data/umdesk/demo"]);
    s.send(ENTER);
    s.wait_for_all(&["umdesk · Review", "Recovered the draft", "✗ 1 Unresectable"]);
    s.signal(Signal::HUP);
    assert!(s.wait_exit().success());
    drop(s);
    let others: Vec<_> = std::fs::read_dir(demo.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(others, ["demo"], "one demo store, reused");

    let mut s = start_demo(home.path(), &["--fresh"]);
    s.wait_for_all(&[id, "Demo store: ~/data/umdesk/demo"]);
    s.settle();
    assert!(
        !s.screen_text().contains("Recover unsaved work"),
        "a fresh demo store has no draft:\n{}",
        s.screen_text()
    );
    assert!(draft_files(&demo).is_empty());
    s.send("q");
    assert!(s.wait_exit().success());
}
