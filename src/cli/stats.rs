//! Queue statistics for supervisors: one pure function over the cases, so
//! `umdesk stats` and the app's dashboard always agree.
//!
//! Definitions:
//! - *open*: a case whose status is not final (in review, pended, referred,
//!   reopened); only open cases are overdue or due.
//! - *overdue*: open, and its due time is before now.
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

use crate::case::{Case, Outcome, Status};

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
const BUCKETS: [(f64, &str); 5] = [
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

/// The figures over `cases`, as of `now`.
pub fn compute(cases: &[Case], now: OffsetDateTime) -> Stats {
    let mut by_status: BTreeMap<String, usize> = Status::ALL
        .iter()
        .map(|s| (s.key().to_string(), 0))
        .collect();
    let mut by_outcome: BTreeMap<String, usize> = Outcome::ALL
        .iter()
        .map(|o| (o.key().to_string(), 0))
        .collect();
    by_outcome.insert("undecided".to_string(), 0);
    let end_of_today = end_of_day(now);
    let (mut open, mut overdue, mut due_today) = (0, 0, 0);
    let mut all_hours = Vec::new();
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();

    for case in cases {
        *by_status.entry(case.status.key().to_string()).or_default() += 1;
        let outcome = case
            .determination
            .as_ref()
            .map(|d| d.outcome.key())
            .unwrap_or("undecided");
        *by_outcome.entry(outcome.to_string()).or_default() += 1;
        if !case.status.is_final() {
            open += 1;
            let due = case.request.due_at;
            if due < now {
                overdue += 1;
            } else if due < end_of_today {
                due_today += 1;
            }
        }
        if let Some(determination) = &case.determination {
            tallies
                .entry(determination.decided_by.name.clone())
                .or_default()
                .decided += 1;
        }
        if let Some((by, hours)) = first_final_turnaround(case) {
            all_hours.push(hours);
            tallies.entry(by).or_default().turnaround_hours.push(hours);
        }
        if let Some(review) = case.qa_reviews.iter().max_by_key(|r| r.at) {
            let tally = tallies.entry(review.reviewed.clone()).or_default();
            tally.qa_reviewed += 1;
            tally.qa_outcome_agreed += usize::from(review.outcome_agrees);
            tally.qa_criteria += review.criteria.len();
            tally.qa_criteria_agreed += review.criteria.iter().filter(|c| c.agrees).count();
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

/// Who first finalized the case and how many hours after receipt.
fn first_final_turnaround(case: &Case) -> Option<(String, f64)> {
    let first = case.amendments.first().map(|a| &a.original).or(case
        .determination
        .as_ref()
        .filter(|_| case.status.is_final()))?;
    let hours = hours(first.decided_at - case.request.received_at);
    Some((first.decided_by.name.clone(), hours))
}

fn hours(span: Duration) -> f64 {
    span.whole_seconds() as f64 / 3600.0
}

fn end_of_day(now: OffsetDateTime) -> OffsetDateTime {
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

    fn open_case(id: &str, received_at: OffsetDateTime, urgency: crate::case::Urgency) -> Case {
        use crate::case::*;
        let policy = crate::policy::LoadedPolicy::embedded();
        let facts = RequestFacts {
            member: Member {
                name: "Fictional Member".to_string(),
                member_id: "FIC1".to_string(),
                date_of_birth: time::macros::date!(1960 - 01 - 01),
                product: Product::MedicareAdvantage,
            },
            provider: Provider {
                name: "Fictional Clinic".to_string(),
                npi: "1234567893".to_string(),
            },
            service: Service {
                cpt_codes: vec!["47371".to_string()],
                icd10_codes: vec!["C22.0".to_string()],
                planned_date: None,
            },
            received_at,
            urgency,
            lesions: Vec::new(),
        };
        new_case(id, facts, &policy, &crate::case::due::DueTable::default())
    }

    #[test]
    fn overdue_and_due_today_are_apart() {
        use crate::case::Urgency::{Expedited, Standard};
        let now = time::macros::datetime!(2026-12-01 09:00 -5);
        let cases = [
            // Expedited, 72 hours: due 2026-12-01 08:00, an hour ago.
            open_case("A", now - Duration::hours(73), Expedited),
            // Due 2026-12-01 20:00, later today.
            open_case("B", now - Duration::hours(61), Expedited),
            // Due tomorrow morning.
            open_case("C", now - Duration::hours(48), Expedited),
            // Standard, 7 days: due in a week.
            open_case("D", now, Standard),
        ];
        let stats = compute(&cases, now);
        assert_eq!((stats.open, stats.overdue, stats.due_today), (4, 1, 1));
        assert_eq!(stats.by_status["in_review"], 4);
        assert_eq!(stats.by_outcome["undecided"], 4);
    }

    #[test]
    fn generated_queues_add_up() {
        let policy = crate::policy::LoadedPolicy::embedded();
        let now = time::macros::datetime!(2026-12-01 09:00 UTC);
        let cases = crate::case::generate::generate(&policy, 60, 11, now);
        let stats = compute(&cases, now);
        assert_eq!(stats.total, 60);
        assert_eq!(stats.by_status.values().sum::<usize>(), 60);
        assert_eq!(stats.by_outcome.values().sum::<usize>(), 60);
        let finals = cases.iter().filter(|c| c.status.is_final()).count();
        assert_eq!(stats.open + finals, 60);
        let bucketed: usize = stats.turnaround_buckets.iter().map(|b| b.count).sum();
        assert_eq!(bucketed, stats.turnaround.count);
        let decided = cases.iter().filter(|c| c.determination.is_some()).count();
        assert_eq!(
            stats.reviewers.iter().map(|r| r.decided).sum::<usize>(),
            decided
        );
        let reviewed = cases.iter().filter(|c| !c.qa_reviews.is_empty()).count();
        assert_eq!(
            stats.reviewers.iter().map(|r| r.qa_reviewed).sum::<usize>(),
            reviewed
        );
        for row in &stats.reviewers {
            if let Some(rate) = row.qa_agreement_rate {
                assert!((0.0..=1.0).contains(&rate));
            }
            if let (Some(median), Some(p90)) =
                (row.turnaround.median_hours, row.turnaround.p90_hours)
            {
                assert!(median <= p90, "{row:?}");
            }
        }
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
