//! Signed, not only sealed (PRODUCT.md "Who may do what, and the record
//! they leave"): a finalized decision carries its signer's SSH signature,
//! checked against the roster. Someone who can write the store but does
//! not hold the signer's private key cannot make a decision that verifies
//! as signed, however carefully they re-chain and re-seal it.

use time::macros::datetime;
use umdesk::case::history::{self, Integrity};
use umdesk::case::{AccessLogHead, Case, HistoryEntry, Reviewer, Role};
use umdesk::digest::sha256_hex;
use umdesk::fixtures::sample_cases;
use umdesk::identity::roster::{RosterEntry, fingerprint};
use umdesk::identity::signing::{DETERMINATION, sign_entry};
use umdesk::identity::verify::{
    Problem, check, check_access_log_heads, entries_to_sign, verify_signatures,
};
use umdesk::identity::{Roster, test_keys};
use umdesk::policy::LoadedPolicy;

const SIGNER_KEY: u8 = 1;
const ATTACKER_KEY: u8 = 66;
const NURSE_KEY: u8 = 2;

/// A finalized sample with one decision, never amended.
fn decided() -> Case {
    sample_cases(&LoadedPolicy::embedded())
        .into_iter()
        .find(|c| c.status.is_final() && c.amendments.is_empty() && c.qa_reviews.is_empty())
        .expect("the samples hold a finalized case")
}

fn signer(case: &Case) -> Reviewer {
    case.determination.as_ref().unwrap().decided_by.clone()
}

fn entry(reviewer: &Reviewer, user: &str, key: u8) -> RosterEntry {
    RosterEntry {
        name: reviewer.name.clone(),
        role: reviewer.role,
        os_users: vec![user.into()],
        keys: vec![test_keys::public_line(key)],
        added_at: datetime!(2020-01-01 0:00 UTC),
        added_by: "owner, store owner (supervisor)".into(),
        removed: None,
        npi: None,
    }
}

/// The roster of the store: a supervisor, the case's signer with their
/// key, and a nurse with hers.
fn roster_for(case: &Case) -> Roster {
    let supervisor = Reviewer {
        name: "Renee Alvarez, RN, CCM".into(),
        role: Role::Supervisor,
    };
    let nurse = Reviewer {
        name: "Sam Okafor, RN".into(),
        role: Role::Nurse,
    };
    let mut roster = Roster::default();
    roster.add(entry(&supervisor, "renee", 9)).unwrap();
    roster
        .add(entry(&signer(case), "olive", SIGNER_KEY))
        .unwrap();
    roster.add(entry(&nurse, "sam", NURSE_KEY)).unwrap();
    roster.version = 3;
    roster
}

fn head() -> AccessLogHead {
    AccessLogHead {
        entries: 2,
        digest: "b".repeat(64),
    }
}

/// The case with its decision signed by the signer's own key.
fn signed() -> (Case, Roster) {
    let mut case = decided();
    let roster = roster_for(&case);
    let index = entries_to_sign(&case)[0];
    let signature = sign_entry(
        &case,
        index,
        &test_keys::signing_key(SIGNER_KEY),
        Some(head()),
    )
    .unwrap();
    case.signatures.push(signature);
    (case, roster)
}

/// What someone with write access to the files can do: change the
/// decision, then rebuild every digest of the history and the seal, as
/// the app would have.
fn rewrite_decision(case: &mut Case) {
    let determination = case.determination.as_mut().unwrap();
    determination.rationale = "Approved after all; see the attached note.".into();
    let last = case.history.len() - 1;
    // The forged entry's changes give the forged content, so the history
    // still replays to what the file says.
    let previous = history::replay(&case.history[..last]).expect("the history replays");
    case.history[last].changes = umdesk::case::diff::changes(&previous, case);
    case.history[last].case_digest = history::content_digest(case);
    let mut prev = String::new();
    for entry in &mut case.history {
        entry.prev = prev.clone();
        entry.digest = entry_digest(entry);
        prev = entry.digest.clone();
    }
    history::seal(case, case.seal.as_ref().unwrap().sealed_at);
}

fn entry_digest(entry: &HistoryEntry) -> String {
    let mut unsigned = entry.clone();
    unsigned.digest.clear();
    sha256_hex(&serde_json::to_vec(&unsigned).unwrap())
}

fn said(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.what.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_signed_decision_verifies_and_keeps_the_file_as_it_was() {
    let (case, roster) = signed();
    assert_eq!(history::verify(&case), Integrity::Intact);
    let result = check(&case, &roster);
    assert_eq!(result.problems, []);
    assert_eq!(result.valid, [signer(&case)]);
    // A case without signatures is written as before: no "signatures" key.
    let json = umdesk::case::to_json(&decided());
    assert!(!json.contains("signatures"), "{json}");
    assert!(umdesk::case::to_json(&case).contains("\"signatures\""));
}

#[test]
fn a_rewritten_decision_re_chained_and_re_sealed_does_not_verify_as_signed() {
    let (mut case, roster) = signed();
    rewrite_decision(&mut case);
    // The chain and the seal are plain digests: rebuilt, they hold.
    assert_eq!(history::verify(&case), Integrity::Intact);
    // The signature does not follow.
    let problems = verify_signatures(&case, &roster);
    assert!(!problems.is_empty());
    let text = said(&problems);
    assert!(text.contains("no valid signature"), "{text}");

    // Nor does moving the old signature onto the rewritten entry.
    let mut moved = case.clone();
    let index = entries_to_sign(&moved)[0];
    moved.signatures[0].entry = moved.history[index].digest.clone();
    let text = said(&verify_signatures(&moved, &roster));
    assert!(text.contains("does not match"), "{text}");
}

#[test]
fn a_signature_made_with_another_key_is_not_the_signers() {
    let (mut case, roster) = signed();
    rewrite_decision(&mut case);
    case.signatures.clear();
    let index = entries_to_sign(&case)[0];
    // The attacker signs in the physician's name with a key of their own.
    let forged = sign_entry(
        &case,
        index,
        &test_keys::signing_key(ATTACKER_KEY),
        Some(head()),
    )
    .unwrap();
    case.signatures.push(forged);
    let text = said(&verify_signatures(&case, &roster));
    assert!(text.contains("the roster does not list"), "{text}");

    // Adding their key to the store's roster (they can write it) makes it
    // pass against that roster, but not against a copy kept elsewhere.
    let mut rewritten_roster = roster.clone();
    let signer_entry = rewritten_roster
        .entries
        .iter_mut()
        .find(|e| e.name == signer(&case).name)
        .unwrap();
    signer_entry.keys.push(test_keys::public_line(ATTACKER_KEY));
    assert_eq!(verify_signatures(&case, &rewritten_roster), []);
    assert!(!verify_signatures(&case, &roster).is_empty());
}

#[test]
fn a_nurse_cannot_sign_as_a_physician_with_her_own_key() {
    let (mut case, roster) = signed();
    case.signatures.clear();
    let index = entries_to_sign(&case)[0];
    let by_nurse = sign_entry(&case, index, &test_keys::signing_key(NURSE_KEY), None).unwrap();
    case.signatures.push(by_nurse);
    let text = said(&verify_signatures(&case, &roster));
    assert!(text.contains("does not list"), "{text}");
}

#[test]
fn a_decision_without_its_signature_is_reported_in_a_rostered_store() {
    let case = decided();
    let roster = roster_for(&case);
    let problems = verify_signatures(&case, &roster);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].what.contains("carries no valid signature"));
    assert!(problems[0].entry.is_some());
}

#[test]
fn a_signature_is_for_its_act_only() {
    let (case, roster) = signed();
    let index = entries_to_sign(&case)[0];
    // A save is no act that is signed.
    let saved = case
        .history
        .iter()
        .position(|e| e.event != case.history[index].event)
        .unwrap();
    assert!(sign_entry(&case, saved, &test_keys::signing_key(SIGNER_KEY), None).is_err());
    // The namespace is part of what is signed: a determination's signature
    // read as anything else fails.
    let sig = ssh_key::SshSig::from_pem(&case.signatures[0].sshsig).unwrap();
    assert_eq!(sig.namespace(), DETERMINATION);
    assert_eq!(
        case.signatures[0].key,
        fingerprint(test_keys::signing_key(SIGNER_KEY).public_key())
    );
    assert_eq!(verify_signatures(&case, &roster), []);
}

#[test]
fn a_log_cut_shorter_than_a_signature_saw_is_reported() {
    let (case, _) = signed();
    let whole = vec!["a".repeat(64), "b".repeat(64), "c".repeat(64)];
    assert_eq!(check_access_log_heads(&case, &whole), []);
    let text = said(&check_access_log_heads(&case, &whole[..1]));
    assert!(text.contains("removed"), "{text}");
    let rewritten = vec!["a".repeat(64), "x".repeat(64)];
    let text = said(&check_access_log_heads(&case, &rewritten));
    assert!(text.contains("rewritten"), "{text}");
    // The head is signed: changing it breaks the signature.
    let (mut case, roster) = signed();
    case.signatures[0].access_log = Some(AccessLogHead {
        entries: 1,
        digest: "a".repeat(64),
    });
    assert!(!verify_signatures(&case, &roster).is_empty());
}

/// What umdesk signs, OpenSSH's own `ssh-keygen -Y verify` accepts: a
/// reviewer's signature can be checked without umdesk.
#[test]
fn ssh_keygen_accepts_the_signature() {
    // scripts/test.sh installs OpenSSH's client where it is missing: the
    // cross-check fails, never skips, without it.
    let probe = std::process::Command::new("ssh-keygen").arg("-?").output();
    assert!(
        probe.is_ok(),
        "ssh-keygen is not installed; run the suite with scripts/test.sh, which installs it"
    );
    let (case, _) = signed();
    let signature = &case.signatures[0];
    let dir = tempfile::tempdir().unwrap();
    let allowed = dir.path().join("allowed_signers");
    std::fs::write(
        &allowed,
        format!("olive {}\n", test_keys::public_line(SIGNER_KEY)),
    )
    .unwrap();
    let sig = dir.path().join("entry.sig");
    std::fs::write(&sig, &signature.sshsig).unwrap();
    let message =
        umdesk::case::Signature::message(&case.id, &signature.entry, signature.access_log.as_ref());
    let mut child = std::process::Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(&allowed)
        .args(["-I", "olive", "-n", DETERMINATION, "-s"])
        .arg(&sig)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(message.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_key_of_a_removed_reviewer_signs_nothing_dated_after_the_removal() {
    let (case, mut roster) = signed();
    let decided_at = case.determination.as_ref().unwrap().decided_at;
    let name = signer(&case).name;
    let entry = roster.entries.iter_mut().find(|e| e.name == name).unwrap();
    // Removed after the decision: the signature still stands.
    entry.removed = Some(umdesk::identity::roster::Removal {
        at: decided_at + time::Duration::days(1),
        by: "Renee Alvarez, RN, CCM (supervisor)".into(),
    });
    assert_eq!(verify_signatures(&case, &roster), []);
    // Removed before it: it does not.
    let entry = roster.entries.iter_mut().find(|e| e.name == name).unwrap();
    entry.removed.as_mut().unwrap().at = decided_at - time::Duration::days(1);
    let text = said(&verify_signatures(&case, &roster));
    assert!(text.contains("removed from the roster"), "{text}");
}
