//! The one door through which umdesk opens and writes its own files.
//!
//! Every file is opened here ([`open_private`]): created owner-only (0600,
//! directories 0700: cases hold protected health information), never
//! through a symbolic link in its last component, never blocking on a FIFO
//! or device, and refused unless it is a regular file. Every write replaces
//! a file atomically: a reader (or a process started after a crash) sees a
//! file's old content or its new content, never part of each.
//!
//! Public so that the rest of umdesk (the panic log, the config file, the
//! demo store) writes its files the same way.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::OFlags;
use rustix::io::Errno;

/// Owner read and write only.
pub const FILE_MODE: u32 = 0o600;
pub const DIR_MODE: u32 = 0o700;

/// The marker in temporary file names; such names start with a dot, so
/// they are never taken for `<case-id>.json`.
const TEMP_MARKER: &str = ".tmp-";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// How [`open_private`] opens a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reading an existing file.
    Read,
    /// A new file that must not exist yet, for writing.
    CreateNew,
    /// Appending, creating the file if missing; readable too.
    Append,
    /// Reading and writing, creating the file if missing, never truncating
    /// (lock files).
    Shared,
}

/// Opens `path` as umdesk opens every file of its own: owner-only when
/// created, without following a symbolic link, without waiting on a FIFO or
/// device, and only if it is a regular file. A symbolic link or a special
/// file is an `InvalidData` error whose text says what it is.
pub fn open_private(path: &Path, access: Access) -> io::Result<File> {
    let mut options = OpenOptions::new();
    match access {
        Access::Read => options.read(true),
        Access::CreateNew => options.write(true).create_new(true),
        Access::Append => options.read(true).append(true).create(true),
        Access::Shared => options.read(true).write(true).create(true).truncate(false),
    };
    let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    options.mode(FILE_MODE).custom_flags(flags.bits() as i32);
    let file = options.open(path).map_err(|err| {
        if err.raw_os_error() == Some(Errno::LOOP.raw_os_error()) {
            not_regular("is a symbolic link, which the store does not follow")
        } else if err.raw_os_error() == Some(Errno::NXIO.raw_os_error()) {
            not_regular("is a FIFO or socket, not a file")
        } else {
            err
        }
    })?;
    let kind = file.metadata()?.file_type();
    if !kind.is_file() {
        return Err(not_regular(if kind.is_dir() {
            "is a directory, not a file"
        } else {
            "is a FIFO, socket or device, not a regular file"
        }));
    }
    Ok(file)
}

/// Waits for the exclusive OS lock on `file` (released when it is
/// closed), through interruptions by signals.
pub fn lock_exclusive(file: &File) -> io::Result<()> {
    loop {
        match file.lock() {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

fn not_regular(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

/// Creates `path` (and missing parents) owner-only. An existing directory
/// keeps its mode: loosening or tightening it silently is not ours to do,
/// the store reports it instead. `path` itself may be a symbolic link to a
/// directory (a store or config directory a person placed elsewhere).
pub fn ensure_private_dir(path: &Path) -> io::Result<()> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "exists and is not a directory",
        )),
        Err(err) if err.kind() == io::ErrorKind::NotFound => create_private_dir(path),
        Err(err) => Err(err),
    }
}

/// As [`ensure_private_dir`] for a directory inside the store, which is
/// never a symbolic link: a linked `drafts/` would put drafts outside it.
pub fn ensure_inner_dir(path: &Path) -> io::Result<()> {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(meta) if meta.file_type().is_symlink() => Err(not_regular(
            "is a symbolic link, which the store does not follow",
        )),
        Ok(_) => Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "exists and is not a directory",
        )),
        Err(err) if err.kind() == io::ErrorKind::NotFound => create_private_dir(path),
        Err(err) => Err(err),
    }
}

fn create_private_dir(path: &Path) -> io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(path)
}

/// Replaces `path` with `bytes`, privately and durably: after this returns
/// the new content survives a crash, and at no moment is a partial file
/// visible. The file for anything umdesk writes whole (config, demo files).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace(path, bytes, true)
}

/// Appends `bytes` to `path` (created owner-only), for logs a person reads
/// such as the panic log.
pub fn append_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let file = open_private(path, Access::Append)?;
    write_bytes(&file, bytes)?;
    file.sync_data()
}

/// As [`write_private`], without waiting for the disk: for caches, where
/// losing the newest version to a power cut only costs a rebuild.
pub fn write_private_nosync(path: &Path, bytes: &[u8]) -> io::Result<()> {
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
/// one succeeds. Fails with `AlreadyExists` when `path` exists. On any
/// error nothing is left behind: a file whose name could not be made
/// durable is removed again, so a retry does not make a second one.
pub fn create_exclusive_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let temp = write_temp(path, bytes, true)?;
    link_into_place(&temp, path)?;
    sync_dir(path).inspect_err(|_| {
        let _ = fs::remove_file(path);
    })
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

/// A new, empty, private temporary file next to `path`, open for writing,
/// whose name [`is_temp_name`] recognizes; to be linked or renamed into
/// place by the caller.
pub fn new_temp(path: &Path) -> io::Result<(PathBuf, File)> {
    temp_file(path)
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
        let _ = files;
        let handle = File::open(dir)?;
        rustix::fs::syncfs(&handle)?;
        Ok(())
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
    let raw = err.raw_os_error();
    raw == Some(Errno::PERM.raw_os_error())
        || raw == Some(Errno::OPNOTSUPP.raw_os_error())
        || err.kind() == io::ErrorKind::Unsupported
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE)?;
    Ok(())
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
        match open_private(&temp, Access::CreateNew) {
            Ok(file) => return Ok((temp, file)),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
}

fn write_and_sync(file: &mut File, bytes: &[u8], durable: bool) -> io::Result<()> {
    write_bytes(file, bytes)?;
    if durable {
        file.sync_all()?;
    }
    Ok(())
}

/// Writes all of `bytes` to `file`: the one place umdesk's own files are
/// written, and so the one place a test can make a write fail.
pub(crate) fn write_bytes(mut file: &File, bytes: &[u8]) -> io::Result<()> {
    #[cfg(test)]
    if let Some(keep) = faults::take_short_write() {
        file.write_all(&bytes[..keep.min(bytes.len())])?;
        return Err(io::Error::new(
            io::ErrorKind::StorageFull,
            "no space left on device (injected)",
        ));
    }
    file.write_all(bytes)
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
    #[cfg(test)]
    if faults::take_failed_sync() {
        return Err(io::Error::other(
            "the directory could not be synced (injected)",
        ));
    }
    let dir = File::open(dir)?;
    match dir.sync_all() {
        // Some filesystems cannot sync a directory; nothing more to do there.
        Err(err) if err.raw_os_error() == Some(Errno::INVAL.raw_os_error()) => Ok(()),
        other => other,
    }
}

/// Whether a file name is one of our temporary files.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(TEMP_MARKER)
}

/// Write failures on demand, for the tests of what a full disk does. Only
/// in test builds; each test thread has its own.
#[cfg(test)]
pub(crate) mod faults {
    use std::cell::Cell;

    thread_local! {
        static SHORT_WRITE: Cell<Option<usize>> = const { Cell::new(None) };
        static FAILED_SYNC: Cell<bool> = const { Cell::new(false) };
    }

    /// The next write on this thread stops after `keep` bytes with a
    /// full-disk error.
    pub fn short_write(keep: usize) {
        SHORT_WRITE.with(|f| f.set(Some(keep)));
    }

    /// The next directory sync on this thread fails.
    pub fn failed_sync() {
        FAILED_SYNC.with(|f| f.set(true));
    }

    pub(super) fn take_short_write() -> Option<usize> {
        SHORT_WRITE.with(|f| f.take())
    }

    pub(super) fn take_failed_sync() -> bool {
        FAILED_SYNC.with(|f| f.take())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn writes_are_private_and_leave_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn appends_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("panic.log");
        append_private(&path, b"one\n").unwrap();
        append_private(&path, b"two\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one\ntwo\n");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
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
    fn an_exclusive_create_that_fails_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        faults::short_write(3);
        assert!(create_exclusive_atomic(&path, b"complete").is_err());
        faults::failed_sync();
        assert!(create_exclusive_atomic(&path, b"complete").is_err());
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            0,
            "neither the file nor a temporary file is left"
        );
        create_exclusive_atomic(&path, b"complete").unwrap();
    }

    #[test]
    fn links_and_special_files_are_refused_by_what_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        fs::write(&target, "secret").unwrap();
        let link = dir.path().join("access.log");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for access in [Access::Read, Access::Append, Access::Shared] {
            let err = open_private(&link, access).unwrap_err();
            assert!(err.to_string().contains("symbolic link"), "{err}");
        }
        assert!(append_private(&link, b"x").is_err());
        assert_eq!(fs::read_to_string(&target).unwrap(), "secret");

        let fifo = dir.path().join(".queue-index");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::RUSR | rustix::fs::Mode::WUSR,
        )
        .unwrap();
        for access in [Access::Read, Access::Append, Access::Shared] {
            let err = open_private(&fifo, access).unwrap_err();
            assert!(err.to_string().contains("FIFO"), "{access:?}: {err}");
        }
        let err = open_private(dir.path(), Access::Read).unwrap_err();
        assert!(err.to_string().contains("directory"), "{err}");
    }

    #[test]
    fn an_inner_directory_that_is_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let drafts = dir.path().join("drafts");
        std::os::unix::fs::symlink(outside.path(), &drafts).unwrap();
        let err = ensure_inner_dir(&drafts).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        ensure_inner_dir(&dir.path().join("sessions")).unwrap();
        let mode = fs::metadata(dir.path().join("sessions"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, DIR_MODE);
    }

    #[test]
    fn temp_names_are_recognized() {
        assert!(is_temp_name(".UM-20261201-0001.json.tmp-42-0"));
        assert!(!is_temp_name("UM-20261201-0001.json"));
    }
}
