//! A case, its policy and the plan's notice settings make a letter to the
//! member or the provider. What the settings or the case lack leaves its
//! element out, with the reason in [`Letter::gaps`]; the completeness check
//! then refuses the letter, naming it.

use crate::case::{Case, Decision, Determination, Reviewer, Status};
use crate::policy::{Answer, Policy};
use crate::rules::evaluate;

use super::{
    Element, Kind, Letter, LetterWords, LineSettings, NoticeSettings, Recipient, Section, fill,
};

/// Why a case has no letter to send.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoLetter {
    #[error("case {id} is {status}: there is no decision to send a letter about yet", status = .status.label())]
    Undecided { id: String, status: Status },
    #[error(
        "case {id} was closed as not applicable: it is decided under another policy, which sends its own notice"
    )]
    NotApplicable { id: String },
}

/// The kind of letter a case's decision calls for.
pub fn kind_of(case: &Case) -> Result<(Kind, &Determination), NoLetter> {
    let undecided = || NoLetter::Undecided {
        id: case.id.clone(),
        status: case.status,
    };
    let determination = case.determination.as_ref().ok_or_else(undecided)?;
    let kind = match (case.status, determination.decision) {
        (Status::Approved, Decision::Approve | Decision::Overturn) => Kind::Approval,
        (Status::Denied, Decision::Uphold) => Kind::Denial,
        (Status::Pended, Decision::Pend) => Kind::Pend,
        (Status::NotApplicable, _) => {
            return Err(NoLetter::NotApplicable {
                id: case.id.clone(),
            });
        }
        _ => return Err(undecided()),
    };
    Ok((kind, determination))
}

/// The letter about `case`'s decision, for `to`.
pub fn compose(
    policy: &Policy,
    words: &LetterWords,
    settings: &NoticeSettings,
    case: &Case,
    to: Recipient,
) -> Result<Letter, NoLetter> {
    let (kind, determination) = kind_of(case)?;
    let mut writer = Writer {
        policy,
        words: (words.policy == policy.number).then_some(words),
        settings,
        case,
        determination,
        to,
        sections: Vec::new(),
        gaps: Vec::new(),
    };
    writer.decision(kind);
    match kind {
        Kind::Approval => writer.benefit_statement(),
        Kind::Denial => {
            writer.specific_reason();
            writer.policy_relied();
            writer.free_copy();
            writer.appeal_rights();
            writer.peer_to_peer();
        }
        Kind::Pend => writer.missing_documents(),
    }
    writer.reviewer();
    writer.help();
    Ok(Letter {
        kind,
        recipient: to,
        case_id: case.id.clone(),
        from: letterhead(settings),
        to: addressee(case, to),
        date: long_date(determination.decided_at.date()),
        subject: subject(kind, &case.id),
        sections: writer.sections,
        gaps: writer.gaps,
    })
}

fn letterhead(settings: &NoticeSettings) -> Vec<String> {
    let mut lines = vec![settings.plan_name.clone(), settings.department.clone()];
    lines.extend(settings.address.iter().cloned());
    lines
}

fn addressee(case: &Case, to: Recipient) -> Vec<String> {
    match to {
        Recipient::Member => vec![
            case.member.name.clone(),
            format!("Member ID {}", case.member.member_id),
        ],
        Recipient::Provider => vec![
            case.provider.name.clone(),
            format!("NPI {}", case.provider.npi),
            format!(
                "Re: {}, member ID {}",
                case.member.name, case.member.member_id
            ),
        ],
    }
}

fn subject(kind: Kind, case_id: &str) -> String {
    let what = match kind {
        Kind::Approval => "Request approved",
        Kind::Denial => "Request not approved",
        Kind::Pend => "More information needed",
    };
    format!("{what} (reference {case_id})")
}

/// "December 6, 2026".
pub fn long_date(date: time::Date) -> String {
    format!("{} {}, {}", date.month(), date.day(), date.year())
}

/// "Dana Whitfield, MD" split into the name and the credentials ("MD").
pub fn name_and_credentials(reviewer: &Reviewer) -> (&str, Option<&str>) {
    match reviewer.name.split_once(',') {
        Some((name, credentials)) if !credentials.trim().is_empty() => {
            (name.trim(), Some(credentials.trim()))
        }
        _ => (reviewer.name.trim(), None),
    }
}

struct Writer<'a> {
    policy: &'a Policy,
    /// The wording for this policy, if the words given are for it.
    words: Option<&'a LetterWords>,
    settings: &'a NoticeSettings,
    case: &'a Case,
    determination: &'a Determination,
    to: Recipient,
    sections: Vec<Section>,
    gaps: Vec<(Element, String)>,
}

impl Writer<'_> {
    fn push(
        &mut self,
        element: Element,
        heading: Option<&str>,
        paragraphs: Vec<String>,
        items: Vec<String>,
    ) {
        self.sections.push(Section {
            element,
            heading: heading.map(str::to_string),
            paragraphs,
            items,
        });
    }

    fn gap(&mut self, element: Element, why: String) {
        self.gaps.push((element, why));
    }

    fn member(&self) -> bool {
        self.to == Recipient::Member
    }

    /// The values every sentence may use.
    fn values(&self) -> Vec<(&'static str, String)> {
        let s = self.settings;
        vec![
            ("plan", s.plan_name.clone()),
            ("department", s.department.clone()),
            ("phone", s.phone.clone()),
            ("tty", s.tty.clone()),
            ("hours", s.hours.clone()),
            ("peer_to_peer_phone", s.peer_to_peer_phone.clone()),
            ("case", self.case.id.clone()),
            ("service", self.service()),
            ("policy", self.policy_name()),
            ("reviewer", self.reviewer_name()),
        ]
    }

    fn say(&self, template: &str, extra: &[(&str, String)]) -> String {
        let values = self.values();
        let mut pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        pairs.extend(extra.iter().map(|(k, v)| (*k, v.as_str())));
        fill(template, &pairs)
    }

    /// What was asked for: plain words for a member, the codes for a
    /// provider.
    fn service(&self) -> String {
        if self.member() {
            return self
                .words
                .map(|w| w.member_service.clone())
                .unwrap_or_default();
        }
        let codes: Vec<&str> = self
            .case
            .service
            .cpt_codes
            .iter()
            .filter(|c| self.policy.procedure_code(c).is_some())
            .map(String::as_str)
            .collect();
        format!("CPT {} ({})", codes.join(", "), self.policy.title)
    }

    fn policy_name(&self) -> String {
        if self.member() {
            return self
                .words
                .map(|w| w.member_policy_name.clone())
                .unwrap_or_default();
        }
        format!(
            "{} ({}), section I (Policy), effective {}",
            self.policy.number, self.policy.title, self.policy.effective_date
        )
    }

    /// The reviewer with credentials; spelled out for a member.
    fn reviewer_name(&self) -> String {
        let (name, credentials) = name_and_credentials(&self.determination.decided_by);
        let Some(credentials) = credentials else {
            return name.to_string();
        };
        if !self.member() {
            return format!("{name}, {credentials}");
        }
        let spelled: Vec<String> = credentials
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .map(
                |c| match self.settings.credentials.iter().find(|k| k.short == c) {
                    Some(known) => format!("{} ({c})", known.words),
                    None => c.to_string(),
                },
            )
            .collect();
        format!("{name}, {}", spelled.join(", "))
    }

    fn line(&self) -> Option<&LineSettings> {
        self.settings
            .line(self.case.member.product.line_of_business())
    }

    fn decision(&mut self, kind: Kind) {
        let w = &self.settings.wording;
        let template = match (kind, self.to) {
            (Kind::Approval, Recipient::Member) => &w.approval_member,
            (Kind::Approval, Recipient::Provider) => &w.approval_provider,
            (Kind::Denial, Recipient::Member) => &w.denial_member,
            (Kind::Denial, Recipient::Provider) => &w.denial_provider,
            (Kind::Pend, Recipient::Member) => &w.pend_member,
            (Kind::Pend, Recipient::Provider) => &w.pend_provider,
        };
        if self.member() && self.words.is_none() {
            self.gap(
                Element::Decision,
                format!(
                    "there is no letter wording for {} (the service and policy in plain words)",
                    self.policy.number
                ),
            );
            return;
        }
        let text = self.say(template, &[]);
        self.push(Element::Decision, None, vec![text], Vec::new());
    }

    /// Each criterion not met: in plain words for a member; by name, with
    /// the policy's wording and what the record shows, for a provider.
    fn specific_reason(&mut self) {
        let evaluation = evaluate(self.policy, self.case);
        let failed: Vec<_> = evaluation
            .criteria
            .iter()
            .filter(|r| r.answer == Answer::NotMet)
            .collect();
        if failed.is_empty() {
            self.gap(
                Element::SpecificReason,
                "the record shows no criterion not met".to_string(),
            );
            return;
        }
        let mut items = Vec::new();
        for result in failed {
            if !self.member() {
                let wording = self
                    .policy
                    .criterion(&result.criterion)
                    .map(|c| c.text.as_str())
                    .unwrap_or("");
                items.push(format!(
                    "Criterion {}, {}: the policy requires \"{wording}\". {}.",
                    result.number, result.name, result.reason
                ));
                continue;
            }
            let plain = self
                .words
                .and_then(|w| Some((w.criterion(&result.criterion)?, &w.not_met)));
            match plain {
                Some((plain, not_met)) => items.push(format!("{plain} {not_met}")),
                None => self.gap(
                    Element::SpecificReason,
                    format!(
                        "criterion {} ({}) has no plain words for members in the letter wording",
                        result.number, result.name
                    ),
                ),
            }
        }
        if self.gaps.iter().any(|(e, _)| *e == Element::SpecificReason) {
            return;
        }
        let lead = if self.member() {
            "The policy requires each of the following. This is what was not met:"
        } else {
            "Criteria not met:"
        };
        let heading = if self.member() {
            "Why"
        } else {
            "Specific reason"
        };
        self.push(
            Element::SpecificReason,
            Some(heading),
            vec![lead.to_string()],
            items,
        );
    }

    fn policy_relied(&mut self) {
        let name = self.policy_name();
        if name.is_empty() {
            self.gap(
                Element::PolicyRelied,
                "the policy has no name for members".to_string(),
            );
            return;
        }
        let text = if self.member() {
            format!("We used {name}, section I (Policy), to make this decision.")
        } else {
            format!("This decision relies on {name}.")
        };
        let heading = if self.member() {
            "The policy we used"
        } else {
            "Policy relied on"
        };
        self.push(Element::PolicyRelied, Some(heading), vec![text], Vec::new());
    }

    fn free_copy(&mut self) {
        let text = self.say(&self.settings.policy_copy, &[]);
        self.push(Element::FreeCopy, None, vec![text], Vec::new());
    }

    fn appeal_rights(&mut self) {
        let Some(line) = self.line().cloned() else {
            let lob = self.case.member.product.line_of_business();
            self.gap(
                Element::AppealRights,
                format!(
                    "the notice settings give no appeal deadline for {}",
                    lob.label()
                ),
            );
            self.gap(
                Element::ExpeditedAppeal,
                format!(
                    "the notice settings give no appeal terms for {}",
                    lob.label()
                ),
            );
            return;
        };
        let extra = [
            ("appeal_name", line.appeal_name.clone()),
            ("appeal_days", line.appeal_days.to_string()),
            ("appeal_decided_days", line.appeal_decided_days.to_string()),
            (
                "expedited_appeal_hours",
                line.expedited_appeal_hours.to_string(),
            ),
            ("line", line.name.clone()),
        ];
        let w = &self.settings.wording;
        let (rights, fast) = if self.member() {
            (&w.appeal_rights, &w.expedited_appeal)
        } else {
            (&w.appeal_rights_provider, &w.expedited_appeal_provider)
        };
        let rights = self.say(rights, &extra);
        let fast = self.say(fast, &extra);
        let heading = if self.member() {
            "Your right to appeal"
        } else {
            "Appeal rights"
        };
        self.push(
            Element::AppealRights,
            Some(heading),
            vec![rights],
            Vec::new(),
        );
        self.push(Element::ExpeditedAppeal, None, vec![fast], Vec::new());
    }

    fn peer_to_peer(&mut self) {
        let w = &self.settings.wording;
        let template = if self.member() {
            &w.peer_to_peer_member
        } else {
            &w.peer_to_peer
        };
        let text = self.say(template, &[]);
        self.push(Element::PeerToPeer, None, vec![text], Vec::new());
    }

    fn missing_documents(&mut self) {
        let needed = &self.determination.missing_information;
        if needed.is_empty() {
            self.gap(
                Element::MissingDocuments,
                "the pend lists no missing document".to_string(),
            );
            return;
        }
        let items: Vec<String> = needed.iter().map(|line| self.plain_missing(line)).collect();
        let (heading, lead) = if self.member() {
            ("What we need", "We asked your doctor for:")
        } else {
            ("Documents needed", "Send each of the following:")
        };
        self.push(
            Element::MissingDocuments,
            Some(heading),
            vec![lead.to_string()],
            items,
        );
        let due = long_date(self.case.request.due_at.date());
        let send = self.say(&self.settings.wording.pend_send, &[("due", due)]);
        self.push(Element::SendBy, None, vec![send], Vec::new());
    }

    /// A missing-document line as the rules give it ("Criterion 1
    /// (Unresectable...): A surgeon's note...") reads, for a member, as
    /// the document alone.
    fn plain_missing(&self, line: &str) -> String {
        if !self.member() {
            return line.to_string();
        }
        match line.split_once("): ") {
            Some((_, document)) => document.to_string(),
            None => line.to_string(),
        }
    }

    fn benefit_statement(&mut self) {
        let text = self.determination.benefit_statement.clone();
        self.push(Element::BenefitStatement, None, vec![text], Vec::new());
    }

    fn reviewer(&mut self) {
        let (name, credentials) = name_and_credentials(&self.determination.decided_by);
        if credentials.is_none() {
            self.gap(
                Element::Reviewer,
                format!("the reviewer \"{name}\" is recorded without credentials (\"Name, MD\")"),
            );
            return;
        }
        let text = self.say(&self.settings.wording.reviewer, &[]);
        self.push(Element::Reviewer, None, vec![text], Vec::new());
    }

    fn help(&mut self) {
        let text = self.say(&self.settings.wording.help, &[]);
        self.push(Element::Help, None, vec![text], Vec::new());
    }
}
