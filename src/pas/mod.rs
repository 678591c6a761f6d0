//! Da Vinci PAS (Prior Authorization Support, FHIR R4, IG 2.2.1): a request
//! Bundle becomes a case ([`import`]), a decided case becomes a response
//! Bundle ([`response`]), its checklist a DTR QuestionnaireResponse and the
//! policy pack the Questionnaire it answers ([`questionnaire`]); and
//! [`conformance`] checks the profile rules that matter on what we write.
//!
//! Domain code: JSON and typed values in, cases and JSON out; no store, no
//! terminal, no I/O. The URLs and codes are data (`assets/pas/codes.json`).

pub mod conformance;
pub mod import;
pub mod questionnaire;
mod request;
pub mod response;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

pub use import::{ImportError, Imported, import_request};
pub use response::{ResponseError, ResponseOptions, response_bundle};

/// The terms table, as shipped.
pub const CODES_JSON: &str = include_str!("../../assets/pas/codes.json");

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Terms {
    pub note: String,
    pub profiles: Profiles,
    pub extensions: Extensions,
    pub systems: Systems,
    pub review_actions: ReviewActions,
    pub urgency: UrgencyCodes,
    pub coverage: CoverageTable,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profiles {
    pub request_bundle: String,
    pub response_bundle: String,
    pub claim_response: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extensions {
    pub review_action: String,
    pub review_action_code: String,
    pub claim_response_reviewer: String,
    pub information_origin: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Systems {
    pub review_action: String,
    pub adjudication: String,
    pub claim_type: String,
    pub process_priority: String,
    pub note_type: String,
    pub npi: String,
    pub cpt: String,
    pub icd10cm: String,
    pub payer_type: String,
    pub umdesk_review: String,
    pub umdesk_response: String,
    pub umdesk_policy: String,
}

/// An X12 306 code with its display.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Code {
    pub code: String,
    pub display: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewActions {
    pub certified: Code,
    pub not_certified: Code,
    pub pended: Code,
    pub modified: Code,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UrgencyCodes {
    pub expedited: Vec<String>,
    pub standard: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageTable {
    pub note: String,
    pub fep_plan_markers: Vec<String>,
    /// Source of Payment Typology code -> product key.
    pub payer_types: BTreeMap<String, String>,
}

/// The shipped terms; the table is part of the program, so a table that
/// does not parse is a build defect (a unit test reads it).
pub fn terms() -> &'static Terms {
    static TERMS: OnceLock<Terms> = OnceLock::new();
    TERMS.get_or_init(|| serde_json::from_str(CODES_JSON).expect("assets/pas/codes.json is valid"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_terms_table_reads_and_names_only_the_example_review_actions() {
        let terms = super::terms();
        let codes = [
            &terms.review_actions.certified,
            &terms.review_actions.not_certified,
            &terms.review_actions.pended,
            &terms.review_actions.modified,
        ]
        .map(|c| c.code.as_str());
        assert_eq!(codes, ["A1", "A3", "A4", "A6"]);
        for product in terms.coverage.payer_types.values() {
            assert!(
                crate::case::Product::ALL.iter().any(|p| p.key() == product),
                "{product}"
            );
        }
    }
}
