//! Edit locks: who holds a case open for editing, from where, since when.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::case::Reviewer;
use crate::store::actor;

/// The editor holding a lock. Host and process together name the holder:
/// the same reviewer in two terminals holds two different locks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockHolder {
    pub reviewer: Reviewer,
    pub host: String,
    pub pid: u32,
    /// `SSH_CONNECTION` of the holder's session, when it came over SSH.
    #[serde(default)]
    pub connection: Option<String>,
    /// The app session within the process: one process may serve many
    /// reviewers (the SSH server), each its own session.
    #[serde(default)]
    pub session: String,
}

impl LockHolder {
    /// A new session of this process, working as `reviewer`.
    pub fn current(reviewer: Reviewer) -> LockHolder {
        let pid = std::process::id();
        LockHolder {
            reviewer,
            host: hostname(),
            pid,
            connection: ssh_connection(),
            session: new_session_id(pid),
        }
    }

    /// Whether `other` is this very editor (same host, process and session).
    pub fn same_as(&self, other: &LockHolder) -> bool {
        self.host == other.host && self.pid == other.pid && self.session == other.session
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockInfo {
    pub holder: LockHolder,
    #[serde(with = "time::serde::rfc3339")]
    pub since: OffsetDateTime,
}

impl LockInfo {
    /// "Locked by Dana Whitfield, RN (nurse) on host ws-12, process 4242,
    /// since 2026-12-01T09:14:03-05:00", for the read-only banner.
    pub fn describe(&self) -> String {
        let holder = &self.holder;
        let since = self
            .since
            .replace_nanosecond(0)
            .unwrap_or(self.since)
            .format(&Rfc3339)
            .unwrap_or_else(|_| self.since.to_string());
        let mut text = format!(
            "Locked by {} on host {}, process {}, since {since}",
            actor(&holder.reviewer),
            holder.host,
            holder.pid
        );
        if let Some(connection) = &holder.connection {
            text.push_str(&format!(" (via ssh {connection})"));
        }
        text
    }

    /// A lock nobody can be using any more: its process is gone from this
    /// host, or it is older than `max_age` (a holder on another host cannot
    /// be checked, so age is all there is to go on).
    pub fn is_stale(&self, now: OffsetDateTime, max_age: time::Duration, this_host: &str) -> bool {
        if self.holder.host == this_host && !process_alive(self.holder.pid) {
            return true;
        }
        now - self.since > max_age
    }
}

/// Whether a process with this id exists on this host.
pub fn process_alive(pid: u32) -> bool {
    // 0 and negative ids address process groups in kill(2): never a holder.
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        // EPERM: it exists but belongs to someone else.
        Err(err) => err != rustix::io::Errno::SRCH,
    }
}

/// This machine's name, as locks and the access log record it.
pub fn hostname() -> String {
    let uname = rustix::system::uname();
    let name = uname.nodename().to_string_lossy().into_owned();
    if name.is_empty() {
        "unknown-host".to_string()
    } else {
        name
    }
}

/// The SSH session this process runs in, if any.
pub fn ssh_connection() -> Option<String> {
    std::env::var("SSH_CONNECTION")
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
}

/// A session id unique on this host: the process, its start time and a
/// counter, so two sessions of one process (or a reused process id) never
/// share one.
fn new_session_id(pid: u32) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{pid}-{started:x}-{n}")
}
