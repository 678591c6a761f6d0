//! Who is reviewing, established rather than claimed, and the signatures
//! that bind an act to its signer.
//!
//! - [`roster`]: the store's list of reviewers, their roles, OS user names
//!   and SSH public keys.
//! - [`resolve_os_user`] / [`resolve_key`]: the reviewer of this session,
//!   from the roster entry of the OS user (or of the SSH key that
//!   authenticated), never more than that entry grants.
//! - [`signing`]: loading a private key and signing a history entry
//!   (OpenSSH `SSHSIG`, Ed25519).
//! - [`verify`]: checking every signature of a case against the roster.
//!
//! No I/O here but reading a key file; the store keeps the roster.

pub mod roster;
pub mod signing;
#[cfg(any(test, feature = "test-support"))]
pub mod test_keys;
pub mod verify;

use ssh_key::PublicKey;

use crate::case::{Reviewer, Role};
pub use roster::Roster;
use roster::{RosterEntry, fingerprint};

/// Who this session's reviewer is, and how we know. The app shows it in
/// its title bar: "Dana Whitfield, RN (nurse) · os user dana", or
/// "unverified: no roster".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub reviewer: Reviewer,
    /// True when the roster vouches for the reviewer.
    pub verified: bool,
    /// "os user dana", "ssh key SHA256:...", "unverified: no roster".
    pub how: String,
}

impl Identity {
    /// A store without a roster: whoever the flags or config say, on trust.
    pub fn unverified(reviewer: Reviewer) -> Identity {
        Identity {
            reviewer,
            verified: false,
            how: "unverified: no roster".to_string(),
        }
    }

    /// "Dana Whitfield, RN (nurse), os user dana".
    pub fn describe(&self) -> String {
        format!(
            "{} ({}), {}",
            self.reviewer.name,
            self.reviewer.role.label(),
            self.how
        )
    }
}

/// What the command line or the config file says about who is reviewing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    pub reviewer: Option<String>,
    pub role: Option<Role>,
}

/// The claim may not go beyond the roster entry. `from` says where the
/// claim came from, for the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "the operating-system user {os_user} is not on this store's roster, so umdesk \
         cannot tell who you are; ask a supervisor to run \
         `umdesk roster add \"YOUR NAME, CREDENTIALS\" --role ROLE --os-user {os_user}`"
    )]
    NotOnRoster { os_user: String },
    #[error(
        "the key {fingerprint} is not on this store's roster; ask a supervisor to run \
         `umdesk roster add \"YOUR NAME, CREDENTIALS\" --role ROLE --key YOUR_KEY.pub`"
    )]
    KeyNotOnRoster { fingerprint: String },
    #[error(
        "{from} claims the role {claimed}, but the roster lists {name} as {granted}; \
         the roster decides (a supervisor changes it with `umdesk roster`)"
    )]
    RoleNotGranted {
        from: String,
        name: String,
        claimed: String,
        granted: String,
    },
    #[error(
        "{from} names {claimed}, but {how} is {name} on the roster; \
         leave the name out, or sign in as {claimed}"
    )]
    NameNotGranted {
        from: String,
        claimed: String,
        name: String,
        how: String,
    },
}

/// A settled identity, and notes for the user about claims that were
/// ignored (a config file naming someone else, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub identity: Identity,
    pub notes: Vec<String>,
}

/// The reviewer of OS user `os_user` in a rostered store. `flags` (the
/// command line) may only repeat what the entry says: anything else is
/// refused. `config` (a stored preference) that says otherwise is
/// ignored, with a note.
pub fn resolve_os_user(
    roster: &Roster,
    os_user: &str,
    flags: &Claim,
    config: &Claim,
) -> Result<Resolved, IdentityError> {
    let entry = roster
        .find_by_os_user(os_user)
        .ok_or_else(|| IdentityError::NotOnRoster {
            os_user: os_user.to_string(),
        })?;
    settle(entry, format!("os user {os_user}"), flags, config)
}

/// The reviewer whose roster entry holds `key` (an SSH connection that
/// authenticated with it), under the same rules as [`resolve_os_user`].
pub fn resolve_key(
    roster: &Roster,
    key: &PublicKey,
    flags: &Claim,
    config: &Claim,
) -> Result<Resolved, IdentityError> {
    let entry = roster
        .find_by_key(key)
        .ok_or_else(|| IdentityError::KeyNotOnRoster {
            fingerprint: fingerprint(key),
        })?;
    settle(
        entry,
        format!("ssh key {}", fingerprint(key)),
        flags,
        config,
    )
}

fn settle(
    entry: &RosterEntry,
    how: String,
    flags: &Claim,
    config: &Claim,
) -> Result<Resolved, IdentityError> {
    if let Some(problem) = overclaim(entry, &how, flags, "--reviewer/--role") {
        return Err(problem);
    }
    let notes = overclaim(entry, &how, config, "the config file")
        .map(|problem| format!("note: {problem}; ignored"))
        .into_iter()
        .collect();
    Ok(Resolved {
        identity: Identity {
            reviewer: entry.reviewer(),
            verified: true,
            how,
        },
        notes,
    })
}

/// What `claim` says beyond `entry`, if anything.
fn overclaim(entry: &RosterEntry, how: &str, claim: &Claim, from: &str) -> Option<IdentityError> {
    if let Some(name) = &claim.reviewer
        && name.trim() != entry.name
    {
        return Some(IdentityError::NameNotGranted {
            from: from.to_string(),
            claimed: name.trim().to_string(),
            name: entry.name.clone(),
            how: how.to_string(),
        });
    }
    match claim.role {
        Some(role) if role != entry.role => Some(IdentityError::RoleNotGranted {
            from: from.to_string(),
            name: entry.name.clone(),
            claimed: role.label().to_string(),
            granted: entry.role.label().to_string(),
        }),
        _ => None,
    }
}

/// "Dana Whitfield, RN (nurse)": a reviewer in messages, as the store's
/// locks and access log name them.
pub fn actor(reviewer: &Reviewer) -> String {
    format!("{} ({})", reviewer.name, reviewer.role.label())
}

/// The effective operating-system user's login name, from the account
/// database (never from `$USER`, which anyone can set).
pub fn effective_os_user() -> Option<String> {
    let name = uzers::get_effective_username()?;
    name.to_str().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;
    use roster::RosterEntry;
    use time::macros::datetime;

    fn roster() -> Roster {
        let entry = |name: &str, role, user: &str, key: u8| RosterEntry {
            name: name.into(),
            role,
            os_users: vec![user.into()],
            keys: vec![test_keys::public_line(key)],
            added_at: datetime!(2026-12-01 09:00 -5),
            added_by: "owner (store owner)".into(),
            removed: None,
            npi: None,
        };
        Roster {
            version: 2,
            entries: vec![
                entry("Renee Alvarez, RN, CCM", Role::Supervisor, "renee", 10),
                entry("Dana Whitfield, RN", Role::Nurse, "pat", 11),
            ],
        }
    }

    fn claim(reviewer: Option<&str>, role: Option<Role>) -> Claim {
        Claim {
            reviewer: reviewer.map(str::to_string),
            role,
        }
    }

    #[test]
    fn the_roster_entry_of_the_os_user_is_the_reviewer() {
        let none = Claim::default();
        let resolved = resolve_os_user(&roster(), "pat", &none, &none).unwrap();
        assert_eq!(
            resolved.identity,
            Identity {
                reviewer: Reviewer {
                    name: "Dana Whitfield, RN".into(),
                    role: Role::Nurse
                },
                verified: true,
                how: "os user pat".into(),
            }
        );
        // Repeating what the entry says is fine.
        let same = claim(Some("Dana Whitfield, RN"), Some(Role::Nurse));
        assert!(resolve_os_user(&roster(), "pat", &same, &none).is_ok());
    }

    #[test]
    fn a_nurse_cannot_start_as_a_physician_or_as_someone_else() {
        let none = Claim::default();
        let err = resolve_os_user(&roster(), "pat", &claim(None, Some(Role::Physician)), &none)
            .unwrap_err();
        assert!(matches!(err, IdentityError::RoleNotGranted { .. }));
        assert!(err.to_string().contains("as nurse"), "{err}");
        let err = resolve_os_user(
            &roster(),
            "pat",
            &claim(Some("Anyone, MD"), Some(Role::Physician)),
            &none,
        )
        .unwrap_err();
        assert!(err.to_string().contains("Anyone, MD"), "{err}");
        assert!(err.to_string().contains("Dana Whitfield, RN"), "{err}");
    }

    #[test]
    fn a_config_naming_someone_else_is_ignored_with_a_note() {
        let config = claim(Some("Anyone, MD"), Some(Role::Physician));
        let resolved = resolve_os_user(&roster(), "pat", &Claim::default(), &config).unwrap();
        assert_eq!(resolved.identity.reviewer.role, Role::Nurse);
        assert_eq!(resolved.notes.len(), 1);
        assert!(
            resolved.notes[0].contains("ignored"),
            "{:?}",
            resolved.notes
        );
    }

    #[test]
    fn an_os_user_or_key_not_on_the_roster_is_told_how_to_be_added() {
        let none = Claim::default();
        let err = resolve_os_user(&roster(), "mallory", &none, &none)
            .unwrap_err()
            .to_string();
        assert!(err.contains("umdesk roster add"), "{err}");
        assert!(err.contains("--os-user mallory"), "{err}");
        let stranger = roster::parse_key(&test_keys::public_line(99)).unwrap();
        let err = resolve_key(&roster(), &stranger, &none, &none).unwrap_err();
        assert!(matches!(err, IdentityError::KeyNotOnRoster { .. }));
    }

    #[test]
    fn the_key_that_authenticated_names_the_reviewer() {
        let key = roster::parse_key(&test_keys::public_line(10)).unwrap();
        let none = Claim::default();
        let resolved = resolve_key(&roster(), &key, &none, &none).unwrap();
        assert_eq!(resolved.identity.reviewer.name, "Renee Alvarez, RN, CCM");
        assert!(resolved.identity.how.starts_with("ssh key SHA256:"));
        assert!(resolved.identity.verified);
    }

    #[test]
    fn without_a_roster_identity_is_on_trust_and_says_so() {
        let identity = Identity::unverified(Reviewer {
            name: "Anyone, MD".into(),
            role: Role::Physician,
        });
        assert!(!identity.verified);
        assert!(identity.describe().contains("unverified"));
    }
}
