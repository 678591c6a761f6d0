//! The store's access log: who opened or viewed which case, when, from
//! where. One JSON object a line, each carrying the digest of the line
//! before, so a line edited, removed or inserted by hand breaks the chain.
//!
//! Viewing a case appends here and never rewrites the case file.
//!
//! After each append the log's head (how many entries, the last digest)
//! is written to [`HEAD_NAME`], so that a log cut short at its end, or
//! deleted, no longer looks like a shorter or a new log.

use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::fsutil::{self, Access};
use super::lock::{hostname, ssh_connection};
use super::{AccessLogHead, StoreError};
use crate::case::Reviewer;
use crate::clock;
use crate::digest::sha256_hex;

/// File name of the log inside the store directory.
pub const LOG_NAME: &str = "access.log";

/// File name of the log's recorded head, beside the log.
pub const HEAD_NAME: &str = "access.head";

/// The head file holds one small JSON object; anything larger is not ours.
const MAX_HEAD: u64 = 4096;

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

/// Appends `entry` chained to the last whole entry, and returns it as
/// written. All or nothing: if the entry cannot be written whole (a full
/// disk), the log is cut back to the last whole entry and the write error
/// comes back, so a failed append never reads as tampering later.
pub(crate) fn append(path: &Path, entry: &AccessEntry) -> Result<AccessEntry, StoreError> {
    let io_err = |error| StoreError::Io {
        location: path.display().to_string(),
        error,
    };
    let file = fsutil::open_private(path, Access::Append).map_err(io_err)?;
    // Two processes appending at once would both chain to the same last
    // line; the lock makes read-last-line-then-append one step. It is
    // released when `file` is closed.
    fsutil::lock_exclusive(&file).map_err(io_err)?;
    let len = file.metadata().map_err(io_err)?.len();
    let (start, last, terminated) = last_line(&file, len).map_err(io_err)?;
    let mut line = Vec::new();
    let (len, last) = if terminated || serde_json::from_slice::<AccessEntry>(&last).is_ok() {
        if !terminated {
            // A whole entry whose newline was lost: end its line.
            line.push(b'\n');
        }
        (len, last)
    } else {
        // The rest of an append cut short by a crash: never an entry, so
        // the log goes back to the last whole one.
        file.set_len(start).map_err(io_err)?;
        let (_, last, _) = last_line(&file, start).map_err(io_err)?;
        (start, last)
    };
    let prev = if len == 0 {
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
    let json = serde_json::to_vec(&written)
        .map_err(|err| io_err(io::Error::new(io::ErrorKind::InvalidInput, err)))?;
    line.extend(json);
    line.push(b'\n');
    let appended = fsutil::write_bytes(&file, &line).and_then(|()| file.sync_data());
    if let Err(error) = appended {
        // Whatever part of the entry reached the file is taken back.
        let _ = file.set_len(len).and_then(|()| file.sync_data());
        return Err(io_err(error));
    }
    let entries = entries_before(path, &file, len, &written.prev)? + 1;
    let head = AccessLogHead {
        entries,
        digest: written.digest.clone(),
    };
    write_head(path, &head)?;
    Ok(written)
}

fn head_path(log: &Path) -> std::path::PathBuf {
    log.with_file_name(HEAD_NAME)
}

/// How many entries the first `len` bytes of the log hold, whose last
/// digest is `prev`: one more than the recorded head when that head is the
/// last entry (the usual case), else counted.
fn entries_before(path: &Path, file: &File, len: u64, prev: &str) -> Result<u64, StoreError> {
    if len == 0 {
        return Ok(0);
    }
    if let Ok(Some(head)) = read_head(path)
        && head.digest == prev
    {
        return Ok(head.entries);
    }
    // No head yet (a log from before heads), or one left behind by a
    // crash between the append and its head: count once.
    let mut bytes = vec![0u8; len as usize];
    file.read_exact_at(&mut bytes, 0)
        .map_err(|error| StoreError::Io {
            location: path.display().to_string(),
            error,
        })?;
    Ok(lines(&bytes).count() as u64)
}

/// Records the head. Written after the entry is on disk, so a crash leaves
/// a head no further than the log; a head behind the log is fine.
fn write_head(log: &Path, head: &AccessLogHead) -> Result<(), StoreError> {
    let path = head_path(log);
    let json = serde_json::to_vec(head).map_err(|err| StoreError::Io {
        location: path.display().to_string(),
        error: io::Error::new(io::ErrorKind::InvalidInput, err),
    })?;
    // No wait for the disk: the entry it describes was synced first, so
    // whichever version of the head survives a power cut, it is not ahead
    // of the log.
    fsutil::write_private_nosync(&path, &json).map_err(|error| StoreError::Io {
        location: path.display().to_string(),
        error,
    })
}

/// The recorded head of the log at `log`; None when none was recorded.
/// A head file that is not one is an error naming it: it is evidence, not
/// a cache.
pub(crate) fn read_head(log: &Path) -> Result<Option<AccessLogHead>, StoreError> {
    let path = head_path(log);
    let shown = path.display().to_string();
    let file = match fsutil::open_private(&path, Access::Read) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(StoreError::Io {
                location: shown,
                error,
            });
        }
    };
    let mut bytes = Vec::new();
    file.take(MAX_HEAD)
        .read_to_end(&mut bytes)
        .map_err(|error| StoreError::Io {
            location: shown.clone(),
            error,
        })?;
    serde_json::from_slice(&bytes).map(Some).map_err(|err| {
        StoreError::Unreadable(super::Unreadable {
            location: shown,
            reason: format!("not the access log's recorded head ({err})"),
        })
    })
}

/// The last line of a file of `len` bytes: where it starts, its bytes
/// (without the newline), and whether the file ends in a newline. Reads
/// backwards, so a long log costs no more than a short one.
fn last_line(file: &File, len: u64) -> io::Result<(u64, Vec<u8>, bool)> {
    if len == 0 {
        return Ok((0, Vec::new(), true));
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
            return Ok((start + at as u64 + 1, body[at + 1..].to_vec(), terminated));
        }
        if start == 0 || len - start >= MAX_LINE {
            return Ok((start, body.to_vec(), terminated));
        }
        chunk = chunk.saturating_mul(2);
    }
}

fn read_log(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    let io_err = |error| StoreError::Io {
        location: path.display().to_string(),
        error,
    };
    let mut file = match fsutil::open_private(path, Access::Read) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(io_err(error)),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io_err)?;
    Ok(Some(bytes))
}

/// The whole lines of the log, numbered from 1. What follows the last
/// newline and is not an entry is the rest of an append cut short (a
/// crash): it was never recorded, so it is not a line.
fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let body = match bytes.strip_suffix(b"\n") {
        Some(body) => body,
        None => without_torn_tail(bytes),
    };
    body.split(|&b| b == b'\n')
        .enumerate()
        .map(|(i, line)| (i + 1, line))
        .filter(move |_| !body.is_empty())
}

fn without_torn_tail(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |at| at + 1);
    if serde_json::from_slice::<AccessEntry>(&bytes[start..]).is_ok() {
        bytes
    } else {
        bytes[..start]
            .strip_suffix(b"\n")
            .unwrap_or(&bytes[..start])
    }
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
    let head = match read_head(path) {
        Ok(head) => head,
        Err(err) => {
            return AccessLogIntegrity::Broken {
                line: 0,
                reason: err.to_string(),
            };
        }
    };
    let bytes = match read_log(path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return against_head(&[], head.as_ref()),
        Err(err) => {
            return AccessLogIntegrity::Broken {
                line: 0,
                reason: err.to_string(),
            };
        }
    };
    let entries = lines(&bytes).map(|(number, line)| {
        let entry = serde_json::from_slice::<AccessEntry>(line).map_err(|err| err.to_string());
        (number, entry)
    });
    verify_chain("line", entries, head.as_ref())
}

/// Checks a log's entries, oldest first, each with the number a reader
/// finds it by (`unit` 1, 2, …) or why it is not an entry: that each
/// chains to the one before it and still has the digest it was written
/// with; then the chain against the head the store recorded. Every store
/// checks its log here.
pub(crate) fn verify_chain(
    unit: &str,
    entries: impl IntoIterator<Item = (usize, Result<AccessEntry, String>)>,
    head: Option<&AccessLogHead>,
) -> AccessLogIntegrity {
    let mut digests: Vec<String> = Vec::new();
    for (number, entry) in entries {
        let broken = |reason: String| AccessLogIntegrity::Broken {
            line: number,
            reason,
        };
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => return broken(format!("{unit} {number} is not an access entry: {err}")),
        };
        if entry.prev != digests.last().map_or("", String::as_str) {
            return broken(format!(
                "{unit} {number} does not chain to the one before it \
                 (one was removed, inserted or changed)"
            ));
        }
        if entry.compute_digest() != entry.digest {
            return broken(format!("{unit} {number} was changed after it was written"));
        }
        digests.push(entry.digest);
    }
    against_head(&digests, head)
}

/// A chain that holds (`digests`, oldest first) against the head the
/// store recorded: it must reach it, and pass through it.
fn against_head(digests: &[String], head: Option<&AccessLogHead>) -> AccessLogIntegrity {
    let count = digests.len();
    let Some(head) = head else {
        return AccessLogIntegrity::Intact { entries: count };
    };
    let recorded = usize::try_from(head.entries).unwrap_or(usize::MAX);
    if count == 0 && recorded > 0 {
        return AccessLogIntegrity::Broken {
            line: 1,
            reason: format!(
                "the access log is missing or empty, but the store recorded {recorded} entries \
                 in it (it was deleted or emptied)"
            ),
        };
    }
    if count < recorded {
        return AccessLogIntegrity::Broken {
            line: count + 1,
            reason: format!(
                "the access log ends at entry {count}, but the store recorded {recorded} entries \
                 (entries {} to {recorded} were removed)",
                count + 1
            ),
        };
    }
    if recorded > 0 && digests[recorded - 1] != head.digest {
        return AccessLogIntegrity::Broken {
            line: recorded,
            reason: format!(
                "entry {recorded} is not the entry the store recorded there (the log was rewritten)"
            ),
        };
    }
    AccessLogIntegrity::Intact { entries: count }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Role;
    use crate::store::fsutil::faults;

    fn entry(action: &str) -> AccessEntry {
        let nurse = Reviewer {
            name: "Dana Whitfield, RN".into(),
            role: Role::Nurse,
        };
        AccessEntry::new(&nurse, "UM-20261201-0001", action)
    }

    #[test]
    fn an_append_cut_short_by_a_full_disk_is_taken_back_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_NAME);
        append(&path, &entry("open")).unwrap();
        let before = std::fs::read(&path).unwrap();

        faults::short_write(40);
        match append(&path, &entry("view")) {
            Err(StoreError::Io { location, error }) => {
                assert_eq!(location, path.display().to_string());
                assert_eq!(error.kind(), io::ErrorKind::StorageFull);
            }
            other => panic!("expected a write error, got {other:?}"),
        }
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "nothing of it is left"
        );
        assert_eq!(verify(&path), AccessLogIntegrity::Intact { entries: 1 });

        append(&path, &entry("show")).unwrap();
        assert_eq!(verify(&path), AccessLogIntegrity::Intact { entries: 2 });
    }

    #[test]
    fn the_rest_of_an_append_cut_short_by_a_crash_is_not_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_NAME);
        append(&path, &entry("open")).unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(b"{\"at\":\"2026-");
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(verify(&path), AccessLogIntegrity::Intact { entries: 1 });
        assert_eq!(read(&path, None).unwrap().len(), 1);

        append(&path, &entry("view")).unwrap();
        assert_eq!(verify(&path), AccessLogIntegrity::Intact { entries: 2 });
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("{\"at\":\"2026-\n"), "{text}");
    }

    #[test]
    fn a_whole_entry_that_lost_its_newline_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_NAME);
        append(&path, &entry("open")).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
        append(&path, &entry("view")).unwrap();
        assert_eq!(verify(&path), AccessLogIntegrity::Intact { entries: 2 });
    }
}
