//! What only the PostgreSQL store promises, on top of the behavioural
//! suite (tests/store_contract.rs): the schema and its versions, clear
//! errors naming the URL without its password, documents byte for byte,
//! what the database itself refuses, and sessions that end with their
//! connection. Needs the server scripts/test.sh starts.

mod contract;
mod pg;

use contract::{at, create, edited, last, nurse, other_nurse};
use umdesk::case::{Status, to_json};
use umdesk::store::postgres::{SCHEMA_VERSION, init};
use umdesk::store::{AccessEntry, CaseStore, LockHolder, PostgresStore, StoreError};

fn open_err(url: &str) -> String {
    match PostgresStore::open(url) {
        Ok(_) => panic!("opened {url}"),
        Err(err) => err.to_string(),
    }
}

/// `url` with a password added, which must never be shown.
fn with_password(url: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}password=hunter2")
}

#[test]
fn a_database_without_the_schema_is_refused_naming_the_url_and_the_fix() {
    let db = pg::Database::empty();
    let message = open_err(&with_password(&db.url));
    assert!(message.contains("no umdesk schema"), "{message}");
    assert!(message.contains("umdesk store init"), "{message}");
    assert!(message.contains(&db.name), "names the database: {message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("password=***"), "{message}");
}

#[test]
fn an_unreachable_server_is_refused_naming_the_url_without_its_password() {
    let url = "postgres://umdesk:hunter2@/umdesk?host=/nonexistent-umdesk-socket-dir";
    let message = open_err(url);
    assert!(message.contains("cannot reach the database"), "{message}");
    assert!(message.contains("umdesk:***@"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn init_creates_the_schema_once_and_a_newer_schema_is_refused() {
    let db = pg::Database::empty();
    assert_eq!(init(&db.url).unwrap(), 0, "created from nothing");
    assert_eq!(init(&db.url).unwrap(), SCHEMA_VERSION, "already current");
    PostgresStore::open(&db.url).unwrap();

    db.admin()
        .execute(
            "INSERT INTO umdesk_schema_version (version) VALUES ($1)",
            &[&(SCHEMA_VERSION + 1)],
        )
        .unwrap();
    let message = open_err(&db.url);
    assert!(message.contains("newer"), "{message}");
    assert!(init(&db.url).unwrap_err().to_string().contains("newer"));
}

#[test]
fn a_case_is_stored_byte_for_byte_as_the_file_store_writes_it() {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    let case = create(&store, "Ana Example, 半分", at());
    assert_eq!(store.document(&case.id).unwrap(), to_json(&case));

    let files = tempfile::tempdir().unwrap();
    let file_store = umdesk::store::FileStore::open(files.path().join("cases")).unwrap();
    let mut same = contract::request("Ana Example, 半分", at());
    file_store
        .create(&mut same, contract::RECEIVED, &mut |c| {
            let summary = format!("Case {} created", c.id);
            umdesk::case::history::record(c, None, &nurse(), "intake", &summary, at());
        })
        .unwrap();
    let on_disk = std::fs::read_to_string(file_store.path_of(&same.id)).unwrap();
    assert_eq!(same.id, case.id);
    assert_eq!(on_disk, store.document(&case.id).unwrap());
}

#[test]
fn history_and_the_access_log_cannot_be_changed_or_removed_in_the_database() {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    let case = create(&store, "Ana Example", at());
    store
        .save(&edited(&case, Status::Pended, &nurse()), &last(&case))
        .unwrap();
    store
        .log_access(&AccessEntry::new(&nurse(), &case.id, "view"))
        .unwrap();
    let mut admin = db.admin();
    let history: i64 = admin
        .query_one("SELECT count(*) FROM case_history", &[])
        .unwrap()
        .get(0);
    assert_eq!(history, 2, "both entries recorded");
    for sql in [
        "UPDATE access_log SET line = 'x'",
        "DELETE FROM access_log",
        "TRUNCATE access_log",
        "UPDATE case_history SET entry = 'x'",
        "DELETE FROM case_history",
        "TRUNCATE case_history",
    ] {
        // Even the superuser, who owns the tables, is refused by the trigger.
        let err = admin.batch_execute(sql).unwrap_err();
        let message = err
            .as_db_error()
            .map(|e| e.message().to_string())
            .unwrap_or_default();
        assert!(message.contains("append-only"), "{sql}: {message}");
    }
    assert_eq!(store.access_log(None).unwrap().len(), 1);
}

#[test]
fn two_machines_creating_at_once_get_distinct_ids_and_one_of_two_saves_wins() {
    let db = pg::Database::initialized();
    let a = PostgresStore::open(&db.url).unwrap();
    let b = PostgresStore::open(&db.url).unwrap();
    let ids: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = [&a, &b]
            .into_iter()
            .map(|store| {
                scope.spawn(move || {
                    (0..15)
                        .map(|i| create(store, &format!("Member {i}"), at()).id)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let distinct: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 30, "{ids:?}");

    let case = a.load(&ids[0]).unwrap();
    let results: Vec<Result<(), StoreError>> = std::thread::scope(|scope| {
        let from_a = scope.spawn(|| a.save(&edited(&case, Status::Pended, &nurse()), &last(&case)));
        let from_b = scope.spawn(|| {
            b.save(
                &edited(&case, Status::Referred, &other_nurse()),
                &last(&case),
            )
        });
        vec![from_a.join().unwrap(), from_b.join().unwrap()]
    });
    assert_eq!(
        results.iter().filter(|r| r.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(StoreError::Conflict { .. }))),
        "{results:?}"
    );
    let saved = a.load(&case.id).unwrap();
    assert_eq!(saved.history.len(), 2);
}

#[test]
fn a_lock_whose_holders_connection_was_killed_is_stale_at_once() {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    let elsewhere = PostgresStore::open(&db.url).unwrap();
    let case = create(&store, "Ana Example", at());
    let holder = LockHolder::current(nurse());
    let _lease = elsewhere.begin_session(&holder).unwrap();
    let lock = elsewhere.lock(&case.id, &holder).unwrap();
    let max_age = time::Duration::hours(8);
    assert!(!store.lock_is_stale(&lock, lock.since, max_age));

    // The reviewer's connection dies (a crash, a pulled cable): the server
    // ends the backend that holds the session's advisory lock.
    let killed: i64 = db
        .admin()
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_locks \
             WHERE locktype = 'advisory' AND objsubid = 1 AND granted \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(killed, 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    while store.session_alive(&holder.session) == Some(true) {
        assert!(
            std::time::Instant::now() < deadline,
            "still alive after 2 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(store.lock_is_stale(&lock, lock.since, max_age));
    let supervisor = LockHolder::current(contract::supervisor());
    assert_eq!(
        store
            .take_over(&case.id, &lock, &supervisor)
            .unwrap()
            .holder,
        supervisor
    );
}
