//! All file I/O of cases lives here, behind [`CaseStore`], so a database
//! store can replace the file store without the app noticing.

mod access_log;
mod file;
mod fsutil;
mod index;
pub mod location;
mod lock;

pub use access_log::{AccessEntry, AccessLogIntegrity};
pub use file::FileStore;
pub use lock::{LockHolder, LockInfo, hostname, process_alive};

/// The clock moved to the crate root (the domain and the store share it);
/// this path stays for the callers that still name it here.
pub use crate::clock;

use time::OffsetDateTime;

pub use crate::case::summary::{CaseSummary, FigureParts, QaVerdicts, SummaryParts};
use crate::case::{Case, Reviewer};

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
}

#[derive(Debug)]
pub enum StoreError {
    NotFound(String),
    /// The file exists but is not a case; it is left as it is.
    Unreadable(Unreadable),
    /// Someone else saved the case since it was loaded; nothing was written.
    Conflict {
        id: String,
        detail: String,
    },
    /// Another editor holds the case.
    Locked(Box<LockInfo>),
    InvalidId(String),
    /// The store could not be read or written at `location`.
    Io {
        location: String,
        error: std::io::Error,
    },
}

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoreError::NotFound(id) => write!(f, "no case {id} in the store"),
            StoreError::Unreadable(u) => write!(f, "{}: {}", u.location, u.reason),
            StoreError::Conflict { id, detail } => {
                write!(f, "case {id} was changed by someone else: {detail}")
            }
            StoreError::Locked(info) => write!(f, "{}", info.describe()),
            StoreError::InvalidId(problem) => write!(f, "{problem}"),
            StoreError::Io { location, error } => write!(f, "{location}: {error}"),
        }
    }
}

impl std::error::Error for StoreError {}

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
    /// Whether the session of `holder` is still alive: None when the store
    /// cannot tell (then only a lock's age speaks).
    fn session_alive(&self, holder: &LockHolder) -> Option<bool>;

    /// Takes the edit lock on a case, or says who holds it.
    fn lock(&self, id: &str, holder: &LockHolder) -> Result<LockInfo, StoreError>;
    fn unlock(&self, id: &str, holder: &LockHolder) -> Result<(), StoreError>;
    fn lock_info(&self, id: &str) -> Option<LockInfo>;
    /// Removes the lock `expected`, and only that one: if the case's lock is
    /// now another (its holder came back and took it over), nothing is
    /// removed and `Locked` names the lock as it is.
    fn break_lock(&self, id: &str, expected: &LockInfo) -> Result<LockInfo, StoreError>;

    /// Drafts: the unsaved work of an open review or intake. Returns where
    /// the draft went, for messages.
    fn save_draft(&self, key: &DraftKey, draft_json: &str) -> Result<String, StoreError>;
    /// Every draft in the store, whoever wrote it.
    fn drafts(&self) -> Vec<DraftInfo>;
    fn load_draft(&self, key: &DraftKey) -> Result<String, StoreError>;
    fn discard_draft(&self, key: &DraftKey) -> Result<(), StoreError>;

    /// Appends to the append-only, hash-chained access log.
    fn log_access(&self, entry: &AccessEntry) -> Result<(), StoreError>;
    fn access_log(&self, case_id: Option<&str>) -> Result<Vec<AccessEntry>, StoreError>;
    fn verify_access_log(&self) -> AccessLogIntegrity;

    /// Permission problems of the store itself.
    fn warnings(&self) -> Vec<StoreWarning>;

    /// Where the store is, for messages ("saved to ..."): a directory, or a
    /// database URL with its password masked.
    fn location(&self) -> String;
    /// Where one case is kept, for messages.
    fn case_location(&self, id: &str) -> String;
}

/// Who did something, for locks and the access log.
pub fn actor(reviewer: &Reviewer) -> String {
    format!("{} ({})", reviewer.name, reviewer.role.label())
}
