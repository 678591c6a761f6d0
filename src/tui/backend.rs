//! A terminal backend that sends as few bytes as it can.
//!
//! Reviewers work over SSH on slow links, so every keystroke's frame
//! should cost what changed and little more. ratatui already sends only
//! the cells that changed; this backend sends them cheaply: it remembers
//! where the cursor is and what pen (colours and attributes) is set across
//! frames, picks the shortest cursor move (relative, absolute, or printing
//! the few unchanged cells in between), writes each pen change as one short
//! SGR sequence, and hides the cursor only when it is showing.
//!
//! The encoder is pure (cells in, bytes out); `LeanBackend` is the shell
//! that hands its bytes to the terminal.

use std::fmt::Write as _;
use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};
use unicode_width::UnicodeWidthStr;

/// The colours and attributes the terminal writes with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }
}

/// What the terminal shows in one cell, as far as the encoder knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shown {
    /// Nothing reliable (the tail of a wide character, a symbol too long
    /// to keep, or never written).
    Unknown,
    Cell {
        symbol: Symbol,
        pen: Pen,
    },
}

/// A cell's symbol kept inline: the screen is remembered without an
/// allocation per cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Symbol {
    bytes: [u8; 8],
    len: u8,
}

impl Symbol {
    const BLANK: Symbol = Symbol {
        bytes: [b' ', 0, 0, 0, 0, 0, 0, 0],
        len: 1,
    };

    fn new(text: &str) -> Option<Symbol> {
        let mut bytes = [0u8; 8];
        bytes
            .get_mut(..text.len())?
            .copy_from_slice(text.as_bytes());
        Some(Symbol {
            bytes,
            len: text.len() as u8,
        })
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

/// Turns ratatui's changed cells into terminal bytes, remembering the
/// terminal's state between frames.
#[derive(Debug)]
pub struct Encoder {
    size: Size,
    /// Where the next printed character lands; None when unsure (after
    /// printing into the last column, or before anything was written).
    cursor: Option<Position>,
    /// None until the first SGR: the terminal's pen is not known yet.
    pen: Option<Pen>,
    cursor_visible: Option<bool>,
    /// The screen as the terminal shows it, row by row, so a short gap
    /// between two changes can be crossed by reprinting it.
    screen: Vec<Shown>,
}

/// Unchanged cells reprinted to cross a gap, at most: more is never
/// shorter than a relative move.
const MAX_REPRINT: u16 = 4;

impl Encoder {
    /// An encoder for a freshly cleared screen of `size`.
    pub fn new(size: Size) -> Encoder {
        let mut encoder = Encoder {
            size,
            cursor: None,
            pen: None,
            cursor_visible: None,
            screen: Vec::new(),
        };
        encoder.cleared(size);
        encoder
    }

    /// The screen was cleared (and may have a new size): every cell blank.
    fn cleared(&mut self, size: Size) {
        self.size = size;
        let blank = Shown::Cell {
            symbol: Symbol::BLANK,
            pen: Pen::DEFAULT,
        };
        self.screen = vec![blank; usize::from(size.width) * usize::from(size.height)];
        // A resize may have moved the cursor where we cannot see.
        self.cursor = None;
    }

    /// Which cells a partial clear blanked depends on the cursor: forget
    /// the screen (at its size now) rather than guess.
    fn forget(&mut self, size: Size) {
        self.size = size;
        self.screen = vec![Shown::Unknown; usize::from(size.width) * usize::from(size.height)];
        self.cursor = None;
    }

    fn index(&self, x: u16, y: u16) -> Option<usize> {
        (x < self.size.width && y < self.size.height)
            .then(|| usize::from(y) * usize::from(self.size.width) + usize::from(x))
    }

    /// The bytes that draw `cells` (ratatui's diff, in row order).
    pub fn draw<'a>(
        &mut self,
        out: &mut Vec<u8>,
        cells: impl Iterator<Item = (u16, u16, &'a Cell)>,
    ) {
        let cells: Vec<(u16, u16, &Cell)> = cells.collect();
        let mut erased_row: Option<u16> = None;
        let mut skip = 0;
        for (i, &(x, y, cell)) in cells.iter().enumerate() {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            if erased_row == Some(y) {
                continue;
            }
            erased_row = None;
            self.move_to(out, Position { x, y });
            // A blank shows no colour or weight: any pen that draws nothing
            // on a space will do, and keeping it saves two pen changes.
            let keep_pen = is_blank(cell.symbol(), Pen::of(cell))
                && self.pen.is_some_and(|pen| is_blank(" ", pen));
            if !keep_pen {
                self.set_pen(out, Pen::of(cell));
            }
            if self.can_erase_rest_of_row(&cells[i..], x, y) {
                out.extend_from_slice(b"\x1b[K");
                self.erased(x, y, self.size.width);
                erased_row = Some(y);
                continue;
            }
            let run = blank_run(&cells[i..]);
            if run >= MIN_ERASED_RUN {
                // Erase characters: the cursor stays where it is.
                let _ = write!(ByteString(out), "\x1b[{run}X");
                self.erased(x, y, x + run);
                skip = usize::from(run) - 1;
                continue;
            }
            self.print(out, x, y, cell);
        }
    }

    /// Whether, from `x` to the end of row `y`, the frame is blank, so one
    /// erase (3 bytes) does what writing the spaces would. `rest` is the
    /// diff from this cell on; cells not in it keep what the screen shows.
    fn can_erase_rest_of_row(&self, rest: &[(u16, u16, &Cell)], x: u16, y: u16) -> bool {
        let Some(&(_, _, cell)) = rest.first() else {
            return false;
        };
        // Erasing beats writing spaces only past a few cells.
        if self.size.width.saturating_sub(x) <= 3 || !is_blank(cell.symbol(), Pen::of(cell)) {
            return false;
        }
        let mut changes = rest.iter().take_while(|(_, row, _)| *row == y).peekable();
        for column in x..self.size.width {
            let blank = match changes.peek() {
                Some(&&(cx, _, changed)) if cx == column => {
                    changes.next();
                    is_blank(changed.symbol(), Pen::of(changed))
                }
                _ => match self.index(column, y).map(|i| &self.screen[i]) {
                    Some(Shown::Cell { symbol, pen }) => is_blank(symbol.as_str(), *pen),
                    _ => false,
                },
            };
            if !blank {
                return false;
            }
        }
        true
    }

    /// Row `y` from `x` up to `end` was erased with the default background.
    fn erased(&mut self, x: u16, y: u16, end: u16) {
        for column in x..end.min(self.size.width) {
            if let Some(i) = self.index(column, y) {
                self.screen[i] = Shown::Cell {
                    symbol: Symbol::BLANK,
                    pen: Pen::DEFAULT,
                };
            }
        }
    }

    fn print(&mut self, out: &mut Vec<u8>, x: u16, y: u16, cell: &Cell) {
        let symbol = cell.symbol();
        out.extend_from_slice(symbol.as_bytes());
        let width = symbol.width() as u16;
        if let Some(i) = self.index(x, y) {
            self.screen[i] = match (width, self.pen, Symbol::new(symbol)) {
                (1, Some(pen), Some(symbol)) => Shown::Cell { symbol, pen },
                _ => Shown::Unknown,
            };
            // The cells a wide character covers are not what they were.
            for covered in 1..width {
                if let Some(j) = self.index(x + covered, y) {
                    self.screen[j] = Shown::Unknown;
                }
            }
        }
        // In the last column the terminal's cursor waits to wrap, and
        // terminals differ on what the next move starts from; a character
        // not one cell wide may be drawn at another width than ours.
        let next = x + width;
        self.cursor = (width == 1 && next < self.size.width).then_some(Position { x: next, y });
    }

    /// Moves the cursor to `to` by the shortest way there.
    fn move_to(&mut self, out: &mut Vec<u8>, to: Position) {
        if self.cursor == Some(to) {
            return;
        }
        let mut best = absolute_move(to);
        if let Some(from) = self.cursor {
            for candidate in [
                self.relative_move(from, to),
                next_line_move(from, to),
                self.reprint(from, to),
            ]
            .into_iter()
            .flatten()
            {
                if candidate.len() < best.len() {
                    best = candidate;
                }
            }
        }
        out.extend_from_slice(best.as_bytes());
        self.cursor = Some(to);
    }

    /// Moves relative to where the cursor is. Line feeds and backspaces
    /// are one byte each; the terminal is in raw mode, so a line feed
    /// only moves down (it gains no carriage return), and it never
    /// scrolls here, the row below being on screen.
    fn relative_move(&self, from: Position, to: Position) -> Option<String> {
        let mut moves = String::new();
        match to.y.cmp(&from.y) {
            std::cmp::Ordering::Greater if to.y - from.y <= 3 => {
                moves.push_str(&"\n".repeat(usize::from(to.y - from.y)));
            }
            std::cmp::Ordering::Greater => csi_count(&mut moves, to.y - from.y, 'B'),
            std::cmp::Ordering::Less => csi_count(&mut moves, from.y - to.y, 'A'),
            std::cmp::Ordering::Equal => {}
        }
        match to.x.cmp(&from.x) {
            std::cmp::Ordering::Greater => csi_count(&mut moves, to.x - from.x, 'C'),
            std::cmp::Ordering::Less if to.x == 0 => moves.push('\r'),
            std::cmp::Ordering::Less => moves.push_str(&shortest_left(from.x, to.x)),
            std::cmp::Ordering::Equal => {}
        }
        Some(moves)
    }

    /// Crossing a short gap on the same row by printing what it already
    /// shows, when it is written with the current pen.
    fn reprint(&self, from: Position, to: Position) -> Option<String> {
        if from.y != to.y || to.x <= from.x || to.x - from.x > MAX_REPRINT {
            return None;
        }
        let pen = self.pen?;
        let mut text = String::new();
        for x in from.x..to.x {
            match &self.screen[self.index(x, from.y)?] {
                Shown::Cell { symbol, pen: shown }
                    if *shown == pen
                        || (is_blank(symbol.as_str(), *shown) && is_blank(" ", pen)) =>
                {
                    text.push_str(symbol.as_str())
                }
                _ => return None,
            }
        }
        Some(text)
    }

    fn set_pen(&mut self, out: &mut Vec<u8>, pen: Pen) {
        if self.pen == Some(pen) {
            return;
        }
        out.extend_from_slice(sgr(self.pen, pen).as_bytes());
        self.pen = Some(pen);
    }

    /// Back to the terminal's default pen, so clearing fills with the
    /// default background and the shell gets its colours back.
    fn reset_pen(&mut self, out: &mut Vec<u8>) {
        if self.pen != Some(Pen::DEFAULT) {
            out.extend_from_slice(b"\x1b[m");
            self.pen = Some(Pen::DEFAULT);
        }
    }

    fn set_cursor_visible(&mut self, out: &mut Vec<u8>, visible: bool) {
        if self.cursor_visible == Some(visible) {
            return;
        }
        out.extend_from_slice(if visible { b"\x1b[?25h" } else { b"\x1b[?25l" });
        self.cursor_visible = Some(visible);
    }
}

/// Blank cells in a row, at least, that are erased (`CSI n X`, 4 or 5
/// bytes, plus a longer move past them) rather than written as spaces.
const MIN_ERASED_RUN: u16 = 10;

/// How many of the first cells of `cells` are blank and side by side on
/// one row.
fn blank_run(cells: &[(u16, u16, &Cell)]) -> u16 {
    let Some(&(x0, y0, _)) = cells.first() else {
        return 0;
    };
    let mut run = 0;
    for &(x, y, cell) in cells {
        if y != y0 || x != x0 + run || !is_blank(cell.symbol(), Pen::of(cell)) {
            break;
        }
        run += 1;
    }
    run
}

/// `write!` into a byte buffer.
struct ByteString<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for ByteString<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

/// A cell that shows nothing: a space on the default background with no
/// attribute that draws on a space. An erase leaves exactly that.
fn is_blank(symbol: &str, pen: Pen) -> bool {
    let drawn_on_space = Modifier::UNDERLINED | Modifier::REVERSED | Modifier::CROSSED_OUT;
    symbol == " " && pen.bg == Color::Reset && !pen.modifier.intersects(drawn_on_space)
}

/// Left from column `from` to `to` on the same row: backspaces, a
/// relative move, or the column itself, whichever is shortest.
fn shortest_left(from: u16, to: u16) -> String {
    let back = from - to;
    let mut candidates = vec![format!("\x1b[{}G", to + 1)];
    if back <= 4 {
        candidates.push("\x08".repeat(usize::from(back)));
    }
    let mut left = String::new();
    csi_count(&mut left, back, 'D');
    candidates.push(left);
    candidates
        .into_iter()
        .min_by_key(String::len)
        .unwrap_or_default()
}

/// To the next row by carriage return and line feed: the same on any
/// terminal whether or not it adds a carriage return to a line feed, and
/// it never scrolls, the row below being on screen.
fn next_line_move(from: Position, to: Position) -> Option<String> {
    if to.y != from.y + 1 {
        return None;
    }
    let mut moves = String::from("\r\n");
    if to.x > 0 {
        csi_count(&mut moves, to.x, 'C');
    }
    Some(moves)
}

fn absolute_move(to: Position) -> String {
    match (to.y, to.x) {
        (0, 0) => "\x1b[H".to_string(),
        (y, 0) => format!("\x1b[{}H", y + 1),
        (y, x) => format!("\x1b[{};{}H", y + 1, x + 1),
    }
}

/// `CSI n letter`, with the count left out when it is 1.
fn csi_count(out: &mut String, n: u16, letter: char) {
    if n == 1 {
        let _ = write!(out, "\x1b[{letter}");
    } else {
        let _ = write!(out, "\x1b[{n}{letter}");
    }
}

/// The shorter of changing only what differs and resetting first.
fn sgr(from: Option<Pen>, to: Pen) -> String {
    let reset = {
        let mut params = vec!["0".to_string()];
        params.extend(pen_params(Pen::DEFAULT, to));
        params
    };
    let params = match from {
        Some(from) => {
            let changes = change_params(from, to);
            if changes.join(";").len() < reset.join(";").len() {
                changes
            } else {
                reset
            }
        }
        None => reset,
    };
    let joined = params.join(";");
    // `CSI m` is `CSI 0 m`.
    if joined == "0" {
        "\x1b[m".to_string()
    } else {
        format!("\x1b[{joined}m")
    }
}

/// Parameters that take the terminal from `from` to `to`.
fn change_params(from: Pen, to: Pen) -> Vec<String> {
    let mut params = Vec::new();
    let removed = from.modifier - to.modifier;
    let mut adding = to.modifier - from.modifier;
    // One code turns off both bold and dim; turn back on the one kept.
    if removed.intersects(Modifier::BOLD | Modifier::DIM) {
        params.push("22".to_string());
        adding |= to.modifier & (Modifier::BOLD | Modifier::DIM);
    }
    for (modifier, off) in [
        (Modifier::ITALIC, "23"),
        (Modifier::UNDERLINED, "24"),
        (Modifier::SLOW_BLINK | Modifier::RAPID_BLINK, "25"),
        (Modifier::REVERSED, "27"),
        (Modifier::HIDDEN, "28"),
        (Modifier::CROSSED_OUT, "29"),
    ] {
        if removed.intersects(modifier) {
            params.push(off.to_string());
            adding |= to.modifier & modifier;
        }
    }
    params.extend(modifier_params(adding));
    if from.fg != to.fg {
        params.push(color_param(to.fg, Layer::Foreground));
    }
    if from.bg != to.bg {
        params.push(color_param(to.bg, Layer::Background));
    }
    if from.underline != to.underline {
        params.push(color_param(to.underline, Layer::Underline));
    }
    params
}

/// Parameters that set `to` on a terminal at the default pen.
fn pen_params(default: Pen, to: Pen) -> Vec<String> {
    let mut params = modifier_params(to.modifier);
    if to.fg != default.fg {
        params.push(color_param(to.fg, Layer::Foreground));
    }
    if to.bg != default.bg {
        params.push(color_param(to.bg, Layer::Background));
    }
    if to.underline != default.underline {
        params.push(color_param(to.underline, Layer::Underline));
    }
    params
}

fn modifier_params(modifier: Modifier) -> Vec<String> {
    [
        (Modifier::BOLD, "1"),
        (Modifier::DIM, "2"),
        (Modifier::ITALIC, "3"),
        (Modifier::UNDERLINED, "4"),
        (Modifier::SLOW_BLINK, "5"),
        (Modifier::RAPID_BLINK, "6"),
        (Modifier::REVERSED, "7"),
        (Modifier::HIDDEN, "8"),
        (Modifier::CROSSED_OUT, "9"),
    ]
    .into_iter()
    .filter(|(m, _)| modifier.contains(*m))
    .map(|(_, code)| code.to_string())
    .collect()
}

#[derive(Clone, Copy)]
enum Layer {
    Foreground,
    Background,
    Underline,
}

/// The SGR parameter for `color`: the 16 named colours by their short
/// codes, the same palette entries crossterm addresses as `5;n`.
fn color_param(color: Color, layer: Layer) -> String {
    let named = |n: u8| -> String {
        let (base, bright) = match layer {
            Layer::Foreground => (30, 90),
            Layer::Background => (40, 100),
            Layer::Underline => return format!("58;5;{n}"),
        };
        if n < 8 {
            (base + n).to_string()
        } else {
            (bright + n - 8).to_string()
        }
    };
    match color {
        Color::Reset => match layer {
            Layer::Foreground => "39".to_string(),
            Layer::Background => "49".to_string(),
            Layer::Underline => "59".to_string(),
        },
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Indexed(n) if n < 16 => named(n),
        Color::Indexed(n) => format!("{};5;{n}", layer_code(layer)),
        Color::Rgb(r, g, b) => format!("{};2;{r};{g};{b}", layer_code(layer)),
    }
}

fn layer_code(layer: Layer) -> u8 {
    match layer {
        Layer::Foreground => 38,
        Layer::Background => 48,
        Layer::Underline => 58,
    }
}

/// The backend the app runs on: the encoder's bytes, written to the
/// terminal in one go at each flush.
pub struct LeanBackend<W: Write> {
    writer: W,
    encoder: Encoder,
    pending: Vec<u8>,
    /// Asks the terminal its size; tests pass a fixed one.
    query_size: fn() -> io::Result<Size>,
}

/// The size of the terminal the process runs in.
pub fn terminal_size() -> io::Result<Size> {
    let (width, height) = ratatui::crossterm::terminal::size()?;
    Ok(Size { width, height })
}

impl<W: Write> LeanBackend<W> {
    /// A backend over a terminal that has just been cleared (the
    /// alternate screen was entered) and is `size` big.
    pub fn new(writer: W, query_size: fn() -> io::Result<Size>) -> io::Result<LeanBackend<W>> {
        Ok(LeanBackend {
            writer,
            encoder: Encoder::new(query_size()?),
            pending: Vec::with_capacity(16 * 1024),
            query_size,
        })
    }

    /// What was written (tests drain it).
    #[cfg(test)]
    fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }
}

impl<W: Write> Backend for LeanBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.encoder.draw(&mut self.pending, content);
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.encoder.set_cursor_visible(&mut self.pending, false);
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.encoder.set_cursor_visible(&mut self.pending, true);
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        // Full-screen apps never ask; when asked, what we last moved to.
        Ok(self.encoder.cursor.unwrap_or_default())
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let position = position.into();
        self.encoder.move_to(&mut self.pending, position);
        Ok(())
    }

    fn clear(&mut self) -> io::Result<()> {
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.encoder.reset_pen(&mut self.pending);
        let sequence: &[u8] = match clear_type {
            ClearType::All => b"\x1b[2J",
            ClearType::AfterCursor => b"\x1b[J",
            ClearType::BeforeCursor => b"\x1b[1J",
            ClearType::CurrentLine => b"\x1b[2K",
            ClearType::UntilNewLine => b"\x1b[K",
        };
        self.pending.extend_from_slice(sequence);
        let size = self.size()?;
        if clear_type == ClearType::All {
            self.encoder.cleared(size);
        } else {
            self.encoder.forget(size);
        }
        Ok(())
    }

    fn size(&self) -> io::Result<Size> {
        (self.query_size)()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        let size = ratatui::crossterm::terminal::window_size()?;
        Ok(WindowSize {
            columns_rows: Size {
                width: size.columns,
                height: size.rows,
            },
            pixels: Size {
                width: size.width,
                height: size.height,
            },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.writer.write_all(&self.pending)?;
            self.pending.clear();
        }
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ratatui::backend::CrosstermBackend;
    use ratatui::buffer::Buffer;
    use ratatui::style::Style;
    use ratatui::{Terminal, TerminalOptions, Viewport};

    const WIDTH: u16 = 20;
    const HEIGHT: u16 = 6;

    fn fixed_size() -> io::Result<Size> {
        Ok(Size::new(WIDTH, HEIGHT))
    }

    fn terminal() -> Terminal<LeanBackend<Vec<u8>>> {
        let backend = LeanBackend::new(Vec::new(), fixed_size).unwrap();
        Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fullscreen,
            },
        )
        .unwrap()
    }

    /// Draws `frame`: the bytes it took and the buffer it drew.
    fn draw<B: Backend>(terminal: &mut Terminal<B>, frame: &[Write]) -> Buffer {
        terminal
            .draw(|f| {
                for w in frame {
                    f.buffer_mut().set_string(w.x, w.y, &w.text, w.style);
                }
            })
            .unwrap()
            .buffer
            .clone()
    }

    fn taken(terminal: &mut Terminal<LeanBackend<Vec<u8>>>) -> Vec<u8> {
        std::mem::take(terminal.backend_mut().writer_mut())
    }

    fn at(x: u16, y: u16, text: &str, style: Style) -> Write {
        Write {
            x,
            y,
            text: text.to_string(),
            style,
        }
    }

    #[derive(Debug, Clone)]
    struct Write {
        x: u16,
        y: u16,
        text: String,
        style: Style,
    }

    fn vt_color(color: Color) -> vt100::Color {
        match color {
            Color::Reset => vt100::Color::Default,
            Color::Black => vt100::Color::Idx(0),
            Color::Red => vt100::Color::Idx(1),
            Color::Green => vt100::Color::Idx(2),
            Color::Yellow => vt100::Color::Idx(3),
            Color::Cyan => vt100::Color::Idx(6),
            Color::DarkGray => vt100::Color::Idx(8),
            Color::White => vt100::Color::Idx(15),
            Color::Indexed(n) => vt100::Color::Idx(n),
            Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
            other => panic!("no mapping for {other:?} in this test"),
        }
    }

    /// The terminal, fed every byte so far, shows exactly `buffer`.
    fn assert_shows(screen: &vt100::Screen, buffer: &Buffer) {
        for y in 0..HEIGHT {
            for x in 0..WIDTH {
                let cell = &buffer[(x, y)];
                let shown = screen.cell(y, x).expect("cell on screen");
                if shown.is_wide_continuation() {
                    continue;
                }
                let contents = match shown.contents() {
                    "" => " ",
                    c => c,
                };
                let at = format!("at ({x}, {y})");
                assert_eq!(contents, cell.symbol(), "symbol {at}");
                assert_eq!(shown.bgcolor(), vt_color(cell.bg), "bg {at}");
                if is_blank(cell.symbol(), Pen::of(cell)) {
                    // Nothing on it is drawn: its colour and weight do not show.
                    continue;
                }
                assert_eq!(shown.fgcolor(), vt_color(cell.fg), "fg {at}");
                let m = cell.modifier;
                assert_eq!(shown.bold(), m.contains(Modifier::BOLD), "bold {at}");
                assert_eq!(shown.dim(), m.contains(Modifier::DIM), "dim {at}");
                assert_eq!(shown.italic(), m.contains(Modifier::ITALIC), "italic {at}");
                assert_eq!(
                    shown.underline(),
                    m.contains(Modifier::UNDERLINED),
                    "underline {at}"
                );
                assert_eq!(
                    shown.inverse(),
                    m.contains(Modifier::REVERSED),
                    "reversed {at}"
                );
            }
        }
    }

    fn style() -> impl Strategy<Value = Style> {
        let colors = prop::sample::select(vec![
            Color::Reset,
            Color::Red,
            Color::Green,
            Color::Cyan,
            Color::DarkGray,
            Color::White,
            Color::Indexed(200),
            Color::Rgb(1, 2, 3),
        ]);
        // vt100 keeps one of bold and dim, so never both at once here.
        let weight = prop::sample::select(vec![Modifier::empty(), Modifier::BOLD, Modifier::DIM]);
        let others = prop::sample::subsequence(
            vec![Modifier::ITALIC, Modifier::UNDERLINED, Modifier::REVERSED],
            0..=2,
        );
        (colors.clone(), colors, weight, others).prop_map(|(fg, bg, weight, others)| {
            let modifier = others.into_iter().fold(weight, |all, m| all | m);
            // The whole style, not a patch: a write replaces what the cell had.
            Style::new()
                .fg(fg)
                .bg(bg)
                .remove_modifier(Modifier::all())
                .add_modifier(modifier)
        })
    }

    fn write() -> impl Strategy<Value = Write> {
        let text = prop::sample::select(vec!["a", "ab", "✓ Met", "  ", "xyz q", "コ", "aコb", "▸"]);
        (0..WIDTH, 0..HEIGHT, text, style()).prop_map(|(x, y, text, style)| Write {
            x,
            y,
            text: text.to_string(),
            style,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever the frames, the terminal shows what crossterm's own
        /// backend would have drawn, and (where no wide character half
        /// covers another, which ratatui's diff does not track) exactly the
        /// frame: the shortcuts never leave a wrong cell behind.
        #[test]
        fn every_frame_is_shown_exactly(
            frames in prop::collection::vec(prop::collection::vec(write(), 0..12), 1..6)
        ) {
            let mut lean = terminal();
            let written = Shared::default();
            let mut crossterm = crossterm_terminal(written.clone());
            let mut lean_screen = vt100::Parser::new(HEIGHT, WIDTH, 0);
            let mut crossterm_screen = vt100::Parser::new(HEIGHT, WIDTH, 0);
            let narrow = frames.iter().flatten().all(|w| w.text.chars().all(|c| c != 'コ'));
            for frame in &frames {
                let buffer = draw(&mut lean, frame);
                lean_screen.process(&taken(&mut lean));
                draw(&mut crossterm, frame);
                crossterm_screen.process(&written.0.borrow_mut().split_off(0));
                assert_same_screen(lean_screen.screen(), crossterm_screen.screen());
                if narrow {
                    assert_shows(lean_screen.screen(), &buffer);
                }
            }
        }
    }

    fn assert_same_screen(lean: &vt100::Screen, crossterm: &vt100::Screen) {
        for y in 0..HEIGHT {
            for x in 0..WIDTH {
                let (a, b) = (lean.cell(y, x).unwrap(), crossterm.cell(y, x).unwrap());
                let look = |c: &vt100::Cell| {
                    let contents = c.contents().replace(' ', "");
                    // A blank cell, however written, looks the same: its
                    // colour and weight draw nothing.
                    if contents.is_empty() && !c.underline() && !c.inverse() {
                        return (
                            contents,
                            vt100::Color::Default,
                            c.bgcolor(),
                            (false, false, false, false, false),
                        );
                    }
                    (
                        contents,
                        c.fgcolor(),
                        c.bgcolor(),
                        (c.bold(), c.dim(), c.italic(), c.underline(), c.inverse()),
                    )
                };
                assert_eq!(look(a), look(b), "cell ({x}, {y})");
            }
        }
    }

    fn crossterm_terminal(written: Shared) -> Terminal<CrosstermBackend<Shared>> {
        Terminal::with_options(
            CrosstermBackend::new(written),
            TerminalOptions {
                viewport: Viewport::Fixed(ratatui::layout::Rect::new(0, 0, WIDTH, HEIGHT)),
            },
        )
        .unwrap()
    }

    fn screenful() -> Vec<Write> {
        let cyan = Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD);
        (0..HEIGHT)
            .map(|y| at(0, y, &format!("{y} criterion text here"), cyan))
            .collect()
    }

    #[test]
    fn an_unchanged_frame_sends_nothing() {
        let mut terminal = terminal();
        draw(&mut terminal, &screenful());
        taken(&mut terminal);
        draw(&mut terminal, &screenful());
        assert_eq!(taken(&mut terminal), b"");
    }

    #[test]
    fn one_changed_cell_costs_a_move_and_the_character() {
        let mut terminal = terminal();
        draw(&mut terminal, &screenful());
        taken(&mut terminal);
        let mut frame = screenful();
        frame.push(at(
            5,
            3,
            "X",
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
        ));
        draw(&mut terminal, &frame);
        assert_eq!(taken(&mut terminal), b"\x1b[4;6HX");
    }

    #[test]
    fn a_short_gap_is_crossed_by_reprinting_it() {
        let mut terminal = terminal();
        let plain = Style::new();
        draw(&mut terminal, &[at(0, 0, "abcdef", plain)]);
        taken(&mut terminal);
        draw(
            &mut terminal,
            &[at(0, 0, "Xbcdef", plain), at(3, 0, "Y", plain)],
        );
        // A carriage return to the row's start, then "bc" again: shorter
        // than any cursor move.
        assert_eq!(taken(&mut terminal), b"\rXbcY");
    }

    #[test]
    fn a_row_left_blank_to_its_end_is_erased_not_overwritten() {
        let mut terminal = terminal();
        let plain = Style::new();
        draw(&mut terminal, &[at(0, 1, "a long line of text", plain)]);
        taken(&mut terminal);
        draw(&mut terminal, &[at(0, 1, "a lot", plain)]);
        // "n" becomes "t", then one erase instead of fourteen spaces.
        assert_eq!(taken(&mut terminal), b"\x1b[5Gt\x1b[K");
    }

    #[test]
    fn a_long_blank_run_inside_a_row_is_erased_in_place() {
        let mut terminal = terminal();
        let plain = Style::new();
        draw(&mut terminal, &[at(0, 1, "abcdefghijklmnopqrs", plain)]);
        taken(&mut terminal);
        draw(
            &mut terminal,
            &[at(0, 1, "a", plain), at(18, 1, "t", plain)],
        );
        // Seventeen blanks: erased in place, then stepped over.
        assert_eq!(taken(&mut terminal), b"\x1b[2G\x1b[17X\x1b[17Ct");
    }

    #[test]
    fn after_a_partial_clear_nothing_is_assumed_about_the_screen() {
        let mut terminal = terminal();
        let plain = Style::new();
        draw(&mut terminal, &[at(0, 0, "abcdef", plain)]);
        terminal
            .backend_mut()
            .clear_region(ClearType::AfterCursor)
            .unwrap();
        taken(&mut terminal);
        draw(
            &mut terminal,
            &[at(0, 0, "Xbcdef", plain), at(3, 0, "Y", plain)],
        );
        // The erase, then no carriage return from a remembered cursor and no
        // gap reprinted from a remembered screen ("bc" would be shorter
        // than the move over it): an absolute move, then a relative one.
        assert_eq!(taken(&mut terminal), b"\x1b[J\x1b[HX\x1b[2CY");
    }

    #[test]
    fn colours_use_the_short_codes_and_change_only_what_differs() {
        let mut terminal = terminal();
        let green = Style::new().fg(Color::Green);
        let bold_green = green.add_modifier(Modifier::BOLD);
        draw(
            &mut terminal,
            &[at(0, 0, "a", green), at(1, 0, "b", bold_green)],
        );
        // The first frame also hides the cursor, once.
        assert_eq!(taken(&mut terminal), b"\x1b[H\x1b[0;32ma\x1b[1mb\x1b[?25l");
    }

    #[test]
    fn the_pen_is_reset_before_a_clear_so_it_fills_with_the_default() {
        let mut terminal = terminal();
        let red_on_blue = Style::new().fg(Color::Red).bg(Color::Blue);
        draw(&mut terminal, &[at(0, 0, "a", red_on_blue)]);
        taken(&mut terminal);
        let backend = terminal.backend_mut();
        backend.clear().unwrap();
        Backend::flush(backend).unwrap();
        assert_eq!(taken(&mut terminal), b"\x1b[m\x1b[2J");
        let backend = terminal.backend_mut();
        backend.clear().unwrap();
        Backend::flush(backend).unwrap();
        assert_eq!(
            taken(&mut terminal),
            b"\x1b[2J",
            "already at the default pen"
        );
    }

    /// Bytes written, readable while a backend owns the writer.
    #[derive(Clone, Default)]
    struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);

    impl io::Write for Shared {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn fewer_bytes_than_crossterm_for_a_scrolled_pane() {
        // A pane of text scrolled by one line: every row changes.
        let lines = |first: u16| -> Vec<Write> {
            (0..HEIGHT)
                .map(|y| {
                    let style = if (y + first).is_multiple_of(3) {
                        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
                    } else {
                        Style::new()
                    };
                    at(2, y, &format!("line {} of it", y + first), style)
                })
                .collect()
        };
        let mut lean = terminal();
        draw(&mut lean, &lines(0));
        taken(&mut lean);
        draw(&mut lean, &lines(1));
        let lean_bytes = taken(&mut lean).len();

        let written = Shared::default();
        let mut crossterm = crossterm_terminal(written.clone());
        draw(&mut crossterm, &lines(0));
        written.0.borrow_mut().clear();
        draw(&mut crossterm, &lines(1));
        let crossterm_bytes = written.0.borrow().len();
        assert!(
            lean_bytes * 10 < crossterm_bytes * 7,
            "lean {lean_bytes} B against crossterm's {crossterm_bytes} B"
        );
    }
}
