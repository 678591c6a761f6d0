//! The interactive workstation: keys become actions, actions change the
//! app's state and ask for effects, state is drawn as a frame. Nothing
//! here decides a case; it asks `rules`, and the runner saves through
//! `store`.
//!
//! A key's way: the session's input ([`event::Event`]) → [`app::App::handle`]
//! (via [`keymap`] to an [`action::Action`]) → new state and
//! [`effect::Effect`]s → [`runner`] performs them against the store →
//! their results come back as events → [`view::render`] draws the state.

pub mod action;
pub mod app;
pub mod backend;
pub mod effect;
pub mod event;
pub mod input;
pub mod keymap;
pub mod overlay;
pub mod runner;
pub mod screens;
pub mod session;
mod terminal;
pub mod theme;
pub mod view;
pub mod widgets;
pub mod workspace;

use std::sync::Arc;

use time::OffsetDateTime;

use crate::case::Reviewer;
use crate::case::due::DueTable;
use crate::policy::LoadedPolicy;
use crate::store::CaseStore;

/// Cases of the cached listing shown on the first frame: more rows than
/// any terminal has, and few enough to decode in well under a millisecond.
pub const FIRST_SCREEN: usize = 500;

/// What a session of the app works with, besides the store.
pub struct Settings {
    pub policy: LoadedPolicy,
    pub reviewer: Reviewer,
    pub due_table: DueTable,
    /// A lock older than this, whose holder cannot be checked, may be
    /// broken by a supervisor.
    pub stale_lock_after: time::Duration,
    /// The clock; tests pass a fixed one.
    pub now: fn() -> OffsetDateTime,
    /// How the reviewer is known: from the store's roster, or on trust.
    pub identity: Trust,
}

/// How the session's reviewer is known, and how their acts are signed.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    /// The roster vouches for the reviewer; false: taken on trust.
    pub verified: bool,
    /// "os user pat", "ssh key SHA256:…", "unverified: no roster".
    pub how: String,
    /// What signs decisions, amendments and QA reviews: a private key
    /// file, or a forwarded SSH agent (None: nothing to try).
    pub signer: Option<crate::identity::signing::Signer>,
    /// The store has a roster, so every such act must be signed.
    pub signature_required: bool,
    /// What was set aside while settling who is reviewing, to say once.
    pub notes: Vec<String>,
    /// The reviewers on the store's roster (empty without one): a case is
    /// reassigned to one of them, spelled as the roster spells them.
    pub roster: Vec<String>,
}

/// Runs the app in this process's terminal until the reviewer quits.
pub fn run(store: Arc<dyn CaseStore>, settings: Settings) -> Result<(), String> {
    run_with_message(store, settings, None)
}

/// As [`run`], with `message` on the first screen (where the demo's store
/// is, for one): what is printed before the screen switches is gone from
/// view once it has.
pub fn run_with_message(
    store: Arc<dyn CaseStore>,
    settings: Settings,
    message: Option<String>,
) -> Result<(), String> {
    // The first frame comes from the store's cached head of the queue; the
    // full listing follows once it is on screen.
    let head = store.list_cached(FIRST_SCREEN);
    let mut app = app::App::new(settings, theme::Theme::from_env(), head);
    if let Some(message) = message {
        app.info(message);
    }
    terminal::run(app, store).map_err(|e| format!("terminal: {e}"))
}
