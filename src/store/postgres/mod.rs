//! The department store: cases, locks, sessions, drafts and the access log
//! in PostgreSQL, behind the same [`CaseStore`] as the file store.
//!
//! Cases are kept as their JSON documents, byte for byte what the file
//! store writes, with the queue's columns beside them. What must hold
//! across machines is decided by the database: case ids come from a
//! per-day counter row, a save compares the version it started from under
//! `SELECT ... FOR UPDATE`, and a session is alive exactly while its own
//! connection holds an advisory lock.
//!
//! The queue is read a page at a time in queue order (keyset paging on an
//! index) and filtered by a trigram index, so no process holds every case;
//! the dashboard's figures are computed here; every change is announced
//! (LISTEN/NOTIFY) so open queues update at once. Connections are pooled
//! per store object (plus one per live session and one per watch). No
//! TLS: a Unix socket or a trusted network only.

use std::io;
use std::sync::Mutex;

use ::postgres::{Client, NoTls, Transaction};
use time::OffsetDateTime;

use super::access_log::AccessLogIntegrity;
use super::{
    AccessEntry, CaseStore, CaseSummary, DraftInfo, DraftKey, Listing, LockHolder, LockInfo,
    SessionLease, StoreError, StoreWarning, Unreadable, check_current, check_id, check_record_size,
    clock,
};
use super::{AccessLogHead, CachedListing, QueuePage, QueueQuery, Roster, Wake, Watching};
use crate::case::stats::Stats;
use crate::case::{Case, case_id_for, parse_case, to_json};

mod bulk;
pub mod copy;
mod figures;
mod pool;
mod queue;
mod watch;

use pool::Pool;

/// The migrations, in order: migration `n` (from 1) brings the schema from
/// version `n - 1` to `n`. Never edit one that has shipped; add the next.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_initial.sql"),
    include_str!("migrations/0002_roster.sql"),
    include_str!("migrations/0003_queue.sql"),
    include_str!("migrations/0004_pas_request.sql"),
];

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Cases read for a first frame: more rows than a terminal shows.
const PAGE_FOR_FIRST_FRAME: usize = 200;

/// Serializes appends to the access log (the two-key form, so it never
/// meets a session's one-key lock).
const ACCESS_LOG_LOCK: (i32, i32) = (0x756d_6473, 1);

/// How often a create tries the next number when an id is already taken
/// (by a case copied in from elsewhere).
const CREATE_ATTEMPTS: u32 = 10_000;

/// Whether `text` names a PostgreSQL store rather than a directory.
pub fn is_postgres_url(text: &str) -> bool {
    text.starts_with("postgres://") || text.starts_with("postgresql://")
}

/// `url` with its password replaced by `***`, for messages and logs.
pub fn mask_password(url: &str) -> String {
    let mut masked = url.to_string();
    if let Some(scheme_end) = masked.find("://") {
        let rest = &masked[scheme_end + 3..];
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let authority = &rest[..authority_end];
        if let Some(at) = authority.rfind('@') {
            let userinfo = &authority[..at];
            if let Some(colon) = userinfo.find(':') {
                let start = scheme_end + 3 + colon + 1;
                let end = scheme_end + 3 + at;
                masked.replace_range(start..end, "***");
            }
        }
    }
    mask_parameter(&masked)
}

/// Masks `password=...` in a query string or a key=value connection string.
fn mask_parameter(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("password=") {
        let boundary = at == 0 || matches!(rest.as_bytes()[at - 1], b'?' | b'&' | b' ');
        let value_start = at + "password=".len();
        out.push_str(&rest[..value_start]);
        rest = &rest[value_start..];
        if boundary {
            let end = rest.find(['&', ' ']).unwrap_or(rest.len());
            out.push_str("***");
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// What went wrong talking to the database, as a store error naming where.
fn db_error(location: &str, err: &::postgres::Error) -> StoreError {
    let detail = match err.as_db_error() {
        Some(db) if db.code() == &::postgres::error::SqlState::INSUFFICIENT_PRIVILEGE => {
            format!(
                "the database refused: {} (check the role's grants, README \"PostgreSQL\")",
                db.message()
            )
        }
        Some(db) => format!("the database refused: {}", db.message()),
        None => err.to_string(),
    };
    StoreError::Io {
        location: location.to_string(),
        error: io::Error::other(detail),
    }
}

fn problem(location: &str, message: String) -> StoreError {
    StoreError::Io {
        location: location.to_string(),
        error: io::Error::other(message),
    }
}

fn connect(url: &str, location: &str) -> Result<Client, StoreError> {
    Client::connect(url, NoTls).map_err(|err| {
        let reason = match err.as_db_error() {
            Some(db) => db.message().to_string(),
            None => err.to_string(),
        };
        problem(location, format!("cannot reach the database: {reason}"))
    })
}

/// Creates the schema at `url`, or upgrades it to [`SCHEMA_VERSION`], in
/// one transaction. Returns the version it was at before (0: none).
pub fn init(url: &str) -> Result<i32, StoreError> {
    let location = mask_password(url);
    let mut client = connect(url, &location)?;
    let err = |e: ::postgres::Error| db_error(&location, &e);
    let mut tx = client.transaction().map_err(err)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS umdesk_schema_version (
             version    integer NOT NULL,
             applied_at timestamptz NOT NULL DEFAULT now()
         );
         LOCK TABLE umdesk_schema_version IN EXCLUSIVE MODE;",
    )
    .map_err(err)?;
    let before: i32 = tx
        .query_one(
            "SELECT coalesce(max(version), 0) FROM umdesk_schema_version",
            &[],
        )
        .map_err(err)?
        .get(0);
    if before > SCHEMA_VERSION {
        return Err(newer_schema(&location, before));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(before as usize) {
        let version = index as i32 + 1;
        tx.batch_execute(sql).map_err(|e| {
            problem(
                &location,
                format!(
                    "migration {version} failed, nothing was changed: {}",
                    describe(&e)
                ),
            )
        })?;
        tx.execute(
            "INSERT INTO umdesk_schema_version (version) VALUES ($1)",
            &[&version],
        )
        .map_err(err)?;
    }
    if before < 3 {
        fill_queue_columns(&mut tx, &location)?;
    }
    tx.commit().map_err(err)?;
    Ok(before)
}

/// Fills the queue's columns of every case from its document: version 3
/// added most of them and spells the status by its key.
fn fill_queue_columns(tx: &mut Transaction<'_>, location: &str) -> Result<(), StoreError> {
    let err = |e: ::postgres::Error| db_error(location, &e);
    let rows = tx
        .query("SELECT id, document FROM cases", &[])
        .map_err(err)?;
    for row in rows {
        let id: String = row.get(0);
        let document: String = row.get(1);
        let case = parse_case(&document).map_err(|e| {
            problem(
                location,
                format!("migration 3 cannot read case {id}, nothing was changed: {e}"),
            )
        })?;
        let columns = QueueColumns::of(&case);
        tx.execute(UPDATE_CASE, &columns.parameters(&id, &document.as_str()))
            .map_err(err)?;
    }
    Ok(())
}

fn describe(err: &::postgres::Error) -> String {
    match err.as_db_error() {
        Some(db) => db.message().to_string(),
        None => err.to_string(),
    }
}

fn newer_schema(location: &str, found: i32) -> StoreError {
    problem(
        location,
        format!(
            "the database has umdesk schema version {found}, newer than the {SCHEMA_VERSION} \
             this umdesk knows; use a newer umdesk"
        ),
    )
}

/// What the app does with each table, checked at open so that a missing
/// grant is named at start rather than at the first save.
const NEEDED_PRIVILEGES: &[(&str, &str)] = &[
    ("cases", "SELECT"),
    ("cases", "INSERT"),
    ("cases", "UPDATE"),
    ("case_history", "SELECT"),
    ("case_history", "INSERT"),
    ("day_counters", "SELECT"),
    ("day_counters", "INSERT"),
    ("day_counters", "UPDATE"),
    ("sessions", "SELECT"),
    ("sessions", "INSERT"),
    ("sessions", "DELETE"),
    ("edit_locks", "SELECT"),
    ("edit_locks", "INSERT"),
    ("edit_locks", "UPDATE"),
    ("edit_locks", "DELETE"),
    ("drafts", "SELECT"),
    ("drafts", "INSERT"),
    ("drafts", "UPDATE"),
    ("drafts", "DELETE"),
    ("access_log", "SELECT"),
    ("access_log", "INSERT"),
    ("access_log_head", "SELECT"),
    ("access_log_head", "INSERT"),
    ("access_log_head", "UPDATE"),
    ("roster", "SELECT"),
    ("roster", "INSERT"),
    ("roster", "UPDATE"),
];

/// The PostgreSQL store.
pub struct PostgresStore {
    url: String,
    location: String,
    pool: Pool,
}

impl PostgresStore {
    /// Opens the store at `url`, which must have this build's schema
    /// (`umdesk store init URL` makes it) and grant what the app needs.
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let location = mask_password(url);
        let mut client = connect(url, &location)?;
        check_schema(&mut client, &location)?;
        check_privileges(&mut client, &location)?;
        Ok(PostgresStore {
            url: url.to_string(),
            pool: Pool::new(client),
            location,
        })
    }

    /// A connection of the pool, or a new one; it goes back to the pool
    /// when dropped. Threads of one process no longer take turns on one.
    fn client(&self) -> Result<pool::Pooled<'_>, StoreError> {
        self.pool.take(|| connect(&self.url, &self.location))
    }

    fn err(&self) -> impl Fn(::postgres::Error) -> StoreError + '_ {
        move |e| db_error(&self.location, &e)
    }

    /// Inserts `case` under its id unless the id is taken; whether it was.
    fn insert_case(&self, case: &Case, json: &str) -> Result<bool, StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(self.err())?;
        let columns = QueueColumns::of(case);
        let inserted = tx
            .execute(INSERT_CASE, &columns.parameters(&case.id, &json))
            .map_err(self.err())?;
        if inserted == 0 {
            return Ok(false);
        }
        append_history(&mut tx, case, 0).map_err(self.err())?;
        tx.commit().map_err(self.err())?;
        Ok(true)
    }

    /// The next number of `day`, taken in the database: never handed out
    /// twice, whichever machine asks.
    fn next_sequence(&self, day: time::Date) -> Result<u32, StoreError> {
        let last: i32 = self
            .client()?
            .query_one(
                "INSERT INTO day_counters (day, last) VALUES ($1, 1) \
                 ON CONFLICT (day) DO UPDATE SET last = day_counters.last + 1 \
                 RETURNING last",
                &[&day],
            )
            .map_err(self.err())?
            .get(0);
        u32::try_from(last).map_err(|_| problem(&self.location, format!("day counter {last}")))
    }

    /// Raises the counter of `day` to at least `sequence`, so that ids
    /// created after a copy never meet a copied one.
    pub fn note_sequence(&self, day: time::Date, sequence: u32) -> Result<(), StoreError> {
        let sequence = i32::try_from(sequence).unwrap_or(i32::MAX);
        self.client()?
            .execute(
                "INSERT INTO day_counters (day, last) VALUES ($1, $2) \
                 ON CONFLICT (day) DO UPDATE SET last = greatest(day_counters.last, $2)",
                &[&day, &sequence],
            )
            .map_err(self.err())?;
        Ok(())
    }

    /// Writes `roster`, version and all, where there is none yet (a copy
    /// from another store); a roster already there is never replaced.
    pub fn import_roster(&self, roster: &Roster) -> Result<(), StoreError> {
        let document = serde_json::to_string(roster).expect("rosters always serialize");
        let version = i64::try_from(roster.version).unwrap_or(i64::MAX);
        let inserted = self
            .client()?
            .execute(
                "INSERT INTO roster (id, version, document) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO NOTHING",
                &[&version, &document],
            )
            .map_err(self.err())?;
        if inserted == 0 {
            return Err(StoreError::Conflict {
                id: "roster".to_string(),
                detail: format!(
                    "{} has a roster already; it was left as it is",
                    self.location
                ),
            });
        }
        Ok(())
    }

    /// The stored JSON document of case `id`, exactly as written.
    pub fn document(&self, id: &str) -> Result<String, StoreError> {
        check_id(id)?;
        self.client()?
            .query_opt("SELECT document FROM cases WHERE id = $1", &[&id])
            .map_err(self.err())?
            .map(|row| row.get(0))
            .ok_or_else(|| StoreError::NotFound(id.to_string()))
    }

    /// The stored documents of those of `ids` that exist, by id.
    pub fn documents(
        &self,
        ids: &[&str],
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        let rows = self
            .client()?
            .query("SELECT id, document FROM cases WHERE id = ANY($1)", &[&ids])
            .map_err(self.err())?;
        Ok(rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }

    /// Writes `document`, the stored form of `case` in another store, as
    /// it is, if there is no case of its id yet (a copy): with its history
    /// and queue columns. Whether it was written.
    pub fn import_document(&self, case: &Case, document: &str) -> Result<bool, StoreError> {
        check_id(&case.id)?;
        check_record_size(|| format!("case {}", case.id), document.len())?;
        self.insert_case(case, document)
    }

    fn read_lock(
        tx: &mut Transaction<'_>,
        id: &str,
        location: &str,
    ) -> Result<Option<LockInfo>, StoreError> {
        let row = tx
            .query_opt(
                "SELECT info FROM edit_locks WHERE case_id = $1 FOR UPDATE",
                &[&id],
            )
            .map_err(|e| db_error(location, &e))?;
        row.map(|row| parse_lock(location, id, row.get(0)))
            .transpose()
    }

    fn access_lines(&self, case_id: Option<&str>) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client()?
            .query(
                "SELECT line FROM access_log WHERE $1::text IS NULL OR case_id = $1 \
                 ORDER BY position",
                &[&case_id],
            )
            .map_err(self.err())?;
        Ok(rows.into_iter().map(|row| row.get(0)).collect())
    }
}

fn check_schema(client: &mut Client, location: &str) -> Result<(), StoreError> {
    let has_table: bool = client
        .query_one(
            "SELECT to_regclass('umdesk_schema_version') IS NOT NULL",
            &[],
        )
        .map_err(|e| db_error(location, &e))?
        .get(0);
    let version: i32 = if has_table {
        client
            .query_one(
                "SELECT coalesce(max(version), 0) FROM umdesk_schema_version",
                &[],
            )
            .map_err(|e| db_error(location, &e))?
            .get(0)
    } else {
        0
    };
    match version {
        v if v == SCHEMA_VERSION => Ok(()),
        0 => Err(problem(
            location,
            format!(
                "there is no umdesk schema in this database; \
                 create it with `umdesk store init {location}`"
            ),
        )),
        v if v > SCHEMA_VERSION => Err(newer_schema(location, v)),
        v => Err(problem(
            location,
            format!(
                "the database has umdesk schema version {v}, this umdesk needs \
                 {SCHEMA_VERSION}; upgrade it with `umdesk store init {location}`"
            ),
        )),
    }
}

fn check_privileges(client: &mut Client, location: &str) -> Result<(), StoreError> {
    let mut missing = Vec::new();
    for (table, privilege) in NEEDED_PRIVILEGES {
        let granted: bool = client
            .query_one(
                "SELECT has_table_privilege(current_user, $1, $2)",
                &[table, privilege],
            )
            .map_err(|e| db_error(location, &e))?
            .get(0);
        if !granted {
            missing.push(format!("{privilege} on {table}"));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(problem(
        location,
        format!(
            "the database role lacks {}; an administrator grants them \
             (README, \"PostgreSQL\")",
            missing.join(", ")
        ),
    ))
}

/// The columns beside a case's document: what the queue sorts, filters
/// and shows, and what the dashboard counts, taken from the case.
pub(crate) struct QueueColumns {
    is_final: bool,
    due_at: OffsetDateTime,
    status: String,
    member: String,
    member_id: String,
    reviewer: Option<String>,
    last_digest: String,
    outcome: Option<String>,
    received_at: OffsetDateTime,
    decided_at: Option<OffsetDateTime>,
    decided_by: Option<String>,
    first_final_by: Option<String>,
    first_final_at: Option<OffsetDateTime>,
    qa_reviewed: Option<String>,
    qa_outcome_agrees: Option<bool>,
    qa_criteria: Option<i32>,
    qa_criteria_agreed: Option<i32>,
    search: String,
}

const INSERT_CASE: &str = "INSERT INTO cases (id, document, is_final, due_at, status, \
     member, member_id, reviewer, last_digest, outcome, received_at, decided_at, decided_by, \
     first_final_by, first_final_at, qa_reviewed, qa_outcome_agrees, qa_criteria, \
     qa_criteria_agreed, search) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
     $13, $14, $15, $16, $17, $18, $19, $20) ON CONFLICT (id) DO NOTHING";
const UPDATE_CASE: &str = "UPDATE cases SET document = $2, is_final = $3, due_at = $4, \
     status = $5, member = $6, member_id = $7, reviewer = $8, last_digest = $9, \
     outcome = $10, received_at = $11, decided_at = $12, decided_by = $13, \
     first_final_by = $14, first_final_at = $15, qa_reviewed = $16, \
     qa_outcome_agrees = $17, qa_criteria = $18, qa_criteria_agreed = $19, search = $20, \
     saved_at = now() WHERE id = $1";

impl QueueColumns {
    pub(crate) fn of(case: &Case) -> QueueColumns {
        let summary = CaseSummary::of(case);
        let figures = summary.figure_parts();
        QueueColumns {
            is_final: summary.status.is_final(),
            due_at: summary.due_at,
            status: status_column(summary.status),
            member: summary.member().to_string(),
            member_id: summary.member_id().to_string(),
            reviewer: summary.reviewer().map(str::to_string),
            last_digest: case
                .history
                .last()
                .map(|e| e.digest.clone())
                .unwrap_or_default(),
            outcome: summary.outcome.map(|o| o.key().to_string()),
            received_at: summary.received_at,
            decided_at: summary.decided_at,
            decided_by: figures.decided_by.map(str::to_string),
            first_final_by: figures.first_final.map(|(by, _)| by.to_string()),
            first_final_at: figures.first_final.map(|(_, at)| at),
            qa_reviewed: figures.latest_qa.map(|(by, _)| by.to_string()),
            qa_outcome_agrees: figures.latest_qa.map(|(_, qa)| qa.outcome_agrees),
            qa_criteria: figures.latest_qa.map(|(_, qa)| saturating_i32(qa.criteria)),
            qa_criteria_agreed: figures
                .latest_qa
                .map(|(_, qa)| saturating_i32(qa.criteria_agreed)),
            search: super::queue::search_text(&summary),
        }
    }

    /// `id, document` and the columns, as [`INSERT_CASE`] and
    /// [`UPDATE_CASE`] number them.
    fn parameters<'a>(
        &'a self,
        id: &'a String,
        document: &'a &'a str,
    ) -> [&'a (dyn ::postgres::types::ToSql + Sync); 20] {
        [
            id,
            document,
            &self.is_final,
            &self.due_at,
            &self.status,
            &self.member,
            &self.member_id,
            &self.reviewer,
            &self.last_digest,
            &self.outcome,
            &self.received_at,
            &self.decided_at,
            &self.decided_by,
            &self.first_final_by,
            &self.first_final_at,
            &self.qa_reviewed,
            &self.qa_outcome_agrees,
            &self.qa_criteria,
            &self.qa_criteria_agreed,
            &self.search,
        ]
    }
}

impl QueueColumns {
    /// `id, document` and the columns as one line of COPY's text format, in
    /// [`INSERT_CASE`]'s order.
    pub(crate) fn copy_line(&self, id: &str, document: &str) -> String {
        use bulk::{copy_bool, copy_int, copy_text, copy_time};
        let fields = [
            copy_text(Some(id)),
            copy_text(Some(document)),
            copy_bool(Some(self.is_final)),
            copy_time(Some(self.due_at)),
            copy_text(Some(&self.status)),
            copy_text(Some(&self.member)),
            copy_text(Some(&self.member_id)),
            copy_text(self.reviewer.as_deref()),
            copy_text(Some(&self.last_digest)),
            copy_text(self.outcome.as_deref()),
            copy_time(Some(self.received_at)),
            copy_time(self.decided_at),
            copy_text(self.decided_by.as_deref()),
            copy_text(self.first_final_by.as_deref()),
            copy_time(self.first_final_at),
            copy_text(self.qa_reviewed.as_deref()),
            copy_bool(self.qa_outcome_agrees),
            copy_int(self.qa_criteria),
            copy_int(self.qa_criteria_agreed),
            copy_text(Some(&self.search)),
        ];
        let mut line = fields.join("\t");
        line.push('\n');
        line
    }
}

fn saturating_i32(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// How the `status` column spells a status.
pub(crate) fn status_column(status: crate::case::Status) -> String {
    status.key().to_string()
}

/// Adds the history entries of `case` from `from` on to its append-only
/// mirror.
fn append_history(
    tx: &mut Transaction<'_>,
    case: &Case,
    from: usize,
) -> Result<(), ::postgres::Error> {
    for (position, entry) in case.history.iter().enumerate().skip(from) {
        let text = serde_json::to_string(entry).expect("history entries always serialize");
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        tx.execute(
            "INSERT INTO case_history (case_id, position, digest, entry) \
             VALUES ($1, $2, $3, $4)",
            &[&case.id, &position, &entry.digest, &text],
        )?;
    }
    Ok(())
}

fn parse_lock(location: &str, id: &str, text: String) -> Result<LockInfo, StoreError> {
    serde_json::from_str(&text).map_err(|err| {
        StoreError::Unreadable(Unreadable {
            location: format!("{location} lock of {id}"),
            reason: format!("not a lock: {err}"),
        })
    })
}

fn lock_json(info: &LockInfo) -> String {
    serde_json::to_string(info).expect("locks always serialize")
}

fn check_draft_key(key: &DraftKey) -> Result<(), StoreError> {
    check_id(&key.subject)?;
    super::session::check_session_id(&key.session)
}

/// A live session: its own connection, holding the advisory lock that
/// proves it alive to every other connection.
struct Held {
    client: Mutex<Client>,
    key: i64,
    session: String,
}

impl Drop for Held {
    fn drop(&mut self) {
        // Ended here explicitly, so that the session is over before the
        // lease's drop returns; a crash ends it when the server sees the
        // connection go.
        let client = self.client.get_mut().unwrap_or_else(|e| e.into_inner());
        let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&self.key]);
        let _ = client.execute("DELETE FROM sessions WHERE session = $1", &[&self.session]);
    }
}

impl CaseStore for PostgresStore {
    fn list(&self) -> Listing {
        // From the queue's columns, not the documents: a million cases
        // list in seconds, not minutes. A document that cannot be read
        // is reported when its case is loaded.
        match self.all_summaries() {
            Ok(cases) => Listing {
                cases,
                unreadable: Vec::new(),
            },
            Err(err) => Listing {
                cases: Vec::new(),
                unreadable: vec![Unreadable {
                    location: self.location.clone(),
                    reason: err.to_string(),
                }],
            },
        }
    }

    fn load(&self, id: &str) -> Result<Case, StoreError> {
        let document = self.document(id)?;
        parse_case(&document).map_err(|err| {
            StoreError::Unreadable(Unreadable {
                location: self.case_location(id),
                reason: format!("not a case: {err}"),
            })
        })
    }

    fn create(
        &self,
        case: &mut Case,
        received: time::Date,
        complete: &mut dyn FnMut(&mut Case),
    ) -> Result<String, StoreError> {
        for _ in 0..CREATE_ATTEMPTS {
            let id = case_id_for(received, self.next_sequence(received)?);
            check_id(&id)?;
            let mut attempt = case.clone();
            attempt.id = id.clone();
            complete(&mut attempt);
            let json = to_json(&attempt);
            check_record_size(|| format!("the new case {id}"), json.len())?;
            if self.insert_case(&attempt, &json)? {
                *case = attempt;
                return Ok(id);
            }
        }
        Err(problem(
            &self.location,
            format!("no free case id for {received} after {CREATE_ATTEMPTS} tries"),
        ))
    }

    fn save(&self, case: &Case, expected_last: &str) -> Result<(), StoreError> {
        check_id(&case.id)?;
        let json = to_json(case);
        check_record_size(|| format!("case {}", case.id), json.len())?;
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(self.err())?;
        let document: String = tx
            .query_opt(
                "SELECT document FROM cases WHERE id = $1 FOR UPDATE",
                &[&case.id],
            )
            .map_err(self.err())?
            .map(|row| row.get(0))
            .ok_or_else(|| StoreError::NotFound(case.id.clone()))?;
        let current = parse_case(&document).map_err(|err| {
            StoreError::Unreadable(Unreadable {
                location: self.case_location(&case.id),
                reason: format!("not a case: {err}"),
            })
        })?;
        // On a conflict the transaction is dropped: rolled back, nothing written.
        check_current(&case.id, &current, expected_last)?;
        let columns = QueueColumns::of(case);
        tx.execute(UPDATE_CASE, &columns.parameters(&case.id, &json.as_str()))
            .map_err(self.err())?;
        append_history(&mut tx, case, current.history.len()).map_err(self.err())?;
        tx.commit().map_err(self.err())
    }

    fn begin_session(&self, holder: &LockHolder) -> Result<SessionLease, StoreError> {
        super::session::check_session_id(&holder.session)?;
        let mut client = connect(&self.url, &self.location)?;
        let err = |e: ::postgres::Error| db_error(&self.location, &e);
        // Sessions whose connections are gone are swept here.
        client
            .execute(
                "DELETE FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM pg_locks l \
                 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                 AND l.classid::bigint = (s.lock_key >> 32) \
                 AND l.objid::bigint = (s.lock_key & 4294967295))",
                &[],
            )
            .map_err(err)?;
        let key: i64 = client
            .query_one("SELECT nextval('session_lock_keys')", &[])
            .map_err(err)?
            .get(0);
        // Locked before the row exists: nobody sees the row unlocked.
        client
            .execute("SELECT pg_advisory_lock($1)", &[&key])
            .map_err(err)?;
        let holder_json = serde_json::to_string(holder).expect("holders always serialize");
        client
            .execute(
                "INSERT INTO sessions (session, lock_key, holder) VALUES ($1, $2, $3)",
                &[&holder.session, &key, &holder_json],
            )
            .map_err(err)?;
        Ok(SessionLease::new(Held {
            client: Mutex::new(client),
            key,
            session: holder.session.clone(),
        }))
    }

    fn session_alive(&self, session: &str) -> Option<bool> {
        let mut client = self.client().ok()?;
        client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM sessions s JOIN pg_locks l \
                 ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 \
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
                 AND l.classid::bigint = (s.lock_key >> 32) \
                 AND l.objid::bigint = (s.lock_key & 4294967295) \
                 WHERE s.session = $1)",
                &[&session],
            )
            .ok()
            .map(|row| row.get(0))
    }

    fn lock(&self, id: &str, holder: &LockHolder) -> Result<LockInfo, StoreError> {
        check_id(id)?;
        let info = LockInfo {
            holder: holder.clone(),
            since: clock::now(),
        };
        let text = lock_json(&info);
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(self.err())?;
        let inserted = tx
            .execute(
                "INSERT INTO edit_locks (case_id, session, info) VALUES ($1, $2, $3) \
                 ON CONFLICT (case_id) DO NOTHING",
                &[&id, &holder.session, &text],
            )
            .map_err(self.err())?;
        if inserted == 1 {
            tx.commit().map_err(self.err())?;
            return Ok(info);
        }
        // Held: the row is there and stays there while we look (FOR UPDATE).
        match Self::read_lock(&mut tx, id, &self.location)? {
            Some(existing) if existing.holder.same_as(holder) => Ok(existing),
            Some(existing) => Err(StoreError::Locked(Box::new(existing))),
            // Removed between the insert and the read: the insert was a
            // conflict on a row now gone, so simply try again.
            None => {
                drop(tx);
                drop(client);
                self.lock(id, holder)
            }
        }
    }

    fn unlock(&self, id: &str, holder: &LockHolder) -> Result<(), StoreError> {
        check_id(id)?;
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(self.err())?;
        match Self::read_lock(&mut tx, id, &self.location)? {
            None => Ok(()),
            Some(existing) if existing.holder.same_as(holder) => {
                tx.execute("DELETE FROM edit_locks WHERE case_id = $1", &[&id])
                    .map_err(self.err())?;
                tx.commit().map_err(self.err())
            }
            Some(existing) => Err(StoreError::Locked(Box::new(existing))),
        }
    }

    fn locks(&self) -> Vec<(String, LockInfo)> {
        let Ok(mut client) = self.client() else {
            return Vec::new();
        };
        let Ok(rows) = client.query(
            "SELECT case_id, info FROM edit_locks ORDER BY case_id COLLATE \"C\"",
            &[],
        ) else {
            return Vec::new();
        };
        rows.into_iter()
            .filter_map(|row| {
                let id: String = row.get(0);
                let lock = parse_lock(&self.location, &id, row.get(1)).ok()?;
                Some((id, lock))
            })
            .collect()
    }

    fn lock_info(&self, id: &str) -> Option<LockInfo> {
        check_id(id).ok()?;
        let row = self
            .client()
            .ok()?
            .query_opt("SELECT info FROM edit_locks WHERE case_id = $1", &[&id])
            .ok()??;
        parse_lock(&self.location, id, row.get(0)).ok()
    }

    fn break_lock(&self, id: &str, expected: &LockInfo) -> Result<LockInfo, StoreError> {
        check_id(id)?;
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(self.err())?;
        match Self::read_lock(&mut tx, id, &self.location)? {
            None => Err(StoreError::NotLocked(id.to_string())),
            Some(now) if &now != expected => Err(StoreError::Locked(Box::new(now))),
            Some(_) => {
                tx.execute("DELETE FROM edit_locks WHERE case_id = $1", &[&id])
                    .map_err(self.err())?;
                tx.commit().map_err(self.err())?;
                Ok(expected.clone())
            }
        }
    }

    fn take_over(
        &self,
        id: &str,
        expected: &LockInfo,
        holder: &LockHolder,
    ) -> Result<LockInfo, StoreError> {
        check_id(id)?;
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(self.err())?;
        match Self::read_lock(&mut tx, id, &self.location)? {
            None => Err(StoreError::NotLocked(id.to_string())),
            Some(now) if &now != expected => Err(StoreError::Locked(Box::new(now))),
            Some(_) => {
                let info = LockInfo {
                    holder: holder.clone(),
                    since: clock::now(),
                };
                tx.execute(
                    "UPDATE edit_locks SET session = $2, info = $3 WHERE case_id = $1",
                    &[&id, &holder.session, &lock_json(&info)],
                )
                .map_err(self.err())?;
                tx.commit().map_err(self.err())?;
                Ok(info)
            }
        }
    }

    fn save_draft(&self, key: &DraftKey, draft_json: &str) -> Result<String, StoreError> {
        check_draft_key(key)?;
        check_record_size(|| format!("the draft of {}", key.subject), draft_json.len())?;
        self.client()?
            .execute(
                "INSERT INTO drafts (subject, author, session, saved_at, body) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject, author, session) \
                 DO UPDATE SET saved_at = excluded.saved_at, body = excluded.body",
                &[
                    &key.subject,
                    &key.author,
                    &key.session,
                    &clock::now(),
                    &draft_json,
                ],
            )
            .map_err(self.err())?;
        Ok(self.draft_location(key))
    }

    fn drafts(&self) -> Vec<DraftInfo> {
        let Ok(rows) = self.client().and_then(|mut client| {
            client
                .query(
                    "SELECT subject, author, session, saved_at FROM drafts \
                     ORDER BY subject, author, session",
                    &[],
                )
                .map_err(self.err())
        }) else {
            return Vec::new();
        };
        rows.into_iter()
            .map(|row| {
                let key = DraftKey {
                    subject: row.get(0),
                    author: row.get(1),
                    session: row.get(2),
                };
                DraftInfo {
                    location: self.draft_location(&key),
                    key,
                    saved_at: row.get(3),
                }
            })
            .collect()
    }

    fn load_draft(&self, key: &DraftKey) -> Result<String, StoreError> {
        check_draft_key(key)?;
        self.client()?
            .query_opt(
                "SELECT body FROM drafts WHERE subject = $1 AND author = $2 AND session = $3",
                &[&key.subject, &key.author, &key.session],
            )
            .map_err(self.err())?
            .map(|row| row.get(0))
            .ok_or_else(|| StoreError::Io {
                location: self.draft_location(key),
                error: io::Error::new(io::ErrorKind::NotFound, "there is no such draft"),
            })
    }

    fn discard_draft(&self, key: &DraftKey) -> Result<(), StoreError> {
        check_draft_key(key)?;
        self.client()?
            .execute(
                "DELETE FROM drafts WHERE subject = $1 AND author = $2 AND session = $3",
                &[&key.subject, &key.author, &key.session],
            )
            .map_err(self.err())?;
        Ok(())
    }

    fn log_access(&self, entry: &AccessEntry) -> Result<(), StoreError> {
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(self.err())?;
        // One append at a time across every connection: each chains to the
        // entry before it.
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&ACCESS_LOG_LOCK.0, &ACCESS_LOG_LOCK.1],
        )
        .map_err(self.err())?;
        let last = tx
            .query_opt(
                "SELECT position, digest FROM access_log ORDER BY position DESC LIMIT 1",
                &[],
            )
            .map_err(self.err())?;
        let (position, prev) = match last {
            Some(row) => (row.get::<_, i64>(0) + 1, row.get::<_, String>(1)),
            None => (1, String::new()),
        };
        let mut written = entry.clone();
        written.prev = prev;
        written.digest = written.compute_digest();
        if written.digest.is_empty() {
            return Err(problem(
                &format!("{} access log", self.location),
                "the entry cannot be written (its time is out of range)".to_string(),
            ));
        }
        let line = serde_json::to_string(&written).expect("a digested entry serializes");
        tx.execute(
            "INSERT INTO access_log (position, case_id, prev, digest, line) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &position,
                &written.case_id,
                &written.prev,
                &written.digest,
                &line,
            ],
        )
        .map_err(self.err())?;
        tx.execute(
            "INSERT INTO access_log_head (id, entries, digest) VALUES (1, $1, $2) \
             ON CONFLICT (id) DO UPDATE SET entries = $1, digest = $2",
            &[&position, &written.digest],
        )
        .map_err(self.err())?;
        tx.commit().map_err(self.err())
    }

    /// The log's length and last digest as the last append recorded them.
    fn access_log_head(&self) -> Result<Option<AccessLogHead>, StoreError> {
        let row = self
            .client()?
            .query_opt(
                "SELECT entries, digest FROM access_log_head WHERE id = 1",
                &[],
            )
            .map_err(self.err())?;
        Ok(row.map(|row| AccessLogHead {
            entries: row.get::<_, i64>(0) as u64,
            digest: row.get(1),
        }))
    }

    fn roster(&self) -> Result<Option<Roster>, StoreError> {
        let row = self
            .client()?
            .query_opt("SELECT version, document FROM roster WHERE id = 1", &[])
            .map_err(self.err())?;
        let Some(row) = row else {
            return Ok(None);
        };
        let document: String = row.get(1);
        let mut roster: Roster = serde_json::from_str(&document).map_err(|err| {
            StoreError::Unreadable(Unreadable {
                location: format!("{} roster", self.location),
                reason: format!("not a roster: {err}"),
            })
        })?;
        roster.version = row.get::<_, i64>(0) as u64;
        Ok(Some(roster))
    }

    fn save_roster(
        &self,
        roster: &Roster,
        expected_version: u64,
        change: &AccessEntry,
    ) -> Result<Roster, StoreError> {
        {
            let mut client = self.client()?;
            let mut tx = client.transaction().map_err(self.err())?;
            let stored = tx
                .query_opt(
                    "SELECT version, document FROM roster WHERE id = 1 FOR UPDATE",
                    &[],
                )
                .map_err(self.err())?;
            let current = match &stored {
                Some(row) => {
                    let mut current: Roster = serde_json::from_str(&row.get::<_, String>(1))
                        .map_err(|err| {
                            StoreError::Unreadable(Unreadable {
                                location: format!("{} roster", self.location),
                                reason: format!("not a roster: {err}"),
                            })
                        })?;
                    current.version = row.get::<_, i64>(0) as u64;
                    Some(current)
                }
                None => None,
            };
            super::check_roster_version(current.as_ref(), expected_version)?;
            let mut saved = roster.clone();
            saved.version = expected_version + 1;
            let document = serde_json::to_string(&saved).expect("a roster serializes");
            tx.execute(
                "INSERT INTO roster (id, version, document) VALUES (1, $1, $2) \
                 ON CONFLICT (id) DO UPDATE SET version = $1, document = $2",
                &[&(saved.version as i64), &document],
            )
            .map_err(self.err())?;
            tx.commit().map_err(self.err())?;
        }
        // Logged once the change is in: a log line for a change that did
        // not happen would be worse than the reverse.
        self.log_access(change)?;
        let mut saved = roster.clone();
        saved.version = expected_version + 1;
        Ok(saved)
    }

    fn access_log(&self, case_id: Option<&str>) -> Result<Vec<AccessEntry>, StoreError> {
        self.access_lines(case_id)?
            .into_iter()
            .map(|line| {
                serde_json::from_str(&line).map_err(|err| {
                    StoreError::Unreadable(Unreadable {
                        location: format!("{} access log", self.location),
                        reason: format!("not an access entry: {err}"),
                    })
                })
            })
            .collect()
    }

    fn verify_access_log(&self) -> AccessLogIntegrity {
        let lines = match self.access_lines(None) {
            Ok(lines) => lines,
            Err(err) => {
                return AccessLogIntegrity::Broken {
                    line: 0,
                    reason: err.to_string(),
                };
            }
        };
        let entries =
            (1..).zip(lines.iter().map(|text| {
                serde_json::from_str::<AccessEntry>(text).map_err(|err| err.to_string())
            }));
        match self.access_log_head() {
            Ok(head) => super::access_log::verify_chain("entry", entries, head.as_ref()),
            Err(err) => AccessLogIntegrity::Broken {
                line: 0,
                reason: err.to_string(),
            },
        }
    }

    fn warnings(&self) -> Vec<StoreWarning> {
        Vec::new()
    }

    fn location(&self) -> String {
        self.location.clone()
    }

    fn case_location(&self, id: &str) -> String {
        format!("{} case {id}", self.location)
    }

    fn owner(&self) -> Option<String> {
        let row = self
            .client()
            .ok()?
            .query_one(
                "SELECT pg_get_userbyid(relowner)::text FROM pg_class \
                 WHERE oid = to_regclass('roster')",
                &[],
            )
            .ok()?;
        Some(format!("the database role {}", row.get::<_, String>(0)))
    }

    fn connected_as_owner(&self) -> bool {
        let Ok(mut client) = self.client() else {
            return false;
        };
        client
            .query_one(
                "SELECT pg_has_role(current_user, relowner, 'USAGE') \
                 FROM pg_class WHERE oid = to_regclass('roster')",
                &[],
            )
            .map(|row| row.get::<_, bool>(0))
            .unwrap_or(false)
    }

    fn pages_queue(&self) -> bool {
        true
    }

    fn list_cached(&self, first: usize) -> Option<CachedListing> {
        self.head(first.min(PAGE_FOR_FIRST_FRAME))
    }

    fn queue_page(&self, query: &QueueQuery) -> Result<QueuePage, StoreError> {
        self.page(query)
    }

    fn count_queue(&self, query: &QueueQuery, up_to: usize) -> Result<usize, StoreError> {
        self.count(query, up_to)
    }

    fn figures(&self, now: OffsetDateTime) -> Result<Stats, StoreError> {
        self.compute_figures(now)
    }

    fn watch(&self, wake: Wake) -> Result<Watching, StoreError> {
        self.listen(wake)
    }

    fn decided_in(&self, year: i32) -> Result<Vec<String>, StoreError> {
        // The year as the figures take it: of the first final
        // determination's own offset, as the Rust side reads it.
        let rows = self
            .client()?
            .query(
                "SELECT id FROM cases WHERE first_final_at IS NOT NULL \
                 AND first_final_at >= make_timestamptz($1, 1, 1, 0, 0, 0, 'UTC') - interval '1 day' \
                 AND first_final_at < make_timestamptz($1 + 1, 1, 1, 0, 0, 0, 'UTC') + interval '1 day' \
                 ORDER BY id COLLATE \"C\"",
                &[&year],
            )
            .map_err(self.err())?;
        // The column is UTC; the year is the determination's own, so the
        // edges are read back from the documents' offsets by the caller's
        // filter: a day either side is fetched, and the figures skip what
        // falls outside.
        Ok(rows.into_iter().map(|row| row.get(0)).collect())
    }

    fn find_by_request(&self, key: &str) -> Result<Option<String>, StoreError> {
        // The expression of the unique index of migration 0004, so the
        // index answers.
        let row = self
            .client()?
            .query_opt(
                "SELECT id FROM cases WHERE (document::jsonb #>> '{pas_request,bundle,value}') IS NOT NULL \
                 AND (coalesce(document::jsonb #>> '{pas_request,bundle,system}', '') \
                 || '|' || (document::jsonb #>> '{pas_request,bundle,value}')) = $1",
                &[&key],
            )
            .map_err(self.err())?;
        Ok(row.map(|row| row.get(0)))
    }
}

impl PostgresStore {
    fn draft_location(&self, key: &DraftKey) -> String {
        format!(
            "{} draft of {} by {} (session {})",
            self.location, key.subject, key.author, key.session
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_never_reaches_a_message() {
        assert_eq!(
            mask_password("postgres://umdesk:s3cret@db.example:5432/um"),
            "postgres://umdesk:***@db.example:5432/um"
        );
        assert_eq!(
            mask_password("postgresql://u:p@ss:w@host/db?sslmode=require"),
            "postgresql://u:***@host/db?sslmode=require"
        );
        assert_eq!(
            mask_password("postgres:///um?host=/tmp/x&password=hunter2&user=u"),
            "postgres:///um?host=/tmp/x&password=***&user=u"
        );
        assert_eq!(
            mask_password("postgres://umdesk@/um?host=/tmp/x"),
            "postgres://umdesk@/um?host=/tmp/x"
        );
    }

    /// A migration file written but not listed would never be applied.
    #[test]
    fn every_migration_file_is_applied_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/postgres/migrations");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        files.sort();
        assert_eq!(files.len(), MIGRATIONS.len(), "{files:?}");
        assert_eq!(SCHEMA_VERSION as usize, files.len());
        for (file, sql) in files.iter().zip(MIGRATIONS) {
            let text = std::fs::read_to_string(format!("{dir}/{file}")).unwrap();
            assert_eq!(&text, sql, "{file} is not the migration at its place");
        }
    }
}
