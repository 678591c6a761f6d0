//! `umdesk demo`: the app on a fresh store of the bundled sample cases, so
//! a newcomer sees a working queue at once. The samples are built by
//! [`crate::fixtures::sample_cases`], the same bytes as `saved-cases/`, so
//! the binary needs no source tree.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use directories::ProjectDirs;

use super::output::warn;
use super::{Env, Failure, Settings, config, create_store_at, open_app};
use crate::case::due::DueTable;
use crate::case::{Case, Reviewer, Role, to_json};
use crate::clock;
use crate::fixtures::sample_cases;
use crate::policy::LoadedPolicy;

/// The demo reviewer of each role (fictional, like the cases; the
/// physician and the supervisor are the ones the samples name).
pub fn demo_reviewer(role: Role) -> &'static str {
    match role {
        Role::Nurse => "Dana Whitfield, RN",
        Role::Physician => "Olive Imaginary, MD",
        Role::Supervisor => "Quentin Makebelieve, RN",
    }
}

pub(crate) fn run(env: &Env) -> Result<(), Failure> {
    let policy = env.policy()?;
    if let Some(name) = &env.identity.reviewer {
        config::check_reviewer_name(name)
            .map_err(|p| Failure::input(format!("--reviewer: {p}")))?;
    }
    let role = env.identity.role.unwrap_or(Role::Nurse);
    let reviewer = Reviewer {
        name: env
            .identity
            .reviewer
            .as_deref()
            .map(str::trim)
            .unwrap_or(demo_reviewer(role))
            .to_string(),
        role,
    };
    if let Some(dir) = &env.cases {
        refuse_in_use(dir)?;
    }
    let dir = match &env.cases {
        Some(dir) => prepare_given(dir)?,
        None => fresh_demo_dir()?,
    };
    let samples = write_samples(&dir)?;
    let fresh = add_fresh_cases(&policy, &dir)?;
    warn(&format!(
        "umdesk demo: {samples} fictional sample cases and {fresh} fresh fictional requests in {}; reviewing as {} ({})",
        dir.display(),
        reviewer.name,
        reviewer.role.label()
    ));
    let store = create_store_at(&dir)?;
    let settings = Settings {
        reviewer,
        due_table: DueTable::default(),
        stale_lock_hours: config::DEFAULT_STALE_LOCK_HOURS,
    };
    open_app(std::sync::Arc::new(store), policy, settings)
}

/// How many fresh requests the demo adds beside the samples.
const FRESH_CASES: usize = 8;

/// The samples are fixed records from early 2026, so their open cases are
/// long overdue by now. A demo also wants work that is due in the coming
/// days: generated fictional requests, received recently, still open.
fn add_fresh_cases(policy: &crate::policy::LoadedPolicy, dir: &Path) -> Result<usize, Failure> {
    let now = clock::now();
    let seed = now.unix_timestamp() as u64;
    let fresh: Vec<_> = crate::fixtures::generate(policy, 200, seed, now)
        .into_iter()
        .filter(|c| c.status.is_open() && !c.is_overdue(now))
        .take(FRESH_CASES)
        .collect();
    write_cases(dir, &fresh)?;
    Ok(fresh.len())
}

/// The bundled samples, as in `saved-cases/`: decided under the embedded
/// policy whatever `--policy` says, since they describe MP 1.121 reviews.
fn write_samples(dir: &Path) -> Result<usize, Failure> {
    let samples = sample_cases(&LoadedPolicy::embedded());
    write_cases(dir, &samples)?;
    Ok(samples.len())
}

fn write_cases(dir: &Path, cases: &[Case]) -> Result<(), Failure> {
    for case in cases {
        let target = dir.join(format!("{}.json", case.id));
        write_private(&target, to_json(case).as_bytes())
            .map_err(|err| Failure::store(format!("{}: {err}", target.display())))?;
    }
    Ok(())
}

/// A demo never mixes the samples into a directory that holds anything.
fn refuse_in_use(dir: &Path) -> Result<(), Failure> {
    let in_use = fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if in_use {
        return Err(Failure::input(format!(
            "{}: the demo copies the sample cases into a fresh directory, and this one \
             is not empty; give a new directory, or leave out --cases",
            dir.display()
        )));
    }
    Ok(())
}

/// `--cases DIR` for a demo: created if missing, refused if it holds anything.
fn prepare_given(dir: &Path) -> Result<PathBuf, Failure> {
    refuse_in_use(dir)?;
    match fs::read_dir(dir) {
        Ok(_) => Ok(dir.to_path_buf()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            private_dir(dir, true)
                .map_err(|err| Failure::store(format!("{}: {err}", dir.display())))?;
            Ok(dir.to_path_buf())
        }
        Err(err) => Err(Failure::store(format!("{}: {err}", dir.display()))),
    }
}

/// `demo-<timestamp>` under the platform data directory, never one in use.
fn fresh_demo_dir() -> Result<PathBuf, Failure> {
    let base = ProjectDirs::from("org", "umdesk", "umdesk")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| {
            Failure::store("no platform data directory was found (is HOME set?); pass --cases DIR")
        })?;
    private_dir(&base, true).map_err(|err| Failure::store(format!("{}: {err}", base.display())))?;
    let now = clock::now();
    let stamp = format!(
        "demo-{:04}{:02}{:02}-{:02}{:02}{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    for attempt in 1..=100 {
        let name = if attempt == 1 {
            stamp.clone()
        } else {
            format!("{stamp}-{attempt}")
        };
        let dir = base.join(name);
        match private_dir(&dir, false) {
            Ok(()) => return Ok(dir),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(Failure::store(format!("{}: {err}", dir.display()))),
        }
    }
    Err(Failure::store(format!(
        "{}: no free demo directory name for {stamp}",
        base.display()
    )))
}

/// Creates a directory owner-only (0700); `recursive` also makes parents
/// and accepts an existing directory.
fn private_dir(dir: &Path, recursive: bool) -> io::Result<()> {
    DirBuilder::new()
        .recursive(recursive)
        .mode(0o700)
        .create(dir)
}

/// Writes a new owner-only file; a sealed case must land byte for byte.
fn write_private(to: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_demo_refuses_a_store_in_use() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("UM-1.json"), "{}").unwrap();
        let err = prepare_given(dir.path()).unwrap_err();
        assert_eq!(err.code, super::super::exit::BAD_INPUT);
        let fresh = dir.path().join("new").join("demo");
        assert_eq!(prepare_given(&fresh).unwrap(), fresh);
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
    }

    /// The demo needs no source tree, yet writes exactly `saved-cases/`.
    #[test]
    fn the_demo_writes_the_saved_samples_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let written = write_samples(dir.path()).unwrap();
        let saved = Path::new(env!("CARGO_MANIFEST_DIR")).join("saved-cases");
        let mut names: Vec<_> = fs::read_dir(&saved)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .filter(|n| n.to_string_lossy().ends_with(".json"))
            .collect();
        names.sort();
        assert_eq!(written, names.len());
        for name in &names {
            let ours = fs::read(dir.path().join(name)).unwrap();
            assert_eq!(ours, fs::read(saved.join(name)).unwrap(), "{name:?}");
        }
    }
}
