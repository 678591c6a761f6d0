//! The queue: moving, filtering, and opening cases from it.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::{App, Screen};
use crate::rules::permissions::{Act, check};
use crate::tui::action::Action;
use crate::tui::effect::{Effect, OpenRequest};
use crate::tui::screens::intake::IntakeState;

impl App {
    pub(super) fn update_queue(&mut self, action: Action) {
        match action {
            Action::Up => self.queue.move_selection(-1),
            Action::Down => self.queue.move_selection(1),
            Action::PageUp => self.queue.move_selection(-10),
            Action::PageDown => self.queue.move_selection(10),
            Action::Filter => self.queue.filtering = true,
            Action::CycleStatusFilter => self.queue.cycle_status(),
            Action::Refresh => self.list_queue(),
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

    /// A key while the filter is being typed.
    pub(super) fn filter_key(&mut self, key: KeyEvent) -> bool {
        match crate::tui::keymap::action_for(crate::tui::keymap::Context::QueueFilter, key) {
            Some(Action::Submit) => self.queue.filtering = false,
            Some(Action::Cancel) => {
                self.queue.filtering = false;
                self.queue.filter.clear();
                self.queue.refilter();
            }
            Some(Action::Up | Action::Down) => {
                // The filter stays; the keys move the selection.
                self.queue.filtering = false;
                return false;
            }
            _ => {
                if key.code == KeyCode::Enter {
                    return true;
                }
                if self.queue.filter.handle(key) {
                    self.queue.refilter();
                }
            }
        }
        true
    }

    /// Asks for the whole queue; the screen says it is coming.
    pub fn list_queue(&mut self) {
        if self.queue.paging.is_some() {
            self.queue.store_changed();
        } else {
            self.working = Some("Listing the queue…".to_string());
            self.listing_under_way = true;
            self.effects.push(Effect::ListQueue);
        }
        // Who holds which case is read with every listing.
        self.effects.push(Effect::ReadLocks);
    }

    fn start_intake(&mut self) {
        if let Err(reason) = check(self.role(), Act::CreateCase) {
            self.error(reason);
            return;
        }
        let now = self.now();
        self.screen = Screen::Intake(Box::new(IntakeState::new(now, &self.settings.due_table)));
    }

    /// Asks to open a case for editing; the role, its status and its lock
    /// decide whether it opens read-only instead.
    pub fn open_case(&mut self, id: &str) {
        self.working = Some(format!("Opening {id}…"));
        let request = self.open_request(id, None);
        self.effects.push(Effect::Open(request));
    }

    pub(super) fn open_request(&self, id: &str, recovering: Option<String>) -> OpenRequest {
        OpenRequest {
            id: id.to_string(),
            holder: self.holder.clone(),
            role: self.role(),
            stale_after: self.settings.stale_lock_after,
            now: self.now(),
            recovering,
        }
    }

    /// Asks to show a case read-only, with its history.
    pub fn view_case(&mut self, id: &str, banner: Option<String>) {
        self.working = Some(format!("Opening {id}…"));
        self.effects.push(Effect::View {
            id: id.to_string(),
            holder: self.holder.clone(),
            banner,
            now: self.now(),
            stale_after: self.settings.stale_lock_after,
        });
    }

    fn open_dashboard(&mut self) {
        if let Err(reason) = check(self.role(), Act::ViewStats) {
            self.error(reason);
            return;
        }
        self.working = Some("Computing the dashboard…".to_string());
        self.effects.push(Effect::Dashboard { now: self.now() });
    }

    pub(super) fn update_dashboard(&mut self, action: Action) {
        if action == Action::Refresh {
            self.open_dashboard();
        }
    }
}
