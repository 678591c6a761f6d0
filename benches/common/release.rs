//! The release binary every benchmark measures, and where the benchmarks
//! keep their files: `cargo bench` builds a bench in the bench profile, not
//! the binary, so each bench builds `umdesk` itself (a no-op when it is up
//! to date) in the target directory cargo uses, `CARGO_TARGET_DIR` included.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

pub struct Paths {
    pub root: PathBuf,
    /// Files a bench keeps between runs (generated stores).
    pub bench: PathBuf,
    pub bin: PathBuf,
    /// HOME and XDG directories of every program started, so no config
    /// of the machine's user interferes.
    pub home: PathBuf,
}

impl Paths {
    pub fn new() -> Paths {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .map(|t| if t.is_absolute() { t } else { root.join(t) })
            .unwrap_or_else(|| root.join("target"));
        let bench = target.join("bench");
        Paths {
            bin: target.join("release").join("umdesk"),
            home: bench.join("home"),
            root,
            bench,
        }
    }
}

/// `cargo build --release --bin umdesk`, unless `UMDESK_BENCH_NO_BUILD=1`
/// asks to measure the binary that is there. A failed build measures the
/// existing binary with a warning, or exits when there is none.
pub fn build_binary(paths: &Paths) {
    if std::env::var("UMDESK_BENCH_NO_BUILD").is_ok_and(|v| v == "1") && paths.bin.exists() {
        println!(
            "measuring the existing {} (UMDESK_BENCH_NO_BUILD=1)",
            paths.bin.display()
        );
        return;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    println!("building: cargo build --release --bin umdesk");
    let status = Command::new(cargo)
        .args(["build", "--release", "--bin", "umdesk"])
        .current_dir(&paths.root)
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => {
            if paths.bin.exists() {
                eprintln!(
                    "warning: the build failed ({other:?}); measuring the existing {}, which may be stale",
                    paths.bin.display()
                );
            } else {
                eprintln!("the build failed ({other:?}) and there is no binary to measure");
                std::process::exit(1);
            }
        }
    }
}
