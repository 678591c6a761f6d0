//! The parts of a PAS request Bundle that umdesk reads, as typed values.
//! Unknown elements are allowed (FHIR resources carry many we do not
//! need); an element we read with the wrong shape is an error naming its
//! FHIR path.

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub resource_type: String,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub identifier: Option<Identifier>,
    pub timestamp: Option<String>,
    #[serde(default)]
    pub entry: Vec<Entry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub full_url: Option<String>,
    pub resource: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Identifier {
    pub system: Option<String>,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CodeableConcept {
    #[serde(default)]
    pub coding: Vec<Coding>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Coding {
    pub system: Option<String>,
    pub code: Option<String>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Reference {
    pub reference: Option<String>,
    pub display: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Period {
    pub start: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    #[serde(rename = "use")]
    pub use_: Option<String>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    pub patient: Option<Reference>,
    pub provider: Option<Reference>,
    pub insurer: Option<Reference>,
    pub priority: Option<CodeableConcept>,
    #[serde(default)]
    pub insurance: Vec<Insurance>,
    #[serde(default)]
    pub diagnosis: Vec<Diagnosis>,
    #[serde(default)]
    pub item: Vec<Item>,
    #[serde(default)]
    pub supporting_info: Vec<SupportingInfo>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Insurance {
    pub coverage: Option<Reference>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnosis {
    pub diagnosis_codeable_concept: Option<CodeableConcept>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub sequence: Option<u32>,
    pub product_or_service: Option<CodeableConcept>,
    pub serviced_date: Option<String>,
    pub serviced_period: Option<Period>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportingInfo {
    pub sequence: Option<u32>,
    pub value_reference: Option<Reference>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    #[serde(default)]
    pub name: Vec<HumanName>,
    pub birth_date: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct HumanName {
    pub text: Option<String>,
    pub family: Option<String>,
    #[serde(default)]
    pub given: Vec<String>,
    #[serde(default)]
    pub suffix: Vec<String>,
}

impl HumanName {
    /// "Given Family, Suffix" as a reviewer reads it; the text when given.
    pub fn display(&self) -> String {
        if let Some(text) = self.text.as_deref().filter(|t| !t.trim().is_empty()) {
            return text.trim().to_string();
        }
        let mut parts: Vec<&str> = self.given.iter().map(String::as_str).collect();
        if let Some(family) = &self.family {
            parts.push(family);
        }
        let mut name = parts.join(" ");
        if !self.suffix.is_empty() {
            name = format!("{name}, {}", self.suffix.join(", "));
        }
        name.trim().to_string()
    }
}

/// A Practitioner or an Organization: a name and identifiers (the NPI).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    /// A Practitioner's names ...
    #[serde(default, deserialize_with = "names")]
    pub name: Vec<HumanName>,
    /// ... a PractitionerRole's practitioner and organization.
    pub practitioner: Option<Reference>,
    pub organization: Option<Reference>,
}

/// A Practitioner's `name` is a list of HumanName, an Organization's a
/// string: both read as names.
fn names<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<HumanName>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Names {
        Text(String),
        Human(Vec<HumanName>),
    }
    Ok(match Option::<Names>::deserialize(deserializer)? {
        None => Vec::new(),
        Some(Names::Text(text)) => vec![HumanName {
            text: Some(text),
            ..HumanName::default()
        }],
        Some(Names::Human(names)) => names,
    })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
    pub subscriber_id: Option<String>,
    #[serde(default)]
    pub identifier: Vec<Identifier>,
    #[serde(default)]
    pub class: Vec<CoverageClass>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CoverageClass {
    pub value: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    pub id: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<CodeableConcept>,
    pub questionnaire: Option<String>,
}
