//! A few idle connections kept for reuse: the threads of a session (and
//! the sessions of a server) each take one, instead of queueing on one
//! connection behind a mutex.

use std::ops::{Deref, DerefMut};
use std::sync::Mutex;

use ::postgres::Client;

use crate::store::StoreError;

/// Idle connections kept beyond this many are closed: a server's burst of
/// sessions does not keep its connections for ever.
const MAX_IDLE: usize = 8;

pub struct Pool {
    idle: Mutex<Vec<Client>>,
}

impl Pool {
    pub fn new(first: Client) -> Pool {
        Pool {
            idle: Mutex::new(vec![first]),
        }
    }

    /// An idle connection that is still open, or a new one from `connect`.
    pub fn take(
        &self,
        connect: impl FnOnce() -> Result<Client, StoreError>,
    ) -> Result<Pooled<'_>, StoreError> {
        let reused = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            // One the server closed (a restart, a killed backend) is dropped.
            idle.retain(|client| !client.is_closed());
            idle.pop()
        };
        let client = match reused {
            Some(client) => client,
            None => connect()?,
        };
        Ok(Pooled {
            pool: self,
            client: Some(client),
        })
    }
}

/// A connection taken from the pool.
pub struct Pooled<'a> {
    pool: &'a Pool,
    client: Option<Client>,
}

impl Deref for Pooled<'_> {
    type Target = Client;

    fn deref(&self) -> &Client {
        self.client.as_ref().expect("only taken in drop")
    }
}

impl DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        self.client.as_mut().expect("only taken in drop")
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        // A connection left inside a transaction (a panic mid-way) or
        // closed is not reused.
        if client.is_closed() {
            return;
        }
        let mut idle = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(client);
        }
    }
}
