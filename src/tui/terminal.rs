//! The local terminal as one session: raw mode and the alternate screen,
//! an input thread turning the terminal's bytes and the process's signals
//! into events, and, whatever happens, the terminal restored and the open
//! work kept as a draft.

use std::io::{self, IsTerminal, Write};
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::Duration;

use ratatui::crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

use super::app::App;
use super::backend::{self, SessionBackend};
use super::event::Event;
use super::input::{ESC_WAIT, InputDecoder};
use super::session::{self, Channel, SessionEnd};
use crate::store::CaseStore;

fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        // The default pen, in case a panic stopped a frame half drawn.
        ratatui::crossterm::style::SetAttribute(ratatui::crossterm::style::Attribute::Reset),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        ratatui::crossterm::cursor::Show
    );
}

/// A panic is written to the log, never onto the screen in raw mode; the
/// session that panicked restores the terminal and says where the log is
/// (see [`SessionEnd::Panicked`]).
fn install_panic_hook() {
    std::panic::set_hook(Box::new(move |info| {
        let backtrace = std::backtrace::Backtrace::force_capture();
        write_panic_log(&format!("{info}\n{backtrace}"));
    }));
}

/// Appends to the owner-only `panic.log` in the state directory: panic
/// messages can hold case text.
fn write_panic_log(text: &str) -> Option<std::path::PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = crate::store::location::state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("panic.log");
    let at = crate::case::rfc3339(crate::store::clock::now());
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .ok()?;
    writeln!(file, "{at} panic: {text}").ok()?;
    Some(path)
}

/// Runs `app` in this process's terminal until the reviewer quits or a
/// signal or hang-up ends it.
pub fn run(app: App, store: Arc<dyn CaseStore>) -> io::Result<()> {
    let channel = Channel::new();
    let stopped = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&stopped))?;
    }
    let wakeup = Wakeup::new()?;
    install_panic_hook();
    enable_raw_mode()?;
    if let Err(err) = execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste) {
        restore();
        return Err(err);
    }
    let input = channel.sender.clone();
    std::thread::Builder::new()
        .name("umdesk-input".to_string())
        .spawn(move || read_input(&wakeup, &stopped, &input))?;
    // Frames go straight to the terminal's descriptor: stdout's line
    // buffering would split each frame at its last line feed into two
    // writes, and the frame's end would arrive a write later.
    let end = io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .and_then(|fd| SessionBackend::from_env(std::fs::File::from(fd), backend::terminal_size))
        .and_then(|backend| session::run(app, store, channel, backend));
    // Every way out (quit, signal, hang-up, error, panic) ends here.
    restore();
    match end? {
        SessionEnd::Panicked { message, draft } => {
            report_panic(&message, draft.as_deref());
            Err(io::Error::other("stopped on an internal error"))
        }
        SessionEnd::Quit | SessionEnd::Stopped(_) => Ok(()),
    }
}

fn report_panic(message: &str, draft: Option<&str>) {
    let log = crate::store::location::state_dir().map(|d| d.join("panic.log"));
    // writeln!, not eprintln!: after a hang-up stderr is gone.
    let _ = writeln!(
        io::stderr(),
        "umdesk stopped on an internal error ({}); your terminal is restored.{}{}",
        crate::sanitize::line(message),
        log.map(|l| format!(
            "\nDetails are in {}",
            crate::sanitize::line(&l.display().to_string())
        ))
        .unwrap_or_default(),
        draft
            .map(|d| {
                format!(
                    "\nYour last draft is {}; it is offered when umdesk starts.",
                    crate::sanitize::line(d)
                )
            })
            .unwrap_or_default()
    );
    if let Some(draft) = draft {
        write_panic_log(&format!("draft: {draft}"));
    }
}

/// Reads the terminal until it goes away or a signal says stop, sending
/// what it reads as events.
fn read_input(wakeup: &Wakeup, stopped: &AtomicBool, events: &Sender<Event>) {
    let mut decoder = InputDecoder::new();
    let mut bytes = [0u8; 4096];
    loop {
        let timeout = decoder.is_waiting().then_some(ESC_WAIT);
        let woken = wakeup.wait(timeout);
        if stopped.load(Ordering::Relaxed) {
            let _ = events.send(Event::Stop("signal".to_string()));
            return;
        }
        let decoded = match woken {
            Woken::HangUp => {
                let _ = events.send(Event::Stop("the terminal went away".to_string()));
                return;
            }
            Woken::Resized => vec![Event::Resize],
            Woken::TimedOut => decoder.flush(),
            Woken::Input => match rustix::io::read(io::stdin(), &mut bytes) {
                Ok(0) | Err(_) => {
                    let _ = events.send(Event::Stop("the terminal went away".to_string()));
                    return;
                }
                Ok(n) => decoder.feed(&bytes[..n]),
            },
            Woken::Nothing => Vec::new(),
        };
        for event in decoded {
            if events.send(event).is_err() {
                return;
            }
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Woken {
    /// Bytes are waiting on the terminal.
    Input,
    /// The window changed size (or another signal came).
    Resized,
    /// The time given ran out with nothing read.
    TimedOut,
    /// Woken for nothing to do (an interrupted wait).
    Nothing,
    /// The terminal is gone.
    HangUp,
}

/// Waits on the terminal and on a self-pipe that signals write to, so a
/// signal or a resize wakes the reader at once.
struct Wakeup {
    tty: bool,
    signals: std::os::unix::net::UnixStream,
}

impl Wakeup {
    fn new() -> io::Result<Wakeup> {
        let (reader, writer) = std::os::unix::net::UnixStream::pair()?;
        reader.set_nonblocking(true)?;
        for signal in [
            signal_hook::consts::SIGHUP,
            signal_hook::consts::SIGTERM,
            signal_hook::consts::SIGINT,
            signal_hook::consts::SIGWINCH,
        ] {
            signal_hook::low_level::pipe::register(signal, writer.try_clone()?)?;
        }
        Ok(Wakeup {
            // crossterm reads the terminal from stdin when it is one.
            tty: io::stdin().is_terminal(),
            signals: reader,
        })
    }

    /// Waits for input or a signal, or until `timeout` (None: no limit).
    fn wait(&self, timeout: Option<Duration>) -> Woken {
        use rustix::event::{PollFd, PollFlags, Timespec, poll};
        use std::io::Read;
        let stdin = io::stdin();
        let tty: BorrowedFd<'_> = stdin.as_fd();
        let mut fds = vec![PollFd::new(&self.signals, PollFlags::IN)];
        if self.tty {
            fds.push(PollFd::from_borrowed_fd(tty, PollFlags::IN));
        }
        let timeout = timeout.map(|t| Timespec {
            tv_sec: t.as_secs() as i64,
            tv_nsec: i64::from(t.subsec_nanos()),
        });
        match poll(&mut fds, timeout.as_ref()) {
            Ok(0) => return Woken::TimedOut,
            Ok(_) => {}
            Err(_) => return Woken::Nothing,
        }
        let gone = PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL;
        if let Some(tty) = fds.get(1) {
            if tty.revents().contains(PollFlags::IN) {
                return Woken::Input;
            }
            if tty.revents().intersects(gone) {
                return Woken::HangUp;
            }
        }
        if fds[0].revents().contains(PollFlags::IN) {
            let mut drain = [0u8; 64];
            while matches!((&self.signals).read(&mut drain), Ok(n) if n > 0) {}
            return Woken::Resized;
        }
        Woken::Nothing
    }
}
