//! Test helper for tests/store_processes.rs and tests/postgres_processes.rs:
//! drives a store (a directory, or a postgres:// URL) from a separate
//! process, so races and kills happen between real processes.
//!
//! umdesk-store-probe DIR create N       creates N cases, prints each id
//! umdesk-store-probe DIR create-many N  the same, as one batch
//! umdesk-store-probe DIR lock ID        prints "won" (exit 0) or "locked ..." (exit 3)
//! umdesk-store-probe DIR crash-holding ID  begins a session, locks ID, prints
//!                                       "locked" and dies without ending either
//! umdesk-store-probe DIR hold ID        begins a session, locks ID, prints "locked"
//!                                       and holds both until stdin closes
//! umdesk-store-probe DIR takeover ID    takes over ID's lock if its session is
//!                                       gone: "won" (exit 0) or "locked ..." (exit 3);
//!                                       the session lives until stdin closes
//! umdesk-store-probe DIR save-loop ID N saves N growing versions, printing
//!                                       "writing <sha256>" before each save
//!                                       and "saved <sha256>" after it
//! umdesk-store-probe DIR save-once ID   loads ID, waits for the start time,
//!                                       saves one change: "saved" (exit 0)
//!                                       or "conflict ..." (exit 4)
//!
//! UMDESK_PROBE_START_AT_MS (ms since the epoch) holds the work until then,
//! so two probes start at the same moment.

use std::io::{Read, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use umdesk::case::history::record_changes;
use umdesk::case::{self, Change, Reviewer, Role};
use umdesk::clock;
use umdesk::digest::sha256_hex;
use umdesk::policy::LoadedPolicy;
use umdesk::store::{CaseStore, FileStore, LockHolder, PostgresStore, StoreError};

fn main() -> ExitCode {
    clock::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("umdesk-store-probe: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let [dir, command, rest @ ..] = args else {
        return Err(
            "usage: umdesk-store-probe DIR create N | create-many N | lock ID | \
             crash-holding ID | takeover ID | save-loop ID N"
                .into(),
        );
    };
    let store: Box<dyn CaseStore> = if umdesk::store::postgres::is_postgres_url(dir) {
        Box::new(PostgresStore::open(dir).map_err(|e| e.to_string())?)
    } else {
        Box::new(FileStore::open(dir).map_err(|e| e.to_string())?)
    };
    let reviewer = Reviewer {
        name: format!("Probe {}", std::process::id()),
        role: Role::Nurse,
    };
    if let ("save-once", [id]) = (command.as_str(), rest) {
        let case = store.load(id).map_err(|e| e.to_string())?;
        wait_for_start();
        return save_once(&*store, case, &reviewer);
    }
    wait_for_start();
    match (command.as_str(), rest) {
        ("create", [n]) => {
            let n: u32 = n.parse().map_err(|_| format!("not a count: {n}"))?;
            let policy = LoadedPolicy::embedded();
            for _ in 0..n {
                let mut case = fictional_case(&policy);
                let id = store
                    .create(&mut case, clock::now().date(), &mut |_| {})
                    .map_err(|e| e.to_string())?;
                println!("{id}");
            }
            Ok(ExitCode::SUCCESS)
        }
        ("create-many", [n]) => {
            let n: u32 = n.parse().map_err(|_| format!("not a count: {n}"))?;
            let policy = LoadedPolicy::embedded();
            let mut batch: Vec<_> = (0..n)
                .map(|_| (fictional_case(&policy), clock::now().date()))
                .collect();
            if umdesk::store::postgres::is_postgres_url(dir) {
                return Err("create-many is for a directory".into());
            }
            let files = FileStore::open(dir).map_err(|e| e.to_string())?;
            for id in files.create_many(&mut batch).map_err(|e| e.to_string())? {
                println!("{id}");
            }
            Ok(ExitCode::SUCCESS)
        }
        ("lock", [id]) => {
            let holder = LockHolder::current(reviewer);
            let _session = store.begin_session(&holder).map_err(|e| e.to_string())?;
            outcome(store.lock(id, &holder))
        }
        ("crash-holding", [id]) => {
            let holder = LockHolder::current(reviewer);
            let session = store.begin_session(&holder).map_err(|e| e.to_string())?;
            store.lock(id, &holder).map_err(|e| e.to_string())?;
            println!("locked");
            // Neither the lease nor the lock is given back: as a crash.
            std::mem::forget(session);
            std::process::exit(0);
        }
        ("hold", [id]) => {
            let holder = LockHolder::current(reviewer);
            let _session = store.begin_session(&holder).map_err(|e| e.to_string())?;
            store.lock(id, &holder).map_err(|e| e.to_string())?;
            println!("locked");
            let _ = std::io::stdout().flush();
            // Alive, holding the lock, as a reviewer editing the case.
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            Ok(ExitCode::SUCCESS)
        }
        ("takeover", [id]) => {
            let holder = LockHolder::current(reviewer);
            let _session = store.begin_session(&holder).map_err(|e| e.to_string())?;
            let seen = store.lock_info(id).ok_or("the case is not locked")?;
            if store.session_alive(&seen.holder.session) != Some(false) {
                // Taken over already by the other side.
                return outcome(Err(StoreError::Locked(Box::new(seen))));
            }
            let result = outcome(store.take_over(id, &seen, &holder));
            // The winner's session stays alive until the test has heard
            // from both sides, as a reviewer's would while editing.
            let _ = std::io::stdout().flush();
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
            result
        }
        ("save-loop", [id, n]) => {
            let n: u32 = n.parse().map_err(|_| format!("not a count: {n}"))?;
            let mut case = store.load(id).map_err(|e| e.to_string())?;
            for _ in 0..n {
                let expected = last_digest(&case);
                let step = case.history.len();
                // Each version is larger than the one before by its history
                // entry. The change is recorded directly: diffing whole
                // cases would make the loop too slow to kill it mid-save
                // often.
                let to = format!("Step {step}: the probe changed this note.");
                let from = std::mem::replace(&mut case.criteria[0].evidence, to.clone());
                let change = Change::set("criteria[0].evidence", from.into(), to.into());
                let now = clock::now();
                record_changes(
                    &mut case,
                    vec![change],
                    &reviewer,
                    "edit",
                    "probe step",
                    now,
                );
                let sha = sha256_hex(case::to_json(&case).as_bytes());
                println!("writing {sha}");
                store.save(&case, &expected).map_err(|e| e.to_string())?;
                println!("saved {sha}");
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!("unknown command: {command} {}", rest.join(" "))),
    }
}

/// One change saved over the version loaded before the start time: of
/// two probes, one saves and the other is told the case moved on.
fn save_once(
    store: &dyn CaseStore,
    mut case: case::Case,
    reviewer: &Reviewer,
) -> Result<ExitCode, String> {
    let expected = last_digest(&case);
    let to = format!("Saved by {}.", reviewer.name);
    let from = std::mem::replace(&mut case.criteria[0].evidence, to.clone());
    let change = Change::set("criteria[0].evidence", from.into(), to.into());
    record_changes(
        &mut case,
        vec![change],
        reviewer,
        "edit",
        "probe save",
        clock::now(),
    );
    match store.save(&case, &expected) {
        Ok(()) => {
            println!("saved");
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::Conflict { .. }) => {
            println!("conflict");
            Ok(ExitCode::from(4))
        }
        Err(err) => Err(err.to_string()),
    }
}

/// "won" (exit 0), or who has the lock (exit 3).
fn outcome(result: Result<umdesk::store::LockInfo, StoreError>) -> Result<ExitCode, String> {
    match result {
        Ok(_) => {
            println!("won");
            Ok(ExitCode::SUCCESS)
        }
        Err(StoreError::Locked(info)) => {
            println!("locked {}", info.describe());
            Ok(ExitCode::from(3))
        }
        Err(err) => Err(err.to_string()),
    }
}

fn last_digest(case: &case::Case) -> String {
    case.history
        .last()
        .map(|e| e.digest.clone())
        .unwrap_or_default()
}

fn wait_for_start() {
    let Some(at) = std::env::var("UMDESK_PROBE_START_AT_MS")
        .ok()
        .and_then(|v| v.parse::<u128>().ok())
    else {
        return;
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    if at > now {
        std::thread::sleep(Duration::from_millis((at - now).min(10_000) as u64));
    }
}

fn fictional_case(policy: &LoadedPolicy) -> case::Case {
    let facts = umdesk::fixtures::facts()
        .member("Fictional Member", "FIC000001")
        .born(time::macros::date!(1961 - 04 - 12))
        .provider("Fictional Transplant Center")
        .planned(None)
        .received_at(clock::now())
        .build();
    let mut case = case::new_case("NEW", facts, policy, &case::due::DueTable::default());
    case.fictional = Some("Fictional case made by the store probe".into());
    case
}
