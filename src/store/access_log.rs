//! The store's access log: who opened or viewed which case, when, from
//! where. One JSON object a line, each carrying the digest of the line
//! before, so a line edited, removed or inserted by hand breaks the chain.
//!
//! Viewing a case appends here and never rewrites the case file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::StoreError;
use super::fsutil::FILE_MODE;
use super::lock::{hostname, ssh_connection};
use crate::case::Reviewer;
use crate::clock;
use crate::digest::sha256_hex;

/// File name of the log inside the store directory.
pub const LOG_NAME: &str = "access.log";

/// A line longer than this is not one we wrote; reading stops there.
const MAX_LINE: u64 = 4 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reviewer: Reviewer,
    pub case_id: String,
    /// "open", "view", "show", "evaluate", ...
    pub action: String,
    /// The host, plus " via ssh <SSH_CONNECTION>" for an SSH session.
    pub from: String,
    /// Digest of the line before; "" for the first line.
    pub prev: String,
    /// SHA-256 of this entry serialized with `digest` empty.
    pub digest: String,
}

impl AccessEntry {
    /// An access by `reviewer` from this process, now. The store fills in
    /// `prev` and `digest` when it appends.
    pub fn new(reviewer: &Reviewer, case_id: &str, action: &str) -> AccessEntry {
        AccessEntry {
            at: clock::now(),
            reviewer: reviewer.clone(),
            case_id: case_id.to_string(),
            action: action.to_string(),
            from: from_here(),
            prev: String::new(),
            digest: String::new(),
        }
    }

    /// The digest this entry should carry; empty for an entry that cannot
    /// be written at all (a time outside the years RFC 3339 can hold).
    pub fn compute_digest(&self) -> String {
        let mut unsigned = self.clone();
        unsigned.digest.clear();
        serde_json::to_vec(&unsigned)
            .map(|bytes| sha256_hex(&bytes))
            .unwrap_or_default()
    }
}

/// Where this process is: "ws-12", or "ws-12 via ssh 10.0.0.5 51234 10.0.0.1 22".
pub fn from_here() -> String {
    let host = hostname();
    match ssh_connection() {
        Some(connection) => format!("{host} via ssh {connection}"),
        None => host,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccessLogIntegrity {
    Intact {
        entries: usize,
    },
    /// `line` counts from 1; 0 when the log could not be read at all.
    Broken {
        line: usize,
        reason: String,
    },
}

/// Appends `entry` chained to the last line, and returns it as written.
pub(crate) fn append(path: &Path, entry: &AccessEntry) -> Result<AccessEntry, StoreError> {
    let io_err = |error| StoreError::Io {
        location: path.display().to_string(),
        error,
    };
    let file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(FILE_MODE)
        .open(path)
        .map_err(io_err)?;
    // Two processes appending at once would both chain to the same last
    // line; the lock makes read-last-line-then-append one step. It is
    // released when `file` is closed.
    lock_exclusive(&file).map_err(io_err)?;
    let len = file.metadata().map_err(io_err)?.len();
    let (last, terminated) = last_line(&file, len).map_err(io_err)?;
    let prev = if last.is_empty() && len == 0 {
        String::new()
    } else {
        match serde_json::from_slice::<AccessEntry>(&last) {
            Ok(before) => before.digest,
            // A line we cannot read still gets chained to, by its bytes, so
            // what follows it is anchored; verify reports the line itself.
            Err(_) => sha256_hex(&last),
        }
    };
    let mut written = entry.clone();
    written.prev = prev;
    written.digest = written.compute_digest();
    let mut line = Vec::new();
    if !terminated {
        // The last append was cut short (a crash); start on a line of our own.
        line.push(b'\n');
    }
    let json = serde_json::to_vec(&written)
        .map_err(|err| io_err(io::Error::new(io::ErrorKind::InvalidInput, err)))?;
    line.extend(json);
    line.push(b'\n');
    (&file).write_all(&line).map_err(io_err)?;
    file.sync_data().map_err(io_err)?;
    Ok(written)
}

fn lock_exclusive(file: &File) -> io::Result<()> {
    loop {
        // SAFETY: the descriptor is open for the duration of the call.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}

/// The last line of a file of `len` bytes (without its newline), and
/// whether the file ends in a newline. Reads backwards, so a long log
/// costs no more than a short one.
fn last_line(file: &File, len: u64) -> io::Result<(Vec<u8>, bool)> {
    if len == 0 {
        return Ok((Vec::new(), true));
    }
    let mut tail: Vec<u8> = Vec::new();
    let mut start = len;
    let mut chunk = 4096u64;
    loop {
        let from = start.saturating_sub(chunk);
        let mut buf = vec![0u8; (start - from) as usize];
        file.read_exact_at(&mut buf, from)?;
        buf.extend_from_slice(&tail);
        tail = buf;
        start = from;
        let terminated = tail.last() == Some(&b'\n');
        let body = if terminated {
            &tail[..tail.len() - 1]
        } else {
            &tail[..]
        };
        if let Some(at) = body.iter().rposition(|&b| b == b'\n') {
            return Ok((body[at + 1..].to_vec(), terminated));
        }
        if start == 0 || len - start >= MAX_LINE {
            return Ok((body.to_vec(), terminated));
        }
        chunk = chunk.saturating_mul(2);
    }
}

fn read_log(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(StoreError::Io {
            location: path.display().to_string(),
            error,
        }),
    }
}

fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    body.split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(move |_| !bytes.is_empty())
}

/// The entries, oldest first, for one case or all. Lines that do not
/// parse are left out here; [`verify`] is what reports them.
pub(crate) fn read(path: &Path, case_id: Option<&str>) -> Result<Vec<AccessEntry>, StoreError> {
    let Some(bytes) = read_log(path)? else {
        return Ok(Vec::new());
    };
    Ok(lines(&bytes)
        .filter_map(|(_, line)| serde_json::from_slice::<AccessEntry>(line).ok())
        .filter(|e| case_id.is_none_or(|id| e.case_id == id))
        .collect())
}

/// Checks every line: that it parses, chains to the line before, and
/// still has the digest it was written with.
pub(crate) fn verify(path: &Path) -> AccessLogIntegrity {
    let bytes = match read_log(path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return AccessLogIntegrity::Intact { entries: 0 },
        Err(err) => {
            return AccessLogIntegrity::Broken {
                line: 0,
                reason: err.to_string(),
            };
        }
    };
    let mut prev = String::new();
    let mut count = 0;
    for (number, line) in lines(&bytes) {
        let broken = |reason: String| AccessLogIntegrity::Broken {
            line: number,
            reason,
        };
        let entry = match serde_json::from_slice::<AccessEntry>(line) {
            Ok(entry) => entry,
            Err(err) => return broken(format!("line {number} is not an access entry: {err}")),
        };
        if entry.prev != prev {
            return broken(format!(
                "line {number} does not chain to the line before it (a line was removed, inserted or changed)"
            ));
        }
        if entry.compute_digest() != entry.digest {
            return broken(format!("line {number} was changed after it was written"));
        }
        prev = entry.digest;
        count += 1;
    }
    AccessLogIntegrity::Intact { entries: count }
}
