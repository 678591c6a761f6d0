//! Field-by-field differences between two versions of a case, for history.

use serde_json::Value;

use super::model::{Case, Change};

/// Longest value kept in a history entry; notes can be megabytes long.
const MAX_VALUE_CHARS: usize = 2000;

/// Every leaf field that differs, by dotted path, history, seal and
/// signatures aside.
pub fn changes(before: &Case, after: &Case) -> Vec<Change> {
    let mut old = Vec::new();
    let mut new = Vec::new();
    flatten("", &content(before), &mut old);
    flatten("", &content(after), &mut new);
    let mut changes = Vec::new();
    let old_map: std::collections::BTreeMap<_, _> = old.into_iter().collect();
    let new_map: std::collections::BTreeMap<_, _> = new.into_iter().collect();
    for (field, to) in &new_map {
        let from = old_map.get(field).cloned().unwrap_or_default();
        if &from != to {
            changes.push(change(field, &from, to));
        }
    }
    for (field, from) in &old_map {
        if !new_map.contains_key(field) {
            changes.push(change(field, from, ""));
        }
    }
    changes
}

/// The case without history and seal, dropped before serializing: a long
/// history would otherwise be converted on every save.
fn content(case: &Case) -> Value {
    let mut content = case.clone();
    content.history.clear();
    content.seal = None;
    content.signatures.clear();
    let mut value = serde_json::to_value(&content).expect("case types always serialize");
    if let Value::Object(map) = &mut value {
        map.remove("history");
        map.remove("seal");
        map.remove("signatures");
    }
    value
}

fn change(field: &str, from: &str, to: &str) -> Change {
    Change {
        field: field.to_string(),
        from: clip(from),
        to: clip(to),
    }
}

fn clip(text: &str) -> String {
    if text.chars().count() <= MAX_VALUE_CHARS {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(MAX_VALUE_CHARS).collect();
    clipped.push('…');
    clipped
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&path, child, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), child, out);
            }
        }
        Value::Null => {}
        Value::String(text) => out.push((prefix.to_string(), text.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}
