//! `cargo bench --bench serve`: issue 14's benchmark. `umdesk serve` beside
//! OpenSSH's `sshd` with a forced command running umdesk, on 127.0.0.1,
//! the same client (`ssh`), the same Ed25519 key and the same store.
//!
//! Builds `target/release/umdesk` (`cargo build --release --bin umdesk`)
//! unless `UMDESK_BENCH_NO_BUILD=1`. The peer is not installed by the
//! bench: install Debian's `openssh-server` (`sudo apt-get install
//! openssh-server`); without `/usr/sbin/sshd` the bench says so and
//! measures umdesk serve alone. sshd runs as the user running the bench,
//! from a config of its own in a temporary directory (no system file is
//! read or changed); as root it needs `/run/sshd`, which it makes.
//!
//! Figures (each route, printed as one table and written to
//! `target/bench/serve-bench.json`):
//! - *connect to first frame*: from just before `ssh` is spawned to the
//!   chunk after which the screen holds the queue's footer (`quit` on the
//!   bottom row); median, min, max of `UMDESK_BENCH_RUNS` (10) runs;
//! - *RSS per session*: the growth of resident memory (serve: the server
//!   process; sshd: the listener and every process under it, the
//!   per-connection sshd processes and each umdesk) from no session to 50
//!   sessions showing their queue, divided by 50;
//! - *idle CPU ticks*: utime + stime (clock ticks) of the same processes
//!   over 5 s with the 50 sessions open and nobody typing;
//! - *key to frame, 50 typing*: the 50 sessions each press Down or Up 20
//!   times, 50 to 150 ms apart, all at once; from just before a key is
//!   written to the arrival of the chunk after which the selected row has
//!   moved; p50 and p99 of the 1,000 keys;
//! - *bytes per key*: bytes the client's terminal receives for one Down in
//!   the queue, once quiet, beside the same key in a local terminal.

#[path = "../tests/common/pty.rs"]
mod pty;
#[path = "common/release.rs"]
mod release;

use release::{Paths, build_binary};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pty::keys::{DOWN, UP};
use pty::{CommandBuilder, Pty};
use serde_json::{Value, json};

const SESSIONS: usize = 50;
const KEYS_EACH: usize = 20;
const SIZE: (u16, u16) = pty::SIZE_80X24;

fn runs() -> usize {
    std::env::var("UMDESK_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(10)
}

fn me() -> String {
    let id = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim().to_string()
}

/// A store of 60 cases whose roster names the bench's user (with the
/// key), and everything else the routes need, in one temporary directory.
struct World {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl World {
    fn new(bin: PathBuf) -> World {
        let world = World {
            dir: tempfile::tempdir().unwrap(),
            bin,
        };
        std::fs::create_dir_all(world.home()).unwrap();
        let made = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "bench", "-f"])
            .arg(world.key())
            .status()
            .unwrap();
        assert!(made.success(), "ssh-keygen");
        world.umdesk(&["init", &world.store().display().to_string()]);
        let key = world.key().with_extension("pub").display().to_string();
        let me = me();
        world.umdesk(&[
            "roster",
            "add",
            "Bench Reviewer, RN",
            "--role",
            "supervisor",
            "--os-user",
            &me,
            "--key",
            &key,
        ]);
        world.umdesk(&["generate", "--count", "60", "--seed", "14"]);
        world
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("cases")
    }

    fn key(&self) -> PathBuf {
        self.dir.path().join("id_ed25519")
    }

    fn umdesk(&self, args: &[&str]) {
        let output = self
            .env(&mut Command::new(&self.bin))
            .arg("--cases")
            .arg(self.store())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "umdesk {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn env<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        let home = self.home();
        // Both routes draw with the same symbols: a UTF-8 locale.
        command
            .env("LANG", "C.UTF-8")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env_remove("UMDESK_CASES")
            .env_remove("UMDESK_STORE")
    }

    /// `ssh -t` to `port` in a pseudo-terminal.
    fn ssh(&self, port: u16) -> Pty {
        let mut cmd = CommandBuilder::new("ssh");
        pty::isolate(&mut cmd, &self.home());
        let port = port.to_string();
        cmd.args([
            "-p",
            &port,
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "IdentityAgent=none",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "-o",
            "BatchMode=yes",
            "-F",
            "/dev/null",
            "-i",
        ]);
        cmd.arg(self.key());
        cmd.arg("-t");
        cmd.arg(format!("{}@127.0.0.1", me()));
        let mut pty = Pty::spawn(cmd, SIZE);
        pty.set_timeout(Duration::from_secs(120));
        pty
    }

    /// umdesk in a local pseudo-terminal, as the reviewer the roster names.
    fn local(&self) -> Pty {
        let mut cmd = CommandBuilder::new(&self.bin);
        pty::isolate(&mut cmd, &self.home());
        cmd.arg("--cases");
        cmd.arg(self.store());
        let mut pty = Pty::spawn(cmd, SIZE);
        pty.set_timeout(Duration::from_secs(60));
        pty
    }
}

/// A server under measurement: its process (the root of its tree).
struct Route {
    name: &'static str,
    child: Child,
    port: u16,
}

impl Drop for Route {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_serve(world: &World) -> Route {
    let mut child = world
        .env(&mut Command::new(&world.bin))
        .arg("--cases")
        .arg(world.store())
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--rate-limit",
            "100000",
            "--max-sessions",
            "200",
            "--host-key",
        ])
        .arg(world.dir.path().join("serve_host_key"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let port = first
        .rsplit(':')
        .next()
        .and_then(|p| p.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {first:?}"));
    Route {
        name: "umdesk serve",
        child,
        port,
    }
}

const SSHD: &str = "/usr/sbin/sshd";

/// sshd with a config of its own: this user, this key, a forced command.
fn start_sshd(world: &World) -> Option<Route> {
    if !Path::new(SSHD).exists() {
        println!(
            "{SSHD} is not installed: install Debian's openssh-server \
             (sudo apt-get install openssh-server) to measure beside it; \
             measuring umdesk serve alone"
        );
        return None;
    }
    let dir = world.dir.path().join("sshd");
    std::fs::create_dir_all(&dir).unwrap();
    let host_key = dir.join("ssh_host_ed25519_key");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&host_key)
        .status()
        .unwrap();
    assert!(made.success());
    let public = std::fs::read_to_string(world.key().with_extension("pub")).unwrap();
    let forced = format!(
        "restrict,pty,command=\"env LANG=C.UTF-8 HOME={home} XDG_CONFIG_HOME={home}/config XDG_DATA_HOME={home}/data XDG_STATE_HOME={home}/state {bin} --cases {store}\" {public}",
        home = world.home().display(),
        bin = world.bin.display(),
        store = world.store().display(),
    );
    let authorized = dir.join("authorized_keys");
    std::fs::write(&authorized, forced).unwrap();
    let port = free_port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\n\
             PidFile {}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nLogLevel ERROR\n\
             MaxStartups 200\nMaxSessions 200\n",
            host_key.display(),
            authorized.display(),
            dir.join("sshd.pid").display(),
        ),
    )
    .unwrap();
    if rustix::process::geteuid().is_root() {
        let _ = std::fs::create_dir_all("/run/sshd");
    }
    let child = Command::new(SSHD)
        .args(["-D", "-e", "-f"])
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Some(Route {
        name: "sshd + forced command",
        child,
        port,
    })
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The queue's footer on the bottom row: the first frame is complete.
fn queue_frame(screen: &vt100::Screen) -> bool {
    pty::bottom_row_contains(screen, "quit") && screen.contents().contains("Queue")
}

/// When the first complete frame arrived, from the spawn.
fn first_frame(s: &Pty) -> Duration {
    s.wait_until("the first frame", |o| queue_frame(o.screen()));
    s.with_output(|o| {
        let mut parser = vt100::Parser::new(SIZE.0, SIZE.1, 0);
        for chunk in &o.chunks {
            parser.process(&chunk.bytes);
            if queue_frame(parser.screen()) {
                return chunk.at - s.started();
            }
        }
        unreachable!("the frame was seen")
    })
}

fn quit(mut s: Pty) {
    s.send("q");
    s.wait_exit();
}

fn connect_times(world: &World, route: &Route) -> Vec<Duration> {
    (0..runs())
        .map(|_| {
            let s = world.ssh(route.port);
            let took = first_frame(&s);
            quit(s);
            took
        })
        .collect()
}

/// Bytes the terminal receives for one Down in the queue.
fn bytes_per_key(s: &mut Pty) -> usize {
    s.wait_until("the first frame", |o| queue_frame(o.screen()));
    s.settle();
    let (mark, _) = s.send(DOWN);
    s.settle_after(mark, Duration::from_secs(5));
    s.bytes_since(mark)
}

/// The processes of `root`'s tree (itself and every descendant).
fn tree(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Some(stat) = stat_fields(pid) {
            parents.push((pid, stat.ppid));
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, p)| *p == parent)
                .map(|(c, _)| *c),
        );
        i += 1;
    }
    found
}

struct Stat {
    ppid: u32,
    ticks: u64,
}

fn stat_fields(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold anything.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(Stat {
        ppid: fields.get(1)?.parse().ok()?,
        ticks: fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?,
    })
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn tree_rss(root: u32) -> u64 {
    tree(root).into_iter().map(rss_kib).sum()
}

fn tree_ticks(root: u32) -> u64 {
    tree(root)
        .into_iter()
        .filter_map(stat_fields)
        .map(|s| s.ticks)
        .sum()
}

/// The row the queue's cursor is on.
fn selected_row(screen: &vt100::Screen) -> Option<usize> {
    screen
        .rows(0, SIZE.1)
        .position(|row| row.trim_start().starts_with('›'))
}

/// 50 sessions: RSS growth, idle ticks, then everyone typing.
fn fifty(world: &World, route: &Route) -> Value {
    let root = route.child.id();
    let before = tree_rss(root);
    let mut sessions: Vec<Pty> = (0..SESSIONS)
        .map(|_| {
            let s = world.ssh(route.port);
            s.wait_until("the first frame", |o| queue_frame(o.screen()));
            s
        })
        .collect();
    for s in &sessions {
        s.settle();
    }
    let after = tree_rss(root);
    let per_session = (after.saturating_sub(before)) as f64 / SESSIONS as f64 / 1024.0;
    let ticks_before = tree_ticks(root);
    std::thread::sleep(Duration::from_secs(5));
    let idle_ticks = tree_ticks(root) - ticks_before;
    let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
        let typing: Vec<_> = sessions
            .iter_mut()
            .enumerate()
            .map(|(n, s)| {
                scope.spawn(move || {
                    let mut seen = Vec::new();
                    let mut seed = n as u64 * 7919 + 1;
                    for k in 0..KEYS_EACH {
                        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                        std::thread::sleep(Duration::from_millis(50 + (seed >> 33) % 100));
                        let row = s.with_output(|o| selected_row(o.screen()));
                        let key = if k % 2 == 0 { DOWN } else { UP };
                        let (mark, at) = s.send(key);
                        s.wait_until("the cursor to move", |o| {
                            selected_row(o.screen()) != row && o.chunks.len() > mark
                        });
                        let arrived = s.with_output(|o| o.last_at.unwrap_or(at));
                        seen.push(arrived - at);
                    }
                    seen
                })
            })
            .collect();
        typing.into_iter().flat_map(|t| t.join().unwrap()).collect()
    });
    for s in sessions {
        quit(s);
    }
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    json!({
        "rss_before_kib": before,
        "rss_after_kib": after,
        "rss_per_session_mib": per_session,
        "idle_ticks_5s": idle_ticks,
        "key_to_frame_p50_ms": ms(at(0.5)),
        "key_to_frame_p99_ms": ms(at(0.99)),
        "keys": latencies.len(),
    })
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1000.0 * 10.0).round() / 10.0
}

fn summary(samples: &[Duration]) -> Value {
    let mut sorted = samples.to_vec();
    sorted.sort();
    json!({
        "median_ms": ms(sorted[sorted.len() / 2]),
        "min_ms": ms(sorted[0]),
        "max_ms": ms(sorted[sorted.len() - 1]),
    })
}

fn measure(world: &World, route: &Route) -> Value {
    println!("measuring {}", route.name);
    let connect = summary(&connect_times(world, route));
    let mut s = world.ssh(route.port);
    let bytes = bytes_per_key(&mut s);
    quit(s);
    let fifty = fifty(world, route);
    json!({ "route": route.name, "connect_to_first_frame": connect, "bytes_per_key": bytes, "fifty_sessions": fifty })
}

fn main() {
    // `cargo bench` passes --bench; nothing else is taken.
    let paths = Paths::new();
    build_binary(&paths);
    let bin = paths.bin.clone();
    let world = World::new(bin.clone());
    let mut local = world.local();
    let local_bytes = bytes_per_key(&mut local);
    quit(local);
    let serve = start_serve(&world);
    let mut results = vec![measure(&world, &serve)];
    drop(serve);
    if let Some(sshd) = start_sshd(&world) {
        results.push(measure(&world, &sshd));
    }
    println!();
    println!(
        "{:<24} {:>22} {:>14} {:>12} {:>12} {:>12} {:>10}",
        "route",
        "connect→frame ms",
        "RSS/session",
        "idle ticks",
        "key p50 ms",
        "key p99 ms",
        "B/key"
    );
    for r in &results {
        let c = &r["connect_to_first_frame"];
        let f = &r["fifty_sessions"];
        println!(
            "{:<24} {:>22} {:>14} {:>12} {:>12} {:>12} {:>10}",
            r["route"].as_str().unwrap(),
            format!("{} ({}–{})", c["median_ms"], c["min_ms"], c["max_ms"]),
            format!("{:.2} MiB", f["rss_per_session_mib"].as_f64().unwrap()),
            f["idle_ticks_5s"].to_string(),
            f["key_to_frame_p50_ms"].to_string(),
            f["key_to_frame_p99_ms"].to_string(),
            r["bytes_per_key"].to_string(),
        );
    }
    println!("local terminal: {local_bytes} B for the same key");
    let report = json!({
        "runs": runs(),
        "sessions": SESSIONS,
        "keys_each": KEYS_EACH,
        "local_bytes_per_key": local_bytes,
        "routes": results,
    });
    let _ = std::fs::create_dir_all(&paths.bench);
    let path = paths.bench.join("serve-bench.json");
    std::fs::write(&path, serde_json::to_string_pretty(&report).unwrap()).unwrap();
    println!("written to {}", path.display());
}
