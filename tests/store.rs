//! The file store: round trips, permissions, conflicts, unreadable files,
//! the queue index, locks, the access log, drafts and the store location.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use umdesk::case::history::record;
use umdesk::case::{self, Case, Reviewer, Role, Status};
use umdesk::policy::LoadedPolicy;
use umdesk::store::location::resolve;
use umdesk::store::{
    AccessEntry, AccessLogIntegrity, CaseStore, FileStore, LockHolder, LockInfo, StoreError,
    hostname,
};

const RECEIVED: time::Date = date!(2026 - 12 - 01);

fn nurse() -> Reviewer {
    Reviewer {
        name: "Dana Whitfield, RN".into(),
        role: Role::Nurse,
    }
}

fn at() -> OffsetDateTime {
    datetime!(2026-12-01 09:14:03 -5)
}

/// A fresh case with one history entry, so `expected_last` means something.
fn new_case(member: &str, received_at: OffsetDateTime) -> Case {
    let policy = LoadedPolicy::embedded();
    let facts = umdesk::fixtures::facts()
        .member(member, &format!("FIC-{member}"))
        .born(date!(1961 - 04 - 12))
        .provider("Fictional Transplant Center")
        .planned(None)
        .received_at(received_at)
        .build();
    let mut case = case::new_case("NEW", facts, &policy, &case::due::DueTable::default());
    case.fictional = Some("Fictional case for the store tests".into());
    record(&mut case, None, &nurse(), "intake", "Case created", at());
    case
}

fn open_store() -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path().join("cases")).unwrap();
    (dir, store)
}

fn created(store: &FileStore, member: &str) -> Case {
    let mut case = new_case(member, at());
    store.create(&mut case, RECEIVED, &mut |_| {}).unwrap();
    case
}

fn last(case: &Case) -> String {
    case.history
        .last()
        .map(|e| e.digest.clone())
        .unwrap_or_default()
}

/// The case changed to `status`, with the change in its history.
fn edited(case: &Case, status: Status) -> Case {
    let mut next = case.clone();
    next.status = status;
    record(
        &mut next,
        Some(case),
        &nurse(),
        "status",
        "Status changed",
        at(),
    );
    next
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn status_in(store: &FileStore, id: &str) -> Option<Status> {
    store
        .list()
        .cases
        .into_iter()
        .find(|c| &*c.id == id)
        .map(|c| c.status)
}

#[test]
fn create_then_load_gives_the_same_case() {
    let (_dir, store) = open_store();
    let mut case = new_case("Ana Example", at());
    let id = store.create(&mut case, RECEIVED, &mut |_| {}).unwrap();
    assert_eq!(id, "UM-20261201-0001");
    assert_eq!(case.id, id);
    assert_eq!(store.load(&id).unwrap(), case);
    assert_eq!(
        fs::read_to_string(store.path_of(&id)).unwrap(),
        case::to_json(&case)
    );

    let second = created(&store, "Ben Example");
    assert_eq!(second.id, "UM-20261201-0002");
    let other_day = {
        let mut c = new_case("Cy Example", at());
        store
            .create(&mut c, date!(2026 - 12 - 02), &mut |_| {})
            .unwrap()
    };
    assert_eq!(other_day, "UM-20261202-0001");
}

#[test]
fn numbers_continue_after_the_highest_in_use() {
    let (_dir, store) = open_store();
    let first = created(&store, "A");
    let second = created(&store, "B");
    fs::remove_file(store.path_of(&first.id)).unwrap();
    let third = created(&store, "C");
    assert_eq!(second.id, "UM-20261201-0002");
    assert_eq!(
        third.id, "UM-20261201-0003",
        "a deleted number is not reused"
    );
}

#[test]
fn everything_the_store_writes_is_owner_only() {
    let (_dir, store) = open_store();
    assert_eq!(mode(store.dir()), 0o700);
    let case = created(&store, "Ana Example");
    assert_eq!(mode(&store.path_of(&case.id)), 0o600);
    store
        .save(&edited(&case, Status::Pended), &last(&case))
        .unwrap();
    assert_eq!(mode(&store.path_of(&case.id)), 0o600);
    store.lock(&case.id, &LockHolder::current(nurse())).unwrap();
    assert_eq!(mode(&store.lock_path(&case.id)), 0o600);
    store.save_draft(&draft_key(&case.id), "{}").unwrap();
    assert_eq!(
        mode(std::path::Path::new(&store.drafts()[0].location)),
        0o600
    );
    assert_eq!(mode(&store.drafts_dir()), 0o700);
    store
        .log_access(&AccessEntry::new(&nurse(), &case.id, "view"))
        .unwrap();
    assert_eq!(mode(&store.access_log_path()), 0o600);
    store.list();
    assert_eq!(mode(&store.index_path()), 0o600);
    assert!(store.warnings().is_empty(), "{:?}", store.warnings());
}

#[test]
fn loose_permissions_are_reported_by_path() {
    let (_dir, store) = open_store();
    let case = created(&store, "Ana Example");
    let path = store.path_of(&case.id);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(store.dir(), fs::Permissions::from_mode(0o777)).unwrap();
    let warnings: Vec<String> = store.warnings().into_iter().map(|w| w.0).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(&store.location()) && w.contains("written")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(&path.display().to_string()) && w.contains("read")),
        "{warnings:?}"
    );
    fs::set_permissions(store.dir(), fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn a_garbage_file_is_listed_as_unreadable_and_never_touched() {
    let (_dir, store) = open_store();
    let good = created(&store, "Ana Example");
    let other = created(&store, "Ben Example");
    let garbage_path = store.dir().join("UM-20261201-0099.json");
    let garbage = b"{\n  \"schema_version\": 1,\n  \"id\": \"UM-20261201-0099\",\n  oops\n}\n";
    fs::write(&garbage_path, garbage).unwrap();

    for _ in 0..2 {
        let listing = store.list();
        let ids: Vec<&str> = listing.cases.iter().map(|c| &*c.id).collect();
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert!(ids.contains(&good.id.as_str()) && ids.contains(&other.id.as_str()));
        assert_eq!(listing.unreadable.len(), 1);
        let bad = &listing.unreadable[0];
        assert_eq!(bad.location, garbage_path.display().to_string());
        assert!(bad.reason.contains("line 4"), "{}", bad.reason);
    }

    store
        .save(&edited(&good, Status::Pended), &last(&good))
        .unwrap();
    store.list();
    match store.load("UM-20261201-0099") {
        Err(StoreError::Unreadable(u)) => {
            assert_eq!(u.location, garbage_path.display().to_string());
            assert!(u.reason.contains("line 4"), "{}", u.reason);
        }
        other => panic!("expected unreadable, got {other:?}"),
    }
    let mut over = new_case("Mallory", at());
    over.id = "UM-20261201-0099".into();
    assert!(matches!(
        store.save(&over, ""),
        Err(StoreError::Unreadable(_))
    ));
    assert_eq!(fs::read(&garbage_path).unwrap(), garbage);
}

#[test]
fn files_that_are_not_cases_are_reported_not_followed() {
    let (_dir, store) = open_store();
    let case = created(&store, "Ana Example");
    // A case under another case's name would be saved under the wrong name.
    let copy = store.dir().join("UM-20261201-0007.json");
    fs::copy(store.path_of(&case.id), &copy).unwrap();
    fs::write(store.dir().join("bad name.json"), "{}").unwrap();
    fs::create_dir(store.dir().join("UM-20261201-0008.json")).unwrap();
    fs::write(
        store.dir().join("UM-20261201-0009.json"),
        [0xff, 0xfe, b'{'],
    )
    .unwrap();
    fs::write(store.dir().join("notes.txt"), "not a case").unwrap();
    fs::write(store.dir().join(".UM-20261201-0001.json.tmp-1-0"), "{").unwrap();

    let listing = store.list();
    assert_eq!(listing.cases.len(), 1);
    let reasons: Vec<String> = listing
        .unreadable
        .iter()
        .map(|u| format!("{}: {}", u.location, u.reason))
        .collect();
    assert_eq!(listing.unreadable.len(), 4, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("0007.json") && r.contains(&case.id))
    );
    assert!(reasons.iter().any(|r| r.contains("bad name.json")));
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("0008.json") && r.contains("regular"))
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("0009.json") && r.contains("UTF-8"))
    );
}

#[test]
fn paths_of_bad_ids_stay_in_the_store_and_nothing_is_written() {
    let (_dir, store) = open_store();
    let long = "x".repeat(200);
    for bad in ["../x", "a/b", "a\0b", long.as_str(), "", "..", "a\\b"] {
        assert!(matches!(store.load(bad), Err(StoreError::InvalidId(_))));
        assert!(matches!(
            store.save_draft(&draft_key(bad), "{}"),
            Err(StoreError::InvalidId(_))
        ));
        assert_eq!(store.path_of(bad).parent(), Some(store.dir()));
        assert_eq!(store.lock_path(bad).parent(), Some(store.dir()));
    }
    assert!(
        fs::read_dir(store.dir()).unwrap().next().is_none(),
        "nothing was written"
    );
}

#[test]
fn the_queue_index_follows_every_change() {
    let (_dir, store) = open_store();
    let a = created(&store, "Ana Example");
    let b = created(&store, "Ben Example");
    assert_eq!(status_in(&store, &a.id), Some(Status::InReview));
    assert!(store.index_path().exists());

    let a2 = edited(&a, Status::Pended);
    store.save(&a2, &last(&a)).unwrap();
    assert_eq!(status_in(&store, &a.id), Some(Status::Pended));

    // Rewritten in place at once, same size: only the racy rule catches it.
    let path = store.path_of(&b.id);
    let text = fs::read_to_string(&path).unwrap();
    store.list();
    let same_size = text.replace("\"Ben Example\"", "\"Bea Example\"");
    assert_ne!(same_size, text);
    assert_eq!(same_size.len(), text.len());
    fs::write(&path, same_size).unwrap();
    let member = |store: &FileStore| {
        store
            .list()
            .cases
            .into_iter()
            .find(|c| *c.id == *b.id)
            .map(|c| c.member().to_string())
    };
    assert_eq!(member(&store).as_deref(), Some("Bea Example"));

    // Vanished files leave the queue.
    fs::remove_file(&path).unwrap();
    assert_eq!(status_in(&store, &b.id), None);
    assert_eq!(store.list().cases.len(), 1);
}

#[test]
fn a_missing_or_damaged_index_is_rebuilt() {
    let (_dir, store) = open_store();
    for (i, name) in ["Cy", "Ana", "Ben"].into_iter().enumerate() {
        let mut case = new_case(name, at() - Duration::days(i as i64));
        store.create(&mut case, RECEIVED, &mut |_| {}).unwrap();
    }
    let expected = store.list().cases;
    assert_eq!(expected.len(), 3);
    let dues: Vec<_> = expected.iter().map(|c| c.due_at).collect();
    assert!(dues.windows(2).all(|w| w[0] <= w[1]), "sorted by due time");
    assert_eq!(expected[0].member(), "Ben");

    let index = store.index_path();
    let good = fs::read(&index).unwrap();
    fs::remove_file(&index).unwrap();
    assert_eq!(store.list().cases, expected);

    let mut damaged = vec![
        Vec::new(),
        b"garbage".to_vec(),
        good[..good.len() / 2].to_vec(),
        good.iter().rev().copied().collect(),
    ];
    for at in [0, 9, 40, good.len() / 2, good.len() - 1] {
        let mut bytes = good.clone();
        bytes[at] ^= 0x5a;
        damaged.push(bytes);
    }
    for bytes in damaged {
        fs::write(&index, &bytes).unwrap();
        assert_eq!(store.list().cases, expected);
    }
}

#[test]
fn the_cached_listing_is_the_last_listing() {
    let (_dir, store) = open_store();
    assert!(store.list_cached(10).is_none(), "nothing listed yet");
    for (i, name) in ["Cy", "Ana", "Ben"].into_iter().enumerate() {
        let mut case = new_case(name, at() - Duration::days(i as i64));
        store.create(&mut case, RECEIVED, &mut |_| {}).unwrap();
    }
    fs::write(store.dir().join("UM-20261201-0099.json"), "{").unwrap();
    let listing = store.list();
    let cached = store.list_cached(10).unwrap();
    assert_eq!(cached.listing.cases, listing.cases);
    assert_eq!(cached.more, 0);
    assert_eq!(cached.listing.unreadable, listing.unreadable);
    assert_eq!(cached.listing.unreadable.len(), 1);

    // The head of the queue, in its order, and how many follow.
    let head = store.list_cached(2).unwrap();
    assert_eq!(head.listing.cases, listing.cases[..2]);
    assert_eq!(head.more, 1);
    assert_eq!(
        head.listing.unreadable.len(),
        1,
        "unreadable files all come"
    );

    fs::write(store.index_path(), "damaged").unwrap();
    assert!(store.list_cached(10).is_none());
    let mut bytes = fs::read(store.index_path()).unwrap();
    bytes.clear();
    fs::write(store.index_path(), &bytes).unwrap();
    assert!(store.list_cached(10).is_none());
}

#[test]
fn a_damaged_index_is_not_shown_even_in_part() {
    let (_dir, store) = open_store();
    for (i, name) in ["Cy", "Ana", "Ben"].into_iter().enumerate() {
        let mut case = new_case(name, at() - Duration::days(i as i64));
        store.create(&mut case, RECEIVED, &mut |_| {}).unwrap();
    }
    let expected = store.list().cases;
    let good = fs::read(store.index_path()).unwrap();
    // Damage past the first record: reading only the first case still
    // checks the whole file.
    let mut bytes = good.clone();
    let last = bytes.len() - 12;
    bytes[last] ^= 0x21;
    fs::write(store.index_path(), &bytes).unwrap();
    assert!(store.list_cached(1).is_none());
    // The listing ignores it and writes a good one again.
    assert_eq!(store.list().cases, expected);
    assert_eq!(store.list_cached(1).unwrap().listing.cases, expected[..1]);
}

#[test]
fn many_cases_are_created_at_once_with_the_next_numbers() {
    let (_dir, store) = open_store();
    let first = created(&store, "Before");
    let mut batch: Vec<(Case, time::Date)> = (0..40)
        .map(|i| {
            let day = if i % 2 == 0 {
                RECEIVED
            } else {
                date!(2026 - 12 - 02)
            };
            (new_case(&format!("Member {i}"), at()), day)
        })
        .collect();
    let ids = store.create_many(&mut batch).unwrap();
    assert_eq!(ids.len(), 40);
    assert_eq!(ids[0], "UM-20261201-0002");
    assert_eq!(ids[1], "UM-20261202-0001");
    assert_eq!(ids[38], "UM-20261201-0021");
    assert_eq!(ids[39], "UM-20261202-0020");
    for ((case, _), id) in batch.iter().zip(&ids) {
        assert_eq!(&case.id, id);
        assert_eq!(&store.load(id).unwrap(), case);
        assert_eq!(mode(&store.path_of(id)), 0o600);
    }
    let after = created(&store, "After");
    assert_eq!(after.id, "UM-20261201-0022");
    assert_ne!(first.id, after.id);
    let listing = store.list();
    assert_eq!(listing.cases.len(), 42);
    assert!(listing.unreadable.is_empty());
    let leftovers = fs::read_dir(store.dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
        .count();
    assert_eq!(leftovers, 0, "no temporary file is left behind");
}

#[test]
fn creating_skips_numbers_taken_behind_its_back() {
    let (_dir, store) = open_store();
    let first = created(&store, "A");
    assert_eq!(first.id, "UM-20261201-0001");
    // Another process (here: a copy placed by hand) takes 0002 and 0003.
    for n in [2, 3] {
        let mut other = first.clone();
        other.id = format!("UM-20261201-000{n}");
        fs::write(store.path_of(&other.id), case::to_json(&other)).unwrap();
    }
    let next = created(&store, "B");
    assert_eq!(next.id, "UM-20261201-0004");
    assert_eq!(store.load(&first.id).unwrap().member.name, "A");
}

fn other_holder(pid: u32) -> LockHolder {
    LockHolder {
        reviewer: Reviewer {
            name: "Sam Okafor, RN".into(),
            role: Role::Nurse,
        },
        host: hostname(),
        pid,
        connection: Some("10.0.0.5 51234 10.0.0.1 22".into()),
        session: format!("{pid}-other-1"),
    }
}

#[test]
fn an_unreadable_lock_is_reported_not_ignored() {
    let (_dir, store) = open_store();
    let case = created(&store, "Ana Example");
    let path = store.lock_path(&case.id);
    fs::write(&path, "{half").unwrap();
    match store.lock(&case.id, &LockHolder::current(nurse())) {
        Err(StoreError::Unreadable(u)) => assert_eq!(u.location, path.display().to_string()),
        other => panic!("expected Unreadable, got {other:?}"),
    }
    assert_eq!(fs::read_to_string(&path).unwrap(), "{half");
}

#[test]
fn stale_locks_are_recognized() {
    let host = hostname();
    let now = OffsetDateTime::now_utc();
    let max_age = Duration::hours(8);

    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let dead = LockInfo {
        holder: other_holder(dead_pid),
        since: now,
    };
    assert!(dead.is_stale(now, max_age, &host), "its process is gone");

    let alive_here = LockInfo {
        holder: other_holder(std::process::id()),
        since: now,
    };
    assert!(!alive_here.is_stale(now, max_age, &host));

    let mut elsewhere = alive_here.clone();
    elsewhere.holder.host = "elsewhere".into();
    assert!(
        !elsewhere.is_stale(now, max_age, &host),
        "fresh, on another host"
    );
    // On another host a pid says nothing; only age counts.
    elsewhere.holder.pid = dead_pid;
    assert!(!elsewhere.is_stale(now, max_age, &host));

    let mut old = alive_here.clone();
    old.holder.host = "elsewhere".into();
    old.since = now - Duration::hours(9);
    assert!(old.is_stale(now, max_age, &host), "older than the limit");

    for pid in [0, u32::MAX] {
        let bogus = LockInfo {
            holder: other_holder(pid),
            since: now,
        };
        assert!(bogus.is_stale(now, max_age, &host), "pid {pid}");
    }
}

#[test]
fn the_access_log_file_shows_an_edit_a_removal_and_a_broken_line() {
    let (_dir, store) = open_store();
    let a = created(&store, "Ana Example");
    let case_bytes = fs::read(store.path_of(&a.id)).unwrap();
    for action in ["open", "view", "show", "evaluate"] {
        store
            .log_access(&AccessEntry::new(&nurse(), &a.id, action))
            .unwrap();
    }
    assert!(
        store
            .access_log(None)
            .unwrap()
            .iter()
            .all(|e| e.from.starts_with(&hostname()))
    );
    // Viewing never rewrites the case file.
    assert_eq!(fs::read(store.path_of(&a.id)).unwrap(), case_bytes);

    let log = store.access_log_path();
    let text = fs::read_to_string(&log).unwrap();
    let edited = text.replacen("\"view\"", "\"edit\"", 1);
    fs::write(&log, &edited).unwrap();
    match store.verify_access_log() {
        AccessLogIntegrity::Broken { line, reason } => {
            assert_eq!(line, 2);
            assert!(reason.contains("line 2"), "{reason}");
        }
        other => panic!("expected broken, got {other:?}"),
    }

    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(1);
    fs::write(&log, lines.join("\n") + "\n").unwrap();
    assert!(matches!(
        store.verify_access_log(),
        AccessLogIntegrity::Broken { line: 2, .. }
    ));

    fs::write(&log, text.replacen('{', "[", 1)).unwrap();
    assert!(matches!(
        store.verify_access_log(),
        AccessLogIntegrity::Broken { line: 1, .. }
    ));
}

#[test]
fn an_append_torn_by_a_crash_is_cut_back_not_called_tampering() {
    let (_dir, store) = open_store();
    store
        .log_access(&AccessEntry::new(&nurse(), "UM-20261201-0001", "view"))
        .unwrap();
    let log = store.access_log_path();
    let mut text = fs::read_to_string(&log).unwrap();
    text.push_str("{\"at\":\"2026-");
    fs::write(&log, &text).unwrap();
    assert_eq!(
        store.verify_access_log(),
        AccessLogIntegrity::Intact { entries: 1 }
    );
    store
        .log_access(&AccessEntry::new(&nurse(), "UM-20261201-0001", "show"))
        .unwrap();
    let entries = store.access_log(None).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].prev, entries[0].digest);
    assert_eq!(
        store.verify_access_log(),
        AccessLogIntegrity::Intact { entries: 2 }
    );
}

#[test]
fn drafts_live_in_the_drafts_directory() {
    let (_dir, store) = open_store();
    let case = created(&store, "Ana Example");
    store.save_draft(&draft_key(&case.id), "{}").unwrap();
    let location = store.drafts()[0].location.clone();
    assert_eq!(
        Path::new(&location).parent(),
        Some(store.drafts_dir().as_path())
    );
    // A file in drafts/ whose name does not follow from its key was not
    // written there by the store: it is not offered.
    fs::copy(
        &location,
        store.drafts_dir().join("UM-20261201-0099--1-x-1.json"),
    )
    .unwrap();
    assert_eq!(store.drafts().len(), 1);
}

#[test]
fn the_store_is_found_flag_then_environment_then_platform() {
    let flag = PathBuf::from("/from/flag");
    let env = std::ffi::OsString::from("/from/env");
    let data = PathBuf::from("/home/dana/.local/share/umdesk");
    let resolved = |f: Option<&PathBuf>, e: Option<&std::ffi::OsString>, d: Option<&PathBuf>| {
        resolve(
            f.map(|p| p.as_path()),
            e.map(|v| v.as_os_str()),
            d.map(|p| p.as_path()),
        )
    };
    assert_eq!(
        resolved(Some(&flag), Some(&env), Some(&data)),
        Ok(flag.clone())
    );
    assert_eq!(
        resolved(None, Some(&env), Some(&data)),
        Ok(PathBuf::from("/from/env"))
    );
    assert_eq!(resolved(None, None, Some(&data)), Ok(data.join("cases")));
    let empty = std::ffi::OsString::new();
    assert_eq!(
        resolved(None, Some(&empty), Some(&data)),
        Ok(data.join("cases"))
    );
    let none = resolved(None, None, None).unwrap_err();
    assert!(
        none.contains("--cases") && none.contains("UMDESK_CASES"),
        "{none}"
    );
}

#[test]
fn opening_a_store_that_is_a_file_fails_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cases");
    fs::write(&path, "").unwrap();
    match FileStore::open(&path) {
        Err(StoreError::Io { location, .. }) => assert_eq!(location, path.display().to_string()),
        other => panic!("expected an error, got {other:?}"),
    }
}

fn draft_key(subject: &str) -> umdesk::store::DraftKey {
    umdesk::store::DraftKey {
        subject: subject.to_string(),
        author: nurse().name,
        session: "4242-test-1".to_string(),
    }
}

/// Runs `work` on its own thread and fails the test if it has not
/// finished within ten seconds (a FIFO opened for reading would block
/// forever).
fn within_seconds<T: Send + 'static>(what: &str, work: impl FnOnce() -> T + Send + 'static) -> T {
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(work());
    });
    result
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what} hung"))
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Issue 10, finding 10: a FIFO in the store's place of a file hangs
/// nothing and is reported by its path.
#[test]
fn a_fifo_in_the_store_hangs_nothing_and_is_reported() {
    let (_dir, store) = open_store();
    let case = created(&store, "Ana Example");
    fs::remove_file(store.index_path()).ok();
    mkfifo(&store.index_path());
    mkfifo(&store.access_log_path());
    let fifo_case = store.dir().join("UM-20261201-0099.json");
    mkfifo(&fifo_case);

    let listing = within_seconds("list", {
        let store = store.clone();
        move || store.list()
    });
    assert_eq!(listing.cases.len(), 1);
    assert_eq!(listing.unreadable.len(), 1, "{:?}", listing.unreadable);
    assert_eq!(
        listing.unreadable[0].location,
        fifo_case.display().to_string()
    );
    assert!(listing.unreadable[0].reason.contains("FIFO"));

    let loaded = within_seconds("load", {
        let store = store.clone();
        move || store.load("UM-20261201-0099")
    });
    assert!(matches!(loaded, Err(StoreError::Unreadable(u)) if u.reason.contains("FIFO")));

    let verdict = within_seconds("verify", {
        let store = store.clone();
        move || store.verify_access_log()
    });
    match verdict {
        AccessLogIntegrity::Broken { line: 0, reason } => {
            assert!(
                reason.contains(&store.access_log_path().display().to_string()),
                "{reason}"
            );
            assert!(reason.contains("FIFO"), "{reason}");
        }
        other => panic!("expected an unreadable log, got {other:?}"),
    }
    let logged = within_seconds("log_access", {
        let store = store.clone();
        let id = case.id.clone();
        move || store.log_access(&AccessEntry::new(&nurse(), &id, "view"))
    });
    assert!(logged.is_err());
    let warnings: Vec<String> = store.warnings().into_iter().map(|w| w.0).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(&store.access_log_path().display().to_string())),
        "{warnings:?}"
    );
}

/// Issue 10, finding 10: a linked access.log or drafts/ is never written
/// through, and is reported by its path.
#[test]
fn a_linked_access_log_or_drafts_directory_is_not_used() {
    let (dir, store) = open_store();
    let case = created(&store, "Ana Example");
    let outside = dir.path().join("outside.log");
    fs::write(&outside, "").unwrap();
    std::os::unix::fs::symlink(&outside, store.access_log_path()).unwrap();
    let outside_drafts = dir.path().join("outside-drafts");
    fs::create_dir(&outside_drafts).unwrap();
    std::os::unix::fs::symlink(&outside_drafts, store.drafts_dir()).unwrap();

    match store.log_access(&AccessEntry::new(&nurse(), &case.id, "show")) {
        Err(StoreError::Io { location, error }) => {
            assert_eq!(location, store.access_log_path().display().to_string());
            assert!(error.to_string().contains("symbolic link"), "{error}");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(fs::read_to_string(&outside).unwrap(), "");

    match store.save_draft(&draft_key(&case.id), "{}") {
        Err(StoreError::Io { location, .. }) => {
            assert_eq!(location, store.drafts_dir().display().to_string())
        }
        other => panic!("expected an error, got {other:?}"),
    }
    fs::write(
        outside_drafts.join(format!("{}--4242-test-1.json", case.id)),
        "{}",
    )
    .unwrap();
    assert!(store.drafts().is_empty());
    assert!(store.load_draft(&draft_key(&case.id)).is_err());
    assert_eq!(fs::read_dir(&outside_drafts).unwrap().count(), 1);

    let warnings: Vec<String> = store.warnings().into_iter().map(|w| w.0).collect();
    for path in [store.access_log_path(), store.drafts_dir()] {
        assert!(
            warnings
                .iter()
                .any(|w| w.contains(&path.display().to_string()) && w.contains("symbolic link")),
            "{path:?} in {warnings:?}"
        );
    }
}

/// Issue 10, finding 12: reading commands open a store that must exist.
#[test]
fn opening_an_existing_store_never_makes_one() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("typo").join("cases");
    match FileStore::open_existing(&typo) {
        Err(err @ StoreError::Missing { .. }) => {
            let text = err.to_string();
            assert!(text.contains(&typo.display().to_string()), "{text}");
            assert!(text.contains("umdesk init"), "{text}");
        }
        other => panic!("expected Missing, got {:?}", other.map(|s| s.location())),
    }
    assert!(!dir.path().join("typo").exists(), "nothing was created");

    let file = dir.path().join("a-file");
    fs::write(&file, "").unwrap();
    assert!(matches!(
        FileStore::open_existing(&file),
        Err(StoreError::Io { location, .. }) if location == file.display().to_string()
    ));

    let made = FileStore::open(dir.path().join("cases")).unwrap();
    let again = FileStore::open_existing(made.dir()).unwrap();
    assert_eq!(again.location(), made.location());
}

/// A session's file is private, and proves liveness by its lock, not by
/// its process id: a file left unlocked by a crashed session names a dead
/// session even when its process id is in use again (here: by this test).
#[test]
fn a_session_is_proved_by_its_lock_not_its_process_id() {
    let (_dir, store) = open_store();
    let me = LockHolder::current(nurse());
    let lease = store.begin_session(&me).unwrap();
    let sessions = store.sessions_dir();
    assert_eq!(mode(&sessions), 0o700);
    let file = sessions.join(format!("{}.alive", me.session));
    assert_eq!(mode(&file), 0o600);
    assert_eq!(store.session_alive(&me.session), Some(true));

    let mut crashed = other_holder(std::process::id());
    crashed.session = format!("{}-crashed-1", std::process::id());
    let left = sessions.join(format!("{}.alive", crashed.session));
    fs::write(&left, "{}").unwrap();
    assert_eq!(store.session_alive(&crashed.session), Some(false));
    assert!(!left.exists(), "the dead session's file is swept");

    drop(lease);
    assert!(!file.exists());
    assert_eq!(store.session_alive(&me.session), Some(false));
}
