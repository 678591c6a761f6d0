//! Who is reviewing, and the settings a reviewer keeps between sessions.
//!
//! In a store with a roster, the reviewer is the roster entry of the
//! effective operating-system user, and `--reviewer` / `--role` may only
//! repeat it ([`crate::identity`]). In a store without one, identity is on
//! trust: `--reviewer` / `--role` win; else `config.json` in the platform
//! config directory; else, on a terminal, the reviewer is asked once and
//! the answer written there; else the operating-system user name, as a
//! nurse.

use std::fs;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Failure;
use super::output::path_name;
use crate::case::due::DueTable;
use crate::case::{Reviewer, Role};
use crate::identity::signing::default_key_path;
use crate::identity::{self, Claim, Identity, Roster};
use crate::sanitize;
use crate::store::{fsutil, location};

/// The file name inside the platform config directory.
pub const CONFIG_NAME: &str = "config.json";

/// A lock older than this may be broken by a supervisor, unless configured.
pub const DEFAULT_STALE_LOCK_HOURS: u32 = 8;

/// What `config.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// "Dana Whitfield, RN".
    pub reviewer: String,
    pub role: Role,
    /// Due times by line of business; the 2026 defaults when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_times: Option<DueTable>,
    #[serde(default = "default_stale_lock_hours")]
    pub stale_lock_hours: u32,
    /// The private key that signs decisions, amendments and QA reviews;
    /// ~/.ssh/id_ed25519 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_key: Option<PathBuf>,
}

fn default_stale_lock_hours() -> u32 {
    DEFAULT_STALE_LOCK_HOURS
}

impl Config {
    pub fn due_table(&self) -> DueTable {
        self.due_times.unwrap_or_default()
    }
}

/// Where the config file is, if the platform has a config directory.
pub fn config_path() -> Option<PathBuf> {
    location::config_dir().map(|dir| dir.join(CONFIG_NAME))
}

/// Reads the config file; `Ok(None)` when there is none. A file that is
/// there but does not parse is an error naming the file and the field; it
/// is left as it is.
pub fn load(path: &Path) -> Result<Option<Config>, Failure> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(Failure::input(format!("{}: {err}", path_name(path))));
        }
    };
    parse(&text)
        .map(Some)
        .map_err(|message| Failure::input(format!("{}: {message}", path_name(path))))
}

/// Parses a config, naming the line, column and JSON path of a problem.
pub fn parse(text: &str) -> Result<Config, String> {
    let config: Config = crate::json::parse(text).map_err(|err| err.to_string())?;
    if let Err(problem) = check_reviewer_name(&config.reviewer) {
        return Err(format!("$.reviewer: {problem}"));
    }
    if config.stale_lock_hours == 0 {
        return Err("$.stale_lock_hours: must be at least 1".to_string());
    }
    Ok(config)
}

/// A reviewer's name as given: not empty, one line, of reasonable length.
pub fn check_reviewer_name(name: &str) -> Result<(), String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("the reviewer's name must not be empty".to_string());
    }
    // A name is printed on every record and screen: no escape sequence,
    // line break, bidi override or invisible character may hide in it.
    if name.chars().any(sanitize::is_hidden) {
        return Err(format!(
            "the reviewer's name must be one line of plain text, not '{}'",
            sanitize::line(name)
        ));
    }
    if name.chars().count() > 120 {
        return Err("the reviewer's name is at most 120 characters".to_string());
    }
    Ok(())
}

/// Writes a new config file through the store's private-file writer:
/// owner-only (0600), whole or not at all, its directory created 0700.
/// Never replaces an existing file.
pub fn write_new(path: &Path, config: &Config) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fsutil::ensure_private_dir(dir)?;
    }
    let mut text = serde_json::to_string_pretty(config).map_err(io::Error::other)?;
    text.push('\n');
    fsutil::create_exclusive_atomic(path, text.as_bytes())
}

/// The operating-system user name, for the last fallback: `$USER` (or
/// `$LOGNAME`), else the account database's name for this user id.
pub fn os_user() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .filter_map(|var| std::env::var(var).ok())
        .map(|name| name.trim().to_string())
        .find(|name| check_reviewer_name(name).is_ok())
        .or_else(account_name)
        .unwrap_or_else(|| "unknown user".to_string())
}

/// The login name of the effective user id, from the password database.
fn account_name() -> Option<String> {
    let name = uzers::get_effective_username()?;
    let name = name.to_string_lossy().trim().to_string();
    check_reviewer_name(&name).is_ok().then_some(name)
}

/// How the reviewer was settled, for the app's settings too.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The same as `identity.reviewer`.
    pub reviewer: Reviewer,
    /// Who the reviewer is and how we know: the app shows it.
    pub identity: Identity,
    pub due_table: DueTable,
    pub stale_lock_hours: u32,
    /// The private key file to sign with: --signing-key, else the
    /// config's `signing_key`, else ~/.ssh/id_ed25519. Read when signing
    /// ([`crate::identity::signing::SigningKey::load`]).
    pub signing_key: Option<PathBuf>,
    /// Claims that were set aside (a config naming someone other than the
    /// roster does), to show the user.
    pub notes: Vec<String>,
}

impl Settings {
    /// Settings for `reviewer` taken on trust, with the defaults.
    pub fn unverified(reviewer: Reviewer) -> Settings {
        Settings {
            reviewer: reviewer.clone(),
            identity: Identity::unverified(reviewer),
            due_table: DueTable::default(),
            stale_lock_hours: DEFAULT_STALE_LOCK_HOURS,
            signing_key: default_key_path(),
            notes: Vec::new(),
        }
    }
}

/// What the command line said about who is reviewing and how they sign.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub claim: Claim,
    pub signing_key: Option<PathBuf>,
}

/// Settles who is reviewing, from the store's roster when it has one.
/// `ask` allows asking on a terminal (the app does; scripting commands
/// never stop to ask); a rostered store never asks.
pub fn resolve(flags: &Flags, ask: bool, roster: Option<&Roster>) -> Result<Settings, Failure> {
    let path = config_path();
    let config = match &path {
        Some(path) => load(path)?,
        None => None,
    };
    let mut settings = match roster {
        Some(roster) => from_roster(&flags.claim, config.as_ref(), roster)?,
        None => on_trust(&flags.claim, ask, path.as_deref(), config.as_ref())?,
    };
    settings.signing_key = flags
        .signing_key
        .clone()
        .or_else(|| config.as_ref().and_then(|c| c.signing_key.clone()))
        .or_else(default_key_path);
    Ok(settings)
}

/// The roster's entry for the effective OS user; the claim may only
/// repeat it.
fn from_roster(
    claim: &Claim,
    config: Option<&Config>,
    roster: &Roster,
) -> Result<Settings, Failure> {
    let Some(os_user) = identity::effective_os_user() else {
        return Err(Failure::forbidden(
            "this store has a roster, and the operating-system user running umdesk has no \
             name in the account database, so who is reviewing cannot be established",
        ));
    };
    let config_claim = config.map_or_else(Claim::default, |c| Claim {
        reviewer: Some(c.reviewer.clone()),
        role: Some(c.role),
    });
    let resolved = identity::resolve_os_user(roster, &os_user, claim, &config_claim)
        .map_err(|err| Failure::forbidden(err.to_string()))?;
    let mut settings = Settings::unverified(resolved.identity.reviewer.clone());
    settings.identity = resolved.identity;
    settings.notes = resolved.notes;
    if let Some(config) = config {
        settings.due_table = config.due_table();
        settings.stale_lock_hours = config.stale_lock_hours;
    }
    Ok(settings)
}

/// A store without a roster: flags, config, asking, the OS user name.
fn on_trust(
    identity: &Claim,
    ask: bool,
    path: Option<&Path>,
    config: Option<&Config>,
) -> Result<Settings, Failure> {
    if let Some(name) = &identity.reviewer {
        check_reviewer_name(name).map_err(|p| Failure::input(format!("--reviewer: {p}")))?;
    }
    let from_config = |config: &Config| {
        let mut settings = Settings::unverified(Reviewer {
            name: config.reviewer.trim().to_string(),
            role: config.role,
        });
        settings.due_table = config.due_table();
        settings.stale_lock_hours = config.stale_lock_hours;
        settings
    };
    let defaults = Settings::unverified;
    let mut settings = match (config, &identity.reviewer) {
        // The config's role belongs to the config's reviewer only.
        (Some(config), Some(name)) => {
            let mut settings = from_config(config);
            let same = config.reviewer.trim() == name.trim();
            settings.reviewer = Reviewer {
                name: name.trim().to_string(),
                role: if same { config.role } else { Role::Nurse },
            };
            settings
        }
        (Some(config), None) => from_config(config),
        (None, Some(name)) => defaults(Reviewer {
            name: name.trim().to_string(),
            role: Role::Nurse,
        }),
        (None, None) => {
            let asked = match path {
                Some(path) if ask && identity.role.is_none() && io::stdin().is_terminal() => {
                    ask_and_save(path)?
                }
                _ => None,
            };
            match asked {
                Some(config) => from_config(&config),
                None => defaults(Reviewer {
                    name: os_user(),
                    role: Role::Nurse,
                }),
            }
        }
    };
    if let Some(role) = identity.role {
        settings.reviewer.role = role;
    }
    settings.identity = Identity::unverified(settings.reviewer.clone());
    Ok(settings)
}

/// Asks on the terminal who is reviewing and writes the answer, so it is
/// asked once. End of input gives up quietly (the OS user name is used).
fn ask_and_save(path: &Path) -> Result<Option<Config>, Failure> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut stderr = io::stderr();
    let Some(name) = ask(
        &mut input,
        &mut stderr,
        "Who is reviewing? (name, credentials): ",
        |answer| check_reviewer_name(answer).map(|()| answer.trim().to_string()),
    ) else {
        return Ok(None);
    };
    let Some(role) = ask(
        &mut input,
        &mut stderr,
        "Role (nurse, physician, supervisor) [nurse]: ",
        |answer| {
            let answer = answer.trim().to_ascii_lowercase();
            if answer.is_empty() {
                return Ok(Role::Nurse);
            }
            Role::from_key(&answer)
                .ok_or_else(|| format!("'{answer}' is not one of nurse, physician, supervisor"))
        },
    ) else {
        return Ok(None);
    };
    let config = Config {
        reviewer: name,
        role,
        due_times: None,
        stale_lock_hours: DEFAULT_STALE_LOCK_HOURS,
        signing_key: None,
    };
    match write_new(path, &config) {
        Ok(()) => {
            let _ = writeln!(
                stderr,
                "Saved to {} (edit or delete it to change who is reviewing).",
                path_name(path)
            );
        }
        Err(err) => {
            let _ = writeln!(
                stderr,
                "warning: could not save {}: {err}; you will be asked again next time",
                path_name(path)
            );
        }
    }
    Ok(Some(config))
}

/// Asks until `accept` takes the answer; None at end of input.
fn ask<T>(
    input: &mut impl BufRead,
    output: &mut impl Write,
    prompt: &str,
    accept: impl Fn(&str) -> Result<T, String>,
) -> Option<T> {
    loop {
        let _ = write!(output, "{prompt}");
        let _ = output.flush();
        let mut line = String::new();
        match input.read_line(&mut line) {
            Ok(0) | Err(_) => {
                let _ = writeln!(output);
                return None;
            }
            Ok(_) => {}
        }
        match accept(line.trim_end_matches(['\r', '\n'])) {
            Ok(value) => return Some(value),
            Err(problem) => {
                let _ = writeln!(output, "{problem}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_has_a_name() {
        assert!(account_name().is_some_and(|n| !n.is_empty()));
        // The effective user's login name, as `id -un` gives it.
        let id = std::process::Command::new("id")
            .arg("-un")
            .output()
            .unwrap();
        let expected = String::from_utf8_lossy(&id.stdout).trim().to_string();
        assert_eq!(account_name(), Some(expected));
    }

    #[test]
    fn a_config_parses_with_defaults() {
        let config = parse(r#"{"reviewer": "Dana Whitfield, RN", "role": "nurse"}"#).unwrap();
        assert_eq!(config.stale_lock_hours, 8);
        assert_eq!(config.due_table(), DueTable::default());
    }

    #[test]
    fn a_bad_config_names_the_field() {
        let err = parse(r#"{"reviewer": "A, RN", "role": "admin"}"#).unwrap_err();
        assert!(err.contains("$.role"), "{err}");
        let err = parse(r#"{"reviewer": "A, RN", "role": "nurse", "colour": 1}"#).unwrap_err();
        assert!(err.contains("colour"), "{err}");
        let err = parse(
            r#"{"reviewer": "A", "role": "nurse", "due_times": {"commercial": {"expedited_hours": "x", "standard_days": 15}}}"#,
        )
        .unwrap_err();
        assert!(
            err.contains("$.due_times.commercial.expedited_hours"),
            "{err}"
        );
        let err = parse(r#"{"reviewer": " ", "role": "nurse"}"#).unwrap_err();
        assert!(err.contains("$.reviewer"), "{err}");
    }

    #[test]
    fn asking_retries_until_the_answer_is_good() {
        let mut input = io::Cursor::new(b"\nDana Whitfield, RN\n".to_vec());
        let mut output = Vec::new();
        let name = ask(&mut input, &mut output, "Who? ", |a| {
            check_reviewer_name(a).map(|()| a.to_string())
        });
        assert_eq!(name.as_deref(), Some("Dana Whitfield, RN"));
        let printed = String::from_utf8(output).unwrap();
        assert!(printed.contains("must not be empty"), "{printed}");
        let mut empty = io::Cursor::new(Vec::new());
        assert!(ask(&mut empty, &mut Vec::new(), "Who? ", |a| Ok(a.to_string())).is_none());
    }

    #[test]
    fn a_name_with_hidden_characters_is_refused_and_shown_escaped() {
        for name in [
            "Eve\u{202e}DM ,",
            "Eve\u{200b}, RN",
            "Eve\u{1b}]0;x\u{7}, RN",
        ] {
            let problem = check_reviewer_name(name).unwrap_err();
            assert!(problem.contains("plain text"), "{problem}");
            assert!(!problem.chars().any(sanitize::is_hidden), "{problem:?}");
        }
        assert!(check_reviewer_name("Zoë Ångström, RN").is_ok());
    }

    /// Through the store's writer: a write cut short by a full disk leaves
    /// no config, not a torn one, and no temporary file either.
    #[test]
    fn a_config_cut_short_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("umdesk").join(CONFIG_NAME);
        let config = parse(r#"{"reviewer": "A, RN", "role": "nurse"}"#).unwrap();
        fsutil::faults::short_write(5);
        assert!(write_new(&path, &config).is_err());
        assert!(!path.exists());
        let left = fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(left, 0);
        write_new(&path, &config).unwrap();
        assert_eq!(load(&path).unwrap(), Some(config));
    }

    #[test]
    fn a_new_config_is_private_and_never_replaces_one() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("umdesk").join(CONFIG_NAME);
        let config = parse(r#"{"reviewer": "A, RN", "role": "physician"}"#).unwrap();
        write_new(&path, &config).unwrap();
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(load(&path).unwrap(), Some(config.clone()));
        assert!(write_new(&path, &config).is_err());
    }
}
