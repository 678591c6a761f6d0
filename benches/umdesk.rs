//! `cargo bench --bench umdesk`: issue 6's benchmark.
//!
//! Builds `target/release/umdesk` (`cargo build --release --bin umdesk`),
//! drives it in real pseudo-terminals (the end-to-end tests' harness,
//! `tests/common/pty.rs`: portable-pty, screens read through vt100) beside
//! the peer `dialog --checklist` with five items, prints one table and
//! writes the same figures to `target/bench/umdesk-bench.json`.
//!
//! The peer is not installed by the bench: install the package `dialog`
//! first (Debian or Ubuntu: `sudo apt-get install dialog`). Without it the
//! bench says so and leaves out only the dialog columns and the targets
//! measured against dialog; every other figure is still measured.
//! Each figure is the median of `UMDESK_BENCH_RUNS` (10) runs, with min and max; each target
//! of the issue is checked here, from these figures.
//!
//! Definitions (the README's "Performance" section says the same):
//! - *first complete frame*: the moment the last chunk of output arrives
//!   after which the screen, as vt100 parses everything read so far, holds
//!   the frame's last element: for umdesk the footer hint `quit` on the
//!   bottom row (ratatui writes the cells of a frame in row order, so the
//!   footer comes last); for dialog the `<Cancel>` button with the box's
//!   bottom edge drawn on the row under it. Measured from just before the
//!   process is spawned.
//! - *bytes of the first frame*: every byte written from the spawn up to
//!   and including the chunk that completed the first frame; *bytes of a
//!   key*: every byte written from just before the key is sent until the
//!   output has been quiet for `QUIET`.
//! - *key to frame*: from just before the key is written to the arrival of
//!   the chunk after which the screen first equals its settled state (the
//!   screen after `QUIET` of silence).
//!
//! Environment: `UMDESK_BENCH_RUNS` (default 10); `UMDESK_BENCH_KEEP=1`
//! keeps the generated 100,000-case store under `target/bench/` and
//! `UMDESK_BENCH_REUSE=1` reuses it; `UMDESK_BENCH_NO_BUILD=1` measures the
//! binary as it is; `UMDESK_BENCH_CASES` (fewer cases, to try the bench).

#[path = "../tests/common/pty.rs"]
mod pty;
#[path = "common/release.rs"]
mod release;

use release::{Paths, build_binary};
use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use pty::keys::{DOWN, DOWN_APPLICATION, ESC};
use pty::{CommandBuilder, Pty};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use umdesk::case::Status;
use umdesk::case::due::DueTable;
use umdesk::case::{Reviewer, Role};
use umdesk::clock;
use umdesk::policy::LoadedPolicy;
use umdesk::store::FileStore;
use umdesk::tui::Settings;
use umdesk::tui::app::Screen;
use umdesk::tui::theme::{Symbols, Theme};

const REVIEWER: &str = "Bench Reviewer, RN";
/// Output quiet this long means the program has finished reacting.
const QUIET: Duration = Duration::from_millis(150);
/// Anything a step waits for that takes longer is a failure of the bench.
/// (The first start over a new 100,000-case store parses every file: 25 s.)
const TIMEOUT: Duration = Duration::from_secs(120);
const GENERATED: usize = 100_000;
/// The bench runs itself with this argument to write the generated store.
const GENERATE_ARG: &str = "--generate-store";
const IDLE: Duration = Duration::from_secs(5);
/// The two terminal sizes, as (rows, columns).
const SMALL: (u16, u16) = (24, 80);
const LARGE: (u16, u16) = (60, 200);
const SIZES: [(u16, u16); 2] = [SMALL, LARGE];
/// Draws per timed batch of the in-process render.
const DRAWS_PER_BATCH: u32 = 200;

/// The character typed into the queue filter; it narrows 100,000 cases.
const FILTER_CHAR: &[u8] = b"z";

// ---------------------------------------------------------------- paths

/// The measured binary: path, size and when it was built.
fn binary_info(bin: &Path) -> Value {
    let meta = std::fs::metadata(bin).ok();
    let built = meta
        .as_ref()
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|d| time::OffsetDateTime::from_unix_timestamp(d.as_secs() as i64).ok())
        .map(umdesk::case::rfc3339);
    json!({
        "path": bin.display().to_string(),
        "bytes": meta.map(|m| m.len()),
        "built": built,
    })
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// The peer, `dialog`, from PATH. The bench installs nothing: without it
/// the bench says what to install and leaves out only the comparisons.
fn find_dialog() -> Option<PathBuf> {
    let found = on_path("dialog");
    if found.is_none() {
        println!(
            "dialog (the peer) is not installed: the dialog columns and the targets \
             measured against it are skipped. To include them, install the package \
             `dialog` (Debian or Ubuntu: `sudo apt-get install dialog`) and run the \
             bench again."
        );
    }
    found
}

// ---------------------------------------------------------------- stores

fn private_dir(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create directory");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod 700");
}

fn private_file(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write file");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod 600");
}

/// A new store under target/bench holding a copy of `saved-cases/*.json`.
// When `src/fixtures` holds the hand-written samples (issue 9 item 5),
// write them from there as `umdesk demo` will, instead of reading the
// source tree.
fn sample_store(paths: &Paths) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("samples-")
        .tempdir_in(&paths.bench)
        .expect("temporary store");
    private_dir(dir.path());
    let mut copied = 0;
    for entry in std::fs::read_dir(paths.root.join("saved-cases")).expect("saved-cases/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let bytes = std::fs::read(&path).expect("sample");
            private_file(&dir.path().join(path.file_name().expect("name")), &bytes);
            copied += 1;
        }
    }
    assert!(copied > 0, "no sample case in saved-cases/");
    dir
}

/// 100,000 fictional cases (seed 1) written straight into `dir` by the
/// project's generator. `umdesk generate` stores each case through the
/// store (an fsync and a free id per case): 3 s for 2,000 cases here, so
/// about 2.5 minutes for 100,000, against about a minute written directly.
///
/// With `UMDESK_BENCH_REUSE=1` a store left by an earlier run with
/// `UMDESK_BENCH_KEEP=1` is reused (its queue index removed, so the first
/// start is still cold). The time to generate and the time to write.
fn generated_store(dir: &Path, count: usize) -> (Duration, Duration) {
    let stamp = dir.with_extension("stamp");
    let want = format!("count {count} seed 1\n");
    let reuse = std::env::var("UMDESK_BENCH_REUSE").is_ok_and(|v| v == "1");
    if reuse && std::fs::read_to_string(&stamp).is_ok_and(|s| s == want) {
        println!("  reusing it (UMDESK_BENCH_REUSE=1)");
        let _ = std::fs::remove_file(dir.join(".queue-index"));
        return (Duration::ZERO, Duration::ZERO);
    }
    let _ = std::fs::remove_file(&stamp);
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("remove the old generated store");
    }
    private_dir(dir);
    // In a child process: the 100,000 cases in memory would otherwise stay
    // in this process's heap, and forking a process that large for every
    // session costs it (and so every start measured) tens of milliseconds.
    let exe = std::env::current_exe().expect("the bench's own path");
    let out = Command::new(exe)
        .arg(GENERATE_ARG)
        .arg(dir)
        .arg(count.to_string())
        .output()
        .expect("run the generator");
    assert!(
        out.status.success(),
        "the generator failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut secs = text
        .split_whitespace()
        .filter_map(|w| w.parse::<f64>().ok())
        .map(Duration::from_secs_f64);
    let (generated, written) = (
        secs.next().unwrap_or_default(),
        secs.next().unwrap_or_default(),
    );
    std::fs::write(&stamp, want).expect("stamp");
    (generated, written)
}

/// The child's side of `generated_store`: prints the seconds taken to
/// generate and to write.
fn generate_into(dir: &Path, count: usize) {
    let started = Instant::now();
    let policy = LoadedPolicy::embedded();
    let cases = umdesk::fixtures::generate(&policy, count, 1, clock::now());
    let generated = started.elapsed();
    let started = Instant::now();
    let half = cases.len().div_ceil(2);
    std::thread::scope(|scope| {
        for part in cases.chunks(half.max(1)) {
            scope.spawn(move || {
                for case in part {
                    let path = dir.join(format!("{}.json", case.id));
                    private_file(&path, umdesk::case::to_json(case).as_bytes());
                }
            });
        }
    });
    println!(
        "{} {}",
        generated.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------- sessions

/// A program in a terminal of `size`, with the bench's deadline and quiet
/// time. The terminal is the tests' harness (`tests/common/pty.rs`).
fn session(cmd: CommandBuilder, size: (u16, u16)) -> Pty {
    let mut s = Pty::spawn(cmd, size);
    s.set_timeout(TIMEOUT);
    s.set_quiet(QUIET);
    s
}

type Predicate<'a> = &'a dyn Fn(&vt100::Screen) -> bool;

/// What the bench measures of a program in the harness's terminal.
trait Measure {
    /// Waits until `holds` is true of the live screen; then dates it: the
    /// arrival of the first chunk at or after `from` after which it held.
    fn wait_dated(&self, what: &str, from: usize, holds: Predicate) -> (usize, Instant);
    fn first_chunk_where(&self, from: usize, holds: Predicate) -> Option<(usize, Instant)>;
    /// When the screen first equalled its settled state after `mark`.
    fn settled_at(&self, mark: usize) -> Option<Instant>;
    /// Waits until the program has used no CPU for 100 ms.
    fn settle_cpu(&self);
    /// Sends a key and lets the program react: (bytes, key to frame in ms).
    fn key(&mut self, bytes: &[u8]) -> (usize, Option<f64>);
    /// The same, with the bytes themselves.
    fn key_raw(&mut self, bytes: &[u8]) -> (Vec<u8>, Option<f64>);
    fn proc_status_kb(&self, field: &str) -> Option<f64>;
    /// utime + stime of the whole process, in clock ticks.
    fn cpu_ticks(&self) -> u64;
    /// CPU time of every thread in ns (schedstat) and context switches.
    fn cpu_detail(&self) -> (u64, u64);
    /// Sends `keys`, answers `discard` with `d` if asked, waits for exit.
    fn quit(self, keys: &[u8], discard: Option<&str>);
}

impl Measure for Pty {
    fn wait_dated(&self, what: &str, from: usize, holds: Predicate) -> (usize, Instant) {
        self.wait_until(what, |output| holds(output.screen()));
        self.first_chunk_where(from, holds)
            .unwrap_or_else(|| panic!("{what} held before the mark"))
    }

    fn first_chunk_where(&self, from: usize, holds: Predicate) -> Option<(usize, Instant)> {
        let chunks = self.with_output(|output| output.chunks.clone());
        let (rows, cols) = self.size();
        let mut parser = vt100::Parser::new(rows, cols, 0);
        for (i, chunk) in chunks.iter().enumerate() {
            parser.process(&chunk.bytes);
            if i >= from && holds(parser.screen()) {
                return Some((i, chunk.at));
            }
        }
        None
    }

    fn settled_at(&self, mark: usize) -> Option<Instant> {
        let settled = self.with_output(|output| output.screen().contents_formatted());
        self.first_chunk_where(mark, &|s| s.contents_formatted() == settled)
            .map(|(_, at)| at)
    }

    /// Every thread's run time in /proc/<pid>/task/*/schedstat unchanged
    /// for 100 ms, so that work the program does after a frame (such as
    /// checking every case file behind the index) is not counted in the
    /// next key. Gives up after 20 s.
    fn settle_cpu(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut last = self.cpu_detail().0;
        let mut still_since = Instant::now();
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
            let now = self.cpu_detail().0;
            if now != last {
                last = now;
                still_since = Instant::now();
            } else if still_since.elapsed() >= Duration::from_millis(100) {
                return;
            }
        }
        eprintln!("warning: the program never went idle");
    }

    fn key(&mut self, bytes: &[u8]) -> (usize, Option<f64>) {
        let (raw, took) = self.key_raw(bytes);
        (raw.len(), took)
    }

    fn key_raw(&mut self, bytes: &[u8]) -> (Vec<u8>, Option<f64>) {
        let (mark, at) = self.send(bytes);
        self.settle_after(mark, Duration::from_secs(3));
        let took = self.settled_at(mark).map(|t| ms(t.duration_since(at)));
        (self.raw_since(mark), took)
    }

    fn proc_status_kb(&self, field: &str) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    fn cpu_ticks(&self) -> u64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid())).expect("stat");
        let after_name = &stat[stat.rfind(')').expect("comm") + 2..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // Fields 14 and 15 of proc(5), counted from the state (field 3).
        fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime")
    }

    fn cpu_detail(&self) -> (u64, u64) {
        let mut ns = 0;
        let mut switches = 0;
        let tasks = format!("/proc/{}/task", self.pid());
        for task in std::fs::read_dir(tasks).into_iter().flatten().flatten() {
            let path = task.path();
            if let Ok(s) = std::fs::read_to_string(path.join("schedstat")) {
                ns += s
                    .split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(0);
            }
            if let Ok(s) = std::fs::read_to_string(path.join("status")) {
                for line in s.lines() {
                    if let Some(v) = line
                        .strip_prefix("voluntary_ctxt_switches:")
                        .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
                    {
                        switches += v.trim().parse::<u64>().unwrap_or(0);
                    }
                }
            }
        }
        (ns, switches)
    }

    fn quit(mut self, keys: &[u8], discard: Option<&str>) {
        let (mark, _) = self.send(keys);
        if let Some(word) = discard {
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                if self.try_wait().is_some() {
                    break;
                }
                if self.mark() > mark && self.screen_text().contains(word) {
                    self.send(b"d");
                    break;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        let deadline = Instant::now() + TIMEOUT;
        while self.try_wait().is_none() {
            if Instant::now() > deadline {
                eprintln!("warning: the program did not quit; killed");
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        // Dropped: killed if still there, and the rest of its output read.
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------- programs

fn umdesk(paths: &Paths, store: &Path) -> CommandBuilder {
    pty::umdesk_command(&paths.bin, &paths.home, store, REVIEWER)
}

fn dialog(paths: &Paths, program: &Path) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(program);
    cmd.args(["--checklist", "Criteria of MP 1.121", "15", "60", "5"]);
    for (tag, item) in [
        ("1", "Unresectable or not a surgical candidate"),
        ("2", "Tumor of an eligible origin"),
        ("3", "Tumor smaller than 5 cm"),
        ("4", "No cancer outside the liver"),
        ("5", "Amenable to cryosurgical ablation"),
    ] {
        cmd.args([tag, item, "off"]);
    }
    pty::isolate(&mut cmd, &paths.home);
    cmd
}

/// umdesk's frame is complete when its bottom row (the footer) says quit.
fn umdesk_frame(screen: &vt100::Screen) -> bool {
    pty::bottom_row_contains(screen, "quit")
}

/// dialog's frame is complete when `<Cancel>` shows and the box's bottom
/// edge (the row under the buttons) is drawn.
fn dialog_frame(screen: &vt100::Screen) -> bool {
    let (_, cols) = screen.size();
    let rows: Vec<String> = screen.rows(0, cols).collect();
    rows.iter()
        .position(|r| r.contains("<Cancel>"))
        .and_then(|i| rows.get(i + 1))
        .is_some_and(|edge| !edge.trim().is_empty())
}

// ---------------------------------------------------------------- figures

#[derive(Default, Clone)]
struct Sample(Vec<f64>);

impl Sample {
    fn push(&mut self, v: f64) {
        self.0.push(v);
    }
    fn sorted(&self) -> Vec<f64> {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v
    }
    fn median(&self) -> f64 {
        let v = self.sorted();
        match v.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        }
    }
    fn min(&self) -> f64 {
        self.sorted().first().copied().unwrap_or(f64::NAN)
    }
    fn max(&self) -> f64 {
        self.sorted().last().copied().unwrap_or(f64::NAN)
    }
    fn json(&self) -> Value {
        json!({"median": self.median(), "min": self.min(), "max": self.max(), "runs": self.0})
    }
}

#[derive(Default)]
struct StartRuns {
    ms: Sample,
    /// Up to and including the chunk that completed the first frame.
    bytes: Sample,
    /// Up to `QUIET` after it (anything drawn right after the first frame).
    bytes_quiet: Sample,
    hwm_kb: Sample,
    /// The first frame's bytes of the first run.
    raw: Option<Vec<u8>>,
}

#[derive(Default)]
struct ReviewRuns {
    down: Sample,
    down_ms: Sample,
    mark: Sample,
    mark_ms: Sample,
    scroll: Sample,
    scroll_ms: Sample,
    pane_cells: Sample,
    note: Sample,
    note_ms: Sample,
    hwm_kb: Sample,
    /// Each measured key's bytes, from the first run.
    raw: Vec<(&'static str, Vec<u8>)>,
}

#[derive(Default)]
struct DialogKeys {
    down: Sample,
    toggle: Sample,
    hwm_kb: Sample,
    raw: Vec<(&'static str, Vec<u8>)>,
}

#[derive(Default)]
struct FilterRuns {
    ms: Sample,
    bytes: Sample,
    hwm_kb: Sample,
    shown: Sample,
}

#[derive(Default)]
struct IdleRuns {
    ticks: Sample,
    cpu_us: Sample,
    switches: Sample,
    bytes: Sample,
}

struct Figure {
    key: String,
    name: String,
    unit: &'static str,
    umdesk: Sample,
    dialog: Option<Sample>,
    /// The target and whether it is met (None: not checked in this run).
    target: Option<(String, Option<bool>)>,
}

impl Figure {
    fn new(key: &str, name: &str, unit: &'static str, umdesk: &Sample) -> Figure {
        Figure {
            key: key.to_string(),
            name: name.to_string(),
            unit,
            umdesk: umdesk.clone(),
            dialog: None,
            target: None,
        }
    }
    fn dialog(mut self, dialog: Option<&Sample>) -> Figure {
        self.dialog = dialog.cloned();
        self
    }
    fn target(mut self, text: impl Into<String>, pass: bool) -> Figure {
        self.target = Some((text.into(), Some(pass)));
        self
    }
    /// A target against dialog when dialog could not be run.
    fn unchecked(mut self, text: &str) -> Figure {
        self.target = Some((format!("{text} (no dialog: not checked)"), None));
        self
    }
    fn ratio(&self) -> Option<f64> {
        let d = self.dialog.as_ref()?.median();
        (d != 0.0 && d.is_finite()).then(|| self.umdesk.median() / d)
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn size_name((rows, cols): (u16, u16)) -> String {
    format!("{cols}x{rows}")
}

fn fmt_value(v: f64, unit: &str) -> String {
    match unit {
        "ms" if v < 1.0 => format!("{v:.3}"),
        "ms" => format!("{v:.1}"),
        "us" => format!("{v:.0}"),
        _ if v.fract() == 0.0 => format!("{v:.0}"),
        _ => format!("{v:.1}"),
    }
}

fn fmt_sample(s: &Sample, unit: &str) -> String {
    format!(
        "{} {unit} ({}–{})",
        fmt_value(s.median(), unit),
        fmt_value(s.min(), unit),
        fmt_value(s.max(), unit)
    )
}

// ---------------------------------------------------------------- measurements

/// One start at `size`: first frame, its bytes, the peak memory; quits.
fn start_once(cmd: CommandBuilder, size: (u16, u16), umdesk_app: bool, runs: &mut StartRuns) {
    let s = session(cmd, size);
    let holds: Predicate = if umdesk_app {
        &umdesk_frame
    } else {
        &dialog_frame
    };
    let (last, at) = s.wait_dated("the first frame", 0, holds);
    runs.ms.push(ms(at.duration_since(s.started())));
    let raw = s.raw_between(0, last);
    runs.bytes.push(raw.len() as f64);
    runs.raw.get_or_insert(raw);
    s.settle();
    runs.bytes_quiet.push(s.bytes_since(0) as f64);
    if let Some(kb) = s.proc_status_kb("VmHWM") {
        runs.hwm_kb.push(kb);
    }
    if umdesk_app {
        s.quit(b"q", Some("discard"));
    } else {
        s.quit(b"\r", None);
    }
}

/// In the queue, selects the first case "in review" and opens it.
fn open_first_in_review(s: &mut Pty) -> String {
    let rows = s.rows();
    let selected = rows
        .iter()
        .position(|r| r.starts_with('›'))
        .expect("a selected queue row");
    let target = rows
        .iter()
        .position(|r| r.contains("in review"))
        .expect("a case in review on screen");
    let id: String = rows[target]
        .split_whitespace()
        .find(|w| w.starts_with("UM-"))
        .expect("case id")
        .to_string();
    let moves = target.saturating_sub(selected);
    if moves > 0 {
        let (mark, _) = s.send("j".repeat(moves).as_bytes());
        let want = id.clone();
        s.wait_dated("the case selected", mark, &|screen| {
            screen
                .rows(0, screen.size().1)
                .any(|r| r.starts_with('›') && r.contains(&want))
        });
        s.settle();
    }
    // The review is drawn when its footer (the last row, written last)
    // has replaced the queue's.
    let queue_footer = rows.last().cloned().unwrap_or_default();
    let (mark, _) = s.send(b"\r");
    let want = id.clone();
    s.wait_dated("the review screen", mark, &|screen| {
        let rows: Vec<String> = screen.rows(0, screen.size().1).collect();
        rows[0].contains("Review")
            && rows[1].contains(&want)
            && rows
                .last()
                .is_some_and(|f| !f.trim().is_empty() && *f != queue_footer)
    });
    s.settle();
    id
}

/// The policy pane's cells: from its top-left corner `┌` to the right
/// edge, over the rows its left border spans (`│`, or `┃` beside the
/// focused criterion's lines).
fn pane_cells(s: &Pty) -> Option<f64> {
    s.with_output(|output| pane_cells_of(output.screen()))
}

fn pane_cells_of(screen: &vt100::Screen) -> Option<f64> {
    let (rows, cols) = screen.size();
    let (top, left) = (0..rows)
        .flat_map(|r| (0..cols).map(move |c| (r, c)))
        .find(|&(r, c)| screen.cell(r, c).is_some_and(|cell| cell.contents() == "┌"))?;
    let height = (top..rows)
        .take_while(|&r| {
            screen
                .cell(r, left)
                // `┃` bars the focused criterion's lines in that border.
                .is_some_and(|cell| matches!(cell.contents(), "┌" | "│" | "┃" | "└"))
        })
        .count();
    Some(f64::from(cols - left) * height as f64)
}

/// A review: Down, `m` on the first unanswered criterion, `J`, one
/// character typed into the evidence note.
fn review_once(paths: &Paths, size: (u16, u16), runs: &mut ReviewRuns) {
    let store = sample_store(paths);
    let mut s = session(umdesk(paths, store.path()), size);
    s.wait_dated("the first frame", 0, &umdesk_frame);
    s.settle();
    open_first_in_review(&mut s);

    let first_run = runs.raw.is_empty();
    let mut keep = |name: &'static str, raw: &[u8]| {
        if first_run {
            runs.raw.push((name, raw.to_vec()));
        }
    };
    s.settle_cpu();
    let (raw, took) = s.key_raw(DOWN);
    keep("Down", &raw);
    runs.down.push(raw.len() as f64);
    if let Some(t) = took {
        runs.down_ms.push(t);
    }
    // On to the first criterion not yet answered (· on the checklist), so
    // that `m` marks a criterion that was open, as a reviewer does.
    let rows = s.rows();
    let focused = rows.iter().position(|r| r.starts_with('›'));
    let open = rows.iter().position(|r| r.starts_with("  · "));
    if let (Some(focused), Some(open)) = (focused, open) {
        for _ in focused..open {
            s.key(DOWN);
        }
    }
    let (raw, took) = s.key_raw(b"m");
    keep("m", &raw);
    runs.mark.push(raw.len() as f64);
    if let Some(t) = took {
        runs.mark_ms.push(t);
    }
    if let Some(cells) = pane_cells(&s) {
        runs.pane_cells.push(cells);
    }
    let (raw, took) = s.key_raw(b"J");
    keep("J", &raw);
    runs.scroll.push(raw.len() as f64);
    if let Some(t) = took {
        runs.scroll_ms.push(t);
    }
    s.key(b"e");
    let (raw, took) = s.key_raw(b"x");
    keep("note character", &raw);
    runs.note.push(raw.len() as f64);
    if let Some(t) = took {
        runs.note_ms.push(t);
    }
    if let Some(kb) = s.proc_status_kb("VmHWM") {
        runs.hwm_kb.push(kb);
    }
    s.key(ESC);
    s.quit(b"q", Some("discard"));
}

/// Whether dialog's cursor moves on the plain `ESC [ B`; if not, the
/// application-cursor form `ESC O B` (what a terminal sends once dialog
/// has switched the keypad on) is used.
fn dialog_down_form(paths: &Paths, program: &Path) -> &'static [u8] {
    let mut s = session(dialog(paths, program), SMALL);
    s.wait_dated("dialog's first frame", 0, &dialog_frame);
    s.settle();
    let before = s.with_output(|output| output.screen().contents_formatted());
    let (mark, _) = s.send(DOWN);
    s.settle_after(mark, Duration::from_millis(500));
    let moved = s.try_wait().is_none()
        && s.with_output(|output| output.screen().contents_formatted()) != before;
    s.quit(b"\r", None);
    if moved { DOWN } else { DOWN_APPLICATION }
}

fn dialog_keys_once(
    paths: &Paths,
    program: &Path,
    size: (u16, u16),
    down: &[u8],
    runs: &mut DialogKeys,
) {
    let mut s = session(dialog(paths, program), size);
    s.wait_dated("dialog's first frame", 0, &dialog_frame);
    s.settle();
    let (down_raw, _) = s.key_raw(down);
    runs.down.push(down_raw.len() as f64);
    let (toggle_raw, _) = s.key_raw(b" ");
    runs.toggle.push(toggle_raw.len() as f64);
    if runs.raw.is_empty() {
        runs.raw = vec![("Down", down_raw), ("Space", toggle_raw)];
    }
    if let Some(kb) = s.proc_status_kb("VmHWM") {
        runs.hwm_kb.push(kb);
    }
    s.quit(b"\r", None);
}

/// The queue over the generated store: start, then `/` and one character.
fn generated_once(
    paths: &Paths,
    store: &Path,
    count: usize,
    size: (u16, u16),
    start: &mut StartRuns,
    filter: &mut FilterRuns,
) {
    let mut s = session(umdesk(paths, store), size);
    let (last, at) = s.wait_dated("the first frame over the generated store", 0, &umdesk_frame);
    start.ms.push(ms(at.duration_since(s.started())));
    start.bytes.push(s.raw_between(0, last).len() as f64);
    s.settle();
    start.bytes_quiet.push(s.bytes_since(0) as f64);
    // Whatever the app does once its first frame is up (such as checking
    // every case file behind the index) finishes before the keystroke.
    s.settle_cpu();
    let total = count.to_string();
    if !s.screen_text().contains(&total) {
        eprintln!(
            "warning: the queue does not show {total} cases:\n{}",
            s.screen_text()
        );
    }
    s.key(b"/");
    let (mark, sent) = s.send(FILTER_CHAR);
    let echo = format!("filter: {}", String::from_utf8_lossy(FILTER_CHAR));
    s.wait_dated("the filtered queue", mark, &|screen| {
        screen.contents().contains(&echo)
    });
    s.settle();
    if let Some(at) = s.settled_at(mark) {
        filter.ms.push(ms(at.duration_since(sent)));
    }
    filter.bytes.push(s.bytes_since(mark) as f64);
    if let Some(shown) = s
        .screen_text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(3)
        .find(|w| w[1] == "of" && w[2] == total)
        .and_then(|w| w[0].parse::<f64>().ok())
    {
        filter.shown.push(shown);
    }
    if let Some(kb) = s.proc_status_kb("VmHWM") {
        start.hwm_kb.push(kb);
        filter.hwm_kb.push(kb);
    }
    s.key(ESC);
    s.quit(b"q", Some("discard"));
}

/// Idle for `IDLE`: umdesk with a review open, dialog at its checklist.
/// The runs go in parallel: an idle process has nothing to contend for.
fn idle_runs(
    paths: &Paths,
    dialog_program: Option<&Path>,
    runs: usize,
) -> (IdleRuns, Option<IdleRuns>) {
    let measure = |s: &Pty, into: &Mutex<IdleRuns>| {
        s.settle();
        s.settle_cpu();
        let (ticks, (ns, switches), mark) = (s.cpu_ticks(), s.cpu_detail(), s.mark());
        std::thread::sleep(IDLE);
        let (ticks_after, (ns_after, switches_after)) = (s.cpu_ticks(), s.cpu_detail());
        let mut into = into.lock().expect("idle");
        into.ticks.push((ticks_after - ticks) as f64);
        into.cpu_us.push((ns_after - ns) as f64 / 1000.0);
        into.switches.push((switches_after - switches) as f64);
        into.bytes.push(s.bytes_since(mark) as f64);
    };
    let umdesk_idle = Mutex::new(IdleRuns::default());
    let dialog_idle = Mutex::new(IdleRuns::default());
    std::thread::scope(|scope| {
        for _ in 0..runs {
            scope.spawn(|| {
                let store = sample_store(paths);
                let mut s = session(umdesk(paths, store.path()), SMALL);
                s.wait_dated("the first frame", 0, &umdesk_frame);
                s.settle();
                open_first_in_review(&mut s);
                measure(&s, &umdesk_idle);
                s.quit(b"q", Some("discard"));
            });
            if let Some(program) = dialog_program {
                scope.spawn(|| {
                    let s = session(dialog(paths, program), SMALL);
                    s.wait_dated("dialog's first frame", 0, &dialog_frame);
                    measure(&s, &dialog_idle);
                    s.quit(b"\r", None);
                });
            }
        }
    });
    let dialog_idle = dialog_program.map(|_| dialog_idle.into_inner().expect("idle"));
    (umdesk_idle.into_inner().expect("idle"), dialog_idle)
}

/// The review screen drawn in-process on ratatui's TestBackend: per-frame
/// time of `runs` batches of `DRAWS_PER_BATCH` draws, per size.
fn render_times(paths: &Paths, runs: usize) -> Vec<Sample> {
    let store = sample_store(paths);
    let settings = Settings {
        policy: LoadedPolicy::embedded(),
        reviewer: Reviewer {
            name: REVIEWER.to_string(),
            role: Role::Nurse,
        },
        due_table: DueTable::default(),
        stale_lock_after: time::Duration::hours(8),
        now: clock::now,
        identity: umdesk::tui::Trust::default(),
    };
    let files = std::sync::Arc::new(FileStore::open(store.path()).expect("store"));
    let mut app =
        umdesk::tui::runner::Inline::start(settings, Theme::colour(Symbols::UNICODE), files);
    app.finish_listing();
    let id = app
        .queue
        .visible
        .iter()
        .map(|&i| &app.queue.listing.cases[i])
        .find(|c| c.status == Status::InReview)
        .map(|c| c.id.clone())
        .expect("a sample in review");
    app.open_case(&id);
    assert!(
        matches!(app.screen, Screen::Case(_)),
        "{id} did not open for review"
    );
    SIZES
        .iter()
        .map(|&(rows, cols)| {
            let mut terminal = Terminal::new(TestBackend::new(cols, rows)).expect("terminal");
            for _ in 0..DRAWS_PER_BATCH {
                terminal
                    .draw(|f| umdesk::tui::view::render(&app, f))
                    .expect("draw");
            }
            let mut sample = Sample::default();
            for _ in 0..runs {
                let started = Instant::now();
                for _ in 0..DRAWS_PER_BATCH {
                    terminal
                        .draw(|f| umdesk::tui::view::render(&app, f))
                        .expect("draw");
                }
                sample.push(ms(started.elapsed()) / f64::from(DRAWS_PER_BATCH));
            }
            sample
        })
        .collect()
}

// ---------------------------------------------------------------- where bytes go

/// What a stretch of terminal output is made of.
#[derive(Default)]
struct Breakdown {
    total: usize,
    text_bytes: usize,
    text_chars: usize,
    moves: usize,
    move_bytes: usize,
    sgr: usize,
    sgr_bytes: usize,
    other_bytes: usize,
    /// Rows (1-based) that absolute cursor moves went to (relative moves
    /// are counted as moves, but their rows are not worked out).
    rows: Vec<u16>,
}

fn breakdown(bytes: &[u8]) -> Breakdown {
    let mut b = Breakdown {
        total: bytes.len(),
        ..Breakdown::default()
    };
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            let start = i;
            i += 2;
            while i < bytes.len() && !(0x40..=0x7e).contains(&bytes[i]) {
                i += 1;
            }
            let params = &bytes[start + 2..i.min(bytes.len())];
            let len = (i + 1).min(bytes.len()) - start;
            match bytes.get(i) {
                Some(b'H') => {
                    b.moves += 1;
                    b.move_bytes += len;
                    let row = String::from_utf8_lossy(params)
                        .split(';')
                        .next()
                        .and_then(|r| r.parse().ok())
                        .unwrap_or(1);
                    if !b.rows.contains(&row) {
                        b.rows.push(row);
                    }
                }
                Some(b'm') => {
                    b.sgr += 1;
                    b.sgr_bytes += len;
                }
                // Relative moves: up, down, right, left, to a column.
                Some(b'A' | b'B' | b'C' | b'D' | b'G') => {
                    b.moves += 1;
                    b.move_bytes += len;
                }
                _ => b.other_bytes += len,
            }
            i += 1;
        } else if c == 0x1b {
            // ESC and one character (or ESC ( x, a charset).
            let len = if matches!(bytes.get(i + 1), Some(b'(' | b')')) {
                3
            } else {
                2
            };
            b.other_bytes += len.min(bytes.len() - i);
            i += len;
        } else if matches!(c, b'\r' | b'\n' | 0x08) {
            // Carriage return, line feed and backspace move the cursor.
            b.moves += 1;
            b.move_bytes += 1;
            i += 1;
        } else if c < 0x20 || c == 0x7f {
            b.other_bytes += 1;
            i += 1;
        } else {
            b.text_bytes += 1;
            if c & 0xc0 != 0x80 {
                b.text_chars += 1;
            }
            i += 1;
        }
    }
    b.rows.sort_unstable();
    b
}

fn rows_text(rows: &[u16]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < rows.len() {
        let start = rows[i];
        let mut end = start;
        while i + 1 < rows.len() && rows[i + 1] == end + 1 {
            i += 1;
            end = rows[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            let _ = write!(out, "{start}");
        } else {
            let _ = write!(out, "{start}-{end}");
        }
        i += 1;
    }
    out
}

/// One line per stretch of output: what its bytes are.
fn breakdowns(items: &[(String, &[u8])]) -> (String, Value) {
    let mut text = String::from(
        "| output | bytes | text bytes (chars) | cursor moves (bytes) | SGR (bytes) | other | rows moved to |\n|---|---|---|---|---|---|---|\n",
    );
    let mut json = Vec::new();
    for (name, raw) in items {
        let b = breakdown(raw);
        let _ = writeln!(
            text,
            "| {name} | {} | {} ({}) | {} ({}) | {} ({}) | {} | {} |",
            b.total,
            b.text_bytes,
            b.text_chars,
            b.moves,
            b.move_bytes,
            b.sgr,
            b.sgr_bytes,
            b.other_bytes,
            rows_text(&b.rows)
        );
        json.push(json!({
            "output": name,
            "bytes": b.total,
            "text_bytes": b.text_bytes,
            "text_chars": b.text_chars,
            "cursor_moves": b.moves,
            "cursor_move_bytes": b.move_bytes,
            "sgr": b.sgr,
            "sgr_bytes": b.sgr_bytes,
            "other_bytes": b.other_bytes,
            "rows": b.rows,
        }));
    }
    (text, Value::Array(json))
}

// ---------------------------------------------------------------- main

fn main() {
    // Before any thread: the local offset can only be read then.
    clock::init();
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == GENERATE_ARG) {
        let dir = PathBuf::from(&args[at + 1]);
        let count = args[at + 2].parse().expect("count");
        generate_into(&dir, count);
        return;
    }
    let runs: usize = std::env::var("UMDESK_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10)
        .max(1);
    // Fewer cases only to try the bench out; the figures are for 100,000.
    let count: usize = std::env::var("UMDESK_BENCH_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(GENERATED);
    let bench_started = Instant::now();
    let paths = Paths::new();
    build_binary(&paths);
    private_dir(&paths.bench);
    private_dir(&paths.home);
    let dialog_program = find_dialog();
    let dialog_program = dialog_program.as_deref();

    let generated = paths.bench.join("store-100k");
    println!("writing {count} fictional cases to {}", generated.display());
    let (generation, writing) = generated_store(&generated, count);
    println!(
        "  generated in {:.1} s, written in {:.1} s",
        generation.as_secs_f64(),
        writing.as_secs_f64()
    );

    // The first start over the new store parses every case file and writes
    // the queue index; a file changed within 2 s of that is re-read by the
    // next start. Both are warm-ups, the first reported on its own.
    let mut cold = StartRuns::default();
    let mut cold_filter = FilterRuns::default();
    generated_once(
        &paths,
        &generated,
        count,
        SMALL,
        &mut cold,
        &mut cold_filter,
    );
    std::thread::sleep(Duration::from_secs(2));
    generated_once(
        &paths,
        &generated,
        count,
        SMALL,
        &mut StartRuns::default(),
        &mut FilterRuns::default(),
    );

    println!("measuring starts ({runs} runs per figure)");
    let mut starts: Vec<StartRuns> = SIZES.iter().map(|_| StartRuns::default()).collect();
    let mut dialog_starts: Vec<StartRuns> = SIZES.iter().map(|_| StartRuns::default()).collect();
    let samples = sample_store(&paths);
    for _ in 0..runs {
        for (i, &size) in SIZES.iter().enumerate() {
            start_once(umdesk(&paths, samples.path()), size, true, &mut starts[i]);
            if let Some(program) = dialog_program {
                start_once(dialog(&paths, program), size, false, &mut dialog_starts[i]);
            }
        }
    }

    println!("measuring the queue over {count} cases");
    let mut big_starts: Vec<StartRuns> = SIZES.iter().map(|_| StartRuns::default()).collect();
    let mut filters: Vec<FilterRuns> = SIZES.iter().map(|_| FilterRuns::default()).collect();
    for _ in 0..runs {
        for (i, &size) in SIZES.iter().enumerate() {
            generated_once(
                &paths,
                &generated,
                count,
                size,
                &mut big_starts[i],
                &mut filters[i],
            );
        }
    }

    println!("measuring keys");
    let mut reviews: Vec<ReviewRuns> = SIZES.iter().map(|_| ReviewRuns::default()).collect();
    let mut dialog_keys: Vec<DialogKeys> = SIZES.iter().map(|_| DialogKeys::default()).collect();
    let down_form = dialog_program.map(|p| dialog_down_form(&paths, p));
    for _ in 0..runs {
        for (i, &size) in SIZES.iter().enumerate() {
            review_once(&paths, size, &mut reviews[i]);
            if let (Some(program), Some(down)) = (dialog_program, down_form) {
                dialog_keys_once(&paths, program, size, down, &mut dialog_keys[i]);
            }
        }
    }

    println!(
        "measuring idle CPU ({} s, runs in parallel)",
        IDLE.as_secs()
    );
    let (idle, dialog_idle) = idle_runs(&paths, dialog_program, runs);

    println!("measuring the in-process render");
    let renders = render_times(&paths, runs);

    let has_dialog = dialog_program.is_some();
    let figures = figures(Measured {
        starts: &starts,
        dialog_starts: &dialog_starts,
        big_starts: &big_starts,
        cold: &cold,
        filters: &filters,
        reviews: &reviews,
        dialog_keys: &dialog_keys,
        idle: &idle,
        dialog_idle: dialog_idle.as_ref(),
        renders: &renders,
        has_dialog,
        cases: thousands(count),
    });
    let table = table(&figures);
    println!("\n{table}");

    // Where the bytes go, from the first run of each (also saved raw).
    let keys_dir = paths.bench.join("bytes");
    private_dir(&keys_dir);
    let mut items: Vec<(String, &[u8])> = Vec::new();
    for (i, &size) in SIZES.iter().enumerate() {
        let name = size_name(size);
        if let Some(raw) = &starts[i].raw {
            items.push((format!("umdesk first frame {name}"), raw));
        }
        if let Some(raw) = &dialog_starts[i].raw {
            items.push((format!("dialog first frame {name}"), raw));
        }
        for (key, raw) in &reviews[i].raw {
            items.push((format!("umdesk {key} {name}"), raw));
        }
        for (key, raw) in &dialog_keys[i].raw {
            items.push((format!("dialog {key} {name}"), raw));
        }
    }
    for (name, raw) in &items {
        let file = name.replace(' ', "-") + ".bin";
        let _ = std::fs::write(keys_dir.join(file), raw);
    }
    let (bytes_table, bytes_json) = breakdowns(&items);
    println!(
        "Where the bytes go (first run; raw bytes in {}):\n\n{bytes_table}",
        keys_dir.display()
    );

    let total = bench_started.elapsed();
    let down_form = down_form.map(|d| String::from_utf8_lossy(d).replace('\x1b', "ESC "));
    let report = json!({
        "bench": "umdesk (issue 6)",
        "runs": runs,
        "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "quiet_ms": ms(QUIET),
        "generated_cases": count,
        "generation_s": generation.as_secs_f64(),
        "writing_s": writing.as_secs_f64(),
        "dialog": dialog_program.map(|p| p.display().to_string()),
        "umdesk_binary": binary_info(&paths.bin),
        "dialog_down_key": down_form,
        "total_s": total.as_secs_f64(),
        "bytes_breakdown": bytes_json,
        "figures": figures.iter().map(|f| json!({
            "key": f.key,
            "figure": f.name,
            "unit": f.unit,
            "umdesk": f.umdesk.json(),
            "dialog": f.dialog.as_ref().map(Sample::json),
            "ratio": f.ratio(),
            "target": f.target.as_ref().map(|t| t.0.clone()),
            "pass": f.target.as_ref().and_then(|t| t.1),
        })).collect::<Vec<_>>(),
    });
    let out = paths.bench.join("umdesk-bench.json");
    std::fs::write(&out, serde_json::to_string_pretty(&report).expect("json")).expect("write json");
    let checked: Vec<&Figure> = figures
        .iter()
        .filter(|f| f.target.as_ref().is_some_and(|t| t.1.is_some()))
        .collect();
    let passed = checked
        .iter()
        .filter(|f| f.target.as_ref().is_some_and(|t| t.1 == Some(true)))
        .count();
    println!(
        "{passed} of {} targets pass. Figures written to {}; the run took {:.0} s.",
        checked.len(),
        out.display(),
        total.as_secs_f64()
    );
    if std::env::var("UMDESK_BENCH_KEEP").is_ok_and(|v| v == "1") {
        println!("kept {}", generated.display());
    } else {
        let _ = std::fs::remove_dir_all(&generated);
    }
}

struct Measured<'a> {
    starts: &'a [StartRuns],
    dialog_starts: &'a [StartRuns],
    big_starts: &'a [StartRuns],
    cold: &'a StartRuns,
    filters: &'a [FilterRuns],
    reviews: &'a [ReviewRuns],
    dialog_keys: &'a [DialogKeys],
    idle: &'a IdleRuns,
    dialog_idle: Option<&'a IdleRuns>,
    renders: &'a [Sample],
    has_dialog: bool,
    /// The generated store's size, for the labels: "100,000".
    cases: String,
}

/// Every figure, each with the issue's target where it has one.
fn figures<'a>(m: Measured<'a>) -> Vec<Figure> {
    let has_dialog = m.has_dialog;
    let peer = |s: &'a Sample| has_dialog.then_some(s);
    let mut out = Vec::new();
    const KB: f64 = 1000.0;
    const MB_IN_KIB: f64 = 1_000_000.0 / 1024.0;

    // 1. start to first complete frame.
    for (i, &size) in SIZES.iter().enumerate() {
        let name = size_name(size);
        let mut f = Figure::new(
            &format!("start_samples_{name}"),
            &format!("1. start to first frame, samples, {name}"),
            "ms",
            &m.starts[i].ms,
        )
        .dialog(peer(&m.dialog_starts[i].ms));
        if size == SMALL && m.has_dialog {
            let pass = m.starts[i].ms.median() <= m.dialog_starts[i].ms.median();
            f = f.target("<= dialog", pass);
        } else if size == SMALL {
            f = f.unchecked("<= dialog");
        }
        out.push(f);
    }
    for (i, &size) in SIZES.iter().enumerate() {
        let name = size_name(size);
        let limit = 10.0 * m.starts[i].ms.median();
        let pass = m.big_starts[i].ms.median() <= limit;
        out.push(
            Figure::new(
                &format!("start_100k_{name}"),
                &format!("1./4. start to first frame, {} cases, {name}", m.cases),
                "ms",
                &m.big_starts[i].ms,
            )
            .dialog(peer(&m.dialog_starts[i].ms))
            .target(format!("<= 10x samples ({limit:.1} ms)"), pass),
        );
    }
    out.push(Figure::new(
        "start_100k_cold_80x24",
        &format!(
            "   first start over the new {} (index built; 1 run)",
            m.cases
        ),
        "ms",
        &m.cold.ms,
    ));

    // 2. bytes.
    for (i, &size) in SIZES.iter().enumerate() {
        let name = size_name(size);
        let mut f = Figure::new(
            &format!("bytes_first_frame_{name}"),
            &format!("2. bytes of the first frame, samples, {name}"),
            "B",
            &m.starts[i].bytes,
        )
        .dialog(peer(&m.dialog_starts[i].bytes));
        if size == SMALL {
            f = f.target("< 8 KB", m.starts[i].bytes.median() < 8.0 * KB);
        }
        out.push(f);
        out.push(
            Figure::new(
                &format!("bytes_start_until_quiet_{name}"),
                &format!("   bytes from start until quiet, samples, {name}"),
                "B",
                &m.starts[i].bytes_quiet,
            )
            .dialog(peer(&m.dialog_starts[i].bytes_quiet)),
        );
        out.push(Figure::new(
            &format!("bytes_first_frame_100k_{name}"),
            &format!("   bytes of the first frame, {} cases, {name}", m.cases),
            "B",
            &m.big_starts[i].bytes,
        ));
    }
    for (i, &size) in SIZES.iter().enumerate() {
        let name = size_name(size);
        let r = &m.reviews[i];
        let d = &m.dialog_keys[i];
        let peer_run = m.has_dialog;
        let mut f = Figure::new(
            &format!("bytes_next_criterion_{name}"),
            &format!("2. bytes, Down to the next criterion, {name}"),
            "B",
            &r.down,
        )
        .dialog(peer(&d.down));
        if peer_run {
            let limit = 2.0 * d.down.median();
            f = f.target(
                format!("<= 2x dialog Down ({limit:.0} B)"),
                r.down.median() <= limit,
            );
        } else {
            f = f.unchecked("<= 2x dialog Down");
        }
        out.push(f);
        let mut f = Figure::new(
            &format!("bytes_mark_met_{name}"),
            &format!("2. bytes, m marks a criterion met, {name}"),
            "B",
            &r.mark,
        )
        .dialog(peer(&d.toggle));
        if peer_run {
            let limit = d.toggle.median();
            f = f.target(
                format!("<= dialog toggle ({limit:.0} B)"),
                r.mark.median() <= limit,
            );
        } else {
            f = f.unchecked("<= dialog toggle");
        }
        out.push(f);
        let cells = r.pane_cells.median();
        let mut text = format!("<= pane cells ({cells:.0})");
        let mut pass = r.scroll.median() <= cells;
        if size == SMALL {
            text.push_str(", < 1.5 KB");
            pass &= r.scroll.median() < 1.5 * KB;
        }
        out.push(
            Figure::new(
                &format!("bytes_scroll_policy_{name}"),
                &format!("2. bytes, J scrolls the policy one line, {name}"),
                "B",
                &r.scroll,
            )
            .target(text, pass),
        );
        out.push(Figure::new(
            &format!("bytes_note_char_{name}"),
            &format!("2. bytes, one character typed into a note, {name}"),
            "B",
            &r.note,
        ));
    }
    for (i, &size) in SIZES.iter().enumerate() {
        let name = size_name(size);
        let r = &m.reviews[i];
        for (key, what, sample) in [
            ("next_criterion", "Down", &r.down_ms),
            ("mark_met", "m", &r.mark_ms),
            ("scroll_policy", "J", &r.scroll_ms),
            ("note_char", "a note character", &r.note_ms),
        ] {
            out.push(Figure::new(
                &format!("latency_{key}_{name}"),
                &format!("   key to frame, {what}, {name}"),
                "ms",
                sample,
            ));
        }
    }

    // 3. in-process render.
    let cells: Vec<f64> = SIZES
        .iter()
        .map(|&(r, c)| f64::from(r) * f64::from(c))
        .collect();
    for (i, &size) in SIZES.iter().enumerate() {
        let name = size_name(size);
        let mut f = Figure::new(
            &format!("render_review_{name}"),
            &format!("3. render the review screen (TestBackend), {name}"),
            "ms",
            &m.renders[i],
        );
        if size == LARGE {
            f = f.target("< 1 ms", m.renders[i].median() < 1.0);
        }
        out.push(f);
    }
    let cost_ratio = m.renders[1].median() / m.renders[0].median();
    let cell_ratio = cells[1] / cells[0];
    out.push(
        Figure::new(
            "render_cost_ratio",
            "3. render cost 200x60 / 80x24",
            "x",
            &Sample(vec![cost_ratio]),
        )
        .target(
            format!("<= cell ratio ({cell_ratio:.2})"),
            cost_ratio <= cell_ratio,
        ),
    );

    // 4. the filter keystroke.
    for (i, &size) in SIZES.iter().enumerate() {
        let name = size_name(size);
        let f = &m.filters[i];
        out.push(
            Figure::new(
                &format!("filter_key_100k_{name}"),
                &format!(
                    "4. filter keystroke to new frame, {} cases, {name}",
                    m.cases
                ),
                "ms",
                &f.ms,
            )
            .target("<= 16 ms", f.ms.median() <= 16.0),
        );
        out.push(Figure::new(
            &format!("filter_bytes_100k_{name}"),
            &format!("   bytes of that frame, {name}"),
            "B",
            &f.bytes,
        ));
    }
    out.push(Figure::new(
        "filter_cases_shown",
        "   cases left by the filter",
        "",
        &m.filters[0].shown,
    ));

    // 5. peak memory.
    let dialog_hwm = &m.dialog_keys[0].hwm_kb;
    out.push(
        Figure::new(
            "peak_memory_samples",
            "5. peak memory (VmHWM), samples, a review opened",
            "KiB",
            &m.reviews[0].hwm_kb,
        )
        .dialog(peer(dialog_hwm))
        .target("< 16 MB", m.reviews[0].hwm_kb.median() < 16.0 * MB_IN_KIB),
    );
    out.push(
        Figure::new(
            "peak_memory_100k",
            &format!("5. peak memory (VmHWM), {} cases, after a filter", m.cases),
            "KiB",
            &m.big_starts[0].hwm_kb,
        )
        .dialog(peer(dialog_hwm))
        .target(
            "< 50 MB",
            m.big_starts[0].hwm_kb.median() < 50.0 * MB_IN_KIB,
        ),
    );

    // 6. idle.
    let dialog_idle = m.dialog_idle;
    out.push(
        Figure::new(
            "idle_cpu_ticks",
            "6. CPU ticks (utime+stime) idle 5 s, review open",
            "ticks",
            &m.idle.ticks,
        )
        .dialog(dialog_idle.map(|d| &d.ticks))
        .target("0 in every run", m.idle.ticks.max() == 0.0),
    );
    out.push(
        Figure::new(
            "idle_cpu_time",
            "   CPU time idle 5 s (schedstat)",
            "us",
            &m.idle.cpu_us,
        )
        .dialog(dialog_idle.map(|d| &d.cpu_us)),
    );
    out.push(
        Figure::new(
            "idle_context_switches",
            "   context switches idle 5 s",
            "",
            &m.idle.switches,
        )
        .dialog(dialog_idle.map(|d| &d.switches)),
    );
    out.push(
        Figure::new(
            "idle_bytes",
            "   bytes written idle 5 s",
            "B",
            &m.idle.bytes,
        )
        .dialog(dialog_idle.map(|d| &d.bytes)),
    );
    out
}

fn table(figures: &[Figure]) -> String {
    let rows: Vec<[String; 6]> = figures
        .iter()
        .map(|f| {
            [
                f.name.clone(),
                fmt_sample(&f.umdesk, f.unit),
                f.dialog
                    .as_ref()
                    .map(|d| fmt_sample(d, f.unit))
                    .unwrap_or_else(|| "-".into()),
                f.ratio()
                    .map(|r| format!("{r:.2}"))
                    .unwrap_or_else(|| "-".into()),
                f.target
                    .as_ref()
                    .map(|t| t.0.clone())
                    .unwrap_or_else(|| "-".into()),
                f.target
                    .as_ref()
                    .map(|t| match t.1 {
                        Some(true) => "pass".to_string(),
                        Some(false) => "FAIL".to_string(),
                        None => "-".to_string(),
                    })
                    .unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = [
        "figure",
        "umdesk median (min–max)",
        "dialog",
        "ratio",
        "target",
        "result",
    ];
    let mut out = String::new();
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}
