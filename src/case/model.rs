//! The saved case, exactly as it is written to `<case-id>.json`.

use serde::{Deserialize, Serialize};
use strum::{EnumCount, EnumMessage, EnumString, IntoStaticStr, VariantArray};
use time::{Date, OffsetDateTime};

use crate::policy::Answer;

/// Version of the case file format; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// Every variant in declaration order, by value, as strum lists them
/// ([`VariantArray::VARIANTS`]): so an added variant is never missing from
/// an `ALL`, and callers keep iterating an array.
pub(crate) const fn in_order<T: Copy, const N: usize>(variants: &[T]) -> [T; N] {
    let mut all = [variants[0]; N];
    let mut i = 0;
    while i < N {
        all[i] = variants[i];
        i += 1;
    }
    all
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub schema_version: u32,
    pub id: String,
    /// Sample and generated cases carry this, with a note saying so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fictional: Option<String>,
    pub status: Status,
    /// The policy the case is decided under, so a later pack does not
    /// silently change what an old case meant.
    pub policy: PolicyRef,
    pub member: Member,
    pub provider: Provider,
    pub service: Service,
    pub request: Request,
    #[serde(default)]
    pub lesions: Vec<Lesion>,
    pub criteria: Vec<CriterionAnswer>,
    #[serde(default)]
    pub assigned_reviewer: Option<String>,
    #[serde(default)]
    pub determination: Option<Determination>,
    #[serde(default)]
    pub peer_to_peer: Vec<PeerToPeer>,
    #[serde(default)]
    pub qa_reviews: Vec<QaReview>,
    #[serde(default)]
    pub amendments: Vec<Amendment>,
    #[serde(default)]
    pub history: Vec<HistoryEntry>,
    #[serde(default)]
    pub seal: Option<Seal>,
    /// The signers' signatures over the history entries of their acts
    /// (decisions, amendments, QA reviews). Outside the content digest and
    /// the seal: a signature is added after the act is recorded and sealed,
    /// and vouches for it through the entry's digest.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<Signature>,
    /// The Da Vinci PAS request the case was imported from (`umdesk
    /// import`), so that the response can answer it; None for a case
    /// entered at the intake screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pas_request: Option<PasRequest>,
}

// Keys (`in_review`) are the serde names, spelled by strum the same way
// (`serialize_all = "snake_case"`); labels are the variants' messages.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    EnumMessage,
    EnumCount,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Status {
    /// Being reviewed; answers and notes are editable.
    #[strum(message = "in review")]
    InReview,
    /// Waiting for documentation from the provider.
    #[strum(message = "pended")]
    Pended,
    /// Does not meet criteria; waiting for a physician reviewer.
    #[strum(message = "referred")]
    Referred,
    /// Reopened by a supervisor for amendment.
    #[strum(message = "reopened")]
    Reopened,
    #[strum(message = "approved")]
    Approved,
    #[strum(message = "denied")]
    Denied,
    #[strum(message = "not applicable")]
    NotApplicable,
}

impl Status {
    pub const ALL: [Status; Status::COUNT] = in_order(Status::VARIANTS);

    /// A finalized case is sealed and closed to edits but by amendment.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Status::Approved | Status::Denied | Status::NotApplicable
        )
    }

    /// Open: still waiting for a decision (in review, pended, referred,
    /// reopened), so it has a clock and can be overdue.
    pub fn is_open(self) -> bool {
        !self.is_final()
    }

    pub fn label(self) -> &'static str {
        self.get_message().unwrap_or_default()
    }

    /// The name in case files and JSON output: `in_review`.
    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn from_key(key: &str) -> Option<Status> {
        key.parse().ok()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRef {
    pub number: String,
    pub effective_date: String,
    /// SHA-256 of the policy pack's bytes.
    pub digest: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub name: String,
    pub member_id: String,
    #[serde(with = "iso_date")]
    pub date_of_birth: Date,
    pub product: Product,
}

/// The member's product; the line of business follows from it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumMessage,
    EnumCount,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Product {
    #[strum(message = "Commercial PPO")]
    CommercialPpo,
    #[strum(message = "Commercial HMO")]
    CommercialHmo,
    #[strum(message = "Medicare Advantage")]
    MedicareAdvantage,
    #[strum(message = "Medicaid")]
    Medicaid,
    #[strum(message = "CHIP")]
    Chip,
    #[strum(message = "FEP PPO")]
    FepPpo,
}

impl Product {
    pub const ALL: [Product; Product::COUNT] = in_order(Product::VARIANTS);

    /// The id product variations in a policy pack refer to.
    pub fn key(self) -> &'static str {
        self.into()
    }

    pub fn label(self) -> &'static str {
        self.get_message().unwrap_or_default()
    }

    pub fn line_of_business(self) -> LineOfBusiness {
        match self {
            Product::CommercialPpo | Product::CommercialHmo | Product::FepPpo => {
                LineOfBusiness::Commercial
            }
            Product::MedicareAdvantage => LineOfBusiness::MedicareAdvantage,
            Product::Medicaid => LineOfBusiness::Medicaid,
            Product::Chip => LineOfBusiness::Chip,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumMessage)]
#[serde(rename_all = "snake_case")]
pub enum LineOfBusiness {
    #[strum(message = "Commercial")]
    Commercial,
    #[strum(message = "Medicare Advantage")]
    MedicareAdvantage,
    #[strum(message = "Medicaid")]
    Medicaid,
    #[strum(message = "CHIP")]
    Chip,
}

impl LineOfBusiness {
    pub fn label(self) -> &'static str {
        self.get_message().unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub name: String,
    pub npi: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub cpt_codes: Vec<String>,
    pub icd10_codes: Vec<String>,
    #[serde(default, with = "iso_date::option")]
    pub planned_date: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    pub urgency: Urgency,
    /// Computed at intake from the due-time table in force then.
    #[serde(with = "time::serde::rfc3339")]
    pub due_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Urgency {
    Standard,
    Expedited,
}

impl Urgency {
    /// The label is the key: "standard", "expedited".
    pub fn label(self) -> &'static str {
        self.into()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesion {
    /// Where it is, as the imaging report says ("segment VI").
    pub site: String,
    /// Largest diameter in centimeters; None until documented.
    pub diameter_cm: Option<f64>,
}

/// The answer to one criterion and how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionAnswer {
    pub criterion: String,
    /// The chosen option of a choice criterion; measurement criteria read
    /// the case's lesions instead.
    #[serde(default)]
    pub input: Option<String>,
    /// None while unanswered, which counts as insufficient.
    #[serde(default)]
    pub answer: Option<Answer>,
    #[serde(default)]
    pub origin: Option<Origin>,
    #[serde(default)]
    pub override_reason: Option<String>,
    #[serde(default)]
    pub evidence: String,
    #[serde(default)]
    pub source_document: String,
    #[serde(default)]
    pub author: Option<String>,
}

impl CriterionAnswer {
    pub fn unanswered(criterion: &str) -> CriterionAnswer {
        CriterionAnswer {
            criterion: criterion.to_string(),
            input: None,
            answer: None,
            origin: None,
            override_reason: None,
            evidence: String::new(),
            source_document: String::new(),
            author: None,
        }
    }
}

/// How an answer was reached, as in the HL7 Da Vinci DTR
/// information-origin extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Origin {
    /// Derived from structured input.
    Auto,
    /// Set by the reviewer where nothing was derived.
    Manual,
    /// A derived answer replaced by the reviewer, with a reason.
    Override,
}

impl Origin {
    /// The label is the key: "auto", "manual", "override".
    pub fn label(self) -> &'static str {
        self.into()
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumMessage,
    EnumCount,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Outcome {
    #[strum(message = "Meets criteria")]
    MeetsCriteria,
    #[strum(message = "Does not meet criteria")]
    DoesNotMeet,
    #[strum(message = "Information needed")]
    InformationNeeded,
    #[strum(message = "Not applicable")]
    NotApplicable,
}

impl Outcome {
    pub const ALL: [Outcome; Outcome::COUNT] = in_order(Outcome::VARIANTS);

    pub fn label(self) -> &'static str {
        self.get_message().unwrap_or_default()
    }

    /// The name in case files and JSON output: `meets_criteria`.
    pub fn key(self) -> &'static str {
        self.into()
    }
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    EnumString,
    EnumCount,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Role {
    Nurse,
    Physician,
    Supervisor,
}

impl Role {
    pub const ALL: [Role; Role::COUNT] = in_order(Role::VARIANTS);

    /// The label is the key: "nurse", "physician", "supervisor".
    pub fn label(self) -> &'static str {
        self.into()
    }

    pub fn from_key(key: &str) -> Option<Role> {
        key.parse().ok()
    }
}

/// Who is working: "Dana Whitfield, RN" as a nurse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reviewer {
    pub name: String,
    pub role: Role,
}

/// What a reviewer did to close (or pass on) a review.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, EnumMessage, VariantArray,
)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    #[strum(message = "Approve")]
    Approve,
    #[strum(message = "Pend for information")]
    Pend,
    #[strum(message = "Refer to physician reviewer")]
    ReferToPhysician,
    /// A physician's denial of a case a nurse referred: the nurse never
    /// denied, so there is nothing to "uphold" but the referral.
    #[strum(message = "Deny")]
    Uphold,
    #[strum(message = "Overturn (approve)")]
    Overturn,
    #[strum(message = "Close: not applicable")]
    CloseNotApplicable,
}

impl Decision {
    pub fn label(self) -> &'static str {
        self.get_message().unwrap_or_default()
    }

    /// The status a case takes when this decision is recorded.
    pub fn status(self) -> Status {
        match self {
            Decision::Approve | Decision::Overturn => Status::Approved,
            Decision::Pend => Status::Pended,
            Decision::ReferToPhysician => Status::Referred,
            Decision::Uphold => Status::Denied,
            Decision::CloseNotApplicable => Status::NotApplicable,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Determination {
    pub outcome: Outcome,
    pub decision: Decision,
    pub rationale: String,
    #[serde(default)]
    pub missing_information: Vec<String>,
    #[serde(default)]
    pub coding_flags: Vec<String>,
    #[serde(default)]
    pub coding_acknowledgement: Option<String>,
    /// Section VI: medical necessity is not a coverage guarantee.
    pub benefit_statement: String,
    pub decided_by: Reviewer,
    #[serde(with = "time::serde::rfc3339")]
    pub decided_at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerToPeer {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub physician: Reviewer,
    /// Who spoke for the requesting provider.
    pub provider_contact: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QaReview {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: Reviewer,
    /// The reviewer whose work was checked.
    pub reviewed: String,
    pub criteria: Vec<QaCriterion>,
    pub outcome_agrees: bool,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QaCriterion {
    pub criterion: String,
    pub agrees: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Amendment {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: Reviewer,
    pub reason: String,
    /// The determination as it stood before, kept whole.
    pub original: Determination,
    /// The seal the original carried.
    pub original_seal: Option<Seal>,
}

/// One change to the case. Entries are hash-chained: each carries the
/// digest of the one before and of the case content after the change, so
/// an edit made outside the app is detectable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub by: Reviewer,
    pub event: String,
    pub summary: String,
    #[serde(default)]
    pub changes: Vec<Change>,
    pub case_digest: String,
    pub prev: String,
    pub digest: String,
}

/// One place in the case and its JSON value before and after, whole, so
/// that the history replays exactly (see [`super::diff`]). `field` is a
/// path like `criteria[2].evidence`; the empty path is the whole case. A
/// value that was not there (an added list item) is left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    pub field: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::diff::present"
    )]
    pub from: Option<serde_json::Value>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::diff::present"
    )]
    pub to: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    /// SHA-256 over the canonical JSON of the case without its seal.
    pub digest: String,
    #[serde(with = "time::serde::rfc3339")]
    pub sealed_at: OffsetDateTime,
}

/// `YYYY-MM-DD` dates in case files.
pub mod iso_date {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;
    use time::format_description::BorrowedFormatItem;
    use time::macros::format_description;

    pub const FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

    pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
        let text = date.format(FORMAT).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse(&text).map_err(serde::de::Error::custom)
    }

    /// Text that is not a `YYYY-MM-DD` date.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("'{text}' is not a date (YYYY-MM-DD)")]
    pub struct NotADate {
        pub text: String,
    }

    /// For callers that carry messages as text (the intake form).
    impl From<NotADate> for String {
        fn from(err: NotADate) -> String {
            err.to_string()
        }
    }

    pub fn parse(text: &str) -> Result<Date, NotADate> {
        Date::parse(text, FORMAT).map_err(|_| NotADate {
            text: text.to_string(),
        })
    }

    pub fn format(date: Date) -> String {
        date.format(FORMAT).unwrap_or_default()
    }

    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(
            date: &Option<Date>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match date {
                Some(date) => super::serialize(date, serializer),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Date>, D::Error> {
            let text: Option<String> = Option::deserialize(deserializer)?;
            text.map(|t| parse(&t).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words on screen and the names on disk, exactly as they were
    /// when they were written out by hand.
    #[test]
    fn labels_and_keys_are_unchanged() {
        let statuses: Vec<(&str, &str)> =
            Status::ALL.iter().map(|s| (s.key(), s.label())).collect();
        assert_eq!(
            statuses,
            [
                ("in_review", "in review"),
                ("pended", "pended"),
                ("referred", "referred"),
                ("reopened", "reopened"),
                ("approved", "approved"),
                ("denied", "denied"),
                ("not_applicable", "not applicable"),
            ]
        );
        let products: Vec<(&str, &str)> =
            Product::ALL.iter().map(|p| (p.key(), p.label())).collect();
        assert_eq!(
            products,
            [
                ("commercial_ppo", "Commercial PPO"),
                ("commercial_hmo", "Commercial HMO"),
                ("medicare_advantage", "Medicare Advantage"),
                ("medicaid", "Medicaid"),
                ("chip", "CHIP"),
                ("fep_ppo", "FEP PPO"),
            ]
        );
        let outcomes: Vec<(&str, &str)> =
            Outcome::ALL.iter().map(|o| (o.key(), o.label())).collect();
        assert_eq!(
            outcomes,
            [
                ("meets_criteria", "Meets criteria"),
                ("does_not_meet", "Does not meet criteria"),
                ("information_needed", "Information needed"),
                ("not_applicable", "Not applicable"),
            ]
        );
        let roles: Vec<&str> = Role::ALL.iter().map(|r| r.label()).collect();
        assert_eq!(roles, ["nurse", "physician", "supervisor"]);
        let decisions: Vec<&str> = Decision::VARIANTS.iter().map(|d| d.label()).collect();
        assert_eq!(
            decisions,
            [
                "Approve",
                "Pend for information",
                "Refer to physician reviewer",
                "Deny",
                "Overturn (approve)",
                "Close: not applicable",
            ]
        );
        let lines = [
            LineOfBusiness::Commercial,
            LineOfBusiness::MedicareAdvantage,
            LineOfBusiness::Medicaid,
            LineOfBusiness::Chip,
        ];
        let lines: Vec<&str> = lines.iter().map(|l| l.label()).collect();
        assert_eq!(
            lines,
            ["Commercial", "Medicare Advantage", "Medicaid", "CHIP"]
        );
        assert_eq!(
            [Urgency::Standard.label(), Urgency::Expedited.label()],
            ["standard", "expedited"]
        );
        assert_eq!(
            [Origin::Auto, Origin::Manual, Origin::Override].map(Origin::label),
            ["auto", "manual", "override"]
        );
    }

    /// A key is what serde writes, and reads back to its variant.
    #[test]
    fn keys_are_the_serde_names() {
        let json = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
        for status in Status::ALL {
            assert_eq!(json(serde_json::to_value(status).unwrap()), status.key());
            assert_eq!(Status::from_key(status.key()), Some(status));
        }
        for product in Product::ALL {
            assert_eq!(json(serde_json::to_value(product).unwrap()), product.key());
        }
        for outcome in Outcome::ALL {
            assert_eq!(json(serde_json::to_value(outcome).unwrap()), outcome.key());
        }
        for role in Role::ALL {
            assert_eq!(json(serde_json::to_value(role).unwrap()), role.label());
            assert_eq!(Role::from_key(role.label()), Some(role));
        }
        for urgency in [Urgency::Standard, Urgency::Expedited] {
            assert_eq!(
                json(serde_json::to_value(urgency).unwrap()),
                urgency.label()
            );
        }
        for origin in [Origin::Auto, Origin::Manual, Origin::Override] {
            assert_eq!(json(serde_json::to_value(origin).unwrap()), origin.label());
        }
        assert_eq!(Status::from_key("in review"), None);
        assert_eq!(Role::from_key("Nurse"), None);
    }
}

/// A signer's SSH signature (`SSHSIG`, Ed25519) over one history entry: the
/// entry names the act and who did it, and through the chain everything
/// recorded before it. What is signed is [`Signature::message`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signature {
    /// The `digest` of the history entry signed.
    pub entry: String,
    /// Who signed, as the entry names them.
    pub signer: Reviewer,
    /// The key's fingerprint, "SHA256:...", for people; the key itself is
    /// inside `sshsig`.
    pub key: String,
    /// The access log's length and last digest when the act was signed:
    /// signed with it, so a log later cut shorter shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log: Option<AccessLogHead>,
    /// The armored SSH signature ("-----BEGIN SSH SIGNATURE-----").
    pub sshsig: String,
}

impl Signature {
    /// The bytes signed: plain text, so that `ssh-keygen -Y verify` can
    /// check a signature too.
    pub fn message(case_id: &str, entry: &str, access_log: Option<&AccessLogHead>) -> String {
        let log = match access_log {
            Some(head) => format!("{} {}", head.entries, head.digest),
            None => "none".to_string(),
        };
        format!("umdesk signature 1\ncase {case_id}\nentry {entry}\naccess-log {log}\n")
    }
}

/// Where the access log stood: how many entries, and the digest of the
/// last one. A log shorter than a recorded head, or whose entry at that
/// position differs, was cut or rewritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessLogHead {
    pub entries: u64,
    pub digest: String,
}

/// What a case keeps of the PAS request Bundle it was imported from: the
/// identifiers the response echoes, the requested items it answers one by
/// one, who it names, and the attached documents, kept as the case's
/// sources. Set once, at creation: the "created" history entry carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasRequest {
    /// `Bundle.identifier`: the submitter's transaction identifier.
    pub bundle: FhirIdentifier,
    /// `Claim.identifier`.
    pub claim: FhirIdentifier,
    /// Each `Claim.item`, in request order.
    pub items: Vec<PasItem>,
    /// The resources the response names again, as the request named them.
    pub patient: PasParty,
    pub requestor: PasParty,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insurer: Option<PasParty>,
    /// The documents attached in `Claim.supportingInfo`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<PasSource>,
}

impl PasRequest {
    /// The one key that tells two imports of the same request apart from
    /// two requests: the bundle identifier's system and value.
    pub fn key(&self) -> String {
        self.bundle.key()
    }
}

/// A FHIR Identifier: the system is a URI naming who assigns the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FhirIdentifier {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    pub value: String,
}

impl FhirIdentifier {
    /// "system|value", the way FHIR searches spell a token.
    pub fn key(&self) -> String {
        format!(
            "{}|{}",
            self.system.as_deref().unwrap_or_default(),
            self.value
        )
    }
}

/// One requested service line: its `Claim.item.sequence` and code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasItem {
    pub sequence: u32,
    pub system: String,
    pub code: String,
}

/// A resource of the request by its type and id, with the name it gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasParty {
    pub resource_type: String,
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
}

/// A document attached to the request: a DocumentReference or a DTR
/// QuestionnaireResponse, kept whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasSource {
    /// `Claim.supportingInfo.sequence`.
    pub sequence: u32,
    pub resource_type: String,
    pub id: String,
    /// What a reviewer reads in the list of sources.
    pub title: String,
    pub resource: serde_json::Value,
}
