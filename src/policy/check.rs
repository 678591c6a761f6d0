//! Validation of a policy pack, naming every problem by its JSON path.

use std::collections::HashSet;

use serde_json::Value;

use super::codes::{is_cpt, is_icd10};
use super::{CriterionInput, Policy};
use crate::sanitize;

/// One thing wrong with a pack, at a JSON path such as `$.criteria[2].text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

fn problem(path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        path: path.into(),
        message: message.into(),
    }
}

/// Parses a pack and lists everything wrong with it. The policy is returned
/// when it parsed, even if it has problems, so callers can show both.
/// Every path and message is safe to print: what they quote of the pack is
/// escaped.
pub fn check_json(text: &str) -> (Option<Policy>, Vec<Problem>) {
    let mut problems = hidden_characters(text);
    let policy: Policy = match crate::json::parse(text) {
        Ok(policy) => policy,
        Err(err) => {
            let message = format!("{} (line {}, column {})", err.message, err.line, err.column);
            problems.push(problem(err.path, message));
            return (None, printable(problems));
        }
    };
    problems.extend(check_policy(&policy));
    (Some(policy), printable(problems))
}

/// Problems as a terminal may show them: paths and messages on one line,
/// with what they quote of the pack escaped.
fn printable(problems: Vec<Problem>) -> Vec<Problem> {
    problems
        .into_iter()
        .map(|p| Problem {
            path: sanitize::line(&p.path).into_owned(),
            message: sanitize::line(&p.message).into_owned(),
        })
        .collect()
}

/// Every string and key of the pack that holds a control character (a
/// line break aside) or an invisible one: a pack's words are shown to
/// reviewers and printed in letters, where an escape sequence would act on
/// the terminal and a bidi override or zero-width character would make
/// the wording read otherwise than it is. Named by JSON path.
fn hidden_characters(text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        find_hidden(&value, "$", &mut problems);
    }
    problems
}

fn find_hidden(value: &Value, at: &str, problems: &mut Vec<Problem>) {
    match value {
        Value::String(text) => report_hidden(at, String::new(), text, problems),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                find_hidden(item, &format!("{at}[{i}]"), problems);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let what = format!("the key '{}' ", sanitize::line(key));
                report_hidden(at, what, key, problems);
                find_hidden(item, &format!("{at}.{key}"), problems);
            }
        }
        _ => {}
    }
}

/// `what` names a key; a string is named by its path alone.
fn report_hidden(at: &str, what: String, text: &str, problems: &mut Vec<Problem>) {
    let found = sanitize::hidden_in(text);
    if found.is_empty() {
        return;
    }
    let shown: Vec<String> = found
        .iter()
        .map(|c| sanitize::line(c.encode_utf8(&mut [0; 4])).into_owned())
        .collect();
    problems.push(problem(
        at,
        format!(
            "{what}holds control or invisible characters ({}); only plain text and line breaks belong in a pack",
            shown.join(", ")
        ),
    ));
}

pub fn check_policy(policy: &Policy) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_metadata(policy, &mut problems);
    check_sections(policy, &mut problems);
    check_definitions(policy, &mut problems);
    check_criteria(policy, &mut problems);
    check_coding(policy, &mut problems);
    check_suggestions(policy, &mut problems);
    problems
}

fn require_text(problems: &mut Vec<Problem>, path: String, value: &str) {
    if value.trim().is_empty() {
        problems.push(problem(path, "must not be empty"));
    }
}

fn check_metadata(policy: &Policy, problems: &mut Vec<Problem>) {
    require_text(problems, "$.number".into(), &policy.number);
    require_text(problems, "$.title".into(), &policy.title);
    if !is_iso_date(&policy.effective_date) {
        problems.push(problem(
            "$.effective_date",
            format!(
                "'{}' is not a date in the form YYYY-MM-DD",
                policy.effective_date
            ),
        ));
    }
    require_text(
        problems,
        "$.fall_through.text".into(),
        &policy.fall_through.text,
    );
    require_text(
        problems,
        "$.benefit_statement.text".into(),
        &policy.benefit_statement.text,
    );
    for (i, variation) in policy.product_variations.iter().enumerate() {
        require_text(
            problems,
            format!("$.product_variations[{i}].product"),
            &variation.product,
        );
        require_text(
            problems,
            format!("$.product_variations[{i}].text"),
            &variation.text,
        );
        require_text(
            problems,
            format!("$.product_variations[{i}].refer_to"),
            &variation.refer_to,
        );
    }
    for (i, reference) in policy.cross_references.iter().enumerate() {
        for (j, code) in reference.procedure_codes.iter().enumerate() {
            let path = format!("$.cross_references[{i}].procedure_codes[{j}]");
            if !is_cpt(code) {
                problems.push(problem(&path, format!("'{code}' is not a CPT code")));
            }
            if policy.procedure_code(code).is_some() {
                problems.push(problem(
                    &path,
                    format!("'{code}' is one of this policy's own procedure codes"),
                ));
            }
        }
    }
}

fn is_iso_date(text: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format).is_ok()
}

fn check_sections(policy: &Policy, problems: &mut Vec<Problem>) {
    if policy.sections.is_empty() {
        problems.push(problem("$.sections", "must list the policy's sections"));
    }
    let mut seen = HashSet::new();
    for (i, section) in policy.sections.iter().enumerate() {
        require_text(problems, format!("$.sections[{i}].id"), &section.id);
        require_text(problems, format!("$.sections[{i}].title"), &section.title);
        require_text(problems, format!("$.sections[{i}].text"), &section.text);
        if !seen.insert(section.id.as_str()) {
            problems.push(problem(
                format!("$.sections[{i}].id"),
                format!("duplicate section id '{}'", section.id),
            ));
        }
    }
    let known = |id: &str| policy.section(id).is_some();
    if !known(&policy.fall_through.section) {
        problems.push(unknown_section(
            "$.fall_through.section",
            &policy.fall_through.section,
        ));
    }
    if !known(&policy.benefit_statement.section) {
        problems.push(unknown_section(
            "$.benefit_statement.section",
            &policy.benefit_statement.section,
        ));
    }
}

fn unknown_section(path: &str, id: &str) -> Problem {
    problem(path, format!("refers to unknown section '{id}'"))
}

fn check_definitions(policy: &Policy, problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for (i, definition) in policy.definitions.iter().enumerate() {
        require_text(
            problems,
            format!("$.definitions[{i}].term"),
            &definition.term,
        );
        require_text(
            problems,
            format!("$.definitions[{i}].text"),
            &definition.text,
        );
        if !seen.insert(definition.term.to_ascii_uppercase()) {
            problems.push(problem(
                format!("$.definitions[{i}].term"),
                format!("duplicate definition '{}'", definition.term),
            ));
        }
    }
}

fn check_criteria(policy: &Policy, problems: &mut Vec<Problem>) {
    if policy.criteria.is_empty() {
        problems.push(problem("$.criteria", "must list at least one criterion"));
    }
    let mut seen = HashSet::new();
    for (i, criterion) in policy.criteria.iter().enumerate() {
        let at = format!("$.criteria[{i}]");
        require_text(problems, format!("{at}.id"), &criterion.id);
        require_text(problems, format!("{at}.name"), &criterion.name);
        require_text(problems, format!("{at}.text"), &criterion.text);
        require_text(
            problems,
            format!("{at}.documentation_needed"),
            &criterion.documentation_needed,
        );
        if !criterion.id.is_empty() && !seen.insert(criterion.id.as_str()) {
            problems.push(problem(
                format!("{at}.id"),
                format!("duplicate criterion id '{}'", criterion.id),
            ));
        }
        if policy.section(&criterion.section).is_none() {
            problems.push(unknown_section(
                &format!("{at}.section"),
                &criterion.section,
            ));
        }
        for (j, term) in criterion.definitions.iter().enumerate() {
            if policy.definition(term).is_none() {
                problems.push(problem(
                    format!("{at}.definitions[{j}]"),
                    format!("unknown definition '{term}'"),
                ));
            }
        }
        check_input(&criterion.input, &format!("{at}.input"), problems);
    }
}

fn check_input(input: &CriterionInput, at: &str, problems: &mut Vec<Problem>) {
    match input {
        CriterionInput::Choice { prompt, options } => {
            require_text(problems, format!("{at}.prompt"), prompt);
            if options.len() < 2 {
                problems.push(problem(
                    format!("{at}.options"),
                    "a choice needs at least two options",
                ));
            }
            let mut seen = HashSet::new();
            for (j, option) in options.iter().enumerate() {
                require_text(problems, format!("{at}.options[{j}].id"), &option.id);
                require_text(problems, format!("{at}.options[{j}].label"), &option.label);
                if !seen.insert(option.id.as_str()) {
                    problems.push(problem(
                        format!("{at}.options[{j}].id"),
                        format!("duplicate option id '{}'", option.id),
                    ));
                }
            }
        }
        CriterionInput::Measurements {
            prompt,
            unit,
            below,
        } => {
            require_text(problems, format!("{at}.prompt"), prompt);
            require_text(problems, format!("{at}.unit"), unit);
            if !below.is_finite() || *below <= 0.0 {
                problems.push(problem(format!("{at}.below"), "must be a positive number"));
            }
        }
    }
}

fn check_coding(policy: &Policy, problems: &mut Vec<Problem>) {
    let mut seen = HashSet::new();
    for (i, code) in policy.coding.procedure_codes.iter().enumerate() {
        let path = format!("$.coding.procedure_codes[{i}].code");
        if !is_cpt(&code.code) {
            problems.push(problem(&path, format!("'{}' is not a CPT code", code.code)));
        }
        if !seen.insert(code.code.as_str()) {
            problems.push(problem(&path, format!("duplicate code '{}'", code.code)));
        }
    }
    let mut seen = HashSet::new();
    for (i, code) in policy.coding.diagnosis_codes.iter().enumerate() {
        let path = format!("$.coding.diagnosis_codes[{i}].code");
        if !is_icd10(&code.code) {
            problems.push(problem(
                &path,
                format!("'{}' is not an ICD-10-CM code", code.code),
            ));
        }
        if !seen.insert(code.code.as_str()) {
            problems.push(problem(&path, format!("duplicate code '{}'", code.code)));
        }
        require_text(
            problems,
            format!("$.coding.diagnosis_codes[{i}].description"),
            &code.description,
        );
    }
}

fn check_suggestions(policy: &Policy, problems: &mut Vec<Problem>) {
    for (i, suggestion) in policy.diagnosis_suggestions.iter().enumerate() {
        let at = format!("$.diagnosis_suggestions[{i}]");
        let Some(criterion) = policy.criterion(&suggestion.criterion) else {
            problems.push(problem(
                format!("{at}.criterion"),
                format!("unknown criterion '{}'", suggestion.criterion),
            ));
            continue;
        };
        let CriterionInput::Choice { options, .. } = &criterion.input else {
            problems.push(problem(
                format!("{at}.criterion"),
                format!("criterion '{}' is not a choice", criterion.id),
            ));
            continue;
        };
        if !options.iter().any(|o| o.id == suggestion.option) {
            problems.push(problem(
                format!("{at}.option"),
                format!(
                    "criterion '{}' has no option '{}'",
                    criterion.id, suggestion.option
                ),
            ));
        }
        if suggestion.codes.is_empty() {
            problems.push(problem(
                format!("{at}.codes"),
                "must list at least one code",
            ));
        }
        for (j, code) in suggestion.codes.iter().enumerate() {
            if !is_icd10(code) {
                problems.push(problem(
                    format!("{at}.codes[{j}]"),
                    format!("'{code}' is not an ICD-10-CM code"),
                ));
            }
        }
        for (j, category) in suggestion.with_any_of.iter().enumerate() {
            if !is_icd10(category) {
                problems.push(problem(
                    format!("{at}.with_any_of[{j}]"),
                    format!("'{category}' is not an ICD-10-CM code or category"),
                ));
            }
        }
    }
}
