//! What comes back from the store: each result changes the screen.

use super::{App, Screen};
use crate::store::{DraftKey, Listing};
use crate::tui::effect::{Done, OpenMode, Opened, SavePurpose};
use crate::tui::screens::case_view::CaseViewState;
use crate::tui::screens::intake::IntakeState;
use crate::tui::workspace::Workspace;

impl App {
    pub(super) fn done(&mut self, done: Done) {
        match done {
            Done::Queue(listing) => self.queue_listed(listing),
            Done::QueuePaged => {
                self.working = None;
                self.listing_is_cached = false;
                self.queue.page_from_store();
                self.ask_for_pages();
            }
            Done::QueuePage { query, result } => match result {
                Ok(page) => {
                    let now = self.now();
                    self.queue.page_arrived(&query, page, now);
                    self.ask_for_pages();
                }
                Err(err) => {
                    if let Some(paging) = &mut self.queue.paging {
                        paging.waiting = false;
                    }
                    self.error(format!("The queue could not be read: {err}"));
                }
            },
            Done::QueueCounted { query, result } => match result {
                Ok(count) => self.queue.count_arrived(&query, count),
                Err(err) => self.error(format!("The queue could not be counted: {err}")),
            },
            Done::StoreChecked(warnings) => {
                if let Some(first) = warnings.first() {
                    self.error(format!("Store warning: {first}"));
                }
            }
            Done::Drafts(drafts) => self.offer_drafts(drafts),
            Done::CaseDrafts { id, drafts } => {
                if let Screen::CaseView(view) = &mut self.screen
                    && view.case.id == id
                {
                    view.orphaned_drafts = drafts;
                }
            }
            Done::Opened(result) => {
                self.working = None;
                match result {
                    Ok(opened) => self.opened(opened),
                    Err(err) => self.error(err),
                }
            }
            Done::Created { then, result } => self.created(then, result),
            Done::Saved { purpose, result } => {
                self.working = None;
                match result {
                    Ok((case, location)) => self.case_saved(purpose, case, &location),
                    Err(err) => self.save_failed(purpose, &err),
                }
            }
            Done::DraftWritten { key, result } => self.draft_written(&key, result),
            Done::DraftDiscarded(Ok(())) | Done::Nothing => {}
            Done::DraftDiscarded(Err(err)) => self.error(format!("Draft not discarded: {err}")),
            Done::Recovered { draft, result } => {
                self.working = None;
                match result {
                    Ok((opened, json)) => self.recovered(draft, opened, &json),
                    Err(err) => self.error(err),
                }
            }
            Done::LockBroken(result) => self.lock_broken(result),
            Done::Dashboard(dashboard) => {
                self.working = None;
                self.screen = Screen::Dashboard(dashboard);
            }
            Done::Failed(err) => self.error(err),
        }
    }

    fn queue_listed(&mut self, listing: Listing) {
        self.working = None;
        self.listing_under_way = false;
        if std::mem::take(&mut self.relist_again) {
            self.listing_under_way = true;
            self.effects.push(crate::tui::effect::Effect::ListQueue);
        }
        self.listing_is_cached = false;
        // The old listing goes first: two listings of a large store at once
        // would double the memory the app needs.
        let selected = self.queue.clear_listing();
        let now = self.now();
        self.queue.show_listing(listing, now, selected);
    }

    fn opened(&mut self, opened: Opened) {
        let Opened { case, mode } = opened;
        match mode {
            OpenMode::Edit => {
                let workspace = Workspace::open(case, &self.settings.policy.policy, self.role());
                self.screen = Screen::Case(Box::new(workspace));
                self.draft = Default::default();
                self.check_policy_version();
            }
            OpenMode::ReadOnly {
                banner,
                lock,
                lock_is_stale,
            } => {
                let id = case.id.clone();
                let mut view = CaseViewState::new(case, banner, lock);
                view.lock_is_stale = lock_is_stale;
                self.screen = Screen::CaseView(Box::new(view));
                if self.role() == crate::case::Role::Supervisor {
                    self.effects
                        .push(crate::tui::effect::Effect::FindCaseDrafts { id });
                }
            }
        }
    }

    fn check_policy_version(&mut self) {
        let Screen::Case(ws) = &self.screen else {
            return;
        };
        if ws.case.policy.digest != self.settings.policy.digest {
            let text = format!(
                "This case was opened under pack {} of {}; the pack loaded now differs",
                crate::case::short_digest(&ws.case.policy.digest),
                ws.case.policy.number
            );
            self.error(text);
        }
    }

    fn created(&mut self, then: SavePurpose, result: Result<(String, String), String>) {
        self.working = None;
        match result {
            Ok((id, location)) => {
                self.draft.saved();
                if then == SavePurpose::SaveAndQuit {
                    self.should_quit = true;
                    return;
                }
                self.screen = Screen::Queue;
                self.open_case(&id);
                self.info(format!(
                    "Created {id} ({})",
                    super::review::shorten_left(&location, 48)
                ));
            }
            Err(err) => {
                let kept = self.where_work_is();
                self.error(format!("Could not create the case: {err}; {kept}"));
            }
        }
    }

    fn save_failed(&mut self, purpose: SavePurpose, err: &str) {
        if purpose == SavePurpose::Supervise {
            self.pending_break = None;
            self.error(format!("Not saved: {err}"));
            return;
        }
        let kept = self.where_work_is();
        self.error(format!("Not saved: {err} ({kept})"));
    }

    fn recovered(&mut self, draft: DraftKey, opened: Option<Opened>, json: &str) {
        let Some(opened) = opened else {
            self.recovered_intake(draft, json);
            return;
        };
        let id = opened.case.id.clone();
        let editing = opened.mode == OpenMode::Edit;
        self.opened(opened);
        if !editing {
            self.error(format!(
                "The draft of {id} is kept: the case cannot be edited now"
            ));
            return;
        }
        let policy = self.settings.policy.policy.clone();
        let Screen::Case(ws) = &mut self.screen else {
            return;
        };
        match ws.restore_draft(json, &policy) {
            Ok(restored) => {
                // The work is this session's now: drafted under its key,
                // and the lost session's draft goes once that is written.
                self.superseded_draft = Some(draft);
                self.work_changed();
                self.write_draft();
                let how = match restored {
                    crate::tui::workspace::Restored::AsItWas => "",
                    crate::tui::workspace::Restored::OntoNewer => {
                        " onto the version saved since (nothing of it was undone)"
                    }
                };
                self.info(format!("Recovered the draft of {id}{how}; save with ^S"));
            }
            Err(err) => self.error(format!("The draft of {id} is kept but not applied: {err}")),
        }
    }

    fn recovered_intake(&mut self, draft: DraftKey, json: &str) {
        let now = self.now();
        let mut intake = IntakeState::new(now, &self.settings.due_table);
        match intake.restore_draft(json, &self.settings.due_table, now) {
            Ok(()) => {
                self.screen = Screen::Intake(Box::new(intake));
                self.superseded_draft = Some(draft);
                self.work_changed();
                self.write_draft();
                self.info("Recovered the intake; create the case with ^S");
            }
            Err(err) => self.error(format!("The intake draft could not be read: {err}")),
        }
    }
}
