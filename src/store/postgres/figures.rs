//! The dashboard's figures, computed by the database over the queue's
//! columns: the same [`Stats`] as [`crate::case::stats::compute`] over
//! every summary, without reading a million cases into a session.

use time::OffsetDateTime;

use super::PostgresStore;
use crate::case::Status;
use crate::case::stats::{BUCKETS, Bucket, ReviewerStats, Stats, Turnaround};
use crate::store::StoreError;

/// A finalized case's turnaround in hours, as the Rust figures take it:
/// whole seconds from receipt to the first final determination.
const HOURS: &str =
    "(trunc(extract(epoch FROM first_final_at - received_at))::float8 / 3600.0::float8)";

impl PostgresStore {
    pub(super) fn compute_figures(&self, now: OffsetDateTime) -> Result<Stats, StoreError> {
        let mut client = self.client()?;
        let mut tx = client
            .build_transaction()
            .read_only(true)
            .isolation_level(::postgres::IsolationLevel::RepeatableRead)
            .start()
            .map_err(self.err())?;
        let end_of_today = crate::case::stats::end_of_day(now);
        let (mut by_status, mut by_outcome) = crate::case::stats::zero_counts();
        let (mut total, mut open, mut overdue, mut due_today) = (0, 0, 0, 0);
        let rows = tx
            .query(
                "SELECT status, outcome, count(*), \
                 count(*) FILTER (WHERE due_at < $1), \
                 count(*) FILTER (WHERE due_at >= $1 AND due_at < $2) \
                 FROM cases GROUP BY status, outcome",
                &[&now, &end_of_today],
            )
            .map_err(self.err())?;
        for row in rows {
            let status: String = row.get(0);
            let outcome: Option<String> = row.get(1);
            let [count, past_due, due_later_today] = [2, 3, 4].map(|i| count_at(&row, i));
            total += count;
            *by_status.entry(status.clone()).or_default() += count;
            *by_outcome
                .entry(outcome.unwrap_or_else(|| "undecided".to_string()))
                .or_default() += count;
            if Status::from_key(&status).is_some_and(Status::is_open) {
                open += count;
                overdue += past_due;
                due_today += due_later_today;
            }
        }
        let finalized =
            "FROM cases WHERE first_final_by IS NOT NULL AND first_final_at IS NOT NULL";
        let row = tx
            .query_one(
                &format!(
                    "SELECT count(*), \
                     percentile_cont(0.5) WITHIN GROUP (ORDER BY {HOURS}), \
                     percentile_disc(0.9) WITHIN GROUP (ORDER BY {HOURS}), {} {finalized}",
                    bucket_counts()
                ),
                &[],
            )
            .map_err(self.err())?;
        let turnaround = turnaround_at(&row, 0);
        let turnaround_buckets = BUCKETS
            .iter()
            .enumerate()
            .map(|(i, (_, label))| Bucket {
                label,
                count: count_at(&row, 3 + i),
            })
            .collect();
        let reviewers = tx
            .query(
                &format!(
                    "WITH decided AS (SELECT decided_by AS reviewer, count(*) AS decided \
                       FROM cases WHERE decided_by IS NOT NULL GROUP BY 1), \
                     finalized AS (SELECT first_final_by AS reviewer, count(*) AS n, \
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY {HOURS}) AS median, \
                       percentile_disc(0.9) WITHIN GROUP (ORDER BY {HOURS}) AS p90 \
                       {finalized} GROUP BY 1), \
                     checked AS (SELECT qa_reviewed AS reviewer, count(*) AS reviewed, \
                       count(*) FILTER (WHERE qa_outcome_agrees) AS agreed, \
                       sum(qa_criteria)::bigint AS criteria, \
                       sum(qa_criteria_agreed)::bigint AS criteria_agreed \
                       FROM cases WHERE qa_reviewed IS NOT NULL GROUP BY 1) \
                     SELECT reviewer, coalesce(n, 0), median, p90, coalesce(decided, 0), \
                       coalesce(reviewed, 0), coalesce(agreed, 0), coalesce(criteria, 0), \
                       coalesce(criteria_agreed, 0) \
                     FROM decided FULL JOIN finalized USING (reviewer) \
                       FULL JOIN checked USING (reviewer) \
                     ORDER BY reviewer COLLATE \"C\""
                ),
                &[],
            )
            .map_err(self.err())?
            .iter()
            .map(|row| {
                let qa_reviewed = count_at(row, 5);
                let qa_outcome_agreed = count_at(row, 6);
                let criteria = count_at(row, 7);
                let criteria_agreed = count_at(row, 8);
                ReviewerStats {
                    reviewer: row.get(0),
                    decided: count_at(row, 4),
                    qa_reviewed,
                    qa_outcome_agreed,
                    qa_agreement_rate: rate(qa_outcome_agreed, qa_reviewed),
                    qa_criteria_agreement_rate: rate(criteria_agreed, criteria),
                    turnaround: turnaround_at(row, 1),
                }
            })
            .collect();
        tx.commit().map_err(self.err())?;
        Ok(Stats {
            total,
            by_status,
            by_outcome,
            open,
            overdue,
            due_today,
            turnaround,
            turnaround_buckets,
            reviewers,
        })
    }
}

/// One `count(*) FILTER` per turnaround bucket, as the Rust figures bound
/// them: each from the last one's upper bound (inclusive) to its own.
fn bucket_counts() -> String {
    let mut lower: Option<f64> = None;
    let mut columns = Vec::new();
    for (upper, _) in BUCKETS {
        let mut conditions = Vec::new();
        if let Some(lower) = lower {
            conditions.push(format!("{HOURS} >= {lower:?}"));
        }
        if upper.is_finite() {
            conditions.push(format!("{HOURS} < {upper:?}"));
        }
        if conditions.is_empty() {
            conditions.push("true".to_string());
        }
        columns.push(format!(
            "count(*) FILTER (WHERE {})",
            conditions.join(" AND ")
        ));
        lower = Some(upper);
    }
    columns.join(", ")
}

/// The count, the median and the 90th percentile from column `at` on.
fn turnaround_at(row: &::postgres::Row, at: usize) -> Turnaround {
    Turnaround {
        count: count_at(row, at),
        median_hours: row.get(at + 1),
        p90_hours: row.get(at + 2),
    }
}

fn count_at(row: &::postgres::Row, at: usize) -> usize {
    usize::try_from(row.get::<_, i64>(at)).unwrap_or(0)
}

fn rate(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}
