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

pub(crate) fn run(env: &Env, args: &StatsArgs) -> Result<(), Failure> {
    let store = env.open_store()?;
    require(env, &*store, Act::ViewStats)?;
    let listing = store.list();
    for u in &listing.unreadable {
        warn(&format!(
            "{}: unreadable: {}",
            clean(&u.location, false),
            clean(&u.reason, false)
        ));
    }
    let figures = stats::compute(&listing.cases, clock::now());
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
