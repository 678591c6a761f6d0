//! The one behavioural suite of the case store, run against every store:
//! the file store, the in-memory store and the PostgreSQL store (on the
//! server scripts/test.sh starts). The checks are in tests/contract/mod.rs.

mod contract;
mod pg;

use contract::Harness;
use umdesk::store::{CaseStore, FileStore, MemoryStore, PostgresStore};

struct Files {
    _dir: tempfile::TempDir,
    store: FileStore,
}

impl Harness for Files {
    fn store(&self) -> &dyn CaseStore {
        &self.store
    }

    fn tamper_with_access_log(&self) {
        let log = self.store.access_log_path();
        let text = std::fs::read_to_string(&log).unwrap();
        let second = text.lines().nth(1).unwrap();
        let edited = second.replacen("\"view\"", "\"edit\"", 1);
        assert_ne!(edited, second);
        std::fs::write(&log, text.replacen(second, &edited, 1)).unwrap();
    }

    fn cut_access_log(&self, keep: usize) {
        let log = self.store.access_log_path();
        let text = std::fs::read_to_string(&log).unwrap();
        let kept: String = text.lines().take(keep).map(|l| format!("{l}\n")).collect();
        std::fs::write(&log, kept).unwrap();
    }

    fn delete_access_log(&self) {
        std::fs::remove_file(self.store.access_log_path()).unwrap();
    }
}

fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    let store = FileStore::open(dir.path().join("cases")).unwrap();
    Files { _dir: dir, store }
}

struct Memory(MemoryStore);

impl Harness for Memory {
    fn store(&self) -> &dyn CaseStore {
        &self.0
    }

    fn tamper_with_access_log(&self) {
        self.0
            .tamper_with_access_log(|log| log[1].action = "edit".into());
    }

    fn cut_access_log(&self, keep: usize) {
        self.0.tamper_with_access_log(|log| log.truncate(keep));
    }

    fn delete_access_log(&self) {
        self.0.tamper_with_access_log(Vec::clear);
    }
}

fn memory() -> Memory {
    Memory(MemoryStore::new())
}

/// The store comes first, so that its connections close before its
/// database is dropped.
struct Postgres {
    store: PostgresStore,
    db: pg::Database,
}

impl Harness for Postgres {
    fn store(&self) -> &dyn CaseStore {
        &self.store
    }

    fn tamper_with_access_log(&self) {
        // As an administrator could: past the trigger that keeps the log
        // append-only for everyone else.
        let mut admin = self.db.admin();
        admin
            .batch_execute(
                "BEGIN;
                 ALTER TABLE access_log DISABLE TRIGGER access_log_append_only;
                 UPDATE access_log SET line = replace(line, '\"view\"', '\"edit\"')
                     WHERE position = 2;
                 ALTER TABLE access_log ENABLE TRIGGER access_log_append_only;
                 COMMIT;",
            )
            .unwrap();
    }

    fn cut_access_log(&self, keep: usize) {
        let mut admin = self.db.admin();
        admin
            .batch_execute(&format!(
                "BEGIN;
                 ALTER TABLE access_log DISABLE TRIGGER access_log_append_only;
                 DELETE FROM access_log WHERE position > {keep};
                 ALTER TABLE access_log ENABLE TRIGGER access_log_append_only;
                 COMMIT;"
            ))
            .unwrap();
    }

    fn delete_access_log(&self) {
        self.cut_access_log(0);
    }
}

fn postgres() -> Postgres {
    let db = pg::Database::initialized();
    let store = PostgresStore::open(&db.url).unwrap();
    Postgres { store, db }
}

mod file_store {
    use super::{contract, files};

    #[test]
    fn the_queue_pages_through_the_filtered_listing_in_order() {
        contract::the_queue_pages_through_the_filtered_listing_in_order(&files());
    }

    #[test]
    fn a_paged_summary_shows_what_the_listing_shows() {
        contract::a_paged_summary_shows_what_the_listing_shows(&files());
    }

    #[test]
    fn the_figures_are_those_of_the_listing() {
        contract::the_figures_are_those_of_the_listing(&files());
    }

    #[test]
    fn a_watcher_hears_of_every_change_until_it_stops() {
        contract::a_watcher_hears_of_every_change_until_it_stops(&files());
    }

    #[test]
    fn a_case_is_found_by_the_pas_request_it_was_imported_from() {
        contract::a_case_is_found_by_the_pas_request_it_was_imported_from(&files());
    }

    #[test]
    fn the_roster_is_versioned_and_every_change_is_logged() {
        contract::the_roster_is_versioned_and_every_change_is_logged(&files());
    }

    #[test]
    fn the_access_log_head_is_recorded_at_each_append() {
        contract::the_access_log_head_is_recorded_at_each_append(&files());
    }

    #[test]
    fn a_cut_access_log_is_detected() {
        contract::a_cut_access_log_is_detected(&files());
    }

    #[test]
    fn a_deleted_access_log_is_detected() {
        contract::a_deleted_access_log_is_detected(&files());
    }

    #[test]
    fn ids_are_numbered_per_day_and_a_created_case_loads_back() {
        contract::ids_are_numbered_per_day_and_a_created_case_loads_back(&files());
    }

    #[test]
    fn the_listing_is_in_queue_order() {
        contract::the_listing_is_in_queue_order(&files());
    }

    #[test]
    fn cases_created_at_once_get_distinct_ids_and_are_complete() {
        contract::cases_created_at_once_get_distinct_ids_and_are_complete(&files());
    }

    #[test]
    fn a_save_from_a_stale_version_is_a_conflict_and_writes_nothing() {
        contract::a_save_from_a_stale_version_is_a_conflict_and_writes_nothing(&files());
    }

    #[test]
    fn a_record_too_large_to_read_back_is_refused_before_anything_is_written() {
        contract::a_record_too_large_to_read_back_is_refused_before_anything_is_written(&files());
    }

    #[test]
    fn a_lock_keeps_others_out_and_names_its_holder() {
        contract::a_lock_keeps_others_out_and_names_its_holder(&files());
    }

    #[test]
    fn a_lock_that_changed_hands_is_not_broken() {
        contract::a_lock_that_changed_hands_is_not_broken(&files());
    }

    #[test]
    fn of_many_taking_over_one_lock_at_once_exactly_one_wins() {
        contract::of_many_taking_over_one_lock_at_once_exactly_one_wins(&files());
    }

    #[test]
    fn drafts_belong_to_their_author_and_session() {
        contract::drafts_belong_to_their_author_and_session(&files());
    }

    #[test]
    fn a_session_is_alive_exactly_while_its_lease_is_held() {
        contract::a_session_is_alive_exactly_while_its_lease_is_held(&files());
    }

    #[test]
    fn the_access_log_chains_reads_by_case_and_shows_tampering() {
        contract::the_access_log_chains_reads_by_case_and_shows_tampering(&files());
    }

    #[test]
    fn ids_that_could_leave_the_store_are_refused() {
        contract::ids_that_could_leave_the_store_are_refused(&files());
    }
}

mod memory_store {
    use super::{contract, memory};

    #[test]
    fn the_queue_pages_through_the_filtered_listing_in_order() {
        contract::the_queue_pages_through_the_filtered_listing_in_order(&memory());
    }

    #[test]
    fn a_paged_summary_shows_what_the_listing_shows() {
        contract::a_paged_summary_shows_what_the_listing_shows(&memory());
    }

    #[test]
    fn the_figures_are_those_of_the_listing() {
        contract::the_figures_are_those_of_the_listing(&memory());
    }

    #[test]
    fn a_watcher_hears_of_every_change_until_it_stops() {
        contract::a_watcher_hears_of_every_change_until_it_stops(&memory());
    }

    #[test]
    fn a_case_is_found_by_the_pas_request_it_was_imported_from() {
        contract::a_case_is_found_by_the_pas_request_it_was_imported_from(&memory());
    }

    #[test]
    fn the_roster_is_versioned_and_every_change_is_logged() {
        contract::the_roster_is_versioned_and_every_change_is_logged(&memory());
    }

    #[test]
    fn the_access_log_head_is_recorded_at_each_append() {
        contract::the_access_log_head_is_recorded_at_each_append(&memory());
    }

    #[test]
    fn a_cut_access_log_is_detected() {
        contract::a_cut_access_log_is_detected(&memory());
    }

    #[test]
    fn a_deleted_access_log_is_detected() {
        contract::a_deleted_access_log_is_detected(&memory());
    }

    #[test]
    fn ids_are_numbered_per_day_and_a_created_case_loads_back() {
        contract::ids_are_numbered_per_day_and_a_created_case_loads_back(&memory());
    }

    #[test]
    fn the_listing_is_in_queue_order() {
        contract::the_listing_is_in_queue_order(&memory());
    }

    #[test]
    fn cases_created_at_once_get_distinct_ids_and_are_complete() {
        contract::cases_created_at_once_get_distinct_ids_and_are_complete(&memory());
    }

    #[test]
    fn a_save_from_a_stale_version_is_a_conflict_and_writes_nothing() {
        contract::a_save_from_a_stale_version_is_a_conflict_and_writes_nothing(&memory());
    }

    #[test]
    fn a_record_too_large_to_read_back_is_refused_before_anything_is_written() {
        contract::a_record_too_large_to_read_back_is_refused_before_anything_is_written(&memory());
    }

    #[test]
    fn a_lock_keeps_others_out_and_names_its_holder() {
        contract::a_lock_keeps_others_out_and_names_its_holder(&memory());
    }

    #[test]
    fn a_lock_that_changed_hands_is_not_broken() {
        contract::a_lock_that_changed_hands_is_not_broken(&memory());
    }

    #[test]
    fn of_many_taking_over_one_lock_at_once_exactly_one_wins() {
        contract::of_many_taking_over_one_lock_at_once_exactly_one_wins(&memory());
    }

    #[test]
    fn drafts_belong_to_their_author_and_session() {
        contract::drafts_belong_to_their_author_and_session(&memory());
    }

    #[test]
    fn a_session_is_alive_exactly_while_its_lease_is_held() {
        contract::a_session_is_alive_exactly_while_its_lease_is_held(&memory());
    }

    #[test]
    fn the_access_log_chains_reads_by_case_and_shows_tampering() {
        contract::the_access_log_chains_reads_by_case_and_shows_tampering(&memory());
    }

    #[test]
    fn ids_that_could_leave_the_store_are_refused() {
        contract::ids_that_could_leave_the_store_are_refused(&memory());
    }
}

mod postgres_store {
    use super::{contract, postgres};

    #[test]
    fn the_queue_pages_through_the_filtered_listing_in_order() {
        contract::the_queue_pages_through_the_filtered_listing_in_order(&postgres());
    }

    #[test]
    fn a_paged_summary_shows_what_the_listing_shows() {
        contract::a_paged_summary_shows_what_the_listing_shows(&postgres());
    }

    #[test]
    fn the_figures_are_those_of_the_listing() {
        contract::the_figures_are_those_of_the_listing(&postgres());
    }

    #[test]
    fn a_watcher_hears_of_every_change_until_it_stops() {
        contract::a_watcher_hears_of_every_change_until_it_stops(&postgres());
    }

    #[test]
    fn a_case_is_found_by_the_pas_request_it_was_imported_from() {
        contract::a_case_is_found_by_the_pas_request_it_was_imported_from(&postgres());
    }

    #[test]
    fn ids_are_numbered_per_day_and_a_created_case_loads_back() {
        contract::ids_are_numbered_per_day_and_a_created_case_loads_back(&postgres());
    }

    #[test]
    fn the_listing_is_in_queue_order() {
        contract::the_listing_is_in_queue_order(&postgres());
    }

    #[test]
    fn cases_created_at_once_get_distinct_ids_and_are_complete() {
        contract::cases_created_at_once_get_distinct_ids_and_are_complete(&postgres());
    }

    #[test]
    fn a_save_from_a_stale_version_is_a_conflict_and_writes_nothing() {
        contract::a_save_from_a_stale_version_is_a_conflict_and_writes_nothing(&postgres());
    }

    #[test]
    fn a_record_too_large_to_read_back_is_refused_before_anything_is_written() {
        contract::a_record_too_large_to_read_back_is_refused_before_anything_is_written(&postgres());
    }

    #[test]
    fn a_lock_keeps_others_out_and_names_its_holder() {
        contract::a_lock_keeps_others_out_and_names_its_holder(&postgres());
    }

    #[test]
    fn a_lock_that_changed_hands_is_not_broken() {
        contract::a_lock_that_changed_hands_is_not_broken(&postgres());
    }

    #[test]
    fn of_many_taking_over_one_lock_at_once_exactly_one_wins() {
        contract::of_many_taking_over_one_lock_at_once_exactly_one_wins(&postgres());
    }

    #[test]
    fn drafts_belong_to_their_author_and_session() {
        contract::drafts_belong_to_their_author_and_session(&postgres());
    }

    #[test]
    fn a_session_is_alive_exactly_while_its_lease_is_held() {
        contract::a_session_is_alive_exactly_while_its_lease_is_held(&postgres());
    }

    #[test]
    fn the_access_log_chains_reads_by_case_and_shows_tampering() {
        contract::the_access_log_chains_reads_by_case_and_shows_tampering(&postgres());
    }

    #[test]
    fn ids_that_could_leave_the_store_are_refused() {
        contract::ids_that_could_leave_the_store_are_refused(&postgres());
    }
}
