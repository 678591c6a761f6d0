//! The proposed rationale: plain words, fit to send to a provider.
//!
//! The sentences about peer-to-peer discussion and appeal rights are the
//! plan's letter wording, not policy text; the policy's own words (title,
//! criteria, statements) all come from the pack.

use crate::case::{Case, Outcome};
use crate::policy::{Answer, Policy};

use super::Evaluation;

pub const PEER_TO_PEER_OFFER: &str = "The requesting provider may discuss this decision with the physician reviewer in a peer-to-peer discussion before or after it is final.";
pub const APPEAL_RIGHTS: &str = "The member, or the provider on the member's behalf, has the right to appeal this decision; the notice of determination explains how and by when.";

pub fn propose(policy: &Policy, case: &Case, evaluation: &Evaluation) -> String {
    match evaluation.outcome {
        Outcome::NotApplicable => not_applicable(policy, case, evaluation),
        Outcome::DoesNotMeet => does_not_meet(policy, evaluation),
        Outcome::InformationNeeded => information_needed(policy, evaluation),
        Outcome::MeetsCriteria => meets(policy, case),
    }
}

fn policy_name(policy: &Policy) -> String {
    format!("medical policy {} ({})", policy.number, policy.title)
}

fn not_applicable(policy: &Policy, case: &Case, evaluation: &Evaluation) -> String {
    let refer_to = evaluation.refer_to.as_deref().unwrap_or("another policy");
    format!(
        "The member's product is {}. Under section II (Product Variations) of {}, this request is not decided under that policy: it is referred to the {refer_to}.",
        case.member.product.label(),
        policy_name(policy)
    )
}

fn does_not_meet(policy: &Policy, evaluation: &Evaluation) -> String {
    let mut text = format!(
        "This request does not meet the criteria of section I (Policy) of {}, effective {}. All {} criteria must be met. The following were not met:\n",
        policy_name(policy),
        policy.effective_date,
        policy.criteria.len()
    );
    for result in evaluation
        .criteria
        .iter()
        .filter(|r| r.answer == Answer::NotMet)
    {
        let wording = policy
            .criterion(&result.criterion)
            .map(|c| c.text.as_str())
            .unwrap_or("");
        text.push_str(&format!(
            "- Criterion {}, {}: the policy requires \"{wording}\". {}.\n",
            result.number, result.name, result.reason
        ));
    }
    text.push_str(&format!(
        "Section I: {}\n{PEER_TO_PEER_OFFER}\n{APPEAL_RIGHTS}",
        policy.fall_through.text
    ));
    text
}

fn information_needed(policy: &Policy, evaluation: &Evaluation) -> String {
    let mut text = format!(
        "This request is pended: it cannot be decided under section I (Policy) of {} until the following documentation is received:\n",
        policy_name(policy)
    );
    for line in &evaluation.missing_information {
        text.push_str(&format!("- {line}\n"));
    }
    text.pop();
    text
}

fn meets(policy: &Policy, case: &Case) -> String {
    format!(
        "This request for procedure code(s) {} meets all {} criteria of section I (Policy) of {}, effective {}, and is medically necessary.",
        listed_procedures(policy, case),
        policy.criteria.len(),
        policy_name(policy),
        policy.effective_date
    )
}

/// Only the codes the policy covers: a flagged code is not approved here.
fn listed_procedures(policy: &Policy, case: &Case) -> String {
    let codes: Vec<&str> = case
        .service
        .cpt_codes
        .iter()
        .filter(|c| policy.procedure_code(c).is_some())
        .map(String::as_str)
        .collect();
    codes.join(", ")
}
