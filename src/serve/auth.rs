//! Who gets in: the key that authenticated is the reviewer, as the store's
//! roster names them (name, credentials, role); nothing the client says
//! adds to it. Every attempt, let in or not, is written to the store's
//! access log with the key's fingerprint and the remote address.

use std::net::SocketAddr;

use crate::case::{Reviewer, Role};
use crate::identity::roster::{fingerprint, parse_key};
use crate::identity::{Claim, Identity, Roster, resolve_key};
use crate::store::{AccessEntry, CaseStore};

/// The access log's "case" of an SSH sign-in: it is about no case.
pub const SIGN_IN: &str = "ssh";

/// The key in the form the roster keeps (russh and the roster use two
/// versions of the ssh-key crate; the OpenSSH line is their common ground).
pub fn roster_key(key: &russh::keys::PublicKey) -> Result<ssh_key::PublicKey, String> {
    let line = key.to_openssh().map_err(|err| err.to_string())?;
    parse_key(&line).map_err(|err| err.to_string())
}

/// "SHA256:..." of a key as russh has it.
pub fn key_fingerprint(key: &russh::keys::PublicKey) -> String {
    roster_key(key)
        .map(|key| fingerprint(&key))
        .unwrap_or_else(|_| "an unreadable key".to_string())
}

/// Why a connection is not let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The store has no roster: nobody can be known by their key.
    NoRoster,
    /// The key is on no active entry.
    UnknownKey(String),
    /// The roster cannot be read.
    Unreadable(String),
}

impl Refusal {
    /// What the access log says.
    pub fn describe(&self) -> String {
        match self {
            Refusal::NoRoster => "the store has no roster".to_string(),
            Refusal::UnknownKey(fingerprint) => format!("key {fingerprint} is not on the roster"),
            Refusal::Unreadable(why) => format!("the roster cannot be read: {why}"),
        }
    }
}

/// The reviewer whose active roster entry holds `key`.
pub fn reviewer_for(
    roster: Result<Option<Roster>, String>,
    key: &ssh_key::PublicKey,
) -> Result<Identity, Refusal> {
    let roster = match roster {
        Ok(Some(roster)) => roster,
        Ok(None) => return Err(Refusal::NoRoster),
        Err(why) => return Err(Refusal::Unreadable(why)),
    };
    let none = Claim::default();
    resolve_key(&roster, key, &none, &none)
        .map(|resolved| resolved.identity)
        .map_err(|_| Refusal::UnknownKey(fingerprint(key)))
}

/// Who a refused attempt was, for the log: nobody on the roster.
pub fn stranger() -> Reviewer {
    Reviewer {
        name: "(not on the roster)".to_string(),
        role: Role::Nurse,
    }
}

/// "ws-12 via ssh 10.0.0.5 51234 10.0.0.1 2222", as a session that came in
/// through OpenSSH records itself (`SSH_CONNECTION`).
pub fn connection_text(peer: SocketAddr, local: SocketAddr) -> String {
    format!(
        "{} {} {} {}",
        peer.ip(),
        peer.port(),
        local.ip(),
        local.port()
    )
}

/// Writes one sign-in attempt to the access log. A log that cannot be
/// written is said on the server's stderr; the attempt is still decided
/// by the roster.
pub fn log(store: &dyn CaseStore, who: &Reviewer, action: &str, connection: &str) {
    let mut entry = AccessEntry::new(who, SIGN_IN, action);
    entry.from = format!("{} via ssh {connection}", crate::store::hostname());
    if let Err(err) = store.log_access(&entry) {
        eprintln!(
            "umdesk serve: the access log could not record \"{}\": {err}",
            crate::sanitize::line(action)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::roster::RosterEntry;
    use crate::identity::test_keys;

    fn roster() -> Roster {
        Roster {
            version: 2,
            entries: vec![RosterEntry {
                name: "Dana Whitfield, RN".into(),
                role: Role::Nurse,
                os_users: vec![],
                keys: vec![test_keys::public_line(11)],
                added_at: time::macros::datetime!(2026-12-01 09:00 -5),
                added_by: "owner (store owner)".into(),
                removed: None,
                npi: None,
            }],
        }
    }

    #[test]
    fn the_roster_entry_holding_the_key_is_the_reviewer() {
        let key = parse_key(&test_keys::public_line(11)).unwrap();
        let identity = reviewer_for(Ok(Some(roster())), &key).unwrap();
        assert_eq!(identity.reviewer.name, "Dana Whitfield, RN");
        assert_eq!(identity.reviewer.role, Role::Nurse);
        assert!(identity.verified);
        assert!(
            identity.how.starts_with("ssh key SHA256:"),
            "{}",
            identity.how
        );
    }

    #[test]
    fn an_unknown_key_or_a_store_without_roster_is_refused() {
        let stranger = parse_key(&test_keys::public_line(99)).unwrap();
        let refusal = reviewer_for(Ok(Some(roster())), &stranger).unwrap_err();
        assert_eq!(refusal, Refusal::UnknownKey(fingerprint(&stranger)));
        assert!(refusal.describe().contains("SHA256:"));
        assert_eq!(
            reviewer_for(Ok(None), &stranger).unwrap_err(),
            Refusal::NoRoster
        );
    }
}
