//! The queue: every case with its status, due time and reviewer.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table};
use time::OffsetDateTime;

use crate::case::Status;
use crate::case::due::time_left;
use crate::store::{CaseSummary, Listing};
use crate::tui::theme::Theme;
use crate::tui::widgets::text_field::TextField;

pub struct QueueState {
    pub listing: Listing,
    /// Lower-cased "id member member-id reviewer" per case, built once so
    /// filtering 100,000 cases per keystroke is one pass of substring tests.
    haystacks: Vec<String>,
    pub filter: TextField,
    pub filtering: bool,
    pub status_filter: Option<Status>,
    /// Indices into `listing.cases` that pass the filters, by due time.
    pub visible: Vec<usize>,
    pub selected: usize,
    pub now: OffsetDateTime,
}

impl QueueState {
    pub fn new(listing: Listing, now: OffsetDateTime) -> QueueState {
        let mut queue = QueueState {
            listing: Listing::default(),
            haystacks: Vec::new(),
            filter: TextField::default(),
            filtering: false,
            status_filter: None,
            visible: Vec::new(),
            selected: 0,
            now,
        };
        queue.replace_listing(listing, now);
        queue
    }

    pub fn replace_listing(&mut self, mut listing: Listing, now: OffsetDateTime) {
        // Open work first, soonest due first; decided cases after it.
        listing.cases.sort_by(|a, b| {
            (a.status.is_final(), a.due_at, &a.id).cmp(&(b.status.is_final(), b.due_at, &b.id))
        });
        self.haystacks = listing.cases.iter().map(haystack).collect();
        let selected_id = self.selected_id();
        self.listing = listing;
        self.now = now;
        self.refilter();
        if let Some(id) = selected_id {
            if let Some(at) = self
                .visible
                .iter()
                .position(|&i| self.listing.cases[i].id == id)
            {
                self.selected = at;
            }
        }
    }

    pub fn refilter(&mut self) {
        let needle = self.filter.text.trim().to_lowercase();
        let status = self.status_filter;
        self.visible = self
            .haystacks
            .iter()
            .enumerate()
            .filter(|(i, hay)| {
                status.is_none_or(|s| self.listing.cases[*i].status == s)
                    && (needle.is_empty() || hay.contains(&needle))
            })
            .map(|(i, _)| i)
            .collect();
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    pub fn clear_filters(&mut self) {
        self.filter = TextField::default();
        self.status_filter = None;
        self.refilter();
    }

    pub fn cycle_status(&mut self) {
        self.status_filter = match self.status_filter {
            None => Some(Status::ALL[0]),
            Some(current) => Status::ALL
                .iter()
                .position(|s| *s == current)
                .and_then(|i| Status::ALL.get(i + 1).copied()),
        };
        self.refilter();
    }

    pub fn move_selection(&mut self, by: isize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() as isize - 1;
        self.selected = (self.selected as isize + by).clamp(0, last) as usize;
    }

    pub fn selected_summary(&self) -> Option<&CaseSummary> {
        self.visible
            .get(self.selected)
            .map(|&i| &self.listing.cases[i])
    }

    pub fn selected_id(&self) -> Option<String> {
        self.selected_summary().map(|s| s.id.clone())
    }
}

fn haystack(summary: &CaseSummary) -> String {
    format!(
        "{} {} {} {}",
        summary.id,
        summary.member,
        summary.member_id,
        summary.reviewer.as_deref().unwrap_or("")
    )
    .to_lowercase()
}

pub fn render(queue: &QueueState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let filter_line = filter_line(queue, theme);
    let unreadable = queue.listing.unreadable.len() as u16;
    let unreadable_height = unreadable.min(4).min(area.height.saturating_sub(4) / 2);
    let [filter_area, table_area, unreadable_area] =
        area.layout(&ratatui::layout::Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(if unreadable_height > 0 {
                unreadable_height + 1
            } else {
                0
            }),
        ]));
    frame.render_widget(Paragraph::new(filter_line), filter_area);
    render_table(queue, theme, frame, table_area);
    if unreadable_height > 0 {
        let mut lines = vec![Line::styled(
            format!(
                "{} {} file(s) are not readable cases (left untouched):",
                theme.symbols.overdue, unreadable
            ),
            theme.error,
        )];
        for item in queue
            .listing
            .unreadable
            .iter()
            .take(unreadable_height as usize)
        {
            lines.push(Line::styled(
                format!("  {}: {}", item.path.display(), item.reason),
                theme.error,
            ));
        }
        frame.render_widget(Paragraph::new(lines), unreadable_area);
    }
}

fn filter_line<'a>(queue: &'a QueueState, theme: &Theme) -> Line<'a> {
    let status = queue
        .status_filter
        .map(|s| s.label())
        .unwrap_or("all statuses");
    let cursor = if queue.filtering { "_" } else { "" };
    let filter = if queue.filter.text.is_empty() && !queue.filtering {
        Span::styled("/ to filter", theme.dim)
    } else {
        Span::styled(
            format!("filter: {}{cursor}", queue.filter.text),
            theme.selected,
        )
    };
    Line::from(vec![
        filter,
        Span::styled(format!("   status: {status}"), theme.dim),
        Span::styled(
            format!(
                "   {} of {} cases",
                queue.visible.len(),
                queue.listing.cases.len()
            ),
            theme.dim,
        ),
    ])
}

fn render_table(queue: &QueueState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let height = area.height.saturating_sub(1) as usize;
    if queue.visible.is_empty() {
        let text = if queue.listing.cases.is_empty() {
            "No cases in the store yet: n starts a new case."
        } else {
            "No case matches the filter: Esc clears it."
        };
        frame.render_widget(Paragraph::new(Line::styled(text, theme.dim)), area);
        return;
    }
    // Only the rows on screen are built, however long the queue.
    let first = queue.selected.saturating_sub(height.saturating_sub(1));
    let rows: Vec<Row> = queue.visible[first..]
        .iter()
        .take(height)
        .enumerate()
        .map(|(offset, &index)| {
            let summary = &queue.listing.cases[index];
            let selected = first + offset == queue.selected;
            row(summary, selected, queue.now, theme)
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Length(16),
        Constraint::Length(10),
        Constraint::Length(7),
        Constraint::Fill(3),
        Constraint::Length(18),
        Constraint::Fill(2),
    ];
    let header =
        Row::new(["", "Case", "Status", "Outcome", "Member", "Due", "Reviewer"]).style(theme.title);
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, area);
}

fn row<'a>(
    summary: &'a CaseSummary,
    selected: bool,
    now: OffsetDateTime,
    theme: &Theme,
) -> Row<'a> {
    let marker = if selected { theme.symbols.focus } else { " " };
    let overdue = !summary.status.is_final() && summary.due_at < now;
    let due = if summary.status.is_final() {
        "done".to_string()
    } else if overdue {
        format!(
            "{} {}",
            theme.symbols.overdue,
            time_left(summary.due_at, now)
        )
    } else {
        time_left(summary.due_at, now)
    };
    let outcome = summary.outcome.map(short_outcome).unwrap_or("");
    let style = if selected { theme.selected } else { theme.text };
    Row::new(vec![
        Span::styled(marker, theme.selected),
        Span::styled(summary.id.as_str(), style),
        Span::styled(short_status(summary.status), style),
        Span::styled(outcome, style),
        Span::styled(summary.member.as_str(), style),
        Span::styled(due, if overdue { theme.error } else { style }),
        Span::styled(summary.reviewer.as_deref().unwrap_or("-"), theme.dim),
    ])
}

/// Statuses in ten cells; the case view spells them out.
fn short_status(status: Status) -> &'static str {
    match status {
        Status::NotApplicable => "closed n/a",
        other => other.label(),
    }
}

fn short_outcome(outcome: crate::case::Outcome) -> &'static str {
    match outcome {
        crate::case::Outcome::MeetsCriteria => "meets",
        crate::case::Outcome::DoesNotMeet => "not met",
        crate::case::Outcome::InformationNeeded => "info",
        crate::case::Outcome::NotApplicable => "n/a",
    }
}
