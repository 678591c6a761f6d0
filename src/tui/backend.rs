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
use std::io::{self, BufWriter, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
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

/// Where a session learns its terminal's size: the local terminal's
/// `ioctl`, the last window-change of an SSH channel, a test's fixed size.
/// A backend never asks the process's own terminal: a session's output
/// need not be the process's stdout.
pub type SizeSource = Box<dyn Fn() -> io::Result<Size> + Send>;

/// The backend the app runs on: the encoder's bytes, written to the
/// terminal in one go at each flush.
pub struct LeanBackend<W: Write> {
    writer: W,
    encoder: Encoder,
    pending: Vec<u8>,
    size: SizeSource,
}

/// The size of the terminal the process runs in: the size source of the
/// local session, and of no other.
pub fn terminal_size() -> io::Result<Size> {
    let (width, height) = ratatui::crossterm::terminal::size()?;
    Ok(Size { width, height })
}

impl<W: Write> LeanBackend<W> {
    /// A backend over a terminal that has just been cleared (the
    /// alternate screen was entered), whose size `size` tells.
    pub fn new(
        writer: W,
        size: impl Fn() -> io::Result<Size> + Send + 'static,
    ) -> io::Result<LeanBackend<W>> {
        Ok(LeanBackend {
            writer,
            encoder: Encoder::new(size()?),
            pending: Vec::with_capacity(16 * 1024),
            size: Box::new(size),
        })
    }

    /// What was written (tests drain it).
    #[cfg(test)]
    pub(crate) fn writer_mut(&mut self) -> &mut W {
        &mut self.writer
    }
}

/// Columns and rows as the size source tells; the pixel size is not
/// known to a session (zero), and no caller of ours asks for it.
fn window_size_of(size: &SizeSource) -> io::Result<WindowSize> {
    Ok(WindowSize {
        columns_rows: size()?,
        pixels: Size::default(),
    })
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
        (self.size)()
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        window_size_of(&self.size)
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            self.writer.write_all(&self.pending)?;
            self.pending.clear();
        }
        self.writer.flush()
    }
}

/// The environment variable that picks a session's backend.
pub const BACKEND_VAR: &str = "UMDESK_BACKEND";

/// Which backend draws a session's frames.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BackendKind {
    /// The byte-lean encoder above: what the app runs on.
    #[default]
    Lean,
    /// ratatui's own crossterm backend: the way back should a terminal
    /// ever disagree with the lean encoder's shortcuts.
    Crossterm,
}

impl BackendKind {
    /// `lean` or `crossterm` (any case, blanks around ignored).
    pub fn parse(value: &str) -> Result<BackendKind, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "lean" => Ok(BackendKind::Lean),
            "crossterm" => Ok(BackendKind::Crossterm),
            _ => Err(format!(
                "{BACKEND_VAR} is {value:?}: it must be `lean` or `crossterm`"
            )),
        }
    }

    /// The kind `UMDESK_BACKEND` names; lean when it is unset or empty.
    pub fn from_env() -> Result<BackendKind, String> {
        match std::env::var(BACKEND_VAR) {
            Err(std::env::VarError::NotPresent) => Ok(BackendKind::Lean),
            Err(std::env::VarError::NotUnicode(value)) => Err(format!(
                "{BACKEND_VAR} is {value:?}: it must be `lean` or `crossterm`"
            )),
            Ok(value) if value.trim().is_empty() => Ok(BackendKind::Lean),
            Ok(value) => BackendKind::parse(&value),
        }
    }
}

/// The backend of one session, chosen at run time: build a ratatui
/// `Terminal` over it. It writes to the session's own writer and learns
/// the size from the session's own size source.
pub enum SessionBackend<W: Write> {
    Lean(LeanBackend<W>),
    Crossterm {
        /// Buffered: crossterm writes each sequence on its own, and a
        /// frame should leave in one write, as the lean backend's does.
        backend: CrosstermBackend<BufWriter<W>>,
        size: SizeSource,
        /// Where the cursor was last put: crossterm would ask the
        /// process's terminal and read its answer from the process's
        /// stdin, which a session must not.
        cursor: Position,
    },
}

impl<W: Write> SessionBackend<W> {
    /// A backend of `kind` over a terminal that has just been cleared.
    pub fn new(
        kind: BackendKind,
        writer: W,
        size: impl Fn() -> io::Result<Size> + Send + 'static,
    ) -> io::Result<SessionBackend<W>> {
        Ok(match kind {
            BackendKind::Lean => SessionBackend::Lean(LeanBackend::new(writer, size)?),
            BackendKind::Crossterm => SessionBackend::Crossterm {
                backend: CrosstermBackend::new(BufWriter::with_capacity(16 * 1024, writer)),
                size: Box::new(size),
                cursor: Position::ORIGIN,
            },
        })
    }

    /// The backend `UMDESK_BACKEND` names (lean unless it says
    /// `crossterm`); a value that names neither is refused with a message
    /// that names the variable.
    pub fn from_env(
        writer: W,
        size: impl Fn() -> io::Result<Size> + Send + 'static,
    ) -> io::Result<SessionBackend<W>> {
        let kind = BackendKind::from_env()
            .map_err(|message| io::Error::new(io::ErrorKind::InvalidInput, message))?;
        SessionBackend::new(kind, writer, size)
    }

    pub fn kind(&self) -> BackendKind {
        match self {
            SessionBackend::Lean(_) => BackendKind::Lean,
            SessionBackend::Crossterm { .. } => BackendKind::Crossterm,
        }
    }
}

impl<W: Write> Backend for SessionBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        match self {
            SessionBackend::Lean(lean) => lean.draw(content),
            SessionBackend::Crossterm { backend, .. } => backend.draw(content),
        }
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        match self {
            SessionBackend::Lean(lean) => lean.append_lines(n),
            SessionBackend::Crossterm { backend, .. } => backend.append_lines(n),
        }
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        match self {
            SessionBackend::Lean(lean) => lean.hide_cursor(),
            SessionBackend::Crossterm { backend, .. } => backend.hide_cursor(),
        }
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        match self {
            SessionBackend::Lean(lean) => lean.show_cursor(),
            SessionBackend::Crossterm { backend, .. } => backend.show_cursor(),
        }
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        match self {
            SessionBackend::Lean(lean) => lean.get_cursor_position(),
            SessionBackend::Crossterm { cursor, .. } => Ok(*cursor),
        }
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        match self {
            SessionBackend::Lean(lean) => lean.set_cursor_position(position),
            SessionBackend::Crossterm {
                backend, cursor, ..
            } => {
                *cursor = position.into();
                backend.set_cursor_position(*cursor)
            }
        }
    }

    fn clear(&mut self) -> io::Result<()> {
        match self {
            SessionBackend::Lean(lean) => lean.clear(),
            SessionBackend::Crossterm { backend, .. } => backend.clear(),
        }
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        match self {
            SessionBackend::Lean(lean) => lean.clear_region(clear_type),
            SessionBackend::Crossterm { backend, .. } => backend.clear_region(clear_type),
        }
    }

    fn size(&self) -> io::Result<Size> {
        match self {
            SessionBackend::Lean(lean) => lean.size(),
            SessionBackend::Crossterm { size, .. } => size(),
        }
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        match self {
            SessionBackend::Lean(lean) => lean.window_size(),
            SessionBackend::Crossterm { size, .. } => window_size_of(size),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            SessionBackend::Lean(lean) => Backend::flush(lean),
            SessionBackend::Crossterm { backend, .. } => Backend::flush(backend),
        }
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
            Color::Blue => vt100::Color::Idx(4),
            Color::Magenta => vt100::Color::Idx(5),
            Color::Cyan => vt100::Color::Idx(6),
            Color::Gray => vt100::Color::Idx(7),
            Color::DarkGray => vt100::Color::Idx(8),
            Color::LightRed => vt100::Color::Idx(9),
            Color::LightGreen => vt100::Color::Idx(10),
            Color::LightYellow => vt100::Color::Idx(11),
            Color::LightBlue => vt100::Color::Idx(12),
            Color::LightMagenta => vt100::Color::Idx(13),
            Color::LightCyan => vt100::Color::Idx(14),
            Color::White => vt100::Color::Idx(15),
            Color::Indexed(n) => vt100::Color::Idx(n),
            Color::Rgb(r, g, b) => vt100::Color::Rgb(r, g, b),
        }
    }

    /// What a terminal shows, for the attributes vt100 does not keep:
    /// every cell's character, colours and all nine SGR attributes (blink,
    /// hidden and crossed out included). It reads the escape sequences the
    /// lean encoder writes and fails on any other, so an unexpected
    /// sequence shows up here too.
    struct Model {
        size: Size,
        cells: Vec<(String, ModelPen)>,
        x: u16,
        y: u16,
        /// Printed into the last column: the next character wraps.
        pending_wrap: bool,
        pen: ModelPen,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Default)]
    struct ModelPen {
        fg: Option<vt100::Color>,
        bg: Option<vt100::Color>,
        modifier: Modifier,
    }

    impl ModelPen {
        fn fg(&self) -> vt100::Color {
            self.fg.unwrap_or(vt100::Color::Default)
        }
        fn bg(&self) -> vt100::Color {
            self.bg.unwrap_or(vt100::Color::Default)
        }
    }

    impl Model {
        fn new(size: Size) -> Model {
            Model {
                size,
                cells: vec![(" ".to_string(), ModelPen::default()); size.area() as usize],
                x: 0,
                y: 0,
                pending_wrap: false,
                pen: ModelPen::default(),
            }
        }

        fn blank(&self) -> (String, ModelPen) {
            // Erasing fills with the current background only.
            let pen = ModelPen {
                bg: self.pen.bg,
                ..ModelPen::default()
            };
            (" ".to_string(), pen)
        }

        fn erase(&mut self, from: (u16, u16), to: (u16, u16)) {
            let width = usize::from(self.size.width);
            let start = usize::from(from.1) * width + usize::from(from.0);
            let end = (usize::from(to.1) * width + usize::from(to.0)).min(self.cells.len());
            let blank = self.blank();
            for cell in self.cells.get_mut(start..end).unwrap_or_default() {
                *cell = blank.clone();
            }
        }

        fn process(&mut self, bytes: &[u8]) {
            let text = std::str::from_utf8(bytes).expect("the encoder writes UTF-8");
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '\x1b' => {
                        assert_eq!(chars.next(), Some('['), "only CSI sequences");
                        let mut params = String::new();
                        let final_byte = loop {
                            let c = chars.next().expect("a complete sequence");
                            if ('\x40'..='\x7e').contains(&c) {
                                break c;
                            }
                            params.push(c);
                        };
                        self.csi(&params, final_byte);
                    }
                    '\r' => self.move_to(0, self.y),
                    '\n' => self.move_to(self.x, self.y + 1),
                    '\x08' => self.move_to(self.x.saturating_sub(1), self.y),
                    c if c.is_control() => panic!("unexpected control {c:?}"),
                    c => self.print(c),
                }
            }
        }

        fn move_to(&mut self, x: u16, y: u16) {
            assert!(y < self.size.height, "a move past the last row scrolls");
            self.x = x.min(self.size.width - 1);
            self.y = y;
            self.pending_wrap = false;
        }

        fn print(&mut self, c: char) {
            let width = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) as u16;
            let at = usize::from(self.y) * usize::from(self.size.width) + usize::from(self.x);
            if width == 0 {
                self.cells[at].0.push(c);
                return;
            }
            if self.pending_wrap || self.x + width > self.size.width {
                self.move_to(0, self.y + 1);
            }
            let at = usize::from(self.y) * usize::from(self.size.width) + usize::from(self.x);
            self.cells[at] = (c.to_string(), self.pen);
            if width == 2 {
                self.cells[at + 1] = (String::new(), self.pen);
            }
            if self.x + width >= self.size.width {
                self.x = self.size.width - 1;
                self.pending_wrap = true;
            } else {
                self.x += width;
            }
        }

        fn csi(&mut self, params: &str, final_byte: char) {
            if let Some(private) = params.strip_prefix('?') {
                assert_eq!(private, "25", "only the cursor is shown or hidden");
                return;
            }
            let numbers: Vec<u16> = params
                .split(';')
                .map(|p| {
                    if p.is_empty() {
                        0
                    } else {
                        p.parse().expect("a number")
                    }
                })
                .collect();
            let n = numbers[0].max(1);
            let (width, height) = (self.size.width, self.size.height);
            match final_byte {
                'H' => {
                    let column = numbers.get(1).copied().unwrap_or(1).max(1);
                    self.move_to(column - 1, n - 1);
                }
                'A' => self.move_to(self.x, self.y.saturating_sub(n)),
                'B' => self.move_to(self.x, self.y + n),
                'C' => self.move_to(self.x + n, self.y),
                'D' => self.move_to(self.x.saturating_sub(n), self.y),
                'G' => self.move_to(n - 1, self.y),
                'X' => self.erase((self.x, self.y), ((self.x + n).min(width), self.y)),
                'K' => match numbers[0] {
                    0 => self.erase((self.x, self.y), (width, self.y)),
                    1 => self.erase((0, self.y), (self.x + 1, self.y)),
                    _ => self.erase((0, self.y), (width, self.y)),
                },
                'J' => match numbers[0] {
                    0 => self.erase((self.x, self.y), (0, height)),
                    1 => self.erase((0, 0), (self.x + 1, self.y)),
                    _ => self.erase((0, 0), (0, height)),
                },
                'm' => self.sgr(&numbers),
                other => panic!("unexpected CSI {params}{other}"),
            }
        }

        fn sgr(&mut self, numbers: &[u16]) {
            let mut rest = numbers.iter().copied();
            while let Some(code) = rest.next() {
                let color = |rest: &mut dyn Iterator<Item = u16>| match rest.next() {
                    Some(5) => vt100::Color::Idx(rest.next().expect("index") as u8),
                    Some(2) => {
                        let mut channel = || rest.next().expect("channel") as u8;
                        vt100::Color::Rgb(channel(), channel(), channel())
                    }
                    other => panic!("unexpected colour form {other:?}"),
                };
                let pen = &mut self.pen;
                match code {
                    0 => *pen = ModelPen::default(),
                    1 => pen.modifier |= Modifier::BOLD,
                    2 => pen.modifier |= Modifier::DIM,
                    3 => pen.modifier |= Modifier::ITALIC,
                    4 => pen.modifier |= Modifier::UNDERLINED,
                    5 => pen.modifier |= Modifier::SLOW_BLINK,
                    6 => pen.modifier |= Modifier::RAPID_BLINK,
                    7 => pen.modifier |= Modifier::REVERSED,
                    8 => pen.modifier |= Modifier::HIDDEN,
                    9 => pen.modifier |= Modifier::CROSSED_OUT,
                    22 => pen.modifier -= Modifier::BOLD | Modifier::DIM,
                    23 => pen.modifier -= Modifier::ITALIC,
                    24 => pen.modifier -= Modifier::UNDERLINED,
                    25 => pen.modifier -= Modifier::SLOW_BLINK | Modifier::RAPID_BLINK,
                    27 => pen.modifier -= Modifier::REVERSED,
                    28 => pen.modifier -= Modifier::HIDDEN,
                    29 => pen.modifier -= Modifier::CROSSED_OUT,
                    30..=37 => pen.fg = Some(vt100::Color::Idx((code - 30) as u8)),
                    38 => pen.fg = Some(color(&mut rest)),
                    39 => pen.fg = None,
                    40..=47 => pen.bg = Some(vt100::Color::Idx((code - 40) as u8)),
                    48 => pen.bg = Some(color(&mut rest)),
                    49 => pen.bg = None,
                    58 => {
                        color(&mut rest);
                    }
                    59 => {}
                    90..=97 => pen.fg = Some(vt100::Color::Idx((code - 90 + 8) as u8)),
                    100..=107 => pen.bg = Some(vt100::Color::Idx((code - 100 + 8) as u8)),
                    other => panic!("unexpected SGR {other}"),
                }
            }
        }

        /// The model shows exactly `buffer`: characters, colours and
        /// every attribute (on a blank, only what a blank shows).
        fn assert_shows(&self, buffer: &Buffer) {
            for y in 0..self.size.height {
                for x in 0..self.size.width {
                    let cell = &buffer[(x, y)];
                    let (symbol, pen) =
                        &self.cells[usize::from(y) * usize::from(self.size.width) + usize::from(x)];
                    let at = format!("at ({x}, {y})");
                    assert_eq!(symbol.as_str(), cell.symbol(), "symbol {at}");
                    assert_eq!(pen.bg(), vt_color(cell.bg), "bg {at}");
                    if is_blank(cell.symbol(), Pen::of(cell)) {
                        continue;
                    }
                    assert_eq!(pen.fg(), vt_color(cell.fg), "fg {at}");
                    assert_eq!(pen.modifier, cell.modifier, "modifiers {at}");
                }
            }
        }
    }

    fn color() -> impl Strategy<Value = Color> {
        let named = prop::sample::select(vec![
            Color::Reset,
            Color::Black,
            Color::Red,
            Color::Green,
            Color::Yellow,
            Color::Blue,
            Color::Magenta,
            Color::Cyan,
            Color::Gray,
            Color::DarkGray,
            Color::LightRed,
            Color::LightGreen,
            Color::LightYellow,
            Color::LightBlue,
            Color::LightMagenta,
            Color::LightCyan,
            Color::White,
        ]);
        prop_oneof![
            2 => named,
            1 => any::<u8>().prop_map(Color::Indexed),
            1 => any::<(u8, u8, u8)>().prop_map(|(r, g, b)| Color::Rgb(r, g, b)),
        ]
    }

    fn style() -> impl Strategy<Value = Style> {
        // Any of the nine attributes, in any combination.
        let modifier = (0..=Modifier::all().bits()).prop_map(Modifier::from_bits_truncate);
        (color(), color(), modifier).prop_map(|(fg, bg, modifier)| {
            // The whole style, not a patch: a write replaces what the cell had.
            Style::new()
                .fg(fg)
                .bg(bg)
                .remove_modifier(Modifier::all())
                .add_modifier(modifier)
        })
    }

    const MAX_WIDTH: u16 = 24;
    const MAX_HEIGHT: u16 = 8;

    fn write() -> impl Strategy<Value = Write> {
        let text = prop::sample::select(vec!["a", "ab", "✓ Met", "  ", "xyz q", "コ", "aコb", "▸"]);
        (0..MAX_WIDTH, 0..MAX_HEIGHT, text, style()).prop_map(|(x, y, text, style)| Write {
            x,
            y,
            text: text.to_string(),
            style,
        })
    }

    /// What happens to the terminal between two looks at it.
    #[derive(Debug, Clone)]
    enum Step {
        Frame(Vec<Write>),
        /// The terminal is resized: ratatui clears it and draws it whole.
        Resize(u16, u16),
        /// The app clears the screen: the next frame is drawn whole.
        Clear,
        /// A partial erase at a cursor position; ratatui does not know
        /// what it erased, so the screen need no longer be the frame, but
        /// both backends must still show the same.
        Erase(u16, u16, ClearType),
    }

    fn step() -> impl Strategy<Value = Step> {
        let clear_type = prop::sample::select(vec![
            ClearType::AfterCursor,
            ClearType::BeforeCursor,
            ClearType::CurrentLine,
            ClearType::UntilNewLine,
        ]);
        prop_oneof![
            8 => prop::collection::vec(write(), 0..12).prop_map(Step::Frame),
            1 => (1..=MAX_WIDTH, 1..=MAX_HEIGHT).prop_map(|(w, h)| Step::Resize(w, h)),
            1 => Just(Step::Clear),
            1 => (0..MAX_WIDTH, 0..MAX_HEIGHT, clear_type).prop_map(|(x, y, t)| Step::Erase(x, y, t)),
        ]
    }

    /// A size both backends read and the test changes, as an SSH
    /// channel's window-change would.
    #[derive(Clone)]
    struct SharedSize(std::sync::Arc<std::sync::Mutex<Size>>);

    impl SharedSize {
        fn new(size: Size) -> SharedSize {
            SharedSize(std::sync::Arc::new(std::sync::Mutex::new(size)))
        }
        fn get(&self) -> Size {
            *self.0.lock().unwrap()
        }
        fn set(&self, size: Size) {
            *self.0.lock().unwrap() = size;
        }
        fn source(&self) -> impl Fn() -> io::Result<Size> + Send + 'static {
            let shared = self.clone();
            move || Ok(shared.get())
        }
    }

    fn session(
        kind: BackendKind,
        written: &Shared,
        size: &SharedSize,
    ) -> Terminal<SessionBackend<Shared>> {
        let backend = SessionBackend::new(kind, written.clone(), size.source()).unwrap();
        Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fullscreen,
            },
        )
        .unwrap()
    }

    /// Draws `frame` clipped to the terminal: the buffer it drew.
    fn draw_clipped<B: Backend>(terminal: &mut Terminal<B>, frame: &[Write]) -> Buffer {
        terminal
            .draw(|f| {
                let area = f.area();
                for w in frame
                    .iter()
                    .filter(|w| w.x < area.width && w.y < area.height)
                {
                    f.buffer_mut().set_string(w.x, w.y, &w.text, w.style);
                }
            })
            .unwrap()
            .buffer
            .clone()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Whatever the frames, colours (named, indexed, RGB, reset),
        /// attributes, resizes and clears, the terminal shows what
        /// crossterm's own backend would have drawn; and (where no wide
        /// character half covers another, which ratatui's diff does not
        /// track, and no partial erase went behind ratatui's back) exactly
        /// the frame, every attribute included: the shortcuts never leave
        /// a wrong cell behind.
        #[test]
        fn every_frame_is_shown_exactly(steps in prop::collection::vec(step(), 1..10)) {
            let size = SharedSize::new(Size::new(20, 6));
            let (lean_bytes, crossterm_bytes) = (Shared::default(), Shared::default());
            let mut lean = session(BackendKind::Lean, &lean_bytes, &size);
            let mut crossterm = session(BackendKind::Crossterm, &crossterm_bytes, &size);
            let mut lean_screen = vt100::Parser::new(6, 20, 0);
            let mut crossterm_screen = vt100::Parser::new(6, 20, 0);
            let mut model = Model::new(size.get());
            let narrow = steps.iter().all(|step| match step {
                Step::Frame(frame) => frame.iter().all(|w| w.text.chars().all(|c| c != 'コ')),
                _ => true,
            });
            let mut erased = false;
            for step in &steps {
                let mut buffer = None;
                match step {
                    Step::Frame(frame) => {
                        buffer = Some(draw_clipped(&mut lean, frame));
                        draw_clipped(&mut crossterm, frame);
                    }
                    Step::Resize(width, height) => {
                        size.set(Size::new(*width, *height));
                        lean_screen.screen_mut().set_size(*height, *width);
                        crossterm_screen.screen_mut().set_size(*height, *width);
                        model = Model::new(size.get());
                        // The next frame finds the new size, clears and
                        // draws everything.
                        buffer = Some(draw_clipped(&mut lean, &[]));
                        draw_clipped(&mut crossterm, &[]);
                        erased = false;
                    }
                    Step::Clear => {
                        lean.clear().unwrap();
                        crossterm.clear().unwrap();
                        buffer = Some(draw_clipped(&mut lean, &[]));
                        draw_clipped(&mut crossterm, &[]);
                        erased = false;
                    }
                    Step::Erase(x, y, clear_type) => {
                        let now = size.get();
                        let at = Position::new(*x % now.width, *y % now.height);
                        for backend in [lean.backend_mut(), crossterm.backend_mut()] {
                            backend.set_cursor_position(at).unwrap();
                            backend.clear_region(*clear_type).unwrap();
                            Backend::flush(backend).unwrap();
                        }
                        erased = true;
                    }
                }
                let bytes = lean_bytes.0.borrow_mut().split_off(0);
                lean_screen.process(&bytes);
                model.process(&bytes);
                crossterm_screen.process(&crossterm_bytes.0.borrow_mut().split_off(0));
                assert_same_screen(lean_screen.screen(), crossterm_screen.screen(), size.get());
                if let (Some(buffer), true, false) = (buffer, narrow, erased) {
                    assert_shows(lean_screen.screen(), &buffer);
                    model.assert_shows(&buffer);
                }
            }
        }
    }

    /// The terminal, fed every byte so far, shows exactly `buffer` as far
    /// as vt100 keeps it.
    fn assert_shows(screen: &vt100::Screen, buffer: &Buffer) {
        for y in 0..buffer.area.height {
            for x in 0..buffer.area.width {
                let cell = &buffer[(x, y)];
                let shown = screen.cell(y, x).expect("cell on screen");
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
                // vt100 keeps one intensity: whichever of bold and dim came last.
                assert_eq!(
                    shown.bold() || shown.dim(),
                    m.intersects(Modifier::BOLD | Modifier::DIM),
                    "intensity {at}"
                );
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

    fn assert_same_screen(lean: &vt100::Screen, crossterm: &vt100::Screen, size: Size) {
        for y in 0..size.height {
            for x in 0..size.width {
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
                            (false, false, false, false),
                        );
                    }
                    (
                        contents,
                        c.fgcolor(),
                        c.bgcolor(),
                        // Bold and dim together show as whichever came last.
                        (c.bold() || c.dim(), c.italic(), c.underline(), c.inverse()),
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

    #[test]
    fn the_backend_is_chosen_by_name() {
        assert_eq!(BackendKind::parse("lean"), Ok(BackendKind::Lean));
        assert_eq!(
            BackendKind::parse(" Crossterm "),
            Ok(BackendKind::Crossterm)
        );
        let refused = BackendKind::parse("termion").unwrap_err();
        assert!(refused.contains(BACKEND_VAR), "{refused}");
        assert!(refused.contains("termion"), "{refused}");
        assert_eq!(BackendKind::default(), BackendKind::Lean);
    }

    #[test]
    fn a_session_learns_its_size_from_its_source_not_the_process() {
        // The test process has no terminal: asking it would fail.
        let size = SharedSize::new(Size::new(132, 43));
        for kind in [BackendKind::Lean, BackendKind::Crossterm] {
            let mut backend = SessionBackend::new(kind, Vec::new(), size.source()).unwrap();
            assert_eq!(backend.kind(), kind);
            assert_eq!(backend.size().unwrap(), Size::new(132, 43));
            let window = backend.window_size().unwrap();
            assert_eq!(window.columns_rows, Size::new(132, 43));
        }
        let mut terminal = session(BackendKind::Crossterm, &Shared::default(), &size);
        size.set(Size::new(90, 30));
        terminal.autoresize().unwrap();
        assert_eq!(terminal.get_frame().area().width, 90);
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
