//! The hash-chained history, the seal and their verification.
//!
//! Every entry lists its changes whole ([`super::diff`]) and the first one
//! carries the case as created, so the history replays: [`replay`] rebuilds
//! the content from creation, and [`standing`] tells an intact case from
//! one edited outside the app (the chain holds but the content is not what
//! the history gives) and from one whose history was itself altered.
//!
//! Digests are SHA-256 over serde_json's compact output of the typed value:
//! field order is the struct's, so the bytes are canonical for a given case.

use time::OffsetDateTime;

use super::diff::{ApplyError, apply};
use super::model::{Case, Change, HistoryEntry, Reviewer, Role, Seal};
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
/// is now, chained to the entry before it. Without `before` it is the
/// creation: the entry carries the whole case as created, which is where
/// [`replay`] starts.
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
        None => super::diff::creation(case),
    };
    record_changes(case, changes, by, event, summary, at);
}

/// [`record`] for an act on a case that may be final: the seal is taken
/// off for the entry and put back (renewed) where the case was sealed or is
/// final now, so that what is added after finalization keeps it verifiable.
pub fn record_and_reseal(
    case: &mut Case,
    before: &Case,
    by: &Reviewer,
    event: &str,
    summary: &str,
    at: OffsetDateTime,
) {
    let was_sealed = case.seal.take().is_some();
    record(case, Some(before), by, event, summary, at);
    if was_sealed || case.status.is_final() {
        seal(case, at);
    }
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

/// Why a history does not replay to a case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("the case has no history")]
    Empty,
    /// Written before every change was recorded: the first entry does not
    /// carry the case as created, so there is nothing to replay from.
    #[error(
        "history entry 1 ({event}) does not carry the case as created (it was written before umdesk recorded every change)"
    )]
    NoCreation { event: String },
    #[error("history entry {entry} ({event}) does not apply {error}")]
    DoesNotApply {
        entry: usize,
        event: String,
        error: ApplyError,
    },
    #[error(
        "history entry {entry} ({event}) records content its changes do not give: the case was changed outside its history before that entry was written"
    )]
    Disagrees { entry: usize, event: String },
}

/// The case's content rebuilt from its history alone: the created case,
/// then each entry's changes in order. Each entry must apply to what the
/// ones before it give, and give the content digest it records. The result
/// has no history and no seal.
pub fn replay(history: &[HistoryEntry]) -> Result<Case, ReplayError> {
    let Some(first) = history.first() else {
        return Err(ReplayError::Empty);
    };
    if !first.changes.iter().any(Change::is_creation) {
        return Err(ReplayError::NoCreation {
            event: first.event.clone(),
        });
    }
    let mut content = serde_json::Value::Null;
    let mut case = None;
    for (i, entry) in history.iter().enumerate() {
        let fails = |error: ApplyError| ReplayError::DoesNotApply {
            entry: i + 1,
            event: entry.event.clone(),
            error,
        };
        for change in &entry.changes {
            super::diff::apply_change(&mut content, change).map_err(fails)?;
        }
        let replayed = super::diff::case_from(content.clone()).map_err(fails)?;
        if content_digest(&replayed) != entry.case_digest {
            return Err(ReplayError::Disagrees {
                entry: i + 1,
                event: entry.event.clone(),
            });
        }
        case = Some(replayed);
    }
    case.ok_or(ReplayError::Empty)
}

/// The case as its history last recorded it: the replayed content, with
/// the history and seal the case carries. For a case built in memory, the
/// version that was last saved.
pub fn recorded_version(case: &Case) -> Result<Case, ReplayError> {
    let mut version = replay(&case.history)?;
    version.history = case.history.clone();
    version.seal = case.seal.clone();
    Ok(version)
}

/// The content the next history entry starts from: the version last saved,
/// advanced by any entries the working copy has recorded since (a
/// peer-to-peer discussion recorded before the review is saved). So an
/// entry lists every change since the one before it, whoever made it.
pub fn last_recorded(case: &Case, saved: &Case) -> Case {
    let since = saved.history.len();
    let continues = case.history.len() > since
        && case.history[..since]
            .iter()
            .zip(&saved.history)
            .all(|(a, b)| a.digest == b.digest);
    if !continues {
        return saved.clone();
    }
    let changes: Vec<Change> = case.history[since..]
        .iter()
        .flat_map(|e| e.changes.iter().cloned())
        .collect();
    // Entries this working copy recorded itself always apply; were one not
    // to, the saved version is the honest base.
    apply(saved, &changes).unwrap_or_else(|_| saved.clone())
}

/// Where a case stands before anyone edits it.
#[derive(Debug, Clone, PartialEq)]
pub enum Standing {
    /// The chain holds, the history replays to the content, the seal fits.
    Intact,
    /// The chain holds, but the content is not what the history replays
    /// to: it was edited outside the app. `changes` go from the replayed
    /// content to the content as it is.
    EditedOutside {
        /// The last entry (1-based) and its event.
        after: usize,
        event: String,
        changes: Vec<Change>,
    },
    /// The history itself was altered, does not replay, or the seal does
    /// not fit: nothing in the app can make it whole.
    ChainBroken(String),
}

impl Standing {
    /// The changed fields, for people: `member.name, lesions[0].diameter_cm`.
    pub fn changed_fields(&self) -> Vec<String> {
        let Standing::EditedOutside { changes, .. } = self else {
            return Vec::new();
        };
        changes
            .iter()
            .flat_map(Change::shown)
            .map(|shown| shown.field)
            .collect()
    }
}

/// Intact, edited outside the app, or a broken chain: what the app asks
/// before it opens a case for editing, and what `verify` reports.
pub fn standing(case: &Case) -> Standing {
    if let Err(broken) = verify_chain(case) {
        return Standing::ChainBroken(broken);
    }
    let last = case.history.len() - 1;
    let last_event = case.history[last].event.clone();
    match replay(&case.history) {
        Ok(replayed) => {
            let changes = super::diff::changes(&replayed, case);
            if !changes.is_empty() {
                return Standing::EditedOutside {
                    after: last + 1,
                    event: last_event,
                    changes,
                };
            }
        }
        // A history from before every change was recorded still proves
        // what its last entry's digest proves.
        Err(ReplayError::NoCreation { .. }) => {
            if case.history[last].case_digest != content_digest(case) {
                return Standing::ChainBroken(format!(
                    "the case content was changed after history entry {} ({last_event}); the history predates full recording, so what changed cannot be shown",
                    last + 1
                ));
            }
        }
        Err(other) => return Standing::ChainBroken(other.to_string()),
    }
    match verify_seal(case) {
        Integrity::Intact => Standing::Intact,
        Integrity::Tampered(what) => Standing::ChainBroken(what),
    }
}

fn verify_chain(case: &Case) -> Result<(), String> {
    if case.history.is_empty() {
        return Err("the case has no history".to_string());
    }
    let mut prev = String::new();
    for (i, entry) in case.history.iter().enumerate() {
        if entry.prev != prev {
            return Err(tampered(i, entry, "does not chain to the entry before it"));
        }
        if entry_digest(entry) != entry.digest {
            return Err(tampered(i, entry, "was changed after it was written"));
        }
        prev = entry.digest.clone();
    }
    Ok(())
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Integrity {
    Intact,
    /// The first thing that does not add up, in words.
    Tampered(String),
}

pub fn verify(case: &Case) -> Integrity {
    integrity_of(&standing(case))
}

/// What [`verify`] says of a case whose standing is known already.
pub fn integrity_of(standing: &Standing) -> Integrity {
    match standing {
        Standing::Intact => Integrity::Intact,
        Standing::EditedOutside { after, event, .. } => Integrity::Tampered(format!(
            "the case content was edited outside the app after history entry {after} ({event}): {}",
            standing.changed_fields().join(", ")
        )),
        Standing::ChainBroken(what) => Integrity::Tampered(what.clone()),
    }
}

fn tampered(index: usize, entry: &HistoryEntry, what: &str) -> String {
    format!("history entry {} ({}) {what}", index + 1, entry.event)
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

/// Why an edit made outside the app was not accepted; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutsideEditError {
    #[error("only a supervisor may accept an edit made outside the app; you are signed in as {}", .0.label())]
    NotSupervisor(Role),
    #[error("the reason for accepting the edit must not be empty")]
    ReasonRequired,
    #[error("case {0} is intact: there is no outside edit to accept")]
    NothingToAccept(String),
    #[error("case {id} cannot be accepted: {reason}")]
    ChainBroken { id: String, reason: String },
}

/// For callers that carry messages as text (the app's message line).
impl From<OutsideEditError> for String {
    fn from(err: OutsideEditError) -> String {
        err.to_string()
    }
}

/// A supervisor accepts a case edited outside the app back into the
/// record: one entry lists every outside difference, with the reason, so
/// the history replays to the content again. Returns what was accepted.
pub fn accept_outside_edit(
    case: &mut Case,
    supervisor: &Reviewer,
    reason: &str,
    now: OffsetDateTime,
) -> Result<Vec<Change>, OutsideEditError> {
    if supervisor.role != Role::Supervisor {
        return Err(OutsideEditError::NotSupervisor(supervisor.role));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(OutsideEditError::ReasonRequired);
    }
    let changes = match standing(case) {
        Standing::Intact => return Err(OutsideEditError::NothingToAccept(case.id.clone())),
        Standing::ChainBroken(reason) => {
            return Err(OutsideEditError::ChainBroken {
                id: case.id.clone(),
                reason,
            });
        }
        Standing::EditedOutside { changes, .. } => changes,
    };
    let was_sealed = case.seal.take().is_some();
    let summary = format!(
        "Accepted an edit made outside the app ({} change(s)): {reason}",
        changes.len()
    );
    record_changes(
        case,
        changes.clone(),
        supervisor,
        "outside_edit_accepted",
        &summary,
        now,
    );
    if was_sealed || case.status.is_final() {
        seal(case, now);
    }
    Ok(changes)
}
