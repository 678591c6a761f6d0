//! What a letter must carry before it may be sent, and the refusal that
//! lists what it lacks.
//!
//! Required of every letter: the decision, the reviewer's name and
//! credentials, and whom to call. A denial adds the specific reason (each
//! criterion not met), the policy and section relied on, how to get a
//! free copy, the appeal rights with their deadline, the expedited path
//! and the peer-to-peer offer; an approval, the statement that it is no
//! coverage guarantee; a pend, each missing document and where and by
//! when to send it. A member's letter names no procedure or diagnosis code
//! and no abbreviation it does not spell out.

use crate::case::Case;
use crate::policy::Policy;
use crate::rules::fitness::unexplained_acronyms;

use super::{Element, Kind, Letter, LetterWords, Recipient};

/// The elements a letter of `kind` must carry.
pub fn required(kind: Kind) -> &'static [Element] {
    use Element::*;
    match kind {
        Kind::Approval => &[Decision, BenefitStatement, Reviewer, Help],
        Kind::Denial => &[
            Decision,
            SpecificReason,
            PolicyRelied,
            FreeCopy,
            AppealRights,
            ExpeditedAppeal,
            PeerToPeer,
            Reviewer,
            Help,
        ],
        Kind::Pend => &[Decision, MissingDocuments, SendBy, Reviewer, Help],
    }
}

/// A letter refused, with everything it lacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {kind} letter to the {recipient} of case {case} is incomplete:\n{}", lines(.problems))]
pub struct Incomplete {
    pub case: String,
    pub kind: &'static str,
    pub recipient: &'static str,
    pub problems: Vec<String>,
}

fn lines(problems: &[String]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Everything that keeps `letter` from being sent; empty when complete.
pub fn problems(letter: &Letter, policy: &Policy, words: &LetterWords, case: &Case) -> Vec<String> {
    let mut problems = Vec::new();
    for element in required(letter.kind) {
        let present = letter.section(*element).is_some_and(|s| !s.is_empty());
        if present {
            continue;
        }
        let why: Vec<&str> = letter
            .gaps
            .iter()
            .filter(|(e, _)| e == element)
            .map(|(_, why)| why.as_str())
            .collect();
        if why.is_empty() {
            problems.push(format!("missing {}", element.description()));
        } else {
            problems.push(format!(
                "missing {}: {}",
                element.description(),
                why.join("; ")
            ));
        }
    }
    if letter.recipient == Recipient::Member {
        problems.extend(member_wording_problems(letter, policy, words, case));
    }
    problems
}

/// The text a member reads, less the identifiers a letter must quote
/// (the reference and member id) and the postal address.
fn member_text(letter: &Letter, case: &Case) -> String {
    let mut text = letter.subject.clone();
    for section in &letter.sections {
        text.push('\n');
        text.push_str(&section.words());
    }
    text.replace(&case.id, "")
        .replace(&case.member.member_id, "")
}

/// Codes and unexplained abbreviations in a member's letter.
fn member_wording_problems(
    letter: &Letter,
    policy: &Policy,
    words: &LetterWords,
    case: &Case,
) -> Vec<String> {
    let text = member_text(letter, case);
    let mut problems = Vec::new();
    let codes = policy
        .coding
        .procedure_codes
        .iter()
        .chain(&policy.coding.diagnosis_codes)
        .map(|c| c.code.as_str())
        .chain(case.service.cpt_codes.iter().map(String::as_str))
        .chain(case.service.icd10_codes.iter().map(String::as_str));
    let mut named: Vec<&str> = Vec::new();
    for code in codes {
        if !named.contains(&code) && contains_word(&text, code) {
            named.push(code);
            problems.push(format!(
                "a member's letter names code {code}; say it in plain words"
            ));
        }
    }
    let mut unexplained = unexplained_acronyms(&text, "");
    for short in &words.abbreviations {
        let explained = text.contains(&format!("({short})"));
        if contains_word(&text, short) && !explained && !unexplained.contains(short) {
            unexplained.push(short.clone());
        }
    }
    for short in unexplained {
        problems.push(format!(
            "a member's letter uses \"{short}\" without spelling it out"
        ));
    }
    problems
}

/// `word` in `text` with no letter or digit on either side.
pub fn contains_word(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

/// The letter if it is complete, else the refusal listing what it lacks.
pub fn checked_letter(
    letter: Letter,
    policy: &Policy,
    words: &LetterWords,
    case: &Case,
) -> Result<Letter, Incomplete> {
    let problems = problems(&letter, policy, words, case);
    if problems.is_empty() {
        return Ok(letter);
    }
    Err(Incomplete {
        case: letter.case_id.clone(),
        kind: letter.kind.label(),
        recipient: letter.recipient.label(),
        problems,
    })
}
