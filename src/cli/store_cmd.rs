//! `umdesk store init URL` and `umdesk store copy FROM TO`.

use super::args::StoreCommand;
use super::output::emit;
use super::{Failure, exit};
use crate::store::postgres::copy::{Endpoint, copy};
use crate::store::postgres::{SCHEMA_VERSION, init, is_postgres_url, mask_password};

pub(crate) fn run(command: StoreCommand) -> Result<(), Failure> {
    match command {
        StoreCommand::Init { url } => init_database(&url),
        StoreCommand::Copy { from, to } => copy_stores(&from, &to),
    }
}

fn init_database(url: &str) -> Result<(), Failure> {
    let location = mask_password(url);
    if !is_postgres_url(url) {
        return Err(Failure::input(format!(
            "{location}: not a postgres:// URL (a directory store is made by `umdesk init DIR`)"
        )));
    }
    let before = init(url).map_err(|err| Failure::from_store(&err))?;
    let text = match before {
        0 => format!("Created the umdesk schema (version {SCHEMA_VERSION}) in {location}.\n"),
        v if v == SCHEMA_VERSION => {
            format!("{location} already has the umdesk schema, version {SCHEMA_VERSION}.\n")
        }
        v => format!(
            "Upgraded the umdesk schema in {location} from version {v} to {SCHEMA_VERSION}.\n"
        ),
    };
    Ok(emit(&text)?)
}

fn copy_stores(from: &str, to: &str) -> Result<(), Failure> {
    let source = Endpoint::open(from, false).map_err(|err| Failure::from_store(&err))?;
    let target = Endpoint::open(to, true).map_err(|err| Failure::from_store(&err))?;
    let report = copy(&source, &target).map_err(|err| {
        Failure::new(
            exit::PROBLEMS,
            format!("{err}\nRun the same copy again to resume: what is there is kept."),
        )
    })?;
    emit(&format!(
        "Copied {} cases ({} were already there), {} drafts, {} roster entries and {} \
         access-log entries ({} were already there) from {} to {}; all {} case documents \
         are identical.\n",
        report.cases_copied,
        report.cases_already_there,
        report.drafts_copied,
        report.roster_entries_copied,
        report.access_entries_copied,
        report.access_entries_already_there,
        source.store().location(),
        target.store().location(),
        report.verified
    ))?;
    Ok(())
}
