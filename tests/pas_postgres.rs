//! In PostgreSQL a PAS request makes one case even when two imports race:
//! the unique index of migration 0004 refuses the second copy, and
//! `find_by_request` answers through it. Needs the server scripts/test.sh
//! starts.

mod pg;

use time::macros::datetime;
use umdesk::case::due::DueTable;
use umdesk::case::history::record;
use umdesk::case::{Case, Reviewer, Role, new_case};
use umdesk::pas::import_request;
use umdesk::policy::LoadedPolicy;
use umdesk::store::{CaseStore, PostgresStore};

fn imported() -> Case {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/pas/samples/standard-commercial.json"
    ))
    .unwrap();
    let imported = import_request(&text).unwrap();
    let policy = LoadedPolicy::embedded();
    let mut case = new_case("NEW", imported.facts, &policy, &DueTable::default());
    case.pas_request = Some(imported.request);
    case
}

fn create(store: &PostgresStore, case: &mut Case) -> Result<String, umdesk::store::StoreError> {
    let nurse = Reviewer {
        name: "Dana Whitfield, RN".into(),
        role: Role::Nurse,
    };
    let at = datetime!(2026-12-01 10:00 -5);
    store.create(case, at.date(), &mut |c: &mut Case| {
        record(c, None, &nurse, "created", "Case imported", at);
    })
}

#[test]
fn the_database_refuses_a_second_case_of_the_same_request() {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    let mut first = imported();
    let id = create(&store, &mut first).unwrap();
    let key = first.pas_request.as_ref().unwrap().key();
    assert_eq!(store.find_by_request(&key).unwrap(), Some(id.clone()));
    // A racing import that did not see the first one.
    let mut second = imported();
    let refused = create(&store, &mut second).unwrap_err().to_string();
    assert!(refused.contains("cases_pas_request"), "{refused}");
    assert_eq!(store.list().cases.len(), 1);
    assert_eq!(store.find_by_request(&key).unwrap(), Some(id));
}
