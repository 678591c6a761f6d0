//! `umdesk roster` and who is reviewing in a store with a roster, run as
//! the built binary. The tests run as whoever runs them: that user owns
//! the temporary store, so they make its first roster entry.

#[path = "common/output.rs"]
mod output;

use output::{assert_code, stderr, stdout};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use umdesk::case::{Case, to_json};
use umdesk::fixtures::sample_cases;
use umdesk::identity::signing::sign_entry;
use umdesk::identity::test_keys;
use umdesk::identity::verify::entries_to_sign;
use umdesk::policy::LoadedPolicy;

const SUPERVISOR: &str = "Renee Alvarez, RN, CCM";

struct World {
    root: tempfile::TempDir,
}

/// The login name of the user running the tests.
fn me() -> String {
    let id = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim().to_string()
}

impl World {
    fn new() -> World {
        let world = World {
            root: tempfile::tempdir().unwrap(),
        };
        fs::create_dir(world.store()).unwrap();
        fs::set_permissions(world.store(), fs::Permissions::from_mode(0o700)).unwrap();
        world
    }

    fn store(&self) -> PathBuf {
        self.root.path().join("cases")
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_umdesk"))
            .env("HOME", self.root.path().join("home"))
            .env("XDG_CONFIG_HOME", self.root.path().join("config"))
            .env("XDG_DATA_HOME", self.root.path().join("data"))
            // $USER is anyone's to set: identity never comes from it.
            .env("USER", "somebody-else")
            .env_remove("UMDESK_CASES")
            .env_remove("SSH_CONNECTION")
            .stdin(Stdio::null())
            .arg("--cases")
            .arg(self.store())
            .args(args)
            .output()
            .unwrap()
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.root.path().join(name);
        fs::write(&path, text).unwrap();
        path
    }

    fn put(&self, case: &Case) {
        let path = self.store().join(format!("{}.json", case.id));
        fs::write(&path, to_json(case)).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    }

    /// A roster whose first entry is the supervisor signing in as `user`.
    fn with_supervisor(&self, user: &str) {
        let key = self.file("renee.pub", &format!("{}\n", test_keys::public_line(9)));
        let output = self.run(&[
            "roster",
            "add",
            SUPERVISOR,
            "--role",
            "supervisor",
            "--os-user",
            user,
            "--key",
            key.to_str().unwrap(),
        ]);
        assert_code(&output, 0);
    }
}

/// A finalized sample case, never amended, and who decided it.
fn decided() -> Case {
    sample_cases(&LoadedPolicy::embedded())
        .into_iter()
        .find(|c| c.status.is_final() && c.amendments.is_empty() && c.qa_reviews.is_empty())
        .unwrap()
}

#[test]
fn the_store_owner_makes_the_first_entry_and_then_only_supervisors_change_it() {
    let world = World::new();
    let output = world.run(&["roster", "list"]);
    assert_code(&output, 0);
    assert!(
        stdout(&output).contains("has no roster"),
        "{}",
        stdout(&output)
    );

    // The first entry must be a supervisor.
    let output = world.run(&["roster", "add", "Dana Whitfield, RN", "--role", "nurse"]);
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("supervisor"),
        "{}",
        stderr(&output)
    );

    world.with_supervisor(&me());
    let output = world.run(&[
        "roster",
        "add",
        "Dana Whitfield, RN",
        "--role",
        "nurse",
        "--os-user",
        "dana",
        "--key",
        &test_keys::public_line(2),
    ]);
    assert_code(&output, 0);
    assert!(stdout(&output).contains("Added Dana Whitfield, RN as nurse"));
    let output = world.run(&["roster", "list"]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains(SUPERVISOR) && text.contains("Dana Whitfield, RN"),
        "{text}"
    );
    assert!(text.contains("SHA256:"), "{text}");
    assert!(text.contains("version 2"), "{text}");

    // The changes are in the access log, with who made them.
    let output = world.run(&["audit", "roster"]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains("roster add Dana Whitfield, RN as nurse"),
        "{text}"
    );
    assert!(text.contains(&format!("{}, store owner", me())), "{text}");

    let output = world.run(&["roster", "remove", "Dana Whitfield, RN"]);
    assert_code(&output, 0);
    let output = world.run(&["roster", "list"]);
    assert!(stdout(&output).contains("removed"), "{}", stdout(&output));

    let mode = fs::metadata(world.store().join("roster.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // The roster is not a case in the queue, nor an unreadable file.
    let output = world.run(&["list"]);
    assert_code(&output, 0);
}

#[test]
fn a_reviewer_not_a_supervisor_cannot_change_the_roster() {
    let world = World::new();
    world.with_supervisor("someone-else");
    let output = world.run(&["roster", "add", "Mallory, MD", "--role", "physician"]);
    assert_code(&output, 3);
    assert!(
        stderr(&output).contains("only a supervisor"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn with_a_roster_the_reviewer_is_the_os_users_entry_and_claims_cannot_exceed_it() {
    let world = World::new();
    world.with_supervisor(&me());
    let case = decided();
    world.put(&case);

    // Claiming another role or name is refused.
    for claim in [
        vec!["--role", "physician"],
        vec!["--reviewer", "Anyone, MD"],
        vec!["--reviewer", "Anyone, MD", "--role", "physician"],
    ] {
        let mut args = claim.clone();
        args.extend(["show", &case.id]);
        let output = world.run(&args);
        assert_code(&output, 3);
        assert!(stderr(&output).contains("roster"), "{}", stderr(&output));
    }
    // Repeating the roster is fine, and the access log names the roster's
    // reviewer, whatever $USER says.
    let output = world.run(&["--role", "supervisor", "show", &case.id]);
    assert_code(&output, 0);
    let output = world.run(&["audit", &case.id]);
    assert_code(&output, 0);
    assert!(stdout(&output).contains(SUPERVISOR), "{}", stdout(&output));
}

#[test]
fn an_os_user_not_on_the_roster_is_refused_and_told_how_to_be_added() {
    let world = World::new();
    world.with_supervisor("someone-else");
    let case = decided();
    world.put(&case);
    let output = world.run(&["show", &case.id]);
    assert_code(&output, 3);
    let text = stderr(&output);
    assert!(text.contains(&format!("--os-user {}", me())), "{text}");
    assert!(text.contains("umdesk roster add"), "{text}");
}

#[test]
fn an_unreadable_roster_stops_everything_that_needs_to_know_who_is_reviewing() {
    let world = World::new();
    world.with_supervisor(&me());
    let case = decided();
    world.put(&case);
    fs::write(world.store().join("roster.json"), "{ not json").unwrap();
    let output = world.run(&["--reviewer", "Anyone, MD", "show", &case.id]);
    assert_code(&output, 4);
    assert!(
        stderr(&output).contains("roster.json"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn verify_checks_signatures_against_the_roster() {
    let world = World::new();
    world.with_supervisor(&me());
    let mut case = decided();
    let signer = case.determination.as_ref().unwrap().decided_by.clone();
    let role = signer.role.label();
    let output = world.run(&[
        "roster",
        "add",
        &signer.name,
        "--role",
        role,
        "--os-user",
        "olive",
        "--key",
        &test_keys::public_line(1),
    ]);
    assert_code(&output, 0);
    // Unsigned, the decision is reported.
    world.put(&case);
    let output = world.run(&["verify"]);
    assert_code(&output, 1);
    let text = stdout(&output);
    assert!(
        text.contains(&format!("{}: signature: ", case.id)),
        "{text}"
    );
    assert!(text.contains("roster: 2 reviewers"), "{text}");

    // Signed with the signer's key, it verifies, and says by whom.
    let index = entries_to_sign(&case)[0];
    let signature = sign_entry(&case, index, &test_keys::signing_key(1), None).unwrap();
    case.signatures.push(signature);
    world.put(&case);
    let output = world.run(&["verify"]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains(&format!("{}: intact, signed by {}", case.id, signer.name)),
        "{text}"
    );

    // Someone who can write the store adds a key of their own to the
    // roster file and signs with it: the store's roster now agrees, a copy
    // kept elsewhere does not.
    let copy = world.run(&["roster", "list", "--json"]);
    let trusted = world.file("trusted-roster.json", &stdout(&copy));
    let roster_path = world.store().join("roster.json");
    let mut roster: umdesk::identity::Roster =
        serde_json::from_str(&fs::read_to_string(&roster_path).unwrap()).unwrap();
    roster
        .entries
        .iter_mut()
        .find(|e| e.name == signer.name)
        .unwrap()
        .keys
        .push(test_keys::public_line(66));
    fs::write(&roster_path, serde_json::to_string(&roster).unwrap()).unwrap();
    case.signatures.clear();
    let forged = sign_entry(&case, index, &test_keys::signing_key(66), None).unwrap();
    case.signatures.push(forged);
    world.put(&case);
    let output = world.run(&["verify", "--roster", trusted.to_str().unwrap()]);
    assert_code(&output, 1);
    let text = stdout(&output);
    assert!(text.contains("does not list"), "{text}");
    assert!(text.contains("trusted-roster.json"), "{text}");
}

#[test]
fn verify_reports_a_deleted_access_log() {
    let world = World::new();
    let case = decided();
    world.put(&case);
    assert_code(&world.run(&["show", &case.id]), 0);
    assert_code(&world.run(&["show", &case.id]), 0);
    assert_code(&world.run(&["verify"]), 0);
    fs::remove_file(world.store().join("access.log")).unwrap();
    let output = world.run(&["verify"]);
    assert_code(&output, 1);
    let text = stdout(&output);
    assert!(text.contains("access log: tampered"), "{text}");
    assert!(text.contains("deleted"), "{text}");
    assert!(text.contains("roster: none"), "{text}");
}
