//! The listening socket and one SSH connection: who it is, its channels,
//! the app sessions it runs, and what happens when it goes away.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use russh::server::{Auth, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, MethodKind, MethodSet, Pty};
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{SignalKind, signal};

use super::auth::{self, Refusal};
use super::exec;
use super::limits::Attempt;
use super::terminal::{self, ChannelOutput, Input, Out};
use super::{Shared, Started};
use crate::case::{Reviewer, Role};
use crate::identity::Identity;
use crate::identity::signing::Signer;

/// What a client may say of its terminal (`SendEnv`): its locale (UTF-8
/// or not) and whether it wants colour. Nothing else of the client's
/// environment reaches a session.
const CLIENT_ENV: &[&str] = &["LANG", "LC_ALL", "LC_CTYPE", "NO_COLOR", "UMDESK_ASCII"];

/// How long a shutting-down server waits for its sessions to keep their
/// drafts and say goodbye.
const SHUTDOWN_WAIT: Duration = Duration::from_secs(10);

/// And then for their clients to take the goodbye and close.
const CLOSE_WAIT: Duration = Duration::from_secs(3);

/// Connections not yet in a session count too: beyond this many per
/// allowed session, a new one is closed at once.
const CONNECTIONS_PER_SESSION: usize = 2;

/// The demo's reviewer: on trust, as `umdesk demo` has it.
fn demo_identity() -> Identity {
    Identity::unverified(Reviewer {
        name: "Dana Whitfield, RN".to_string(),
        role: Role::Nurse,
    })
}

/// Listens until SIGTERM or SIGINT, then stops every session.
pub(crate) async fn serve(
    shared: Arc<Shared>,
    host_key: russh::keys::PrivateKey,
    fingerprint: String,
    on_start: impl FnOnce(&Started),
) -> Result<(), String> {
    let listen = shared.options.listen.clone();
    let listener = TcpListener::bind(&listen)
        .await
        .map_err(|err| format!("cannot listen on {listen}: {err}"))?;
    let address = listener
        .local_addr()
        .map_err(|err| format!("cannot listen on {listen}: {err}"))?;
    let mut terminate = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    let mut hang_up = signal(SignalKind::hangup()).map_err(|e| e.to_string())?;
    on_start(&Started {
        address,
        fingerprint,
    });
    let config = Arc::new(server_config(host_key, shared.options.demo));
    loop {
        tokio::select! {
            _ = terminate.recv() => break,
            _ = interrupt.recv() => break,
            _ = hang_up.recv() => break,
            accepted = listener.accept() => {
                let Ok((socket, peer)) = accepted else { continue };
                admit(&shared, &config, socket, peer);
            }
        }
    }
    drop(listener);
    shut_down(&shared).await;
    Ok(())
}

fn server_config(host_key: russh::keys::PrivateKey, demo: bool) -> russh::server::Config {
    let methods: &[MethodKind] = if demo {
        &[MethodKind::None, MethodKind::PublicKey]
    } else {
        &[MethodKind::PublicKey]
    };
    russh::server::Config {
        server_id: russh::SshId::Standard(
            format!("SSH-2.0-umdesk_{}", env!("CARGO_PKG_VERSION")).into(),
        ),
        methods: MethodSet::from(methods),
        keys: vec![host_key],
        auth_rejection_time: Duration::from_millis(300),
        // OpenSSH opens with a "none" attempt to learn the methods.
        auth_rejection_time_initial: Some(Duration::ZERO),
        // A silent connection (a laptop closed, a cable pulled) is found
        // by keepalives: three unanswered, 30 s apart, end it. The idle
        // timeout is the app's own (keys, not packets).
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        ..Default::default()
    }
}

/// Rate-limits the address, then runs the connection on its own task.
fn admit(
    shared: &Arc<Shared>,
    config: &Arc<russh::server::Config>,
    socket: TcpStream,
    peer: SocketAddr,
) {
    let local = socket.local_addr().unwrap_or(peer);
    let connection = auth::connection_text(peer, local);
    let most = shared.slots.max().saturating_mul(CONNECTIONS_PER_SESSION) + 16;
    if shared.connections.load(Ordering::Acquire) >= most {
        return;
    }
    match shared.rate.attempt(peer.ip(), Instant::now()) {
        Attempt::Allowed => {}
        Attempt::Refused { first } => {
            if first && let Some(store) = shared.desk.roster_store() {
                let action = format!(
                    "ssh refused: more than {} connection attempts a minute from {}",
                    shared.options.rate_limit,
                    peer.ip()
                );
                auth::log(&*store, &auth::stranger(), &action, &connection);
            }
            return;
        }
    }
    let state = Arc::new(ConnectionState::default());
    let handler = Connection {
        shared: Arc::clone(shared),
        connection: connection.clone(),
        state: Arc::clone(&state),
        identity: None,
        wire_key: None,
        channels: HashMap::new(),
        ptys: HashMap::new(),
        agent: false,
        client_env: HashMap::new(),
        inputs: HashMap::new(),
    };
    let config = Arc::clone(config);
    let shared = Arc::clone(shared);
    shared.connections.fetch_add(1, Ordering::AcqRel);
    tokio::spawn(async move {
        if let Ok(session) = russh::server::run_stream(config, socket, handler).await {
            let _ = session.await;
        }
        // Gone, however it went: every session of it keeps its draft.
        for input in state.inputs() {
            input.stop("the connection was lost");
        }
        // A connection that left without offering a key is a refused one.
        if !state.decided.load(Ordering::Acquire)
            && let Some(store) = shared.desk.roster_store()
        {
            auth::log(
                &*store,
                &auth::stranger(),
                "ssh refused: the connection closed before signing in",
                &connection,
            );
        }
        shared.connections.fetch_sub(1, Ordering::AcqRel);
    });
}

/// Tells every session to stop, and waits for them to keep their drafts
/// and say goodbye.
async fn shut_down(shared: &Shared) {
    shared.closing.store(true, Ordering::Release);
    shared.sessions.stop_all("the server is shutting down");
    let deadline = Instant::now() + SHUTDOWN_WAIT;
    while shared.sessions.count() > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The goodbyes are on their way: the runtime that carries them stays
    // until the clients have closed (or a little longer).
    let deadline = Instant::now() + CLOSE_WAIT;
    while shared.connections.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What outlives the handler: the sessions to stop when the connection
/// ends.
#[derive(Default)]
struct ConnectionState {
    inputs: Mutex<Vec<Arc<Input>>>,
    /// An attempt was let in or refused (and logged as such).
    decided: std::sync::atomic::AtomicBool,
}

impl ConnectionState {
    fn add(&self, input: Arc<Input>) {
        self.inputs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(input);
    }

    fn inputs(&self) -> Vec<Arc<Input>> {
        self.inputs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// A PTY request: the terminal the client has.
#[derive(Debug, Clone)]
struct PtyRequest {
    term: String,
    columns: u32,
    rows: u32,
}

/// One SSH connection.
struct Connection {
    shared: Arc<Shared>,
    /// "10.0.0.5 51234 10.0.0.1 2222".
    connection: String,
    state: Arc<ConnectionState>,
    /// Who the key says this is, once authenticated.
    identity: Option<Identity>,
    /// The key that authenticated (None in the demo without a key).
    wire_key: Option<russh::keys::PublicKey>,
    channels: HashMap<ChannelId, Channel<Msg>>,
    ptys: HashMap<ChannelId, PtyRequest>,
    /// The client forwarded its agent.
    agent: bool,
    /// What the client said of its locale and colours (`SendEnv`), by
    /// channel: the session's symbols and colours follow its terminal.
    client_env: HashMap<ChannelId, HashMap<String, String>>,
    inputs: HashMap<ChannelId, Arc<Input>>,
}

impl Connection {
    fn log(&self, who: &Reviewer, action: &str) {
        if let Some(store) = self.shared.desk.roster_store() {
            auth::log(&*store, who, action, &self.connection);
        }
    }

    fn refuse(&self, why: &str) -> Auth {
        self.state.decided.store(true, Ordering::Release);
        self.log(&auth::stranger(), &format!("ssh refused: {why}"));
        eprintln!(
            "umdesk serve: {} refused: {}",
            self.connection,
            crate::sanitize::line(why)
        );
        Auth::reject()
    }

    fn roster_says(&self, key: &russh::keys::PublicKey) -> Result<Identity, Refusal> {
        let roster_key = auth::roster_key(key).map_err(Refusal::Unreadable)?;
        let roster = match self.shared.desk.roster_store() {
            Some(store) => store.roster().map_err(|err| err.to_string()),
            None => Ok(None),
        };
        auth::reviewer_for(roster, &roster_key)
    }

    /// Sends `text` and closes the channel with `status`.
    fn say_and_close(
        &mut self,
        channel: ChannelId,
        text: &str,
        status: u32,
        session: &mut Session,
    ) {
        let text = text.replace('\n', "\r\n");
        let _ = session.data(channel, text.into_bytes());
        let _ = session.exit_status_request(channel, status);
        let _ = session.eof(channel);
        let _ = session.close(channel);
        self.channels.remove(&channel);
    }

    /// The reviewer's app on this channel, on its own thread.
    fn start_terminal(
        &mut self,
        channel_id: ChannelId,
        pty: PtyRequest,
        session: &mut Session,
    ) -> Result<(), String> {
        let Some(identity) = self.identity.clone() else {
            return Err("not signed in".to_string());
        };
        if pty.term == "dumb" {
            return Err(
                "this terminal (TERM=dumb) cannot show the full-screen app; connect from one \
                 that can, or give a command: ssh HOST list"
                    .to_string(),
            );
        }
        if self.shared.closing.load(Ordering::Acquire) {
            return Err("the server is shutting down".to_string());
        }
        let Some(slot) = self.shared.slots.take() else {
            return Err(format!(
                "the server is full ({} sessions); try again later",
                self.shared.slots.max()
            ));
        };
        let Some(channel) = self.channels.remove(&channel_id) else {
            return Err("the channel is gone".to_string());
        };
        let store = self.shared.desk.store_for_session()?;
        let signer = self.signer(session)?;
        let settings = self
            .shared
            .desk
            .app_settings(identity, signer, &*store.store);

        let (read, write) = channel.split();
        // Input comes through the handler's callbacks; the read half would
        // only hold a second copy of it.
        drop(read);
        let (queue, queued) = tokio::sync::mpsc::channel(terminal::OUTPUT_FRAMES);
        let events = crate::tui::session::Channel::new();
        let input = Arc::new(Input::new(
            events.sender.clone(),
            terminal::size_of(pty.columns, pty.rows),
        ));
        let output = ChannelOutput::new(queue, events.sender.clone());
        tokio::spawn(terminal::drain(write, queued, output.abandoned()));
        let id = self.shared.sessions.add(events.sender.clone());
        self.state.add(Arc::clone(&input));
        self.inputs.insert(channel_id, Arc::clone(&input));
        if let Some(timeout) = self.shared.options.idle_timeout {
            tokio::spawn(terminal::idle_watch(Arc::clone(&input), timeout));
        }
        let shared = Arc::clone(&self.shared);
        let connection = self.connection.clone();
        let client_env = self.client_env.remove(&channel_id).unwrap_or_default();
        let theme = crate::tui::theme::Theme::from_vars(|name| {
            client_env
                .get(name)
                .cloned()
                .or_else(|| std::env::var(name).ok())
        });
        let spawned = std::thread::Builder::new()
            .name("umdesk-session".to_string())
            .spawn(move || {
                let _slot = slot;
                run_app(settings, theme, store, events, output, &input, connection);
                input.end();
                shared.sessions.remove(id);
            });
        spawned.map(|_| ()).map_err(|err| err.to_string())
    }

    /// How this session signs: with the forwarded agent, or not at all
    /// (and the reviewer told how to).
    fn signer(&self, session: &mut Session) -> Result<Option<Signer>, String> {
        if self.shared.options.demo {
            return Ok(None);
        }
        let Some(key) = self.wire_key.clone() else {
            return Ok(None);
        };
        if !self.agent {
            return Ok(Some(Signer::Unavailable(
                super::agent::CONNECT_WITH_AGENT.to_string(),
            )));
        }
        let agent = super::agent::ForwardedAgent::new(
            session.handle(),
            self.shared.runtime.clone(),
            key,
            self.connection
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_string(),
        )?;
        Ok(Some(Signer::Remote(Arc::new(agent))))
    }

    fn run_command(&mut self, channel_id: ChannelId, command: &[u8], session: &mut Session) {
        let words = match exec::allowed(command) {
            Ok(words) if !self.shared.options.demo => words,
            Ok(_) => {
                let output = exec::Output::refused(
                    "the demo runs no commands; connect with a terminal (ssh -t) for the app",
                );
                self.send_output(channel_id, output, session);
                return;
            }
            Err(why) => {
                self.send_output(channel_id, exec::Output::refused(&why), session);
                return;
            }
        };
        let Some(identity) = self.identity.clone() else {
            return;
        };
        let Some(channel) = self.channels.remove(&channel_id) else {
            return;
        };
        let desk = Arc::clone(&self.shared.desk);
        let with_pty = self.ptys.contains_key(&channel_id);
        let connection = self.connection.clone();
        tokio::spawn(async move {
            let ran =
                tokio::task::spawn_blocking(move || desk.exec(&identity, &words, &connection))
                    .await;
            let output = ran.unwrap_or_else(|_| exec::Output {
                stderr: b"umdesk: the command stopped on an internal error\n".to_vec(),
                status: 1,
                ..Default::default()
            });
            let (stdout, stderr) = if with_pty {
                (crlf(&output.stdout), crlf(&output.stderr))
            } else {
                (output.stdout, output.stderr)
            };
            let _ = channel.data_bytes(stdout).await;
            let _ = channel.extended_data_bytes(1, stderr).await;
            let _ = channel.exit_status(output.status).await;
            let _ = channel.eof().await;
            let _ = channel.close().await;
        });
    }

    fn send_output(&mut self, channel: ChannelId, output: exec::Output, session: &mut Session) {
        let _ = session.extended_data(channel, 1, output.stderr);
        let _ = session.exit_status_request(channel, output.status);
        let _ = session.eof(channel);
        let _ = session.close(channel);
        self.channels.remove(&channel);
    }
}

/// Line feeds as a terminal in raw mode needs them.
fn crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// The session thread: the app from its first frame to the client's last
/// line. Nothing that happens here reaches another session.
fn run_app(
    settings: crate::tui::Settings,
    theme: crate::tui::theme::Theme,
    store: super::SessionStore,
    events: crate::tui::session::Channel,
    output: ChannelOutput,
    input: &Input,
    connection: String,
) {
    let last_words = output.handle();
    last_words.send(Out::Data(terminal::ENTER.to_vec()));
    let size = input.size_source();
    let shared_store = Arc::clone(&store.store);
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let head = shared_store.list_cached(crate::tui::FIRST_SCREEN);
        let mut app = crate::tui::app::App::new(settings, theme, head);
        app.holder.connection = Some(connection);
        crate::tui::backend::SessionBackend::from_env(output, size)
            .and_then(|backend| crate::tui::session::run(app, shared_store, events, backend))
            .map_err(|err| err.to_string())
    }));
    let end = ran.unwrap_or_else(|_| Err("an internal error".to_string()));
    let (line, status) = terminal::goodbye(&end);
    let mut last = terminal::LEAVE.to_vec();
    last.extend_from_slice(line.as_bytes());
    // The last words go even to a client that was too slow for frames.
    last_words.force(Out::Data(last));
    last_words.force(Out::Finish(status));
    drop(store);
}

impl russh::server::Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        if self.shared.options.demo {
            self.identity = Some(demo_identity());
            return Ok(Auth::Accept);
        }
        Ok(Auth::reject())
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(self.refuse("a password was offered; only keys on the roster are accepted"))
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        _user: &str,
        _submethods: &str,
        _response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.refuse("keyboard-interactive was tried; only keys on the roster are accepted"))
    }

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        if self.shared.options.demo {
            return Ok(Auth::Accept);
        }
        match self.roster_says(offer.public_key) {
            Ok(_) => Ok(Auth::Accept),
            Err(refusal) => Ok(self.refuse(&refusal.describe())),
        }
    }

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        if self.shared.options.demo {
            self.identity = Some(demo_identity());
            return Ok(Auth::Accept);
        }
        match self.roster_says(key.public_key) {
            Ok(identity) => {
                self.log(
                    &identity.reviewer,
                    &format!(
                        "ssh sign-in with key {}",
                        auth::key_fingerprint(key.public_key)
                    ),
                );
                eprintln!(
                    "umdesk serve: {} signed in as {}",
                    self.connection,
                    crate::sanitize::line(&identity.describe())
                );
                self.state.decided.store(true, Ordering::Release);
                self.identity = Some(identity);
                self.wire_key = Some(key.public_key.clone());
                Ok(Auth::Accept)
            }
            Err(refusal) => Ok(self.refuse(&refusal.describe())),
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.insert(channel.id(), channel);
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        columns: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.ptys.insert(
            channel,
            PtyRequest {
                term: term.to_string(),
                columns,
                rows,
            },
        );
        session.channel_success(channel)?;
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        value: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        if CLIENT_ENV.contains(&name) {
            self.client_env
                .entry(channel)
                .or_default()
                .insert(name.to_string(), value.to_string());
            session.channel_success(channel)?;
        } else {
            session.channel_failure(channel)?;
        }
        Ok(())
    }

    async fn agent_request(
        &mut self,
        _channel: ChannelId,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        self.agent = true;
        Ok(true)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let Some(pty) = self.ptys.get(&channel).cloned() else {
            self.say_and_close(
                channel,
                "umdesk serve: this connection has no terminal. Connect with one for the app \
                 (ssh -t), or give a read-only command: ssh HOST list\n",
                1,
                session,
            );
            return Ok(());
        };
        if let Err(why) = self.start_terminal(channel, pty, session) {
            self.say_and_close(channel, &format!("umdesk: {why}\n"), 1, session);
        }
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        self.run_command(channel, data, session);
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(input) = self.inputs.get(&channel) else {
            return Ok(());
        };
        if let Some(read) = input.feed(data) {
            let input = Arc::clone(input);
            tokio::spawn(async move {
                tokio::time::sleep(crate::tui::input::ESC_WAIT).await;
                input.flush_after(read);
            });
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        columns: u32,
        rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(input) = self.inputs.get(&channel) {
            input.resize(columns, rows);
        } else if let Some(pty) = self.ptys.get_mut(&channel) {
            // Before the shell: the session starts at the new size.
            pty.columns = columns;
            pty.rows = rows;
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(input) = self.inputs.get(&channel) {
            input.stop("the connection closed");
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(input) = self.inputs.remove(&channel) {
            input.stop("the connection closed");
        }
        self.channels.remove(&channel);
        Ok(())
    }
}
