//! The subcommands, each a function from the parsed arguments to output.

use serde::Serialize;
use time::OffsetDateTime;

use super::args::{AuditArgs, Command, EvaluateArgs, InitArgs, ListArgs, VerifyArgs};
use super::output::{clean, emit, emit_json, table, warn, when};
use super::{Env, Failure, config, demo, exit, policy_cmd, read_text, show, stats};
use crate::case::due::time_left;
use crate::case::history::{Integrity, verify};
use crate::case::{Case, case_id_problem, parse_case, rfc3339, validate};
use crate::clock;
use crate::identity::{self, Roster};
use crate::policy::Policy;
use crate::rules::evaluate;
use crate::rules::permissions::{Act, check};
use crate::store::{AccessLogIntegrity, CaseStore, CaseSummary, StoreError};

pub(crate) fn dispatch(env: &Env, command: Option<Command>) -> Result<(), Failure> {
    match command {
        None => app(env),
        Some(Command::Demo(args)) => demo::run(env, &args),
        Some(Command::List(args)) => list(env, &args),
        Some(Command::Show(args)) => show::run(env, &args),
        Some(Command::Evaluate(args)) => evaluate_file(env, &args),
        Some(Command::Verify(args)) => verify_cases(env, &args),
        Some(Command::Policy(command)) => policy_cmd::run(env, command),
        Some(Command::Audit(args)) => audit(env, &args),
        Some(Command::Stats(args)) => stats::run(env, &args),
        Some(Command::Generate(args)) => super::generate::run(env, &args),
        Some(Command::Init(args)) => init(env, &args),
        Some(Command::Roster(command)) => super::roster_cmd::run(env, command),
        Some(Command::Store(command)) => super::store_cmd::run(command),
        Some(Command::Serve(args)) => super::serve::run(env, &args),
        Some(Command::Import(args)) => super::pas_cmd::import(env, &args),
        Some(Command::Export(args)) => super::pas_cmd::export(env, &args),
        Some(Command::Letter(args)) => super::letter_cmd::run(env, &args),
        Some(Command::Notice(args)) => super::notice_cmd::notice(env, &args),
        Some(Command::Extend(args)) => super::notice_cmd::extend(env, &args),
        Some(Command::Appeal(args)) => super::notice_cmd::appeal(env, &args),
    }
}

/// `init [DIR]`: makes an owner-only store, the one way besides `demo`,
/// `generate` and the app's first run that a store comes to exist.
fn init(env: &Env, args: &InitArgs) -> Result<(), Failure> {
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => env.cases_dir()?,
    };
    let existed = dir.exists();
    let store = super::create_store_at(&dir)?;
    super::warn_about(&store);
    if existed {
        emit(&format!(
            "{} is already there; umdesk will use it as a case store.\n",
            clean(&store.location(), false)
        ))?;
    } else {
        emit(&format!(
            "Created the case store {} (owner-only).\n",
            clean(&store.location(), false)
        ))?;
    }
    Ok(())
}

/// Plain `umdesk`: the queue of the store, as the settled reviewer.
fn app(env: &Env) -> Result<(), Failure> {
    super::check_terminal()?;
    let policy = env.policy()?;
    let store = env.open_store_for_app()?;
    let settings = env.settings(&*store, true)?;
    super::open_app(store, policy, settings, None)
}

/// A case id from the command line, refused before it names a file.
pub(crate) fn checked_id(id: &str) -> Result<&str, Failure> {
    match case_id_problem(id) {
        Some(problem) => Err(Failure::input(problem)),
        None => Ok(id),
    }
}

/// Whether a case is still waiting for a decision and so has a clock.
fn is_open(summary: &CaseSummary) -> bool {
    summary.is_open()
}

fn is_overdue(summary: &CaseSummary, now: OffsetDateTime) -> bool {
    summary.is_overdue(now)
}

/// "2d 4h left", "OVERDUE 5h 0m", or "-" for a finalized case.
fn due_text(summary: &CaseSummary, now: OffsetDateTime) -> String {
    if !is_open(summary) {
        return "-".to_string();
    }
    let text = time_left(summary.due_at, now);
    match text.strip_prefix("overdue ") {
        Some(rest) => format!("OVERDUE {rest}"),
        None => text,
    }
}

#[derive(Serialize)]
struct ListRow<'a> {
    id: &'a str,
    status: &'static str,
    outcome: Option<&'static str>,
    member: &'a str,
    member_id: &'a str,
    received_at: String,
    due_at: String,
    /// None for a finalized case.
    time_left: Option<String>,
    overdue: bool,
    reviewer: Option<&'a str>,
    decided_at: Option<String>,
}

/// The reviewer `list` names: who is assigned, else who decided.
fn list_reviewer(s: &CaseSummary) -> Option<&str> {
    s.reviewer().or(s.decided_by())
}

fn list(env: &Env, args: &ListArgs) -> Result<(), Failure> {
    let store = env.open_store()?;
    let mut listing = store.list();
    listing.cases.sort_by(|a, b| a.id.cmp(&b.id));
    listing
        .unreadable
        .sort_by(|a, b| a.location.cmp(&b.location));
    let now = clock::now();
    let wanted_reviewer = args.reviewer_name.as_ref().map(|n| n.trim().to_lowercase());
    let shown: Vec<&CaseSummary> = listing
        .cases
        .iter()
        .filter(|s| args.status.is_none_or(|status| s.status == status))
        .filter(|s| !args.overdue || is_overdue(s, now))
        .filter(|s| match &wanted_reviewer {
            None => true,
            Some(name) => [s.reviewer(), s.decided_by()]
                .into_iter()
                .flatten()
                .any(|r| r.to_lowercase().contains(name.as_str())),
        })
        .collect();
    if args.json {
        let rows: Vec<ListRow> = shown
            .iter()
            .map(|s| ListRow {
                id: &s.id,
                status: s.status.key(),
                outcome: s.outcome.map(|o| o.key()),
                member: s.member(),
                member_id: s.member_id(),
                received_at: rfc3339(s.received_at),
                due_at: rfc3339(s.due_at),
                time_left: is_open(s).then(|| time_left(s.due_at, now)),
                overdue: is_overdue(s, now),
                reviewer: list_reviewer(s),
                decided_at: s.decided_at.map(rfc3339),
            })
            .collect();
        emit_json(&format!("{}\n", to_pretty(&rows)))?;
    } else if shown.is_empty() {
        let location = store.location();
        let location = clean(&location, false);
        let what = if listing.cases.is_empty() {
            format!("No cases in {location}.\n")
        } else {
            format!("No case matches ({} in {location}).\n", listing.cases.len(),)
        };
        emit(&what)?;
    } else {
        let rows: Vec<Vec<String>> = shown
            .iter()
            .map(|s| {
                vec![
                    s.id.to_string(),
                    s.status.label().to_string(),
                    s.outcome.map(|o| o.label()).unwrap_or("-").to_string(),
                    s.member().to_string(),
                    due_text(s, now),
                    list_reviewer(s).unwrap_or("-").to_string(),
                ]
            })
            .collect();
        emit(&table(
            &["ID", "STATUS", "OUTCOME", "MEMBER", "DUE", "REVIEWER"],
            &rows,
        ))?;
    }
    for unreadable in &listing.unreadable {
        warn(&format!(
            "{}: unreadable: {}",
            clean(&unreadable.location, false),
            clean(&unreadable.reason, false)
        ));
    }
    // A queue with files left out of it is not the whole queue: scripts
    // must not take it for one.
    if listing.unreadable.is_empty() {
        Ok(())
    } else {
        Err(Failure::quiet(exit::PROBLEMS))
    }
}

pub(crate) fn to_pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|err| format!("\"{err}\""))
}

/// `evaluate FILE|-`: the determination as JSON, writing nothing.
fn evaluate_file(env: &Env, args: &EvaluateArgs) -> Result<(), Failure> {
    let name = super::display_name(&args.file);
    let text = read_text(&args.file)?;
    let case = parse_case(&text)
        .map_err(|err| Failure::input(format!("{name}: {}", clean(&err.to_string(), false))))?;
    let policy = env.policy()?;
    refuse_invalid(&name, &policy.policy, &case)?;
    if case.policy.digest != policy.digest {
        warn(&format!(
            "note: {name} was made under {} effective {} (pack {}); evaluating with {} effective {} (pack {})",
            clean(&case.policy.number, false),
            clean(&case.policy.effective_date, false),
            clean(crate::case::short_digest(&case.policy.digest), false),
            clean(&policy.policy.number, false),
            clean(&policy.policy.effective_date, false),
            crate::case::short_digest(&policy.digest),
        ));
    }
    let evaluation = evaluate(&policy.policy, &case);
    emit_json(&format!("{}\n", to_pretty(&evaluation)))?;
    Ok(())
}

/// What verify checks signatures against, and what it says of that.
struct Signers {
    roster: Option<Roster>,
    /// The digests of the access log, oldest first, for the heads the
    /// signatures recorded.
    log: Vec<String>,
}

/// What verify says of one case: its chain and seal (an edit made outside
/// the app names the fields it changed), each problem of its content, then
/// its signatures.
fn verdict(policy: &Policy, case: &Case, signers: &Signers) -> Vec<(bool, String)> {
    if let Integrity::Tampered(what) = verify(case) {
        return vec![(false, format!("{}: tampered: {what}", case.id))];
    }
    let mut lines = signature_verdict(case, signers);
    lines.extend(
        validate::problems(policy, case)
            .into_iter()
            .map(|problem| (false, format!("{}: invalid: {problem}", case.id))),
    );
    lines
}

/// "intact", and who signed, or each problem of its signatures.
fn signature_verdict(case: &Case, signers: &Signers) -> Vec<(bool, String)> {
    let Some(roster) = &signers.roster else {
        let unchecked = match case.signatures.len() {
            0 => String::new(),
            n => format!(" ({n} signature(s) not checked: the store has no roster)"),
        };
        return vec![(true, format!("{}: intact{unchecked}", case.id))];
    };
    let checked = identity::verify::check(case, roster);
    let mut problems = checked.problems;
    problems.extend(identity::verify::check_access_log_heads(case, &signers.log));
    if problems.is_empty() {
        let signed = match checked.valid.len() {
            0 => String::new(),
            _ => {
                let names: Vec<String> = checked.valid.iter().map(identity::actor).collect();
                format!(", signed by {}", names.join(", "))
            }
        };
        return vec![(true, format!("{}: intact{signed}", case.id))];
    }
    problems
        .into_iter()
        .map(|p| (false, format!("{}: signature: {p}", case.id)))
        .collect()
}

/// The roster to check signatures against: `--roster FILE` (a copy kept
/// outside the store), else the store's. Says which on the report.
fn signers(
    store: &dyn CaseStore,
    trusted: Option<&std::path::Path>,
) -> Result<(Signers, (bool, String)), Failure> {
    let (roster, source) = match trusted {
        Some(path) => {
            let name = path.display().to_string();
            let text = read_text(path)?;
            let roster: Roster = crate::json::parse(&text)
                .map_err(|err| Failure::input(format!("{name}: not a roster: {err}")))?;
            (Some(roster), name)
        }
        None => match store.roster() {
            Ok(roster) => (roster, "the store's roster".to_string()),
            Err(err) => {
                let line = (false, format!("roster: unreadable: {err}"));
                let none = Signers {
                    roster: None,
                    log: Vec::new(),
                };
                return Ok((none, line));
            }
        },
    };
    let line = match &roster {
        None => (
            true,
            "roster: none; who reviewed is taken on trust and signatures are not checked"
                .to_string(),
        ),
        Some(roster) => (
            true,
            format!(
                "roster: {} reviewers, version {}, digest {} ({source})",
                roster.active().count(),
                roster.version,
                super::roster_cmd::roster_digest(roster)
            ),
        ),
    };
    let log = match &roster {
        Some(_) => store
            .access_log(None)
            .map_err(|err| Failure::from_store(&err))?
            .into_iter()
            .map(|e| e.digest)
            .collect(),
        None => Vec::new(),
    };
    Ok((Signers { roster, log }, line))
}

/// A case with content the screens would refuse is not evaluated: every
/// problem is named by its JSON path, and the exit code is 2.
fn refuse_invalid(name: &str, policy: &Policy, case: &Case) -> Result<(), Failure> {
    let problems = validate::problems(policy, case);
    if problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = problems
        .iter()
        .map(|p| format!("{name}: {}", clean(&p.to_string(), false)))
        .collect();
    Err(Failure::input(format!(
        "{name} holds what the review would refuse ({} problem(s)):\n{}",
        problems.len(),
        lines.join("\n")
    )))
}

fn verify_cases(env: &Env, args: &VerifyArgs) -> Result<(), Failure> {
    let store = env.open_store()?;
    let (signers, roster_line) = signers(&*store, args.roster.as_deref())?;
    let policy = env.policy()?;
    let mut report = String::new();
    let mut all_intact = true;
    let mut line = |ok: bool, text: String| {
        all_intact &= ok;
        report.push_str(&clean(&text, false));
        report.push('\n');
    };
    let judge = |case: &Case, line: &mut dyn FnMut(bool, String)| {
        for (ok, text) in verdict(&policy.policy, case, &signers) {
            line(ok, text);
        }
    };
    match &args.id {
        Some(id) => {
            let id = checked_id(id)?;
            match store.load(id) {
                Ok(case) => judge(&case, &mut line),
                Err(StoreError::NotFound(_)) => line(false, format!("{id}: not found")),
                Err(StoreError::Unreadable(u)) => {
                    line(false, format!("{}: unreadable: {}", u.location, u.reason))
                }
                Err(err) => return Err(Failure::from_store(&err)),
            }
        }
        None => {
            let mut listing = store.list();
            listing.cases.sort_by(|a, b| a.id.cmp(&b.id));
            listing
                .unreadable
                .sort_by(|a, b| a.location.cmp(&b.location));
            if listing.cases.is_empty() && listing.unreadable.is_empty() {
                line(true, format!("No cases in {}.", store.location()));
            }
            for summary in &listing.cases {
                match store.load(&summary.id) {
                    Ok(case) => judge(&case, &mut line),
                    Err(StoreError::Unreadable(u)) => {
                        line(false, format!("{}: unreadable: {}", u.location, u.reason))
                    }
                    Err(err) => line(
                        false,
                        format!("{}: unreadable: {err}", store.case_location(&summary.id)),
                    ),
                }
            }
            for u in &listing.unreadable {
                line(false, format!("{}: unreadable: {}", u.location, u.reason));
            }
        }
    }
    match store.verify_access_log() {
        AccessLogIntegrity::Intact { entries } => {
            line(true, format!("access log: intact ({entries} entries)"))
        }
        AccessLogIntegrity::Broken { line: 0, reason } => {
            line(false, format!("access log: unreadable: {reason}"))
        }
        AccessLogIntegrity::Broken { reason, .. } => {
            line(false, format!("access log: tampered: {reason}"))
        }
    }
    line(roster_line.0, roster_line.1);
    emit(&report)?;
    if all_intact {
        Ok(())
    } else {
        Err(Failure::quiet(exit::PROBLEMS))
    }
}

/// Refuses what the role may not do in `store`, with the reason.
pub(crate) fn require(
    env: &Env,
    store: &dyn CaseStore,
    act: Act,
) -> Result<config::Settings, Failure> {
    let settings = env.settings(store, false)?;
    check(settings.reviewer.role, act).map_err(Failure::forbidden)?;
    Ok(settings)
}

fn audit(env: &Env, args: &AuditArgs) -> Result<(), Failure> {
    let id = args.id.as_deref().map(checked_id).transpose()?;
    let store = env.open_store()?;
    require(env, &*store, Act::ViewAuditLog)?;
    if let AccessLogIntegrity::Broken { reason, .. } = store.verify_access_log() {
        warn(&format!(
            "warning: the access log is not intact: {}",
            clean(&reason, false)
        ));
    }
    let entries = store
        .access_log(id)
        .map_err(|err| Failure::from_store(&err))?;
    if entries.is_empty() {
        let what = match id {
            Some(id) => format!("No access to {id} is recorded.\n"),
            None => "No access is recorded.\n".to_string(),
        };
        emit(&what)?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                when(e.at),
                e.reviewer.name.clone(),
                e.reviewer.role.label().to_string(),
                e.action.clone(),
                e.case_id.clone(),
                e.from.clone(),
            ]
        })
        .collect();
    emit(&table(
        &["WHEN", "WHO", "ROLE", "ACTION", "CASE", "FROM"],
        &rows,
    ))?;
    Ok(())
}
