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
    lines.extend(amendment_lines(ws, theme, area.width, true));
    for (i, result) in ws.evaluation.criteria.iter().enumerate() {
        lines.push(criterion_row(ws, i, result, theme, area.width));
    }
    let available = (area.height as usize).saturating_sub(lines.len());
    // A blank row between the list and the detail where there is room.
    if available > MIN_DETAIL_ROWS + 4 {
        lines.push(Line::default());
    }
    let rows = DetailRows::fit((area.height as usize).saturating_sub(lines.len()), &ws.case);
    lines.extend(focused_detail(ws, policy, theme, area.width, &rows));
    draw_lines(frame.buffer_mut(), area, &lines);
}

/// Why a reopened case is being amended: the reopening's reason and the QA
/// findings. The review shows them above the checklist in a few rows
/// (`compact`); the determination shows them whole.
pub fn amendment_lines(
    ws: &Workspace,
    theme: &Theme,
    width: u16,
    compact: bool,
) -> Vec<Line<'static>> {
    if ws.case.status != crate::case::Status::Reopened {
        return Vec::new();
    }
    let mut reopened = Vec::new();
    if let Some(amendment) = ws.case.amendments.last() {
        reopened.push(Line::from(vec![
            Span::styled(format!("{} Reopened: ", theme.symbols.flag), theme.warning),
            Span::raw(format!(
                "{} (by {})",
                safe(&amendment.reason),
                safe(&amendment.by.name)
            )),
        ]));
    }
    let mut qa_lines = Vec::new();
    if let Some(qa) = ws.case.qa_reviews.last() {
        let verdict = if qa.outcome_agrees {
            "agrees with the outcome"
        } else {
            "disagrees with the outcome"
        };
        let disputed: Vec<String> = qa
            .criteria
            .iter()
            .filter(|c| !c.agrees)
            .map(|c| {
                ws.evaluation
                    .criteria
                    .iter()
                    .find(|r| r.criterion == c.criterion)
                    .map(|r| format!("criterion {} {}", r.number, r.name))
                    .unwrap_or_else(|| c.criterion.clone())
            })
            .collect();
        let mut text = format!("QA {verdict}");
        if !disputed.is_empty() {
            text.push_str(&format!("; disputes {}", disputed.join(", ")));
        }
        if !qa.note.trim().is_empty() {
            text.push_str(&format!(": {}", safe(qa.note.trim())));
        }
        text.push_str(&format!(" (by {})", safe(&qa.by.name)));
        qa_lines.push(Line::styled(text, theme.warning));
    }
    if !compact {
        reopened.extend(qa_lines);
        return wrap_lines(reopened, width);
    }
    let mut lines = slot(reopened, width, 2);
    if !qa_lines.is_empty() {
        lines.extend(slot(qa_lines, width, 1));
    }
    lines
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

/// The fewest rows the detail of the focused criterion is drawn in.
const MIN_DETAIL_ROWS: usize = 7;

/// Rows each part of the focused criterion's detail takes. They depend on
/// the room there is and on the case, never on which criterion has the
/// focus, so the parts (and their labels) stay put as the focus moves and
/// only what differs is sent to the terminal. The evidence, last, takes
/// whatever room is left, so a long note shows whole where it can.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DetailRows {
    /// Two where they fit, so the criterion's whole name shows at 80
    /// columns, where the checklist row cuts it.
    title: usize,
    input: usize,
    why: usize,
    suggestion: usize,
    source: usize,
    evidence: usize,
}

impl DetailRows {
    fn fit(available: usize, case: &Case) -> DetailRows {
        let mut rows = DetailRows {
            title: 2,
            input: 3,
            why: 2,
            suggestion: 2,
            source: 1,
            evidence: 2,
        };
        // Short of room: give up what is least needed first.
        for shrink in [
            |r: &mut DetailRows| r.suggestion = 1,
            |r: &mut DetailRows| r.why = 1,
            |r: &mut DetailRows| r.title = 1,
            |r: &mut DetailRows| r.evidence = 1,
            |r: &mut DetailRows| r.input = 2,
        ] {
            if rows.total() <= available {
                break;
            }
            shrink(&mut rows);
        }
        // Room to spare: every lesion first (the prompt and one row each),
        // then a second row for the source, then the evidence.
        let mut spare = available.saturating_sub(rows.total());
        let lesions_wanted = (case.lesions.len() + 1).max(rows.input);
        let more_input = (lesions_wanted - rows.input).min(spare);
        rows.input += more_input;
        spare -= more_input;
        if spare > 0 {
            rows.source += 1;
            spare -= 1;
        }
        rows.evidence += spare;
        rows
    }

    fn total(&self) -> usize {
        self.title + self.input + self.why + self.suggestion + self.source + self.evidence
    }
}

fn focused_detail(
    ws: &Workspace,
    policy: &Policy,
    theme: &Theme,
    width: u16,
    rows: &DetailRows,
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
    let mut lines = slot(vec![title], width, rows.title);
    lines.extend(slot(
        input_lines(ws, criterion, theme, rows.input),
        width,
        rows.input,
    ));
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
    lines.extend(slot(why, width, rows.why));
    let suggestion = ws
        .evaluation
        .suggestion
        .as_ref()
        .filter(|s| s.criterion == criterion.id)
        .map(|s| Line::styled(format!("Suggested (g): {}", safe(&s.reason)), theme.warning));
    lines.extend(slot(
        suggestion.into_iter().collect(),
        width,
        rows.suggestion,
    ));
    let source = record.map(|r| r.source_document.as_str()).unwrap_or("");
    let source_line = Line::from(vec![
        Span::styled("Source (o): ", theme.dim),
        Span::raw(safe(or_dash(source)).into_owned()),
    ]);
    lines.extend(slot(vec![source_line], width, rows.source));
    let evidence = record.map(|r| r.evidence.as_str()).unwrap_or("");
    // Line breaks in the note are kept; what does not fit ends with "…",
    // and `e` opens the whole note.
    let mut evidence_lines = vec![Line::from(vec![
        Span::styled("Evidence (e): ", theme.dim),
        Span::raw(safe(or_dash(evidence.lines().next().unwrap_or(""))).into_owned()),
    ])];
    evidence_lines.extend(
        evidence
            .lines()
            .skip(1)
            .map(|l| Line::raw(safe(l).into_owned())),
    );
    lines.extend(slot(evidence_lines, width, rows.evidence));
    lines
}

fn or_dash(text: &str) -> &str {
    if text.trim().is_empty() { "—" } else { text }
}

fn input_lines(
    ws: &Workspace,
    criterion: &crate::policy::Criterion,
    theme: &Theme,
    rows: usize,
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
            // One row, so the lesions themselves get the rest.
            let heading = match ws.case.lesions.len() {
                0 | 1 => format!("{prompt} (a adds, A removes):"),
                n => format!("{n} lesions, largest first (a adds):"),
            };
            let mut lines = vec![Line::styled(heading, theme.dim)];
            lines.extend(lesion_lines(&ws.case, unit, theme, rows.saturating_sub(1)));
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

/// The lesions in `rows` rows, largest first, so the one that decides
/// criterion 3 is always in view; when they do not all fit, the last row
/// says how many more there are and how large they are at most.
fn lesion_lines(case: &Case, unit: &str, theme: &Theme, rows: usize) -> Vec<Line<'static>> {
    if case.lesions.is_empty() {
        return vec![Line::styled("  no lesion entered", theme.dim)];
    }
    let mut order: Vec<usize> = (0..case.lesions.len()).collect();
    // Unmeasured lesions first: they leave the criterion open.
    order.sort_by(|&a, &b| {
        let size = |i: usize| case.lesions[i].diameter_cm.unwrap_or(f64::INFINITY);
        size(b).total_cmp(&size(a)).then(a.cmp(&b))
    });
    let rows = rows.max(1);
    let shown = if order.len() <= rows {
        order.len()
    } else {
        rows - 1
    };
    let line = |i: usize| {
        let lesion = &case.lesions[i];
        Line::raw(format!(
            "  #{} {}: {} {unit}",
            i + 1,
            safe(&lesion.site),
            fmt_number(lesion.diameter_cm)
        ))
    };
    let mut lines: Vec<Line<'static>> = order.iter().take(shown).map(|&i| line(i)).collect();
    let hidden = &order[shown..];
    // Only more than one lesion is ever hidden: one would take the row.
    if let Some(&largest_hidden) = hidden.first() {
        let text = format!(
            "  … {} more, none over {} {unit}",
            hidden.len(),
            fmt_number(case.lesions[largest_hidden].diameter_cm)
        );
        lines.push(Line::styled(text, theme.dim));
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
