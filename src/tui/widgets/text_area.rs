//! A multi-line note editor: evidence notes, rationales, QA notes.
//!
//! The text is one String; the cursor is a byte offset kept on a char
//! boundary. Only the visible lines are wrapped when drawing, so a
//! megabyte-long note costs no more to draw than a short one.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextArea {
    pub text: String,
    pub cursor: usize,
}

impl TextArea {
    pub fn new(text: &str) -> TextArea {
        TextArea {
            text: text.to_string(),
            cursor: text.len(),
        }
    }

    fn prev_boundary(&self, at: usize) -> usize {
        self.text[..at]
            .char_indices()
            .next_back()
            .map(|(i, _)| i)
            .unwrap_or(0)
    }

    fn next_boundary(&self, at: usize) -> usize {
        self.text[at..]
            .chars()
            .next()
            .map(|c| at + c.len_utf8())
            .unwrap_or(self.text.len())
    }

    fn line_start(&self, at: usize) -> usize {
        self.text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0)
    }

    fn line_end(&self, at: usize) -> usize {
        self.text[at..]
            .find('\n')
            .map(|i| at + i)
            .unwrap_or(self.text.len())
    }

    /// Moves to the same column of the line above or below.
    fn move_vertically(&mut self, down: bool) {
        let start = self.line_start(self.cursor);
        let column = self.text[start..self.cursor].chars().count();
        let target_start = if down {
            let end = self.line_end(self.cursor);
            if end == self.text.len() {
                return;
            }
            end + 1
        } else {
            if start == 0 {
                return;
            }
            self.line_start(start - 1)
        };
        let target_end = self.line_end(target_start);
        let mut at = target_start;
        for _ in 0..column {
            if at >= target_end {
                break;
            }
            at = self.next_boundary(at);
        }
        self.cursor = at;
    }

    pub fn insert_str(&mut self, text: &str) {
        let clean: String = text
            .chars()
            .filter(|c| *c == '\n' || !c.is_control())
            .collect();
        self.text.insert_str(self.cursor, &clean);
        self.cursor += clean.len();
    }

    /// Applies an editing key; false when the key is not an editing key.
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char(c) if !control => {
                self.text.insert(self.cursor, c);
                self.cursor += c.len_utf8();
            }
            KeyCode::Enter => {
                self.text.insert(self.cursor, '\n');
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                let at = self.prev_boundary(self.cursor);
                self.text.replace_range(at..self.cursor, "");
                self.cursor = at;
            }
            KeyCode::Delete if self.cursor < self.text.len() => {
                let end = self.next_boundary(self.cursor);
                self.text.replace_range(self.cursor..end, "");
            }
            KeyCode::Left => self.cursor = self.prev_boundary(self.cursor),
            KeyCode::Right => self.cursor = self.next_boundary(self.cursor),
            KeyCode::Up => self.move_vertically(false),
            KeyCode::Down => self.move_vertically(true),
            KeyCode::Home => self.cursor = self.line_start(self.cursor),
            KeyCode::End => self.cursor = self.line_end(self.cursor),
            KeyCode::Backspace | KeyCode::Delete => {}
            _ => return false,
        }
        true
    }

    /// The line and column (in characters) of the cursor.
    pub fn cursor_position(&self) -> (usize, usize) {
        let before = &self.text[..self.cursor];
        let line = before.matches('\n').count();
        let column = before[self.line_start(self.cursor)..].chars().count();
        (line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn edits_wide_text_on_char_boundaries() {
        let mut area = TextArea::new("肝臓 ok");
        area.handle(key(KeyCode::Home));
        area.handle(key(KeyCode::Right));
        area.handle(key(KeyCode::Backspace));
        assert_eq!(area.text, "臓 ok");
        area.handle(key(KeyCode::Char('é')));
        assert_eq!(area.text, "é臓 ok");
    }

    #[test]
    fn moves_between_lines_by_column() {
        let mut area = TextArea::new("first line\nab\nthird");
        area.cursor = 5;
        area.handle(key(KeyCode::Down));
        assert_eq!(area.cursor_position(), (1, 2));
        area.handle(key(KeyCode::Down));
        assert_eq!(area.cursor_position(), (2, 2));
        area.handle(key(KeyCode::Up));
        area.handle(key(KeyCode::Up));
        assert_eq!(area.cursor_position(), (0, 2));
    }
}
