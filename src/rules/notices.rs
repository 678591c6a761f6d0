//! What follows a review and the public figures count (CMS-0057-F): an
//! extension of the review's time frame, the decision notice sent, an
//! appeal filed and decided. Each is one history entry, so a replay gives
//! it back; a sealed case is sealed again over it, as a note added after
//! finalization is.
//!
//! Who may: any reviewer records what was sent or received; extending a
//! review is for the reviewers and supervisors who run the queue; an
//! appeal is decided by a physician who took no part in the denial.

use time::{Duration, OffsetDateTime};

use crate::case::history::record_and_reseal;
use crate::case::{
    Appeal, AppealDecision, AppealOutcome, AppealParty, Case, Extension, Reviewer, Role, Status,
};

/// The longest extension of a review, in calendar days: the 14 days the
/// Medicare Advantage and Medicaid rules allow, taken once.
pub const MAX_EXTENSION_DAYS: i64 = 14;

/// Why the act was refused; nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    #[error("only a physician reviewer may decide an appeal; you are signed in as {}", .0.label())]
    NotPhysician(Role),
    #[error(
        "{name} made the denial under appeal; an appeal is decided by a physician who took no part in it"
    )]
    OwnDenial { name: String },
    #[error("case {id} is {status}: {why}", status = .status.label())]
    WrongStatus {
        id: String,
        status: Status,
        why: &'static str,
    },
    #[error("case {id} was extended already (to {new_due}); a review is extended once")]
    ExtendedAlready { id: String, new_due: String },
    #[error("an extension is 1 to {MAX_EXTENSION_DAYS} calendar days, not {0}")]
    ExtensionDays(i64),
    #[error("the decision notice of case {id} was recorded as sent already, at {at}")]
    NoticeAlready { id: String, at: String },
    #[error("case {id} has an appeal waiting for its decision already (filed {filed})")]
    AppealOpen { id: String, filed: String },
    #[error("case {id} has no appeal waiting for a decision")]
    NoOpenAppeal { id: String },
    #[error("{what} must not be empty")]
    Blank { what: &'static str },
    #[error("{what} ({at}) is later than now")]
    Future { what: &'static str, at: String },
    #[error("{what} ({at}) is before {before_what} ({before})")]
    TooEarly {
        what: &'static str,
        at: String,
        before_what: &'static str,
        before: String,
    },
}

fn stamp(at: OffsetDateTime) -> String {
    crate::case::rfc3339(at)
}

/// `at` may be neither in the future nor before `floor`.
fn check_time(
    what: &'static str,
    at: OffsetDateTime,
    now: OffsetDateTime,
    floor: (&'static str, OffsetDateTime),
) -> Result<(), NoticeError> {
    if at > now {
        return Err(NoticeError::Future {
            what,
            at: stamp(at),
        });
    }
    if at < floor.1 {
        return Err(NoticeError::TooEarly {
            what,
            at: stamp(at),
            before_what: floor.0,
            before: stamp(floor.1),
        });
    }
    Ok(())
}

fn require_text(text: &str, what: &'static str) -> Result<String, NoticeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(NoticeError::Blank { what });
    }
    Ok(text.to_string())
}

/// When the case was decided, for a decision notice: its final
/// determination's time.
fn final_decision_at(case: &Case) -> Option<OffsetDateTime> {
    if !case.status.is_final() {
        return None;
    }
    case.determination.as_ref().map(|d| d.decided_at)
}

/// Records that the decision notice went out at `at`.
pub fn record_notice_sent(
    case: &mut Case,
    by: &Reviewer,
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), NoticeError> {
    let Some(decided_at) = final_decision_at(case) else {
        return Err(NoticeError::WrongStatus {
            id: case.id.clone(),
            status: case.status,
            why: "a decision notice follows a final decision",
        });
    };
    if let Some(sent) = case.timeline.notice_sent_at {
        return Err(NoticeError::NoticeAlready {
            id: case.id.clone(),
            at: stamp(sent),
        });
    }
    check_time("the notice's time", at, now, ("the decision", decided_at))?;
    let before = case.clone();
    case.timeline.notice_sent_at = Some(at);
    let summary = format!("Decision notice sent {}", stamp(at));
    record_and_reseal(case, &before, by, "notice_sent", &summary, now);
    Ok(())
}

/// Extends an open review by `days` calendar days past its due time, with
/// the reason and when the notice of the extension went out.
pub fn extend(
    case: &mut Case,
    by: &Reviewer,
    days: i64,
    reason: &str,
    notice_sent_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), NoticeError> {
    if !case.status.is_open() {
        return Err(NoticeError::WrongStatus {
            id: case.id.clone(),
            status: case.status,
            why: "only an open review is extended",
        });
    }
    if let Some(taken) = case.timeline.extensions.last() {
        return Err(NoticeError::ExtendedAlready {
            id: case.id.clone(),
            new_due: stamp(taken.new_due),
        });
    }
    if !(1..=MAX_EXTENSION_DAYS).contains(&days) {
        return Err(NoticeError::ExtensionDays(days));
    }
    let reason = require_text(reason, "the reason for the extension")?;
    check_time(
        "the extension notice's time",
        notice_sent_at,
        now,
        ("the request's receipt", case.request.received_at),
    )?;
    let before = case.clone();
    let previous_due = case.request.due_at;
    let new_due = previous_due + Duration::days(days);
    case.timeline.extensions.push(Extension {
        taken_at: now,
        by: by.clone(),
        previous_due,
        new_due,
        reason: reason.clone(),
        notice_sent_at,
    });
    case.request.due_at = new_due;
    let summary = format!(
        "Review extended by {days} day(s) to {}: {reason}",
        stamp(new_due)
    );
    record_and_reseal(case, &before, by, "extended", &summary, now);
    Ok(())
}

/// Records an appeal of a denial, filed at `filed_at` by the member or
/// the provider on the member's behalf.
pub fn file_appeal(
    case: &mut Case,
    by: &Reviewer,
    filed_by: AppealParty,
    expedited: bool,
    filed_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), NoticeError> {
    let Some(decided_at) = final_decision_at(case).filter(|_| case.status == Status::Denied) else {
        return Err(NoticeError::WrongStatus {
            id: case.id.clone(),
            status: case.status,
            why: "only a denial is appealed",
        });
    };
    if let Some(open) = case.timeline.open_appeal() {
        return Err(NoticeError::AppealOpen {
            id: case.id.clone(),
            filed: stamp(open.filed_at),
        });
    }
    check_time(
        "the appeal's filing time",
        filed_at,
        now,
        ("the denial", decided_at),
    )?;
    let before = case.clone();
    case.timeline.appeals.push(Appeal {
        filed_at,
        filed_by,
        expedited,
        recorded_by: by.clone(),
        decision: None,
    });
    let summary = format!(
        "{} appeal filed by the {} {}",
        if expedited { "Expedited" } else { "Standard" },
        filed_by.label(),
        stamp(filed_at)
    );
    record_and_reseal(case, &before, by, "appeal_filed", &summary, now);
    Ok(())
}

/// A physician who took no part in the denial decides the open appeal.
/// The denial stays on the record as it was; the appeal says whether it
/// stands.
pub fn decide_appeal(
    case: &mut Case,
    by: &Reviewer,
    outcome: AppealOutcome,
    rationale: &str,
    now: OffsetDateTime,
) -> Result<(), NoticeError> {
    if by.role != Role::Physician {
        return Err(NoticeError::NotPhysician(by.role));
    }
    let denied_by = case
        .determination
        .as_ref()
        .map(|d| d.decided_by.name.clone());
    if denied_by.as_deref() == Some(by.name.as_str()) {
        return Err(NoticeError::OwnDenial {
            name: by.name.clone(),
        });
    }
    let Some(index) = case
        .timeline
        .appeals
        .iter()
        .position(|a| a.decision.is_none())
    else {
        return Err(NoticeError::NoOpenAppeal {
            id: case.id.clone(),
        });
    };
    let rationale = require_text(rationale, "the rationale of the appeal decision")?;
    let filed_at = case.timeline.appeals[index].filed_at;
    check_time(
        "the appeal decision",
        now,
        now,
        ("the appeal's filing", filed_at),
    )?;
    let before = case.clone();
    case.timeline.appeals[index].decision = Some(AppealDecision {
        decided_at: now,
        by: by.clone(),
        outcome,
        rationale: rationale.clone(),
    });
    let summary = format!("Appeal decided: denial {}: {rationale}", outcome.label());
    record_and_reseal(case, &before, by, "appeal_decided", &summary, now);
    Ok(())
}
