//! The thin shell around the app: the terminal, the event loop, signals
//! and panics. Whatever happens, the terminal is restored and the open
//! review is kept as a draft.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, Event};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::app::App;
use super::view;

/// How long the loop sleeps between checks for signals and autosave.
/// Waking four times a second costs microseconds, far below a clock tick.
const POLL: Duration = Duration::from_millis(250);

/// The draft path of the open review, for the panic message.
static LAST_DRAFT: Mutex<Option<PathBuf>> = Mutex::new(None);

fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
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
            Some(log) => eprintln!(
                "umdesk stopped on an internal error; your terminal is restored.\nDetails are in {}{}",
                log.display(),
                draft
                    .map(|d| format!(
                        "\nYour last draft is {}; it is offered when umdesk starts.",
                        d.display()
                    ))
                    .unwrap_or_default()
            ),
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
    writeln!(file, "{at} panic: {message}\n  draft: {draft}").ok()?;
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
    let backend = CrosstermBackend::new(io::BufWriter::with_capacity(64 * 1024, io::stdout()));
    let result = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fullscreen,
        },
    )
    .and_then(|mut terminal| event_loop(&mut app, &mut terminal, &stopped));
    // Every way out of the loop (quit, signal, hang-up, error) ends here.
    app.shutdown();
    restore();
    result
}

fn event_loop<W: Write>(
    app: &mut App,
    terminal: &mut Terminal<CrosstermBackend<W>>,
    stopped: &AtomicBool,
) -> io::Result<()> {
    loop {
        if app.needs_redraw {
            terminal.draw(|frame| view::render(app, frame))?;
            app.needs_redraw = false;
        }
        if app.should_quit || stopped.load(Ordering::Relaxed) {
            return Ok(());
        }
        // A hang-up makes reads fail: leave the loop, keeping the draft.
        if event::poll(POLL)? {
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
        app.autosave();
        if let Some((key, _)) = app.draft() {
            let path = app.context.store.describe();
            if let Ok(mut last) = LAST_DRAFT.lock() {
                *last = Some(
                    PathBuf::from(path)
                        .join("drafts")
                        .join(format!("{key}.json")),
                );
            }
        }
    }
}
