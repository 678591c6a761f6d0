//! A single-line text field with a cursor, for intake fields, prompts and
//! the queue filter: `tui-input` does the editing (grapheme-correct cursor,
//! word movement and deletion); undo and the size cap are ours.

use ratatui::crossterm::event::KeyEvent;
use tui_input::{Input, InputRequest};

use super::edit_keys::{self, EditCommand};

/// What a field holds at most, unless told otherwise: far more than any
/// field needs, little enough that a paste gone wrong stays harmless.
pub const DEFAULT_MAX_BYTES: usize = 64 * 1024;

/// Undo steps kept.
const UNDO_DEPTH: usize = 100;

#[derive(Debug, Clone)]
pub struct TextField {
    /// The text, for the screens to read. Change it through the methods;
    /// a direct write is taken over at the next edit, undo history lost.
    pub text: String,
    /// Cursor position in characters; as `text`, read it, move it with keys.
    pub cursor: usize,
    input: Input,
    undo: Vec<(String, usize)>,
    redo: Vec<(String, usize)>,
    /// Typing goes on: the next character joins the same undo step.
    typing: bool,
    max_bytes: usize,
    truncated: bool,
}

impl Default for TextField {
    fn default() -> TextField {
        TextField::new("")
    }
}

/// Two fields are equal when they show the same text and cursor.
impl PartialEq for TextField {
    fn eq(&self, other: &TextField) -> bool {
        self.text == other.text && self.cursor == other.cursor
    }
}

impl Eq for TextField {}

impl TextField {
    /// A field holding `text`, the cursor at its end.
    pub fn new(text: &str) -> TextField {
        let input = Input::new(text.to_string());
        TextField {
            text: input.value().to_string(),
            cursor: input.cursor(),
            input,
            undo: Vec::new(),
            redo: Vec::new(),
            typing: false,
            max_bytes: DEFAULT_MAX_BYTES,
            truncated: false,
        }
    }

    /// The same field, holding at most `max_bytes` bytes from now on.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> TextField {
        self.max_bytes = max_bytes;
        self
    }

    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// Whether the last key or paste was cut short by the size cap.
    pub fn was_truncated(&self) -> bool {
        self.truncated
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor in characters from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// The cursor in terminal columns from the start (wide characters
    /// count two), for drawing the terminal's cursor.
    pub fn visual_cursor(&self) -> usize {
        self.input.visual_cursor()
    }

    /// The columns scrolled off the left when the field is `width` wide,
    /// so that the cursor stays in view.
    pub fn visual_scroll(&self, width: usize) -> usize {
        self.input.visual_scroll(width)
    }

    /// The text without the blanks around it.
    pub fn value(&self) -> &str {
        self.text.trim()
    }

    /// Empties the field (an undoable edit).
    pub fn clear(&mut self) {
        self.set_text("");
    }

    /// Replaces the text, the cursor at its end (an undoable edit).
    pub fn set_text(&mut self, text: &str) {
        self.take_over_direct_writes();
        self.remember();
        self.input = Input::new(text.to_string());
        self.publish();
    }

    pub fn insert(&mut self, c: char) {
        self.take_over_direct_writes();
        self.truncated = false;
        self.type_char(c);
        self.publish();
    }

    /// One insertion for the whole text: a long paste stays linear, and
    /// one undo takes it back. Line breaks become spaces; what would pass
    /// the size cap is cut off (`was_truncated` tells).
    pub fn insert_str(&mut self, text: &str) {
        self.take_over_direct_writes();
        let clean = edit_keys::clean_paste(text).replace('\n', " ");
        let room = self.max_bytes.saturating_sub(self.input.value().len());
        let kept = edit_keys::head_within(&clean, room);
        self.truncated = kept.len() < clean.len();
        if kept.is_empty() {
            return;
        }
        self.remember();
        let value = self.input.value();
        let at = value
            .char_indices()
            .nth(self.input.cursor())
            .map_or(value.len(), |(i, _)| i);
        let joined = format!("{}{kept}{}", &value[..at], &value[at..]);
        let cursor = self.input.cursor() + kept.chars().count();
        self.input = Input::new(joined).with_cursor(cursor);
        self.publish();
    }

    /// Applies an editing key; false when the key is not an editing key
    /// (the screen's then).
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        self.take_over_direct_writes();
        self.truncated = false;
        if let Some(command) = edit_keys::command_for(key, false) {
            self.apply(command);
        } else if let Some(c) = edit_keys::typed_char(key) {
            self.type_char(c);
        } else {
            return false;
        }
        self.publish();
        true
    }

    fn type_char(&mut self, c: char) {
        if self.input.value().len() + c.len_utf8() > self.max_bytes || c.is_control() {
            self.truncated = !c.is_control();
            return;
        }
        if !self.typing {
            self.remember();
            self.typing = true;
        }
        self.input.handle(InputRequest::InsertChar(c));
    }

    fn apply(&mut self, command: EditCommand) {
        let request = match command {
            EditCommand::Undo => return self.step_history(true),
            EditCommand::Redo => return self.step_history(false),
            EditCommand::Left => InputRequest::GoToPrevChar,
            EditCommand::Right => InputRequest::GoToNextChar,
            EditCommand::WordLeft => InputRequest::GoToPrevWord,
            EditCommand::WordRight => InputRequest::GoToNextWord,
            EditCommand::LineStart | EditCommand::TextStart => InputRequest::GoToStart,
            EditCommand::LineEnd | EditCommand::TextEnd => InputRequest::GoToEnd,
            EditCommand::DeleteBack => InputRequest::DeletePrevChar,
            EditCommand::DeleteForward => InputRequest::DeleteNextChar,
            EditCommand::DeleteWordBack => InputRequest::DeletePrevWord,
            EditCommand::DeleteWordForward => InputRequest::DeleteNextWord,
            EditCommand::DeleteToLineStart => InputRequest::DeleteFromStart,
            EditCommand::DeleteToLineEnd => InputRequest::DeleteTillEnd,
            EditCommand::Up
            | EditCommand::Down
            | EditCommand::PageUp
            | EditCommand::PageDown
            | EditCommand::Newline => return,
        };
        self.typing = false;
        let before = (self.input.value().to_string(), self.input.cursor());
        let changed = self.input.handle(request).is_some_and(|c| c.value);
        if changed {
            self.push_undo(before);
        }
    }

    fn step_history(&mut self, back: bool) {
        self.typing = false;
        let (from, to) = if back {
            (&mut self.undo, &mut self.redo)
        } else {
            (&mut self.redo, &mut self.undo)
        };
        let Some((text, cursor)) = from.pop() else {
            return;
        };
        to.push((self.input.value().to_string(), self.input.cursor()));
        self.input = Input::new(text).with_cursor(cursor);
    }

    /// The state before an edit, for undo.
    fn remember(&mut self) {
        self.typing = false;
        self.push_undo((self.input.value().to_string(), self.input.cursor()));
    }

    fn push_undo(&mut self, state: (String, usize)) {
        if self.undo.len() == UNDO_DEPTH {
            self.undo.remove(0);
        }
        self.undo.push(state);
        self.redo.clear();
    }

    /// The public text and cursor follow the editor.
    fn publish(&mut self) {
        if self.text != self.input.value() {
            self.text = self.input.value().to_string();
        }
        self.cursor = self.input.cursor();
    }

    /// Code that wrote `text` or `cursor` itself wins over the editor.
    fn take_over_direct_writes(&mut self) {
        if self.text != self.input.value() {
            self.input = Input::new(self.text.clone());
            self.undo.clear();
            self.redo.clear();
            self.typing = false;
        }
        if self.cursor != self.input.cursor() {
            self.input = std::mem::take(&mut self.input).with_cursor(self.cursor);
            self.typing = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn ctrl(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::CONTROL)
    }

    fn typed(text: &str) -> TextField {
        let mut field = TextField::default();
        for c in text.chars() {
            assert!(field.handle(key(KeyCode::Char(c))));
        }
        field
    }

    #[test]
    fn a_letter_and_its_accents_are_one_step() {
        let mut field = TextField::new("cafe\u{301} ok");
        field.handle(key(KeyCode::Home));
        for _ in 0..4 {
            field.handle(key(KeyCode::Right));
        }
        assert_eq!(field.cursor, 5, "past e and its accent together");
        field.handle(key(KeyCode::Backspace));
        assert_eq!(field.text, "caf ok");
        field.handle(key(KeyCode::End));
        assert_eq!(field.visual_cursor(), 6);
    }

    #[test]
    fn words_are_skipped_and_deleted_whole() {
        let mut field = typed("CT abdomen report");
        field.handle(ctrl(KeyCode::Left));
        assert_eq!(field.cursor, 11);
        field.handle(ctrl(KeyCode::Char('w')));
        assert_eq!(field.text, "CT report");
        field.handle(KeyEvent::new(KeyCode::Char('f'), KeyModifiers::ALT));
        assert_eq!(field.cursor, field.text.chars().count());
    }

    #[test]
    fn undo_takes_back_what_was_typed_and_redo_brings_it_again() {
        let mut field = typed("CT report");
        field.handle(ctrl(KeyCode::Char('w')));
        assert_eq!(field.text, "CT ");
        field.handle(ctrl(KeyCode::Char('z')));
        assert_eq!(field.text, "CT report");
        field.handle(ctrl(KeyCode::Char('z')));
        assert_eq!(field.text, "", "the typing was one step");
        field.handle(ctrl(KeyCode::Char('y')));
        assert_eq!(field.text, "CT report");
        field.insert_str(" 2026");
        field.handle(ctrl(KeyCode::Char('z')));
        assert_eq!(field.text, "CT report", "a paste is one step");
    }

    #[test]
    fn keys_that_are_not_editing_keys_are_left_to_the_screen() {
        let mut field = typed("x");
        for k in [
            key(KeyCode::Up),
            key(KeyCode::Down),
            key(KeyCode::Tab),
            key(KeyCode::Enter),
            key(KeyCode::Esc),
            ctrl(KeyCode::Char('s')),
            ctrl(KeyCode::Char('q')),
        ] {
            assert!(!field.handle(k), "{k:?}");
        }
        assert_eq!(field.text, "x");
    }

    #[test]
    fn a_paste_past_the_cap_is_cut_and_says_so() {
        let mut field = TextField::new("ab").with_max_bytes(5);
        field.insert_str("肝臓");
        assert_eq!(field.text, "ab肝", "cut between characters");
        assert!(field.was_truncated());
        field.handle(key(KeyCode::Char('x')));
        assert_eq!(field.text, "ab肝", "full: nothing more goes in");
        assert!(field.was_truncated());
        field.handle(key(KeyCode::Backspace));
        assert!(!field.was_truncated());
        field.insert_str("line\none");
        assert_eq!(field.text, "ablin");
    }

    #[test]
    fn a_direct_write_is_taken_over() {
        let mut field = typed("zzzz");
        field.text.clear();
        field.cursor = 0;
        field.handle(key(KeyCode::Char('a')));
        assert_eq!((field.text.as_str(), field.cursor), ("a", 1));
    }
}
