//! `cargo bench --bench postgres`: issue 13's benchmark, the department
//! store on PostgreSQL.
//!
//! - `store copy` of 100,000 generated cases from a directory into the
//!   database: cases per second.
//! - 1,000,000 generated cases in the database (the copied 100,000 and 18
//!   batches of 50,000 more, each batch generated over its own 61 days so
//!   that every id is the generator's own): the app's first complete frame,
//!   a filter keystroke to its settled frame, and the app's peak memory
//!   (VmHWM), in a real pseudo-terminal at 80x24 (`tests/common/pty.rs`).
//! - 16 processes saving at once, 500 saves each, every other one on one
//!   of four cases all of them share: saves per second, p50 and p99 save
//!   latency, conflicts, and the checks (no lost update, no duplicate id,
//!   every conflict reported), on PostgreSQL and on the file store in the
//!   same run.
//!
//! PostgreSQL is not installed by the bench: install Debian's `postgresql`
//! (scripts/test.sh does). The bench starts its own throwaway cluster on a
//! Unix socket (as the `postgres` user when run as root), with the server's
//! default durability (fsync on), or uses `UMDESK_BENCH_POSTGRES=URL`.
//!
//! Environment: `UMDESK_BENCH_RUNS` (5), `UMDESK_BENCH_PG_CASES` (the
//! 1,000,000, fewer only to try the bench out), `UMDESK_BENCH_NO_BUILD=1`.

#[path = "../tests/common/pty.rs"]
mod pty;
#[path = "common/release.rs"]
mod release;

use release::{Paths, build_binary};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pty::keys::ESC;
use pty::{CommandBuilder, Pty};
use serde_json::{Value, json};
use umdesk::case::history::record_changes;
use umdesk::case::{Change, Reviewer, Role};
use umdesk::clock;
use umdesk::policy::LoadedPolicy;
use umdesk::store::{CaseStore, FileStore, PostgresStore, StoreError};

const COPIED: usize = 100_000;
const IN_DATABASE: usize = 1_000_000;
const CHUNK: usize = 50_000;
const WORKERS: usize = 16;
const SAVES: usize = 500;
const SHARED: usize = 4;
const OWN: usize = 5;
const LOAD_ARG: &str = "--load-chunk";
const SAVE_ARG: &str = "--save-worker";
const TIMEOUT: Duration = Duration::from_secs(120);
const QUIET: Duration = Duration::from_millis(150);
/// The filter typed, a key at a time: a surname's first letters.
const FILTER: &str = "ali";

fn main() {
    clock::init();
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == LOAD_ARG) {
        load_chunk(
            &args[at + 1],
            args[at + 2].parse().unwrap(),
            args[at + 3].parse().unwrap(),
        );
        return;
    }
    if let Some(at) = args.iter().position(|a| a == SAVE_ARG) {
        save_worker(&args[at + 1], args[at + 2].parse().unwrap(), &args[at + 3]);
        return;
    }
    let runs: usize = env_number("UMDESK_BENCH_RUNS", 5).max(1);
    let total: usize = env_number("UMDESK_BENCH_PG_CASES", IN_DATABASE).max(COPIED);
    let started = Instant::now();
    let paths = Paths::new();
    build_binary(&paths);
    std::fs::create_dir_all(&paths.bench).unwrap();
    let cluster = match std::env::var("UMDESK_BENCH_POSTGRES") {
        Ok(url) => Cluster::existing(url),
        Err(_) => Cluster::start(),
    };
    let url = cluster.database("umdesk_bench");
    umdesk::store::postgres::init(&url).expect("store init");

    println!("generating {COPIED} cases into a directory");
    let source = paths.bench.join("pg-copy-source");
    generate_files(&paths, &source);
    println!("store copy into PostgreSQL");
    let copy_started = Instant::now();
    let out = Command::new(&paths.bin)
        .args(["store", "copy"])
        .arg(&source)
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copy_s = copy_started.elapsed().as_secs_f64();
    let copy_rate = COPIED as f64 / copy_s;
    println!("  {copy_rate:.0} cases/s ({copy_s:.1} s)");

    println!("loading the database to {total} cases");
    let load_started = Instant::now();
    let chunks = (total - COPIED).div_ceil(CHUNK);
    let exe = std::env::current_exe().unwrap();
    for chunk in 1..=chunks {
        let count = CHUNK.min(total - COPIED - (chunk - 1) * CHUNK);
        let status = Command::new(&exe)
            .args([LOAD_ARG, &url, &chunk.to_string(), &count.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin.batch_execute("VACUUM ANALYZE cases").unwrap();
    let rows: i64 = admin
        .query_one("SELECT count(*) FROM cases", &[])
        .unwrap()
        .get(0);
    println!(
        "  {rows} cases in {:.0} s",
        load_started.elapsed().as_secs_f64()
    );

    println!("measuring the app over {rows} cases ({runs} runs)");
    let app = app_runs(&paths, &url, runs);

    println!("16 processes saving at once, on PostgreSQL and on files");
    let saves_pg = save_race(&exe, &url, &StoreKind::Postgres(url.clone()));
    let files_dir = paths.bench.join("save-race-files");
    let _ = std::fs::remove_dir_all(&files_dir);
    let saves_files = save_race(
        &exe,
        files_dir.to_str().unwrap(),
        &StoreKind::Files(files_dir.clone()),
    );

    let figures = vec![
        figure(
            "store copy, files to PostgreSQL",
            copy_rate,
            "cases/s",
            None,
        ),
        figure(
            &format!("first frame over {rows} cases (80x24)"),
            median(&app.first_frame_ms),
            "ms",
            Some(("within 50 ms", median(&app.first_frame_ms) <= 50.0)),
        ),
        figure(
            "filter keystroke to its frame (slowest of the typed keys)",
            median(&app.filter_ms),
            "ms",
            Some(("within 50 ms", median(&app.filter_ms) <= 50.0)),
        ),
        figure(
            "peak memory of the app (VmHWM)",
            median(&app.hwm_mb),
            "MB",
            Some(("under 50 MB", median(&app.hwm_mb) < 50.0)),
        ),
        saves_pg.figure("PostgreSQL"),
        saves_files.figure("files"),
    ];
    println!();
    for f in &figures {
        println!(
            "{:<62} {:>10.1} {:<7} {}",
            f["figure"].as_str().unwrap(),
            f["value"].as_f64().unwrap(),
            f["unit"].as_str().unwrap(),
            f["target"].as_str().map_or(String::new(), |t| format!(
                "{t}: {}",
                if f["pass"].as_bool() == Some(true) {
                    "PASS"
                } else {
                    "FAIL"
                }
            ))
        );
    }
    for (name, race) in [("PostgreSQL", &saves_pg), ("files", &saves_files)] {
        println!(
            "{name}: {} saves, {} conflicts reported, lost updates {}, duplicate ids {}, \
             p50 {:.2} ms, p99 {:.2} ms",
            race.saved, race.conflicts, race.lost, race.duplicate_ids, race.p50_ms, race.p99_ms
        );
    }
    let report = json!({
        "bench": "postgres (issue 13)",
        "runs": runs,
        "cases": rows,
        "figures": figures,
        "app": {
            "first_frame_ms": app.first_frame_ms,
            "filter_ms": app.filter_ms,
            "hwm_mb": app.hwm_mb,
        },
        "save_race": {"postgres": saves_pg.json(), "files": saves_files.json()},
        "total_s": started.elapsed().as_secs_f64(),
    });
    let out = paths.bench.join("postgres-bench.json");
    std::fs::write(&out, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("figures written to {}", out.display());
    let failed = [&saves_pg, &saves_files]
        .iter()
        .any(|r| r.lost > 0 || r.duplicate_ids > 0 || r.unreported > 0);
    if failed {
        eprintln!("the save race lost an update, doubled an id or hid a conflict");
        std::process::exit(1);
    }
    drop(cluster);
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn figure(name: &str, value: f64, unit: &str, target: Option<(&str, bool)>) -> Value {
    json!({
        "figure": name,
        "value": value,
        "unit": unit,
        "target": target.map(|t| t.0),
        "pass": target.map(|t| t.1),
    })
}

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

// ---------------------------------------------------------------- setup

/// `COPIED` generated cases in `dir`, made by the release binary (kept
/// between runs: the same seed makes the same cases).
fn generate_files(paths: &Paths, dir: &Path) {
    let stamp = dir.with_extension("stamp");
    let want = format!("{COPIED} seed 1\n");
    if std::fs::read_to_string(&stamp).is_ok_and(|s| s == want) {
        println!("  reusing {}", dir.display());
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = Command::new(&paths.bin)
        .args(["generate", "--count", &COPIED.to_string(), "--cases"])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(stamp, want).unwrap();
}

/// The child's side of the load: `count` cases generated over the 61 days
/// that end `chunk * 61` days before now (so no two chunks share a day, and
/// every id is the generator's own), written with the copy's bulk path.
fn load_chunk(url: &str, chunk: i64, count: usize) {
    let store = PostgresStore::open(url).unwrap();
    let policy = LoadedPolicy::embedded();
    let start = clock::now() - time::Duration::days(61 * chunk);
    let cases = umdesk::fixtures::generate(&policy, count, chunk as u64 + 1, start);
    for batch in cases.chunks(1000) {
        let batch: Vec<_> = batch
            .iter()
            .map(|c| (c.clone(), umdesk::case::to_json(c)))
            .collect();
        let written = store.import_documents(&batch).unwrap();
        assert_eq!(
            written.len(),
            batch.len(),
            "an id of chunk {chunk} was taken"
        );
    }
}

/// A throwaway PostgreSQL cluster on a Unix socket, stopped when dropped.
struct Cluster {
    url: String,
    stop: Option<(PathBuf, PathBuf)>,
}

impl Cluster {
    fn existing(url: String) -> Cluster {
        Cluster { url, stop: None }
    }

    fn start() -> Cluster {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|versions| {
                let mut found: Vec<PathBuf> = versions
                    .flatten()
                    .map(|v| v.path().join("bin"))
                    .filter(|b| b.join("initdb").exists())
                    .collect();
                found.sort();
                found.pop()
            })
            .unwrap_or_else(|| {
                eprintln!(
                    "PostgreSQL is not installed: install Debian's postgresql \
                     (or set UMDESK_BENCH_POSTGRES=URL)"
                );
                std::process::exit(1);
            });
        // In the temporary directory, as scripts/test.sh does: the
        // `postgres` user must reach it, and target/bench is owner-only.
        let dir = tempfile::Builder::new()
            .prefix("umdesk-bench-pg.")
            .tempdir()
            .unwrap()
            .keep();
        std::fs::create_dir_all(&dir).unwrap();
        if is_root() {
            let ok = Command::new("chown")
                .args(["postgres"])
                .arg(&dir)
                .status()
                .unwrap();
            assert!(ok.success());
        }
        let ok = as_owner(&bin.join("initdb"))
            .arg("-D")
            .arg(dir.join("data"))
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success(), "initdb failed");
        let ok = as_owner(&bin.join("pg_ctl"))
            .arg("-D")
            .arg(dir.join("data"))
            .arg("-l")
            .arg(dir.join("server.log"))
            .args(["-w", "-o"])
            .arg(format!(
                "-c listen_addresses='' -k {} -c max_connections=200",
                dir.display()
            ))
            .arg("start")
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success(), "pg_ctl start failed");
        Cluster {
            url: format!("postgres:///postgres?host={}&user=postgres", dir.display()),
            stop: Some((bin.join("pg_ctl"), dir)),
        }
    }

    /// A new, empty database named `name`, as a URL.
    fn database(&self, name: &str) -> String {
        let mut admin = postgres::Client::connect(&self.url, postgres::NoTls).unwrap();
        // One statement each: a multi-statement query is one transaction,
        // which neither may run in.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        self.url.replacen("/postgres?", &format!("/{name}?"), 1)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if let Some((pg_ctl, dir)) = &self.stop {
            let _ = as_owner(pg_ctl)
                .arg("-D")
                .arg(dir.join("data"))
                .args(["-m", "fast", "stop"])
                .stdout(Stdio::null())
                .status();
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// `program`, run as the `postgres` user when we are root (initdb and
/// pg_ctl refuse root).
fn as_owner(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

// ---------------------------------------------------------------- the app

#[derive(Default)]
struct AppRuns {
    first_frame_ms: Vec<f64>,
    filter_ms: Vec<f64>,
    hwm_mb: Vec<f64>,
}

fn app_command(paths: &Paths, url: &str, home: &Path) -> CommandBuilder {
    let mut cmd = CommandBuilder::new(&paths.bin);
    cmd.args([
        "--store",
        url,
        "--reviewer",
        "Bench Reviewer, RN",
        "--role",
        "nurse",
    ]);
    pty::isolate(&mut cmd, home);
    cmd
}

fn app_runs(paths: &Paths, url: &str, runs: usize) -> AppRuns {
    let home = tempfile::tempdir().unwrap();
    let mut measured = AppRuns::default();
    // A first start warms the server's cache, as a department's does.
    for run in 0..=runs {
        let mut s = Pty::spawn(app_command(paths, url, home.path()), (24, 80));
        s.set_timeout(TIMEOUT);
        s.set_quiet(QUIET);
        let frame = |screen: &vt100::Screen| {
            pty::bottom_row_contains(screen, "quit") && screen.contents().contains("UM-")
        };
        s.wait_until("the first frame", |output| frame(output.screen()));
        let first = first_chunk_where(&s, 0, &frame).expect("the first frame");
        s.settle();
        s.send(b"/");
        s.settle();
        let mut slowest: f64 = 0.0;
        let mut typed = String::new();
        for c in FILTER.chars() {
            typed.push(c);
            let (mark, sent) = s.send(c.to_string().as_bytes());
            let echo = format!("filter: {typed}");
            s.wait_until("the filtered queue", |output| {
                output.screen().contents().contains(&echo)
            });
            s.settle_after(mark, Duration::from_secs(3));
            let settled = s.with_output(|output| output.screen().contents_formatted());
            let at = first_chunk_where(&s, mark, &|screen| screen.contents_formatted() == settled)
                .map(|(_, at)| at)
                .expect("the settled frame");
            slowest = slowest.max(at.duration_since(sent).as_secs_f64() * 1000.0);
        }
        let shown = s.screen_text();
        assert!(
            shown.to_lowercase().contains(FILTER),
            "the filter found nothing:\n{shown}"
        );
        let hwm = proc_status_kb(s.pid(), "VmHWM").unwrap_or(f64::NAN) / 1024.0;
        if run > 0 {
            measured
                .first_frame_ms
                .push(first.1.duration_since(s.started()).as_secs_f64() * 1000.0);
            measured.filter_ms.push(slowest);
            measured.hwm_mb.push(hwm);
        }
        s.send(ESC);
        s.send(b"q");
        let deadline = Instant::now() + Duration::from_secs(10);
        while s.try_wait().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    measured
}

fn first_chunk_where(
    s: &Pty,
    from: usize,
    holds: &dyn Fn(&vt100::Screen) -> bool,
) -> Option<(usize, Instant)> {
    let chunks = s.with_output(|output| output.chunks.clone());
    let (rows, cols) = s.size();
    let mut parser = vt100::Parser::new(rows, cols, 0);
    for (i, chunk) in chunks.iter().enumerate() {
        parser.process(&chunk.bytes);
        if i >= from && holds(parser.screen()) {
            return Some((i, chunk.at));
        }
    }
    None
}

fn proc_status_kb(pid: u32, field: &str) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

// ---------------------------------------------------------------- the save race

enum StoreKind {
    Postgres(String),
    Files(PathBuf),
}

impl StoreKind {
    fn open(&self) -> Box<dyn CaseStore> {
        open_store(match self {
            StoreKind::Postgres(url) => url,
            StoreKind::Files(dir) => dir.to_str().unwrap(),
        })
    }
}

fn open_store(spec: &str) -> Box<dyn CaseStore> {
    if umdesk::store::postgres::is_postgres_url(spec) {
        Box::new(PostgresStore::open(spec).unwrap())
    } else {
        Box::new(FileStore::open(spec).unwrap())
    }
}

fn worker() -> Reviewer {
    Reviewer {
        name: format!("Bench Worker {}, RN", std::process::id()),
        role: Role::Nurse,
    }
}

fn new_case(store: &dyn CaseStore, policy: &LoadedPolicy) -> String {
    let facts = umdesk::fixtures::facts()
        .member("Fictional Member", "FIC000001")
        .received_at(clock::now())
        .build();
    let mut case = umdesk::case::new_case(
        "NEW",
        facts,
        policy,
        &umdesk::case::due::DueTable::default(),
    );
    case.fictional = Some("Fictional case of the save race".into());
    store
        .create(&mut case, clock::now().date(), &mut |_| {})
        .unwrap()
}

struct Race {
    saved: usize,
    conflicts: usize,
    lost: usize,
    duplicate_ids: usize,
    unreported: usize,
    seconds: f64,
    p50_ms: f64,
    p99_ms: f64,
}

impl Race {
    fn figure(&self, store: &str) -> Value {
        figure(
            &format!("saves per second, {WORKERS} processes, {store}"),
            self.saved as f64 / self.seconds,
            "saves/s",
            None,
        )
    }

    fn json(&self) -> Value {
        json!({
            "saved": self.saved,
            "conflicts": self.conflicts,
            "lost_updates": self.lost,
            "duplicate_ids": self.duplicate_ids,
            "unreported_conflicts": self.unreported,
            "seconds": self.seconds,
            "saves_per_s": self.saved as f64 / self.seconds,
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
        })
    }
}

/// `WORKERS` processes at once, each creating `OWN` cases and then saving
/// `SAVES` times, every other save on one of the `SHARED` cases.
fn save_race(exe: &Path, spec: &str, kind: &StoreKind) -> Race {
    let store = kind.open();
    let policy = LoadedPolicy::embedded();
    let shared: Vec<String> = (0..SHARED).map(|_| new_case(&*store, &policy)).collect();
    let mut initial: BTreeMap<String, usize> = shared
        .iter()
        .map(|id| (id.clone(), store.load(id).unwrap().history.len()))
        .collect();
    let shared_list = shared.join(",");
    let started = Instant::now();
    let children: Vec<_> = (0..WORKERS)
        .map(|n| {
            Command::new(exe)
                .args([SAVE_ARG, spec, &n.to_string(), &shared_list])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let reports: Vec<Value> = children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            serde_json::from_slice(&out.stdout).unwrap()
        })
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    let mut created = Vec::new();
    let mut saved_per_case: BTreeMap<String, usize> = BTreeMap::new();
    let mut latencies = Vec::new();
    let (mut saved, mut conflicts, mut attempts) = (0, 0, 0);
    for report in &reports {
        for (id, entries) in report["created"].as_object().unwrap() {
            created.push(id.clone());
            initial.insert(id.clone(), entries.as_u64().unwrap() as usize);
        }
        for (id, n) in report["saved"].as_object().unwrap() {
            *saved_per_case.entry(id.clone()).or_default() += n.as_u64().unwrap() as usize;
            saved += n.as_u64().unwrap() as usize;
        }
        conflicts += report["conflicts"].as_u64().unwrap() as usize;
        attempts += report["attempts"].as_u64().unwrap() as usize;
        latencies.extend(
            report["latency_ms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap()),
        );
    }
    let distinct: HashSet<&String> = created.iter().chain(&shared).collect();
    let duplicate_ids = created.len() + shared.len() - distinct.len();
    // Each save that succeeded added exactly one history entry: a lost
    // update shows as an entry missing.
    let mut lost = 0;
    for (id, n) in &saved_per_case {
        let entries = store.load(id).unwrap().history.len();
        let expected = initial[id] + n;
        if entries != expected {
            lost += expected.abs_diff(entries);
        }
    }
    latencies.sort_by(f64::total_cmp);
    Race {
        saved,
        conflicts,
        lost,
        duplicate_ids,
        unreported: attempts - saved - conflicts,
        seconds,
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
    }
}

/// One worker: prints {created, saved: {id: n}, conflicts, attempts,
/// latency_ms} as JSON.
fn save_worker(spec: &str, number: usize, shared: &str) {
    let store = open_store(spec);
    let policy = LoadedPolicy::embedded();
    let shared: Vec<&str> = shared.split(',').collect();
    let reviewer = worker();
    let own: Vec<String> = (0..OWN).map(|_| new_case(&*store, &policy)).collect();
    let created: BTreeMap<&str, usize> = own
        .iter()
        .map(|id| (id.as_str(), store.load(id).unwrap().history.len()))
        .collect();
    let mut saved: BTreeMap<String, usize> = BTreeMap::new();
    let mut latency_ms = Vec::with_capacity(SAVES);
    let mut conflicts = 0;
    for i in 0..SAVES {
        let id = if i % 2 == 0 {
            own[(i / 2) % OWN].as_str()
        } else {
            shared[(i / 2 + number) % shared.len()]
        };
        let mut case = store.load(id).unwrap();
        let expected = case
            .history
            .last()
            .map(|e| e.digest.clone())
            .unwrap_or_default();
        let to = format!("Worker {number}, save {i}.");
        let from = std::mem::replace(&mut case.criteria[0].evidence, to.clone());
        let change = Change::set("criteria[0].evidence", from.into(), to.into());
        record_changes(
            &mut case,
            vec![change],
            &reviewer,
            "edit",
            "bench save",
            clock::now(),
        );
        let started = Instant::now();
        match store.save(&case, &expected) {
            Ok(()) => {
                latency_ms.push(started.elapsed().as_secs_f64() * 1000.0);
                *saved.entry(id.to_string()).or_default() += 1;
            }
            Err(StoreError::Conflict { .. }) => conflicts += 1,
            Err(err) => panic!("save failed: {err}"),
        }
    }
    for id in &own {
        saved.entry(id.clone()).or_default();
    }
    println!(
        "{}",
        json!({
            "created": created,
            "saved": saved,
            "conflicts": conflicts,
            "attempts": SAVES,
            "latency_ms": latency_ms,
        })
    );
}
