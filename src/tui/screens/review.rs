//! Review: the checklist on the left, the policy pane on the right, the
//! live determination along the bottom.

use crate::tui::widgets::wrap::wrap_lines;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::case::{Case, Outcome};
use crate::policy::{CriterionInput, Policy};
use crate::rules::answers::fmt_number;
use crate::tui::theme::Theme;
use crate::tui::widgets::policy_pane;
use crate::tui::workspace::Workspace;

pub fn render(ws: &Workspace, policy: &Policy, theme: &Theme, frame: &mut Frame, area: Rect) {
    let [body, live] = area.layout(&Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(1),
    ]));
    let left_width = (body.width / 2).clamp(38, 70);
    let [left, right] = body.layout(&Layout::horizontal([
        Constraint::Length(left_width),
        Constraint::Min(1),
    ]));
    render_checklist(ws, policy, theme, frame, left);
    policy_pane::render(ws, policy, theme, frame, right);
    render_live(ws, theme, frame, live);
}

fn render_checklist(ws: &Workspace, policy: &Policy, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines = vec![Line::styled(
        format!(
            "{} · {} · {}",
            ws.case.id,
            ws.case.member.name,
            ws.case.member.product.label()
        ),
        theme.title,
    )];
    for (i, result) in ws.evaluation.criteria.iter().enumerate() {
        let focused = i == ws.focus;
        let marker = if focused { theme.symbols.focus } else { " " };
        let answered = result.origin.map(|_| result.answer);
        let origin = result.origin.map(|o| o.label()).unwrap_or("");
        let name_width = (area.width as usize).saturating_sub(6 + origin.len() + 1);
        let name: String = result.name.chars().take(name_width).collect();
        lines.push(Line::from(vec![
            Span::styled(format!("{marker} "), theme.selected),
            Span::styled(
                theme.answer_symbol(answered).to_string(),
                theme.answer_style(answered),
            ),
            Span::styled(
                format!(" {} {name}", result.number),
                if focused { theme.selected } else { theme.text },
            ),
            Span::styled(format!(" {origin}"), theme.dim),
        ]));
    }
    lines.push(Line::default());
    lines.extend(focused_detail(ws, policy, theme));
    frame.render_widget(Paragraph::new(wrap_lines(lines, area.width)), area);
}

fn focused_detail<'a>(ws: &'a Workspace, policy: &'a Policy, theme: &Theme) -> Vec<Line<'a>> {
    let Some(criterion) = ws.focused_criterion(policy) else {
        return Vec::new();
    };
    let Some(result) = ws.evaluation.criteria.get(ws.focus) else {
        return Vec::new();
    };
    let record = ws.case.answer(&criterion.id);
    let mut lines = vec![Line::styled(
        format!("{}. {}", result.number, criterion.name),
        theme.title,
    )];
    match &criterion.input {
        CriterionInput::Choice { prompt, options } => {
            let chosen = record.and_then(|r| r.input.as_deref());
            let label = chosen
                .and_then(|id| options.iter().find(|o| o.id == id))
                .map(|o| o.label.as_str())
                .unwrap_or("not entered");
            lines.push(Line::from(vec![
                Span::styled(format!("{prompt}: "), theme.dim),
                Span::styled(format!("< {label} >"), theme.text),
            ]));
        }
        CriterionInput::Measurements { prompt, unit, .. } => {
            lines.push(Line::styled(
                format!("{prompt} (a adds, A removes):"),
                theme.dim,
            ));
            lines.extend(lesion_lines(&ws.case, unit, theme));
        }
    }
    let answered = result.origin.map(|_| result.answer);
    lines.push(Line::from(vec![
        Span::styled("Answer: ", theme.dim),
        Span::styled(
            format!(
                "{} {}",
                theme.answer_symbol(answered),
                answered.map(|a| a.label()).unwrap_or("unanswered")
            ),
            theme.answer_style(answered),
        ),
        Span::styled(format!("  {}", result.reason), theme.dim),
    ]));
    if let Some(suggestion) = ws
        .evaluation
        .suggestion
        .as_ref()
        .filter(|s| s.criterion == criterion.id)
    {
        lines.push(Line::styled(
            format!("Suggested (g): {}", suggestion.reason),
            theme.warning,
        ));
    }
    if let Some(record) = record {
        let evidence = record.evidence.lines().next().unwrap_or("");
        let more = if record.evidence.lines().nth(1).is_some() {
            " …"
        } else {
            ""
        };
        lines.push(Line::from(vec![
            Span::styled("Evidence (e): ", theme.dim),
            Span::raw(format!("{}{more}", clip(evidence, 200))),
        ]));
        lines.push(Line::from(vec![
            Span::styled("Source (o): ", theme.dim),
            Span::raw(clip(&record.source_document, 120)),
        ]));
    }
    lines
}

fn lesion_lines<'a>(case: &'a Case, unit: &str, theme: &Theme) -> Vec<Line<'a>> {
    if case.lesions.is_empty() {
        return vec![Line::styled("  no lesion entered", theme.dim)];
    }
    case.lesions
        .iter()
        .enumerate()
        .map(|(i, lesion)| {
            Line::raw(format!(
                "  {}. {}: {} {unit}",
                i + 1,
                lesion.site,
                fmt_number(lesion.diameter_cm)
            ))
        })
        .collect()
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut clipped: String = text.chars().take(max).collect();
    clipped.push('…');
    clipped
}

/// The outcome as it stands and what is still missing.
fn render_live(ws: &Workspace, theme: &Theme, frame: &mut Frame, area: Rect) {
    let evaluation = &ws.evaluation;
    let outcome = evaluation.outcome;
    let mut spans = vec![Span::styled(
        format!(" {} {}", theme.outcome_symbol(outcome), outcome.label()),
        theme.outcome_style(outcome),
    )];
    let detail = match outcome {
        Outcome::InformationNeeded => {
            let open: Vec<String> = evaluation
                .criteria
                .iter()
                .filter(|c| c.answer == crate::policy::Answer::Insufficient)
                .map(|c| c.number.to_string())
                .collect();
            format!(" · still needed: criteria {}", open.join(", "))
        }
        Outcome::DoesNotMeet => {
            let failed: Vec<String> = evaluation
                .criteria
                .iter()
                .filter(|c| c.answer == crate::policy::Answer::NotMet)
                .map(|c| c.number.to_string())
                .collect();
            format!(
                " · not met: criteria {} (physician decides)",
                failed.join(", ")
            )
        }
        Outcome::NotApplicable => format!(
            " · refer to {}",
            evaluation.refer_to.as_deref().unwrap_or("")
        ),
        Outcome::MeetsCriteria => " · all criteria met".to_string(),
    };
    spans.push(Span::styled(detail, theme.dim));
    if !evaluation.coding_flags.is_empty() {
        spans.push(Span::styled(
            format!(
                "  {} {} coding flag(s)",
                theme.symbols.flag,
                evaluation.coding_flags.len()
            ),
            theme.warning,
        ));
    }
    if ws.is_unsaved() {
        spans.push(Span::styled("  [unsaved: draft kept]", theme.warning));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
