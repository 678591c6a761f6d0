//! Printing: tables, safe text, and stdout that tolerates a closed pipe.
//!
//! Every byte the command line prints goes out through [`emit`],
//! [`emit_json`] or [`warn`], and each passes it through the one
//! sanitizer ([`crate::sanitize`]) on the way: whatever a case file, a
//! pack, a file name or a message quoting them holds, no control or
//! invisible character reaches the terminal raw. Callers still clean each
//! name and one-line field with [`clean`] where they build the text, so
//! that a line break in a name is shown as `\n` and cannot forge a line.

use std::borrow::Cow;
use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use crate::sanitize::{self, Breaks};

/// A timestamp for people: RFC 3339 with its offset, to the second.
pub fn when(at: time::OffsetDateTime) -> String {
    crate::case::rfc3339(at.replace_nanosecond(0).unwrap_or(at))
}

/// Writes `text` to stdout, its control and invisible characters shown
/// escaped (line breaks and tabs kept). A reader that went away
/// (`umdesk list | head`) is not an error worth a message.
pub fn emit(text: &str) -> io::Result<()> {
    write_out(&sanitize::lines(text))
}

/// Writes a JSON document as serde_json made it to stdout, with the
/// characters serde_json leaves raw escaped as JSON escapes them.
pub fn emit_json(json: &str) -> io::Result<()> {
    write_out(&sanitize::json(json))
}

fn write_out(text: &str) -> io::Result<()> {
    if captured(|capture| capture.stdout.extend_from_slice(text.as_bytes())) {
        return Ok(());
    }
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes one line to stderr, sanitized as [`emit`] does, ignoring a
/// closed stderr.
pub fn warn(line: &str) {
    let line = format!("{}\n", sanitize::lines(line));
    if captured(|capture| capture.stderr.extend_from_slice(line.as_bytes())) {
        return;
    }
    let _ = io::stderr().lock().write_all(line.as_bytes());
}

/// What a command printed while its output was captured.
#[derive(Debug, Default)]
pub struct Captured {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

thread_local! {
    /// Set while a command runs for an SSH connection (`umdesk serve`):
    /// its output goes to that connection, not to the server's own
    /// stdout, which other connections' commands share.
    static CAPTURE: std::cell::RefCell<Option<Captured>> = const { std::cell::RefCell::new(None) };
}

/// Runs `command` on this thread with everything it prints captured.
pub fn capture<R>(command: impl FnOnce() -> R) -> (R, Captured) {
    CAPTURE.with(|capture| *capture.borrow_mut() = Some(Captured::default()));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(command));
    // Taken back even after a panic: the thread may run other work.
    let captured = CAPTURE.with(|capture| capture.borrow_mut().take());
    match result {
        Ok(result) => (result, captured.unwrap_or_default()),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Adds to the capture if there is one.
fn captured(add: impl FnOnce(&mut Captured)) -> bool {
    CAPTURE.with(|capture| match capture.borrow_mut().as_mut() {
        Some(captured) => {
            add(captured);
            true
        }
        None => false,
    })
}

/// Text from a case file or a pack, made safe to print on a terminal:
/// control and invisible characters (escape sequences, bidi overrides,
/// zero-width characters) are shown escaped. Line breaks and tabs are
/// kept when `multiline`.
pub fn clean(text: &str, multiline: bool) -> Cow<'_, str> {
    let breaks = if multiline {
        Breaks::Keep
    } else {
        Breaks::Escape
    };
    sanitize::for_terminal(text, breaks)
}

/// A path as messages name it, on one line, escaped.
pub fn path_name(path: &std::path::Path) -> String {
    clean(&path.display().to_string(), false).into_owned()
}

/// `text` with every line after the first indented by `indent`.
pub fn indent_rest(text: &str, indent: &str) -> String {
    let cleaned = clean(text, true);
    let mut lines = cleaned.lines();
    let mut out = lines.next().unwrap_or("").to_string();
    for line in lines {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(indent);
            out.push_str(line);
        }
    }
    out
}

/// A plain text table: a header row and aligned columns, two spaces apart.
/// Cells are cleaned; widths count terminal columns, so wide characters
/// line up.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let columns = header.len();
    let cleaned: Vec<Vec<Cow<str>>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| clean(cell, false)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in &cleaned {
        for (i, cell) in row.iter().enumerate().take(columns) {
            widths[i] = widths[i].max(cell.width());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut text = String::new();
        for (i, cell) in cells.iter().enumerate() {
            text.push_str(cell);
            if i + 1 < cells.len() {
                let width = widths.get(i).copied().unwrap_or(0);
                let pad = width.saturating_sub(cell.width()) + 2;
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in &cleaned {
        line(row.iter().map(|cell| &**cell).collect());
    }
    out
}

/// Label/value lines, the labels padded to one width; an empty label
/// continues the line before.
pub fn fields(lines: &[(&str, String)]) -> String {
    let width = lines
        .iter()
        .map(|(label, _)| label.width())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for (label, value) in lines {
        let pad = " ".repeat(width - label.width());
        let colon = if label.is_empty() { " " } else { ":" };
        out.push_str(&format!(
            "{label}{colon}{pad} {}\n",
            indent_rest(value, &" ".repeat(width + 2))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_defused() {
        assert_eq!(clean("a\u{1b}[2Jb", false), "a\\u{1b}[2Jb");
        assert_eq!(clean("a\nb", false), "a\\nb");
        assert_eq!(clean("a\nb", true), "a\nb");
        assert_eq!(clean("a\u{202e}b", true), "a\\u{202e}b");
    }

    #[test]
    fn continued_lines_are_cleaned_too() {
        assert_eq!(
            indent_rest("a\n\u{1b}]0;x\u{7}", "  "),
            "a\n  \\u{1b}]0;x\\u{7}"
        );
    }

    #[test]
    fn tables_align_wide_text() {
        let text = table(
            &["ID", "MEMBER"],
            &[
                vec!["1".into(), "山田 太郎".into()],
                vec!["22".into(), "Ann".into()],
            ],
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "ID  MEMBER");
        assert_eq!(lines[1], "1   山田 太郎");
        assert_eq!(lines[2], "22  Ann");
    }

    #[test]
    fn fields_align_and_continue() {
        let text = fields(&[
            ("Case", "A".into()),
            ("Lesions", "x".into()),
            ("", "y".into()),
        ]);
        assert_eq!(text, "Case:    A\nLesions: x\n         y\n");
    }
}
