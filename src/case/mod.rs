//! The case: plain data, its file format, and pure helpers over it.

pub mod diff;
pub mod due;
pub mod history;
mod model;
pub mod npi;
pub mod stats;
pub mod summary;
pub mod validate;

pub use model::*;

use time::{Date, OffsetDateTime};

use crate::policy::LoadedPolicy;

/// The longest case id accepted; ids become file names.
pub const MAX_ID_LEN: usize = 64;

/// Why a string cannot be a case id (it names a file in the store).
pub fn case_id_problem(id: &str) -> Option<String> {
    if id.is_empty() {
        return Some("a case id must not be empty".to_string());
    }
    if id.len() > MAX_ID_LEN {
        return Some(format!("a case id is at most {MAX_ID_LEN} characters"));
    }
    if id.starts_with('.') || id.starts_with('-') {
        return Some(format!(
            "case id '{}' must start with a letter or digit",
            printable(id)
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if !id.chars().all(allowed) {
        return Some(format!(
            "case id '{}' may hold only letters, digits, '-' and '_'",
            printable(id)
        ));
    }
    None
}

fn printable(text: &str) -> String {
    text.escape_debug().to_string()
}

/// The id for the `sequence`th case received on `date`: "UM-20261201-0042".
/// Short enough to read over the phone; sorts by date, then arrival.
pub fn case_id_for(date: Date, sequence: u32) -> String {
    format!(
        "UM-{:04}{:02}{:02}-{sequence:04}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// A case file that could not be read as a case: where and why (the
/// JSON reader's error, also used for what parses but is not a case).
pub type CaseParseError = crate::json::JsonError;

/// Reads a case file, naming the line and field of the first problem.
/// Unknown fields are errors: a field we do not know would be lost on save.
pub fn parse_case(text: &str) -> Result<Case, CaseParseError> {
    let case: Case = crate::json::parse(text)?;
    if case.schema_version != SCHEMA_VERSION {
        return Err(CaseParseError {
            path: "$.schema_version".to_string(),
            line: 1,
            column: 1,
            message: format!(
                "schema version {} is not supported (this umdesk reads version {SCHEMA_VERSION})",
                case.schema_version
            ),
        });
    }
    if let Some(problem) = case_id_problem(&case.id) {
        return Err(CaseParseError {
            path: "$.id".to_string(),
            line: 1,
            column: 1,
            message: problem,
        });
    }
    Ok(case)
}

/// The exact bytes umdesk writes for a case.
pub fn to_json(case: &Case) -> String {
    let mut text = serde_json::to_string_pretty(case).expect("case types always serialize");
    text.push('\n');
    text
}

/// The request facts an intake produces, before the case exists.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestFacts {
    pub member: Member,
    pub provider: Provider,
    pub service: Service,
    pub received_at: OffsetDateTime,
    pub urgency: Urgency,
    pub lesions: Vec<Lesion>,
}

/// A new case under `policy`, every criterion unanswered.
pub fn new_case(
    id: &str,
    facts: RequestFacts,
    policy: &LoadedPolicy,
    due_table: &due::DueTable,
) -> Case {
    let due_at = due_table.due_at(
        facts.received_at,
        facts.urgency,
        facts.member.product.line_of_business(),
    );
    Case {
        schema_version: SCHEMA_VERSION,
        id: id.to_string(),
        fictional: None,
        status: Status::InReview,
        policy: PolicyRef {
            number: policy.policy.number.clone(),
            effective_date: policy.policy.effective_date.clone(),
            digest: policy.digest.clone(),
        },
        member: facts.member,
        provider: facts.provider,
        service: facts.service,
        request: Request {
            received_at: facts.received_at,
            urgency: facts.urgency,
            due_at,
        },
        lesions: facts.lesions,
        criteria: policy
            .policy
            .criteria
            .iter()
            .map(|c| CriterionAnswer::unanswered(&c.id))
            .collect(),
        assigned_reviewer: None,
        determination: None,
        peer_to_peer: Vec::new(),
        qa_reviews: Vec::new(),
        amendments: Vec::new(),
        history: Vec::new(),
        seal: None,
        signatures: Vec::new(),
        pas_request: None,
    }
}

impl Case {
    pub fn answer(&self, criterion: &str) -> Option<&CriterionAnswer> {
        self.criteria.iter().find(|a| a.criterion == criterion)
    }

    /// The answer record for a criterion, created unanswered if missing.
    pub fn answer_mut(&mut self, criterion: &str) -> &mut CriterionAnswer {
        let index = match self.criteria.iter().position(|a| a.criterion == criterion) {
            Some(index) => index,
            None => {
                self.criteria.push(CriterionAnswer::unanswered(criterion));
                self.criteria.len() - 1
            }
        };
        &mut self.criteria[index]
    }

    /// See [`due::is_overdue`].
    pub fn is_overdue(&self, now: OffsetDateTime) -> bool {
        due::is_overdue(self.status, self.request.due_at, now)
    }
}

/// The request facts as label/value lines, shared by `umdesk show` and the
/// case view so both always say the same.
pub fn facts(case: &Case) -> Vec<(&'static str, String)> {
    let member = &case.member;
    let mut lines = vec![
        ("Case", case.id.clone()),
        ("Status", case.status.label().to_string()),
        (
            "Policy",
            format!(
                "{} effective {} (pack {})",
                case.policy.number,
                case.policy.effective_date,
                short_digest(&case.policy.digest)
            ),
        ),
        (
            "Member",
            format!(
                "{} ({}), born {}",
                member.name,
                member.member_id,
                model::iso_date::format(member.date_of_birth)
            ),
        ),
        (
            "Product",
            format!(
                "{} / {}",
                member.product.label(),
                member.product.line_of_business().label()
            ),
        ),
        (
            "Provider",
            format!("{}, NPI {}", case.provider.name, case.provider.npi),
        ),
        ("CPT", case.service.cpt_codes.join(", ")),
        ("ICD-10-CM", case.service.icd10_codes.join(", ")),
        (
            "Planned",
            case.service
                .planned_date
                .map(model::iso_date::format)
                .unwrap_or_else(|| "not given".to_string()),
        ),
        ("Received", rfc3339(case.request.received_at)),
        ("Urgency", case.request.urgency.label().to_string()),
        ("Due", rfc3339(case.request.due_at)),
    ];
    for (i, lesion) in case.lesions.iter().enumerate() {
        let size = lesion
            .diameter_cm
            .map(|d| format!("{} cm", fmt_number(Some(d))))
            .unwrap_or_else(|| "size not documented".to_string());
        let label = if i == 0 { "Lesions" } else { "" };
        lines.push((label, format!("{}: {size}", lesion.site)));
    }
    // An imported request names what it answers and the documents
    // attached to it, which the reviewer reads as sources.
    if let Some(request) = &case.pas_request {
        lines.push(("PAS request", request.key()));
        for (i, source) in request.sources.iter().enumerate() {
            let label = if i == 0 { "Sources" } else { "" };
            lines.push((
                label,
                format!("{} {}: {}", source.resource_type, source.id, source.title),
            ));
        }
    }
    // Who is assigned, as the queue says it; who decided is in the
    // determination, who did what in the history.
    lines.push((
        "Assigned",
        case.assigned_reviewer
            .clone()
            .unwrap_or_else(|| "unassigned".to_string()),
    ));
    if let Some(note) = &case.fictional {
        lines.push(("Fictional", note.clone()));
    }
    lines
}

/// 5 -> "5.0", 4.99 -> "4.99": diameters read as the report printed them;
/// "?" when not documented.
pub fn fmt_number(value: Option<f64>) -> String {
    match value {
        Some(v) if v.fract() == 0.0 => format!("{v:.1}"),
        Some(v) => format!("{v}"),
        None => "?".to_string(),
    }
}

/// The first 12 characters of a digest, for people. Counted in characters,
/// not bytes: a digest edited by hand may hold anything.
pub fn short_digest(digest: &str) -> &str {
    match digest.char_indices().nth(12) {
        Some((end, _)) => &digest[..end],
        None => digest,
    }
}

pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_safe_file_names() {
        assert!(case_id_problem("UM-20261201-0001").is_none());
        for bad in ["", "../etc", "a/b", "a\\b", "a\0b", ".hidden", "-rf", "a b"] {
            assert!(case_id_problem(bad).is_some(), "{bad:?}");
        }
        assert!(case_id_problem(&"x".repeat(65)).is_some());
    }

    #[test]
    fn a_short_digest_never_splits_a_character() {
        let hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(short_digest(hex), "9f86d081884c");
        assert_eq!(short_digest("abc"), "abc");
        assert_eq!(short_digest(""), "");
        assert_eq!(short_digest(&"é".repeat(20)), "é".repeat(12));
        assert_eq!(short_digest("a山b"), "a山b");
        assert_eq!(short_digest("12345678901山"), "12345678901山");
    }

    #[test]
    fn ids_sort_by_date_then_arrival() {
        let day = time::macros::date!(2026 - 12 - 01);
        let next = time::macros::date!(2026 - 12 - 02);
        assert_eq!(case_id_for(day, 42), "UM-20261201-0042");
        assert!(case_id_for(day, 9) < case_id_for(day, 10));
        assert!(case_id_for(day, 9999) < case_id_for(next, 1));
    }
}
