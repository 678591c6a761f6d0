//! The case view's acts: QA review, reopening for amendment, reassigning,
//! breaking a stale lock. Each is recorded in the case's history.

use super::{App, Screen};
use crate::case::summary::reviewers_seen;
use crate::case::{Case, Status};
use crate::rules::permissions::{Act, check};
use crate::store::LockInfo;
use crate::tui::action::Action;
use crate::tui::effect::{Effect, SavePurpose};
use crate::tui::overlay::{Overlay, Prompt, PromptAnswer, PromptPurpose};
use crate::tui::widgets::picker::Picker;

use super::review::last_digest;

impl App {
    pub(super) fn update_case_view(&mut self, action: Action) {
        let role = self.role();
        let Screen::CaseView(view) = &mut self.screen else {
            return;
        };
        let act = match action {
            Action::ScrollUp => return view.scroll_by(-1),
            Action::ScrollDown => return view.scroll_by(1),
            Action::PageUp => return view.scroll_by(-10),
            Action::PageDown => return view.scroll_by(10),
            Action::ToggleRawChanges => return view.toggle_raw_changes(),
            Action::QaReview => Act::QaReview,
            Action::Reopen => Act::ReopenForAmendment,
            Action::Reassign => Act::Reassign,
            Action::BreakLock => Act::BreakStaleLock,
            Action::HandOverDraft => Act::Reassign,
            Action::AcceptOutsideEdit => Act::ReopenForAmendment,
            _ => return,
        };
        let orphan = view.orphaned_drafts.first().cloned();
        let assigned = view.case.assigned_reviewer.clone().unwrap_or_default();
        let lock = view.lock.clone();
        let lock_is_stale = view.lock_is_stale;
        if let Err(reason) = check(role, act) {
            self.error(reason);
            return;
        }
        let prompt = match (act, action) {
            (_, Action::AcceptOutsideEdit) => Prompt::single(
                PromptPurpose::AcceptOutsideEdit,
                "Accept the outside edit",
                "Why it is accepted",
            ),
            (_, Action::HandOverDraft) => {
                let Some(orphan) = orphan else {
                    self.error("This case has no draft left by a lost session");
                    return;
                };
                let title = format!("Hand {}'s draft on", orphan.key.author);
                Prompt::with_fields(
                    PromptPurpose::HandOverDraft { draft: orphan.key },
                    &title,
                    &[("To the reviewer (name, credentials)", &assigned)],
                )
            }
            (Act::QaReview, _) => Prompt::qa_review(),
            (Act::ReopenForAmendment, _) => Prompt::single(
                PromptPurpose::ReopenReason,
                "Reopen for amendment",
                "Reason",
            ),
            (Act::Reassign, _) => {
                if let Screen::CaseView(view) = &self.screen
                    && view.case.status.is_final()
                {
                    // Asked before a name is picked, not after.
                    let id = view.case.id.clone();
                    self.error(crate::rules::decision::ActError::Finalized { id }.to_string());
                    return;
                }
                let picker = self.reassign_picker();
                if picker.items.is_empty() {
                    self.error("No reviewer is known in this store yet to assign the case to");
                    return;
                }
                self.overlay = Some(Overlay::Picker(picker));
                return;
            }
            _ => {
                let Some(lock) = &lock else {
                    self.error("This case is not locked");
                    return;
                };
                if !lock_is_stale {
                    self.error(format!("The lock is not stale: {}", lock.describe()));
                    return;
                }
                Prompt::single(PromptPurpose::BreakLockReason, "Break stale lock", "Reason")
            }
        };
        self.overlay = Some(Overlay::Prompt(prompt));
    }

    /// The reviewers the viewed case can go to: everyone the loaded queue
    /// names (assigned, decided, QA'd) and everyone in the case's history.
    /// Where the store has a roster, the roster replaces this list.
    fn reassign_picker(&self) -> Picker {
        let Screen::CaseView(view) = &self.screen else {
            return Picker::reassign("", Vec::new(), None);
        };
        let case = &view.case;
        let assigned = case.assigned_reviewer.as_deref();
        let roster = &self.settings.identity.roster;
        if !roster.is_empty() {
            return Picker::reassign(&case.id, roster.clone(), assigned);
        }
        let in_queue = self.queue.listing.cases.iter().flat_map(|s| s.people());
        let in_history = case.history.iter().map(|e| e.by.name.as_str());
        let names = reviewers_seen(in_queue.chain(in_history).chain(assigned));
        Picker::reassign(&case.id, names, assigned)
    }

    /// A key in the reviewer picker: move, take the reviewer, or cancel.
    pub(super) fn picker_key(&mut self, mut picker: Picker, action: Option<Action>) {
        match action {
            Some(Action::Up) => picker.move_by(-1),
            Some(Action::Down) => picker.move_by(1),
            Some(Action::Cancel) => return,
            Some(Action::Submit) => {
                let Some(to) = picker.picked().map(str::to_string) else {
                    return;
                };
                if let Err(err) = self.reassign_to(to) {
                    self.error(err);
                }
                return;
            }
            _ => {}
        }
        self.overlay = Some(Overlay::Picker(picker));
    }

    fn reassign_to(&mut self, to: String) -> Result<(), String> {
        if let Screen::CaseView(view) = &self.screen
            && view.case.assigned_reviewer.as_deref() == Some(to.as_str())
        {
            return Err(format!("{} is assigned to {to} already", view.case.id));
        }
        self.supervise(PromptAnswer::Reassign { to })
    }

    /// Applies a supervisor's act to the viewed case and asks to save it.
    /// Breaking a lock asks the store first, and records it once broken.
    pub(super) fn supervise(&mut self, answer: PromptAnswer) -> Result<(), String> {
        let now = self.now();
        let reviewer = self.settings.reviewer.clone();
        let policy = self.settings.policy.policy.clone();
        let Screen::CaseView(view) = &mut self.screen else {
            return Ok(());
        };
        let mut case = view.case.clone();
        match answer {
            PromptAnswer::Reopen { reason } => {
                crate::rules::decision::reopen(&mut case, &view.case, &reviewer, &reason, now)?
            }
            PromptAnswer::Reassign { to } => {
                crate::rules::decision::reassign(&mut case, &view.case, &reviewer, &to, now)?
            }
            PromptAnswer::BreakLock { reason } => {
                let lock = view.lock.clone().ok_or("This case is not locked")?;
                self.pending_break = Some(reason);
                self.working = Some(format!("Breaking the lock of {}…", case.id));
                self.effects.push(Effect::BreakLock {
                    id: case.id.clone(),
                    expected: lock,
                });
                return Ok(());
            }
            PromptAnswer::AcceptOutsideEdit { reason } => {
                crate::case::history::accept_outside_edit(&mut case, &reviewer, &reason, now)
                    .map_err(|e| e.to_string())?;
                view.banner = None;
            }
            PromptAnswer::HandOverDraft { draft, to } => {
                let summary = format!(
                    "Unsaved draft of {} from a lost session handed to {to}",
                    draft.author
                );
                crate::case::history::record_changes(
                    &mut case,
                    Vec::new(),
                    &reviewer,
                    "draft handed over",
                    &summary,
                    now,
                );
                let expected = last_digest(&view.case);
                view.orphaned_drafts.retain(|d| d.key != draft);
                self.working = Some(format!("Handing the draft of {} on…", case.id));
                self.effects.push(Effect::HandOverDraft {
                    draft,
                    to,
                    case: Box::new(case),
                    expected,
                });
                return Ok(());
            }
            PromptAnswer::QaReview {
                outcome_agrees,
                criteria,
                note,
            } => crate::rules::decision::qa_review(
                &policy,
                &mut case,
                &view.case,
                &reviewer,
                &crate::rules::decision::QaFindings {
                    criteria_agree: &criteria,
                    outcome_agrees,
                    note: &note,
                },
                now,
            )?,
            _ => return Ok(()),
        }
        let expected = last_digest(&view.case);
        self.save_supervised(case, expected);
        Ok(())
    }

    fn save_supervised(&mut self, case: Case, expected: String) {
        self.working = Some(format!("Saving {}…", case.id));
        // A QA review is an act the supervisor signs.
        let signs = case
            .history
            .last()
            .and_then(crate::identity::signing::namespace_for)
            .is_some();
        let sign = signs.then(|| self.signing());
        self.effects.push(Effect::Save {
            case: Box::new(case),
            expected,
            purpose: SavePurpose::Supervise,
            draft: None,
            sign,
        });
    }

    /// The store broke the lock: the break goes into the case's history.
    pub(super) fn lock_broken(&mut self, result: Result<LockInfo, String>) {
        self.working = None;
        let reason = self.pending_break.take().unwrap_or_default();
        let broken = match result {
            Ok(broken) => broken,
            Err(err) => {
                self.error(format!("The lock was not broken: {err}"));
                return;
            }
        };
        let now = self.now();
        let reviewer = self.settings.reviewer.clone();
        let Screen::CaseView(view) = &mut self.screen else {
            return;
        };
        view.lock = None;
        let mut case = view.case.clone();
        let expected = last_digest(&view.case);
        if let Err(err) = crate::rules::decision::record_lock_broken(
            &mut case,
            &view.case,
            &reviewer,
            &broken.describe(),
            &reason,
            now,
        ) {
            self.error(err);
            return;
        }
        self.save_supervised(case, expected);
    }

    /// A supervisor's act was saved: the view shows the case as saved.
    pub(super) fn supervision_saved(&mut self, case: Case) {
        let Screen::CaseView(view) = &mut self.screen else {
            return;
        };
        let id = case.id.clone();
        let reopened = case.status == Status::Reopened;
        let was_assigned = view.case.assigned_reviewer.clone();
        let assigned = case.assigned_reviewer.clone();
        let lock = view.lock.clone();
        view.replace(case, lock);
        if assigned != was_assigned
            && let Some(to) = assigned
        {
            let was = was_assigned.as_deref().unwrap_or("unassigned");
            self.info(format!("{id} is now assigned to {to} (was {was})"));
        } else if reopened {
            self.info(format!(
                "{id} reopened for amendment; a reviewer re-decides it from the queue"
            ));
        } else {
            self.info(format!("{id}: saved"));
        }
    }
}
