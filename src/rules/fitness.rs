//! Is a denial fit to send? PRODUCT.md: it cites each failed criterion by
//! name in plain words, states the policy number and section, offers the
//! provider a peer-to-peer discussion and the member their appeal rights.

use crate::policy::{Answer, Policy};

use super::Evaluation;

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
