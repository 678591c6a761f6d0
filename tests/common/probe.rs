//! The store probe (`umdesk-store-probe`), run as several reviewers'
//! processes that start their work at one instant: the multi-process
//! tests of the file store and of PostgreSQL.

// Each test crate that includes this module uses what it needs of it.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

pub const PROBE: &str = env!("CARGO_BIN_EXE_umdesk-store-probe");

pub fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// `count` probes on `store` (a directory or a URL) that start their work
/// at the same instant, `lead_ms` from now: long enough for every one of
/// them to have started (and connected).
pub fn probes(store: impl AsRef<OsStr>, args: &[&str], count: usize, lead_ms: u128) -> Vec<Child> {
    probes_each(store, &vec![args; count], lead_ms)
}

/// One probe for each of `each` (its arguments), all starting their work
/// at the same instant, `lead_ms` from now.
pub fn probes_each(store: impl AsRef<OsStr>, each: &[&[&str]], lead_ms: u128) -> Vec<Child> {
    let start_at = now_ms() + lead_ms;
    each.iter()
        .map(|args| {
            Command::new(PROBE)
                .arg(store.as_ref())
                .args(*args)
                .env("UMDESK_PROBE_START_AT_MS", start_at.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect()
}

/// A probe's exit code, stdout and stderr.
pub fn finish(child: Child) -> (i32, String, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
