//! The terminal itself goes away (an SSH connection drops, tmux is
//! killed): no signal is sent by us, the pseudo-terminal's master side is
//! simply closed. umdesk must notice, keep the draft, release the lock and
//! exit, not spin on a dead terminal.
//!
//! portable-pty keeps a duplicate of the master for its reader, so closing
//! "the" master would not hang the terminal up; this test opens the pair
//! with libc and owns every master descriptor itself.

mod common;

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{empty_store, facts, lock_path, seed_case};

fn open_pty() -> (OwnedFd, OwnedFd) {
    let (mut master, mut slave) = (0, 0);
    let size = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: out-pointers to live locals; null name and termios are allowed.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    // The master must not leak into umdesk, or closing ours hangs nothing up.
    // SAFETY: fcntl on a descriptor we own.
    unsafe { libc::fcntl(master, libc::F_SETFD, libc::FD_CLOEXEC) };
    // SAFETY: openpty returned two fresh descriptors we now own.
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

/// Reads what is there within `wait`, appending to `screen`.
fn read_some(master: &OwnedFd, screen: &mut Vec<u8>, wait: Duration) {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        let mut fd = libc::pollfd {
            fd: master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut fd, 1, 50) } <= 0 {
            continue;
        }
        let mut buf = [0u8; 4096];
        // SAFETY: reading into a live buffer of its own length.
        let n = unsafe { libc::read(master.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return;
        }
        screen.extend_from_slice(&buf[..n as usize]);
    }
}

/// Waits until the screen, as a terminal would show it, holds `text`.
fn wait_for(master: &OwnedFd, screen: &mut Vec<u8>, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    let shows = |bytes: &[u8]| {
        let mut parser = vt100::Parser::new(24, 80, 0);
        parser.process(bytes);
        parser.screen().contents().contains(text)
    };
    while !shows(screen) {
        assert!(Instant::now() < deadline, "no {text:?} on screen");
        read_some(master, screen, Duration::from_millis(100));
    }
}

fn send(master: &OwnedFd, bytes: &[u8]) {
    // SAFETY: writing from a live buffer of its own length.
    let n = unsafe { libc::write(master.as_raw_fd(), bytes.as_ptr().cast(), bytes.len()) };
    assert_eq!(n, bytes.len() as isize);
}

#[test]
fn a_terminal_that_goes_away_ends_the_app_with_the_draft_kept() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Quinn Unreal", "FIC400000077"));
    let home = tempfile::tempdir().unwrap();
    let (master, slave) = open_pty();
    let slave_fd = slave.as_raw_fd();
    let mut command = Command::new(env!("CARGO_BIN_EXE_umdesk"));
    command
        .args([
            "--cases",
            dir.to_str().unwrap(),
            "--reviewer",
            "Pat Lee, RN",
            "--role",
            "nurse",
        ])
        .env("LANG", "C.UTF-8")
        .env("TERM", "xterm-256color")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env_remove("NO_COLOR")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        command.pre_exec(move || {
            libc::setsid();
            libc::ioctl(slave_fd, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("spawn umdesk");
    drop(command); // the parent's copies of the terminal side

    let mut screen = Vec::new();
    wait_for(&master, &mut screen, &id);
    send(&master, b"\r");
    wait_for(&master, &mut screen, "umdesk · Review");
    send(&master, b"\x1b[C\x1b[C");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !has_draft(dir, &id) {
        assert!(Instant::now() < deadline, "no draft within 5 s");
        read_some(&master, &mut screen, Duration::from_millis(50));
    }

    // The connection drops: the terminal's master side closes.
    drop(master);
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(5) {
            let _ = child.kill();
            panic!("umdesk kept running after its terminal went away");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    // Killed by the hang-up signal or exited by itself: either way it ended.
    let _ = status;
    assert!(has_draft(dir, &id), "the draft is kept");
    let log =
        std::fs::read_to_string(home.path().join("state/umdesk/panic.log")).unwrap_or_default();
    assert!(log.is_empty(), "umdesk panicked ({status:?}): {log}");
    assert!(
        !lock_path(dir, &id).exists(),
        "the lock is released ({status:?})"
    );
}

/// Whether some session has written a draft of case `id`.
fn has_draft(dir: &std::path::Path, id: &str) -> bool {
    std::fs::read_dir(dir.join("drafts")).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("{id}--"))
        })
    })
}
