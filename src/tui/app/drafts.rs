//! Drafts: the open work written aside within a second of each change, so
//! a crash, a hang-up or a full disk loses nothing, and offered back to
//! its author (and only its author) by the next session.

use super::{App, Screen};
use crate::store::{DraftInfo, DraftKey};
use crate::tui::effect::Effect;
use crate::tui::overlay::Overlay;

/// Where the open work stands against its draft.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DraftStatus {
    /// Changed since the last draft was written (or tried).
    pub pending: bool,
    /// A draft write is on its way.
    pub writing: bool,
    /// Where the last draft went, if the last write succeeded.
    pub written: Option<String>,
    /// Why the last draft write failed: the work is only in memory.
    pub failed: Option<String>,
}

impl DraftStatus {
    /// The work is saved: nothing is pending and no draft is needed.
    pub fn saved(&mut self) {
        *self = DraftStatus::default();
    }
}

impl App {
    /// This session's draft of `subject` (a case id, or an intake's).
    pub fn draft_key(&self, subject: &str) -> DraftKey {
        DraftKey {
            subject: subject.to_string(),
            author: self.settings.reviewer.name.clone(),
            session: self.holder.session.clone(),
        }
    }

    /// The open work changed: a draft is due.
    pub(super) fn work_changed(&mut self) {
        self.draft.pending = true;
        if let Screen::Case(ws) = &mut self.screen {
            ws.touch();
        }
    }

    /// Is there a change not yet written as a draft? The session's timer
    /// asks, to know whether to wake.
    pub fn draft_pending(&self) -> bool {
        self.draft.pending && !self.draft.writing
    }

    /// The draft of the open work: its key and its text, if there is any
    /// unsaved work.
    pub fn open_draft(&self) -> Option<(DraftKey, String)> {
        match &self.screen {
            Screen::Case(ws) => {
                let editing = match &self.overlay {
                    Some(Overlay::Editor { area, purpose, .. }) => {
                        Some((purpose, area.text.as_str()))
                    }
                    _ => None,
                };
                if !ws.is_unsaved() && editing.is_none() {
                    return None;
                }
                Some((self.draft_key(&ws.case.id), ws.draft_json(editing)))
            }
            Screen::Intake(intake) if intake.is_touched() => {
                Some((self.draft_key(&intake.draft_subject()), intake.draft_json()))
            }
            _ => None,
        }
    }

    /// Asks to write the draft of what changed since the last one.
    pub fn autosave(&mut self) {
        if !self.draft_pending() {
            return;
        }
        self.write_draft();
    }

    pub(super) fn write_draft(&mut self) {
        self.draft.pending = false;
        let Some((key, json)) = self.open_draft() else {
            return;
        };
        self.draft.writing = true;
        self.effects.push(Effect::WriteDraft { key, json });
    }

    /// The session ends (a signal, a hang-up, a server shutting down): the
    /// work is kept as a draft and the lock let go.
    pub fn shutdown(&mut self) {
        self.write_draft();
        if let Screen::Case(ws) = &self.screen {
            self.effects.push(Effect::Unlock {
                id: ws.case.id.clone(),
                holder: self.holder.clone(),
            });
        }
        self.should_quit = true;
    }

    pub(super) fn draft_written(&mut self, key: &DraftKey, result: Result<String, String>) {
        self.draft.writing = false;
        match result {
            Ok(location) => {
                self.draft.written = Some(location);
                self.draft.failed = None;
                if let Some(old) = self.superseded_draft.take()
                    && &old != key
                {
                    self.effects.push(Effect::DiscardDraft { key: old });
                }
            }
            Err(err) => {
                self.draft.written = None;
                // Tried again at the next tick: the work stays pending.
                self.draft.pending = true;
                self.error(format!(
                    "Draft not written: {err}. Your work is only in this session's memory; \
                     umdesk keeps trying"
                ));
                self.draft.failed = Some(err);
            }
        }
    }

    /// Drafts a lost session of this reviewer left behind: offer them.
    pub(super) fn offer_drafts(&mut self, drafts: Vec<DraftInfo>) {
        if drafts.is_empty() || self.overlay.is_some() {
            return;
        }
        self.overlay = Some(Overlay::Recover {
            drafts,
            selected: 0,
        });
    }

    /// Asks to recover `draft`: its case opens for editing with the draft's
    /// work on it.
    pub(super) fn recover(&mut self, draft: DraftInfo) {
        if draft.key.subject.starts_with("new-") {
            self.working = Some("Recovering the intake…".to_string());
        } else {
            self.working = Some(format!("Recovering {}…", draft.key.subject));
        }
        let open = self.open_request(&draft.key.subject, Some(draft.key.session.clone()));
        self.effects.push(Effect::Recover {
            draft: draft.key,
            open,
        });
    }

    /// What to say when a save failed: where the work is now.
    pub(super) fn where_work_is(&self) -> String {
        match (&self.draft.written, &self.draft.failed) {
            (Some(location), None) if !self.draft.pending => {
                format!("your work is kept as a draft ({location})")
            }
            (_, Some(_)) => "your work is only in this session's memory: no draft could be \
                             written either"
                .to_string(),
            _ => "your work is being written as a draft".to_string(),
        }
    }
}
