//! The one key table. The footer hints, the help overlay and the README's
//! keymap are all drawn from it, so none of them can drift from the keys.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    Global,
    Queue,
    Intake,
    Review,
    Determination,
    CaseView,
    Dashboard,
    /// Typing the queue's filter.
    QueueFilter,
    /// The help overlay.
    Help,
    /// Asked whether to save, discard or keep unsaved work.
    Unsaved,
    /// Drafts offered at start.
    Recover,
    /// A dialog of one or more text fields.
    Prompt,
    /// The multi-line editor of a note or rationale.
    Editor,
    /// A popup to read and close (definitions, problems).
    Popup,
    /// What is about to be signed.
    ConfirmSign,
    /// A list to pick one item from (the reviewer of a reassignment).
    Picker,
}

impl Context {
    /// Dialogs take every key: nothing falls through to the global keys,
    /// so `q` types a q in a dialog.
    pub fn is_dialog(self) -> bool {
        matches!(
            self,
            Context::QueueFilter
                | Context::Help
                | Context::Unsaved
                | Context::Recover
                | Context::Prompt
                | Context::Editor
                | Context::Popup
                | Context::ConfirmSign
                | Context::Picker
        )
    }

    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Queue => "Queue",
            Context::Intake => "Intake",
            Context::Review => "Review",
            Context::Determination => "Determination",
            Context::CaseView => "Case view",
            Context::Dashboard => "Dashboard",
            Context::QueueFilter => "Queue filter (typing)",
            Context::Help => "Help",
            Context::Unsaved => "Unsaved work",
            Context::Recover => "Recover unsaved work",
            Context::Prompt => "Dialogs",
            Context::Editor => "Note editor",
            Context::Popup => "Definitions and problems",
            Context::ConfirmSign => "Signing",
            Context::Picker => "Picking from a list",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub context: Context,
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
    pub action: Action,
    /// How the key is written in hints: "Enter", "^S", "m".
    pub key: &'static str,
    pub description: &'static str,
    /// The footer's word for it; empty for keys only help lists.
    pub hint: &'static str,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

const fn bind(
    context: Context,
    code: KeyCode,
    modifiers: KeyModifiers,
    action: Action,
    key: &'static str,
    description: &'static str,
    hint: &'static str,
) -> Binding {
    Binding {
        context,
        code,
        modifiers,
        action,
        key,
        description,
        hint,
    }
}

use Context as C;
use KeyCode as K;

pub const BINDINGS: &[Binding] = &[
    // Queue
    bind(
        C::Queue,
        K::Enter,
        NONE,
        Action::Open,
        "Enter",
        "open the case (read-only if it is locked or final)",
        "open",
    ),
    bind(
        C::Queue,
        K::Char('n'),
        NONE,
        Action::NewCase,
        "n",
        "new case (intake)",
        "new",
    ),
    bind(
        C::Queue,
        K::Char('/'),
        NONE,
        Action::Filter,
        "/",
        "filter as you type (member, id, reviewer)",
        "filter",
    ),
    bind(
        C::Queue,
        K::Char('s'),
        NONE,
        Action::CycleStatusFilter,
        "s",
        "cycle the status filter",
        "status",
    ),
    bind(
        C::Queue,
        K::Char('v'),
        NONE,
        Action::View,
        "v",
        "view the case read-only, with history",
        "",
    ),
    bind(
        C::Queue,
        K::Char('d'),
        NONE,
        Action::Dashboard,
        "d",
        "dashboard (supervisors)",
        "",
    ),
    bind(
        C::Queue,
        K::Char('r'),
        NONE,
        Action::Refresh,
        "r",
        "reload the queue from the store",
        "",
    ),
    bind(C::Queue, K::Up, NONE, Action::Up, "Up", "previous case", ""),
    bind(
        C::Queue,
        K::Down,
        NONE,
        Action::Down,
        "Down",
        "next case",
        "",
    ),
    bind(
        C::Queue,
        K::Char('k'),
        NONE,
        Action::Up,
        "k",
        "previous case",
        "",
    ),
    bind(
        C::Queue,
        K::Char('j'),
        NONE,
        Action::Down,
        "j",
        "next case",
        "",
    ),
    bind(
        C::Queue,
        K::PageUp,
        NONE,
        Action::PageUp,
        "PgUp",
        "page up",
        "",
    ),
    bind(
        C::Queue,
        K::PageDown,
        NONE,
        Action::PageDown,
        "PgDn",
        "page down",
        "",
    ),
    // Intake
    bind(
        C::Intake,
        K::Tab,
        NONE,
        Action::NextField,
        "Tab",
        "next field",
        "next",
    ),
    bind(
        C::Intake,
        K::BackTab,
        SHIFT,
        Action::PrevField,
        "S-Tab",
        "previous field",
        "prev",
    ),
    bind(
        C::Intake,
        K::Down,
        NONE,
        Action::NextField,
        "Down",
        "next field",
        "",
    ),
    bind(
        C::Intake,
        K::Up,
        NONE,
        Action::PrevField,
        "Up",
        "previous field",
        "",
    ),
    bind(
        C::Intake,
        K::Char('s'),
        CTRL,
        Action::Save,
        "^S",
        "create the case and start the review",
        "create",
    ),
    bind(
        C::Intake,
        K::Char('o'),
        CTRL,
        Action::ImportPas,
        "^O",
        "import a PAS request bundle (FHIR JSON file) as the case",
        "import",
    ),
    bind(
        C::Intake,
        K::F(1),
        NONE,
        Action::Help,
        "F1",
        "every key of this screen (? and q type into fields here)",
        "help",
    ),
    bind(
        C::Intake,
        K::Char('q'),
        CTRL,
        Action::Quit,
        "^Q",
        "quit (asks when work is unsaved)",
        "quit",
    ),
    // Review
    bind(
        C::Review,
        K::Up,
        NONE,
        Action::Up,
        "Up",
        "previous criterion",
        "",
    ),
    bind(
        C::Review,
        K::Down,
        NONE,
        Action::Down,
        "Down",
        "next criterion",
        "next",
    ),
    bind(
        C::Review,
        K::Char('k'),
        NONE,
        Action::Up,
        "k",
        "previous criterion",
        "",
    ),
    bind(
        C::Review,
        K::Char('j'),
        NONE,
        Action::Down,
        "j",
        "next criterion",
        "",
    ),
    bind(
        C::Review,
        K::Char('m'),
        NONE,
        Action::MarkMet,
        "m",
        "mark met",
        "met",
    ),
    bind(
        C::Review,
        K::Char('x'),
        NONE,
        Action::MarkNotMet,
        "x",
        "mark not met",
        "not met",
    ),
    bind(
        C::Review,
        K::Char('i'),
        NONE,
        Action::MarkInsufficient,
        "i",
        "mark insufficient information",
        "insufficient",
    ),
    bind(
        C::Review,
        K::Char('u'),
        NONE,
        Action::ClearAnswer,
        "u",
        "take back the reviewer's answer (follow the input)",
        "",
    ),
    bind(
        C::Review,
        K::Right,
        NONE,
        Action::OptionNext,
        "Right",
        "next input option (the answer follows)",
        "input",
    ),
    bind(
        C::Review,
        K::Left,
        NONE,
        Action::OptionPrev,
        "Left",
        "previous input option",
        "",
    ),
    bind(
        C::Review,
        K::Char('g'),
        NONE,
        Action::AcceptSuggestion,
        "g",
        "take the diagnosis-code suggestion",
        "",
    ),
    bind(
        C::Review,
        K::Char('a'),
        NONE,
        Action::AddLesion,
        "a",
        "add a lesion (site, diameter in cm)",
        "",
    ),
    bind(
        C::Review,
        K::Char('A'),
        SHIFT,
        Action::RemoveLesion,
        "A",
        "remove the last lesion",
        "",
    ),
    bind(
        C::Review,
        K::Char('e'),
        NONE,
        Action::EditEvidence,
        "e",
        "edit the evidence note",
        "evidence",
    ),
    bind(
        C::Review,
        K::Char('o'),
        NONE,
        Action::EditSource,
        "o",
        "edit the source document",
        "",
    ),
    bind(
        C::Review,
        K::Char('D'),
        SHIFT,
        Action::ShowDefinitions,
        "D",
        "definitions of the terms in this criterion",
        "definitions",
    ),
    bind(
        C::Review,
        K::Char('/'),
        NONE,
        Action::SearchPolicy,
        "/",
        "search the whole policy",
        "search",
    ),
    bind(
        C::Review,
        K::Char('n'),
        NONE,
        Action::SearchNext,
        "n",
        "next search hit",
        "",
    ),
    bind(
        C::Review,
        K::Char('N'),
        SHIFT,
        Action::SearchPrev,
        "N",
        "previous search hit",
        "",
    ),
    bind(
        C::Review,
        K::Char(']'),
        NONE,
        Action::NextSection,
        "]",
        "next policy section (I to X)",
        "",
    ),
    bind(
        C::Review,
        K::Char('['),
        NONE,
        Action::PrevSection,
        "[",
        "previous policy section",
        "",
    ),
    bind(
        C::Review,
        K::PageDown,
        NONE,
        Action::PageDown,
        "PgDn",
        "scroll the policy down",
        "",
    ),
    bind(
        C::Review,
        K::PageUp,
        NONE,
        Action::PageUp,
        "PgUp",
        "scroll the policy up",
        "",
    ),
    bind(
        C::Review,
        K::Char('J'),
        SHIFT,
        Action::ScrollDown,
        "J",
        "scroll the policy one line down",
        "",
    ),
    bind(
        C::Review,
        K::Char('K'),
        SHIFT,
        Action::ScrollUp,
        "K",
        "scroll the policy one line up",
        "",
    ),
    bind(
        C::Review,
        K::Char('s'),
        CTRL,
        Action::Save,
        "^S",
        "save the review",
        "",
    ),
    bind(
        C::Review,
        K::Enter,
        NONE,
        Action::ToDetermination,
        "Enter",
        "go to the determination",
        "decide",
    ),
    // Determination
    bind(
        C::Determination,
        K::Right,
        NONE,
        Action::OptionNext,
        "Right",
        "next decision",
        "decision",
    ),
    bind(
        C::Determination,
        K::Left,
        NONE,
        Action::OptionPrev,
        "Left",
        "previous decision",
        "",
    ),
    bind(
        C::Determination,
        K::Char('e'),
        NONE,
        Action::EditRationale,
        "e",
        "edit the rationale",
        "rationale",
    ),
    bind(
        C::Determination,
        K::Char('c'),
        NONE,
        Action::EditAcknowledgement,
        "c",
        "acknowledge the coding flags (note)",
        "",
    ),
    bind(
        C::Determination,
        K::Char('p'),
        NONE,
        Action::PeerToPeer,
        "p",
        "record a peer-to-peer discussion (physicians)",
        "",
    ),
    bind(
        C::Determination,
        K::Char('f'),
        NONE,
        Action::Finalize,
        "f",
        "sign and save the decision",
        "finalize",
    ),
    bind(
        C::Determination,
        K::Up,
        NONE,
        Action::ScrollUp,
        "Up",
        "scroll up",
        "",
    ),
    bind(
        C::Determination,
        K::Down,
        NONE,
        Action::ScrollDown,
        "Down",
        "scroll down",
        "",
    ),
    bind(
        C::Determination,
        K::Char('s'),
        CTRL,
        Action::Save,
        "^S",
        "save the review",
        "",
    ),
    // Case view
    bind(
        C::CaseView,
        K::Up,
        NONE,
        Action::ScrollUp,
        "Up",
        "scroll up",
        "",
    ),
    bind(
        C::CaseView,
        K::Down,
        NONE,
        Action::ScrollDown,
        "Down",
        "scroll down",
        "scroll",
    ),
    bind(
        C::CaseView,
        K::PageUp,
        NONE,
        Action::PageUp,
        "PgUp",
        "page up",
        "",
    ),
    bind(
        C::CaseView,
        K::PageDown,
        NONE,
        Action::PageDown,
        "PgDn",
        "page down",
        "",
    ),
    bind(
        C::CaseView,
        K::Char('Q'),
        SHIFT,
        Action::QaReview,
        "Q",
        "record a QA review (supervisors)",
        "QA",
    ),
    bind(
        C::CaseView,
        K::Char('R'),
        SHIFT,
        Action::Reopen,
        "R",
        "reopen for amendment (supervisors)",
        "reopen",
    ),
    bind(
        C::CaseView,
        K::Char('G'),
        SHIFT,
        Action::Reassign,
        "G",
        "reassign to a reviewer picked from a list (supervisors)",
        "reassign",
    ),
    bind(
        C::CaseView,
        K::Char('B'),
        SHIFT,
        Action::BreakLock,
        "B",
        "break a stale lock (supervisors)",
        "break lock",
    ),
    bind(
        C::CaseView,
        K::Char('H'),
        SHIFT,
        Action::HandOverDraft,
        "H",
        "hand a lost session's draft to the case's next reviewer (supervisors)",
        "hand on",
    ),
    bind(
        C::CaseView,
        K::Char('A'),
        SHIFT,
        Action::AcceptOutsideEdit,
        "A",
        "accept an edit made outside umdesk into the history, with a reason (supervisors)",
        "accept edit",
    ),
    bind(
        C::CaseView,
        K::Char('r'),
        NONE,
        Action::ToggleRawChanges,
        "r",
        "the history's raw field changes, or back to words",
        "raw changes",
    ),
    // Dashboard
    bind(
        C::Dashboard,
        K::Char('r'),
        NONE,
        Action::Refresh,
        "r",
        "recount",
        "",
    ),
    // Queue filter, while typing
    bind(
        C::QueueFilter,
        K::Enter,
        NONE,
        Action::Submit,
        "Enter",
        "keep the filter and go back to the list",
        "keep",
    ),
    bind(
        C::QueueFilter,
        K::Esc,
        NONE,
        Action::Cancel,
        "Esc",
        "clear the filter",
        "clear",
    ),
    bind(
        C::QueueFilter,
        K::Down,
        NONE,
        Action::Down,
        "Down",
        "keep the filter and move down the list",
        "",
    ),
    bind(
        C::QueueFilter,
        K::Up,
        NONE,
        Action::Up,
        "Up",
        "keep the filter and move up the list",
        "",
    ),
    // Help
    bind(
        C::Help,
        K::Down,
        NONE,
        Action::ScrollDown,
        "Down",
        "scroll down",
        "scroll",
    ),
    bind(
        C::Help,
        K::Char('j'),
        NONE,
        Action::ScrollDown,
        "j",
        "scroll down",
        "",
    ),
    bind(
        C::Help,
        K::Up,
        NONE,
        Action::ScrollUp,
        "Up",
        "scroll up",
        "",
    ),
    bind(
        C::Help,
        K::Char('k'),
        NONE,
        Action::ScrollUp,
        "k",
        "scroll up",
        "",
    ),
    bind(
        C::Help,
        K::Esc,
        NONE,
        Action::Close,
        "Esc",
        "close (any other key too)",
        "close",
    ),
    // Unsaved work
    bind(
        C::Unsaved,
        K::Char('s'),
        NONE,
        Action::SaveWork,
        "s",
        "save it, then go on",
        "save",
    ),
    bind(
        C::Unsaved,
        K::Char('d'),
        NONE,
        Action::DiscardWork,
        "d",
        "discard it, then go on",
        "discard",
    ),
    bind(
        C::Unsaved,
        K::Esc,
        NONE,
        Action::Cancel,
        "Esc",
        "stay with the work",
        "stay",
    ),
    // Recover
    bind(
        C::Recover,
        K::Enter,
        NONE,
        Action::RecoverDraft,
        "Enter",
        "recover the selected draft",
        "recover",
    ),
    bind(
        C::Recover,
        K::Char('d'),
        NONE,
        Action::DiscardDraft,
        "d",
        "discard the selected draft",
        "discard",
    ),
    bind(
        C::Recover,
        K::Down,
        NONE,
        Action::Down,
        "Down",
        "next draft",
        "",
    ),
    bind(
        C::Recover,
        K::Up,
        NONE,
        Action::Up,
        "Up",
        "previous draft",
        "",
    ),
    bind(
        C::Recover,
        K::Esc,
        NONE,
        Action::Cancel,
        "Esc",
        "later (the drafts are kept)",
        "later",
    ),
    // Dialogs
    bind(
        C::Prompt,
        K::Enter,
        NONE,
        Action::Submit,
        "Enter",
        "confirm",
        "confirm",
    ),
    bind(
        C::Prompt,
        K::Tab,
        NONE,
        Action::NextField,
        "Tab",
        "next field (dialogs of several fields)",
        "next field",
    ),
    bind(
        C::Prompt,
        K::BackTab,
        SHIFT,
        Action::PrevField,
        "S-Tab",
        "previous field",
        "",
    ),
    bind(
        C::Prompt,
        K::Down,
        NONE,
        Action::NextField,
        "Down",
        "next field",
        "",
    ),
    bind(
        C::Prompt,
        K::Up,
        NONE,
        Action::PrevField,
        "Up",
        "previous field",
        "",
    ),
    bind(
        C::Prompt,
        K::Esc,
        NONE,
        Action::Cancel,
        "Esc",
        "cancel",
        "cancel",
    ),
    // Editor
    bind(
        C::Editor,
        K::Esc,
        NONE,
        Action::Close,
        "Esc",
        "done: keep the text",
        "done",
    ),
    bind(
        C::Editor,
        K::Char('s'),
        CTRL,
        Action::Close,
        "^S",
        "done: keep the text",
        "",
    ),
    // Popups
    bind(
        C::Popup,
        K::Esc,
        NONE,
        Action::Close,
        "Esc",
        "close (any other key too)",
        "close",
    ),
    // Picking from a list
    bind(C::Picker, K::Up, NONE, Action::Up, "Up", "previous", ""),
    bind(C::Picker, K::Down, NONE, Action::Down, "Down", "next", ""),
    bind(
        C::Picker,
        K::Char('k'),
        NONE,
        Action::Up,
        "k",
        "previous",
        "",
    ),
    bind(C::Picker, K::Char('j'), NONE, Action::Down, "j", "next", ""),
    bind(
        C::Picker,
        K::Enter,
        NONE,
        Action::Submit,
        "Enter",
        "take the selected one",
        "choose",
    ),
    bind(
        C::Picker,
        K::Esc,
        NONE,
        Action::Cancel,
        "Esc",
        "cancel",
        "cancel",
    ),
    // Signing
    bind(
        C::ConfirmSign,
        K::Char('f'),
        NONE,
        Action::Finalize,
        "f",
        "sign and save, as shown",
        "sign",
    ),
    bind(
        C::ConfirmSign,
        K::Enter,
        NONE,
        Action::Finalize,
        "Enter",
        "sign and save, as shown",
        "",
    ),
    bind(
        C::ConfirmSign,
        K::Esc,
        NONE,
        Action::Cancel,
        "Esc",
        "do not sign",
        "cancel",
    ),
    // Everywhere
    bind(
        C::Global,
        K::Char('?'),
        NONE,
        Action::Help,
        "?",
        "every key of this screen",
        "help",
    ),
    bind(C::Global, K::Esc, NONE, Action::Back, "Esc", "back", "back"),
    bind(
        C::Global,
        K::Char('q'),
        NONE,
        Action::Quit,
        "q",
        "quit (asks when work is unsaved)",
        "quit",
    ),
    bind(
        C::Global,
        K::Char('c'),
        CTRL,
        Action::Quit,
        "^C",
        "quit",
        "",
    ),
    bind(
        C::Global,
        K::F(1),
        NONE,
        Action::Help,
        "F1",
        "every key of this screen",
        "",
    ),
];

/// The action for a key on a screen: the screen's own bindings first.
pub fn action_for(context: Context, key: KeyEvent) -> Option<Action> {
    let matches = |b: &&Binding| b.code == key.code && modifiers_match(b, key.modifiers);
    BINDINGS
        .iter()
        .filter(|b| b.context == context)
        .find(matches)
        .or_else(|| {
            if context.is_dialog() {
                return None;
            }
            BINDINGS
                .iter()
                .filter(|b| b.context == Context::Global)
                .find(matches)
        })
        .map(|b| b.action)
}

/// Shift is part of an upper-case letter already; terminals differ in
/// whether they report it, so it is not required to match.
fn modifiers_match(binding: &Binding, pressed: KeyModifiers) -> bool {
    let significant = KeyModifiers::CONTROL | KeyModifiers::ALT;
    (binding.modifiers & significant) == (pressed & significant)
}

pub fn bindings_for(context: Context) -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().filter(move |b| b.context == context)
}

/// The footer hints of a screen, its own keys first.
pub fn footer(context: Context) -> Vec<&'static Binding> {
    let mut seen: Vec<Action> = Vec::new();
    let mut hints = Vec::new();
    let global = bindings_for(Context::Global).filter(|_| !context.is_dialog());
    for binding in bindings_for(context).chain(global) {
        if !binding.hint.is_empty() && !seen.contains(&binding.action) {
            if context == Context::Intake
                && matches!(binding.code, KeyCode::Char(_))
                && binding.modifiers.is_empty()
            {
                continue;
            }
            seen.push(binding.action);
            hints.push(binding);
        }
    }
    hints
}

/// The keymap as a Markdown table, for the README (a test keeps it equal).
pub fn markdown() -> String {
    let mut out = String::new();
    for context in [
        Context::Global,
        Context::Queue,
        Context::Intake,
        Context::Review,
        Context::Determination,
        Context::CaseView,
        Context::Dashboard,
        Context::QueueFilter,
        Context::Help,
        Context::Unsaved,
        Context::Recover,
        Context::Prompt,
        Context::Editor,
        Context::Popup,
        Context::ConfirmSign,
        Context::Picker,
    ] {
        out.push_str(&format!(
            "\n**{}**\n\n| key | does |\n|---|---|\n",
            context.title()
        ));
        for binding in bindings_for(context) {
            out.push_str(&format!(
                "| `{}` | {} |\n",
                binding.key, binding.description
            ));
        }
    }
    out.push_str(
        "\n**Editing text** (every text field and the note editor)\n\n| key | does | where |\n|---|---|---|\n",
    );
    for key in crate::tui::widgets::edit_keys::EDIT_KEYS {
        let scope = match key.scope {
            crate::tui::widgets::edit_keys::EditScope::Everywhere => "fields and editor",
            crate::tui::widgets::edit_keys::EditScope::Editor => "editor",
        };
        out.push_str(&format!(
            "| `{}` | {} | {scope} |\n",
            key.key, key.description
        ));
    }
    out
}
