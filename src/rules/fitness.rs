//! Is a denial fit to send? PRODUCT.md: it cites each failed criterion by
//! name in plain words, states the policy number and section, offers the
//! provider a peer-to-peer discussion and the member their appeal rights.

use crate::case::{Case, Decision, Origin};
use crate::policy::{Answer, Policy};

use super::Evaluation;

/// What an upheld denial still lacks in its record: each criterion it
/// rests on (every criterion not met) needs the evidence and the document
/// it comes from, named per criterion.
pub fn denial_evidence_problems(case: &Case, evaluation: &Evaluation) -> Vec<String> {
    let mut problems = Vec::new();
    for result in evaluation
        .criteria
        .iter()
        .filter(|r| r.answer == Answer::NotMet)
    {
        let answer = case.answer(&result.criterion);
        let blank = |text: Option<&str>| text.is_none_or(|t| t.trim().is_empty());
        let which = format!("criterion {} ({})", result.number, result.name);
        if blank(answer.map(|a| a.evidence.as_str())) {
            problems.push(format!("{which}: record the evidence the denial rests on"));
        }
        if blank(answer.map(|a| a.source_document.as_str())) {
            problems.push(format!("{which}: name the source document of the evidence"));
        }
    }
    problems
}

/// Whether an overturn's rationale is the physician's own: neither the
/// proposed text (which, for a referral, explains a denial) nor the
/// referral's rationale may stand as the reason for an approval.
pub fn overturn_problems(case: &Case, evaluation: &Evaluation, rationale: &str) -> Vec<String> {
    let rationale = rationale.trim();
    let proposed = evaluation.rationale.trim();
    let referral = case
        .determination
        .as_ref()
        .filter(|d| d.decision == Decision::ReferToPhysician)
        .map(|d| d.rationale.trim())
        .unwrap_or("");
    if rationale == proposed || (!referral.is_empty() && rationale == referral) {
        return vec![
            "write your own rationale for overturning: the text is the proposed denial's, not the reason for an approval"
                .to_string(),
        ];
    }
    Vec::new()
}

/// Criteria whose answer the reviewer set (manual or override) with no
/// evidence written for it, for the determination screen to show as such.
pub fn unevidenced_manual_answers(case: &Case) -> Vec<String> {
    case.criteria
        .iter()
        .filter(|a| matches!(a.origin, Some(Origin::Manual | Origin::Override)))
        .filter(|a| a.evidence.trim().is_empty())
        .map(|a| a.criterion.clone())
        .collect()
}

/// What the rationale still lacks; empty when it is fit to send.
pub fn denial_problems(policy: &Policy, evaluation: &Evaluation, rationale: &str) -> Vec<String> {
    let lower = rationale.to_lowercase();
    let mut problems = Vec::new();
    for result in evaluation
        .criteria
        .iter()
        .filter(|r| r.answer == Answer::NotMet)
    {
        if !lower.contains(&result.name.to_lowercase()) {
            problems.push(format!(
                "name the failed criterion {}: \"{}\"",
                result.number, result.name
            ));
        }
    }
    if !rationale.contains(&policy.number) {
        problems.push(format!("state the policy number ({})", policy.number));
    }
    if !names_section_one(&lower) {
        problems.push("state the policy section (section I)".to_string());
    }
    if !lower.contains("peer-to-peer") {
        problems.push("offer the provider a peer-to-peer discussion".to_string());
    }
    if !lower.contains("appeal") {
        problems.push("state the member's appeal rights".to_string());
    }
    for acronym in unexplained_acronyms(rationale, &policy.number) {
        problems.push(format!(
            "spell out \"{acronym}\" (write the words, then \"({acronym})\")"
        ));
    }
    problems
}

/// "section i" as a whole word: "section i.", "section i (policy)".
fn names_section_one(lower: &str) -> bool {
    lower.match_indices("section i").any(|(at, found)| {
        let next = lower[at + found.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric())
    })
}

/// Words of two or more capitals that are never spelled out as
/// "words (ACRONYM)". Roman numerals and the policy number's prefix pass.
pub fn unexplained_acronyms(text: &str, policy_number: &str) -> Vec<String> {
    let prefix = policy_number.split_whitespace().next().unwrap_or("");
    let mut found: Vec<String> = Vec::new();
    for word in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let capitals = word.len() >= 2
            && word
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && word.chars().filter(|c| c.is_ascii_uppercase()).count() >= 2;
        // A diagnosis code (C7B.02 splits into "C7B") is cited, not an acronym.
        let code_like = word.as_bytes().get(1).is_some_and(u8::is_ascii_digit);
        if !capitals || code_like || word == prefix || is_roman(word) {
            continue;
        }
        if text.contains(&format!("({word})")) || found.iter().any(|f| f == word) {
            continue;
        }
        found.push(word.to_string());
    }
    found
}

fn is_roman(word: &str) -> bool {
    matches!(
        word,
        "II" | "III" | "IV" | "VI" | "VII" | "VIII" | "IX" | "XI" | "XII"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acronyms_must_be_spelled_out() {
        let text = "Imaging by CT showed it. Magnetic resonance imaging (MRI) agrees. MRI again. C7B.02 cited. MP 1.121 section II.";
        assert_eq!(
            unexplained_acronyms(text, "MP 1.121"),
            vec!["CT".to_string()]
        );
    }

    #[test]
    fn section_one_as_a_whole_word() {
        assert!(names_section_one("under mp 1.121 section i."));
        assert!(names_section_one("section i (policy)"));
        assert!(!names_section_one("section ii (product variations)"));
        assert!(!names_section_one("section iv"));
    }
}
