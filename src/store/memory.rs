//! A store in memory: the same behaviour as the file store (queue order,
//! unique ids, conflicts, locks, drafts, the access log, sessions) with
//! nothing written anywhere. For the app's state tests, and as the
//! reference a new store is compared with.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use time::OffsetDateTime;

use super::access_log::{AccessLogIntegrity, verify_chain};
use super::watch::{Wake, Watchers, Watching};
use super::{
    AccessEntry, AccessLogHead, CaseStore, CaseSummary, DraftInfo, DraftKey, Listing, LockHolder,
    LockInfo, Roster, SessionLease, StoreError, StoreWarning, check_current, check_id,
    check_record_size, check_roster_version, clock,
};
use crate::case::{Case, case_id_for, to_json};

#[derive(Default)]
struct State {
    cases: BTreeMap<String, Case>,
    locks: BTreeMap<String, LockInfo>,
    drafts: BTreeMap<DraftKey, (OffsetDateTime, String)>,
    log: Vec<AccessEntry>,
    /// The log's head as last recorded, apart from the log itself.
    log_head: Option<AccessLogHead>,
    roster: Option<Roster>,
    sessions: BTreeMap<String, Weak<()>>,
    /// The highest sequence number handed out per received date: numbers
    /// are never reused, as in the file store.
    sequences: BTreeMap<time::Date, u32>,
}

/// The in-memory store. Clones share the same cases, as two handles on one
/// file store do.
#[derive(Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
    watchers: Arc<Watchers>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves whole maps behind (every
        // change is one insert or remove); carry on with them.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Changes the access log behind the store's back, as someone with
    /// direct access to a database could: for the tests that tampering is
    /// detected.
    pub fn tamper_with_access_log(&self, edit: impl FnOnce(&mut Vec<AccessEntry>)) {
        edit(&mut self.state().log);
    }
}

fn memory_location(what: &str) -> String {
    format!("memory:{what}")
}

impl CaseStore for MemoryStore {
    fn list(&self) -> Listing {
        let mut cases: Vec<CaseSummary> =
            self.state().cases.values().map(CaseSummary::of).collect();
        cases.sort_by(CaseSummary::queue_order);
        Listing {
            cases,
            unreadable: Vec::new(),
        }
    }

    fn load(&self, id: &str) -> Result<Case, StoreError> {
        check_id(id)?;
        self.state()
            .cases
            .get(id)
            .cloned()
            .ok_or_else(|| StoreError::NotFound(id.to_string()))
    }

    fn create(
        &self,
        case: &mut Case,
        received: time::Date,
        complete: &mut dyn FnMut(&mut Case),
    ) -> Result<String, StoreError> {
        // The id is taken under the lock; `complete` runs outside it, as it
        // may take its time, and the number is not reused if it fails.
        let sequence = {
            let mut state = self.state();
            let next = state.sequences.get(&received).copied().unwrap_or(0) + 1;
            state.sequences.insert(received, next);
            next
        };
        let id = case_id_for(received, sequence);
        check_id(&id)?;
        let mut attempt = case.clone();
        attempt.id = id.clone();
        complete(&mut attempt);
        check_record_size(|| format!("the new case {id}"), to_json(&attempt).len())?;
        self.state().cases.insert(id.clone(), attempt.clone());
        *case = attempt;
        self.watchers.tell(&id);
        Ok(id)
    }

    fn save(&self, case: &Case, expected_last: &str) -> Result<(), StoreError> {
        check_id(&case.id)?;
        check_record_size(|| format!("case {}", case.id), to_json(case).len())?;
        let mut state = self.state();
        let current = state
            .cases
            .get(&case.id)
            .ok_or_else(|| StoreError::NotFound(case.id.clone()))?;
        check_current(&case.id, current, expected_last)?;
        state.cases.insert(case.id.clone(), case.clone());
        drop(state);
        self.watchers.tell(&case.id);
        Ok(())
    }

    fn begin_session(&self, holder: &LockHolder) -> Result<SessionLease, StoreError> {
        let alive = Arc::new(());
        self.state()
            .sessions
            .insert(holder.session.clone(), Arc::downgrade(&alive));
        Ok(SessionLease::new(alive))
    }

    fn session_alive(&self, session: &str) -> Option<bool> {
        let mut state = self.state();
        let alive = state
            .sessions
            .get(session)
            .is_some_and(|lease| lease.strong_count() > 0);
        if !alive {
            state.sessions.remove(session);
        }
        Some(alive)
    }

    fn lock(&self, id: &str, holder: &LockHolder) -> Result<LockInfo, StoreError> {
        check_id(id)?;
        let mut state = self.state();
        match state.locks.get(id) {
            Some(existing) if existing.holder.same_as(holder) => Ok(existing.clone()),
            Some(existing) => Err(StoreError::Locked(Box::new(existing.clone()))),
            None => {
                let info = LockInfo {
                    holder: holder.clone(),
                    since: clock::now(),
                };
                state.locks.insert(id.to_string(), info.clone());
                drop(state);
                self.watchers.tell(id);
                Ok(info)
            }
        }
    }

    fn unlock(&self, id: &str, holder: &LockHolder) -> Result<(), StoreError> {
        check_id(id)?;
        let mut state = self.state();
        match state.locks.get(id) {
            None => Ok(()),
            Some(existing) if existing.holder.same_as(holder) => {
                state.locks.remove(id);
                drop(state);
                self.watchers.tell(id);
                Ok(())
            }
            Some(existing) => Err(StoreError::Locked(Box::new(existing.clone()))),
        }
    }

    fn lock_info(&self, id: &str) -> Option<LockInfo> {
        self.state().locks.get(id).cloned()
    }

    fn locks(&self) -> Vec<(String, LockInfo)> {
        let state = self.state();
        state
            .locks
            .iter()
            .map(|(id, lock)| (id.clone(), lock.clone()))
            .collect()
    }

    fn break_lock(&self, id: &str, expected: &LockInfo) -> Result<LockInfo, StoreError> {
        check_id(id)?;
        let mut state = self.state();
        expect_lock(&state, id, expected)?;
        state.locks.remove(id);
        drop(state);
        self.watchers.tell(id);
        Ok(expected.clone())
    }

    fn take_over(
        &self,
        id: &str,
        expected: &LockInfo,
        holder: &LockHolder,
    ) -> Result<LockInfo, StoreError> {
        check_id(id)?;
        let mut state = self.state();
        expect_lock(&state, id, expected)?;
        let info = LockInfo {
            holder: holder.clone(),
            since: clock::now(),
        };
        state.locks.insert(id.to_string(), info.clone());
        drop(state);
        self.watchers.tell(id);
        Ok(info)
    }

    fn save_draft(&self, key: &DraftKey, draft_json: &str) -> Result<String, StoreError> {
        check_draft_key(key)?;
        check_record_size(|| format!("the draft of {}", key.subject), draft_json.len())?;
        self.state()
            .drafts
            .insert(key.clone(), (clock::now(), draft_json.to_string()));
        Ok(draft_location(key))
    }

    fn drafts(&self) -> Vec<DraftInfo> {
        self.state()
            .drafts
            .iter()
            .map(|(key, (saved_at, _))| DraftInfo {
                key: key.clone(),
                saved_at: *saved_at,
                location: draft_location(key),
            })
            .collect()
    }

    fn load_draft(&self, key: &DraftKey) -> Result<String, StoreError> {
        check_draft_key(key)?;
        self.state()
            .drafts
            .get(key)
            .map(|(_, text)| text.clone())
            .ok_or_else(|| StoreError::Io {
                location: draft_location(key),
                error: std::io::Error::new(std::io::ErrorKind::NotFound, "there is no such draft"),
            })
    }

    fn discard_draft(&self, key: &DraftKey) -> Result<(), StoreError> {
        check_draft_key(key)?;
        self.state().drafts.remove(key);
        Ok(())
    }

    fn log_access(&self, entry: &AccessEntry) -> Result<(), StoreError> {
        append_access(&mut self.state(), entry)
    }

    fn access_log_head(&self) -> Result<Option<AccessLogHead>, StoreError> {
        Ok(self.state().log_head.clone())
    }

    fn roster(&self) -> Result<Option<Roster>, StoreError> {
        Ok(self.state().roster.clone())
    }

    fn save_roster(
        &self,
        roster: &Roster,
        expected_version: u64,
        change: &AccessEntry,
    ) -> Result<Roster, StoreError> {
        let mut state = self.state();
        check_roster_version(state.roster.as_ref(), expected_version)?;
        append_access(&mut state, change)?;
        let mut saved = roster.clone();
        saved.version = expected_version + 1;
        state.roster = Some(saved.clone());
        Ok(saved)
    }

    fn access_log(&self, case_id: Option<&str>) -> Result<Vec<AccessEntry>, StoreError> {
        Ok(self
            .state()
            .log
            .iter()
            .filter(|e| case_id.is_none_or(|id| e.case_id == id))
            .cloned()
            .collect())
    }

    fn verify_access_log(&self) -> AccessLogIntegrity {
        let state = self.state();
        let entries = (1..).zip(state.log.iter().cloned().map(Ok));
        verify_chain("entry", entries, state.log_head.as_ref())
    }

    fn warnings(&self) -> Vec<StoreWarning> {
        Vec::new()
    }

    fn location(&self) -> String {
        memory_location("")
    }

    fn case_location(&self, id: &str) -> String {
        memory_location(id)
    }

    fn watch(&self, wake: Wake) -> Result<Watching, StoreError> {
        Ok(self.watchers.add(wake))
    }

    fn find_by_request(&self, key: &str) -> Result<Option<String>, StoreError> {
        let state = self.state();
        let found = state.cases.values().find(|case| {
            case.pas_request
                .as_ref()
                .is_some_and(|request| request.key() == key)
        });
        Ok(found.map(|case| case.id.clone()))
    }
}

/// Appends `entry` to the log, chained, and records the new head.
fn append_access(state: &mut State, entry: &AccessEntry) -> Result<(), StoreError> {
    let mut written = entry.clone();
    written.prev = state
        .log
        .last()
        .map(|e| e.digest.clone())
        .unwrap_or_default();
    written.digest = written.compute_digest();
    if written.digest.is_empty() {
        return Err(StoreError::Io {
            location: memory_location("access-log"),
            error: std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the entry cannot be written (its time is out of range)",
            ),
        });
    }
    state.log_head = Some(AccessLogHead {
        entries: state.log.len() as u64 + 1,
        digest: written.digest.clone(),
    });
    state.log.push(written);
    Ok(())
}

fn expect_lock(state: &State, id: &str, expected: &LockInfo) -> Result<(), StoreError> {
    match state.locks.get(id) {
        None => Err(StoreError::NotLocked(id.to_string())),
        Some(info) if info != expected => Err(StoreError::Locked(Box::new(info.clone()))),
        Some(_) => Ok(()),
    }
}

fn check_draft_key(key: &DraftKey) -> Result<(), StoreError> {
    check_id(&key.subject)?;
    super::session::check_session_id(&key.session)
}

fn draft_location(key: &DraftKey) -> String {
    memory_location(&format!("drafts/{}--{}", key.subject, key.session))
}
