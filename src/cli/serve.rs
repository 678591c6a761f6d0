//! `umdesk serve`: the command line's side of the SSH server
//! ([`crate::serve`]): which store, who a key is, what a reviewer's app
//! is set up with, and the read-only commands a connection may run.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clap::Parser;

use super::args::{Cli, ServeArgs};
use super::output::{capture, path_name};
use super::{Env, Failure, Settings, app_settings, config, create_store_at, demo};
use crate::identity::Identity;
use crate::identity::signing::Signer;
use crate::policy::LoadedPolicy;
use crate::serve::{self, Desk, SessionStore, exec};
use crate::store::CaseStore;

pub(crate) fn run(env: &Env, args: &ServeArgs) -> Result<(), Failure> {
    let policy = env.policy()?;
    let host_key = match &args.host_key {
        Some(path) => path.clone(),
        None => serve::host_key::default_path().ok_or_else(|| {
            Failure::input(
                "this platform has no state directory for the host key; give --host-key FILE",
            )
        })?,
    };
    let desk: Arc<dyn Desk> = if args.demo {
        Arc::new(DemoDesk::new(policy)?)
    } else {
        let store = env.open_store_for_app()?;
        check_roster(&*store)?;
        Arc::new(RosterDesk {
            store,
            policy,
            cases: env.cases.clone(),
            url: env.store.clone(),
        })
    };
    let options = serve::Options {
        listen: args.listen.clone(),
        host_key,
        demo: args.demo,
        idle_timeout: args.idle_timeout.map(Duration::from_secs),
        max_sessions: args.max_sessions as usize,
        rate_limit: args.rate_limit,
    };
    let demo = args.demo;
    serve::run(options, desk, |started| {
        // Tests and scripts read these two lines: the port when it was
        // 0, and the fingerprint to check the first connection against.
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(
            stdout,
            "umdesk serve: listening on {}{}",
            started.address,
            if demo {
                " (demo: anyone is let in)"
            } else {
                ""
            }
        );
        let _ = writeln!(stdout, "host key {}", started.fingerprint);
        let _ = stdout.flush();
    })
    .map_err(Failure::store)
}

/// A store nobody is on lets nobody in: said at start, not at each
/// refused connection.
fn check_roster(store: &dyn CaseStore) -> Result<(), Failure> {
    let roster = store.roster().map_err(|err| {
        Failure::from_store(&err).with_context("the store's roster cannot be read")
    })?;
    if roster.is_none_or(|roster| roster.is_empty()) {
        return Err(Failure::forbidden(
            "the store has no roster, so no key can sign in; add reviewers with \
             `umdesk roster add \"NAME, CREDENTIALS\" --role ROLE --key KEY.pub`, \
             or try `umdesk serve --demo`",
        ));
    }
    Ok(())
}

/// Reviewers on the roster, on the shared store.
struct RosterDesk {
    store: Arc<dyn CaseStore>,
    policy: LoadedPolicy,
    /// How the store was named, for the commands a connection runs.
    cases: Option<PathBuf>,
    url: Option<String>,
}

impl Desk for RosterDesk {
    fn store_for_session(&self) -> Result<SessionStore, String> {
        Ok(SessionStore {
            store: Arc::clone(&self.store),
            cleanup: None,
        })
    }

    fn roster_store(&self) -> Option<Arc<dyn CaseStore>> {
        Some(Arc::clone(&self.store))
    }

    fn app_settings(
        &self,
        identity: Identity,
        signer: Option<Signer>,
        store: &dyn CaseStore,
    ) -> crate::tui::Settings {
        settings_for(identity, signer, store, self.policy.clone())
    }

    fn exec(&self, identity: &Identity, words: &[String], connection: &str) -> exec::Output {
        let mut line = vec!["umdesk".to_string()];
        if let Some(url) = &self.url {
            line.extend(["--store".to_string(), url.clone()]);
        } else if let Some(dir) = &self.cases {
            line.extend(["--cases".to_string(), dir.display().to_string()]);
        }
        line.extend(words.iter().cloned());
        let cli = match Cli::try_parse_from(&line) {
            Ok(cli) => cli,
            Err(err) => {
                return exec::Output {
                    stdout: Vec::new(),
                    stderr: err.render().to_string().into_bytes(),
                    status: u32::from(super::exit::BAD_INPUT),
                };
            }
        };
        let env = Env {
            cases: cli.cases.clone(),
            store: cli.store.clone(),
            policy: Some(self.policy.clone()),
            identity: config::Flags::default(),
            new_entry_role: None,
            known: Some(known(identity)),
            access_from: Some(format!("{} via ssh {connection}", crate::store::hostname())),
        };
        let (result, mut captured) = capture(|| super::commands::dispatch(&env, cli.command));
        let status = match result {
            Ok(()) => super::exit::OK,
            Err(failure) => {
                if !failure.message.is_empty() {
                    let line = format!("umdesk: {}\n", failure.message.trim_end());
                    captured.stderr.extend_from_slice(line.as_bytes());
                }
                failure.code
            }
        };
        exec::Output {
            stdout: captured.stdout,
            stderr: captured.stderr,
            status: u32::from(status),
        }
    }
}

/// The settings of a reviewer the server established by their key.
fn known(identity: &Identity) -> Settings {
    let mut settings = Settings::unverified(identity.reviewer.clone());
    settings.identity = identity.clone();
    settings.signing_key = None;
    settings
}

fn settings_for(
    identity: Identity,
    signer: Option<Signer>,
    store: &dyn CaseStore,
    policy: LoadedPolicy,
) -> crate::tui::Settings {
    let mut settings = app_settings(store, policy, known(&identity));
    settings.identity.signer = signer;
    settings
}

/// The demo: anyone, each connection on its own copy of the samples.
struct DemoDesk {
    policy: LoadedPolicy,
    made: AtomicU64,
    /// Where the copies are made, one directory each: owner-only, in the
    /// state directory (never a shared one like /tmp, where anyone could
    /// have made the directory first).
    root: PathBuf,
}

/// The demo copies' directory under the state directory.
const DEMO_COPIES: &str = "serve-demo";

impl DemoDesk {
    /// Makes the copies' directory, and removes what a server that was
    /// killed (and so could not clean up) left there.
    fn new(policy: LoadedPolicy) -> Result<DemoDesk, Failure> {
        let root = crate::store::location::state_dir()
            .map(|dir| dir.join(DEMO_COPIES))
            .ok_or_else(|| {
                Failure::store("this platform has no state directory for the demo's copies")
            })?;
        crate::store::fsutil::ensure_private_dir(&root)
            .map_err(|err| Failure::store(format!("{}: {err}", path_name(&root))))?;
        remove_abandoned(&root);
        Ok(DemoDesk {
            policy,
            made: AtomicU64::new(0),
            root,
        })
    }
}

/// Removes the copies ("PID-N") of servers that are no longer running.
fn remove_abandoned(root: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .split('-')
            .next()
            .and_then(|pid| pid.parse::<u32>().ok());
        if pid.is_some_and(|pid| !crate::store::process_alive(pid)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

impl Desk for DemoDesk {
    fn store_for_session(&self) -> Result<SessionStore, String> {
        let number = self.made.fetch_add(1, Ordering::Relaxed);
        let dir = self.root.join(format!("{}-{number}", std::process::id()));
        let made = (|| {
            let store = create_store_at(&dir)?;
            demo::write_samples(&dir)?;
            demo::add_fresh_cases(&self.policy, &dir)?;
            Ok::<_, Failure>(store)
        })();
        let cleanup_dir = dir.clone();
        let cleanup = Box::new(move || {
            let _ = std::fs::remove_dir_all(&cleanup_dir);
        });
        match made {
            Ok(store) => Ok(SessionStore {
                store: Arc::new(store),
                cleanup: Some(cleanup),
            }),
            Err(failure) => {
                cleanup();
                Err(format!(
                    "the demo cases could not be made in {}: {}",
                    path_name(&dir),
                    failure.message
                ))
            }
        }
    }

    fn roster_store(&self) -> Option<Arc<dyn CaseStore>> {
        None
    }

    fn app_settings(
        &self,
        identity: Identity,
        signer: Option<Signer>,
        store: &dyn CaseStore,
    ) -> crate::tui::Settings {
        let mut settings = settings_for(identity, signer, store, self.policy.clone());
        settings
            .identity
            .notes
            .push("Demo: your own copy of the sample cases, gone when you disconnect".to_string());
        settings
    }

    fn exec(&self, _identity: &Identity, _words: &[String], _connection: &str) -> exec::Output {
        exec::Output::refused("the demo runs no commands; connect with a terminal (ssh -t)")
    }
}
