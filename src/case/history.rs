//! The hash-chained history, the seal and their verification.
//!
//! Digests are SHA-256 over serde_json's compact output of the typed value:
//! field order is the struct's, so the bytes are canonical for a given case.

use time::OffsetDateTime;

use super::model::{Case, Change, HistoryEntry, Reviewer, Seal};
use crate::digest::sha256_hex;

/// Digest of what the case says, leaving out its history, seal and
/// signatures.
pub fn content_digest(case: &Case) -> String {
    let mut content = case.clone();
    content.history.clear();
    content.seal = None;
    content.signatures.clear();
    digest_of(&content)
}

/// What the seal covers: everything but the seal and the signatures
/// (which are added after sealing, and vouch for themselves).
fn sealed_part(case: &Case) -> Case {
    let mut sealed = case.clone();
    sealed.seal = None;
    sealed.signatures.clear();
    sealed
}

fn digest_of<T: serde::Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).expect("case types always serialize");
    sha256_hex(&bytes)
}

fn entry_digest(entry: &HistoryEntry) -> String {
    let mut unsigned = entry.clone();
    unsigned.digest.clear();
    digest_of(&unsigned)
}

/// Appends a history entry for the change from `before` to the case as it
/// is now, chained to the entry before it.
pub fn record(
    case: &mut Case,
    before: Option<&Case>,
    by: &Reviewer,
    event: &str,
    summary: &str,
    at: OffsetDateTime,
) {
    let changes = match before {
        Some(before) => super::diff::changes(before, case),
        None => Vec::new(),
    };
    record_changes(case, changes, by, event, summary, at);
}

pub fn record_changes(
    case: &mut Case,
    changes: Vec<Change>,
    by: &Reviewer,
    event: &str,
    summary: &str,
    at: OffsetDateTime,
) {
    let prev = case
        .history
        .last()
        .map(|e| e.digest.clone())
        .unwrap_or_default();
    let mut entry = HistoryEntry {
        at,
        by: by.clone(),
        event: event.to_string(),
        summary: summary.to_string(),
        changes,
        case_digest: content_digest(case),
        prev,
        digest: String::new(),
    };
    entry.digest = entry_digest(&entry);
    case.history.push(entry);
}

/// Seals a finalized case over its canonical JSON.
pub fn seal(case: &mut Case, at: OffsetDateTime) {
    case.seal = None;
    let digest = digest_of(&sealed_part(case));
    case.seal = Some(Seal {
        digest,
        sealed_at: at,
    });
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    Intact,
    /// The first thing that does not add up, in words.
    Tampered(String),
}

pub fn verify(case: &Case) -> Integrity {
    if case.history.is_empty() {
        return Integrity::Tampered("the case has no history".to_string());
    }
    let mut prev = String::new();
    for (i, entry) in case.history.iter().enumerate() {
        if entry.prev != prev {
            return tampered(i, entry, "does not chain to the entry before it");
        }
        if entry_digest(entry) != entry.digest {
            return tampered(i, entry, "was changed after it was written");
        }
        prev = entry.digest.clone();
    }
    let last = case.history.len() - 1;
    if case.history[last].case_digest != content_digest(case) {
        return Integrity::Tampered(format!(
            "the case content was changed after history entry {} ({})",
            last + 1,
            case.history[last].event
        ));
    }
    verify_seal(case)
}

fn tampered(index: usize, entry: &HistoryEntry, what: &str) -> Integrity {
    Integrity::Tampered(format!(
        "history entry {} ({}) {what}",
        index + 1,
        entry.event
    ))
}

fn verify_seal(case: &Case) -> Integrity {
    let is_final = case.status.is_final();
    let Some(seal) = &case.seal else {
        if is_final {
            return Integrity::Tampered("a finalized case has lost its seal".to_string());
        }
        return Integrity::Intact;
    };
    if digest_of(&sealed_part(case)) != seal.digest {
        return Integrity::Tampered("the seal does not match the case".to_string());
    }
    Integrity::Intact
}
