//! The command line and the store's existence (issue 10, finding 12): a
//! command that reads a store never makes one, `umdesk init` does, and
//! `list` says by its exit code when files were left out.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct World {
    root: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        World {
            root: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.root.path().join(name)
    }

    /// `umdesk --cases STORE --reviewer ... --role supervisor ARGS...`,
    /// isolated from the developer's own config and store.
    fn run(&self, store: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_umdesk"))
            .env("HOME", self.path("home"))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env_remove("UMDESK_CASES")
            .stdin(Stdio::null())
            .arg("--cases")
            .arg(store)
            .args([
                "--reviewer",
                "Renee Alvarez, RN, CCM",
                "--role",
                "supervisor",
            ])
            .args(args)
            .output()
            .unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn reading_commands_on_a_mistyped_store_fail_and_create_nothing() {
    let world = World::new();
    let typo = world.path("typo").join("cases");
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["verify", "--all"],
        &["verify"],
        &["show", "UM-20261201-0001"],
        &["audit"],
        &["stats"],
        &[],
    ] {
        let output = world.run(&typo, args);
        let err = text(&output.stderr);
        assert_eq!(output.status.code(), Some(4), "{args:?}: {err}");
        assert!(err.contains(&typo.display().to_string()), "{args:?}: {err}");
        assert!(err.contains("umdesk init"), "{args:?}: {err}");
        assert!(!world.path("typo").exists(), "{args:?} made a store");
    }
}

#[test]
fn init_makes_a_private_store_that_lists_as_empty() {
    let world = World::new();
    let store = world.path("cases");
    let output = world.run(&store, &["init", store.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        text(&output.stdout).contains("Created"),
        "{}",
        text(&output.stdout)
    );
    let mode = std::fs::metadata(&store).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);

    let output = world.run(&store, &["list"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(text(&output.stdout).contains("No cases"));
    let output = world.run(&store, &["verify", "--all"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));

    // Again: nothing changes, and it says so.
    let output = world.run(&store, &["init"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        text(&output.stdout).contains("already"),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn generate_makes_its_store_and_list_fails_when_files_are_unreadable() {
    let world = World::new();
    let store = world.path("generated");
    let output = world.run(&store, &["generate", "--count", "2"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let output = world.run(&store, &["list"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));

    let bad = store.join("UM-20260101-0009.json");
    std::fs::write(&bad, "{").unwrap();
    std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o600)).unwrap();
    for args in [&["list"][..], &["list", "--json"]] {
        let output = world.run(&store, args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(
            text(&output.stderr).contains(&format!("{}: unreadable", bad.display())),
            "{}",
            text(&output.stderr)
        );
    }
}
