//! `umdesk notice|extend|appeal`: what happens around a decision that the
//! CMS-0057-F figures count, recorded the way the app records any change:
//! under the case's edit lock, through the rules ([`crate::rules::notices`]),
//! one history entry each, and an appeal decision signed as a determination
//! is where the store has a roster.

use time::OffsetDateTime;

use super::args::{AppealAction, AppealArgs, ExtendArgs, NoticeArgs};
use super::commands::checked_id;
use super::output::{clean, warn};
use super::{Env, Failure, config, exit};
use crate::case::{AppealOutcome, Case, Reviewer};
use crate::clock;
use crate::identity::signing::{SigningKey, sign_last_entry};
use crate::rules::notices::{self, NoticeError};
use crate::store::{AccessEntry, CaseStore, LockHolder, StoreError};

pub(crate) fn notice(env: &Env, args: &NoticeArgs) -> Result<(), Failure> {
    let at = args.at;
    change(env, &args.id, false, |case, by, now| {
        notices::record_notice_sent(case, by, at.unwrap_or(now), now)
    })
}

pub(crate) fn extend(env: &Env, args: &ExtendArgs) -> Result<(), Failure> {
    change(env, &args.id, false, |case, by, now| {
        notices::extend(
            case,
            by,
            args.days,
            &args.reason,
            args.notice_at.unwrap_or(now),
            now,
        )
    })
}

pub(crate) fn appeal(env: &Env, args: &AppealArgs) -> Result<(), Failure> {
    match &args.action {
        AppealAction::File { by, expedited, at } => {
            change(env, &args.id, false, |case, reviewer, now| {
                notices::file_appeal(case, reviewer, *by, *expedited, at.unwrap_or(now), now)
            })
        }
        AppealAction::Decide {
            overturned,
            rationale,
            ..
        } => {
            let outcome = if *overturned {
                AppealOutcome::Overturned
            } else {
                AppealOutcome::Upheld
            };
            change(env, &args.id, true, |case, reviewer, now| {
                notices::decide_appeal(case, reviewer, outcome, rationale, now)
            })
        }
    }
}

/// Whether a refusal is about who asks (exit 3) or what was asked (exit 2).
fn failure_of(err: NoticeError) -> Failure {
    match err {
        NoticeError::NotPhysician(_) | NoticeError::OwnDenial { .. } => {
            Failure::forbidden(err.to_string())
        }
        other => Failure::input(clean(&other.to_string(), false).into_owned()),
    }
}

/// Takes the case's edit lock, applies `act` to it as the signed-in
/// reviewer, signs the entry when `signed` and the store asks for
/// signatures, saves, and lets the lock go.
fn change(
    env: &Env,
    id: &str,
    signed: bool,
    act: impl FnOnce(&mut Case, &Reviewer, OffsetDateTime) -> Result<(), NoticeError>,
) -> Result<(), Failure> {
    let id = checked_id(id)?;
    let store = env.open_store()?;
    let settings = env.settings(&*store, false)?;
    let holder = LockHolder::current(settings.reviewer.clone());
    let _lease = store
        .begin_session(&holder)
        .map_err(|err| Failure::from_store(&err))?;
    store.lock(id, &holder).map_err(|err| match err {
        StoreError::Locked(lock) => Failure::new(
            exit::PROBLEMS,
            format!(
                "case {id} is open for editing by {} since {}; try again when it is closed",
                clean(&lock.holder.reviewer.name, false),
                crate::case::rfc3339(lock.since)
            ),
        ),
        other => Failure::from_store(&other),
    })?;
    let result = change_locked(&*store, &settings, id, signed, act);
    if let Err(err) = store.unlock(id, &holder) {
        warn(&format!(
            "umdesk: could not release the lock of {id}: {err}"
        ));
    }
    result
}

fn change_locked(
    store: &dyn CaseStore,
    settings: &config::Settings,
    id: &str,
    signed: bool,
    act: impl FnOnce(&mut Case, &Reviewer, OffsetDateTime) -> Result<(), NoticeError>,
) -> Result<(), Failure> {
    let mut case = store.load(id).map_err(|err| Failure::from_store(&err))?;
    store
        .log_access(&AccessEntry::new(&settings.reviewer, id, "record"))
        .map_err(|err| Failure::from_store(&err))?;
    let expected = case
        .history
        .last()
        .map(|e| e.digest.clone())
        .unwrap_or_default();
    act(&mut case, &settings.reviewer, clock::now()).map_err(failure_of)?;
    if signed {
        sign(store, settings, &mut case)?;
    }
    store
        .save(&case, &expected)
        .map_err(|err| Failure::from_store(&err))?;
    let summary = case
        .history
        .last()
        .map(|e| e.summary.clone())
        .unwrap_or_default();
    warn(&format!("{id}: {}", clean(&summary, false)));
    Ok(())
}

/// Signs the act just recorded, as the app signs a decision: required in
/// a store with a roster, skipped without a key in one without.
fn sign(
    store: &dyn CaseStore,
    settings: &config::Settings,
    case: &mut Case,
) -> Result<(), Failure> {
    let required = store
        .roster()
        .map_err(|err| Failure::from_store(&err))?
        .is_some_and(|r| !r.is_empty());
    let key = match settings.signing_key.as_deref().map(SigningKey::load) {
        Some(Ok(key)) => key,
        Some(Err(err)) if required => {
            return Err(Failure::input(format!("not signed, so not saved: {err}")));
        }
        None if required => {
            return Err(Failure::input(
                "not signed, so not saved: no signing key is set (--signing-key FILE)",
            ));
        }
        _ => return Ok(()),
    };
    let head = store
        .access_log_head()
        .map_err(|err| Failure::from_store(&err))?;
    sign_last_entry(case, &key, head)
        .map_err(|err| Failure::input(format!("not signed, so not saved: {err}")))
}
