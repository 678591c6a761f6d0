//! Due times by line of business and urgency.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::model::{LineOfBusiness, Status, Urgency};

/// How long a line of business allows for a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueRule {
    pub expedited_hours: i64,
    pub standard_days: i64,
}

/// The table in force; configurable, with the 2026 rules as defaults:
/// CMS-0057-F for Medicare Advantage, Medicaid and CHIP (72 hours / 7
/// days) and ERISA pre-service claims for commercial (72 hours / 15 days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DueTable {
    pub commercial: DueRule,
    pub medicare_advantage: DueRule,
    pub medicaid: DueRule,
    pub chip: DueRule,
}

impl Default for DueTable {
    fn default() -> Self {
        let cms = DueRule {
            expedited_hours: 72,
            standard_days: 7,
        };
        DueTable {
            commercial: DueRule {
                expedited_hours: 72,
                standard_days: 15,
            },
            medicare_advantage: cms,
            medicaid: cms,
            chip: cms,
        }
    }
}

impl DueTable {
    pub fn rule(&self, line: LineOfBusiness) -> DueRule {
        match line {
            LineOfBusiness::Commercial => self.commercial,
            LineOfBusiness::MedicareAdvantage => self.medicare_advantage,
            LineOfBusiness::Medicaid => self.medicaid,
            LineOfBusiness::Chip => self.chip,
        }
    }

    pub fn due_at(
        &self,
        received_at: OffsetDateTime,
        urgency: Urgency,
        line: LineOfBusiness,
    ) -> OffsetDateTime {
        let rule = self.rule(line);
        match urgency {
            Urgency::Expedited => received_at + Duration::hours(rule.expedited_hours),
            Urgency::Standard => received_at + Duration::days(rule.standard_days),
        }
    }
}

/// Overdue: still open (see [`Status::is_open`]) and due before `now`. The
/// one definition the queue, `umdesk list --overdue` and the statistics use.
pub fn is_overdue(status: Status, due_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    status.is_open() && due_at < now
}

/// "2d 4h left", "3h 10m left", "overdue 5h": the time left, for the queue.
pub fn time_left(due_at: OffsetDateTime, now: OffsetDateTime) -> String {
    let left = due_at - now;
    let (prefix, suffix, span) = if left.is_negative() {
        ("overdue ", "", -left)
    } else {
        ("", " left", left)
    };
    let days = span.whole_days();
    let hours = span.whole_hours() - days * 24;
    let minutes = span.whole_minutes() - span.whole_hours() * 60;
    let amount = if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else {
        format!("{minutes}m")
    };
    format!("{prefix}{amount}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn defaults_follow_the_2026_rules() {
        let table = DueTable::default();
        let received = datetime!(2026-03-02 09:00 -5);
        assert_eq!(
            table.due_at(
                received,
                Urgency::Standard,
                LineOfBusiness::MedicareAdvantage
            ),
            datetime!(2026-03-09 09:00 -5)
        );
        assert_eq!(
            table.due_at(received, Urgency::Standard, LineOfBusiness::Commercial),
            datetime!(2026-03-17 09:00 -5)
        );
        for line in [
            LineOfBusiness::Commercial,
            LineOfBusiness::Medicaid,
            LineOfBusiness::Chip,
        ] {
            assert_eq!(
                table.due_at(received, Urgency::Expedited, line),
                datetime!(2026-03-05 09:00 -5)
            );
        }
    }

    #[test]
    fn only_open_cases_are_overdue() {
        let due = datetime!(2026-03-05 09:00 UTC);
        let after = datetime!(2026-03-05 09:01 UTC);
        for status in Status::ALL.iter() {
            assert_eq!(
                is_overdue(*status, due, after),
                status.is_open(),
                "{status:?}"
            );
            assert!(!is_overdue(*status, due, due), "due now is not overdue yet");
        }
    }

    #[test]
    fn time_left_reads_plainly() {
        let due = datetime!(2026-03-05 09:00 UTC);
        assert_eq!(
            time_left(due, datetime!(2026-03-03 05:00 UTC)),
            "2d 4h left"
        );
        assert_eq!(
            time_left(due, datetime!(2026-03-05 07:30 UTC)),
            "1h 30m left"
        );
        assert_eq!(
            time_left(due, datetime!(2026-03-05 14:00 UTC)),
            "overdue 5h 0m"
        );
    }
}
