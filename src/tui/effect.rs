//! What the app asks the outside world to do, and what comes back.
//!
//! Handling a key changes the app's state and returns [`Effect`]s; it never
//! touches the store itself. A runner ([`super::runner`]) performs them,
//! slow ones off the input thread, and feeds each result back to the app
//! as a [`Done`]. So a test can assert what a key asks for without any
//! store, and a key never waits on the disk.

use time::{Date, OffsetDateTime};

use crate::case::{Case, Reviewer, Role};
use crate::store::{DraftInfo, DraftKey, Listing, LockHolder, LockInfo, QueuePage, QueueQuery};

use super::screens::dashboard::DashboardState;

/// One thing for the runner to do.
#[derive(Debug, Clone)]
pub enum Effect {
    /// The whole queue. Slow on a large store. A store that pages its
    /// queue answers [`Done::QueuePaged`] instead.
    ListQueue,
    /// A page of the queue, from a store that pages it: what the reviewer
    /// waits on as they type a filter or scroll, so it is never slow.
    QueuePage(QueueQuery),
    /// How many cases pass a filter, counted up to the query's limit: may
    /// take a moment over a large store.
    CountQueue(QueueQuery),
    /// Who is in which case now, for the queue.
    ReadLocks,
    /// The store's own permission problems. Slow: it looks at every file.
    CheckStore,
    /// Drafts of `author` left by sessions that are gone.
    FindDrafts {
        author: String,
        session: String,
    },
    /// Load a case and, when the role, its status and its lock allow, lock
    /// it for editing; otherwise show it read-only. Either way the access
    /// is logged first.
    Open(OpenRequest),
    /// Load a case to show it read-only, logging the access.
    View {
        id: String,
        holder: LockHolder,
        banner: Option<String>,
        now: OffsetDateTime,
        /// A lock older than this, whose session cannot be checked, is stale.
        stale_after: time::Duration,
    },
    /// Create a case from the intake, its creation in its history.
    Create {
        case: Box<Case>,
        received: Date,
        reviewer: Reviewer,
        at: OffsetDateTime,
        /// The intake's draft, discarded once the case exists.
        draft: DraftKey,
        /// What the app does once the case exists: open it, or quit.
        then: SavePurpose,
    },
    /// Read a PAS request file and create its case (or find the case the
    /// same request made before); then open it, as after `Create`.
    ImportPas {
        path: std::path::PathBuf,
        policy: Box<crate::policy::LoadedPolicy>,
        due_table: crate::case::due::DueTable,
        reviewer: Reviewer,
        at: OffsetDateTime,
        /// The intake's draft, discarded once the case exists.
        draft: DraftKey,
    },
    /// Save a case over the version whose last history digest is
    /// `expected`; on success its draft goes.
    Save {
        case: Box<Case>,
        expected: String,
        purpose: SavePurpose,
        draft: Option<DraftKey>,
        /// Sign the case's last history entry (a decision, an amendment,
        /// a QA review) before it is saved.
        sign: Option<Signing>,
    },
    Unlock {
        id: String,
        holder: LockHolder,
    },
    WriteDraft {
        key: DraftKey,
        json: String,
    },
    DiscardDraft {
        key: DraftKey,
    },
    /// Recover a draft: load it and open its case for editing.
    Recover {
        draft: DraftKey,
        open: OpenRequest,
    },
    /// Break the lock `expected` (a supervisor's act on a stale lock).
    BreakLock {
        id: String,
        expected: LockInfo,
    },
    /// The drafts of case `id` whose sessions are gone.
    FindCaseDrafts {
        id: String,
    },
    /// Hand a lost session's draft to `to`: the draft is copied as theirs,
    /// the old one goes, and `case` (its history saying so) is saved.
    HandOverDraft {
        draft: DraftKey,
        to: String,
        case: Box<Case>,
        expected: String,
    },
    /// The dashboard's figures. Slow: they cover the whole store.
    Dashboard {
        now: OffsetDateTime,
    },
    /// The CMS-0057-F figures of a year, for the dashboard's panel. Slow:
    /// it reads every case decided that year.
    CmsFigures {
        year: i32,
    },
}

impl Effect {
    /// Effects that may take long on a large store run on their own worker,
    /// so opening or saving a case never waits behind them.
    pub fn is_slow(&self) -> bool {
        matches!(
            self,
            Effect::ListQueue
                | Effect::CountQueue(_)
                | Effect::ReadLocks
                | Effect::CheckStore
                | Effect::Dashboard { .. }
                | Effect::CmsFigures { .. }
        )
    }
}

/// How an act is signed: with which key, and whether it must be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signing {
    pub key: Option<crate::identity::signing::Signer>,
    /// The store has a roster: an act that cannot be signed is not saved.
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct OpenRequest {
    pub id: String,
    pub holder: LockHolder,
    pub role: Role,
    /// A lock older than this, whose holder cannot be checked, is stale.
    pub stale_after: time::Duration,
    pub now: OffsetDateTime,
    /// The session whose draft is being recovered: that session is gone,
    /// so its lock is this one's to take over.
    pub recovering: Option<String>,
}

/// Why a case is being saved: what the app does once it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SavePurpose {
    /// ^S: stay in the case.
    Save,
    /// Save, then leave the case for the queue.
    SaveAndLeave,
    /// Save, then quit.
    SaveAndQuit,
    /// A signed determination: back to the queue.
    Finalize,
    /// A supervisor's act on the viewed case.
    Supervise,
}

/// A case loaded for the review or the case view.
#[derive(Debug, Clone)]
pub struct Opened {
    pub case: Case,
    pub mode: OpenMode,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OpenMode {
    /// Locked for this session.
    Edit,
    /// Shown read-only, saying why, with the lock if someone holds one.
    ReadOnly {
        banner: Option<String>,
        lock: Option<LockInfo>,
        /// The lock's session is gone, or too old to tell.
        lock_is_stale: bool,
    },
}

/// What performing an effect came to.
#[derive(Debug)]
pub enum Done {
    Queue(Listing),
    /// The store reads its queue a page at a time: the app asks for pages.
    QueuePaged,
    QueuePage {
        query: QueueQuery,
        result: Result<QueuePage, String>,
    },
    QueueCounted {
        query: QueueQuery,
        result: Result<usize, String>,
    },
    /// Each locked case's id and who holds it.
    Locks(Vec<(String, String)>),
    StoreChecked(Vec<String>),
    Drafts(Vec<DraftInfo>),
    CaseDrafts {
        id: String,
        drafts: Vec<DraftInfo>,
    },
    Opened(Result<Opened, String>),
    /// The new case's id and where it is kept.
    Created {
        then: SavePurpose,
        result: Result<(String, String), String>,
    },
    /// The case as saved, and where it is kept.
    Saved {
        purpose: SavePurpose,
        result: Result<(Case, String), String>,
    },
    DraftWritten {
        key: DraftKey,
        result: Result<String, String>,
    },
    DraftDiscarded(Result<(), String>),
    /// A draft and its case opened (none for an intake's draft).
    Recovered {
        draft: DraftKey,
        result: Result<(Option<Opened>, String), String>,
    },
    LockBroken(Result<LockInfo, String>),
    Dashboard(Box<DashboardState>),
    CmsFigures(Result<super::screens::dashboard::CmsPanel, String>),
    /// Nothing to report (an unlock).
    Nothing,
    /// The effect failed in a way with nothing else to say.
    Failed(String),
}
