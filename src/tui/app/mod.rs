//! The app's state and its one way of changing: [`App::handle`] takes an
//! [`Event`] (a key, a paste, the result of an effect), changes the state
//! and returns the [`Effect`]s to perform. It never touches the store or
//! the terminal, so a test drives the whole app with plain values.
//!
//! The handlers are split by concern: the queue, the intake, the review
//! and determination, drafts, the supervisor's acts, the overlays, and
//! what comes back from the store.

mod drafts;
mod intake;
mod overlays;
mod queue;
mod results;
mod review;
mod supervision;

use ratatui::crossterm::event::{KeyEvent, KeyEventKind};
use time::OffsetDateTime;

use super::Settings;
use super::effect::Effect;
use super::event::Event;
use super::keymap::{self, Context as KeyContext};
use super::overlay::Overlay;
use super::screens::case_view::CaseViewState;
use super::screens::dashboard::DashboardState;
use super::screens::intake::IntakeState;
use super::screens::queue::{QueueState, Wanted};
use super::theme::Theme;
use super::workspace::{WorkView, Workspace};
use crate::case::Role;
use crate::store::{CachedListing, DraftKey, Listing, LockHolder};

pub use drafts::DraftStatus;

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
    pub settings: Settings,
    pub theme: Theme,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub queue: QueueState,
    pub message: Option<Message>,
    /// This session, as its locks and drafts name it.
    pub holder: LockHolder,
    pub should_quit: bool,
    /// Set when the state changed since the last frame, so an idle app
    /// draws (and writes) nothing.
    pub needs_redraw: bool,
    /// The queue shows the store's cached head; the full listing is coming.
    pub listing_is_cached: bool,
    /// What the store is doing for this session, for the message row.
    pub working: Option<String>,
    /// A full listing is under way; another change meanwhile lists again
    /// once it is back (`relist_again`), so changes never queue listings.
    listing_under_way: bool,
    relist_again: bool,
    /// Where the open work's draft stands.
    pub draft: DraftStatus,
    /// Effects asked for while handling the current event.
    effects: Vec<Effect>,
    /// A draft of a session that is gone, to discard once this session
    /// has written the recovered work as its own draft.
    superseded_draft: Option<DraftKey>,
    /// The reason for a lock break under way, recorded once it is broken.
    pending_break: Option<String>,
    /// A key that panics, so tests can prove a panic restores the terminal
    /// and keeps the draft. Only in builds made for tests.
    fault_panic_key: Option<char>,
}

impl App {
    /// The app over `head`, the store's cached head of the queue when it
    /// has one (so the first frame needs no listing).
    pub fn new(settings: Settings, theme: Theme, head: Option<CachedListing>) -> App {
        let holder = LockHolder::current(settings.reviewer.clone());
        let now = (settings.now)();
        let listing_is_cached = head.is_some();
        let queue = match head {
            Some(head) => QueueState::from_cache(head, now),
            None => QueueState::new(Listing::default(), now),
        };
        let notes = settings.identity.notes.join("; ");
        let mut app = App {
            settings,
            theme,
            screen: Screen::Queue,
            overlay: None,
            queue,
            message: None,
            holder,
            should_quit: false,
            needs_redraw: true,
            listing_is_cached,
            working: None,
            listing_under_way: false,
            relist_again: false,
            draft: DraftStatus::default(),
            effects: Vec::new(),
            superseded_draft: None,
            pending_break: None,
            fault_panic_key: fault_panic_key(),
        };
        if !notes.is_empty() {
            app.info(notes);
        }
        app
    }

    /// What a session starts with: the full queue, the store's health and
    /// any of this reviewer's drafts that a lost session left behind.
    pub fn start(&mut self) -> Vec<Effect> {
        self.list_queue();
        self.effects.push(Effect::CheckStore);
        self.effects.push(Effect::FindDrafts {
            author: self.settings.reviewer.name.clone(),
            session: self.holder.session.clone(),
        });
        self.take_effects()
    }

    /// The one way the app changes.
    pub fn handle(&mut self, event: Event) -> Vec<Effect> {
        self.needs_redraw = true;
        match event {
            Event::Key(key) => self.key(key),
            Event::Paste(text) => self.paste(&text),
            Event::Resize => {}
            Event::AutosaveDue => self.autosave(),
            Event::Done(done) => self.done(*done),
            Event::StoreChanged(_) => self.store_changed(),
            Event::Stop(_) => self.shutdown(),
        }
        self.take_effects()
    }

    fn take_effects(&mut self) -> Vec<Effect> {
        self.ask_for_pages();
        std::mem::take(&mut self.effects)
    }

    /// The pages and counts a paged queue wants, asked of the store.
    pub(super) fn ask_for_pages(&mut self) {
        for wanted in self.queue.take_wanted() {
            self.effects.push(match wanted {
                Wanted::Page(query) => Effect::QueuePage(query),
                Wanted::Count(query) => Effect::CountQueue(query),
            });
        }
    }

    /// The store changed: the queue is read again, without a word on the
    /// message row (it is someone else's work, and it is routine).
    fn store_changed(&mut self) {
        self.effects.push(Effect::ReadLocks);
        if self.queue.paging.is_some() {
            self.queue.store_changed();
            return;
        }
        if self.listing_under_way {
            self.relist_again = true;
            return;
        }
        self.listing_under_way = true;
        self.effects.push(Effect::ListQueue);
    }

    fn key(&mut self, key: KeyEvent) {
        if key.kind != KeyEventKind::Press {
            return;
        }
        // A message answers the key before; left up, "Created ..." stayed on
        // screen through the whole review that followed it.
        self.message = None;
        if let Some(c) = self.fault_panic_key
            && key.code == ratatui::crossterm::event::KeyCode::Char(c)
        {
            panic!("fault injected by UMDESK_FAULT_PANIC_KEY");
        }
        if self.overlay.is_some() {
            self.overlay_key(key);
            return;
        }
        if self.text_input(key) {
            return;
        }
        if let Some(action) = keymap::action_for(self.key_context(), key) {
            self.update(action);
        }
    }

    /// Typing into the queue filter or an intake field takes the key
    /// before the screen's keys do.
    fn text_input(&mut self, key: KeyEvent) -> bool {
        match &self.screen {
            Screen::Queue if self.queue.filtering => self.filter_key(key),
            Screen::Intake(_) => self.intake_key(key),
            _ => false,
        }
    }

    pub fn update(&mut self, action: super::action::Action) {
        use super::action::Action;
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

    fn paste(&mut self, text: &str) {
        match &mut self.overlay {
            Some(Overlay::Editor { area, .. }) => {
                area.insert_str(text);
                let cut = area.was_truncated().then(|| area.max_bytes());
                self.work_changed();
                if let Some(max) = cut {
                    self.paste_cut(max);
                }
            }
            Some(Overlay::Prompt(prompt)) => {
                let focus = prompt.focus;
                let field = &mut prompt.fields[focus].1;
                field.insert_str(text);
                if field.was_truncated() {
                    let max = field.max_bytes();
                    self.paste_cut(max);
                }
            }
            Some(_) => {}
            None => match &mut self.screen {
                Screen::Queue if self.queue.filtering => {
                    self.queue.filter.insert_str(text);
                    self.queue.refilter();
                }
                Screen::Intake(intake) => {
                    let now = (self.settings.now)();
                    intake.paste(text, &self.settings.due_table, now);
                    self.work_changed();
                }
                _ => {}
            },
        }
    }

    /// A paste longer than the field may hold was cut: say so.
    fn paste_cut(&mut self, max_bytes: usize) {
        self.error(format!(
            "The paste was cut: this field holds at most {} KiB; the rest was not pasted",
            max_bytes / 1024
        ));
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
        self.settings.reviewer.role
    }

    fn now(&self) -> OffsetDateTime {
        (self.settings.now)()
    }

    /// The key table that applies to what is on screen now.
    pub fn key_context(&self) -> KeyContext {
        if let Some(overlay) = &self.overlay {
            return overlays::key_context(overlay);
        }
        match &self.screen {
            Screen::Queue if self.queue.filtering => KeyContext::QueueFilter,
            Screen::Queue => KeyContext::Queue,
            Screen::Intake(_) => KeyContext::Intake,
            Screen::Case(ws) if ws.view == WorkView::Determination => KeyContext::Determination,
            Screen::Case(_) => KeyContext::Review,
            Screen::CaseView(_) => KeyContext::CaseView,
            Screen::Dashboard(_) => KeyContext::Dashboard,
        }
    }

    /// The screen's key table under any overlay, for the help screen.
    pub fn screen_key_context(&self) -> KeyContext {
        match &self.screen {
            Screen::Queue => KeyContext::Queue,
            Screen::Intake(_) => KeyContext::Intake,
            Screen::Case(ws) if ws.view == WorkView::Determination => KeyContext::Determination,
            Screen::Case(_) => KeyContext::Review,
            Screen::CaseView(_) => KeyContext::CaseView,
            Screen::Dashboard(_) => KeyContext::Dashboard,
        }
    }

    /// Keys of this screen that can do nothing now: another role's acts,
    /// a choice of one, a lock that is not stale. The footer leaves them out.
    pub fn unavailable_actions(&self) -> Vec<super::action::Action> {
        use super::action::Action;
        use crate::rules::permissions::{Act, check};
        let role = self.role();
        match &self.screen {
            Screen::CaseView(view) => {
                let mut skip: Vec<Action> = [
                    (Action::QaReview, Act::QaReview),
                    (Action::Reopen, Act::ReopenForAmendment),
                    (Action::Reassign, Act::Reassign),
                    (Action::BreakLock, Act::BreakStaleLock),
                    (Action::HandOverDraft, Act::Reassign),
                    (Action::AcceptOutsideEdit, Act::ReopenForAmendment),
                ]
                .into_iter()
                .filter(|(_, act)| check(role, *act).is_err())
                .map(|(action, _)| action)
                .collect();
                if !view.lock_is_stale {
                    skip.push(Action::BreakLock);
                }
                if view.orphaned_drafts.is_empty() {
                    skip.push(Action::HandOverDraft);
                }
                if !view.edited_outside {
                    skip.push(Action::AcceptOutsideEdit);
                }
                skip
            }
            Screen::Case(ws) if ws.view == WorkView::Determination => {
                if ws.decisions(role).len() > 1 {
                    Vec::new()
                } else {
                    vec![Action::OptionNext, Action::OptionPrev]
                }
            }
            Screen::Queue => match check(role, Act::ViewStats) {
                Ok(()) => Vec::new(),
                Err(_) => vec![Action::Dashboard],
            },
            _ => Vec::new(),
        }
    }

    /// Does the open case or intake hold work that is not saved?
    pub fn has_unsaved_work(&self) -> bool {
        match &self.screen {
            Screen::Case(ws) => ws.is_unsaved(),
            Screen::Intake(intake) => intake.is_touched(),
            _ => false,
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
        match &mut self.screen {
            Screen::Queue => {
                if self.queue.status_filter.is_some() || !self.queue.filter.text.is_empty() {
                    self.queue.clear_filters();
                }
            }
            Screen::Case(ws) if ws.view == WorkView::Determination => ws.view = WorkView::Review,
            Screen::Case(ws) if ws.is_unsaved() => self.overlay = Some(Overlay::ConfirmLeave),
            Screen::Intake(intake) if intake.is_touched() => {
                self.overlay = Some(Overlay::ConfirmLeave)
            }
            _ => self.to_queue(),
        }
    }

    /// Back to the queue, letting go of whatever case was open.
    pub fn to_queue(&mut self) {
        self.leave_case();
        self.screen = Screen::Queue;
        self.list_queue();
    }
}

/// `UMDESK_FAULT_PANIC_KEY`, read only in builds made for tests.
#[cfg(any(test, feature = "test-support"))]
fn fault_panic_key() -> Option<char> {
    std::env::var("UMDESK_FAULT_PANIC_KEY")
        .ok()
        .and_then(|k| k.chars().next())
}

#[cfg(not(any(test, feature = "test-support")))]
fn fault_panic_key() -> Option<char> {
    None
}
