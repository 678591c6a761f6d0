//! Fixed Ed25519 keys for tests, made from a seed so every run signs with
//! the same keys. Never for real use: anyone can make them again.

use ssh_key::private::{Ed25519Keypair, KeypairData};
use ssh_key::{LineEnding, PrivateKey};

use super::signing::SigningKey;

/// Test key number `n`.
pub fn private_key(n: u8) -> PrivateKey {
    let mut seed = [0x5a; 32];
    seed[0] = n;
    let pair = Ed25519Keypair::from_seed(&seed);
    PrivateKey::new(KeypairData::Ed25519(pair), format!("test key {n}"))
        .expect("an Ed25519 key pair makes a private key")
}

pub fn signing_key(n: u8) -> SigningKey {
    SigningKey::new(private_key(n), &format!("test key {n}"))
        .expect("test keys are unencrypted Ed25519")
}

/// The public key, as a line of a `.pub` file or a roster.
pub fn public_line(n: u8) -> String {
    private_key(n)
        .public_key()
        .to_openssh()
        .expect("an Ed25519 public key encodes")
}

/// The private key file's text, as `ssh-keygen` writes it.
pub fn private_openssh(n: u8) -> String {
    private_key(n)
        .to_openssh(LineEnding::LF)
        .expect("an Ed25519 private key encodes")
        .to_string()
}

/// An Ed25519 key protected by the passphrase "secret"
/// (`ssh-keygen -t ed25519 -N secret`).
pub const ENCRYPTED: &str = "-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABB6HbN+55
xdLNxAJiPDsoiJAAAAEAAAAAEAAAAzAAAAC3NzaC1lZDI1NTE5AAAAIAUQn8tZg8yD9hIL
TBF+uh/6kBNLEz+eOxqW1MsuwDxRAAAAoAq0I26z/JCvT1ROKWQXbMVKh3T5mYR7yyhY+1
G6yYRGzPuQkHdWf/gLM2tb2oYVL7o2IKHZQhpqjSMQU8nLBDrvNJymeoMzEhYQ5RxZATHk
ZFn9TkJEQqU0xLzrYcN6QBnHyjD429cPY7hkxZuNZEeqDtGGfw/cwyTMkcdAJZDTzbbDwY
WeNtuhxbwGpXWDC+vbBL3Y2QgbOhQFYCMZnjE=
-----END OPENSSH PRIVATE KEY-----
";
