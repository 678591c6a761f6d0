//! Signing the history entry of an act with the signer's SSH key.
//!
//! The signature is an OpenSSH `SSHSIG` (what `ssh-keygen -Y sign` makes),
//! Ed25519, over [`Signature::message`]: the case id, the digest of the
//! entry (which chains to every entry before it and carries the digest of
//! the case content), and the access log's head at the time.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ssh_key::{Algorithm, HashAlg, LineEnding, PrivateKey, SshSig};

use super::roster::fingerprint;
use crate::case::{AccessLogHead, Case, HistoryEntry, Signature};

/// The namespaces of the acts that are signed: a signature made for one
/// kind of act can never be passed off as another.
pub const DETERMINATION: &str = "umdesk-determination";
pub const AMENDMENT: &str = "umdesk-amendment";
pub const QA_REVIEW: &str = "umdesk-qa-review";
pub const APPEAL_DECISION: &str = "umdesk-appeal-decision";

/// The namespace of the act an entry records, if it is an act that is
/// signed.
pub fn namespace_for(entry: &HistoryEntry) -> Option<&'static str> {
    match entry.event.as_str() {
        "decided" => Some(DETERMINATION),
        "amended" => Some(AMENDMENT),
        "qa_review" => Some(QA_REVIEW),
        "appeal_decided" => Some(APPEAL_DECISION),
        _ => None,
    }
}

/// Why no key could be had, or no signature made.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error(
        "there is no signing key at {path}; make one with `ssh-keygen -t ed25519 -f {path}`, \
         give another with --signing-key FILE (or \"signing_key\" in config.json), \
         and ask a supervisor to add its .pub line to the roster"
    )]
    MissingKey { path: String },
    #[error(
        "the signing key {path} is protected by a passphrase, which umdesk cannot ask for; \
         use a key without a passphrase kept owner-only, or remove the passphrase \
         with `ssh-keygen -p -f {path}`"
    )]
    EncryptedKey { path: String },
    #[error(
        "the signing key {path} is {algorithm}; umdesk signs with Ed25519 keys (ssh-keygen -t ed25519)"
    )]
    NotEd25519 { path: String, algorithm: String },
    #[error("the signing key {path} cannot be read: {reason}")]
    UnreadableKey { path: String, reason: String },
    #[error("history entry {number} ({event}) records no act that is signed")]
    NotSignable { number: usize, event: String },
    #[error("case {id} has no history entry {number}")]
    NoEntry { id: String, number: usize },
    #[error("the signature could not be made: {0}")]
    Failed(String),
    /// No key can be reached from this session; the text says what to do.
    #[error("{0}")]
    Unavailable(String),
}

/// What signs an act: the private key file of the reviewer's own
/// account, or a key held elsewhere (the SSH agent a reviewer forwarded
/// to `umdesk serve`), or nothing, with the reason.
#[derive(Clone)]
pub enum Signer {
    /// An OpenSSH private key file, read when an act is signed.
    KeyFile(PathBuf),
    /// A key this process never holds: it asks for each signature.
    Remote(Arc<dyn RemoteKey>),
    /// Nothing here can sign; the message tells the reviewer what to do.
    Unavailable(String),
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Signer::KeyFile(path) => f.debug_tuple("KeyFile").field(path).finish(),
            Signer::Remote(key) => f.debug_tuple("Remote").field(&key.describe()).finish(),
            Signer::Unavailable(why) => f.debug_tuple("Unavailable").field(why).finish(),
        }
    }
}

impl PartialEq for Signer {
    fn eq(&self, other: &Signer) -> bool {
        match (self, other) {
            (Signer::KeyFile(a), Signer::KeyFile(b)) => a == b,
            (Signer::Remote(a), Signer::Remote(b)) => Arc::ptr_eq(a, b),
            (Signer::Unavailable(a), Signer::Unavailable(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Signer {}

impl Signer {
    /// What signs with it: the key file read now, or the remote key.
    pub fn ready(&self) -> Result<Arc<dyn SignWith>, SignError> {
        match self {
            Signer::KeyFile(path) => Ok(Arc::new(SigningKey::load(path)?)),
            Signer::Remote(key) => Ok(Arc::new(RemoteSigner(Arc::clone(key)))),
            Signer::Unavailable(why) => Err(SignError::Unavailable(why.clone())),
        }
    }
}

/// A private key held somewhere else (an SSH agent), asked to sign the
/// bytes `ssh-keygen -Y sign` would sign.
pub trait RemoteKey: Send + Sync {
    fn public_key(&self) -> &ssh_key::PublicKey;
    /// A signature over `data` by [`RemoteKey::public_key`].
    fn sign(&self, data: &[u8]) -> Result<ssh_key::Signature, SignError>;
    /// "the agent forwarded by 10.0.0.5", for messages.
    fn describe(&self) -> String;
}

/// Makes the SSHSIG of an act.
pub trait SignWith {
    fn public_key(&self) -> &ssh_key::PublicKey;
    /// The SSHSIG over `message` in `namespace` (SHA-512).
    fn sshsig(&self, namespace: &str, message: &[u8]) -> Result<SshSig, SignError>;
}

impl SignWith for SigningKey {
    fn public_key(&self) -> &ssh_key::PublicKey {
        self.key.public_key()
    }

    fn sshsig(&self, namespace: &str, message: &[u8]) -> Result<SshSig, SignError> {
        self.key
            .sign(namespace, HashAlg::Sha512, message)
            .map_err(|err| SignError::Failed(err.to_string()))
    }
}

/// A remote key signs what `ssh-keygen -Y sign` signs, and the SSHSIG is
/// put together here, as ssh-keygen does when its key is in an agent.
struct RemoteSigner(Arc<dyn RemoteKey>);

impl SignWith for RemoteSigner {
    fn public_key(&self) -> &ssh_key::PublicKey {
        self.0.public_key()
    }

    fn sshsig(&self, namespace: &str, message: &[u8]) -> Result<SshSig, SignError> {
        let failed = |err: ssh_key::Error| SignError::Failed(err.to_string());
        let data = SshSig::signed_data(namespace, HashAlg::Sha512, message).map_err(failed)?;
        let signature = self.0.sign(&data)?;
        let sshsig = SshSig::new(
            self.0.public_key().key_data().clone(),
            namespace,
            HashAlg::Sha512,
            signature,
        )
        .map_err(failed)?;
        // An agent answering with another key's signature is caught here,
        // not by the next `umdesk verify`.
        self.0
            .public_key()
            .verify(namespace, message, &sshsig)
            .map_err(|err| {
                SignError::Failed(format!("{} gave a bad signature: {err}", self.0.describe()))
            })?;
        Ok(sshsig)
    }
}

/// A private key, ready to sign.
#[derive(Clone)]
pub struct SigningKey {
    key: PrivateKey,
    /// Where it came from, for messages.
    pub source: String,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("source", &self.source)
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

/// `~/.ssh/id_ed25519`, where `ssh-keygen -t ed25519` puts a key.
pub fn default_key_path() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|dirs| dirs.home_dir().join(".ssh").join("id_ed25519"))
}

impl SigningKey {
    /// Reads an OpenSSH private key file (unencrypted, Ed25519).
    pub fn load(path: &Path) -> Result<SigningKey, SignError> {
        let shown = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Err(SignError::MissingKey { path: shown });
            }
            Err(err) => {
                return Err(SignError::UnreadableKey {
                    path: shown,
                    reason: err.to_string(),
                });
            }
        };
        SigningKey::from_openssh(&text, &shown)
    }

    /// A key from the text of an OpenSSH private key file; `source` names
    /// it in messages.
    pub fn from_openssh(text: &str, source: &str) -> Result<SigningKey, SignError> {
        let key = PrivateKey::from_openssh(text).map_err(|err| SignError::UnreadableKey {
            path: source.to_string(),
            reason: format!("not an OpenSSH private key ({err})"),
        })?;
        SigningKey::new(key, source)
    }

    pub fn new(key: PrivateKey, source: &str) -> Result<SigningKey, SignError> {
        if key.is_encrypted() {
            return Err(SignError::EncryptedKey {
                path: source.to_string(),
            });
        }
        if key.algorithm() != Algorithm::Ed25519 {
            return Err(SignError::NotEd25519 {
                path: source.to_string(),
                algorithm: key.algorithm().to_string(),
            });
        }
        Ok(SigningKey {
            key,
            source: source.to_string(),
        })
    }

    pub fn public_key(&self) -> &ssh_key::PublicKey {
        self.key.public_key()
    }

    /// "SHA256:...".
    pub fn fingerprint(&self) -> String {
        fingerprint(self.public_key())
    }

    /// The public key as a roster line, "ssh-ed25519 AAAA... comment".
    pub fn public_line(&self) -> String {
        self.public_key().to_openssh().unwrap_or_default()
    }
}

/// Signs history entry `index` (from 0) of `case` as its author, with
/// `access_log` the log's head now. The caller adds the signature to
/// `case.signatures`; it stays outside the content digest and the seal.
pub fn sign_entry(
    case: &Case,
    index: usize,
    key: &dyn SignWith,
    access_log: Option<AccessLogHead>,
) -> Result<Signature, SignError> {
    let entry = case.history.get(index).ok_or_else(|| SignError::NoEntry {
        id: case.id.clone(),
        number: index + 1,
    })?;
    let namespace = namespace_for(entry).ok_or_else(|| SignError::NotSignable {
        number: index + 1,
        event: entry.event.clone(),
    })?;
    let message = Signature::message(&case.id, &entry.digest, access_log.as_ref());
    let sshsig = key
        .sshsig(namespace, message.as_bytes())?
        .to_pem(LineEnding::LF)
        .map_err(|err| SignError::Failed(err.to_string()))?;
    Ok(Signature {
        entry: entry.digest.clone(),
        signer: entry.by.clone(),
        key: fingerprint(key.public_key()),
        access_log,
        sshsig,
    })
}

/// Signs the case's last history entry and adds the signature: what the
/// app does right after recording (and sealing) a decision, amendment or
/// QA review.
pub fn sign_last_entry(
    case: &mut Case,
    key: &dyn SignWith,
    access_log: Option<AccessLogHead>,
) -> Result<(), SignError> {
    let Some(index) = case.history.len().checked_sub(1) else {
        return Err(SignError::NoEntry {
            id: case.id.clone(),
            number: 1,
        });
    };
    let signature = sign_entry(case, index, key, access_log)?;
    case.signatures.push(signature);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::test_keys;

    #[test]
    fn an_encrypted_or_missing_key_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("id_ed25519");
        let err = SigningKey::load(&missing).unwrap_err().to_string();
        assert!(err.contains("ssh-keygen -t ed25519"), "{err}");
        assert!(err.contains(&missing.display().to_string()), "{err}");

        // A passphrase-protected key as ssh-keygen writes it
        // (`ssh-keygen -t ed25519 -N secret`).
        let err = SigningKey::from_openssh(test_keys::ENCRYPTED, "enc")
            .unwrap_err()
            .to_string();
        assert!(err.contains("passphrase"), "{err}");

        let garbage = dir.path().join("garbage");
        std::fs::write(&garbage, "not a key").unwrap();
        let err = SigningKey::load(&garbage).unwrap_err().to_string();
        assert!(err.contains("not an OpenSSH private key"), "{err}");
    }

    /// A remote key (an agent) that answers with a signature by another
    /// key, or over other bytes.
    struct WrongAgent {
        claimed: SigningKey,
        actual: SigningKey,
    }

    impl RemoteKey for WrongAgent {
        fn public_key(&self) -> &ssh_key::PublicKey {
            self.claimed.public_key()
        }

        fn sign(&self, _data: &[u8]) -> Result<ssh_key::Signature, SignError> {
            let sshsig = self
                .actual
                .key
                .sign("elsewhere", HashAlg::Sha512, b"other bytes")
                .unwrap();
            Ok(sshsig.signature().clone())
        }

        fn describe(&self) -> String {
            "a test agent".to_string()
        }
    }

    #[test]
    fn a_remote_signature_that_does_not_verify_is_refused_before_it_is_kept() {
        let case = crate::fixtures::sample_cases(&crate::policy::LoadedPolicy::embedded())
            .into_iter()
            .find(|case| case.history.iter().any(|e| namespace_for(e).is_some()))
            .expect("a sample with a signed act");
        let index = case
            .history
            .iter()
            .position(|e| namespace_for(e).is_some())
            .unwrap();
        for actual in [test_keys::signing_key(4), test_keys::signing_key(5)] {
            let signer = Signer::Remote(Arc::new(WrongAgent {
                claimed: test_keys::signing_key(4),
                actual,
            }));
            let err = sign_entry(&case, index, &*signer.ready().unwrap(), None).unwrap_err();
            assert!(
                err.to_string()
                    .contains("a test agent gave a bad signature"),
                "{err}"
            );
        }
    }

    #[test]
    fn an_unavailable_signer_says_what_to_do() {
        let signer = Signer::Unavailable("connect with ssh -A".to_string());
        let err = signer.ready().err().expect("nothing to sign with");
        assert_eq!(err.to_string(), "connect with ssh -A");
    }

    #[test]
    fn a_key_file_loads_and_its_public_line_parses() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("id_ed25519");
        std::fs::write(&path, test_keys::private_openssh(3)).unwrap();
        let key = SigningKey::load(&path).unwrap();
        assert_eq!(key.public_line(), test_keys::public_line(3));
        assert!(key.fingerprint().starts_with("SHA256:"));
    }
}
