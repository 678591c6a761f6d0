//! The file store: one `<case-id>.json` per case in one directory.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::access_log::{self, AccessEntry, AccessLogIntegrity, HEAD_NAME, LOG_NAME};
use super::fsutil::{self, Access};
use super::index::{self, FileKey, INDEX_NAME};
use super::lock::{LockHolder, LockInfo};
use super::session;
use super::watch::{Wake, Watchers, Watching};
use super::{
    AccessLogHead, CachedListing, CaseStore, CaseSummary, DraftInfo, DraftKey, Listing,
    MAX_RECORD_BYTES, ROSTER_ID, Roster, SessionLease, StoreError, StoreWarning, Unreadable,
    check_current, check_id, check_record_size, check_roster_version,
};
use crate::case::{Case, case_id_for, case_id_problem, parse_case, to_json};
use crate::clock;

/// What the reader takes of a case or draft file, as the writer allows.
const MAX_CASE_BYTES: u64 = MAX_RECORD_BYTES as u64;
const MAX_LOCK_BYTES: u64 = 64 * 1024;
/// The roster: who may review here, owner-only like everything else.
pub const ROSTER_NAME: &str = "roster.json";
const MAX_ROSTER_BYTES: u64 = 4 * 1024 * 1024;
/// Held (with flock) while a save compares and replaces a case file, so
/// two saves from the same loaded version cannot both pass the check.
const WRITE_LOCK_NAME: &str = ".write-lock";
const DRAFTS_DIR: &str = "drafts";
/// Temporary files older than this were left by a killed writer.
const STALE_TEMP: Duration = Duration::from_secs(3600);
/// Individual file permission warnings before they are summed up.
const MAX_FILE_WARNINGS: usize = 10;

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
    /// The last sequence number this process handed out per id prefix
    /// ("UM-20261201-"), so creating a case does not read the whole
    /// directory each time. Only a first guess: the exclusive create is
    /// what makes ids unique, and a collision reads the directory again.
    sequences: Arc<Mutex<HashMap<String, u32>>>,
    /// The sessions of this process watching the store.
    watchers: Arc<Watchers>,
}

impl FileStore {
    /// Opens the store at `dir`, which must exist: for every command that
    /// reads a store, so that a mistyped `--cases` is an error naming the
    /// directory, not a new empty store.
    pub fn open_existing(dir: impl AsRef<Path>) -> Result<FileStore, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        match fs::metadata(&dir) {
            Ok(meta) if meta.is_dir() => Ok(FileStore {
                dir,
                sequences: Arc::default(),
                watchers: Arc::default(),
            }),
            Ok(_) => Err(StoreError::Io {
                location: dir.display().to_string(),
                error: io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "is not a directory, so it is not a case store",
                ),
            }),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Err(StoreError::Missing {
                location: dir.display().to_string(),
            }),
            Err(error) => Err(StoreError::Io {
                location: dir.display().to_string(),
                error,
            }),
        }
    }

    /// Opens the store at `dir`, creating it owner-only if missing: only for
    /// `umdesk init`, `demo`, `generate` and the app's first run on the
    /// default location.
    pub fn open(dir: impl AsRef<Path>) -> Result<FileStore, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        fsutil::ensure_private_dir(&dir).map_err(|error| StoreError::Io {
            location: dir.display().to_string(),
            error,
        })?;
        Ok(FileStore {
            dir,
            sequences: Arc::default(),
            watchers: Arc::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn drafts_dir(&self) -> PathBuf {
        self.dir.join(DRAFTS_DIR)
    }

    pub fn lock_path(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{}.lock", file_safe(id)))
    }

    pub fn access_log_path(&self) -> PathBuf {
        self.dir.join(LOG_NAME)
    }

    pub fn roster_path(&self) -> PathBuf {
        self.dir.join(ROSTER_NAME)
    }

    /// The operating-system user owning the store's directory: the one
    /// who may make the first roster entry.
    pub fn dir_owner(&self) -> Option<String> {
        let uid = fs::metadata(&self.dir).ok()?.uid();
        let user = uzers::get_user_by_uid(uid)?;
        user.name().to_str().map(str::to_string)
    }

    fn read_roster(&self) -> Result<Option<Roster>, StoreError> {
        let path = self.roster_path();
        let Some(text) = read_if_there(&path, MAX_ROSTER_BYTES)? else {
            return Ok(None);
        };
        crate::json::parse::<Roster>(&text)
            .map(Some)
            .map_err(|err| unreadable(&path, format!("not a roster: {err}")))
    }

    pub fn index_path(&self) -> PathBuf {
        self.dir.join(INDEX_NAME)
    }

    pub fn sessions_dir(&self) -> PathBuf {
        self.dir.join(session::SESSIONS_DIR)
    }

    /// Refuses a drafts directory that is a symbolic link (it would put
    /// drafts outside the store) or not a directory; makes it if missing
    /// and `create`.
    fn check_drafts_dir(&self, create: bool) -> Result<(), StoreError> {
        let dir = self.drafts_dir();
        let checked = match fs::symlink_metadata(&dir) {
            Err(err) if err.kind() == io::ErrorKind::NotFound && !create => Ok(()),
            _ => fsutil::ensure_inner_dir(&dir),
        };
        checked.map_err(self.io(&dir))
    }

    /// `drafts/<subject>--<session>.json`; the author is inside the file.
    fn draft_path(&self, key: &DraftKey) -> Result<PathBuf, StoreError> {
        check_id(&key.subject)?;
        session::check_session_id(&key.session)?;
        Ok(self
            .drafts_dir()
            .join(format!("{}--{}.json", key.subject, key.session)))
    }

    fn io(&self, path: &Path) -> impl FnOnce(io::Error) -> StoreError {
        let location = path.display().to_string();
        move |error| StoreError::Io { location, error }
    }

    /// Where case `id` is kept.
    pub fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{}.json", file_safe(id)))
    }

    /// The highest sequence number in use for ids starting with `prefix`.
    fn max_sequence(&self, prefix: &str) -> Result<u32, StoreError> {
        let entries = fs::read_dir(&self.dir).map_err(self.io(&self.dir))?;
        let mut max = 0;
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(rest) = name.strip_prefix(prefix) else {
                continue;
            };
            let Some(digits) = rest.strip_suffix(".json") else {
                continue;
            };
            if !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && let Ok(n) = digits.parse::<u32>()
            {
                max = max.max(n);
            }
        }
        Ok(max)
    }

    /// The number to try first for a new id with `prefix`.
    fn first_guess(&self, prefix: &str) -> Result<u32, StoreError> {
        let cached = self.sequences().get(prefix).copied();
        match cached {
            Some(last) => Ok(last.saturating_add(1)),
            None => Ok(self.max_sequence(prefix)?.saturating_add(1)),
        }
    }

    fn remember(&self, prefix: &str, sequence: u32) {
        let mut sequences = self.sequences();
        let last = sequences.entry(prefix.to_string()).or_insert(0);
        *last = (*last).max(sequence);
    }

    fn sequences(&self) -> std::sync::MutexGuard<'_, HashMap<String, u32>> {
        // A panic elsewhere while holding it leaves a number that is still
        // only a guess; carry on with it.
        self.sequences.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Creates every case of `batch`, each under a new id for its received
    /// date, as [`CaseStore::create`] would, but waiting for the disk once
    /// for the whole batch instead of twice per case: for generated stores
    /// and imports. Each case still appears complete or not at all. On an
    /// error the cases before it are created and keep their ids.
    pub fn create_many(&self, batch: &mut [(Case, time::Date)]) -> Result<Vec<String>, StoreError> {
        let mut next: HashMap<String, u32> = HashMap::new();
        let mut temps: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(batch.len());
        let cleanup = |temps: &[(PathBuf, PathBuf)]| {
            for (temp, _) in temps {
                let _ = fs::remove_file(temp);
            }
        };
        for (case, received) in batch.iter_mut() {
            let prefix = id_prefix(*received);
            let sequence = match next.get(&prefix) {
                Some(n) => Ok(*n),
                None => self.first_guess(&prefix),
            };
            let id = sequence.and_then(|n| {
                next.insert(prefix, n.saturating_add(1));
                let id = case_id_for(*received, n);
                check_id(&id).map(|()| id)
            });
            match id {
                Ok(id) => case.id = id,
                Err(err) => {
                    cleanup(&temps);
                    return Err(err);
                }
            }
            let path = self.path_of(&case.id);
            let json = to_json(case);
            if let Err(err) = check_record_size(|| format!("case {}", case.id), json.len()) {
                cleanup(&temps);
                return Err(err);
            }
            match fsutil::write_temp(&path, json.as_bytes(), false) {
                Ok(temp) => temps.push((temp, path)),
                Err(error) => {
                    cleanup(&temps);
                    return Err(StoreError::Io {
                        location: path.display().to_string(),
                        error,
                    });
                }
            }
        }
        let files: Vec<PathBuf> = temps.iter().map(|(t, _)| t.clone()).collect();
        if let Err(error) = fsutil::sync_filesystem(&self.dir, &files) {
            cleanup(&temps);
            return Err(StoreError::Io {
                location: self.dir.display().to_string(),
                error,
            });
        }
        let mut ids = Vec::with_capacity(batch.len());
        for (i, ((temp, path), (case, received))) in temps.iter().zip(batch.iter_mut()).enumerate()
        {
            match fsutil::link_into_place(temp, path) {
                Ok(()) => {
                    self.remember(&id_prefix(*received), sequence_of(&case.id));
                    ids.push(case.id.clone());
                }
                // Another process took the number meanwhile: this one case
                // goes the ordinary way.
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    ids.push(self.create(case, *received, &mut |_| {}).inspect_err(|_| {
                        cleanup(&temps[i + 1..]);
                    })?);
                }
                Err(error) => {
                    cleanup(&temps[i + 1..]);
                    return Err(StoreError::Io {
                        location: path.display().to_string(),
                        error,
                    });
                }
            }
        }
        fsutil::sync_directory(&self.dir).map_err(self.io(&self.dir))?;
        Ok(ids)
    }

    /// The store's write lock, held while a change compares what is stored
    /// with what its caller saw and then replaces it, so that the two are
    /// one step for every other process.
    fn write_lock(&self) -> Result<File, StoreError> {
        let path = self.dir.join(WRITE_LOCK_NAME);
        let file = fsutil::open_private(&path, Access::Shared).map_err(self.io(&path))?;
        fsutil::lock_exclusive(&file).map_err(self.io(&path))?;
        Ok(file)
    }

    /// The lock file of case `id` as it is now, which must be `expected`.
    fn expect_lock(&self, id: &str, expected: &LockInfo) -> Result<PathBuf, StoreError> {
        let path = self.lock_path(id);
        match self.read_lock(&path)? {
            None => Err(StoreError::NotLocked(id.to_string())),
            Some(info) if &info != expected => Err(StoreError::Locked(Box::new(info))),
            Some(_) => Ok(path),
        }
    }

    fn read_lock(&self, path: &Path) -> Result<Option<LockInfo>, StoreError> {
        let Some(text) = read_if_there(path, MAX_LOCK_BYTES)? else {
            return Ok(None);
        };
        serde_json::from_str::<LockInfo>(&text)
            .map(Some)
            .map_err(|err| {
                unreadable(
                    path,
                    format!(
                        "not a lock file ({err}); check that nobody is editing the case, \
                         then remove it by hand"
                    ),
                )
            })
    }

    /// Reads and parses every file in `jobs`, on all cores: a first listing
    /// of a large store parses every case once.
    fn read_all(&self, jobs: &[(String, FileKey)]) -> Vec<Found> {
        let read_one = |name: &str| -> Found {
            let path = self.dir.join(name);
            let id = name.strip_suffix(".json").unwrap_or(name);
            match read_case(&path, id) {
                Ok(case) => Found::Case(CaseSummary::of(&case)),
                Err(StoreError::NotFound(_)) => Found::Gone,
                // An I/O error may pass; it is reported, not remembered.
                Err(StoreError::Io { error, .. }) => {
                    Found::Bad(format!("could not be read: {error}"), false)
                }
                Err(err) => Found::Bad(reason_of(err), true),
            }
        };
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(8);
        if threads < 2 || jobs.len() < 64 {
            return jobs.iter().map(|(name, _)| read_one(name)).collect();
        }
        let per_thread = jobs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = jobs
                .chunks(per_thread)
                .map(|chunk| {
                    let worker =
                        scope.spawn(move || chunk.iter().map(|(n, _)| read_one(n)).collect());
                    (chunk.len(), worker)
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|(len, worker)| {
                    worker.join().unwrap_or_else(|_| {
                        vec![Found::Bad("could not be read (internal error)".into(), false); len]
                    })
                })
                .collect()
        })
    }

    /// The store's own files and directories that are not what they should
    /// be (a symbolic link, a FIFO): named, and not used.
    fn special_file_warnings(&self) -> Vec<StoreWarning> {
        let expected = [
            (LOG_NAME, false),
            (HEAD_NAME, false),
            (ROSTER_NAME, false),
            (INDEX_NAME, false),
            (WRITE_LOCK_NAME, false),
            (DRAFTS_DIR, true),
            (session::SESSIONS_DIR, true),
        ];
        let mut warnings = Vec::new();
        for (name, is_dir) in expected {
            let path = self.dir.join(name);
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let kind = meta.file_type();
            let what = if kind.is_symlink() {
                "is a symbolic link"
            } else if is_dir && !kind.is_dir() {
                "is not a directory"
            } else if !is_dir && !kind.is_file() {
                "is not a regular file"
            } else {
                continue;
            };
            warnings.push(StoreWarning(format!(
                "{} {what}; the store does not use it. Check what it is and remove it",
                path.display()
            )));
        }
        warnings
    }

    fn permission_warnings(&self, dir: &Path, warnings: &mut Vec<StoreWarning>, extra: &mut usize) {
        let Ok(entries) = fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let ours = name.ends_with(".json")
                || name.ends_with(".lock")
                || name == LOG_NAME
                || name == HEAD_NAME
                || name == INDEX_NAME;
            if !ours || fsutil::is_temp_name(&name) {
                continue;
            }
            let Ok(meta) = entry.metadata() else { continue };
            let mode = meta.permissions().mode() & 0o777;
            if meta.is_file() && mode & 0o077 != 0 {
                if warnings.len() < MAX_FILE_WARNINGS {
                    let path = entry.path();
                    warnings.push(StoreWarning(format!(
                        "{} can be read by group or others (mode {mode:04o}); \
                         run chmod 600 {}",
                        path.display(),
                        path.display()
                    )));
                } else {
                    *extra += 1;
                }
            }
        }
    }
}

fn lock_json(path: &Path, info: &LockInfo) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec_pretty(info).map_err(|err| StoreError::Io {
        location: path.display().to_string(),
        error: io::Error::new(io::ErrorKind::InvalidInput, err),
    })
}

/// Removes `path`; one that is gone already is fine.
fn remove_if_there(path: &Path) -> Result<(), StoreError> {
    match fs::remove_file(path) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(StoreError::Io {
            location: path.display().to_string(),
            error,
        }),
        _ => Ok(()),
    }
}

/// The name used in a path for an id: the id itself when valid. Invalid
/// ids never reach the file system (every operation checks first); this
/// only keeps `path_of` from pointing outside the store for messages.
fn file_safe(id: &str) -> String {
    if case_id_problem(id).is_none() {
        id.to_string()
    } else {
        id.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(crate::case::MAX_ID_LEN)
            .collect()
    }
}

/// "UM-20261201-": what every id for cases received on `date` starts with.
fn id_prefix(date: time::Date) -> String {
    let sample = case_id_for(date, 0);
    match sample.rfind('-') {
        Some(at) => sample[..=at].to_string(),
        None => sample,
    }
}

/// The sequence number at the end of an id made by `case_id_for`.
fn sequence_of(id: &str) -> u32 {
    id.rsplit('-')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn unreadable(path: &Path, reason: String) -> StoreError {
    StoreError::Unreadable(Unreadable {
        location: path.display().to_string(),
        reason,
    })
}

/// Why a directory entry that should be a case file is not one.
fn not_a_file(meta: &fs::Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_symlink() {
        "is a symbolic link, which the store does not follow"
    } else if kind.is_dir() {
        "is a directory, not a regular file"
    } else {
        "is a FIFO, socket or device, not a regular file"
    }
}

fn reason_of(err: StoreError) -> String {
    match err {
        StoreError::Unreadable(u) => u.reason,
        StoreError::Io { error, .. } => format!("could not be read: {error}"),
        other => other.to_string(),
    }
}

enum ReadError {
    Missing,
    Io(io::Error),
    /// Not something we would have written.
    Bad(String),
}

/// A regular file's text, refusing anything larger than `cap` or not UTF-8.
/// A symbolic link, FIFO or device is refused by what it is, never
/// followed or waited on.
fn read_capped(path: &Path, cap: u64) -> Result<String, ReadError> {
    let file = match fsutil::open_private(path, Access::Read) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(err) if err.kind() == io::ErrorKind::InvalidData => {
            return Err(ReadError::Bad(err.to_string()));
        }
        Err(err) => return Err(ReadError::Io(err)),
    };
    let len = file.metadata().map_err(ReadError::Io)?.len();
    if len > cap {
        return Err(ReadError::Bad(format!(
            "is {len} bytes, more than the {cap} a file here may have"
        )));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadError::Io)?;
    if bytes.len() as u64 > cap {
        return Err(ReadError::Bad(format!("is more than {cap} bytes")));
    }
    String::from_utf8(bytes).map_err(|err| {
        let at = err.utf8_error().valid_up_to();
        let line = err.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        ReadError::Bad(format!("line {line}: not UTF-8 text (byte {at})"))
    })
}

/// [`read_capped`] for a small file of the store that may be missing.
fn read_if_there(path: &Path, cap: u64) -> Result<Option<String>, StoreError> {
    match read_capped(path, cap) {
        Ok(text) => Ok(Some(text)),
        Err(ReadError::Missing) => Ok(None),
        Err(ReadError::Io(error)) => Err(StoreError::Io {
            location: path.display().to_string(),
            error,
        }),
        Err(ReadError::Bad(reason)) => Err(unreadable(path, reason)),
    }
}

/// The case in `path`, which must be the case `id`.
fn read_case(path: &Path, id: &str) -> Result<Case, StoreError> {
    let text = match read_capped(path, MAX_CASE_BYTES) {
        Ok(text) => text,
        Err(ReadError::Missing) => return Err(StoreError::NotFound(id.to_string())),
        Err(ReadError::Io(error)) => {
            return Err(StoreError::Io {
                location: path.display().to_string(),
                error,
            });
        }
        Err(ReadError::Bad(reason)) => return Err(unreadable(path, reason)),
    };
    let case = parse_case(&text).map_err(|err| unreadable(path, err.to_string()))?;
    // Saving writes `<case.id>.json`: a file holding another id would be
    // saved under the wrong name, so it is not a readable case here.
    if case.id != id {
        return Err(unreadable(
            path,
            format!("the file is named {id}.json but holds case {}", case.id),
        ));
    }
    Ok(case)
}

/// A draft as the file store writes it: the key beside the draft's text.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DraftFile {
    subject: String,
    author: String,
    session: String,
    #[serde(with = "time::serde::rfc3339")]
    saved_at: time::OffsetDateTime,
    draft: String,
}

fn read_draft_file(path: &Path) -> Result<DraftFile, StoreError> {
    let text = match read_capped(path, MAX_CASE_BYTES) {
        Ok(text) => text,
        Err(ReadError::Missing) => {
            return Err(StoreError::Io {
                location: path.display().to_string(),
                error: io::Error::new(io::ErrorKind::NotFound, "there is no such draft"),
            });
        }
        Err(ReadError::Io(error)) => {
            return Err(StoreError::Io {
                location: path.display().to_string(),
                error,
            });
        }
        Err(ReadError::Bad(reason)) => return Err(unreadable(path, reason)),
    };
    serde_json::from_str(&text).map_err(|err| unreadable(path, format!("not a draft: {err}")))
}

/// What reading one case file for the listing found.
#[derive(Clone)]
enum Found {
    Case(CaseSummary),
    /// Not a readable case, and whether that can be remembered until the
    /// file changes.
    Bad(String, bool),
    Gone,
}

/// Keeps the items whose flag in `confirmed` (entry for entry) is set.
fn keep_confirmed<T>(items: &mut Vec<T>, confirmed: &[bool]) {
    let mut flags = confirmed.iter();
    items.retain(|_| flags.next().copied().unwrap_or(false));
}

/// Sorts `items` by `cmp` and applies the same order to `keys`, which run
/// beside it entry for entry, without copying either.
fn sort_together<T, K>(
    items: &mut [T],
    keys: &mut [K],
    cmp: impl Fn(&T, &T) -> std::cmp::Ordering,
) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| cmp(&items[a], &items[b]));
    // Follow each cycle of the permutation; a visited slot points to itself.
    for start in 0..order.len() {
        let mut current = start;
        loop {
            let next = order[current];
            order[current] = current;
            if next == start || next == current {
                break;
            }
            items.swap(current, next);
            keys.swap(current, next);
            current = next;
        }
    }
}

/// Removes temporary files a killed writer left, once they are old enough
/// that no live writer can still be filling them.
fn sweep_temps(temps: Vec<PathBuf>) {
    if temps.is_empty() {
        return;
    }
    let now = SystemTime::now();
    for temp in temps {
        let old = fs::symlink_metadata(&temp)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| now.duration_since(m).ok())
            .is_some_and(|age| age > STALE_TEMP);
        if old {
            let _ = fs::remove_file(&temp);
        }
    }
}

fn now_ns() -> i128 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

impl CaseStore for FileStore {
    fn list(&self) -> Listing {
        // Taken before any file is looked at: a file changed after this
        // moment is caught as racy next time.
        let taken_at = now_ns();
        let index_path = self.index_path();
        let stored = index::read(&index_path, None).unwrap_or_default();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) => {
                return Listing {
                    cases: Vec::new(),
                    unreadable: vec![Unreadable {
                        location: self.dir.display().to_string(),
                        reason: format!("the store cannot be read: {err}"),
                    }],
                };
            }
        };
        let index::Stored {
            taken_at: index_taken_at,
            mut cases,
            mut case_keys,
            unreadable: stored_bad,
            ..
        } = stored;
        // What the index says and the directory confirms is kept as it is;
        // everything else is read again.
        let mut confirmed = vec![false; cases.len()];
        let mut bad_confirmed = vec![false; stored_bad.len()];
        let mut unreadable = Vec::new();
        // Kept beside `unreadable`, entry for entry, to write the index.
        let mut bad_keys: Vec<Option<FileKey>> = Vec::new();
        let mut jobs: Vec<(String, FileKey)> = Vec::new();
        let mut temps = Vec::new();
        {
            let by_id: HashMap<&str, usize> =
                cases.iter().enumerate().map(|(i, c)| (&*c.id, i)).collect();
            let bad_by_name: HashMap<&str, usize> = stored_bad
                .iter()
                .enumerate()
                .map(|(i, b)| (b.name.as_str(), i))
                .collect();
            let mut bad = |path: PathBuf, reason: String| {
                unreadable.push(Unreadable {
                    location: path.display().to_string(),
                    reason,
                });
                bad_keys.push(None);
            };
            for entry in entries {
                let Ok(entry) = entry else { continue };
                let os_name = entry.file_name();
                let Some(name) = os_name.to_str() else {
                    if os_name.to_string_lossy().ends_with(".json") {
                        bad(
                            entry.path(),
                            "the file name is not UTF-8, so it is not a case id".into(),
                        );
                    }
                    continue;
                };
                if name.starts_with('.') {
                    if fsutil::is_temp_name(name) {
                        temps.push(entry.path());
                    }
                    continue;
                }
                let Some(stem) = name.strip_suffix(".json") else {
                    continue;
                };
                if stem == ROSTER_ID {
                    continue;
                }
                let meta = match entry.metadata() {
                    Ok(meta) => meta,
                    // Removed since the directory was read.
                    Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                    Err(err) => {
                        bad(entry.path(), format!("could not be read: {err}"));
                        continue;
                    }
                };
                if !meta.file_type().is_file() {
                    bad(entry.path(), not_a_file(&meta).into());
                    continue;
                }
                if let Some(problem) = case_id_problem(stem) {
                    bad(
                        entry.path(),
                        format!("the file name is not a case id: {problem}"),
                    );
                    continue;
                }
                let key = FileKey::of(&meta);
                if !key.is_racy(index_taken_at) {
                    if let Some(&i) = by_id.get(stem)
                        && case_keys[i] == key
                    {
                        confirmed[i] = true;
                        continue;
                    }
                    if let Some(&i) = bad_by_name.get(name)
                        && stored_bad[i].key == key
                    {
                        bad_confirmed[i] = true;
                        continue;
                    }
                }
                jobs.push((name.to_string(), key));
            }
        }
        // Entries whose files vanished or changed.
        let dropped = confirmed.iter().filter(|c| !**c).count()
            + bad_confirmed.iter().filter(|c| !**c).count();
        let changed = dropped > 0 || !jobs.is_empty();
        if dropped > 0 {
            keep_confirmed(&mut cases, &confirmed);
            keep_confirmed(&mut case_keys, &confirmed);
        }
        drop(confirmed);
        for (bad, _) in stored_bad
            .into_iter()
            .zip(bad_confirmed)
            .filter(|(_, confirmed)| *confirmed)
        {
            unreadable.push(Unreadable {
                location: self.dir.join(&bad.name).display().to_string(),
                reason: bad.reason,
            });
            bad_keys.push(Some(bad.key));
        }

        if !jobs.is_empty() {
            cases.reserve(jobs.len());
            case_keys.reserve(jobs.len());
        }
        for ((name, key), found) in jobs.iter().zip(self.read_all(&jobs)) {
            match found {
                Found::Case(summary) => {
                    cases.push(summary);
                    case_keys.push(*key);
                }
                Found::Bad(reason, cacheable) => {
                    unreadable.push(Unreadable {
                        location: self.dir.join(name).display().to_string(),
                        reason,
                    });
                    bad_keys.push(cacheable.then_some(*key));
                }
                // Removed between the directory read and the file read.
                Found::Gone => {}
            }
        }
        drop(jobs);

        // An index read whole is in order already; only new entries move.
        if changed {
            sort_together(&mut cases, &mut case_keys, CaseSummary::queue_order);
        }
        sort_together(&mut unreadable, &mut bad_keys, |a, b| {
            a.location.cmp(&b.location)
        });

        if changed {
            let remembered: Vec<(&str, &str, &FileKey)> = unreadable
                .iter()
                .zip(&bad_keys)
                .filter_map(|(u, k)| {
                    Some((
                        Path::new(&u.location).file_name()?.to_str()?,
                        &*u.reason,
                        k.as_ref()?,
                    ))
                })
                .collect();
            let bytes = index::encode(taken_at, cases.iter().zip(&case_keys), &remembered);
            // A cache: failing to write it only costs time on the next listing.
            let _ = fsutil::write_private_nosync(&index_path, &bytes);
        }
        sweep_temps(temps);
        Listing { cases, unreadable }
    }

    fn list_cached(&self, first: usize) -> Option<CachedListing> {
        let stored = index::read(&self.index_path(), Some(first))?;
        let unreadable = stored
            .unreadable
            .into_iter()
            .map(|bad| Unreadable {
                location: self.dir.join(bad.name).display().to_string(),
                reason: bad.reason,
            })
            .collect();
        Some(CachedListing {
            listing: Listing {
                cases: stored.cases,
                unreadable,
            },
            more: stored.more,
            paged: false,
        })
    }

    fn load(&self, id: &str) -> Result<Case, StoreError> {
        check_id(id)?;
        read_case(&self.path_of(id), id)
    }

    fn create(
        &self,
        case: &mut Case,
        received: time::Date,
        complete: &mut dyn FnMut(&mut Case),
    ) -> Result<String, StoreError> {
        let prefix = id_prefix(received);
        let mut sequence = self.first_guess(&prefix)?;
        // Each failed attempt means another process just took that number;
        // the bound only stops a loop on a store that cannot be written.
        for _ in 0..10_000 {
            let id = case_id_for(received, sequence);
            if let Some(problem) = case_id_problem(&id) {
                return Err(StoreError::InvalidId(problem));
            }
            // Completed afresh for each id tried: its history names the id.
            let mut attempt = case.clone();
            attempt.id = id.clone();
            complete(&mut attempt);
            let path = self.path_of(&id);
            let json = to_json(&attempt);
            check_record_size(|| format!("the new case {id}"), json.len())?;
            match fsutil::create_exclusive_atomic(&path, json.as_bytes()) {
                Ok(()) => {
                    self.remember(&prefix, sequence);
                    *case = attempt;
                    self.watchers.tell(&id);
                    return Ok(id);
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    // Someone else is creating too: see how far they got.
                    let highest = self.max_sequence(&prefix).unwrap_or(sequence);
                    sequence = sequence.max(highest).saturating_add(1);
                }
                Err(error) => {
                    return Err(StoreError::Io {
                        location: path.display().to_string(),
                        error,
                    });
                }
            }
        }
        Err(StoreError::Io {
            location: self.dir.display().to_string(),
            error: io::Error::other(format!("no free case id for {prefix}")),
        })
    }

    fn save(&self, case: &Case, expected_last: &str) -> Result<(), StoreError> {
        check_id(&case.id)?;
        let path = self.path_of(&case.id);
        let json = to_json(case);
        check_record_size(|| format!("case {}", case.id), json.len())?;
        let _guard = self.write_lock()?;
        let current = read_case(&path, &case.id)?;
        check_current(&case.id, &current, expected_last)?;
        fsutil::write_private(&path, json.as_bytes()).map_err(self.io(&path))?;
        self.watchers.tell(&case.id);
        Ok(())
    }

    fn begin_session(&self, holder: &LockHolder) -> Result<SessionLease, StoreError> {
        session::begin(&self.sessions_dir(), holder)
    }

    fn session_alive(&self, session: &str) -> Option<bool> {
        session::alive(&self.sessions_dir(), session)
    }

    fn lock(&self, id: &str, holder: &LockHolder) -> Result<LockInfo, StoreError> {
        check_id(id)?;
        let path = self.lock_path(id);
        // A lock can vanish between failing to create ours and reading it
        // (its holder let go); then we try again.
        for _ in 0..5 {
            let info = LockInfo {
                holder: holder.clone(),
                since: clock::now(),
            };
            let json = lock_json(&path, &info)?;
            match fsutil::create_exclusive_atomic(&path, &json) {
                Ok(()) => {
                    self.watchers.tell(id);
                    return Ok(info);
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    match self.read_lock(&path)? {
                        Some(existing) if existing.holder.same_as(holder) => return Ok(existing),
                        Some(existing) => return Err(StoreError::Locked(Box::new(existing))),
                        None => continue,
                    }
                }
                Err(error) => {
                    return Err(StoreError::Io {
                        location: path.display().to_string(),
                        error,
                    });
                }
            }
        }
        Err(StoreError::Io {
            location: path.display().to_string(),
            error: io::Error::other("the lock kept changing hands; try again"),
        })
    }

    fn unlock(&self, id: &str, holder: &LockHolder) -> Result<(), StoreError> {
        check_id(id)?;
        let path = self.lock_path(id);
        // Under the write lock: the lock read is the lock removed, even if a
        // supervisor breaks it and someone else takes it meanwhile.
        let _guard = self.write_lock()?;
        match self.read_lock(&path)? {
            None => Ok(()),
            Some(existing) if existing.holder.same_as(holder) => {
                remove_if_there(&path)?;
                self.watchers.tell(id);
                Ok(())
            }
            Some(existing) => Err(StoreError::Locked(Box::new(existing))),
        }
    }

    fn lock_info(&self, id: &str) -> Option<LockInfo> {
        check_id(id).ok()?;
        self.read_lock(&self.lock_path(id)).ok().flatten()
    }

    fn break_lock(&self, id: &str, expected: &LockInfo) -> Result<LockInfo, StoreError> {
        check_id(id)?;
        let _guard = self.write_lock()?;
        let path = self.expect_lock(id, expected)?;
        fs::remove_file(&path).map_err(self.io(&path))?;
        self.watchers.tell(id);
        Ok(expected.clone())
    }

    fn take_over(
        &self,
        id: &str,
        expected: &LockInfo,
        holder: &LockHolder,
    ) -> Result<LockInfo, StoreError> {
        check_id(id)?;
        let _guard = self.write_lock()?;
        let path = self.expect_lock(id, expected)?;
        let info = LockInfo {
            holder: holder.clone(),
            since: clock::now(),
        };
        // Replaced in one rename: a lock file is there throughout, so no
        // one else's `lock` can slip in between.
        fsutil::write_private(&path, &lock_json(&path, &info)?).map_err(self.io(&path))?;
        self.watchers.tell(id);
        Ok(info)
    }

    fn save_draft(&self, key: &DraftKey, draft_json: &str) -> Result<String, StoreError> {
        let path = self.draft_path(key)?;
        self.check_drafts_dir(true)?;
        let envelope = DraftFile {
            subject: key.subject.clone(),
            author: key.author.clone(),
            session: key.session.clone(),
            saved_at: clock::now(),
            draft: draft_json.to_string(),
        };
        let json = serde_json::to_vec(&envelope).map_err(|err| StoreError::Io {
            location: path.display().to_string(),
            error: io::Error::new(io::ErrorKind::InvalidInput, err),
        })?;
        check_record_size(|| format!("the draft of {}", key.subject), json.len())?;
        fsutil::write_private(&path, &json).map_err(self.io(&path))?;
        Ok(path.display().to_string())
    }

    fn drafts(&self) -> Vec<DraftInfo> {
        // A linked drafts/ is not read (warnings() names it).
        let dir = self.drafts_dir();
        if !fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            return Vec::new();
        }
        let Ok(entries) = fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut drafts: Vec<DraftInfo> = entries
            .flatten()
            .filter_map(|entry| {
                if !entry.file_type().ok()?.is_file() {
                    return None;
                }
                let path = entry.path();
                let file = read_draft_file(&path).ok()?;
                let key = DraftKey {
                    subject: file.subject,
                    author: file.author,
                    session: file.session,
                };
                // A file whose name does not follow from its key was not
                // written here; it is not offered.
                if self.draft_path(&key).ok()? != path {
                    return None;
                }
                Some(DraftInfo {
                    key,
                    saved_at: file.saved_at,
                    location: path.display().to_string(),
                })
            })
            .collect();
        drafts.sort_by(|a, b| a.key.cmp(&b.key));
        drafts
    }

    fn load_draft(&self, key: &DraftKey) -> Result<String, StoreError> {
        let path = self.draft_path(key)?;
        self.check_drafts_dir(false)?;
        let file = read_draft_file(&path)?;
        if file.subject != key.subject || file.author != key.author || file.session != key.session {
            return Err(unreadable(&path, "holds another draft".to_string()));
        }
        Ok(file.draft)
    }

    fn discard_draft(&self, key: &DraftKey) -> Result<(), StoreError> {
        let path = self.draft_path(key)?;
        self.check_drafts_dir(false)?;
        remove_if_there(&path)
    }

    fn log_access(&self, entry: &AccessEntry) -> Result<(), StoreError> {
        access_log::append(&self.access_log_path(), entry).map(|_| ())
    }

    fn access_log(&self, case_id: Option<&str>) -> Result<Vec<AccessEntry>, StoreError> {
        access_log::read(&self.access_log_path(), case_id)
    }

    fn verify_access_log(&self) -> AccessLogIntegrity {
        access_log::verify(&self.access_log_path())
    }

    fn access_log_head(&self) -> Result<Option<AccessLogHead>, StoreError> {
        access_log::read_head(&self.access_log_path())
    }

    fn owner(&self) -> Option<String> {
        self.dir_owner()
    }

    fn roster(&self) -> Result<Option<Roster>, StoreError> {
        self.read_roster()
    }

    fn save_roster(
        &self,
        roster: &Roster,
        expected_version: u64,
        change: &AccessEntry,
    ) -> Result<Roster, StoreError> {
        let path = self.roster_path();
        let mut saved = roster.clone();
        saved.version = expected_version + 1;
        let mut json = serde_json::to_vec_pretty(&saved).map_err(|err| StoreError::Io {
            location: path.display().to_string(),
            error: io::Error::new(io::ErrorKind::InvalidInput, err),
        })?;
        json.push(b'\n');
        let _guard = self.write_lock()?;
        // An unreadable roster is an error here too: it is never replaced
        // by one built without it.
        let stored = self.read_roster()?;
        check_roster_version(stored.as_ref(), expected_version)?;
        // Logged first: a change that is recorded and then fails to be
        // written is better than one written and never recorded.
        access_log::append(&self.access_log_path(), change)?;
        fsutil::write_private(&path, &json).map_err(self.io(&path))?;
        Ok(saved)
    }

    fn warnings(&self) -> Vec<StoreWarning> {
        let mut warnings = Vec::new();
        let dir = self.dir.display();
        match fs::metadata(&self.dir) {
            Ok(meta) => {
                let mode = meta.permissions().mode() & 0o777;
                if mode & 0o022 != 0 {
                    warnings.push(StoreWarning(format!(
                        "The case store {dir} can be written by group or others \
                         (mode {mode:04o}); run chmod 700 {dir}"
                    )));
                } else if mode & 0o077 != 0 {
                    warnings.push(StoreWarning(format!(
                        "The case store {dir} can be listed by group or others \
                         (mode {mode:04o}); run chmod 700 {dir}"
                    )));
                }
                let me = rustix::process::geteuid().as_raw();
                if meta.uid() != me {
                    warnings.push(StoreWarning(format!(
                        "The case store {dir} belongs to another user (uid {}), not to you \
                         (uid {me}); anyone with that account can read and change the cases",
                        meta.uid()
                    )));
                }
            }
            Err(err) => warnings.push(StoreWarning(format!(
                "The case store {dir} cannot be examined: {err}"
            ))),
        }
        warnings.extend(self.special_file_warnings());
        let mut file_warnings = Vec::new();
        let mut extra = 0;
        self.permission_warnings(&self.dir, &mut file_warnings, &mut extra);
        let drafts = self.drafts_dir();
        if let Ok(meta) = fs::symlink_metadata(&drafts).and_then(|m| {
            if m.is_dir() {
                Ok(m)
            } else {
                Err(io::Error::from(io::ErrorKind::InvalidData))
            }
        }) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                warnings.push(StoreWarning(format!(
                    "The drafts directory {} can be read by group or others (mode {mode:04o}); \
                     run chmod 700 {}",
                    drafts.display(),
                    drafts.display()
                )));
            }
            self.permission_warnings(&drafts, &mut file_warnings, &mut extra);
        }
        warnings.extend(file_warnings);
        if extra > 0 {
            warnings.push(StoreWarning(format!(
                "{extra} more files in {dir} can be read by group or others; \
                 run chmod 600 on them"
            )));
        }
        warnings
    }

    fn location(&self) -> String {
        self.dir.display().to_string()
    }

    fn case_location(&self, id: &str) -> String {
        self.path_of(id).display().to_string()
    }

    fn watch(&self, wake: Wake) -> Result<Watching, StoreError> {
        Ok(self.watchers.add(wake))
    }

    /// Reads the cases one by one: a file store keeps no index of
    /// requests, and imports are rare next to reads. A file that cannot be
    /// read is skipped here as the listing skips it.
    fn find_by_request(&self, key: &str) -> Result<Option<String>, StoreError> {
        for summary in self.list().cases {
            let Ok(case) = self.load(&summary.id) else {
                continue;
            };
            if case.pas_request.as_ref().is_some_and(|r| r.key() == key) {
                return Ok(Some(case.id));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fsutil::faults;

    fn a_case() -> Case {
        use crate::case::{Member, Product, Provider, RequestFacts, Service, Urgency};
        let facts = RequestFacts {
            member: Member {
                name: "Ana Example".into(),
                member_id: "FIC000001".into(),
                date_of_birth: time::macros::date!(1961 - 04 - 12),
                product: Product::CommercialPpo,
            },
            provider: Provider {
                name: "Fictional Transplant Center".into(),
                npi: "1234567893".into(),
            },
            service: Service {
                cpt_codes: vec!["47371".into()],
                icd10_codes: vec!["C22.0".into()],
                planned_date: None,
            },
            received_at: time::macros::datetime!(2026-12-01 09:14:03 -5),
            urgency: Urgency::Standard,
            lesions: Vec::new(),
        };
        let policy = crate::policy::LoadedPolicy::embedded();
        crate::case::new_case("NEW", facts, &policy, &Default::default())
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_create_that_fails_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::open(dir.path().join("cases")).unwrap();
        let received = time::macros::date!(2026 - 12 - 01);
        for fault in [faults::failed_sync as fn(), || faults::short_write(100)] {
            fault();
            let mut case = a_case();
            assert!(matches!(
                store.create(&mut case, received, &mut |_| {}),
                Err(StoreError::Io { .. })
            ));
            assert_eq!(names_in(store.dir()), Vec::<String>::new());
        }
        let mut case = a_case();
        let id = store.create(&mut case, received, &mut |_| {}).unwrap();
        assert_eq!(names_in(store.dir()), [format!("{id}.json")]);
    }

    #[test]
    fn sorting_together_keeps_pairs_together() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for len in [0usize, 1, 2, 3, 10, 257] {
            let mut items: Vec<u64> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed % 50
                })
                .collect();
            let mut keys: Vec<String> = items.iter().map(|i| format!("key of {i}")).collect();
            let mut expected = items.clone();
            expected.sort();
            sort_together(&mut items, &mut keys, |a, b| a.cmp(b));
            assert_eq!(items, expected);
            for (item, key) in items.iter().zip(&keys) {
                assert_eq!(key, &format!("key of {item}"));
            }
        }
    }
}
