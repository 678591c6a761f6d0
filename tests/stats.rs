//! Queue statistics from summaries alone: the dashboard and `umdesk stats`
//! count the store's listing (even the cached one, read from the queue
//! index) and must say what the whole cases say.

use std::os::unix::fs::PermissionsExt;

use time::OffsetDateTime;
use time::macros::datetime;
use umdesk::case::stats::{Stats, compute, of_cases};
use umdesk::case::summary::CaseSummary;
use umdesk::case::{Case, to_json};
use umdesk::fixtures::{generate, sample_cases};
use umdesk::policy::LoadedPolicy;
use umdesk::store::{CaseStore, FileStore};

const NOW: OffsetDateTime = datetime!(2026-12-01 09:00 UTC);

fn summaries(cases: &[Case]) -> Vec<CaseSummary> {
    cases.iter().map(CaseSummary::of).collect()
}

/// A store holding `cases`, written as the files they are.
fn store_of(cases: &[Case]) -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    for case in cases {
        let path = dir.path().join(format!("{}.json", case.id));
        std::fs::write(&path, to_json(case)).unwrap();
    }
    let store = FileStore::open(dir.path()).unwrap();
    (dir, store)
}

#[test]
fn generated_queues_add_up() {
    let policy = LoadedPolicy::embedded();
    let cases = generate(&policy, 60, 11, NOW);
    let stats = compute(&summaries(&cases), NOW);
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
    assert!(reviewed > 0, "the generator should QA-review some cases");
    assert_eq!(
        stats.reviewers.iter().map(|r| r.qa_reviewed).sum::<usize>(),
        reviewed
    );
    for row in &stats.reviewers {
        if let Some(rate) = row.qa_agreement_rate {
            assert!((0.0..=1.0).contains(&rate));
        }
        if let (Some(median), Some(p90)) = (row.turnaround.median_hours, row.turnaround.p90_hours) {
            assert!(median <= p90, "{row:?}");
        }
    }
}

/// The samples hold an amended case, QA reviews that disagree, physician
/// decisions: every figure's source. Counted from summaries, they say
/// what the cases say, to the reviewer row.
#[test]
fn summaries_carry_every_figure_of_the_samples() {
    let cases = sample_cases(&LoadedPolicy::embedded());
    assert!(cases.iter().any(|c| !c.amendments.is_empty()));
    assert!(cases.iter().any(|c| !c.qa_reviews.is_empty()));
    let figures = of_cases(&cases, NOW);
    assert!(figures.turnaround.count > 0);
    assert!(figures.reviewers.iter().any(|r| r.qa_reviewed > 0));
    assert_eq!(compute(&summaries(&cases), NOW), figures);
}

fn assert_same(listed: &Stats, from_cases: &Stats, what: &str) {
    assert_eq!(listed, from_cases, "{what}");
}

/// What the dashboard counts is the store's listing, fresh or read back
/// from the queue index: no case is loaded, and the figures are the same.
#[test]
fn the_store_listing_gives_the_figures_of_the_cases() {
    let policy = LoadedPolicy::embedded();
    let mut cases = generate(&policy, 120, 5, NOW);
    cases.extend(sample_cases(&policy));
    let from_cases = of_cases(&cases, NOW);
    let (_dir, store) = store_of(&cases);

    let listing = store.list();
    assert_eq!(listing.cases.len(), cases.len());
    assert_same(&compute(&listing.cases, NOW), &from_cases, "fresh listing");

    let cached = store
        .list_cached(usize::MAX)
        .expect("listing writes the queue index");
    assert_eq!(cached.listing.cases.len(), cases.len());
    assert_same(
        &compute(&cached.listing.cases, NOW),
        &from_cases,
        "listing read from the queue index",
    );
}
