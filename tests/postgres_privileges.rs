//! The README's PostgreSQL setup, exactly as written there: an owner role
//! that runs `store init`, and an app role with only the grants the README
//! lists. The app does everything a reviewer's day needs with those; the
//! history and the access log stay append-only for both roles; and only
//! the owner makes the roster's first entry.

mod contract;
mod pg;

use std::process::{Command, Output};

use contract::{at, create, edited, last, nurse};
use umdesk::case::Status;
use umdesk::store::{AccessEntry, CaseStore, LockHolder, PageFrom, PostgresStore, QueueQuery};

/// The README's setup SQL block (the one that creates `umdesk_app`).
fn readme_setup() -> String {
    let readme = include_str!("../README.md");
    readme
        .split("```sql")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains("CREATE ROLE umdesk_app"))
        .expect("the README gives the setup SQL")
        .to_string()
}

/// `url` connecting as `role` (the test server trusts its socket).
fn as_role(url: &str, role: &str) -> String {
    let url = url
        .split('&')
        .filter(|part| !part.starts_with("user="))
        .collect::<Vec<_>>()
        .join("&");
    format!("{url}&user={role}")
}

fn umdesk(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_umdesk"))
        .arg("--store")
        .arg(url)
        .args(args)
        .env_remove("UMDESK_CASES")
        .env_remove("UMDESK_STORE")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A database set up as the README says, with this test's own role names
/// (roles belong to the whole server). Returns the owner's and the app's
/// URLs.
fn set_up_as_the_readme_says(db: &pg::Database) -> (String, String) {
    let suffix = db.name.trim_start_matches("umdesk_t_");
    let owner = format!("umdesk_owner_{suffix}");
    let app = format!("umdesk_app_{suffix}");
    let sql = readme_setup()
        .replace("umdesk_owner", &owner)
        .replace("umdesk_app", &app)
        .replace("DATABASE umdesk", &format!("DATABASE {}", db.name));
    let mut admin = pg::admin();
    for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let statement: String = statement
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        if statement.trim().is_empty() {
            continue;
        }
        if statement.contains("CREATE DATABASE") {
            // The test's database exists; it is given to the owner instead.
            admin
                .batch_execute(&format!("ALTER DATABASE {} OWNER TO {owner}", db.name))
                .unwrap();
            continue;
        }
        if statement.starts_with("CREATE ROLE") {
            admin
                .batch_execute(&format!(
                    "DROP ROLE IF EXISTS {}",
                    statement.split_whitespace().nth(2).unwrap()
                ))
                .ok();
            admin.batch_execute(&statement).unwrap();
            continue;
        }
        if statement.starts_with("GRANT CONNECT") {
            admin.batch_execute(&statement).unwrap();
            continue;
        }
        // The schema's grants, once the owner has made the schema.
        if !statement.starts_with("GRANT") {
            continue;
        }
    }
    let owner_url = as_role(&db.url, &owner);
    umdesk::store::postgres::init(&owner_url).unwrap();
    let mut owner_client = postgres::Client::connect(&owner_url, postgres::NoTls).unwrap();
    for statement in sql.split(';').map(str::trim) {
        let statement: String = statement
            .lines()
            .filter(|line| !line.trim_start().starts_with("--"))
            .collect::<Vec<_>>()
            .join("\n");
        let statement = statement.trim();
        if statement.starts_with("GRANT") && !statement.starts_with("GRANT CONNECT") {
            owner_client.batch_execute(statement).unwrap();
        }
    }
    (owner_url, as_role(&db.url, &app))
}

#[test]
fn the_app_role_of_the_readme_does_a_reviewers_day_and_can_rewrite_nothing() {
    let db = pg::Database::empty();
    let (owner_url, app_url) = set_up_as_the_readme_says(&db);

    let store = PostgresStore::open(&app_url).expect("the README's grants are enough to open");
    let case = create(&store, "Ana Example", at());
    let changed = edited(&case, Status::InReview, &nurse());
    store.save(&changed, &last(&case)).unwrap();
    let holder = LockHolder::current(nurse());
    let lease = store.begin_session(&holder).unwrap();
    store.lock(&case.id, &holder).unwrap();
    let key = contract::draft_key(&case.id, &nurse(), &holder.session);
    store.save_draft(&key, "{}").unwrap();
    store.discard_draft(&key).unwrap();
    store.unlock(&case.id, &holder).unwrap();
    store
        .log_access(&AccessEntry::new(&nurse(), &case.id, "view"))
        .unwrap();
    let page = store
        .queue_page(&QueueQuery {
            text: "ana".into(),
            status: None,
            from: PageFrom::Start,
            limit: 10,
        })
        .unwrap();
    assert_eq!(page.cases.len(), 1);
    assert_eq!(store.figures(at()).unwrap().total, 1);
    let watching = store.watch(Box::new(|_| {})).unwrap();
    drop(watching);
    drop(lease);

    // Neither role can rewrite what was recorded.
    let mut app = postgres::Client::connect(&app_url, postgres::NoTls).unwrap();
    for statement in [
        "UPDATE case_history SET entry = '{}'",
        "DELETE FROM case_history",
        "UPDATE access_log SET line = ''",
        "DELETE FROM access_log",
    ] {
        let err = app.batch_execute(statement).expect_err(statement);
        let message = err.as_db_error().map(|e| e.message().to_string());
        assert!(
            message
                .as_deref()
                .is_some_and(|m| m.contains("permission denied")),
            "{statement}: {message:?}"
        );
    }
    let mut owner = postgres::Client::connect(&owner_url, postgres::NoTls).unwrap();
    for statement in [
        "UPDATE case_history SET entry = '{}'",
        "DELETE FROM access_log",
    ] {
        assert!(
            owner.batch_execute(statement).is_err(),
            "{statement} by the owner"
        );
    }
}

#[test]
fn only_the_owner_role_makes_the_first_roster_entry() {
    let db = pg::Database::empty();
    let (owner_url, app_url) = set_up_as_the_readme_says(&db);
    let add = [
        "roster",
        "add",
        "Renee Alvarez, RN, CCM",
        "--role",
        "supervisor",
        "--os-user",
        "renee",
    ];
    let refused = umdesk(&app_url, &add);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("the database role umdesk_owner_"),
        "{}",
        text(&refused.stderr)
    );
    let made = umdesk(&owner_url, &add);
    assert!(made.status.success(), "{}", text(&made.stderr));
    let store = PostgresStore::open(&app_url).unwrap();
    let roster = store.roster().unwrap().unwrap();
    assert_eq!(roster.entries[0].name, "Renee Alvarez, RN, CCM");
}
