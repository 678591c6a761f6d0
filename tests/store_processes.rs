//! The store between real processes: simultaneous creates, a race for one
//! lock, and a writer killed with SIGKILL in the middle of its saves.
//! The other side of each race is `src/bin/umdesk-store-probe.rs`.

#[path = "common/probe.rs"]
mod probe;

use std::collections::HashSet;
use std::io::{BufRead, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use probe::{PROBE, finish, now_ms, probes, probes_each};
use time::macros::{date, datetime};
use umdesk::case::history::{Integrity, record, verify};
use umdesk::case::{self, Reviewer, Role, parse_case};
use umdesk::digest::sha256_hex;
use umdesk::policy::LoadedPolicy;
use umdesk::store::{CaseStore, FileStore};

/// Until the probes start at once: long enough for every one to have
/// started.
const LEAD_MS: u128 = 400;

fn store() -> (tempfile::TempDir, FileStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path().join("cases")).unwrap();
    (dir, store)
}

fn one_case(store: &FileStore) -> String {
    let policy = LoadedPolicy::embedded();
    let facts = umdesk::fixtures::facts()
        .member("Ana Example", "FIC000001")
        .born(date!(1961 - 04 - 12))
        .provider("Fictional Transplant Center")
        .planned(None)
        .received_at(datetime!(2026-12-01 09:14:03 -5))
        .build();
    let mut case = case::new_case("NEW", facts, &policy, &case::due::DueTable::default());
    case.fictional = Some("Fictional case for the store process tests".into());
    let nurse = Reviewer {
        name: "Dana Whitfield, RN".into(),
        role: Role::Nurse,
    };
    // The creation entry is written under the id the store gives, as the
    // store's contract asks: it carries the case as created.
    let mut complete = |case: &mut case::Case| {
        record(
            case,
            None,
            &nurse,
            "intake",
            "Case created",
            datetime!(2026-12-01 09:14:03 -5),
        );
    };
    store
        .create(&mut case, date!(2026 - 12 - 01), &mut complete)
        .unwrap()
}

#[test]
fn two_processes_creating_at_once_get_distinct_ids() {
    let (_dir, store) = store();
    let children = probes(store.dir(), &["create", "50"], 2, LEAD_MS);
    let mut ids = Vec::new();
    for child in children {
        let (code, out, err) = finish(child);
        assert_eq!(code, 0, "{err}");
        ids.extend(out.lines().map(str::to_string));
    }
    assert_eq!(ids.len(), 100);
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 100, "{ids:?}");

    let listing = store.list();
    assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
    assert_eq!(listing.cases.len(), 100);
    for id in &ids {
        assert_eq!(&store.load(id).unwrap().id, id);
    }
    let files = std::fs::read_dir(store.dir())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
        .count();
    assert_eq!(files, 100);
}

#[test]
fn a_batch_and_single_creates_at_once_get_distinct_ids() {
    let (_dir, store) = store();
    let children = probes_each(
        store.dir(),
        &[&["create", "40"], &["create-many", "40"]],
        LEAD_MS,
    );
    let mut ids = Vec::new();
    for child in children {
        let (code, out, err) = finish(child);
        assert_eq!(code, 0, "{err}");
        ids.extend(out.lines().map(str::to_string));
    }
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), 80, "{ids:?}");
    let listing = store.list();
    assert_eq!(listing.cases.len(), 80);
    assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
    for id in &ids {
        assert_eq!(&store.load(id).unwrap().id, id);
    }
}

#[test]
fn two_processes_racing_for_a_lock_one_wins() {
    let (_dir, store) = store();
    let id = one_case(&store);
    for round in 0..5 {
        let children = probes(store.dir(), &["lock", &id], 2, LEAD_MS);
        let results: Vec<_> = children.into_iter().map(finish).collect();
        let winners = results
            .iter()
            .filter(|(code, out, _)| *code == 0 && out == "won\n");
        assert_eq!(winners.count(), 1, "round {round}: {results:?}");
        let loser = results.iter().find(|(code, _, _)| *code != 0).unwrap();
        assert_eq!(loser.0, 3, "round {round}: {results:?}");
        assert!(
            loser.1.starts_with("locked Locked by Probe "),
            "{}",
            loser.1
        );
        let lock = store.lock_info(&id).unwrap();
        assert!(lock.holder.reviewer.name.starts_with("Probe "));
        store.break_lock(&id, &lock).unwrap();
    }
}

/// Two `takeover` probes started at the same instant; each keeps its
/// session until both have answered.
fn takeover_race(dir: &Path, id: &str) -> Vec<(i32, String, String)> {
    let start_at = now_ms() + LEAD_MS;
    let mut children: Vec<Child> = (0..2)
        .map(|_| {
            Command::new(PROBE)
                .arg(dir)
                .args(["takeover", id])
                .env("UMDESK_PROBE_START_AT_MS", start_at.to_string())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let answers: Vec<String> = children
        .iter_mut()
        .map(|child| {
            let mut line = String::new();
            let stdout = child.stdout.as_mut().unwrap();
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .unwrap();
            line
        })
        .collect();
    children
        .into_iter()
        .zip(answers)
        .map(|(mut child, answer)| {
            drop(child.stdin.take());
            let (code, rest, err) = finish(child);
            (code, answer + &rest, err)
        })
        .collect()
}

/// Issue 10, finding 7: a reviewer's process dies holding a lock; two
/// sessions see the lock is stale (its session is proved gone) and take it
/// over at the same moment. Exactly one gets it; the other is told who.
#[test]
fn two_processes_taking_over_one_stale_lock_at_once_one_wins() {
    let (_dir, store) = store();
    let id = one_case(&store);
    for round in 0..5 {
        let (code, out, err) = finish(
            Command::new(PROBE)
                .arg(store.dir())
                .args(["crash-holding", &id])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        assert_eq!((code, out.as_str()), (0, "locked\n"), "{err}");
        let dead = store.lock_info(&id).unwrap();
        assert_eq!(
            store.session_alive(&dead.holder.session),
            Some(false),
            "the crashed session is gone"
        );

        let results = takeover_race(store.dir(), &id);
        let winners = results
            .iter()
            .filter(|(code, out, _)| *code == 0 && out == "won\n")
            .count();
        assert_eq!(winners, 1, "round {round}: {results:?}");
        let loser = results.iter().find(|(code, _, _)| *code != 0).unwrap();
        assert_eq!(loser.0, 3, "round {round}: {results:?}");
        let now = store.lock_info(&id).unwrap();
        assert_ne!(now, dead);
        assert!(
            loser.1.contains(&format!("process {}", now.holder.pid)),
            "the loser is told who won: {}",
            loser.1
        );
        store.break_lock(&id, &now).unwrap();
    }
}

/// xorshift: enough randomness for kill timings without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn a_writer_killed_mid_save_never_leaves_a_torn_case() {
    let (_dir, store) = store();
    let id = one_case(&store);
    let path = store.path_of(&id);
    let seed = (SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64)
        | 1;
    let mut rng = Rng(seed);
    let mut current = sha256_hex(&std::fs::read(&path).unwrap());
    let mut saves_seen = 0;

    for round in 0..16 {
        let mut child = Command::new(PROBE)
            .arg(store.dir())
            .args(["save-loop", &id, "300"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        std::thread::sleep(Duration::from_millis(20 + rng.below(600)));
        let _ = child.kill();
        let _ = child.wait();
        let out = reader.join().unwrap();

        // The file must be the last version known saved, or the one that
        // was being written when the kill came.
        let mut in_flight = None;
        for line in out.lines() {
            if let Some(sha) = line.strip_prefix("writing ") {
                in_flight = Some(sha.to_string());
            } else if let Some(sha) = line.strip_prefix("saved ") {
                current = sha.to_string();
                in_flight = None;
                saves_seen += 1;
            }
        }
        let bytes = std::fs::read(&path).unwrap();
        let on_disk = sha256_hex(&bytes);
        let text = String::from_utf8(bytes).unwrap();
        let case = parse_case(&text).unwrap_or_else(|e| panic!("round {round}, seed {seed}: {e}"));
        assert_eq!(
            verify(&case),
            Integrity::Intact,
            "round {round}, seed {seed}"
        );
        assert!(
            on_disk == current || Some(&on_disk) == in_flight.as_ref(),
            "round {round}, seed {seed}: the file is neither the saved version nor the one in flight"
        );
        current = on_disk;

        let listing = store.list();
        assert_eq!(listing.cases.len(), 1, "round {round}: {listing:?}");
        assert!(listing.unreadable.is_empty(), "round {round}: {listing:?}");
    }
    assert!(saves_seen > 0, "the writer never got to save (seed {seed})");
    eprintln!("{saves_seen} saves completed across the kills (seed {seed})");
}
