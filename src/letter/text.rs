//! A letter as plain text, and as the blocks both renderers lay out: the
//! text wraps them by columns, the PDF by the font's widths.

use unicode_width::UnicodeWidthStr;

use super::Letter;

/// The width plain-text letters wrap at.
pub const COLUMNS: usize = 72;

/// One block of a letter, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Lines kept as they are (the letterhead, the address).
    Line(String),
    Heading(String),
    Paragraph(String),
    /// A listed item, hung from a bullet.
    Item(String),
    Blank,
}

/// The letter's blocks, in order.
pub fn blocks(letter: &Letter) -> Vec<Block> {
    let mut out: Vec<Block> = letter.from.iter().cloned().map(Block::Line).collect();
    out.push(Block::Blank);
    out.push(Block::Line(letter.date.clone()));
    out.push(Block::Blank);
    out.extend(letter.to.iter().cloned().map(Block::Line));
    out.push(Block::Blank);
    out.push(Block::Heading(letter.subject.clone()));
    for section in &letter.sections {
        out.push(Block::Blank);
        if let Some(heading) = &section.heading {
            out.push(Block::Heading(heading.clone()));
        }
        for (i, paragraph) in section.paragraphs.iter().enumerate() {
            if i > 0 {
                out.push(Block::Blank);
            }
            out.push(Block::Paragraph(paragraph.clone()));
        }
        out.extend(section.items.iter().cloned().map(Block::Item));
    }
    out
}

/// The letter as plain text, wrapped at [`COLUMNS`].
pub fn render(letter: &Letter) -> String {
    lines(letter, COLUMNS).join("\n") + "\n"
}

/// The letter's lines at `width` columns.
pub fn lines(letter: &Letter, width: usize) -> Vec<String> {
    let mut out = Vec::new();
    for block in blocks(letter) {
        match block {
            Block::Line(line) | Block::Heading(line) => out.push(line),
            Block::Blank => out.push(String::new()),
            Block::Paragraph(text) => out.extend(wrap(&text, width, |s| s.width())),
            Block::Item(text) => {
                for (i, line) in wrap(&text, width.saturating_sub(2), |s| s.width())
                    .into_iter()
                    .enumerate()
                {
                    let bullet = if i == 0 { "- " } else { "  " };
                    out.push(format!("{bullet}{line}"));
                }
            }
        }
    }
    out
}

/// `text` broken at spaces into lines no wider than `width` as `measure`
/// measures them; a word wider than the line stands alone on its line.
pub fn wrap<W: PartialOrd + Copy>(
    text: &str,
    width: W,
    measure: impl Fn(&str) -> W,
) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            if line.is_empty() {
                line.push_str(word);
                continue;
            }
            let candidate = format!("{line} {word}");
            if measure(&candidate) > width {
                lines.push(std::mem::take(&mut line));
                line.push_str(word);
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    lines
}
