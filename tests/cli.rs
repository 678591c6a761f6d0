//! The command line, run as the built binary against a store in a temporary
//! directory, with the reviewer given on the command line (or, where the
//! config is under test, in a private config directory).

#[path = "common/output.rs"]
mod output;

use output::{assert_code, code, stderr, stdout};
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use time::{Duration, OffsetDateTime};
use umdesk::case::due::DueTable;
use umdesk::case::{Case, Decision, RequestFacts, Reviewer, Role, history, new_case, to_json};
use umdesk::policy::{Answer, EMBEDDED_MP_1_121, LoadedPolicy};
use umdesk::rules::answers::mark;
use umdesk::rules::decision::{self, DecisionRequest};

const NURSE: &str = "Dana Whitfield, RN";
const OTHER_NURSE: &str = "Lee Park, RN";
const SUPERVISOR: &str = "Renee Alvarez, RN, CCM";

/// A scratch world: a store, a home with its config and data directories.
struct World {
    root: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World {
            root: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    fn store(&self) -> PathBuf {
        self.root.path().join("cases")
    }

    fn config_file(&self) -> PathBuf {
        self.root
            .path()
            .join("config")
            .join("umdesk")
            .join("config.json")
    }

    /// The binary, isolated from the developer's own config and store.
    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_umdesk"));
        command
            .env("HOME", self.root.path().join("home"))
            .env("XDG_CONFIG_HOME", self.root.path().join("config"))
            .env("XDG_DATA_HOME", self.root.path().join("data"))
            .env("USER", "osuser")
            .env_remove("UMDESK_CASES")
            .env_remove("SSH_CONNECTION")
            .stdin(Stdio::null());
        command
    }

    /// `umdesk --cases STORE --reviewer NAME --role ROLE ARGS...`
    fn run_as(&self, name: &str, role: &str, args: &[&str]) -> Output {
        let store = self.store();
        let mut all = vec![
            "--cases",
            store.to_str().expect("a UTF-8 path"),
            "--reviewer",
            name,
            "--role",
            role,
        ];
        all.extend_from_slice(args);
        self.command().args(&all).output().expect("the binary runs")
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_as(NURSE, "nurse", args)
    }

    /// Writes a case into the store as the app would (owner-only).
    fn put(&self, case: &Case) -> PathBuf {
        fs::create_dir_all(self.store()).unwrap();
        fs::set_permissions(self.store(), fs::Permissions::from_mode(0o700)).unwrap();
        let path = self.store().join(format!("{}.json", case.id));
        fs::write(&path, to_json(case)).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        path
    }

    /// Copies a case of the queue into `dir` as `name`, owner-only.
    fn put_in(&self, dir: &std::path::Path, name: &str) -> PathBuf {
        let (overdue, _, _) = seed_queue(self);
        let path = dir.join(name);
        fs::copy(self.store().join(format!("{overdue}.json")), &path).unwrap();
        path
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.root.path().join(name);
        fs::write(&path, text).unwrap();
        path
    }
}

fn policy() -> LoadedPolicy {
    LoadedPolicy::embedded()
}

fn reviewer(name: &str, role: Role) -> Reviewer {
    Reviewer {
        name: name.to_string(),
        role,
    }
}

fn request(member: &str, received_at: OffsetDateTime) -> RequestFacts {
    umdesk::fixtures::facts()
        .member(member, "XQK400112233")
        .born(time::macros::date!(1958 - 04 - 17))
        .provider("Lakeside Interventional Radiology Group")
        .planned(None)
        .received_at(received_at)
        .lesion("segment VI", Some(3.2))
        .build()
}

/// A fictional case, every criterion marked `answer` except the tumor
/// size, which follows its lesion (3.2 cm: met) when `answer` is met.
fn case(id: &str, member: &str, received_at: OffsetDateTime, answer: Answer) -> Case {
    let loaded = policy();
    let mut case = new_case(
        id,
        request(member, received_at),
        &loaded,
        &DueTable::default(),
    );
    case.fictional = Some("Fictional case for the command-line tests.".to_string());
    for criterion in &loaded.policy.criteria {
        let reason = (criterion.id == "tumor_size" && answer != Answer::Met)
            .then_some("the imaging report was misread");
        mark(
            &loaded.policy,
            &mut case,
            &criterion.id,
            answer,
            reason,
            NURSE,
        )
        .expect("the mark is accepted");
    }
    case
}

/// The case as saved by the app: with its first history entry.
fn saved(mut case: Case, by: &str) -> Case {
    let at = case.request.received_at;
    history::record(
        &mut case,
        None,
        &reviewer(by, Role::Nurse),
        "created",
        "Case created",
        at,
    );
    case
}

/// A case a nurse approved and a supervisor QA-reviewed (agreeing).
fn approved(id: &str, received_at: OffsetDateTime) -> Case {
    let loaded = policy();
    let mut case = saved(
        case(id, "Marguerite Oyelaran", received_at, Answer::Met),
        NURSE,
    );
    let request = DecisionRequest {
        decision: Decision::Approve,
        rationale: "All five criteria of MP 1.121 section I are met.".to_string(),
        coding_acknowledgement: None,
    };
    let created = case.clone();
    decision::decide(
        &loaded.policy,
        &mut case,
        &created,
        &reviewer(NURSE, Role::Nurse),
        &request,
        received_at + Duration::hours(30),
    )
    .expect("the approval is recorded");
    let decided = case.clone();
    decision::qa_review(
        &loaded.policy,
        &mut case,
        &decided,
        &reviewer(SUPERVISOR, Role::Supervisor),
        &decision::QaFindings {
            criteria_agree: &[],
            outcome_agrees: true,
            note: "Agree.",
        },
        received_at + Duration::hours(50),
    )
    .expect("the QA review is recorded");
    case
}

/// Three cases: overdue (Dana), approved (Dana), fresh (Lee).
fn seed_queue(world: &World) -> (String, String, String) {
    let now = OffsetDateTime::now_utc();
    let mut overdue = case(
        "UM-20260101-0001",
        "Ines Halvorsen",
        now - Duration::days(20),
        Answer::Met,
    );
    overdue.assigned_reviewer = Some(NURSE.to_string());
    let overdue = saved(overdue, NURSE);
    let done = approved("UM-20260101-0002", now - Duration::days(10));
    let mut fresh = case(
        "UM-20260101-0003",
        "Tobias Renwick",
        now,
        Answer::Insufficient,
    );
    fresh.assigned_reviewer = Some(OTHER_NURSE.to_string());
    let fresh = saved(fresh, OTHER_NURSE);
    for case in [&overdue, &done, &fresh] {
        world.put(case);
    }
    (overdue.id, done.id, fresh.id)
}

fn listed_ids(output: &Output) -> Vec<String> {
    let rows: Value = serde_json::from_slice(&output.stdout).expect("list --json prints JSON");
    rows.as_array()
        .expect("an array")
        .iter()
        .map(|row| row["id"].as_str().expect("an id").to_string())
        .collect()
}

#[test]
fn list_on_an_empty_store() {
    let world = World::new();
    assert_code(&world.run(&["init"]), 0);
    let output = world.run(&["list"]);
    assert_code(&output, 0);
    assert!(stdout(&output).contains("No cases"), "{}", stdout(&output));
    let output = world.run(&["list", "--json"]);
    assert_code(&output, 0);
    assert_eq!(listed_ids(&output), Vec::<String>::new());
}

#[test]
fn list_shows_the_queue_and_filters_it() {
    let world = World::new();
    let (overdue, done, fresh) = seed_queue(&world);

    let output = world.run(&["list"]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert!(text.starts_with("ID"), "{text}");
    let overdue_row = text
        .lines()
        .find(|l| l.starts_with(&overdue))
        .expect("the overdue row");
    assert!(overdue_row.contains("OVERDUE"), "{overdue_row}");
    assert!(overdue_row.contains("Ines Halvorsen"), "{overdue_row}");
    let done_row = text
        .lines()
        .find(|l| l.starts_with(&done))
        .expect("the approved row");
    assert!(
        done_row.contains("approved") && done_row.contains("Meets criteria"),
        "{done_row}"
    );
    assert!(!done_row.contains("OVERDUE"), "{done_row}");
    let fresh_row = text
        .lines()
        .find(|l| l.starts_with(&fresh))
        .expect("the fresh row");
    assert!(
        fresh_row.contains("left") && fresh_row.contains(OTHER_NURSE),
        "{fresh_row}"
    );

    let ids = |args: &[&str]| {
        let output = world.run(args);
        assert_code(&output, 0);
        listed_ids(&output)
    };
    assert_eq!(
        ids(&["list", "--json"]),
        [overdue.as_str(), done.as_str(), fresh.as_str()]
    );
    assert_eq!(
        ids(&["list", "--status", "in_review", "--json"]),
        [overdue.as_str(), fresh.as_str()]
    );
    assert_eq!(
        ids(&["list", "--status", "approved", "--json"]),
        [done.as_str()]
    );
    assert_eq!(ids(&["list", "--overdue", "--json"]), [overdue.as_str()]);
    assert_eq!(
        ids(&["list", "--reviewer", "park", "--json"]),
        [fresh.as_str()]
    );
    assert_eq!(
        ids(&["list", "--reviewer", "Dana Whitfield", "--json"]),
        [overdue.as_str(), done.as_str()]
    );
    assert_eq!(
        ids(&[
            "list",
            "--status",
            "in_review",
            "--reviewer",
            "whitfield",
            "--json"
        ]),
        [overdue.as_str()]
    );

    let rows: Value = serde_json::from_slice(&world.run(&["list", "--json"]).stdout).unwrap();
    assert_eq!(rows[0]["overdue"], true);
    assert_eq!(rows[0]["status"], "in_review");
    assert_eq!(rows[1]["outcome"], "meets_criteria");
    assert_eq!(rows[1]["time_left"], Value::Null);

    let output = world.run(&["list", "--status", "lost"]);
    assert_code(&output, 2);
    assert!(stderr(&output).contains("in_review"), "{}", stderr(&output));
}

#[test]
fn list_reports_unreadable_files_and_loose_permissions() {
    let world = World::new();
    seed_queue(&world);
    let bad = world.store().join("UM-20260101-0009.json");
    fs::write(&bad, "{\"schema_version\": 1,").unwrap();
    fs::set_permissions(&bad, fs::Permissions::from_mode(0o600)).unwrap();
    let output = world.run(&["list"]);
    assert_code(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains(&format!("{}: unreadable", bad.display())),
        "{err}"
    );
    assert_eq!(stdout(&output).lines().count(), 4, "{}", stdout(&output));
    assert_eq!(fs::read_to_string(&bad).unwrap(), "{\"schema_version\": 1,");

    fs::set_permissions(world.store(), fs::Permissions::from_mode(0o777)).unwrap();
    let output = world.run(&["list"]);
    assert_code(&output, 1);
    assert!(stderr(&output).contains("warning:"), "{}", stderr(&output));
    assert!(stderr(&output).contains("chmod 700"), "{}", stderr(&output));
}

fn evaluate_json(output: &Output) -> Value {
    assert_code(output, 0);
    serde_json::from_slice(&output.stdout).expect("evaluate prints JSON")
}

#[test]
fn evaluate_prints_the_determination() {
    let world = World::new();
    let meets = world.file(
        "meets.json",
        &to_json(&case(
            "UM-20260101-0001",
            "A B",
            OffsetDateTime::now_utc(),
            Answer::Met,
        )),
    );
    let json = evaluate_json(&world.run(&["evaluate", meets.to_str().unwrap()]));
    assert_eq!(json["outcome"], "meets_criteria");
    assert_eq!(json["policy"], "MP 1.121");
    assert_eq!(json["criteria"].as_array().unwrap().len(), 5);

    let fails = world.file(
        "fails.json",
        &to_json(&case(
            "UM-20260101-0002",
            "A B",
            OffsetDateTime::now_utc(),
            Answer::NotMet,
        )),
    );
    let json = evaluate_json(&world.run(&["evaluate", fails.to_str().unwrap()]));
    assert_eq!(json["outcome"], "does_not_meet");

    let pends = world.file(
        "pends.json",
        &to_json(&case(
            "UM-20260101-0003",
            "A B",
            OffsetDateTime::now_utc(),
            Answer::Insufficient,
        )),
    );
    let json = evaluate_json(&world.run(&["evaluate", pends.to_str().unwrap()]));
    assert_eq!(json["outcome"], "information_needed");
    assert!(!json["missing_information"].as_array().unwrap().is_empty());

    // Evaluate writes nothing: no store, no file beside the input.
    assert!(!world.store().exists());
    let names: Vec<_> = fs::read_dir(world.root.path()).unwrap().flatten().collect();
    assert_eq!(names.len(), 3);
}

#[test]
fn evaluate_reads_stdin() {
    let world = World::new();
    let text = to_json(&case(
        "UM-20260101-0001",
        "A B",
        OffsetDateTime::now_utc(),
        Answer::Met,
    ));
    let mut child = world
        .command()
        .args(["evaluate", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(evaluate_json(&output)["outcome"], "meets_criteria");
}

#[test]
fn evaluate_names_the_line_of_malformed_json() {
    let world = World::new();
    let text = to_json(&case(
        "UM-20260101-0001",
        "A B",
        OffsetDateTime::now_utc(),
        Answer::Met,
    ));
    // Cut it off in the middle of line 10.
    let cut: String = text.lines().take(10).collect::<Vec<_>>().join("\n");
    let file = world.file("cut.json", &format!("{cut}\n  \"oops\" ]"));
    let output = world.run(&["evaluate", file.to_str().unwrap()]);
    assert_code(&output, 2);
    let err = stderr(&output);
    assert!(
        err.contains(&format!("{}: line 11, column", file.display())),
        "{err}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn evaluate_names_the_path_of_an_unknown_field() {
    let world = World::new();
    let mut value: Value = serde_json::from_str(&to_json(&case(
        "UM-20260101-0001",
        "A B",
        OffsetDateTime::now_utc(),
        Answer::Met,
    )))
    .unwrap();
    value["member"]["nickname"] = Value::from("Peg");
    let file = world.file(
        "unknown.json",
        &serde_json::to_string_pretty(&value).unwrap(),
    );
    let output = world.run(&["evaluate", file.to_str().unwrap()]);
    assert_code(&output, 2);
    let err = stderr(&output);
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("$.member"), "{err}");
    assert!(err.contains("nickname"), "{err}");

    let output = world.run(&["evaluate", "/nonexistent/case.json"]);
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("/nonexistent/case.json"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn policy_show_prints_every_criterion_in_its_own_words() {
    let world = World::new();
    let output = world.run(&["policy", "show"]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert!(text.contains("MP 1.121"), "{text}");
    for criterion in &policy().policy.criteria {
        assert!(
            text.contains(&criterion.text),
            "missing: {}",
            criterion.text
        );
        assert!(
            text.contains(&criterion.name),
            "missing: {}",
            criterion.name
        );
    }
    for code in ["47371", "47399", "C22.0", "C7B.02", "MP 1.055", "FEP"] {
        assert!(text.contains(code), "missing {code}");
    }
    let output = world.run(&["policy", "show", "--json"]);
    assert_code(&output, 0);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["number"], "MP 1.121");
}

#[test]
fn policy_check_accepts_the_pack_and_names_a_broken_path() {
    let world = World::new();
    let good = world.file("pack.json", EMBEDDED_MP_1_121);
    let output = world.run(&["policy", "check", good.to_str().unwrap()]);
    assert_code(&output, 0);
    assert_eq!(
        stdout(&output),
        format!(
            "{}: valid (5 criteria, 7 definitions, 14 codes)\n",
            good.display()
        )
    );

    let mut value: Value = serde_json::from_str(EMBEDDED_MP_1_121).unwrap();
    value["criteria"][0]["text"] = Value::from("");
    let broken = world.file(
        "broken.json",
        &serde_json::to_string_pretty(&value).unwrap(),
    );
    let output = world.run(&["policy", "check", broken.to_str().unwrap()]);
    assert_code(&output, 2);
    let err = stderr(&output);
    assert!(
        err.contains(&format!(
            "{}: $.criteria[0].text: must not be empty",
            broken.display()
        )),
        "{err}"
    );

    // --policy loads another pack, and a broken one is refused the same way.
    let output = world.run(&["--policy", broken.to_str().unwrap(), "policy", "show"]);
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("$.criteria[0].text"),
        "{}",
        stderr(&output)
    );
    let output = world.run(&["--policy", good.to_str().unwrap(), "policy", "show"]);
    assert_code(&output, 0);
    assert!(stdout(&output).contains(good.to_str().unwrap()));
}

/// `--policy` with a file that is not a pack is refused by every command,
/// naming the file, even by one that does not read the policy: a command
/// never runs quietly under a pack other than the one it was given.
#[test]
fn a_policy_file_that_is_not_a_pack_is_refused_by_every_command() {
    let world = World::new();
    seed_queue(&world);
    let not_a_pack = world.file("notapack.txt", "Dear reviewer,\nthis is a letter.\n");
    let also_not = world.file("config.json", r#"{"reviewer": "A, RN", "role": "nurse"}"#);
    for file in [&not_a_pack, &also_not] {
        let name = file.to_str().unwrap();
        for command in [
            &["list"][..],
            &["verify"],
            &["show", "UM-20260101-0001"],
            &["policy", "show"],
            &["stats"],
        ] {
            let mut args = vec!["--policy", name];
            args.extend_from_slice(command);
            let output = world.run_as(SUPERVISOR, "supervisor", &args);
            assert_code(&output, 2);
            let err = stderr(&output);
            assert!(
                err.contains(&format!("{name} is not a valid policy pack")),
                "{command:?}: {err}"
            );
            assert!(
                stdout(&output).is_empty(),
                "{command:?}: {}",
                stdout(&output)
            );
        }
    }
    let missing = world.root.path().join("missing.json");
    let output = world.run(&["--policy", missing.to_str().unwrap(), "list"]);
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains(missing.to_str().unwrap()),
        "{}",
        stderr(&output)
    );
}

#[test]
fn show_prints_the_case_and_records_the_viewing() {
    let world = World::new();
    let (_, done, _) = seed_queue(&world);
    let before = fs::read(world.store().join(format!("{done}.json"))).unwrap();
    let output = world.run(&["show", &done, "--history"]);
    assert_code(&output, 0);
    let text = stdout(&output);
    for expected in [
        "Marguerite Oyelaran",
        "Unresectable or not a surgical candidate",
        "Determination",
        "Meets criteria",
        "Approve",
        "History (3 entries)",
        "decided",
        "qa_review",
        "status: \"in_review\" -> \"approved\"",
        "Integrity: sealed",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // Viewing never rewrites the case file.
    assert_eq!(
        fs::read(world.store().join(format!("{done}.json"))).unwrap(),
        before
    );

    let output = world.run(&["show", &done, "--json"]);
    assert_code(&output, 0);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["id"], done.as_str());

    let output = world.run_as(SUPERVISOR, "supervisor", &["audit", &done]);
    assert_code(&output, 0);
    let log = stdout(&output);
    assert_eq!(
        log.lines().filter(|l| l.contains("show")).count(),
        2,
        "{log}"
    );
    assert!(
        log.contains(NURSE) && log.contains("nurse") && log.contains(&done),
        "{log}"
    );
}

/// `show --json` is the case without its history; `--history` adds it,
/// the case file exactly as stored.
#[test]
fn show_json_has_the_history_only_with_history() {
    let world = World::new();
    let (_, done, _) = seed_queue(&world);
    let file = fs::read(world.store().join(format!("{done}.json"))).unwrap();

    let output = world.run(&["show", &done, "--json"]);
    assert_code(&output, 0);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["id"], done.as_str());
    assert_eq!(json["status"], "approved");
    assert!(json.get("history").is_none(), "{json}");

    let output = world.run(&["show", &done, "--json", "--history"]);
    assert_code(&output, 0);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["history"].as_array().map(Vec::len), Some(3));
    assert_eq!(output.stdout, file, "the case file as stored");
}

/// `show --history` reads each entry in words above its raw changes.
#[test]
fn show_history_reads_in_words() {
    let world = World::new();
    let (_, done, _) = seed_queue(&world);
    let output = world.run(&["show", &done, "--history"]);
    assert_code(&output, 0);
    let text = stdout(&output);
    for expected in [
        "- status: approved (was in review)",
        "- determination: Approve (Meets criteria)",
        "status: \"in_review\" -> \"approved\"",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

/// A terminal that cannot draw (`TERM=dumb`) gets one clear line and exit
/// code 2, and no escape sequence; the printing commands still work.
#[test]
fn term_dumb_gets_a_message_instead_of_the_app() {
    let world = World::new();
    seed_queue(&world);
    for args in [&[][..], &["demo"][..]] {
        let mut command = world.command();
        command.env("TERM", "dumb").args(args);
        let output = command.output().unwrap();
        assert_code(&output, 2);
        let err = stderr(&output);
        assert!(err.contains("TERM=dumb"), "{args:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(
            !output.stdout.contains(&0x1b),
            "{args:?}: no escape sequence"
        );
    }
    // Nothing was made for the demo that was refused.
    assert!(
        !world
            .root
            .path()
            .join("data")
            .join("umdesk")
            .join("demo")
            .exists()
    );
    let output = world
        .command()
        .env("TERM", "dumb")
        .args(["--cases", world.store().to_str().unwrap(), "list"])
        .output()
        .unwrap();
    assert_code(&output, 0);
}

#[test]
fn show_refuses_unknown_and_path_trick_ids() {
    let world = World::new();
    seed_queue(&world);
    let output = world.run(&["show", "UM-20991231-0001"]);
    assert_code(&output, 1);
    assert!(
        stderr(&output).contains("UM-20991231-0001"),
        "{}",
        stderr(&output)
    );

    // A readable case just outside the store must stay out of reach.
    let outside = case(
        "outside",
        "Secret Person",
        OffsetDateTime::now_utc(),
        Answer::Met,
    );
    world.file("outside.json", &to_json(&outside));
    for trick in ["../outside", "..", "a/b", "/etc/passwd", &"A".repeat(200)] {
        let output = world.run(&["show", trick]);
        assert!(
            [1, 2].contains(&code(&output)),
            "{trick:?}: exit {}",
            code(&output)
        );
        assert!(!stdout(&output).contains("Secret Person"), "{trick:?}");
    }
    let output = world.run(&["show", "../outside"]);
    assert_code(&output, 2);
}

#[test]
fn verify_finds_a_hand_edit() {
    let world = World::new();
    let (overdue, done, fresh) = seed_queue(&world);
    let output = world.run(&["verify"]);
    assert_code(&output, 0);
    let text = stdout(&output);
    for id in [&overdue, &done, &fresh] {
        assert!(text.contains(&format!("{id}: intact")), "{text}");
    }
    assert!(text.contains("access log: intact"), "{text}");
    assert_code(&world.run(&["verify", "--all"]), 0);
    assert_code(&world.run(&["verify", &done]), 0);

    let path = world.store().join(format!("{done}.json"));
    let edited = fs::read_to_string(&path)
        .unwrap()
        .replace("Marguerite Oyelaran", "Marguerite Oyelaram");
    fs::write(&path, edited).unwrap();
    let output = world.run(&["verify"]);
    assert_code(&output, 1);
    let text = stdout(&output);
    assert!(text.contains(&format!("{done}: tampered: ")), "{text}");
    assert!(text.contains(&format!("{overdue}: intact")), "{text}");
    let output = world.run(&["verify", &done]);
    assert_code(&output, 1);
    assert!(stdout(&output).starts_with(&format!("{done}: tampered")));
    assert_code(&world.run(&["verify", &fresh]), 0);
    assert_code(&world.run(&["verify", "UM-20991231-0001"]), 1);
}

#[test]
fn verify_finds_a_tampered_access_log() {
    let world = World::new();
    let (overdue, _, _) = seed_queue(&world);
    assert_code(&world.run(&["show", &overdue]), 0);
    assert_code(&world.run(&["show", &overdue]), 0);
    let log = world.store().join("access.log");
    let text = fs::read_to_string(&log).unwrap();
    fs::write(&log, text.replacen(NURSE, "Someone Else, RN", 1)).unwrap();
    let output = world.run(&["verify"]);
    assert_code(&output, 1);
    assert!(
        stdout(&output).contains("access log: tampered"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn audit_is_for_supervisors() {
    let world = World::new();
    let (overdue, _, _) = seed_queue(&world);
    let output = world.run(&["audit"]);
    assert_code(&output, 3);
    assert!(
        stderr(&output).contains("supervisor"),
        "{}",
        stderr(&output)
    );
    let output = world.run_as(NURSE, "physician", &["stats"]);
    assert_code(&output, 3);

    let output = world.run_as(SUPERVISOR, "supervisor", &["audit"]);
    assert_code(&output, 0);
    assert!(stdout(&output).contains("No access"), "{}", stdout(&output));
    assert_code(&world.run(&["show", &overdue]), 0);
    let output = world.run_as(SUPERVISOR, "supervisor", &["audit"]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert!(text.starts_with("WHEN"), "{text}");
    let row = text.lines().nth(1).expect("one entry");
    for field in [NURSE, "nurse", "show", overdue.as_str()] {
        assert!(row.contains(field), "{field} missing in {row}");
    }
}

#[test]
fn stats_counts_the_queue() {
    let world = World::new();
    seed_queue(&world);
    let output = world.run_as(SUPERVISOR, "supervisor", &["stats", "--json"]);
    assert_code(&output, 0);
    let stats: Value = serde_json::from_slice(&output.stdout).expect("stats --json prints JSON");
    assert_eq!(stats["total"], 3);
    assert_eq!(stats["by_status"]["in_review"], 2);
    assert_eq!(stats["by_status"]["approved"], 1);
    assert_eq!(stats["by_outcome"]["meets_criteria"], 1);
    assert_eq!(stats["by_outcome"]["undecided"], 2);
    assert_eq!(stats["open"], 2);
    assert_eq!(stats["overdue"], 1);
    assert_eq!(stats["turnaround"]["count"], 1);
    assert_eq!(stats["turnaround"]["median_hours"], 30.0);
    let reviewers = stats["reviewers"].as_array().unwrap();
    let dana = reviewers
        .iter()
        .find(|r| r["reviewer"] == NURSE)
        .expect("a row for the nurse who decided");
    assert_eq!(dana["decided"], 1);
    assert_eq!(dana["qa_reviewed"], 1);
    assert_eq!(dana["qa_agreement_rate"], 1.0);
    assert_eq!(dana["qa_criteria_agreement_rate"], 1.0);

    let output = world.run_as(SUPERVISOR, "supervisor", &["stats"]);
    assert_code(&output, 0);
    assert!(stdout(&output).contains(NURSE), "{}", stdout(&output));
}

#[test]
fn the_reviewer_comes_from_the_config_else_the_os_user() {
    let world = World::new();
    let (overdue, _, _) = seed_queue(&world);
    let store = world.store();
    let store = store.to_str().unwrap();
    let show = || {
        world
            .command()
            .args(["--cases", store, "show", &overdue])
            .output()
            .unwrap()
    };
    // No flags, no config, no terminal: the OS user, as a nurse.
    assert_code(&show(), 0);
    assert!(
        !world.config_file().exists(),
        "nothing is written without asking"
    );

    fs::create_dir_all(world.config_file().parent().unwrap()).unwrap();
    fs::write(
        world.config_file(),
        format!(r#"{{"reviewer": "{SUPERVISOR}", "role": "supervisor", "stale_lock_hours": 4}}"#),
    )
    .unwrap();
    assert_code(&show(), 0);
    let output = world
        .command()
        .args(["--cases", store, "audit", &overdue])
        .output()
        .unwrap();
    assert_code(&output, 0);
    let text = stdout(&output);
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(
        rows[0].contains("osuser") && rows[0].contains("nurse"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains(SUPERVISOR) && rows[1].contains("supervisor"),
        "{}",
        rows[1]
    );

    // A config that does not parse is an error naming it and the field, and is kept.
    let broken = r#"{"reviewer": "A, RN", "role": "boss"}"#;
    fs::write(world.config_file(), broken).unwrap();
    let output = show();
    assert_code(&output, 2);
    let err = stderr(&output);
    assert!(
        err.contains(&world.config_file().display().to_string()),
        "{err}"
    );
    assert!(err.contains("$.role"), "{err}");
    assert_eq!(fs::read_to_string(world.config_file()).unwrap(), broken);
}

#[test]
fn generate_writes_cases_that_verify() {
    let world = World::new();
    let output = world.run(&["generate", "--count", "6", "--seed", "7"]);
    assert_code(&output, 0);
    let output = world.run(&["list", "--json"]);
    assert_eq!(listed_ids(&output).len(), 6);
    // The same seed again: the same ids are taken, so the store renumbers,
    // and the history says so; everything still verifies.
    assert_code(&world.run(&["generate", "--count", "6", "--seed", "7"]), 0);
    let output = world.run(&["list", "--json"]);
    assert_eq!(listed_ids(&output).len(), 12);
    let output = world.run(&["verify"]);
    assert_code(&output, 0);
    assert_eq!(
        stdout(&output).matches(": intact").count(),
        13,
        "{}",
        stdout(&output)
    );
}

#[test]
fn demo_refuses_a_store_in_use() {
    let world = World::new();
    seed_queue(&world);
    let output = world.run(&["demo"]);
    assert_code(&output, 2);
    assert!(stderr(&output).contains("not empty"), "{}", stderr(&output));
}

#[test]
fn help_and_version() {
    let world = World::new();
    let output = world.command().arg("--help").output().unwrap();
    assert_code(&output, 0);
    let text = stdout(&output);
    for expected in [
        "Examples:",
        "umdesk demo",
        "umdesk evaluate",
        "Exit codes:",
        "3  the role",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let output = world.command().arg("--version").output().unwrap();
    assert_code(&output, 0);
    assert_eq!(
        stdout(&output),
        format!("umdesk {}\n", env!("CARGO_PKG_VERSION"))
    );
    let output = world.command().args(["list", "--bogus"]).output().unwrap();
    assert_code(&output, 2);
    let output = world
        .command()
        .args(["--role", "admin", "list"])
        .output()
        .unwrap();
    assert_code(&output, 2);
}

/// The binary in a pseudo-terminal of 80x24, its screen read through vt100.
struct Pty {
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    screen: std::sync::Arc<std::sync::Mutex<vt100::Parser>>,
    raw: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Pty {
    fn start(world: &World, args: &[&str]) -> Pty {
        use portable_pty::{CommandBuilder, PtySize, native_pty_system};
        use std::io::Read;
        use std::sync::{Arc, Mutex};

        let pty = native_pty_system()
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("openpty");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_umdesk"));
        cmd.args(args);
        cmd.cwd(world.root.path());
        for var in ["UMDESK_CASES", "SSH_CONNECTION", "NO_COLOR", "LC_ALL"] {
            cmd.env_remove(var);
        }
        cmd.env("LANG", "C.UTF-8");
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", world.root.path().join("home"));
        cmd.env("XDG_CONFIG_HOME", world.root.path().join("config"));
        cmd.env("XDG_DATA_HOME", world.root.path().join("data"));
        cmd.env("XDG_STATE_HOME", world.root.path().join("state"));
        let child = pty.slave.spawn_command(cmd).expect("spawn umdesk");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("reader");
        let writer = pty.master.take_writer().expect("writer");
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let raw = Arc::new(Mutex::new(String::new()));
        let (screen_sink, raw_sink) = (Arc::clone(&screen), Arc::clone(&raw));
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                screen_sink.lock().unwrap().process(&buf[..n]);
                raw_sink
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Pty {
            child,
            _master: pty.master,
            writer,
            screen,
            raw,
        }
    }

    fn screen(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn raw(&self) -> String {
        self.raw.lock().unwrap().clone()
    }

    /// Waits (10 s at most) until `done` holds.
    fn wait_until(&self, what: &str, done: impl Fn(&Pty) -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !done(self) {
            assert!(
                std::time::Instant::now() < deadline,
                "timed out waiting for {what}; the terminal showed:\n{}\n--- screen\n{}",
                self.raw(),
                self.screen()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the terminal");
        self.writer.flush().expect("flush");
    }

    /// Quits the app with `q`, and ends it if it is still there after 3 s.
    fn quit(mut self) {
        let _ = self.writer.write_all(b"q");
        let _ = self.writer.flush();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        while self.child.try_wait().ok().flatten().is_none() && std::time::Instant::now() < deadline
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// First use of the app on a terminal: it asks who is reviewing, writes the
/// config (0600) so it is asked once, and opens the app as that reviewer.
#[test]
fn the_app_asks_who_is_reviewing_once() {
    let world = World::new();
    let store = world.store();
    // The store comes first: whether to ask depends on its roster.
    fs::create_dir_all(&store).unwrap();
    fs::set_permissions(&store, fs::Permissions::from_mode(0o700)).unwrap();
    let mut pty = Pty::start(&world, &["--cases", store.to_str().unwrap()]);
    pty.wait_until("the question", |p| {
        p.raw().contains("Who is reviewing? (name, credentials)")
    });
    pty.send(b"Pat Quinn, RN\r");
    pty.wait_until("the role question", |p| p.raw().contains("Role ("));
    pty.send(b"physician\r");
    let config = world.config_file();
    pty.wait_until("the config file", |_| {
        fs::read_to_string(&config).is_ok_and(|t| t.contains("physician"))
    });
    let text = fs::read_to_string(&config).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["reviewer"], "Pat Quinn, RN");
    assert_eq!(json["role"], "physician");
    let mode = fs::metadata(&config).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let dir_mode = fs::metadata(config.parent().unwrap())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(dir_mode, 0o700);
    pty.quit();

    // Asked once: the next command finds the config and says who it names.
    let (overdue, _, _) = seed_queue(&world);
    let output = world
        .command()
        .args(["--cases", store.to_str().unwrap(), "show", &overdue])
        .output()
        .unwrap();
    assert_code(&output, 0);
    let log = fs::read_to_string(world.store().join("access.log")).unwrap();
    assert!(
        log.contains("Pat Quinn, RN") && log.contains("physician"),
        "{log}"
    );
}

/// README's run command: `demo` makes the user's demo store of the samples
/// on first use, says where it is on screen, and opens the queue on it at
/// once; the next `demo` reopens the same store; `demo --fresh` starts it
/// anew.
#[test]
fn demo_opens_a_queue_of_the_samples() {
    let world = World::new();
    let samples: Vec<String> = fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/saved-cases"))
        .expect("the sample cases")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    assert!(!samples.is_empty());
    let first = samples
        .iter()
        .min()
        .unwrap()
        .trim_end_matches(".json")
        .to_string();
    let pty = Pty::start(&world, &["demo"]);
    pty.wait_until("the queue", |p| p.screen().contains(&first));
    // Where the store is, on the screen itself.
    pty.wait_until("where the demo store is", |p| {
        p.screen().contains("Demo store: ") && p.screen().contains("data/umdesk/demo (umdesk")
    });
    pty.quit();

    // The store is `demo` under the platform data directory, private, and
    // intact.
    let data = world.root.path().join("data").join("umdesk");
    let demo = data.join("demo");
    assert_eq!(
        fs::metadata(&demo).unwrap().permissions().mode() & 0o777,
        0o700
    );
    for name in &samples {
        let copy = demo.join(name);
        let mode = fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
        let original = format!("{}/saved-cases/{name}", env!("CARGO_MANIFEST_DIR"));
        assert_eq!(
            fs::read(&copy).unwrap(),
            fs::read(original).unwrap(),
            "{name}"
        );
    }
    let output = world
        .command()
        .args(["--cases", demo.to_str().unwrap(), "verify"])
        .output()
        .unwrap();
    assert_code(&output, 0);
    let cases = |dir: &std::path::Path| -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        names
    };
    let made = cases(&demo);
    assert!(
        made.len() > samples.len(),
        "fresh requests beside the samples"
    );

    // The next demo reopens the same store: nothing added, nothing new made.
    let pty = Pty::start(&world, &["demo"]);
    pty.wait_until("the queue again", |p| p.screen().contains(&first));
    pty.quit();
    assert_eq!(cases(&demo), made);
    let dirs: Vec<_> = fs::read_dir(&data).unwrap().flatten().collect();
    assert_eq!(dirs.len(), 1, "one demo store: {dirs:?}");

    // --fresh starts anew: what was added since is gone.
    let extra = world.put_in(&demo, "UM-20991231-0001.json");
    let pty = Pty::start(&world, &["demo", "--fresh"]);
    pty.wait_until("the fresh queue", |p| p.screen().contains(&first));
    pty.quit();
    assert!(!extra.exists(), "--fresh threw the old store away");
    for name in &samples {
        assert!(demo.join(name).exists(), "{name}");
    }
}
