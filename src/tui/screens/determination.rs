//! Determination: the outcome, the reasons, flags, the rationale, and
//! sign-off as the current reviewer.

use crate::tui::widgets::wrap::wrap_lines;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::case::{Decision, Reviewer};
use crate::policy::{Answer, Policy};
use crate::rules::CriterionResult;
use crate::rules::decision::problems;
use crate::sanitize::line as safe;
use crate::tui::theme::Theme;
use crate::tui::workspace::Workspace;

pub fn render(
    ws: &Workspace,
    policy: &Policy,
    reviewer: &Reviewer,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let evaluation = &ws.evaluation;
    let outcome = evaluation.outcome;
    let mut lines = super::review::amendment_lines(ws, theme, area.width, false);
    lines.push(Line::from(vec![
        Span::styled(
            format!("{} {}", theme.outcome_symbol(outcome), outcome.label()),
            theme.outcome_style(outcome).patch(theme.title),
        ),
        Span::styled(
            format!(
                "  under {} section I, effective {}",
                policy.number, policy.effective_date
            ),
            theme.dim,
        ),
    ]));
    // Failed criteria first: they are what a physician decides on.
    let mut ordered: Vec<&CriterionResult> = evaluation.criteria.iter().collect();
    ordered.sort_by_key(|c| match c.answer {
        Answer::NotMet => 0,
        Answer::Insufficient => 1,
        Answer::Met => 2,
    });
    for result in ordered {
        let answered = result.origin.map(|_| result.answer);
        let evidence = ws
            .case
            .answer(&result.criterion)
            .map(|a| a.evidence.lines().next().unwrap_or("").to_string())
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(
                format!(" {} ", theme.answer_symbol(answered)),
                theme.answer_style(answered),
            ),
            Span::styled(format!("{} {}: ", result.number, result.name), theme.text),
            Span::styled(safe(&result.reason).into_owned(), theme.dim),
        ]));
        if result.answer != Answer::Met && !evidence.is_empty() {
            lines.push(Line::styled(
                format!("     evidence: {}", safe(&evidence)),
                theme.dim,
            ));
        }
    }
    // A reviewer's own answer with no evidence behind it says so.
    for id in crate::rules::fitness::unevidenced_manual_answers(&ws.case) {
        let name = evaluation
            .criteria
            .iter()
            .find(|c| c.criterion == id)
            .map(|c| format!("{} {}", c.number, c.name))
            .unwrap_or(id);
        lines.push(Line::styled(
            format!(
                " {} criterion {name}: answered by hand, with no evidence",
                theme.symbols.flag
            ),
            theme.warning,
        ));
    }
    for flag in &evaluation.coding_flags {
        lines.push(Line::styled(
            format!(" {} {}", theme.symbols.flag, safe(&flag.message)),
            theme.warning,
        ));
    }
    if !evaluation.coding_flags.is_empty() {
        let ack = if ws.acknowledgement.trim().is_empty() {
            "none yet (c)"
        } else {
            ws.acknowledgement.as_str()
        };
        lines.push(Line::styled(
            format!("   acknowledgement: {}", safe(ack)),
            theme.dim,
        ));
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        if ws.rationale.is_some() {
            "Rationale (edited, e):"
        } else if ws.signed_rationale.is_some() {
            "Rationale (as signed before the reopening, e to edit):"
        } else {
            "Rationale (proposed, e to edit):"
        },
        theme.title,
    ));
    for line in ws.rationale_text().lines() {
        lines.push(Line::raw(format!("  {}", safe(line))));
    }
    lines.push(Line::styled(
        format!("  {}", evaluation.benefit_statement),
        theme.dim,
    ));
    // The decision and what blocks it stay in view; the reasons scroll.
    let decision = decision_lines(ws, policy, reviewer, theme);
    let panel_height = (decision.len() as u16 + 1).min(area.height / 2);
    let [reasons_area, decision_area] = area.layout(&Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(panel_height),
    ]));
    frame.render_widget(
        Paragraph::new(wrap_lines(lines, reasons_area.width)).scroll((ws.scroll, 0)),
        reasons_area,
    );
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.border);
    frame.render_widget(
        Paragraph::new(wrap_lines(decision, decision_area.width)).block(block),
        decision_area,
    );
}

fn decision_lines<'a>(
    ws: &Workspace,
    policy: &Policy,
    reviewer: &Reviewer,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let decisions = ws.decisions(reviewer.role);
    let chosen = ws.chosen_decision(reviewer.role);
    // Left/Right choose only where there is a choice.
    let label = if decisions.len() > 1 {
        "Decision (Left/Right): "
    } else {
        "Decision: "
    };
    let mut spans = vec![Span::styled(label, theme.title)];
    if decisions.is_empty() {
        spans.push(Span::styled(
            format!("none for a {} on this outcome", reviewer.role.label()),
            theme.dim,
        ));
    }
    for decision in &decisions {
        let style = if Some(*decision) == chosen {
            theme.selected
        } else {
            theme.dim
        };
        let marker = if Some(*decision) == chosen {
            theme.symbols.focus
        } else {
            " "
        };
        spans.push(Span::styled(
            format!("{marker}{}  ", decision.label()),
            style,
        ));
    }
    let mut lines = vec![Line::from(spans)];
    if decisions == [Decision::ReferToPhysician] {
        lines.push(Line::styled(
            "  A nurse may not deny: the case goes to a physician reviewer, who upholds or overturns it.",
            theme.dim,
        ));
    }
    if let Some(request) = ws.decision_request(policy, reviewer.role) {
        let missing = problems(policy, &ws.case, &ws.evaluation, reviewer.role, &request);
        if missing.is_empty() {
            lines.push(Line::styled(
                format!("  {} ready: f signs and saves", theme.symbols.met),
                theme.met,
            ));
        }
        for problem in missing {
            lines.push(Line::styled(
                format!("  {} {}", theme.symbols.not_met, safe(&problem)),
                theme.error,
            ));
        }
    }
    lines.push(Line::styled(
        format!(
            "Signing as {} ({})",
            safe(&reviewer.name),
            reviewer.role.label()
        ),
        theme.dim,
    ));
    lines
}
