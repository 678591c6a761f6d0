//! All file I/O of cases lives here, behind [`CaseStore`], so a database
//! store can replace the file store without the app noticing.

mod access_log;
mod file;
pub mod fsutil;
mod index;
pub mod location;
mod lock;
mod memory;
pub mod postgres;
pub mod queue;
mod session;
pub mod watch;

pub use crate::case::AccessLogHead;
pub use crate::identity::roster::Roster;
pub use access_log::{AccessEntry, AccessLogIntegrity};
pub use file::FileStore;
pub use lock::{LockHolder, LockInfo, hostname, process_alive};
pub use memory::MemoryStore;
pub use postgres::PostgresStore;
pub use queue::{PageFrom, QueueKey, QueuePage, QueueQuery};
pub use watch::{Wake, Watching};

/// The clock moved to the crate root (the domain and the store share it);
/// this path stays for the callers that still name it here.
pub use crate::clock;

use time::OffsetDateTime;

use crate::case::Case;
pub use crate::case::summary::{CaseSummary, FigureParts, QaVerdicts, SummaryParts};

/// Something in the store that is not a readable case: listed, never
/// touched. `location` is what a person needs to find it (a file's path
/// in the file store, a row's key in a database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub location: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub cases: Vec<CaseSummary>,
    pub unreadable: Vec<Unreadable>,
}

/// The head of the last listing, from [`CaseStore::list_cached`].
#[derive(Debug, Clone, Default)]
pub struct CachedListing {
    /// The first cases in the queue's order, and every unreadable file.
    pub listing: Listing,
    /// How many cases follow those.
    pub more: usize,
    /// The store reads its queue a page at a time
    /// ([`CaseStore::pages_queue`]): `more` is not known yet.
    pub paged: bool,
}

/// The most bytes one record (a case, a draft) may take, as written. The
/// writer refuses anything larger before writing a byte, and the reader
/// reads nothing larger, so a record that was saved can always be read.
/// Editors should keep a note well below it: a case holds its notes, and
/// its history holds what each edit changed.
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no case {0} in the store")]
    NotFound(String),
    /// The file exists but is not a case; it is left as it is.
    #[error("{}: {}", .0.location, .0.reason)]
    Unreadable(Unreadable),
    /// Someone else saved the case since it was loaded; nothing was written.
    #[error("case {id} was changed by someone else: {detail}")]
    Conflict { id: String, detail: String },
    /// Another editor holds the case.
    #[error("{}", .0.describe())]
    Locked(Box<LockInfo>),
    #[error("{0}")]
    InvalidId(String),
    /// The store could not be read or written at `location`.
    #[error("{location}: {error}")]
    Io {
        location: String,
        #[source]
        error: std::io::Error,
    },
    /// A record would be larger than [`MAX_RECORD_BYTES`]; nothing was written.
    #[error(
        "{what} would take {size} bytes, more than the {limit} bytes a record may hold; \
         nothing was written (shorten the longest notes and save again)",
        limit = MAX_RECORD_BYTES
    )]
    TooLarge { what: String, size: usize },
    /// A lock was to be broken or taken over, and the case has none now.
    #[error("case {0} is not locked (any more)")]
    NotLocked(String),
    /// Someone else changed the roster since it was read; nothing was written.
    #[error(
        "the roster was changed by someone else (it is at version {found}; this change \
         started from version {expected}); look at `umdesk roster list` and try again"
    )]
    RosterConflict { expected: u64, found: u64 },
    /// There is no store at `location`; a reading command does not make one.
    #[error(
        "there is no case store at {location}; check --cases and {env}, \
         or create one with `umdesk init {location}`",
        env = location::CASES_ENV
    )]
    Missing { location: String },
}

/// The id the roster's record would have as a case (`roster.json`), which
/// no case may take.
pub const ROSTER_ID: &str = "roster";

/// Refuses an id that is not a case id (and so could name a file outside
/// the store, or the store's roster).
pub(crate) fn check_id(id: &str) -> Result<(), StoreError> {
    if id.eq_ignore_ascii_case(ROSTER_ID) {
        return Err(StoreError::InvalidId(format!(
            "'{id}' names the store's roster, not a case"
        )));
    }
    match crate::case::case_id_problem(id) {
        Some(problem) => Err(StoreError::InvalidId(problem)),
        None => Ok(()),
    }
}

/// Refuses a roster save that did not start from the stored version.
pub(crate) fn check_roster_version(
    stored: Option<&Roster>,
    expected: u64,
) -> Result<(), StoreError> {
    let found = stored.map_or(0, |r| r.version);
    if found == expected {
        Ok(())
    } else {
        Err(StoreError::RosterConflict { expected, found })
    }
}

/// Refuses a save of case `id` made from a version before `current`,
/// naming who saved since; `expected_last` is the digest of the last
/// history entry of the version the save started from.
pub(crate) fn check_current(
    id: &str,
    current: &Case,
    expected_last: &str,
) -> Result<(), StoreError> {
    let last = current.history.last();
    if last.map_or("", |e| e.digest.as_str()) == expected_last {
        return Ok(());
    }
    let detail = match last {
        Some(entry) => format!(
            "{} saved it at {} ({}) after it was opened here; reload it to see the change",
            actor(&entry.by),
            crate::case::rfc3339(entry.at),
            entry.event
        ),
        None => "the saved version has a different history; reload it".to_string(),
    };
    Err(StoreError::Conflict {
        id: id.to_string(),
        detail,
    })
}

/// Refuses a record of `bytes` that the reader could not read back.
pub fn check_record_size(what: impl FnOnce() -> String, bytes: usize) -> Result<(), StoreError> {
    if bytes > MAX_RECORD_BYTES {
        return Err(StoreError::TooLarge {
            what: what(),
            size: bytes,
        });
    }
    Ok(())
}

/// Where a store stands on permissions; reported at start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreWarning(pub String);

/// Whose draft it is: the case (or intake) it belongs to, its author, and
/// the session that writes it. Only the author is offered a draft, and a
/// draft of a session that is still alive is never offered or deleted by
/// anyone else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DraftKey {
    /// The case id, or "new-..." for an intake not yet saved.
    pub subject: String,
    /// The reviewer's name, as [`crate::case::Reviewer::name`].
    pub author: String,
    /// The session ([`LockHolder::session`]) that wrote it.
    pub session: String,
}

/// A draft as the store lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftInfo {
    pub key: DraftKey,
    pub saved_at: OffsetDateTime,
    /// Where it is, for messages.
    pub location: String,
}

/// A session's hold on the store: while it is held, the store reports the
/// session alive to everyone ([`CaseStore::session_alive`]); dropping it, or
/// the process ending in any way, ends the session.
pub struct SessionLease {
    _hold: Box<dyn std::any::Any + Send + Sync>,
}

impl SessionLease {
    pub fn new(hold: impl std::any::Any + Send + Sync) -> SessionLease {
        SessionLease {
            _hold: Box::new(hold),
        }
    }
}

/// The case store. Every write is atomic: after a crash a record holds
/// either its old or its new content, never part of each. Shared between
/// sessions and worker threads, so `Send + Sync`.
pub trait CaseStore: Send + Sync {
    /// Every case, in the queue's order ([`CaseSummary::queue_order`]),
    /// and everything that is not a readable case.
    fn list(&self) -> Listing;

    /// The first `first` cases of the queue as the store last saw it, and
    /// how many more it saw, without looking at every case: cheap enough
    /// for a first frame over a very large store, to be followed by
    /// [`CaseStore::list`]. None when there is nothing cached.
    fn list_cached(&self, first: usize) -> Option<CachedListing> {
        let _ = first;
        None
    }

    fn load(&self, id: &str) -> Result<Case, StoreError>;

    /// Gives `case` a new unique id (even against another process creating
    /// at the same moment), lets `complete` finish it under that id (the
    /// creation's history entry names the id), and writes it in one atomic
    /// step. Returns the id; on an error nothing is left behind.
    fn create(
        &self,
        case: &mut Case,
        received: time::Date,
        complete: &mut dyn FnMut(&mut Case),
    ) -> Result<String, StoreError>;

    /// Writes `case` over its saved version. `expected_last` is the digest of
    /// the last history entry of the version it was loaded from; if the
    /// stored case has moved on, nothing is written and `Conflict` comes back.
    fn save(&self, case: &Case, expected_last: &str) -> Result<(), StoreError>;

    /// Starts `holder`'s session: its locks and drafts are proved live by the
    /// lease, not guessed from process ids.
    fn begin_session(&self, holder: &LockHolder) -> Result<SessionLease, StoreError>;
    /// Whether session `session` ([`LockHolder::session`]) is still alive:
    /// None when the store cannot tell (then only a lock's age speaks).
    fn session_alive(&self, session: &str) -> Option<bool>;

    /// Takes the edit lock on a case, or says who holds it.
    fn lock(&self, id: &str, holder: &LockHolder) -> Result<LockInfo, StoreError>;
    fn unlock(&self, id: &str, holder: &LockHolder) -> Result<(), StoreError>;
    fn lock_info(&self, id: &str) -> Option<LockInfo>;
    /// Every case's edit lock, by case id: who is in which case now (the
    /// queue shows it). A lock that cannot be read is left out here;
    /// `lock_info` reports it when the case is opened.
    fn locks(&self) -> Vec<(String, LockInfo)>;
    /// Removes the lock `expected`, and only that one: if the case's lock is
    /// now another (its holder came back and took it over), nothing is
    /// removed and `Locked` names the lock as it is; if there is none,
    /// `NotLocked`.
    fn break_lock(&self, id: &str, expected: &LockInfo) -> Result<LockInfo, StoreError>;
    /// Replaces the lock `expected` with one for `holder`, in one step: of
    /// two sessions taking over one stale lock at once, exactly one gets
    /// it, and the other is told who has it (`Locked`). If the lock is no
    /// longer `expected`, nothing changes.
    fn take_over(
        &self,
        id: &str,
        expected: &LockInfo,
        holder: &LockHolder,
    ) -> Result<LockInfo, StoreError> {
        match self.break_lock(id, expected) {
            Ok(_) => self.lock(id, holder),
            // Broken by someone else just now: whoever locks first has it.
            Err(StoreError::NotLocked(_)) => self.lock(id, holder),
            Err(err) => Err(err),
        }
    }
    /// Whether nobody can be using `lock` any more: its session is proved
    /// gone, or, where the store cannot tell, it is older than `max_age`.
    fn lock_is_stale(&self, lock: &LockInfo, now: OffsetDateTime, max_age: time::Duration) -> bool {
        match self.session_alive(&lock.holder.session) {
            Some(alive) => !alive,
            None => now - lock.since > max_age,
        }
    }

    /// Drafts: the unsaved work of an open review or intake. Returns where
    /// the draft went, for messages.
    fn save_draft(&self, key: &DraftKey, draft_json: &str) -> Result<String, StoreError>;
    /// Every draft in the store, whoever wrote it.
    fn drafts(&self) -> Vec<DraftInfo>;
    fn load_draft(&self, key: &DraftKey) -> Result<String, StoreError>;
    fn discard_draft(&self, key: &DraftKey) -> Result<(), StoreError>;

    /// Appends to the append-only, hash-chained access log, and records
    /// the log's new head (its length and last digest) where a log cut
    /// short or deleted later shows.
    fn log_access(&self, entry: &AccessEntry) -> Result<(), StoreError>;
    fn access_log(&self, case_id: Option<&str>) -> Result<Vec<AccessEntry>, StoreError>;
    /// The chain, and the log against the head the store recorded: a log
    /// shorter than it, or missing while it exists, is `Broken`.
    fn verify_access_log(&self) -> AccessLogIntegrity;
    /// The access log's head as the store last recorded it; None before
    /// the first entry. A signature records it, so that a log cut shorter
    /// than what its signer saw shows even if the record here is rewritten.
    fn access_log_head(&self) -> Result<Option<AccessLogHead>, StoreError>;

    /// The store's roster; None when it has none (a demo, a first run).
    /// A roster that cannot be read is an error, never "no roster": who
    /// is reviewing must not fall back to what they claim.
    fn roster(&self) -> Result<Option<Roster>, StoreError>;
    /// The operating-system user who owns the store, who may make the
    /// roster's first entry; None where a store has no such owner.
    fn owner(&self) -> Option<String> {
        None
    }
    /// Whether this store is opened by its owner in a way the store itself
    /// proves (a database connected as the role owning the umdesk tables,
    /// the administrator who ran `store init`): that owner may make the
    /// roster's first entry, whatever their operating-system user.
    fn connected_as_owner(&self) -> bool {
        false
    }
    /// Saves `roster` over the stored version `expected_version` (0 when
    /// there is none yet) and appends `change` (who, what) to the access
    /// log. Returns the roster as saved, with its new version. If the
    /// stored roster has moved on, nothing is written: `RosterConflict`.
    fn save_roster(
        &self,
        roster: &Roster,
        expected_version: u64,
        change: &AccessEntry,
    ) -> Result<Roster, StoreError>;

    /// Permission problems of the store itself.
    fn warnings(&self) -> Vec<StoreWarning>;

    /// Where the store is, for messages ("saved to ..."): a directory, or a
    /// database URL with its password masked.
    fn location(&self) -> String;
    /// Where one case is kept, for messages.
    fn case_location(&self, id: &str) -> String;

    /// Whether the app should read the queue a page at a time
    /// ([`CaseStore::queue_page`]) rather than list it whole: a store too
    /// large to hold in a session's memory.
    fn pages_queue(&self) -> bool {
        false
    }

    /// A page of the queue, filtered by the store ([`queue`]).
    fn queue_page(&self, query: &QueueQuery) -> Result<QueuePage, StoreError> {
        Ok(queue::page_of(&self.list().cases, query))
    }

    /// How many cases pass `query`'s filter (its page is ignored),
    /// counted no further than `up_to`: a count of `up_to` means at least
    /// that many. A queue filtered as the reviewer types is counted to a
    /// bound, so that a million cases cost what a thousand do.
    fn count_queue(&self, query: &QueueQuery, up_to: usize) -> Result<usize, StoreError> {
        Ok(queue::count_of(&self.list().cases, query).min(up_to))
    }

    /// The dashboard's figures over every case, as of `now`.
    fn figures(&self, now: OffsetDateTime) -> Result<crate::case::stats::Stats, StoreError> {
        Ok(crate::case::stats::compute(&self.list().cases, now))
    }

    /// The ids of the cases first finalized in `year`: the cases the year's
    /// CMS-0057-F figures count.
    fn decided_in(&self, year: i32) -> Result<Vec<String>, StoreError> {
        Ok(self
            .list()
            .cases
            .iter()
            .filter(|c| c.first_final_at.is_some_and(|at| at.year() == year))
            .map(|c| c.id.to_string())
            .collect())
    }

    /// Calls `wake` with a case's id whenever anyone creates, saves, locks
    /// or unlocks it, until the returned [`Watching`] is dropped
    /// ([`watch`]).
    fn watch(&self, wake: Wake) -> Result<Watching, StoreError> {
        drop(wake);
        Ok(Watching::inert())
    }

    /// The case imported from the PAS request whose key is `key`
    /// ([`crate::case::PasRequest::key`]), if there is one: importing the
    /// same request twice gives the case made the first time.
    fn find_by_request(&self, key: &str) -> Result<Option<String>, StoreError>;
}

/// Who did something, for locks and the access log.
pub use crate::identity::actor;
