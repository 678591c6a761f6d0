//! Review: the checklist on the left, the policy pane on the right, the
//! live determination along the bottom.

use crate::tui::widgets::wrap::{draw_lines, wrap_lines};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::case::fmt_number;
use crate::case::{Case, Origin, Outcome};
use crate::policy::{CriterionInput, Policy};
use crate::sanitize::line as safe;
use crate::tui::theme::Theme;
use crate::tui::widgets::policy_pane;
use crate::tui::workspace::Workspace;

pub fn render(ws: &Workspace, policy: &Policy, theme: &Theme, frame: &mut Frame, area: Rect) {
    // Fixed splits by arithmetic, not the constraint solver.
    let body = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    let live = Rect {
        y: area.y + body.height,
        height: area.height.min(1),
        ..area
    };
    let left_width = (body.width / 2).clamp(38, 70).min(body.width);
    let left = Rect {
        width: left_width,
        ..body
    };
    let right = Rect {
        x: body.x + left_width,
        width: body.width - left_width,
        ..body
    };
    render_checklist(ws, policy, theme, frame, left);
    policy_pane::render(ws, policy, theme, frame, right);
    render_live(ws, theme, frame, live);
}

fn render_checklist(ws: &Workspace, policy: &Policy, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut lines = wrap_lines(
        vec![Line::styled(
            format!(
                "{} · {} · {}",
                ws.case.id,
                safe(&ws.case.member.name),
                ws.case.member.product.label()
            ),
            theme.title,
        )],
        area.width,
    );
    for (i, result) in ws.evaluation.criteria.iter().enumerate() {
        lines.push(criterion_row(ws, i, result, theme, area.width));
    }
    lines.push(Line::default());
    lines.extend(focused_detail(ws, policy, theme, area.width));
    draw_lines(frame.buffer_mut(), area, &lines);
}

/// One row of the checklist. Focus is the marker alone: moving it
/// repaints two cells, not two long criterion names.
fn criterion_row<'a>(
    ws: &Workspace,
    i: usize,
    result: &'a crate::rules::CriterionResult,
    theme: &Theme,
    width: u16,
) -> Line<'a> {
    let marker = if i == ws.focus {
        theme.symbols.focus
    } else {
        " "
    };
    let answered = result.origin.map(|_| result.answer);
    // A reviewer's own mark is the usual case and goes unlabelled; what
    // came from the record, or overrides it, says so.
    let origin = match result.origin {
        Some(Origin::Manual) | None => "",
        Some(origin) => origin.label(),
    };
    let name_width = (width as usize).saturating_sub(6 + origin.len() + 1);
    let name: String = result.name.chars().take(name_width).collect();
    Line::from(vec![
        Span::styled(format!("{marker} "), theme.selected),
        Span::styled(
            theme.answer_symbol(answered).to_string(),
            theme.answer_style(answered),
        ),
        Span::styled(format!(" {} {name}", result.number), theme.text),
        Span::styled(format!(" {origin}"), theme.dim),
    ])
}

/// Rows each part of the focused criterion's detail always takes, so the
/// parts (and their labels) stay put as the focus moves and only what
/// differs is sent to the terminal.
/// Two, so the criterion's whole name shows at 80 columns, where the
/// checklist row cuts it.
const TITLE_ROWS: usize = 2;
const INPUT_ROWS: usize = 3;
const WHY_ROWS: usize = 2;
const SUGGESTION_ROWS: usize = 2;
const EVIDENCE_ROWS: usize = 2;
const SOURCE_ROWS: usize = 1;

fn focused_detail(
    ws: &Workspace,
    policy: &Policy,
    theme: &Theme,
    width: u16,
) -> Vec<Line<'static>> {
    let Some(criterion) = ws.focused_criterion(policy) else {
        return Vec::new();
    };
    let Some(result) = ws.evaluation.criteria.get(ws.focus) else {
        return Vec::new();
    };
    let record = ws.case.answer(&criterion.id);
    let title = Line::styled(
        format!("{}. {}", result.number, criterion.name),
        theme.title,
    );
    let mut lines = slot(vec![title], width, TITLE_ROWS);
    lines.extend(slot(input_lines(ws, criterion, theme), width, INPUT_ROWS));
    // Why the answer is what it is, when the record or an override made
    // it; a reviewer's own mark needs no explaining.
    let why = match result.origin {
        Some(Origin::Auto) => vec![Line::from(vec![
            Span::styled("Why: ", theme.dim),
            Span::styled(
                safe(&result.reason).into_owned(),
                theme.answer_style(Some(result.answer)),
            ),
        ])],
        // The reviewer's own words first: the row already says `override`.
        Some(Origin::Override) => {
            let reason = record
                .and_then(|r| r.override_reason.as_deref())
                .unwrap_or("");
            vec![Line::from(vec![
                Span::styled("Override: ", theme.dim),
                Span::styled(
                    safe(reason).into_owned(),
                    theme.answer_style(Some(result.answer)),
                ),
            ])]
        }
        _ => Vec::new(),
    };
    lines.extend(slot(why, width, WHY_ROWS));
    let suggestion = ws
        .evaluation
        .suggestion
        .as_ref()
        .filter(|s| s.criterion == criterion.id)
        .map(|s| Line::styled(format!("Suggested (g): {}", safe(&s.reason)), theme.warning));
    lines.extend(slot(
        suggestion.into_iter().collect(),
        width,
        SUGGESTION_ROWS,
    ));
    let evidence = record.map(|r| r.evidence.as_str()).unwrap_or("");
    let first = evidence.lines().next().unwrap_or("");
    let more = if evidence.lines().nth(1).is_some() {
        " …"
    } else {
        ""
    };
    let evidence_line = Line::from(vec![
        Span::styled("Evidence (e): ", theme.dim),
        Span::raw(format!("{}{more}", safe(or_dash(first)))),
    ]);
    lines.extend(slot(vec![evidence_line], width, EVIDENCE_ROWS));
    let source = record.map(|r| r.source_document.as_str()).unwrap_or("");
    let source_line = Line::from(vec![
        Span::styled("Source (o): ", theme.dim),
        Span::raw(safe(or_dash(source)).into_owned()),
    ]);
    lines.extend(slot(vec![source_line], width, SOURCE_ROWS));
    lines
}

fn or_dash(text: &str) -> &str {
    if text.trim().is_empty() { "—" } else { text }
}

fn input_lines(
    ws: &Workspace,
    criterion: &crate::policy::Criterion,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let record = ws.case.answer(&criterion.id);
    match &criterion.input {
        CriterionInput::Choice { prompt, options } => {
            let chosen = record.and_then(|r| r.input.as_deref());
            let label = chosen
                .and_then(|id| options.iter().find(|o| o.id == id))
                .map(|o| o.label.as_str())
                .unwrap_or("not entered");
            vec![Line::from(vec![
                Span::styled(format!("{prompt}: "), theme.dim),
                Span::styled(format!("< {label} >"), theme.text),
            ])]
        }
        CriterionInput::Measurements { prompt, unit, .. } => {
            let mut lines = vec![Line::styled(
                format!("{prompt} (a adds, A removes):"),
                theme.dim,
            )];
            lines.extend(lesion_lines(&ws.case, unit, theme));
            lines
        }
    }
}

/// `lines` wrapped to `width` in exactly `rows` rows: padded with blank
/// rows, or cut with an ellipsis at the end of the last row kept.
fn slot(lines: Vec<Line<'_>>, width: u16, rows: usize) -> Vec<Line<'static>> {
    let mut wrapped = wrap_lines(lines, width);
    if wrapped.len() > rows {
        wrapped.truncate(rows);
        if let Some(last) = wrapped.last_mut() {
            end_with_ellipsis(last, width as usize);
        }
    }
    wrapped.resize(rows, Line::default());
    wrapped
}

/// Replaces the end of `line` with "…" so it still fits in `width`.
fn end_with_ellipsis(line: &mut Line<'static>, width: usize) {
    if line.width() + 1 > width {
        let Some(span) = line.spans.last_mut() else {
            return;
        };
        let mut content = span.content.to_string();
        content.pop();
        span.content = content.into();
    }
    let style = line.spans.last().map(|s| s.style).unwrap_or_default();
    line.spans.push(Span::styled("…", style));
}

/// The lesions, at most two rows: the second says how many more there are.
fn lesion_lines(case: &Case, unit: &str, theme: &Theme) -> Vec<Line<'static>> {
    if case.lesions.is_empty() {
        return vec![Line::styled("  no lesion entered", theme.dim)];
    }
    let shown = (INPUT_ROWS - 1).min(case.lesions.len());
    let mut lines: Vec<Line<'static>> = case
        .lesions
        .iter()
        .take(shown)
        .enumerate()
        .map(|(i, lesion)| {
            Line::raw(format!(
                "  {}. {}: {} {unit}",
                i + 1,
                safe(&lesion.site),
                fmt_number(lesion.diameter_cm)
            ))
        })
        .collect();
    let hidden = case.lesions.len() - shown;
    if hidden > 0
        && let Some(last) = lines.last_mut()
    {
        last.push_span(Span::styled(format!(" (+{hidden} more)"), theme.dim));
    }
    lines
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
            safe(evaluation.refer_to.as_deref().unwrap_or(""))
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
        // Short, and right after the text that changes with a mark, so
        // the first change of a review costs few bytes over SSH.
        spans.push(Span::styled(
            format!("  {} unsaved", theme.symbols.unsaved),
            theme.warning,
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
