//! The queue: every case with its status, due time and reviewer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use time::OffsetDateTime;

use crate::case::Status;
use crate::case::due::time_left;
use crate::sanitize::line as safe;
use crate::store::{CachedListing, CaseSummary, Listing};
use crate::tui::theme::Theme;
use crate::tui::widgets::text_field::TextField;
use unicode_width::UnicodeWidthStr;

pub struct QueueState {
    pub listing: Listing,
    /// Cases counted but not in `listing` yet: the first frame over a large
    /// store shows the head of the store's cached listing, and the full
    /// listing follows it.
    pub not_listed: usize,
    haystacks: Haystacks,
    pub filter: TextField,
    pub filtering: bool,
    pub status_filter: Option<Status>,
    /// Indices into `listing.cases` that pass the filters, in queue order.
    pub visible: Vec<usize>,
    pub selected: usize,
    pub now: OffsetDateTime,
    /// The widest member name and reviewer text of the listing, for the
    /// columns: a name is cut only where the terminal has no room for it.
    widest: Widest,
}

/// Display widths of the widest texts of the flexible columns.
#[derive(Debug, Clone, Copy, Default)]
struct Widest {
    member: u16,
    reviewer: u16,
}

impl Widest {
    fn of(cases: &[CaseSummary]) -> Widest {
        let width = |text: &str| u16::try_from(text.width()).unwrap_or(u16::MAX);
        cases.iter().fold(Widest::default(), |widest, case| Widest {
            member: widest.member.max(width(case.member())),
            reviewer: widest.reviewer.max(width(reviewer_text(case))),
        })
    }
}

/// The Reviewer column: who is assigned, or "unassigned".
fn reviewer_text(case: &CaseSummary) -> &str {
    case.reviewer().unwrap_or(UNASSIGNED)
}

const UNASSIGNED: &str = "unassigned";

impl QueueState {
    pub fn new(listing: Listing, now: OffsetDateTime) -> QueueState {
        let mut queue = QueueState {
            listing: Listing::default(),
            not_listed: 0,
            haystacks: Haystacks::default(),
            filter: TextField::default(),
            filtering: false,
            status_filter: None,
            visible: Vec::new(),
            selected: 0,
            now,
            widest: Widest::default(),
        };
        queue.replace_listing(listing, now);
        queue
    }

    /// The queue from the head of the store's cached listing, for a first
    /// frame; [`QueueState::replace_listing`] brings the rest.
    pub fn from_cache(cached: CachedListing, now: OffsetDateTime) -> QueueState {
        let mut queue = QueueState::new(cached.listing, now);
        queue.not_listed = cached.more;
        queue
    }

    pub fn replace_listing(&mut self, listing: Listing, now: OffsetDateTime) {
        let selected_id = self.selected_id();
        self.show_listing(listing, now, selected_id);
    }

    /// Forgets the listing (a reload is about to bring a new one) and
    /// returns the id of the selected case, to select it again.
    pub fn clear_listing(&mut self) -> Option<String> {
        let selected_id = self.selected_id();
        self.listing = Listing::default();
        self.haystacks = Haystacks::default();
        self.widest = Widest::default();
        self.visible = Vec::new();
        selected_id
    }

    /// Shows `listing`, keeping `selected_id` selected if it is still there.
    pub fn show_listing(
        &mut self,
        mut listing: Listing,
        now: OffsetDateTime,
        selected_id: Option<String>,
    ) {
        // Stores list in queue order already; checking is one cheap pass.
        if !listing.cases.is_sorted_by(|a, b| a.queue_order(b).is_le()) {
            listing.cases.sort_by(CaseSummary::queue_order);
        }
        self.haystacks = Haystacks::of(&listing.cases);
        self.widest = Widest::of(&listing.cases);
        self.listing = listing;
        self.not_listed = 0;
        self.now = now;
        self.refilter();
        if let Some(id) = selected_id
            && let Some(at) = self
                .visible
                .iter()
                .position(|&i| *self.listing.cases[i].id == *id)
        {
            self.selected = at;
        }
    }

    pub fn refilter(&mut self) {
        let needle = self.filter.text.trim().to_lowercase();
        let status = self.status_filter;
        let cases = &self.listing.cases;
        let passes = |i: &usize| status.is_none_or(|s| cases[*i].status == s);
        self.visible = if needle.is_empty() {
            (0..cases.len()).filter(passes).collect()
        } else {
            self.haystacks.matching(&needle, passes)
        };
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
        self.selected_summary().map(|s| s.id.to_string())
    }
}

/// Lower-cased "id member member-id reviewer" of every case, one after
/// the other, each ended by a NUL: built once, so filtering 100,000 cases
/// per keystroke is a pass of substring tests over one string (one
/// allocation, not 100,000).
#[derive(Default)]
struct Haystacks {
    text: String,
    /// Where each case's NUL is.
    ends: Vec<usize>,
}

impl Haystacks {
    fn of(cases: &[CaseSummary]) -> Haystacks {
        let len: usize = cases
            .iter()
            .map(|c| {
                c.id.len()
                    + c.member().len()
                    + c.member_id().len()
                    + c.reviewer().map_or(0, str::len)
                    + 4
            })
            .sum();
        let mut text = String::with_capacity(len);
        let mut ends = Vec::with_capacity(cases.len());
        for case in cases {
            push_lowercase(&mut text, &case.id);
            text.push(' ');
            push_lowercase(&mut text, case.member());
            text.push(' ');
            push_lowercase(&mut text, case.member_id());
            text.push(' ');
            push_lowercase(&mut text, case.reviewer().unwrap_or(""));
            ends.push(text.len());
            text.push('\0');
        }
        Haystacks { text, ends }
    }

    /// The cases, in order, whose haystack holds `needle` (lower-cased,
    /// not empty) and that `keep` keeps. One `contains` per case: std's
    /// substring test is vectorised there, a `find` over the whole text is
    /// not, and is several times slower for a one-letter filter.
    fn matching(&self, needle: &str, keep: impl Fn(&usize) -> bool) -> Vec<usize> {
        let mut found = Vec::new();
        let mut start = 0;
        for (case, &end) in self.ends.iter().enumerate() {
            let hay = self.text.get(start..end).unwrap_or("");
            if hay.contains(needle) && keep(&case) {
                found.push(case);
            }
            start = end + 1;
        }
        found
    }
}

fn push_lowercase(text: &mut String, part: &str) {
    if part.is_ascii() {
        let start = text.len();
        text.push_str(part);
        text[start..].make_ascii_lowercase();
    } else {
        text.push_str(&part.to_lowercase());
    }
}

pub fn render(queue: &QueueState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let filter_line = filter_line(queue, theme);
    let unreadable = queue.listing.unreadable.len() as u16;
    let unreadable_height = unreadable.min(4).min(area.height.saturating_sub(4) / 2);
    // The filter row on top, the unreadable files (if any) at the bottom.
    let bottom_height = if unreadable_height > 0 {
        (unreadable_height + 1).min(area.height.saturating_sub(1))
    } else {
        0
    };
    let filter_area = Rect {
        height: area.height.min(1),
        ..area
    };
    let table_area = Rect {
        y: area.y + filter_area.height,
        height: area.height - filter_area.height - bottom_height,
        ..area
    };
    let unreadable_area = Rect {
        y: table_area.y + table_area.height,
        height: bottom_height,
        ..area
    };
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
                format!("  {}: {}", safe(&item.location), safe(&item.reason)),
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
                queue.visible.len() + queue.not_listed,
                queue.listing.cases.len() + queue.not_listed
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
    let columns = columns(area, queue.widest);
    let header = ["", "Case", "Status", "Outcome", "Member", "Due", "Reviewer"];
    let header_cells = header.map(|title| Span::styled(title, theme.title));
    draw_row(frame, &columns, area.y, &header_cells);
    // Only the rows on screen are built, however long the queue.
    let first = queue.selected.saturating_sub(height.saturating_sub(1));
    for (offset, &index) in queue.visible[first..].iter().take(height).enumerate() {
        let summary = &queue.listing.cases[index];
        let selected = first + offset == queue.selected;
        let cells = row(summary, selected, queue.now, theme);
        draw_row(frame, &columns, area.y + 1 + offset as u16, &cells);
    }
}

/// Where each column starts and how wide it is (0: not shown), one blank
/// cell between shown columns. The case, status, outcome and due columns
/// are fixed; the member's name comes first of the rest, as wide as the
/// widest name when there is room, and the reviewer takes what is left
/// (at least enough for "unassigned"). Where that leaves a name cut, the
/// outcome column gives way: the status says most of it. By arithmetic
/// rather than a `Table`: its constraint solver was most of the work of
/// the first frame.
fn columns(area: Rect, widest: Widest) -> [(u16, u16); 7] {
    const CASE: u16 = 16;
    const STATUS: u16 = 10;
    const OUTCOME: u16 = 7;
    const DUE: u16 = 18;
    let member_wants = widest.member.max(6);
    let reviewer_least = widest.reviewer.clamp(8, UNASSIGNED.len() as u16);
    let fixed = |outcome: u16| 1 + CASE + STATUS + outcome + DUE + if outcome > 0 { 6 } else { 5 };
    let rest_with_outcome = area.width.saturating_sub(fixed(OUTCOME));
    let outcome = if rest_with_outcome >= member_wants + reviewer_least {
        OUTCOME
    } else {
        0
    };
    let rest = area.width.saturating_sub(fixed(outcome));
    let member = member_wants.min(rest.saturating_sub(reviewer_least));
    let reviewer = rest - member;
    let widths = [1, CASE, STATUS, outcome, member, DUE, reviewer];
    let mut x = area.x;
    widths.map(|width| {
        let column = (x, width);
        if width > 0 {
            x = x.saturating_add(width + 1);
        }
        column
    })
}

fn draw_row(frame: &mut Frame, columns: &[(u16, u16); 7], y: u16, cells: &[Span<'_>; 7]) {
    let buffer = frame.buffer_mut();
    for (&(x, width), cell) in columns.iter().zip(cells) {
        if width > 0 {
            buffer.set_stringn(x, y, &cell.content, usize::from(width), cell.style);
        }
    }
}

fn row<'a>(
    summary: &'a CaseSummary,
    selected: bool,
    now: OffsetDateTime,
    theme: &Theme,
) -> [Span<'a>; 7] {
    let marker = if selected { theme.symbols.focus } else { " " };
    let overdue = summary.is_overdue(now);
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
    [
        Span::styled(marker, theme.selected),
        Span::styled(&*summary.id, style),
        Span::styled(short_status(summary.status), style),
        Span::styled(outcome, style),
        Span::styled(safe(summary.member()), style),
        Span::styled(due, if overdue { theme.error } else { style }),
        match summary.reviewer() {
            Some(reviewer) => Span::styled(safe(reviewer), style),
            None => Span::styled(UNASSIGNED, theme.dim),
        },
    ]
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
