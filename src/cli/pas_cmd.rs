//! `umdesk import FILE|-` (a PAS request Bundle becomes a case) and
//! `umdesk export ID --pas` (a decided case becomes the PAS response).

use std::path::Path;

use super::args::{ExportArgs, ImportArgs};
use super::commands::checked_id;
use super::output::{clean, emit, warn};
use super::{Env, Failure, display_name, exit, read_text};
use crate::case::history;
use crate::case::{Case, Role};
use crate::clock;
use crate::pas::{self, ResponseOptions};
use crate::rules::permissions::{Act, check};
use crate::store::{AccessEntry, CaseStore};

/// Imports the request in `path`; prints the id of the case, new or the
/// one the same request made before.
pub(crate) fn import(env: &Env, args: &ImportArgs) -> Result<(), Failure> {
    let name = display_name(&args.file);
    let text = read_text(&args.file)?;
    let imported = pas::import_request(&text).map_err(|err| {
        Failure::input(format!(
            "{name} is not a PAS request umdesk can make a case of: {}",
            clean(&err.to_string(), false)
        ))
    })?;
    let policy = env.policy()?;
    let store = env.open_store()?;
    let settings = env.settings(&*store, false)?;
    check(settings.reviewer.role, Act::CreateCase)
        .map_err(|err| Failure::forbidden(err.to_string()))?;
    let key = imported.request.key();
    if let Some(id) = existing(&*store, &key)? {
        warn(&format!(
            "{name}: request {} was imported before, as case {id}; nothing was created",
            clean(&key, false)
        ));
        emit(&format!("{id}\n"))?;
        return Ok(());
    }
    let mut case = crate::case::new_case("pending", imported.facts, &policy, &settings.due_table);
    case.pas_request = Some(imported.request);
    crate::rules::answers::sync_all(&policy.policy, &mut case);
    let received = case.request.received_at.date();
    let reviewer = settings.reviewer.clone();
    let at = clock::now();
    let summary = format!("Case imported from PAS request {key}");
    let created = store.create(&mut case, received, &mut |case: &mut Case| {
        history::record(case, None, &reviewer, "created", &summary, at);
    });
    let id = match created {
        Ok(id) => id,
        // Imported by someone else at the same moment: the store refused
        // the second copy of the request.
        Err(err) => match existing(&*store, &key)? {
            Some(id) => {
                emit(&format!("{id}\n"))?;
                return Ok(());
            }
            None => return Err(Failure::from_store(&err)),
        },
    };
    let _ = store.log_access(&AccessEntry::new(&settings.reviewer, &id, "import"));
    emit(&format!("{id}\n"))?;
    Ok(())
}

fn existing(store: &dyn CaseStore, key: &str) -> Result<Option<String>, Failure> {
    store
        .find_by_request(key)
        .map_err(|err| Failure::from_store(&err))
}

/// Writes the PAS response of a decided case.
pub(crate) fn export(env: &Env, args: &ExportArgs) -> Result<(), Failure> {
    if !args.pas {
        return Err(Failure::input(
            "export writes a PAS response: give --pas (the only format so far)",
        ));
    }
    let id = checked_id(&args.id)?;
    let policy = env.policy()?;
    let store = env.open_store()?;
    let settings = env.settings(&*store, false)?;
    let case = env.load_recorded(
        &*store,
        &settings.reviewer,
        id,
        "export pas",
        "nothing is written",
    )?;
    if case.policy.digest != policy.digest {
        // The response sorts items by the codes the loaded pack lists.
        warn(&format!(
            "warning: case {} was decided under pack {} of {}; the pack loaded now ({}) differs",
            case.id,
            crate::case::short_digest(&case.policy.digest),
            clean(&case.policy.number, false),
            crate::case::short_digest(&policy.digest)
        ));
    }
    let mut options = ResponseOptions::at(clock::now());
    options.reviewer_npi = reviewer_npi(&*store, &case, args.reviewer_npi.as_deref())?;
    options.reason_code = args.reason_code.as_deref().map(reason_code).transpose()?;
    let bundle = build(&policy.policy, &case, &options, args.questionnaire)?;
    let text = format!(
        "{}\n",
        serde_json::to_string_pretty(&bundle).expect("JSON values always serialize")
    );
    match &args.out {
        Some(path) => write_out(path, &text),
        None => Ok(emit(&text)?),
    }
}

/// The response bundle, with the checklist and its Questionnaire when
/// asked; checked against the profile rules before anything is written.
pub fn build(
    policy: &crate::policy::Policy,
    case: &Case,
    options: &ResponseOptions,
    with_questionnaire: bool,
) -> Result<serde_json::Value, Failure> {
    let mut bundle = pas::response_bundle(policy, case, options)
        .map_err(|err| Failure::input(clean(&err.to_string(), false)))?;
    if with_questionnaire && let Some(request) = &case.pas_request {
        let patient = format!("Patient/{}", request.patient.id);
        let entries = bundle["entry"]
            .as_array_mut()
            .expect("the bundle has entries");
        entries.push(pas::response::entry(
            &options.base,
            pas::questionnaire::questionnaire_response(policy, case, &patient),
        ));
        entries.push(pas::response::entry(
            &options.base,
            pas::questionnaire::questionnaire(policy),
        ));
    }
    let problems = pas::conformance::check_response(&bundle);
    if !problems.is_empty() {
        return Err(Failure::new(
            exit::PROBLEMS,
            format!(
                "the response for case {} does not conform to PAS, so it was not written:\n{}",
                case.id,
                problems.join("\n")
            ),
        ));
    }
    Ok(bundle)
}

/// The deciding physician's NPI: `--reviewer-npi`, else the roster's.
fn reviewer_npi(
    store: &dyn CaseStore,
    case: &Case,
    given: Option<&str>,
) -> Result<Option<String>, Failure> {
    if let Some(npi) = given {
        return Ok(Some(npi.trim().to_string()));
    }
    let Some(determination) = &case.determination else {
        return Ok(None);
    };
    if determination.decided_by.role != Role::Physician {
        return Ok(None);
    }
    let roster = store.roster().map_err(|err| Failure::from_store(&err))?;
    Ok(roster.and_then(|roster| {
        roster
            .entries_named(&determination.decided_by.name)
            .find_map(|entry| entry.npi.clone())
    }))
}

/// "SYSTEM|CODE", a plan-supplied reason code.
fn reason_code(text: &str) -> Result<(String, String), Failure> {
    match text.rsplit_once('|') {
        Some((system, code)) if !system.trim().is_empty() && !code.trim().is_empty() => {
            Ok((system.trim().to_string(), code.trim().to_string()))
        }
        _ => Err(Failure::input(format!(
            "--reason-code '{}': give it as SYSTEM|CODE, the plan's code system and code",
            clean(text, false)
        ))),
    }
}

fn write_out(path: &Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text)
        .map_err(|err| Failure::new(exit::PROBLEMS, format!("{}: {err}", display_name(path))))
}
