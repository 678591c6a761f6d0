//! One pseudo-terminal harness for the end-to-end tests and the benchmark
//! (the bench takes it with `#[path = "../tests/common/pty.rs"] mod pty;`).
//!
//! A terminal of a fixed size runs one program; a reader thread feeds its
//! output to a vt100 screen and keeps every chunk with the moment it
//! arrived, so a measurement can date exactly when the screen first showed
//! something. Every wait is for a condition (text on screen, the output
//! going quiet, the program's exit) with a deadline, never for a fixed time.
//!
//! Reading stops only when nothing is left. The harness holds a descriptor
//! of the terminal's own side (the slave) for as long as it reads: were the
//! program's exit to close the last one, Linux could turn reads of the master
//! into EIO while the program's last bytes (leaving the alternate screen) are
//! still in the kernel's buffers, and lose them. Once the program has exited
//! the harness writes an end marker into its own slave descriptor; it comes
//! out of the master after everything the program wrote, so the reader stops
//! exactly at the end of the program's output.
//!
//! Nothing here is specific to umdesk except `umdesk_command`.
#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, MasterPty, PtySize, native_pty_system};
pub use portable_pty::{CommandBuilder, ExitStatus};
pub use rustix::process::Signal;
use rustix::termios::{OptionalActions, SpecialCodeIndex, tcgetattr, tcsetattr};

/// The keys the tests and the bench press, as a terminal sends them.
pub mod keys {
    pub const ENTER: &[u8] = b"\r";
    pub const TAB: &[u8] = b"\t";
    pub const ESC: &[u8] = b"\x1b";
    pub const UP: &[u8] = b"\x1b[A";
    pub const DOWN: &[u8] = b"\x1b[B";
    pub const RIGHT: &[u8] = b"\x1b[C";
    pub const LEFT: &[u8] = b"\x1b[D";
    /// Down as a terminal sends it once the program has switched its cursor
    /// keys to application mode.
    pub const DOWN_APPLICATION: &[u8] = b"\x1bOB";
    pub const CTRL_S: &[u8] = b"\x13";
}

/// Answers the five criteria of a fresh case in the review screen as a
/// nurse does, each from its input (criterion 2 from the diagnosis code's
/// suggestion, criterion 3 from a 3.2 cm lesion), until the case meets
/// criteria; it is left on the review screen.
pub fn answer_every_criterion_met(s: &mut Pty) {
    use keys::{DOWN, RIGHT};
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
}

/// The size every end-to-end test uses, as (rows, columns).
pub const SIZE_80X24: (u16, u16) = (24, 80);

/// How long a wait lasts before it fails, unless `set_timeout` says else.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Output quiet this long means the program has finished reacting.
const DEFAULT_QUIET: Duration = Duration::from_millis(150);

/// Written into the slave to end the reading. Its first byte never occurs
/// in UTF-8 text, so the program's own output cannot look like its start.
const END_MARKER: &[u8] = b"\xff\xfe end of the pty harness \xfe\xff";

pub const ENTER_ALTERNATE_SCREEN: &[u8] = b"\x1b[?1049h";
pub const LEAVE_ALTERNATE_SCREEN: &[u8] = b"\x1b[?1049l";
pub const SHOW_CURSOR: &[u8] = b"\x1b[?25h";

/// One read from the terminal and the moment it returned.
#[derive(Clone)]
pub struct Chunk {
    pub at: Instant,
    pub bytes: Vec<u8>,
}

/// Everything read so far.
pub struct Output {
    pub parser: vt100::Parser,
    pub chunks: Vec<Chunk>,
    pub last_at: Option<Instant>,
}

impl Output {
    pub fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }
}

struct Shared {
    output: Mutex<Output>,
    /// Notified after each chunk, so waits wake when the screen changes.
    arrived: Condvar,
}

/// A program running in a pseudo-terminal.
pub struct Pty {
    child: Box<dyn Child + Send + Sync>,
    /// `None` once the terminal has been hung up.
    master: Option<Box<dyn MasterPty + Send>>,
    writer: Option<Box<dyn Write + Send>>,
    /// The harness's own descriptor of the terminal side (see the module's
    /// comment): it carries the end marker.
    slave: File,
    shared: Arc<Shared>,
    reader: Option<JoinHandle<()>>,
    started: Instant,
    size: (u16, u16),
    timeout: Duration,
    quiet: Duration,
    home: Option<tempfile::TempDir>,
}

impl Pty {
    /// Starts `cmd` in a new terminal of `(rows, cols)`.
    pub fn spawn(cmd: CommandBuilder, (rows, cols): (u16, u16)) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let slave_name = pair.master.tty_name().expect("the terminal's name");
        let slave = open_terminal(&slave_name);
        let shared = Arc::new(Shared {
            output: Mutex::new(Output {
                parser: vt100::Parser::new(rows, cols, 0),
                chunks: Vec::new(),
                last_at: None,
            }),
            arrived: Condvar::new(),
        });
        let reader = pair
            .master
            .try_clone_reader()
            .expect("the terminal's reader");
        let writer = pair.master.take_writer().expect("the terminal's writer");
        let sink = Arc::clone(&shared);
        let reader = std::thread::spawn(move || read_until_end(reader, &sink));
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("spawn the program");
        Pty {
            child,
            master: Some(pair.master),
            writer: Some(writer),
            slave,
            shared,
            reader: Some(reader),
            started,
            size: (rows, cols),
            timeout: DEFAULT_TIMEOUT,
            quiet: DEFAULT_QUIET,
            home: None,
        }
    }

    /// As `spawn`, keeping `home` (the program's HOME) until the end.
    pub fn spawn_with_home(cmd: CommandBuilder, size: (u16, u16), home: tempfile::TempDir) -> Pty {
        let mut pty = Pty::spawn(cmd, size);
        pty.home = Some(home);
        pty
    }

    /// How long a wait may take before it fails.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// How long the output must be silent for `settle`.
    pub fn set_quiet(&mut self, quiet: Duration) {
        self.quiet = quiet;
    }

    /// The home given to `spawn_with_home`.
    pub fn home(&self) -> &Path {
        self.home.as_ref().expect("spawned with a home").path()
    }

    /// Just before the program was spawned.
    pub fn started(&self) -> Instant {
        self.started
    }

    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the program's pid")
    }

    fn output(&self) -> MutexGuard<'_, Output> {
        self.shared.output.lock().expect("the terminal's output")
    }

    /// Lets go of `output` until the next chunk arrives, `at_most` long.
    fn next_chunk<'a>(
        &'a self,
        output: MutexGuard<'a, Output>,
        at_most: Duration,
    ) -> MutexGuard<'a, Output> {
        self.shared
            .arrived
            .wait_timeout(output, at_most)
            .expect("the terminal's output")
            .0
    }

    /// Reads what has been received so far.
    pub fn with_output<R>(&self, look: impl FnOnce(&Output) -> R) -> R {
        look(&self.output())
    }

    /// The screen as text.
    pub fn screen_text(&self) -> String {
        self.output().screen().contents()
    }

    /// The screen's rows as text.
    pub fn rows(&self) -> Vec<String> {
        let output = self.output();
        output.screen().rows(0, self.size.1).collect()
    }

    /// The number of chunks read so far: a mark to measure from.
    pub fn mark(&self) -> usize {
        self.output().chunks.len()
    }

    /// Writes `bytes` as typed keys; the mark and the moment just before.
    pub fn send(&mut self, bytes: impl AsRef<[u8]>) -> (usize, Instant) {
        let mark = self.mark();
        let at = Instant::now();
        let writer = self.writer.as_mut().expect("the terminal is still there");
        writer
            .write_all(bytes.as_ref())
            .expect("write to the terminal");
        writer.flush().expect("flush the terminal");
        (mark, at)
    }

    /// Writes `parts` one after another with `gap` between them, as a slow
    /// link delivers an escape sequence cut in pieces.
    pub fn send_apart(&mut self, parts: &[&[u8]], gap: Duration) {
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                // The gap is the input under test, not a wait for output.
                std::thread::sleep(gap);
            }
            self.send(part);
        }
    }

    /// Gives the terminal a new size, as a user resizing the window does
    /// (the program gets SIGWINCH); the screen read from here on has it too.
    pub fn resize(&mut self, (rows, cols): (u16, u16)) {
        self.master
            .as_ref()
            .expect("the terminal is still there")
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the terminal");
        self.output().parser.screen_mut().set_size(rows, cols);
        self.size = (rows, cols);
    }

    /// Sends `signal` to the program.
    pub fn signal(&self, signal: Signal) {
        let pid = i32::try_from(self.pid()).expect("a pid fits i32");
        let pid = rustix::process::Pid::from_raw(pid).expect("a live pid is positive");
        rustix::process::kill_process(pid, signal)
            .unwrap_or_else(|e| panic!("kill {pid:?} with {signal:?}: {e}"));
    }

    /// Waits until `holds` is true of what has been read; panics naming
    /// `what`, with the screen, when it is not within the timeout.
    pub fn wait_until(&self, what: &str, holds: impl Fn(&Output) -> bool) {
        let deadline = Instant::now() + self.timeout;
        let mut output = self.output();
        while !holds(&output) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                let screen = output.screen().contents();
                // Unlocked first, so the reader is not poisoned by the panic.
                drop(output);
                panic!("timed out waiting for {what}; the screen is:\n{screen}");
            }
            output = self.next_chunk(output, left);
        }
    }

    /// Waits until every one of `texts` is on screen; the screen then.
    pub fn wait_for_all(&self, texts: &[&str]) -> String {
        self.wait_until(&format!("{texts:?} on screen"), |output| {
            let screen = output.screen().contents();
            texts.iter().all(|text| screen.contains(text))
        });
        self.screen_text()
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_all(&[text])
    }

    /// Waits until nothing has been read for the quiet time, counted from
    /// this call at the earliest.
    pub fn settle(&self) {
        let called = Instant::now();
        let deadline = called + self.timeout;
        let mut output = self.output();
        loop {
            let quiet_since = output.last_at.unwrap_or(called).max(called);
            let quiet_for = quiet_since.elapsed();
            if quiet_for >= self.quiet {
                return;
            }
            if Instant::now() >= deadline {
                drop(output);
                panic!("the output never went quiet");
            }
            output = self.next_chunk(output, self.quiet - quiet_for);
        }
    }

    /// Waits (up to `wait`) for output after `mark`, then until it is quiet.
    /// Whether anything came.
    pub fn settle_after(&self, mark: usize, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        let came = {
            let mut output = self.output();
            while output.chunks.len() <= mark {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                output = self.next_chunk(output, left);
            }
            output.chunks.len() > mark
        };
        self.settle();
        came
    }

    /// Every byte read so far.
    pub fn raw(&self) -> Vec<u8> {
        self.raw_since(0)
    }

    /// Every byte read from chunk `from` up to and including chunk `to`.
    pub fn raw_between(&self, from: usize, to: usize) -> Vec<u8> {
        let output = self.output();
        let end = to.saturating_add(1).min(output.chunks.len());
        output.chunks[from.min(end)..end]
            .iter()
            .flat_map(|chunk| chunk.bytes.iter().copied())
            .collect()
    }

    pub fn raw_since(&self, mark: usize) -> Vec<u8> {
        self.raw_between(mark, usize::MAX)
    }

    pub fn bytes_since(&self, mark: usize) -> usize {
        let output = self.output();
        output.chunks[mark.min(output.chunks.len())..]
            .iter()
            .map(|chunk| chunk.bytes.len())
            .sum()
    }

    /// The program's exit status, if it has exited.
    pub fn try_wait(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().expect("the program's status")
    }

    /// Waits for the program to exit, then reads the rest of its output.
    /// Kills it and fails when it has not exited within the timeout.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + self.timeout;
        loop {
            if let Some(status) = self.try_wait() {
                self.stop_reading();
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!(
                    "the program did not exit within {:?}; the screen is:\n{}",
                    self.timeout,
                    self.screen_text()
                );
            }
            // Nothing to wait on for a child's exit but its status.
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kills the program if it is still running and reads the rest.
    pub fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.stop_reading();
    }

    /// The terminal goes away, as when an SSH connection drops or tmux is
    /// killed: every descriptor of the master side is closed, so the kernel
    /// hangs up the program's side. No signal is sent by the harness.
    pub fn hang_up(&mut self) {
        // The reader holds a descriptor of the master too.
        self.stop_reading();
        // portable-pty's writer, dropped, types a newline and the
        // end-of-file character; with none set it types nothing the program
        // could take for a key on the way out.
        if let Ok(mut termios) = tcgetattr(&self.slave) {
            termios.special_codes[SpecialCodeIndex::VEOF] = 0;
            let _ = tcsetattr(&self.slave, OptionalActions::Now, &termios);
        }
        self.writer = None;
        self.master = None;
    }

    /// Ends the reader once everything written so far has been read.
    fn stop_reading(&mut self) {
        let Some(reader) = self.reader.take() else {
            return;
        };
        // Everything the program wrote is ahead of the marker in the
        // terminal's queue. Should the write fail, the terminal has been
        // hung up, and then the reads end by themselves.
        let _ = self.slave.write_all(END_MARKER);
        let _ = reader.join();
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Opens the terminal side by name, without making it this process's
/// controlling terminal.
fn open_terminal(name: &Path) -> File {
    use rustix::fs::{Mode, OFlags};
    let flags = OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC;
    let fd = rustix::fs::open(name, flags, Mode::empty())
        .unwrap_or_else(|e| panic!("open {}: {e}", name.display()));
    File::from(fd)
}

/// The reader thread: every chunk into `shared` until the end marker.
fn read_until_end(mut reader: Box<dyn Read + Send>, shared: &Shared) {
    let mut buf = vec![0u8; 64 * 1024];
    // Read but not yet recorded: it may be the start of the end marker.
    let mut held: Vec<u8> = Vec::new();
    loop {
        let n = match reader.read(&mut buf) {
            // portable-pty reports a closed terminal side as the end.
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let at = Instant::now();
        held.extend_from_slice(&buf[..n]);
        if let Some(end) = find(&held, END_MARKER) {
            held.truncate(end);
            record(shared, at, std::mem::take(&mut held));
            return;
        }
        let keep = marker_prefix_len(&held);
        let rest = held.split_off(held.len() - keep);
        record(shared, at, std::mem::replace(&mut held, rest));
    }
    record(shared, Instant::now(), held);
}

fn record(shared: &Shared, at: Instant, bytes: Vec<u8>) {
    if bytes.is_empty() {
        return;
    }
    let mut output = shared.output.lock().expect("the terminal's output");
    output.parser.process(&bytes);
    output.chunks.push(Chunk { at, bytes });
    output.last_at = Some(at);
    drop(output);
    shared.arrived.notify_all();
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// How many bytes at the end of `bytes` could begin the end marker.
fn marker_prefix_len(bytes: &[u8]) -> usize {
    (1..END_MARKER.len())
        .rev()
        .find(|&n| bytes.ends_with(&END_MARKER[..n]))
        .unwrap_or(0)
}

// ---------------------------------------------------------------- programs

/// A clean environment: only PATH of the caller's, a UTF-8 locale, an
/// xterm, and `home` as HOME and the XDG directories (and the working
/// directory), so no config of the machine's user interferes.
pub fn isolate(cmd: &mut CommandBuilder, home: &Path) {
    cmd.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    cmd.env("LANG", "C.UTF-8");
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", home);
    cmd.env("XDG_CONFIG_HOME", home.join("config"));
    cmd.env("XDG_DATA_HOME", home.join("data"));
    cmd.env("XDG_STATE_HOME", home.join("state"));
    cmd.cwd(home);
}

/// `<bin> --cases <store> --reviewer <reviewer> --role nurse`, isolated in
/// `home`.
pub fn umdesk_command(bin: &Path, home: &Path, store: &Path, reviewer: &str) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(bin);
    cmd.arg("--cases");
    cmd.arg(store);
    cmd.args(["--reviewer", reviewer, "--role", "nurse"]);
    isolate(&mut cmd, home);
    cmd
}

// ---------------------------------------------------------------- assertions

/// Whether the screen's bottom row holds `text`: a program that writes its
/// frames row by row (as ratatui does) has finished a frame whose footer
/// is there.
pub fn bottom_row_contains(screen: &vt100::Screen, text: &str) -> bool {
    let (rows, cols) = screen.size();
    screen
        .rows(0, cols)
        .nth(usize::from(rows).saturating_sub(1))
        .is_some_and(|row| row.contains(text))
}

fn last_index(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// Where the alternate screen was last left, after it was last entered.
/// Fails if it was not left, or entered again afterwards.
pub fn alternate_screen_left(raw: &[u8]) -> usize {
    let entered =
        last_index(raw, ENTER_ALTERNATE_SCREEN).expect("the program entered the alternate screen");
    let left =
        last_index(raw, LEAVE_ALTERNATE_SCREEN).expect("the program left the alternate screen");
    assert!(
        left > entered,
        "the alternate screen was entered again after it was left"
    );
    left
}

/// The terminal was given back: the alternate screen left after it was
/// last entered, the cursor shown again, and nothing drawn on the main
/// screen afterwards (only control sequences, such as paste mode off).
pub fn assert_restored(raw: &[u8]) {
    let left = alternate_screen_left(raw);
    let entered = last_index(raw, ENTER_ALTERNATE_SCREEN).unwrap_or(0);
    let shown = last_index(raw, SHOW_CURSOR).expect("the cursor is shown again");
    assert!(shown > entered, "the cursor is shown again after the app");
    let tail = &raw[left + LEAVE_ALTERNATE_SCREEN.len()..];
    assert!(
        without_csi(tail).iter().all(u8::is_ascii_whitespace),
        "output after leaving the alternate screen: {:?}",
        String::from_utf8_lossy(tail)
    );
}

/// The bytes that are not part of a CSI escape sequence.
pub fn without_csi(bytes: &[u8]) -> Vec<u8> {
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
