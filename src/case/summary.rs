//! What the queue and the dashboard know of a case without holding it: a
//! summary, small enough that a store of 100,000 cases lists in memory, and
//! complete enough that the queue's columns and every figure of
//! [`super::stats`] come from summaries alone.

use std::cmp::Ordering;

use time::OffsetDateTime;

use super::due;
use super::model::{Case, Outcome, Status};

/// What the queue shows of a case, and what the dashboard counts.
///
/// A queue of 100,000 cases holds 100,000 of these, so the text lives in
/// two allocations (the id, and the names) instead of one string per name.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseSummary {
    pub id: Box<str>,
    pub status: Status,
    pub outcome: Option<Outcome>,
    pub received_at: OffsetDateTime,
    pub due_at: OffsetDateTime,
    /// When it was last decided.
    pub decided_at: Option<OffsetDateTime>,
    /// When it was first finalized (the original determination, for an
    /// amended case): the end of its turnaround.
    pub first_final_at: Option<OffsetDateTime>,
    /// The verdicts of its latest QA review.
    pub qa: Option<QaVerdicts>,
    names: Names,
}

/// The counts of one QA review.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QaVerdicts {
    pub outcome_agrees: bool,
    /// Criterion verdicts given, and how many of them agree.
    pub criteria: u32,
    pub criteria_agreed: u32,
}

/// The people a summary names, by their place in [`Names`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Person {
    Reviewer = 0,
    DecidedBy = 1,
    FirstFinalBy = 2,
    QaReviewed = 3,
}

/// The member's name, the member id, then each distinct person's name, one
/// after the other. Most cases name one reviewer in several roles (the one
/// assigned, who decided, whose work QA checked), so each name is kept once
/// and the roles point at it.
#[derive(Debug, Clone, PartialEq)]
struct Names {
    text: Box<str>,
    /// Where the member's name, the member id and each person's name end.
    ends: [u32; 6],
    /// For each [`Person`], 0 when absent, else the 1-based person whose
    /// name it is.
    people: [u8; 4],
}

impl Names {
    fn new(member: &str, member_id: &str, people: [Option<&str>; 4]) -> Names {
        let mut text = String::with_capacity(member.len() + member_id.len());
        let mut ends = [0u32; 6];
        let mut slots = [0u8; 4];
        let mut distinct: Vec<&str> = Vec::with_capacity(4);
        text.push_str(member);
        let member_end = u32::try_from(text.len());
        text.push_str(member_id);
        let member_id_end = u32::try_from(text.len());
        let (Ok(member_end), Ok(member_id_end)) = (member_end, member_id_end) else {
            return Names::empty();
        };
        ends[0] = member_end;
        ends[1] = member_id_end;
        for (slot, name) in slots.iter_mut().zip(people) {
            let Some(name) = name else { continue };
            let known = distinct.iter().position(|d| *d == name);
            let index = match known {
                Some(index) => index,
                None => {
                    text.push_str(name);
                    let Ok(end) = u32::try_from(text.len()) else {
                        return Names::empty();
                    };
                    ends[2 + distinct.len()] = end;
                    distinct.push(name);
                    distinct.len() - 1
                }
            };
            *slot = index as u8 + 1;
        }
        Names {
            text: text.into_boxed_str(),
            ends,
            people: slots,
        }
    }

    /// Beyond 4 GiB of names the split points would not fit; such a summary
    /// names nobody (no case file is that big).
    fn empty() -> Names {
        Names {
            text: Box::from(""),
            ends: [0; 6],
            people: [0; 4],
        }
    }

    fn slice(&self, start: u32, end: u32) -> &str {
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    fn person(&self, person: Person) -> Option<&str> {
        let slot = usize::from(self.people[person as usize]);
        if slot == 0 {
            return None;
        }
        // Person k (1-based) follows the member id or person k - 1.
        Some(self.slice(self.ends[slot], self.ends[slot + 1]))
    }
}

/// The parts of a [`CaseSummary`] the queue shows, to build one.
pub struct SummaryParts<'a> {
    pub id: &'a str,
    pub member: &'a str,
    pub member_id: &'a str,
    pub status: Status,
    pub outcome: Option<Outcome>,
    pub received_at: OffsetDateTime,
    pub due_at: OffsetDateTime,
    /// The assigned reviewer.
    pub reviewer: Option<&'a str>,
    pub decided_at: Option<OffsetDateTime>,
}

/// The parts the dashboard's figures need beyond the queue's.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct FigureParts<'a> {
    /// Who recorded the current determination.
    pub decided_by: Option<&'a str>,
    /// Who first finalized the case, and when.
    pub first_final: Option<(&'a str, OffsetDateTime)>,
    /// The latest QA review: whose work it checked, and its verdicts.
    pub latest_qa: Option<(&'a str, QaVerdicts)>,
}

impl CaseSummary {
    /// A summary with the queue's parts only: no figures.
    pub fn new(parts: SummaryParts<'_>) -> CaseSummary {
        CaseSummary::with_figures(parts, FigureParts::default())
    }

    pub fn with_figures(parts: SummaryParts<'_>, figures: FigureParts<'_>) -> CaseSummary {
        CaseSummary {
            id: Box::from(parts.id),
            status: parts.status,
            outcome: parts.outcome,
            received_at: parts.received_at,
            due_at: parts.due_at,
            decided_at: parts.decided_at,
            first_final_at: figures.first_final.map(|(_, at)| at),
            qa: figures.latest_qa.map(|(_, verdicts)| verdicts),
            names: Names::new(
                parts.member,
                parts.member_id,
                [
                    parts.reviewer,
                    figures.decided_by,
                    figures.first_final.map(|(by, _)| by),
                    figures.latest_qa.map(|(reviewed, _)| reviewed),
                ],
            ),
        }
    }

    pub fn of(case: &Case) -> CaseSummary {
        let determination = case.determination.as_ref();
        let first_final =
            first_final_determination(case).map(|d| (&*d.decided_by.name, d.decided_at));
        // The latest review counts; of two at the same time, the later entry.
        let latest_qa = case.qa_reviews.iter().max_by_key(|r| r.at).map(|review| {
            let agreed = review.criteria.iter().filter(|c| c.agrees).count();
            (
                review.reviewed.as_str(),
                QaVerdicts {
                    outcome_agrees: review.outcome_agrees,
                    criteria: saturating_u32(review.criteria.len()),
                    criteria_agreed: saturating_u32(agreed),
                },
            )
        });
        CaseSummary::with_figures(
            SummaryParts {
                id: &case.id,
                member: &case.member.name,
                member_id: &case.member.member_id,
                status: case.status,
                outcome: determination.map(|d| d.outcome),
                received_at: case.request.received_at,
                due_at: case.request.due_at,
                reviewer: case.assigned_reviewer.as_deref(),
                decided_at: determination.map(|d| d.decided_at),
            },
            FigureParts {
                decided_by: determination.map(|d| d.decided_by.name.as_str()),
                first_final,
                latest_qa,
            },
        )
    }

    pub fn member(&self) -> &str {
        self.names.slice(0, self.names.ends[0])
    }

    pub fn member_id(&self) -> &str {
        self.names.slice(self.names.ends[0], self.names.ends[1])
    }

    /// Who is assigned to the case (`assigned_reviewer`); nobody when no
    /// one is, whoever else worked on it.
    pub fn reviewer(&self) -> Option<&str> {
        self.names.person(Person::Reviewer)
    }

    /// Every person the summary names (assigned, who decided, who first
    /// finalized, whose work QA checked), each once.
    pub fn people(&self) -> impl Iterator<Item = &str> {
        let count = self.names.people.iter().copied().max().unwrap_or(0);
        (1..=usize::from(count)).map(|slot| {
            self.names
                .slice(self.names.ends[slot], self.names.ends[slot + 1])
        })
    }

    /// Who recorded the current determination.
    pub fn decided_by(&self) -> Option<&str> {
        self.names.person(Person::DecidedBy)
    }

    /// Who first finalized it; with [`CaseSummary::first_final_at`].
    pub fn first_final_by(&self) -> Option<&str> {
        self.names.person(Person::FirstFinalBy)
    }

    /// Whose work the latest QA review checked; with [`CaseSummary::qa`].
    pub fn qa_reviewed(&self) -> Option<&str> {
        self.names.person(Person::QaReviewed)
    }

    /// The parts the figures need, as [`CaseSummary::with_figures`] takes
    /// them: what a store writes to rebuild the summary whole.
    pub fn figure_parts(&self) -> FigureParts<'_> {
        FigureParts {
            decided_by: self.decided_by(),
            first_final: self.first_final_by().zip(self.first_final_at),
            latest_qa: self.qa_reviewed().zip(self.qa),
        }
    }

    /// Still waiting for a decision: see [`Status::is_open`].
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }

    /// See [`due::is_overdue`].
    pub fn is_overdue(&self, now: OffsetDateTime) -> bool {
        due::is_overdue(self.status, self.due_at, now)
    }

    /// The queue's order: open work first, soonest due first; decided
    /// cases after it, also by due time; the id breaks ties.
    pub fn queue_order(&self, other: &CaseSummary) -> Ordering {
        (self.status.is_final(), self.due_at, &self.id).cmp(&(
            other.status.is_final(),
            other.due_at,
            &other.id,
        ))
    }
}

/// The determination that first finalized the case: the original one of an
/// amended case, else the current one if the case is final.
pub fn first_final_determination(case: &Case) -> Option<&super::model::Determination> {
    if let Some(amendment) = case.amendments.first() {
        return Some(&amendment.original);
    }
    case.determination
        .as_ref()
        .filter(|_| case.status.is_final())
}

/// The reviewers named in `names` (from summaries, history entries), each
/// person once however their name was spelled ("Tomas Reyes RN" and
/// "Tomas Reyes, RN" are one person, under the first spelling met),
/// sorted by name: the choices of a reassignment where the store has no
/// roster.
pub fn reviewers_seen<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen: Vec<(String, String)> = Vec::new();
    for name in names {
        let name = name.trim();
        let key = name_key(name);
        if key.is_empty() || seen.iter().any(|(k, _)| *k == key) {
            continue;
        }
        seen.push((key, name.to_string()));
    }
    seen.sort();
    seen.into_iter().map(|(_, name)| name).collect()
}

/// A name without case, punctuation or extra spaces, to tell whether two
/// spellings are one person.
fn name_key(name: &str) -> String {
    name.split(|c: char| c.is_whitespace() || c == ',' || c == '.')
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

fn saturating_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn parts<'a>(reviewer: Option<&'a str>) -> SummaryParts<'a> {
        SummaryParts {
            id: "UM-1",
            member: "Ana Példa",
            member_id: "M1",
            status: Status::Approved,
            outcome: Some(Outcome::MeetsCriteria),
            received_at: datetime!(2026-12-01 09:00 -5),
            due_at: datetime!(2026-12-08 09:00 -5),
            reviewer,
            decided_at: Some(datetime!(2026-12-02 09:00 -5)),
        }
    }

    #[test]
    fn names_come_back_whole_and_shared_names_are_kept_once() {
        let verdicts = QaVerdicts {
            outcome_agrees: false,
            criteria: 5,
            criteria_agreed: 4,
        };
        let figures = FigureParts {
            decided_by: Some("Dana, RN"),
            first_final: Some(("Olive, MD", datetime!(2026-12-02 09:00 -5))),
            latest_qa: Some(("Dana, RN", verdicts)),
        };
        let summary = CaseSummary::with_figures(parts(Some("Dana, RN")), figures);
        assert_eq!(summary.member(), "Ana Példa");
        assert_eq!(summary.member_id(), "M1");
        assert_eq!(summary.reviewer(), Some("Dana, RN"));
        assert_eq!(summary.decided_by(), Some("Dana, RN"));
        assert_eq!(summary.first_final_by(), Some("Olive, MD"));
        assert_eq!(summary.qa_reviewed(), Some("Dana, RN"));
        assert_eq!(summary.qa, Some(verdicts));
        assert_eq!(summary.figure_parts(), figures);
        assert_eq!(&*summary.names.text, "Ana PéldaM1Dana, RNOlive, MD");
    }

    /// The queue's reviewer is who is assigned: not whoever decided or
    /// last touched the history (a supervisor breaking a lock).
    #[test]
    fn the_reviewer_is_the_assigned_one_or_nobody() {
        let sample = include_str!("../../saved-cases/UM-20260209-0001.json");
        let mut case = super::super::parse_case(sample).unwrap();
        assert_eq!(case.assigned_reviewer, None);
        let summary = CaseSummary::of(&case);
        assert_eq!(summary.reviewer(), None);
        assert_eq!(summary.decided_by(), Some("Nora Fictive, RN"));
        case.assigned_reviewer = Some("Tomas Reyes, RN".to_string());
        let summary = CaseSummary::of(&case);
        assert_eq!(summary.reviewer(), Some("Tomas Reyes, RN"));
        let people: Vec<&str> = summary.people().collect();
        assert_eq!(people, ["Tomas Reyes, RN", "Nora Fictive, RN"]);
    }

    #[test]
    fn reviewers_seen_are_each_person_once_by_name() {
        let names = [
            "Tomas Reyes, RN",
            "Ana Park, MD",
            "Tomas Reyes RN",
            " tomas  reyes, rn ",
            "",
            "Ana Park, MD",
        ];
        assert_eq!(reviewers_seen(names), ["Ana Park, MD", "Tomas Reyes, RN"]);
    }

    #[test]
    fn a_summary_without_figures_names_only_the_queue() {
        let summary = CaseSummary::new(parts(None));
        assert_eq!(summary.reviewer(), None);
        assert_eq!(summary.decided_by(), None);
        assert_eq!(summary.figure_parts(), FigureParts::default());
        let empty_names = CaseSummary::new(SummaryParts {
            member: "",
            member_id: "",
            ..parts(Some(""))
        });
        assert_eq!(empty_names.member(), "");
        assert_eq!(empty_names.reviewer(), Some(""));
    }
}
