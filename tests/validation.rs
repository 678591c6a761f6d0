//! Nothing the screen would refuse is accepted from a file (issue 11, part
//! 2). Each finding of the issue, reproduced through `umdesk evaluate` and
//! the rules: an override without a reason, a lesion of 0 cm, an option the
//! pack does not list, a provider NPI failing its check digit, and a
//! request whose only procedure code belongs to MP 1.055.

mod scratch;

use std::process::Output;

use scratch::{Scratch, path_text, text};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;
use umdesk::case::due::DueTable;
use umdesk::case::validate::{self, Problem};
use umdesk::case::{
    Case, Decision, Lesion, Origin, Outcome, Reviewer, Role, history, new_case, to_json,
};
use umdesk::fixtures;
use umdesk::policy::{Answer, CriterionInput, LoadedPolicy, Policy};
use umdesk::rules::answers;
use umdesk::rules::decision::{self, DecisionRequest};
use umdesk::rules::evaluate;

const T0: OffsetDateTime = datetime!(2026-03-02 09:00 -5);

fn policy() -> LoadedPolicy {
    LoadedPolicy::embedded()
}

fn nurse() -> Reviewer {
    Reviewer {
        name: "Nora Fictive, RN".to_string(),
        role: Role::Nurse,
    }
}

/// A saved case meeting all five criteria through structured input, the
/// way the review screen records them.
fn meets(policy: &LoadedPolicy) -> Case {
    let p = &policy.policy;
    let facts = fixtures::facts().received_at(T0).build();
    let mut case = new_case("UM-20260302-0001", facts, policy, &DueTable::default());
    for criterion in &p.criteria {
        match &criterion.input {
            CriterionInput::Choice { options, .. } => {
                let met = options.iter().find(|o| o.answer == Answer::Met).unwrap();
                answers::set_input(p, &mut case, &criterion.id, Some(&met.id), "N").unwrap();
            }
            CriterionInput::Measurements { .. } => {
                case.lesions = vec![Lesion {
                    site: "segment VI".to_string(),
                    diameter_cm: Some(3.0),
                }];
            }
        }
    }
    answers::sync_all(p, &mut case);
    history::record(&mut case, None, &nurse(), "created", "Case created", T0);
    case
}

fn index_of(case: &Case, criterion: &str) -> usize {
    case.criteria
        .iter()
        .position(|a| a.criterion == criterion)
        .unwrap()
}

/// Runs `umdesk evaluate` on the case written to a file, as a request
/// from elsewhere would come: without a history (evaluate reads none).
fn evaluate_file(case: &Case) -> Output {
    let scratch = Scratch::new();
    let mut request = case.clone();
    request.history.clear();
    let file = scratch.file("case.json", &to_json(&request));
    scratch.run(&["evaluate", path_text(&file)])
}

/// `evaluate` refuses the file with exit 2, naming `path` on stderr.
#[track_caller]
fn refused_at(case: &Case, path: &str) {
    let output = evaluate_file(case);
    let stderr = text(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "stdout: {}\nstderr: {stderr}",
        text(&output.stdout)
    );
    assert!(stderr.contains(path), "{path} not named in: {stderr}");
}

fn paths(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.path.as_str()).collect()
}

#[test]
fn a_valid_case_has_no_problems_and_evaluates() {
    let policy = policy();
    let case = meets(&policy);
    assert_eq!(validate::problems(&policy.policy, &case), []);
    let output = evaluate_file(&case);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["outcome"], "meets_criteria");
}

/// The finding: an override with no reason (or only spaces) was accepted
/// by `evaluate` and approved.
#[test]
fn an_override_without_a_reason_is_refused() {
    let policy = policy();
    for reason in [None, Some("   ")] {
        let mut case = meets(&policy);
        let size = index_of(&case, "tumor_size");
        case.lesions[0].diameter_cm = Some(6.0);
        let answer = &mut case.criteria[size];
        answer.answer = Some(Answer::Met);
        answer.origin = Some(Origin::Override);
        answer.override_reason = reason.map(str::to_string);
        let path = format!("criteria[{size}].override_reason");
        assert_eq!(
            paths(&validate::problems(&policy.policy, &case)),
            [path.as_str()]
        );
        refused_at(&case, &path);
    }
}

/// The finding: a lesion of 0 cm (or a negative diameter) was accepted and
/// explained as "below 5.0 cm".
#[test]
fn a_diameter_that_is_no_measurement_is_refused_and_never_below_the_limit() {
    let policy = policy();
    for diameter in [0.0, -2.0] {
        let mut case = meets(&policy);
        case.lesions[0].diameter_cm = Some(diameter);
        answers::sync_all(&policy.policy, &mut case);
        let problems = validate::problems(&policy.policy, &case);
        assert_eq!(paths(&problems), ["lesions[0].diameter_cm"]);
        let evaluation = evaluate(&policy.policy, &case);
        let size = evaluation
            .criteria
            .iter()
            .find(|c| c.criterion == "tumor_size")
            .unwrap();
        assert_eq!(size.answer, Answer::Insufficient);
        assert!(!size.reason.contains("below"), "{}", size.reason);
        refused_at(&case, "lesions[0].diameter_cm");
    }
}

/// The finding: an input option the pack does not list was silently read
/// as "not answered".
#[test]
fn an_option_the_pack_does_not_list_is_refused() {
    let policy = policy();
    let mut case = meets(&policy);
    let origin = index_of(&case, "tumor_origin");
    case.criteria[origin].input = Some("hepatocellular".to_string());
    let problems = validate::problems(&policy.policy, &case);
    assert_eq!(
        paths(&problems),
        [format!("criteria[{origin}].input").as_str()]
    );
    assert!(
        problems[0].message.contains("hcc"),
        "{}",
        problems[0].message
    );
    refused_at(&case, &format!("criteria[{origin}].input"));
}

/// The finding: the provider NPI's check digit was checked only at intake,
/// never by `evaluate`; a bad one now also blocks sign-off.
#[test]
fn a_bad_npi_is_refused_and_blocks_sign_off() {
    let policy = policy();
    let mut case = meets(&policy);
    case.provider.npi = "1234567890".to_string();
    assert_eq!(
        paths(&validate::problems(&policy.policy, &case)),
        ["provider.npi"]
    );
    refused_at(&case, "provider.npi");

    let saved = case.clone();
    let rationale = evaluate(&policy.policy, &case).rationale;
    let request = DecisionRequest {
        decision: Decision::Approve,
        rationale,
        coding_acknowledgement: None,
    };
    let problems =
        decision::decide(&policy.policy, &mut case, &saved, &nurse(), &request, T0).unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("provider.npi")),
        "{problems:?}"
    );
    assert_eq!(case, saved, "nothing was recorded");
}

/// Every problem is printed, each by its path.
#[test]
fn evaluate_prints_every_problem() {
    let policy = policy();
    let mut case = meets(&policy);
    case.provider.npi = "1234567890".to_string();
    case.lesions[0].diameter_cm = Some(0.0);
    case.service.cpt_codes.push("4737".to_string());
    let output = evaluate_file(&case);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    for path in [
        "provider.npi",
        "lesions[0].diameter_cm",
        "service.cpt_codes[1]",
    ] {
        assert!(stderr.contains(path), "{path}: {stderr}");
    }
    assert!(output.stdout.is_empty(), "no determination is printed");
}

/// The finding: a request whose only procedure code belongs to MP 1.055
/// (radiofrequency ablation, 47382) was approved under MP 1.121 with a
/// rationale that listed no procedure code. It is routed instead, naming
/// the policy its codes belong to.
#[test]
fn a_request_for_another_policys_procedure_is_routed_there() {
    let policy = policy();
    let p = &policy.policy;
    let reference = p
        .cross_references
        .iter()
        .find(|r| r.number == "MP 1.055")
        .expect("the pack cross-references MP 1.055");
    assert!(reference.procedure_codes.contains(&"47382".to_string()));
    let mut case = meets(&policy);
    case.service.cpt_codes = vec!["47382".to_string()];
    let evaluation = evaluate(p, &case);
    assert_eq!(evaluation.outcome, Outcome::NotApplicable);
    let refer_to = evaluation.refer_to.clone().unwrap_or_default();
    assert!(refer_to.contains("MP 1.055"), "{refer_to}");
    assert!(refer_to.contains(&reference.title), "{refer_to}");
    assert!(
        evaluation.rationale.contains("47382"),
        "{}",
        evaluation.rationale
    );
    assert!(
        evaluation.rationale.contains("MP 1.055"),
        "{}",
        evaluation.rationale
    );
    assert_eq!(
        decision::decisions_for(evaluation.outcome, Role::Nurse),
        [Decision::CloseNotApplicable]
    );

    let output = evaluate_file(&case);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["outcome"], "not_applicable");

    // With one of the policy's own codes beside it, it is decided here and
    // the approval names the codes it approves.
    case.service.cpt_codes = vec!["47381".to_string(), "47382".to_string()];
    let evaluation = evaluate(p, &case);
    assert_eq!(evaluation.outcome, Outcome::MeetsCriteria);
    assert!(
        evaluation.rationale.contains("47381"),
        "{}",
        evaluation.rationale
    );
}

#[test]
fn the_problems_name_their_places() {
    let policy = policy();
    let p: &Policy = &policy.policy;
    let mut case = meets(&policy);
    case.member.name = "  ".to_string();
    case.service.icd10_codes.clear();
    case.lesions.push(Lesion {
        site: String::new(),
        diameter_cm: Some(250.0),
    });
    let first = case.criteria[0].clone();
    case.criteria.push(first);
    case.criteria[1].criterion = "no_such_criterion".to_string();
    let size = index_of(&case, "tumor_size");
    case.criteria[size].input = Some("small".to_string());
    let problems = validate::problems(p, &case);
    assert_eq!(
        paths(&problems),
        [
            "member.name",
            "service.icd10_codes",
            "lesions[1].site",
            "lesions[1].diameter_cm",
            "criteria[1].criterion",
            format!("criteria[{size}].input").as_str(),
            "criteria[5].criterion",
        ]
    );
    for problem in &problems {
        assert!(problem.to_string().starts_with(&problem.path));
    }
}

/// `verify` and `show` report what the review would refuse, by path, for a
/// case whose history is intact.
#[test]
fn verify_and_show_report_the_problems_of_a_stored_case() {
    let policy = policy();
    let mut case = meets(&policy);
    case.provider.npi = "1234567890".to_string();
    case.history.clear();
    history::record(&mut case, None, &nurse(), "created", "Case created", T0);
    let scratch = Scratch::new();
    scratch.put(&case);

    let output = scratch.run(&["verify", &case.id]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(&format!("{}: intact", case.id)), "{stdout}");
    assert!(
        stdout.contains(&format!("{}: invalid: provider.npi", case.id)),
        "{stdout}"
    );

    let output = scratch.run(&["show", &case.id]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(stdout.contains("Problems"), "{stdout}");
    assert!(stdout.contains("provider.npi: NPI 1234567890"), "{stdout}");
}
