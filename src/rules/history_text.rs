//! A history entry as a person would write it: "criterion 1 Unresectable
//! or not a surgical candidate: met (was unanswered); evidence added",
//! "status: approved (was in review)", "assigned to Tomas Reyes, RN (was
//! unassigned)".
//!
//! Built only from each change's field path and its from/to strings (see
//! [`ShownChange`]), so a change of the diff's format touches [`Path::parse`]
//! and the readers of values below, nothing else. The raw changes stay in
//! the entry; this is a reading of them.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::case::diff::ShownChange;
use crate::case::{Case, Decision, HistoryEntry, Origin, Outcome, Status};
use crate::policy::{Answer, Policy};

/// The entry's changes in words, one line (or paragraph: values keep
/// their line breaks) per thing changed, in the order a reader looks for
/// them: criteria, lesions, the determination, the status, the
/// assignment, then the rest.
pub fn describe(entry: &HistoryEntry, case: &Case, policy: &Policy) -> Vec<String> {
    let shown: Vec<ShownChange> = entry.changes.iter().flat_map(|c| c.shown()).collect();
    describe_changes(&shown, case, policy)
}

/// As [`describe`], for changes on their own. `case` names the criteria
/// by their place in it (a change says `criteria[0]`, not which one).
pub fn describe_changes(changes: &[ShownChange], case: &Case, policy: &Policy) -> Vec<String> {
    let mut groups: BTreeMap<Subject, Fields> = BTreeMap::new();
    for change in changes {
        let path = Path::parse(&change.field);
        groups
            .entry(path.subject)
            .or_default()
            .push((path.rest, change));
    }
    groups
        .into_iter()
        .filter_map(|(subject, fields)| {
            let words = Words { case, policy };
            words.group(&subject, &fields)
        })
        .collect()
}

/// What a change is about, in the order lines are shown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Subject {
    Criterion(usize),
    Lesion(usize),
    Determination,
    Status,
    Assignment,
    PeerToPeer(usize),
    Qa(usize),
    Amendment(usize),
    /// The request's timeline: an extension, the decision notice, an appeal.
    Extension(usize),
    NoticeSent,
    Appeal(usize),
    /// Any other field, by its whole path.
    Other(String),
}

/// The changed fields of one subject: the path inside it, and the change.
type Fields<'a> = Vec<(String, &'a ShownChange)>;

/// A field path such as `criteria[0].answer`, split into what it is about
/// and the rest (`answer`).
struct Path {
    subject: Subject,
    rest: String,
}

impl Path {
    fn parse(field: &str) -> Path {
        // The timeline's parts are subjects of their own.
        let timeline = field.strip_prefix("timeline.");
        let (head, rest) = match timeline.unwrap_or(field).split_once('.') {
            Some((head, rest)) => (head, rest.to_string()),
            None => (timeline.unwrap_or(field), String::new()),
        };
        let (name, index) = match head.split_once('[') {
            Some((name, tail)) => (name, tail.trim_end_matches(']').parse::<usize>().ok()),
            None => (head, None),
        };
        let subject = match (name, index) {
            ("criteria", Some(i)) => Subject::Criterion(i),
            ("lesions", Some(i)) => Subject::Lesion(i),
            ("determination", None) => Subject::Determination,
            ("status", None) => Subject::Status,
            ("assigned_reviewer", None) => Subject::Assignment,
            ("peer_to_peer", Some(i)) => Subject::PeerToPeer(i),
            ("qa_reviews", Some(i)) => Subject::Qa(i),
            ("amendments", Some(i)) => Subject::Amendment(i),
            ("extensions", Some(i)) if timeline.is_some() => Subject::Extension(i),
            ("notice_sent_at", None) if timeline.is_some() => Subject::NoticeSent,
            ("appeals", Some(i)) if timeline.is_some() => Subject::Appeal(i),
            _ => {
                return Path {
                    subject: Subject::Other(field.to_string()),
                    rest: String::new(),
                };
            }
        };
        Path { subject, rest }
    }
}

/// The new value of field `name` among `fields`, if it changed.
fn field<'a>(fields: &'a Fields<'_>, name: &str) -> Option<&'a ShownChange> {
    fields
        .iter()
        .find(|(rest, _)| rest == name)
        .map(|(_, change)| *change)
}

/// The fields whose path starts with `prefix` (a list inside the subject).
fn fields_under<'a, 'c>(
    fields: &'a Fields<'c>,
    prefix: &'a str,
) -> impl Iterator<Item = &'a (String, &'c ShownChange)> {
    fields
        .iter()
        .filter(move |(rest, _)| rest.starts_with(prefix))
}

/// A key as written in case files ("not_met") read as its type.
fn from_key<T: DeserializeOwned>(key: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(key.to_string())).ok()
}

fn answer_words(key: &str) -> String {
    from_key::<Answer>(key)
        .map(|a| a.label().to_lowercase())
        .unwrap_or_else(|| key.to_string())
}

fn origin_words(key: &str) -> Option<&'static str> {
    Some(match from_key::<Origin>(key)? {
        Origin::Auto => "derived from the input",
        Origin::Manual => "set by the reviewer",
        Origin::Override => "overridden by the reviewer",
    })
}

fn status_words(key: &str) -> String {
    Status::from_key(key)
        .map(|s| s.label().to_string())
        .unwrap_or_else(|| key.to_string())
}

fn decision_words(key: &str) -> String {
    from_key::<Decision>(key)
        .map(|d| d.label().to_string())
        .unwrap_or_else(|| key.to_string())
}

fn outcome_words(key: &str) -> String {
    from_key::<Outcome>(key)
        .map(|o| o.label().to_string())
        .unwrap_or_else(|| key.to_string())
}

/// "time frame extended: due X (was Y), because: ...; notice sent Z".
fn extension(fields: &Fields<'_>) -> String {
    let mut text = "time frame extended".to_string();
    if let Some(due) = field(fields, "new_due") {
        let before = field(fields, "previous_due").map_or("", |c| c.to.as_str());
        text.push_str(&format!(": due {}{}", due.to, was(before, str::to_string)));
    }
    if let Some(reason) = field(fields, "reason") {
        text.push_str(&format!(", because: {}", reason.to));
    }
    if let Some(notice) = field(fields, "notice_sent_at") {
        text.push_str(&format!("; notice sent {}", notice.to));
    }
    text
}

/// "appeal 1 filed by the member, expedited", or its decision.
fn appeal(index: usize, fields: &Fields<'_>) -> String {
    let number = index + 1;
    if let Some(outcome) = field(fields, "decision.outcome") {
        let meaning = match outcome.to.as_str() {
            "overturned" => ", the request is approved",
            "upheld" => ", the denial stands",
            _ => "",
        };
        let rationale = field(fields, "decision.rationale")
            .map(|c| format!("; rationale: {}", c.to))
            .unwrap_or_default();
        return format!(
            "appeal {number} decided: {}{meaning}{rationale}",
            outcome.to
        );
    }
    let by = field(fields, "filed_by")
        .map(|c| format!(" by the {}", c.to))
        .unwrap_or_default();
    let expedited = field(fields, "expedited")
        .filter(|c| c.to == "true")
        .map_or("", |_| ", expedited");
    format!("appeal {number} filed{by}{expedited}")
}

/// "added", "changed" or "removed", for a note whose text the case view
/// shows in full elsewhere.
fn note_change(change: &ShownChange) -> &'static str {
    match (change.from.is_empty(), change.to.is_empty()) {
        (true, _) => "added",
        (_, true) => "removed",
        _ => "changed",
    }
}

/// " (was X)" with the old value `from` in `words`, or nothing when there
/// was nothing before.
fn was(from: &str, words: impl FnOnce(&str) -> String) -> String {
    if from.is_empty() {
        String::new()
    } else {
        format!(" (was {})", words(from))
    }
}

struct Words<'a> {
    case: &'a Case,
    policy: &'a Policy,
}

impl Words<'_> {
    fn group(&self, subject: &Subject, fields: &Fields<'_>) -> Option<String> {
        match subject {
            Subject::Criterion(i) => self.criterion(*i, fields),
            Subject::Lesion(i) => lesion(*i, fields),
            Subject::Determination => determination(fields),
            Subject::Status => fields.first().map(|(_, c)| {
                format!(
                    "status: {}{}",
                    status_words(&c.to),
                    was(&c.from, status_words)
                )
            }),
            Subject::Assignment => fields.first().map(|(_, c)| {
                let from = if c.from.is_empty() {
                    "unassigned"
                } else {
                    &c.from
                };
                if c.to.is_empty() {
                    format!("unassigned (was {from})")
                } else {
                    format!("assigned to {} (was {from})", c.to)
                }
            }),
            Subject::PeerToPeer(_) => {
                let with = field(fields, "provider_contact").map(|c| c.to.as_str());
                Some(match with {
                    Some(contact) if !contact.is_empty() => {
                        format!("peer-to-peer discussion with {contact} recorded")
                    }
                    _ => "peer-to-peer discussion changed".to_string(),
                })
            }
            Subject::Qa(_) => Some(self.qa(fields)),
            Subject::Amendment(_) => Some(amendment(fields)),
            Subject::Extension(_) => Some(extension(fields)),
            Subject::NoticeSent => fields
                .first()
                .map(|(_, c)| format!("decision notice sent {}", c.to)),
            Subject::Appeal(i) => Some(appeal(*i, fields)),
            Subject::Other(path) => fields.first().map(|(_, c)| other(path, c)),
        }
    }

    /// "criterion 3 Tumor smaller than 5 cm", by the criterion's place in
    /// the case; its stored id where the pack does not know it.
    fn criterion_name(&self, index: usize) -> String {
        let Some(id) = self.case.criteria.get(index).map(|a| a.criterion.as_str()) else {
            return format!("criterion {}", index + 1);
        };
        match self.policy.criteria.iter().position(|c| c.id == id) {
            Some(at) => format!("criterion {} {}", at + 1, self.policy.criteria[at].name),
            None => format!("criterion {} ({id})", index + 1),
        }
    }

    fn criterion(&self, index: usize, fields: &Fields<'_>) -> Option<String> {
        let id = self
            .case
            .criteria
            .get(index)
            .map(|a| a.criterion.clone())
            .unwrap_or_default();
        let mut parts = Vec::new();
        let origin = field(fields, "origin").and_then(|c| origin_words(&c.to));
        match field(fields, "answer") {
            Some(c) if c.to.is_empty() => {
                parts.push(format!("answer taken back (was {})", answer_words(&c.from)))
            }
            Some(c) => {
                let how = origin.map(|o| format!(", {o}")).unwrap_or_default();
                let from = if c.from.is_empty() {
                    "unanswered".to_string()
                } else {
                    answer_words(&c.from)
                };
                parts.push(format!("{}{how} (was {from})", answer_words(&c.to)));
            }
            None => {
                if let Some(origin) = origin {
                    parts.push(format!("now {origin}"));
                }
            }
        }
        if let Some(c) = field(fields, "input") {
            let label = |key: &str| {
                crate::rules::option_label(self.policy, &id, key)
                    .unwrap_or(key)
                    .to_string()
            };
            if c.to.is_empty() {
                parts.push("documented input cleared".to_string());
            } else {
                parts.push(format!(
                    "documented: {}{}",
                    label(&c.to),
                    was(&c.from, label)
                ));
            }
        }
        if let Some(c) = field(fields, "override_reason") {
            if c.to.is_empty() {
                parts.push("override reason removed".to_string());
            } else {
                parts.push(format!("override reason: {}", c.to));
            }
        }
        if let Some(c) = field(fields, "evidence") {
            parts.push(format!("evidence {}", note_change(c)));
        }
        if let Some(c) = field(fields, "source_document") {
            parts.push(format!("source document {}", note_change(c)));
        }
        if parts.is_empty() {
            // Only who answered changed (or the criterion's id, at creation).
            let author = field(fields, "author").filter(|c| !c.to.is_empty())?;
            parts.push(format!("answered by {}", author.to));
        }
        Some(format!(
            "{}: {}",
            self.criterion_name(index),
            parts.join("; ")
        ))
    }

    fn qa(&self, fields: &Fields<'_>) -> String {
        let mut parts = Vec::new();
        if let Some(c) = field(fields, "outcome_agrees") {
            parts.push(if c.to == "true" {
                "agrees with the outcome".to_string()
            } else {
                "disagrees with the outcome".to_string()
            });
        }
        let disagreed: Vec<String> = fields_under(fields, "criteria[")
            .filter(|(rest, c)| rest.ends_with(".agrees") && c.to == "false")
            .map(|(rest, _)| {
                let item = rest.split(".agrees").next().unwrap_or_default();
                let id = field(fields, &format!("{item}.criterion"))
                    .map(|c| c.to.as_str())
                    .unwrap_or_default();
                match self.policy.criteria.iter().position(|c| c.id == id) {
                    Some(at) => (at + 1).to_string(),
                    None => id.to_string(),
                }
            })
            .collect();
        let judged = fields_under(fields, "criteria[").any(|(rest, _)| rest.ends_with(".agrees"));
        if !disagreed.is_empty() {
            parts.push(format!("disagrees on criteria {}", disagreed.join(", ")));
        } else if judged {
            parts.push("agrees on every criterion".to_string());
        }
        if let Some(c) = field(fields, "note") {
            parts.push(format!("note {}", note_change(c)));
        }
        let of = field(fields, "reviewed")
            .filter(|c| !c.to.is_empty())
            .map(|c| format!(" of {}", c.to))
            .unwrap_or_default();
        if parts.is_empty() {
            return format!("QA review{of} changed");
        }
        format!("QA review{of}: {}", parts.join("; "))
    }
}

fn lesion(index: usize, fields: &Fields<'_>) -> Option<String> {
    let site = field(fields, "site");
    let size = field(fields, "diameter_cm");
    let added = fields.iter().all(|(_, c)| c.from.is_empty());
    let removed = fields.iter().all(|(_, c)| c.to.is_empty());
    let cm = |value: &str| {
        if value.is_empty() {
            "size not documented".to_string()
        } else {
            format!("{value} cm")
        }
    };
    if added {
        let site = site.map(|c| c.to.as_str()).unwrap_or_default();
        let size = cm(size.map(|c| c.to.as_str()).unwrap_or_default());
        return Some(format!("lesion added: {site}, {size}"));
    }
    if removed {
        let site = site.map(|c| c.from.as_str()).unwrap_or_default();
        let size = cm(size.map(|c| c.from.as_str()).unwrap_or_default());
        return Some(format!("lesion removed: {site}, {size}"));
    }
    let mut parts = Vec::new();
    if let Some(c) = site {
        parts.push(format!("site {} (was {})", c.to, c.from));
    }
    if let Some(c) = size {
        parts.push(format!("{} (was {})", cm(&c.to), cm(&c.from)));
    }
    Some(format!("lesion {}: {}", index + 1, parts.join("; ")))
}

fn determination(fields: &Fields<'_>) -> Option<String> {
    let mut parts = Vec::new();
    let outcome = field(fields, "outcome");
    match field(fields, "decision") {
        Some(c) if c.to.is_empty() => {
            parts.push(format!("withdrawn (was {})", decision_words(&c.from)))
        }
        Some(c) => {
            let outcome = outcome
                .filter(|o| !o.to.is_empty())
                .map(|o| format!(" ({})", outcome_words(&o.to)))
                .unwrap_or_default();
            parts.push(format!(
                "{}{outcome}{}",
                decision_words(&c.to),
                was(&c.from, decision_words)
            ));
        }
        None => {
            if let Some(o) = outcome.filter(|o| !o.to.is_empty()) {
                parts.push(format!(
                    "outcome {}{}",
                    outcome_words(&o.to),
                    was(&o.from, outcome_words)
                ));
            }
        }
    }
    if let Some(c) = field(fields, "rationale") {
        parts.push(match note_change(c) {
            "added" => "rationale written".to_string(),
            other => format!("rationale {other}"),
        });
    }
    let missing = fields_under(fields, "missing_information").count();
    if missing > 0 {
        parts.push("missing information listed".to_string());
    }
    if fields_under(fields, "coding_flags").next().is_some() {
        parts.push("coding flags recorded".to_string());
    }
    if let Some(c) = field(fields, "coding_acknowledgement") {
        parts.push(format!("coding acknowledgement {}", note_change(c)));
    }
    if parts.is_empty() {
        // Only who decided and when (the entry's own author and time): an
        // amendment that kept the decision.
        return field(fields, "decided_at")
            .filter(|c| !c.from.is_empty())
            .map(|_| "determination signed again, unchanged".to_string());
    }
    Some(format!("determination: {}", parts.join("; ")))
}

fn amendment(fields: &Fields<'_>) -> String {
    let reason = field(fields, "reason")
        .map(|c| c.to.as_str())
        .unwrap_or_default();
    let original = field(fields, "original.decision")
        .map(|c| {
            format!(
                "; the original determination ({}) is kept",
                decision_words(&c.to)
            )
        })
        .unwrap_or_default();
    if reason.is_empty() {
        return format!("amendment recorded{original}");
    }
    format!("reopened for amendment: {reason}{original}")
}

/// Any other field: its path in words ("member name"), then the value.
fn other(path: &str, change: &ShownChange) -> String {
    let words: Vec<String> = path
        .split('.')
        .map(|part| {
            let name = part.split('[').next().unwrap_or(part);
            name.replace('_', " ")
        })
        .collect();
    let name = words.join(" ");
    match (change.from.is_empty(), change.to.is_empty()) {
        (true, _) => format!("{name}: {}", change.to),
        (_, true) => format!("{name} removed (was {})", change.from),
        _ => format!("{name}: {} (was {})", change.to, change.from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{CriterionAnswer, parse_case};
    use crate::policy::LoadedPolicy;

    fn change(field: &str, from: &str, to: &str) -> ShownChange {
        ShownChange {
            field: field.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        }
    }

    /// A sample case: its criteria in the pack's order.
    fn case() -> Case {
        parse_case(include_str!("../../saved-cases/UM-20260209-0001.json")).unwrap()
    }

    fn words(changes: &[ShownChange]) -> Vec<String> {
        let policy = LoadedPolicy::embedded();
        describe_changes(changes, &case(), &policy.policy)
    }

    #[test]
    fn a_criterion_answered_reads_as_one_line() {
        let lines = words(&[
            change("criteria[0].answer", "", "met"),
            change("criteria[0].author", "", "Nora Fictive, RN"),
            change(
                "criteria[0].evidence",
                "",
                "Unresectable by open surgical means.",
            ),
            change("criteria[0].input", "", "unresectable"),
            change("criteria[0].origin", "", "auto"),
            change("criteria[0].source_document", "", "Surgical note"),
        ]);
        assert_eq!(
            lines,
            [
                "criterion 1 Unresectable or not a surgical candidate: met, derived from \
              the input (was unanswered); documented: Unresectable by open surgical means; \
              evidence added; source document added"
            ]
        );
    }

    #[test]
    fn the_timeline_of_a_request_reads_as_a_person_would_write_it() {
        let extended = words(&[
            change(
                "timeline.extensions[0].new_due",
                "",
                "2026-12-15T10:00:00-05:00",
            ),
            change(
                "timeline.extensions[0].previous_due",
                "",
                "2026-12-08T10:00:00-05:00",
            ),
            change(
                "timeline.extensions[0].reason",
                "",
                "Awaiting the imaging report",
            ),
            change(
                "timeline.extensions[0].notice_sent_at",
                "",
                "2026-12-02T09:00:00-05:00",
            ),
        ]);
        assert_eq!(
            extended,
            ["time frame extended: due 2026-12-15T10:00:00-05:00 (was \
              2026-12-08T10:00:00-05:00), because: Awaiting the imaging report; notice sent \
              2026-12-02T09:00:00-05:00"]
        );
        let notice = words(&[change(
            "timeline.notice_sent_at",
            "",
            "2026-12-03T08:00:00-05:00",
        )]);
        assert_eq!(notice, ["decision notice sent 2026-12-03T08:00:00-05:00"]);
        let filed = words(&[
            change("timeline.appeals[0].filed_by", "", "member"),
            change("timeline.appeals[0].expedited", "", "true"),
        ]);
        assert_eq!(filed, ["appeal 1 filed by the member, expedited"]);
        let decided = words(&[
            change("timeline.appeals[0].decision.outcome", "", "overturned"),
            change("timeline.appeals[0].decision.rationale", "", "New imaging"),
        ]);
        assert_eq!(
            decided,
            ["appeal 1 decided: overturned, the request is approved; rationale: New imaging"]
        );
    }

    #[test]
    fn an_override_and_a_taken_back_answer() {
        let lines = words(&[
            change("criteria[2].answer", "met", "not_met"),
            change("criteria[2].origin", "auto", "override"),
            change("criteria[2].override_reason", "", "Report measures 5.1 cm"),
            change("criteria[3].answer", "insufficient", ""),
            change("criteria[3].origin", "manual", ""),
        ]);
        assert_eq!(
            lines,
            [
                "criterion 3 Tumor smaller than 5 cm: not met, overridden by the reviewer \
                 (was met); override reason: Report measures 5.1 cm",
                "criterion 4 No cancer outside the liver: answer taken back (was insufficient \
                 information)",
            ]
        );
    }

    #[test]
    fn a_decision_reads_as_the_determination_and_the_status() {
        let lines = words(&[
            change(
                "determination.benefit_statement",
                "",
                "The existence of ...",
            ),
            change("determination.decided_at", "", "2026-02-09T10:31:00-05:00"),
            change("determination.decided_by.name", "", "Nora Fictive, RN"),
            change("determination.decided_by.role", "", "nurse"),
            change("determination.decision", "", "approve"),
            change("determination.outcome", "", "meets_criteria"),
            change("determination.rationale", "", "This request ..."),
            change("status", "in_review", "approved"),
        ]);
        assert_eq!(
            lines,
            [
                "determination: Approve (Meets criteria); rationale written",
                "status: approved (was in review)",
            ]
        );
        let amended = words(&[
            change(
                "determination.decided_at",
                "2026-02-24T11:45:00-05:00",
                "2026-03-02T09:10:00-05:00",
            ),
            change("status", "reopened", "approved"),
        ]);
        assert_eq!(
            amended,
            [
                "determination signed again, unchanged",
                "status: approved (was reopened)"
            ]
        );
        let upheld = words(&[
            change("determination.decision", "refer_to_physician", "uphold"),
            change("status", "referred", "denied"),
        ]);
        assert_eq!(
            upheld[0],
            "determination: Deny (was Refer to physician reviewer)"
        );
    }

    #[test]
    fn assignment_lesions_qa_and_amendments() {
        assert_eq!(
            words(&[change("assigned_reviewer", "", "Tomas Reyes, RN")]),
            ["assigned to Tomas Reyes, RN (was unassigned)"]
        );
        assert_eq!(
            words(&[
                change("lesions[1].site", "", "segment VI"),
                change("lesions[1].diameter_cm", "", "2.9"),
                change("lesions[0].diameter_cm", "3.1", "3.4"),
            ]),
            [
                "lesion 1: 3.4 cm (was 3.1 cm)",
                "lesion added: segment VI, 2.9 cm"
            ]
        );
        let qa = words(&[
            change("qa_reviews[0].outcome_agrees", "", "true"),
            change("qa_reviews[0].criteria[0].agrees", "", "true"),
            change("qa_reviews[0].criteria[0].criterion", "", "unresectable"),
            change("qa_reviews[0].criteria[3].agrees", "", "false"),
            change("qa_reviews[0].criteria[3].criterion", "", "no_extrahepatic"),
            change("qa_reviews[0].note", "", "Staging report is old."),
            change("qa_reviews[0].reviewed", "", "Nora Fictive, RN"),
        ]);
        assert_eq!(
            qa,
            [
                "QA review of Nora Fictive, RN: agrees with the outcome; disagrees on \
              criteria 4; note added"
            ]
        );
        let reopened = words(&[
            change(
                "amendments[0].reason",
                "",
                "QA: out-of-date staging\nsee note",
            ),
            change("amendments[0].original.decision", "", "approve"),
            change("status", "approved", "reopened"),
        ]);
        assert_eq!(
            reopened,
            [
                "status: reopened (was approved)",
                "reopened for amendment: QA: out-of-date staging\nsee note; the original \
                 determination (Approve) is kept",
            ]
        );
    }

    #[test]
    fn other_fields_read_by_their_path() {
        assert_eq!(
            words(&[change("member.name", "Ana Pelda", "Ana Példa")]),
            ["member name: Ana Példa (was Ana Pelda)"]
        );
        assert_eq!(
            words(&[change("service.cpt_codes[1]", "", "47383")]),
            ["service cpt codes: 47383"]
        );
    }

    /// A case decided under a pack that does not know its criterion names
    /// it by its stored id.
    #[test]
    fn a_criterion_the_pack_does_not_know_is_named_by_its_id() {
        let policy = LoadedPolicy::embedded();
        let mut case = case();
        case.criteria.push(CriterionAnswer::unanswered("elsewhere"));
        let lines = describe_changes(
            &[change("criteria[5].answer", "", "met")],
            &case,
            &policy.policy,
        );
        assert_eq!(lines, ["criterion 6 (elsewhere): met (was unanswered)"]);
    }
}
