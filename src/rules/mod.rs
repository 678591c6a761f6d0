//! The determination rules: pure functions from (policy, case) to what
//! follows. No terminal, no files.

pub mod answers;
pub mod cms;
pub mod coding;
pub mod decision;
pub mod fitness;
pub mod history_text;
pub mod notices;
pub mod permissions;
mod rationale;

pub use answers::{derive, effective_answer};
pub use coding::{CodingFlag, coding_flags};

use serde::Serialize;

use crate::case::{Case, Origin, Outcome};
use crate::policy::{Answer, CriterionInput, CrossReference, Policy, ProductVariation};

/// Everything the rules say about a case, ready to show or to serialize.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub outcome: Outcome,
    pub policy: String,
    pub criteria: Vec<CriterionResult>,
    /// One line per document the provider must send (information needed).
    pub missing_information: Vec<String>,
    pub coding_flags: Vec<CodingFlag>,
    /// Where a not-applicable request is decided instead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refer_to: Option<String>,
    /// The proposed rationale, in plain words.
    pub rationale: String,
    pub benefit_statement: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<Suggestion>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionResult {
    pub criterion: String,
    pub number: usize,
    pub name: String,
    pub answer: Answer,
    /// None while unanswered.
    pub origin: Option<Origin>,
    /// What the structured input alone gives, if anything.
    pub derived: Option<Answer>,
    /// Why the answer is what it is, in plain words.
    pub reason: String,
}

/// A diagnosis-code suggestion for a choice criterion; the reviewer confirms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub criterion: String,
    pub option: String,
    pub reason: String,
}

/// The one rule of the policy, made exact (PRODUCT.md "Determination rules").
pub fn evaluate(policy: &Policy, case: &Case) -> Evaluation {
    let criteria: Vec<CriterionResult> = policy
        .criteria
        .iter()
        .enumerate()
        .map(|(i, criterion)| {
            let (answer, origin) = effective_answer(policy, case, &criterion.id);
            CriterionResult {
                criterion: criterion.id.clone(),
                number: i + 1,
                name: criterion.name.clone(),
                answer,
                origin,
                derived: derive(policy, case, &criterion.id),
                reason: answers::reason(policy, case, &criterion.id),
            }
        })
        .collect();
    let routed = routing(policy, case);
    let outcome = outcome_of(routed.is_some(), &criteria);
    let missing_information = if outcome == Outcome::InformationNeeded {
        answers::missing_information(policy, case, &criteria)
    } else {
        Vec::new()
    };
    let mut evaluation = Evaluation {
        outcome,
        policy: policy.number.clone(),
        criteria,
        missing_information,
        coding_flags: coding_flags(policy, case),
        refer_to: routed.as_ref().and_then(Routing::refer_to),
        rationale: String::new(),
        benefit_statement: policy.benefit_statement.text.clone(),
        suggestion: suggest(policy, case),
    };
    evaluation.rationale = rationale::propose(policy, case, &evaluation);
    evaluation
}

/// Why a request is not decided under the policy at all.
#[derive(Debug, Clone, PartialEq)]
pub enum Routing<'p> {
    /// The member's product is governed elsewhere (FEP PPO).
    Product(&'p ProductVariation),
    /// None of the request's procedure codes is the policy's: `codes` are
    /// the codes, `to` the cross-referenced policies that list them (none
    /// when the pack knows no policy for them).
    Codes {
        codes: Vec<String>,
        to: Vec<&'p CrossReference>,
    },
}

impl Routing<'_> {
    /// Where the request goes instead, as the pack names it.
    pub fn refer_to(&self) -> Option<String> {
        match self {
            Routing::Product(variation) => Some(variation.refer_to.clone()),
            Routing::Codes { to, .. } if to.is_empty() => None,
            Routing::Codes { to, .. } => Some(
                to.iter()
                    .map(|r| format!("{} {}", r.number, r.title))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        }
    }
}

/// Whether the request is decided elsewhere: the product first, then the
/// procedure codes (a request for none of the policy's procedures is not
/// decided under it, whatever its criteria say).
pub fn routing<'p>(policy: &'p Policy, case: &Case) -> Option<Routing<'p>> {
    if let Some(variation) = policy.variation_for(case.member.product.key()) {
        return Some(Routing::Product(variation));
    }
    let codes = &case.service.cpt_codes;
    if codes.iter().any(|c| policy.procedure_code(c).is_some()) {
        return None;
    }
    let mut to: Vec<&CrossReference> = Vec::new();
    for reference in codes
        .iter()
        .filter_map(|c| policy.cross_reference_for_code(c))
    {
        if !to.iter().any(|r| r.number == reference.number) {
            to.push(reference);
        }
    }
    Some(Routing::Codes {
        codes: codes.clone(),
        to,
    })
}

/// The four outcomes, checked in their order.
fn outcome_of(routed: bool, criteria: &[CriterionResult]) -> Outcome {
    if routed {
        return Outcome::NotApplicable;
    }
    if criteria.iter().any(|c| c.answer == Answer::NotMet) {
        return Outcome::DoesNotMeet;
    }
    if criteria.iter().any(|c| c.answer == Answer::Insufficient) {
        return Outcome::InformationNeeded;
    }
    Outcome::MeetsCriteria
}

/// The option the request's diagnosis codes point to, if they point anywhere.
pub fn suggest(policy: &Policy, case: &Case) -> Option<Suggestion> {
    let codes = &case.service.icd10_codes;
    let mut matching = policy.diagnosis_suggestions.iter().filter(|s| {
        let has_code = s.codes.iter().any(|c| codes.contains(c));
        let has_companion = s.with_any_of.is_empty()
            || codes
                .iter()
                .any(|code| s.with_any_of.iter().any(|p| code_in_category(code, p)));
        has_code && has_companion
    });
    let first = matching.next()?;
    // Codes that point two ways (C78.7 with both a colorectal and a
    // neuroendocrine primary) suggest nothing: the reviewer decides.
    if matching.any(|s| s.criterion == first.criterion && s.option != first.option) {
        return None;
    }
    Some(Suggestion {
        criterion: first.criterion.clone(),
        option: first.option.clone(),
        reason: first.reason.clone(),
    })
}

/// "C18.7" is in category "C18"; "C7A.1" in "C7A"; "C20" in "C20".
fn code_in_category(code: &str, category: &str) -> bool {
    code == category
        || code
            .strip_prefix(category)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// The label of a choice option, for messages.
pub fn option_label<'p>(policy: &'p Policy, criterion: &str, option: &str) -> Option<&'p str> {
    let CriterionInput::Choice { options, .. } = &policy.criterion(criterion)?.input else {
        return None;
    };
    options
        .iter()
        .find(|o| o.id == option)
        .map(|o| o.label.as_str())
}
