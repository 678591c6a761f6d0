//! `umdesk show ID`: one case as the case view shows it, read-only. The
//! viewing is recorded in the access log; the case file is never written.

use super::args::ShowArgs;
use super::commands::checked_id;
use super::output::{clean, emit, emit_json, fields, indent_rest, when};
use super::{Env, Failure};
use crate::case::history::{Integrity, verify};
use crate::case::{Case, Reviewer, facts, short_digest, to_json, validate};
use crate::policy::{LoadedPolicy, Policy};
use crate::rules::evaluate;
use crate::rules::history_text::describe;
use crate::store::actor;

pub(crate) fn run(env: &Env, args: &ShowArgs) -> Result<(), Failure> {
    let id = checked_id(&args.id)?;
    let policy = env.policy()?;
    let store = env.open_store()?;
    let settings = env.settings(&*store, false)?;
    let case = env.load_recorded(&*store, &settings.reviewer, id, "show", "nothing is shown")?;
    if args.json {
        return Ok(emit_json(&json(&case, args.history))?);
    }
    emit(&text(&case, &policy, args.history))?;
    Ok(())
}

/// The case in text, with its history when asked.
pub(crate) fn text(case: &Case, policy: &LoadedPolicy, with_history: bool) -> String {
    let mut text = render(case, policy);
    if with_history {
        text.push_str(&history(case, &policy.policy));
    }
    text
}

/// The case as JSON: with `history`, the case file exactly as stored;
/// without, the case less its history.
fn json(case: &Case, history: bool) -> String {
    if history {
        return to_json(case);
    }
    let mut value = serde_json::to_value(case).expect("case types always serialize");
    if let serde_json::Value::Object(fields) = &mut value {
        fields.remove("history");
    }
    let mut text = serde_json::to_string_pretty(&value).expect("JSON values always serialize");
    text.push('\n');
    text
}

fn who(reviewer: &Reviewer) -> String {
    clean(&actor(reviewer), false).into_owned()
}

/// The case view in text: facts, criteria, determination and the rest.
pub(crate) fn render(case: &Case, loaded: &LoadedPolicy) -> String {
    let policy = &loaded.policy;
    let mut out = fields(&one_line_facts(case));
    if case.policy.digest != loaded.digest {
        out.push_str(&format!(
            "\nNote: this case was made under {} pack {}; the criteria below are read with {} pack {}.\n",
            clean(&case.policy.number, false),
            clean(short_digest(&case.policy.digest), false),
            clean(&policy.number, false),
            short_digest(&loaded.digest)
        ));
    }
    let evaluation = evaluate(policy, case);
    out.push_str(&format!(
        "\nCriteria ({} section I: all must be met)\n",
        clean(&policy.number, false)
    ));
    for result in &evaluation.criteria {
        let origin = result.origin.map(|o| o.label()).unwrap_or("unanswered");
        out.push_str(&format!(
            "\n  {}. {}: {} ({origin})\n",
            result.number,
            clean(&result.name, false),
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
                lines.push(("Answered by", clean(author, false).into_owned()));
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
    let problems = validate::problems(policy, case);
    if !problems.is_empty() {
        out.push_str("\nProblems (what the review would refuse; no sign-off until corrected)\n");
        for problem in &problems {
            out.push_str(&format!("  ! {}\n", clean(&problem.to_string(), false)));
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
                let missing: Vec<_> = d
                    .missing_information
                    .iter()
                    .map(|m| clean(m, false))
                    .collect();
                lines.push(("Missing", missing.join("\n")));
            }
            if !d.coding_flags.is_empty() {
                let flags: Vec<_> = d.coding_flags.iter().map(|f| clean(f, false)).collect();
                lines.push(("Coding flags", flags.join("\n")));
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

/// The request facts with each one-line value escaped whole, so that a
/// line break in a name cannot start a line of its own; a note keeps its
/// lines.
fn one_line_facts(case: &Case) -> Vec<(&'static str, String)> {
    facts(case)
        .into_iter()
        .map(|(label, value)| match label {
            "Fictional" => (label, value),
            _ => (label, clean(&value, false).into_owned()),
        })
        .collect()
}

fn indented(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|line| format!("{prefix}{line}\n"))
        .collect()
}

/// Every history entry: when, who, role, event, summary, what changed in
/// words, and each raw change.
fn history(case: &Case, policy: &Policy) -> String {
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
        for line in describe(entry, case, policy) {
            out.push_str(&format!("     - {}\n", indent_rest(&line, "       ")));
        }
        for change in entry.changes.iter().flat_map(|c| c.shown()) {
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
            c => out.push_str(&clean(c.encode_utf8(&mut [0; 4]), false)),
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
        assert_eq!(quoted("a\u{202e}b"), "\"a\\u{202e}b\"");
    }
}
