//! The queue a page at a time: a store too large to list whole (a
//! department's database) hands the app the cases around where the
//! reviewer is, in queue order, filtered by the store itself.
//!
//! The filter is the same everywhere: the lower-cased text of a case's id,
//! member, member id and assigned reviewer holds the filter's text, and the
//! case has the chosen status. [`page_of`] does it over a listing held in
//! memory; the PostgreSQL store does it with an index.

use time::OffsetDateTime;

use crate::case::Status;
use crate::case::summary::CaseSummary;

/// Where a case stands in the queue's order ([`CaseSummary::queue_order`]):
/// open before final, then by due time, then by id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct QueueKey {
    pub is_final: bool,
    pub due_at: OffsetDateTime,
    pub id: String,
}

impl QueueKey {
    pub fn of(case: &CaseSummary) -> QueueKey {
        QueueKey {
            is_final: case.status.is_final(),
            due_at: case.due_at,
            id: case.id.to_string(),
        }
    }
}

/// Which cases a page holds, relative to a case of the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageFrom {
    /// The head of the queue.
    Start,
    /// The cases after this one.
    After(QueueKey),
    /// The cases before this one (the page still in queue order).
    Before(QueueKey),
    /// This case (if it still passes) and those after it: a page shown
    /// again after the store changed.
    At(QueueKey),
}

/// A page of the queue to fetch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueQuery {
    /// Text the case must hold (any case, lower-cased by the store);
    /// empty: every case.
    pub text: String,
    pub status: Option<Status>,
    pub from: PageFrom,
    /// At most this many cases.
    pub limit: usize,
}

impl QueueQuery {
    /// The filter's text as the stores compare it.
    pub fn needle(&self) -> String {
        self.text.trim().to_lowercase()
    }
}

/// A run of the queue, in queue order.
#[derive(Debug, Default)]
pub struct QueuePage {
    pub cases: Vec<CaseSummary>,
    /// Whether cases passing the filter come before the page.
    pub more_before: bool,
    /// Whether cases passing the filter come after the page.
    pub more_after: bool,
}

/// The lower-cased text a filter is looked for in: the same for every
/// store.
pub fn search_text(case: &CaseSummary) -> String {
    format!(
        "{} {} {} {}",
        case.id,
        case.member(),
        case.member_id(),
        case.reviewer().unwrap_or("")
    )
    .to_lowercase()
}

/// `query`'s page of `cases`, which are in queue order: for stores that
/// hold the whole listing anyway.
pub fn page_of(cases: &[CaseSummary], query: &QueueQuery) -> QueuePage {
    let needle = query.needle();
    let passes = |case: &&CaseSummary| {
        query.status.is_none_or(|s| case.status == s)
            && (needle.is_empty() || search_text(case).contains(&needle))
    };
    let matching: Vec<&CaseSummary> = cases.iter().filter(passes).collect();
    let position = |key: &QueueKey| matching.partition_point(|case| QueueKey::of(case) < *key);
    let (start, end) = match &query.from {
        PageFrom::Start => (0, query.limit.min(matching.len())),
        PageFrom::At(key) => {
            let start = position(key);
            (start, (start + query.limit).min(matching.len()))
        }
        PageFrom::After(key) => {
            let start = matching.partition_point(|case| QueueKey::of(case) <= *key);
            (start, (start + query.limit).min(matching.len()))
        }
        PageFrom::Before(key) => {
            let end = position(key);
            (end.saturating_sub(query.limit), end)
        }
    };
    QueuePage {
        cases: matching[start..end].iter().map(|c| (*c).clone()).collect(),
        more_before: start > 0,
        more_after: end < matching.len(),
    }
}

/// How many of `cases` pass `query`'s filter.
pub fn count_of(cases: &[CaseSummary], query: &QueueQuery) -> usize {
    let needle = query.needle();
    cases
        .iter()
        .filter(|case| {
            query.status.is_none_or(|s| case.status == s)
                && (needle.is_empty() || search_text(case).contains(&needle))
        })
        .count()
}
