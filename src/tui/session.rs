//! One reviewer's session of the app: its events in, its frames out, its
//! effects performed against the shared store. Nothing here is about the
//! process: the local terminal is one session, and a server can run many
//! side by side, each with its own input, output and stop.

use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use ratatui::backend::Backend;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::app::App;
use super::event::Event;
use super::runner::{Workers, perform};
use super::view;
use crate::store::CaseStore;

/// The longest a change waits to be written as a draft. Drafts are not
/// written on every keystroke (each is an fsync), but well within a second.
pub const AUTOSAVE_AFTER: Duration = Duration::from_millis(500);

/// Events handled before the next frame is drawn, so a burst of keys (a
/// paste without bracketed paste, a held key) costs one frame, not many.
const EVENTS_PER_FRAME: usize = 64;

/// How a session ended.
#[derive(Debug)]
pub enum SessionEnd {
    /// The reviewer quit.
    Quit,
    /// Told to stop (a signal, a hang-up, a server shutting down); the work
    /// was kept as a draft.
    Stopped(String),
    /// The app failed; the work was kept as a draft where it could be.
    Panicked {
        message: String,
        /// Where the last draft went.
        draft: Option<String>,
    },
}

/// A session's way in: its events and a sender for the results of its
/// effects (the input side holds its own senders).
pub struct Channel {
    pub sender: Sender<Event>,
    pub events: Receiver<Event>,
}

impl Channel {
    pub fn new() -> Channel {
        let (sender, events) = std::sync::mpsc::channel();
        Channel { sender, events }
    }
}

impl Default for Channel {
    fn default() -> Channel {
        Channel::new()
    }
}

/// Runs `app` until it quits or is stopped, drawing on `backend`.
pub fn run<B: Backend>(
    mut app: App,
    store: Arc<dyn CaseStore>,
    channel: Channel,
    backend: B,
) -> io::Result<SessionEnd>
where
    B::Error: Into<io::Error>,
{
    let mut terminal = Terminal::with_options(
        backend,
        TerminalOptions {
            viewport: Viewport::Fullscreen,
        },
    )
    .map_err(Into::into)?;
    // While the lease is held, everyone sees this session alive: its lock
    // and its drafts are not for anyone else to take.
    let lease = store
        .begin_session(&app.holder)
        .map_err(|err| io::Error::other(err.to_string()))?;
    // Live queue: whoever changes a case, this session reads its queue
    // again. A store that cannot watch leaves the queue as read (r reads it).
    let told = channel.sender.clone();
    let watching = store
        .watch(Box::new(move |id| {
            let _ = told.send(Event::StoreChanged(id.to_string()));
        }))
        .ok();
    let workers = Workers::start(Arc::clone(&store), channel.sender.clone())?;
    workers.submit(app.start());
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        event_loop(&mut app, &mut terminal, &channel.events, &workers)
    }));
    let end = match outcome {
        Ok(result) => result,
        Err(panic) => {
            let message = panic_message(&*panic);
            Ok(keep_work_after_panic(&mut app, &*store, message))
        }
    };
    // ratatui's Drop shows the cursor and, if the terminal is gone,
    // eprintln!s the failure, which panics on a dead stderr. The caller
    // restores the terminal; the Terminal is not dropped.
    std::mem::forget(terminal);
    drop(watching);
    workers.finish();
    drop(lease);
    end
}

fn event_loop<B: Backend>(
    app: &mut App,
    terminal: &mut Terminal<B>,
    events: &Receiver<Event>,
    workers: &Workers,
) -> io::Result<SessionEnd>
where
    B::Error: Into<io::Error>,
{
    let mut pending_since: Option<Instant> = None;
    loop {
        if app.needs_redraw {
            terminal
                .draw(|frame| view::render(app, frame))
                .map_err(Into::into)?;
            app.needs_redraw = false;
        }
        if app.should_quit {
            return Ok(SessionEnd::Quit);
        }
        // Idle, the loop sleeps until an event: no timer at all unless a
        // draft is due.
        if app.draft_pending() {
            pending_since.get_or_insert_with(Instant::now);
        }
        let event = match pending_since {
            Some(since) => {
                match events.recv_timeout(AUTOSAVE_AFTER.saturating_sub(since.elapsed())) {
                    Ok(event) => event,
                    Err(RecvTimeoutError::Timeout) => Event::AutosaveDue,
                    Err(RecvTimeoutError::Disconnected) => Event::Stop("input closed".to_string()),
                }
            }
            None => events
                .recv()
                .unwrap_or_else(|_| Event::Stop("input closed".to_string())),
        };
        let mut next = Some(event);
        let mut handled = 0;
        while let Some(event) = next.take() {
            if matches!(event, Event::AutosaveDue) {
                pending_since = None;
            }
            if let Event::Resize = event {
                terminal.autoresize().map_err(Into::into)?;
            }
            if let Event::Stop(reason) = &event {
                let reason = reason.clone();
                workers.submit(app.handle(event));
                return Ok(SessionEnd::Stopped(reason));
            }
            workers.submit(app.handle(event));
            handled += 1;
            if handled < EVENTS_PER_FRAME {
                next = events.try_recv().ok();
            }
        }
        if pending_since.is_some_and(|since| since.elapsed() >= AUTOSAVE_AFTER) {
            pending_since = None;
            workers.submit(app.handle(Event::AutosaveDue));
        }
    }
}

/// After a panic the app's state is what it was when the key came: its
/// draft is written here and now, and its lock let go.
fn keep_work_after_panic(app: &mut App, store: &dyn CaseStore, message: String) -> SessionEnd {
    let mut draft = app.draft.written.clone();
    let kept = catch_unwind(AssertUnwindSafe(|| {
        let effects = app.handle(Event::Stop("internal error".to_string()));
        let mut location = None;
        for effect in effects {
            if let super::effect::Done::DraftWritten {
                result: Ok(written),
                ..
            } = perform(store, effect)
            {
                location = Some(written);
            }
        }
        location
    }));
    if let Ok(Some(location)) = kept {
        draft = Some(location);
    }
    SessionEnd::Panicked { message, draft }
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        return (*text).to_string();
    }
    if let Some(text) = panic.downcast_ref::<String>() {
        return text.clone();
    }
    "an internal error".to_string()
}
