//! The bundled sample cases in `saved-cases/` and the generator of
//! fictional cases.
//!
//! The samples are built in code (`umdesk::case::generate::sample_cases`)
//! and this test holds each file in `saved-cases/` to the exact bytes of
//! the case it builds. After changing the samples, the rules or the policy
//! pack, rewrite the files with:
//!
//!     UPDATE_SAMPLES=1 cargo test --test samples

use std::collections::BTreeSet;
use std::path::PathBuf;

use time::macros::datetime;
use umdesk::case::history::{self, Integrity};
use umdesk::case::npi::is_valid_npi;
use umdesk::case::validate;
use umdesk::case::{Case, Decision, Outcome, Status, case_id_problem, parse_case, to_json};
use umdesk::fixtures::{FICTIONAL_NOTE, SAMPLE_NOTE, generate, sample_cases};
use umdesk::policy::{Answer, LoadedPolicy};
use umdesk::rules::{self, evaluate, fitness};

fn samples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("saved-cases")
}

fn updating() -> bool {
    std::env::var_os("UPDATE_SAMPLES").is_some_and(|v| v == "1")
}

/// `UM-YYYYMMDD-NNNN`, its date that of the request's receipt.
fn check_id(case: &Case) {
    let id = &case.id;
    assert!(case_id_problem(id).is_none(), "{id}");
    let bytes = id.as_bytes();
    assert!(
        id.starts_with("UM-") && id.len() == 16 && bytes[11] == b'-',
        "{id}"
    );
    assert!(
        id[3..11]
            .bytes()
            .chain(id[12..].bytes())
            .all(|b| b.is_ascii_digit()),
        "{id}"
    );
    let received = case.request.received_at.date();
    let date = format!(
        "{:04}{:02}{:02}",
        received.year(),
        u8::from(received.month()),
        received.day()
    );
    assert_eq!(&id[3..11], date, "{id}");
}

/// What every case umdesk ships or generates must hold.
fn check_case(policy: &LoadedPolicy, case: &Case, note: &str) {
    let id = &case.id;
    let text = to_json(case);
    let parsed = parse_case(&text).unwrap_or_else(|e| panic!("{id}: {e}"));
    assert_eq!(&parsed, case, "{id}: does not survive a save and reload");
    assert_eq!(history::verify(case), Integrity::Intact, "{id}");
    let mut content = case.clone();
    content.history.clear();
    content.seal = None;
    assert_eq!(
        history::replay(&case.history).as_ref(),
        Ok(&content),
        "{id}: the history does not replay to the case"
    );
    assert_eq!(
        validate::problems(&policy.policy, case),
        [],
        "{id}: holds what the review would refuse"
    );
    assert_eq!(case.fictional.as_deref(), Some(note), "{id}");
    assert!(note.contains("ictional"));
    check_id(case);
    assert!(
        is_valid_npi(&case.provider.npi),
        "{id}: NPI {}",
        case.provider.npi
    );
    assert_eq!(case.policy.number, policy.policy.number, "{id}");
    assert_eq!(case.policy.digest, policy.digest, "{id}");
    assert_eq!(case.history[0].event, "created", "{id}");
    assert_eq!(
        case.seal.is_some(),
        case.status.is_final(),
        "{id}: {:?}",
        case.status
    );
    let mut last = case.request.received_at;
    for entry in &case.history {
        assert!(
            entry.at >= last,
            "{id}: history goes back in time at {}",
            entry.event
        );
        last = entry.at;
    }
    let evaluation = evaluate(&policy.policy, case);
    if let Some(determination) = &case.determination {
        assert_eq!(
            determination.outcome, evaluation.outcome,
            "{id}: recorded outcome differs from the rules"
        );
        if case.status != Status::Reopened {
            assert_eq!(determination.decision.status(), case.status, "{id}");
        }
        assert_eq!(
            determination.benefit_statement, policy.policy.benefit_statement.text,
            "{id}"
        );
        assert_eq!(
            determination.missing_information, evaluation.missing_information,
            "{id}"
        );
        if determination.decision == Decision::Uphold {
            let problems =
                fitness::denial_problems(&policy.policy, &evaluation, &determination.rationale);
            assert!(
                problems.is_empty(),
                "{id}: denial not fit to send: {problems:?}"
            );
        }
        if !determination.coding_flags.is_empty() {
            assert!(determination.coding_acknowledgement.is_some(), "{id}");
        }
    } else {
        assert_eq!(case.status, Status::InReview, "{id}");
    }
    if case.status == Status::Reopened {
        assert!(!case.amendments.is_empty(), "{id}");
    }
}

#[test]
fn saved_cases_are_the_samples_byte_for_byte() {
    let policy = LoadedPolicy::embedded();
    let samples = sample_cases(&policy);
    let dir = samples_dir();
    if updating() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                std::fs::remove_file(&path).unwrap();
            }
        }
        for case in &samples {
            std::fs::write(dir.join(format!("{}.json", case.id)), to_json(case)).unwrap();
        }
    }
    let mut on_disk: BTreeSet<String> = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            on_disk.insert(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    let built: BTreeSet<String> = samples.iter().map(|c| format!("{}.json", c.id)).collect();
    assert_eq!(
        on_disk, built,
        "saved-cases/ and sample_cases() differ; rewrite with UPDATE_SAMPLES=1 cargo test --test samples"
    );
    for case in &samples {
        let path = dir.join(format!("{}.json", case.id));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text == to_json(case),
            "{} differs from sample_cases(); rewrite with UPDATE_SAMPLES=1 cargo test --test samples",
            path.display()
        );
        let parsed = parse_case(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(&parsed, case);
    }
}

#[test]
fn sample_cases_are_reproducible() {
    let policy = LoadedPolicy::embedded();
    let once: Vec<String> = sample_cases(&policy).iter().map(to_json).collect();
    let twice: Vec<String> = sample_cases(&policy).iter().map(to_json).collect();
    assert_eq!(once, twice);
}

#[test]
fn every_sample_is_valid_fictional_and_records_what_the_rules_give() {
    let policy = LoadedPolicy::embedded();
    let samples = sample_cases(&policy);
    assert!(samples.len() >= 12, "{}", samples.len());
    let ids: BTreeSet<&str> = samples.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), samples.len(), "sample ids are unique");
    for case in &samples {
        check_case(&policy, case, SAMPLE_NOTE);
    }
}

#[test]
fn the_samples_cover_what_a_demo_needs() {
    let policy = LoadedPolicy::embedded();
    let p = &policy.policy;
    let samples = sample_cases(&policy);
    let evaluations: Vec<_> = samples.iter().map(|c| evaluate(p, c)).collect();
    let both = || samples.iter().zip(&evaluations);

    let outcomes: BTreeSet<Outcome> = evaluations.iter().map(|e| e.outcome).collect();
    assert_eq!(outcomes.len(), 4, "every outcome: {outcomes:?}");
    let recorded: BTreeSet<Outcome> = samples
        .iter()
        .filter_map(|c| c.determination.as_ref().map(|d| d.outcome))
        .collect();
    assert_eq!(recorded.len(), 4, "every outcome decided: {recorded:?}");

    let decided = |decision: Decision| {
        samples
            .iter()
            .filter(|c| {
                c.determination
                    .as_ref()
                    .is_some_and(|d| d.decision == decision)
            })
            .count()
    };
    // Meets criteria, approved by a nurse.
    assert!(samples.iter().any(|c| {
        c.determination.as_ref().is_some_and(|d| {
            d.outcome == Outcome::MeetsCriteria
                && d.decision == Decision::Approve
                && d.decided_by.name.ends_with(", RN")
        })
    }));
    // Each criterion failing on its own.
    for criterion in &p.criteria {
        assert!(
            both().any(|(_, e)| {
                let failed: Vec<&str> = e
                    .criteria
                    .iter()
                    .filter(|r| r.answer == Answer::NotMet)
                    .map(|r| r.criterion.as_str())
                    .collect();
                failed == [criterion.id.as_str()]
            }),
            "no sample fails {} alone",
            criterion.id
        );
    }
    assert!(decided(Decision::ReferToPhysician) >= 3);
    // One upheld by a physician after a peer-to-peer, one overturned.
    assert!(samples.iter().any(|c| {
        c.status == Status::Denied
            && !c.peer_to_peer.is_empty()
            && c.determination
                .as_ref()
                .is_some_and(|d| d.decided_by.name.ends_with(", MD"))
    }));
    assert!(decided(Decision::Overturn) >= 1);
    // The 5.0 cm boundary.
    assert!(both().any(|(c, e)| {
        c.lesions.iter().any(|l| l.diameter_cm == Some(5.0))
            && c.lesions
                .iter()
                .all(|l| l.diameter_cm.is_some_and(|d| d <= 5.0))
            && e.criteria[2].answer == Answer::NotMet
    }));
    // C22.1 cholangiocarcinoma.
    assert!(both().any(|(c, e)| {
        c.service.icd10_codes.iter().any(|code| code == "C22.1")
            && e.suggestion
                .as_ref()
                .is_some_and(|s| s.option == "cholangiocarcinoma")
            && e.criteria[1].answer == Answer::NotMet
    }));
    // FEP PPO, closed as not applicable.
    assert!(samples.iter().any(|c| {
        c.member.product == umdesk::case::Product::FepPpo && c.status == Status::NotApplicable
    }));
    // An expedited request.
    assert!(
        samples
            .iter()
            .any(|c| c.request.urgency == umdesk::case::Urgency::Expedited && c.status.is_final())
    );
    // A coding flag (47380) acknowledged.
    assert!(samples.iter().any(|c| {
        c.service.cpt_codes.iter().any(|code| code == "47380")
            && c.determination.as_ref().is_some_and(|d| {
                d.coding_acknowledgement.is_some()
                    && d.coding_flags.iter().any(|f| f.contains("MP 1.055"))
            })
    }));
    // Information needed, pended with its list.
    assert!(samples.iter().any(|c| {
        c.status == Status::Pended
            && c.determination
                .as_ref()
                .is_some_and(|d| !d.missing_information.is_empty())
    }));
    // Work left in the queue.
    assert!(
        samples
            .iter()
            .filter(|c| c.status == Status::InReview)
            .count()
            >= 2
    );
    // Reopened for amendment and decided again, the original kept.
    assert!(samples.iter().any(|c| {
        c.status.is_final()
            && c.amendments.len() == 1
            && c.amendments[0].original.decided_at < c.determination.as_ref().unwrap().decided_at
            && c.history.iter().any(|e| e.event == "amended")
    }));
    // Every line of business, with its own due times, appears.
    let products: BTreeSet<&str> = samples.iter().map(|c| c.member.product.key()).collect();
    assert!(products.len() >= 5, "{products:?}");
}

#[test]
fn the_samples_readme_lists_every_sample() {
    let policy = LoadedPolicy::embedded();
    let readme = std::fs::read_to_string(samples_dir().join("README.md")).unwrap();
    assert!(readme.to_lowercase().contains("fictional"));
    for case in sample_cases(&policy) {
        let row = readme
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&case.id))
            .unwrap_or_else(|| panic!("saved-cases/README.md has no row for {}", case.id));
        let outcome = rules::evaluate(&policy.policy, &case).outcome;
        assert!(
            row.contains(outcome.key()),
            "{}: the row should say {}",
            case.id,
            outcome.key()
        );
        assert!(
            row.contains(case.status.key()),
            "{}: the row should say {}",
            case.id,
            case.status.key()
        );
    }
}

const START: time::OffsetDateTime = datetime!(2026-03-16 17:00 -4);

#[test]
fn generated_cases_are_valid_and_cover_every_outcome_and_status() {
    let policy = LoadedPolicy::embedded();
    let cases = generate(&policy, 500, 42, START);
    assert_eq!(cases.len(), 500);
    let ids: BTreeSet<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), 500, "ids are unique");
    let mut sorted: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
    sorted.sort();
    assert_eq!(
        sorted,
        cases.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        "ids sort by arrival"
    );

    let mut outcomes = BTreeSet::new();
    let mut recorded = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    let mut products = BTreeSet::new();
    let mut urgencies = BTreeSet::new();
    let mut decisions = BTreeSet::new();
    for case in &cases {
        check_case(&policy, case, FICTIONAL_NOTE);
        assert!(case.request.received_at < START);
        assert!(case.request.received_at > START - time::Duration::days(61));
        assert!(case.history.iter().all(|e| e.at <= START), "{}", case.id);
        let reviewer_suffix = |name: &str| name.ends_with(", RN") || name.ends_with(", MD");
        assert!(
            case.history.iter().all(|e| reviewer_suffix(&e.by.name)),
            "{}",
            case.id
        );
        outcomes.insert(evaluate(&policy.policy, case).outcome);
        if let Some(d) = &case.determination {
            recorded.insert(d.outcome);
            decisions.insert(format!("{:?}", d.decision));
        }
        statuses.insert(case.status);
        products.insert(case.member.product.key());
        urgencies.insert(case.request.urgency.label());
    }
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    assert_eq!(recorded.len(), 4, "{recorded:?}");
    assert_eq!(statuses, Status::ALL.into_iter().collect(), "every status");
    assert_eq!(products.len(), 6, "{products:?}");
    assert_eq!(urgencies.len(), 2);
    assert_eq!(decisions.len(), 6, "{decisions:?}");
    assert!(cases.iter().any(|c| !c.peer_to_peer.is_empty()));
    assert!(cases.iter().any(|c| !c.qa_reviews.is_empty()));
    assert!(
        cases
            .iter()
            .any(|c| c.status.is_final() && !c.amendments.is_empty())
    );
}

#[test]
fn the_generator_is_deterministic() {
    let policy = LoadedPolicy::embedded();
    let a: Vec<String> = generate(&policy, 60, 7, START)
        .iter()
        .map(to_json)
        .collect();
    let b: Vec<String> = generate(&policy, 60, 7, START)
        .iter()
        .map(to_json)
        .collect();
    let c: Vec<String> = generate(&policy, 60, 8, START)
        .iter()
        .map(to_json)
        .collect();
    assert_eq!(a, b, "the same seed gives the same cases");
    assert_ne!(a, c, "another seed gives other cases");
    assert!(generate(&policy, 0, 7, START).is_empty());
    // A handful of cases still covers every outcome.
    let few = generate(&policy, 4, 1, START);
    let outcomes: BTreeSet<Outcome> = few
        .iter()
        .map(|c| evaluate(&policy.policy, c).outcome)
        .collect();
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
}
