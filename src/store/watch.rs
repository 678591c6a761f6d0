//! Live queues: whoever watches a store is told, within a second and
//! without polling, when anyone creates, saves, locks or unlocks a case.
//!
//! The PostgreSQL store hears it from the database (LISTEN/NOTIFY), so
//! every process on every machine is told. The file and in-memory stores
//! tell the sessions of their own process ([`Watchers`]): every reviewer
//! of one `umdesk serve`, or the sessions of a test.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Called with the id of the case that changed. It runs on the store's
/// thread, so it only passes the news on (sends an event).
pub type Wake = Box<dyn Fn(&str) + Send + Sync>;

/// A watch on a store; dropping it ends the watch.
pub struct Watching {
    stop: Option<Box<dyn FnOnce() + Send>>,
}

impl Watching {
    pub fn new(stop: impl FnOnce() + Send + 'static) -> Watching {
        Watching {
            stop: Some(Box::new(stop)),
        }
    }

    /// A watch that is never told anything: a store with nobody else on
    /// it (the command line's).
    pub fn inert() -> Watching {
        Watching { stop: None }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop();
        }
    }
}

/// The watchers of one store in this process.
#[derive(Default)]
pub struct Watchers {
    next: AtomicU64,
    wakes: Mutex<Vec<(u64, Arc<Wake>)>>,
}

impl Watchers {
    pub fn new() -> Arc<Watchers> {
        Arc::new(Watchers::default())
    }

    pub fn add(self: &Arc<Watchers>, wake: Wake) -> Watching {
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        self.wakes().push((number, Arc::new(wake)));
        let watchers = Arc::downgrade(self);
        Watching::new(move || {
            if let Some(watchers) = watchers.upgrade() {
                watchers.wakes().retain(|(n, _)| *n != number);
            }
        })
    }

    /// Tells every watcher that case `id` changed.
    pub fn tell(&self, id: &str) {
        // Called outside the list's lock: a wake may take its time.
        let wakes: Vec<Arc<Wake>> = self.wakes().iter().map(|(_, w)| Arc::clone(w)).collect();
        for wake in wakes {
            wake(id);
        }
    }

    fn wakes(&self) -> std::sync::MutexGuard<'_, Vec<(u64, Arc<Wake>)>> {
        self.wakes.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl std::fmt::Debug for Watchers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Watchers({})", self.wakes().len())
    }
}
