//! `umdesk roster add|remove|list`: who may review in this store.
//!
//! The store's owner makes the first entry (a supervisor); after that only
//! a supervisor on the roster, recognized by their operating-system user,
//! changes it. Every change goes to the access log with who made it.

use std::path::Path;

use super::args::{RosterAddArgs, RosterCommand};
use super::commands::to_pretty;
use super::output::{clean, emit, table, when};
use super::{Env, Failure, exit};
use crate::case::{Reviewer, Role};
use crate::clock;
use crate::digest::sha256_hex;
use crate::identity::roster::{Changer, Removal, RosterEntry, fingerprint, parse_key};
use crate::identity::{Roster, actor, effective_os_user};
use crate::store::{AccessEntry, CaseStore, ROSTER_ID, StoreError};

pub(crate) fn run(env: &Env, command: RosterCommand) -> Result<(), Failure> {
    match command {
        RosterCommand::Add(args) => add(env, &args),
        RosterCommand::Remove { name } => remove(env, &name),
        RosterCommand::List { json } => list(env, json),
    }
}

/// The roster as stored (an empty one, version 0, when there is none).
fn current(store: &dyn CaseStore) -> Result<Roster, Failure> {
    store
        .roster()
        .map(Option::unwrap_or_default)
        .map_err(|err| Failure::from_store(&err))
}

/// Who runs the command, if they may change the roster: the reviewer the
/// change is recorded under.
fn changer(store: &dyn CaseStore, roster: &Roster) -> Result<Reviewer, Failure> {
    let os_user = effective_os_user().ok_or_else(|| {
        Failure::forbidden(
            "the operating-system user has no name, so the change cannot be recorded",
        )
    })?;
    // A database has no owning OS user: its owner is the role that owns
    // its tables, which the connection proves.
    let store_owner = if store.connected_as_owner() {
        Some(os_user.clone())
    } else {
        store.owner()
    };
    let changer = Changer {
        os_user,
        store_owner,
    };
    roster
        .authorize(&changer)
        .map_err(|err| Failure::forbidden(err.to_string()))
}

/// Saves the changed roster over `version`, recording `what` by `by`,
/// and says `done`.
fn save(
    store: &dyn CaseStore,
    roster: &Roster,
    version: u64,
    by: &Reviewer,
    (what, done): (&str, &str),
) -> Result<(), Failure> {
    let change = AccessEntry::new(by, ROSTER_ID, what);
    let saved = store
        .save_roster(roster, version, &change)
        .map_err(|err| match err {
            StoreError::RosterConflict { .. } => Failure::new(exit::PROBLEMS, err.to_string()),
            other => Failure::from_store(&other),
        })?;
    emit(&format!(
        "{}; the roster is at version {}.\n",
        clean(done, false),
        saved.version
    ))?;
    Ok(())
}

/// A `--key` value: the key line itself, or a file holding it.
fn key_line(value: &str) -> Result<String, Failure> {
    let value = value.trim();
    if value.starts_with("ssh-") {
        return Ok(value.to_string());
    }
    let text = super::read_text(Path::new(value))?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .ok_or_else(|| Failure::input(format!("{value}: holds no public key")))?;
    if line.starts_with("-----BEGIN") {
        return Err(Failure::input(format!(
            "{value} is a private key; give the public one ({value}.pub)"
        )));
    }
    parse_key(line).map_err(|err| Failure::input(format!("{value}: {err}")))?;
    Ok(line.to_string())
}

fn add(env: &Env, args: &RosterAddArgs) -> Result<(), Failure> {
    let role = env.new_entry_role.ok_or_else(|| {
        Failure::input(format!(
            "roster add needs the new entry's role: --role {}",
            Role::ALL.map(Role::label).join("|")
        ))
    })?;
    let store = env.open_store()?;
    let mut roster = current(&*store)?;
    let by = changer(&*store, &roster)?;
    let keys = args
        .keys
        .iter()
        .map(|k| key_line(k))
        .collect::<Result<Vec<_>, _>>()?;
    let entry = RosterEntry {
        name: args.name.trim().to_string(),
        role,
        os_users: args.os_users.iter().map(|u| u.trim().to_string()).collect(),
        keys,
        added_at: clock::now(),
        added_by: actor(&by),
        removed: None,
        npi: npi_of(args.npi.as_deref())?,
    };
    let how = how_added(&entry);
    let what = format!(
        "roster add {} as {} ({how})",
        entry.name,
        entry.role.label()
    );
    let done = format!("Added {} as {} ({how})", entry.name, entry.role.label());
    let version = roster.version;
    roster
        .add(entry)
        .map_err(|err| Failure::input(err.to_string()))?;
    save(&*store, &roster, version, &by, (&what, &done))
}

/// "os users dana; keys SHA256:...".
fn how_added(entry: &RosterEntry) -> String {
    let mut how = Vec::new();
    if !entry.os_users.is_empty() {
        how.push(format!("os users {}", entry.os_users.join(", ")));
    }
    let prints: Vec<String> = entry.public_keys().map(|k| fingerprint(&k)).collect();
    if !prints.is_empty() {
        how.push(format!("keys {}", prints.join(", ")));
    }
    if how.is_empty() {
        "no way to sign in yet".to_string()
    } else {
        how.join("; ")
    }
}

fn remove(env: &Env, name: &str) -> Result<(), Failure> {
    let store = env.open_store()?;
    let mut roster = current(&*store)?;
    if roster.entries.is_empty() {
        return Err(Failure::new(
            exit::PROBLEMS,
            format!("{} has no roster", store.location()),
        ));
    }
    let by = changer(&*store, &roster)?;
    let name = name.trim();
    let version = roster.version;
    let removal = Removal {
        at: clock::now(),
        by: actor(&by),
    };
    roster
        .remove(name, removal)
        .map_err(|err| Failure::input(err.to_string()))?;
    let what = format!("roster remove {name}");
    let done = format!("Removed {name}");
    save(&*store, &roster, version, &by, (&what, &done))
}

/// The digest of the roster as saved: compare it with a copy kept
/// elsewhere to see that nobody rewrote it.
pub(crate) fn roster_digest(roster: &Roster) -> String {
    sha256_hex(to_pretty(roster).as_bytes())
}

fn list(env: &Env, json: bool) -> Result<(), Failure> {
    let store = env.open_store()?;
    let Some(roster) = store.roster().map_err(|err| Failure::from_store(&err))? else {
        emit(&format!(
            "{} has no roster: who is reviewing is taken on trust.\n\
             The store's owner makes the first entry: umdesk roster add \"NAME, CREDENTIALS\" \
             --role supervisor --os-user USER\n",
            store.location()
        ))?;
        return Ok(());
    };
    if json {
        emit(&format!("{}\n", to_pretty(&roster)))?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = roster
        .entries
        .iter()
        .map(|e| {
            let prints: Vec<String> = e.public_keys().map(|k| fingerprint(&k)).collect();
            vec![
                e.name.clone(),
                e.role.label().to_string(),
                or_dash(e.os_users.join(", ")),
                or_dash(prints.join(", ")),
                format!("{} by {}", when(e.added_at), e.added_by),
                match &e.removed {
                    None => "active".to_string(),
                    Some(r) => format!("removed {} by {}", when(r.at), r.by),
                },
            ]
        })
        .collect();
    emit(&table(
        &["NAME", "ROLE", "OS USERS", "KEYS", "ADDED", "STATUS"],
        &rows,
    ))?;
    emit(&format!(
        "Roster version {}, digest {}.\n",
        roster.version,
        roster_digest(&roster)
    ))?;
    Ok(())
}

fn or_dash(text: String) -> String {
    if text.is_empty() {
        "-".to_string()
    } else {
        text
    }
}

/// The NPI given with `--npi`, checked: a response names it.
fn npi_of(npi: Option<&str>) -> Result<Option<String>, Failure> {
    let Some(npi) = npi.map(str::trim) else {
        return Ok(None);
    };
    match crate::case::npi::npi_problem(npi) {
        Some(why) => Err(Failure::input(format!("--npi {npi}: {why}"))),
        None => Ok(Some(npi.to_string())),
    }
}

#[cfg(test)]
mod npi_tests {
    use super::npi_of;

    #[test]
    fn a_roster_npi_is_checked_before_it_is_kept() {
        assert_eq!(npi_of(None), Ok(None));
        assert_eq!(npi_of(Some(" 1679576722 ")), Ok(Some("1679576722".into())));
        let refused = npi_of(Some("1234567890")).unwrap_err();
        assert_eq!(refused.code, super::exit::BAD_INPUT);
        assert!(
            refused.message.contains("--npi 1234567890"),
            "{}",
            refused.message
        );
    }
}
