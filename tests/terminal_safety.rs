//! Nothing from a file reaches a terminal raw. A store of cases with
//! escape sequences, bidi overrides and zero-width characters planted in
//! every text field, a store file named with an OSC 52 sequence, a hostile
//! access log and hostile packs go through every command and through the
//! app's screens; no control character (but a line break or a tab) and no
//! invisible character reaches the output, and JSON output still holds
//! the same text, escaped as JSON escapes it.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ratatui::crossterm::event::KeyCode;
use serde_json::Value;
use umdesk::case::{Reviewer, Role, parse_case, to_json};
use umdesk::fixtures::sample_cases;
use umdesk::policy::{EMBEDDED_MP_1_121, LoadedPolicy};
use umdesk::store::{AccessEntry, CaseStore, FileStore};

/// An OSC 52 (set the clipboard), an OSC 0 (set the title), a clear
/// screen, a C1 CSI, DEL, NEL, bidi overrides and isolates, zero-width
/// characters, a soft hyphen, a line separator, a carriage return and a
/// backspace.
const HOSTILE: &str = "\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{7f}\u{85}\
                       \u{202e}\u{2066}\u{200b}\u{200d}\u{feff}\u{ad}\u{180e}\u{61c}\u{200e}\u{2028}\r\u{8}";

const SUPERVISOR: &str = "Renee Alvarez, RN, CCM";

/// Every character of `text` a terminal would act on or hide.
fn hazards(text: &str) -> Vec<char> {
    let invisible = |c: char| {
        matches!(c,
            '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2028}' | '\u{2029}' | '\u{061c}' | '\u{feff}' | '\u{180e}' | '\u{ad}')
    };
    let mut found: Vec<char> = text
        .chars()
        .filter(|&c| (c.is_control() && c != '\n' && c != '\t') || invisible(c))
        .collect();
    found.dedup();
    found
}

/// `document` with `HOSTILE` put before every string that can hold it and
/// still parse with `parses` (so dates and keys stay as they are), except
/// at the pointers in `keep`.
fn taint(document: &Value, keep: &[&str], parses: impl Fn(&Value) -> bool) -> Value {
    let mut document = document.clone();
    for pointer in common::string_pointers(&document) {
        if keep.iter().any(|k| pointer == *k || pointer.ends_with(k)) {
            continue;
        }
        let mut attempt = document.clone();
        let Some(Value::String(text)) = attempt.pointer_mut(&pointer) else {
            continue;
        };
        *text = format!("{HOSTILE}{text}");
        if parses(&attempt) {
            document = attempt;
        }
    }
    document
}

/// The sample cases, each with every free text field tainted: names,
/// notes, evidence, rationales, history, digests.
fn hostile_cases() -> Vec<Value> {
    sample_cases(&LoadedPolicy::embedded())
        .iter()
        .map(|case| {
            let document: Value = serde_json::from_str(&to_json(case)).unwrap();
            // The id must stay the file's name; criterion ids must still
            // find their criteria, so that the evidence is shown.
            taint(&document, &["/id", "/criterion"], |v| {
                parse_case(&v.to_string()).is_ok()
            })
        })
        .collect()
}

/// The embedded pack with every text tainted that can be.
fn hostile_pack() -> String {
    let document: Value = serde_json::from_str(EMBEDDED_MP_1_121).unwrap();
    let tainted = taint(&document, &[], |v| {
        serde_json::from_value::<umdesk::policy::Policy>(v.clone()).is_ok()
    });
    serde_json::to_string_pretty(&tainted).unwrap()
}

/// A private store of the hostile cases, a file in it named with the
/// hostile text, and an access log whose entries carry it.
struct World {
    root: tempfile::TempDir,
    ids: Vec<String>,
    documents: Vec<Value>,
}

impl World {
    fn new() -> World {
        let root = tempfile::tempdir().unwrap();
        let store = root.path().join("cases");
        let opened = FileStore::open(&store).unwrap();
        let documents = hostile_cases();
        let mut ids = Vec::new();
        for document in &documents {
            let id = document["id"].as_str().unwrap().to_string();
            let path = store.join(format!("{id}.json"));
            fs::write(&path, serde_json::to_string_pretty(document).unwrap()).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
            ids.push(id);
        }
        let named = store.join(format!("UM-{}.json", HOSTILE.replace('/', "")));
        fs::write(&named, format!("{HOSTILE} is not a case")).unwrap();
        fs::set_permissions(&named, fs::Permissions::from_mode(0o600)).unwrap();
        let mut entry = AccessEntry::new(
            &Reviewer {
                name: format!("{HOSTILE}Mallory"),
                role: Role::Nurse,
            },
            &ids[0],
            &format!("{HOSTILE}show"),
        );
        entry.from = format!("{HOSTILE}ws-1");
        opened.log_access(&entry).unwrap();
        World {
            root,
            ids,
            documents,
        }
    }

    fn store(&self) -> PathBuf {
        self.root.path().join("cases")
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.root.path().join(name);
        fs::write(&path, text).unwrap();
        path
    }

    /// `umdesk --cases STORE --reviewer SUPERVISOR --role supervisor ARGS`,
    /// isolated from the developer's config and store; SSH_CONNECTION is
    /// hostile too, as the access log records it.
    fn run(&self, args: &[&std::ffi::OsStr]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_umdesk"));
        command
            .env("HOME", self.root.path().join("home"))
            .env("XDG_CONFIG_HOME", self.root.path().join("config"))
            .env("XDG_DATA_HOME", self.root.path().join("data"))
            .env("SSH_CONNECTION", format!("{HOSTILE}10.0.0.5 1 10.0.0.1 22"))
            .env_remove("UMDESK_CASES")
            .stdin(Stdio::null())
            .arg("--cases")
            .arg(self.store())
            .args(["--reviewer", SUPERVISOR, "--role", "supervisor"])
            .args(args);
        command.output().expect("the binary runs")
    }
}

fn os(text: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(text)
}

/// What a command printed that a terminal would act on or hide, if any.
fn unsafe_output(args: &[&std::ffi::OsStr], output: &Output) -> Option<String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let (out, err) = (hazards(&stdout), hazards(&stderr));
    let panicked = output.status.code() == Some(101);
    if out.is_empty() && err.is_empty() && !panicked {
        return None;
    }
    Some(format!(
        "umdesk {args:?} (exit {:?}): stdout {out:?}, stderr {err:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        stdout.escape_debug(),
        stderr.escape_debug()
    ))
}

#[test]
fn no_command_prints_a_control_or_invisible_character_from_a_file() {
    let world = World::new();
    let pack = world.file("hostile-pack.json", &hostile_pack());
    let named_pack = world.file(&format!("pack-{HOSTILE}.json"), EMBEDDED_MP_1_121);
    let case_file = world.file(
        &format!("case-{HOSTILE}.json"),
        &serde_json::to_string_pretty(&world.documents[0]).unwrap(),
    );
    let mut unknown = world.documents[0].clone();
    unknown["member"][format!("colour{HOSTILE}")] = Value::String(HOSTILE.to_string());
    let unknown_field = world.file("unknown-field.json", &unknown.to_string());
    let missing = world.root.path().join(format!("missing-{HOSTILE}.json"));
    let missing_store = world.root.path().join(format!("store-{HOSTILE}"));

    let mut runs: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec![os("list")],
        vec![os("list"), os("--json")],
        vec![os("stats")],
        vec![os("stats"), os("--json")],
        vec![os("verify")],
        vec![os("audit")],
        vec![os("policy"), os("show")],
        vec![os("--policy"), pack.as_os_str(), os("policy"), os("show")],
        vec![
            os("--policy"),
            named_pack.as_os_str(),
            os("policy"),
            os("show"),
        ],
        vec![
            os("--policy"),
            named_pack.as_os_str(),
            os("policy"),
            os("show"),
            os("--json"),
        ],
        vec![os("policy"), os("check"), pack.as_os_str()],
        vec![os("policy"), os("check"), named_pack.as_os_str()],
        vec![os("evaluate"), case_file.as_os_str()],
        vec![os("evaluate"), unknown_field.as_os_str()],
        vec![os("evaluate"), missing.as_os_str()],
        vec![
            os("--policy"),
            pack.as_os_str(),
            os("evaluate"),
            case_file.as_os_str(),
        ],
        vec![os("--cases"), missing_store.as_os_str(), os("list")],
        vec![os("show"), os(HOSTILE)],
    ];
    for id in &world.ids {
        let id = os(id);
        runs.push(vec![os("show"), id]);
        runs.push(vec![os("show"), id, os("--history")]);
        runs.push(vec![os("show"), id, os("--json")]);
        runs.push(vec![os("verify"), id]);
        runs.push(vec![os("audit"), id]);
    }
    let failures: Vec<String> = runs
        .iter()
        .filter_map(|args| unsafe_output(args, &world.run(args)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} commands printed raw text:\n\n{}",
        failures.len(),
        runs.len(),
        failures.join("\n\n")
    );
}

/// Escaped, not dropped: the hostile file name is shown, visibly.
#[test]
fn a_hostile_file_name_is_shown_escaped() {
    let world = World::new();
    let output = world.run(&[os("list")]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(r"UM-\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;owned\u{7}"),
        "{stderr}"
    );
    assert!(stderr.contains(r"\u{202e}\u{2066}\u{200b}"), "{stderr}");
}

/// JSON output is the same document, with what serde_json passes raw
/// escaped as JSON escapes it.
#[test]
fn json_output_escapes_and_keeps_the_text() {
    let world = World::new();
    for (id, document) in world.ids.iter().zip(&world.documents) {
        let output = world.run(&[os("show"), os(id), os("--json"), os("--history")]);
        assert_eq!(output.status.code(), Some(0), "{output:?}");
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            text.contains(r"\u202e\u2066\u200b\u200d\ufeff\u00ad"),
            "{text}"
        );
        let shown: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(&shown, document, "{id}");
    }
    let output = world.run(&[os("list"), os("--json")]);
    let rows: Value = serde_json::from_slice(&output.stdout).unwrap();
    let member = rows[0]["member"].as_str().unwrap();
    assert!(member.starts_with(HOSTILE), "{member:?}");
}

/// The app: the queue, the dashboard, every case in the case view and in
/// review, at 80x24 and larger. Every cell of every frame is checked.
#[test]
fn no_screen_of_the_app_shows_a_control_or_invisible_character() {
    let world = World::new();
    let store = world.store();
    let mut app = common::app_with(&store, common::supervisor());
    app.finish_listing();
    let mut failures = Vec::new();
    let mut check = |app: &common::App, what: &str| {
        for (width, height) in [(80, 24), (160, 48)] {
            let terminal = common::draw(app, width, height);
            for (y, row) in common::rows(&terminal).iter().enumerate() {
                let found = hazards(row);
                if !found.is_empty() {
                    failures.push(format!(
                        "{what} at {width}x{height}, row {y}: {found:?}\n  {}",
                        row.escape_debug()
                    ));
                }
            }
        }
    };
    check(&app, "queue");
    common::press(&mut app, KeyCode::Char('d'));
    check(&app, "dashboard");
    common::press(&mut app, KeyCode::Esc);
    for id in &world.ids {
        app.view_case(id, Some(format!("{HOSTILE} banner")));
        check(&app, &format!("case view of {id}"));
        common::press(&mut app, KeyCode::Esc);
        app.open_case(id);
        check(&app, &format!("review of {id}"));
        if common::screen_name(&app) == "review" {
            common::press(&mut app, KeyCode::Enter);
            check(&app, &format!("determination of {id}"));
        }
        common::press(&mut app, KeyCode::Esc);
        common::press(&mut app, KeyCode::Esc);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Shown escaped, not silently dropped: a reader sees that the name
    // holds an escape sequence.
    app.view_case(&world.ids[0], None);
    let text = common::screen_text(&common::draw(&app, 160, 48));
    assert!(
        text.contains(r"\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;owned\u{7}"),
        "{text}"
    );
}

#[test]
fn the_hostile_store_is_really_hostile() {
    let world = World::new();
    let text = fs::read_to_string(Path::new(&world.store()).join(format!("{}.json", world.ids[0])))
        .unwrap();
    // The planted text survives serde_json's writing: the test means something.
    assert!(!hazards(&text).is_empty());
    let case = parse_case(&text).unwrap();
    assert!(case.member.name.starts_with(HOSTILE));
    assert!(case.policy.digest.starts_with(HOSTILE));
}
