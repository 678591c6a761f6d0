//! A decided case becomes a PAS Response Bundle: a `collection` whose
//! first entry is the ClaimResponse, followed by every resource it refers
//! to (the patient, the requestor, the insurer). Each requested item gets
//! one adjudication with the `reviewAction` extension and its X12 306 code;
//! the specific reason goes in a `processNote` in plain words.

use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Code, terms};
use crate::case::{
    Case, Decision, FhirIdentifier, PasItem, PasParty, PasRequest, Role, Status, rfc3339,
};
use crate::policy::Policy;

/// Where the ids of our resources live: a base no real server answers, so
/// a reader resolves the references inside the bundle.
pub const DEFAULT_BASE: &str = "https://umdesk.invalid/fhir";

/// What the response needs besides the case.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseOptions {
    /// The bundle's timestamp: when the response is written.
    pub now: OffsetDateTime,
    /// The deciding physician's NPI (from the roster, or given).
    pub reviewer_npi: Option<String>,
    /// A plan-supplied reason code (system, code) for a denial, where the
    /// plan has configured one; never invented.
    pub reason_code: Option<(String, String)>,
    /// Base URL of the entries' fullUrls.
    pub base: String,
}

impl ResponseOptions {
    pub fn at(now: OffsetDateTime) -> ResponseOptions {
        ResponseOptions {
            now,
            reviewer_npi: None,
            reason_code: None,
            base: DEFAULT_BASE.to_string(),
        }
    }
}

/// Why a case cannot be answered with a PAS response (yet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("case {0} was not imported from a PAS request, so there is no request to answer")]
    NotImported(String),
    #[error("case {0} has no decision yet")]
    Undecided(String),
    #[error("case {0} is reopened for amendment; export it after it is decided again")]
    Reopened(String),
    #[error(
        "case {0} was closed as not applicable to this policy; it is answered under the policy that applies"
    )]
    NotApplicable(String),
    #[error(
        "case {id} was decided by the physician {name}, whose NPI is not known: add it to the roster (umdesk roster add --npi) or give --reviewer-npi"
    )]
    NoReviewerNpi { id: String, name: String },
    #[error("the reviewer NPI '{npi}' is not valid: {why}")]
    BadReviewerNpi { npi: String, why: String },
    #[error("case {0} has no insurer from its request to name in the response")]
    NoInsurer(String),
}

/// The review action taken on one requested item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemAction {
    Certified,
    NotCertified,
    Pended,
    /// Certified only in part: what is certified is in `addItem`.
    Modified,
}

impl ItemAction {
    pub fn code(self) -> &'static Code {
        let actions = &terms().review_actions;
        match self {
            ItemAction::Certified => &actions.certified,
            ItemAction::NotCertified => &actions.not_certified,
            ItemAction::Pended => &actions.pended,
            ItemAction::Modified => &actions.modified,
        }
    }
}

/// Each requested item's action, in request order, and whether only part
/// of the request was certified. An approval certifies the items whose
/// procedure code the policy lists; an item it does not list was not
/// decided under the policy, so the approval is partial.
pub fn item_actions(
    policy: &Policy,
    case: &Case,
    request: &PasRequest,
) -> Result<Vec<(PasItem, ItemAction)>, ResponseError> {
    if case.status == Status::Reopened {
        return Err(ResponseError::Reopened(case.id.clone()));
    }
    let determination = case
        .determination
        .as_ref()
        .ok_or_else(|| ResponseError::Undecided(case.id.clone()))?;
    let action = |item: &PasItem| match determination.decision {
        Decision::Approve | Decision::Overturn => {
            if policy.procedure_code(&item.code).is_some() {
                Ok(ItemAction::Certified)
            } else {
                Ok(ItemAction::Modified)
            }
        }
        Decision::Uphold => Ok(ItemAction::NotCertified),
        Decision::Pend | Decision::ReferToPhysician => Ok(ItemAction::Pended),
        Decision::CloseNotApplicable => Err(ResponseError::NotApplicable(case.id.clone())),
    };
    request
        .items
        .iter()
        .map(|item| action(item).map(|a| (item.clone(), a)))
        .collect()
}

fn reference(party: &PasParty) -> String {
    format!("{}/{}", party.resource_type, party.id)
}

fn identifier(id: &FhirIdentifier) -> Value {
    match &id.system {
        Some(system) => json!({ "system": system, "value": id.value }),
        None => json!({ "value": id.value }),
    }
}

fn coding(system: &str, code: &Code) -> Value {
    json!({ "system": system, "code": code.code, "display": code.display })
}

/// The response to `case`'s PAS request, under `policy` (the case's own).
pub fn response_bundle(
    policy: &Policy,
    case: &Case,
    options: &ResponseOptions,
) -> Result<Value, ResponseError> {
    let request = case
        .pas_request
        .as_ref()
        .ok_or_else(|| ResponseError::NotImported(case.id.clone()))?;
    let actions = item_actions(policy, case, request)?;
    let determination = case
        .determination
        .as_ref()
        .ok_or_else(|| ResponseError::Undecided(case.id.clone()))?;
    let insurer = request
        .insurer
        .as_ref()
        .ok_or_else(|| ResponseError::NoInsurer(case.id.clone()))?;
    let reviewer = reviewer_extension(case, options)?;
    let partial = actions.iter().any(|(_, a)| *a == ItemAction::Modified);
    let notes = process_notes(policy, case, &actions);

    let t = terms();
    let items: Vec<Value> = actions
        .iter()
        .map(|(item, action)| {
            json!({
                "itemSequence": item.sequence,
                "noteNumber": [1],
                "adjudication": [adjudication(case, *action, options)],
            })
        })
        .collect();
    let mut claim_response = json!({
        "resourceType": "ClaimResponse",
        "id": format!("{}-response", case.id),
        "meta": { "profile": [t.profiles.claim_response] },
        "extension": [reviewer],
        "identifier": [identifier(&request.claim)],
        "status": "active",
        "type": { "coding": [{ "system": t.systems.claim_type, "code": "professional" }] },
        "use": "preauthorization",
        "patient": { "reference": reference(&request.patient) },
        "created": rfc3339(determination.decided_at),
        "insurer": { "reference": reference(insurer) },
        "requestor": { "reference": reference(&request.requestor) },
        "request": { "type": "Claim", "identifier": identifier(&request.claim) },
        "outcome": if partial { "partial" } else { "complete" },
        "disposition": disposition(case, partial),
        "item": items,
        "processNote": notes,
    });
    let certified = actions
        .iter()
        .any(|(_, a)| matches!(a, ItemAction::Certified | ItemAction::Modified));
    if certified {
        claim_response["preAuthRef"] = json!(case.id);
    }
    if partial {
        claim_response["addItem"] = json!([added_item(&actions, case, options)]);
    }

    let mut entries = vec![entry(&options.base, claim_response)];
    entries.push(entry(&options.base, patient(case, request)));
    entries.push(entry(&options.base, requestor(case, request)));
    entries.push(entry(
        &options.base,
        json!({ "resourceType": "Organization", "id": insurer.id, "name": insurer.name }),
    ));
    Ok(json!({
        "resourceType": "Bundle",
        "id": format!("{}-pas-response", case.id),
        "meta": { "profile": [t.profiles.response_bundle] },
        "identifier": identifier(&request.bundle),
        "type": "collection",
        "timestamp": rfc3339(options.now),
        "entry": entries,
    }))
}

/// An entry whose fullUrl is `base/Type/id`, so "Type/id" resolves to it.
pub fn entry(base: &str, resource: Value) -> Value {
    let kind = resource["resourceType"].as_str().unwrap_or_default();
    let id = resource["id"].as_str().unwrap_or_default();
    json!({ "fullUrl": format!("{base}/{kind}/{id}"), "resource": resource })
}

fn adjudication(case: &Case, action: ItemAction, options: &ResponseOptions) -> Value {
    let t = terms();
    let mut parts = vec![
        json!({
            "url": t.extensions.review_action_code,
            "valueCodeableConcept": { "coding": [coding(&t.systems.review_action, action.code())] },
        }),
        json!({ "url": "number", "valueString": case.id }),
    ];
    if action == ItemAction::NotCertified
        && let Some((system, code)) = &options.reason_code
    {
        parts.push(json!({
            "url": "reasonCode",
            "valueCodeableConcept": { "coding": [{ "system": system, "code": code }] },
        }));
    }
    json!({
        "category": { "coding": [{ "system": t.systems.adjudication, "code": "submitted" }] },
        "extension": [{ "url": t.extensions.review_action, "extension": parts }],
    })
}

/// What was certified of a partly certified request: the items the
/// policy lists, certified in total.
fn added_item(actions: &[(PasItem, ItemAction)], case: &Case, options: &ResponseOptions) -> Value {
    let certified: Vec<&PasItem> = actions
        .iter()
        .filter(|(_, a)| *a == ItemAction::Certified)
        .map(|(item, _)| item)
        .collect();
    let codings: Vec<Value> = certified
        .iter()
        .map(|item| json!({ "system": item.system, "code": item.code }))
        .collect();
    json!({
        "itemSequence": certified.iter().map(|i| i.sequence).collect::<Vec<_>>(),
        "productOrService": { "coding": codings },
        "noteNumber": [1],
        "adjudication": [adjudication(case, ItemAction::Certified, options)],
    })
}

/// Who reviewed: always a person in umdesk; a physician's decision names
/// the physician's NPI.
fn reviewer_extension(case: &Case, options: &ResponseOptions) -> Result<Value, ResponseError> {
    let t = terms();
    let determination = case
        .determination
        .as_ref()
        .ok_or_else(|| ResponseError::Undecided(case.id.clone()))?;
    let mut parts = vec![json!({ "url": "wasHumanReviewedFlag", "valueBoolean": true })];
    if determination.decided_by.role == Role::Physician {
        let npi = options
            .reviewer_npi
            .as_deref()
            .ok_or_else(|| ResponseError::NoReviewerNpi {
                id: case.id.clone(),
                name: determination.decided_by.name.clone(),
            })?;
        if let Some(why) = crate::case::npi::npi_problem(npi) {
            return Err(ResponseError::BadReviewerNpi {
                npi: npi.to_string(),
                why,
            });
        }
        parts.push(json!({
            "url": "reviewerNPI",
            "valueIdentifier": { "system": t.systems.npi, "value": npi },
        }));
    }
    Ok(json!({ "url": t.extensions.claim_response_reviewer, "extension": parts }))
}

fn disposition(case: &Case, partial: bool) -> String {
    let decision = case.determination.as_ref().map(|d| d.decision);
    match decision {
        Some(Decision::Approve | Decision::Overturn) if partial => "Certified in part".to_string(),
        Some(Decision::Approve | Decision::Overturn) => "Certified in total".to_string(),
        Some(Decision::Uphold) => "Not certified".to_string(),
        Some(Decision::ReferToPhysician) => "Pended for physician review".to_string(),
        _ => "Pended for information".to_string(),
    }
}

/// The specific reason, in plain words: the rationale the reviewer signed
/// (proposed by the rules), what is missing for a pend, and why an item
/// was left out of a partial certification.
fn process_notes(policy: &Policy, case: &Case, actions: &[(PasItem, ItemAction)]) -> Vec<Value> {
    let Some(determination) = &case.determination else {
        return Vec::new();
    };
    // A referral is no decision yet: the nurse's rationale explains a
    // denial only a physician may make, so the provider is told where the
    // request is, not why it might be denied.
    if determination.decision == Decision::ReferToPhysician {
        let text = format!(
            "Pended: the request is with a physician reviewer under {}; no decision has been made yet.",
            policy.number
        );
        return vec![json!({ "number": 1, "type": "display", "text": text })];
    }
    let mut text = determination.rationale.trim().to_string();
    if text.is_empty() {
        text = crate::rules::evaluate(policy, case).rationale;
    }
    if determination.decision == Decision::Pend && !determination.missing_information.is_empty() {
        text.push_str("\nMissing: ");
        text.push_str(&determination.missing_information.join("; "));
    }
    let left_out: Vec<&str> = actions
        .iter()
        .filter(|(_, a)| *a == ItemAction::Modified)
        .map(|(item, _)| item.code.as_str())
        .collect();
    if !left_out.is_empty() {
        text.push_str(&format!(
            "\nOnly part of the request is certified: procedure code(s) {} are not listed in {} and are not certified by this decision.",
            left_out.join(", "),
            policy.number
        ));
    }
    vec![json!({ "number": 1, "type": "display", "text": text })]
}

fn patient(case: &Case, request: &PasRequest) -> Value {
    json!({
        "resourceType": "Patient",
        "id": request.patient.id,
        "identifier": [{ "type": { "text": "Member ID" }, "value": case.member.member_id }],
        "name": [{ "text": case.member.name }],
        "birthDate": crate::case::iso_date::format(case.member.date_of_birth),
    })
}

fn requestor(case: &Case, request: &PasRequest) -> Value {
    let npi = json!([{ "system": terms().systems.npi, "value": case.provider.npi }]);
    let kind = request.requestor.resource_type.as_str();
    if kind == "Organization" {
        json!({
            "resourceType": "Organization",
            "id": request.requestor.id,
            "identifier": npi,
            "name": case.provider.name,
        })
    } else {
        json!({
            "resourceType": kind,
            "id": request.requestor.id,
            "identifier": npi,
            "name": [{ "text": case.provider.name }],
        })
    }
}
