//! One session of the app on an SSH channel: the channel's bytes decoded
//! into events, frames written into a bounded queue that a task drains
//! into the channel as fast as the client takes them, and the terminal
//! put back when the session ends.
//!
//! A client that stops reading cannot slow anyone else: its frames pile
//! up in its own queue only, and once the queue is full the session is
//! stopped (the draft kept, the lock let go), as on a hang-up.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ratatui::layout::Size;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc::error::TrySendError;

use crate::tui::event::Event;
use crate::tui::input::InputDecoder;

/// Frames a session may have waiting for its client before it is
/// stopped as one that cannot keep up.
pub const OUTPUT_FRAMES: usize = 64;

/// What the app's terminal needs, sent before the first frame: the
/// alternate screen and bracketed paste, as the local terminal does.
pub const ENTER: &[u8] = b"\x1b[?1049h\x1b[?2004h";
/// And after the last: the default pen, bracketed paste off, the main
/// screen back and the cursor shown.
pub const LEAVE: &[u8] = b"\x1b[0m\x1b[?2004l\x1b[?1049l\x1b[?25h";

/// What goes to the client, in order.
#[derive(Debug)]
pub enum Out {
    Data(Vec<u8>),
    /// The exit status, then end of file and the channel closed.
    Finish(u32),
}

/// The session's side of the bounded queue: a `Write` for its backend.
pub struct ChannelOutput {
    queue: tokio::sync::mpsc::Sender<Out>,
    pending: Vec<u8>,
    /// Told once when the queue is full or gone.
    events: Sender<Event>,
    stalled: Arc<AtomicBool>,
    /// Told when the session gives up on its client: the channel is
    /// closed without waiting for the client to take what is queued.
    abandon: Arc<tokio::sync::Notify>,
}

impl ChannelOutput {
    pub fn new(queue: tokio::sync::mpsc::Sender<Out>, events: Sender<Event>) -> ChannelOutput {
        ChannelOutput {
            queue,
            pending: Vec::new(),
            events,
            stalled: Arc::new(AtomicBool::new(false)),
            abandon: Arc::new(tokio::sync::Notify::new()),
        }
    }

    /// What the drain waits on besides the queue.
    pub fn abandoned(&self) -> Arc<tokio::sync::Notify> {
        Arc::clone(&self.abandon)
    }

    /// The last words: queued even after the client fell behind, if
    /// there is room; if there is none, the channel is closed as it is.
    pub fn force(&self, out: Out) {
        let queued = self.queue.try_send(out).is_ok();
        if !queued || self.stalled.load(Ordering::Relaxed) {
            self.abandon.notify_one();
        }
    }

    /// Whether the client stopped taking frames.
    #[cfg(test)]
    pub fn stalled(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.stalled)
    }

    /// Queues `out` if there is room; a full queue stops the session (once).
    pub fn send(&self, out: Out) {
        if self.stalled.load(Ordering::Relaxed) {
            return;
        }
        match self.queue.try_send(out) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.stalled.store(true, Ordering::Relaxed);
                let _ = self.events.send(Event::Stop(
                    "the connection could not keep up with the screen".to_string(),
                ));
            }
            Err(TrySendError::Closed(_)) => {
                self.stalled.store(true, Ordering::Relaxed);
                let _ = self
                    .events
                    .send(Event::Stop("the connection was lost".to_string()));
            }
        }
    }

    /// A clone that writes to the same queue (for the last words after
    /// the backend is gone).
    pub fn handle(&self) -> ChannelOutput {
        ChannelOutput {
            queue: self.queue.clone(),
            pending: Vec::new(),
            events: self.events.clone(),
            stalled: Arc::clone(&self.stalled),
            abandon: Arc::clone(&self.abandon),
        }
    }
}

impl Write for ChannelOutput {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    /// One frame, one entry in the queue. Never an error: a session
    /// whose client is gone is stopped by an event, keeping its draft,
    /// rather than failing in the middle of a draw.
    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let frame = std::mem::take(&mut self.pending);
            self.send(Out::Data(frame));
        }
        Ok(())
    }
}

/// Writes the queue into the channel as the client's window allows; ends
/// with the exit status and the channel closed.
pub async fn drain(
    channel: russh::ChannelWriteHalf<russh::server::Msg>,
    mut queue: tokio::sync::mpsc::Receiver<Out>,
    abandon: Arc<tokio::sync::Notify>,
) {
    let mut writer = channel.make_writer();
    loop {
        let out = tokio::select! {
            out = queue.recv() => out,
            () = abandon.notified() => None,
        };
        let Some(out) = out else {
            let _ = channel.close().await;
            return;
        };
        match out {
            Out::Data(bytes) => {
                let written = tokio::select! {
                    written = writer.write_all(&bytes) => written.is_ok(),
                    () = abandon.notified() => false,
                };
                if !written {
                    let _ = channel.close().await;
                    return;
                }
            }
            Out::Finish(status) => {
                let _ = writer.flush().await;
                let _ = channel.exit_status(status).await;
                let _ = channel.eof().await;
                let _ = channel.close().await;
                return;
            }
        }
    }
}

/// The input side of a session: what the client types and its window.
pub struct Input {
    events: Sender<Event>,
    decoder: Mutex<InputDecoder>,
    /// Bumped at each read, so a timer set for a lone ESC knows whether
    /// more bytes came since.
    reads: AtomicU64,
    size: Arc<Mutex<Size>>,
    last_key: Mutex<Instant>,
    ended: AtomicBool,
}

impl Input {
    pub fn new(events: Sender<Event>, size: Size) -> Input {
        Input {
            events,
            decoder: Mutex::new(InputDecoder::new()),
            reads: AtomicU64::new(0),
            size: Arc::new(Mutex::new(size)),
            last_key: Mutex::new(Instant::now()),
            ended: AtomicBool::new(false),
        }
    }

    /// The size source of the session's backend.
    pub fn size_source(&self) -> impl Fn() -> io::Result<Size> + Send + 'static {
        let size = Arc::clone(&self.size);
        move || Ok(*size.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Decodes the client's bytes into events. Returns true when a lone
    /// ESC may be waiting for the rest of its sequence: the caller calls
    /// [`Input::flush_after`] once [`ESC_WAIT`] has passed.
    pub fn feed(&self, bytes: &[u8]) -> Option<u64> {
        *self.last_key.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        let read = self.reads.fetch_add(1, Ordering::AcqRel) + 1;
        let mut decoder = self.decoder.lock().unwrap_or_else(|e| e.into_inner());
        for event in decoder.feed(bytes) {
            let _ = self.events.send(event);
        }
        decoder.is_waiting().then_some(read)
    }

    /// Nothing more came after read `read`: what is held is what it is
    /// (a lone ESC is Esc).
    pub fn flush_after(&self, read: u64) {
        if self.reads.load(Ordering::Acquire) != read {
            return;
        }
        let mut decoder = self.decoder.lock().unwrap_or_else(|e| e.into_inner());
        for event in decoder.flush() {
            let _ = self.events.send(event);
        }
    }

    /// The client's window changed.
    pub fn resize(&self, columns: u32, rows: u32) {
        *self.size.lock().unwrap_or_else(|e| e.into_inner()) = size_of(columns, rows);
        let _ = self.events.send(Event::Resize);
    }

    /// Ends the session, keeping its draft.
    pub fn stop(&self, reason: &str) {
        let _ = self.events.send(Event::Stop(reason.to_string()));
    }

    /// How long since the client last sent anything.
    pub fn quiet_for(&self) -> Duration {
        self.last_key
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .elapsed()
    }

    /// Whether the session is still running.
    pub fn is_open(&self) -> bool {
        !self.ended.load(Ordering::Acquire)
    }

    /// The session is over: timers let it be.
    pub fn end(&self) {
        self.ended.store(true, Ordering::Release);
    }
}

/// A PTY request's or window change's size, kept within what a terminal
/// can be (a client may say anything).
pub fn size_of(columns: u32, rows: u32) -> Size {
    let clamp = |n: u32| u16::try_from(n.clamp(1, 1000)).unwrap_or(1000);
    Size {
        width: clamp(columns),
        height: clamp(rows),
    }
}

/// Ends the session after `timeout` without a key from its client.
pub async fn idle_watch(input: Arc<Input>, timeout: Duration) {
    loop {
        let quiet = input.quiet_for();
        if quiet >= timeout {
            input.stop(&format!(
                "no key for {} (the server's idle timeout)",
                describe_duration(timeout)
            ));
            return;
        }
        tokio::time::sleep(timeout - quiet).await;
        if !input.is_open() {
            return;
        }
        // (checked again at the top: a key may have come meanwhile)
    }
}

fn describe_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if seconds >= 60 && seconds.is_multiple_of(60) {
        format!("{} min", seconds / 60)
    } else {
        format!("{seconds} s")
    }
}

/// The line a client is left with when its session ends.
pub fn goodbye(end: &Result<crate::tui::session::SessionEnd, String>) -> (String, u32) {
    use crate::tui::session::SessionEnd;
    match end {
        Ok(SessionEnd::Quit) => (String::new(), 0),
        Ok(SessionEnd::Stopped(reason)) => (
            format!(
                "umdesk: the session ended: {}. Unsaved work is kept as a draft and offered when you connect again.\r\n",
                crate::sanitize::line(reason)
            ),
            0,
        ),
        Ok(SessionEnd::Panicked { message, .. }) => (
            format!(
                "umdesk stopped on an internal error ({}). Your last draft is kept and offered when you connect again.\r\n",
                crate::sanitize::line(message)
            ),
            1,
        ),
        Err(err) => (
            format!(
                "umdesk: the session failed: {}\r\n",
                crate::sanitize::line(err)
            ),
            1,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_that_stops_reading_stops_its_session_once() {
        let (queue, _undrained) = tokio::sync::mpsc::channel(2);
        let (events, received) = std::sync::mpsc::channel();
        let mut output = ChannelOutput::new(queue, events);
        for frame in 0..5 {
            write!(output, "frame {frame}").unwrap();
            output.flush().unwrap();
        }
        let stops: Vec<_> = received
            .try_iter()
            .filter_map(|e| match e {
                Event::Stop(reason) => Some(reason),
                _ => None,
            })
            .collect();
        assert_eq!(stops.len(), 1, "{stops:?}");
        assert!(stops[0].contains("keep up"), "{stops:?}");
        assert!(output.stalled().load(Ordering::Relaxed));
    }

    #[test]
    fn a_lone_esc_is_esc_only_when_nothing_came_after_it() {
        let (events, received) = std::sync::mpsc::channel();
        let input = Input::new(events, size_of(80, 24));
        let read = input.feed(b"\x1b").expect("waiting for more");
        // More came: the timer of the first read does nothing.
        assert!(input.feed(b"[A").is_none());
        input.flush_after(read);
        let keys: Vec<_> = received
            .try_iter()
            .filter_map(|e| match e {
                Event::Key(key) => Some(key.code),
                _ => None,
            })
            .collect();
        assert_eq!(keys, [ratatui::crossterm::event::KeyCode::Up]);
        let read = input.feed(b"\x1b").unwrap();
        input.flush_after(read);
        assert!(matches!(
            received.try_recv(),
            Ok(Event::Key(key)) if key.code == ratatui::crossterm::event::KeyCode::Esc
        ));
    }

    #[test]
    fn a_window_size_is_kept_within_reason() {
        assert_eq!(size_of(0, 100_000), Size::new(1, 1000));
        assert_eq!(size_of(120, 40), Size::new(120, 40));
    }
}
