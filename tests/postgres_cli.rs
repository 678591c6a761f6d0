//! The command line on a PostgreSQL store: `store init`, `--store` and
//! `UMDESK_STORE`, and `store copy` both ways. Needs the server
//! scripts/test.sh starts.

mod contract;
mod pg;

use std::process::{Command, Output};

use contract::{at, create, nurse};
use umdesk::store::{AccessEntry, AccessLogIntegrity, CaseStore, FileStore, PostgresStore};

fn umdesk(args: &[&str], store_env: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_umdesk"));
    command
        .args(args)
        .env_remove("UMDESK_CASES")
        .env_remove("UMDESK_STORE");
    if let Some(url) = store_env {
        command.env("UMDESK_STORE", url);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn store_init_makes_the_schema_and_list_reads_the_store_by_flag_or_environment() {
    let db = pg::Database::empty();
    let before = umdesk(&["--store", &db.url, "list"], None);
    assert!(!before.status.success());
    assert!(
        text(&before.stderr).contains("umdesk store init"),
        "{}",
        text(&before.stderr)
    );

    let init = umdesk(&["store", "init", &db.url], None);
    assert!(init.status.success(), "{}", text(&init.stderr));
    assert!(text(&init.stdout).contains("Created the umdesk schema"));
    let again = umdesk(&["store", "init", &db.url], None);
    assert!(text(&again.stdout).contains("already has the umdesk schema"));

    let store = PostgresStore::open(&db.url).unwrap();
    let case = create(&store, "Ana Example", at());
    let by_flag = umdesk(&["--store", &db.url, "list"], None);
    assert!(by_flag.status.success(), "{}", text(&by_flag.stderr));
    assert!(text(&by_flag.stdout).contains(&case.id));
    let by_env = umdesk(&["list"], Some(&db.url));
    assert!(
        text(&by_env.stdout).contains(&case.id),
        "{}",
        text(&by_env.stderr)
    );
}

#[test]
fn generate_writes_into_the_database_that_store_names_and_nowhere_else() {
    let db = pg::Database::initialized();
    let home = tempfile::tempdir().unwrap();
    let generated = Command::new(env!("CARGO_BIN_EXE_umdesk"))
        .args([
            "--store",
            &db.url,
            "--reviewer",
            "Gen Erator, RN",
            "--role",
            "nurse",
        ])
        .args(["generate", "--count", "3"])
        .env_remove("UMDESK_CASES")
        .env_remove("UMDESK_STORE")
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .output()
        .unwrap();
    assert!(generated.status.success(), "{}", text(&generated.stderr));
    let said = text(&generated.stdout);
    assert!(said.contains("Wrote 3 fictional cases"), "{said}");
    assert!(!said.contains(&home.path().display().to_string()), "{said}");
    let store = PostgresStore::open(&db.url).unwrap();
    assert_eq!(store.list().cases.len(), 3);
    // No file store was made beside it.
    let files: Vec<_> = walk(home.path());
    assert!(
        !files
            .iter()
            .any(|f| f.extension().is_some_and(|e| e == "json")),
        "{files:?}"
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

#[test]
fn store_copy_moves_everything_both_ways_resumes_and_keeps_documents_identical() {
    let dir = tempfile::tempdir().unwrap();
    let files_dir = dir.path().join("cases");
    let files = FileStore::open(&files_dir).unwrap();
    let ids: Vec<String> = ["Ana", "Ben", "Cy"]
        .iter()
        .map(|name| create(&files, name, at()).id)
        .collect();
    for id in &ids {
        files
            .log_access(&AccessEntry::new(&nurse(), id, "view"))
            .unwrap();
    }
    let key = contract::draft_key(&ids[0], &nurse(), "4242-a-1");
    files.save_draft(&key, r#"{"note":"half"}"#).unwrap();

    let db = pg::Database::initialized();
    let from = files_dir.to_str().unwrap();
    let first = umdesk(&["store", "copy", from, &db.url], None);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains("Copied 3 cases"),
        "{}",
        text(&first.stdout)
    );

    let database = PostgresStore::open(&db.url).unwrap();
    for id in &ids {
        let on_disk = std::fs::read_to_string(files.path_of(id)).unwrap();
        assert_eq!(database.document(id).unwrap(), on_disk, "{id}");
    }
    assert_eq!(database.load_draft(&key).unwrap(), r#"{"note":"half"}"#);
    assert_eq!(
        database.verify_access_log(),
        AccessLogIntegrity::Intact { entries: 3 }
    );
    assert_eq!(
        database.access_log(None).unwrap(),
        files.access_log(None).unwrap()
    );
    // The next case created in the database never takes a copied id.
    let next = create(&database, "Dee", at());
    assert!(!ids.contains(&next.id), "{}", next.id);

    // Resumed: nothing is copied twice.
    let second = umdesk(&["store", "copy", from, &db.url], None);
    assert!(second.status.success(), "{}", text(&second.stderr));
    assert!(text(&second.stdout).contains("Copied 0 cases (3 were already there)"));
    assert_eq!(database.access_log(None).unwrap().len(), 3);

    // And back to files, for an archive.
    let archive = dir.path().join("archive");
    let back = umdesk(&["store", "copy", &db.url, archive.to_str().unwrap()], None);
    assert!(back.status.success(), "{}", text(&back.stderr));
    let archived = FileStore::open_existing(&archive).unwrap();
    assert_eq!(archived.list().cases.len(), 4);
    for id in ids.iter().chain([&next.id]) {
        assert_eq!(
            std::fs::read_to_string(archived.path_of(id)).unwrap(),
            database.document(id).unwrap()
        );
    }
    assert_eq!(
        archived.verify_access_log(),
        AccessLogIntegrity::Intact { entries: 3 }
    );
    let verify = umdesk(&["--cases", archive.to_str().unwrap(), "verify"], None);
    assert!(
        verify.status.success(),
        "{}{}",
        text(&verify.stdout),
        text(&verify.stderr)
    );
}

#[test]
fn store_copy_brings_the_roster_with_the_log_of_its_changes() {
    use umdesk::case::Role;
    use umdesk::identity::Roster;
    use umdesk::identity::roster::RosterEntry;

    let dir = tempfile::tempdir().unwrap();
    let files_dir = dir.path().join("cases");
    let files = FileStore::open(&files_dir).unwrap();
    let entry = |name: &str, role: Role| RosterEntry {
        name: name.into(),
        role,
        os_users: vec![
            name.split(',')
                .next()
                .unwrap()
                .to_lowercase()
                .replace(' ', "."),
        ],
        keys: vec![umdesk::identity::test_keys::public_line(1)],
        added_at: at(),
        added_by: "root (store owner)".into(),
        removed: None,
        npi: None,
    };
    let first = Roster {
        version: 0,
        entries: vec![entry("Renee Alvarez, RN, CCM", Role::Supervisor)],
    };
    let change = AccessEntry::new(&contract::supervisor(), "roster", "roster add");
    let saved = files.save_roster(&first, 0, &change).unwrap();
    let mut second = saved.clone();
    second
        .entries
        .push(entry("Dana Whitfield, RN", Role::Nurse));
    files.save_roster(&second, saved.version, &change).unwrap();

    let db = pg::Database::initialized();
    let from = files_dir.to_str().unwrap();
    let copied = umdesk(&["store", "copy", from, &db.url], None);
    assert!(copied.status.success(), "{}", text(&copied.stderr));
    assert!(
        text(&copied.stdout).contains("2 roster entries"),
        "{}",
        text(&copied.stdout)
    );
    let database = PostgresStore::open(&db.url).unwrap();
    let roster = database.roster().unwrap().expect("the roster came along");
    assert_eq!(roster.entries, files.roster().unwrap().unwrap().entries);
    // Its changes are in the copied access log, not a new one.
    assert_eq!(
        database.access_log(None).unwrap(),
        files.access_log(None).unwrap()
    );

    // Resumed: the same roster is there already; a different one is not
    // overwritten.
    let again = umdesk(&["store", "copy", from, &db.url], None);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let archive = dir.path().join("archive");
    let back = umdesk(&["store", "copy", &db.url, archive.to_str().unwrap()], None);
    assert!(back.status.success(), "{}", text(&back.stderr));
    let archived = FileStore::open_existing(&archive).unwrap();
    assert_eq!(archived.roster().unwrap().unwrap().entries, roster.entries);
    let other = tempfile::tempdir().unwrap();
    let other_store = FileStore::open(other.path().join("cases")).unwrap();
    other_store.save_roster(&first, 0, &change).unwrap();
    let clash = umdesk(
        &[
            "store",
            "copy",
            &db.url,
            other.path().join("cases").to_str().unwrap(),
        ],
        None,
    );
    assert!(!clash.status.success());
    assert!(
        text(&clash.stderr).contains("roster"),
        "{}",
        text(&clash.stderr)
    );
}
