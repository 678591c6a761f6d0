//! The server's limits: how many sessions at once, and how many
//! connection attempts an address may make in a minute.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Sessions open at once, up to a maximum.
pub struct Slots {
    max: usize,
    taken: Arc<AtomicUsize>,
}

/// A session's place; given back when dropped.
pub struct Slot {
    taken: Arc<AtomicUsize>,
}

impl Slots {
    pub fn new(max: usize) -> Slots {
        Slots {
            max,
            taken: Arc::new(AtomicUsize::new(0)),
        }
    }

    pub fn max(&self) -> usize {
        self.max
    }

    /// A place, if one is free.
    pub fn take(&self) -> Option<Slot> {
        let taken = self
            .taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < self.max).then_some(n + 1)
            });
        taken.ok().map(|_| Slot {
            taken: Arc::clone(&self.taken),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.taken.fetch_sub(1, Ordering::AcqRel);
    }
}

/// At most `limit` connection attempts per address in any minute.
pub struct RateLimit {
    limit: u32,
    window: Duration,
    attempts: Mutex<HashMap<IpAddr, Vec<Instant>>>,
}

/// What the rate limit says of one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    Allowed,
    /// Refused; `first` is true for the first refusal of this run of
    /// them (the one worth a line in the access log).
    Refused {
        first: bool,
    },
}

impl RateLimit {
    pub fn per_minute(limit: u32) -> RateLimit {
        RateLimit::new(limit, Duration::from_secs(60))
    }

    pub fn new(limit: u32, window: Duration) -> RateLimit {
        RateLimit {
            limit,
            window,
            attempts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt from `address` at `now`.
    pub fn attempt(&self, address: IpAddr, now: Instant) -> Attempt {
        let mut attempts = self.attempts.lock().unwrap_or_else(|e| e.into_inner());
        // Addresses that have gone quiet are forgotten, so the map stays
        // as small as the set of recent callers.
        if attempts.len() > 1024 {
            attempts.retain(|_, times| times.last().is_some_and(|t| now - *t < self.window));
        }
        let times = attempts.entry(address).or_default();
        times.retain(|t| now.saturating_duration_since(*t) < self.window);
        let recent = times.len();
        // Refused attempts are counted too (up to twice the limit), so a
        // caller that keeps hammering stays refused.
        if recent < 2 * self.limit as usize {
            times.push(now);
        }
        if recent < self.limit as usize {
            Attempt::Allowed
        } else {
            Attempt::Refused {
                first: recent == self.limit as usize,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_given_back() {
        let slots = Slots::new(2);
        let a = slots.take().unwrap();
        let _b = slots.take().unwrap();
        assert!(slots.take().is_none());
        drop(a);
        assert!(slots.take().is_some());
    }

    #[test]
    fn an_address_over_its_limit_is_refused_until_the_minute_passes() {
        let limit = RateLimit::new(3, Duration::from_secs(60));
        let here: IpAddr = "10.0.0.5".parse().unwrap();
        let other: IpAddr = "10.0.0.6".parse().unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limit.attempt(here, start), Attempt::Allowed);
        }
        assert_eq!(limit.attempt(here, start), Attempt::Refused { first: true });
        assert_eq!(
            limit.attempt(here, start),
            Attempt::Refused { first: false }
        );
        assert_eq!(limit.attempt(other, start), Attempt::Allowed);
        let later = start + Duration::from_secs(61);
        assert_eq!(limit.attempt(here, later), Attempt::Allowed);
    }
}
