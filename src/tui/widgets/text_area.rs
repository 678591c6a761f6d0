//! A multi-line note editor: evidence notes, rationales, QA notes.
//!
//! `ratatui-textarea` does the editing (undo and redo, word movement);
//! ours are the keys (one table, `edit_keys`), a cursor that steps over a
//! letter and its accents together, the size cap, and the drawing: only
//! the lines around the cursor are wrapped, so a megabyte-long note costs
//! no more to draw than a short one, and the view follows the cursor
//! (after a long paste too).

use std::cell::Cell;
use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui_textarea::{CursorMove, DataCursor};
use unicode_segmentation::{GraphemeCursor, UnicodeSegmentation};
use unicode_width::UnicodeWidthStr;

use super::edit_keys::{self, EditCommand};

/// What a note holds at most, unless told otherwise: a megabyte of
/// evidence and some room to edit it.
pub const DEFAULT_MAX_BYTES: usize = 1024 * 1024 + 64 * 1024;

/// Undo steps kept (each typed character is one).
const UNDO_DEPTH: usize = 200;

type Editor = ratatui_textarea::TextArea<'static>;

#[derive(Debug, Clone)]
pub struct TextArea {
    /// The whole text, for the screens and the draft to read. Change it
    /// through the methods; a direct write is taken over at the next edit,
    /// undo history lost.
    pub text: String,
    /// The cursor as a byte offset into `text`, on a character boundary.
    pub cursor: usize,
    /// Boxed: the editor is large, and an overlay that holds one should
    /// not make every overlay as large.
    editor: Box<Editor>,
    max_bytes: usize,
    truncated: bool,
    /// Where the last drawing started and how big it was: the view moves
    /// only as far as it must to keep the cursor in sight.
    view: Cell<View>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    line: usize,
    /// The wrapped row within the line.
    row: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct View {
    top: Row,
    width: u16,
    height: u16,
}

impl Default for TextArea {
    fn default() -> TextArea {
        TextArea::new("")
    }
}

/// Two editors are equal when they hold the same text and cursor.
impl PartialEq for TextArea {
    fn eq(&self, other: &TextArea) -> bool {
        self.text == other.text && self.cursor == other.cursor
    }
}

impl Eq for TextArea {}

impl TextArea {
    /// An editor holding `text`, the cursor at its end. A text longer than
    /// the cap is kept whole: it cannot grow, nothing is lost.
    pub fn new(text: &str) -> TextArea {
        let normal = text.replace("\r\n", "\n");
        let mut area = TextArea {
            text: String::new(),
            cursor: 0,
            editor: Box::new(editor_at(&normal, normal.len())),
            max_bytes: DEFAULT_MAX_BYTES,
            truncated: false,
            view: Cell::new(View::default()),
        };
        area.publish_text();
        area
    }

    /// The same editor, holding at most `max_bytes` bytes from now on.
    pub fn with_max_bytes(mut self, max_bytes: usize) -> TextArea {
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

    pub fn into_text(self) -> String {
        self.text
    }

    /// Inserts pasted text at the cursor, as one undo step. Line breaks of
    /// any platform become `\n`; control characters are dropped; what
    /// would pass the size cap is cut off (`was_truncated` tells).
    pub fn insert_str(&mut self, text: &str) {
        self.take_over_direct_writes();
        let clean = edit_keys::clean_paste(text);
        let room = self.max_bytes.saturating_sub(self.text.len());
        let kept = edit_keys::head_within(&clean, room);
        self.truncated = kept.len() < clean.len();
        if kept.is_empty() {
            return;
        }
        self.editor.insert_str(kept);
        self.publish_text();
    }

    /// Applies an editing key; false when the key is not an editing key
    /// (the screen's then: Esc, ^S, Tab...).
    pub fn handle(&mut self, key: KeyEvent) -> bool {
        self.take_over_direct_writes();
        self.truncated = false;
        let changed = if let Some(command) = edit_keys::command_for(key, true) {
            self.apply(command)
        } else if let Some(c) = edit_keys::typed_char(key) {
            self.insert_char(c)
        } else {
            return false;
        };
        if changed {
            self.publish_text();
        } else {
            self.publish_cursor();
        }
        true
    }

    /// The line and column (in characters) of the cursor.
    pub fn cursor_position(&self) -> (usize, usize) {
        let DataCursor(line, column) = self.editor.cursor();
        (line, column)
    }

    /// The text's lines.
    pub fn lines(&self) -> &[String] {
        self.editor.lines()
    }

    /// Draws the lines around the cursor into `area`, each wrapped to its
    /// width, scrolled just enough that the cursor shows; returns where
    /// the cursor is, for the frame to put the terminal's cursor there
    /// (`Frame::set_cursor_position`): typing a character then costs the
    /// character and nothing else.
    pub fn render(&self, area: Rect, buf: &mut Buffer) -> Option<Position> {
        if area.is_empty() {
            return None;
        }
        let width = usize::from(area.width);
        let height = usize::from(area.height);
        let lines = self.editor.lines();
        let DataCursor(line, column) = self.editor.cursor();
        let cursor_line = &lines[line];
        let cursor_rows = wrap_rows(cursor_line, width);
        let (cursor_row, cursor_x) = locate(
            cursor_line,
            &cursor_rows,
            byte_of(cursor_line, column),
            width,
        );
        let cursor = Row {
            line,
            row: cursor_row,
        };
        let top = self.scrolled_top(cursor, area, lines);

        let mut y = 0;
        let mut cursor_y = None;
        let mut first_row = top.row;
        for (index, text) in lines.iter().enumerate().skip(top.line) {
            if y >= height {
                break;
            }
            let rows = if index == line {
                cursor_rows.clone()
            } else {
                wrap_rows(text, width)
            };
            // The cursor may sit on a row of its own past a full last row.
            let count = if index == line {
                rows.len().max(cursor_row + 1)
            } else {
                rows.len()
            };
            for row in first_row..count {
                if y >= height {
                    break;
                }
                if let Some(range) = rows.get(row) {
                    buf.set_stringn(
                        area.x,
                        area.y + y as u16,
                        &text[range.clone()],
                        width,
                        Style::default(),
                    );
                }
                if index == line && row == cursor_row {
                    cursor_y = Some(y);
                }
                y += 1;
            }
            first_row = 0;
        }
        cursor_y.map(|y| Position {
            x: area.x + cursor_x as u16,
            y: area.y + y as u16,
        })
    }

    /// The first row to draw: the last one drawn, unless the cursor has
    /// left the view, then the nearest that brings it back.
    fn scrolled_top(&self, cursor: Row, area: Rect, lines: &[String]) -> Row {
        let mut view = self.view.get();
        if view.width != area.width {
            // The rows of a line changed with the width.
            view.top.row = 0;
        }
        if view.top.line >= lines.len() || cursor < view.top {
            view.top = cursor;
        } else {
            let lowest = rows_above(lines, cursor, usize::from(area.height) - 1, area.width);
            view.top = view.top.max(lowest);
        }
        view.width = area.width;
        view.height = area.height;
        self.view.set(view);
        view.top
    }

    fn insert_char(&mut self, c: char) -> bool {
        if self.text.len() + c.len_utf8() > self.max_bytes {
            self.truncated = true;
            return false;
        }
        self.editor.insert_char(c);
        true
    }

    /// Applies `command`; whether the text changed.
    fn apply(&mut self, command: EditCommand) -> bool {
        let page = usize::from(self.view.get().height.max(1));
        match command {
            EditCommand::Left => self.step_back(),
            EditCommand::Right => self.step_forward(),
            EditCommand::WordLeft => self.editor.move_cursor(CursorMove::WordBack),
            EditCommand::WordRight => self.editor.move_cursor(CursorMove::WordForward),
            EditCommand::Up => self.move_lines(CursorMove::Up, 1),
            EditCommand::Down => self.move_lines(CursorMove::Down, 1),
            EditCommand::PageUp => self.move_lines(CursorMove::Up, page),
            EditCommand::PageDown => self.move_lines(CursorMove::Down, page),
            EditCommand::LineStart => self.editor.move_cursor(CursorMove::Head),
            EditCommand::LineEnd => self.editor.move_cursor(CursorMove::End),
            EditCommand::TextStart => {
                self.editor.move_cursor(CursorMove::Top);
                self.editor.move_cursor(CursorMove::Head);
            }
            EditCommand::TextEnd => {
                self.editor.move_cursor(CursorMove::Bottom);
                self.editor.move_cursor(CursorMove::End);
            }
            EditCommand::DeleteBack => return self.delete_back(),
            EditCommand::DeleteForward => return self.delete_forward(),
            EditCommand::DeleteWordBack => return self.editor.delete_word(),
            EditCommand::DeleteWordForward => return self.editor.delete_next_word(),
            EditCommand::DeleteToLineStart => return self.editor.delete_line_by_head(),
            EditCommand::DeleteToLineEnd => return self.editor.delete_line_by_end(),
            EditCommand::Newline => return self.insert_char('\n'),
            EditCommand::Undo => return self.editor.undo(),
            EditCommand::Redo => return self.editor.redo(),
        }
        false
    }

    /// The characters (code points) of the grapheme before and after the
    /// cursor on its line: 0 at the line's start or end.
    fn graphemes_around(&self) -> (usize, usize) {
        let DataCursor(line, column) = self.editor.cursor();
        let text = &self.editor.lines()[line];
        let at = byte_of(text, column);
        let before = GraphemeCursor::new(at, text.len(), true)
            .prev_boundary(text, 0)
            .ok()
            .flatten()
            .map_or(0, |start| text[start..at].chars().count());
        let after = GraphemeCursor::new(at, text.len(), true)
            .next_boundary(text, 0)
            .ok()
            .flatten()
            .map_or(0, |end| text[at..end].chars().count());
        (before, after)
    }

    /// Puts the cursor on character `column` of its line. The editor's own
    /// steps go by screen column and stop short of zero-width marks, so
    /// the cursor jumps there instead.
    fn set_column(&mut self, column: usize) {
        let DataCursor(line, mut at) = self.editor.cursor();
        if let (Ok(row), Ok(col)) = (u16::try_from(line), u16::try_from(column)) {
            self.editor.move_cursor(CursorMove::Jump(row, col));
            return;
        }
        // Past what a jump can address (65,536 lines or characters):
        // step, which is right but for zero-width marks at a line's end.
        while at != column {
            let step = if at < column {
                CursorMove::Forward
            } else {
                CursorMove::Back
            };
            self.editor.move_cursor(step);
            let DataCursor(now_line, now_at) = self.editor.cursor();
            if now_line != line || now_at == at {
                return;
            }
            at = now_at;
        }
    }

    fn step_back(&mut self) {
        let (before, _) = self.graphemes_around();
        if before == 0 {
            self.editor.move_cursor(CursorMove::Back);
            return;
        }
        let DataCursor(_, column) = self.editor.cursor();
        self.set_column(column - before);
    }

    fn step_forward(&mut self) {
        let (_, after) = self.graphemes_around();
        if after == 0 {
            self.editor.move_cursor(CursorMove::Forward);
            return;
        }
        let DataCursor(_, column) = self.editor.cursor();
        self.set_column(column + after);
    }

    fn delete_back(&mut self) -> bool {
        let (before, _) = self.graphemes_around();
        if before <= 1 {
            // One character, or the line break before the line.
            return self.editor.delete_char();
        }
        let DataCursor(_, column) = self.editor.cursor();
        self.set_column(column - before);
        self.editor.delete_str(before)
    }

    fn delete_forward(&mut self) -> bool {
        let (_, after) = self.graphemes_around();
        if after <= 1 {
            return self.editor.delete_next_char();
        }
        self.editor.delete_str(after)
    }

    /// Up or down `count` lines, landing between two graphemes.
    fn move_lines(&mut self, direction: CursorMove, count: usize) {
        for _ in 0..count {
            self.editor.move_cursor(direction);
        }
        let DataCursor(line, column) = self.editor.cursor();
        let text = &self.editor.lines()[line];
        let at = byte_of(text, column);
        let mut boundary = GraphemeCursor::new(at, text.len(), true);
        if boundary.is_boundary(text, 0).unwrap_or(true) {
            return;
        }
        let start = boundary.prev_boundary(text, 0).ok().flatten().unwrap_or(0);
        let inside = text[start..at].chars().count();
        self.set_column(column - inside);
    }

    /// `text` and `cursor` follow the editor after an edit.
    fn publish_text(&mut self) {
        self.text = self.editor.lines().join("\n");
        self.publish_cursor();
    }

    fn publish_cursor(&mut self) {
        let DataCursor(line, column) = self.editor.cursor();
        let lines = self.editor.lines();
        let before: usize = lines[..line].iter().map(|l| l.len() + 1).sum();
        self.cursor = before + byte_of(&lines[line], column);
    }

    /// Code that wrote `text` or `cursor` itself wins over the editor.
    fn take_over_direct_writes(&mut self) {
        let cursor_moved = {
            let DataCursor(line, column) = self.editor.cursor();
            let lines = self.editor.lines();
            let before: usize = lines[..line].iter().map(|l| l.len() + 1).sum();
            before + byte_of(&lines[line], column) != self.cursor
        };
        if !holds(self.editor.lines(), &self.text) || cursor_moved {
            let mut at = self.cursor.min(self.text.len());
            while !self.text.is_char_boundary(at) {
                at -= 1;
            }
            *self.editor = editor_at(&self.text, at);
            self.publish_text();
        }
    }
}

/// An editor holding `text` with the cursor at byte `at`, and nothing to
/// undo. (The text after the cursor goes in first, then the text before
/// it is inserted at the start, which leaves the cursor where it ends.)
fn editor_at(text: &str, at: usize) -> Editor {
    let mut editor = Editor::new(text[at..].split('\n').map(str::to_string).collect());
    editor.insert_str(&text[..at]);
    editor.set_max_histories(UNDO_DEPTH);
    editor.set_cursor_line_style(Style::default());
    editor
}

/// Whether `lines` joined by line breaks are `text`, without joining them.
fn holds(lines: &[String], text: &str) -> bool {
    let mut rest = text;
    for (i, line) in lines.iter().enumerate() {
        let Some(after) = rest.strip_prefix(line.as_str()) else {
            return false;
        };
        rest = after;
        if i + 1 < lines.len() {
            let Some(after) = rest.strip_prefix('\n') else {
                return false;
            };
            rest = after;
        }
    }
    rest.is_empty()
}

/// The byte offset of character `column` of `line`.
fn byte_of(line: &str, column: usize) -> usize {
    line.char_indices()
        .nth(column)
        .map_or(line.len(), |(i, _)| i)
}

/// Cells a grapheme takes as ratatui draws it: control characters and
/// zero-width marks take none.
fn cells(grapheme: &str) -> usize {
    if grapheme.contains(char::is_control) {
        0
    } else {
        grapheme.width()
    }
}

/// The byte ranges of `line` wrapped to `width` cells: at a space where
/// one fits, else between two graphemes. Always at least one row.
fn wrap_rows(line: &str, width: usize) -> Vec<Range<usize>> {
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    // The byte just past the last space of the row, and the cells up to it.
    let mut last_break: Option<(usize, usize)> = None;
    for (at, grapheme) in line.grapheme_indices(true) {
        let w = cells(grapheme);
        while used + w > width && at > start {
            match last_break.take() {
                Some((end, cells_before)) if end > start && end <= at => {
                    rows.push(start..end);
                    start = end;
                    used -= cells_before;
                }
                _ => {
                    rows.push(start..at);
                    start = at;
                    used = 0;
                }
            }
        }
        used += w;
        if grapheme == " " {
            last_break = Some((at + 1, used));
        }
    }
    rows.push(start..line.len());
    rows
}

/// The row and column of the cursor at byte `at` of a line wrapped into
/// `rows`; past a full last row, the cursor has a row of its own.
fn locate(line: &str, rows: &[Range<usize>], at: usize, width: usize) -> (usize, usize) {
    let row = rows.iter().rposition(|r| r.start <= at).unwrap_or_default();
    let x: usize = line[rows[row].start..at].graphemes(true).map(cells).sum();
    if x >= width {
        return (row + 1, 0);
    }
    (row, x)
}

/// The row `count` rows above `from` (or the very first).
fn rows_above(lines: &[String], from: Row, count: usize, width: u16) -> Row {
    let mut left = count;
    let mut at = from;
    loop {
        if at.row >= left {
            return Row {
                line: at.line,
                row: at.row - left,
            };
        }
        left -= at.row;
        if at.line == 0 {
            return Row::default();
        }
        let line = at.line - 1;
        left -= 1;
        at = Row {
            line,
            row: wrap_rows(&lines[line], usize::from(width)).len() - 1,
        };
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
    fn a_letter_and_its_accents_move_and_go_together() {
        let mut area = TextArea::new("cafe\u{301}\nx");
        area.handle(key(KeyCode::Up));
        area.handle(key(KeyCode::End));
        area.handle(key(KeyCode::Left));
        assert_eq!(area.cursor_position(), (0, 3), "before e and its accent");
        area.handle(key(KeyCode::Right));
        area.handle(key(KeyCode::Backspace));
        assert_eq!(area.text, "caf\nx");
        area.handle(ctrl(KeyCode::Char('z')));
        assert_eq!(area.text, "cafe\u{301}\nx", "one undo brings both back");
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
        assert_eq!(area.cursor, 2);
    }

    #[test]
    fn undo_redo_and_words() {
        let mut area = TextArea::new("");
        area.insert_str("segment VI lesion");
        area.handle(ctrl(KeyCode::Left));
        assert_eq!(area.cursor_position(), (0, 11));
        area.handle(ctrl(KeyCode::Char('w')));
        assert_eq!(area.text, "segment lesion");
        area.handle(ctrl(KeyCode::Char('z')));
        assert_eq!(area.text, "segment VI lesion");
        area.handle(ctrl(KeyCode::Char('y')));
        assert_eq!(area.text, "segment lesion");
        area.handle(ctrl(KeyCode::Char('z')));
        area.handle(ctrl(KeyCode::Char('z')));
        assert_eq!(area.text, "", "the paste was one step");
    }

    #[test]
    fn keys_that_are_not_editing_keys_are_left_to_the_screen() {
        let mut area = TextArea::new("x");
        for k in [
            key(KeyCode::Esc),
            key(KeyCode::Tab),
            ctrl(KeyCode::Char('s')),
            ctrl(KeyCode::Char('c')),
        ] {
            assert!(!area.handle(k), "{k:?}");
        }
        assert_eq!(area.text, "x");
    }

    #[test]
    fn a_paste_past_the_cap_is_cut_and_says_so() {
        let mut area = TextArea::new("note: ").with_max_bytes(12);
        area.insert_str("a\r\nb\te\u{301}\u{302}");
        // 6 + "a\nb e" (5) = 11: the accented e (5 bytes) does not fit,
        // and is not split from its accents.
        assert_eq!(area.text, "note: a\nb ");
        assert!(area.was_truncated());
        area.handle(key(KeyCode::Char('x')));
        assert_eq!(area.text, "note: a\nb x");
        assert!(!area.was_truncated());
        area.handle(key(KeyCode::Enter));
        area.handle(key(KeyCode::Char('z')));
        assert_eq!(area.text, "note: a\nb x\n", "full at 12 bytes");
        assert!(area.was_truncated());
        // A note already longer than the cap is kept whole.
        let long = TextArea::new("0123456789").with_max_bytes(4);
        assert_eq!(long.text, "0123456789");
    }

    /// The cells of `buf` as rows of text.
    fn rows(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect()
    }

    fn render(area: &TextArea, width: u16, height: u16) -> (Buffer, Position) {
        let rect = Rect::new(0, 0, width, height);
        let mut buf = Buffer::empty(rect);
        let cursor = area.render(rect, &mut buf).expect("the cursor is in view");
        assert!(rect.contains(cursor), "{cursor:?} outside {rect:?}");
        (buf, cursor)
    }

    #[test]
    fn after_a_long_paste_the_cursor_is_in_view() {
        // Long lines that wrap many times, wide text, and a last line that
        // ends exactly at the edge.
        let mut note = String::new();
        for i in 0..400 {
            note.push_str(&format!(
                "{i} 肝細胞癌の凍結療法 segment VI 3.2 cm lesion; "
            ));
            note.push_str(&"x".repeat(i % 50));
            note.push('\n');
        }
        note.push_str("END.");
        let mut area = TextArea::new("");
        area.insert_str(&note);
        let (buf, cursor) = render(&area, 20, 6);
        assert_eq!(cursor, Position::new(4, 5), "{:#?}", rows(&buf));
        assert!(rows(&buf)[5].starts_with("END."), "{:#?}", rows(&buf));

        // Up a long way, then back to the end: in view each time.
        for _ in 0..150 {
            area.handle(key(KeyCode::Up));
        }
        let (buf, cursor) = render(&area, 20, 6);
        let (line, column) = area.cursor_position();
        assert_eq!(cursor.y, 0, "scrolled up with the cursor");
        let under: String = area.lines()[line].chars().skip(column).take(1).collect();
        assert_eq!(buf[cursor].symbol(), under, "{:#?}", rows(&buf));
        area.handle(ctrl(KeyCode::End));
        let (_, cursor) = render(&area, 20, 6);
        assert_eq!(cursor, Position::new(4, 5));

        // A line ending at the very edge: the cursor past it shows on a
        // row of its own.
        let mut edge = TextArea::new("");
        edge.insert_str(&"y".repeat(40));
        let (_, cursor) = render(&edge, 20, 6);
        assert_eq!(cursor, Position::new(0, 2));
    }

    #[test]
    fn the_view_moves_only_as_far_as_the_cursor_needs() {
        let text: Vec<String> = (0..30).map(|i| format!("line {i}")).collect();
        let mut area = TextArea::new(&text.join("\n"));
        area.handle(ctrl(KeyCode::Home));
        render(&area, 20, 5);
        for _ in 0..4 {
            area.handle(key(KeyCode::Down));
        }
        let (buf, cursor) = render(&area, 20, 5);
        assert_eq!(cursor.y, 4);
        assert!(rows(&buf)[0].starts_with("line 0"));
        area.handle(key(KeyCode::Down));
        let (buf, cursor) = render(&area, 20, 5);
        assert_eq!(cursor.y, 4);
        assert!(rows(&buf)[0].starts_with("line 1 "));
        area.handle(key(KeyCode::Up));
        let (buf, cursor) = render(&area, 20, 5);
        assert_eq!(cursor.y, 3, "the view stays put");
        assert!(rows(&buf)[0].starts_with("line 1 "));
    }

    #[test]
    fn wide_text_wraps_inside_the_width() {
        let mut area = TextArea::new("");
        area.insert_str(&"肝臓 👩🏽‍⚕️ e\u{301} ".repeat(30));
        let rect = Rect::new(0, 0, 9, 8);
        let mut buf = Buffer::empty(rect);
        area.render(rect, &mut buf);
        for line in area.text.split('\n') {
            for row in wrap_rows(line, 9) {
                let cells: usize = line[row].graphemes(true).map(cells).sum();
                assert!(cells <= 9);
            }
        }
    }

    #[test]
    fn typing_a_character_costs_the_character() {
        use crate::tui::backend::LeanBackend;
        use ratatui::layout::Size;
        use ratatui::{Terminal, TerminalOptions, Viewport};

        let backend = LeanBackend::new(Vec::new(), || Ok(Size::new(80, 24))).unwrap();
        let mut terminal = Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fullscreen,
            },
        )
        .unwrap();
        let mut area = TextArea::new("Evidence: CT 2026-11-20, ");
        let mut draw = |area: &TextArea| {
            terminal
                .draw(|frame| {
                    let inner = Rect::new(2, 3, 76, 18);
                    if let Some(at) = area.render(inner, frame.buffer_mut()) {
                        frame.set_cursor_position(at);
                    }
                })
                .unwrap();
            let written = terminal.backend_mut().writer_mut();
            std::mem::take(written)
        };
        draw(&area);
        area.handle(key(KeyCode::Char('x')));
        assert_eq!(draw(&area), b"x");
        area.handle(key(KeyCode::Char('y')));
        assert_eq!(draw(&area), b"y");
    }
}
