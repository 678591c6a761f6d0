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
}
