//! Case view: every field of a case, read-only, with its full history.

use crate::tui::widgets::wrap::wrap_lines;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::case::history::{Integrity, verify};
use crate::case::{Case, facts, rfc3339};
use crate::policy::Policy;
use crate::sanitize::line as safe;
use crate::store::LockInfo;
use crate::tui::theme::Theme;

pub struct CaseViewState {
    pub case: Case,
    pub banner: Option<String>,
    pub lock: Option<LockInfo>,
    /// The lock's session is gone (or it is too old to tell): a supervisor
    /// may break it.
    pub lock_is_stale: bool,
    /// Drafts of this case whose sessions are gone, for a supervisor to
    /// hand to the case's next reviewer.
    pub orphaned_drafts: Vec<crate::store::DraftInfo>,
    pub scroll: u16,
    integrity: Integrity,
}

impl CaseViewState {
    pub fn new(case: Case, banner: Option<String>, lock: Option<LockInfo>) -> CaseViewState {
        let integrity = verify(&case);
        CaseViewState {
            case,
            banner,
            lock,
            lock_is_stale: false,
            orphaned_drafts: Vec::new(),
            scroll: 0,
            integrity,
        }
    }

    pub fn replace(&mut self, case: Case, lock: Option<LockInfo>) {
        self.integrity = verify(&case);
        self.case = case;
        self.lock = lock;
        if self.lock.is_none() {
            self.banner = None;
        }
    }

    pub fn scroll_by(&mut self, by: i32) {
        self.scroll = (i32::from(self.scroll) + by).clamp(0, i32::from(u16::MAX)) as u16;
    }
}

pub fn render(view: &CaseViewState, policy: &Policy, theme: &Theme, frame: &mut Frame, area: Rect) {
    let banner_height = u16::from(view.banner.is_some());
    let [banner_area, body] = area.layout(&Layout::vertical([
        Constraint::Length(banner_height),
        Constraint::Min(1),
    ]));
    if let Some(banner) = &view.banner {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!(" {} {}", theme.symbols.locked, safe(banner)),
                theme.banner,
            )),
            banner_area,
        );
    }
    let lines = lines(view, policy, theme);
    frame.render_widget(
        Paragraph::new(wrap_lines(lines, body.width)).scroll((view.scroll, 0)),
        body,
    );
}

fn heading(text: &str, theme: &Theme) -> Line<'static> {
    Line::styled(text.to_string(), theme.title)
}

fn lines(view: &CaseViewState, policy: &Policy, theme: &Theme) -> Vec<Line<'static>> {
    let case = &view.case;
    let mut lines = Vec::new();
    let (symbol, style, integrity) = match &view.integrity {
        Integrity::Intact => (theme.symbols.met, theme.met, "history intact".to_string()),
        Integrity::Tampered(what) => (
            theme.symbols.not_met,
            theme.error,
            format!("TAMPERED: {}", safe(what)),
        ),
    };
    let sealed = if case.seal.is_some() { "sealed, " } else { "" };
    lines.push(Line::styled(format!("{symbol} {sealed}{integrity}"), style));
    for draft in &view.orphaned_drafts {
        lines.push(Line::styled(
            format!(
                "{} Unsaved draft of {} from a lost session, saved {} (H hands it on)",
                theme.symbols.flag,
                draft.key.author,
                rfc3339(draft.saved_at)
            ),
            theme.warning,
        ));
    }
    for (label, value) in facts(case) {
        lines.push(Line::from(vec![
            Span::styled(format!("{label:>11} "), theme.dim),
            Span::raw(safe(&value).into_owned()),
        ]));
    }
    lines.push(heading("Criteria", theme));
    for answer in &case.criteria {
        let symbol = theme.answer_symbol(answer.answer);
        let origin = answer.origin.map(|o| o.label()).unwrap_or("unanswered");
        // Names and labels from the pack; a criterion it does not know
        // (a case decided under another pack) shows its stored id.
        let name = policy
            .criterion(&answer.criterion)
            .map(|c| c.name.as_str())
            .unwrap_or(&answer.criterion);
        let verdict = answer.answer.map(|a| a.label()).unwrap_or("unanswered");
        let mut text = format!(" {symbol} {}: {verdict} ({origin})", safe(name));
        if let Some(input) = &answer.input {
            let label =
                crate::rules::option_label(policy, &answer.criterion, input).unwrap_or(input);
            text.push_str(&format!(", documented: {}", safe(label)));
        }
        if let Some(reason) = &answer.override_reason {
            text.push_str(&format!(", override reason: {}", safe(reason)));
        }
        if let Some(author) = &answer.author {
            text.push_str(&format!(", by {}", safe(author)));
        }
        lines.push(Line::styled(text, theme.answer_style(answer.answer)));
        if !answer.evidence.is_empty() {
            lines.push(Line::raw(format!(
                "     evidence: {}",
                safe(&answer.evidence)
            )));
        }
        if !answer.source_document.is_empty() {
            lines.push(Line::raw(format!(
                "     source: {}",
                safe(&answer.source_document)
            )));
        }
    }
    if let Some(determination) = &case.determination {
        lines.push(heading("Determination", theme));
        lines.push(Line::raw(format!(
            " {} · {} by {} ({}) at {}",
            determination.outcome.label(),
            determination.decision.label(),
            safe(&determination.decided_by.name),
            determination.decided_by.role.label(),
            rfc3339(determination.decided_at)
        )));
        for line in determination.rationale.lines() {
            lines.push(Line::raw(format!("   {}", safe(line))));
        }
        for item in &determination.missing_information {
            lines.push(Line::raw(format!("   missing: {}", safe(item))));
        }
        for flag in &determination.coding_flags {
            lines.push(Line::styled(
                format!("   {} {}", theme.symbols.flag, safe(flag)),
                theme.warning,
            ));
        }
        if let Some(ack) = &determination.coding_acknowledgement {
            lines.push(Line::raw(format!("   acknowledged: {}", safe(ack))));
        }
        lines.push(Line::styled(
            format!("   {}", safe(&determination.benefit_statement)),
            theme.dim,
        ));
    }
    for p2p in &case.peer_to_peer {
        lines.push(Line::raw(format!(
            " Peer-to-peer {} with {} by {}: {}",
            rfc3339(p2p.at),
            safe(&p2p.provider_contact),
            safe(&p2p.physician.name),
            safe(&p2p.note)
        )));
    }
    for qa in &case.qa_reviews {
        let disagreements: Vec<std::borrow::Cow<str>> = qa
            .criteria
            .iter()
            .filter(|c| !c.agrees)
            .map(|c| safe(&c.criterion))
            .collect();
        lines.push(Line::raw(format!(
            " QA {} by {}: outcome {}; disagrees on [{}]; {}",
            rfc3339(qa.at),
            safe(&qa.by.name),
            if qa.outcome_agrees {
                "agreed"
            } else {
                "disagreed"
            },
            disagreements.join(", "),
            safe(&qa.note)
        )));
    }
    for amendment in &case.amendments {
        lines.push(Line::raw(format!(
            " Amendment {} by {}: {} (original: {} by {})",
            rfc3339(amendment.at),
            safe(&amendment.by.name),
            safe(&amendment.reason),
            amendment.original.decision.label(),
            safe(&amendment.original.decided_by.name)
        )));
    }
    lines.push(heading("History", theme));
    for entry in &case.history {
        lines.push(Line::raw(format!(
            " {} {} ({}) {}: {}",
            rfc3339(entry.at),
            safe(&entry.by.name),
            entry.by.role.label(),
            safe(&entry.event),
            safe(&entry.summary)
        )));
        for change in entry.changes.iter().flat_map(|c| c.shown()) {
            lines.push(Line::styled(
                format!(
                    "     {}: {} -> {}",
                    safe(&change.field),
                    safe(&clip(&change.from)),
                    safe(&clip(&change.to))
                ),
                theme.dim,
            ));
        }
    }
    lines
}

fn clip(text: &str) -> String {
    if text.chars().count() <= 80 {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(80).collect();
    clipped.push('…');
    clipped
}
