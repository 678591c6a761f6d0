//! `umdesk notice|extend|appeal|stats --cms` and `umdesk letter`, run as
//! the built binary on a store of the sample cases.

#[path = "common/output.rs"]
mod output;

use output::{code, stderr, stdout};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use umdesk::case::history::{Integrity, verify};
use umdesk::case::{AppealOutcome, Case, Status, parse_case, to_json};
use umdesk::fixtures::sample_cases;
use umdesk::policy::LoadedPolicy;
use umdesk::store::FileStore;

const NURSE: &str = "Pat Lee, RN";
const SECOND_PHYSICIAN: &str = "Ada Second, MD";
const SUPERVISOR: &str = "Quentin Makebelieve, RN";

struct World {
    root: tempfile::TempDir,
    cases: Vec<Case>,
}

impl World {
    fn new() -> World {
        let root = tempfile::tempdir().unwrap();
        let store = root.path().join("cases");
        std::fs::create_dir(&store).unwrap();
        std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o700)).unwrap();
        FileStore::open(&store).unwrap();
        let cases = sample_cases(&LoadedPolicy::embedded());
        for case in &cases {
            let path = store.join(format!("{}.json", case.id));
            std::fs::write(&path, to_json(case)).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        World { root, cases }
    }

    fn store(&self) -> PathBuf {
        self.root.path().join("cases")
    }

    fn id(&self, status: Status) -> String {
        self.cases
            .iter()
            .find(|c| c.status == status)
            .map(|c| c.id.clone())
            .unwrap()
    }

    fn run_as(&self, name: &str, role: &str, args: &[&str]) -> Output {
        let store = self.store();
        let mut all = vec![
            "--cases",
            store.to_str().unwrap(),
            "--reviewer",
            name,
            "--role",
            role,
        ];
        all.extend_from_slice(args);
        Command::new(env!("CARGO_BIN_EXE_umdesk"))
            .current_dir(self.root.path())
            .env("HOME", self.root.path().join("home"))
            .env("XDG_CONFIG_HOME", self.root.path().join("config"))
            .env("XDG_DATA_HOME", self.root.path().join("data"))
            .env_remove("UMDESK_CASES")
            .env_remove("UMDESK_STORE")
            .stdin(Stdio::null())
            .args(&all)
            .output()
            .unwrap()
    }

    fn load(&self, id: &str) -> Case {
        load(&self.store(), id)
    }
}

fn load(store: &Path, id: &str) -> Case {
    parse_case(&std::fs::read_to_string(store.join(format!("{id}.json"))).unwrap()).unwrap()
}

#[test]
fn extend_notice_and_appeal_are_recorded_in_the_history_and_verify_stays_intact() {
    let world = World::new();
    let open = world.id(Status::InReview);
    let out = world.run_as(
        NURSE,
        "nurse",
        &[
            "extend",
            &open,
            "--days",
            "14",
            "--reason",
            "awaiting the surgeon's note",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let case = world.load(&open);
    assert_eq!(case.timeline.extensions.len(), 1);
    assert_eq!(case.history.last().unwrap().event, "extended");
    assert_eq!(verify(&case), Integrity::Intact);

    let again = world.run_as(
        NURSE,
        "nurse",
        &["extend", &open, "--days", "2", "--reason", "more"],
    );
    assert_eq!(code(&again), 2, "{}", stderr(&again));
    assert!(
        stderr(&again).contains("extended once"),
        "{}",
        stderr(&again)
    );

    let approved = world.id(Status::Approved);
    let sent = world.run_as(NURSE, "nurse", &["notice", &approved, "--sent"]);
    assert_eq!(code(&sent), 0, "{}", stderr(&sent));
    assert!(world.load(&approved).timeline.notice_sent_at.is_some());
    let bad_time = world.run_as(
        NURSE,
        "nurse",
        &["notice", &approved, "--sent", "--at", "yesterday"],
    );
    assert_eq!(code(&bad_time), 2, "{}", stderr(&bad_time));
    assert!(
        stderr(&bad_time).contains("not a time"),
        "{}",
        stderr(&bad_time)
    );

    let denied = world.id(Status::Denied);
    let filed = world.run_as(
        NURSE,
        "nurse",
        &["appeal", &denied, "file", "--by", "member", "--expedited"],
    );
    assert_eq!(code(&filed), 0, "{}", stderr(&filed));
    let by_nurse = world.run_as(
        NURSE,
        "nurse",
        &[
            "appeal",
            &denied,
            "decide",
            "--overturned",
            "--rationale",
            "new imaging",
        ],
    );
    assert_eq!(code(&by_nurse), 3, "{}", stderr(&by_nurse));
    assert!(
        stderr(&by_nurse).contains("only a physician"),
        "{}",
        stderr(&by_nurse)
    );
    let decided = world.run_as(
        SECOND_PHYSICIAN,
        "physician",
        &[
            "appeal",
            &denied,
            "decide",
            "--overturned",
            "--rationale",
            "New imaging shows a colorectal primary.",
        ],
    );
    assert_eq!(code(&decided), 0, "{}", stderr(&decided));
    let case = world.load(&denied);
    let decision = case.timeline.appeals[0].decision.as_ref().unwrap();
    assert_eq!(decision.outcome, AppealOutcome::Overturned);
    assert_eq!(decision.by.name, SECOND_PHYSICIAN);

    let verified = world.run_as(NURSE, "nurse", &["verify", "--all"]);
    assert_eq!(
        code(&verified),
        0,
        "{}{}",
        stdout(&verified),
        stderr(&verified)
    );
}

#[test]
fn stats_cms_shows_each_figure_with_its_denominator_and_filters_by_year() {
    let world = World::new();
    let nurse = world.run_as(NURSE, "nurse", &["stats", "--cms"]);
    assert_eq!(code(&nurse), 3, "supervisors only: {}", stderr(&nurse));
    let out = world.run_as(
        SUPERVISOR,
        "supervisor",
        &["stats", "--cms", "--year", "2026"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("requests first decided in 2026"), "{text}");
    assert!(text.contains("CMS 1, items and services"), "{text}");
    assert!(
        text.contains("Percent approved after appeal (CMS 4)"),
        "{text}"
    );
    assert!(text.contains("Median time to decision"), "{text}");
    let decided: Vec<&Case> = world
        .cases
        .iter()
        .filter(|c| matches!(c.status, Status::Approved | Status::Denied))
        .collect();
    let standard = decided
        .iter()
        .filter(|c| c.request.urgency == umdesk::case::Urgency::Standard)
        .count();
    assert!(
        text.contains(&format!("of {standard})")),
        "denominator {standard}: {text}"
    );

    let json = world.run_as(
        SUPERVISOR,
        "supervisor",
        &["stats", "--cms", "--json", "--year", "2025"],
    );
    assert_eq!(code(&json), 0, "{}", stderr(&json));
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["year"], 2025);
    assert_eq!(
        value["standard"]["approved"]["denominator"], 0,
        "no sample was decided in 2025"
    );

    let year_alone = world.run_as(SUPERVISOR, "supervisor", &["stats", "--year", "2026"]);
    assert_eq!(code(&year_alone), 2, "--year needs --cms");
}

#[test]
fn letter_writes_text_and_pdf_and_refuses_an_undecided_case() {
    let world = World::new();
    let denied = world.id(Status::Denied);
    let out = world.run_as(NURSE, "nurse", &["letter", &denied, "--to", "provider"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("Criterion 2, Tumor of an eligible origin"),
        "{}",
        stdout(&out)
    );

    let pdf = world.run_as(NURSE, "nurse", &["letter", &denied, "--format", "pdf"]);
    assert_eq!(code(&pdf), 0, "{}", stderr(&pdf));
    assert!(stdout(&pdf).is_empty(), "no PDF bytes on stdout");
    let named = world.root.path().join(format!("{denied}-member.pdf"));
    let bytes = std::fs::read(&named).expect("the PDF is named for the case");
    assert!(bytes.starts_with(b"%PDF-"));

    let out_file = world.root.path().join("again.pdf");
    let again = world.run_as(
        NURSE,
        "nurse",
        &[
            "letter",
            &denied,
            "--format",
            "pdf",
            "--out",
            out_file.to_str().unwrap(),
        ],
    );
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(
        std::fs::read(&out_file).unwrap() == bytes,
        "the same letter, the same bytes"
    );

    let undecided = world.id(Status::InReview);
    let refused = world.run_as(NURSE, "nurse", &["letter", &undecided]);
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("no decision"),
        "{}",
        stderr(&refused)
    );

    let log = world.run_as(SUPERVISOR, "supervisor", &["audit", &denied]);
    assert!(
        stdout(&log).contains("letter to provider"),
        "the reading is logged: {}",
        stdout(&log)
    );
}

#[test]
fn an_incomplete_letter_is_refused_naming_what_it_lacks() {
    let world = World::new();
    let denied = world.id(Status::Denied);
    let path = world.store().join(format!("{denied}.json"));
    let before = world.load(&denied);
    let mut case = before.clone();
    case.determination.as_mut().unwrap().decided_by.name = "Olive Imaginary".to_string();
    std::fs::write(&path, to_json(&case)).unwrap();
    let tampered = world.run_as(NURSE, "nurse", &["letter", &denied]);
    assert_eq!(code(&tampered), 1, "{}", stderr(&tampered));
    assert!(
        stderr(&tampered).contains("not intact"),
        "{}",
        stderr(&tampered)
    );
    assert!(stdout(&tampered).is_empty());

    // The same change, recorded: the record holds, and the letter still
    // lacks the reviewer's credentials.
    let mut case = before.clone();
    case.determination.as_mut().unwrap().decided_by.name = "Olive Imaginary".to_string();
    case.seal = None;
    let supervisor = umdesk::case::Reviewer {
        name: SUPERVISOR.to_string(),
        role: umdesk::case::Role::Supervisor,
    };
    let at = case.history.last().unwrap().at;
    umdesk::case::history::record(
        &mut case,
        Some(&before),
        &supervisor,
        "amended",
        "credentials lost",
        at,
    );
    umdesk::case::history::seal(&mut case, at);
    assert_eq!(verify(&case), Integrity::Intact);
    std::fs::write(&path, to_json(&case)).unwrap();
    for to in ["member", "provider"] {
        let out = world.run_as(NURSE, "nurse", &["letter", &denied, "--to", to]);
        assert_eq!(code(&out), 2, "{}", stderr(&out));
        assert!(
            stdout(&out).is_empty(),
            "nothing is written: {}",
            stdout(&out)
        );
        let message = stderr(&out);
        assert!(
            message.contains(&format!("denial letter to the {to}")),
            "{message}"
        );
        assert!(
            message.contains("the reviewer's name and credentials"),
            "{message}"
        );
        assert!(message.contains("\"Olive Imaginary\""), "{message}");
    }
}
