//! The one sanitizer for text that reaches a terminal.
//!
//! Case files, packs, file names and the messages that quote them are
//! written by whoever could write a file, not by umdesk. Printed raw, an
//! escape sequence in them can set a supervisor's clipboard and window
//! title (OSC 52, OSC 0), and a bidi override or a zero-width character can
//! make "approved" read as something else. So every such string is passed
//! through here on its way to a terminal, and what a terminal would act on
//! or hide is shown escaped instead: visible, and unambiguous about which
//! character it was.
//!
//! Pure: no I/O, so the domain may use it too (a pack is refused for
//! holding such characters, see `policy::check`).

use std::borrow::Cow;
use std::fmt::Write;

/// What to do with line breaks and tabs, which are the only control
/// characters with a harmless meaning on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaks {
    /// Kept as they are: notes, rationales, wording printed over lines.
    Keep,
    /// Escaped as `\n` and `\t`: names, ids, table cells, one-line fields,
    /// where a line break could forge a line of output.
    Escape,
}

/// Whether `c` must never reach a terminal raw: a control character (C0,
/// DEL, C1; ESC and BEL among them) or a character that is invisible or
/// reorders the text around it (bidi overrides and isolates, zero-width
/// characters, the other format characters of category Cf, fillers that
/// draw as blank, line and paragraph separators).
pub fn is_hidden(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// The format (Cf) characters of Unicode 16, and the few characters of
/// other categories that draw as nothing (a grapheme joiner, Hangul and
/// Khmer fillers, Mongolian variation selectors, U+2028/U+2029).
/// Variation selectors U+FE00-U+FE0F are left alone: they are how text
/// asks for an emoji and carry no text of their own.
fn is_invisible(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x034F
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x206F
            | 0x3164
            | 0xFEFF
            | 0xFFA0
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE007F
    )
}

/// Whether `c` is passed through under `breaks`.
fn is_kept(c: char, breaks: Breaks) -> bool {
    !is_hidden(c) || (breaks == Breaks::Keep && matches!(c, '\n' | '\t'))
}

/// `text` with every hidden character shown escaped: `\n`, `\t`, `\r` for
/// those three (unless `breaks` keeps the first two), `\u{1b}` for other
/// control characters, `\u{202e}` for the invisible ones. Text with none
/// is returned as it is, without a copy.
pub fn for_terminal(text: &str, breaks: Breaks) -> Cow<'_, str> {
    let Some(first) = text.find(|c: char| !is_kept(c, breaks)) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if is_kept(c, breaks) {
            out.push(c);
        } else if c.is_control() {
            // \n, \t, \r, or \u{..}: never a quote or a backslash here.
            out.extend(c.escape_default());
        } else {
            out.extend(c.escape_unicode());
        }
    }
    Cow::Owned(out)
}

/// One line of text: line breaks and tabs escaped too.
pub fn line(text: &str) -> Cow<'_, str> {
    for_terminal(text, Breaks::Escape)
}

/// Text of several lines: line breaks and tabs kept.
pub fn lines(text: &str) -> Cow<'_, str> {
    for_terminal(text, Breaks::Keep)
}

/// JSON as serde_json writes it, with the hidden characters it passes raw
/// (DEL, C1 controls, bidi and zero-width characters) escaped as JSON
/// escapes them (`\u202e`; a pair of surrogates above U+FFFF), so that the
/// document means the same and prints safely. serde_json already escapes
/// C0 controls inside strings; the line breaks and indentation outside
/// strings are kept.
pub fn json(serialized: &str) -> Cow<'_, str> {
    let escaped = |c: char| is_hidden(c) && !matches!(c, '\n' | '\t' | '\r' | ' ');
    let Some(first) = serialized.find(escaped) else {
        return Cow::Borrowed(serialized);
    };
    let mut out = String::with_capacity(serialized.len() + 16);
    out.push_str(&serialized[..first]);
    let mut units = [0u16; 2];
    for c in serialized[first..].chars() {
        if !escaped(c) {
            out.push(c);
            continue;
        }
        for unit in c.encode_utf16(&mut units) {
            let _ = write!(out, "\\u{unit:04x}");
        }
    }
    Cow::Owned(out)
}

/// The hidden characters of `text` other than line breaks (tabs count),
/// each once, in the order they first appear: what a checker names.
pub fn hidden_in(text: &str) -> Vec<char> {
    let mut found = Vec::new();
    for c in text.chars() {
        if is_hidden(c) && c != '\n' && !found.contains(&c) {
            found.push(c);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_is_not_copied() {
        assert!(matches!(line("Dana Whitfield, RN"), Cow::Borrowed(_)));
        assert!(matches!(lines("a\nb\tc 山田 ✓"), Cow::Borrowed(_)));
        assert!(matches!(json("{\n  \"a\": \"b\\n\"\n}"), Cow::Borrowed(_)));
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(line("a\u{1b}]52;c;eA==\u{7}b"), "a\\u{1b}]52;c;eA==\\u{7}b");
        assert_eq!(line("a\nb\tc\rd"), "a\\nb\\tc\\rd");
        assert_eq!(lines("a\nb\tc\rd"), "a\nb\tc\\rd");
        assert_eq!(line("\u{7f}\u{85}\u{9b}"), "\\u{7f}\\u{85}\\u{9b}");
    }

    #[test]
    fn bidi_and_invisible_characters_are_shown_escaped() {
        assert_eq!(line("Den\u{202e}devorppa"), "Den\\u{202e}devorppa");
        for c in [
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{200f}',
            '\u{202a}',
            '\u{2066}',
            '\u{2069}',
            '\u{061c}',
            '\u{2060}',
            '\u{2064}',
            '\u{feff}',
            '\u{180e}',
            '\u{00ad}',
            '\u{2028}',
            '\u{e0041}',
        ] {
            let text = c.to_string();
            let shown = lines(&text);
            assert_eq!(shown, format!("\\u{{{:x}}}", u32::from(c)), "{c:?}");
        }
    }

    #[test]
    fn ordinary_text_of_every_script_passes() {
        for text in [
            "Zoë Ångström",
            "山田 太郎",
            "مرحبا",
            "שלום",
            "✓ ✗ · ®™’",
            "e\u{301}",
        ] {
            assert_eq!(line(text), text);
        }
    }

    #[test]
    fn json_escapes_what_serde_json_passes_raw() {
        let value = serde_json::json!({"note": "a\u{202e}b\u{7f}\u{9b}c\u{e0041}\n"});
        let text = serde_json::to_string_pretty(&value).unwrap();
        let safe = json(&text);
        assert!(
            safe.contains(r"a\u202eb\u007f\u009bc\udb40\udc41\n"),
            "{safe}"
        );
        assert!(!safe.chars().any(|c| is_hidden(c) && c != '\n'), "{safe}");
        // The same document.
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn the_checker_names_each_hidden_character_once() {
        assert_eq!(
            hidden_in("a\nb\u{202e}c\u{202e}\u{1b}\t"),
            vec!['\u{202e}', '\u{1b}', '\t']
        );
        assert!(hidden_in("wording\nover lines").is_empty());
    }
}
