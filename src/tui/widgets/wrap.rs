//! Word wrapping of styled text into lines of a given width.
//!
//! The policy pane marks byte ranges of a section (the criterion's words,
//! defined terms, search hits); wrapping keeps each character's style.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

/// A styled byte range of the text; later ranges win where they overlap.
#[derive(Debug, Clone, Copy)]
pub struct Mark {
    pub start: usize,
    pub end: usize,
    pub style: Style,
}

/// Wraps `text` to `width` columns. Returns the lines and, for each line,
/// the byte offset in `text` where it starts (to scroll to a mark).
pub fn wrap(
    text: &str,
    width: usize,
    base: Style,
    marks: &[Mark],
) -> (Vec<Line<'static>>, Vec<usize>) {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut starts = Vec::new();
    let mut offset = 0;
    for paragraph in text.split('\n') {
        wrap_paragraph(
            paragraph,
            offset,
            width,
            base,
            marks,
            &mut lines,
            &mut starts,
        );
        offset += paragraph.len() + 1;
    }
    (lines, starts)
}

fn style_at(at: usize, base: Style, marks: &[Mark]) -> Style {
    marks
        .iter()
        .filter(|m| m.start <= at && at < m.end)
        .fold(base, |style, m| style.patch(m.style))
}

fn wrap_paragraph(
    paragraph: &str,
    offset: usize,
    width: usize,
    base: Style,
    marks: &[Mark],
    lines: &mut Vec<Line<'static>>,
    starts: &mut Vec<usize>,
) {
    if paragraph.is_empty() {
        lines.push(Line::default());
        starts.push(offset);
        return;
    }
    let mut line_start = 0;
    let mut line_width = 0;
    let mut last_break: Option<usize> = None;
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    for (at, c) in paragraph.char_indices() {
        let w = UnicodeWidthStr::width(c.encode_utf8(&mut [0; 4]) as &str);
        // Spaces where a line breaks are dropped, not carried over.
        if c == ' ' && at == line_start && !pieces.is_empty() {
            line_start = at + 1;
            continue;
        }
        if c == ' ' && line_width + w > width && at > line_start {
            pieces.push((line_start, at));
            line_start = at + 1;
            line_width = 0;
            last_break = None;
            continue;
        }
        if line_width + w > width && at > line_start {
            let cut = match last_break {
                Some(b) if b > line_start => b,
                _ => at,
            };
            pieces.push((line_start, cut));
            // Spaces at the break go; never past the character in hand.
            line_start = skip_spaces(paragraph, cut).min(at);
            line_width = UnicodeWidthStr::width(&paragraph[line_start..at]);
            last_break = None;
        }
        line_width += w;
        if c == ' ' {
            last_break = Some(at + 1);
        }
    }
    pieces.push((line_start, paragraph.len()));
    for (start, end) in pieces {
        lines.push(styled_line(
            &paragraph[start..end],
            offset + start,
            base,
            marks,
        ));
        starts.push(offset + start);
    }
}

fn skip_spaces(text: &str, from: usize) -> usize {
    let rest = &text[from..];
    from + (rest.len() - rest.trim_start_matches(' ').len())
}

/// Splits a line into spans where the style changes.
fn styled_line(text: &str, offset: usize, base: Style, marks: &[Mark]) -> Line<'static> {
    if marks.is_empty() {
        return Line::from(Span::styled(text.to_string(), base));
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut current = String::new();
    let mut current_style: Option<Style> = None;
    for (at, c) in text.char_indices() {
        let style = style_at(offset + at, base, marks);
        if current_style != Some(style) && !current.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut current),
                current_style.unwrap_or(base),
            ));
        }
        current_style = Some(style);
        current.push(c);
    }
    if !current.is_empty() {
        spans.push(Span::styled(current, current_style.unwrap_or(base)));
    }
    Line::from(spans)
}

/// Wraps styled lines to `width`. All wrapped text on screen goes through
/// here rather than ratatui's `Wrap`, whose word wrapper in 0.30 can make
/// a line one cell too wide when a double-width character ends it
/// (ratatui#2679), which overwrites the border beside it.
pub fn wrap_lines(lines: Vec<Line<'_>>, width: u16) -> Vec<Line<'static>> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let mut text = String::new();
        let mut marks = Vec::with_capacity(line.spans.len());
        for span in &line.spans {
            let start = text.len();
            text.push_str(&span.content);
            marks.push(Mark {
                start,
                end: text.len(),
                style: span.style,
            });
        }
        // A line is one paragraph: a newline inside a span would end it.
        let text = text.replace('\n', " ");
        let (wrapped, _) = wrap(&text, width as usize, line.style, &marks);
        out.extend(wrapped);
    }
    out
}

/// Draws lines already wrapped to `area`'s width, one per row, clipped to
/// its height. A `Paragraph` would truncate and restyle every cell of the
/// area again; on the wide policy pane that was half of a frame's work.
pub fn draw_lines(
    buffer: &mut ratatui::buffer::Buffer,
    area: ratatui::layout::Rect,
    lines: &[Line<'_>],
) {
    for (line, y) in lines.iter().zip(area.top()..area.bottom()) {
        buffer.set_line(area.x, y, line, area.width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn wraps_at_word_boundaries() {
        let (lines, starts) = wrap("the tumor must be unresectable", 12, Style::default(), &[]);
        assert_eq!(
            plain(&lines),
            vec!["the tumor ", "must be ", "unresectable"]
        );
        assert_eq!(starts, vec![0, 10, 18]);
    }

    #[test]
    fn a_run_of_spaces_at_the_break_is_dropped() {
        let (lines, _) = wrap("ab    cd", 3, Style::default(), &[]);
        assert_eq!(plain(&lines), vec!["ab ", "cd"]);
    }

    #[test]
    fn wide_characters_count_double() {
        let (lines, _) = wrap("肝臓肝臓肝臓", 4, Style::default(), &[]);
        assert_eq!(plain(&lines), vec!["肝臓", "肝臓", "肝臓"]);
    }

    #[test]
    fn a_word_longer_than_the_line_is_cut() {
        let (lines, _) = wrap("abcdefghij", 4, Style::default(), &[]);
        assert_eq!(plain(&lines), vec!["abcd", "efgh", "ij"]);
    }
}
