//! `umdesk demo`: the app on a fresh copy of the bundled sample cases, so
//! a newcomer sees a working queue at once and the samples stay untouched.

use std::fs::{self, DirBuilder, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use directories::ProjectDirs;

use super::output::warn;
use super::{Env, Failure, Settings, config, create_store_at, open_app};
use crate::case::due::DueTable;
use crate::case::{Reviewer, Role};
use crate::store::clock;

/// The repository's sample cases, read at run time from the source tree
/// the binary was built from.
pub const SAMPLES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/saved-cases");

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
    let samples = sample_files(Path::new(SAMPLES_DIR))?;
    let dir = match &env.cases {
        Some(dir) => prepare_given(dir)?,
        None => fresh_demo_dir()?,
    };
    for sample in &samples {
        let Some(name) = sample.file_name() else {
            continue;
        };
        let target = dir.join(name);
        copy_private(sample, &target)
            .map_err(|err| Failure::store(format!("{}: {err}", target.display())))?;
    }
    let fresh = add_fresh_cases(&policy, &dir)?;
    warn(&format!(
        "umdesk demo: {} fictional sample cases and {fresh} fresh fictional requests in {}; reviewing as {} ({})",
        samples.len(),
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
    open_app(store, policy, settings)
}

/// How many fresh requests the demo adds beside the samples.
const FRESH_CASES: usize = 8;

/// The samples are fixed records from early 2026, so their open cases are
/// long overdue by now. A demo also wants work that is due in the coming
/// days: generated fictional requests, received recently, still open.
fn add_fresh_cases(policy: &crate::policy::LoadedPolicy, dir: &Path) -> Result<usize, Failure> {
    let now = clock::now();
    let seed = now.unix_timestamp() as u64;
    let fresh: Vec<_> = crate::case::generate::generate(policy, 200, seed, now)
        .into_iter()
        .filter(|c| !c.status.is_final() && c.request.due_at > now)
        .take(FRESH_CASES)
        .collect();
    for case in &fresh {
        let target = dir.join(format!("{}.json", case.id));
        write_private(&target, crate::case::to_json(case).as_bytes())
            .map_err(|err| Failure::store(format!("{}: {err}", target.display())))?;
    }
    Ok(fresh.len())
}

/// The `*.json` files of the samples directory, in name order.
fn sample_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let missing = |detail: String| {
        Failure::store(format!(
            "the bundled sample cases were not found at {} ({detail}); `umdesk demo` runs \
             from the source tree it was built in. Open your own store with `umdesk --cases DIR`",
            dir.display()
        ))
    };
    let entries = fs::read_dir(dir).map_err(|err| missing(err.to_string()))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "json")
                && fs::symlink_metadata(path).is_ok_and(|m| m.is_file())
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(missing("no .json files there".to_string()));
    }
    Ok(files)
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

/// Copies a sample byte for byte (a sealed case must stay intact) into a
/// new owner-only file.
fn copy_private(from: &Path, to: &Path) -> io::Result<()> {
    write_private(to, &fs::read(from)?)
}

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

    #[test]
    fn samples_are_found_or_the_reason_is_clear() {
        let dir = tempfile::tempdir().unwrap();
        let err = sample_files(dir.path()).unwrap_err();
        assert!(err.message.contains("no .json files"), "{}", err.message);
        fs::write(dir.path().join("b.json"), "{}").unwrap();
        fs::write(dir.path().join("a.json"), "{}").unwrap();
        fs::write(dir.path().join("README"), "").unwrap();
        let files = sample_files(dir.path()).unwrap();
        assert_eq!(files.len(), 2);
        assert!(files[0].ends_with("a.json"));
    }
}
