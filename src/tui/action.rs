//! What a key asks for. Keys map to actions (keymap), actions change
//! state (app), and nothing else changes it.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    ScrollUp,
    ScrollDown,
    // Queue
    Open,
    View,
    NewCase,
    Filter,
    CycleStatusFilter,
    Dashboard,
    Refresh,
    // Intake
    NextField,
    PrevField,
    // Review
    MarkMet,
    MarkNotMet,
    MarkInsufficient,
    ClearAnswer,
    OptionNext,
    OptionPrev,
    AcceptSuggestion,
    AddLesion,
    RemoveLesion,
    EditEvidence,
    EditSource,
    ShowDefinitions,
    SearchPolicy,
    SearchNext,
    SearchPrev,
    NextSection,
    PrevSection,
    Save,
    /// Intake: make the case of a PAS request file instead of typing it.
    ImportPas,
    ToDetermination,
    // Determination
    EditRationale,
    EditAcknowledgement,
    PeerToPeer,
    Finalize,
    // Case view (supervisors)
    QaReview,
    Reopen,
    Reassign,
    BreakLock,
    /// Hand a lost session's draft of the case to its next reviewer.
    HandOverDraft,
    /// Accept an edit made outside the app into the history, with a reason.
    AcceptOutsideEdit,
    /// The case view's history: words, or the raw field changes.
    ToggleRawChanges,
    // Dialogs and text fields
    /// Enter in a dialog or the filter: take what was typed.
    Submit,
    /// Esc in a dialog or the filter: leave it, taking nothing.
    Cancel,
    /// Close a read-only popup or finish an editor, keeping its text.
    Close,
    /// Unsaved work: save it, then go on.
    SaveWork,
    /// Unsaved work: throw it away, then go on.
    DiscardWork,
    /// Recover the selected draft.
    RecoverDraft,
    /// Throw away the selected draft.
    DiscardDraft,
}
