//! Sessions of the file store: each live session holds an OS lock on
//! `sessions/<session>.alive`, so that whether it is alive is proved by
//! the kernel, not guessed from a process id that may have been reused.
//! The lock goes when the lease is dropped or the process ends in any way
//! (a crash, `kill -9`, a lost connection).

use std::fs::{self, File, TryLockError};
use std::io;
use std::path::{Path, PathBuf};

use super::fsutil::{self, Access};
use super::{LockHolder, SessionLease, StoreError};

pub const SESSIONS_DIR: &str = "sessions";
const SUFFIX: &str = ".alive";

/// Refuses a session id that could not be part of a file name.
pub fn check_session_id(session: &str) -> Result<(), StoreError> {
    let safe = !session.is_empty()
        && session.len() <= 64
        && session
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if safe {
        Ok(())
    } else {
        Err(StoreError::InvalidId(format!(
            "session '{}' is not a session id",
            session.escape_default()
        )))
    }
}

fn path_of(dir: &Path, session: &str) -> Result<PathBuf, StoreError> {
    check_session_id(session)?;
    Ok(dir.join(format!("{session}{SUFFIX}")))
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> StoreError {
    let location = path.display().to_string();
    move |error| StoreError::Io { location, error }
}

/// The open, locked session file; dropping it ends the session.
struct Held {
    path: PathBuf,
    _file: File,
}

impl Drop for Held {
    fn drop(&mut self) {
        // Removed while still locked, so no one sees it unlocked first.
        let _ = fs::remove_file(&self.path);
    }
}

/// Starts the session of `holder` in the sessions directory `dir`.
pub fn begin(dir: &Path, holder: &LockHolder) -> Result<SessionLease, StoreError> {
    let path = path_of(dir, &holder.session)?;
    fsutil::ensure_inner_dir(dir).map_err(io_error(dir))?;
    sweep(dir);
    let (temp, file) = fsutil::new_temp(&path).map_err(io_error(&path))?;
    // Locked before the file gets its name: nobody ever finds a live
    // session's file unlocked and takes the session for dead.
    let locked = fsutil::lock_exclusive(&file)
        .and_then(|()| {
            let json = serde_json::to_vec_pretty(holder).map_err(io::Error::other)?;
            fsutil::write_bytes(&file, &json)
        })
        .and_then(|()| fsutil::link_into_place(&temp, &path));
    if let Err(error) = locked {
        let _ = fs::remove_file(&temp);
        return Err(StoreError::Io {
            location: path.display().to_string(),
            error,
        });
    }
    Ok(SessionLease::new(Held { path, _file: file }))
}

/// Whether the session of `holder` is alive: its file is there and locked.
/// A session with no file here never began or has ended. None when the
/// file cannot be examined.
pub fn alive(dir: &Path, session: &str) -> Option<bool> {
    let path = path_of(dir, session).ok()?;
    let file = match fsutil::open_private(&path, Access::Read) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Some(false),
        Err(_) => return None,
    };
    match file.try_lock() {
        Ok(()) => {
            // Its holder is gone without ending it (a crash): sweep it.
            let _ = fs::remove_file(&path);
            Some(false)
        }
        Err(TryLockError::WouldBlock) => Some(true),
        Err(TryLockError::Error(_)) => None,
    }
}

/// Removes the files of sessions whose holders are gone.
fn sweep(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(session) = name.to_str().and_then(|n| n.strip_suffix(SUFFIX)) else {
            continue;
        };
        let Ok(file) = fsutil::open_private(&entry.path(), Access::Read) else {
            continue;
        };
        if file.try_lock().is_ok() && check_session_id(session).is_ok() {
            let _ = fs::remove_file(entry.path());
        }
    }
}
