//! Colours and symbols in one place. Colour is never the only signal:
//! every state also has a symbol, with an ASCII fallback for terminals
//! (and SSH clients) that cannot show the Unicode ones.

use ratatui::style::{Color, Modifier, Style};

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
    };
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
    /// UMDESK_ASCII=1, or a locale that is not UTF-8, picks ASCII symbols.
    pub fn from_env() -> Theme {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
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
