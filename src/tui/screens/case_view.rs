//! Case view: every field of a case, read-only, with its full history:
//! each entry in words, or its raw field changes one key away. Notes keep
//! their line breaks, long values wrap under their own column, and
//! scrolling stops at the last line.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Scrollbar, ScrollbarOrientation, ScrollbarState};
use unicode_width::UnicodeWidthStr;

use crate::case::history::Integrity;
use crate::case::{Case, HistoryEntry, facts, rfc3339};
use crate::policy::Policy;
use crate::rules::history_text;
use crate::sanitize::line as safe;
use crate::store::LockInfo;
use crate::tui::theme::Theme;
use crate::tui::widgets::wrap::{draw_lines, wrap, wrap_lines};

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
    /// The history as raw field changes instead of words.
    pub raw_changes: bool,
    /// How far the last frame could scroll (its lines less its height), so
    /// scrolling stops at the end; unknown until a frame is drawn.
    max_scroll: Cell<Option<u16>>,
    integrity: Integrity,
    /// The content was edited outside the app (the history holds): a
    /// supervisor may accept the edit into the history.
    pub edited_outside: bool,
}

impl CaseViewState {
    pub fn new(case: Case, banner: Option<String>, lock: Option<LockInfo>) -> CaseViewState {
        let (integrity, edited_outside) = judge(&case);
        CaseViewState {
            case,
            banner,
            lock,
            lock_is_stale: false,
            orphaned_drafts: Vec::new(),
            scroll: 0,
            raw_changes: false,
            max_scroll: Cell::new(None),
            integrity,
            edited_outside,
        }
    }

    pub fn replace(&mut self, case: Case, lock: Option<LockInfo>) {
        (self.integrity, self.edited_outside) = judge(&case);
        self.case = case;
        self.lock = lock;
        if self.lock.is_none() {
            self.banner = None;
        }
    }

    /// Scrolls by `by` lines, never before the first line nor past the
    /// point where the last line is at the bottom of the view.
    pub fn scroll_by(&mut self, by: i32) {
        let max = self.max_scroll.get().unwrap_or(u16::MAX);
        self.scroll = (i32::from(self.scroll) + by).clamp(0, i32::from(max)) as u16;
    }

    /// Words or raw changes; the view stays where it was as far as it can.
    pub fn toggle_raw_changes(&mut self) {
        self.raw_changes = !self.raw_changes;
        // The other form has another length: the next frame clamps.
        self.max_scroll.set(None);
    }

    /// The scroll position the last frame could reach at most.
    pub fn max_scroll(&self) -> Option<u16> {
        self.max_scroll.get()
    }
}

/// The case's integrity, and whether it was edited outside the app: one
/// replay of its history answers both.
fn judge(case: &Case) -> (Integrity, bool) {
    let standing = crate::case::history::standing(case);
    let edited_outside = matches!(
        standing,
        crate::case::history::Standing::EditedOutside { .. }
    );
    (
        crate::case::history::integrity_of(&standing),
        edited_outside,
    )
}

pub fn render(view: &CaseViewState, policy: &Policy, theme: &Theme, frame: &mut Frame, area: Rect) {
    // The banner says why the case is read-only and who holds it: wrapped,
    // never cut at the terminal's edge.
    let banner: Vec<Line> = view
        .banner
        .iter()
        .flat_map(|banner| {
            wrap_lines(
                vec![Line::styled(
                    format!(" {} {}", theme.symbols.locked, safe(banner)),
                    theme.banner,
                )],
                area.width,
            )
        })
        .collect();
    let [banner_area, body] = area.layout(&Layout::vertical([
        Constraint::Length(banner.len() as u16),
        Constraint::Min(1),
    ]));
    frame.render_widget(Paragraph::new(banner), banner_area);
    // The last column is the scrollbar's, so the text never moves under it.
    let text_area = Rect {
        width: body.width.saturating_sub(1),
        ..body
    };
    let lines = layout(&rows(view, policy, theme), text_area.width);
    let max = lines.len().saturating_sub(usize::from(body.height));
    let max = u16::try_from(max).unwrap_or(u16::MAX);
    view.max_scroll.set(Some(max));
    let scroll = view.scroll.min(max);
    draw_lines(frame.buffer_mut(), text_area, &lines[usize::from(scroll)..]);
    if max > 0 {
        let mut state = ScrollbarState::new(usize::from(max) + 1)
            .position(usize::from(scroll))
            .viewport_content_length(usize::from(body.height));
        frame.render_stateful_widget(
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .symbols(theme.symbols.scrollbar())
                .style(theme.dim),
            body,
            &mut state,
        );
    }
}

/// One line of the view before wrapping: a lead (a label, an indent, a
/// symbol) and text that wraps under itself, keeping its line breaks.
struct Row {
    lead: Vec<Span<'static>>,
    text: String,
    style: Style,
}

impl Row {
    fn new(
        lead: impl Into<String>,
        lead_style: Style,
        text: impl Into<String>,
        style: Style,
    ) -> Row {
        // Whatever a case file holds reaches the screen escaped; a note
        // keeps its line breaks.
        let lead: String = lead.into();
        let text: String = text.into();
        Row {
            lead: vec![Span::styled(
                crate::sanitize::line(&lead).into_owned(),
                lead_style,
            )],
            text: crate::sanitize::lines(&text).into_owned(),
            style,
        }
    }

    fn plain(lead: &str, text: impl Into<String>, style: Style) -> Row {
        Row::new(lead, style, text, style)
    }
}

/// The rows wrapped to `width`: each row's text in the columns right of
/// its lead, every line after its first indented to the same column.
fn layout(rows: &[Row], width: u16) -> Vec<Line<'static>> {
    let mut lines = Vec::with_capacity(rows.len());
    for row in rows {
        let lead_width: usize = row.lead.iter().map(|s| s.content.width()).sum();
        // A lead wider than half the line would leave the text no room:
        // the text then starts on the next row, a little right of the
        // lead's own indent.
        let too_wide = lead_width * 2 > usize::from(width);
        let hang = if too_wide {
            let indent: usize = row.lead.first().map_or(0, |s| {
                s.content.len() - s.content.trim_start_matches(' ').len()
            });
            indent + 2
        } else {
            lead_width
        };
        let room = usize::from(width).saturating_sub(hang).max(1);
        let (wrapped, _) = wrap(&row.text, room, row.style, &[]);
        let mut wrapped = wrapped.into_iter();
        let first = wrapped.next().unwrap_or_default();
        let indent = " ".repeat(hang);
        if too_wide {
            lines.push(Line::from(row.lead.clone()));
            let mut spans = vec![Span::raw(indent.clone())];
            spans.extend(first.spans);
            lines.push(Line::from(spans));
        } else {
            let mut spans = row.lead.clone();
            spans.extend(first.spans);
            lines.push(Line::from(spans));
        }
        for line in wrapped {
            let mut spans = vec![Span::raw(indent.clone())];
            spans.extend(line.spans);
            lines.push(Line::from(spans));
        }
    }
    lines
}

fn heading(text: impl Into<String>, theme: &Theme) -> Row {
    Row::plain("", text, theme.title)
}

fn rows(view: &CaseViewState, policy: &Policy, theme: &Theme) -> Vec<Row> {
    let case = &view.case;
    let mut rows = Vec::new();
    let (symbol, style, integrity) = match &view.integrity {
        Integrity::Intact => (theme.symbols.met, theme.met, "history intact".to_string()),
        Integrity::Tampered(what) => (
            theme.symbols.not_met,
            theme.error,
            format!("TAMPERED: {what}"),
        ),
    };
    let sealed = if case.seal.is_some() { "sealed, " } else { "" };
    rows.push(Row::plain(
        &format!("{symbol} "),
        format!("{sealed}{integrity}"),
        style,
    ));
    for draft in &view.orphaned_drafts {
        rows.push(Row::plain(
            &format!("{} ", theme.symbols.flag),
            format!(
                "Unsaved draft of {} from a lost session, saved {} (H hands it on)",
                draft.key.author,
                rfc3339(draft.saved_at)
            ),
            theme.warning,
        ));
    }
    for (label, value) in facts(case) {
        rows.push(Row::new(
            format!("{label:>11} "),
            theme.dim,
            value,
            theme.text,
        ));
    }
    rows.push(heading("Criteria", theme));
    criteria(case, policy, theme, &mut rows);
    if let Some(determination) = &case.determination {
        rows.push(heading("Determination", theme));
        rows.push(Row::plain(
            " ",
            format!(
                "{} · {} by {} ({}) at {}",
                determination.outcome.label(),
                determination.decision.label(),
                determination.decided_by.name,
                determination.decided_by.role.label(),
                rfc3339(determination.decided_at)
            ),
            theme.text,
        ));
        rows.push(Row::new(
            "   rationale: ",
            theme.dim,
            &determination.rationale,
            theme.text,
        ));
        for item in &determination.missing_information {
            rows.push(Row::new("   missing: ", theme.dim, item, theme.text));
        }
        for flag in &determination.coding_flags {
            rows.push(Row::plain(
                &format!("   {} ", theme.symbols.flag),
                flag,
                theme.warning,
            ));
        }
        if let Some(ack) = &determination.coding_acknowledgement {
            rows.push(Row::new("   acknowledged: ", theme.dim, ack, theme.text));
        }
        rows.push(Row::plain(
            "   ",
            &determination.benefit_statement,
            theme.dim,
        ));
    }
    others(case, theme, &mut rows);
    history(view, policy, theme, &mut rows);
    rows
}

fn criteria(case: &Case, policy: &Policy, theme: &Theme, rows: &mut Vec<Row>) {
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
        let mut text = format!("{name}: {verdict} ({origin})");
        if let Some(input) = &answer.input {
            let label =
                crate::rules::option_label(policy, &answer.criterion, input).unwrap_or(input);
            text.push_str(&format!(", documented: {label}"));
        }
        if let Some(author) = &answer.author {
            text.push_str(&format!(", by {author}"));
        }
        rows.push(Row::plain(
            &format!(" {symbol} "),
            text,
            theme.answer_style(answer.answer),
        ));
        if let Some(reason) = &answer.override_reason {
            rows.push(Row::new(
                "     override reason: ",
                theme.dim,
                reason,
                theme.text,
            ));
        }
        if !answer.evidence.is_empty() {
            rows.push(Row::new(
                "     evidence: ",
                theme.dim,
                &answer.evidence,
                theme.text,
            ));
        }
        if !answer.source_document.is_empty() {
            rows.push(Row::new(
                "     source: ",
                theme.dim,
                &answer.source_document,
                theme.text,
            ));
        }
    }
}

/// Peer-to-peer discussions, QA reviews and amendments.
fn others(case: &Case, theme: &Theme, rows: &mut Vec<Row>) {
    for p2p in &case.peer_to_peer {
        rows.push(Row::plain(
            " ",
            format!(
                "Peer-to-peer {} with {} by {}",
                rfc3339(p2p.at),
                p2p.provider_contact,
                p2p.physician.name,
            ),
            theme.text,
        ));
        rows.push(Row::new("   note: ", theme.dim, &p2p.note, theme.text));
    }
    for qa in &case.qa_reviews {
        let disagreements: Vec<&str> = qa
            .criteria
            .iter()
            .filter(|c| !c.agrees)
            .map(|c| c.criterion.as_str())
            .collect();
        rows.push(Row::plain(
            " ",
            format!(
                "QA {} by {}: outcome {}; disagrees on [{}]",
                rfc3339(qa.at),
                qa.by.name,
                if qa.outcome_agrees {
                    "agreed"
                } else {
                    "disagreed"
                },
                disagreements.join(", "),
            ),
            theme.text,
        ));
        rows.push(Row::new("   note: ", theme.dim, &qa.note, theme.text));
    }
    for amendment in &case.amendments {
        rows.push(Row::plain(
            " ",
            format!(
                "Amendment {} by {} (original: {} by {})",
                rfc3339(amendment.at),
                amendment.by.name,
                amendment.original.decision.label(),
                amendment.original.decided_by.name
            ),
            theme.text,
        ));
        rows.push(Row::new(
            "   reason: ",
            theme.dim,
            &amendment.reason,
            theme.text,
        ));
    }
}

fn history(view: &CaseViewState, policy: &Policy, theme: &Theme, rows: &mut Vec<Row>) {
    let case = &view.case;
    let how = if view.raw_changes {
        "raw field changes; r shows them in words"
    } else {
        "r shows the raw field changes"
    };
    rows.push(heading(
        format!("History ({} entries; {how})", case.history.len()),
        theme,
    ));
    for entry in &case.history {
        rows.push(Row::new(
            format!(" {} ", rfc3339(entry.at)),
            theme.dim,
            format!(
                "{} ({}) {}: {}",
                entry.by.name,
                entry.by.role.label(),
                entry.event,
                entry.summary
            ),
            theme.text,
        ));
        if view.raw_changes {
            raw_changes(entry, theme, rows);
        } else {
            for line in history_text::describe(entry, case, policy) {
                rows.push(Row::plain("   - ", line, theme.text));
            }
        }
    }
}

fn raw_changes(entry: &HistoryEntry, theme: &Theme, rows: &mut Vec<Row>) {
    let shown = |value: &str| {
        if value.is_empty() {
            "(empty)".to_string()
        } else {
            value.to_string()
        }
    };
    for change in entry.changes.iter().flat_map(|c| c.shown()) {
        rows.push(Row::new(
            format!("     {}: ", safe(&change.field)),
            theme.dim,
            format!(
                "{} -> {}",
                safe(&shown(&change.from)),
                safe(&shown(&change.to))
            ),
            theme.dim,
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn long_values_wrap_under_their_column_and_keep_line_breaks() {
        let style = Style::default();
        let rows = [Row::new(
            "   evidence: ",
            style,
            "CT 2026-11-20 shows two lesions\nsegment VI 3.2 cm",
            style,
        )];
        assert_eq!(
            text(&layout(&rows, 30)),
            [
                "   evidence: CT 2026-11-20 ",
                "             shows two lesions",
                "             segment VI 3.2 cm",
            ]
        );
    }

    #[test]
    fn a_lead_wider_than_half_the_line_puts_the_text_under_it() {
        let style = Style::default();
        let rows = [Row::new(
            "     amendments[0].original_seal.sealed_at: ",
            style,
            "(empty) -> 2026-02-27T14:00:00-05:00",
            style,
        )];
        assert_eq!(
            text(&layout(&rows, 60)),
            [
                "     amendments[0].original_seal.sealed_at: ",
                "       (empty) -> 2026-02-27T14:00:00-05:00",
            ]
        );
    }
}
