//! The queue a page at a time, in queue order, filtered by the database:
//! keyset paging on `cases_queue` (no OFFSET: a page deep in a million
//! cases costs what the first does) and the trigram index `cases_search`.

use ::postgres::Row;
use ::postgres::types::ToSql;
use time::OffsetDateTime;

use super::{PostgresStore, status_column};
use crate::case::summary::{CaseSummary, FigureParts, QaVerdicts, SummaryParts};
use crate::case::{Outcome, Status};
use crate::store::queue::{PageFrom, QueueKey, QueuePage, QueueQuery};
use crate::store::{CachedListing, Listing, StoreError};

/// The columns a summary is rebuilt from, in [`summary_of`]'s order.
const SUMMARY_COLUMNS: &str = "id, status, outcome, received_at, due_at, decided_at, member, \
     member_id, reviewer, decided_by, first_final_by, first_final_at, qa_reviewed, \
     qa_outcome_agrees, qa_criteria, qa_criteria_agreed";

/// The queue's order, and its reverse for a page before a case.
const FORWARD: &str = "ORDER BY is_final, due_at, id COLLATE \"C\"";
const BACKWARD: &str = "ORDER BY is_final DESC, due_at DESC, id COLLATE \"C\" DESC";

/// A query's WHERE clause and its parameters, numbered from $1.
struct Filter {
    clauses: Vec<String>,
    parameters: Vec<Box<dyn ToSql + Sync>>,
}

impl Filter {
    fn of(query: &QueueQuery) -> Filter {
        let mut filter = Filter {
            clauses: Vec::new(),
            parameters: Vec::new(),
        };
        if let Some(status) = query.status {
            filter.add("status = $?", Box::new(status_column(status)));
        }
        let needle = query.needle();
        if !needle.is_empty() {
            filter.add(
                "search LIKE $?",
                Box::new(format!("%{}%", escape_like(&needle))),
            );
        }
        filter
    }

    /// Adds `clause`, whose one `$?` is the next parameter.
    fn add(&mut self, clause: &str, parameter: Box<dyn ToSql + Sync>) {
        self.parameters.push(parameter);
        let number = format!("${}", self.parameters.len());
        self.clauses.push(clause.replace("$?", &number));
    }

    /// Cases strictly after (`>`), from (`>=`) or before (`<`) `key`.
    fn relative_to(&mut self, operator: &str, key: &QueueKey) {
        let n = self.parameters.len();
        self.clauses.push(format!(
            "(is_final, due_at, id COLLATE \"C\") {operator} (${}::boolean, ${}::timestamptz, ${}::text)",
            n + 1,
            n + 2,
            n + 3
        ));
        self.parameters.push(Box::new(key.is_final));
        self.parameters.push(Box::new(key.due_at));
        self.parameters.push(Box::new(key.id.clone()));
    }

    fn where_clause(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }

    fn parameters(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.parameters.iter().map(|p| p.as_ref()).collect()
    }
}

/// `text` with LIKE's wildcards and escape taken literally.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

impl PostgresStore {
    pub(super) fn page(&self, query: &QueueQuery) -> Result<QueuePage, StoreError> {
        let mut client = self.client()?;
        let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
        // One more than asked: whether there are more, at no extra query.
        let fetch = limit.saturating_add(1);
        let mut filter = Filter::of(query);
        let (order, backward) = match &query.from {
            PageFrom::Start => (FORWARD, false),
            PageFrom::After(key) => {
                filter.relative_to(">", key);
                (FORWARD, false)
            }
            PageFrom::At(key) => {
                filter.relative_to(">=", key);
                (FORWARD, false)
            }
            PageFrom::Before(key) => {
                filter.relative_to("<", key);
                (BACKWARD, true)
            }
        };
        let sql = format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases {} {order} LIMIT {fetch}",
            filter.where_clause()
        );
        let rows = client
            .query(&sql, &filter.parameters())
            .map_err(self.err())?;
        let more = rows.len() as i64 > limit;
        let mut cases = rows
            .iter()
            .take(query.limit)
            .map(|row| summary_of(row, &self.location))
            .collect::<Result<Vec<_>, _>>()?;
        if backward {
            cases.reverse();
        }
        let mut neighbour = |key: Option<QueueKey>, operator: &str| match key {
            Some(key) => self.any_case(&mut client, query, operator, &key),
            None => Ok(false),
        };
        let (more_before, more_after) = match &query.from {
            PageFrom::Start => (false, more),
            PageFrom::Before(_) => (more, neighbour(cases.last().map(QueueKey::of), ">")?),
            PageFrom::After(_) | PageFrom::At(_) => {
                (neighbour(cases.first().map(QueueKey::of), "<")?, more)
            }
        };
        Ok(QueuePage {
            cases,
            more_before,
            more_after,
        })
    }

    /// Whether any case passing `query`'s filter lies `operator` `key`.
    fn any_case(
        &self,
        client: &mut ::postgres::Client,
        query: &QueueQuery,
        operator: &str,
        key: &QueueKey,
    ) -> Result<bool, StoreError> {
        let mut filter = Filter::of(query);
        filter.relative_to(operator, key);
        let sql = format!(
            "SELECT EXISTS (SELECT 1 FROM cases {})",
            filter.where_clause()
        );
        Ok(client
            .query_one(&sql, &filter.parameters())
            .map_err(self.err())?
            .get(0))
    }

    pub(super) fn count(&self, query: &QueueQuery, up_to: usize) -> Result<usize, StoreError> {
        let filter = Filter::of(query);
        // Bounded, the planner picks by the text's frequency: a common one
        // is found by reading cases in order until the bound, a rare one
        // of three letters or more through the trigram index.
        let sql = match i64::try_from(up_to) {
            Ok(limit) => format!(
                "SELECT count(*) FROM (SELECT 1 FROM cases {} LIMIT {limit}) AS passing",
                filter.where_clause()
            ),
            Err(_) => format!("SELECT count(*) FROM cases {}", filter.where_clause()),
        };
        let count: i64 = self
            .client()?
            .query_one(&sql, &filter.parameters())
            .map_err(self.err())?
            .get(0);
        Ok(usize::try_from(count).unwrap_or(0))
    }

    /// Every case's summary, in queue order.
    pub(super) fn all_summaries(&self) -> Result<Vec<CaseSummary>, StoreError> {
        let rows = self
            .client()?
            .query(
                &format!("SELECT {SUMMARY_COLUMNS} FROM cases {FORWARD}"),
                &[],
            )
            .map_err(self.err())?;
        rows.iter()
            .map(|row| summary_of(row, &self.location))
            .collect()
    }

    /// The head of the queue for a first frame: one indexed page, with the
    /// rest counted later by the app.
    pub(super) fn head(&self, first: usize) -> Option<CachedListing> {
        let page = self
            .page(&QueueQuery {
                text: String::new(),
                status: None,
                from: PageFrom::Start,
                limit: first,
            })
            .ok()?;
        Some(CachedListing {
            listing: Listing {
                cases: page.cases,
                unreadable: Vec::new(),
            },
            more: 0,
            paged: true,
        })
    }
}

/// A queue row back into a summary.
fn summary_of(row: &Row, location: &str) -> Result<CaseSummary, StoreError> {
    let id: &str = row.get(0);
    let bad = |what: &str, value: &str| {
        super::problem(
            location,
            format!("case {id} has {what} {value:?} in its queue columns; run `umdesk store init`"),
        )
    };
    let status_text: &str = row.get(1);
    let status = Status::from_key(status_text).ok_or_else(|| bad("status", status_text))?;
    let outcome = match row.get::<_, Option<&str>>(2) {
        Some(key) => Some(
            Outcome::ALL
                .into_iter()
                .find(|o| o.key() == key)
                .ok_or_else(|| bad("outcome", key))?,
        ),
        None => None,
    };
    let received_at: Option<OffsetDateTime> = row.get(3);
    let received_at = received_at.ok_or_else(|| bad("received time", "none"))?;
    let first_final = row
        .get::<_, Option<&str>>(10)
        .zip(row.get::<_, Option<OffsetDateTime>>(11));
    let latest_qa = row.get::<_, Option<&str>>(12).map(|by| {
        (
            by,
            QaVerdicts {
                outcome_agrees: row.get::<_, Option<bool>>(13).unwrap_or(false),
                criteria: unsigned(row.get(14)),
                criteria_agreed: unsigned(row.get(15)),
            },
        )
    });
    Ok(CaseSummary::with_figures(
        SummaryParts {
            id,
            member: row.get(6),
            member_id: row.get(7),
            status,
            outcome,
            received_at,
            due_at: row.get(4),
            reviewer: row.get(8),
            decided_at: row.get(5),
        },
        FigureParts {
            decided_by: row.get(9),
            first_final,
            latest_qa,
        },
    ))
}

fn unsigned(value: Option<i32>) -> u32 {
    value.and_then(|v| u32::try_from(v).ok()).unwrap_or(0)
}
