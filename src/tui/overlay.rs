//! Modal layers over a screen: help, confirmations, prompts, editors.

use super::widgets::text_area::TextArea;
use super::widgets::text_field::TextField;
use crate::policy::Answer;

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
}

#[derive(Debug, Clone, PartialEq)]
pub enum PromptPurpose {
    OverrideReason { criterion: String, answer: Answer },
    AddLesion,
    SourceDocument { criterion: String },
    Search,
    ReopenReason,
    ReassignTo,
    BreakLockReason,
    QaReview,
    PeerToPeer,
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
