//! Live queues from the database: a watch LISTENs on `umdesk_queue`, which
//! the triggers of schema 3 notify on every change to a case or its edit
//! lock, from any process on any machine. The watch's own thread blocks
//! until the server speaks: no polling, no wake-ups while nothing changes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ::postgres::fallible_iterator::FallibleIterator;
use ::postgres::{Client, NoTls};

use super::{PostgresStore, connect, db_error};
use crate::store::StoreError;
use crate::store::watch::{Wake, Watching};

/// The channel the triggers announce on.
const CHANNEL: &str = "umdesk_queue";

/// How long a watch whose connection dropped waits before it reconnects.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

impl PostgresStore {
    pub(super) fn listen(&self, wake: Wake) -> Result<Watching, StoreError> {
        let (client, stop_channel) = listening(&self.url, &self.location)?;
        let stopped = Arc::new(AtomicBool::new(false));
        let stop_channel = Arc::new(Mutex::new(stop_channel));
        let url = self.url.clone();
        let location = self.location.clone();
        let watcher = Watcher {
            stopped: Arc::clone(&stopped),
            stop_channel: Arc::clone(&stop_channel),
        };
        std::thread::Builder::new()
            .name("umdesk-watch".to_string())
            .spawn(move || watcher.watch(client, &url, &location, &wake))
            .map_err(|error| StoreError::Io {
                location: self.location.clone(),
                error,
            })?;
        let url = self.url.clone();
        Ok(Watching::new(move || {
            stopped.store(true, Ordering::SeqCst);
            // Wakes the thread's blocked read; if this fails the thread
            // ends at the next notice or when its connection drops.
            let channel = stop_channel
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            if let Ok(mut client) = Client::connect(&url, NoTls) {
                let _ = client.execute("SELECT pg_notify($1, '')", &[&channel]);
            }
        }))
    }
}

/// What the watch's thread shares with the one who stops it.
struct Watcher {
    stopped: Arc<AtomicBool>,
    /// The channel that wakes this watch's connection alone: named for its
    /// server process, unique on the server while it lives.
    stop_channel: Arc<Mutex<String>>,
}

/// A new connection LISTENing on the queue's channel and on its own stop
/// channel, whose name it returns.
fn listening(url: &str, location: &str) -> Result<(Client, String), StoreError> {
    let mut client = connect(url, location)?;
    let pid: i32 = client
        .query_one("SELECT pg_backend_pid()", &[])
        .map_err(|e| db_error(location, &e))?
        .get(0);
    let stop_channel = format!("umdesk_stop_{pid}");
    client
        .batch_execute(&format!("LISTEN {CHANNEL}; LISTEN {stop_channel}"))
        .map_err(|e| db_error(location, &e))?;
    Ok((client, stop_channel))
}

impl Watcher {
    fn watch(&self, mut client: Client, url: &str, location: &str, wake: &Wake) {
        while !self.stopped.load(Ordering::SeqCst) {
            let notice = client.notifications().blocking_iter().next();
            match notice {
                Ok(Some(notice)) if notice.channel() == CHANNEL => wake(notice.payload()),
                Ok(Some(_)) => {}
                // The connection is gone (a restart, a killed backend): come
                // back, and have the queue read again for what was missed.
                Ok(None) | Err(_) => match self.reconnect(url, location) {
                    Some(again) => {
                        client = again;
                        wake("");
                    }
                    None => return,
                },
            }
        }
    }

    /// A listening connection again, or None once the watch is stopped.
    fn reconnect(&self, url: &str, location: &str) -> Option<Client> {
        loop {
            if self.stopped.load(Ordering::SeqCst) {
                return None;
            }
            std::thread::sleep(RECONNECT_AFTER);
            if let Ok((client, channel)) = listening(url, location) {
                *self.stop_channel.lock().unwrap_or_else(|e| e.into_inner()) = channel;
                return Some(client);
            }
        }
    }
}
