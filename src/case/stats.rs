//! Queue statistics for supervisors: one pure function over case summaries,
//! so `umdesk stats` and the app's dashboard always agree, and neither has
//! to load every case.
//!
//! Definitions:
//! - *open*: [`Status::is_open`]: a case whose status is not final (in
//!   review, pended, referred, reopened); only open cases are overdue or due.
//! - *overdue*: [`super::due::is_overdue`]: open, and its due time is
//!   before now.
//! - *due today*: open, not overdue, and due before the end of today's
//!   calendar date at now's offset.
//! - *decided*: a case whose current determination was recorded by the
//!   reviewer (any decision: approve, pend, refer, uphold, overturn, close).
//! - *turnaround*: from the request's receipt to its first final
//!   determination (the original one, for an amended case), in hours.
//!   Median of an even count is the mean of the middle two; p90 is the
//!   nearest-rank 90th percentile.
//! - *QA agreement*: over the reviewer's cases that have a QA review (the
//!   latest one counts), the share whose review agrees with the outcome,
//!   and the share of criterion verdicts that agree.

use std::collections::BTreeMap;

use serde::Serialize;
use time::{Duration, OffsetDateTime, Time};

use super::summary::CaseSummary;
use super::{Case, Outcome, Status};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    pub total: usize,
    /// Every status, by key (`in_review`, ...), zeros included.
    pub by_status: BTreeMap<String, usize>,
    /// Every outcome by key, plus `undecided` for cases without a determination.
    pub by_outcome: BTreeMap<String, usize>,
    pub open: usize,
    pub overdue: usize,
    pub due_today: usize,
    pub turnaround: Turnaround,
    /// Turnaround distribution, in fixed buckets, for a bar chart.
    pub turnaround_buckets: Vec<Bucket>,
    /// One row per reviewer who decided a case or whose work was QA-reviewed.
    pub reviewers: Vec<ReviewerStats>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Turnaround {
    /// How many finalized cases the figures are over.
    pub count: usize,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub label: &'static str,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewerStats {
    pub reviewer: String,
    pub decided: usize,
    pub qa_reviewed: usize,
    pub qa_outcome_agreed: usize,
    /// Share of QA-reviewed cases whose outcome the QA reviewer agreed with.
    pub qa_agreement_rate: Option<f64>,
    /// Share of criterion verdicts of those reviews that agree.
    pub qa_criteria_agreement_rate: Option<f64>,
    pub turnaround: Turnaround,
}

/// Upper bounds (exclusive, hours) and labels of the turnaround buckets.
pub const BUCKETS: [(f64, &str); 5] = [
    (24.0, "under 1 day"),
    (72.0, "1-3 days"),
    (168.0, "3-7 days"),
    (360.0, "7-15 days"),
    (f64::INFINITY, "15 days or more"),
];

#[derive(Default)]
struct Tally {
    decided: usize,
    qa_reviewed: usize,
    qa_outcome_agreed: usize,
    qa_criteria: usize,
    qa_criteria_agreed: usize,
    turnaround_hours: Vec<f64>,
}

/// The figures over whole cases, for a caller that holds them anyway.
pub fn of_cases(cases: &[Case], now: OffsetDateTime) -> Stats {
    let summaries: Vec<CaseSummary> = cases.iter().map(CaseSummary::of).collect();
    compute(&summaries, now)
}

/// Every status and outcome (and "undecided") counted zero, so that the
/// figures name each even when no case has it.
pub fn zero_counts() -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
    let by_status = Status::ALL
        .iter()
        .map(|s| (s.key().to_string(), 0))
        .collect();
    let mut by_outcome: BTreeMap<String, usize> = Outcome::ALL
        .iter()
        .map(|o| (o.key().to_string(), 0))
        .collect();
    by_outcome.insert("undecided".to_string(), 0);
    (by_status, by_outcome)
}

/// The figures over the summaries of a queue, as of `now`.
pub fn compute(cases: &[CaseSummary], now: OffsetDateTime) -> Stats {
    let (mut by_status, mut by_outcome) = zero_counts();
    let end_of_today = end_of_day(now);
    let (mut open, mut overdue, mut due_today) = (0, 0, 0);
    let mut all_hours = Vec::new();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();

    for case in cases {
        *by_status.entry(case.status.key().to_string()).or_default() += 1;
        let outcome = case.outcome.map(|o| o.key()).unwrap_or("undecided");
        *by_outcome.entry(outcome.to_string()).or_default() += 1;
        if case.is_open() {
            open += 1;
            if case.is_overdue(now) {
                overdue += 1;
            } else if case.due_at < end_of_today {
                due_today += 1;
            }
        }
        if let Some(by) = case.decided_by() {
            tally_of(&mut tallies, by).decided += 1;
        }
        if let Some((by, at)) = case.first_final_by().zip(case.first_final_at) {
            let hours = hours(at - case.received_at);
            all_hours.push(hours);
            tally_of(&mut tallies, by).turnaround_hours.push(hours);
        }
        if let Some((reviewed, qa)) = case.qa_reviewed().zip(case.qa) {
            let tally = tally_of(&mut tallies, reviewed);
            tally.qa_reviewed += 1;
            tally.qa_outcome_agreed += usize::from(qa.outcome_agrees);
            tally.qa_criteria += qa.criteria as usize;
            tally.qa_criteria_agreed += qa.criteria_agreed as usize;
        }
    }

    let turnaround_buckets = BUCKETS
        .iter()
        .enumerate()
        .map(|(i, (upper, label))| {
            let lower = if i == 0 {
                f64::NEG_INFINITY
            } else {
                BUCKETS[i - 1].0
            };
            Bucket {
                label,
                count: all_hours
                    .iter()
                    .filter(|h| **h >= lower && **h < *upper)
                    .count(),
            }
        })
        .collect();
    let reviewers = tallies
        .into_iter()
        .map(|(reviewer, tally)| ReviewerStats {
            reviewer,
            decided: tally.decided,
            qa_reviewed: tally.qa_reviewed,
            qa_outcome_agreed: tally.qa_outcome_agreed,
            qa_agreement_rate: rate(tally.qa_outcome_agreed, tally.qa_reviewed),
            qa_criteria_agreement_rate: rate(tally.qa_criteria_agreed, tally.qa_criteria),
            turnaround: turnaround(tally.turnaround_hours),
        })
        .collect();
    Stats {
        total: cases.len(),
        by_status,
        by_outcome,
        open,
        overdue,
        due_today,
        turnaround: turnaround(all_hours),
        turnaround_buckets,
        reviewers,
    }
}

/// The reviewer's row, made on first sight (the name is copied once).
fn tally_of<'a>(tallies: &'a mut BTreeMap<String, Tally>, name: &str) -> &'a mut Tally {
    if !tallies.contains_key(name) {
        tallies.insert(name.to_string(), Tally::default());
    }
    tallies.get_mut(name).expect("inserted above")
}

fn hours(span: Duration) -> f64 {
    span.whole_seconds() as f64 / 3600.0
}

/// The end of `now`'s day, in its offset: what "due today" counts up to.
pub(crate) fn end_of_day(now: OffsetDateTime) -> OffsetDateTime {
    now.replace_time(Time::MIDNIGHT) + Duration::days(1)
}

fn rate(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn turnaround(mut hours: Vec<f64>) -> Turnaround {
    hours.sort_by(f64::total_cmp);
    Turnaround {
        count: hours.len(),
        median_hours: median(&hours),
        p90_hours: nearest_rank(&hours, 0.9),
    }
}

/// The median of sorted values.
pub fn median(sorted: &[f64]) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    Some(if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    })
}

/// The nearest-rank percentile of sorted values: the smallest value with at
/// least `p` of the values at or below it.
pub fn nearest_rank(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[1.0, 2.0, 4.0, 8.0]), Some(3.0));
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(nearest_rank(&ten, 0.9), Some(9.0));
        let eleven: Vec<f64> = (1..=11).map(f64::from).collect();
        assert_eq!(nearest_rank(&eleven, 0.9), Some(10.0));
        assert_eq!(nearest_rank(&[5.0], 0.9), Some(5.0));
    }

    fn open_case(id: &str, received_at: OffsetDateTime, due_in: Duration) -> CaseSummary {
        CaseSummary::new(crate::case::summary::SummaryParts {
            id,
            member: "Fictional Member",
            member_id: "FIC1",
            status: Status::InReview,
            outcome: None,
            received_at,
            due_at: received_at + due_in,
            reviewer: None,
            decided_at: None,
        })
    }

    #[test]
    fn overdue_and_due_today_are_apart() {
        let now = time::macros::datetime!(2026-12-01 09:00 -5);
        let expedited = Duration::hours(72);
        let cases = [
            // Due 2026-12-01 08:00, an hour ago.
            open_case("A", now - Duration::hours(73), expedited),
            // Due 2026-12-01 20:00, later today.
            open_case("B", now - Duration::hours(61), expedited),
            // Due tomorrow morning.
            open_case("C", now - Duration::hours(48), expedited),
            // Due in a week.
            open_case("D", now, Duration::days(7)),
        ];
        let stats = compute(&cases, now);
        assert_eq!((stats.open, stats.overdue, stats.due_today), (4, 1, 1));
        assert_eq!(stats.by_status["in_review"], 4);
        assert_eq!(stats.by_outcome["undecided"], 4);
    }

    #[test]
    fn an_empty_queue_has_zeros() {
        let stats = compute(&[], time::macros::datetime!(2026-12-01 09:00 UTC));
        assert_eq!(stats.total, 0);
        assert_eq!(stats.by_status["in_review"], 0);
        assert_eq!(stats.by_outcome["undecided"], 0);
        assert_eq!(stats.turnaround.median_hours, None);
        assert!(stats.reviewers.is_empty());
        assert_eq!(stats.turnaround_buckets.len(), 5);
    }
}
