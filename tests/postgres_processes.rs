//! Several reviewers' processes against one PostgreSQL database:
//! simultaneous creates, two saves of one case at once, a lock race, a
//! lock holder whose process dies or whose connection is killed, and a
//! supervisor's lock break. The other side of each race is
//! `src/bin/umdesk-store-probe.rs`, one process per reviewer.

mod pg;
#[path = "common/probe.rs"]
mod probe;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use probe::{PROBE, finish, probes};
use time::macros::datetime;
use umdesk::case::history::record;
use umdesk::case::{self, Reviewer, Role};
use umdesk::policy::LoadedPolicy;
use umdesk::store::{CaseStore, LockHolder, PostgresStore, StoreError};

/// Until the probes start at once: a connection takes longer to open than
/// a directory.
const LEAD_MS: u128 = 800;

fn supervisor() -> Reviewer {
    Reviewer {
        name: "Renee Alvarez, RN, CCM".into(),
        role: Role::Supervisor,
    }
}

fn one_case(store: &PostgresStore) -> String {
    let policy = LoadedPolicy::embedded();
    let facts = umdesk::fixtures::facts()
        .member("Fictional Member", "FIC000001")
        .received_at(datetime!(2026-12-01 09:00 -5))
        .build();
    let mut case = case::new_case("NEW", facts, &policy, &case::due::DueTable::default());
    store
        .create(&mut case, time::macros::date!(2026 - 12 - 01), &mut |c| {
            let text = format!("Case {} created", c.id);
            record(
                c,
                None,
                &supervisor(),
                "intake",
                &text,
                datetime!(2026-12-01 09:00 -5),
            );
        })
        .unwrap()
}

#[test]
fn reviewers_creating_at_once_on_several_machines_get_distinct_ids() {
    let db = pg::Database::initialized();
    let children = probes(&db.url, &["create", "25"], 4, LEAD_MS);
    let mut ids = Vec::new();
    for child in children {
        let (code, out, err) = finish(child);
        assert_eq!(code, 0, "{err}");
        ids.extend(out.lines().map(str::to_string));
    }
    assert_eq!(ids.len(), 100);
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 100, "no id handed out twice");
    let store = PostgresStore::open(&db.url).unwrap();
    assert_eq!(store.list().cases.len(), 100);
    for id in &ids {
        assert_eq!(store.load(id).unwrap().id, *id, "every case complete");
    }
}

#[test]
fn of_two_saves_of_one_version_exactly_one_wins_and_the_other_is_told() {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    let id = one_case(&store);
    let before = store.load(&id).unwrap().history.len();
    for _ in 0..5 {
        let results: Vec<(i32, String, String)> = probes(&db.url, &["save-once", &id], 2, LEAD_MS)
            .into_iter()
            .map(finish)
            .collect();
        let codes: Vec<i32> = results.iter().map(|r| r.0).collect();
        assert!(
            codes.contains(&0) && codes.contains(&4),
            "one saved, one conflict: {results:?}"
        );
    }
    let after = store.load(&id).unwrap();
    assert_eq!(
        after.history.len(),
        before + 5,
        "five saves, no lost update"
    );
    assert_eq!(
        umdesk::case::history::verify(&after),
        umdesk::case::history::Integrity::Intact
    );
}

#[test]
fn of_two_processes_racing_for_a_lock_exactly_one_wins() {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    let id = one_case(&store);
    let results: Vec<(i32, String, String)> = probes(&db.url, &["lock", &id], 2, LEAD_MS)
        .into_iter()
        .map(finish)
        .collect();
    let won = results.iter().filter(|r| r.0 == 0).count();
    let locked = results
        .iter()
        .filter(|r| r.0 == 3 && r.1.contains("locked"))
        .count();
    assert_eq!((won, locked), (1, 1), "{results:?}");
}

#[test]
fn a_lock_whose_process_died_is_stale_at_once_and_can_be_taken_over() {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    let id = one_case(&store);
    let (code, out, err) = finish(probes(&db.url, &["crash-holding", &id], 1, LEAD_MS).remove(0));
    assert_eq!((code, out.trim()), (0, "locked"), "{err}");
    let lock = store
        .lock_info(&id)
        .expect("the dead process's lock is there");
    // No guessing from ages or process ids: its connection is gone, which
    // the server sees as soon as the socket closes (the process's exit
    // and the server's read of it are a moment apart, never the hours a
    // lock's age would take).
    let deadline = Instant::now() + Duration::from_secs(2);
    while store.session_alive(&lock.holder.session) != Some(false) {
        assert!(Instant::now() < deadline, "the dead session is seen gone");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(store.lock_is_stale(&lock, umdesk::clock::now(), time::Duration::hours(8)));
    let holder = LockHolder::current(supervisor());
    let _lease = store.begin_session(&holder).unwrap();
    let taken = store.take_over(&id, &lock, &holder).unwrap();
    assert!(taken.holder.same_as(&holder));
}

#[test]
fn a_lock_whose_connection_was_killed_is_stale_at_once() {
    let db = pg::Database::initialized();
    let nurse_store = PostgresStore::open(&db.url).unwrap();
    let id = one_case(&nurse_store);
    let nurse = LockHolder::current(Reviewer {
        name: "Dana Whitfield, RN".into(),
        role: Role::Nurse,
    });
    let lease = nurse_store.begin_session(&nurse).unwrap();
    nurse_store.lock(&id, &nurse).unwrap();
    let supervisor_store = PostgresStore::open(&db.url).unwrap();
    let lock = supervisor_store.lock_info(&id).unwrap();
    assert_eq!(
        supervisor_store.session_alive(&lock.holder.session),
        Some(true)
    );
    // The network drops the nurse's connections, as a server would see it.
    db.admin()
        .execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while supervisor_store.session_alive(&lock.holder.session) != Some(false) {
        assert!(
            Instant::now() < deadline,
            "the dropped session is seen gone"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(supervisor_store.lock_is_stale(&lock, umdesk::clock::now(), time::Duration::hours(8)));
    drop(lease);
}

#[test]
fn a_supervisor_breaks_a_live_reviewers_lock_and_only_that_lock() {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    let id = one_case(&store);
    let mut child = Command::new(PROBE)
        .arg(&db.url)
        .args(["hold", &id])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The probe's process holds its lock, alive, until its stdin closes.
    let deadline = Instant::now() + Duration::from_secs(10);
    let lock = loop {
        if let Some(lock) = store.lock_info(&id) {
            break lock;
        }
        assert!(Instant::now() < deadline, "the probe locks the case");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(store.session_alive(&lock.holder.session), Some(true));
    let other = store.lock_info(&id).unwrap();
    let broken = store.break_lock(&id, &other).unwrap();
    assert_eq!(broken, lock);
    assert!(store.lock_info(&id).is_none());
    // Breaking it again, from the same stale view, is refused.
    assert!(matches!(
        store.break_lock(&id, &lock),
        Err(StoreError::NotLocked(_))
    ));
    drop(child.stdin.take());
    let _ = child.wait();
}
