//! The thin shell around the app: the terminal, the event loop, signals
//! and panics. Whatever happens, the terminal is restored and the open
//! review is kept as a draft.

use std::io::{self, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ratatui::crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::app::App;
use super::backend::{self, LeanBackend};
use super::view;

/// The longest a change waits to be written as a draft. Drafts are not
/// written on every keystroke (each is an fsync), but well within a second.
const AUTOSAVE_AFTER: Duration = Duration::from_millis(500);

/// The draft path of the open review, for the panic message.
static LAST_DRAFT: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Remembers where the last draft was written, so a panic can say.
pub(crate) fn note_draft(path: &std::path::Path) {
    if let Ok(mut last) = LAST_DRAFT.lock() {
        *last = Some(path.to_path_buf());
    }
}

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

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        let draft = LAST_DRAFT.lock().ok().and_then(|d| d.clone());
        match write_panic_log(&info.to_string(), draft.as_ref()) {
            // writeln!, not eprintln!: after a hang-up stderr is gone, and
            // a panic inside the hook would abort.
            Some(log) => drop(writeln!(
                io::stderr(),
                "umdesk stopped on an internal error; your terminal is restored.\nDetails are in {}{}",
                log.display(),
                draft
                    .map(|d| format!(
                        "\nYour last draft is {}; it is offered when umdesk starts.",
                        d.display()
                    ))
                    .unwrap_or_default()
            )),
            None => previous(info),
        }
    }));
}

fn write_panic_log(message: &str, draft: Option<&PathBuf>) -> Option<PathBuf> {
    let dir = crate::store::location::state_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join("panic.log");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .ok()?;
    let at = crate::case::rfc3339(crate::store::clock::now());
    let draft = draft
        .map(|d| d.display().to_string())
        .unwrap_or_else(|| "none".to_string());
    let backtrace = std::backtrace::Backtrace::force_capture();
    writeln!(file, "{at} panic: {message}\n  draft: {draft}\n{backtrace}").ok()?;
    Some(path)
}

/// SIGHUP (a dropped SSH connection), SIGTERM and SIGINT set a flag the
/// loop checks; raw mode turns Ctrl-C into a key, so SIGINT only comes
/// from outside.
fn install_signal_flag() -> io::Result<Arc<AtomicBool>> {
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGINT,
    ] {
        signal_hook::flag::register(signal, Arc::clone(&flag))?;
    }
    Ok(flag)
}

pub fn run(mut app: App) -> io::Result<()> {
    let stopped = install_signal_flag()?;
    install_panic_hook();
    enable_raw_mode()?;
    let mut stdout = io::stdout();
    if let Err(err) = execute!(stdout, EnterAlternateScreen, EnableBracketedPaste) {
        restore();
        return Err(err);
    }
    // Frames go straight to the terminal's descriptor: stdout's line
    // buffering would split each frame at its last line feed into two
    // writes, and the frame's end would arrive a write later.
    let result = io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .and_then(|fd| LeanBackend::new(std::fs::File::from(fd), backend::terminal_size))
        .and_then(|backend| {
            Terminal::with_options(
                backend,
                TerminalOptions {
                    viewport: Viewport::Fullscreen,
                },
            )
        })
        .and_then(|mut terminal| {
            let wakeup = Wakeup::new()?;
            let result = event_loop(&mut app, &mut terminal, &stopped, &wakeup);
            // ratatui's Drop shows the cursor and, if the terminal is gone,
            // eprintln!s the failure, which panics on a dead stderr. `restore`
            // below shows the cursor; the Terminal is not dropped.
            std::mem::forget(terminal);
            result
        });
    // Every way out of the loop (quit, signal, hang-up, error) ends here.
    app.shutdown();
    restore();
    result
}

fn event_loop<W: Write>(
    app: &mut App,
    terminal: &mut Terminal<LeanBackend<W>>,
    stopped: &AtomicBool,
    wakeup: &Wakeup,
) -> io::Result<()> {
    let mut last_autosave = std::time::Instant::now();
    loop {
        if app.needs_redraw {
            terminal.draw(|frame| view::render(app, frame))?;
            app.needs_redraw = false;
        }
        if app.should_quit || stopped.load(Ordering::Relaxed) {
            return Ok(());
        }
        if app.listing_is_cached {
            app.finish_listing();
            continue;
        }
        // A hang-up (a dropped SSH connection) ends the loop; the caller
        // keeps the draft. crossterm is asked only when input is waiting:
        // on a hung-up terminal its poll reads end-of-file forever.
        // Idle, the loop sleeps until input or a signal: no timer at all.
        let timeout = app
            .draft_pending()
            .then(|| AUTOSAVE_AFTER.saturating_sub(last_autosave.elapsed()));
        if wakeup.wait(timeout) == Woken::HangUp || stopped.load(Ordering::Relaxed) {
            return Ok(());
        }
        while event::poll(Duration::ZERO)? {
            match event::read()? {
                Event::Key(key) => app.handle_key(key),
                Event::Paste(text) => app.paste(&text),
                Event::Resize(_, _) => {
                    terminal.autoresize()?;
                    app.needs_redraw = true;
                }
                _ => {}
            }
        }
        if app.draft_pending() && last_autosave.elapsed() >= AUTOSAVE_AFTER {
            last_autosave = std::time::Instant::now();
            app.autosave();
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Woken {
    /// Input, a signal, or the time ran out: look at everything again.
    Look,
    /// The terminal is gone.
    HangUp,
}

/// Waits on the terminal and on a self-pipe that signals write to, so a
/// signal or a resize wakes the loop at once rather than at the next tick.
struct Wakeup {
    tty: Option<std::os::fd::RawFd>,
    signals: std::os::unix::net::UnixStream,
}

impl Wakeup {
    fn new() -> io::Result<Wakeup> {
        use std::os::fd::AsRawFd;
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
        // crossterm reads the terminal from stdin when it is one.
        let stdin = io::stdin().as_raw_fd();
        let tty = (unsafe { libc::isatty(stdin) } == 1).then_some(stdin);
        Ok(Wakeup {
            tty,
            signals: reader,
        })
    }

    /// Waits for input or a signal, or until `timeout` (None: no limit).
    fn wait(&self, timeout: Option<Duration>) -> Woken {
        use std::io::Read;
        use std::os::fd::AsRawFd;
        let mut fds = vec![libc::pollfd {
            fd: self.signals.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        if let Some(tty) = self.tty {
            fds.push(libc::pollfd {
                fd: tty,
                events: libc::POLLIN,
                revents: 0,
            });
        }
        let millis = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
        // SAFETY: `fds` is a valid, exclusively borrowed array of pollfd.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, millis) };
        if ready <= 0 {
            return Woken::Look;
        }
        if fds[0].revents & libc::POLLIN != 0 {
            let mut drain = [0u8; 64];
            while matches!((&self.signals).read(&mut drain), Ok(n) if n > 0) {}
        }
        let gone = libc::POLLHUP | libc::POLLERR | libc::POLLNVAL;
        match fds.get(1) {
            Some(tty) if tty.revents & gone != 0 => Woken::HangUp,
            _ => Woken::Look,
        }
    }
}
