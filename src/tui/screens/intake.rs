//! Intake: the request facts, each field checked as it is typed.

use crate::tui::widgets::wrap::wrap_lines;
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::case::due::DueTable;
use crate::case::npi::npi_problem;
use crate::case::{Member, Product, Provider, RequestFacts, Service, Urgency, iso_date};
use crate::policy::Policy;
use crate::policy::codes::{cpt_problem, icd10_problem};
use crate::tui::theme::Theme;
use crate::tui::widgets::text_field::TextField;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    MemberName,
    MemberId,
    DateOfBirth,
    Product,
    ProviderName,
    Npi,
    Cpt,
    Icd10,
    PlannedDate,
    Received,
    Urgency,
}

impl FieldKind {
    const ALL: [FieldKind; 11] = [
        FieldKind::MemberName,
        FieldKind::MemberId,
        FieldKind::DateOfBirth,
        FieldKind::Product,
        FieldKind::ProviderName,
        FieldKind::Npi,
        FieldKind::Cpt,
        FieldKind::Icd10,
        FieldKind::PlannedDate,
        FieldKind::Received,
        FieldKind::Urgency,
    ];

    fn label(self) -> &'static str {
        match self {
            FieldKind::MemberName => "Member name",
            FieldKind::MemberId => "Member ID",
            FieldKind::DateOfBirth => "Date of birth",
            FieldKind::Product => "Product",
            FieldKind::ProviderName => "Provider",
            FieldKind::Npi => "Provider NPI",
            FieldKind::Cpt => "CPT codes",
            FieldKind::Icd10 => "ICD-10-CM",
            FieldKind::PlannedDate => "Planned date",
            FieldKind::Received => "Received",
            FieldKind::Urgency => "Urgency",
        }
    }

    fn is_chooser(self) -> bool {
        matches!(self, FieldKind::Product | FieldKind::Urgency)
    }
}

pub struct IntakeState {
    pub inputs: Vec<TextField>,
    pub errors: Vec<Option<String>>,
    pub focus: usize,
    pub product: usize,
    pub urgency: Urgency,
    touched: bool,
    due_preview: Option<OffsetDateTime>,
    /// When the intake began: its draft is named after it.
    started: OffsetDateTime,
}

/// What an intake's draft holds: every field as typed.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct IntakeDraft {
    fields: Vec<String>,
    product: usize,
    urgency: Urgency,
    focus: usize,
}

impl IntakeState {
    pub fn new(now: OffsetDateTime, due_table: &DueTable) -> IntakeState {
        let mut inputs = vec![TextField::default(); FieldKind::ALL.len()];
        let received = now.replace_nanosecond(0).unwrap_or(now);
        inputs[index(FieldKind::Received)] =
            TextField::new(&received.format(&Rfc3339).unwrap_or_default());
        let mut intake = IntakeState {
            errors: vec![None; inputs.len()],
            inputs,
            focus: 0,
            product: 0,
            urgency: Urgency::Standard,
            touched: false,
            due_preview: None,
            started: now,
        };
        intake.update_due(due_table);
        intake
    }

    /// The draft's subject: "new-" and when the intake began.
    pub fn draft_subject(&self) -> String {
        let at = self.started;
        format!(
            "new-{:04}{:02}{:02}-{:02}{:02}{:02}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    }

    pub fn draft_json(&self) -> String {
        let draft = IntakeDraft {
            fields: self.inputs.iter().map(|f| f.value().to_string()).collect(),
            product: self.product,
            urgency: self.urgency,
            focus: self.focus,
        };
        serde_json::to_string(&draft).expect("intake drafts always serialize")
    }

    /// Puts back what an intake's draft held, validated as if typed.
    pub fn restore_draft(
        &mut self,
        json: &str,
        due: &DueTable,
        now: OffsetDateTime,
    ) -> Result<(), String> {
        let draft: IntakeDraft = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if draft.fields.len() != self.inputs.len() || draft.product >= Product::ALL.len() {
            return Err("the draft is of another intake form".to_string());
        }
        for (at, text) in draft.fields.iter().enumerate() {
            self.inputs[at] = TextField::new(text);
            if !text.is_empty() {
                self.validate(at, now);
            }
        }
        self.product = draft.product;
        self.urgency = draft.urgency;
        self.focus = draft.focus.min(self.inputs.len() - 1);
        self.touched = true;
        self.update_due(due);
        Ok(())
    }

    pub fn is_touched(&self) -> bool {
        self.touched
    }

    pub fn kind(&self) -> FieldKind {
        FieldKind::ALL[self.focus]
    }

    pub fn focus_next(&mut self) {
        self.focus = (self.focus + 1) % FieldKind::ALL.len();
    }

    pub fn focus_prev(&mut self) {
        self.focus = (self.focus + FieldKind::ALL.len() - 1) % FieldKind::ALL.len();
    }

    pub fn product(&self) -> Product {
        Product::ALL[self.product]
    }

    /// Edits the focused field; true when the key was used.
    pub fn handle_key(&mut self, key: KeyEvent, due: &DueTable, now: OffsetDateTime) -> bool {
        let kind = self.kind();
        if kind.is_chooser() {
            let step: isize = match key.code {
                KeyCode::Right | KeyCode::Char(' ') => 1,
                KeyCode::Left => -1,
                KeyCode::Enter => {
                    self.focus_next();
                    return true;
                }
                _ => return false,
            };
            self.cycle(kind, step);
            self.touched = true;
            self.update_due(due);
            return true;
        }
        if key.code == KeyCode::Enter {
            self.focus_next();
            return true;
        }
        if !self.inputs[self.focus].handle(key) {
            return false;
        }
        self.touched = true;
        self.validate(self.focus, now);
        self.update_due(due);
        true
    }

    pub fn paste(&mut self, text: &str, due: &DueTable, now: OffsetDateTime) {
        if self.kind().is_chooser() {
            return;
        }
        self.inputs[self.focus].insert_str(text);
        self.touched = true;
        self.validate(self.focus, now);
        self.update_due(due);
    }

    fn cycle(&mut self, kind: FieldKind, step: isize) {
        match kind {
            FieldKind::Product => {
                let len = Product::ALL.len() as isize;
                self.product = (self.product as isize + step).rem_euclid(len) as usize;
            }
            _ => {
                self.urgency = match self.urgency {
                    Urgency::Standard => Urgency::Expedited,
                    Urgency::Expedited => Urgency::Standard,
                }
            }
        }
    }

    fn text(&self, kind: FieldKind) -> &str {
        self.inputs[index(kind)].value()
    }

    fn validate(&mut self, at: usize, now: OffsetDateTime) {
        let kind = FieldKind::ALL[at];
        self.errors[at] = problem(kind, self.inputs[at].value(), now);
    }

    fn update_due(&mut self, due: &DueTable) {
        self.due_preview = parse_received(self.text(FieldKind::Received))
            .ok()
            .map(|received| due.due_at(received, self.urgency, self.product().line_of_business()));
    }

    /// The request facts, or how many fields still need attention.
    pub fn facts(&mut self, now: OffsetDateTime) -> Result<RequestFacts, usize> {
        for at in 0..self.inputs.len() {
            self.errors[at] = problem(FieldKind::ALL[at], self.inputs[at].value(), now);
        }
        let count = self.errors.iter().filter(|e| e.is_some()).count();
        if count > 0 {
            if let Some(first) = self.errors.iter().position(Option::is_some) {
                self.focus = first;
            }
            return Err(count);
        }
        let received = parse_received(self.text(FieldKind::Received)).map_err(|_| 1usize)?;
        let date_of_birth =
            iso_date::parse(self.text(FieldKind::DateOfBirth)).map_err(|_| 1usize)?;
        let planned = self.text(FieldKind::PlannedDate);
        let planned_date = if planned.is_empty() {
            None
        } else {
            Some(iso_date::parse(planned).map_err(|_| 1usize)?)
        };
        Ok(RequestFacts {
            member: Member {
                name: self.text(FieldKind::MemberName).to_string(),
                member_id: self.text(FieldKind::MemberId).to_string(),
                date_of_birth,
                product: self.product(),
            },
            provider: Provider {
                name: self.text(FieldKind::ProviderName).to_string(),
                npi: self.text(FieldKind::Npi).to_string(),
            },
            service: Service {
                cpt_codes: split_codes(self.text(FieldKind::Cpt)),
                icd10_codes: split_codes(self.text(FieldKind::Icd10)),
                planned_date,
            },
            received_at: received,
            urgency: self.urgency,
            lesions: Vec::new(),
        })
    }
}

fn index(kind: FieldKind) -> usize {
    FieldKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// "47371, 47381" or "C78.7 C18.7": upper-cased, in order, no repeats.
pub fn split_codes(text: &str) -> Vec<String> {
    let mut codes: Vec<String> = Vec::new();
    for code in text.split([',', ' ', ';']).filter(|c| !c.is_empty()) {
        let code = code.to_ascii_uppercase();
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    codes
}

fn parse_received(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|_| format!("'{text}' is not a time with offset (e.g. 2026-12-01T09:30:00-05:00)"))
}

/// What is wrong with a field's text, checked as it is typed.
fn problem(kind: FieldKind, text: &str, now: OffsetDateTime) -> Option<String> {
    let required = |what: &str| (text.is_empty()).then(|| format!("{what} is required"));
    match kind {
        FieldKind::MemberName => required("the member's name"),
        FieldKind::MemberId => required("the member ID"),
        FieldKind::ProviderName => required("the provider's name"),
        FieldKind::DateOfBirth => {
            let date = iso_date::parse(text).err().map(String::from);
            date.or_else(|| {
                iso_date::parse(text)
                    .ok()
                    .filter(|d| *d > now.date())
                    .map(|_| "the date of birth is in the future".to_string())
            })
        }
        FieldKind::Npi => npi_problem(text),
        FieldKind::Cpt => {
            let codes = split_codes(text);
            if codes.is_empty() {
                return Some("at least one CPT code".to_string());
            }
            codes.iter().find_map(|c| cpt_problem(c))
        }
        FieldKind::Icd10 => {
            let codes = split_codes(text);
            if codes.is_empty() {
                return Some("at least one ICD-10-CM code".to_string());
            }
            codes.iter().find_map(|c| icd10_problem(c))
        }
        FieldKind::PlannedDate if text.is_empty() => None,
        FieldKind::PlannedDate => iso_date::parse(text).err().map(String::from),
        FieldKind::Received => parse_received(text).err(),
        FieldKind::Product | FieldKind::Urgency => None,
    }
}

pub fn render(intake: &IntakeState, policy: &Policy, theme: &Theme, frame: &mut Frame, area: Rect) {
    // The fields, a blank row, the due time and a problem of two rows.
    let rows = FieldKind::ALL.len() as u16 + 4;
    let [form_area, help_area] = area.layout(&Layout::vertical([
        Constraint::Length(rows),
        Constraint::Min(0),
    ]));
    let mut lines = Vec::new();
    for (at, kind) in FieldKind::ALL.iter().enumerate() {
        lines.push(field_line(intake, at, *kind, theme));
    }
    lines.push(Line::default());
    let due = intake
        .due_preview
        .and_then(|d| d.format(&Rfc3339).ok())
        .unwrap_or_else(|| "(needs a valid received time)".to_string());
    lines.push(Line::from(vec![
        Span::styled(format!("{:>14}  ", "Due"), theme.title),
        Span::raw(due),
        Span::styled(
            format!(
                "  ({} {})",
                intake.product().line_of_business().label(),
                intake.urgency.label(),
            ),
            theme.dim,
        ),
    ]));
    // Beside a field an error may be cut at 80 columns; it is spelled out
    // whole here, wrapped: the focused field's, else the first one's.
    let problem = intake.errors[intake.focus]
        .as_ref()
        .map(|error| (intake.focus, error))
        .or_else(|| {
            intake
                .errors
                .iter()
                .enumerate()
                .find_map(|(at, error)| error.as_ref().map(|error| (at, error)))
        });
    if let Some((at, error)) = problem {
        let problem_line = Line::styled(
            format!(
                "{:>14}  {} {}: {error}",
                "Problem",
                theme.symbols.not_met,
                FieldKind::ALL[at].label()
            ),
            theme.error,
        );
        lines.extend(wrap_lines(vec![problem_line], form_area.width));
    }
    frame.render_widget(Paragraph::new(lines), form_area);
    frame.render_widget(
        Paragraph::new(wrap_lines(
            code_help(intake.kind(), policy, theme),
            help_area.width,
        )),
        help_area,
    );
}

fn field_line<'a>(intake: &'a IntakeState, at: usize, kind: FieldKind, theme: &Theme) -> Line<'a> {
    let focused = at == intake.focus;
    let marker = if focused { theme.symbols.focus } else { " " };
    let label = Span::styled(
        format!("{marker}{:>13}  ", kind.label()),
        if focused { theme.selected } else { theme.title },
    );
    let value = match kind {
        FieldKind::Product => format!("< {} >", intake.product().label()),
        FieldKind::Urgency => format!("< {} >", intake.urgency.label()),
        _ => {
            let text = &intake.inputs[at].text;
            if focused {
                let chars: String = text.chars().take(intake.inputs[at].cursor).collect();
                let rest: String = text.chars().skip(intake.inputs[at].cursor).collect();
                format!("{chars}_{rest}")
            } else {
                text.clone()
            }
        }
    };
    let mut spans = vec![label, Span::raw(value)];
    if let Some(error) = &intake.errors[at] {
        spans.push(Span::styled(
            format!("  {} {error}", theme.symbols.not_met),
            theme.error,
        ));
    } else if !intake.inputs[at].text.is_empty() && !kind.is_chooser() {
        spans.push(Span::styled(format!("  {}", theme.symbols.met), theme.met));
    }
    Line::from(spans)
}

/// The policy's codes, offered beside the code fields.
fn code_help<'a>(kind: FieldKind, policy: &'a Policy, theme: &Theme) -> Vec<Line<'a>> {
    let (title, codes) = match kind {
        FieldKind::Cpt => (
            "Procedure codes of the policy",
            &policy.coding.procedure_codes,
        ),
        FieldKind::Icd10 => (
            "Diagnosis codes of the policy",
            &policy.coding.diagnosis_codes,
        ),
        FieldKind::Product | FieldKind::Urgency => {
            return vec![Line::styled("Left/Right or Space to choose", theme.dim)];
        }
        _ => return Vec::new(),
    };
    let mut lines = vec![Line::styled(
        format!("{title} {}:", policy.number),
        theme.dim,
    )];
    let codes: Vec<String> = codes
        .iter()
        .map(|c| {
            if c.description.is_empty() {
                c.code.clone()
            } else {
                format!("{} {}", c.code, c.description)
            }
        })
        .collect();
    lines.push(Line::styled(codes.join(" · "), theme.dim));
    lines
}
