//! Reading JSON documents (policy packs, case files, the config) with an
//! error that says where: the JSON path of the field, its line and column.

use serde::de::DeserializeOwned;

/// Where and why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {path}: {message}")]
pub struct JsonError {
    /// `$.criteria[2].text`; `$` for the document as a whole.
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// For callers that carry messages as text.
impl From<JsonError> for String {
    fn from(err: JsonError) -> String {
        err.to_string()
    }
}

/// Parses a whole document: anything after the value is an error too.
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = json_path(&err.path().to_string());
        located(path, &err.into_inner())
    })?;
    deserializer
        .end()
        .map_err(|err| located("$".to_string(), &err))?;
    Ok(value)
}

/// serde_path_to_error prints `criteria[0].text`, or `.` for the root.
fn json_path(path: &str) -> String {
    if path == "." || path.is_empty() {
        return "$".to_string();
    }
    format!("$.{path}")
}

/// serde_json appends " at line L column C"; the position is kept apart.
fn located(path: String, err: &serde_json::Error) -> JsonError {
    let message = err.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    };
    JsonError {
        path,
        line: err.line(),
        column: err.column(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        items: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Item {
        name: String,
    }

    #[test]
    fn names_the_path_line_and_column() {
        let err = parse::<Doc>("{\"items\": [{\"name\": \"a\"},\n {\"name\": 3}]}").unwrap_err();
        assert_eq!(err.path, "$.items[1].name");
        assert_eq!(err.line, 2);
        assert!(err.message.contains("expected a string"), "{}", err.message);
    }

    #[test]
    fn text_after_the_document_is_an_error() {
        let err = parse::<Doc>("{\"items\": []} trailing").unwrap_err();
        assert_eq!(err.path, "$");
    }
}
