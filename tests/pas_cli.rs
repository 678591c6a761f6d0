//! `umdesk import` and `umdesk export --pas`, run as the built binary
//! against a file store in a temporary directory.

#[path = "common/output.rs"]
mod output;

use output::{assert_code, stderr, stdout};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use umdesk::case::{Decision, Reviewer, Role, parse_case, to_json};
use umdesk::policy::LoadedPolicy;
use umdesk::rules::answers::set_input;
use umdesk::rules::decision::{DecisionRequest, decide, record_save};

const NURSE: &str = "Dana Whitfield, RN";

struct World {
    root: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let world = World {
            root: tempfile::tempdir().unwrap(),
        };
        let init = world.command(&["init", world.store().to_str().unwrap()]);
        assert_eq!(init.status.code(), Some(0), "{}", stderr(&init));
        world
    }

    fn store(&self) -> PathBuf {
        self.root.path().join("cases")
    }

    fn command_with(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_umdesk"));
        command
            .env("HOME", self.root.path().join("home"))
            .env("XDG_CONFIG_HOME", self.root.path().join("config"))
            .env("XDG_DATA_HOME", self.root.path().join("data"))
            .env_remove("UMDESK_CASES")
            .env_remove("UMDESK_STORE")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }

    fn command(&self, args: &[&str]) -> Output {
        self.command_with(args, None)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, None)
    }

    fn run_with(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let store = self.store();
        let mut all = vec![
            "--cases",
            store.to_str().unwrap(),
            "--reviewer",
            NURSE,
            "--role",
            "nurse",
        ];
        all.extend_from_slice(args);
        self.command_with(&all, stdin)
    }
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/pas/samples")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn importing_the_same_request_twice_makes_one_case() {
    let world = World::new();
    let standard = sample("standard-commercial.json");
    let first = world.run(&["import", &standard]);
    assert_code(&first, 0);
    let id = stdout(&first).trim().to_string();
    assert_eq!(id, "UM-20261201-0001");
    let again = world.run(&["import", &standard]);
    assert_code(&again, 0);
    assert_eq!(stdout(&again).trim(), id);
    assert!(
        stderr(&again).contains("imported before"),
        "{}",
        stderr(&again)
    );
    // From stdin too, the same request is the same case.
    let text = fs::read_to_string(&standard).unwrap();
    let piped = world.run_with(&["import", "-"], Some(&text));
    assert_code(&piped, 0);
    assert_eq!(stdout(&piped).trim(), id);
    let list = world.run(&["list", "--json"]);
    assert_code(&list, 0);
    let rows: Vec<Value> = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(rows.len(), 1);
    // Another request is another case.
    let other = world.run(&["import", &sample("medicare-advantage-organization.json")]);
    assert_code(&other, 0);
    assert_ne!(stdout(&other).trim(), id);
    assert_code(&world.run(&["verify"]), 0);
}

#[test]
fn a_bundle_that_is_not_a_pas_request_is_refused_with_exit_2_naming_the_path() {
    let world = World::new();
    let mut bundle: Value =
        serde_json::from_str(&fs::read_to_string(sample("standard-commercial.json")).unwrap())
            .unwrap();
    bundle["entry"][0]["resource"]["use"] = "claim".into();
    let refused = world.run_with(&["import", "-"], Some(&bundle.to_string()));
    assert_code(&refused, 2);
    assert!(
        stderr(&refused).contains("Bundle.entry[0].resource(Claim).use"),
        "{}",
        stderr(&refused)
    );
    let patient = world.run_with(&["import", "-"], Some(r#"{"resourceType":"Patient"}"#));
    assert_code(&patient, 2);
    assert!(
        stderr(&patient).contains("Bundle.resourceType"),
        "{}",
        stderr(&patient)
    );
    let not_json = world.run_with(&["import", "-"], Some("MSH|^~\\&|"));
    assert_code(&not_json, 2);
    // Nothing was created.
    let list = world.run(&["list", "--json"]);
    assert_eq!(stdout(&list).trim(), "[]");
}

fn nurse() -> Reviewer {
    Reviewer {
        name: NURSE.into(),
        role: Role::Nurse,
    }
}

/// Criterion 1 fails (the tumor is resectable): referred by the nurse, the
/// denial upheld by Dr. Raman.
fn denied_by_a_physician(world: &World, id: &str) {
    let physician = Reviewer {
        name: "Priya Raman, MD".into(),
        role: Role::Physician,
    };
    let fails = ["resectable", "hcc", "none_evident", "documented_amenable"];
    decide_in_store(world, id, &nurse(), Decision::ReferToPhysician, fails);
    decide_in_store(world, id, &physician, Decision::Uphold, fails);
}

/// Decides the stored case as the app would, and writes it back.
fn decide_in_store(world: &World, id: &str, by: &Reviewer, decision: Decision, options: [&str; 4]) {
    let path = world.store().join(format!("{id}.json"));
    let mut case = parse_case(&fs::read_to_string(&path).unwrap()).unwrap();
    let loaded = LoadedPolicy::embedded();
    let saved = case.clone();
    for (criterion, option) in [
        "unresectable",
        "tumor_origin",
        "no_extrahepatic",
        "amenable",
    ]
    .iter()
    .zip(options)
    {
        set_input(&loaded.policy, &mut case, criterion, Some(option), NURSE).unwrap();
        let answer = case.answer_mut(criterion);
        answer.evidence = "Documented in the CT report.".into();
        answer.source_document = "CT abdomen, 2026-11-20".into();
    }
    case.lesions = vec![umdesk::case::Lesion {
        site: "segment VI".into(),
        diameter_cm: Some(2.1),
    }];
    umdesk::rules::answers::lesions_changed(&loaded.policy, &mut case, NURSE);
    let now = umdesk::clock::now();
    record_save(&mut case, &saved, by, now).expect("a review's edits save");
    let saved = case.clone();
    let evaluation = umdesk::rules::evaluate(&loaded.policy, &case);
    let request = DecisionRequest {
        decision,
        rationale: evaluation.rationale.clone(),
        coding_acknowledgement: None,
    };
    decide(&loaded.policy, &mut case, &saved, by, &request, now).unwrap();
    fs::write(&path, to_json(&case)).unwrap();
}

#[test]
fn a_decided_case_exports_its_pas_response() {
    let world = World::new();
    let imported = world.run(&["import", &sample("standard-commercial.json")]);
    let id = stdout(&imported).trim().to_string();
    let undecided = world.run(&["export", &id, "--pas"]);
    assert_code(&undecided, 2);
    assert!(
        stderr(&undecided).contains("no decision yet"),
        "{}",
        stderr(&undecided)
    );

    decide_in_store(
        &world,
        &id,
        &nurse(),
        Decision::Approve,
        ["unresectable", "hcc", "none_evident", "documented_amenable"],
    );
    let out = world.root.path().join("response.json");
    let exported = world.run(&[
        "export",
        &id,
        "--pas",
        "--questionnaire",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_code(&exported, 0);
    let bundle: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert!(umdesk::pas::conformance::check_response(&bundle).is_empty());
    assert_eq!(bundle["identifier"]["value"], "FIC-PAS-0001");
    assert_eq!(
        bundle["entry"][0]["resource"]["resourceType"],
        "ClaimResponse"
    );
    assert!(
        bundle["entry"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["resource"]["resourceType"] == "Questionnaire")
    );
    // To stdout, the same response.
    let printed = world.run(&["export", &id, "--pas"]);
    assert_code(&printed, 0);
    let printed: Value = serde_json::from_str(&stdout(&printed)).unwrap();
    assert_eq!(printed["entry"][0], bundle["entry"][0]);
    assert_code(&world.run(&["verify", &id]), 0);
    // Without --pas there is nothing to write.
    assert_code(&world.run(&["export", &id]), 2);
}

#[test]
fn a_physicians_denial_needs_the_physicians_npi() {
    let world = World::new();
    let imported = world.run(&["import", &sample("standard-commercial.json")]);
    let id = stdout(&imported).trim().to_string();
    denied_by_a_physician(&world, &id);
    let without = world.run(&["export", &id, "--pas"]);
    assert_code(&without, 2);
    assert!(stderr(&without).contains("NPI"), "{}", stderr(&without));
    let bad = world.run(&["export", &id, "--pas", "--reviewer-npi", "1234567890"]);
    assert_code(&bad, 2);
    let with = world.run(&["export", &id, "--pas", "--reviewer-npi", "1679576722"]);
    assert_code(&with, 0);
    assert!(stdout(&with).contains("1679576722"));
}

fn me() -> String {
    let id = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim().to_string()
}

#[test]
fn the_physicians_npi_comes_from_the_roster() {
    let world = World::new();
    let store = world.store();
    let store = store.to_str().unwrap();
    // Imported by a nurse before the store has a roster.
    let imported = world.run(&["import", &sample("standard-commercial.json")]);
    assert_code(&imported, 0);
    let id = stdout(&imported).trim().to_string();
    let me = me();
    let supervisor = world.command(&[
        "--cases",
        store,
        "roster",
        "add",
        "Renee Alvarez, RN, CCM",
        "--role",
        "supervisor",
        "--os-user",
        &me,
    ]);
    assert_code(&supervisor, 0);
    let bad = world.command(&[
        "--cases",
        store,
        "roster",
        "add",
        "Priya Raman, MD",
        "--role",
        "physician",
        "--npi",
        "1234567890",
    ]);
    assert_code(&bad, 2);
    let physician = world.command(&[
        "--cases",
        store,
        "roster",
        "add",
        "Priya Raman, MD",
        "--role",
        "physician",
        "--npi",
        "1679576722",
    ]);
    assert_code(&physician, 0);
    let roster = world.command(&["--cases", store, "roster", "list", "--json"]);
    assert!(
        stdout(&roster).contains("\"npi\": \"1679576722\""),
        "{}",
        stdout(&roster)
    );

    denied_by_a_physician(&world, &id);
    let exported = world.command(&["--cases", store, "export", &id, "--pas"]);
    assert_code(&exported, 0);
    assert!(stdout(&exported).contains("1679576722"));
}
