//! Modal layers over a screen: help, confirmations, prompts, editors.

use super::widgets::text_area::TextArea;
use super::widgets::text_field::TextField;
use crate::policy::{Answer, Policy};

pub enum Overlay {
    Help {
        scroll: u16,
    },
    ConfirmQuit,
    ConfirmLeave,
    /// Drafts left by a crash or a dropped connection, offered at start.
    Recover {
        drafts: Vec<crate::store::DraftInfo>,
        selected: usize,
    },
    Prompt(Prompt),
    Editor {
        title: String,
        area: TextArea,
        purpose: EditorPurpose,
    },
    Definitions {
        criterion: String,
        terms: Vec<(String, String)>,
    },
    Problems {
        title: String,
        problems: Vec<String>,
    },
    /// One item to pick from a list (the reviewer of a reassignment).
    Picker(super::widgets::picker::Picker),
    /// What `f` will sign, asked once before it is signed.
    ConfirmSign {
        lines: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum PromptPurpose {
    OverrideReason {
        criterion: String,
        answer: Answer,
    },
    AddLesion,
    SourceDocument {
        criterion: String,
    },
    Search,
    ReopenReason,
    BreakLockReason,
    QaReview,
    PeerToPeer,
    /// Hand the lost session's draft `draft` on.
    HandOverDraft {
        draft: crate::store::DraftKey,
    },
    /// Accept an outside edit into the history.
    AcceptOutsideEdit,
    /// The file of a PAS request to import at intake.
    ImportPas,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorPurpose {
    Evidence { criterion: String },
    Rationale,
    Acknowledgement,
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub title: String,
    pub fields: Vec<(String, TextField)>,
    pub focus: usize,
    pub purpose: PromptPurpose,
    pub error: Option<String>,
}

impl Prompt {
    pub fn single(purpose: PromptPurpose, title: &str, label: &str) -> Prompt {
        Prompt::with_fields(purpose, title, &[(label, "")])
    }

    pub fn with_fields(purpose: PromptPurpose, title: &str, fields: &[(&str, &str)]) -> Prompt {
        Prompt {
            title: title.to_string(),
            fields: fields
                .iter()
                .map(|(label, value)| (label.to_string(), TextField::new(value)))
                .collect(),
            focus: 0,
            purpose,
            error: None,
        }
    }

    pub fn qa_review() -> Prompt {
        Prompt::with_fields(
            PromptPurpose::QaReview,
            "QA review",
            &[
                ("Agree with the outcome? (y/n)", "y"),
                ("Criteria you disagree with (numbers, e.g. 3,5)", ""),
                ("Note", ""),
            ],
        )
    }
}

/// What a dialog's fields say, read and checked: what its purpose needs,
/// typed, instead of strings by position.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptAnswer {
    OverrideReason {
        criterion: String,
        answer: Answer,
        reason: String,
    },
    AddLesion {
        site: String,
        diameter_cm: Option<f64>,
    },
    SourceDocument {
        criterion: String,
        document: String,
    },
    Search {
        query: String,
    },
    Reopen {
        reason: String,
    },
    Reassign {
        to: String,
    },
    BreakLock {
        reason: String,
    },
    QaReview {
        outcome_agrees: bool,
        /// Every criterion, with whether QA agrees with its answer.
        criteria: Vec<(String, bool)>,
        note: String,
    },
    PeerToPeer {
        provider_contact: String,
        note: String,
    },
    HandOverDraft {
        draft: crate::store::DraftKey,
        to: String,
    },
    AcceptOutsideEdit {
        reason: String,
    },
    ImportPas {
        path: String,
    },
}

impl Prompt {
    /// The field at `at`, as typed.
    fn field(&self, at: usize) -> &str {
        self.fields.get(at).map(|(_, f)| f.value()).unwrap_or("")
    }

    /// The dialog's answer, or what is wrong with what was typed.
    pub fn answer(&self, policy: &Policy) -> Result<PromptAnswer, String> {
        let text = |at: usize| self.field(at).trim().to_string();
        Ok(match &self.purpose {
            PromptPurpose::OverrideReason { criterion, answer } => PromptAnswer::OverrideReason {
                criterion: criterion.clone(),
                answer: *answer,
                reason: text(0),
            },
            PromptPurpose::AddLesion => {
                let site = text(0);
                if site.is_empty() {
                    return Err("Name the site of the lesion".to_string());
                }
                PromptAnswer::AddLesion {
                    site,
                    diameter_cm: parse_diameter(self.field(1))?,
                }
            }
            PromptPurpose::SourceDocument { criterion } => PromptAnswer::SourceDocument {
                criterion: criterion.clone(),
                document: text(0),
            },
            PromptPurpose::Search => PromptAnswer::Search { query: text(0) },
            PromptPurpose::ReopenReason => PromptAnswer::Reopen { reason: text(0) },
            PromptPurpose::BreakLockReason => {
                let reason = text(0);
                if reason.is_empty() {
                    return Err("Write the reason for breaking the lock".to_string());
                }
                PromptAnswer::BreakLock { reason }
            }
            PromptPurpose::QaReview => {
                let (outcome_agrees, criteria) = parse_qa(self.field(0), self.field(1), policy)?;
                PromptAnswer::QaReview {
                    outcome_agrees,
                    criteria,
                    note: text(2),
                }
            }
            PromptPurpose::AcceptOutsideEdit => {
                let reason = text(0);
                if reason.is_empty() {
                    return Err("Write why the outside edit is accepted".to_string());
                }
                PromptAnswer::AcceptOutsideEdit { reason }
            }
            PromptPurpose::HandOverDraft { draft } => {
                let to = text(0);
                if to.is_empty() {
                    return Err("Name the reviewer who takes the draft".to_string());
                }
                PromptAnswer::HandOverDraft {
                    draft: draft.clone(),
                    to,
                }
            }
            PromptPurpose::ImportPas => {
                let path = text(0);
                if path.is_empty() {
                    return Err("Give the path of the PAS request file".to_string());
                }
                PromptAnswer::ImportPas { path }
            }
            PromptPurpose::PeerToPeer => PromptAnswer::PeerToPeer {
                provider_contact: text(0),
                note: text(1),
            },
        })
    }
}

/// "3.2", "3,2" or "3.2 cm"; empty when not measured yet.
fn parse_diameter(text: &str) -> Result<Option<f64>, String> {
    let cleaned = text.trim().trim_end_matches("cm").trim().replace(',', ".");
    if cleaned.is_empty() {
        return Ok(None);
    }
    match cleaned.parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 && value < 100.0 => Ok(Some(value)),
        _ => Err(format!(
            "'{}' is not a diameter in cm (e.g. 3.2)",
            text.trim()
        )),
    }
}

/// "y"/"n" for the outcome and "3, 5" for the criteria disagreed with.
fn parse_qa(
    outcome: &str,
    disagreements: &str,
    policy: &Policy,
) -> Result<(bool, Vec<(String, bool)>), String> {
    let outcome_agrees = match outcome.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" | "agree" => true,
        "n" | "no" | "disagree" => false,
        other => return Err(format!("outcome: answer y or n, not '{other}'")),
    };
    let mut criteria: Vec<(String, bool)> = policy
        .criteria
        .iter()
        .map(|c| (c.id.clone(), true))
        .collect();
    for part in disagreements.split([',', ' ']).filter(|p| !p.is_empty()) {
        let number: usize = part
            .parse()
            .map_err(|_| format!("criteria: '{part}' is not a criterion number"))?;
        let Some(entry) = criteria.get_mut(number.wrapping_sub(1)) else {
            return Err(format!("criteria: there is no criterion {number}"));
        };
        entry.1 = false;
    }
    Ok((outcome_agrees, criteria))
}
