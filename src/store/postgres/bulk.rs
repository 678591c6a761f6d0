//! Many cases at once, for a copy between stores: one COPY of their rows
//! and one of their histories per batch, instead of a transaction per case.
//! Cases whose id is taken are left out, as a single import leaves them.

use std::collections::HashSet;
use std::io::Write;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{PostgresStore, QueueColumns, check_record_size};
use crate::case::Case;
use crate::store::{StoreError, check_id};

/// `text` as a field of COPY's text format; None is NULL.
pub(super) fn copy_text(text: Option<&str>) -> String {
    let Some(text) = text else {
        return "\\N".to_string();
    };
    let mut field = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => field.push_str("\\\\"),
            '\n' => field.push_str("\\n"),
            '\r' => field.push_str("\\r"),
            '\t' => field.push_str("\\t"),
            c => field.push(c),
        }
    }
    field
}

pub(super) fn copy_time(at: Option<OffsetDateTime>) -> String {
    at.and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| "\\N".to_string())
}

pub(super) fn copy_bool(value: Option<bool>) -> String {
    match value {
        Some(true) => "t".to_string(),
        Some(false) => "f".to_string(),
        None => "\\N".to_string(),
    }
}

pub(super) fn copy_int(value: Option<i32>) -> String {
    value.map_or_else(|| "\\N".to_string(), |v| v.to_string())
}

impl PostgresStore {
    /// Writes each `(case, document)` whose id is free, as
    /// [`PostgresStore::import_document`] does one: its document as it is,
    /// its queue columns and its history. Returns the ids written.
    pub fn import_documents(&self, batch: &[(Case, String)]) -> Result<Vec<String>, StoreError> {
        for (case, document) in batch {
            check_id(&case.id)?;
            check_record_size(|| format!("case {}", case.id), document.len())?;
        }
        let mut client = self.client()?;
        let mut tx = client.transaction().map_err(self.err())?;
        tx.batch_execute(
            "CREATE TEMP TABLE incoming_cases (LIKE cases INCLUDING DEFAULTS) ON COMMIT DROP;
             CREATE TEMP TABLE incoming_history (LIKE case_history) ON COMMIT DROP;",
        )
        .map_err(self.err())?;
        let mut rows = tx
            .copy_in(
                "COPY incoming_cases (id, document, is_final, due_at, status, member, \
                 member_id, reviewer, last_digest, outcome, received_at, decided_at, \
                 decided_by, first_final_by, first_final_at, qa_reviewed, qa_outcome_agrees, \
                 qa_criteria, qa_criteria_agreed, search) FROM STDIN",
            )
            .map_err(self.err())?;
        for (case, document) in batch {
            let line = QueueColumns::of(case).copy_line(&case.id, document);
            rows.write_all(line.as_bytes())
                .map_err(|error| StoreError::Io {
                    location: self.location.clone(),
                    error,
                })?;
        }
        rows.finish().map_err(self.err())?;
        let inserted: HashSet<String> = tx
            .query(
                "INSERT INTO cases (id, document, is_final, due_at, status, member, member_id, \
                 reviewer, last_digest, outcome, received_at, decided_at, decided_by, \
                 first_final_by, first_final_at, qa_reviewed, qa_outcome_agrees, qa_criteria, \
                 qa_criteria_agreed, search) \
                 SELECT id, document, is_final, due_at, status, member, member_id, reviewer, \
                 last_digest, outcome, received_at, decided_at, decided_by, first_final_by, \
                 first_final_at, qa_reviewed, qa_outcome_agrees, qa_criteria, \
                 qa_criteria_agreed, search FROM incoming_cases \
                 ON CONFLICT (id) DO NOTHING RETURNING id",
                &[],
            )
            .map_err(self.err())?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let mut history = tx
            .copy_in("COPY incoming_history (case_id, position, digest, entry) FROM STDIN")
            .map_err(self.err())?;
        for (case, _) in batch.iter().filter(|(c, _)| inserted.contains(&c.id)) {
            for (position, entry) in case.history.iter().enumerate() {
                let text = serde_json::to_string(entry).expect("history entries always serialize");
                let line = format!(
                    "{}\t{position}\t{}\t{}\n",
                    copy_text(Some(&case.id)),
                    copy_text(Some(&entry.digest)),
                    copy_text(Some(&text))
                );
                history
                    .write_all(line.as_bytes())
                    .map_err(|error| StoreError::Io {
                        location: self.location.clone(),
                        error,
                    })?;
            }
        }
        history.finish().map_err(self.err())?;
        tx.batch_execute("INSERT INTO case_history SELECT * FROM incoming_history")
            .map_err(self.err())?;
        tx.commit().map_err(self.err())?;
        Ok(batch
            .iter()
            .map(|(case, _)| case.id.clone())
            .filter(|id| inserted.contains(id))
            .collect())
    }
}
