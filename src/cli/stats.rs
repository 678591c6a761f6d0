//! `umdesk stats`: the queue's figures ([`crate::case::stats`]) over the
//! store's listing, as a table or as JSON.

use super::args::StatsArgs;
use super::commands::{require, to_pretty};
use super::output::{clean, emit, emit_json, table, warn};
use super::{Env, Failure};
use crate::case::stats::{self, Stats};
use crate::case::{Outcome, Status};
use crate::clock;
use crate::rules::permissions::Act;
use crate::store::CaseStore;

pub(crate) fn run(env: &Env, args: &StatsArgs) -> Result<(), Failure> {
    let store = env.open_store()?;
    require(env, &*store, Act::ViewStats)?;
    if args.cms {
        return cms(env, &*store, args);
    }
    let figures = if store.pages_queue() {
        // A department's database computes them itself.
        store
            .figures(clock::now())
            .map_err(|err| Failure::from_store(&err))?
    } else {
        let listing = store.list();
        for u in &listing.unreadable {
            warn(&format!(
                "{}: unreadable: {}",
                clean(&u.location, false),
                clean(&u.reason, false)
            ));
        }
        stats::compute(&listing.cases, clock::now())
    };
    if args.json {
        emit_json(&format!("{}\n", to_pretty(&figures)))?;
    } else {
        emit(&stats_text(&figures))?;
    }
    Ok(())
}

fn hours(value: Option<f64>) -> String {
    value
        .map(|h| format!("{h:.1} h"))
        .unwrap_or_else(|| "-".to_string())
}

fn percent(value: Option<f64>) -> String {
    value
        .map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "-".to_string())
}

fn stats_text(figures: &Stats) -> String {
    let mut out = format!(
        "Cases: {} ({} open, {} overdue, {} due later today)\n\n",
        figures.total, figures.open, figures.overdue, figures.due_today
    );
    let status_rows: Vec<Vec<String>> = Status::ALL
        .iter()
        .map(|s| {
            let count = figures.by_status.get(s.key()).copied().unwrap_or(0);
            vec![s.label().to_string(), count.to_string()]
        })
        .collect();
    out.push_str(&table(&["STATUS", "CASES"], &status_rows));
    out.push('\n');
    let mut outcome_rows: Vec<Vec<String>> = Outcome::ALL
        .iter()
        .map(|o| {
            let count = figures.by_outcome.get(o.key()).copied().unwrap_or(0);
            vec![o.label().to_string(), count.to_string()]
        })
        .collect();
    outcome_rows.push(vec![
        "Undecided".to_string(),
        figures
            .by_outcome
            .get("undecided")
            .copied()
            .unwrap_or(0)
            .to_string(),
    ]);
    out.push_str(&table(&["OUTCOME", "CASES"], &outcome_rows));
    out.push('\n');
    out.push_str(&format!(
        "Turnaround, receipt to first final determination ({} cases): median {}, p90 {}\n",
        figures.turnaround.count,
        hours(figures.turnaround.median_hours),
        hours(figures.turnaround.p90_hours)
    ));
    let bucket_rows: Vec<Vec<String>> = figures
        .turnaround_buckets
        .iter()
        .map(|b| vec![b.label.to_string(), b.count.to_string()])
        .collect();
    out.push_str(&table(&["TURNAROUND", "CASES"], &bucket_rows));
    out.push('\n');
    if figures.reviewers.is_empty() {
        out.push_str("No reviewer has decided a case yet.\n");
    } else {
        let rows: Vec<Vec<String>> = figures
            .reviewers
            .iter()
            .map(|r| {
                vec![
                    r.reviewer.clone(),
                    r.decided.to_string(),
                    r.qa_reviewed.to_string(),
                    percent(r.qa_agreement_rate),
                    percent(r.qa_criteria_agreement_rate),
                    hours(r.turnaround.median_hours),
                    hours(r.turnaround.p90_hours),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "REVIEWER",
                "DECIDED",
                "QA REVIEWED",
                "QA AGREE (OUTCOME)",
                "QA AGREE (CRITERIA)",
                "TURNAROUND MEDIAN",
                "P90",
            ],
            &rows,
        ));
    }
    out
}

/// `stats --cms [--year Y]`: the public prior-authorization figures over
/// the requests first decided in the year (every year without one).
fn cms(env: &Env, store: &dyn CaseStore, args: &StatsArgs) -> Result<(), Failure> {
    let policy = env.policy()?;
    let cases = decided_cases(store, args.year);
    let report = crate::rules::cms::report(&policy.policy, &cases, args.year);
    if args.json {
        emit_json(&format!("{}\n", to_pretty(&report)))?;
    } else {
        emit(&cms_text(&report))?;
    }
    Ok(())
}

/// The cases first finalized in `year` (every finalized case without
/// one), read whole: the figures need their appeals and extensions, which
/// the queue's summaries do not carry. A case that cannot be read is
/// named on stderr and left out.
pub fn decided_cases(store: &dyn CaseStore, year: Option<i32>) -> Vec<crate::case::Case> {
    let listing = store.list();
    for u in &listing.unreadable {
        warn(&format!(
            "{}: unreadable, not counted: {}",
            clean(&u.location, false),
            clean(&u.reason, false)
        ));
    }
    listing
        .cases
        .iter()
        .filter(|s| match (s.first_final_at, year) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(at), Some(year)) => at.year() == year,
        })
        .filter_map(|s| match store.load(&s.id) {
            Ok(case) => Some(case),
            Err(err) => {
                warn(&format!(
                    "{}: not counted: {}",
                    clean(&s.id, false),
                    clean(&err.to_string(), false)
                ));
                None
            }
        })
        .collect()
}

/// The report as a table, each percentage with its numerator and
/// denominator, and what the figures count.
pub fn cms_text(report: &crate::rules::cms::CmsReport) -> String {
    let period = report
        .year
        .map(|y| format!("requests first decided in {y}"))
        .unwrap_or_else(|| "every request decided".to_string());
    let mut out = format!("Prior-authorization figures (CMS-0057-F), {period}\n\n");
    out.push_str(&format!(
        "CMS 1, items and services that require prior authorization: {}\n",
        report.items_and_services.join(", ")
    ));
    out.push_str(&format!(
        "Requests counted: {} standard, {} expedited\n\n",
        report.standard.approved.denominator, report.expedited.approved.denominator
    ));
    let rows: Vec<Vec<String>> = report
        .metrics()
        .into_iter()
        .map(|m| vec![m.name.to_string(), m.standard, m.expedited])
        .collect();
    out.push_str(&table(&["FIGURE", "STANDARD", "EXPEDITED"], &rows));
    out.push_str(
        "\nApproved and denied are of the requests decided; approved after appeal is\n\
         of the denials whose appeal was decided; extended, then approved is of the\n\
         requests decided. Time runs from receipt to the first final determination.\n",
    );
    out
}
