//! Checking a case's signatures against the roster.
//!
//! A signature counts when it is a valid `SSHSIG` over its entry, in the
//! namespace of the act the entry records, made with a key the roster
//! lists for the entry's author in the entry's role, while that roster
//! entry was in force. In a rostered store every finalized determination,
//! amendment and QA review must carry one.

use ssh_key::{Algorithm, PublicKey, SshSig};

use super::actor;
use super::roster::{Roster, RosterEntry, fingerprint};
use super::signing::namespace_for;
use crate::case::{Case, HistoryEntry, Reviewer, Signature, rfc3339};

/// One thing wrong with a case's signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The history entry concerned, counting from 1, when there is one.
    pub entry: Option<usize>,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.what)
    }
}

/// What the signatures of a case came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignatureCheck {
    /// The signers of the signatures that verified, in the case's order.
    pub valid: Vec<Reviewer>,
    pub problems: Vec<Problem>,
}

/// Every problem with `case`'s signatures, checked against `roster`.
pub fn verify_signatures(case: &Case, roster: &Roster) -> Vec<Problem> {
    check(case, roster).problems
}

/// [`verify_signatures`], with the signatures that verified.
pub fn check(case: &Case, roster: &Roster) -> SignatureCheck {
    let mut result = SignatureCheck::default();
    let mut signed = vec![false; case.history.len()];
    for signature in &case.signatures {
        match check_one(case, roster, signature) {
            Ok(index) => {
                signed[index] = true;
                result.valid.push(signature.signer.clone());
            }
            Err(problem) => result.problems.push(problem),
        }
    }
    for index in entries_to_sign(case) {
        if !signed[index] {
            let entry = &case.history[index];
            result.problems.push(Problem {
                entry: Some(index + 1),
                what: format!(
                    "history entry {} ({}) by {} carries no valid signature",
                    index + 1,
                    entry.event,
                    actor(&entry.by)
                ),
            });
        }
    }
    result
}

/// The entries that must be signed: each QA review and appeal decision,
/// and each decision or amendment that finalized the case, whether it
/// stands now or was reopened since (kept as an amendment's original).
pub fn entries_to_sign(case: &Case) -> Vec<usize> {
    let mut finalized: Vec<_> = case.amendments.iter().map(|a| &a.original).collect();
    if case.status.is_final()
        && let Some(determination) = &case.determination
    {
        finalized.push(determination);
    }
    let mut indices: Vec<usize> = case
        .history
        .iter()
        .enumerate()
        .filter(|(_, entry)| {
            matches!(entry.event.as_str(), "qa_review" | "appeal_decided")
                || (matches!(entry.event.as_str(), "decided" | "amended")
                    && finalized
                        .iter()
                        .any(|d| d.decided_at == entry.at && d.decided_by == entry.by))
        })
        .map(|(i, _)| i)
        .collect();
    indices.dedup();
    indices
}

/// The index of the entry `signature` vouches for, or what is wrong.
fn check_one(case: &Case, roster: &Roster, signature: &Signature) -> Result<usize, Problem> {
    let who = actor(&signature.signer);
    let Some(index) = case
        .history
        .iter()
        .position(|e| e.digest == signature.entry)
    else {
        return Err(Problem {
            entry: None,
            what: format!(
                "a signature by {who} is for no entry of this history (the entry was changed or removed)"
            ),
        });
    };
    let entry = &case.history[index];
    let problem = |what: String| Problem {
        entry: Some(index + 1),
        what: format!("history entry {} ({}): {what}", index + 1, entry.event),
    };
    let Some(namespace) = namespace_for(entry) else {
        return Err(problem(
            "is signed, but records no act that is signed".into(),
        ));
    };
    if signature.signer != entry.by {
        return Err(problem(format!(
            "the signature names {who}, but the entry was recorded by {}",
            actor(&entry.by)
        )));
    }
    let sshsig = SshSig::from_pem(&signature.sshsig).map_err(|err| {
        problem(format!(
            "the signature by {who} is not an SSH signature ({err})"
        ))
    })?;
    if sshsig.algorithm() != Algorithm::Ed25519 {
        return Err(problem(format!(
            "the signature by {who} is {}, not Ed25519",
            sshsig.algorithm()
        )));
    }
    let key = PublicKey::new(sshsig.public_key().clone(), "");
    let print = fingerprint(&key);
    if signature.key != print {
        return Err(problem(format!(
            "the signature by {who} says key {}, but was made with {print}",
            signature.key
        )));
    }
    let holders: Vec<&RosterEntry> = roster
        .entries_named(&entry.by.name)
        .filter(|e| e.role == entry.by.role && e.holds_key(&key))
        .collect();
    if holders.is_empty() {
        return Err(problem(format!(
            "signed with key {print}, which the roster does not list for {who}"
        )));
    }
    if !holders.iter().any(|e| in_force(e, entry)) {
        return Err(problem(format!(
            "signed with {who}'s key {print}, but the entry is dated {}, after they were \
             removed from the roster",
            rfc3339(entry.at)
        )));
    }
    let message = Signature::message(&case.id, &entry.digest, signature.access_log.as_ref());
    key.verify(namespace, message.as_bytes(), &sshsig)
        .map_err(|_| {
            problem(format!(
                "the signature by {who} does not match the entry (the entry, the case id or the \
                 signature was changed)"
            ))
        })?;
    Ok(index)
}

/// Whether `roster_entry` could still sign `entry`: not removed before
/// the entry's time. (No lower bound: a reviewer added to the roster
/// later may sign what they decided before it existed.)
fn in_force(roster_entry: &RosterEntry, entry: &HistoryEntry) -> bool {
    roster_entry
        .removed
        .as_ref()
        .is_none_or(|removal| entry.at < removal.at)
}

/// Problems of the access log against the heads the signatures recorded:
/// `log` is the digest of every access-log entry, oldest first. A log
/// shorter than a signed head, or whose entry at that position differs,
/// was cut or rewritten after the act was signed.
pub fn check_access_log_heads(case: &Case, log: &[String]) -> Vec<Problem> {
    let mut problems = Vec::new();
    for signature in &case.signatures {
        let Some(head) = &signature.access_log else {
            continue;
        };
        let entry = case
            .history
            .iter()
            .position(|e| e.digest == signature.entry)
            .map(|i| i + 1);
        let which = entry.map_or_else(|| "an entry".to_string(), |n| format!("entry {n}"));
        let recorded = usize::try_from(head.entries).unwrap_or(usize::MAX);
        if recorded > log.len() {
            problems.push(Problem {
                entry,
                what: format!(
                    "when {which} was signed the access log had {recorded} entries; it now has {} \
                     (entries were removed)",
                    log.len()
                ),
            });
        } else if recorded > 0 && log[recorded - 1] != head.digest {
            problems.push(Problem {
                entry,
                what: format!(
                    "access-log entry {recorded} is not the one recorded when {which} was signed \
                     (the log was rewritten)"
                ),
            });
        }
    }
    problems
}
