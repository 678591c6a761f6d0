//! Who may do what. The app and the command line both ask here, so a
//! forbidden act is refused the same way everywhere, with its reason.

use crate::case::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Act {
    CreateCase,
    EditReview,
    Approve,
    Pend,
    ReferToPhysician,
    CloseNotApplicable,
    Uphold,
    Overturn,
    RecordPeerToPeer,
    QaReview,
    ReopenForAmendment,
    Reassign,
    BreakStaleLock,
    ViewAnyCase,
    ViewStats,
    ViewAuditLog,
}

impl Act {
    pub const ALL: [Act; 16] = [
        Act::CreateCase,
        Act::EditReview,
        Act::Approve,
        Act::Pend,
        Act::ReferToPhysician,
        Act::CloseNotApplicable,
        Act::Uphold,
        Act::Overturn,
        Act::RecordPeerToPeer,
        Act::QaReview,
        Act::ReopenForAmendment,
        Act::Reassign,
        Act::BreakStaleLock,
        Act::ViewAnyCase,
        Act::ViewStats,
        Act::ViewAuditLog,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Act::CreateCase => "create a case",
            Act::EditReview => "edit a review",
            Act::Approve => "approve",
            Act::Pend => "pend for information",
            Act::ReferToPhysician => "refer to a physician reviewer",
            Act::CloseNotApplicable => "close as not applicable",
            Act::Uphold => "uphold a denial",
            Act::Overturn => "overturn a denial",
            Act::RecordPeerToPeer => "record a peer-to-peer discussion",
            Act::QaReview => "record a QA review",
            Act::ReopenForAmendment => "reopen a case for amendment",
            Act::Reassign => "reassign a case",
            Act::BreakStaleLock => "break a stale lock",
            Act::ViewAnyCase => "view any case",
            Act::ViewStats => "view queue statistics",
            Act::ViewAuditLog => "view the access log",
        }
    }

    /// Who may do it, as the refusal says.
    fn who(self) -> &'static str {
        match self {
            Act::Uphold | Act::Overturn | Act::RecordPeerToPeer => "a physician reviewer",
            Act::QaReview
            | Act::ReopenForAmendment
            | Act::Reassign
            | Act::BreakStaleLock
            | Act::ViewStats
            | Act::ViewAuditLog => "a supervisor",
            Act::ReferToPhysician => "a nurse reviewer",
            _ => "a nurse or physician reviewer",
        }
    }
}

/// A role asked for an act it may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "only {who} may {act}; you are signed in as {role}",
    who = .act.who(),
    act = .act.label(),
    role = .role.label()
)]
pub struct Forbidden {
    pub role: Role,
    pub act: Act,
}

/// For callers that carry messages as text (the app's message line).
impl From<Forbidden> for String {
    fn from(err: Forbidden) -> String {
        err.to_string()
    }
}

/// Ok, or the reason the role may not do it.
pub fn check(role: Role, act: Act) -> Result<(), Forbidden> {
    if allowed(role, act) {
        return Ok(());
    }
    Err(Forbidden { role, act })
}

pub fn allowed(role: Role, act: Act) -> bool {
    use Act::*;
    match role {
        Role::Nurse => matches!(
            act,
            CreateCase
                | EditReview
                | Approve
                | Pend
                | ReferToPhysician
                | CloseNotApplicable
                | ViewAnyCase
        ),
        Role::Physician => matches!(
            act,
            CreateCase
                | EditReview
                | Approve
                | Pend
                | CloseNotApplicable
                | Uphold
                | Overturn
                | RecordPeerToPeer
                | ViewAnyCase
        ),
        Role::Supervisor => matches!(
            act,
            QaReview
                | ReopenForAmendment
                | Reassign
                | BreakStaleLock
                | ViewAnyCase
                | ViewStats
                | ViewAuditLog
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every act for every role, written out as the product brief says.
    #[test]
    fn every_act_for_every_role() {
        use Act::*;
        let nurse = [
            CreateCase,
            EditReview,
            Approve,
            Pend,
            ReferToPhysician,
            CloseNotApplicable,
            ViewAnyCase,
        ];
        let physician = [
            CreateCase,
            EditReview,
            Approve,
            Pend,
            CloseNotApplicable,
            Uphold,
            Overturn,
            RecordPeerToPeer,
            ViewAnyCase,
        ];
        let supervisor = [
            QaReview,
            ReopenForAmendment,
            Reassign,
            BreakStaleLock,
            ViewAnyCase,
            ViewStats,
            ViewAuditLog,
        ];
        for act in Act::ALL {
            for (role, allowed_acts) in [
                (Role::Nurse, &nurse[..]),
                (Role::Physician, &physician[..]),
                (Role::Supervisor, &supervisor[..]),
            ] {
                let expected = allowed_acts.contains(&act);
                assert_eq!(allowed(role, act), expected, "{role:?} {act:?}");
                match check(role, act) {
                    Ok(()) => assert!(expected),
                    Err(refusal) => {
                        assert!(!expected);
                        let reason = refusal.to_string();
                        assert!(
                            reason.contains(act.label()) && reason.contains(role.label()),
                            "{reason}"
                        );
                    }
                }
            }
        }
    }
}
