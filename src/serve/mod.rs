//! `umdesk serve`: the workstation over SSH, built in. One process serves
//! every reviewer: each connection that authenticates with a key on the
//! store's roster gets its own session of the app ([`crate::tui::session`])
//! over the shared store, drawn into its SSH channel.
//!
//! - [`host_key`]: the server's Ed25519 host key, made once, owner-only.
//! - [`auth`]: who gets in (the roster's keys), and the access log of
//!   every attempt.
//! - [`limits`]: the per-address rate limit and the session slots.
//! - [`connection`]: one SSH connection (russh's handler).
//! - [`terminal`]: one session of the app on an SSH channel: its input
//!   decoded, its output bounded.
//! - [`agent`]: signing with the reviewer's forwarded SSH agent.
//! - [`exec`]: `ssh host list`: the read-only commands a connection
//!   without a terminal may run.
//!
//! The app stays synchronous: each session runs on its own thread, and
//! the async server only moves bytes and events between them.

pub mod agent;
pub mod auth;
mod connection;
pub mod exec;
pub mod host_key;
pub mod limits;
mod terminal;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::identity::Identity;
use crate::identity::signing::Signer;
use crate::store::CaseStore;
use crate::tui::event::Event;

/// What `umdesk serve` was asked for.
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: String,
    /// The host key file; made there when missing.
    pub host_key: PathBuf,
    /// Anyone is let in, each connection on its own copy of the samples.
    pub demo: bool,
    /// A session without a key from its client for this long is ended.
    pub idle_timeout: Option<Duration>,
    /// Sessions (terminals) open at once.
    pub max_sessions: usize,
    /// Connection attempts per address per minute.
    pub rate_limit: u32,
}

/// The default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:2222";

/// What the command line gives the server: the store, the app's settings
/// for a reviewer, and the commands a connection may run.
pub trait Desk: Send + Sync + 'static {
    /// The shared store, or for the demo a fresh one per connection.
    fn store_for_session(&self) -> Result<SessionStore, String>;
    /// The store whose roster says who gets in (None in the demo).
    fn roster_store(&self) -> Option<Arc<dyn CaseStore>>;
    /// The app's settings for `identity` on `store`, signing with `signer`.
    fn app_settings(
        &self,
        identity: Identity,
        signer: Option<Signer>,
        store: &dyn CaseStore,
    ) -> crate::tui::Settings;
    /// Runs a read-only subcommand as `identity` (already allowed by
    /// [`exec::allowed`]) for the connection `connection` ("ADDR PORT
    /// ADDR PORT", as `SSH_CONNECTION` has it).
    fn exec(&self, identity: &Identity, words: &[String], connection: &str) -> exec::Output;
}

/// A session's store, and what to do when the session is over (the demo
/// throws its copy away).
pub struct SessionStore {
    pub store: Arc<dyn CaseStore>,
    pub cleanup: Option<Box<dyn FnOnce() + Send>>,
}

impl Drop for SessionStore {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup();
        }
    }
}

/// The sessions open now, each reachable to be told to stop.
#[derive(Default)]
pub(crate) struct Sessions {
    next: AtomicU64,
    open: Mutex<HashMap<u64, std::sync::mpsc::Sender<Event>>>,
}

impl Sessions {
    pub(crate) fn add(&self, events: std::sync::mpsc::Sender<Event>) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.lock().insert(id, events);
        id
    }

    pub(crate) fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    pub(crate) fn count(&self) -> usize {
        self.lock().len()
    }

    /// Tells every session to stop, keeping its draft.
    pub(crate) fn stop_all(&self, reason: &str) {
        for events in self.lock().values() {
            let _ = events.send(Event::Stop(reason.to_string()));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, std::sync::mpsc::Sender<Event>>> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Everything the connections share.
pub(crate) struct Shared {
    pub options: Options,
    pub desk: Arc<dyn Desk>,
    pub sessions: Sessions,
    pub slots: limits::Slots,
    pub rate: limits::RateLimit,
    pub runtime: tokio::runtime::Handle,
    /// Closed when the server shuts down: no new session starts.
    pub closing: std::sync::atomic::AtomicBool,
    /// TCP connections open now, signed in or not.
    pub connections: std::sync::atomic::AtomicUsize,
}

/// What the server says at start, for people and for tests.
pub struct Started {
    pub address: SocketAddr,
    pub fingerprint: String,
}

/// Runs the server until SIGTERM or SIGINT; then every session is stopped
/// (its draft kept, its client told why) and the function returns.
pub fn run(
    options: Options,
    desk: Arc<dyn Desk>,
    on_start: impl FnOnce(&Started),
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("umdesk-serve")
        .enable_all()
        .build()
        .map_err(|err| format!("cannot start the server: {err}"))?;
    let host_key = host_key::load_or_create(&options.host_key)?;
    let fingerprint = host_key::fingerprint(&host_key)?;
    let shared = Arc::new(Shared {
        slots: limits::Slots::new(options.max_sessions),
        rate: limits::RateLimit::per_minute(options.rate_limit),
        options,
        desk,
        sessions: Sessions::default(),
        runtime: runtime.handle().clone(),
        closing: std::sync::atomic::AtomicBool::new(false),
        connections: std::sync::atomic::AtomicUsize::new(0),
    });
    runtime.block_on(connection::serve(shared, host_key, fingerprint, on_start))
}
