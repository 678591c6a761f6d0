//! Terminal input as bytes, decoded into events by termina's parser: the
//! same decoding for the local terminal and for a connection's channel.
//!
//! A lone ESC may be the Esc key or the first byte of an arrow key whose
//! rest is still on its way (a laggy SSH link splits them). As terminal
//! editors do, the decoder waits [`ESC_WAIT`] for the rest before it
//! calls it Esc.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::event::Event;

/// How long a lone ESC waits for the rest of a sequence.
pub const ESC_WAIT: Duration = Duration::from_millis(50);

#[derive(Debug, Default)]
pub struct InputDecoder {
    parser: termina::Parser,
    /// Bytes of an unfinished escape sequence may be held: flush after
    /// [`ESC_WAIT`] without more input.
    waiting: bool,
}

impl InputDecoder {
    pub fn new() -> InputDecoder {
        InputDecoder::default()
    }

    /// Decodes `bytes`, keeping an unfinished sequence for the next call.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        self.parser.parse(bytes, true);
        self.waiting = bytes.contains(&0x1b);
        self.drain()
    }

    /// Whether bytes may be waiting for the rest of a sequence.
    pub fn is_waiting(&self) -> bool {
        self.waiting
    }

    /// No more bytes came: what is held is what it is (a lone ESC is Esc).
    pub fn flush(&mut self) -> Vec<Event> {
        self.parser.parse(&[], false);
        self.waiting = false;
        self.drain()
    }

    fn drain(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        while let Some(event) = self.parser.pop() {
            if let Some(event) = convert(event) {
                events.push(event);
            }
        }
        events
    }
}

fn convert(event: termina::Event) -> Option<Event> {
    match event {
        termina::Event::Key(key) => convert_key(key).map(Event::Key),
        termina::Event::Paste(text) => Some(Event::Paste(text)),
        termina::Event::WindowResized(_) => Some(Event::Resize),
        _ => None,
    }
}

fn convert_key(key: termina::event::KeyEvent) -> Option<KeyEvent> {
    use termina::event::KeyCode as T;
    let code = match key.code {
        T::Char(c) => KeyCode::Char(c),
        T::Enter => KeyCode::Enter,
        T::Backspace => KeyCode::Backspace,
        T::Tab => KeyCode::Tab,
        T::BackTab => KeyCode::BackTab,
        T::Escape => KeyCode::Esc,
        T::Left => KeyCode::Left,
        T::Right => KeyCode::Right,
        T::Up => KeyCode::Up,
        T::Down => KeyCode::Down,
        T::Home => KeyCode::Home,
        T::End => KeyCode::End,
        T::PageUp => KeyCode::PageUp,
        T::PageDown => KeyCode::PageDown,
        T::Insert => KeyCode::Insert,
        T::Delete => KeyCode::Delete,
        T::Function(n) => KeyCode::F(n),
        T::Null => KeyCode::Null,
        _ => return None,
    };
    let kind = match key.kind {
        termina::event::KeyEventKind::Press => KeyEventKind::Press,
        termina::event::KeyEventKind::Repeat => KeyEventKind::Repeat,
        termina::event::KeyEventKind::Release => KeyEventKind::Release,
    };
    let mut modifiers = KeyModifiers::NONE;
    let from = key.modifiers;
    if from.contains(termina::event::Modifiers::SHIFT) || code == KeyCode::BackTab {
        modifiers |= KeyModifiers::SHIFT;
    }
    if from.contains(termina::event::Modifiers::CONTROL) {
        modifiers |= KeyModifiers::CONTROL;
    }
    if from.contains(termina::event::Modifiers::ALT) {
        modifiers |= KeyModifiers::ALT;
    }
    let mut event = KeyEvent::new(code, modifiers);
    event.kind = kind;
    Some(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(events: &[Event]) -> Vec<KeyCode> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Key(key) => Some(key.code),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn an_arrow_split_after_its_esc_is_still_an_arrow() {
        let mut decoder = InputDecoder::new();
        assert!(decoder.feed(b"\x1b").is_empty());
        assert!(decoder.is_waiting());
        assert_eq!(keys(&decoder.feed(b"[A")), [KeyCode::Up]);
    }

    #[test]
    fn a_lone_esc_is_esc_once_nothing_follows() {
        let mut decoder = InputDecoder::new();
        assert!(decoder.feed(b"\x1b").is_empty());
        assert_eq!(keys(&decoder.flush()), [KeyCode::Esc]);
        assert!(!decoder.is_waiting());
    }

    #[test]
    fn typing_and_control_keys_decode_as_crossterm_keys() {
        let mut decoder = InputDecoder::new();
        let events = decoder.feed(b"ab\r\x13\x1b[Z");
        assert_eq!(
            keys(&events),
            [
                KeyCode::Char('a'),
                KeyCode::Char('b'),
                KeyCode::Enter,
                KeyCode::Char('s'),
                KeyCode::BackTab
            ]
        );
        let Event::Key(ctrl_s) = &events[3] else {
            unreachable!()
        };
        assert_eq!(ctrl_s.modifiers, KeyModifiers::CONTROL);
    }

    #[test]
    fn a_bracketed_paste_is_one_event_even_across_reads() {
        let mut decoder = InputDecoder::new();
        assert!(decoder.feed(b"\x1b[200~line one\nli").is_empty());
        let events = decoder.feed(b"ne two\x1b[201~");
        assert!(
            matches!(events.as_slice(), [Event::Paste(text)] if text == "line one\nline two"),
            "{events:?}"
        );
    }
}
