//! Who may do what. The app and the command line both ask here, so a
//! forbidden act is refused the same way everywhere, with its reason.

use strum::{EnumCount, EnumMessage, VariantArray};

use crate::case::{Role, in_order};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumMessage, EnumCount, VariantArray)]
pub enum Act {
    #[strum(message = "create a case")]
    CreateCase,
    #[strum(message = "edit a review")]
    EditReview,
    #[strum(message = "approve")]
    Approve,
    #[strum(message = "pend for information")]
    Pend,
    #[strum(message = "refer to a physician reviewer")]
    ReferToPhysician,
    #[strum(message = "close as not applicable")]
    CloseNotApplicable,
    #[strum(message = "uphold a denial")]
    Uphold,
    #[strum(message = "overturn a denial")]
    Overturn,
    #[strum(message = "record a peer-to-peer discussion")]
    RecordPeerToPeer,
    #[strum(message = "record a QA review")]
    QaReview,
    #[strum(message = "reopen a case for amendment")]
    ReopenForAmendment,
    #[strum(message = "reassign a case")]
    Reassign,
    #[strum(message = "break a stale lock")]
    BreakStaleLock,
    #[strum(message = "view any case")]
    ViewAnyCase,
    #[strum(message = "view queue statistics")]
    ViewStats,
    #[strum(message = "view the access log")]
    ViewAuditLog,
}

impl Act {
    pub const ALL: [Act; Act::COUNT] = in_order(Act::VARIANTS);

    /// What it is, as a refusal names it: "uphold a denial".
    pub fn label(self) -> &'static str {
        self.get_message().unwrap_or_default()
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

    /// The words a refusal uses, as they were written out by hand.
    #[test]
    fn acts_keep_their_words() {
        let labels: Vec<&str> = Act::ALL.iter().map(|a| a.label()).collect();
        assert_eq!(
            labels,
            [
                "create a case",
                "edit a review",
                "approve",
                "pend for information",
                "refer to a physician reviewer",
                "close as not applicable",
                "uphold a denial",
                "overturn a denial",
                "record a peer-to-peer discussion",
                "record a QA review",
                "reopen a case for amendment",
                "reassign a case",
                "break a stale lock",
                "view any case",
                "view queue statistics",
                "view the access log",
            ]
        );
        assert_eq!(
            check(Role::Nurse, Act::ViewStats).unwrap_err().to_string(),
            "only a supervisor may view queue statistics; you are signed in as nurse"
        );
    }

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
