//! The built binary in a real pseudo-terminal (issue 3 item 7, issue 5
//! items 2 and 3): a case walked from the queue to a saved determination;
//! a hang-up in the middle of a review, its draft recovered on the next
//! start; SIGTERM leaving the terminal restored.
//!
//! The screen is read through a vt100 parser fed by a reader thread; every
//! step waits for what it expects on screen (or on disk), never for a fixed
//! time.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{draft_files, empty_store, facts, load_case, lock_path, seed_case};
use portable_pty::{
    Child, CommandBuilder, ExitStatus, MasterPty, PtySize, SlavePty, native_pty_system,
};
use umdesk::case::Status;

const TIMEOUT: Duration = Duration::from_secs(10);
const ENTER_ALT: &[u8] = b"\x1b[?1049h";
const LEAVE_ALT: &[u8] = b"\x1b[?1049l";
const RIGHT: &str = "\x1b[C";
const DOWN: &str = "\x1b[B";
const CTRL_S: &str = "\x13";

struct Session {
    child: Box<dyn Child + Send + Sync>,
    _master: Box<dyn MasterPty + Send>,
    /// Held open so the child's exit never turns reads into EIO while its
    /// last bytes (leaving the alternate screen) are still buffered: on
    /// Linux that race loses them.
    _slave: Box<dyn SlavePty + Send>,
    exited: Arc<AtomicBool>,
    writer: Box<dyn Write + Send>,
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
    _home: tempfile::TempDir,
}

impl Session {
    /// `umdesk --cases <store> --reviewer "Pat Lee, RN" --role nurse` in an
    /// 80x24 terminal, with a home of its own so no config file interferes.
    fn start(store: &Path) -> Session {
        Session::start_with(store, &[])
    }

    fn home(&self) -> &Path {
        self._home.path()
    }

    /// As `start`, with extra environment variables.
    fn start_with(store: &Path, extra_env: &[(&str, &str)]) -> Session {
        let home = tempfile::tempdir().expect("home");
        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_umdesk"));
        cmd.arg("--cases");
        cmd.arg(store);
        cmd.arg("--reviewer");
        cmd.arg("Pat Lee, RN");
        cmd.arg("--role");
        cmd.arg("nurse");
        cmd.cwd(home.path());
        for var in [
            "NO_COLOR",
            "UMDESK_ASCII",
            "UMDESK_CASES",
            "LC_ALL",
            "LC_CTYPE",
            "SSH_CONNECTION",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("LANG", "C.UTF-8");
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home.path());
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env("XDG_DATA_HOME", home.path().join("data"));
        cmd.env("XDG_STATE_HOME", home.path().join("state"));
        for (key, value) in extra_env {
            cmd.env(key, value);
        }
        let child = pty.slave.spawn_command(cmd).expect("spawn umdesk");
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let master_fd = pty.master.as_raw_fd().expect("the master's fd");
        let writer = pty.master.take_writer().expect("writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let exited = Arc::new(AtomicBool::new(false));
        let (p, r, done) = (Arc::clone(&parser), Arc::clone(&raw), Arc::clone(&exited));
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                // Checked before the poll: once the child has exited, a poll
                // that finds nothing means everything it wrote has been read
                // (poll flushes the kernel's pending terminal buffers first).
                let child_gone = done.load(Ordering::SeqCst);
                if !readable(master_fd, 20) {
                    if child_gone {
                        break;
                    }
                    continue;
                }
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        r.lock().unwrap().extend_from_slice(&buf[..n]);
                        p.lock().unwrap().process(&buf[..n]);
                    }
                }
            }
        });
        Session {
            child,
            _master: pty.master,
            _slave: pty.slave,
            exited,
            writer,
            parser,
            raw,
            reader: Some(reader),
            _home: home,
        }
    }

    fn pid(&self) -> libc::pid_t {
        self.child.process_id().expect("pid") as libc::pid_t
    }

    fn send(&mut self, keys: &str) {
        self.writer
            .write_all(keys.as_bytes())
            .expect("write to the terminal");
        self.writer.flush().expect("flush");
    }

    fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until every one of `texts` is on screen; the screen as it is then.
    fn wait_for_all(&self, texts: &[&str]) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let screen = self.screen();
            if texts.iter().all(|t| screen.contains(t)) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {texts:?}; the screen is:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_for(&self, text: &str) -> String {
        self.wait_for_all(&[text])
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                self.exited.store(true, Ordering::SeqCst);
                if let Some(reader) = self.reader.take() {
                    reader.join().expect("reader thread");
                }
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("umdesk did not exit; the screen is:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn raw(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on the pid of our own child process.
        let rc = unsafe { libc::kill(self.pid(), signal) };
        assert_eq!(rc, 0, "kill: {}", std::io::Error::last_os_error());
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Whether `fd` has input within `millis`.
fn readable(fd: std::os::fd::RawFd, millis: i32) -> bool {
    let mut pollfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid, exclusively borrowed pollfd.
    let ready = unsafe { libc::poll(&mut pollfd, 1, millis) };
    ready > 0 && pollfd.revents & libc::POLLIN != 0
}

fn last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// The terminal was given back: the alternate screen was left after it
/// was last entered, and the cursor shown again.
fn assert_restored(raw: &[u8]) {
    let entered = last(raw, ENTER_ALT).expect("the app entered the alternate screen");
    let left = last(raw, LEAVE_ALT).expect("the app left the alternate screen");
    assert!(
        left > entered,
        "the alternate screen was entered again after it was left"
    );
    let shown = last(raw, b"\x1b[?25h").expect("the cursor is shown again");
    assert!(shown > entered);
    // Nothing is drawn on the main screen afterwards: only control
    // sequences (cursor shown, paste mode off) follow.
    let tail = &raw[left + LEAVE_ALT.len()..];
    assert!(
        without_csi(tail).iter().all(u8::is_ascii_whitespace),
        "output after leaving the alternate screen: {:?}",
        String::from_utf8_lossy(tail)
    );
}

/// The bytes that are not part of a CSI escape sequence.
fn without_csi(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                i += 1;
            }
            i += 1;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

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
    while draft_file(dir, id).is_none() {
        assert!(start.elapsed() < TIMEOUT, "no draft of {id} appeared");
        std::thread::sleep(Duration::from_millis(10));
    }
    start.elapsed()
}

#[test]
fn a_case_walked_from_the_queue_to_a_saved_determination() {
    let store = empty_store();
    let dir = store.path();
    let mut s = Session::start(dir);
    s.wait_for_all(&["umdesk · Queue", "No cases in the store yet"]);

    s.send("n");
    s.wait_for("Intake: new request");
    for (text, extra) in [
        ("Casey Fictional", ""),
        ("FIC200000042", ""),
        ("1957-03-09", ""),
        ("", RIGHT),
        ("Rowan Inventa, MD", ""),
        ("1234567893", ""),
        ("47371", ""),
        ("C22.0", ""),
    ] {
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

    s.send(RIGHT);
    s.send(RIGHT);
    s.wait_for("✓ 1 Unresectable");
    s.send(DOWN);
    s.send("g");
    s.wait_for("✓ 2 Tumor of an eligible origin");
    s.send(DOWN);
    s.send("a");
    s.wait_for("Add a lesion");
    s.send("segment VI\t3.2\r");
    s.wait_for("✓ 3 Tumor smaller than 5 cm");
    s.send(DOWN);
    s.send(RIGHT);
    s.wait_for("✓ 4 No cancer outside the liver");
    s.send(DOWN);
    s.send(RIGHT);
    s.wait_for_all(&["✓ 5 Amenable", "Meets criteria"]);

    s.send("\r");
    s.wait_for_all(&["umdesk · Determination", "ready: f signs and saves"]);
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
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Riley Nonexistent", "FIC400000001"));

    let mut s = Session::start(dir);
    s.wait_for(&id);
    s.send("\r");
    s.wait_for_all(&["umdesk · Review", "Riley Nonexistent"]);
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
    s.signal(libc::SIGHUP);
    let status = s.wait_exit();
    assert!(status.success(), "exit status after SIGHUP: {status:?}");
    let draft = draft_file(dir, &id).expect("the draft survives the hang-up");
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
    let mut s = Session::start(dir);
    s.wait_for_all(&["Recover unsaved work", &id]);
    s.send("\r");
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
fn signal_mid_review(signal: libc::c_int) {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Drew Hypothetical", "FIC500000001"));
    let mut s = Session::start(dir);
    s.wait_for(&id);
    s.send("\r");
    s.wait_for("umdesk · Review");
    s.send(RIGHT);
    s.wait_for("✗ 1 Unresectable");
    s.signal(signal);
    let status = s.wait_exit();
    assert!(
        status.success(),
        "exit status after signal {signal}: {status:?}"
    );
    assert_restored(&s.raw());
    assert!(draft_file(dir, &id).is_some(), "the draft is kept");
    assert!(!lock_path(dir, &id).exists(), "the lock is released");
}

#[test]
fn sigterm_mid_review_exits_cleanly_with_the_terminal_restored() {
    signal_mid_review(libc::SIGTERM);
}

#[test]
fn sigint_from_outside_mid_review_exits_cleanly_with_the_terminal_restored() {
    signal_mid_review(libc::SIGINT);
}

/// A panic (forced with the fault-injection key) restores the terminal
/// first, then says where the panic log is; the log names the draft, and
/// the next start offers the work back.
#[test]
fn a_panic_restores_the_terminal_and_keeps_the_draft() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Morgan Notreal", "FIC400000009"));

    let mut s = Session::start_with(dir, &[("UMDESK_FAULT_PANIC_KEY", "%")]);
    s.wait_for(&id);
    s.send("\r");
    s.wait_for_all(&["umdesk · Review", "Morgan Notreal"]);
    s.send(RIGHT);
    s.send(RIGHT);
    s.wait_for("✓ 1 Unresectable");
    s.send("%");
    let status = s.wait_exit();
    assert!(!status.success(), "a panic is not a clean exit: {status:?}");

    let raw = s.raw();
    let entered = last(&raw, ENTER_ALT).expect("entered the alternate screen");
    let left = last(&raw, LEAVE_ALT).expect("left the alternate screen");
    assert!(left > entered, "the terminal is restored after the panic");
    let after = String::from_utf8_lossy(&raw[left..]).to_string();
    assert!(
        after.contains("panic.log"),
        "the user is told where the log is: {after:?}"
    );

    let log_path = s.home().join("state").join("umdesk").join("panic.log");
    let log = std::fs::read_to_string(&log_path)
        .unwrap_or_else(|e| panic!("{}: {e}", log_path.display()));
    let draft = draft_file(dir, &id).expect("the draft is kept");
    assert!(log.contains("fault injected"), "{log}");
    assert!(
        log.contains(&draft.display().to_string()),
        "the log names the draft: {log}"
    );
    assert!(draft.exists(), "the draft was kept");
    drop(s);

    // The next start offers the draft; the dead process's lock does not
    // keep its own reviewer out.
    let mut s = Session::start(dir);
    s.wait_for_all(&["Recover unsaved work", &id]);
    s.send("\r");
    s.wait_for_all(&["umdesk · Review", "✓ 1 Unresectable"]);
    s.send("q");
    s.send("d");
    s.wait_exit();
}

/// The draft file of case `id`, whichever session wrote it.
fn draft_file(dir: &Path, id: &str) -> Option<std::path::PathBuf> {
    std::fs::read_dir(dir.join("drafts"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{id}--")))
        })
}
