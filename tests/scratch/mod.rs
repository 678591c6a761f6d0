//! The built binary against a scratch store, as a supervisor: for the
//! record tests (`history_replay`, `validation`) that read what `verify`,
//! `show` and `evaluate` say of a case file.

// Each test crate that includes this module uses what it needs of it.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use umdesk::case::{Case, to_json};

/// A temporary home with an initialized, owner-only store in it.
pub struct Scratch {
    root: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        let scratch = Scratch {
            root: tempfile::tempdir().expect("a temporary directory"),
        };
        let output = scratch.run(&["init"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "init: {}",
            text(&output.stderr)
        );
        scratch
    }

    pub fn store(&self) -> PathBuf {
        self.root.path().join("cases")
    }

    /// `umdesk --cases STORE ARGS...` as a supervisor, isolated from the
    /// developer's own config and store.
    pub fn run(&self, args: &[&str]) -> Output {
        let home = self.root.path();
        let store = self.store();
        Command::new(env!("CARGO_BIN_EXE_umdesk"))
            .env("HOME", home.join("home"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env_remove("UMDESK_CASES")
            .args(["--cases", store.to_str().expect("a UTF-8 path")])
            .args([
                "--reviewer",
                "Quentin Makebelieve, RN",
                "--role",
                "supervisor",
            ])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs")
    }

    /// Writes a case into the store as the app would (owner-only).
    pub fn put(&self, case: &Case) {
        let path = self.store().join(format!("{}.json", case.id));
        std::fs::write(&path, to_json(case)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    /// Writes a file beside the store, for `evaluate`.
    pub fn file(&self, name: &str, contents: &str) -> PathBuf {
        let path = self.root.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn path_text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}
