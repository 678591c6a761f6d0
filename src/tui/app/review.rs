//! The review and the determination of an open case: answering, saving,
//! signing, and letting go of the case.

use super::{App, Screen};
use crate::case::Case;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, SavePurpose};
use crate::tui::overlay::Overlay;
use crate::tui::workspace::{WorkView, Workspace};

impl App {
    fn workspace(&mut self) -> Option<&mut Workspace> {
        match &mut self.screen {
            Screen::Case(ws) => Some(ws),
            _ => None,
        }
    }

    pub(super) fn update_case(&mut self, action: Action) {
        let policy = self.settings.policy.policy.clone();
        let author = self.settings.reviewer.name.clone();
        let Some(ws) = self.workspace() else {
            return;
        };
        let before = ws.case.clone();
        let result: Result<Option<Overlay>, String> = match (ws.view, action) {
            (_, Action::Save) => {
                self.save_case(SavePurpose::Save);
                return;
            }
            (WorkView::Determination, Action::Finalize) => {
                self.confirm_sign();
                return;
            }
            (WorkView::Review, _) => ws.review_action(&policy, action, &author),
            (WorkView::Determination, _) => ws.determination_action(&policy, action),
        };
        let changed = self.workspace().is_some_and(|ws| ws.case != before);
        if changed {
            self.work_changed();
        }
        match result {
            Ok(Some(overlay)) => self.overlay = Some(overlay),
            Ok(None) => {}
            Err(text) => self.error(text),
        }
    }

    /// Asks to write the review as it stands, with a history entry of what
    /// changed since the saved version.
    pub(super) fn save_case(&mut self, purpose: SavePurpose) {
        let now = self.now();
        let reviewer = self.settings.reviewer.clone();
        let Screen::Case(ws) = &self.screen else {
            return;
        };
        let mut case = ws.case.clone();
        if let Err(refusal) =
            crate::rules::decision::record_save(&mut case, &ws.saved, &reviewer, now)
        {
            self.error(refusal);
            return;
        }
        let expected = last_digest(&ws.saved);
        let draft = Some(self.draft_key(&case.id));
        self.working = Some(format!("Saving {}…", case.id));
        self.effects.push(Effect::Save {
            case: Box::new(case),
            expected,
            purpose,
            draft,
            sign: None,
        });
    }

    /// How this session's acts are signed.
    pub(super) fn signing(&self) -> crate::tui::effect::Signing {
        crate::tui::effect::Signing {
            key: self.settings.identity.signer.clone(),
            required: self.settings.identity.signature_required,
        }
    }

    /// `f`: what will be signed (the decision, the outcome, the criteria
    /// it rests on, the signer, a case assigned to someone else), asked
    /// once. What blocks signing is shown instead.
    fn confirm_sign(&mut self) {
        let now = self.now();
        let reviewer = self.settings.reviewer.clone();
        let policy = self.settings.policy.policy.clone();
        let Screen::Case(ws) = &self.screen else {
            return;
        };
        let Some(request) = ws.decision_request(&policy, reviewer.role) else {
            self.error("No decision is available for this outcome and role");
            return;
        };
        let mut trial = ws.case.clone();
        if let Err(problems) =
            crate::rules::decision::decide(&policy, &mut trial, &ws.saved, &reviewer, &request, now)
        {
            self.overlay = Some(Overlay::Problems {
                title: format!("Cannot {} yet", request.decision.label().to_lowercase()),
                problems,
            });
            return;
        }
        let mut lines = vec![format!(
            "{}: {}",
            request.decision.label(),
            ws.evaluation.outcome.label()
        )];
        for result in &ws.evaluation.criteria {
            let rests_on = result.answer != crate::policy::Answer::Met
                || ws.evaluation.outcome == crate::case::Outcome::MeetsCriteria;
            if rests_on {
                lines.push(format!(
                    "  {} {}: {}",
                    result.number,
                    result.name,
                    result.answer.label()
                ));
            }
        }
        lines.push(format!(
            "Signed by {} ({})",
            reviewer.name,
            reviewer.role.label()
        ));
        if let Some(assigned) = ws
            .case
            .assigned_reviewer
            .as_ref()
            .filter(|a| **a != reviewer.name)
        {
            lines.push(format!(
                "This case is assigned to {assigned}, not to you: you sign it in their place"
            ));
        }
        // The letters the decision sends, as the member and provider will
        // read them; an incomplete one says what it lacks.
        let preview = crate::letter::preview(&policy, &trial);
        lines.extend(preview.problems);
        self.overlay = Some(Overlay::ConfirmSign {
            lines,
            letter: preview.lines,
            scroll: 0,
        });
    }

    pub(super) fn finalize(&mut self) {
        let now = self.now();
        let reviewer = self.settings.reviewer.clone();
        let policy = self.settings.policy.policy.clone();
        let Screen::Case(ws) = &mut self.screen else {
            return;
        };
        let Some(request) = ws.decision_request(&policy, reviewer.role) else {
            self.error("No decision is available for this outcome and role");
            return;
        };
        let mut case = ws.case.clone();
        if let Err(problems) =
            crate::rules::decision::decide(&policy, &mut case, &ws.saved, &reviewer, &request, now)
        {
            self.overlay = Some(Overlay::Problems {
                title: format!("Cannot {} yet", request.decision.label().to_lowercase()),
                problems,
            });
            return;
        }
        let expected = last_digest(&ws.saved);
        let draft = Some(self.draft_key(&case.id));
        self.working = Some(format!("Saving {}…", case.id));
        let sign = Some(self.signing());
        self.effects.push(Effect::Save {
            case: Box::new(case),
            expected,
            purpose: SavePurpose::Finalize,
            draft,
            sign,
        });
    }

    /// A case or intake saved: the screen follows what the save was for.
    pub(super) fn case_saved(&mut self, purpose: SavePurpose, case: Case, location: &str) {
        let id = case.id.clone();
        let location = format!("; saved to {}", shorten_left(location, 48));
        if purpose == SavePurpose::Supervise {
            self.supervision_saved(case);
            return;
        }
        if let Screen::Case(ws) = &mut self.screen
            && ws.case.id == id
        {
            ws.saved = case.clone();
            if purpose == SavePurpose::Finalize {
                ws.case = case.clone();
            } else {
                // Keys pressed while the save was on its way stay in
                // the working copy, over the history just written.
                ws.case.history = case.history.clone();
                ws.case.seal = case.seal.clone();
            }
        }
        self.draft.saved();
        match purpose {
            SavePurpose::Save => self.info(format!("Saved {id}{location}")),
            SavePurpose::SaveAndLeave => {
                self.to_queue();
                self.info(format!("Saved {id}{location}"));
            }
            SavePurpose::SaveAndQuit => {
                self.leave_case();
                self.should_quit = true;
            }
            SavePurpose::Finalize => {
                let status = case.status.label().to_string();
                self.to_queue();
                self.info(format!("{id} {status}{location}"));
            }
            SavePurpose::Supervise => {}
        }
    }

    /// Lets go of the open case: its lock, and its draft when nothing in it
    /// is unsaved. Leaving an intake keeps nothing.
    pub(super) fn leave_case(&mut self) {
        if let Screen::Case(ws) = &self.screen {
            let id = ws.case.id.clone();
            if !ws.is_unsaved() {
                let key = self.draft_key(&id);
                self.effects.push(Effect::DiscardDraft { key });
            }
            self.effects.push(Effect::Unlock {
                id,
                holder: self.holder.clone(),
            });
        }
        self.draft = Default::default();
    }

    /// Throws away the open work, as the reviewer asked.
    pub(super) fn discard_open_work(&mut self) {
        match &self.screen {
            Screen::Case(ws) => {
                let id = ws.case.id.clone();
                let key = self.draft_key(&id);
                self.effects.push(Effect::DiscardDraft { key });
                self.effects.push(Effect::Unlock {
                    id,
                    holder: self.holder.clone(),
                });
            }
            Screen::Intake(intake) => {
                let key = self.draft_key(&intake.draft_subject());
                self.effects.push(Effect::DiscardDraft { key });
            }
            _ => {}
        }
        self.draft = Default::default();
        self.screen = Screen::Queue;
    }

    /// Saves the open case or creates the intake's case, then does `then`.
    pub(super) fn save_or_create(&mut self, then: SavePurpose) {
        match &self.screen {
            Screen::Case(_) => self.save_case(then),
            Screen::Intake(_) => self.create_from_intake(then),
            _ => {}
        }
    }
}

pub fn last_digest(case: &Case) -> String {
    case.history
        .last()
        .map(|e| e.digest.clone())
        .unwrap_or_default()
}

/// `text` cut from the left to at most `width` characters, so the end of a
/// path (the file's name) stays in view.
pub fn shorten_left(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    let keep: String = text.chars().skip(count - width.saturating_sub(1)).collect();
    format!("…{keep}")
}
