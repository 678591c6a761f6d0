//! The load test of `umdesk serve` (issue 14): 50 reviewers' sessions at
//! once, each an OpenSSH client in its own pseudo-terminal, each finding
//! its own case, answering a criterion, saving and quitting. All of them
//! end cleanly, in bounded time, and every case holds its reviewer's
//! answer with its history intact.

mod common;
#[path = "common/pty.rs"]
mod pty;
mod serve_harness;

use std::time::{Duration, Instant};

use common::{facts, load_case, lock_path, seed_case};
use pty::keys::{CTRL_S, ENTER, RIGHT};
use serve_harness::{NURSE, World, drafts_of, have_ssh};

const SESSIONS: usize = 50;

/// The whole run, connections included, on a 2-core machine with a debug
/// build.
const BOUND: Duration = Duration::from_secs(180);

#[test]
fn fifty_concurrent_sessions_each_review_a_case_and_all_end_cleanly() {
    have_ssh();
    let world = World::new(&[NURSE]);
    let store = world.store();
    let cases: Vec<(String, String)> = (0..SESSIONS)
        .map(|n| {
            let member = format!("Load Member{n:02}");
            let id = seed_case(&store, facts(&member, &format!("FIC3000000{n:02}")));
            (id, member)
        })
        .collect();
    let server = world.serve(&["--rate-limit", "1000/min", "--max-sessions", "64"]);
    let started = Instant::now();
    std::thread::scope(|scope| {
        let runs: Vec<_> = cases
            .iter()
            .map(|(id, member)| {
                let world = &world;
                let server = &server;
                scope.spawn(move || {
                    let mut s = world.ssh(server, NURSE.0, &[]);
                    s.set_timeout(BOUND);
                    s.wait_for_all(&["umdesk · Queue", "Load Member"]);
                    // Its own case, through the queue's filter.
                    s.send("/");
                    s.send(id);
                    s.send(ENTER);
                    s.wait_until("the queue filtered to its case", |o| {
                        let text = o.screen().contents();
                        text.contains(member.as_str())
                            && text
                                .lines()
                                .filter(|line| line.contains("Load Member"))
                                .all(|line| line.contains(member.as_str()))
                    });
                    s.send(ENTER);
                    s.wait_for_all(&["umdesk · Review", member]);
                    s.send(RIGHT);
                    s.send(RIGHT);
                    s.wait_for("✓ 1 Unresectable");
                    s.send(CTRL_S);
                    s.wait_for("Saved");
                    s.send("q");
                    s.wait_exit()
                })
            })
            .collect();
        for run in runs {
            let status = run.join().expect("a session's script");
            assert!(status.success(), "a session ended with {status:?}");
        }
    });
    let took = started.elapsed();
    assert!(took < BOUND, "50 sessions took {took:?}");
    eprintln!("50 concurrent sessions over SSH took {took:?}");
    for (id, _) in &cases {
        let case = load_case(&store, id);
        assert_eq!(
            case.answer("unresectable").and_then(|a| a.input.as_deref()),
            Some("unresectable"),
            "{id}"
        );
        assert!(!lock_path(&store, id).exists(), "{id} is still locked");
        assert_eq!(drafts_of(&store, id), 0, "{id} has a draft left");
    }
    let verified = world.umdesk(&["verify"]);
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stdout)
    );
}
