//! The checklist as DTR would carry it: the policy pack as the
//! Questionnaire its criteria make, and a case's answers as the
//! QuestionnaireResponse to it, every answer with its information origin
//! (auto, override, manual) and author.

use serde_json::{Value, json};

use super::terms;
use crate::case::{Case, Origin, rfc3339};
use crate::policy::{Answer, Policy};

/// The code system of the answers (met, not met, insufficient).
pub const ANSWER_SYSTEM: &str = "urn:umdesk:criterion-answer";

fn answer_code(answer: Answer) -> &'static str {
    match answer {
        Answer::Met => "met",
        Answer::NotMet => "not_met",
        Answer::Insufficient => "insufficient",
    }
}

fn answer_coding(answer: Answer) -> Value {
    json!({ "system": ANSWER_SYSTEM, "code": answer_code(answer), "display": answer.label() })
}

/// The Questionnaire's canonical URL: the policy's number and date.
pub fn questionnaire_url(policy: &Policy) -> String {
    format!(
        "{}:{}",
        terms().systems.umdesk_policy,
        policy.number.replace(' ', "-")
    )
}

fn questionnaire_id(policy: &Policy) -> String {
    policy
        .number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// The policy pack as a Questionnaire: one question per criterion, in the
/// policy's order, worded as the policy words it.
pub fn questionnaire(policy: &Policy) -> Value {
    let items: Vec<Value> = policy
        .criteria
        .iter()
        .map(|criterion| {
            json!({
                "linkId": criterion.id,
                "prefix": format!("Section {}", criterion.section),
                "text": criterion.text,
                "type": "choice",
                "required": true,
                "answerOption": Answer::ALL.iter().map(|a| json!({ "valueCoding": answer_coding(*a) })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "resourceType": "Questionnaire",
        "id": questionnaire_id(policy),
        "url": questionnaire_url(policy),
        "version": policy.effective_date,
        "title": format!("{} {}", policy.number, policy.title),
        "status": "active",
        "item": items,
    })
}

fn origin_code(origin: Origin) -> &'static str {
    match origin {
        Origin::Auto => "auto",
        Origin::Manual => "manual",
        Origin::Override => "override",
    }
}

/// A case's checklist as the QuestionnaireResponse to [`questionnaire`]:
/// a criterion without an answer of known origin is left unanswered.
pub fn questionnaire_response(policy: &Policy, case: &Case, patient_reference: &str) -> Value {
    let items: Vec<Value> = policy
        .criteria
        .iter()
        .map(|criterion| {
            let (answer, origin) =
                crate::rules::answers::effective_answer(policy, case, &criterion.id);
            let mut item = json!({ "linkId": criterion.id, "text": criterion.text });
            if let Some(origin) = origin {
                let author = case
                    .answer(&criterion.id)
                    .and_then(|a| a.author.clone())
                    .filter(|a| !a.trim().is_empty())
                    .unwrap_or_else(|| "umdesk (derived from the request)".to_string());
                item["answer"] = json!([{
                    "extension": [{
                        "url": terms().extensions.information_origin,
                        "extension": [
                            { "url": "source", "valueCode": origin_code(origin) },
                            { "url": "author", "valueReference": { "display": author } },
                        ],
                    }],
                    "valueCoding": answer_coding(answer),
                }]);
            }
            item
        })
        .collect();
    let status = if case.status.is_final() {
        "completed"
    } else {
        "in-progress"
    };
    let authored = case
        .determination
        .as_ref()
        .map(|d| d.decided_at)
        .or_else(|| case.history.last().map(|e| e.at))
        .unwrap_or(case.request.received_at);
    json!({
        "resourceType": "QuestionnaireResponse",
        "id": format!("{}-checklist", case.id),
        "questionnaire": format!("{}|{}", questionnaire_url(policy), policy.effective_date),
        "status": status,
        "subject": { "reference": patient_reference },
        "authored": rfc3339(authored),
        "item": items,
    })
}
