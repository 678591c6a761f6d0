//! Differences between two versions of a case, recorded so that they can be
//! applied back exactly: the history replays from them.
//!
//! A change names one place in the case's JSON by a path in the notation
//! validation problems use too (`criteria[2].evidence`, `lesions[0]`,
//! `determination`; the empty path is the whole case) and carries the JSON
//! value there before and after, whole and unclipped. A value that is not
//! there at all (a list item added or removed, an optional key absent) is
//! left out of the change, which is how "absent" differs from `null`.
//!
//! Objects are compared key by key and lists item by item, so a change is
//! as small as the edit: one evidence note, one added lesion. Lists that
//! grow gain items at their end, in order; lists that shrink lose items
//! from their end, last first, so the changes apply one after the other.
//! Where one side is not an object or list of the same kind (a
//! determination that was `null`), the whole value is one change.

use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

use super::model::{Case, Change};

/// Every place where `after` differs from `before`, history, seal and
/// signatures aside.
pub fn changes(before: &Case, after: &Case) -> Vec<Change> {
    let mut out = Vec::new();
    diff_values(
        String::new(),
        Some(&content(before)),
        Some(&content(after)),
        &mut out,
    );
    out
}

/// The change that creates `case` from nothing: the first history entry
/// carries it, so the history replays from creation.
pub fn creation(case: &Case) -> Vec<Change> {
    vec![Change {
        field: String::new(),
        from: None,
        to: Some(content(case)),
    }]
}

/// The case's content as JSON: everything but its history and seal, which
/// are dropped before serializing (a long history would otherwise be
/// converted on every save).
pub fn content(case: &Case) -> Value {
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

fn diff_values(path: String, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<Change>) {
    match (old, new) {
        (Some(a), Some(b)) if a == b => {}
        (Some(Value::Object(a)), Some(Value::Object(b))) => diff_objects(&path, a, b, out),
        (Some(Value::Array(a)), Some(Value::Array(b))) => diff_arrays(&path, a, b, out),
        (None, None) => {}
        (old, new) => out.push(Change {
            field: path,
            from: old.cloned(),
            to: new.cloned(),
        }),
    }
}

fn diff_objects(path: &str, a: &Map<String, Value>, b: &Map<String, Value>, out: &mut Vec<Change>) {
    for (key, old) in a {
        diff_values(key_path(path, key), Some(old), b.get(key), out);
    }
    for (key, new) in b {
        if !a.contains_key(key) {
            diff_values(key_path(path, key), None, Some(new), out);
        }
    }
}

fn diff_arrays(path: &str, a: &[Value], b: &[Value], out: &mut Vec<Change>) {
    for (i, (old, new)) in a.iter().zip(b).enumerate() {
        diff_values(index_path(path, i), Some(old), Some(new), out);
    }
    for (i, new) in b.iter().enumerate().skip(a.len()) {
        diff_values(index_path(path, i), None, Some(new), out);
    }
    for i in (b.len()..a.len()).rev() {
        diff_values(index_path(path, i), Some(&a[i]), None, out);
    }
}

/// `criteria[0]` + `evidence` = `criteria[0].evidence`.
pub fn key_path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// `lesions` + 2 = `lesions[2]`.
pub fn index_path(prefix: &str, index: usize) -> String {
    format!("{prefix}[{index}]")
}

/// Why a change could not be applied; nothing is left half applied by
/// [`apply`], which works on a copy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at {}: {problem}", place(.field))]
pub struct ApplyError {
    pub field: String,
    pub problem: String,
}

fn place(field: &str) -> &str {
    if field.is_empty() {
        "the whole case"
    } else {
        field
    }
}

fn apply_error(field: &str, problem: impl Into<String>) -> ApplyError {
    ApplyError {
        field: field.to_string(),
        problem: problem.into(),
    }
}

/// `case` with `changes` applied in order, history and seal kept as they
/// are. Each change must find the value it says was there before: a change
/// made to another version (a draft over a case that has moved on) is
/// refused at the first place that differs, naming it.
pub fn apply(case: &Case, changes: &[Change]) -> Result<Case, ApplyError> {
    let mut value = content(case);
    for change in changes {
        apply_change(&mut value, change)?;
    }
    let mut applied = case_from(value)?;
    applied.history = case.history.clone();
    applied.seal = case.seal.clone();
    Ok(applied)
}

/// Reads a case's content back from JSON.
pub(crate) fn case_from(value: Value) -> Result<Case, ApplyError> {
    serde_json::from_value(value)
        .map_err(|err| apply_error("", format!("the result is not a case: {err}")))
}

/// One step of a path: a key of an object or an index of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// `criteria[2].evidence` as its steps; the empty path has none. Keys of a
/// case never hold `.` or `[`, so the notation needs no escapes.
fn steps(path: &str) -> Result<Vec<Step>, ApplyError> {
    let mut steps = Vec::new();
    if path.is_empty() {
        return Ok(steps);
    }
    for part in path.split('.') {
        let (key, mut rest) = match part.find('[') {
            Some(at) => part.split_at(at),
            None => (part, ""),
        };
        if key.is_empty() {
            return Err(apply_error(path, "the path has an empty key"));
        }
        steps.push(Step::Key(key.to_string()));
        while !rest.is_empty() {
            let Some(close) = rest.find(']') else {
                return Err(apply_error(path, "the path has an unclosed '['"));
            };
            let index = rest[1..close]
                .parse::<usize>()
                .map_err(|_| apply_error(path, "the path has an index that is not a number"))?;
            steps.push(Step::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(apply_error(path, "the path has text after an index"));
            }
        }
    }
    Ok(steps)
}

/// Applies one change to a case's JSON, in place. The whole case (the empty
/// path) is absent while it is `null`: creation starts from there.
pub(crate) fn apply_change(root: &mut Value, change: &Change) -> Result<(), ApplyError> {
    let path = change.field.as_str();
    let steps = steps(path)?;
    let Some((last, parents)) = steps.split_last() else {
        let current = (!root.is_null()).then_some(&*root);
        expect_before(path, current, change.from.as_ref())?;
        *root = change.to.clone().unwrap_or(Value::Null);
        return Ok(());
    };
    let mut node = root;
    for step in parents {
        node = match (step, node) {
            (Step::Key(key), Value::Object(map)) => map.get_mut(key),
            (Step::Index(i), Value::Array(items)) => items.get_mut(*i),
            _ => None,
        }
        .ok_or_else(|| apply_error(path, "there is no such place in the case"))?;
    }
    match (last, node) {
        (Step::Key(key), Value::Object(map)) => {
            expect_before(path, map.get(key), change.from.as_ref())?;
            match &change.to {
                Some(to) => map.insert(key.clone(), to.clone()),
                None => map.remove(key),
            };
            Ok(())
        }
        (Step::Index(i), Value::Array(items)) => {
            expect_before(path, items.get(*i), change.from.as_ref())?;
            set_item(path, items, *i, change.to.as_ref())
        }
        _ => Err(apply_error(path, "there is no such place in the case")),
    }
}

fn set_item(
    path: &str,
    items: &mut Vec<Value>,
    i: usize,
    to: Option<&Value>,
) -> Result<(), ApplyError> {
    match to {
        Some(to) if i < items.len() => items[i] = to.clone(),
        Some(to) if i == items.len() => items.push(to.clone()),
        Some(_) => return Err(apply_error(path, "an item would leave a gap in the list")),
        None if i + 1 == items.len() => {
            items.pop();
        }
        None => {
            return Err(apply_error(
                path,
                "only the last item of a list can be removed",
            ));
        }
    }
    Ok(())
}

fn expect_before(
    path: &str,
    current: Option<&Value>,
    from: Option<&Value>,
) -> Result<(), ApplyError> {
    if current == from {
        return Ok(());
    }
    Err(apply_error(
        path,
        format!(
            "the change expects {} but the case holds {}",
            describe(from),
            describe(current)
        ),
    ))
}

fn describe(value: Option<&Value>) -> String {
    match value {
        None => "nothing".to_string(),
        Some(value) => clip(&value.to_string(), 80),
    }
}

/// Longest value shown of a change; a note can be megabytes long.
const SHOWN_CHARS: usize = 2000;

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(max).collect();
    clipped.push('…');
    clipped
}

/// One changed leaf, for people: the path, and the text before and after
/// ("" where there was nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShownChange {
    pub field: String,
    pub from: String,
    pub to: String,
}

impl Change {
    /// A change of one field from one value to another.
    pub fn set(field: &str, from: Value, to: Value) -> Change {
        Change {
            field: field.to_string(),
            from: Some(from),
            to: Some(to),
        }
    }

    /// Whether this is the whole case as created (the empty path).
    pub fn is_creation(&self) -> bool {
        self.field.is_empty()
    }

    /// The change as leaf lines for people: an added determination shows
    /// as its fields, each from nothing. The creation shows as nothing: the
    /// case's facts say what it was created with.
    pub fn shown(&self) -> Vec<ShownChange> {
        if self.is_creation() {
            return Vec::new();
        }
        let mut old = Vec::new();
        let mut new = Vec::new();
        if let Some(from) = &self.from {
            flatten(&self.field, from, &mut old);
        }
        if let Some(to) = &self.to {
            flatten(&self.field, to, &mut new);
        }
        let mut shown: Vec<ShownChange> = Vec::new();
        for (field, to) in &new {
            let from = old
                .iter()
                .find(|(f, _)| f == field)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            if &from != to {
                shown.push(shown_change(field, &from, to));
            }
        }
        for (field, from) in &old {
            if !new.iter().any(|(f, _)| f == field) {
                shown.push(shown_change(field, from, ""));
            }
        }
        shown
    }
}

fn shown_change(field: &str, from: &str, to: &str) -> ShownChange {
    ShownChange {
        field: field.to_string(),
        from: clip(from, SHOWN_CHARS),
        to: clip(to, SHOWN_CHARS),
    }
}

fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                flatten(&key_path(prefix, key), child, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                flatten(&index_path(prefix, i), child, out);
            }
        }
        Value::Null => {}
        Value::String(text) => out.push((prefix.to_string(), text.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// Reads `from` and `to` so that a `null` that is there stays `Some(Null)`:
/// only a value left out is absent.
pub(crate) fn present<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_steps() {
        assert_eq!(steps("").unwrap(), vec![]);
        assert_eq!(
            steps("criteria[2].override_reason").unwrap(),
            vec![
                Step::Key("criteria".into()),
                Step::Index(2),
                Step::Key("override_reason".into())
            ]
        );
        assert_eq!(
            steps("a[1][0]").unwrap(),
            vec![Step::Key("a".into()), Step::Index(1), Step::Index(0)]
        );
        for bad in ["a..b", "a[x]", "a[1", "a[1]b", ".a"] {
            assert!(steps(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_list_that_shrinks_loses_items_from_its_end() {
        let mut changes = Vec::new();
        let a = serde_json::json!({"l": [1, 2, 3, 4]});
        let b = serde_json::json!({"l": [9]});
        diff_values(String::new(), Some(&a), Some(&b), &mut changes);
        let mut value = a.clone();
        for change in &changes {
            apply_change(&mut value, change).unwrap();
        }
        assert_eq!(value, b);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["l[0]", "l[3]", "l[2]", "l[1]"]);
    }

    #[test]
    fn a_change_made_to_another_version_is_refused_naming_the_place() {
        let mut value = serde_json::json!({"a": {"b": "now"}});
        let change = Change::set("a.b", Value::from("then"), Value::from("next"));
        let err = apply_change(&mut value, &change).unwrap_err();
        assert_eq!(err.field, "a.b");
        assert!(err.to_string().contains("\"then\""), "{err}");
        assert!(err.to_string().contains("\"now\""), "{err}");
    }
}
