//! The medical policy as plain data.
//!
//! A policy pack is a JSON file (`assets/policies/*.json`). The app never
//! carries policy wording in code: everything shown of a policy comes from
//! its pack, and a new policy is a new pack, checked by [`check`].

mod check;
pub mod codes;
mod search;

pub use check::{Problem, check_json};
pub use search::{SearchHit, search};

use crate::digest::sha256_hex;
use serde::{Deserialize, Serialize};
use strum::EnumMessage;

/// The pack embedded in the binary, so one file is all a server needs.
pub const EMBEDDED_MP_1_121: &str = include_str!("../../assets/policies/mp-1.121.json");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Format version of the pack itself.
    pub pack_version: u32,
    /// "MP 1.121".
    pub number: String,
    pub title: String,
    pub issuer: String,
    /// ISO date, "2024-05-01".
    pub effective_date: String,
    pub clinical_benefit: Vec<ClinicalBenefit>,
    pub cross_references: Vec<CrossReference>,
    /// Every section of the source, in order.
    pub sections: Vec<Section>,
    /// The criteria that must all be met, in the order the policy lists them.
    pub criteria: Vec<Criterion>,
    pub definitions: Vec<Definition>,
    pub coding: Coding,
    pub product_variations: Vec<ProductVariation>,
    /// What the policy says of everything outside the criteria.
    pub fall_through: FallThrough,
    /// The statement that medical necessity is no coverage guarantee.
    pub benefit_statement: Quote,
    /// How to read diagnosis codes as a suggestion for one criterion's input.
    #[serde(default)]
    pub diagnosis_suggestions: Vec<DiagnosisSuggestion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClinicalBenefit {
    pub label: String,
    pub checked: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrossReference {
    pub number: String,
    pub title: String,
    /// Procedure codes that belong to the referenced policy rather than this
    /// one; a request carrying them is flagged with the referenced policy named.
    #[serde(default)]
    pub procedure_codes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Roman numeral as printed: "I" ... "X".
    pub id: String,
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// Stable id stored in cases, e.g. "unresectable".
    pub id: String,
    /// Short name for lists and letters, in plain words.
    pub name: String,
    /// The exact wording of the policy.
    pub text: String,
    /// The section the wording comes from ("I").
    pub section: String,
    /// Terms of the definitions section this criterion touches.
    #[serde(default)]
    pub definitions: Vec<String>,
    pub input: CriterionInput,
    /// What to ask the provider for when this criterion cannot be answered.
    pub documentation_needed: String,
}

/// The structured question behind a criterion and how its answer follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CriterionInput {
    /// One option out of a list; each option implies an answer.
    Choice {
        prompt: String,
        options: Vec<ChoiceOption>,
    },
    /// Every measured lesion must be strictly below `below` (in `unit`).
    Measurements {
        prompt: String,
        unit: String,
        below: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    pub id: String,
    pub label: String,
    pub answer: Answer,
}

/// The answer to one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumMessage)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    #[strum(message = "Met")]
    Met,
    #[strum(message = "Not met")]
    NotMet,
    #[strum(message = "Insufficient information")]
    Insufficient,
}

impl Answer {
    pub const ALL: [Answer; 3] = [Answer::Met, Answer::NotMet, Answer::Insufficient];

    pub fn label(self) -> &'static str {
        self.get_message().unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Definition {
    /// The term as the policy prints it, e.g. "EXTRAHEPATIC".
    pub term: String,
    /// The definition's full sentence as printed.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coding {
    pub note: String,
    pub procedure_codes: Vec<Code>,
    pub diagnosis_codes: Vec<Code>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    pub code: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductVariation {
    /// Product id as stored in cases, e.g. "fep_ppo".
    pub product: String,
    /// The policy's own words for this product.
    pub text: String,
    /// Where such a member's request is decided instead.
    pub refer_to: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FallThrough {
    pub section: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    pub section: String,
    pub text: String,
}

/// Reads diagnosis codes as a suggested option for a choice criterion:
/// when the request carries one of `codes` (and, if given, one code starting
/// with an entry of `with_any_of`), option `option` of `criterion` is suggested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisSuggestion {
    pub criterion: String,
    pub codes: Vec<String>,
    #[serde(default)]
    pub with_any_of: Vec<String>,
    pub option: String,
    /// Why, in plain words, shown to the reviewer who confirms it.
    pub reason: String,
}

/// Where a pack came from and its digest, stored in every case decided under it.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    pub policy: Policy,
    /// SHA-256 of the pack's bytes, hex.
    pub digest: String,
    pub origin: String,
}

/// Why a pack could not be loaded.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{origin}: invalid policy pack\n{}", problem_lines(.problems))]
pub struct PolicyError {
    pub origin: String,
    pub problems: Vec<Problem>,
}

/// One problem a line, indented under the heading.
fn problem_lines(problems: &[Problem]) -> String {
    problems.iter().map(|p| format!("  {p}\n")).collect()
}

/// For callers that carry messages as text.
impl From<PolicyError> for String {
    fn from(err: PolicyError) -> String {
        err.to_string()
    }
}

impl LoadedPolicy {
    /// Parses and validates a pack; `origin` names it in messages.
    pub fn from_json(text: &str, origin: &str) -> Result<LoadedPolicy, PolicyError> {
        let (policy, problems) = check_json(text);
        match policy {
            Some(policy) if problems.is_empty() => Ok(LoadedPolicy {
                policy,
                digest: sha256_hex(text.as_bytes()),
                origin: origin.to_string(),
            }),
            _ => Err(PolicyError {
                origin: origin.to_string(),
                problems,
            }),
        }
    }

    /// The pack built into the binary. It is checked by
    /// tests/policy_pack.rs, so it is only deserialized here: the checker's
    /// path tracking was most of the work of loading it, on every start.
    pub fn embedded() -> LoadedPolicy {
        let policy = serde_json::from_str(EMBEDDED_MP_1_121)
            .expect("the embedded pack is checked by tests/policy_pack.rs");
        LoadedPolicy {
            policy,
            digest: sha256_hex(EMBEDDED_MP_1_121.as_bytes()),
            origin: "embedded mp-1.121.json".to_string(),
        }
    }
}

impl Policy {
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    pub fn section(&self, id: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.id == id)
    }

    pub fn section_index(&self, id: &str) -> Option<usize> {
        self.sections.iter().position(|s| s.id == id)
    }

    /// A definition by term, ignoring case.
    pub fn definition(&self, term: &str) -> Option<&Definition> {
        self.definitions
            .iter()
            .find(|d| d.term.eq_ignore_ascii_case(term))
    }

    pub fn procedure_code(&self, code: &str) -> Option<&Code> {
        self.coding.procedure_codes.iter().find(|c| c.code == code)
    }

    pub fn diagnosis_code(&self, code: &str) -> Option<&Code> {
        self.coding.diagnosis_codes.iter().find(|c| c.code == code)
    }

    pub fn variation_for(&self, product: &str) -> Option<&ProductVariation> {
        self.product_variations
            .iter()
            .find(|v| v.product == product)
    }

    /// The cross-referenced policy that owns a procedure code, if any.
    pub fn cross_reference_for_code(&self, code: &str) -> Option<&CrossReference> {
        self.cross_references
            .iter()
            .find(|r| r.procedure_codes.iter().any(|c| c == code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_keep_their_words() {
        assert_eq!(
            Answer::ALL.map(Answer::label),
            ["Met", "Not met", "Insufficient information"]
        );
    }

    #[test]
    fn a_bad_pack_lists_each_problem_on_its_own_line() {
        let err = LoadedPolicy::from_json("{}", "bad.json").unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("bad.json: invalid policy pack\n  "),
            "{text}"
        );
        assert!(text.ends_with('\n'), "{text:?}");
        assert_eq!(text.lines().count(), 1 + err.problems.len());
        assert_eq!(String::from(err), text);
    }
}
