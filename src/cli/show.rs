//! `umdesk show ID`: one case as the case view shows it, read-only. The
//! viewing is recorded in the access log; the case file is never written.

use super::args::ShowArgs;
use super::commands::checked_id;
use super::output::{clean, emit, fields, indent_rest, when};
use super::{Env, Failure, config};
use crate::case::history::{Integrity, verify};
use crate::case::{Case, Reviewer, facts, short_digest, to_json};
use crate::policy::LoadedPolicy;
use crate::rules::evaluate;
use crate::store::{AccessEntry, actor};

pub(crate) fn run(env: &Env, args: &ShowArgs) -> Result<(), Failure> {
    let id = checked_id(&args.id)?;
    let policy = env.policy()?;
    let settings = config::resolve(&env.identity, false)?;
    let store = env.open_store()?;
    let case = store.load(id).map_err(|err| Failure::from_store(&err))?;
    // HIPAA audit controls: no viewing goes unrecorded.
    store
        .log_access(&AccessEntry::new(&settings.reviewer, &case.id, "show"))
        .map_err(|err| {
            Failure::store(format!(
                "the viewing could not be recorded in the access log, so nothing is shown: {err}"
            ))
        })?;
    if args.json {
        return Ok(emit(&to_json(&case))?);
    }
    let mut text = render(&case, &policy);
    if args.history {
        text.push_str(&history(&case));
    }
    emit(&text)?;
    Ok(())
}

fn who(reviewer: &Reviewer) -> String {
    actor(reviewer)
}

/// The case view in text: facts, criteria, determination and the rest.
pub(crate) fn render(case: &Case, loaded: &LoadedPolicy) -> String {
    let policy = &loaded.policy;
    let mut out = fields(&facts(case));
    if case.policy.digest != loaded.digest {
        out.push_str(&format!(
            "\nNote: this case was made under {} pack {}; the criteria below are read with {} pack {}.\n",
            clean(&case.policy.number, false),
            clean(short_digest(&case.policy.digest), false),
            policy.number,
            short_digest(&loaded.digest)
        ));
    }
    let evaluation = evaluate(policy, case);
    out.push_str(&format!(
        "\nCriteria ({} section I: all must be met)\n",
        policy.number
    ));
    for result in &evaluation.criteria {
        let origin = result.origin.map(|o| o.label()).unwrap_or("unanswered");
        out.push_str(&format!(
            "\n  {}. {}: {} ({origin})\n",
            result.number,
            result.name,
            result.answer.label()
        ));
        let mut lines = vec![("Reason", result.reason.clone())];
        if let Some(stored) = case.answer(&result.criterion) {
            if !stored.evidence.trim().is_empty() {
                lines.push(("Evidence", stored.evidence.clone()));
            }
            if !stored.source_document.trim().is_empty() {
                lines.push(("Source", stored.source_document.clone()));
            }
            if let Some(author) = &stored.author {
                lines.push(("Answered by", author.clone()));
            }
        }
        out.push_str(&indented(&fields(&lines), "     "));
    }
    if !evaluation.coding_flags.is_empty() {
        out.push_str("\nCoding flags\n");
        for flag in &evaluation.coding_flags {
            out.push_str(&format!("  ! {}\n", clean(&flag.message, false)));
        }
    }
    out.push_str("\nDetermination\n");
    match &case.determination {
        None => out.push_str(&format!(
            "  None yet. The rules give now: {}.\n",
            evaluation.outcome.label()
        )),
        Some(d) => {
            let mut lines = vec![
                ("Outcome", d.outcome.label().to_string()),
                ("Decision", d.decision.label().to_string()),
                (
                    "Decided by",
                    format!("{} at {}", who(&d.decided_by), when(d.decided_at)),
                ),
                ("Rationale", d.rationale.clone()),
            ];
            if !d.missing_information.is_empty() {
                lines.push(("Missing", d.missing_information.join("\n")));
            }
            if !d.coding_flags.is_empty() {
                lines.push(("Coding flags", d.coding_flags.join("\n")));
            }
            if let Some(note) = &d.coding_acknowledgement {
                lines.push(("Acknowledged", note.clone()));
            }
            lines.push(("Benefit", d.benefit_statement.clone()));
            out.push_str(&indented(&fields(&lines), "  "));
        }
    }
    let integrity = match verify(case) {
        Integrity::Intact => "intact".to_string(),
        Integrity::Tampered(what) => format!("TAMPERED: {what}"),
    };
    let seal = match &case.seal {
        Some(seal) => format!(
            "sealed {} ({}); history {integrity}",
            when(seal.sealed_at),
            short_digest(&seal.digest)
        ),
        None => format!("not sealed; history {integrity}"),
    };
    out.push_str(&format!("\nIntegrity: {}\n", clean(&seal, false)));
    for p in &case.peer_to_peer {
        out.push_str(&format!(
            "\nPeer-to-peer {} by {} with {}\n  {}\n",
            when(p.at),
            clean(&who(&p.physician), false),
            clean(&p.provider_contact, false),
            indent_rest(&p.note, "  ")
        ));
    }
    for qa in &case.qa_reviews {
        let disagreements: Vec<String> = qa
            .criteria
            .iter()
            .filter(|c| !c.agrees)
            .map(|c| {
                policy
                    .criterion(&c.criterion)
                    .map(|k| k.name.clone())
                    .unwrap_or_else(|| c.criterion.clone())
            })
            .collect();
        let verdict = if qa.outcome_agrees {
            "agrees with the outcome"
        } else {
            "DISAGREES with the outcome"
        };
        let criteria = if disagreements.is_empty() {
            "agrees on every criterion".to_string()
        } else {
            format!("disagrees on: {}", disagreements.join("; "))
        };
        out.push_str(&format!(
            "\nQA review {} by {} of {}: {verdict}; {}\n  {}\n",
            when(qa.at),
            clean(&who(&qa.by), false),
            clean(&qa.reviewed, false),
            clean(&criteria, false),
            indent_rest(&qa.note, "  ")
        ));
    }
    for a in &case.amendments {
        out.push_str(&format!(
            "\nAmendment {} by {}: {}\n  Original: {} ({}) by {} at {}\n",
            when(a.at),
            clean(&who(&a.by), false),
            indent_rest(&a.reason, "  "),
            a.original.outcome.label(),
            a.original.decision.label(),
            clean(&who(&a.original.decided_by), false),
            when(a.original.decided_at)
        ));
    }
    out
}

fn indented(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}\n"))
        .collect()
}

/// Every history entry: when, who, role, event, summary, and each change.
fn history(case: &Case) -> String {
    let mut out = format!("\nHistory ({} entries)\n", case.history.len());
    for (i, entry) in case.history.iter().enumerate() {
        out.push_str(&format!(
            "\n  {}. {}  {} ({})  {}\n     {}\n",
            i + 1,
            when(entry.at),
            clean(&entry.by.name, false),
            entry.by.role.label(),
            clean(&entry.event, false),
            indent_rest(&entry.summary, "     ")
        ));
        for change in &entry.changes {
            out.push_str(&format!(
                "       {}: {} -> {}\n",
                clean(&change.field, false),
                quoted(&change.from),
                quoted(&change.to)
            ));
        }
    }
    out
}

/// A changed value, quoted and escaped so that an empty value, spaces and
/// line breaks are all visible.
fn quoted(value: &str) -> String {
    if value.is_empty() {
        return "(empty)".to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn changed_values_are_quoted_visibly() {
        assert_eq!(quoted(""), "(empty)");
        assert_eq!(quoted("member's"), "\"member's\"");
        assert_eq!(quoted("a \"b\"\nc\\"), "\"a \\\"b\\\"\\nc\\\\\"");
        assert_eq!(quoted("\u{1b}[2J"), "\"\\u{1b}[2J\"");
    }
}
