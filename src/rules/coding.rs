//! Coding checks that run beside the criteria.

use serde::Serialize;

use crate::case::Case;
use crate::policy::Policy;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeKind {
    Procedure,
    Diagnosis,
}

/// A code the policy does not list. Finalizing over one needs a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodingFlag {
    pub code: String,
    pub kind: CodeKind,
    pub message: String,
}

pub fn coding_flags(policy: &Policy, case: &Case) -> Vec<CodingFlag> {
    let mut flags = Vec::new();
    if case.service.cpt_codes.is_empty() {
        flags.push(CodingFlag {
            code: String::new(),
            kind: CodeKind::Procedure,
            message: "The request carries no procedure code".to_string(),
        });
    }
    for code in &case.service.cpt_codes {
        if policy.procedure_code(code).is_some() {
            continue;
        }
        let message = match policy.cross_reference_for_code(code) {
            Some(reference) => format!(
                "Procedure code {code} is not listed in {}; it belongs to {} {}",
                policy.number, reference.number, reference.title
            ),
            None => format!("Procedure code {code} is not listed in {}", policy.number),
        };
        flags.push(CodingFlag {
            code: code.clone(),
            kind: CodeKind::Procedure,
            message,
        });
    }
    for code in &case.service.icd10_codes {
        if policy.diagnosis_code(code).is_some() || is_primary_site(policy, case, code) {
            continue;
        }
        flags.push(CodingFlag {
            code: code.clone(),
            kind: CodeKind::Diagnosis,
            message: format!("Diagnosis code {code} is not listed in {}", policy.number),
        });
    }
    flags
}

/// A primary-site code (C18.7 beside C78.7) is how the policy's suggestion
/// rules tell a colorectal from a neuroendocrine metastasis; it is expected
/// on the request, not a coding error.
fn is_primary_site(policy: &Policy, case: &Case, code: &str) -> bool {
    policy.diagnosis_suggestions.iter().any(|s| {
        let listed_code_present = s.codes.iter().any(|c| case.service.icd10_codes.contains(c));
        listed_code_present
            && s.with_any_of
                .iter()
                .any(|category| super::code_in_category(code, category))
    })
}
