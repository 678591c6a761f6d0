//! The store's roster: who may review in it, in what role, and how they
//! sign in (operating-system user names, SSH public keys).
//!
//! Entries are never deleted: removing a reviewer marks the entry removed,
//! so the signatures they made while on the roster still verify, while
//! they can no longer sign in. A role change is a removal and a new entry.

use serde::{Deserialize, Serialize};
use ssh_key::{Algorithm, HashAlg, PublicKey};
use time::OffsetDateTime;

use crate::case::{Reviewer, Role};

/// The roster as the store keeps it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// Bumped by the store at each saved change; a save names the version
    /// it started from, so two supervisors cannot overwrite each other.
    /// 0: no roster saved yet.
    pub version: u64,
    pub entries: Vec<RosterEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RosterEntry {
    /// The reviewer's name with credentials: "Dana Whitfield, RN".
    pub name: String,
    pub role: Role,
    /// Operating-system user names this reviewer signs in as.
    #[serde(default)]
    pub os_users: Vec<String>,
    /// SSH public keys in OpenSSH format ("ssh-ed25519 AAAA... comment"):
    /// they sign this reviewer's acts, and let them in over SSH.
    #[serde(default)]
    pub keys: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub added_at: OffsetDateTime,
    /// Who added the entry: "NAME (role)", or "USER (store owner)".
    pub added_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed: Option<Removal>,
    /// A physician's National Provider Identifier: a PAS response names
    /// the reviewing physician by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub npi: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removal {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: String,
}

/// Why a roster change is refused; the words are shown as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RosterError {
    #[error("{0} is already on the roster; remove the entry first to change it")]
    AlreadyListed(String),
    #[error("{0} is not on the roster")]
    NotListed(String),
    #[error("the operating-system user {user} already signs in as {name}")]
    OsUserTaken { user: String, name: String },
    #[error("the key {fingerprint} already belongs to {name}")]
    KeyTaken { fingerprint: String, name: String },
    #[error("{0}")]
    BadKey(String),
    #[error("{0}")]
    BadName(String),
    #[error(
        "the first entry of a roster must be a supervisor, who can then add everyone else \
         (umdesk roster add NAME --role supervisor --os-user USER)"
    )]
    FirstNotSupervisor,
    #[error(
        "{0} is the last supervisor on the roster; add another supervisor before removing them"
    )]
    LastSupervisor(String),
    #[error("only the store's owner ({owner}) may make the first roster entry; you are {you}")]
    NotOwner { owner: String, you: String },
    #[error("only a supervisor on the roster may change it; {0}")]
    NotSupervisor(String),
}

/// A parsed roster key line: the key, and its fingerprint for messages.
pub fn parse_key(line: &str) -> Result<PublicKey, RosterError> {
    let line = line.trim();
    let key = PublicKey::from_openssh(line).map_err(|err| {
        RosterError::BadKey(format!(
            "not an OpenSSH public key ({err}); give the line of a .pub file, \
             e.g. \"ssh-ed25519 AAAA... dana@ws-12\""
        ))
    })?;
    if key.algorithm() != Algorithm::Ed25519 {
        return Err(RosterError::BadKey(format!(
            "the key is {}; umdesk signs with Ed25519 keys only (ssh-keygen -t ed25519)",
            key.algorithm()
        )));
    }
    Ok(key)
}

/// "SHA256:..." of a key, as `ssh-keygen -l` shows it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// A reviewer name as a roster holds it: one line, not empty, not long.
fn check_name(name: &str) -> Result<(), RosterError> {
    let bad = |what: &str| Err(RosterError::BadName(format!("the reviewer's name {what}")));
    if name.trim().is_empty() {
        return bad("must not be empty");
    }
    if name.trim() != name {
        return bad("must not start or end with spaces");
    }
    if name.chars().any(|c| c.is_control()) {
        return bad("must be one line of plain text");
    }
    if name.chars().count() > 120 {
        return bad("is at most 120 characters");
    }
    Ok(())
}

fn check_os_user(user: &str) -> Result<(), RosterError> {
    let ok = !user.is_empty()
        && user.len() <= 64
        && user
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(RosterError::BadName(format!(
            "'{}' is not an operating-system user name",
            user.escape_debug()
        )))
    }
}

impl RosterEntry {
    pub fn is_active(&self) -> bool {
        self.removed.is_none()
    }

    /// The reviewer this entry makes.
    pub fn reviewer(&self) -> Reviewer {
        Reviewer {
            name: self.name.clone(),
            role: self.role,
        }
    }

    /// The entry's keys that parse (a roster only takes keys that do).
    pub fn public_keys(&self) -> impl Iterator<Item = PublicKey> + '_ {
        self.keys.iter().filter_map(|line| parse_key(line).ok())
    }

    pub fn holds_key(&self, key: &PublicKey) -> bool {
        self.public_keys().any(|k| k.key_data() == key.key_data())
    }
}

/// Who asks to change the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changer {
    /// The effective operating-system user.
    pub os_user: String,
    /// The owner of the store (the OS user owning its directory), when it
    /// has one.
    pub store_owner: Option<String>,
}

impl Roster {
    /// Entries that may sign in now.
    pub fn active(&self) -> impl Iterator<Item = &RosterEntry> {
        self.entries.iter().filter(|e| e.is_active())
    }

    pub fn is_empty(&self) -> bool {
        self.active().next().is_none()
    }

    /// The active entry of operating-system user `user`.
    pub fn find_by_os_user(&self, user: &str) -> Option<&RosterEntry> {
        self.active().find(|e| e.os_users.iter().any(|u| u == user))
    }

    /// The active entry holding `key`: who an SSH connection authenticated
    /// with it is.
    pub fn find_by_key(&self, key: &PublicKey) -> Option<&RosterEntry> {
        self.active().find(|e| e.holds_key(key))
    }

    pub fn find_by_name(&self, name: &str) -> Option<&RosterEntry> {
        self.active().find(|e| e.name == name)
    }

    /// Every entry ever made for `name`, removed ones too: the keys a
    /// past signature of theirs may carry.
    pub fn entries_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a RosterEntry> {
        self.entries.iter().filter(move |e| e.name == name)
    }

    /// Whether `changer` may change this roster: the store's owner for the
    /// first entry, afterwards a supervisor on it. Returns who the change
    /// is recorded under.
    pub fn authorize(&self, changer: &Changer) -> Result<Reviewer, RosterError> {
        if self.is_empty() {
            return match &changer.store_owner {
                Some(owner) if owner == &changer.os_user => Ok(Reviewer {
                    name: format!("{}, store owner", changer.os_user),
                    role: Role::Supervisor,
                }),
                Some(owner) => Err(RosterError::NotOwner {
                    owner: owner.clone(),
                    you: changer.os_user.clone(),
                }),
                None => Err(RosterError::NotOwner {
                    owner: "unknown".into(),
                    you: changer.os_user.clone(),
                }),
            };
        }
        match self.find_by_os_user(&changer.os_user) {
            Some(entry) if entry.role == Role::Supervisor => Ok(entry.reviewer()),
            Some(entry) => Err(RosterError::NotSupervisor(format!(
                "the operating-system user {} is {} ({})",
                changer.os_user,
                entry.name,
                entry.role.label()
            ))),
            None => Err(RosterError::NotSupervisor(format!(
                "the operating-system user {} is not on it",
                changer.os_user
            ))),
        }
    }

    /// Adds `entry`, checking that it is well formed and that its name,
    /// OS users and keys are nobody else's.
    pub fn add(&mut self, entry: RosterEntry) -> Result<(), RosterError> {
        check_name(&entry.name)?;
        if self.is_empty() && entry.role != Role::Supervisor {
            return Err(RosterError::FirstNotSupervisor);
        }
        if self.find_by_name(&entry.name).is_some() {
            return Err(RosterError::AlreadyListed(entry.name));
        }
        for user in &entry.os_users {
            check_os_user(user)?;
            if let Some(other) = self.find_by_os_user(user) {
                return Err(RosterError::OsUserTaken {
                    user: user.clone(),
                    name: other.name.clone(),
                });
            }
        }
        for line in &entry.keys {
            let key = parse_key(line)?;
            // A key is one person's, even after they left: a past
            // signature with it must name one signer.
            if let Some(other) = self.entries.iter().find(|e| e.holds_key(&key))
                && other.name != entry.name
            {
                return Err(RosterError::KeyTaken {
                    fingerprint: fingerprint(&key),
                    name: other.name.clone(),
                });
            }
        }
        self.entries.push(entry);
        Ok(())
    }

    /// Marks `name`'s entry removed: they can no longer sign in, and what
    /// they signed still verifies.
    pub fn remove(&mut self, name: &str, removal: Removal) -> Result<(), RosterError> {
        let supervisors = self.active().filter(|e| e.role == Role::Supervisor).count();
        let Some(entry) = self
            .entries
            .iter_mut()
            .find(|e| e.is_active() && e.name == name)
        else {
            return Err(RosterError::NotListed(name.to_string()));
        };
        if entry.role == Role::Supervisor && supervisors == 1 {
            return Err(RosterError::LastSupervisor(name.to_string()));
        }
        entry.removed = Some(removal);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::test_keys;
    use time::macros::datetime;

    fn entry(name: &str, role: Role, users: &[&str], keys: &[String]) -> RosterEntry {
        RosterEntry {
            name: name.into(),
            role,
            os_users: users.iter().map(|u| u.to_string()).collect(),
            keys: keys.to_vec(),
            added_at: datetime!(2026-12-01 09:00 -5),
            added_by: "owner (store owner)".into(),
            removed: None,
            npi: None,
        }
    }

    fn removal() -> Removal {
        Removal {
            at: datetime!(2026-12-02 09:00 -5),
            by: "Renee Alvarez, RN, CCM (supervisor)".into(),
        }
    }

    fn changer(user: &str) -> Changer {
        Changer {
            os_user: user.into(),
            store_owner: Some("owner".into()),
        }
    }

    #[test]
    fn only_the_store_owner_makes_the_first_entry_and_it_is_a_supervisor() {
        let mut roster = Roster::default();
        assert!(matches!(
            roster.authorize(&changer("mallory")),
            Err(RosterError::NotOwner { .. })
        ));
        assert!(roster.authorize(&changer("owner")).is_ok());
        assert_eq!(
            roster.add(entry("Dana Whitfield, RN", Role::Nurse, &["dana"], &[])),
            Err(RosterError::FirstNotSupervisor)
        );
        roster
            .add(entry(
                "Renee Alvarez, RN, CCM",
                Role::Supervisor,
                &["renee"],
                &[],
            ))
            .unwrap();
        // Now the owner is nobody special: only supervisors change it.
        assert!(matches!(
            roster.authorize(&changer("owner")),
            Err(RosterError::NotSupervisor(_))
        ));
        assert_eq!(
            roster.authorize(&changer("renee")).unwrap().name,
            "Renee Alvarez, RN, CCM"
        );
        roster
            .add(entry("Dana Whitfield, RN", Role::Nurse, &["dana"], &[]))
            .unwrap();
        let refused = roster.authorize(&changer("dana")).unwrap_err().to_string();
        assert!(refused.contains("Dana Whitfield, RN (nurse)"), "{refused}");
    }

    #[test]
    fn names_os_users_and_keys_belong_to_one_entry() {
        let dana_key = test_keys::public_line(1);
        let mut roster = Roster::default();
        roster
            .add(entry(
                "Renee Alvarez, RN, CCM",
                Role::Supervisor,
                &["renee"],
                &[],
            ))
            .unwrap();
        roster
            .add(entry(
                "Dana Whitfield, RN",
                Role::Nurse,
                &["dana"],
                std::slice::from_ref(&dana_key),
            ))
            .unwrap();
        assert!(matches!(
            roster.add(entry("Dana Whitfield, RN", Role::Physician, &[], &[])),
            Err(RosterError::AlreadyListed(_))
        ));
        assert!(matches!(
            roster.add(entry("Sam Okafor, RN", Role::Nurse, &["dana"], &[])),
            Err(RosterError::OsUserTaken { .. })
        ));
        assert!(matches!(
            roster.add(entry(
                "Sam Okafor, RN",
                Role::Nurse,
                &["sam"],
                std::slice::from_ref(&dana_key)
            )),
            Err(RosterError::KeyTaken { .. })
        ));
        for bad in ["ssh-ed25519 AAAA", "not a key", ""] {
            assert!(matches!(
                roster.add(entry(
                    "Sam Okafor, RN",
                    Role::Nurse,
                    &["sam"],
                    &[bad.into()]
                )),
                Err(RosterError::BadKey(_))
            ));
        }
        for bad in ["", "a b", "../x", "x\u{1b}"] {
            assert!(
                roster
                    .add(entry("Sam Okafor, RN", Role::Nurse, &[bad], &[]))
                    .is_err(),
                "{bad:?}"
            );
        }
        let key = parse_key(&dana_key).unwrap();
        assert_eq!(roster.find_by_key(&key).unwrap().name, "Dana Whitfield, RN");
        assert_eq!(
            roster.find_by_os_user("dana").unwrap().name,
            "Dana Whitfield, RN"
        );
        assert!(roster.find_by_os_user("sam").is_none());
    }

    #[test]
    fn a_removed_reviewer_cannot_sign_in_and_keeps_their_past_keys() {
        let key_line = test_keys::public_line(2);
        let key = parse_key(&key_line).unwrap();
        let mut roster = Roster::default();
        roster
            .add(entry(
                "Renee Alvarez, RN, CCM",
                Role::Supervisor,
                &["renee"],
                &[],
            ))
            .unwrap();
        roster
            .add(entry(
                "Dana Whitfield, RN",
                Role::Nurse,
                &["dana"],
                std::slice::from_ref(&key_line),
            ))
            .unwrap();
        roster.remove("Dana Whitfield, RN", removal()).unwrap();
        assert!(roster.find_by_os_user("dana").is_none());
        assert!(roster.find_by_key(&key).is_none());
        assert!(
            roster
                .entries_named("Dana Whitfield, RN")
                .any(|e| e.holds_key(&key))
        );
        // Promoted: a new entry under the same name, the same key allowed.
        roster
            .add(entry(
                "Dana Whitfield, RN",
                Role::Physician,
                &["dana"],
                std::slice::from_ref(&key_line),
            ))
            .unwrap();
        assert_eq!(roster.find_by_key(&key).unwrap().role, Role::Physician);
        assert_eq!(
            roster.remove("Nobody", removal()),
            Err(RosterError::NotListed("Nobody".into()))
        );
        assert!(matches!(
            roster.remove("Renee Alvarez, RN, CCM", removal()),
            Err(RosterError::LastSupervisor(_))
        ));
    }
}
