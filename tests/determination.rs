//! The determination rules as a reviewer relies on them (PRODUCT.md
//! "Determination rules"): the four outcomes in their order over every
//! combination of answers, the 5 cm boundary, the diagnosis-code
//! suggestions, coding flags, NPI check digits, overrides, who may decide
//! what, denials fit to send, seals, and amendments.

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::{date, datetime};
use umdesk::case::history::{self, Integrity};
use umdesk::case::npi::npi_problem;
use umdesk::case::{
    Case, Decision, Lesion, Origin, Outcome, Product, RequestFacts, Reviewer, Role, Status,
    due::DueTable, new_case, parse_case, to_json,
};
use umdesk::fixtures;
use umdesk::policy::{Answer, CriterionInput, LoadedPolicy, Policy};
use umdesk::rules::answers::{self, AnswerError, mark, set_input, sync_all};
use umdesk::rules::coding::CodeKind;
use umdesk::rules::decision::{self, DecisionRequest};
use umdesk::rules::{self, Evaluation, coding_flags, evaluate, fitness, suggest};

const CRITERIA: [&str; 5] = [
    "unresectable",
    "tumor_origin",
    "tumor_size",
    "no_extrahepatic",
    "amenable",
];
const AUTHOR: &str = "Test Reviewer, RN";
const T0: OffsetDateTime = datetime!(2026-03-02 09:00 -5);

/// The version last saved of a case built in memory: what its history
/// records. The acts below record every change since it, as the app does.
fn saved(case: &Case) -> Case {
    history::recorded_version(case).expect("the history replays")
}

fn decide(
    policy: &Policy,
    case: &mut Case,
    reviewer: &Reviewer,
    request: &DecisionRequest,
    now: OffsetDateTime,
) -> Result<(), Vec<String>> {
    let saved = saved(case);
    decision::decide(policy, case, &saved, reviewer, request, now)
}

fn record_peer_to_peer(
    case: &mut Case,
    physician: &Reviewer,
    provider_contact: &str,
    note: &str,
    now: OffsetDateTime,
) -> Result<(), decision::ActError> {
    let saved = saved(case);
    decision::record_peer_to_peer(case, &saved, physician, provider_contact, note, now)
}

fn reopen(
    case: &mut Case,
    supervisor: &Reviewer,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), decision::ActError> {
    let saved = saved(case);
    decision::reopen(case, &saved, supervisor, reason, now)
}

fn qa_review(
    policy: &Policy,
    case: &mut Case,
    supervisor: &Reviewer,
    criteria_agree: &[(String, bool)],
    outcome_agrees: bool,
    note: &str,
    now: OffsetDateTime,
) -> Result<(), decision::ActError> {
    let saved = saved(case);
    let findings = decision::QaFindings {
        criteria_agree,
        outcome_agrees,
        note,
    };
    decision::qa_review(policy, case, &saved, supervisor, &findings, now)
}

fn loaded() -> LoadedPolicy {
    LoadedPolicy::embedded()
}

fn nurse() -> Reviewer {
    Reviewer {
        name: "Nora Fictive, RN".to_string(),
        role: Role::Nurse,
    }
}

fn physician() -> Reviewer {
    Reviewer {
        name: "Olive Imaginary, MD".to_string(),
        role: Role::Physician,
    }
}

fn supervisor() -> Reviewer {
    Reviewer {
        name: "Quentin Makebelieve, RN".to_string(),
        role: Role::Supervisor,
    }
}

fn facts(product: Product) -> RequestFacts {
    fixtures::facts()
        .member("Ada Sampleton", "FIC000000001")
        .born(date!(1961 - 04 - 17))
        .product(product)
        .cpt(&["47381"])
        .planned(Some(date!(2026 - 03 - 23)))
        .received_at(T0)
        .build()
}

/// A new case with its "created" history entry, nothing answered, no lesions.
fn blank(policy: &LoadedPolicy, product: Product) -> Case {
    let mut case = new_case(
        "UM-20260302-0001",
        facts(product),
        policy,
        &DueTable::default(),
    );
    history::record(&mut case, None, &nurse(), "created", "created", T0);
    case
}

fn lesion(site: &str, diameter: Option<f64>) -> Lesion {
    Lesion {
        site: site.to_string(),
        diameter_cm: diameter,
    }
}

/// The first option of a choice criterion that gives `answer`.
fn option_for(policy: &Policy, criterion: &str, answer: Answer) -> String {
    let CriterionInput::Choice { options, .. } = &policy.criterion(criterion).unwrap().input else {
        panic!("{criterion} is not a choice criterion");
    };
    options
        .iter()
        .find(|o| o.answer == answer)
        .unwrap_or_else(|| panic!("{criterion} has no option answering {answer:?}"))
        .id
        .clone()
}

/// Sets every criterion to `answers` through structured input: an option
/// for choice criteria, lesions for the size criterion.
fn by_inputs(policy: &Policy, case: &mut Case, answers: &[Answer; 5]) {
    for (criterion, answer) in CRITERIA.iter().zip(answers) {
        if *criterion == "tumor_size" {
            case.lesions = match answer {
                Answer::Met => vec![lesion("segment VI", Some(3.0))],
                Answer::NotMet => vec![lesion("segment VI", Some(6.0))],
                Answer::Insufficient => vec![lesion("segment VI", None)],
            };
        } else {
            let option = option_for(policy, criterion, *answer);
            set_input(policy, case, criterion, Some(&option), AUTHOR).unwrap();
        }
    }
    sync_all(policy, case);
}

/// A case with all five criteria met through structured input.
fn met_case(policy: &LoadedPolicy, product: Product) -> Case {
    let mut case = blank(policy, product);
    by_inputs(&policy.policy, &mut case, &[Answer::Met; 5]);
    case
}

/// A case failing `criterion` only, the failure documented with its
/// evidence and source document (a denial rests on them).
fn failing(policy: &LoadedPolicy, criterion: &str) -> Case {
    let mut case = failing_bare(policy, criterion);
    let answer = case.answer_mut(criterion);
    answer.evidence = "As documented in the records received.".to_string();
    answer.source_document = "Records received with the request".to_string();
    case
}

/// A case failing `criterion` only, with no evidence written.
fn failing_bare(policy: &LoadedPolicy, criterion: &str) -> Case {
    let mut answers = [Answer::Met; 5];
    answers[CRITERIA.iter().position(|c| *c == criterion).unwrap()] = Answer::NotMet;
    let mut case = blank(policy, Product::CommercialPpo);
    by_inputs(&policy.policy, &mut case, &answers);
    case
}

/// All 3^5 combinations, in a fixed order.
fn combinations() -> Vec<[Answer; 5]> {
    (0..243)
        .map(|mut n: usize| {
            let mut combo = [Answer::Met; 5];
            for slot in combo.iter_mut() {
                *slot = Answer::ALL[n % 3];
                n /= 3;
            }
            combo
        })
        .collect()
}

/// The outcome PRODUCT.md prescribes, computed as plainly as it is written.
fn expected(fep: bool, answers: &[Answer; 5]) -> Outcome {
    if fep {
        Outcome::NotApplicable
    } else if answers.contains(&Answer::NotMet) {
        Outcome::DoesNotMeet
    } else if answers.contains(&Answer::Insufficient) {
        Outcome::InformationNeeded
    } else {
        Outcome::MeetsCriteria
    }
}

fn name_of(policy: &Policy, criterion: &str) -> String {
    policy.criterion(criterion).unwrap().name.clone()
}

/// Asserts the outcome and, for information needed, one missing-information
/// line per insufficient criterion, naming it.
fn check_combination(
    policy: &Policy,
    evaluation: &Evaluation,
    fep: bool,
    answers: &[Answer; 5],
    how: &str,
) {
    let want = expected(fep, answers);
    assert_eq!(evaluation.outcome, want, "{how}: {answers:?}, FEP {fep}");
    for (criterion, answer) in CRITERIA.iter().zip(answers) {
        let result = evaluation
            .criteria
            .iter()
            .find(|r| r.criterion == *criterion)
            .unwrap();
        assert_eq!(result.answer, *answer, "{how}: {criterion} in {answers:?}");
    }
    if want != Outcome::InformationNeeded {
        assert!(
            evaluation.missing_information.is_empty(),
            "{how}: {answers:?} lists missing information for {want:?}: {:?}",
            evaluation.missing_information
        );
        return;
    }
    let insufficient: Vec<&str> = CRITERIA
        .iter()
        .zip(answers)
        .filter(|(_, a)| **a == Answer::Insufficient)
        .map(|(c, _)| *c)
        .collect();
    assert_eq!(
        evaluation.missing_information.len(),
        insufficient.len(),
        "{how}: {answers:?}: {:?}",
        evaluation.missing_information
    );
    for criterion in insufficient {
        let name = name_of(policy, criterion);
        let naming = evaluation
            .missing_information
            .iter()
            .filter(|line| line.contains(&name))
            .count();
        assert_eq!(
            naming, 1,
            "{how}: {answers:?}: one line must name {name:?}: {:?}",
            evaluation.missing_information
        );
    }
}

#[test]
fn every_combination_of_answers_set_by_the_reviewer() {
    let policy = loaded();
    let p = &policy.policy;
    for product in [Product::CommercialPpo, Product::FepPpo] {
        for answers in combinations() {
            let mut case = blank(&policy, product);
            for (criterion, answer) in CRITERIA.iter().zip(&answers) {
                mark(p, &mut case, criterion, *answer, None, AUTHOR).unwrap();
                assert_eq!(case.answer(criterion).unwrap().origin, Some(Origin::Manual));
            }
            let evaluation = evaluate(p, &case);
            check_combination(
                p,
                &evaluation,
                product == Product::FepPpo,
                &answers,
                "marked",
            );
        }
    }
}

#[test]
fn every_combination_of_answers_from_structured_input() {
    let policy = loaded();
    let p = &policy.policy;
    for product in [Product::MedicareAdvantage, Product::FepPpo] {
        for answers in combinations() {
            let mut case = blank(&policy, product);
            by_inputs(p, &mut case, &answers);
            let evaluation = evaluate(p, &case);
            for result in &evaluation.criteria {
                assert_eq!(result.origin, Some(Origin::Auto), "{answers:?}");
            }
            check_combination(
                p,
                &evaluation,
                product == Product::FepPpo,
                &answers,
                "inputs",
            );
        }
    }
}

#[test]
fn every_product_but_fep_is_decided_under_the_policy() {
    let policy = loaded();
    for product in Product::ALL {
        let case = met_case(&policy, product);
        let evaluation = evaluate(&policy.policy, &case);
        if product == Product::FepPpo {
            assert_eq!(evaluation.outcome, Outcome::NotApplicable);
            assert_eq!(
                evaluation.refer_to.as_deref(),
                Some("FEP Medical Policy Manual")
            );
        } else {
            assert_eq!(evaluation.outcome, Outcome::MeetsCriteria, "{product:?}");
            assert_eq!(evaluation.refer_to, None);
        }
    }
}

#[test]
fn unanswered_criteria_count_as_insufficient() {
    let policy = loaded();
    let p = &policy.policy;
    let case = blank(&policy, Product::CommercialPpo);
    let evaluation = evaluate(p, &case);
    assert_eq!(evaluation.outcome, Outcome::InformationNeeded);
    assert!(
        evaluation
            .criteria
            .iter()
            .all(|r| r.answer == Answer::Insufficient && r.origin.is_none())
    );
    assert_eq!(evaluation.missing_information.len(), 5);

    // Four met by the reviewer, the fifth left alone.
    for left in CRITERIA {
        let mut case = blank(&policy, Product::CommercialPpo);
        for criterion in CRITERIA.iter().filter(|c| **c != left) {
            mark(p, &mut case, criterion, Answer::Met, None, AUTHOR).unwrap();
        }
        let evaluation = evaluate(p, &case);
        assert_eq!(
            evaluation.outcome,
            Outcome::InformationNeeded,
            "{left} unanswered"
        );
        assert_eq!(evaluation.missing_information.len(), 1);
        assert!(evaluation.missing_information[0].contains(&name_of(p, left)));
    }

    // A stored record with no answer at all (as a hand-edited file may hold).
    let mut case = met_case(&policy, Product::CommercialPpo);
    let record = case.answer_mut("amenable");
    record.input = None;
    record.answer = None;
    record.origin = None;
    assert_eq!(evaluate(p, &case).outcome, Outcome::InformationNeeded);
}

// ---------------------------------------------------------------------------
// Criterion 3: every lesion strictly below 5.0 cm.

fn size_answer(diameters: &[Option<f64>]) -> (Answer, Outcome) {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = met_case(&policy, Product::CommercialPpo);
    case.lesions = diameters
        .iter()
        .enumerate()
        .map(|(i, d)| lesion(&format!("lesion {}", i + 1), *d))
        .collect();
    sync_all(p, &mut case);
    let evaluation = evaluate(p, &case);
    let result = evaluation
        .criteria
        .iter()
        .find(|r| r.criterion == "tumor_size")
        .unwrap();
    assert_eq!(result.origin, Some(Origin::Auto));
    assert_eq!(rules::derive(p, &case, "tumor_size"), Some(result.answer));
    (result.answer, evaluation.outcome)
}

#[test]
fn diameters_at_the_five_centimeter_boundary() {
    assert_eq!(
        size_answer(&[Some(4.99)]),
        (Answer::Met, Outcome::MeetsCriteria)
    );
    assert_eq!(
        size_answer(&[Some(5.0)]),
        (Answer::NotMet, Outcome::DoesNotMeet)
    );
    assert_eq!(
        size_answer(&[Some(5.01)]),
        (Answer::NotMet, Outcome::DoesNotMeet)
    );
}

#[test]
fn several_lesions_must_all_be_below_five() {
    assert_eq!(
        size_answer(&[Some(1.2), Some(4.9), Some(3.3), Some(4.99)]),
        (Answer::Met, Outcome::MeetsCriteria)
    );
    assert_eq!(
        size_answer(&[Some(1.2), Some(5.0), Some(3.3)]),
        (Answer::NotMet, Outcome::DoesNotMeet)
    );
    assert_eq!(
        size_answer(&[Some(4.0), None]),
        (Answer::Insufficient, Outcome::InformationNeeded)
    );
    // A lesion at 6.0 fails the criterion whatever the unmeasured one is.
    assert_eq!(
        size_answer(&[None, Some(6.0)]),
        (Answer::NotMet, Outcome::DoesNotMeet)
    );
}

#[test]
fn an_unmeasured_lesion_is_named_in_the_missing_information() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = met_case(&policy, Product::CommercialPpo);
    case.lesions = vec![
        lesion("segment VI", Some(2.0)),
        lesion("segment VIII", None),
    ];
    sync_all(p, &mut case);
    let evaluation = evaluate(p, &case);
    assert_eq!(evaluation.missing_information.len(), 1);
    assert!(evaluation.missing_information[0].contains("segment VIII"));
    assert!(!evaluation.missing_information[0].contains("segment VI,"));
}

#[test]
fn the_reason_for_a_failed_size_names_the_lesion() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = met_case(&policy, Product::CommercialPpo);
    case.lesions = vec![
        lesion("segment VI", Some(3.1)),
        lesion("segment VII", Some(5.0)),
    ];
    sync_all(p, &mut case);
    let evaluation = evaluate(p, &case);
    let reason = &evaluation.criteria[2].reason;
    assert!(reason.contains("segment VII measures 5.0 cm"), "{reason}");
    assert!(!reason.contains("segment VI "), "{reason}");
}

// ---------------------------------------------------------------------------
// Diagnosis codes.

fn with_codes(policy: &LoadedPolicy, codes: &[&str]) -> Case {
    let mut case = met_case(policy, Product::CommercialPpo);
    case.service.icd10_codes = codes.iter().map(|c| c.to_string()).collect();
    case
}

fn suggested(codes: &[&str]) -> Option<String> {
    let policy = loaded();
    let case = with_codes(&policy, codes);
    suggest(&policy.policy, &case).map(|s| {
        assert_eq!(s.criterion, "tumor_origin", "{codes:?}");
        assert!(!s.reason.is_empty());
        s.option
    })
}

#[test]
fn each_policy_diagnosis_code_suggests_the_tumor_origin() {
    let cases: [(&[&str], Option<&str>); 16] = [
        (&["C22.0"], Some("hcc")),
        (&["C7B.02"], Some("neuroendocrine_metastasis")),
        (&["C78.7", "C18.7"], Some("colorectal_metastasis")),
        (&["C78.7", "C18.0"], Some("colorectal_metastasis")),
        (&["C78.7", "C19"], Some("colorectal_metastasis")),
        (&["C78.7", "C20"], Some("colorectal_metastasis")),
        (&["C78.7", "C7A.1"], Some("neuroendocrine_metastasis")),
        (&["C78.7"], None),
        (&["C22.1"], Some("cholangiocarcinoma")),
        (&["C22.2"], Some("hepatoblastoma")),
        (&["C22.3"], Some("sarcoma")),
        (&["C22.4"], Some("sarcoma")),
        (&["C22.7"], None),
        (&["C22.8"], None),
        (&["C22.9"], None),
        // A primary-site code alone is no liver metastasis.
        (&["C18.7"], None),
    ];
    for (codes, want) in cases {
        assert_eq!(suggested(codes).as_deref(), want, "{codes:?}");
    }
    // C18 is a category: "C180" is not in it, so beside C78.7 it suggests nothing.
    assert_eq!(suggested(&["C78.7", "C180"]), None);
}

#[test]
fn a_suggested_origin_gives_the_answer_the_policy_assigns_it() {
    let policy = loaded();
    let p = &policy.policy;
    let cases: [(&[&str], Answer); 9] = [
        (&["C22.0"], Answer::Met),
        (&["C7B.02"], Answer::Met),
        (&["C78.7", "C18.7"], Answer::Met),
        (&["C78.7", "C7A.1"], Answer::Met),
        // Listed in the coding section, yet not an eligible origin.
        (&["C22.1"], Answer::NotMet),
        (&["C22.2"], Answer::NotMet),
        (&["C22.3"], Answer::NotMet),
        (&["C22.4"], Answer::NotMet),
        (&["C22.1", "C78.7"], Answer::NotMet),
    ];
    for (codes, want) in cases {
        let mut case = with_codes(&policy, codes);
        let suggestion = suggest(p, &case).unwrap();
        set_input(
            p,
            &mut case,
            &suggestion.criterion,
            Some(&suggestion.option),
            AUTHOR,
        )
        .unwrap();
        assert_eq!(
            rules::derive(p, &case, "tumor_origin"),
            Some(want),
            "{codes:?}"
        );
        let outcome = evaluate(p, &case).outcome;
        let want_outcome = match want {
            Answer::Met => Outcome::MeetsCriteria,
            _ => Outcome::DoesNotMeet,
        };
        assert_eq!(outcome, want_outcome, "{codes:?}");
    }
}

#[test]
fn the_suggestion_is_only_a_suggestion() {
    // The diagnosis codes do not answer criterion 2 by themselves: the
    // reviewer confirms by choosing the input.
    let policy = loaded();
    let p = &policy.policy;
    let mut case = blank(&policy, Product::CommercialPpo);
    case.service.icd10_codes = vec!["C22.1".to_string()];
    let evaluation = evaluate(p, &case);
    assert_eq!(evaluation.criteria[1].answer, Answer::Insufficient);
    assert_eq!(evaluation.suggestion.unwrap().option, "cholangiocarcinoma");
}

fn diagnosis_flags(codes: &[&str]) -> Vec<String> {
    let policy = loaded();
    let case = with_codes(&policy, codes);
    coding_flags(&policy.policy, &case)
        .into_iter()
        .map(|f| {
            assert_eq!(f.kind, CodeKind::Diagnosis, "{f:?}");
            f.code
        })
        .collect()
}

#[test]
fn none_of_the_ten_policy_diagnosis_codes_is_flagged() {
    let policy = loaded();
    let listed: Vec<&str> = policy
        .policy
        .coding
        .diagnosis_codes
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(
        listed,
        [
            "C22.0", "C22.1", "C22.2", "C22.3", "C22.4", "C22.7", "C22.8", "C22.9", "C78.7",
            "C7B.02"
        ]
    );
    for code in &listed {
        assert!(diagnosis_flags(&[code]).is_empty(), "{code}");
    }
    assert!(diagnosis_flags(&listed).is_empty());
}

#[test]
fn a_primary_site_code_beside_c78_7_is_not_flagged_an_unrelated_code_is() {
    assert!(diagnosis_flags(&["C78.7", "C18.7"]).is_empty());
    assert!(diagnosis_flags(&["C78.7", "C20"]).is_empty());
    assert!(diagnosis_flags(&["C78.7", "C7A.1"]).is_empty());
    assert_eq!(diagnosis_flags(&["K76.0"]), ["K76.0"]);
    assert_eq!(diagnosis_flags(&["C22.0", "K76.0"]), ["K76.0"]);
    assert_eq!(diagnosis_flags(&["C78.7", "C18.7", "K76.0"]), ["K76.0"]);

    let policy = loaded();
    let case = with_codes(&policy, &["K76.0"]);
    let flag = &coding_flags(&policy.policy, &case)[0];
    assert!(
        flag.message.contains("K76.0") && flag.message.contains("MP 1.121"),
        "{}",
        flag.message
    );
}

// ---------------------------------------------------------------------------
// Procedure codes.

fn procedure_flags(codes: &[&str]) -> Vec<(String, String)> {
    let policy = loaded();
    let mut case = met_case(&policy, Product::CommercialPpo);
    case.service.cpt_codes = codes.iter().map(|c| c.to_string()).collect();
    coding_flags(&policy.policy, &case)
        .into_iter()
        .map(|f| {
            assert_eq!(f.kind, CodeKind::Procedure);
            (f.code, f.message)
        })
        .collect()
}

#[test]
fn the_policy_procedure_codes_are_not_flagged() {
    for code in ["47371", "47381", "47383", "47399"] {
        assert!(procedure_flags(&[code]).is_empty(), "{code}");
    }
}

#[test]
fn a_radiofrequency_code_is_flagged_naming_mp_1_055() {
    for code in ["47370", "47380", "47382"] {
        let flags = procedure_flags(&["47381", code]);
        assert_eq!(flags.len(), 1, "{code}: {flags:?}");
        assert_eq!(flags[0].0, code);
        assert!(flags[0].1.contains("MP 1.055"), "{}", flags[0].1);
        assert!(flags[0].1.contains("Radiofrequency"), "{}", flags[0].1);
    }
}

#[test]
fn an_unknown_procedure_code_is_flagged_without_a_cross_reference() {
    let flags = procedure_flags(&["99999"]);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].0, "99999");
    let message = &flags[0].1;
    assert!(
        message.contains("99999") && message.contains("MP 1.121"),
        "{message}"
    );
    for other in ["MP 1.055", "MP 1.088", "MP 1.084"] {
        assert!(!message.contains(other), "{message}");
    }
}

#[test]
fn a_request_without_a_procedure_code_is_flagged() {
    assert_eq!(procedure_flags(&[]).len(), 1);
}

fn request(decision: Decision, rationale: &str, acknowledgement: Option<&str>) -> DecisionRequest {
    DecisionRequest {
        decision,
        rationale: rationale.to_string(),
        coding_acknowledgement: acknowledgement.map(str::to_string),
    }
}

#[test]
fn deciding_over_a_coding_flag_needs_an_acknowledgement() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = met_case(&policy, Product::CommercialPpo);
    case.service.cpt_codes = vec!["47381".to_string(), "47380".to_string()];
    let rationale = evaluate(p, &case).rationale;
    // The proposed approval names only the listed code.
    assert!(
        rationale.contains("47381") && !rationale.contains("47380"),
        "{rationale}"
    );

    for missing in [None, Some(""), Some("   ")] {
        let problems = decide(
            p,
            &mut case,
            &nurse(),
            &request(Decision::Approve, &rationale, missing),
            T0,
        )
        .unwrap_err();
        assert!(
            problems.iter().any(|m| m.contains("acknowledge")),
            "{problems:?}"
        );
        assert_eq!(case.status, Status::InReview);
        assert!(case.determination.is_none());
    }
    let note = "47380 listed in error; the procedure is cryoablation";
    decide(
        p,
        &mut case,
        &nurse(),
        &request(Decision::Approve, &rationale, Some(note)),
        T0,
    )
    .unwrap();
    let determination = case.determination.as_ref().unwrap();
    assert_eq!(case.status, Status::Approved);
    assert_eq!(determination.coding_acknowledgement.as_deref(), Some(note));
    assert_eq!(determination.coding_flags.len(), 1);
    assert!(determination.coding_flags[0].contains("MP 1.055"));
}

#[test]
fn deciding_without_a_flag_needs_no_acknowledgement() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = met_case(&policy, Product::CommercialPpo);
    let rationale = evaluate(p, &case).rationale;
    decide(
        p,
        &mut case,
        &nurse(),
        &request(Decision::Approve, &rationale, None),
        T0,
    )
    .unwrap();
    assert_eq!(case.determination.unwrap().coding_acknowledgement, None);
}

// ---------------------------------------------------------------------------
// NPI.

#[test]
fn npi_check_digit() {
    assert_eq!(npi_problem("1234567893"), None);
    let problem = npi_problem("1234567890").expect("a wrong check digit is refused");
    assert!(problem.contains('3'), "{problem}");
    assert!(npi_problem("123456789").is_some());
    assert!(npi_problem("").is_some());
}

// ---------------------------------------------------------------------------
// Overrides and re-derivation.

#[test]
fn an_override_needs_a_reason() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = failing(&policy, "unresectable");
    let before = case.clone();
    for reason in [None, Some(""), Some("  \n ")] {
        let err = mark(p, &mut case, "unresectable", Answer::Met, reason, AUTHOR).unwrap_err();
        assert_eq!(
            err,
            AnswerError::ReasonRequired {
                criterion: "unresectable".to_string(),
                derived: Answer::NotMet,
            }
        );
        assert_eq!(case, before, "a refused override leaves the case as it was");
    }
    // Insufficient differs from the derived answer too.
    assert!(matches!(
        mark(
            p,
            &mut case,
            "unresectable",
            Answer::Insufficient,
            None,
            AUTHOR
        ),
        Err(AnswerError::ReasonRequired { .. })
    ));
    assert!(answers::needs_reason(p, &case, "unresectable", Answer::Met));
    assert!(!answers::needs_reason(
        p,
        &case,
        "unresectable",
        Answer::NotMet
    ));
}

#[test]
fn an_override_with_a_reason_is_stored_as_an_override() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = failing(&policy, "unresectable");
    let reason = "The surgeon's addendum of 2026-02-27 withdraws the offer of resection";
    mark(
        p,
        &mut case,
        "unresectable",
        Answer::Met,
        Some(reason),
        AUTHOR,
    )
    .unwrap();
    let record = case.answer("unresectable").unwrap();
    assert_eq!(record.answer, Some(Answer::Met));
    assert_eq!(record.origin, Some(Origin::Override));
    assert_eq!(record.override_reason.as_deref(), Some(reason));
    assert_eq!(record.author.as_deref(), Some(AUTHOR));
    let evaluation = evaluate(p, &case);
    assert_eq!(evaluation.outcome, Outcome::MeetsCriteria);
    let result = &evaluation.criteria[0];
    assert_eq!(
        (result.answer, result.origin, result.derived),
        (Answer::Met, Some(Origin::Override), Some(Answer::NotMet))
    );
    assert!(result.reason.contains(reason), "{}", result.reason);

    // It survives a save and a reload.
    let reloaded = parse_case(&to_json(&case)).unwrap();
    assert_eq!(reloaded.answer("unresectable"), case.answer("unresectable"));
}

#[test]
fn marking_what_the_record_gives_stays_auto() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = failing(&policy, "unresectable");
    mark(p, &mut case, "unresectable", Answer::NotMet, None, AUTHOR).unwrap();
    let record = case.answer("unresectable").unwrap();
    assert_eq!(record.origin, Some(Origin::Auto));
    assert_eq!(record.override_reason, None);

    // Agreeing after an override takes the override back.
    mark(
        p,
        &mut case,
        "unresectable",
        Answer::Met,
        Some("addendum"),
        AUTHOR,
    )
    .unwrap();
    mark(p, &mut case, "unresectable", Answer::NotMet, None, AUTHOR).unwrap();
    let record = case.answer("unresectable").unwrap();
    assert_eq!(
        (record.origin, record.override_reason.as_deref()),
        (Some(Origin::Auto), None)
    );
}

#[test]
fn changing_the_input_of_an_auto_criterion_re_derives_it() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = met_case(&policy, Product::CommercialPpo);
    assert_eq!(evaluate(p, &case).outcome, Outcome::MeetsCriteria);

    set_input(p, &mut case, "no_extrahepatic", Some("present"), AUTHOR).unwrap();
    let record = case.answer("no_extrahepatic").unwrap();
    assert_eq!(
        (record.answer, record.origin),
        (Some(Answer::NotMet), Some(Origin::Auto))
    );
    assert_eq!(evaluate(p, &case).outcome, Outcome::DoesNotMeet);

    set_input(
        p,
        &mut case,
        "no_extrahepatic",
        Some("not_documented"),
        AUTHOR,
    )
    .unwrap();
    assert_eq!(
        case.answer("no_extrahepatic").unwrap().answer,
        Some(Answer::Insufficient)
    );
    assert_eq!(evaluate(p, &case).outcome, Outcome::InformationNeeded);

    set_input(p, &mut case, "no_extrahepatic", None, AUTHOR).unwrap();
    let record = case.answer("no_extrahepatic").unwrap();
    assert_eq!((record.answer, record.origin), (None, None));

    // Lesions re-derive the size criterion.
    case.lesions = vec![lesion("segment V", Some(5.5))];
    sync_all(p, &mut case);
    assert_eq!(
        case.answer("tumor_size").unwrap().answer,
        Some(Answer::NotMet)
    );
    case.lesions[0].diameter_cm = Some(4.5);
    sync_all(p, &mut case);
    assert_eq!(case.answer("tumor_size").unwrap().answer, Some(Answer::Met));
}

#[test]
fn an_override_survives_an_input_change() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = failing(&policy, "amenable");
    let reason = "Radiologist's addendum: reachable by a laparoscopic approach";
    mark(p, &mut case, "amenable", Answer::Met, Some(reason), AUTHOR).unwrap();
    set_input(p, &mut case, "amenable", Some("not_documented"), AUTHOR).unwrap();
    let record = case.answer("amenable").unwrap();
    assert_eq!(record.answer, Some(Answer::Met));
    assert_eq!(record.origin, Some(Origin::Override));
    assert_eq!(record.override_reason.as_deref(), Some(reason));
    assert_eq!(record.input.as_deref(), Some("not_documented"));
    assert_eq!(evaluate(p, &case).outcome, Outcome::MeetsCriteria);

    // An overridden size stands when lesions change as well.
    let mut case = failing(&policy, "tumor_size");
    mark(
        p,
        &mut case,
        "tumor_size",
        Answer::Met,
        Some("Later imaging: 4.2 cm"),
        AUTHOR,
    )
    .unwrap();
    case.lesions.push(lesion("segment II", Some(7.0)));
    sync_all(p, &mut case);
    assert_eq!(evaluate(p, &case).criteria[2].answer, Answer::Met);
}

#[test]
fn unknown_criteria_and_options_are_refused() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = blank(&policy, Product::CommercialPpo);
    assert!(matches!(
        set_input(p, &mut case, "tumor_origin", Some("melanoma"), AUTHOR),
        Err(AnswerError::UnknownOption { .. })
    ));
    assert!(matches!(
        mark(p, &mut case, "no_such_criterion", Answer::Met, None, AUTHOR),
        Err(AnswerError::UnknownCriterion(_))
    ));
}

// ---------------------------------------------------------------------------
// Decisions by role, denials fit to send, seals and amendments.

fn refused(result: Result<(), Vec<String>>) -> Vec<String> {
    match result {
        Ok(()) => panic!("the decision was accepted"),
        Err(problems) => problems,
    }
}

#[test]
fn a_nurse_may_not_deny() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = failing(&policy, "unresectable");
    let evaluation = evaluate(p, &case);
    assert_eq!(evaluation.outcome, Outcome::DoesNotMeet);
    assert_eq!(
        decision::decisions_for(Outcome::DoesNotMeet, Role::Nurse),
        [Decision::ReferToPhysician]
    );

    let problems = refused(decide(
        p,
        &mut case,
        &nurse(),
        &request(Decision::Uphold, &evaluation.rationale, None),
        T0,
    ));
    assert!(
        problems.iter().any(|m| m.contains("physician")),
        "{problems:?}"
    );
    let problems = refused(decide(
        p,
        &mut case,
        &nurse(),
        &request(Decision::Approve, &evaluation.rationale, None),
        T0,
    ));
    assert!(!problems.is_empty());
    assert!(case.determination.is_none());

    decide(
        p,
        &mut case,
        &nurse(),
        &request(Decision::ReferToPhysician, &evaluation.rationale, None),
        T0,
    )
    .unwrap();
    assert_eq!(case.status, Status::Referred);
    let determination = case.determination.as_ref().unwrap();
    assert_eq!(
        (determination.outcome, determination.decision),
        (Outcome::DoesNotMeet, Decision::ReferToPhysician)
    );
    assert!(case.seal.is_none(), "a referral is not final");
    assert_eq!(history::verify(&case), Integrity::Intact);

    // Once referred, the nurse may not take it back to deny either.
    let problems = refused(decide(
        p,
        &mut case,
        &nurse(),
        &request(Decision::Uphold, &evaluation.rationale, None),
        T0,
    ));
    assert!(
        problems.iter().any(|m| m.contains("physician")),
        "{problems:?}"
    );
}

#[test]
fn a_supervisor_does_not_decide() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = met_case(&policy, Product::CommercialPpo);
    let rationale = evaluate(p, &case).rationale;
    refused(decide(
        p,
        &mut case,
        &supervisor(),
        &request(Decision::Approve, &rationale, None),
        T0,
    ));
}

#[test]
fn each_outcome_takes_its_decision() {
    let policy = loaded();
    let p = &policy.policy;
    let mut info = blank(&policy, Product::CommercialPpo);
    let mut fep = met_case(&policy, Product::FepPpo);
    let mut meets = met_case(&policy, Product::CommercialPpo);
    for (case, decision, status) in [
        (&mut info, Decision::Pend, Status::Pended),
        (
            &mut fep,
            Decision::CloseNotApplicable,
            Status::NotApplicable,
        ),
        (&mut meets, Decision::Approve, Status::Approved),
    ] {
        let rationale = evaluate(p, case).rationale;
        // Approving what needs information, or the reverse, is refused.
        let wrong = if decision == Decision::Approve {
            Decision::Pend
        } else {
            Decision::Approve
        };
        refused(decide(
            p,
            case,
            &nurse(),
            &request(wrong, &rationale, None),
            T0,
        ));
        refused(decide(
            p,
            case,
            &nurse(),
            &request(decision, "  ", None),
            T0,
        ));
        decide(p, case, &nurse(), &request(decision, &rationale, None), T0).unwrap();
        assert_eq!(case.status, status);
        assert_eq!(case.seal.is_some(), status.is_final(), "{status:?}");
        assert_eq!(history::verify(case), Integrity::Intact);
    }
    let pended = info.determination.unwrap();
    assert_eq!(pended.missing_information.len(), 5);
}

/// A rationale with every element a denial needs, for criterion 1.
fn fit_rationale(policy: &Policy) -> String {
    format!(
        "This request does not meet {} section I (Policy). Criterion 1, {}, is not met: the surgeon documents the tumor can be removed by open surgery. \
         The provider may ask for a peer-to-peer discussion with the physician reviewer. The member may appeal this decision.",
        policy.number,
        name_of(policy, "unresectable")
    )
}

#[test]
fn a_denial_must_be_fit_to_send() {
    let policy = loaded();
    let p = &policy.policy;
    let case = failing(&policy, "unresectable");
    let evaluation = evaluate(p, &case);
    let fit = fit_rationale(p);
    assert_eq!(
        fitness::denial_problems(p, &evaluation, &fit),
        Vec::<String>::new()
    );

    let name = name_of(p, "unresectable");
    let unfit: [(String, &str); 6] = [
        (fit.replace(&name, "the first criterion"), "criterion 1"),
        (fit.replace("MP 1.121", "the policy"), "policy number"),
        (fit.replace("section I (Policy)", "the policy"), "section"),
        (
            fit.replace("peer-to-peer discussion", "call"),
            "peer-to-peer",
        ),
        (fit.replace("may appeal", "may complain about"), "appeal"),
        (
            format!("{fit} Radiofrequency ablation (RFA) was not asked for; see the CT."),
            "\"CT\"",
        ),
    ];
    for (text, what) in unfit {
        let problems = fitness::denial_problems(p, &evaluation, &text);
        assert!(!problems.is_empty(), "{what}: accepted {text:?}");
        assert!(
            problems.iter().any(|m| m.contains(what)),
            "{what}: {problems:?}"
        );
        assert_eq!(problems.len(), 1, "{what}: {problems:?}");
    }
}

#[test]
fn a_denial_names_every_failed_criterion() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = blank(&policy, Product::CommercialPpo);
    by_inputs(
        p,
        &mut case,
        &[
            Answer::NotMet,
            Answer::Met,
            Answer::NotMet,
            Answer::Met,
            Answer::Met,
        ],
    );
    let evaluation = evaluate(p, &case);
    let problems = fitness::denial_problems(p, &evaluation, &fit_rationale(p));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains(&name_of(p, "tumor_size")),
        "{problems:?}"
    );
}

#[test]
fn the_proposed_denial_is_fit_to_send() {
    let policy = loaded();
    let p = &policy.policy;
    for answers in combinations()
        .into_iter()
        .filter(|a| a.contains(&Answer::NotMet))
    {
        // Through inputs, and through the reviewer's marks.
        let mut by_input = blank(&policy, Product::CommercialPpo);
        by_inputs(p, &mut by_input, &answers);
        let mut by_mark = blank(&policy, Product::CommercialPpo);
        for (criterion, answer) in CRITERIA.iter().zip(&answers) {
            mark(p, &mut by_mark, criterion, *answer, None, AUTHOR).unwrap();
        }
        for case in [by_input, by_mark] {
            let evaluation = evaluate(p, &case);
            let problems = fitness::denial_problems(p, &evaluation, &evaluation.rationale);
            assert!(
                problems.is_empty(),
                "{answers:?}: {problems:?}\n{}",
                evaluation.rationale
            );
        }
    }
}

#[test]
fn an_override_reason_with_an_acronym_makes_the_proposal_unfit() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = met_case(&policy, Product::CommercialPpo);
    mark(
        p,
        &mut case,
        "amenable",
        Answer::NotMet,
        Some("The IR note says the lesion is too deep"),
        AUTHOR,
    )
    .unwrap();
    let evaluation = evaluate(p, &case);
    let problems = fitness::denial_problems(p, &evaluation, &evaluation.rationale);
    assert!(
        problems.iter().any(|m| m.contains("\"IR\"")),
        "{problems:?}"
    );
}

/// A referred case upheld by the physician with the proposed rationale.
fn denied(policy: &LoadedPolicy) -> Case {
    let p = &policy.policy;
    let mut case = failing(policy, "tumor_origin");
    let rationale = evaluate(p, &case).rationale;
    decide(
        p,
        &mut case,
        &nurse(),
        &request(Decision::ReferToPhysician, &rationale, None),
        datetime!(2026-03-02 10:00 -5),
    )
    .unwrap();
    record_peer_to_peer(
        &mut case,
        &physician(),
        "Rowan Inventa, MD",
        "No further documentation.",
        datetime!(2026-03-03 15:00 -5),
    )
    .unwrap();
    decide(
        p,
        &mut case,
        &physician(),
        &request(Decision::Uphold, &rationale, None),
        datetime!(2026-03-03 15:30 -5),
    )
    .unwrap();
    case
}

/// A nurse refers the case with the proposed rationale, which it returns.
fn refer(p: &Policy, case: &mut Case) -> String {
    let proposed = evaluate(p, case).rationale;
    decide(
        p,
        case,
        &nurse(),
        &request(Decision::ReferToPhysician, &proposed, None),
        T0,
    )
    .unwrap();
    proposed
}

#[test]
fn a_physician_upholds_only_a_rationale_fit_to_send() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = failing(&policy, "tumor_origin");
    let proposed = refer(p, &mut case);
    assert_eq!(
        decision::decisions_for(Outcome::DoesNotMeet, Role::Physician),
        [Decision::Uphold, Decision::Overturn]
    );

    let problems = refused(decide(
        p,
        &mut case,
        &physician(),
        &request(Decision::Uphold, "Denied.", None),
        T0,
    ));
    for what in [
        "criterion 2",
        "policy number",
        "section",
        "peer-to-peer",
        "appeal",
    ] {
        assert!(
            problems.iter().any(|m| m.contains(what)),
            "{what}: {problems:?}"
        );
    }
    assert_eq!(case.status, Status::Referred);

    decide(
        p,
        &mut case,
        &physician(),
        &request(Decision::Uphold, &proposed, None),
        T0,
    )
    .unwrap();
    assert_eq!(case.status, Status::Denied);
    assert!(case.seal.is_some());
    let determination = case.determination.as_ref().unwrap();
    assert_eq!(
        (determination.decision, &determination.decided_by),
        (Decision::Uphold, &physician())
    );
    assert_eq!(history::verify(&case), Integrity::Intact);
}

/// Issue 11, fit to sign: a physician could uphold a bare referral with no
/// evidence at all. Each criterion the denial rests on needs its evidence
/// and its source document, and the refusal names each.
#[test]
fn an_upheld_denial_needs_evidence_and_a_source_for_each_criterion_it_rests_on() {
    let policy = loaded();
    let p = &policy.policy;
    let mut answers = [Answer::Met; 5];
    answers[1] = Answer::NotMet;
    answers[4] = Answer::NotMet;
    let mut case = blank(&policy, Product::CommercialPpo);
    by_inputs(p, &mut case, &answers);
    let proposed = refer(p, &mut case);
    let uphold = request(Decision::Uphold, &proposed, None);
    let problems = refused(decide(p, &mut case, &physician(), &uphold, T0));
    let origin = format!("criterion 2 ({})", name_of(p, "tumor_origin"));
    let amenable = format!("criterion 5 ({})", name_of(p, "amenable"));
    for which in [&origin, &amenable] {
        for what in ["evidence", "source document"] {
            assert!(
                problems
                    .iter()
                    .any(|m| m.starts_with(which.as_str()) && m.contains(what)),
                "{which} {what}: {problems:?}"
            );
        }
    }
    assert_eq!(case.status, Status::Referred);

    for criterion in ["tumor_origin", "amenable"] {
        case.answer_mut(criterion).evidence = "Documented in the records.".to_string();
    }
    let problems = refused(decide(p, &mut case, &physician(), &uphold, T0));
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems.iter().all(|m| m.contains("source document")));
    for criterion in ["tumor_origin", "amenable"] {
        case.answer_mut(criterion).source_document = "Pathology report".to_string();
    }
    decide(p, &mut case, &physician(), &uphold, T0).unwrap();
    assert_eq!(case.status, Status::Denied);
}

/// Issue 11, fit to sign: the proposed denial text was saved as the
/// rationale of an approval. Overturning needs the physician's own words.
#[test]
fn overturning_needs_the_physicians_own_rationale() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = failing(&policy, "amenable");
    let proposed = evaluate(p, &case).rationale;
    let referral = format!("{proposed}\nReferred for physician review.");
    decide(
        p,
        &mut case,
        &nurse(),
        &request(Decision::ReferToPhysician, &referral, None),
        T0,
    )
    .unwrap();
    for text in [
        proposed.as_str(),
        referral.as_str(),
        &format!("  {proposed}\n"),
    ] {
        let problems = refused(decide(
            p,
            &mut case,
            &physician(),
            &request(Decision::Overturn, text, None),
            T0,
        ));
        assert!(
            problems.iter().any(|m| m.contains("your own rationale")),
            "{problems:?}"
        );
    }
    assert_eq!(case.status, Status::Referred);
    decide(
        p,
        &mut case,
        &physician(),
        &request(
            Decision::Overturn,
            "The radiologist's addendum documents the lesion as amenable; approved.",
            None,
        ),
        T0,
    )
    .unwrap();
    assert_eq!(case.status, Status::Approved);
}

/// A manual or override answer without evidence is listed for the
/// determination screen; an auto answer or one with evidence is not.
#[test]
fn manual_answers_without_evidence_are_listed() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = blank(&policy, Product::CommercialPpo);
    assert!(fitness::unevidenced_manual_answers(&case).is_empty());
    mark(p, &mut case, "unresectable", Answer::Met, None, AUTHOR).unwrap();
    mark(p, &mut case, "amenable", Answer::NotMet, None, AUTHOR).unwrap();
    case.answer_mut("amenable").evidence = "IR note: not amenable.".to_string();
    case.lesions = vec![lesion("segment VI", Some(3.0))];
    sync_all(p, &mut case);
    mark(
        p,
        &mut case,
        "tumor_size",
        Answer::NotMet,
        Some("The report's second lesion is 5.4 cm"),
        AUTHOR,
    )
    .unwrap();
    case.answer_mut("tumor_size").evidence = "   ".to_string();
    set_input(p, &mut case, "tumor_origin", Some("hcc"), AUTHOR).unwrap();
    assert_eq!(
        fitness::unevidenced_manual_answers(&case),
        ["unresectable", "tumor_size"]
    );
}

#[test]
fn a_physician_may_overturn() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = failing(&policy, "no_extrahepatic");
    refer(p, &mut case);
    refused(decide(
        p,
        &mut case,
        &physician(),
        &request(Decision::Overturn, "", None),
        T0,
    ));
    decide(
        p,
        &mut case,
        &physician(),
        &request(
            Decision::Overturn,
            "Treated nodule, stable; approved.",
            None,
        ),
        T0,
    )
    .unwrap();
    assert_eq!(case.status, Status::Approved);
    assert_eq!(
        case.determination.as_ref().unwrap().outcome,
        Outcome::DoesNotMeet
    );
    assert!(case.seal.is_some());
    assert_eq!(history::verify(&case), Integrity::Intact);
}

#[test]
fn a_finalized_case_is_closed_to_edits() {
    let policy = loaded();
    let case = denied(&policy);
    for role in Role::ALL {
        assert!(decision::editable(&case, role).is_err(), "{role:?}");
    }
}

#[test]
fn a_sealed_case_verifies_and_a_change_is_detected() {
    let policy = loaded();
    let case = denied(&policy);
    assert_eq!(history::verify(&case), Integrity::Intact);
    let reloaded = parse_case(&to_json(&case)).unwrap();
    assert_eq!(reloaded, case);
    assert_eq!(history::verify(&reloaded), Integrity::Intact);

    let mut edits: Vec<(&str, Case)> = Vec::new();
    let mut edit = |what, change: &dyn Fn(&mut Case)| {
        let mut copy = case.clone();
        change(&mut copy);
        edits.push((what, copy));
    };
    edit("rationale", &|c| {
        c.determination.as_mut().unwrap().rationale.push('.')
    });
    edit("decision", &|c| {
        c.determination.as_mut().unwrap().decision = Decision::Overturn
    });
    edit("status", &|c| c.status = Status::Approved);
    edit("member", &|c| c.member.name = "Someone Else".to_string());
    edit("answer", &|c| {
        c.answer_mut("tumor_origin").answer = Some(Answer::Met)
    });
    edit("history summary", &|c| c.history[0].summary.push('!'));
    edit("history dropped", &|c| {
        c.history.remove(1);
    });
    edit("history entry", &|c| {
        c.history.last_mut().unwrap().by.name = "Nobody".to_string()
    });
    edit("seal digest", &|c| {
        c.seal.as_mut().unwrap().digest = "0".repeat(64)
    });
    edit("seal removed", &|c| c.seal = None);
    edit("peer-to-peer", &|c| c.peer_to_peer.clear());
    for (what, copy) in edits {
        assert!(
            matches!(history::verify(&copy), Integrity::Tampered(_)),
            "{what}: a change went unnoticed"
        );
    }
}

/// Every leaf of the saved JSON, changed one at a time: whatever still
/// parses as a case must fail verification.
#[test]
fn any_change_to_a_sealed_file_is_detected() {
    let policy = loaded();
    let case = denied(&policy);
    let text = to_json(&case);
    let root: Value = serde_json::from_str(&text).unwrap();
    let mut paths = Vec::new();
    leaves(&root, &mut Vec::new(), &mut paths);
    assert!(paths.len() > 100, "{}", paths.len());
    let mut checked = 0;
    for path in paths {
        let mut value = root.clone();
        let leaf = path.iter().fold(&mut value, |v, key| match key {
            Key::Field(name) => &mut v[name.as_str()],
            Key::Index(i) => &mut v[*i],
        });
        *leaf = match leaf.take() {
            Value::String(s) => Value::String(format!("{s}x")),
            Value::Bool(b) => Value::Bool(!b),
            Value::Number(n) => match n.as_u64() {
                Some(u) => Value::from(u + 1),
                None => Value::from(n.as_f64().unwrap() + 0.5),
            },
            other => other,
        };
        let Ok(changed) = parse_case(&serde_json::to_string(&value).unwrap()) else {
            continue;
        };
        checked += 1;
        assert!(
            matches!(history::verify(&changed), Integrity::Tampered(_)),
            "a change at {path:?} went unnoticed"
        );
    }
    assert!(checked > 100, "{checked}");
}

#[derive(Debug, Clone)]
enum Key {
    Field(String),
    Index(usize),
}

fn leaves(value: &Value, at: &mut Vec<Key>, out: &mut Vec<Vec<Key>>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                at.push(Key::Field(key.clone()));
                leaves(child, at, out);
                at.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                at.push(Key::Index(i));
                leaves(child, at, out);
                at.pop();
            }
        }
        Value::Null => {}
        _ => out.push(at.clone()),
    }
}

#[test]
fn a_supervisor_reopens_for_amendment_keeping_the_original() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = denied(&policy);
    let original = case.determination.clone().unwrap();
    let original_seal = case.seal.clone().unwrap();
    let at = datetime!(2026-03-05 11:00 -5);

    assert!(reopen(&mut case.clone(), &nurse(), "reason", at).is_err());
    assert!(reopen(&mut case.clone(), &physician(), "reason", at).is_err());
    let mut unchanged = case.clone();
    assert!(reopen(&mut unchanged, &supervisor(), "   ", at).is_err());
    assert_eq!(unchanged, case);

    let reason = "The rationale must quote the pathology report";
    reopen(&mut case, &supervisor(), reason, at).unwrap();
    assert_eq!(case.status, Status::Reopened);
    assert_eq!(case.seal, None);
    assert_eq!(case.amendments.len(), 1);
    let amendment = &case.amendments[0];
    assert_eq!(amendment.reason, reason);
    assert_eq!(amendment.by, supervisor());
    assert_eq!(amendment.original, original);
    assert_eq!(amendment.original_seal.as_ref(), Some(&original_seal));
    assert_eq!(history::verify(&case), Integrity::Intact);
    // Reopening again before it is decided: nothing final to amend.
    assert!(reopen(&mut case.clone(), &supervisor(), reason, at).is_err());

    let rationale = format!(
        "{}\nThe pathology report of 2026-02-20 reads: intrahepatic cholangiocarcinoma.",
        evaluate(p, &case).rationale
    );
    let later = datetime!(2026-03-06 09:00 -5);
    decide(
        p,
        &mut case,
        &physician(),
        &request(Decision::Uphold, &rationale, None),
        later,
    )
    .unwrap();
    assert_eq!(case.status, Status::Denied);
    let seal = case.seal.clone().expect("re-deciding seals anew");
    assert_ne!(seal, original_seal);
    assert_eq!(seal.sealed_at, later);
    assert_eq!(case.determination.as_ref().unwrap().rationale, rationale);
    assert_eq!(
        case.amendments[0].original, original,
        "the original is never erased"
    );
    assert_eq!(case.history.last().unwrap().event, "amended");
    assert_eq!(history::verify(&case), Integrity::Intact);
}

#[test]
fn notes_after_finalization_keep_the_case_verifiable() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = denied(&policy);
    let seal = case.seal.clone();
    qa_review(
        p,
        &mut case,
        &supervisor(),
        &[("tumor_origin".to_string(), true)],
        true,
        "Agrees.",
        datetime!(2026-03-04 09:00 -5),
    )
    .unwrap();
    assert_eq!(case.qa_reviews.len(), 1);
    assert_ne!(case.seal, seal);
    assert_eq!(history::verify(&case), Integrity::Intact);
    assert!(qa_review(p, &mut case, &nurse(), &[], true, "Agrees.", T0).is_err());
}

#[test]
fn every_proposed_rationale_states_the_policy_and_every_determination_the_benefit_statement() {
    let policy = loaded();
    let p = &policy.policy;
    let statement = &p.benefit_statement.text;
    assert!(statement.contains("does not mean that this service is a covered benefit"));
    let mut seen = Vec::new();
    for product in [Product::CommercialPpo, Product::FepPpo] {
        for answers in combinations() {
            let mut case = blank(&policy, product);
            by_inputs(p, &mut case, &answers);
            let evaluation = evaluate(p, &case);
            assert!(
                evaluation.rationale.contains(&p.number),
                "{:?}: {}",
                evaluation.outcome,
                evaluation.rationale
            );
            assert_eq!(&evaluation.benefit_statement, statement);
            if seen.contains(&evaluation.outcome) {
                continue;
            }
            seen.push(evaluation.outcome);
            let decision = decision::decisions_for(evaluation.outcome, Role::Nurse)[0];
            decide(
                p,
                &mut case,
                &nurse(),
                &request(decision, &evaluation.rationale, None),
                T0,
            )
            .unwrap();
            assert_eq!(
                &case.determination.as_ref().unwrap().benefit_statement,
                statement
            );
        }
    }
    assert_eq!(seen.len(), 4);
    let denied = denied(&policy);
    assert_eq!(&denied.determination.unwrap().benefit_statement, statement);
}

#[test]
fn outcome_names_in_json() {
    let policy = loaded();
    let p = &policy.policy;
    let meets = met_case(&policy, Product::CommercialPpo);
    let does_not = failing(&policy, "tumor_size");
    let info = blank(&policy, Product::CommercialPpo);
    let fep = met_case(&policy, Product::FepPpo);
    let names: Vec<Value> = [&meets, &does_not, &info, &fep]
        .iter()
        .map(|case| serde_json::to_value(evaluate(p, case).outcome).unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "meets_criteria",
            "does_not_meet",
            "information_needed",
            "not_applicable"
        ]
    );
    let whole = serde_json::to_value(evaluate(p, &does_not)).unwrap();
    assert_eq!(whole["outcome"], "does_not_meet");
    for outcome in Outcome::ALL {
        assert_eq!(serde_json::to_value(outcome).unwrap(), outcome.key());
    }
}

/// A manual answer holds only while the record gives nothing: once the
/// structured input gives an answer, disagreeing with it needs an override.
#[test]
fn a_manual_answer_gives_way_to_the_record() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = met_case(&policy, Product::CommercialPpo);
    case.lesions.clear();
    sync_all(p, &mut case);
    mark(
        p,
        &mut case,
        "tumor_size",
        Answer::Met,
        None,
        "Nora Fictive, RN",
    )
    .unwrap();
    assert_eq!(
        case.answer("tumor_size").unwrap().origin,
        Some(Origin::Manual)
    );

    case.lesions.push(lesion("segment II", Some(6.0)));
    sync_all(p, &mut case);
    let evaluation = evaluate(p, &case);
    assert_eq!(evaluation.outcome, Outcome::DoesNotMeet);
    assert_eq!(
        case.answer("tumor_size").unwrap().origin,
        Some(Origin::Auto)
    );

    // Standing by "met" now takes a written reason.
    let refused = mark(
        p,
        &mut case,
        "tumor_size",
        Answer::Met,
        None,
        "Nora Fictive, RN",
    );
    assert!(
        matches!(refused, Err(AnswerError::ReasonRequired { .. })),
        "{refused:?}"
    );
}

#[test]
fn a_size_that_cannot_be_a_diameter_is_no_measurement() {
    for bad in [0.0, -1.0, f64::NAN] {
        assert_eq!(size_answer(&[Some(bad)]).0, Answer::Insufficient, "{bad}");
        assert_eq!(
            size_answer(&[Some(3.0), Some(bad)]).0,
            Answer::Insufficient,
            "{bad}"
        );
    }
}

#[test]
fn codes_that_point_two_ways_suggest_nothing() {
    assert_eq!(suggested(&["C78.7", "C18.7", "C7A.1"]), None);
    assert_eq!(
        suggested(&["C78.7", "C18.7"]).as_deref(),
        Some("colorectal_metastasis")
    );
}

#[test]
fn a_denial_may_cite_diagnosis_codes_and_end_on_section_i() {
    let policy = loaded();
    let text = "Cites C7B.02 and C22.0 under MP 1.121 section I.";
    assert!(fitness::unexplained_acronyms(text, &policy.policy.number).is_empty());
}

/// The saved record shows the answers the determination rests on. A case
/// whose lesions came with the request (the samples, an import) has the
/// size criterion derived but not yet written down, and one whose lesions
/// changed under a stored answer has it stale; the decision writes each
/// criterion's answer as it counted, so the JSON never shows an approved
/// case with a criterion unanswered or answered otherwise.
#[test]
fn a_decision_records_every_answer_it_counted() {
    let policy = loaded();
    let p = &policy.policy;
    for (diameter, decision, outcome) in [
        (3.2, Decision::Approve, Outcome::MeetsCriteria),
        (6.1, Decision::ReferToPhysician, Outcome::DoesNotMeet),
    ] {
        let mut case = met_case(&policy, Product::CommercialPpo);
        // As a sample or an import leaves it: the lesions, no stored answer.
        let size = case.answer_mut("tumor_size");
        size.answer = None;
        size.origin = None;
        case.lesions = vec![lesion("segment VI", Some(diameter))];
        let evaluation = evaluate(p, &case);
        assert_eq!(evaluation.outcome, outcome);
        decide(
            p,
            &mut case,
            &nurse(),
            &request(decision, &evaluation.rationale, None),
            T0,
        )
        .unwrap();
        for criterion in CRITERIA {
            let (counted, origin) = answers::effective_answer(p, &case, criterion);
            let stored = case.answer(criterion).unwrap();
            assert_eq!(stored.answer, Some(counted), "{criterion} at {diameter} cm");
            assert_eq!(stored.origin, origin, "{criterion} at {diameter} cm");
        }
        // And the JSON that is saved says so.
        let json: Value = serde_json::from_str(&to_json(&case)).unwrap();
        let size = json["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["criterion"] == "tumor_size")
            .unwrap();
        let expected = if diameter < 5.0 { "met" } else { "not_met" };
        assert_eq!(size["answer"], expected);
        assert_eq!(size["origin"], "auto");
    }
}

/// A review's save records the answers and lesions it changed, and
/// nothing else: the status or a determination written into the case by
/// hand (a doctored draft) is refused, naming the field, with no entry
/// recorded; so is any save to a sealed case.
#[test]
fn a_save_changes_only_what_a_review_edits() {
    let policy = loaded();
    let p = &policy.policy;
    let mut case = met_case(&policy, Product::CommercialPpo);
    let before = saved(&case);
    case.lesions.push(lesion("segment II", Some(1.0)));
    decision::record_save(&mut case, &before, &nurse(), T0).expect("a review edit saves");
    assert_eq!(case.history.last().unwrap().event, "saved");

    let mut forged = case.clone();
    forged.status = Status::Approved;
    let entries = forged.history.len();
    let refusal = decision::record_save(&mut forged, &case, &nurse(), T0).unwrap_err();
    assert_eq!(
        refusal.to_string(),
        "status changes only through a decision or a supervisor's act, not a review's save"
    );
    assert_eq!(forged.history.len(), entries, "nothing recorded");

    let mut sealed = met_case(&policy, Product::CommercialPpo);
    let rationale = evaluate(p, &sealed).rationale;
    decide(
        p,
        &mut sealed,
        &nurse(),
        &request(Decision::Approve, &rationale, None),
        T0,
    )
    .unwrap();
    let before = sealed.clone();
    sealed.answer_mut("amenable").evidence = "Added after signing.".to_string();
    assert!(matches!(
        decision::record_save(&mut sealed, &before, &nurse(), T0),
        Err(decision::ActError::Sealed { .. })
    ));
}
