//! The command line: `umdesk` opens the app; subcommands script the store
//! and the rules. Every failure leaves with a message on stderr naming the
//! file and the field, and an exit code from [`exit`].

mod args;
mod commands;
mod config;
mod demo;
mod generate;
mod letter_cmd;
mod notice_cmd;
mod output;
mod pas_cmd;
mod policy_cmd;
mod roster_cmd;
mod serve;
mod show;
pub mod stats;
mod store_cmd;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;

use crate::policy::LoadedPolicy;
use crate::store::{CaseStore, FileStore, StoreError, location};

pub use args::Cli;
pub use config::{Config, Settings};

/// The exit codes, as `--help` documents them.
pub mod exit {
    pub const OK: u8 = 0;
    /// verify found a problem; a case was not found; the app failed.
    pub const PROBLEMS: u8 = 1;
    /// A bad file, pack, config, id or argument.
    pub const BAD_INPUT: u8 = 2;
    /// The role may not do this.
    pub const FORBIDDEN: u8 = 3;
    /// The store could not be read or written.
    pub const STORE: u8 = 4;
}

/// Why a command stopped: the exit code and what to say on stderr (nothing
/// when the command already said it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    pub fn input(message: impl Into<String>) -> Failure {
        Failure::new(exit::BAD_INPUT, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Failure {
        Failure::new(exit::FORBIDDEN, message)
    }

    pub fn store(message: impl Into<String>) -> Failure {
        Failure::new(exit::STORE, message)
    }

    /// The command printed its findings already; only the code is left.
    pub fn quiet(code: u8) -> Failure {
        Failure::new(code, String::new())
    }

    /// The same failure, its message after `context`.
    pub fn with_context(self, context: &str) -> Failure {
        Failure::new(self.code, format!("{context}: {}", self.message))
    }

    /// A store error, with the code that fits it. The message names files
    /// of the store, whose names anyone who can write there chose: it is
    /// one line, escaped.
    pub fn from_store(err: &StoreError) -> Failure {
        let code = match err {
            StoreError::NotFound(_) => exit::PROBLEMS,
            StoreError::InvalidId(_) => exit::BAD_INPUT,
            _ => exit::STORE,
        };
        Failure::new(code, output::clean(&err.to_string(), false))
    }
}

/// Writing to stdout failed for a reason other than a closed pipe.
impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Failure {
        Failure::new(exit::PROBLEMS, format!("writing the output: {err}"))
    }
}

/// The process's entry point: parses the arguments and runs the command.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // --help and --version land here too, with exit code 0. An
            // error quotes the argument it refuses: plain and escaped.
            if err.use_stderr() {
                output::warn(err.render().to_string().trim_end());
            } else {
                let _ = err.print();
            }
            return ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(exit::BAD_INPUT));
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(failure) => {
            if !failure.message.is_empty() {
                output::warn(&format!("umdesk: {}", failure.message.trim_end()));
            }
            ExitCode::from(failure.code)
        }
    }
}

/// Runs a parsed command line.
pub fn run(mut cli: Cli) -> Result<(), Failure> {
    // `roster add NAME --role ROLE`: there --role is the new entry's role,
    // not a claim about who runs the command.
    let new_entry_role = match &cli.command {
        Some(args::Command::Roster(args::RosterCommand::Add(_))) => cli.role.take(),
        _ => None,
    };
    // A pack named by `--policy` is read before anything else, by every
    // command: a file that is not a pack is refused, never ignored.
    let policy = cli.policy.as_deref().map(load_pack).transpose()?;
    let env = Env {
        new_entry_role,
        cases: cli.cases.clone(),
        store: cli.store.clone(),
        policy,
        identity: config::Flags {
            claim: crate::identity::Claim {
                reviewer: cli.reviewer.clone(),
                role: cli.role,
            },
            signing_key: cli.signing_key.clone(),
        },
        known: None,
        access_from: None,
    };
    commands::dispatch(&env, cli.command)
}

/// `umdesk show`'s text of a case: its facts, criteria, determination and
/// the rest, with its history when asked. Every string from the case is
/// escaped as the command line escapes it.
pub fn show_text(case: &crate::case::Case, policy: &LoadedPolicy, with_history: bool) -> String {
    show::text(case, policy, with_history)
}

/// The global options, and what follows from them on demand.
pub(crate) struct Env {
    pub cases: Option<PathBuf>,
    /// `--store URL`.
    pub store: Option<String>,
    /// The pack `--policy` named, read and checked.
    pub policy: Option<LoadedPolicy>,
    pub identity: config::Flags,
    /// The role given to `roster add`.
    pub new_entry_role: Option<crate::case::Role>,
    /// Who is reviewing, already established (by the key of an SSH
    /// connection to `umdesk serve`): the roster is not asked again.
    pub known: Option<Settings>,
    /// Where the command came from, for the access log, when it is not
    /// this process's terminal ("host via ssh ADDR PORT ADDR PORT").
    pub access_from: Option<String>,
}

impl Env {
    /// The policy pack: `--policy FILE`, else the embedded MP 1.121.
    pub fn policy(&self) -> Result<LoadedPolicy, Failure> {
        match &self.policy {
            None => Ok(LoadedPolicy::embedded()),
            Some(loaded) => Ok(loaded.clone()),
        }
    }

    /// Case `id`, read for `action` by `reviewer` and recorded in the access
    /// log first (HIPAA audit controls: no viewing goes unrecorded), with
    /// where the command came from. When the log cannot take it, nothing
    /// is `done` (the refusal says so).
    pub fn load_recorded(
        &self,
        store: &dyn CaseStore,
        reviewer: &crate::case::Reviewer,
        id: &str,
        action: &str,
        done: &str,
    ) -> Result<crate::case::Case, Failure> {
        let case = store.load(id).map_err(|err| Failure::from_store(&err))?;
        let mut entry = crate::store::AccessEntry::new(reviewer, &case.id, action);
        if let Some(from) = &self.access_from {
            entry.from = from.clone();
        }
        store.log_access(&entry).map_err(|err| {
            Failure::store(format!(
                "the viewing could not be recorded in the access log, so {done}: {err}"
            ))
        })?;
        Ok(case)
    }

    /// The store directory from `--cases`, `UMDESK_CASES` or the platform.
    pub fn cases_dir(&self) -> Result<PathBuf, Failure> {
        location::cases_dir(self.cases.as_deref()).map_err(Failure::store)
    }

    /// Opens the store a command reads, which must exist (a mistyped
    /// `--cases` is an error, not a new empty store), and reports its
    /// permission problems on stderr.
    pub fn open_store(&self) -> Result<Box<dyn CaseStore>, Failure> {
        if let Some(url) = self.database_url() {
            return open_database(&url).map(|store| Box::new(store) as Box<dyn CaseStore>);
        }
        let dir = self.cases_dir()?;
        let store = FileStore::open_existing(&dir).map_err(|err| Failure::from_store(&err))?;
        warn_about(&store);
        Ok(Box::new(store))
    }

    /// The PostgreSQL store named by `--store`, or by `UMDESK_STORE` when
    /// `--cases` does not name a directory; None for the file store.
    pub fn database_url(&self) -> Option<String> {
        if let Some(url) = &self.store {
            return Some(url.clone());
        }
        if self.cases.is_some() {
            return None;
        }
        std::env::var(STORE_ENV)
            .ok()
            .filter(|value| !value.trim().is_empty())
    }

    /// Opens the store, creating it owner-only if missing: for `generate`
    /// and `init`.
    pub fn create_store(&self) -> Result<FileStore, Failure> {
        let store = create_store_at(&self.cases_dir()?)?;
        warn_about(&store);
        Ok(store)
    }

    /// Opens the store for the interactive app: the platform's default
    /// location is created on the first run; one named by `--cases` or
    /// `UMDESK_CASES` must exist. The app shows the permission warnings on
    /// its own screen after the first frame: checking them here too would
    /// stat every case file once more before anything is drawn, and the
    /// lines would vanish behind the alternate screen.
    pub fn open_store_for_app(&self) -> Result<std::sync::Arc<dyn CaseStore>, Failure> {
        if let Some(url) = self.database_url() {
            return open_database(&url).map(|store| std::sync::Arc::new(store) as _);
        }
        let dir = self.cases_dir()?;
        let store = if self.store_is_named() {
            FileStore::open_existing(&dir).map_err(|err| Failure::from_store(&err))?
        } else {
            create_store_at(&dir)?
        };
        Ok(std::sync::Arc::new(store))
    }

    /// Who is reviewing in `store`: its roster's entry for the OS user when
    /// it has a roster (a roster that cannot be read stops the command),
    /// else the flags and config, on trust. Notes about claims set aside
    /// go to stderr.
    pub fn settings(&self, store: &dyn CaseStore, ask: bool) -> Result<Settings, Failure> {
        if let Some(known) = &self.known {
            return Ok(known.clone());
        }
        let roster = store.roster().map_err(|err| {
            Failure::from_store(&err).with_context(
                "the store's roster cannot be read, so who is reviewing cannot be established",
            )
        })?;
        let settings = config::resolve(&self.identity, ask, roster.as_ref())?;
        for note in &settings.notes {
            output::warn(&output::clean(note, false));
        }
        Ok(settings)
    }

    /// Whether the store was named by `--cases` or `UMDESK_CASES`, rather
    /// than being the platform's default.
    fn store_is_named(&self) -> bool {
        self.cases.is_some()
            || std::env::var_os(location::CASES_ENV).is_some_and(|value| !value.is_empty())
    }
}

/// The environment variable naming a PostgreSQL store (a postgres:// URL)
/// when neither `--store` nor `--cases` is given.
pub const STORE_ENV: &str = "UMDESK_STORE";

/// Opens the PostgreSQL store at `url`; a URL that is not one is refused,
/// naming it (password masked).
fn open_database(url: &str) -> Result<crate::store::PostgresStore, Failure> {
    if !crate::store::postgres::is_postgres_url(url) {
        return Err(Failure::input(format!(
            "{}: not a postgres:// URL (--store and {STORE_ENV} name a PostgreSQL store; \
             a directory is --cases)",
            crate::store::postgres::mask_password(url)
        )));
    }
    crate::store::PostgresStore::open(url).map_err(|err| Failure::from_store(&err))
}

pub(crate) fn warn_about(store: &dyn CaseStore) {
    for warning in store.warnings() {
        output::warn(&format!("warning: {}", output::clean(&warning.0, false)));
    }
}

/// Opens the store at `dir`, creating it owner-only if missing.
pub(crate) fn create_store_at(dir: &Path) -> Result<FileStore, Failure> {
    FileStore::open(dir).map_err(|err| Failure::from_store(&err))
}

/// Reads a pack; every problem is named by the file and its JSON path.
pub(crate) fn load_pack(path: &Path) -> Result<LoadedPolicy, Failure> {
    let name = display_name(path);
    let text = read_text(path)?;
    LoadedPolicy::from_json(&text, &name).map_err(|err| {
        let lines: Vec<String> = err
            .problems
            .iter()
            .map(|p| {
                format!(
                    "{name}: {}: {}",
                    output::clean(&p.path, false),
                    output::clean(&p.message, false)
                )
            })
            .collect();
        Failure::input(format!(
            "{name} is not a valid policy pack:\n{}",
            lines.join("\n")
        ))
    })
}

/// A text file given on the command line, or stdin for `-`. Errors name it.
pub(crate) fn read_text(path: &Path) -> Result<String, Failure> {
    let (name, bytes) = if path == Path::new("-") {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut bytes)
            .map_err(|err| Failure::input(format!("stdin: {err}")))?;
        ("stdin".to_string(), bytes)
    } else {
        let name = display_name(path);
        match std::fs::read(path) {
            Ok(bytes) => (name, bytes),
            Err(err) => return Err(Failure::input(format!("{name}: {err}"))),
        }
    };
    String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        let line = err.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        Failure::input(format!("{name}: line {line}: not UTF-8 text (byte {at})"))
    })
}

/// The name a file given on the command line goes by in messages: one
/// line, escaped, since a file name can hold anything but `/` and NUL.
pub(crate) fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "stdin".to_string()
    } else {
        output::path_name(path)
    }
}

/// The full-screen app needs a terminal that can draw it: `TERM=dumb`
/// (Emacs shells, some CI logs) gets a message and exit code 2 instead of
/// escape sequences it would print raw.
pub(crate) fn check_terminal() -> Result<(), Failure> {
    terminal_problem(std::env::var("TERM").ok().as_deref())
        .map_or(Ok(()), |p| Err(Failure::input(p)))
}

fn terminal_problem(term: Option<&str>) -> Option<String> {
    (term? == "dumb").then(|| {
        "this terminal (TERM=dumb) cannot show the full-screen app; run it in one that can \
         (TERM=xterm-256color, for example), or use the commands that print: \
         umdesk list, umdesk show ID"
            .to_string()
    })
}

/// Opens the interactive app, with `greeting` as its first message.
pub(crate) fn open_app(
    store: std::sync::Arc<dyn CaseStore>,
    policy: LoadedPolicy,
    settings: Settings,
    greeting: Option<String>,
) -> Result<(), Failure> {
    let app_settings = app_settings(&*store, policy, settings);
    crate::tui::run_with_message(store, app_settings, greeting)
        .map_err(|err| Failure::new(exit::PROBLEMS, err))
}

/// The app's settings for a reviewer settled by `settings`, on `store`.
pub(crate) fn app_settings(
    store: &dyn CaseStore,
    policy: LoadedPolicy,
    settings: Settings,
) -> crate::tui::Settings {
    let roster = store.roster().ok().flatten().filter(|r| !r.is_empty());
    let signature_required = roster.is_some();
    let roster_names: Vec<String> = roster
        .iter()
        .flat_map(|r| r.active().map(|e| e.reviewer().name))
        .collect();
    crate::tui::Settings {
        policy,
        reviewer: settings.reviewer,
        due_table: settings.due_table,
        stale_lock_after: time::Duration::hours(i64::from(settings.stale_lock_hours)),
        now: crate::store::clock::now,
        identity: crate::tui::Trust {
            verified: settings.identity.verified,
            how: settings.identity.how.clone(),
            signer: settings
                .signing_key
                .map(crate::identity::signing::Signer::KeyFile),
            signature_required,
            notes: settings.notes,
            roster: roster_names,
        },
    }
}
