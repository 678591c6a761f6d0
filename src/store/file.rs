//! The file store: one `<case-id>.json` per case in one directory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::access_log::{self, AccessEntry, AccessLogIntegrity, LOG_NAME};
use super::fsutil::{self, FILE_MODE};
use super::index::{self, Cached, FileKey, INDEX_NAME};
use super::lock::{LockHolder, LockInfo};
use super::{CaseStore, CaseSummary, Listing, StoreError, StoreWarning, Unreadable, actor, clock};
use crate::case::{Case, case_id_for, case_id_problem, parse_case, rfc3339, to_json};

/// No case is this large (a 1 MB note is); a bigger file is not read into
/// memory at all.
const MAX_CASE_BYTES: u64 = 64 * 1024 * 1024;
const MAX_LOCK_BYTES: u64 = 64 * 1024;
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
}

impl FileStore {
    /// Opens the store at `dir`, creating it owner-only if missing.
    pub fn open(dir: impl AsRef<Path>) -> Result<FileStore, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        fsutil::ensure_private_dir(&dir).map_err(|error| StoreError::Io {
            path: dir.clone(),
            error,
        })?;
        Ok(FileStore { dir })
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

    pub fn index_path(&self) -> PathBuf {
        self.dir.join(INDEX_NAME)
    }

    fn draft_path(&self, key: &str) -> PathBuf {
        self.drafts_dir().join(format!("{}.json", file_safe(key)))
    }

    fn io(&self, path: &Path) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.to_path_buf();
        move |error| StoreError::Io { path, error }
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
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
                if let Ok(n) = digits.parse::<u32>() {
                    max = max.max(n);
                }
            }
        }
        Ok(max)
    }

    fn write_lock(&self) -> Result<File, StoreError> {
        let path = self.dir.join(WRITE_LOCK_NAME);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(FILE_MODE)
            .open(&path)
            .map_err(self.io(&path))?;
        loop {
            // SAFETY: the descriptor is open for the duration of the call.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(file);
            }
            let err = io::Error::last_os_error();
            if err.kind() != io::ErrorKind::Interrupted {
                return Err(StoreError::Io { path, error: err });
            }
        }
    }

    fn read_lock(&self, path: &Path) -> Result<Option<LockInfo>, StoreError> {
        let text = match read_capped(path, MAX_LOCK_BYTES) {
            Ok(text) => text,
            Err(ReadError::Missing) => return Ok(None),
            Err(ReadError::Io(error)) => {
                return Err(StoreError::Io {
                    path: path.to_path_buf(),
                    error,
                });
            }
            Err(ReadError::Bad(reason)) => return Err(unreadable(path, reason)),
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
    fn read_all(&self, jobs: &[(usize, String)]) -> Vec<Cached> {
        let read_one = |name: &str| -> Cached {
            let path = self.dir.join(name);
            let id = name.strip_suffix(".json").unwrap_or(name);
            match read_case(&path, id) {
                Ok(case) => Cached::Case(CaseSummary::of(&case)),
                Err(err) => Cached::Unreadable(reason_of(err)),
            }
        };
        let threads = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(8);
        if threads < 2 || jobs.len() < 64 {
            return jobs.iter().map(|(_, name)| read_one(name)).collect();
        }
        let per_thread = jobs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let workers: Vec<_> = jobs
                .chunks(per_thread)
                .map(|chunk| {
                    let worker =
                        scope.spawn(move || chunk.iter().map(|(_, n)| read_one(n)).collect());
                    (chunk.len(), worker)
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|(len, worker)| {
                    worker.join().unwrap_or_else(|_| {
                        vec![Cached::Unreadable("could not be read (internal error)".into()); len]
                    })
                })
                .collect()
        })
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

fn check_id(id: &str) -> Result<(), StoreError> {
    match case_id_problem(id) {
        Some(problem) => Err(StoreError::InvalidId(problem)),
        None => Ok(()),
    }
}

fn unreadable(path: &Path, reason: String) -> StoreError {
    StoreError::Unreadable(Unreadable {
        path: path.to_path_buf(),
        reason,
    })
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
fn read_capped(path: &Path, cap: u64) -> Result<String, ReadError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(err) => return Err(ReadError::Io(err)),
    };
    if !meta.file_type().is_file() {
        return Err(ReadError::Bad("is not a regular file".to_string()));
    }
    if meta.len() > cap {
        return Err(ReadError::Bad(format!(
            "is {} bytes, more than the {} a file here may have",
            meta.len(),
            cap
        )));
    }
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Err(ReadError::Missing),
        Err(err) => return Err(ReadError::Io(err)),
    };
    let mut bytes = Vec::with_capacity(meta.len() as usize);
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

/// The case in `path`, which must be the case `id`.
fn read_case(path: &Path, id: &str) -> Result<Case, StoreError> {
    let text = match read_capped(path, MAX_CASE_BYTES) {
        Ok(text) => text,
        Err(ReadError::Missing) => return Err(StoreError::NotFound(id.to_string())),
        Err(ReadError::Io(error)) => {
            return Err(StoreError::Io {
                path: path.to_path_buf(),
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
        let mut index = fs::read(&index_path)
            .ok()
            .and_then(|bytes| index::decode(&bytes))
            .unwrap_or_default();
        let mut listing = Listing::default();
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) => {
                listing.unreadable.push(Unreadable {
                    path: self.dir.clone(),
                    reason: format!("the store cannot be read: {err}"),
                });
                return listing;
            }
        };
        let mut files: Vec<(String, FileKey, Option<Cached>)> = Vec::new();
        let mut temps = Vec::new();
        for entry in entries {
            let Ok(entry) = entry else { continue };
            let os_name = entry.file_name();
            let Some(name) = os_name.to_str() else {
                if os_name.to_string_lossy().ends_with(".json") {
                    listing.unreadable.push(Unreadable {
                        path: entry.path(),
                        reason: "the file name is not UTF-8, so it is not a case id".into(),
                    });
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
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                // Removed since the directory was read.
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => {
                    listing.unreadable.push(Unreadable {
                        path: entry.path(),
                        reason: format!("could not be read: {err}"),
                    });
                    continue;
                }
            };
            if !meta.file_type().is_file() {
                listing.unreadable.push(Unreadable {
                    path: entry.path(),
                    reason: "is not a regular file".into(),
                });
                continue;
            }
            if let Some(problem) = case_id_problem(stem) {
                listing.unreadable.push(Unreadable {
                    path: entry.path(),
                    reason: format!("the file name is not a case id: {problem}"),
                });
                continue;
            }
            let key = FileKey::of(&meta);
            let cached = index.take_fresh(name, &key);
            files.push((name.to_string(), key, cached));
        }
        // Whatever is left in the index is a file that vanished or changed.
        let mut changed = !index.entries.is_empty();
        drop(index);

        let jobs: Vec<(usize, String)> = files
            .iter()
            .enumerate()
            .filter(|(_, (_, _, cached))| cached.is_none())
            .map(|(i, (name, _, _))| (i, name.clone()))
            .collect();
        if !jobs.is_empty() {
            changed = true;
            let read = self.read_all(&jobs);
            for ((i, _), cached) in jobs.iter().zip(read) {
                files[*i].2 = Some(cached);
            }
        }

        let new_index = changed.then(|| {
            index::encode(
                taken_at,
                files
                    .iter()
                    .filter_map(|(name, key, cached)| Some((name.as_str(), key, cached.as_ref()?)))
                    .collect::<Vec<_>>()
                    .into_iter(),
            )
        });

        for (name, _, cached) in files {
            match cached {
                Some(Cached::Case(summary)) => listing.cases.push(summary),
                Some(Cached::Unreadable(reason)) => listing.unreadable.push(Unreadable {
                    path: self.dir.join(name),
                    reason,
                }),
                None => {}
            }
        }
        listing
            .cases
            .sort_by(|a, b| a.due_at.cmp(&b.due_at).then_with(|| a.id.cmp(&b.id)));
        listing.unreadable.sort_by(|a, b| a.path.cmp(&b.path));

        if let Some(bytes) = new_index {
            // A cache: failing to write it only costs time on the next listing.
            let _ = fsutil::write_atomic_nosync(&index_path, &bytes);
        }
        if !temps.is_empty() {
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
        listing
    }

    fn load(&self, id: &str) -> Result<Case, StoreError> {
        check_id(id)?;
        read_case(&self.path_of(id), id)
    }

    fn create(&self, case: &mut Case, received: time::Date) -> Result<String, StoreError> {
        let sample = case_id_for(received, 0);
        let prefix = match sample.rfind('-') {
            Some(at) => sample[..=at].to_string(),
            None => sample.clone(),
        };
        let original_id = std::mem::take(&mut case.id);
        let mut sequence = self.max_sequence(&prefix)?.saturating_add(1);
        // Each failed attempt means another process just took that number;
        // the bound only stops a loop on a store that cannot be written.
        for _ in 0..10_000 {
            let id = case_id_for(received, sequence);
            if let Some(problem) = case_id_problem(&id) {
                case.id = original_id;
                return Err(StoreError::InvalidId(problem));
            }
            case.id = id.clone();
            let path = self.path_of(&id);
            match fsutil::create_exclusive_atomic(&path, to_json(case).as_bytes()) {
                Ok(()) => return Ok(id),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    sequence = sequence.saturating_add(1);
                }
                Err(error) => {
                    case.id = original_id;
                    return Err(StoreError::Io { path, error });
                }
            }
        }
        case.id = original_id;
        Err(StoreError::Io {
            path: self.dir.clone(),
            error: io::Error::other(format!("no free case id for {prefix}")),
        })
    }

    fn save(&self, case: &Case, expected_last: &str) -> Result<(), StoreError> {
        check_id(&case.id)?;
        let path = self.path_of(&case.id);
        let _guard = self.write_lock()?;
        let current = read_case(&path, &case.id)?;
        let current_last = current
            .history
            .last()
            .map(|e| e.digest.as_str())
            .unwrap_or("");
        if current_last != expected_last {
            let detail = match current.history.last() {
                Some(entry) => format!(
                    "{} saved it at {} ({}) after it was opened here; \
                     reload it to see the change",
                    actor(&entry.by),
                    rfc3339(entry.at),
                    entry.event
                ),
                None => "the saved version has a different history; reload it".to_string(),
            };
            return Err(StoreError::Conflict {
                id: case.id.clone(),
                detail,
            });
        }
        fsutil::write_atomic(&path, to_json(case).as_bytes()).map_err(self.io(&path))
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
            let json = serde_json::to_vec_pretty(&info).expect("locks always serialize");
            match fsutil::create_exclusive_atomic(&path, &json) {
                Ok(()) => return Ok(info),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                    match self.read_lock(&path)? {
                        Some(existing) if existing.holder.same_as(holder) => return Ok(existing),
                        Some(existing) => return Err(StoreError::Locked(existing)),
                        None => continue,
                    }
                }
                Err(error) => return Err(StoreError::Io { path, error }),
            }
        }
        Err(StoreError::Io {
            path,
            error: io::Error::other("the lock kept changing hands; try again"),
        })
    }

    fn unlock(&self, id: &str, holder: &LockHolder) -> Result<(), StoreError> {
        check_id(id)?;
        let path = self.lock_path(id);
        match self.read_lock(&path)? {
            None => Ok(()),
            Some(existing) if existing.holder.same_as(holder) => match fs::remove_file(&path) {
                Err(err) if err.kind() != io::ErrorKind::NotFound => {
                    Err(StoreError::Io { path, error: err })
                }
                _ => Ok(()),
            },
            Some(existing) => Err(StoreError::Locked(existing)),
        }
    }

    fn lock_info(&self, id: &str) -> Option<LockInfo> {
        check_id(id).ok()?;
        self.read_lock(&self.lock_path(id)).ok().flatten()
    }

    fn break_lock(&self, id: &str) -> Result<LockInfo, StoreError> {
        check_id(id)?;
        let path = self.lock_path(id);
        let Some(info) = self.read_lock(&path)? else {
            return Err(StoreError::Io {
                path,
                error: io::Error::new(io::ErrorKind::NotFound, "there is no lock to break"),
            });
        };
        fs::remove_file(&path).map_err(self.io(&path))?;
        Ok(info)
    }

    fn save_draft(&self, key: &str, draft_json: &str) -> Result<PathBuf, StoreError> {
        check_id(key)?;
        let dir = self.drafts_dir();
        fsutil::ensure_private_dir(&dir).map_err(self.io(&dir))?;
        let path = self.draft_path(key);
        fsutil::write_atomic(&path, draft_json.as_bytes()).map_err(self.io(&path))?;
        Ok(path)
    }

    fn drafts(&self) -> Vec<(String, PathBuf)> {
        let Ok(entries) = fs::read_dir(self.drafts_dir()) else {
            return Vec::new();
        };
        let mut drafts: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let key = name.strip_suffix(".json")?;
                if case_id_problem(key).is_some() || !entry.file_type().ok()?.is_file() {
                    return None;
                }
                Some((key.to_string(), entry.path()))
            })
            .collect();
        drafts.sort();
        drafts
    }

    fn load_draft(&self, key: &str) -> Result<String, StoreError> {
        check_id(key)?;
        let path = self.draft_path(key);
        match read_capped(&path, MAX_CASE_BYTES) {
            Ok(text) => Ok(text),
            Err(ReadError::Missing) => Err(StoreError::Io {
                path,
                error: io::Error::new(io::ErrorKind::NotFound, "there is no such draft"),
            }),
            Err(ReadError::Io(error)) => Err(StoreError::Io { path, error }),
            Err(ReadError::Bad(reason)) => Err(unreadable(&path, reason)),
        }
    }

    fn discard_draft(&self, key: &str) -> Result<(), StoreError> {
        check_id(key)?;
        let path = self.draft_path(key);
        match fs::remove_file(&path) {
            Err(err) if err.kind() != io::ErrorKind::NotFound => {
                Err(StoreError::Io { path, error: err })
            }
            _ => Ok(()),
        }
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
                // SAFETY: geteuid has no preconditions and cannot fail.
                let me = unsafe { libc::geteuid() };
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
        let mut file_warnings = Vec::new();
        let mut extra = 0;
        self.permission_warnings(&self.dir, &mut file_warnings, &mut extra);
        let drafts = self.drafts_dir();
        if let Ok(meta) = fs::metadata(&drafts) {
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

    fn describe(&self) -> String {
        self.dir.display().to_string()
    }

    fn path_of(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{}.json", file_safe(id)))
    }
}
