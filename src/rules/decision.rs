//! Reaching a decision, and the supervisor's acts on a decided case.
//! Each act checks who may do it, changes the case, and records history.
//!
//! Every act that is saved takes the version last saved (`saved`): its
//! history entry lists every change since that version, the act's own and
//! whatever else was edited in the same sitting, so that the history
//! replays to the saved content ([`crate::case::history::replay`]).

use time::OffsetDateTime;

use super::fitness::{denial_evidence_problems, denial_problems, overturn_problems};
use super::permissions::{Act, Forbidden, check};
use super::{Evaluation, evaluate};
use crate::case::history::{last_recorded, record, record_and_reseal, seal};
use crate::case::validate;
use crate::case::{
    Amendment, Case, Change, Decision, Determination, Outcome, PeerToPeer, QaCriterion, QaReview,
    Reviewer, Role, Status,
};
use crate::policy::Policy;

/// The decisions that fit an outcome, for one role.
pub fn decisions_for(outcome: Outcome, role: Role) -> Vec<Decision> {
    match (outcome, role) {
        (_, Role::Supervisor) => Vec::new(),
        (Outcome::MeetsCriteria, _) => vec![Decision::Approve],
        (Outcome::InformationNeeded, _) => vec![Decision::Pend],
        (Outcome::NotApplicable, _) => vec![Decision::CloseNotApplicable],
        (Outcome::DoesNotMeet, Role::Nurse) => vec![Decision::ReferToPhysician],
        (Outcome::DoesNotMeet, Role::Physician) => vec![Decision::Uphold, Decision::Overturn],
    }
}

fn act_of(decision: Decision) -> Act {
    match decision {
        Decision::Approve => Act::Approve,
        Decision::Pend => Act::Pend,
        Decision::ReferToPhysician => Act::ReferToPhysician,
        Decision::Uphold => Act::Uphold,
        Decision::Overturn => Act::Overturn,
        Decision::CloseNotApplicable => Act::CloseNotApplicable,
    }
}

/// What the reviewer asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRequest {
    pub decision: Decision,
    pub rationale: String,
    pub coding_acknowledgement: Option<String>,
}

/// Why an act on a case was refused; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("case {id} is {status} and sealed; only an amendment can change it", status = .status.label())]
    Sealed { id: String, status: Status },
    #[error("case {id} waits for a physician reviewer")]
    AwaitsPhysician { id: String },
    /// A reason, note or name the act needs was left blank.
    #[error("{what} must not be empty")]
    Blank { what: &'static str },
    #[error("case {id} is {status}, not finalized: there is nothing to amend", status = .status.label())]
    NotFinalized { id: String, status: Status },
    /// `purpose` is what the determination was wanted for: "amend", "review".
    #[error("case {id} has no determination to {purpose}")]
    NoDetermination { id: String, purpose: &'static str },
    #[error("case {id} is finalized; reopen it for amendment first")]
    Finalized { id: String },
    /// A save that would change what only an act changes.
    #[error("{field} changes only through a decision or a supervisor's act, not a review's save")]
    NotAReviewEdit { field: String },
}

/// For callers that carry messages as text (the app's message line).
impl From<ActError> for String {
    fn from(err: ActError) -> String {
        err.to_string()
    }
}

/// Whether a case is open to review edits at all, and if not, why.
pub fn editable(case: &Case, role: Role) -> Result<(), ActError> {
    check(role, Act::EditReview)?;
    if case.status.is_final() {
        return Err(ActError::Sealed {
            id: case.id.clone(),
            status: case.status,
        });
    }
    if case.status == Status::Referred && role != Role::Physician {
        return Err(ActError::AwaitsPhysician {
            id: case.id.clone(),
        });
    }
    Ok(())
}

/// Everything that stands between the request and a recorded decision.
pub fn problems(
    policy: &Policy,
    case: &Case,
    evaluation: &Evaluation,
    role: Role,
    request: &DecisionRequest,
) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(reason) = editable(case, role) {
        problems.push(reason.to_string());
        return problems;
    }
    if let Err(reason) = check(role, act_of(request.decision)) {
        problems.push(reason.to_string());
        return problems;
    }
    // Nothing the screens would refuse is signed: a bad NPI, an override
    // without its reason, a lesion of 0 cm, an option the pack does not list.
    problems.extend(
        validate::problems(policy, case)
            .iter()
            .map(|p| format!("correct {p}")),
    );
    if !decisions_for(evaluation.outcome, role).contains(&request.decision) {
        problems.push(format!(
            "'{}' does not fit the outcome '{}'",
            request.decision.label(),
            evaluation.outcome.label()
        ));
        return problems;
    }
    if request.rationale.trim().is_empty() {
        problems.push("write a rationale".to_string());
    }
    let acknowledged = request
        .coding_acknowledgement
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty());
    if !evaluation.coding_flags.is_empty() && !acknowledged {
        problems.push(format!(
            "acknowledge the {} coding flag(s) with a note",
            evaluation.coding_flags.len()
        ));
    }
    if request.decision == Decision::Uphold {
        problems.extend(denial_problems(policy, evaluation, &request.rationale));
        problems.extend(denial_evidence_problems(case, evaluation));
    }
    if request.decision == Decision::Overturn {
        problems.extend(overturn_problems(case, evaluation, &request.rationale));
    }
    problems
}

/// Records a decision: the determination, the status that follows, history,
/// and a seal when the case is final. `saved` is the version last saved:
/// the entry lists every change since it, the review's too.
pub fn decide(
    policy: &Policy,
    case: &mut Case,
    saved: &Case,
    reviewer: &Reviewer,
    request: &DecisionRequest,
    now: OffsetDateTime,
) -> Result<(), Vec<String>> {
    let evaluation = evaluate(policy, case);
    let problems = problems(policy, case, &evaluation, reviewer.role, request);
    if !problems.is_empty() {
        return Err(problems);
    }
    let before = last_recorded(case, saved);
    let amended = case.status == Status::Reopened;
    // The record shows each answer as the determination counted it: one
    // derived from lesions that came with the request is written down, one
    // left stale by a change under it is brought up to date.
    crate::rules::answers::sync_all(policy, case);
    case.determination = Some(Determination {
        outcome: evaluation.outcome,
        decision: request.decision,
        rationale: request.rationale.trim().to_string(),
        missing_information: evaluation.missing_information.clone(),
        coding_flags: evaluation
            .coding_flags
            .iter()
            .map(|f| f.message.clone())
            .collect(),
        coding_acknowledgement: request
            .coding_acknowledgement
            .clone()
            .filter(|n| !n.trim().is_empty()),
        benefit_statement: evaluation.benefit_statement.clone(),
        decided_by: reviewer.clone(),
        decided_at: now,
    });
    case.status = request.decision.status();
    case.seal = None;
    let event = if amended { "amended" } else { "decided" };
    let summary = format!(
        "{}: {}",
        request.decision.label(),
        evaluation.outcome.label()
    );
    record(case, Some(&before), reviewer, event, &summary, now);
    if case.status.is_final() {
        seal(case, now);
    }
    Ok(())
}

fn require_text(text: &str, what: &'static str) -> Result<String, ActError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ActError::Blank { what });
    }
    Ok(text.to_string())
}

/// A supervisor reopens a finalized case for amendment. The original
/// determination and seal are kept whole in the amendment record.
pub fn reopen(
    case: &mut Case,
    saved: &Case,
    supervisor: &Reviewer,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), ActError> {
    check(supervisor.role, Act::ReopenForAmendment)?;
    let reason = require_text(reason, "the reason for the amendment")?;
    if case.status.is_open() {
        return Err(ActError::NotFinalized {
            id: case.id.clone(),
            status: case.status,
        });
    }
    let Some(original) = case.determination.clone() else {
        return Err(ActError::NoDetermination {
            id: case.id.clone(),
            purpose: "amend",
        });
    };
    let before = last_recorded(case, saved);
    case.amendments.push(Amendment {
        at: now,
        by: supervisor.clone(),
        reason: reason.clone(),
        original,
        original_seal: case.seal.clone(),
    });
    case.status = Status::Reopened;
    case.seal = None;
    record(
        case,
        Some(&before),
        supervisor,
        "reopened",
        &format!("Reopened for amendment: {reason}"),
        now,
    );
    Ok(())
}

/// What a supervisor found in a QA review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QaFindings<'a> {
    /// (criterion, agrees); a criterion not listed is agreed with.
    pub criteria_agree: &'a [(String, bool)],
    pub outcome_agrees: bool,
    pub note: &'a str,
}

/// A supervisor's QA review of a decided case.
pub fn qa_review(
    policy: &Policy,
    case: &mut Case,
    saved: &Case,
    supervisor: &Reviewer,
    findings: &QaFindings,
    now: OffsetDateTime,
) -> Result<(), ActError> {
    let QaFindings {
        criteria_agree,
        outcome_agrees,
        note,
    } = *findings;
    check(supervisor.role, Act::QaReview)?;
    let note = require_text(note, "the QA note")?;
    let Some(determination) = &case.determination else {
        return Err(ActError::NoDetermination {
            id: case.id.clone(),
            purpose: "review",
        });
    };
    let reviewed = determination.decided_by.name.clone();
    let criteria: Vec<QaCriterion> = policy
        .criteria
        .iter()
        .map(|c| QaCriterion {
            criterion: c.id.clone(),
            agrees: criteria_agree
                .iter()
                .find(|(id, _)| id == &c.id)
                .map(|(_, agrees)| *agrees)
                .unwrap_or(true),
        })
        .collect();
    let before = last_recorded(case, saved);
    let disagreements = criteria.iter().filter(|c| !c.agrees).count();
    case.qa_reviews.push(QaReview {
        at: now,
        by: supervisor.clone(),
        reviewed,
        criteria,
        outcome_agrees,
        note,
    });
    let verdict = if outcome_agrees {
        "agrees"
    } else {
        "disagrees"
    };
    let summary =
        format!("QA review: {verdict} with the outcome; {disagreements} criterion disagreement(s)");
    record_and_reseal(case, &before, supervisor, "qa_review", &summary, now);
    Ok(())
}

/// A supervisor hands an open case to another reviewer.
pub fn reassign(
    case: &mut Case,
    saved: &Case,
    supervisor: &Reviewer,
    to: &str,
    now: OffsetDateTime,
) -> Result<(), ActError> {
    check(supervisor.role, Act::Reassign)?;
    let to = require_text(to, "the reviewer to assign")?;
    if case.status.is_final() {
        return Err(ActError::Finalized {
            id: case.id.clone(),
        });
    }
    let before = last_recorded(case, saved);
    case.assigned_reviewer = Some(to.clone());
    record_and_reseal(
        case,
        &before,
        supervisor,
        "reassigned",
        &format!("Assigned to {to}"),
        now,
    );
    Ok(())
}

/// A physician records a peer-to-peer discussion with the provider.
pub fn record_peer_to_peer(
    case: &mut Case,
    saved: &Case,
    physician: &Reviewer,
    provider_contact: &str,
    note: &str,
    now: OffsetDateTime,
) -> Result<(), ActError> {
    check(physician.role, Act::RecordPeerToPeer)?;
    let provider_contact = require_text(provider_contact, "who spoke for the provider")?;
    let note = require_text(note, "the note of the discussion")?;
    let before = last_recorded(case, saved);
    case.peer_to_peer.push(PeerToPeer {
        at: now,
        physician: physician.clone(),
        provider_contact: provider_contact.clone(),
        note,
    });
    let summary = format!("Peer-to-peer discussion with {provider_contact}");
    record_and_reseal(case, &before, physician, "peer_to_peer", &summary, now);
    Ok(())
}

/// Records in the case's history that a supervisor broke a stale lock.
pub fn record_lock_broken(
    case: &mut Case,
    saved: &Case,
    supervisor: &Reviewer,
    lock_description: &str,
    reason: &str,
    now: OffsetDateTime,
) -> Result<(), ActError> {
    check(supervisor.role, Act::BreakStaleLock)?;
    let reason = require_text(reason, "the reason for breaking the lock")?;
    let before = last_recorded(case, saved);
    let summary = format!("Broke stale lock ({lock_description}): {reason}");
    record_and_reseal(case, &before, supervisor, "lock_broken", &summary, now);
    Ok(())
}

/// Records a save of review work in progress (answers, notes, lesions):
/// every change since `saved`, the version last saved.
pub fn record_save(
    case: &mut Case,
    saved: &Case,
    by: &Reviewer,
    now: OffsetDateTime,
) -> Result<(), ActError> {
    let before = last_recorded(case, saved);
    let changes = crate::case::diff::changes(&before, case);
    if changes.is_empty() && !case.history.is_empty() {
        return Ok(());
    }
    editable(&before, by.role)?;
    review_edits_only(&changes)?;
    let summary = format!("Saved review ({} field(s) changed)", changes.len());
    crate::case::history::record_changes(case, changes, by, "saved", &summary, now);
    Ok(())
}

/// What a review edits, and so all that its save (or a draft of it) may
/// change: the criteria's answers and the lesions. The status, the
/// determination and the rest change only through an act with its checks;
/// a draft file edited to hold more is refused, never saved.
const REVIEW_FIELDS: [&str; 2] = ["criteria", "lesions"];

/// Refuses changes beyond [`REVIEW_FIELDS`], naming the first such field.
pub fn review_edits_only(changes: &[Change]) -> Result<(), ActError> {
    let beyond = changes.iter().find(|change| {
        !REVIEW_FIELDS.iter().any(|field| {
            change
                .field
                .strip_prefix(field)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
    });
    match beyond {
        Some(change) => Err(ActError::NotAReviewEdit {
            field: change.field.clone(),
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The refusals read as they did when they were plain strings: the app
    /// shows them as they are.
    #[test]
    fn refusals_keep_their_words() {
        let id = "UM-20261201-0001".to_string();
        let cases: [(ActError, &str); 7] = [
            (
                ActError::Forbidden(Forbidden {
                    role: Role::Nurse,
                    act: Act::Uphold,
                }),
                "only a physician reviewer may uphold a denial; you are signed in as nurse",
            ),
            (
                ActError::Sealed {
                    id: id.clone(),
                    status: Status::NotApplicable,
                },
                "case UM-20261201-0001 is not applicable and sealed; only an amendment can change it",
            ),
            (
                ActError::AwaitsPhysician { id: id.clone() },
                "case UM-20261201-0001 waits for a physician reviewer",
            ),
            (
                ActError::Blank {
                    what: "the QA note",
                },
                "the QA note must not be empty",
            ),
            (
                ActError::NotFinalized {
                    id: id.clone(),
                    status: Status::InReview,
                },
                "case UM-20261201-0001 is in review, not finalized: there is nothing to amend",
            ),
            (
                ActError::NoDetermination {
                    id: id.clone(),
                    purpose: "review",
                },
                "case UM-20261201-0001 has no determination to review",
            ),
            (
                ActError::Finalized { id },
                "case UM-20261201-0001 is finalized; reopen it for amendment first",
            ),
        ];
        for (err, text) in cases {
            assert_eq!(err.to_string(), text);
            assert_eq!(String::from(err), text);
        }
    }
}
