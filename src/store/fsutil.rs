//! Atomic, private file writes.
//!
//! A reader (or a process started after a crash) must see a file's old
//! content or its new content, never part of each: every write goes to a
//! temporary file in the same directory, is flushed to disk, and is then
//! renamed (or linked) into place, which the kernel does in one step.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Owner read and write only: cases hold protected health information.
pub const FILE_MODE: u32 = 0o600;
pub const DIR_MODE: u32 = 0o700;

/// The marker in temporary file names; such names start with a dot, so
/// they are never taken for `<case-id>.json`.
const TEMP_MARKER: &str = ".tmp-";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Creates `path` (and missing parents) owner-only. An existing directory
/// keeps its mode: loosening or tightening it silently is not ours to do,
/// the store reports it instead.
pub fn ensure_private_dir(path: &Path) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "exists and is not a directory",
        )),
        Err(err) if err.kind() == io::ErrorKind::NotFound => DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(path),
        Err(err) => Err(err),
    }
}

/// Replaces `path` with `bytes`, durably: after this returns the new
/// content survives a crash, and at no moment is a partial file visible.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace(path, bytes, true)
}

/// As [`write_atomic`], without waiting for the disk: for caches, where
/// losing the newest version to a power cut only costs a rebuild.
pub fn write_atomic_nosync(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace(path, bytes, false)
}

fn replace(path: &Path, bytes: &[u8], durable: bool) -> io::Result<()> {
    let (temp, mut file) = temp_file(path)?;
    let written = write_and_sync(&mut file, bytes, durable).and_then(|()| fs::rename(&temp, path));
    if let Err(err) = written {
        let _ = fs::remove_file(&temp);
        return Err(err);
    }
    if durable {
        sync_dir(path)?;
    }
    Ok(())
}

/// Creates `path` with `bytes` only if it does not exist, atomically: the
/// content is complete before the name appears, so a reader never sees a
/// half-written file, and of two processes creating the same name exactly
/// one succeeds. Fails with `AlreadyExists` when `path` exists.
pub fn create_exclusive_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = write_temp(path, bytes, true)?;
    link_into_place(&temp, path)?;
    sync_dir(path)
}

/// A complete temporary file with `bytes`, next to `path`, for
/// [`link_into_place`]; flushed to disk when `durable`.
pub fn write_temp(path: &Path, bytes: &[u8], durable: bool) -> io::Result<PathBuf> {
    let (temp, mut file) = temp_file(path)?;
    match write_and_sync(&mut file, bytes, durable) {
        Ok(()) => Ok(temp),
        Err(err) => {
            let _ = fs::remove_file(&temp);
            Err(err)
        }
    }
}

/// Gives the temporary file `temp` the name `path` unless that exists
/// (`AlreadyExists`), and removes the temporary name either way. The
/// directory is not synced: callers creating many files sync it once.
pub fn link_into_place(temp: &Path, path: &Path) -> io::Result<()> {
    let result = link_new(temp, path);
    let _ = fs::remove_file(temp);
    result
}

/// Flushes everything written to the filesystem holding `dir`: one wait
/// for the disk instead of one per file, for batches.
pub fn sync_filesystem(dir: &Path, files: &[PathBuf]) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::unix::io::AsRawFd;
        let _ = files;
        let handle = File::open(dir)?;
        // SAFETY: the descriptor is open for the duration of the call.
        if unsafe { libc::syncfs(handle.as_raw_fd()) } == 0 {
            Ok(())
        } else {
            Err(io::Error::last_os_error())
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = dir;
        for file in files {
            File::open(file)?.sync_all()?;
        }
        Ok(())
    }
}

/// `link(2)` refuses an existing target, which makes it an exclusive
/// create of a complete file. Filesystems without hard links (FAT, some
/// network mounts) get `renameat2(RENAME_NOREPLACE)`, which is as good
/// where the kernel offers it.
fn link_new(temp: &Path, path: &Path) -> io::Result<()> {
    match fs::hard_link(temp, path) {
        Ok(()) => Ok(()),
        Err(err) if links_unsupported(&err) => rename_noreplace(temp, path).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                e
            } else {
                err
            }
        }),
        Err(err) => Err(err),
    }
}

fn links_unsupported(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EPERM) | Some(libc::EOPNOTSUPP)
    ) || err.kind() == io::ErrorKind::Unsupported
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        CString::new(p.as_os_str().as_bytes())
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains NUL"))
    };
    let (from, to) = (c(from)?, c(to)?);
    // SAFETY: both are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::RENAME_NOREPLACE as _,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn rename_noreplace(_from: &Path, _to: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// A new, empty, owner-only temporary file next to `path`.
fn temp_file(path: &Path) -> io::Result<(PathBuf, File)> {
    let dir = parent(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let pid = std::process::id();
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}{TEMP_MARKER}{pid}-{n}"));
        // create_new: a temp left by a killed process whose pid came back
        // must not be reused half-written.
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
}

fn write_and_sync(file: &mut File, bytes: &[u8], durable: bool) -> io::Result<()> {
    file.write_all(bytes)?;
    if durable {
        file.sync_all()?;
    }
    Ok(())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Makes a rename or link in `path`'s directory durable; without it the
/// new name can vanish in a power cut even though the data was synced.
pub fn sync_dir(path: &Path) -> io::Result<()> {
    sync_directory(parent(path))
}

pub fn sync_directory(dir: &Path) -> io::Result<()> {
    let dir = File::open(dir)?;
    match dir.sync_all() {
        // Some filesystems cannot sync a directory; nothing more to do there.
        Err(err) if err.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        other => other,
    }
}

/// Whether a file name is one of our temporary files.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(TEMP_MARKER)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_are_private_and_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn exclusive_create_refuses_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.lock");
        create_exclusive_atomic(&path, b"first").unwrap();
        let err = create_exclusive_atomic(&path, b"second").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"first");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn temp_names_are_recognized() {
        assert!(is_temp_name(".UM-20261201-0001.json.tmp-42-0"));
        assert!(!is_temp_name("UM-20261201-0001.json"));
    }
}
