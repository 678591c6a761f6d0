//! What the screens refuse, checked over a whole case: so that a case file,
//! `umdesk evaluate`, an import or a store row can never carry what a
//! reviewer could not have entered. The intake, the review, load, save,
//! sign-off and the command line all ask here.
//!
//! Each problem names its place by the path notation of the history
//! (`criteria[2].override_reason`, `lesions[0].diameter_cm`, `provider.npi`).

use super::diff::{index_path, key_path};
use super::model::{Case, CriterionAnswer, Origin};
use super::npi::npi_problem;
use crate::policy::codes::{cpt_problem, icd10_problem};
use crate::policy::{CriterionInput, Policy};

/// The largest diameter taken as a measurement; a larger one is a typing
/// error (a liver is about 15 cm across).
pub const MAX_DIAMETER_CM: f64 = 100.0;

/// One thing wrong with a case, where it is and why: the same kind of
/// problem a policy pack check reports, with a path into the case.
pub use crate::policy::Problem;

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

/// Every problem of the case under `policy`, in the order of the file.
pub fn problems(policy: &Policy, case: &Case) -> Vec<Problem> {
    let mut found = Vec::new();
    request_problems(case, &mut found);
    for (i, lesion) in case.lesions.iter().enumerate() {
        let at = index_path("lesions", i);
        if lesion.site.trim().is_empty() {
            found.push(problem(
                key_path(&at, "site"),
                "name the site of the lesion",
            ));
        }
        if let Some(message) = lesion.diameter_cm.and_then(diameter_problem) {
            found.push(problem(key_path(&at, "diameter_cm"), message));
        }
    }
    for (i, answer) in case.criteria.iter().enumerate() {
        let at = index_path("criteria", i);
        let earlier = &case.criteria[..i];
        if earlier.iter().any(|a| a.criterion == answer.criterion) {
            found.push(problem(
                key_path(&at, "criterion"),
                format!("criterion '{}' is answered twice", answer.criterion),
            ));
            continue;
        }
        answer_problems(policy, &at, answer, &mut found);
    }
    found
}

/// Why a diameter is not a measurement the review would take, in cm.
pub fn diameter_problem(diameter_cm: f64) -> Option<String> {
    if !diameter_cm.is_finite() || diameter_cm <= 0.0 {
        return Some(format!(
            "{diameter_cm} is not a diameter: a measured lesion is larger than 0 cm"
        ));
    }
    if diameter_cm >= MAX_DIAMETER_CM {
        return Some(format!(
            "{diameter_cm} cm is not a diameter of a liver lesion (under {MAX_DIAMETER_CM} cm)"
        ));
    }
    None
}

/// The request facts, as the intake checks them.
fn request_problems(case: &Case, found: &mut Vec<Problem>) {
    let required = [
        (
            "member.name",
            &case.member.name,
            "the member's name is required",
        ),
        (
            "member.member_id",
            &case.member.member_id,
            "the member ID is required",
        ),
        (
            "provider.name",
            &case.provider.name,
            "the provider's name is required",
        ),
    ];
    for (path, text, message) in required {
        if text.trim().is_empty() {
            found.push(problem(path, message));
        }
    }
    if case.member.date_of_birth > case.request.received_at.date() {
        found.push(problem(
            "member.date_of_birth",
            "the date of birth is after the request was received",
        ));
    }
    if let Some(message) = npi_problem(&case.provider.npi) {
        found.push(problem(
            "provider.npi",
            format!("NPI {}: {message}", case.provider.npi),
        ));
    }
    codes(
        "service.cpt_codes",
        &case.service.cpt_codes,
        "at least one CPT code is required",
        cpt_problem,
        found,
    );
    codes(
        "service.icd10_codes",
        &case.service.icd10_codes,
        "at least one ICD-10-CM code is required",
        icd10_problem,
        found,
    );
}

fn codes(
    path: &str,
    codes: &[String],
    none: &str,
    check: fn(&str) -> Option<String>,
    found: &mut Vec<Problem>,
) {
    if codes.is_empty() {
        found.push(problem(path, none));
    }
    for (i, code) in codes.iter().enumerate() {
        if let Some(message) = check(code) {
            found.push(problem(index_path(path, i), message));
        }
    }
}

fn answer_problems(policy: &Policy, at: &str, answer: &CriterionAnswer, found: &mut Vec<Problem>) {
    let Some((number, criterion)) = policy
        .criteria
        .iter()
        .enumerate()
        .find(|(_, c)| c.id == answer.criterion)
    else {
        found.push(problem(
            key_path(at, "criterion"),
            format!("{} has no criterion '{}'", policy.number, answer.criterion),
        ));
        return;
    };
    let name = format!("criterion {} ({})", number + 1, criterion.name);
    match (&criterion.input, answer.input.as_deref()) {
        (CriterionInput::Choice { options, .. }, Some(chosen))
            if !options.iter().any(|o| o.id == chosen) =>
        {
            let listed: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
            found.push(problem(
                key_path(at, "input"),
                format!(
                    "'{chosen}' is not an option of {name}; the options are {}",
                    listed.join(", ")
                ),
            ));
        }
        (CriterionInput::Measurements { .. }, Some(_)) => found.push(problem(
            key_path(at, "input"),
            format!("{name} is answered from the lesions and takes no option"),
        )),
        _ => {}
    }
    let by_reviewer = matches!(answer.origin, Some(Origin::Manual | Origin::Override));
    if by_reviewer && answer.answer.is_none() {
        found.push(problem(
            key_path(at, "answer"),
            format!("{name} is marked by the reviewer but holds no answer"),
        ));
    }
    let reason = answer.override_reason.as_deref().unwrap_or("").trim();
    if answer.origin == Some(Origin::Override) && reason.is_empty() {
        found.push(problem(
            key_path(at, "override_reason"),
            format!("overriding what the record gives for {name} needs a written reason"),
        ));
    }
}
