//! The app's state and its one way of changing: `handle_key` turns a key
//! into an [`Action`] (or text for the focused field) and `update` applies
//! it. Drawing only reads this state, so a test drives the whole app
//! without a terminal.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::Context;
use super::action::Action;
use super::keymap::{self, Context as KeyContext};
use super::overlay::{EditorPurpose, Overlay, Prompt, PromptPurpose};
use super::screens::case_view::CaseViewState;
use super::screens::dashboard::DashboardState;
use super::screens::intake::IntakeState;
use super::screens::queue::QueueState;
use super::theme::Theme;
use super::widgets::text_area::TextArea;
use super::workspace::{WorkView, Workspace};
use crate::case::{Case, Role, Status};
use crate::rules::permissions::{Act, check};
use crate::store::{AccessEntry, DraftInfo, DraftKey, LockHolder, StoreError};

/// Cases of the cached listing shown on the first frame: more rows than
/// any terminal has, and few enough to decode in well under a millisecond.
const FIRST_SCREEN: usize = 500;

pub enum Screen {
    Queue,
    Intake(Box<IntakeState>),
    Case(Box<Workspace>),
    CaseView(Box<CaseViewState>),
    Dashboard(Box<DashboardState>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub kind: MessageKind,
    pub text: String,
}

pub struct App {
    pub context: Context,
    pub theme: Theme,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub queue: QueueState,
    pub message: Option<Message>,
    pub holder: LockHolder,
    pub should_quit: bool,
    /// Set when the state changed since the last frame, so an idle app
    /// draws (and writes) nothing.
    pub needs_redraw: bool,
    /// The queue came from the index; the full listing is still to do.
    pub listing_is_cached: bool,
    /// The session whose draft is being recovered: its lock is ours to take.
    recovering: Option<String>,
    /// `UMDESK_FAULT_PANIC_KEY`: a key that panics, so tests can prove a
    /// panic restores the terminal and keeps the draft.
    fault_panic_key: Option<char>,
}

impl App {
    pub fn new(context: Context, theme: Theme) -> App {
        let holder = LockHolder::current(context.reviewer.clone());
        // The first frame comes from the index alone; the full listing,
        // which looks at every case file, follows once it is on screen.
        let now = (context.now)();
        let cached = context.store.list_cached(FIRST_SCREEN);
        let listing_is_cached = cached.is_some();
        let queue = match cached {
            Some(cached) => QueueState::from_cache(cached, now),
            None => QueueState::new(context.store.list(), now),
        };
        let mut app = App {
            context,
            theme,
            screen: Screen::Queue,
            overlay: None,
            queue,
            message: None,
            holder,
            should_quit: false,
            needs_redraw: true,
            listing_is_cached,
            recovering: None,
            fault_panic_key: std::env::var("UMDESK_FAULT_PANIC_KEY")
                .ok()
                .and_then(|k| k.chars().next()),
        };
        app.offer_recovery();
        if !app.listing_is_cached {
            app.report_store_warnings();
        }
        app
    }

    fn report_store_warnings(&mut self) {
        let warnings = self.context.store.warnings();
        if let Some(first) = warnings.first() {
            self.error(format!("Store warning: {}", first.0));
        }
    }

    fn offer_recovery(&mut self) {
        let author = self.context.reviewer.name.clone();
        let drafts: Vec<DraftInfo> = self
            .context
            .store
            .drafts()
            .into_iter()
            .filter(|d| d.key.author == author && d.key.session != self.holder.session)
            .collect();
        if !drafts.is_empty() {
            self.overlay = Some(Overlay::Recover {
                drafts,
                selected: 0,
            });
        }
    }

    pub fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            kind: MessageKind::Info,
            text: text.into(),
        });
    }

    pub fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message {
            kind: MessageKind::Error,
            text: text.into(),
        });
    }

    pub fn role(&self) -> Role {
        self.context.reviewer.role
    }

    /// The key table that applies to what is on screen now.
    pub fn key_context(&self) -> KeyContext {
        match &self.screen {
            Screen::Queue => KeyContext::Queue,
            Screen::Intake(_) => KeyContext::Intake,
            Screen::Case(ws) if ws.view == WorkView::Determination => KeyContext::Determination,
            Screen::Case(_) => KeyContext::Review,
            Screen::CaseView(_) => KeyContext::CaseView,
            Screen::Dashboard(_) => KeyContext::Dashboard,
        }
    }

    /// Does an open case hold work that is not saved?
    pub fn has_unsaved_work(&self) -> bool {
        match &self.screen {
            Screen::Case(ws) => ws.is_unsaved(),
            Screen::Intake(intake) => intake.is_touched(),
            _ => false,
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        if key.kind != KeyEventKind::Press {
            return;
        }
        self.needs_redraw = true;
        // A message answers the key before; left up, "Created ..." stayed on
        // screen through the whole review that followed it.
        self.message = None;
        if self.fault_panic_key.is_some()
            && key.code == KeyCode::Char(self.fault_panic_key.unwrap_or_default())
        {
            self.write_draft();
            panic!("fault injected by UMDESK_FAULT_PANIC_KEY");
        }
        if self.overlay.is_some() {
            self.handle_overlay_key(key);
            return;
        }
        if self.handle_text_input(key) {
            return;
        }
        if let Some(action) = keymap::action_for(self.key_context(), key) {
            self.update(action);
        }
    }

    /// Typing into the queue filter or an intake field takes the key
    /// before the keymap does.
    fn handle_text_input(&mut self, key: KeyEvent) -> bool {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match &mut self.screen {
            Screen::Queue if self.queue.filtering => {
                match key.code {
                    KeyCode::Enter => self.queue.filtering = false,
                    KeyCode::Esc => {
                        self.queue.filtering = false;
                        self.queue.filter.text.clear();
                        self.queue.filter.cursor = 0;
                        self.queue.refilter();
                    }
                    KeyCode::Up | KeyCode::Down => {
                        self.queue.filtering = false;
                        return false;
                    }
                    _ => {
                        if self.queue.filter.handle(key) {
                            self.queue.refilter();
                        }
                    }
                }
                true
            }
            Screen::Intake(intake) => {
                let passthrough = matches!(
                    key.code,
                    KeyCode::Tab | KeyCode::BackTab | KeyCode::Esc | KeyCode::Up | KeyCode::Down
                ) || control;
                if passthrough {
                    return false;
                }
                let now = (self.context.now)();
                intake.handle_key(key, &self.context.due_table, now)
            }
            _ => false,
        }
    }

    pub fn update(&mut self, action: Action) {
        self.needs_redraw = true;
        match action {
            Action::Help => self.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Quit => self.request_quit(),
            Action::Back => self.back(),
            _ => match &self.screen {
                Screen::Queue => self.update_queue(action),
                Screen::Intake(_) => self.update_intake(action),
                Screen::Case(_) => self.update_case(action),
                Screen::CaseView(_) => self.update_case_view(action),
                Screen::Dashboard(_) => self.update_dashboard(action),
            },
        }
    }

    fn request_quit(&mut self) {
        if self.has_unsaved_work() {
            self.overlay = Some(Overlay::ConfirmQuit);
            return;
        }
        self.leave_case();
        self.should_quit = true;
    }

    fn back(&mut self) {
        match &self.screen {
            Screen::Queue => {
                if self.queue.status_filter.is_some() || !self.queue.filter.text.is_empty() {
                    self.queue.clear_filters();
                }
            }
            Screen::Case(ws) if ws.view == WorkView::Determination => {
                if let Screen::Case(ws) = &mut self.screen {
                    ws.view = WorkView::Review;
                }
            }
            Screen::Case(ws) if ws.is_unsaved() => self.overlay = Some(Overlay::ConfirmLeave),
            Screen::Intake(intake) if intake.is_touched() => {
                self.overlay = Some(Overlay::ConfirmLeave)
            }
            _ => self.to_queue(),
        }
    }

    /// Releases the lock of an open case; its draft goes with a clean exit.
    fn leave_case(&mut self) {
        if let Screen::Case(ws) = &self.screen {
            let id = ws.case.id.clone();
            if !ws.is_unsaved() {
                let _ = self.context.store.discard_draft(&self.draft_key(&id));
            }
            let _ = self.context.store.unlock(&id, &self.holder);
        }
    }

    pub fn to_queue(&mut self) {
        self.leave_case();
        self.screen = Screen::Queue;
        self.reload_queue();
    }

    /// After the first frame: replace the cached queue with the full listing.
    pub fn finish_listing(&mut self) {
        if self.listing_is_cached {
            self.listing_is_cached = false;
            self.reload_queue();
            self.report_store_warnings();
            self.needs_redraw = true;
        }
    }

    pub fn reload_queue(&mut self) {
        // The old listing goes first: two listings of a large store at once
        // would double the memory the app needs.
        let selected = self.queue.clear_listing();
        let listing = self.context.store.list();
        self.queue
            .show_listing(listing, (self.context.now)(), selected);
    }

    // ---- Queue ----------------------------------------------------------

    fn update_queue(&mut self, action: Action) {
        match action {
            Action::Up => self.queue.move_selection(-1),
            Action::Down => self.queue.move_selection(1),
            Action::PageUp => self.queue.move_selection(-10),
            Action::PageDown => self.queue.move_selection(10),
            Action::Filter => self.queue.filtering = true,
            Action::CycleStatusFilter => self.queue.cycle_status(),
            Action::Refresh => {
                self.reload_queue();
                self.info("Queue reloaded");
            }
            Action::NewCase => self.start_intake(),
            Action::Open => {
                if let Some(id) = self.queue.selected_id() {
                    self.open_case(&id);
                }
            }
            Action::View => {
                if let Some(id) = self.queue.selected_id() {
                    self.view_case(&id, None);
                }
            }
            Action::Dashboard => self.open_dashboard(),
            _ => {}
        }
    }

    fn start_intake(&mut self) {
        if let Err(reason) = check(self.role(), Act::CreateCase) {
            self.error(reason);
            return;
        }
        let now = (self.context.now)();
        self.screen = Screen::Intake(Box::new(IntakeState::new(now, &self.context.due_table)));
    }

    fn log_access(&mut self, case_id: &str, action: &str) {
        let mut entry = AccessEntry::new(&self.context.reviewer, case_id, action);
        entry.at = (self.context.now)();
        if let Err(err) = self.context.store.log_access(&entry) {
            self.error(format!("Could not write the access log: {err}"));
        }
    }

    /// Opens a case for editing when the role, its status and its lock allow,
    /// and read-only otherwise, saying why.
    pub fn open_case(&mut self, id: &str) {
        let case = match self.context.store.load(id) {
            Ok(case) => case,
            Err(err) => {
                self.error(err.to_string());
                return;
            }
        };
        if let Err(reason) = crate::rules::decision::editable(&case, self.role()) {
            self.view_loaded(case, Some(reason.into()));
            return;
        }
        match self.lock_case(id) {
            Ok(_) => {}
            Err(StoreError::Locked(info)) => {
                let banner = format!("Read-only: {}", info.describe());
                self.view_loaded(case, Some(banner));
                return;
            }
            Err(err) => {
                self.error(err.to_string());
                return;
            }
        }
        self.log_access(id, "open");
        let workspace = Workspace::open(case, &self.context.policy.policy, self.role());
        self.screen = Screen::Case(Box::new(workspace));
        self.check_policy_version();
    }

    fn check_policy_version(&mut self) {
        let Screen::Case(ws) = &self.screen else {
            return;
        };
        if ws.case.policy.digest != self.context.policy.digest {
            let text = format!(
                "This case was opened under pack {} of {}; the pack loaded now differs",
                crate::case::short_digest(&ws.case.policy.digest),
                ws.case.policy.number
            );
            self.error(text);
        }
    }

    /// Takes the edit lock. A lock this reviewer left behind in a process
    /// that is gone (a crash, a dropped connection) is taken over.
    fn lock_case(&mut self, id: &str) -> Result<crate::store::LockInfo, StoreError> {
        match self.context.store.lock(id, &self.holder) {
            Err(StoreError::Locked(info))
                if info.holder.reviewer == self.holder.reviewer
                    && info.holder.host == self.holder.host
                    && (self.recovering.as_deref() == Some(info.holder.session.as_str())
                        || info.is_stale(
                            (self.context.now)(),
                            self.context.stale_lock_after,
                            &self.holder.host,
                        )) =>
            {
                self.context.store.break_lock(id, &info)?;
                self.context.store.lock(id, &self.holder)
            }
            other => other,
        }
    }

    pub fn view_case(&mut self, id: &str, banner: Option<String>) {
        match self.context.store.load(id) {
            Ok(case) => self.view_loaded(case, banner),
            Err(err) => self.error(err.to_string()),
        }
    }

    fn view_loaded(&mut self, case: Case, banner: Option<String>) {
        let id = case.id.clone();
        self.log_access(&id, "view");
        let lock = self.context.store.lock_info(&id);
        let mut banner = banner;
        if banner.is_none() {
            if let Some(lock) = &lock {
                banner = Some(format!("Read-only: {}", lock.describe()));
            }
        }
        self.screen = Screen::CaseView(Box::new(CaseViewState::new(case, banner, lock)));
    }

    fn open_dashboard(&mut self) {
        if let Err(reason) = check(self.role(), Act::ViewStats) {
            self.error(reason);
            return;
        }
        let now = (self.context.now)();
        let cases: Vec<Case> = self
            .queue
            .listing
            .cases
            .iter()
            .filter_map(|s| self.context.store.load(&s.id).ok())
            .collect();
        self.screen = Screen::Dashboard(Box::new(DashboardState::new(&cases, now)));
    }

    // ---- Intake ---------------------------------------------------------

    fn update_intake(&mut self, action: Action) {
        let Screen::Intake(intake) = &mut self.screen else {
            return;
        };
        match action {
            Action::NextField => intake.focus_next(),
            Action::PrevField => intake.focus_prev(),
            Action::Save => self.create_from_intake(),
            _ => {}
        }
    }

    fn create_from_intake(&mut self) {
        let now = (self.context.now)();
        let Screen::Intake(intake) = &mut self.screen else {
            return;
        };
        let facts = match intake.facts(now) {
            Ok(facts) => facts,
            Err(count) => {
                let text =
                    format!("{count} field(s) need attention before the case can be created");
                self.error(text);
                return;
            }
        };
        let received = facts.received_at.date();
        let mut case = crate::case::new_case(
            "pending",
            facts,
            &self.context.policy,
            &self.context.due_table,
        );
        crate::rules::answers::sync_all(&self.context.policy.policy, &mut case);
        // The id is the store's to give; the first history entry covers it.
        let created = self.context.store.create(&mut case, received, &mut |case| {
            crate::case::history::record(
                case,
                None,
                &self.context.reviewer,
                "created",
                "Case created at intake",
                now,
            );
        });
        match created {
            Ok(id) => {
                let path = self.context.store.case_location(&id);
                self.info(format!("Created {id} ({})", path));
                self.open_case(&id);
            }
            Err(err) => self.error(format!("Could not create the case: {err}")),
        }
    }

    // ---- Review and determination --------------------------------------

    fn workspace(&mut self) -> Option<&mut Workspace> {
        match &mut self.screen {
            Screen::Case(ws) => Some(ws),
            _ => None,
        }
    }

    fn update_case(&mut self, action: Action) {
        let policy = self.context.policy.policy.clone();
        let author = self.context.reviewer.name.clone();
        let Some(ws) = self.workspace() else {
            return;
        };
        let result: Result<Option<Overlay>, String> = match (ws.view, action) {
            (_, Action::Save) => {
                self.save_case();
                return;
            }
            (WorkView::Determination, Action::Finalize) => {
                self.finalize();
                return;
            }
            (WorkView::Review, _) => ws.review_action(&policy, action, &author),
            (WorkView::Determination, _) => ws.determination_action(&policy, action),
        };
        match result {
            Ok(Some(overlay)) => self.overlay = Some(overlay),
            Ok(None) => {}
            Err(text) => self.error(text),
        }
    }

    /// Writes the review as it stands, with a history entry of what changed.
    pub fn save_case(&mut self) {
        let now = (self.context.now)();
        let reviewer = self.context.reviewer.clone();
        let Screen::Case(ws) = &mut self.screen else {
            return;
        };
        let mut case = ws.case.clone();
        crate::rules::decision::record_save(&mut case, &ws.saved, &reviewer, now);
        let expected = last_digest(&ws.saved);
        match self.context.store.save(&case, &expected) {
            Ok(()) => {
                ws.case = case.clone();
                ws.saved = case;
                let id = ws.case.id.clone();
                let _ = self.context.store.discard_draft(&self.draft_key(&id));
                let path = self.context.store.case_location(&id);
                self.info(format!("Saved {id} to {}", path));
            }
            Err(err) => self.error(format!("Not saved: {err} (your work is kept as a draft)")),
        }
    }

    fn finalize(&mut self) {
        let now = (self.context.now)();
        let reviewer = self.context.reviewer.clone();
        let policy = self.context.policy.policy.clone();
        let Screen::Case(ws) = &mut self.screen else {
            return;
        };
        let request = ws.decision_request(&policy, reviewer.role);
        let Some(request) = request else {
            self.error("No decision is available for this outcome and role");
            return;
        };
        let mut case = ws.case.clone();
        if let Err(problems) =
            crate::rules::decision::decide(&policy, &mut case, &reviewer, &request, now)
        {
            self.overlay = Some(Overlay::Problems {
                title: format!("Cannot {} yet", request.decision.label().to_lowercase()),
                problems,
            });
            return;
        }
        let expected = last_digest(&ws.saved);
        match self.context.store.save(&case, &expected) {
            Ok(()) => {
                let id = case.id.clone();
                ws.saved = case.clone();
                ws.case = case;
                let path = self.context.store.case_location(&id);
                let status = ws.case.status.label().to_string();
                let _ = self.context.store.discard_draft(&self.draft_key(&id));
                self.to_queue();
                self.info(format!("{id} {status}; saved to {}", path));
            }
            Err(err) => self.error(format!("Not saved: {err} (your work is kept as a draft)")),
        }
    }

    /// The draft of the open case, if it changed since it was saved.
    pub fn draft(&self) -> Option<(String, String)> {
        let Screen::Case(ws) = &self.screen else {
            return None;
        };
        let editing = match &self.overlay {
            Some(Overlay::Editor { area, purpose, .. }) => Some((purpose, area.text.as_str())),
            _ => None,
        };
        if !ws.is_unsaved() && editing.is_none() {
            return None;
        }
        Some((ws.case.id.clone(), ws.draft_json(editing)))
    }

    /// This session's draft of `subject`.
    pub fn draft_key(&self, subject: &str) -> DraftKey {
        DraftKey {
            subject: subject.to_string(),
            author: self.context.reviewer.name.clone(),
            session: self.holder.session.clone(),
        }
    }

    /// Writes the open case's draft now (autosave, signals, panics).
    pub fn write_draft(&mut self) -> Option<String> {
        let (subject, json) = self.draft()?;
        let key = self.draft_key(&subject);
        match self.context.store.save_draft(&key, &json) {
            Ok(path) => {
                super::terminal::note_draft(std::path::Path::new(&path));
                if let Screen::Case(ws) = &mut self.screen {
                    ws.draft_written();
                }
                Some(path)
            }
            Err(err) => {
                self.error(format!("Draft not written: {err}"));
                None
            }
        }
    }

    /// Is there a change not yet written as a draft?
    pub fn draft_pending(&self) -> bool {
        matches!(&self.screen, Screen::Case(ws) if ws.draft_pending())
    }

    /// Writes the draft when the open case changed since the last one;
    /// returns where it went, when one was written.
    pub fn autosave(&mut self) -> Option<String> {
        if !self.draft_pending() {
            return None;
        }
        self.write_draft()
    }

    /// A signal or hang-up: keep the work as a draft and let go of the lock.
    pub fn shutdown(&mut self) {
        self.write_draft();
        if let Screen::Case(ws) = &self.screen {
            let id = ws.case.id.clone();
            let _ = self.context.store.unlock(&id, &self.holder);
        }
    }

    fn recover_draft(&mut self, draft: &DraftKey) {
        let key = draft.subject.as_str();
        let json = match self.context.store.load_draft(draft) {
            Ok(json) => json,
            Err(err) => {
                self.error(format!("Draft {key}: {err}"));
                return;
            }
        };
        self.recovering = Some(draft.session.clone());
        self.open_case(key);
        self.recovering = None;
        let policy = self.context.policy.policy.clone();
        let Screen::Case(ws) = &mut self.screen else {
            return;
        };
        match ws.restore_draft(&json, &policy) {
            Ok(()) => {
                // The work is this session's now: drafted under its key,
                // and the dead session's draft goes once that is written.
                if self.write_draft().is_some() {
                    let _ = self.context.store.discard_draft(draft);
                }
                self.info(format!("Recovered the draft of {key}; save with ^S"))
            }
            Err(err) => self.error(format!("Draft {key} could not be read: {err}")),
        }
    }

    // ---- Case view (read-only, supervisors' acts) ------------------------

    fn update_case_view(&mut self, action: Action) {
        let role = self.role();
        let now = (self.context.now)();
        let host = self.holder.host.clone();
        let stale_after = self.context.stale_lock_after;
        let Screen::CaseView(view) = &mut self.screen else {
            return;
        };
        let act = match action {
            Action::ScrollUp => return view.scroll_by(-1),
            Action::ScrollDown => return view.scroll_by(1),
            Action::PageUp => return view.scroll_by(-10),
            Action::PageDown => return view.scroll_by(10),
            Action::QaReview => Act::QaReview,
            Action::Reopen => Act::ReopenForAmendment,
            Action::Reassign => Act::Reassign,
            Action::BreakLock => Act::BreakStaleLock,
            _ => return,
        };
        let lock = view.lock.clone();
        if let Err(reason) = check(role, act) {
            self.error(reason);
            return;
        }
        let prompt = match act {
            Act::QaReview => Prompt::qa_review(),
            Act::ReopenForAmendment => Prompt::single(
                PromptPurpose::ReopenReason,
                "Reopen for amendment",
                "Reason",
            ),
            Act::Reassign => Prompt::single(
                PromptPurpose::ReassignTo,
                "Reassign",
                "Reviewer (name, credentials)",
            ),
            _ => {
                let Some(lock) = &lock else {
                    self.error("This case is not locked");
                    return;
                };
                if !lock.is_stale(now, stale_after, &host) {
                    self.error(format!("The lock is not stale: {}", lock.describe()));
                    return;
                }
                Prompt::single(PromptPurpose::BreakLockReason, "Break stale lock", "Reason")
            }
        };
        self.overlay = Some(Overlay::Prompt(prompt));
    }

    /// Applies a supervisor's act to the viewed case and saves it.
    fn supervise(&mut self, purpose: PromptPurpose, values: Vec<String>) -> Result<(), String> {
        let now = (self.context.now)();
        let reviewer = self.context.reviewer.clone();
        let policy = self.context.policy.policy.clone();
        let Screen::CaseView(view) = &mut self.screen else {
            return Ok(());
        };
        let mut case = view.case.clone();
        let expected = last_digest(&view.case);
        match purpose {
            PromptPurpose::ReopenReason => {
                crate::rules::decision::reopen(&mut case, &reviewer, &values[0], now)?
            }
            PromptPurpose::ReassignTo => {
                crate::rules::decision::reassign(&mut case, &reviewer, &values[0], now)?
            }
            PromptPurpose::BreakLockReason => {
                let lock = view.lock.clone().ok_or("This case is not locked")?;
                let description = lock.describe();
                self.context
                    .store
                    .break_lock(&case.id, &lock)
                    .map_err(|e| e.to_string())?;
                crate::rules::decision::record_lock_broken(
                    &mut case,
                    &reviewer,
                    &description,
                    &values[0],
                    now,
                )?
            }
            PromptPurpose::QaReview => {
                let (outcome_agrees, disagreements) = parse_qa(&values[0], &values[1], &policy)?;
                crate::rules::decision::qa_review(
                    &policy,
                    &mut case,
                    &reviewer,
                    &disagreements,
                    outcome_agrees,
                    &values[2],
                    now,
                )?
            }
            _ => return Ok(()),
        }
        self.context
            .store
            .save(&case, &expected)
            .map_err(|e| e.to_string())?;
        let id = case.id.clone();
        let lock = self.context.store.lock_info(&id);
        let reopened = case.status == Status::Reopened;
        view.replace(case, lock);
        self.info(format!("{id}: saved"));
        if reopened {
            self.info(format!(
                "{id} reopened for amendment; a reviewer re-decides it from the queue"
            ));
        }
        Ok(())
    }

    fn update_dashboard(&mut self, action: Action) {
        if action == Action::Refresh {
            self.reload_queue();
            self.open_dashboard();
        }
    }

    // ---- Overlays -------------------------------------------------------

    fn handle_overlay_key(&mut self, key: KeyEvent) {
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        match overlay {
            Overlay::Help { scroll } => match key.code {
                KeyCode::Down | KeyCode::Char('j') => {
                    self.overlay = Some(Overlay::Help { scroll: scroll + 1 })
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    self.overlay = Some(Overlay::Help {
                        scroll: scroll.saturating_sub(1),
                    })
                }
                _ => {}
            },
            Overlay::Problems { .. } | Overlay::Definitions { .. } => {}
            Overlay::ConfirmQuit => match key.code {
                KeyCode::Char('s') => {
                    self.save_or_create();
                    if !self.has_unsaved_work() {
                        self.leave_case();
                        self.should_quit = true;
                    }
                }
                KeyCode::Char('d') => {
                    self.discard_open_work();
                    self.should_quit = true;
                }
                _ => {}
            },
            Overlay::ConfirmLeave => match key.code {
                KeyCode::Char('s') => {
                    self.save_or_create();
                    if !self.has_unsaved_work() {
                        self.to_queue();
                    }
                }
                KeyCode::Char('d') => {
                    self.discard_open_work();
                    self.to_queue();
                }
                _ => {}
            },
            Overlay::Recover { drafts, selected } => match key.code {
                KeyCode::Enter => {
                    if let Some(draft) = drafts.get(selected).cloned() {
                        self.recover_draft(&draft.key);
                    }
                }
                KeyCode::Char('d') => {
                    if let Some(draft) = drafts.get(selected) {
                        let _ = self.context.store.discard_draft(&draft.key);
                    }
                    let rest: Vec<_> = drafts
                        .into_iter()
                        .enumerate()
                        .filter(|(i, _)| *i != selected)
                        .map(|(_, d)| d)
                        .collect();
                    if !rest.is_empty() {
                        self.overlay = Some(Overlay::Recover {
                            selected: 0,
                            drafts: rest,
                        });
                    }
                }
                KeyCode::Down => {
                    let selected = (selected + 1).min(drafts.len().saturating_sub(1));
                    self.overlay = Some(Overlay::Recover { drafts, selected });
                }
                KeyCode::Up => {
                    self.overlay = Some(Overlay::Recover {
                        drafts,
                        selected: selected.saturating_sub(1),
                    });
                }
                KeyCode::Esc => {}
                _ => self.overlay = Some(Overlay::Recover { drafts, selected }),
            },
            Overlay::Prompt(prompt) => self.handle_prompt_key(prompt, key),
            Overlay::Editor {
                title,
                area,
                purpose,
            } => self.handle_editor_key(title, area, purpose, key),
        }
    }

    fn save_or_create(&mut self) {
        match &self.screen {
            Screen::Case(_) => self.save_case(),
            Screen::Intake(_) => self.create_from_intake(),
            _ => {}
        }
    }

    fn discard_open_work(&mut self) {
        if let Screen::Case(ws) = &self.screen {
            let id = ws.case.id.clone();
            let _ = self.context.store.discard_draft(&self.draft_key(&id));
            let _ = self.context.store.unlock(&id, &self.holder);
            self.screen = Screen::Queue;
        }
    }

    fn handle_prompt_key(&mut self, mut prompt: Prompt, key: KeyEvent) {
        match key.code {
            KeyCode::Esc => {}
            KeyCode::Tab | KeyCode::Down => {
                prompt.focus = (prompt.focus + 1) % prompt.fields.len();
                self.overlay = Some(Overlay::Prompt(prompt));
            }
            KeyCode::BackTab | KeyCode::Up => {
                prompt.focus = (prompt.focus + prompt.fields.len() - 1) % prompt.fields.len();
                self.overlay = Some(Overlay::Prompt(prompt));
            }
            KeyCode::Enter => {
                let values: Vec<String> = prompt
                    .fields
                    .iter()
                    .map(|(_, f)| f.value().to_string())
                    .collect();
                if let Err(text) = self.submit_prompt(prompt.purpose.clone(), values) {
                    prompt.error = Some(text);
                    self.overlay = Some(Overlay::Prompt(prompt));
                }
            }
            _ => {
                let focus = prompt.focus;
                prompt.fields[focus].1.handle(key);
                prompt.error = None;
                self.overlay = Some(Overlay::Prompt(prompt));
            }
        }
    }

    fn submit_prompt(&mut self, purpose: PromptPurpose, values: Vec<String>) -> Result<(), String> {
        let policy = self.context.policy.policy.clone();
        let author = self.context.reviewer.name.clone();
        match purpose {
            PromptPurpose::ReopenReason
            | PromptPurpose::ReassignTo
            | PromptPurpose::BreakLockReason
            | PromptPurpose::QaReview => self.supervise(purpose, values),
            PromptPurpose::PeerToPeer => {
                let now = (self.context.now)();
                let reviewer = self.context.reviewer.clone();
                let ws = self.workspace().ok_or("no open case")?;
                crate::rules::decision::record_peer_to_peer(
                    &mut ws.case,
                    &reviewer,
                    &values[0],
                    &values[1],
                    now,
                )?;
                ws.touch();
                self.info("Peer-to-peer discussion recorded; it is saved with the case");
                Ok(())
            }
            other => {
                let ws = self.workspace().ok_or("no open case")?;
                ws.submit_prompt(&policy, other, &values, &author)?;
                Ok(())
            }
        }
    }

    fn handle_editor_key(
        &mut self,
        title: String,
        mut area: TextArea,
        purpose: EditorPurpose,
        key: KeyEvent,
    ) {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        let done = key.code == KeyCode::Esc || (control && key.code == KeyCode::Char('s'));
        if done {
            if let Some(ws) = self.workspace() {
                ws.apply_editor(purpose, area.text);
            }
            return;
        }
        if area.handle(key) {
            // What is typed in the editor is drafted like any other change.
            if let Some(ws) = self.workspace() {
                ws.touch();
            }
        }
        self.overlay = Some(Overlay::Editor {
            title,
            area,
            purpose,
        });
    }

    /// Pasted text goes to whatever field has the focus.
    pub fn paste(&mut self, text: &str) {
        self.needs_redraw = true;
        match &mut self.overlay {
            Some(Overlay::Editor { area, .. }) => {
                area.insert_str(text);
                if let Screen::Case(ws) = &mut self.screen {
                    ws.touch();
                }
            }
            Some(Overlay::Prompt(prompt)) => {
                let focus = prompt.focus;
                prompt.fields[focus].1.insert_str(text);
            }
            Some(_) => {}
            None => match &mut self.screen {
                Screen::Queue if self.queue.filtering => {
                    self.queue.filter.insert_str(text);
                    self.queue.refilter();
                }
                Screen::Intake(intake) => {
                    let now = (self.context.now)();
                    intake.paste(text, &self.context.due_table, now);
                }
                _ => {}
            },
        }
    }
}

pub fn last_digest(case: &Case) -> String {
    case.history
        .last()
        .map(|e| e.digest.clone())
        .unwrap_or_default()
}

/// "y"/"n" for the outcome and "3, 5" for the criteria disagreed with.
fn parse_qa(
    outcome: &str,
    disagreements: &str,
    policy: &crate::policy::Policy,
) -> Result<(bool, Vec<(String, bool)>), String> {
    let outcome_agrees = match outcome.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "agree" => true,
        "n" | "no" | "disagree" => false,
        other => return Err(format!("outcome: answer y or n, not '{other}'")),
    };
    let mut criteria: Vec<(String, bool)> = policy
        .criteria
        .iter()
        .map(|c| (c.id.clone(), true))
        .collect();
    for part in disagreements.split([',', ' ']).filter(|p| !p.is_empty()) {
        let number: usize = part
            .parse()
            .map_err(|_| format!("criteria: '{part}' is not a criterion number"))?;
        let Some(entry) = criteria.get_mut(number.wrapping_sub(1)) else {
            return Err(format!("criteria: there is no criterion {number}"));
        };
        entry.1 = false;
    }
    Ok((outcome_agrees, criteria))
}
