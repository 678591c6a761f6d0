//! The CMS-0057-F figures and the record they count: extensions, the
//! decision notice and appeals, recorded through the rules (one history
//! entry each, the case still intact), and the nine figures over a
//! population whose answers are known.

use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use umdesk::case::history::{Integrity, verify};
use umdesk::case::{
    Appeal, AppealDecision, AppealOutcome, AppealParty, Case, Decision, Extension, Reviewer, Role,
    Status, Urgency, history, parse_case, to_json,
};
use umdesk::fixtures::{facts, generate, sample_cases};
use umdesk::policy::{Answer, LoadedPolicy};
use umdesk::rules::cms::{Ratio, report};
use umdesk::rules::decision::{DecisionRequest, decide};
use umdesk::rules::notices::{self, NoticeError};

const NOW: OffsetDateTime = datetime!(2026-12-01 10:00 -5);

fn policy() -> LoadedPolicy {
    LoadedPolicy::embedded()
}

fn who(name: &str, role: Role) -> Reviewer {
    Reviewer {
        name: name.to_string(),
        role,
    }
}

fn sample(status: Status) -> Case {
    sample_cases(&policy())
        .into_iter()
        .find(|c| c.status == status)
        .unwrap_or_else(|| panic!("a sample case is {}", status.label()))
}

fn intact(case: &Case) {
    assert_eq!(verify(case), Integrity::Intact, "{}", case.id);
    let reread = parse_case(&to_json(case)).expect("the case file reads back");
    assert_eq!(&reread, case);
}

/// A case received at `received`, every criterion met, created and saved.
fn open_case(id: &str, received: OffsetDateTime, urgency: Urgency) -> Case {
    let loaded = policy();
    let mut case = facts()
        .received_at(received)
        .urgency(urgency)
        .case(id, &loaded);
    for criterion in &loaded.policy.criteria {
        umdesk::rules::answers::mark(
            &loaded.policy,
            &mut case,
            &criterion.id,
            Answer::Met,
            None,
            "Pat Lee, RN",
        )
        .expect("marked met");
    }
    let nurse = who("Pat Lee, RN", Role::Nurse);
    history::record(&mut case, None, &nurse, "created", "created", received);
    case
}

fn approve(case: &mut Case, at: OffsetDateTime) {
    let saved = case.clone();
    let request = DecisionRequest {
        decision: Decision::Approve,
        rationale: "All five criteria of MP 1.121 section I are met.".to_string(),
        coding_acknowledgement: None,
    };
    decide(
        &policy().policy,
        case,
        &saved,
        &who("Pat Lee, RN", Role::Nurse),
        &request,
        at,
    )
    .expect("approved");
}

#[test]
fn an_extension_moves_the_due_time_once_and_the_history_replays_it() {
    let received = datetime!(2026-11-20 09:00 -5);
    let mut case = open_case("UM-20261120-0001", received, Urgency::Standard);
    let due = case.request.due_at;
    let nurse = who("Pat Lee, RN", Role::Nurse);
    notices::extend(
        &mut case,
        &nurse,
        14,
        "awaiting the surgeon's note",
        NOW,
        NOW,
    )
    .expect("extended");
    assert_eq!(case.request.due_at, due + Duration::days(14));
    let extension = &case.timeline.extensions[0];
    assert_eq!(
        (extension.previous_due, extension.new_due),
        (due, due + Duration::days(14))
    );
    assert_eq!(case.history.last().unwrap().event, "extended");
    intact(&case);

    let again = notices::extend(&mut case, &nurse, 1, "more", NOW, NOW).unwrap_err();
    assert!(
        matches!(again, NoticeError::ExtendedAlready { .. }),
        "{again}"
    );
    let mut other = open_case("UM-20261120-0002", received, Urgency::Standard);
    for days in [0, 15] {
        let err = notices::extend(&mut other, &nurse, days, "why", NOW, NOW).unwrap_err();
        assert_eq!(err, NoticeError::ExtensionDays(days));
    }
    let err = notices::extend(&mut other, &nurse, 3, "  ", NOW, NOW).unwrap_err();
    assert!(matches!(err, NoticeError::Blank { .. }), "{err}");
    let late = NOW + Duration::hours(1);
    let err = notices::extend(&mut other, &nurse, 3, "why", late, NOW).unwrap_err();
    assert!(matches!(err, NoticeError::Future { .. }), "{err}");

    approve(&mut case, NOW);
    intact(&case);
    let err = notices::extend(&mut case, &nurse, 3, "why", NOW, NOW).unwrap_err();
    assert!(matches!(err, NoticeError::WrongStatus { .. }), "{err}");
}

#[test]
fn the_decision_notice_is_recorded_once_after_the_decision_and_the_seal_follows() {
    let received = datetime!(2026-11-20 09:00 -5);
    let mut case = open_case("UM-20261120-0003", received, Urgency::Expedited);
    let nurse = who("Pat Lee, RN", Role::Nurse);
    let err = notices::record_notice_sent(&mut case, &nurse, NOW, NOW).unwrap_err();
    assert!(
        matches!(err, NoticeError::WrongStatus { .. }),
        "before a decision: {err}"
    );
    let decided_at = received + Duration::hours(20);
    approve(&mut case, decided_at);
    let early = decided_at - Duration::minutes(1);
    let err = notices::record_notice_sent(&mut case, &nurse, early, NOW).unwrap_err();
    assert!(matches!(err, NoticeError::TooEarly { .. }), "{err}");
    let sent = decided_at + Duration::hours(1);
    notices::record_notice_sent(&mut case, &nurse, sent, NOW).expect("recorded");
    assert_eq!(case.timeline.notice_sent_at, Some(sent));
    assert!(case.seal.is_some(), "a final case stays sealed");
    intact(&case);
    let err = notices::record_notice_sent(&mut case, &nurse, sent, NOW).unwrap_err();
    assert!(matches!(err, NoticeError::NoticeAlready { .. }), "{err}");
}

#[test]
fn an_appeal_of_a_denial_is_decided_by_a_physician_who_took_no_part_in_it() {
    let mut case = sample(Status::Denied);
    let denied_by = case.determination.as_ref().unwrap().decided_by.clone();
    let nurse = who("Pat Lee, RN", Role::Nurse);
    let at = NOW - Duration::days(1);
    notices::file_appeal(&mut case, &nurse, AppealParty::Member, true, at, NOW).expect("filed");
    intact(&case);
    let err =
        notices::file_appeal(&mut case, &nurse, AppealParty::Provider, false, at, NOW).unwrap_err();
    assert!(matches!(err, NoticeError::AppealOpen { .. }), "{err}");

    let err =
        notices::decide_appeal(&mut case, &nurse, AppealOutcome::Overturned, "x", NOW).unwrap_err();
    assert_eq!(err, NoticeError::NotPhysician(Role::Nurse));
    let err = notices::decide_appeal(&mut case, &denied_by, AppealOutcome::Overturned, "x", NOW)
        .unwrap_err();
    assert!(matches!(err, NoticeError::OwnDenial { .. }), "{err}");
    let other = who("Ada Second, MD", Role::Physician);
    let err =
        notices::decide_appeal(&mut case, &other, AppealOutcome::Overturned, " ", NOW).unwrap_err();
    assert!(matches!(err, NoticeError::Blank { .. }), "{err}");
    notices::decide_appeal(
        &mut case,
        &other,
        AppealOutcome::Overturned,
        "New imaging shows a colorectal primary.",
        NOW,
    )
    .expect("decided");
    let decision = case.timeline.appeals[0].decision.as_ref().unwrap();
    assert_eq!(decision.outcome, AppealOutcome::Overturned);
    assert_eq!(case.history.last().unwrap().event, "appeal_decided");
    intact(&case);
    let err =
        notices::decide_appeal(&mut case, &other, AppealOutcome::Upheld, "again", NOW).unwrap_err();
    assert!(matches!(err, NoticeError::NoOpenAppeal { .. }), "{err}");

    let mut approved = sample(Status::Approved);
    let err = notices::file_appeal(&mut approved, &nurse, AppealParty::Member, false, at, NOW)
        .unwrap_err();
    assert!(matches!(err, NoticeError::WrongStatus { .. }), "{err}");
}

#[test]
fn a_case_without_a_timeline_keeps_its_bytes() {
    for path in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/saved-cases")).unwrap() {
        let path = path.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let case = parse_case(&text).unwrap();
        assert!(case.timeline.is_empty());
        assert_eq!(to_json(&case), text, "{}", path.display());
    }
}

/// `base` as a request of `urgency` received at `received` and first
/// decided `hours` later.
fn decided(base: &Case, id: &str, urgency: Urgency, received: OffsetDateTime, hours: i64) -> Case {
    let mut case = base.clone();
    case.id = id.to_string();
    case.request.urgency = urgency;
    case.request.received_at = received;
    case.determination.as_mut().unwrap().decided_at = received + Duration::hours(hours);
    case
}

fn extended(mut case: Case) -> Case {
    let due = case.request.due_at;
    case.timeline.extensions.push(Extension {
        taken_at: case.request.received_at,
        by: who("Pat Lee, RN", Role::Nurse),
        previous_due: due,
        new_due: due + Duration::days(14),
        reason: "awaiting records".to_string(),
        notice_sent_at: case.request.received_at,
    });
    case
}

fn appealed(mut case: Case, outcome: Option<AppealOutcome>) -> Case {
    let filed_at = case.determination.as_ref().unwrap().decided_at + Duration::days(2);
    case.timeline.appeals.push(Appeal {
        filed_at,
        filed_by: AppealParty::Member,
        expedited: false,
        recorded_by: who("Pat Lee, RN", Role::Nurse),
        decision: outcome.map(|outcome| AppealDecision {
            decided_at: filed_at + Duration::days(3),
            by: who("Ada Second, MD", Role::Physician),
            outcome,
            rationale: "reviewed".to_string(),
        }),
    });
    case
}

fn ratio(numerator: usize, denominator: usize, percent: f64) -> Ratio {
    Ratio {
        numerator,
        denominator,
        percent: Some(percent),
    }
}

/// Five standard and two expedited requests decided in 2026, one standard
/// decided in 2025, and cases the figures do not count.
fn population() -> Vec<Case> {
    let approved = sample(Status::Approved);
    let denied = sample(Status::Denied);
    let day = datetime!(2026-03-02 08:00 -5);
    let (s, e) = (Urgency::Standard, Urgency::Expedited);
    vec![
        decided(&approved, "A", s, day, 24),
        extended(decided(&approved, "B", s, day, 48)),
        appealed(
            decided(&denied, "C", s, day, 72),
            Some(AppealOutcome::Overturned),
        ),
        appealed(
            decided(&denied, "D", s, day, 96),
            Some(AppealOutcome::Upheld),
        ),
        appealed(decided(&denied, "E", s, day, 120), None),
        decided(&approved, "F", e, day, 10),
        extended(decided(&denied, "G", e, day, 30)),
        decided(&approved, "H", s, datetime!(2025-12-30 08:00 -5), 24),
        sample(Status::Pended),
        sample(Status::NotApplicable),
        sample(Status::InReview),
        sample(Status::Referred),
    ]
}

#[test]
fn the_figures_of_a_known_population_with_their_denominators() {
    let report = report(&policy().policy, &population(), Some(2026));
    assert_eq!(report.year, Some(2026));
    assert_eq!(
        report.items_and_services,
        ["47371", "47381", "47383", "47399"]
    );
    let s = &report.standard;
    assert_eq!(s.approved, ratio(2, 5, 40.0));
    assert_eq!(s.denied, ratio(3, 5, 60.0));
    assert_eq!(
        s.approved_after_appeal,
        ratio(1, 2, 50.0),
        "of the appeals decided"
    );
    assert_eq!(s.approved_after_extension, ratio(1, 5, 20.0));
    assert_eq!(s.time_to_decision.count, 5);
    assert_eq!(s.time_to_decision.mean_hours, Some(72.0));
    assert_eq!(s.time_to_decision.median_hours, Some(72.0));
    let e = &report.expedited;
    assert_eq!(e.approved, ratio(1, 2, 50.0));
    assert_eq!(e.denied, ratio(1, 2, 50.0));
    assert_eq!(e.approved_after_appeal.denominator, 0);
    assert_eq!(e.approved_after_appeal.percent, None);
    assert_eq!(
        e.approved_after_extension,
        ratio(0, 2, 0.0),
        "extended but denied"
    );
    assert_eq!(e.time_to_decision.mean_hours, Some(20.0));
    assert_eq!(
        e.time_to_decision.median_hours,
        Some(20.0),
        "the mean of the middle two"
    );

    let every_year = umdesk::rules::cms::report(&policy().policy, &population(), None);
    assert_eq!(every_year.standard.approved, ratio(3, 6, 50.0));
    assert_eq!(
        every_year.standard.time_to_decision.median_hours,
        Some(60.0)
    );
    let none = umdesk::rules::cms::report(&policy().policy, &population(), Some(2024));
    assert_eq!(none.standard.approved.denominator, 0);
    assert_eq!(none.standard.approved.text(), "- (0 of 0)");
    assert_eq!(report.standard.approved.text(), "40.0% (2 of 5)");
}

#[test]
fn an_amended_case_counts_its_first_determination() {
    let denied = sample(Status::Denied);
    let mut amended = decided(
        &denied,
        "X",
        Urgency::Standard,
        datetime!(2026-03-02 08:00 -5),
        50,
    );
    let original = amended.determination.clone().unwrap();
    amended.amendments.push(umdesk::case::Amendment {
        at: original.decided_at + Duration::days(5),
        by: who("Quentin Makebelieve, RN", Role::Supervisor),
        reason: "reopened".to_string(),
        original: original.clone(),
        original_seal: None,
    });
    let later = amended.determination.as_mut().unwrap();
    later.decision = Decision::Overturn;
    later.decided_at = original.decided_at + Duration::days(6);
    amended.status = Status::Approved;
    let report = report(&policy().policy, &[amended], Some(2026));
    assert_eq!(report.standard.denied, ratio(1, 1, 100.0));
    assert_eq!(report.standard.time_to_decision.mean_hours, Some(50.0));
}

#[test]
fn over_a_generated_population_the_figures_add_up_to_the_decided_cases() {
    let loaded = policy();
    let cases = generate(&loaded, 400, 11, NOW);
    let report = report(&loaded.policy, &cases, None);
    // What each case was first decided: the original of an amended case.
    let first = |c: &Case| match c.amendments.first() {
        Some(amendment) => Some(amendment.original.decision),
        None => c
            .determination
            .as_ref()
            .filter(|_| c.status.is_final())
            .map(|d| d.decision),
    };
    let count = |decisions: &[Decision], urgency: Urgency| {
        cases
            .iter()
            .filter(|c| c.request.urgency == urgency)
            .filter(|c| first(c).is_some_and(|d| decisions.contains(&d)))
            .count()
    };
    assert!(
        cases.iter().any(|c| !c.amendments.is_empty()),
        "some cases are amended"
    );
    for (urgency, figures) in [
        (Urgency::Standard, &report.standard),
        (Urgency::Expedited, &report.expedited),
    ] {
        let approved = count(&[Decision::Approve, Decision::Overturn], urgency);
        let denied = count(&[Decision::Uphold], urgency);
        assert!(
            approved > 0 && denied > 0,
            "the generator decides both ways"
        );
        assert_eq!(figures.approved.numerator, approved);
        assert_eq!(figures.denied.numerator, denied);
        assert_eq!(figures.approved.denominator, approved + denied);
        assert_eq!(figures.time_to_decision.count, approved + denied);
        let mean = figures.time_to_decision.mean_hours.unwrap();
        let median = figures.time_to_decision.median_hours.unwrap();
        assert!(mean > 0.0 && median > 0.0, "{mean} {median}");
    }
}

#[test]
fn a_request_extended_then_approved_through_the_rules_is_counted() {
    let received = datetime!(2026-11-20 09:00 -5);
    let mut case = open_case("UM-20261120-0009", received, Urgency::Standard);
    let nurse = who("Pat Lee, RN", Role::Nurse);
    notices::extend(&mut case, &nurse, 7, "awaiting imaging", NOW, NOW).unwrap();
    approve(&mut case, NOW);
    let report = report(&policy().policy, std::slice::from_ref(&case), Some(2026));
    assert_eq!(report.standard.approved_after_extension, ratio(1, 1, 100.0));
    let hours = (NOW - received).as_seconds_f64() / 3600.0;
    assert_eq!(report.standard.time_to_decision.mean_hours, Some(hours));
}

/// A roster entry for `reviewer` signing with test key `key`.
fn on_roster(reviewer: &Reviewer, user: &str, key: u8) -> umdesk::identity::roster::RosterEntry {
    umdesk::identity::roster::RosterEntry {
        name: reviewer.name.clone(),
        role: reviewer.role,
        os_users: vec![user.into()],
        keys: vec![umdesk::identity::test_keys::public_line(key)],
        added_at: datetime!(2020-01-01 0:00 UTC),
        added_by: "owner, store owner (supervisor)".into(),
        removed: None,
        npi: None,
    }
}

#[test]
fn an_appeal_decision_is_signed_like_a_determination_and_verify_wants_it() {
    use umdesk::identity::signing::{APPEAL_DECISION, namespace_for, sign_entry};
    use umdesk::identity::test_keys::signing_key;
    use umdesk::identity::verify::{entries_to_sign, verify_signatures};

    let mut case = sample(Status::Denied);
    let denier = case.determination.as_ref().unwrap().decided_by.clone();
    let appeal_physician = who("Ada Second, MD", Role::Physician);
    let mut roster = umdesk::identity::Roster::default();
    roster
        .add(on_roster(
            &who("Quentin Makebelieve, RN", Role::Supervisor),
            "q",
            9,
        ))
        .unwrap();
    roster.add(on_roster(&denier, "olive", 1)).unwrap();
    roster.add(on_roster(&appeal_physician, "ada", 5)).unwrap();
    for index in entries_to_sign(&case) {
        let signature = sign_entry(&case, index, &signing_key(1), None).unwrap();
        case.signatures.push(signature);
    }
    assert!(
        verify_signatures(&case, &roster).is_empty(),
        "the denial is signed"
    );

    let nurse = who("Pat Lee, RN", Role::Nurse);
    notices::file_appeal(&mut case, &nurse, AppealParty::Member, false, NOW, NOW).unwrap();
    notices::decide_appeal(
        &mut case,
        &appeal_physician,
        AppealOutcome::Upheld,
        "Still not met.",
        NOW,
    )
    .unwrap();
    let last = case.history.len() - 1;
    assert_eq!(namespace_for(&case.history[last]), Some(APPEAL_DECISION));
    assert!(entries_to_sign(&case).contains(&last));
    let unsigned = verify_signatures(&case, &roster);
    assert!(
        unsigned.iter().any(|p| p.entry == Some(last + 1)),
        "an unsigned appeal decision is a problem: {unsigned:?}"
    );
    let signature = sign_entry(&case, last, &signing_key(5), None).unwrap();
    case.signatures.push(signature);
    assert!(verify_signatures(&case, &roster).is_empty());
    assert_eq!(verify(&case), Integrity::Intact);
}

#[test]
fn the_report_as_the_command_line_prints_it() {
    let report = report(&policy().policy, &population(), Some(2026));
    insta::assert_snapshot!(umdesk::cli::stats::cms_text(&report));
}
