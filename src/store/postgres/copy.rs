//! `umdesk store copy FROM TO`: every case, draft, roster entry and
//! access-log entry from one store to another (files to PostgreSQL for a department that grows,
//! PostgreSQL to files for an archive). Locks and sessions are not copied.
//!
//! Resumable: a case already in the target with the same document is
//! skipped, and the access log continues after the entries the target
//! already has (if they are the source's first ones). Verified: at the end
//! every case document in the target is compared, byte for byte, with the
//! source's.

use std::collections::HashMap;

use super::{PostgresStore, is_postgres_url};
use crate::case::{Case, case_id_for, parse_case};
use crate::store::{AccessEntry, CaseStore, FileStore, Roster, StoreError, fsutil};

/// One end of a copy.
pub enum Endpoint {
    Files(FileStore),
    Postgres(Box<PostgresStore>),
}

impl Endpoint {
    /// `spec` is a postgres:// URL or a store directory. A source must
    /// exist; a target directory is created if missing (a database must
    /// have been made with `umdesk store init`).
    pub fn open(spec: &str, create: bool) -> Result<Endpoint, StoreError> {
        if is_postgres_url(spec) {
            return PostgresStore::open(spec).map(|store| Endpoint::Postgres(Box::new(store)));
        }
        let store = if create {
            FileStore::open(spec)?
        } else {
            FileStore::open_existing(spec)?
        };
        Ok(Endpoint::Files(store))
    }

    pub fn store(&self) -> &dyn CaseStore {
        match self {
            Endpoint::Files(store) => store,
            Endpoint::Postgres(store) => store.as_ref(),
        }
    }

    /// The case's document exactly as stored; None if there is no such case.
    fn document(&self, id: &str) -> Result<Option<String>, StoreError> {
        match self {
            Endpoint::Files(store) => {
                let path = store.path_of(id);
                match std::fs::read_to_string(&path) {
                    Ok(text) => Ok(Some(text)),
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(error) => Err(StoreError::Io {
                        location: path.display().to_string(),
                        error,
                    }),
                }
            }
            Endpoint::Postgres(store) => match store.document(id) {
                Ok(text) => Ok(Some(text)),
                Err(StoreError::NotFound(_)) => Ok(None),
                Err(err) => Err(err),
            },
        }
    }
}

/// The received day and number of an id "UM-YYYYMMDD-NNNN", if it is one.
fn day_and_sequence(id: &str) -> Option<(time::Date, u32)> {
    let rest = id.strip_prefix("UM-")?;
    let (day, number) = rest.split_once('-')?;
    let year: i32 = day.get(0..4)?.parse().ok()?;
    let month: u8 = day.get(4..6)?.parse().ok()?;
    let dom: u8 = day.get(6..8)?.parse().ok()?;
    let date = time::Date::from_calendar_date(year, month.try_into().ok()?, dom).ok()?;
    let sequence: u32 = number.parse().ok()?;
    (case_id_for(date, sequence) == id).then_some((date, sequence))
}

impl Endpoint {
    /// Writes `roster` as it is, version and all, into a store that has
    /// none: a copy, not a change (the source's access log, copied too,
    /// records the changes that made it).
    fn import_roster(&self, roster: &Roster) -> Result<(), StoreError> {
        match self {
            Endpoint::Files(store) => {
                let path = store.roster_path();
                let mut json = serde_json::to_vec_pretty(roster).map_err(|err| StoreError::Io {
                    location: path.display().to_string(),
                    error: std::io::Error::new(std::io::ErrorKind::InvalidInput, err),
                })?;
                json.push(b'\n');
                fsutil::create_exclusive_atomic(&path, &json).map_err(|error| StoreError::Io {
                    location: path.display().to_string(),
                    error,
                })
            }
            Endpoint::Postgres(store) => store.import_roster(roster),
        }
    }
}

/// Cases read, compared and written per step: one query and one COPY per
/// batch into a database, not a transaction per case.
const BATCH: usize = 500;

impl Endpoint {
    /// The documents of those of `ids` that are there, as stored.
    fn documents(&self, ids: &[&str]) -> Result<HashMap<String, String>, StoreError> {
        match self {
            Endpoint::Postgres(store) => store.documents(ids),
            Endpoint::Files(_) => {
                let mut found = HashMap::new();
                for id in ids {
                    if let Some(document) = self.document(id)? {
                        found.insert(id.to_string(), document);
                    }
                }
                Ok(found)
            }
        }
    }

    /// Writes each case of `batch` under its own id, which must be free.
    fn import_batch(&self, batch: &[(Case, String)]) -> Result<(), StoreError> {
        match self {
            Endpoint::Postgres(store) => {
                let written = store.import_documents(batch)?;
                if written.len() == batch.len() {
                    // Later cases of a day never take a copied id.
                    let mut highest: HashMap<time::Date, u32> = HashMap::new();
                    for (day, sequence) in batch.iter().filter_map(|(c, _)| day_and_sequence(&c.id))
                    {
                        let top = highest.entry(day).or_default();
                        *top = (*top).max(sequence);
                    }
                    for (day, sequence) in highest {
                        store.note_sequence(day, sequence)?;
                    }
                    return Ok(());
                }
                let taken = batch
                    .iter()
                    .find(|(case, _)| !written.contains(&case.id))
                    .map(|(case, _)| case.id.clone())
                    .unwrap_or_default();
                Err(StoreError::Conflict {
                    id: taken,
                    detail: format!(
                        "{} took this id while the copy ran; nothing of this batch was lost, \
                         run the copy again",
                        store.location
                    ),
                })
            }
            Endpoint::Files(store) => {
                for (case, document) in batch {
                    let path = store.path_of(&case.id);
                    fsutil::create_exclusive_atomic(&path, document.as_bytes()).map_err(
                        |error| StoreError::Io {
                            location: path.display().to_string(),
                            error,
                        },
                    )?;
                }
                Ok(())
            }
        }
    }
}

/// What a copy did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CopyReport {
    pub cases_copied: usize,
    pub cases_already_there: usize,
    pub drafts_copied: usize,
    /// Entries of the roster written to the target (0: none, or the same
    /// roster was there already).
    pub roster_entries_copied: usize,
    pub access_entries_copied: usize,
    pub access_entries_already_there: usize,
    /// Cases verified identical in both stores at the end.
    pub verified: usize,
}

/// Copies everything from `from` to `to`, then verifies the cases.
pub fn copy(from: &Endpoint, to: &Endpoint) -> Result<CopyReport, StoreError> {
    let mut report = CopyReport::default();
    let listing = from.store().list();
    if let Some(bad) = listing.unreadable.first() {
        return Err(StoreError::Unreadable(bad.clone()));
    }
    let ids: Vec<&str> = listing.cases.iter().map(|c| &*c.id).collect();
    for chunk in ids.chunks(BATCH) {
        let sources = from.documents(chunk)?;
        let targets = to.documents(chunk)?;
        let mut missing = Vec::new();
        for id in chunk {
            let document = sources
                .get(*id)
                .ok_or_else(|| StoreError::NotFound(id.to_string()))?;
            match targets.get(*id) {
                Some(there) if there == document => report.cases_already_there += 1,
                Some(_) => {
                    return Err(StoreError::Conflict {
                        id: id.to_string(),
                        detail: format!(
                            "{} already holds a different case under this id; nothing of it \
                             was copied",
                            to.store().location()
                        ),
                    });
                }
                None => {
                    let case = parse_case(document).map_err(|err| {
                        StoreError::Unreadable(crate::store::Unreadable {
                            location: from.store().case_location(id),
                            reason: format!("not a case: {err}"),
                        })
                    })?;
                    missing.push((case, document.clone()));
                }
            }
        }
        to.import_batch(&missing)?;
        report.cases_copied += missing.len();
    }
    for draft in from.store().drafts() {
        let text = from.store().load_draft(&draft.key)?;
        to.store().save_draft(&draft.key, &text)?;
        report.drafts_copied += 1;
    }
    copy_roster(from, to, &mut report)?;
    copy_access_log(from.store(), to.store(), &mut report)?;
    for chunk in ids.chunks(BATCH) {
        let sources = from.documents(chunk)?;
        let targets = to.documents(chunk)?;
        for id in chunk {
            if sources.get(*id) != targets.get(*id) {
                return Err(StoreError::Conflict {
                    id: id.to_string(),
                    detail: "the copy differs from the original after copying".to_string(),
                });
            }
            report.verified += 1;
        }
    }
    Ok(report)
}

/// The source's roster into a target without one; the same roster there
/// already is left, a different one is never overwritten.
fn copy_roster(from: &Endpoint, to: &Endpoint, report: &mut CopyReport) -> Result<(), StoreError> {
    let Some(roster) = from.store().roster()? else {
        return Ok(());
    };
    match to.store().roster()? {
        Some(there) if there.entries == roster.entries => Ok(()),
        Some(_) => Err(StoreError::Conflict {
            id: "roster".to_string(),
            detail: format!(
                "{} already has a different roster; nothing of the roster was copied \
                 (copy into a store without one)",
                to.store().location()
            ),
        }),
        None => {
            to.import_roster(&roster)?;
            report.roster_entries_copied = roster.entries.len();
            Ok(())
        }
    }
}

/// Appends the source's entries the target does not have yet. The target
/// chains them itself; from an empty target the chain comes out the same.
fn copy_access_log(
    from: &dyn CaseStore,
    to: &dyn CaseStore,
    report: &mut CopyReport,
) -> Result<(), StoreError> {
    let source = from.access_log(None)?;
    let target = to.access_log(None)?;
    let same = |a: &AccessEntry, b: &AccessEntry| {
        a.at == b.at && a.reviewer == b.reviewer && a.case_id == b.case_id && a.action == b.action
    };
    let already = target.len().min(source.len());
    if !source.iter().zip(&target).all(|(a, b)| same(a, b)) || target.len() > source.len() {
        return Err(StoreError::Conflict {
            id: "access log".to_string(),
            detail: format!(
                "{} already has an access log that is not the start of the source's; \
                 copy into an empty store",
                to.location()
            ),
        });
    }
    report.access_entries_already_there = already;
    for entry in &source[already..] {
        to.log_access(entry)?;
        report.access_entries_copied += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ids_day_and_number_are_read_back() {
        assert_eq!(
            day_and_sequence("UM-20261201-0042"),
            Some((time::macros::date!(2026 - 12 - 01), 42))
        );
        assert_eq!(day_and_sequence("UM-20261301-0042"), None);
        assert_eq!(day_and_sequence("case-7"), None);
    }
}
