//! The server's host key: Ed25519, made once and kept owner-only (0600),
//! so that clients see the same server each time and warn if it changes.

use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::store::fsutil;

/// The host key's file name in the state directory.
pub const FILE_NAME: &str = "ssh_host_ed25519_key";

/// Where the host key is kept unless `--host-key` says: the state
/// directory (owner-only, beside the panic log).
pub fn default_path() -> Option<PathBuf> {
    crate::store::location::state_dir().map(|dir| dir.join(FILE_NAME))
}

/// The host key at `path`; a new one is made there when there is none.
/// A key file others may read is refused, as sshd refuses one.
pub fn load_or_create(path: &Path) -> Result<russh::keys::PrivateKey, String> {
    let shown = path.display();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => {
            check_private(path)?;
            text
        }
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let text =
                new_key().map_err(|err| format!("{shown}: cannot make a host key: {err}"))?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fsutil::ensure_private_dir(dir).map_err(|err| format!("{shown}: {err}"))?;
            }
            fsutil::create_exclusive_atomic(path, text.as_bytes())
                .map_err(|err| format!("{shown}: cannot write the host key: {err}"))?;
            text
        }
        Err(err) => return Err(format!("{shown}: {err}")),
    };
    russh::keys::PrivateKey::from_openssh(&text)
        .map_err(|err| format!("{shown}: not an OpenSSH private key ({err})"))
}

/// "SHA256:...", as `ssh` shows it when it first meets the server.
pub fn fingerprint(key: &russh::keys::PrivateKey) -> Result<String, String> {
    let line = key
        .public_key()
        .to_openssh()
        .map_err(|err| format!("the host key: {err}"))?;
    let public = crate::identity::roster::parse_key(&line).map_err(|err| err.to_string())?;
    Ok(crate::identity::roster::fingerprint(&public))
}

fn check_private(path: &Path) -> Result<(), String> {
    let mode = std::fs::metadata(path)
        .map_err(|err| format!("{}: {err}", path.display()))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "{}: the host key may be read by others (mode {:o}); make it owner-only \
             with `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        ));
    }
    Ok(())
}

/// A new Ed25519 key in OpenSSH's format, from the kernel's randomness.
fn new_key() -> io::Result<String> {
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut seed)?;
    let keypair = ssh_key::private::Ed25519Keypair::from_seed(&seed);
    let key = ssh_key::PrivateKey::from(keypair);
    key.to_openssh(ssh_key::LineEnding::LF)
        .map(|text| text.to_string())
        .map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_key_is_made_once_owner_only_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state").join(FILE_NAME);
        let first = load_or_create(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let again = load_or_create(&path).unwrap();
        assert_eq!(fingerprint(&first).unwrap(), fingerprint(&again).unwrap());
        assert!(fingerprint(&first).unwrap().starts_with("SHA256:"));
    }

    #[test]
    fn a_host_key_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        load_or_create(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = load_or_create(&path).unwrap_err();
        assert!(err.contains("chmod 600"), "{err}");
    }
}
