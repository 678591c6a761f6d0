//! The proposed rationale: plain words, fit to send to a provider.
//!
//! The sentences about peer-to-peer discussion and appeal rights are the
//! plan's letter wording, not policy text; the policy's own words (title,
//! criteria, statements) all come from the pack.

use crate::case::{Case, Outcome};
use crate::policy::{Answer, Policy};

use super::{Evaluation, Routing, routing};
use crate::policy::CrossReference;

pub const PEER_TO_PEER_OFFER: &str = "The requesting provider may discuss this decision with the physician reviewer in a peer-to-peer discussion before or after it is final.";
/// Where a request goes whose procedure codes no policy in the pack lists.
pub const UNROUTED: &str =
    "it is returned to intake to be routed to the medical policy that covers its procedure codes.";
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
    if let Some(Routing::Codes { codes, to }) = routing(policy, case) {
        return routed_by_codes(policy, &codes, &to);
    }
    let refer_to = evaluation.refer_to.as_deref().unwrap_or("another policy");
    format!(
        "The member's product is {}. Under section II (Product Variations) of {}, this request is not decided under that policy: it is referred to the {refer_to}.",
        case.member.product.label(),
        policy_name(policy)
    )
}

/// A request for none of the policy's procedures, routed to the policy its
/// codes belong to; the codes are named so the letter says what was asked.
fn routed_by_codes(policy: &Policy, codes: &[String], to: &[&CrossReference]) -> String {
    let requested = if codes.is_empty() {
        "This request carries no procedure code".to_string()
    } else {
        format!("This request is for procedure code(s) {}", codes.join(", "))
    };
    let mut text = format!(
        "{requested}, none of which is listed in the coding section of {}.",
        policy_name(policy)
    );
    for reference in to {
        let theirs: Vec<&str> = codes
            .iter()
            .filter(|c| reference.procedure_codes.contains(c))
            .map(String::as_str)
            .collect();
        text.push_str(&format!(
            " Procedure code(s) {} belong to medical policy {} ({}).",
            theirs.join(", "),
            reference.number,
            reference.title
        ));
    }
    match to.first() {
        Some(_) => {
            let names: Vec<&str> = to.iter().map(|r| r.number.as_str()).collect();
            text.push_str(&format!(
                " The request is not decided under {}: it is referred to {}.",
                policy.number,
                names.join(" and ")
            ));
        }
        None => text.push_str(&format!(
            " The request is not decided under {}: {UNROUTED}",
            policy.number
        )),
    }
    text
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
