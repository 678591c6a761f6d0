//! The interactive workstation: keys become actions, actions change the
//! app's state, state is drawn as a frame. Nothing here decides a case;
//! it asks `rules` and saves through `store`.

pub mod action;
pub mod app;
pub mod backend;
pub mod keymap;
pub mod overlay;
pub mod screens;
mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;
pub mod workspace;

use time::OffsetDateTime;

use crate::case::Reviewer;
use crate::case::due::DueTable;
use crate::policy::LoadedPolicy;
use crate::store::CaseStore;

/// Everything a session of the app works with.
pub struct Context {
    pub store: Box<dyn CaseStore>,
    pub policy: LoadedPolicy,
    pub reviewer: Reviewer,
    pub due_table: DueTable,
    /// A lock older than this may be broken by a supervisor.
    pub stale_lock_after: time::Duration,
    /// The clock; tests pass a fixed one.
    pub now: fn() -> OffsetDateTime,
}

/// Runs the app in the terminal until the reviewer quits.
pub fn run(context: Context) -> Result<(), String> {
    let app = app::App::new(context, theme::Theme::from_env());
    terminal::run(app).map_err(|e| format!("terminal: {e}"))
}
