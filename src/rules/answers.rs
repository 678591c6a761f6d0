//! Answers to criteria: what the structured input gives, what the reviewer
//! set, and the edits that keep the two honest.

use crate::case::{Case, Lesion, Origin, fmt_number};
use crate::policy::{Answer, Criterion, CriterionInput, Policy};

use super::CriterionResult;

/// The answer the structured input alone gives, or None without input.
pub fn derive(policy: &Policy, case: &Case, criterion: &str) -> Option<Answer> {
    let criterion = policy.criterion(criterion)?;
    match &criterion.input {
        CriterionInput::Choice { options, .. } => {
            let chosen = case.answer(&criterion.id)?.input.as_deref()?;
            options.iter().find(|o| o.id == chosen).map(|o| o.answer)
        }
        CriterionInput::Measurements { below, .. } => derive_measurements(&case.lesions, *below),
    }
}

/// Met when every lesion is measured and strictly below the limit; one
/// at or above it is not met; an unmeasured lesion leaves it open.
fn derive_measurements(lesions: &[Lesion], below: f64) -> Option<Answer> {
    if lesions.is_empty() {
        return None;
    }
    if lesions
        .iter()
        .any(|l| l.diameter_cm.is_some_and(|d| d >= below))
    {
        return Some(Answer::NotMet);
    }
    if !lesions.iter().all(is_measured) {
        return Some(Answer::Insufficient);
    }
    Some(Answer::Met)
}

/// Whether a lesion's diameter is a measurement: a size that cannot be a
/// diameter (zero, negative) is none, and is never "below" the limit.
fn is_measured(lesion: &Lesion) -> bool {
    lesion
        .diameter_cm
        .is_some_and(|d| crate::case::validate::diameter_problem(d).is_none())
}

/// The answer that counts and how it was reached. An unanswered criterion
/// counts as insufficient; an auto answer always follows its input.
pub fn effective_answer(policy: &Policy, case: &Case, criterion: &str) -> (Answer, Option<Origin>) {
    let stored = case.answer(criterion);
    let origin = stored.and_then(|a| a.origin);
    let derived = derive(policy, case, criterion);
    match (origin, derived) {
        // Only an override, with its reason, stands against the record; a
        // manual answer holds only while the record gives nothing.
        (Some(Origin::Override), _) | (Some(Origin::Manual), None) => (
            stored
                .and_then(|a| a.answer)
                .unwrap_or(Answer::Insufficient),
            origin,
        ),
        (_, Some(derived)) => (derived, Some(Origin::Auto)),
        (_, None) => (Answer::Insufficient, None),
    }
}

/// Why the answer is what it is, in a sentence for the reviewer and letters.
pub fn reason(policy: &Policy, case: &Case, criterion_id: &str) -> String {
    let Some(criterion) = policy.criterion(criterion_id) else {
        return String::new();
    };
    let stored = case.answer(criterion_id);
    let (answer, origin) = effective_answer(policy, case, criterion_id);
    match origin {
        Some(Origin::Override) => {
            let reason = stored
                .and_then(|a| a.override_reason.as_deref())
                .unwrap_or("");
            let derived = derive(policy, case, criterion_id)
                .map(|d| d.label().to_lowercase())
                .unwrap_or_else(|| "nothing".to_string());
            format!(
                "{} by the reviewer, overriding {derived} from the record: {reason}",
                answer.label()
            )
        }
        Some(Origin::Manual) => format!("{} as set by the reviewer", answer.label()),
        Some(Origin::Auto) => input_reason(criterion, case),
        None => "Not answered".to_string(),
    }
}

fn input_reason(criterion: &Criterion, case: &Case) -> String {
    match &criterion.input {
        CriterionInput::Choice { options, .. } => {
            let chosen = case
                .answer(&criterion.id)
                .and_then(|a| a.input.as_deref())
                .unwrap_or("");
            let option = options.iter().find(|o| o.id == chosen);
            let label = option.map(|o| o.label.as_str()).unwrap_or(chosen);
            // "Documented: Not documented" said nothing twice.
            if option.is_some_and(|o| o.answer == Answer::Insufficient) {
                return format!("The record says: {label}");
            }
            format!("Documented: {label}")
        }
        CriterionInput::Measurements { unit, below, .. } => {
            measurement_reason(&case.lesions, unit, *below)
        }
    }
}

fn measurement_reason(lesions: &[Lesion], unit: &str, below: f64) -> String {
    let too_large: Vec<String> = lesions
        .iter()
        .filter(|l| l.diameter_cm.is_some_and(|d| d >= below))
        .map(|l| format!("{} measures {} {unit}", l.site, fmt_number(l.diameter_cm)))
        .collect();
    if !too_large.is_empty() {
        return format!(
            "{}, not less than {} {unit}",
            too_large.join("; "),
            fmt_number(Some(below))
        );
    }
    let unmeasured: Vec<&str> = lesions
        .iter()
        .filter(|l| l.diameter_cm.is_none())
        .map(|l| l.site.as_str())
        .collect();
    if !unmeasured.is_empty() {
        return format!("No diameter documented for {}", unmeasured.join(", "));
    }
    let invalid: Vec<String> = lesions
        .iter()
        .filter(|l| !is_measured(l))
        .map(|l| format!("{} ({} {unit})", l.site, fmt_number(l.diameter_cm)))
        .collect();
    if !invalid.is_empty() {
        return format!(
            "No valid diameter documented for {}: a diameter is larger than 0 {unit}",
            invalid.join(", ")
        );
    }
    let largest = lesions
        .iter()
        .filter_map(|l| l.diameter_cm)
        .fold(0.0_f64, f64::max);
    format!(
        "All {} lesion(s) below {} {unit}; largest {} {unit}",
        lesions.len(),
        fmt_number(Some(below)),
        fmt_number(Some(largest))
    )
}

/// Each document the provider must send, specific to what is missing.
pub fn missing_information(
    policy: &Policy,
    case: &Case,
    results: &[CriterionResult],
) -> Vec<String> {
    results
        .iter()
        .filter(|r| r.answer == Answer::Insufficient)
        .filter_map(|r| {
            let criterion = policy.criterion(&r.criterion)?;
            let mut line = format!(
                "Criterion {} ({}): {}",
                r.number, criterion.name, criterion.documentation_needed
            );
            if let CriterionInput::Measurements { .. } = criterion.input {
                let unmeasured: Vec<&str> = case
                    .lesions
                    .iter()
                    .filter(|l| !is_measured(l))
                    .map(|l| l.site.as_str())
                    .collect();
                if !unmeasured.is_empty() {
                    line.push_str(&format!(
                        " (no diameter yet for: {})",
                        unmeasured.join(", ")
                    ));
                }
            }
            Some(line)
        })
        .collect()
}

/// Why an edit to an answer was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("unknown criterion '{0}'")]
    UnknownCriterion(String),
    #[error("criterion '{criterion}' has no option '{option}'")]
    UnknownOption { criterion: String, option: String },
    /// Overriding a derived answer needs a written reason.
    #[error("the record gives '{derived}': overriding it needs a written reason", derived = .derived.label())]
    ReasonRequired { criterion: String, derived: Answer },
}

/// For callers that carry messages as text (the app's message line).
impl From<AnswerError> for String {
    fn from(err: AnswerError) -> String {
        err.to_string()
    }
}

/// Records the structured input of a choice criterion. An auto or
/// unanswered criterion follows it; an override or manual answer stands.
pub fn set_input(
    policy: &Policy,
    case: &mut Case,
    criterion: &str,
    option: Option<&str>,
    author: &str,
) -> Result<(), AnswerError> {
    let definition = policy
        .criterion(criterion)
        .ok_or_else(|| AnswerError::UnknownCriterion(criterion.to_string()))?;
    if let (Some(option), CriterionInput::Choice { options, .. }) = (option, &definition.input)
        && !options.iter().any(|o| o.id == option)
    {
        return Err(AnswerError::UnknownOption {
            criterion: criterion.to_string(),
            option: option.to_string(),
        });
    }
    let record = case.answer_mut(criterion);
    record.input = option.map(str::to_string);
    record.author = Some(author.to_string());
    sync_auto(policy, case, criterion);
    Ok(())
}

/// Keeps the stored answer of an auto (or unanswered) criterion equal to
/// what its input now gives; call after lesions change too.
pub fn sync_auto(policy: &Policy, case: &mut Case, criterion: &str) {
    let derived = derive(policy, case, criterion);
    let record = case.answer_mut(criterion);
    match (record.origin, derived) {
        (Some(Origin::Override), _) | (Some(Origin::Manual), None) => {}
        _ => {
            record.answer = derived;
            record.origin = derived.map(|_| Origin::Auto);
        }
    }
}

/// The lesions changed: re-derive, and the measurement criteria's
/// answers are now the work of `author`.
pub fn lesions_changed(policy: &Policy, case: &mut Case, author: &str) {
    sync_all(policy, case);
    for criterion in &policy.criteria {
        if matches!(criterion.input, CriterionInput::Measurements { .. }) {
            case.answer_mut(&criterion.id).author = Some(author.to_string());
        }
    }
}

pub fn sync_all(policy: &Policy, case: &mut Case) {
    let ids: Vec<String> = policy.criteria.iter().map(|c| c.id.clone()).collect();
    for id in ids {
        sync_auto(policy, case, &id);
    }
}

/// The reviewer marks a criterion. Agreeing with the derived answer keeps it
/// auto; differing from it is an override and needs a reason; with nothing
/// derived it is a manual answer.
pub fn mark(
    policy: &Policy,
    case: &mut Case,
    criterion: &str,
    answer: Answer,
    reason: Option<&str>,
    author: &str,
) -> Result<(), AnswerError> {
    if policy.criterion(criterion).is_none() {
        return Err(AnswerError::UnknownCriterion(criterion.to_string()));
    }
    let derived = derive(policy, case, criterion);
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    let (origin, override_reason) = match derived {
        Some(derived) if derived == answer => (Origin::Auto, None),
        Some(derived) => match reason {
            Some(reason) => (Origin::Override, Some(reason.to_string())),
            None => {
                return Err(AnswerError::ReasonRequired {
                    criterion: criterion.to_string(),
                    derived,
                });
            }
        },
        None => (Origin::Manual, None),
    };
    let record = case.answer_mut(criterion);
    record.answer = Some(answer);
    record.origin = Some(origin);
    record.override_reason = override_reason;
    record.author = Some(author.to_string());
    Ok(())
}

/// Takes back the reviewer's answer: the criterion follows its input again.
pub fn clear(policy: &Policy, case: &mut Case, criterion: &str) {
    let record = case.answer_mut(criterion);
    record.origin = None;
    record.answer = None;
    record.override_reason = None;
    sync_auto(policy, case, criterion);
}

/// Whether marking `answer` would override a derived answer (and so needs a
/// reason), for the app to ask before it tries.
pub fn needs_reason(policy: &Policy, case: &Case, criterion: &str, answer: Answer) -> bool {
    derive(policy, case, criterion).is_some_and(|d| d != answer)
}
