//! Printing: tables, safe text, and stdout that tolerates a closed pipe.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

/// A timestamp for people: RFC 3339 with its offset, to the second.
pub fn when(at: time::OffsetDateTime) -> String {
    crate::case::rfc3339(at.replace_nanosecond(0).unwrap_or(at))
}

/// Writes `text` to stdout. A reader that went away (`umdesk list | head`)
/// is not an error worth a message.
pub fn emit(text: &str) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Writes one line to stderr, ignoring a closed stderr.
pub fn warn(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

/// Text from a case file or a pack, made safe to print on a terminal:
/// control characters (escape sequences among them) are shown escaped.
/// Line breaks are kept when `multiline`.
pub fn clean(text: &str, multiline: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if multiline => out.push('\n'),
            '\t' if multiline => out.push('\t'),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
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
    let cleaned: Vec<Vec<String>> = rows
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
        line(row.iter().map(String::as_str).collect());
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
