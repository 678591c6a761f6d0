//! `umdesk generate --count N [--seed S]`: fictional cases for demos and
//! benchmarks, written through the store like any other case.

use super::args::GenerateArgs;
use super::output::{clean, emit, warn};
use super::{Env, Failure};
use crate::case::history::{record_changes, seal};
use crate::case::{Case, Change, Reviewer};
use crate::clock;
use crate::store::CaseStore;

pub(crate) fn run(env: &Env, args: &GenerateArgs) -> Result<(), Failure> {
    let policy = env.policy()?;
    let store = store_to_fill(env)?;
    let settings = env.settings(&*store, false)?;
    let now = clock::now();
    let count = usize::try_from(args.count).unwrap_or(usize::MAX);
    let cases = crate::fixtures::generate(&policy, count, args.seed, now);
    let mut first: Option<String> = None;
    let mut last = String::new();
    for mut case in cases {
        let id = store_case(&*store, &mut case, &settings.reviewer, now)?;
        first.get_or_insert_with(|| id.clone());
        last = id;
    }
    match first {
        Some(first) => emit(&format!(
            "Wrote {} fictional cases to {} ({first} .. {last}).\n",
            args.count,
            clean(&store.location(), false)
        ))?,
        None => warn("No case was generated."),
    }
    Ok(())
}

/// The database `--store` names, else the file store, made if missing (a
/// demo's first step may be to fill one).
fn store_to_fill(env: &Env) -> Result<Box<dyn CaseStore>, Failure> {
    if env.database_url().is_some() {
        return env.open_store();
    }
    Ok(Box::new(env.create_store()?))
}

/// Creates the case under a free id. When the store has to give it another
/// id than the generator did, the change is recorded in its history (and
/// a sealed case sealed anew) in the same write, so the case still verifies
/// and is never on disk half renumbered.
fn store_case(
    store: &dyn CaseStore,
    case: &mut Case,
    by: &Reviewer,
    now: time::OffsetDateTime,
) -> Result<String, Failure> {
    let generated_id = case.id.clone();
    let received = case.request.received_at.date();
    let mut renumber = |case: &mut Case| {
        if case.id == generated_id || case.history.is_empty() {
            return;
        }
        let was_sealed = case.seal.take().is_some();
        let id = case.id.clone();
        record_changes(
            case,
            vec![Change::set(
                "id",
                generated_id.clone().into(),
                id.clone().into(),
            )],
            by,
            "renumbered",
            &format!(
                "Generated as {generated_id}; that id was taken in this store, stored as {id}"
            ),
            now,
        );
        if was_sealed {
            seal(case, now);
        }
    };
    store
        .create(case, received, &mut renumber)
        .map_err(|err| Failure::from_store(&err))
}
