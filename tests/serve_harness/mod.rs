//! The harness of the `umdesk serve` tests: a store with a roster of
//! reviewers whose SSH keys `ssh-keygen` made, the server started on
//! 127.0.0.1 port 0 (its address and host key read from what it prints),
//! OpenSSH's own `ssh` in a pseudo-terminal as each reviewer's client, and
//! an `ssh-agent` for the reviewer who signs.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::pty::{self, CommandBuilder, Pty};

pub const UMDESK: &str = env!("CARGO_BIN_EXE_umdesk");

/// The reviewers on the roster: (file stem of the key, name, role).
pub const SUPERVISOR: (&str, &str, &str) = ("renee", "Renee Alvarez, RN, CCM", "supervisor");
pub const NURSE: (&str, &str, &str) = ("dana", "Dana Whitfield, RN", "nurse");
pub const NURSE_2: (&str, &str, &str) = ("bo", "Bo Second, RN", "nurse");
pub const NURSE_3: (&str, &str, &str) = ("cy", "Cy Third, RN", "nurse");

/// OpenSSH's client (`ssh`, `ssh-agent`, `ssh-add`, `ssh-keygen`) must be
/// here: scripts/test.sh installs Debian's openssh-client where it is not.
/// A test without it fails, saying so, rather than passing unexercised.
pub fn have_ssh() {
    for program in ["ssh", "ssh-agent", "ssh-add", "ssh-keygen"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            found,
            "`{program}` is not installed: install Debian's openssh-client (scripts/test.sh does)"
        );
    }
}

/// The login name of the user running the tests (the store's owner).
pub fn me() -> String {
    let id = Command::new("id").arg("-un").output().unwrap();
    String::from_utf8_lossy(&id.stdout).trim().to_string()
}

/// A store with a roster, the reviewers' keys, and a home for everything.
pub struct World {
    pub root: tempfile::TempDir,
}

impl World {
    /// A store whose roster holds the supervisor (the OS user, who owns
    /// the store) and `reviewers`, each with a key of their own.
    pub fn new(reviewers: &[(&str, &str, &str)]) -> World {
        let world = World {
            root: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(world.home()).unwrap();
        world.keygen("stranger");
        world.umdesk_ok(&["init", &world.store().display().to_string()]);
        let mut all = vec![SUPERVISOR];
        all.extend_from_slice(reviewers);
        for (stem, name, role) in all {
            world.keygen(stem);
            let key = world.key(stem).with_extension("pub");
            let mut args = vec!["roster", "add", name, "--role", role];
            let me = me();
            if stem == SUPERVISOR.0 {
                args.extend(["--os-user", &me]);
            }
            let key = key.display().to_string();
            args.extend(["--key", &key]);
            world.umdesk_ok(&args);
        }
        world
    }

    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    pub fn store(&self) -> PathBuf {
        self.root.path().join("cases")
    }

    /// The private key file of `stem`.
    pub fn key(&self, stem: &str) -> PathBuf {
        self.root.path().join("keys").join(stem)
    }

    fn keygen(&self, stem: &str) {
        let path = self.key(stem);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let made = Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", stem, "-f"])
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
    }

    /// `umdesk` with this world's home and nothing of the caller's
    /// environment that would choose a store or claim an SSH connection.
    fn command(&self) -> Command {
        let home = self.home();
        let mut command = Command::new(UMDESK);
        command
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env_remove("UMDESK_CASES")
            .env_remove("UMDESK_STORE")
            .env_remove("SSH_CONNECTION");
        command
    }

    /// `umdesk --cases STORE ARGS` as the store's owner.
    pub fn umdesk(&self, args: &[&str]) -> Output {
        self.command()
            .stdin(Stdio::null())
            .arg("--cases")
            .arg(self.store())
            .args(args)
            .output()
            .unwrap()
    }

    pub fn umdesk_ok(&self, args: &[&str]) -> String {
        let output = self.umdesk(args);
        assert!(
            output.status.success(),
            "umdesk {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `umdesk serve` on this store, on 127.0.0.1 port 0, with `extra`.
    pub fn serve(&self, extra: &[&str]) -> Server {
        self.serve_with_env(extra, &[])
    }

    /// As `serve`, with extra environment variables.
    pub fn serve_with_env(&self, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut command = self.command();
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command
            .arg("--cases")
            .arg(self.store())
            .args(["serve", "--listen", "127.0.0.1:0", "--host-key"])
            .arg(self.root.path().join("host_key"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(self.server_log())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines
            .next()
            .expect("the server says where it listens")
            .unwrap();
        let address = first
            .split("listening on ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_string();
        let second = lines.next().expect("the host key's fingerprint").unwrap();
        let fingerprint = second
            .strip_prefix("host key ")
            .unwrap_or_else(|| panic!("no fingerprint in {second:?}"))
            .to_string();
        assert!(fingerprint.starts_with("SHA256:"), "{fingerprint}");
        let port = address.rsplit(':').next().unwrap().to_string();
        Server {
            child,
            port,
            fingerprint,
        }
    }

    /// Where the server's own messages go (who signed in, who was
    /// refused), appended.
    fn server_log(&self) -> std::fs::File {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.path().join("serve.log"))
            .unwrap()
    }

    /// What the server said on stderr.
    pub fn server_said(&self) -> String {
        std::fs::read_to_string(self.root.path().join("serve.log")).unwrap_or_default()
    }

    /// `ssh` as reviewer `stem` in an 80x24 terminal (`-t`), with `extra`
    /// options before the host.
    pub fn ssh(&self, server: &Server, stem: &str, extra: &[&str]) -> Pty {
        self.ssh_sized(server, stem, extra, pty::SIZE_80X24)
    }

    pub fn ssh_sized(&self, server: &Server, stem: &str, extra: &[&str], size: (u16, u16)) -> Pty {
        self.ssh_command(server, stem, extra, None, size)
    }

    /// `ssh -A` as reviewer `stem`, forwarding `agent`.
    pub fn ssh_with_agent(&self, server: &Server, stem: &str, agent: &Agent) -> Pty {
        // IdentityAgent=none (in ssh_options) would unset SSH_AUTH_SOCK,
        // and with it the agent to forward: this agent is named first.
        let identity_agent = format!("IdentityAgent={}", agent.socket.display());
        self.ssh_command(
            server,
            stem,
            &["-A", "-o", &identity_agent],
            Some(agent),
            pty::SIZE_80X24,
        )
    }

    fn ssh_command(
        &self,
        server: &Server,
        stem: &str,
        extra: &[&str],
        agent: Option<&Agent>,
        size: (u16, u16),
    ) -> Pty {
        let mut cmd = CommandBuilder::new("ssh");
        pty::isolate(&mut cmd, &self.home());
        if let Some(agent) = agent {
            cmd.env("SSH_AUTH_SOCK", &agent.socket);
        }
        // ssh takes the first value given for an option: these go first.
        cmd.args(extra);
        cmd.args(ssh_options(server));
        cmd.arg("-i");
        cmd.arg(self.key(stem));
        cmd.args(["-t", "127.0.0.1"]);
        let mut pty = Pty::spawn(cmd, size);
        pty.set_timeout(Duration::from_secs(30));
        pty
    }

    /// `ssh` without a terminal running `command`: its output.
    pub fn ssh_exec(&self, server: &Server, stem: &str, command: &[&str]) -> Output {
        Command::new("ssh")
            .env("HOME", self.home())
            .args(ssh_options(server))
            .arg("-i")
            .arg(self.key(stem))
            .arg("127.0.0.1")
            .args(command)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// An `ssh-agent` holding `stem`'s key.
    pub fn agent(&self, stem: &str) -> Agent {
        let socket = self.root.path().join(format!("agent-{stem}.sock"));
        let child = Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "ssh-agent did not start");
            std::thread::sleep(Duration::from_millis(10));
        }
        let added = Command::new("ssh-add")
            .env("SSH_AUTH_SOCK", &socket)
            .arg(self.key(stem))
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(added.success(), "ssh-add");
        Agent { child, socket }
    }

    /// The access log, as `umdesk audit` prints it.
    pub fn audit(&self) -> String {
        self.umdesk_ok(&["audit"])
    }
}

/// The options every client here uses: the server's port, only the key
/// given, the host key taken on first use and not remembered.
pub fn ssh_options(server: &Server) -> Vec<String> {
    [
        "-p",
        &server.port,
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
        "-o",
        "PasswordAuthentication=no",
        "-F",
        "/dev/null",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The server process.
pub struct Server {
    pub child: Child,
    pub port: String,
    pub fingerprint: String,
}

impl Server {
    pub fn signal(&self, signal: pty::Signal) {
        let pid = rustix::process::Pid::from_raw(self.child.id() as i32).unwrap();
        rustix::process::kill_process(pid, signal).unwrap();
    }

    /// Waits for the server to exit: its status.
    pub fn wait_exit(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An `ssh-agent` of the test's own.
pub struct Agent {
    child: Child,
    pub socket: PathBuf,
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until `holds` for the file system (nothing on screen to wait on).
pub fn wait_on_disk(what: &str, within: Duration, holds: impl Fn() -> bool) {
    let deadline = Instant::now() + within;
    while !holds() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The drafts of case `id` in `store`.
pub fn drafts_of(store: &Path, id: &str) -> usize {
    crate::common::draft_files(store)
        .iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{id}--")))
        })
        .count()
}
