//! `umdesk demo`: the app on the user's demo store, made from the bundled
//! sample cases on first use, so a newcomer sees a working queue at once.
//! The store stays where it is (`<data dir>/demo`): a demo user whose
//! connection dropped comes back to the same queue and is offered their
//! draft; `demo --fresh` throws it away and starts anew. The samples are
//! built by [`crate::fixtures::sample_cases`], the same bytes as
//! `saved-cases/`, so the binary needs no source tree.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use directories::ProjectDirs;

use super::args::DemoArgs;
use super::output::{clean, path_name, warn};
use super::{Env, Failure, Settings, check_terminal, config, create_store_at, open_app};
use crate::case::{Case, Reviewer, Role, to_json};
use crate::clock;
use crate::fixtures::sample_cases;
use crate::policy::LoadedPolicy;
use crate::store::fsutil;

/// The demo reviewer of each role (fictional, like the cases; the
/// physician and the supervisor are the ones the samples name).
pub fn demo_reviewer(role: Role) -> &'static str {
    match role {
        Role::Nurse => "Dana Whitfield, RN",
        Role::Physician => "Olive Imaginary, MD",
        Role::Supervisor => "Quentin Makebelieve, RN",
    }
}

/// The demo store's directory under the platform data directory.
const DEMO_DIR: &str = "demo";

pub(crate) fn run(env: &Env, args: &DemoArgs) -> Result<(), Failure> {
    let policy = env.policy()?;
    if let Some(name) = &env.identity.claim.reviewer {
        config::check_reviewer_name(name)
            .map_err(|p| Failure::input(format!("--reviewer: {p}")))?;
    }
    let role = env.identity.claim.role.unwrap_or(Role::Nurse);
    let reviewer = Reviewer {
        name: env
            .identity
            .claim
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
    check_terminal()?;
    let (dir, reopened) = match &env.cases {
        Some(dir) => (prepare_given(dir)?, false),
        None => demo_dir(args.fresh)?,
    };
    let what = if reopened {
        "reopened".to_string()
    } else {
        let samples = write_samples(&dir)?;
        let fresh = add_fresh_cases(&policy, &dir)?;
        format!("{samples} fictional sample cases and {fresh} fresh fictional requests in")
    };
    warn(&format!(
        "umdesk demo: {what} {}; reviewing as {} ({})",
        path_name(&dir),
        clean(&reviewer.name, false),
        reviewer.role.label()
    ));
    let store = create_store_at(&dir)?;
    // A demo store has no roster: identity is on trust.
    let mut settings = Settings::unverified(reviewer);
    if let Some(key) = &env.identity.signing_key {
        settings.signing_key = Some(key.clone());
    }
    let greeting = format!(
        "Demo store: {} (umdesk demo --fresh starts anew)",
        home_relative(&dir)
    );
    open_app(std::sync::Arc::new(store), policy, settings, Some(greeting))
}

/// `path` with the home directory written `~`, to fit a message row.
fn home_relative(path: &Path) -> String {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    match home
        .as_deref()
        .and_then(|home| path.strip_prefix(home).ok())
    {
        Some(rest) if !rest.as_os_str().is_empty() => format!("~/{}", rest.display()),
        _ => path.display().to_string(),
    }
}

/// How many fresh requests the demo adds beside the samples.
const FRESH_CASES: usize = 8;

/// The samples are fixed records from early 2026, so their open cases are
/// long overdue by now. A demo also wants work that is due in the coming
/// days: generated fictional requests, received recently, still open.
pub(crate) fn add_fresh_cases(
    policy: &crate::policy::LoadedPolicy,
    dir: &Path,
) -> Result<usize, Failure> {
    let fresh = fresh_cases(policy, clock::now());
    write_cases(dir, &fresh)?;
    Ok(fresh.len())
}

/// [`FRESH_CASES`] open requests not yet overdue at `now`. The generator
/// spreads requests over two months, and how many of them are still open
/// and in time depends on the hour; rather than a count that varies from
/// one demo to the next, a bigger batch is generated until enough are.
pub(crate) fn fresh_cases(policy: &LoadedPolicy, now: time::OffsetDateTime) -> Vec<Case> {
    let seed = now.unix_timestamp() as u64;
    let mut batch = 200;
    loop {
        let fresh: Vec<Case> = crate::fixtures::generate(policy, batch, seed, now)
            .into_iter()
            .filter(|c| c.status.is_open() && !c.is_overdue(now))
            .take(FRESH_CASES)
            .collect();
        if fresh.len() == FRESH_CASES || batch >= 6_400 {
            return fresh;
        }
        batch *= 2;
    }
}

/// The bundled samples, as in `saved-cases/`: decided under the embedded
/// policy whatever `--policy` says, since they describe MP 1.121 reviews.
pub(crate) fn write_samples(dir: &Path) -> Result<usize, Failure> {
    let samples = sample_cases(&LoadedPolicy::embedded());
    write_cases(dir, &samples)?;
    Ok(samples.len())
}

/// Each case through the store's private-file writer: owner-only, whole
/// or not at all, never over a file that is there; one wait for the disk
/// for the lot.
fn write_cases(dir: &Path, cases: &[Case]) -> Result<(), Failure> {
    let mut written = Vec::with_capacity(cases.len());
    for case in cases {
        let target = dir.join(format!("{}.json", case.id));
        fsutil::write_temp(&target, to_json(case).as_bytes(), false)
            .and_then(|temp| fsutil::link_into_place(&temp, &target))
            .map_err(|err| Failure::store(format!("{}: {err}", path_name(&target))))?;
        written.push(target);
    }
    fsutil::sync_filesystem(dir, &written)
        .map_err(|err| Failure::store(format!("{}: {err}", path_name(dir))))
}

/// A demo never mixes the samples into a directory that holds anything.
fn refuse_in_use(dir: &Path) -> Result<(), Failure> {
    let in_use = fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if in_use {
        return Err(Failure::input(format!(
            "{}: the demo copies the sample cases into a fresh directory, and this one \
             is not empty; give a new directory, or leave out --cases",
            path_name(dir)
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
            fsutil::ensure_private_dir(dir)
                .map_err(|err| Failure::store(format!("{}: {err}", path_name(dir))))?;
            Ok(dir.to_path_buf())
        }
        Err(err) => Err(Failure::store(format!("{}: {err}", path_name(dir)))),
    }
}

/// The user's demo store, `<data dir>/demo`, and whether it is reopened
/// (it holds cases) rather than new. `fresh` throws the old one away.
fn demo_dir(fresh: bool) -> Result<(PathBuf, bool), Failure> {
    let base = ProjectDirs::from("org", "umdesk", "umdesk")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| {
            Failure::store("no platform data directory was found (is HOME set?); pass --cases DIR")
        })?;
    fsutil::ensure_private_dir(&base)
        .map_err(|err| Failure::store(format!("{}: {err}", path_name(&base))))?;
    let dir = base.join(DEMO_DIR);
    if fresh {
        // remove_dir_all removes a symbolic link itself, never its target.
        match fs::remove_dir_all(&dir) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(Failure::store(format!("{}: {err}", path_name(&dir)))),
        }
    }
    if holds_cases(&dir) {
        return Ok((dir, true));
    }
    fsutil::ensure_private_dir(&dir)
        .map_err(|err| Failure::store(format!("{}: {err}", path_name(&dir))))?;
    Ok((dir, false))
}

/// Whether `dir` holds a case file: a demo store begun and not finished
/// (no case written yet) is filled again.
fn holds_cases(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().ends_with(".json"))
    })
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

    /// Through the store's writer: owner-only files, and a write cut short
    /// by a full disk leaves neither a torn case nor a temporary file.
    #[test]
    fn demo_cases_are_private_and_whole() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let cases = sample_cases(&LoadedPolicy::embedded());
        fsutil::faults::short_write(10);
        assert!(write_cases(dir.path(), &cases[..1]).is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        write_cases(dir.path(), &cases).unwrap();
        for entry in fs::read_dir(dir.path()).unwrap().flatten() {
            let mode = entry.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{:?}", entry.path());
        }
    }

    /// Every demo gets the same number of fresh requests, whatever the
    /// hour it starts: the queue a demo user sees (and the serve tests
    /// count) does not depend on the clock.
    #[test]
    fn every_demo_gets_all_its_fresh_requests() {
        let policy = LoadedPolicy::embedded();
        // Every seventh hour for a week, from one (09:17) that gave five.
        let start = time::macros::datetime!(2026-12-06 02:17 UTC);
        for step in 0..24 {
            let now = start + time::Duration::hours(step * 7);
            let fresh = fresh_cases(&policy, now);
            assert_eq!(fresh.len(), FRESH_CASES, "at {now}");
            assert!(
                fresh
                    .iter()
                    .all(|c| c.status.is_open() && !c.is_overdue(now))
            );
        }
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
