//! The editing keys of the single-line fields and of the note editor, as
//! one table: the widgets read it, and the keymap's help and the README
//! can list it beside the screens' keys.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What an editing key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EditCommand {
    /// Back one character (a letter and its accents are one).
    Left,
    Right,
    WordLeft,
    WordRight,
    /// The line above or below, at the same column (note editor only).
    Up,
    Down,
    LineStart,
    LineEnd,
    /// The start or end of the whole text (note editor only).
    TextStart,
    TextEnd,
    /// A screenful up or down (note editor only).
    PageUp,
    PageDown,
    DeleteBack,
    DeleteForward,
    DeleteWordBack,
    DeleteWordForward,
    DeleteToLineStart,
    DeleteToLineEnd,
    /// A line break (note editor only).
    Newline,
    Undo,
    Redo,
}

/// Where an editing key works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditScope {
    /// Single-line fields and the note editor.
    Everywhere,
    /// Only the multi-line note editor.
    Editor,
}

#[derive(Debug, Clone, Copy)]
pub struct EditKey {
    pub code: KeyCode,
    /// Shift is ignored when matching: Shift+Left is Left.
    pub modifiers: KeyModifiers,
    pub command: EditCommand,
    pub scope: EditScope,
    /// How the key is written in help: "^Z", "Alt-b".
    pub key: &'static str,
    pub description: &'static str,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const ALT: KeyModifiers = KeyModifiers::ALT;

const fn edit(
    code: KeyCode,
    modifiers: KeyModifiers,
    command: EditCommand,
    scope: EditScope,
    key: &'static str,
    description: &'static str,
) -> EditKey {
    EditKey {
        code,
        modifiers,
        command,
        scope,
        key,
        description,
    }
}

use EditCommand as E;
use EditScope::{Editor, Everywhere};
use KeyCode as K;

/// Every editing key. Keys not listed here that type a character insert
/// it; any other key is left to the screen (Tab, Esc, ^S, ^Q, ^C...).
pub const EDIT_KEYS: &[EditKey] = &[
    edit(
        K::Left,
        NONE,
        E::Left,
        Everywhere,
        "Left",
        "back one character",
    ),
    edit(
        K::Right,
        NONE,
        E::Right,
        Everywhere,
        "Right",
        "forward one character",
    ),
    edit(
        K::Left,
        CTRL,
        E::WordLeft,
        Everywhere,
        "^Left",
        "back one word",
    ),
    edit(
        K::Char('b'),
        ALT,
        E::WordLeft,
        Everywhere,
        "Alt-b",
        "back one word",
    ),
    edit(
        K::Right,
        CTRL,
        E::WordRight,
        Everywhere,
        "^Right",
        "forward one word",
    ),
    edit(
        K::Char('f'),
        ALT,
        E::WordRight,
        Everywhere,
        "Alt-f",
        "forward one word",
    ),
    edit(
        K::Home,
        NONE,
        E::LineStart,
        Everywhere,
        "Home",
        "start of the line",
    ),
    edit(
        K::Char('a'),
        CTRL,
        E::LineStart,
        Everywhere,
        "^A",
        "start of the line",
    ),
    edit(
        K::End,
        NONE,
        E::LineEnd,
        Everywhere,
        "End",
        "end of the line",
    ),
    edit(
        K::Char('e'),
        CTRL,
        E::LineEnd,
        Everywhere,
        "^E",
        "end of the line",
    ),
    edit(
        K::Backspace,
        NONE,
        E::DeleteBack,
        Everywhere,
        "Backspace",
        "delete the character before the cursor",
    ),
    edit(
        K::Char('h'),
        CTRL,
        E::DeleteBack,
        Everywhere,
        "^H",
        "delete the character before the cursor",
    ),
    edit(
        K::Delete,
        NONE,
        E::DeleteForward,
        Everywhere,
        "Del",
        "delete the character at the cursor",
    ),
    edit(
        K::Backspace,
        CTRL,
        E::DeleteWordBack,
        Everywhere,
        "^Backspace",
        "delete the word before the cursor",
    ),
    edit(
        K::Backspace,
        ALT,
        E::DeleteWordBack,
        Everywhere,
        "Alt-Backspace",
        "delete the word before the cursor",
    ),
    edit(
        K::Char('w'),
        CTRL,
        E::DeleteWordBack,
        Everywhere,
        "^W",
        "delete the word before the cursor",
    ),
    edit(
        K::Delete,
        CTRL,
        E::DeleteWordForward,
        Everywhere,
        "^Del",
        "delete the word after the cursor",
    ),
    edit(
        K::Char('d'),
        ALT,
        E::DeleteWordForward,
        Everywhere,
        "Alt-d",
        "delete the word after the cursor",
    ),
    edit(
        K::Char('u'),
        CTRL,
        E::DeleteToLineStart,
        Everywhere,
        "^U",
        "delete to the start of the line",
    ),
    edit(
        K::Char('k'),
        CTRL,
        E::DeleteToLineEnd,
        Everywhere,
        "^K",
        "delete to the end of the line",
    ),
    edit(K::Char('z'), CTRL, E::Undo, Everywhere, "^Z", "undo"),
    edit(K::Char('y'), CTRL, E::Redo, Everywhere, "^Y", "redo"),
    edit(K::Up, NONE, E::Up, Editor, "Up", "the line above"),
    edit(K::Down, NONE, E::Down, Editor, "Down", "the line below"),
    edit(K::PageUp, NONE, E::PageUp, Editor, "PgUp", "a screenful up"),
    edit(
        K::PageDown,
        NONE,
        E::PageDown,
        Editor,
        "PgDn",
        "a screenful down",
    ),
    edit(
        K::Home,
        CTRL,
        E::TextStart,
        Editor,
        "^Home",
        "start of the text",
    ),
    edit(K::End, CTRL, E::TextEnd, Editor, "^End", "end of the text"),
    edit(K::Enter, NONE, E::Newline, Editor, "Enter", "new line"),
];

/// The editing command `key` is, in the note editor (`multi_line`) or a
/// single-line field.
pub fn command_for(key: KeyEvent, multi_line: bool) -> Option<EditCommand> {
    let modifiers = key.modifiers - KeyModifiers::SHIFT;
    EDIT_KEYS
        .iter()
        .filter(|k| multi_line || k.scope == Everywhere)
        .find(|k| k.code == key.code && k.modifiers == modifiers)
        .map(|k| k.command)
}

/// The character `key` types, if it types one: a plain or shifted key,
/// Alt with a key no command takes, or AltGr (reported as Ctrl+Alt).
pub fn typed_char(key: KeyEvent) -> Option<char> {
    let KeyCode::Char(c) = key.code else {
        return None;
    };
    let altgr = KeyModifiers::CONTROL | KeyModifiers::ALT;
    let control = key.modifiers.contains(KeyModifiers::CONTROL);
    (!control || key.modifiers.contains(altgr)).then_some(c)
}

/// Pasted text as an editor holds it: line breaks of any platform become
/// `\n`, a tab a space, and other control characters (escape sequences a
/// paste might smuggle in) are dropped.
pub fn clean_paste(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\r' | '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// The longest head of `text` at most `max` bytes long that ends between
/// two characters as a reader sees them (a letter keeps its accents).
pub fn head_within(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut boundary = unicode_segmentation::GraphemeCursor::new(cut, text.len(), true);
    if !boundary.is_boundary(text, 0).unwrap_or(true) {
        cut = boundary.prev_boundary(text, 0).ok().flatten().unwrap_or(0);
    }
    &text[..cut]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn editor_keys_are_not_field_keys() {
        assert_eq!(command_for(key(K::Up, NONE), true), Some(EditCommand::Up));
        assert_eq!(command_for(key(K::Up, NONE), false), None);
        assert_eq!(command_for(key(K::Enter, NONE), false), None);
        assert_eq!(
            command_for(key(K::Char('z'), CTRL), false),
            Some(EditCommand::Undo)
        );
        // The screens' own keys are never taken.
        for taken in ['s', 'q', 'c'] {
            assert_eq!(command_for(key(K::Char(taken), CTRL), true), None);
            assert_eq!(typed_char(key(K::Char(taken), CTRL)), None);
        }
    }

    #[test]
    fn every_key_is_bound_once() {
        for (i, a) in EDIT_KEYS.iter().enumerate() {
            for b in &EDIT_KEYS[i + 1..] {
                assert!(
                    !(a.code == b.code && a.modifiers == b.modifiers),
                    "{} is bound twice",
                    a.key
                );
            }
        }
    }

    #[test]
    fn a_paste_is_cut_between_characters_as_a_reader_sees_them() {
        // "é" as e and a combining accent: never cut between the two.
        assert_eq!(head_within("ae\u{301}", 2), "a");
        assert_eq!(head_within("ae\u{301}", 4), "ae\u{301}");
        assert_eq!(head_within("肝臓", 4), "肝");
        assert_eq!(clean_paste("a\r\nb\rc\td\x1b[2J"), "a\nb\nc d[2J");
    }
}
