//! What every `CaseStore` must do, whatever keeps its records: one check
//! per behaviour, each run against every store (tests/store_contract.rs;
//! a new store adds its own `Harness` there, or in its own test file with
//! `mod contract;`).
#![allow(dead_code)]

use std::collections::HashSet;

use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use umdesk::case::history::{Integrity, record, verify};
use umdesk::case::{
    self, Case, Member, Product, Provider, RequestFacts, Reviewer, Role, Service, Status, Urgency,
};
use umdesk::identity::roster::{Removal, RosterEntry};
use umdesk::identity::{Roster, test_keys};
use umdesk::policy::LoadedPolicy;
use umdesk::store::{
    AccessEntry, AccessLogHead, AccessLogIntegrity, CaseStore, DraftKey, LockHolder,
    MAX_RECORD_BYTES, PageFrom, QueueKey, QueueQuery, StoreError,
};

/// A fresh, empty store of one kind, and what only its owner can do.
pub trait Harness {
    fn store(&self) -> &dyn CaseStore;
    /// Changes the action of the second access-log entry behind the
    /// store's back, as someone with direct access to its records could.
    fn tamper_with_access_log(&self);
    /// Keeps only the first `keep` access-log entries, behind the store's
    /// back.
    fn cut_access_log(&self, keep: usize);
    /// Deletes the access log (only the log), behind the store's back.
    fn delete_access_log(&self);
}

pub const RECEIVED: time::Date = date!(2026 - 12 - 01);

pub fn nurse() -> Reviewer {
    Reviewer {
        name: "Dana Whitfield, RN".into(),
        role: Role::Nurse,
    }
}

pub fn other_nurse() -> Reviewer {
    Reviewer {
        name: "Sam Okafor, RN".into(),
        role: Role::Nurse,
    }
}

pub fn supervisor() -> Reviewer {
    Reviewer {
        name: "Renee Alvarez, RN, CCM".into(),
        role: Role::Supervisor,
    }
}

pub fn at() -> OffsetDateTime {
    datetime!(2026-12-01 09:14:03 -5)
}

/// A request for `member`, received at `received_at`, not yet a case.
pub fn request(member: &str, received_at: OffsetDateTime) -> Case {
    let policy = LoadedPolicy::embedded();
    let facts = RequestFacts {
        member: Member {
            name: member.into(),
            member_id: format!("FIC-{member}"),
            date_of_birth: date!(1961 - 04 - 12),
            product: Product::CommercialPpo,
        },
        provider: Provider {
            name: "Fictional Transplant Center".into(),
            npi: "1234567893".into(),
        },
        service: Service {
            cpt_codes: vec!["47371".into()],
            icd10_codes: vec!["C22.0".into()],
            planned_date: None,
        },
        received_at,
        urgency: Urgency::Standard,
        lesions: Vec::new(),
    };
    let mut case = case::new_case("NEW", facts, &policy, &case::due::DueTable::default());
    case.fictional = Some("Fictional case for the store contract".into());
    case
}

/// Creates a case for `member` as the intake does: complete, with the
/// history entry that names its id, in one step.
pub fn create(store: &dyn CaseStore, member: &str, received_at: OffsetDateTime) -> Case {
    let mut case = request(member, received_at);
    store
        .create(&mut case, RECEIVED, &mut |c: &mut Case| {
            let summary = format!("Case {} created", c.id);
            record(c, None, &nurse(), "intake", &summary, at());
        })
        .unwrap();
    case
}

pub fn last(case: &Case) -> String {
    case.history
        .last()
        .map(|e| e.digest.clone())
        .unwrap_or_default()
}

/// The case changed to `status` by `by`, with the change in its history.
pub fn edited(case: &Case, status: Status, by: &Reviewer) -> Case {
    let mut next = case.clone();
    next.status = status;
    record(&mut next, Some(case), by, "status", "Status changed", at());
    next
}

fn holder(reviewer: Reviewer) -> LockHolder {
    LockHolder::current(reviewer)
}

pub fn ids_are_numbered_per_day_and_a_created_case_loads_back(h: &dyn Harness) {
    let store = h.store();
    let first = create(store, "Ana Example", at());
    assert_eq!(first.id, "UM-20261201-0001");
    assert_eq!(store.load(&first.id).unwrap(), first);
    assert_eq!(create(store, "Ben Example", at()).id, "UM-20261201-0002");
    let mut other_day = request("Cy Example", at());
    let id = store
        .create(&mut other_day, date!(2026 - 12 - 02), &mut |_| {})
        .unwrap();
    assert_eq!(id, "UM-20261202-0001");
    assert_eq!(other_day.id, id);
    assert!(matches!(
        store.load("UM-20261201-0042"),
        Err(StoreError::NotFound(id)) if id == "UM-20261201-0042"
    ));
}

pub fn the_listing_is_in_queue_order(h: &dyn Harness) {
    let store = h.store();
    let mut cases: Vec<Case> = ["Cy", "Ana", "Ben", "Dee"]
        .into_iter()
        .enumerate()
        .map(|(i, name)| create(store, name, at() - Duration::days(i as i64)))
        .collect();
    // Dee was received first, so is due first; deciding her moves her last.
    let dee = cases.pop().unwrap();
    store
        .save(&edited(&dee, Status::Approved, &nurse()), &last(&dee))
        .unwrap();
    let listed: Vec<String> = store
        .list()
        .cases
        .iter()
        .map(|c| c.id.to_string())
        .collect();
    let expected: Vec<String> = [&cases[2], &cases[1], &cases[0], &dee]
        .iter()
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(listed, expected, "open by due time, then decided ones");
    let listing = store.list();
    assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
    assert!(
        listing
            .cases
            .windows(2)
            .all(|w| w[0].queue_order(&w[1]).is_lt())
    );
}

pub fn cases_created_at_once_get_distinct_ids_and_are_complete(h: &dyn Harness) {
    let store = h.store();
    let threads = 4;
    let each = 10;
    let ids: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || {
                    (0..each)
                        .map(|i| create(store, &format!("Member {t}-{i}"), at()).id)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let distinct: HashSet<&String> = ids.iter().collect();
    assert_eq!(distinct.len(), threads * each, "{ids:?}");
    let listing = store.list();
    assert_eq!(listing.cases.len(), threads * each);
    assert!(listing.unreadable.is_empty(), "{:?}", listing.unreadable);
    for id in &ids {
        let case = store.load(id).unwrap();
        assert_eq!(&case.id, id);
        assert_eq!(verify(&case), Integrity::Intact, "{id}");
        assert_eq!(case.history.len(), 1, "{id}");
        assert_eq!(case.history[0].summary, format!("Case {id} created"));
    }
}

pub fn a_save_from_a_stale_version_is_a_conflict_and_writes_nothing(h: &dyn Harness) {
    let store = h.store();
    let case = create(store, "Ana Example", at());
    let stale = last(&case);
    let mine = edited(&case, Status::Pended, &other_nurse());
    store.save(&mine, &stale).unwrap();

    // Someone else, still holding the version before, saves.
    let theirs = edited(&case, Status::Referred, &nurse());
    match store.save(&theirs, &stale) {
        Err(StoreError::Conflict { id, detail }) => {
            assert_eq!(id, case.id);
            assert!(detail.contains("Sam Okafor"), "says who saved: {detail}");
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(matches!(
        store.save(&theirs, "not a digest at all"),
        Err(StoreError::Conflict { .. })
    ));
    assert_eq!(store.load(&case.id).unwrap(), mine);

    let mut never = request("Never Created", at());
    never.id = "UM-20261201-0042".into();
    assert!(matches!(
        store.save(&never, ""),
        Err(StoreError::NotFound(id)) if id == "UM-20261201-0042"
    ));
    assert!(store.load("UM-20261201-0042").is_err());
}

pub fn a_record_too_large_to_read_back_is_refused_before_anything_is_written(h: &dyn Harness) {
    let store = h.store();
    let case = create(store, "Ana Example", at());
    let huge = "x".repeat(MAX_RECORD_BYTES + 1);

    let mut bigger = case.clone();
    bigger.criteria[0].evidence = huge.clone();
    let err = store.save(&bigger, &last(&case)).unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("nothing was written"), "{err}");
    assert_eq!(store.load(&case.id).unwrap(), case);

    let mut new = request("Big Paste", at());
    new.criteria[0].evidence = huge.clone();
    let err = store.create(&mut new, RECEIVED, &mut |_| {}).unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err:?}");
    assert_eq!(store.list().cases.len(), 1);

    let key = draft_key(&case.id, &nurse(), "4242-big-1");
    let err = store.save_draft(&key, &huge).unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err:?}");
    assert!(store.drafts().is_empty());
}

pub fn a_lock_keeps_others_out_and_names_its_holder(h: &dyn Harness) {
    let store = h.store();
    let case = create(store, "Ana Example", at());
    let me = holder(nurse());
    let taken = store.lock(&case.id, &me).unwrap();
    assert_eq!(taken.holder, me);
    assert_eq!(store.lock_info(&case.id), Some(taken.clone()));

    let other = holder(other_nurse());
    match store.lock(&case.id, &other) {
        Err(StoreError::Locked(info)) => {
            assert_eq!(info.holder, me);
            assert!(
                info.describe()
                    .starts_with("Locked by Dana Whitfield, RN (nurse)"),
                "{}",
                info.describe()
            );
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    // The same editor opening again gets its own lock back.
    assert_eq!(store.lock(&case.id, &me).unwrap(), taken);
    // Nobody else lets go of it.
    assert!(matches!(
        store.unlock(&case.id, &other),
        Err(StoreError::Locked(info)) if info.holder == me
    ));
    assert_eq!(store.lock_info(&case.id), Some(taken));

    store.unlock(&case.id, &me).unwrap();
    assert!(store.lock_info(&case.id).is_none());
    store.unlock(&case.id, &me).unwrap();
    let theirs = store.lock(&case.id, &other).unwrap();
    assert_eq!(store.break_lock(&case.id, &theirs).unwrap(), theirs);
    assert!(store.lock_info(&case.id).is_none());
    assert!(matches!(
        store.break_lock(&case.id, &theirs),
        Err(StoreError::NotLocked(_))
    ));
    // Locks are not cases.
    assert_eq!(store.list().cases.len(), 1);
}

/// Issue 10, finding 7: a supervisor looks at A's stale lock; meanwhile B
/// takes it over; the supervisor's break must not remove B's live lock.
pub fn a_lock_that_changed_hands_is_not_broken(h: &dyn Harness) {
    let store = h.store();
    let case = create(store, "Ana Example", at());
    let a = holder(nurse());
    let seen = store.lock(&case.id, &a).unwrap();

    let b = holder(other_nurse());
    let b_lock = store.take_over(&case.id, &seen, &b).unwrap();
    assert_eq!(b_lock.holder, b);

    match store.break_lock(&case.id, &seen) {
        Err(StoreError::Locked(now)) => assert_eq!(now.holder, b, "names the lock as it is"),
        other => panic!("expected Locked, got {other:?}"),
    }
    assert_eq!(store.lock_info(&case.id), Some(b_lock.clone()));
    // Taking over from the stale view fails the same way.
    let c = holder(supervisor());
    assert!(matches!(
        store.take_over(&case.id, &seen, &c),
        Err(StoreError::Locked(now)) if now.holder == b
    ));
    assert_eq!(store.lock_info(&case.id), Some(b_lock));
}

pub fn of_many_taking_over_one_lock_at_once_exactly_one_wins(h: &dyn Harness) {
    let store = h.store();
    let case = create(store, "Ana Example", at());
    let gone = store.lock(&case.id, &holder(nurse())).unwrap();
    let id = case.id.as_str();
    let results: Vec<Result<_, StoreError>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..6)
            .map(|_| {
                let gone = &gone;
                scope.spawn(move || {
                    let me = holder(other_nurse());
                    store.take_over(id, gone, &me).map(|lock| (me, lock))
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let (winner, lock) = winners[0];
    assert_eq!(&lock.holder, winner);
    assert_eq!(store.lock_info(id).as_ref(), Some(lock));
    for loser in results.iter().filter_map(|r| r.as_ref().err()) {
        assert!(
            matches!(loser, StoreError::Locked(info) if &info.holder == winner),
            "{loser:?}"
        );
    }
}

pub fn draft_key(subject: &str, author: &Reviewer, session: &str) -> DraftKey {
    DraftKey {
        subject: subject.to_string(),
        author: author.name.clone(),
        session: session.to_string(),
    }
}

pub fn drafts_belong_to_their_author_and_session(h: &dyn Harness) {
    let store = h.store();
    assert!(store.drafts().is_empty());
    let case = create(store, "Ana Example", at());
    let mine = draft_key(&case.id, &nurse(), "4242-a-1");
    let my_other_session = draft_key(&case.id, &nurse(), "4242-a-2");
    let theirs = draft_key(&case.id, &other_nurse(), "5151-b-1");
    let intake = draft_key("new-20261201-091403", &nurse(), "4242-a-1");
    let texts = [
        (&mine, r#"{"note":"half a review, 半分, 👩‍⚕️"}"#),
        (&my_other_session, r#"{"note":"another window"}"#),
        (&theirs, r#"{"note":"Sam's work"}"#),
        (&intake, r#"{"member":"typed so far"}"#),
    ];
    for (key, text) in texts {
        store.save_draft(key, text).unwrap();
    }
    store.save_draft(&mine, texts[0].1).unwrap();
    for (key, text) in texts {
        assert_eq!(store.load_draft(key).unwrap(), text, "{key:?}");
    }
    let listed: Vec<DraftKey> = store.drafts().into_iter().map(|d| d.key).collect();
    assert_eq!(listed.len(), 4, "{listed:?}");
    for (key, _) in texts {
        assert!(listed.contains(key), "{key:?} in {listed:?}");
    }
    assert!(store.drafts().iter().all(|d| !d.location.is_empty()));

    store.discard_draft(&mine).unwrap();
    store.discard_draft(&mine).unwrap();
    assert!(store.load_draft(&mine).is_err());
    assert_eq!(store.load_draft(&theirs).unwrap(), texts[2].1);
    assert_eq!(store.load_draft(&my_other_session).unwrap(), texts[1].1);
    assert_eq!(store.drafts().len(), 3);
    // Drafts are not cases.
    assert_eq!(store.list().cases.len(), 1);
}

pub fn a_session_is_alive_exactly_while_its_lease_is_held(h: &dyn Harness) {
    let store = h.store();
    let a = holder(nurse());
    let b = holder(other_nurse());
    let lease_a = store.begin_session(&a).unwrap();
    let lease_b = store.begin_session(&b).unwrap();
    assert_eq!(store.session_alive(&a.session), Some(true));
    assert_eq!(store.session_alive(&b.session), Some(true));
    // A crash, as far as the store can tell: the lease is gone.
    drop(lease_a);
    assert_eq!(store.session_alive(&a.session), Some(false));
    assert_eq!(store.session_alive(&b.session), Some(true));

    let case = create(store, "Ana Example", at());
    let a_lock = store.lock(&case.id, &a).unwrap();
    let b_lock = {
        let mut l = a_lock.clone();
        l.holder = b.clone();
        l
    };
    let now = a_lock.since;
    let max_age = Duration::hours(8);
    assert!(
        store.lock_is_stale(&a_lock, now, max_age),
        "its session ended"
    );
    assert!(
        !store.lock_is_stale(&b_lock, now, max_age),
        "its session lives"
    );
    drop(lease_b);
    assert_eq!(store.session_alive(&b.session), Some(false));
    let never = holder(supervisor());
    assert_ne!(store.session_alive(&never.session), Some(true));
}

pub fn the_access_log_chains_reads_by_case_and_shows_tampering(h: &dyn Harness) {
    let store = h.store();
    let a = create(store, "Ana Example", at());
    let b = create(store, "Ben Example", at());
    let before = store.load(&a.id).unwrap();
    assert_eq!(
        store.verify_access_log(),
        AccessLogIntegrity::Intact { entries: 0 }
    );
    for (id, action) in [
        (&a.id, "open"),
        (&b.id, "view"),
        (&a.id, "show"),
        (&a.id, "evaluate"),
    ] {
        store
            .log_access(&AccessEntry::new(&nurse(), id, action))
            .unwrap();
    }
    let all = store.access_log(None).unwrap();
    assert_eq!(all.len(), 4);
    assert_eq!(all[0].prev, "");
    for pair in all.windows(2) {
        assert_eq!(pair[1].prev, pair[0].digest);
    }
    assert!(all.iter().all(|e| e.digest == e.compute_digest()));
    let for_a: Vec<String> = store
        .access_log(Some(&a.id))
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(for_a, ["open", "show", "evaluate"]);
    assert_eq!(
        store.verify_access_log(),
        AccessLogIntegrity::Intact { entries: 4 }
    );
    // Viewing never changes the case.
    assert_eq!(store.load(&a.id).unwrap(), before);

    let mut unwritable = AccessEntry::new(&nurse(), &a.id, "view");
    unwritable.at = datetime!(-0001-01-01 0:00 UTC);
    assert!(store.log_access(&unwritable).is_err());
    assert_eq!(
        store.verify_access_log(),
        AccessLogIntegrity::Intact { entries: 4 }
    );

    h.tamper_with_access_log();
    match store.verify_access_log() {
        AccessLogIntegrity::Broken { line, reason } => {
            assert_eq!(line, 2);
            assert!(reason.contains('2'), "{reason}");
        }
        other => panic!("expected broken, got {other:?}"),
    }
}

pub fn ids_that_could_leave_the_store_are_refused(h: &dyn Harness) {
    let store = h.store();
    let long = "x".repeat(200);
    for bad in [
        "../x",
        "a/b",
        "a\0b",
        long.as_str(),
        "",
        ".queue-index",
        "..",
        "a\\b",
    ] {
        assert!(
            matches!(store.load(bad), Err(StoreError::InvalidId(_))),
            "load {bad:?}"
        );
        assert!(matches!(
            store.lock(bad, &holder(nurse())),
            Err(StoreError::InvalidId(_))
        ));
        let key = draft_key(bad, &nurse(), "4242-a-1");
        assert!(matches!(
            store.save_draft(&key, "{}"),
            Err(StoreError::InvalidId(_))
        ));
        assert!(matches!(
            store.load_draft(&key),
            Err(StoreError::InvalidId(_))
        ));
        let mut case = request("Mallory", at());
        case.id = bad.to_string();
        assert!(matches!(
            store.save(&case, ""),
            Err(StoreError::InvalidId(_))
        ));
    }
    let bad_session = draft_key("UM-20261201-0001", &nurse(), "../../x");
    assert!(matches!(
        store.save_draft(&bad_session, "{}"),
        Err(StoreError::InvalidId(_))
    ));
    assert!(store.list().cases.is_empty());
    assert!(store.drafts().is_empty());
}

fn roster_entry(name: &str, role: Role, user: &str, key: u8) -> RosterEntry {
    RosterEntry {
        name: name.into(),
        role,
        os_users: vec![user.into()],
        keys: vec![test_keys::public_line(key)],
        added_at: at(),
        added_by: "owner, store owner (supervisor)".into(),
        removed: None,
        npi: None,
    }
}

pub fn the_roster_is_versioned_and_every_change_is_logged(h: &dyn Harness) {
    let store = h.store();
    assert_eq!(store.roster().unwrap(), None, "a new store has no roster");

    let mut first = Roster::default();
    first
        .add(roster_entry(
            &supervisor().name,
            Role::Supervisor,
            "renee",
            1,
        ))
        .unwrap();
    let add = AccessEntry::new(&supervisor(), "roster", "roster add Renee as supervisor");
    let saved = store.save_roster(&first, 0, &add).unwrap();
    assert_eq!(saved.version, 1);
    assert_eq!(store.roster().unwrap(), Some(saved.clone()));

    // Two supervisors start from version 1: the first save wins, the
    // second is refused and writes nothing, not even to the log.
    let mut by_renee = saved.clone();
    by_renee
        .add(roster_entry(&nurse().name, Role::Nurse, "dana", 2))
        .unwrap();
    let mut by_other = saved.clone();
    by_other
        .add(roster_entry(&other_nurse().name, Role::Nurse, "sam", 3))
        .unwrap();
    let second = AccessEntry::new(&supervisor(), "roster", "roster add Dana as nurse");
    assert_eq!(store.save_roster(&by_renee, 1, &second).unwrap().version, 2);
    let lost = AccessEntry::new(&supervisor(), "roster", "roster add Sam as nurse");
    match store.save_roster(&by_other, 1, &lost) {
        Err(StoreError::RosterConflict { expected, found }) => {
            assert_eq!((expected, found), (1, 2));
        }
        other => panic!("expected a roster conflict, got {other:?}"),
    }
    let stored = store.roster().unwrap().unwrap();
    assert_eq!(stored.version, 2);
    assert!(stored.find_by_name(&nurse().name).is_some());
    assert!(stored.find_by_name(&other_nurse().name).is_none());

    let mut removed = stored.clone();
    removed
        .remove(
            &nurse().name,
            Removal {
                at: at(),
                by: "Renee Alvarez, RN, CCM (supervisor)".into(),
            },
        )
        .unwrap();
    let remove = AccessEntry::new(&supervisor(), "roster", "roster remove Dana");
    assert_eq!(store.save_roster(&removed, 2, &remove).unwrap().version, 3);
    let stored = store.roster().unwrap().unwrap();
    assert!(stored.find_by_os_user("dana").is_none());
    assert_eq!(stored.entries.len(), 2, "a removed entry is kept");

    let changes: Vec<(String, String)> = store
        .access_log(Some("roster"))
        .unwrap()
        .into_iter()
        .map(|e| (e.reviewer.name, e.action))
        .collect();
    assert_eq!(
        changes,
        [
            (
                supervisor().name,
                "roster add Renee as supervisor".to_string()
            ),
            (supervisor().name, "roster add Dana as nurse".to_string()),
            (supervisor().name, "roster remove Dana".to_string()),
        ]
    );
    assert_eq!(
        store.verify_access_log(),
        AccessLogIntegrity::Intact { entries: 3 }
    );
    // The roster is no case, and no case can take its name.
    assert!(store.list().cases.is_empty());
    assert!(store.list().unreadable.is_empty());
    assert!(matches!(
        store.load("roster"),
        Err(StoreError::InvalidId(_))
    ));
}

fn log_some(store: &dyn CaseStore, count: usize) -> Vec<AccessEntry> {
    let a = create(store, "Ana Example", at());
    for _ in 0..count {
        store
            .log_access(&AccessEntry::new(&nurse(), &a.id, "view"))
            .unwrap();
    }
    store.access_log(None).unwrap()
}

pub fn the_access_log_head_is_recorded_at_each_append(h: &dyn Harness) {
    let store = h.store();
    assert_eq!(store.access_log_head().unwrap(), None);
    let log = log_some(store, 3);
    assert_eq!(
        store.access_log_head().unwrap(),
        Some(AccessLogHead {
            entries: 3,
            digest: log[2].digest.clone()
        })
    );
}

pub fn a_cut_access_log_is_detected(h: &dyn Harness) {
    let store = h.store();
    log_some(store, 4);
    h.cut_access_log(2);
    match store.verify_access_log() {
        AccessLogIntegrity::Broken { line, reason } => {
            assert_eq!(line, 3);
            assert!(reason.contains("removed"), "{reason}");
            assert!(reason.contains('4'), "{reason}");
        }
        other => panic!("a log cut from 4 entries to 2 verified: {other:?}"),
    }
}

pub fn a_deleted_access_log_is_detected(h: &dyn Harness) {
    let store = h.store();
    log_some(store, 2);
    h.delete_access_log();
    match store.verify_access_log() {
        AccessLogIntegrity::Broken { reason, .. } => {
            assert!(reason.contains("deleted"), "{reason}");
        }
        other => panic!("a deleted log verified: {other:?}"),
    }
}

/// `count` generated cases (decided, QA-reviewed, amended, open...) put in
/// the store as they are, under the ids the store gives them.
fn create_generated(store: &dyn CaseStore, count: usize) -> Vec<Case> {
    let policy = LoadedPolicy::embedded();
    let mut created = Vec::new();
    for mut case in umdesk::fixtures::generate::generate(&policy, count, 7, at()) {
        let received = case.request.received_at.date();
        store.create(&mut case, received, &mut |_| {}).unwrap();
        created.push(case);
    }
    created
}

fn page_query(text: &str, status: Option<Status>, from: PageFrom, limit: usize) -> QueueQuery {
    QueueQuery {
        text: text.into(),
        status,
        from,
        limit,
    }
}

fn ids(cases: &[umdesk::store::CaseSummary]) -> Vec<String> {
    cases.iter().map(|c| c.id.to_string()).collect()
}

/// Paging forward from the start, a page at a time, returns exactly the
/// filtered listing, in queue order; paging back returns the same.
pub fn the_queue_pages_through_the_filtered_listing_in_order(h: &dyn Harness) {
    let store = h.store();
    create_generated(store, 60);
    create(store, "Zoë 100%_Literal", at());
    let listing = store.list().cases;
    let filters: [(&str, Option<Status>); 5] = [
        ("", None),
        ("a", None),
        ("", Some(Status::Approved)),
        ("e", Some(Status::InReview)),
        ("100%_", None),
    ];
    for (text, status) in filters {
        let expected: Vec<String> = listing
            .iter()
            .filter(|c| status.is_none_or(|s| c.status == s))
            .filter(|c| {
                let needle = text.to_lowercase();
                format!(
                    "{} {} {} {}",
                    c.id,
                    c.member(),
                    c.member_id(),
                    c.reviewer().unwrap_or("")
                )
                .to_lowercase()
                .contains(&needle)
            })
            .map(|c| c.id.to_string())
            .collect();
        let mut forward = Vec::new();
        let mut from = PageFrom::Start;
        loop {
            let page = store
                .queue_page(&page_query(text, status, from.clone(), 7))
                .unwrap();
            assert!(page.cases.len() <= 7);
            assert_eq!(page.more_before, !forward.is_empty(), "filter {text:?}");
            forward.extend(ids(&page.cases));
            match page.cases.last() {
                Some(last) if page.more_after => from = PageFrom::After(QueueKey::of(last)),
                _ => break,
            }
        }
        assert_eq!(forward, expected, "filter {text:?} {status:?}");
        let query = page_query(text, status, PageFrom::Start, 1);
        let count = store.count_queue(&query, usize::MAX).unwrap();
        assert_eq!(count, expected.len(), "count of {text:?} {status:?}");
        // Counted to a bound, a store stops there: at most `up_to`, and
        // exact below it.
        for up_to in [0, 1, 2, expected.len(), expected.len() + 1] {
            let bounded = store.count_queue(&query, up_to).unwrap();
            assert_eq!(
                bounded,
                expected.len().min(up_to),
                "count of {text:?} {status:?} up to {up_to}"
            );
        }
        if expected.len() < 2 {
            continue;
        }
        // Back from the last case: the page before it, in queue order.
        let last_key = QueueKey::of(
            listing
                .iter()
                .find(|c| *c.id == *expected[expected.len() - 1])
                .unwrap(),
        );
        let back = store
            .queue_page(&page_query(
                text,
                status,
                PageFrom::Before(last_key.clone()),
                3,
            ))
            .unwrap();
        let start = expected.len().saturating_sub(4);
        assert_eq!(
            ids(&back.cases),
            expected[start..expected.len() - 1].to_vec()
        );
        assert!(back.more_after);
        assert_eq!(back.more_before, start > 0);
        // At a case: that case and the ones after it.
        let at = store
            .queue_page(&page_query(text, status, PageFrom::At(last_key), 3))
            .unwrap();
        assert_eq!(ids(&at.cases), expected[expected.len() - 1..].to_vec());
        assert!(!at.more_after);
    }
}

/// A page's summaries are the listing's: what the queue shows of a case
/// does not depend on how the store found it.
pub fn a_paged_summary_shows_what_the_listing_shows(h: &dyn Harness) {
    let store = h.store();
    create_generated(store, 30);
    let listing = store.list().cases;
    let page = store
        .queue_page(&page_query("", None, PageFrom::Start, 100))
        .unwrap();
    assert_eq!(page.cases.len(), listing.len());
    for (paged, listed) in page.cases.iter().zip(&listing) {
        assert_eq!(paged.id, listed.id);
        assert_eq!(paged.status, listed.status);
        assert_eq!(paged.outcome, listed.outcome);
        assert_eq!(paged.member(), listed.member());
        assert_eq!(paged.member_id(), listed.member_id());
        assert_eq!(paged.reviewer(), listed.reviewer());
        assert_eq!(paged.due_at, listed.due_at);
        assert_eq!(paged.received_at, listed.received_at);
        assert_eq!(paged.figure_parts(), listed.figure_parts(), "{}", listed.id);
    }
}

/// The dashboard's figures from the store are those of its listing.
pub fn the_figures_are_those_of_the_listing(h: &dyn Harness) {
    let store = h.store();
    create_generated(store, 80);
    let now = at() + Duration::days(2);
    let expected = umdesk::case::stats::compute(&store.list().cases, now);
    assert!(expected.turnaround.count > 0 && !expected.reviewers.is_empty());
    assert_eq!(store.figures(now).unwrap(), expected);
}

/// A watcher hears of every create, save, lock and unlock, and nothing
/// once its watch is dropped.
pub fn a_watcher_hears_of_every_change_until_it_stops(h: &dyn Harness) {
    let store = h.store();
    let (told, heard) = std::sync::mpsc::channel::<String>();
    let watching = store
        .watch(Box::new(move |id| {
            let _ = told.send(id.to_string());
        }))
        .unwrap();
    let next = || {
        heard
            .recv_timeout(std::time::Duration::from_secs(5))
            .expect("told within a second or so")
    };
    let case = create(store, "Ana Example", at());
    assert_eq!(next(), case.id);
    let changed = edited(&case, Status::InReview, &nurse());
    store.save(&changed, &last(&case)).unwrap();
    assert_eq!(next(), case.id);
    let holder = holder(nurse());
    store.lock(&case.id, &holder).unwrap();
    assert_eq!(next(), case.id);
    store.unlock(&case.id, &holder).unwrap();
    assert_eq!(next(), case.id);
    drop(watching);
    std::thread::sleep(std::time::Duration::from_millis(200));
    while heard.try_recv().is_ok() {}
    create(store, "Bo Example", at());
    assert!(
        heard
            .recv_timeout(std::time::Duration::from_millis(500))
            .is_err(),
        "a dropped watch is told nothing"
    );
}

/// A request as `umdesk import` records it, for `bundle` (the
/// submitter's transaction identifier).
fn pas_request(bundle: &str) -> case::PasRequest {
    let identifier = |value: &str| case::FhirIdentifier {
        system: Some("http://provider.example.org/SUBMITTER_TRANSACTION_IDENTIFIER".into()),
        value: value.into(),
    };
    let party = |kind: &str, id: &str| case::PasParty {
        resource_type: kind.into(),
        id: id.into(),
        name: String::new(),
    };
    case::PasRequest {
        bundle: identifier(bundle),
        claim: identifier(&format!("{bundle}-claim")),
        items: vec![case::PasItem {
            sequence: 1,
            system: "http://www.ama-assn.org/go/cpt".into(),
            code: "47371".into(),
        }],
        patient: party("Patient", "p1"),
        requestor: party("Practitioner", "pr1"),
        insurer: Some(party("Organization", "plan")),
        sources: Vec::new(),
    }
}

pub fn a_case_is_found_by_the_pas_request_it_was_imported_from(h: &dyn Harness) {
    let store = h.store();
    create(store, "Typed At Intake", at());
    let mut imported = request("Imported Member", at());
    imported.pas_request = Some(pas_request("FIC-PAS-0042"));
    let key = imported.pas_request.as_ref().unwrap().key();
    assert_eq!(store.find_by_request(&key).unwrap(), None);
    let id = store
        .create(&mut imported, RECEIVED, &mut |c: &mut Case| {
            record(c, None, &nurse(), "created", "Case imported", at());
        })
        .unwrap();
    assert_eq!(store.find_by_request(&key).unwrap(), Some(id.clone()));
    // Another request's key, or the same value under another system, is
    // not this case.
    let other = pas_request("FIC-PAS-0043").key();
    assert_eq!(store.find_by_request(&other).unwrap(), None);
    assert_eq!(store.find_by_request("|FIC-PAS-0042").unwrap(), None);
    // Saved again, it is still found.
    let saved = store.load(&id).unwrap();
    let changed = edited(&saved, Status::Pended, &nurse());
    store.save(&changed, &last(&saved)).unwrap();
    assert_eq!(store.find_by_request(&key).unwrap(), Some(id));
}

/// Every lock, by case: who is in which case now.
pub fn every_lock_is_listed_with_its_holder(h: &dyn Harness) {
    let store = h.store();
    let first = create(store, "Ana Example", at());
    let second = create(store, "Bo Example", at());
    create(store, "Cy Example", at());
    assert!(store.locks().is_empty());
    let nurse = holder(nurse());
    let other = holder(other_nurse());
    store.lock(&first.id, &nurse).unwrap();
    store.lock(&second.id, &other).unwrap();
    let locks: Vec<(String, String)> = store
        .locks()
        .into_iter()
        .map(|(id, lock)| (id, lock.holder.reviewer.name))
        .collect();
    assert_eq!(
        locks,
        [
            (first.id.clone(), "Dana Whitfield, RN".to_string()),
            (second.id.clone(), "Sam Okafor, RN".to_string()),
        ]
    );
    store.unlock(&first.id, &nurse).unwrap();
    assert_eq!(store.locks().len(), 1);
}
