//! Signing over SSH: the server never holds a reviewer's private key. A
//! reviewer who connects with `ssh -A` forwards their agent; each act is
//! signed by that agent, with the very key that authenticated the
//! connection (the one the roster knows), over a channel opened back to
//! the client for that one signature.

use std::time::Duration;

use russh::keys::agent::client::AgentClient;

use crate::identity::signing::{RemoteKey, SignError};

/// How long a signature may take: an agent may ask its owner to confirm
/// (`ssh-add -c`).
const SIGN_WAIT: Duration = Duration::from_secs(60);

/// What a reviewer without a forwarded agent is told when an act must be
/// signed.
pub const CONNECT_WITH_AGENT: &str = "the server holds no key of yours; connect with `ssh -A` \
     (agent forwarding) with your roster key in your agent (`ssh-add`), and sign again";

/// The agent a connection forwarded, asked to sign with the key that
/// authenticated the connection.
pub struct ForwardedAgent {
    handle: russh::server::Handle,
    runtime: tokio::runtime::Handle,
    /// The key as the roster has it.
    key: ssh_key::PublicKey,
    /// The same key as russh has it.
    wire_key: russh::keys::PublicKey,
    /// Where the agent is, for messages.
    from: String,
}

impl ForwardedAgent {
    pub fn new(
        handle: russh::server::Handle,
        runtime: tokio::runtime::Handle,
        wire_key: russh::keys::PublicKey,
        from: String,
    ) -> Result<ForwardedAgent, String> {
        let key = super::auth::roster_key(&wire_key)?;
        Ok(ForwardedAgent {
            handle,
            runtime,
            key,
            wire_key,
            from,
        })
    }

    async fn ask(&self, data: Vec<u8>) -> Result<Vec<u8>, String> {
        let channel = self
            .handle
            .channel_open_agent()
            .await
            .map_err(|err| format!("the agent channel could not be opened ({err})"))?;
        let mut agent = AgentClient::connect(channel.into_stream());
        let signature = agent
            .sign_request_signature(&self.wire_key, None, &data)
            .await
            .map_err(|err| {
                format!("the agent did not sign ({err}); is your roster key in it (`ssh-add -l`)?")
            })?;
        Ok(signature.as_bytes().to_vec())
    }
}

impl RemoteKey for ForwardedAgent {
    fn public_key(&self) -> &ssh_key::PublicKey {
        &self.key
    }

    fn sign(&self, data: &[u8]) -> Result<ssh_key::Signature, SignError> {
        let algorithm = self.key.algorithm();
        if algorithm != ssh_key::Algorithm::Ed25519 {
            return Err(SignError::NotEd25519 {
                path: self.describe(),
                algorithm: algorithm.to_string(),
            });
        }
        let asked = self.ask(data.to_vec());
        let bytes = self
            .runtime
            .block_on(async { tokio::time::timeout(SIGN_WAIT, asked).await })
            .map_err(|_| SignError::Failed(format!("{} did not answer", self.describe())))?
            .map_err(SignError::Failed)?;
        ssh_key::Signature::new(algorithm, bytes).map_err(|err| SignError::Failed(err.to_string()))
    }

    fn describe(&self) -> String {
        format!("the SSH agent forwarded from {}", self.from)
    }
}
