//! The notice of a decision, to the member or to the requesting provider,
//! as data: who it is from and to, and its sections, each tagged with the
//! element it carries (the specific reason, the appeal rights, ...), so
//! that [`completeness`] can refuse a letter that lacks one.
//!
//! Pure: the wording comes from data, never from code. The plan's details
//! and its sentences are the notice settings (`assets/notices/plan.json`);
//! the plain words for a policy's criteria, for members, are the policy's
//! letter wording beside its pack (`assets/policies/mp-1.121.letters.json`),
//! kept out of the pack itself so that the pack's digest, which every case
//! records, does not change with a letter's wording.

pub mod completeness;
pub mod compose;
pub mod pdf;
pub mod text;

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr};

use crate::case::LineOfBusiness;

pub use completeness::{Incomplete, checked_letter};
pub use compose::{NoLetter, compose};

/// The plan's notice settings built into the binary (fictional).
pub const EMBEDDED_PLAN: &str = include_str!("../../assets/notices/plan.json");
/// The letter wording of MP 1.121 built into the binary.
pub const EMBEDDED_MP_1_121_WORDS: &str =
    include_str!("../../assets/policies/mp-1.121.letters.json");

/// Who a letter is for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Recipient {
    Member,
    Provider,
}

impl Recipient {
    /// The label is the key: "member", "provider".
    pub fn label(self) -> &'static str {
        self.into()
    }
}

/// Which decision a letter gives notice of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Kind {
    Approval,
    Denial,
    Pend,
}

impl Kind {
    pub fn label(self) -> &'static str {
        self.into()
    }
}

/// What a section of a letter carries; [`completeness::required`] says
/// which a letter of each kind must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Element {
    /// What was decided, about which service.
    Decision,
    /// Each criterion not met, in plain words.
    SpecificReason,
    /// The policy and section the decision relies on.
    PolicyRelied,
    /// How to get a free copy of the policy.
    FreeCopy,
    /// The right to appeal, with its deadline.
    AppealRights,
    /// The fast appeal and how to ask for it.
    ExpeditedAppeal,
    /// The offer of a peer-to-peer discussion and how to reach the reviewer.
    PeerToPeer,
    /// The reviewer's name and credentials.
    Reviewer,
    /// Each document still needed.
    MissingDocuments,
    /// Where to send them, and by when.
    SendBy,
    /// Medical necessity is no guarantee of coverage.
    BenefitStatement,
    /// Whom to call with questions.
    Help,
}

impl Element {
    /// What the element is, as a refusal names it.
    pub fn description(self) -> &'static str {
        match self {
            Element::Decision => "the decision",
            Element::SpecificReason => "the specific reason, naming each criterion not met",
            Element::PolicyRelied => "the policy and section relied on",
            Element::FreeCopy => "how to get a free copy of the policy",
            Element::AppealRights => "the appeal rights with their deadline",
            Element::ExpeditedAppeal => "the expedited appeal path",
            Element::PeerToPeer => "the peer-to-peer offer with how to reach the reviewer",
            Element::Reviewer => "the reviewer's name and credentials",
            Element::MissingDocuments => "each missing document",
            Element::SendBy => "where to send the documents and by when",
            Element::BenefitStatement => "the statement that approval is not a coverage guarantee",
            Element::Help => "whom to call with questions",
        }
    }
}

/// One section: an optional heading, paragraphs, then listed items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub element: Element,
    pub heading: Option<String>,
    pub paragraphs: Vec<String>,
    pub items: Vec<String>,
}

impl Section {
    pub fn is_empty(&self) -> bool {
        self.paragraphs.iter().all(|p| p.trim().is_empty())
            && self.items.iter().all(|i| i.trim().is_empty())
    }

    /// Every word of the section, for checks over its text.
    pub fn words(&self) -> String {
        let mut text = self.heading.clone().unwrap_or_default();
        for line in self.paragraphs.iter().chain(&self.items) {
            text.push('\n');
            text.push_str(line);
        }
        text
    }
}

/// A letter, ready to render.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Letter {
    pub kind: Kind,
    pub recipient: Recipient,
    pub case_id: String,
    /// The plan's name, department and address.
    pub from: Vec<String>,
    /// The addressee's name and identifier.
    pub to: Vec<String>,
    /// The date of the decision, in words: "December 6, 2026".
    pub date: String,
    pub subject: String,
    pub sections: Vec<Section>,
    /// Why an element could not be written (the settings or the case lack
    /// what it needs), for the refusal to say.
    #[serde(skip)]
    pub gaps: Vec<(Element, String)>,
}

impl Letter {
    pub fn section(&self, element: Element) -> Option<&Section> {
        self.sections.iter().find(|s| s.element == element)
    }

    /// Every word of the letter, for checks over its text.
    pub fn words(&self) -> String {
        let mut text = [
            self.from.join("\n"),
            self.to.join("\n"),
            self.subject.clone(),
        ]
        .join("\n");
        for section in &self.sections {
            text.push('\n');
            text.push_str(&section.words());
        }
        text
    }
}

/// The plan's notice settings: its details, its appeal deadlines per line
/// of business and the sentences of its letters, with `{name}` places.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSettings {
    /// Says the file is made up.
    #[serde(default)]
    pub fictional: Option<String>,
    pub plan_name: String,
    pub department: String,
    pub address: Vec<String>,
    pub phone: String,
    pub tty: String,
    pub hours: String,
    pub peer_to_peer_phone: String,
    pub policy_copy: String,
    pub credentials: Vec<Credential>,
    pub lines_of_business: Vec<LineSettings>,
    pub wording: Wording,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credential {
    /// "MD".
    pub short: String,
    /// "Doctor of Medicine".
    pub words: String,
}

/// The appeal terms of one line of business.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineSettings {
    pub line_of_business: LineOfBusiness,
    /// How a member reads it: "Medicare Advantage".
    pub name: String,
    /// Calendar days from the letter to ask for an appeal.
    pub appeal_days: u32,
    /// "a reconsideration", "an appeal".
    pub appeal_name: String,
    pub appeal_decided_days: u32,
    pub expedited_appeal_hours: u32,
}

/// The sentences of the letters; `{plan}`, `{phone}`, ... are filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wording {
    pub approval_member: String,
    pub approval_provider: String,
    pub denial_member: String,
    pub denial_provider: String,
    pub pend_member: String,
    pub pend_provider: String,
    pub pend_send: String,
    pub appeal_rights: String,
    pub appeal_rights_provider: String,
    pub expedited_appeal: String,
    pub expedited_appeal_provider: String,
    pub peer_to_peer: String,
    pub peer_to_peer_member: String,
    pub reviewer: String,
    pub help: String,
}

impl NoticeSettings {
    /// Parses a settings file; the error names the JSON path.
    pub fn from_json(text: &str) -> Result<NoticeSettings, crate::json::JsonError> {
        crate::json::parse(text)
    }

    /// The settings built into the binary; tests/letters.rs checks they parse.
    pub fn embedded() -> NoticeSettings {
        serde_json::from_str(EMBEDDED_PLAN)
            .expect("the embedded notice settings are checked by tests")
    }

    pub fn line(&self, line: LineOfBusiness) -> Option<&LineSettings> {
        self.lines_of_business
            .iter()
            .find(|l| l.line_of_business == line)
    }
}

/// A policy's letter wording: its name and service for members, and each
/// criterion in plain words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LetterWords {
    /// The policy number it belongs to: "MP 1.121".
    pub policy: String,
    pub member_policy_name: String,
    pub member_service: String,
    pub criteria: Vec<CriterionWords>,
    /// Said after each criterion not met.
    pub not_met: String,
    /// Abbreviations a member letter may not use unexplained.
    pub abbreviations: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CriterionWords {
    pub criterion: String,
    pub member: String,
}

impl LetterWords {
    pub fn from_json(text: &str) -> Result<LetterWords, crate::json::JsonError> {
        crate::json::parse(text)
    }

    /// MP 1.121's wording built into the binary.
    pub fn embedded() -> LetterWords {
        serde_json::from_str(EMBEDDED_MP_1_121_WORDS)
            .expect("the embedded letter wording is checked by tests")
    }

    pub fn criterion(&self, id: &str) -> Option<&str> {
        self.criteria
            .iter()
            .find(|c| c.criterion == id)
            .map(|c| c.member.as_str())
    }
}

/// `template` with each `{key}` replaced by its value. A place with no
/// value is left as it is, so a missing value shows rather than vanishes.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut text = template.to_string();
    for (key, value) in values {
        text = text.replace(&format!("{{{key}}}"), value);
    }
    text
}

/// What the reviewer sees of the letters before signing: a line per
/// problem (an incomplete letter says what it lacks; a decision that sends
/// no letter says why), then the letters' text, to the member first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    pub problems: Vec<String>,
    pub lines: Vec<String>,
}

/// The letters `case` (as it would be once signed) sends, with the
/// embedded notice settings and wording.
pub fn preview(policy: &crate::policy::Policy, case: &crate::case::Case) -> Preview {
    let settings = NoticeSettings::embedded();
    let words = LetterWords::embedded();
    let mut preview = Preview::default();
    for to in [Recipient::Member, Recipient::Provider] {
        let letter = match compose(policy, &words, &settings, case, to) {
            Ok(letter) => letter,
            Err(no_letter) => {
                preview.problems.push(format!("No letter: {no_letter}"));
                return preview;
            }
        };
        let problems = completeness::problems(&letter, policy, &words, case);
        if !problems.is_empty() {
            preview.problems.push(format!(
                "The letter to the {} is incomplete and cannot be sent:",
                to.label()
            ));
            preview
                .problems
                .extend(problems.iter().map(|p| format!("  {p}")));
        }
        preview
            .lines
            .push(format!("-- Letter to the {} --", to.label()));
        preview.lines.extend(text::lines(&letter, text::COLUMNS));
        preview.lines.push(String::new());
    }
    preview
}
