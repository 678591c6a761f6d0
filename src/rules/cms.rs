//! The prior-authorization figures a plan publishes each March under
//! CMS-0057-F (42 CFR 422.122(c) for Medicare Advantage; the same list for
//! Medicaid, CHIP and the exchanges), over the requests decided in a
//! period, each percentage with its numerator and denominator.
//!
//! CMS's nine, as the rule numbers them:
//! 1. the items and services that require prior authorization;
//! 2. standard requests approved; 3. standard requests denied;
//! 4. standard requests approved after appeal;
//! 5. requests whose review time frame was extended, and approved;
//! 6. expedited requests approved; 7. expedited requests denied;
//! 8. standard requests: average and median time from submission to
//!    determination; 9. the same for expedited requests.
//!
//! Every percentage here is given for standard and expedited requests both
//! (CMS asks some only for one); the ones CMS asks for carry its number.
//!
//! Definitions (what a reader of the figures needs to know):
//! - *a request in the period*: a case whose first final determination
//!   (the original, for an amended case) was made in the period. Requests
//!   not decided under a prior-authorization policy (closed as not
//!   applicable) and requests still open are not counted.
//! - *approved*: that determination approved the request (a nurse's
//!   approval, or a physician's overturn of a referral); *denied*: a
//!   physician's denial. An appeal does not change what the first
//!   determination was.
//! - *approved after appeal*: of the denials whose appeal was decided, the
//!   share overturned.
//! - *approved after an extension*: of all requests, those whose time
//!   frame was extended and that were approved.
//! - *time to decision*: from the request's receipt to that determination,
//!   in hours; the median of an even count is the mean of the middle two.

use serde::Serialize;
use time::OffsetDateTime;

use crate::case::{AppealOutcome, Case, Decision, Determination, Urgency};
use crate::policy::Policy;

/// A share, with what it is of.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ratio {
    pub numerator: usize,
    pub denominator: usize,
    /// None when the denominator is 0.
    pub percent: Option<f64>,
}

impl Ratio {
    fn of(numerator: usize, denominator: usize) -> Ratio {
        let percent = (denominator > 0).then(|| 100.0 * numerator as f64 / denominator as f64);
        Ratio {
            numerator,
            denominator,
            percent,
        }
    }

    /// "75.0% (3 of 4)", "- (0 of 0)".
    pub fn text(&self) -> String {
        match self.percent {
            Some(p) => format!("{p:.1}% ({} of {})", self.numerator, self.denominator),
            None => format!("- (0 of {})", self.denominator),
        }
    }
}

/// Time from receipt to decision over `count` requests.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DecisionTime {
    pub count: usize,
    pub mean_hours: Option<f64>,
    pub median_hours: Option<f64>,
}

impl DecisionTime {
    fn of(mut hours: Vec<f64>) -> DecisionTime {
        hours.sort_by(f64::total_cmp);
        let count = hours.len();
        let mean_hours = (count > 0).then(|| hours.iter().sum::<f64>() / count as f64);
        let median_hours = match count {
            0 => None,
            n if n % 2 == 1 => Some(hours[n / 2]),
            n => Some((hours[n / 2 - 1] + hours[n / 2]) / 2.0),
        };
        DecisionTime {
            count,
            mean_hours,
            median_hours,
        }
    }
}

/// The figures of one urgency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub approved: Ratio,
    pub denied: Ratio,
    pub approved_after_appeal: Ratio,
    pub approved_after_extension: Ratio,
    pub time_to_decision: DecisionTime,
}

/// The report over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CmsReport {
    /// The calendar year, or None for every year.
    pub year: Option<i32>,
    /// CMS 1: the items and services that require prior authorization
    /// under the policy (its procedure codes).
    pub items_and_services: Vec<String>,
    pub standard: Figures,
    pub expedited: Figures,
}

/// One line of the report, as CMS names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metric {
    /// CMS's number, where the rule asks for this figure.
    pub cms: Option<u8>,
    pub name: &'static str,
    pub standard: String,
    pub expedited: String,
}

impl CmsReport {
    /// The figures as lines: name, standard, expedited. The CMS number goes
    /// with the urgency it is asked for ("2", "6"), both where it covers
    /// both ("5", "8/9").
    pub fn metrics(&self) -> Vec<Metric> {
        let (s, e) = (&self.standard, &self.expedited);
        let hours = |h: Option<f64>| h.map_or("-".to_string(), |h| format!("{h:.1} h"));
        vec![
            Metric {
                cms: Some(2),
                name: "Percent approved (CMS 2 standard, 6 expedited)",
                standard: s.approved.text(),
                expedited: e.approved.text(),
            },
            Metric {
                cms: Some(3),
                name: "Percent denied (CMS 3 standard, 7 expedited)",
                standard: s.denied.text(),
                expedited: e.denied.text(),
            },
            Metric {
                cms: Some(4),
                name: "Percent approved after appeal (CMS 4)",
                standard: s.approved_after_appeal.text(),
                expedited: e.approved_after_appeal.text(),
            },
            Metric {
                cms: Some(5),
                name: "Percent extended, then approved (CMS 5)",
                standard: s.approved_after_extension.text(),
                expedited: e.approved_after_extension.text(),
            },
            Metric {
                cms: Some(8),
                name: "Mean time to decision (CMS 8 standard, 9 expedited)",
                standard: hours(s.time_to_decision.mean_hours),
                expedited: hours(e.time_to_decision.mean_hours),
            },
            Metric {
                cms: Some(8),
                name: "Median time to decision (CMS 8 standard, 9 expedited)",
                standard: hours(s.time_to_decision.median_hours),
                expedited: hours(e.time_to_decision.median_hours),
            },
        ]
    }
}

/// The determination the figures count: the first final one.
pub fn first_final(case: &Case) -> Option<&Determination> {
    if let Some(amendment) = case.amendments.first() {
        return Some(&amendment.original);
    }
    case.determination
        .as_ref()
        .filter(|_| case.status.is_final())
}

/// When a case was first decided, for choosing the cases of a period.
pub fn decided_at(case: &Case) -> Option<OffsetDateTime> {
    first_final(case).map(|d| d.decided_at)
}

/// Whether the first final determination is counted, and if so whether
/// it approved.
fn counted(determination: &Determination) -> Option<bool> {
    match determination.decision {
        Decision::Approve | Decision::Overturn => Some(true),
        Decision::Uphold => Some(false),
        _ => None,
    }
}

#[derive(Default)]
struct Tally {
    requests: usize,
    approved: usize,
    denied: usize,
    appeals_decided: usize,
    overturned: usize,
    extended_and_approved: usize,
    hours: Vec<f64>,
}

impl Tally {
    fn figures(self) -> Figures {
        Figures {
            approved: Ratio::of(self.approved, self.requests),
            denied: Ratio::of(self.denied, self.requests),
            approved_after_appeal: Ratio::of(self.overturned, self.appeals_decided),
            approved_after_extension: Ratio::of(self.extended_and_approved, self.requests),
            time_to_decision: DecisionTime::of(self.hours),
        }
    }
}

/// The figures over `cases` decided in `year` (every year when None).
pub fn report(policy: &Policy, cases: &[Case], year: Option<i32>) -> CmsReport {
    let (standard, expedited) = figures(cases, year);
    CmsReport {
        year,
        items_and_services: policy
            .coding
            .procedure_codes
            .iter()
            .map(|c| c.code.clone())
            .collect(),
        standard,
        expedited,
    }
}

/// The standard and the expedited figures over `cases` decided in `year`.
pub fn figures(
    cases: impl IntoIterator<Item = impl std::borrow::Borrow<Case>>,
    year: Option<i32>,
) -> (Figures, Figures) {
    let mut standard = Tally::default();
    let mut expedited = Tally::default();
    for case in cases {
        let case = case.borrow();
        let Some(first) = first_final(case) else {
            continue;
        };
        if year.is_some_and(|y| first.decided_at.year() != y) {
            continue;
        }
        let Some(approved) = counted(first) else {
            continue;
        };
        let tally = match case.request.urgency {
            Urgency::Standard => &mut standard,
            Urgency::Expedited => &mut expedited,
        };
        tally.requests += 1;
        let elapsed = first.decided_at - case.request.received_at;
        tally.hours.push(elapsed.as_seconds_f64() / 3600.0);
        if approved {
            tally.approved += 1;
            if !case.timeline.extensions.is_empty() {
                tally.extended_and_approved += 1;
            }
            continue;
        }
        tally.denied += 1;
        let decided = case
            .timeline
            .appeals
            .iter()
            .rev()
            .find_map(|a| a.decision.as_ref());
        if let Some(decision) = decided {
            tally.appeals_decided += 1;
            if decision.outcome == AppealOutcome::Overturned {
                tally.overturned += 1;
            }
        }
    }
    (standard.figures(), expedited.figures())
}
