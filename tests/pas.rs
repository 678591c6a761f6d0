//! PAS requests in and responses out (issue 15 items 1 and 2): the fictional
//! request bundles of assets/pas/samples are imported, reviewed to each
//! outcome through the rules, and exported; the responses are pinned as
//! golden files, checked by the conformance rules and by an independent
//! FHIR library (PyPI fhir.resources, run by tests/pas/validate.py), and
//! deliberately broken responses fail both.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;
use umdesk::case::due::DueTable;
use umdesk::case::history::{self, Integrity, verify};
use umdesk::case::{Case, Decision, Lesion, Product, Reviewer, Role, Urgency, new_case};
use umdesk::pas::conformance::check_response;
use umdesk::pas::questionnaire::{questionnaire, questionnaire_response};
use umdesk::pas::response::{ItemAction, entry, response_bundle};
use umdesk::pas::{ResponseError, ResponseOptions, import_request};
use umdesk::policy::LoadedPolicy;
use umdesk::rules::answers::{lesions_changed, set_input, sync_all};
use umdesk::rules::decision::{DecisionRequest, decide};
use umdesk::rules::evaluate;

const STANDARD: &str = "assets/pas/samples/standard-commercial.json";
const FEP: &str = "assets/pas/samples/expedited-fep-two-items.json";
const MEDICARE: &str = "assets/pas/samples/medicare-advantage-organization.json";
const PHYSICIAN_NPI: &str = "1679576722";

fn sample(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn policy() -> LoadedPolicy {
    LoadedPolicy::embedded()
}

fn nurse() -> Reviewer {
    Reviewer {
        name: "Dana Whitfield, RN".into(),
        role: Role::Nurse,
    }
}

fn physician() -> Reviewer {
    Reviewer {
        name: "Priya Raman, MD".into(),
        role: Role::Physician,
    }
}

const CREATED: OffsetDateTime = datetime!(2026-12-03 11:30 -5);
const REVIEWED: OffsetDateTime = datetime!(2026-12-04 10:00 -5);
const DECIDED: OffsetDateTime = datetime!(2026-12-04 15:00 -5);
const EXPORTED: OffsetDateTime = datetime!(2026-12-04 15:05 -5);

/// The case the import makes of a sample, as `umdesk import` makes it.
fn imported(path: &str) -> Case {
    let loaded = policy();
    let imported = import_request(&sample(path)).unwrap();
    let mut case = new_case(
        "UM-20261201-0001",
        imported.facts,
        &loaded,
        &DueTable::default(),
    );
    case.pas_request = Some(imported.request);
    sync_all(&loaded.policy, &mut case);
    history::record(
        &mut case,
        None,
        &nurse(),
        "created",
        "Case imported from a PAS request",
        CREATED,
    );
    case
}

/// The review: every choice criterion answered with `options`, lesions
/// measured.
fn reviewed(mut case: Case, options: [&str; 4], lesion_cm: f64) -> Case {
    let saved = case.clone();
    let loaded = policy();
    let policy = &loaded.policy;
    let criteria = [
        "unresectable",
        "tumor_origin",
        "no_extrahepatic",
        "amenable",
    ];
    for (criterion, option) in criteria.iter().zip(options) {
        set_input(
            policy,
            &mut case,
            criterion,
            Some(option),
            "Dana Whitfield, RN",
        )
        .unwrap();
        let answer = case.answer_mut(criterion);
        answer.evidence = format!("Documented in the attached record: {option}.");
        answer.source_document = "CT abdomen with contrast, 2026-11-20".into();
    }
    case.lesions = vec![Lesion {
        site: "segment VI".into(),
        diameter_cm: Some(lesion_cm),
    }];
    lesions_changed(policy, &mut case, "Dana Whitfield, RN");
    {
        let criterion = "tumor_size";
        let answer = case.answer_mut(criterion);
        answer.evidence = format!("Largest lesion {lesion_cm} cm.");
        answer.source_document = "CT abdomen with contrast, 2026-11-20".into();
    }
    umdesk::rules::decision::record_save(&mut case, &saved, &nurse(), REVIEWED)
        .expect("a review's edits save");
    case
}

fn decided(mut case: Case, by: &Reviewer, decision: Decision) -> Case {
    let loaded = policy();
    let saved = case.clone();
    let evaluation = evaluate(&loaded.policy, &case);
    let acknowledgement = (!evaluation.coding_flags.is_empty()).then(|| {
        "Code 76940 (ultrasound guidance) is not decided under MP 1.121; only the ablation is."
            .to_string()
    });
    let rationale = match decision {
        Decision::Overturn => "On peer-to-peer review the physician finds the criteria met.".into(),
        _ => evaluation.rationale.clone(),
    };
    let request = DecisionRequest {
        decision,
        rationale,
        coding_acknowledgement: acknowledgement,
    };
    decide(&loaded.policy, &mut case, &saved, by, &request, DECIDED)
        .unwrap_or_else(|problems| panic!("{decision:?} refused: {problems:?}"));
    case
}

const MEETS: [&str; 4] = ["unresectable", "hcc", "none_evident", "documented_amenable"];
const FAILS: [&str; 4] = ["resectable", "hcc", "none_evident", "documented_amenable"];
const UNKNOWN: [&str; 4] = [
    "not_documented",
    "hcc",
    "none_evident",
    "documented_amenable",
];

fn approved() -> Case {
    decided(
        reviewed(imported(STANDARD), MEETS, 2.1),
        &nurse(),
        Decision::Approve,
    )
}

fn denied() -> Case {
    let referred = decided(
        reviewed(imported(STANDARD), FAILS, 2.1),
        &nurse(),
        Decision::ReferToPhysician,
    );
    decided(referred, &physician(), Decision::Uphold)
}

fn pended() -> Case {
    decided(
        reviewed(imported(STANDARD), UNKNOWN, 2.1),
        &nurse(),
        Decision::Pend,
    )
}

fn partial() -> Case {
    decided(
        reviewed(imported(MEDICARE), MEETS, 2.1),
        &nurse(),
        Decision::Approve,
    )
}

fn options() -> ResponseOptions {
    let mut options = ResponseOptions::at(EXPORTED);
    options.reviewer_npi = Some(PHYSICIAN_NPI.into());
    options
}

fn export(case: &Case) -> Value {
    response_bundle(&policy().policy, case, &options()).unwrap()
}

/// The response with the checklist and the Questionnaire, as
/// `umdesk export --pas --questionnaire` writes it.
fn export_with_questionnaire(case: &Case) -> Value {
    let loaded = policy();
    let mut bundle = export(case);
    let patient = format!("Patient/{}", case.pas_request.as_ref().unwrap().patient.id);
    let entries = bundle["entry"].as_array_mut().unwrap();
    entries.push(entry(
        &options().base,
        questionnaire_response(&loaded.policy, case, &patient),
    ));
    entries.push(entry(&options().base, questionnaire(&loaded.policy)));
    bundle
}

fn review_codes(bundle: &Value) -> Vec<String> {
    let url = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewActionCode";
    bundle["entry"][0]["resource"]["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            let action = &item["adjudication"][0]["extension"][0];
            let code = action["extension"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["url"] == url)
                .unwrap();
            code["valueCodeableConcept"]["coding"][0]["code"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

// ---- import ----

#[test]
fn a_request_becomes_a_case_with_its_member_product_provider_codes_and_clock() {
    let case = imported(STANDARD);
    assert_eq!(case.member.name, "Ada Sampleton");
    assert_eq!(case.member.member_id, "FIC000000001");
    assert_eq!(case.member.product, Product::CommercialPpo);
    assert_eq!(case.provider.name, "Rowan Inventa, MD");
    assert_eq!(case.provider.npi, "1234567893");
    assert_eq!(case.service.cpt_codes, ["47371"]);
    assert_eq!(case.service.icd10_codes, ["C22.0"]);
    assert_eq!(case.request.urgency, Urgency::Standard);
    assert_eq!(case.request.received_at, datetime!(2026-12-01 09:14:03 -5));
    // Commercial: 15 days for a standard request.
    assert_eq!(case.request.due_at, datetime!(2026-12-16 09:14:03 -5));
    let request = case.pas_request.as_ref().unwrap();
    assert_eq!(request.bundle.value, "FIC-PAS-0001");
    assert_eq!(request.claim.value, "FIC-TRN-0001");
    let sources: Vec<(&str, &str)> = request
        .sources
        .iter()
        .map(|s| (s.resource_type.as_str(), s.id.as_str()))
        .collect();
    assert_eq!(
        sources,
        [
            ("DocumentReference", "fic-ct-report-1"),
            ("QuestionnaireResponse", "fic-dtr-1")
        ]
    );
    // The sources are listed with the facts the review screen shows.
    let facts = umdesk::case::facts(&case);
    assert!(
        facts
            .iter()
            .any(|(_, line)| line.contains("CT abdomen with contrast")),
        "{facts:?}"
    );
}

#[test]
fn an_fep_plan_and_a_stat_priority_make_an_expedited_fep_case() {
    let case = imported(FEP);
    assert_eq!(case.member.product, Product::FepPpo);
    assert_eq!(case.member.name, "Zoë Fabricato-Núñez");
    assert_eq!(case.request.urgency, Urgency::Expedited);
    assert_eq!(
        case.request.due_at - case.request.received_at,
        time::Duration::hours(72)
    );
    // Requested by a PractitionerRole: the practitioner and its NPI.
    assert_eq!(case.provider.npi, "9876543213");
    assert_eq!(case.service.cpt_codes, ["47381", "76940"]);
    assert_eq!(
        case.pas_request.as_ref().unwrap().requestor.resource_type,
        "Practitioner"
    );
}

#[test]
fn a_medicare_advantage_request_from_an_organization_imports() {
    let case = imported(MEDICARE);
    assert_eq!(case.member.product, Product::MedicareAdvantage);
    assert_eq!(case.provider.name, "Fictional Liver Clinic");
    assert_eq!(
        case.request.due_at - case.request.received_at,
        time::Duration::days(7)
    );
}

#[test]
fn what_is_not_a_pas_request_is_refused_naming_the_fhir_path() {
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut bundle: Value = serde_json::from_str(&sample(STANDARD)).unwrap();
        f(&mut bundle);
        import_request(&bundle.to_string()).unwrap_err().path
    };
    assert_eq!(
        edit(&|b| b["entry"][0]["resource"]["use"] = "claim".into()),
        "Bundle.entry[0].resource(Claim).use"
    );
    assert_eq!(
        edit(
            &|b| b["entry"][0]["resource"]["item"][0]["productOrService"]["coding"][0]["system"] =
                "http://example.org/local".into()
        ),
        "Bundle.entry[0].resource(Claim).item[0].productOrService.coding"
    );
    assert_eq!(
        edit(&|b| b["entry"][0]["resource"]["item"][0]["sequence"] = "first".into()),
        "Bundle.entry[0].resource(Claim).item[0].sequence"
    );
    assert_eq!(
        edit(&|b| b["entry"][0]["resource"]["diagnosis"] = Value::Array(vec![])),
        "Bundle.entry[0].resource(Claim).diagnosis"
    );
    assert_eq!(
        edit(&|b| b["entry"][1]["resource"]["birthDate"] = Value::Null),
        "Bundle.entry[1].resource(Patient).birthDate"
    );
    assert_eq!(
        edit(
            &|b| b["entry"][0]["resource"]["diagnosis"][0]["diagnosisCodeableConcept"]["coding"]
                [0]["code"] = "not a code".into()
        ),
        "Bundle.entry[0].resource(Claim).diagnosis[0].diagnosisCodeableConcept.coding"
    );
    assert_eq!(
        edit(&|b| b["entry"][1]["resource"]["birthDate"] = "2027-01-01".into()),
        "Bundle.entry[1].resource(Patient).birthDate"
    );
    assert_eq!(
        edit(&|b| b["entry"][4]["resource"]["identifier"][0]["value"] = "1234567890".into()),
        "Bundle.entry[4].resource(Practitioner).identifier[0].value"
    );
    assert_eq!(
        edit(&|b| b["entry"][2]["resource"]["type"]["coding"][0]["code"] = "999".into()),
        "Bundle.entry[2].resource(Coverage).type"
    );
    assert_eq!(
        edit(&|b| b["entry"][0]["resource"]["provider"]["reference"] = "Practitioner/nobody".into()),
        "Bundle.entry[0].resource(Claim).provider.reference"
    );
    assert_eq!(
        edit(&|b| b["identifier"] = Value::Null),
        "Bundle.identifier"
    );
    assert_eq!(edit(&|b| b["type"] = "transaction".into()), "Bundle.type");
    assert_eq!(
        import_request(r#"{"resourceType":"Patient"}"#)
            .unwrap_err()
            .path,
        "Bundle.resourceType"
    );
}

#[test]
fn an_imported_case_verifies_intact_and_its_request_replays_from_the_history() {
    for case in [imported(STANDARD), approved(), denied(), partial()] {
        assert_eq!(verify(&case), Integrity::Intact, "{}", case.id);
        let replayed = history::replay(&case.history).unwrap();
        assert_eq!(replayed.pas_request, case.pas_request);
    }
}

// ---- export ----

#[test]
fn each_outcome_answers_every_requested_item_with_its_review_action() {
    assert_eq!(review_codes(&export(&approved())), ["A1"]);
    assert_eq!(review_codes(&export(&denied())), ["A3"]);
    assert_eq!(review_codes(&export(&pended())), ["A4"]);
    assert_eq!(review_codes(&export(&partial())), ["A1", "A6"]);
    assert_eq!(
        export(&partial())["entry"][0]["resource"]["outcome"],
        "partial"
    );
    assert_eq!(
        export(&approved())["entry"][0]["resource"]["outcome"],
        "complete"
    );
}

#[test]
fn the_response_echoes_the_requests_identifiers_and_items() {
    for case in [approved(), denied(), pended(), partial()] {
        let request = case.pas_request.clone().unwrap();
        let bundle = export(&case);
        assert_eq!(bundle["identifier"]["value"], request.bundle.value.as_str());
        assert_eq!(
            bundle["identifier"]["system"],
            request.bundle.system.as_deref().unwrap()
        );
        let response = &bundle["entry"][0]["resource"];
        assert_eq!(response["resourceType"], "ClaimResponse");
        assert_eq!(
            response["identifier"][0]["value"],
            request.claim.value.as_str()
        );
        assert_eq!(
            response["request"]["identifier"]["value"],
            request.claim.value.as_str()
        );
        let sequences: Vec<u64> = response["item"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["itemSequence"].as_u64().unwrap())
            .collect();
        let requested: Vec<u64> = request
            .items
            .iter()
            .map(|i| u64::from(i.sequence))
            .collect();
        assert_eq!(sequences, requested, "{}", case.id);
    }
}

#[test]
fn a_denial_names_the_physician_and_the_specific_reason_in_plain_words() {
    let case = denied();
    let response = export(&case)["entry"][0]["resource"].clone();
    let reviewer = &response["extension"][0];
    assert_eq!(
        reviewer["url"],
        "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-claimResponseReviewer"
    );
    assert_eq!(reviewer["extension"][0]["valueBoolean"], true);
    assert_eq!(
        reviewer["extension"][1]["valueIdentifier"]["value"],
        PHYSICIAN_NPI
    );
    let note = response["processNote"][0]["text"].as_str().unwrap();
    assert_eq!(note, case.determination.as_ref().unwrap().rationale);
    assert!(note.contains("MP 1.121"), "{note}");
    // Without the physician's NPI there is no response.
    let mut without = options();
    without.reviewer_npi = None;
    assert!(matches!(
        response_bundle(&policy().policy, &case, &without),
        Err(ResponseError::NoReviewerNpi { .. })
    ));
}

#[test]
fn a_plan_supplied_reason_code_is_carried_only_where_configured() {
    let case = denied();
    let plain = export(&case).to_string();
    assert!(!plain.contains("reasonCode"));
    let mut configured = options();
    configured.reason_code = Some(("https://plan.example.org/reasons".into(), "R17".into()));
    let bundle = response_bundle(&policy().policy, &case, &configured).unwrap();
    assert!(bundle.to_string().contains("\"R17\""));
}

#[test]
fn an_undecided_or_not_imported_case_has_no_response() {
    let case = imported(STANDARD);
    assert!(matches!(
        response_bundle(&policy().policy, &case, &options()),
        Err(ResponseError::Undecided(_))
    ));
    let mut typed = approved();
    typed.pas_request = None;
    assert!(matches!(
        response_bundle(&policy().policy, &typed, &options()),
        Err(ResponseError::NotImported(_))
    ));
}

#[test]
fn partial_certification_lists_what_is_certified_in_add_item() {
    let response = export(&partial())["entry"][0]["resource"].clone();
    let added = &response["addItem"][0];
    assert_eq!(added["itemSequence"], serde_json::json!([1]));
    assert_eq!(added["productOrService"]["coding"][0]["code"], "47383");
    assert_eq!(ItemAction::Modified.code().code, "A6");
}

// ---- golden files ----

#[test]
fn the_exports_match_their_golden_files() {
    let pretty = |bundle: Value| serde_json::to_string_pretty(&bundle).unwrap();
    insta::assert_snapshot!("approved", pretty(export(&approved())));
    insta::assert_snapshot!("denied_by_physician", pretty(export(&denied())));
    insta::assert_snapshot!("pended", pretty(export(&pended())));
    insta::assert_snapshot!("partial", pretty(export(&partial())));
    insta::assert_snapshot!(
        "approved_with_questionnaire",
        pretty(export_with_questionnaire(&approved()))
    );
}

// ---- conformance ----

fn exports() -> Vec<(&'static str, Value)> {
    vec![
        ("approved", export_with_questionnaire(&approved())),
        ("denied", export_with_questionnaire(&denied())),
        ("pended", export_with_questionnaire(&pended())),
        ("partial", export_with_questionnaire(&partial())),
    ]
}

/// Broken on purpose, each in one way the profile forbids.
fn broken() -> Vec<(&'static str, Value)> {
    let good = export_with_questionnaire(&denied());
    let mut cases = Vec::new();
    let mut edit = |name: &'static str, f: &dyn Fn(&mut Value)| {
        let mut bundle = good.clone();
        f(&mut bundle);
        cases.push((name, bundle));
    };
    edit("claim response not first", &|b| {
        b["entry"].as_array_mut().unwrap().swap(0, 1)
    });
    edit("dangling reference", &|b| {
        b["entry"].as_array_mut().unwrap().remove(1);
    });
    edit("no review action", &|b| {
        b["entry"][0]["resource"]["item"][0]["adjudication"][0]["extension"] = serde_json::json!([])
    });
    edit("wrong use", &|b| {
        b["entry"][0]["resource"]["use"] = "claim".into()
    });
    edit("wrong status", &|b| {
        b["entry"][0]["resource"]["status"] = "finished".into()
    });
    edit("no reviewer", &|b| {
        b["entry"][0]["resource"]["extension"] = serde_json::json!([])
    });
    edit("denial without a reason", &|b| {
        b["entry"][0]["resource"]["processNote"] = serde_json::json!([])
    });
    edit("answer without origin", &|b| {
        let qr = b["entry"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|e| e["resource"]["resourceType"] == "QuestionnaireResponse")
            .unwrap();
        qr["resource"]["item"][0]["answer"][0]["extension"] = serde_json::json!([]);
    });
    edit("wrong bundle type", &|b| b["type"] = "searchset".into());
    cases
}

#[test]
fn every_export_conforms_and_every_broken_export_fails() {
    for (name, bundle) in exports() {
        assert_eq!(check_response(&bundle), Vec::<String>::new(), "{name}");
    }
    for (name, bundle) in broken() {
        assert!(!check_response(&bundle).is_empty(), "{name} passed");
    }
}

// ---- the independent FHIR library ----

/// The Python that has fhir.resources: $UMDESK_PYTHON, else the venv
/// scripts/test.sh makes in target/, else python3.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("UMDESK_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyenv-fhir/bin/python");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("python3")
}

/// Runs tests/pas/validate.py over `bundles`; whether each passed. Fails
/// (never skips) when Python or fhir.resources is missing.
fn validate(bundles: &[(&str, Value)]) -> Vec<(String, bool)> {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (i, (_, bundle)) in bundles.iter().enumerate() {
        let path = dir.path().join(format!("{i}.json"));
        std::fs::write(&path, serde_json::to_string_pretty(bundle).unwrap()).unwrap();
        paths.push(path);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pas/validate.py");
    let output = Command::new(python())
        .arg(&script)
        .args(&paths)
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "cannot run {} ({err}): scripts/test.sh installs Python's fhir.resources",
                python().display()
            )
        });
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_ne!(
        output.status.code(),
        Some(3),
        "fhir.resources is missing (scripts/test.sh installs it): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        bundles.len(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    bundles
        .iter()
        .zip(lines)
        .map(|((name, _), line)| (format!("{name}: {line}"), line.starts_with("ok ")))
        .collect()
}

/// Broken in ways the FHIR base structure forbids (the profile checks
/// above are PAS's; these are R4's own).
fn structurally_broken() -> Vec<(&'static str, Value)> {
    let good = export(&denied());
    let mut cases = Vec::new();
    let mut edit = |name: &'static str, f: &dyn Fn(&mut Value)| {
        let mut bundle = good.clone();
        f(&mut bundle);
        cases.push((name, bundle));
    };
    edit("unknown status code", &|b| {
        b["entry"][0]["resource"]["status"] = 7.into()
    });
    edit("item sequence not a number", &|b| {
        b["entry"][0]["resource"]["item"][0]["itemSequence"] = "one".into()
    });
    edit("adjudication without its category", &|b| {
        b["entry"][0]["resource"]["item"][0]["adjudication"][0]
            .as_object_mut()
            .unwrap()
            .remove("category");
    });
    edit("a birth date that is no date", &|b| {
        b["entry"][1]["resource"]["birthDate"] = "1958-13-45".into()
    });
    edit("an element FHIR does not have", &|b| {
        b["entry"][0]["resource"]["verdict"] = "approved".into()
    });
    cases
}

#[test]
fn an_independent_fhir_library_accepts_every_export_and_rejects_broken_ones() {
    let mut bundles = exports();
    let good = bundles.len();
    bundles.extend(structurally_broken());
    let results = validate(&bundles);
    for (line, passed) in &results[..good] {
        assert!(passed, "{line}");
    }
    for (line, passed) in &results[good..] {
        assert!(!passed, "passed although broken: {line}");
    }
}

#[test]
fn a_referral_is_pended_without_the_reasoning_of_a_denial_not_yet_made() {
    let referred = decided(
        reviewed(imported(STANDARD), FAILS, 2.1),
        &nurse(),
        Decision::ReferToPhysician,
    );
    let bundle = export(&referred);
    assert_eq!(review_codes(&bundle), ["A4"]);
    let note = bundle["entry"][0]["resource"]["processNote"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!note.contains("does not meet"), "{note}");
    assert!(note.contains("physician reviewer"), "{note}");
    assert_eq!(check_response(&bundle), Vec::<String>::new());
}
