//! Colours and symbols in one place. Colour is never the only signal:
//! every state also has a symbol, with an ASCII fallback for terminals
//! (and SSH clients) that cannot show the Unicode ones. The fallback
//! covers every character drawn: the symbols and borders chosen here, and
//! [`to_ascii`] for whatever text reaches the frame (names with accents,
//! an ellipsis in a message).

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::{border, scrollbar};
use ratatui::widgets::{Block, Borders};

use crate::case::Outcome;
use crate::policy::Answer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Symbols {
    pub met: &'static str,
    pub not_met: &'static str,
    pub insufficient: &'static str,
    pub unanswered: &'static str,
    pub overdue: &'static str,
    pub focus: &'static str,
    pub flag: &'static str,
    pub locked: &'static str,
    /// Changes not yet saved (a draft is kept).
    pub unsaved: &'static str,
    /// Beside the policy's lines that word the focused criterion.
    pub criterion_bar: &'static str,
    /// Where text was cut short.
    pub ellipsis: &'static str,
    /// One cell of a bar in a chart.
    pub bar: &'static str,
    /// The lines of boxes and popups.
    pub border: border::Set<'static>,
    /// Every character drawn must be ASCII: the frame goes through
    /// [`to_ascii`] before it is shown.
    pub ascii: bool,
}

impl Symbols {
    pub const UNICODE: Symbols = Symbols {
        met: "✓",
        not_met: "✗",
        insufficient: "?",
        unanswered: "·",
        overdue: "!",
        focus: "›",
        flag: "⚑",
        locked: "⊘",
        unsaved: "●",
        criterion_bar: "┃",
        ellipsis: "…",
        bar: "█",
        border: border::PLAIN,
        ascii: false,
    };

    pub const ASCII: Symbols = Symbols {
        met: "+",
        not_met: "x",
        insufficient: "?",
        unanswered: ".",
        overdue: "!",
        focus: ">",
        flag: "#",
        locked: "L",
        unsaved: "*",
        criterion_bar: "#",
        ellipsis: "...",
        bar: "#",
        border: border::Set {
            top_left: "+",
            top_right: "+",
            bottom_left: "+",
            bottom_right: "+",
            vertical_left: "|",
            vertical_right: "|",
            horizontal_top: "-",
            horizontal_bottom: "-",
        },
        ascii: true,
    };

    /// The symbols of a vertical scrollbar (ratatui's set is not `Copy`,
    /// so it is made on demand).
    pub fn scrollbar(&self) -> scrollbar::Set<'static> {
        if self.ascii {
            scrollbar::Set {
                track: "|",
                thumb: "#",
                begin: "^",
                end: "v",
            }
        } else {
            scrollbar::VERTICAL
        }
    }
}

/// Styles by meaning; widgets never name a colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub symbols: Symbols,
    pub text: Style,
    pub dim: Style,
    pub title: Style,
    pub border: Style,
    pub focus_border: Style,
    pub selected: Style,
    pub met: Style,
    pub not_met: Style,
    pub insufficient: Style,
    pub warning: Style,
    pub error: Style,
    /// Defined terms in the policy pane.
    pub defined_term: Style,
    pub search_hit: Style,
    pub key: Style,
    pub banner: Style,
}

impl Theme {
    /// 16 indexed colours: they look right on any terminal and over SSH,
    /// where truecolour cannot be detected.
    pub fn colour(symbols: Symbols) -> Theme {
        let plain = Style::default();
        Theme {
            symbols,
            text: plain,
            dim: plain.fg(Color::DarkGray),
            title: plain.add_modifier(Modifier::BOLD),
            border: plain.fg(Color::DarkGray),
            focus_border: plain.fg(Color::Cyan),
            selected: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            met: plain.fg(Color::Green),
            not_met: plain.fg(Color::Red).add_modifier(Modifier::BOLD),
            insufficient: plain.fg(Color::Yellow),
            warning: plain.fg(Color::Yellow),
            error: plain.fg(Color::Red),
            defined_term: plain.add_modifier(Modifier::UNDERLINED),
            search_hit: plain.add_modifier(Modifier::REVERSED),
            key: plain.fg(Color::Cyan).add_modifier(Modifier::BOLD),
            banner: plain.fg(Color::Black).bg(Color::Yellow),
        }
    }

    /// NO_COLOR: emphasis by bold, underline and reverse only.
    pub fn monochrome(symbols: Symbols) -> Theme {
        let plain = Style::default();
        let bold = plain.add_modifier(Modifier::BOLD);
        Theme {
            symbols,
            text: plain,
            dim: plain,
            title: bold,
            border: plain,
            focus_border: bold,
            selected: bold,
            met: plain,
            not_met: bold,
            insufficient: plain,
            warning: bold,
            error: bold,
            defined_term: plain.add_modifier(Modifier::UNDERLINED),
            search_hit: plain.add_modifier(Modifier::REVERSED),
            key: bold,
            banner: plain.add_modifier(Modifier::REVERSED),
        }
    }

    /// From the environment: NO_COLOR (any value) turns colour off;
    /// UMDESK_ASCII=1, or a locale that is not UTF-8, picks ASCII.
    pub fn from_env() -> Theme {
        Theme::from_vars(|name| std::env::var(name).ok())
    }

    /// As [`Theme::from_env`], reading variables through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Theme {
        let var = |name: &str| var(name).filter(|v| !v.is_empty());
        // The first of these that is set decides, as in setlocale(3).
        let locale = var("LC_ALL")
            .or_else(|| var("LC_CTYPE"))
            .or_else(|| var("LANG"));
        let utf8 = locale
            .map(|l| l.to_ascii_lowercase().replace('-', "").contains("utf8"))
            .unwrap_or(false);
        let ascii = var("UMDESK_ASCII").is_some_and(|v| v != "0") || !utf8;
        let symbols = if ascii {
            Symbols::ASCII
        } else {
            Symbols::UNICODE
        };
        if var("NO_COLOR").is_some() {
            Theme::monochrome(symbols)
        } else {
            Theme::colour(symbols)
        }
    }

    /// A box with every border, in the theme's border lines.
    pub fn block(&self) -> Block<'static> {
        self.bordered(Borders::ALL)
    }

    /// A box with `borders`, in the theme's border lines and style.
    pub fn bordered(&self, borders: Borders) -> Block<'static> {
        Block::default()
            .borders(borders)
            .border_set(self.symbols.border)
            .border_style(self.border)
    }

    pub fn answer_symbol(&self, answer: Option<Answer>) -> &'static str {
        match answer {
            Some(Answer::Met) => self.symbols.met,
            Some(Answer::NotMet) => self.symbols.not_met,
            Some(Answer::Insufficient) => self.symbols.insufficient,
            None => self.symbols.unanswered,
        }
    }

    pub fn answer_style(&self, answer: Option<Answer>) -> Style {
        match answer {
            Some(Answer::Met) => self.met,
            Some(Answer::NotMet) => self.not_met,
            Some(Answer::Insufficient) => self.insufficient,
            None => self.dim,
        }
    }

    pub fn outcome_symbol(&self, outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::MeetsCriteria => self.symbols.met,
            Outcome::DoesNotMeet => self.symbols.not_met,
            Outcome::InformationNeeded => self.symbols.insufficient,
            Outcome::NotApplicable => "-",
        }
    }

    pub fn outcome_style(&self, outcome: Outcome) -> Style {
        match outcome {
            Outcome::MeetsCriteria => self.met,
            Outcome::DoesNotMeet => self.not_met,
            Outcome::InformationNeeded => self.insufficient,
            Outcome::NotApplicable => self.dim,
        }
    }
}

/// Makes every cell of `buffer` ASCII: lines and corners of boxes become
/// `-`, `|` and `+`, the app's symbols their ASCII twins, accented letters
/// their base letter, anything else `?`. Run on each frame when the theme
/// is ASCII, so that no text (a member's name, a message) reaches a
/// terminal that cannot show it.
pub fn to_ascii(buffer: &mut Buffer) {
    for cell in &mut buffer.content {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let mut one = [0u8; 4];
        let replacement = symbol.chars().next().map_or('?', ascii_for);
        cell.set_symbol(replacement.encode_utf8(&mut one));
    }
}

/// Latin-1 letters U+00C0..=U+00FF without their accents.
const LATIN_1: &str = "AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";
/// Latin Extended-A, U+0100..=U+017F, likewise.
const LATIN_EXTENDED_A: &str = "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/// The ASCII character that stands for `c` on a terminal without UTF-8.
pub fn ascii_for(c: char) -> char {
    let code = u32::from(c);
    let table = |table: &str, first: u32| table.chars().nth((code - first) as usize);
    let found = match code {
        0x00C0..=0x00FF => table(LATIN_1, 0x00C0),
        0x0100..=0x017F => table(LATIN_EXTENDED_A, 0x0100),
        _ => None,
    };
    if let Some(found) = found {
        return found;
    }
    match c {
        // Box drawing: horizontal, vertical, then every corner and joint.
        '─' | '━' | '┄' | '┅' | '┈' | '┉' | '╌' | '╍' | '═' | '╴' | '╶' | '╸' | '╺' => {
            '-'
        }
        '│' | '┃' | '┆' | '┇' | '┊' | '┋' | '╎' | '╏' | '║' | '╵' | '╷' | '╹' | '╻' => {
            '|'
        }
        '\u{2500}'..='\u{257F}' => '+',
        // Block elements: bars and shades.
        '\u{2580}'..='\u{259F}' | '■' => '#',
        '✓' | '✔' => '+',
        '✗' | '✘' | '×' => 'x',
        '·' | '•' | '…' | '⋯' => '.',
        '›' | '»' | '→' | '▶' | '►' => '>',
        '‹' | '«' | '←' | '◀' | '◄' => '<',
        '↑' | '▲' => '^',
        '↓' | '▼' => 'v',
        '⚑' => '#',
        '⊘' => 'L',
        '●' => '*',
        '‐' | '‑' | '‒' | '–' | '—' | '−' => '-',
        '‘' | '’' | '′' => '\'',
        '“' | '”' | '″' => '"',
        '\u{a0}' => ' ',
        _ => '?',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_letter_tables_cover_their_ranges() {
        assert_eq!(LATIN_1.chars().count(), 0x100 - 0xC0);
        assert_eq!(LATIN_EXTENDED_A.chars().count(), 0x180 - 0x100);
        assert_eq!(ascii_for('é'), 'e');
        assert_eq!(ascii_for('Ø'), 'O');
        assert_eq!(ascii_for('ł'), 'l');
        assert_eq!(ascii_for('Ž'), 'Z');
        assert_eq!(ascii_for('ſ'), 's');
    }

    #[test]
    fn the_ascii_symbols_are_ascii() {
        let s = Symbols::ASCII;
        let border = s.border;
        let scrollbar = s.scrollbar();
        for symbol in [
            s.met,
            s.not_met,
            s.insufficient,
            s.unanswered,
            s.overdue,
            s.focus,
            s.flag,
            s.locked,
            s.unsaved,
            s.criterion_bar,
            s.ellipsis,
            s.bar,
            border.top_left,
            border.top_right,
            border.bottom_left,
            border.bottom_right,
            border.vertical_left,
            border.vertical_right,
            border.horizontal_top,
            border.horizontal_bottom,
            scrollbar.track,
            scrollbar.thumb,
            scrollbar.begin,
            scrollbar.end,
        ] {
            assert!(symbol.is_ascii(), "{symbol:?}");
        }
    }

    #[test]
    fn a_frame_is_made_ascii_cell_by_cell() {
        let mut buffer = Buffer::empty(ratatui::layout::Rect::new(0, 0, 12, 1));
        buffer.set_string(0, 0, "┌─ Ana Példa…", Style::default());
        to_ascii(&mut buffer);
        let text: String = buffer.content.iter().map(|c| c.symbol()).collect();
        assert_eq!(text, "+- Ana Pelda");
        let mut wide = Buffer::empty(ratatui::layout::Rect::new(0, 0, 4, 1));
        wide.set_string(0, 0, "肝x", Style::default());
        to_ascii(&mut wide);
        let text: String = wide.content.iter().map(|c| c.symbol()).collect();
        assert!(text.is_ascii() && text.starts_with('?'), "{text:?}");
    }

    #[test]
    fn the_locale_and_umdesk_ascii_decide() {
        let theme = |vars: &[(&str, &str)]| {
            let vars: Vec<(String, String)> = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            Theme::from_vars(move |name| {
                vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
            })
            .symbols
            .ascii
        };
        assert!(!theme(&[("LANG", "en_US.UTF-8")]));
        assert!(!theme(&[("LC_ALL", "C.utf8"), ("LANG", "C")]));
        assert!(theme(&[("LANG", "C")]));
        assert!(theme(&[]));
        assert!(theme(&[("LC_CTYPE", "POSIX"), ("LANG", "en_US.UTF-8")]));
        assert!(theme(&[("LANG", "en_US.UTF-8"), ("UMDESK_ASCII", "1")]));
        assert!(!theme(&[("LANG", "en_US.UTF-8"), ("UMDESK_ASCII", "0")]));
    }
}
