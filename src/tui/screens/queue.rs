//! The queue: every case with its status, due time and reviewer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use time::OffsetDateTime;

use crate::case::Status;
use crate::case::due::time_left;
use crate::sanitize::line as safe;
use crate::store::{
    CachedListing, CaseSummary, Listing, PageFrom, QueueKey, QueuePage, QueueQuery,
};
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
    /// Set when the store reads its queue a page at a time: `listing` is
    /// then a window of the filtered queue, and the store filters.
    pub paging: Option<Paging>,
    /// Pages the window needs, for the app to ask the store for.
    wanted: Vec<Wanted>,
    /// Who is in which case now (case id to the lock holder's name): the
    /// Reviewer column shows them.
    pub locks: std::collections::HashMap<String, String>,
}

/// Cases read from the store per page.
pub const PAGE: usize = 100;
/// The most cases a paged queue keeps: three pages around the selection.
const WINDOW: usize = 3 * PAGE;
/// How close to the window's edge the selection comes before the next
/// page is read, so that moving on rarely waits for one.
const NEAR_EDGE: usize = 30;

/// Where a paged queue's window stands in the filtered queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paging {
    /// The position of the window's first case in the filtered queue.
    pub first: usize,
    pub more_before: bool,
    pub more_after: bool,
    /// How many cases pass the filter; None until the store has counted.
    pub count: Option<usize>,
    /// The store stopped counting at the bound: at least `count` pass.
    pub count_is_at_least: bool,
    /// A page has been asked for and is not back yet.
    pub waiting: bool,
    /// The store changed while a page was under way: read it again.
    pub stale: bool,
}

/// What a paged queue wants from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    Page(QueueQuery),
    Count(QueueQuery),
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

/// Beyond this many, a filtered queue of a store that pages says "1,000+":
/// an exact count of a text in a million cases is a scan of them all, on
/// every key typed, for a figure nobody reads past its first digits.
pub const COUNTED_UP_TO: usize = 1_000;

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
            paging: None,
            wanted: Vec::new(),
            locks: std::collections::HashMap::new(),
        };
        queue.replace_listing(listing, now);
        queue
    }

    /// The queue from the head of the store's cached listing, for a first
    /// frame; [`QueueState::replace_listing`] brings the rest, or, from a
    /// store that pages, the window is that head.
    pub fn from_cache(cached: CachedListing, now: OffsetDateTime) -> QueueState {
        let paged = cached.paged;
        let mut queue = QueueState::new(cached.listing, now);
        queue.not_listed = cached.more;
        if paged {
            // Whether more follow is not known yet: the page read at
            // start says.
            queue.paging = Some(Paging {
                more_after: !queue.listing.cases.is_empty(),
                ..Paging::default()
            });
        }
        queue
    }

    /// From now on the store pages the queue: reads the head of the queue
    /// as filtered now, and counts it.
    pub fn page_from_store(&mut self) {
        if self.paging.is_none() {
            self.paging = Some(Paging::default());
        }
        self.ask_from_start();
    }

    /// The page `from`, of the queue as filtered now.
    fn query(&self, from: PageFrom, limit: usize) -> QueueQuery {
        QueueQuery {
            text: self.filter.text.clone(),
            status: self.status_filter,
            from,
            limit,
        }
    }

    /// The count of the queue as filtered now: a filtered queue only up to
    /// a bound past [`COUNTED_UP_TO`] (its `limit`), the whole queue exactly.
    fn count_query(&self) -> QueueQuery {
        let filtered = !self.filter.text.trim().is_empty() || self.status_filter.is_some();
        let up_to = if filtered {
            COUNTED_UP_TO + 1
        } else {
            usize::MAX
        };
        self.query(PageFrom::Start, up_to)
    }

    fn ask_from_start(&mut self) {
        let page = self.query(PageFrom::Start, PAGE);
        let count = self.count_query();
        self.wanted.push(Wanted::Page(page));
        self.wanted.push(Wanted::Count(count));
        if let Some(paging) = &mut self.paging {
            paging.waiting = true;
        }
    }

    /// The window read again where it stands, and counted again: the store
    /// changed.
    pub fn ask_again(&mut self) {
        let at_head = self.paging.as_ref().is_none_or(|p| p.first == 0);
        let first = self.listing.cases.first().map(QueueKey::of);
        // At the head, what was added before the first case belongs there.
        let Some(first) = first.filter(|_| !at_head) else {
            let limit = self.listing.cases.len().max(PAGE);
            let page = self.query(PageFrom::Start, limit);
            let count = self.count_query();
            self.wanted.push(Wanted::Page(page));
            self.wanted.push(Wanted::Count(count));
            if let Some(paging) = &mut self.paging {
                paging.waiting = true;
            }
            return;
        };
        let limit = self.listing.cases.len().max(PAGE);
        let page = self.query(PageFrom::At(first), limit);
        let count = self.count_query();
        self.wanted.push(Wanted::Page(page));
        self.wanted.push(Wanted::Count(count));
        if let Some(paging) = &mut self.paging {
            paging.waiting = true;
        }
    }

    /// The store changed: the window is read again where it stands, now or
    /// once the page under way is back.
    pub fn store_changed(&mut self) {
        let Some(paging) = &mut self.paging else {
            return;
        };
        if paging.waiting {
            paging.stale = true;
            return;
        }
        self.ask_again();
    }

    /// What the store should be asked for, once.
    pub fn take_wanted(&mut self) -> Vec<Wanted> {
        std::mem::take(&mut self.wanted)
    }

    /// Whether `query` still asks for the queue as filtered now (a page of
    /// an older filter is dropped: the reviewer typed on).
    fn is_current(&self, query: &QueueQuery) -> bool {
        query.text == self.filter.text && query.status == self.status_filter
    }

    /// A page the store sent back, put in the window.
    pub fn page_arrived(&mut self, query: &QueueQuery, page: QueuePage, now: OffsetDateTime) {
        if !self.is_current(query) {
            return;
        }
        let Some(mut paging) = self.paging.take() else {
            return;
        };
        paging.waiting = false;
        self.now = now;
        let selected_id = self.selected_id();
        let mut cases = std::mem::take(&mut self.listing.cases);
        match &query.from {
            PageFrom::Start | PageFrom::At(_) => {
                if query.from == PageFrom::Start {
                    paging.first = 0;
                }
                cases = page.cases;
                paging.more_before = page.more_before;
                paging.more_after = page.more_after;
            }
            PageFrom::After(_) => {
                cases.extend(page.cases);
                paging.more_after = page.more_after;
                let over = cases.len().saturating_sub(WINDOW);
                if over > 0 {
                    cases.drain(..over);
                    paging.first += over;
                    paging.more_before = true;
                }
            }
            PageFrom::Before(_) => {
                let added = page.cases.len();
                let mut before = page.cases;
                before.extend(cases);
                cases = before;
                paging.first = paging.first.saturating_sub(added);
                paging.more_before = page.more_before;
                if !page.more_before {
                    paging.first = 0;
                }
                if cases.len() > WINDOW {
                    cases.truncate(WINDOW);
                    paging.more_after = true;
                }
            }
        }
        self.haystacks = Haystacks::default();
        self.widest = Widest::of(&cases);
        self.visible = (0..cases.len()).collect();
        self.listing.cases = cases;
        self.paging = Some(paging);
        self.not_listed = 0;
        let keep =
            selected_id.and_then(|id| self.listing.cases.iter().position(|case| *case.id == *id));
        self.selected = match (keep, &query.from) {
            (Some(at), _) => at,
            (None, PageFrom::Start) => 0,
            (None, _) => self.selected.min(self.visible.len().saturating_sub(1)),
        };
        if self.paging.as_ref().is_some_and(|p| p.stale) {
            if let Some(paging) = &mut self.paging {
                paging.stale = false;
            }
            self.ask_again();
        }
    }

    /// The store's count of the queue as filtered now.
    pub fn count_arrived(&mut self, query: &QueueQuery, count: usize) {
        if !self.is_current(query) {
            return;
        }
        if let Some(paging) = &mut self.paging {
            paging.count = Some(count);
            paging.count_is_at_least = count >= query.limit;
        }
    }

    /// Near the window's edge, the next page is asked for.
    fn ask_near_edge(&mut self) {
        let Some(paging) = &self.paging else {
            return;
        };
        if paging.waiting {
            return;
        }
        let len = self.listing.cases.len();
        let wanted = if paging.more_after && self.selected + NEAR_EDGE >= len {
            self.listing
                .cases
                .last()
                .map(|c| PageFrom::After(QueueKey::of(c)))
        } else if paging.more_before && self.selected < NEAR_EDGE {
            self.listing
                .cases
                .first()
                .map(|c| PageFrom::Before(QueueKey::of(c)))
        } else {
            None
        };
        if let Some(from) = wanted {
            let page = self.query(from, PAGE);
            self.wanted.push(Wanted::Page(page));
            if let Some(paging) = &mut self.paging {
                paging.waiting = true;
            }
        }
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
        if self.paging.is_some() {
            // The store filters: the window is read again from the top.
            self.selected = 0;
            if let Some(paging) = &mut self.paging {
                paging.count = None;
            }
            self.ask_from_start();
            return;
        }
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
        self.ask_near_edge();
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
        Span::styled(count_text(queue), theme.dim),
    ])
}

/// "12 of 40 cases" (passing the filter, of all listed); for a paged
/// queue, where the selection stands: "case 7 of 1,000,000".
fn count_text(queue: &QueueState) -> String {
    let Some(paging) = &queue.paging else {
        return format!(
            "   {} of {} cases",
            queue.visible.len() + queue.not_listed,
            queue.listing.cases.len() + queue.not_listed
        );
    };
    let position = paging.first + queue.selected + 1;
    let count = match paging.count {
        None => "…".to_string(),
        // Paged past the bound, the reviewer knows at least this many.
        Some(_) if paging.count_is_at_least => {
            format!("{}+", thousands(COUNTED_UP_TO.max(position)))
        }
        Some(count) => thousands(count),
    };
    if queue.visible.is_empty() {
        return format!("   {count} cases");
    }
    format!("   case {} of {count}", thousands(position))
}

/// 1000000 as "1,000,000".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

fn render_table(queue: &QueueState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let height = area.height.saturating_sub(1) as usize;
    if queue.visible.is_empty() {
        let filtered = !queue.filter.text.is_empty() || queue.status_filter.is_some();
        let text = if queue.paging.as_ref().is_some_and(|p| p.waiting) {
            "Reading the queue…"
        } else if queue.listing.cases.is_empty() && !filtered {
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
        let holder = queue.locks.get(&*summary.id).map(String::as_str);
        let cells = row(summary, holder, selected, queue.now, theme);
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
    holder: Option<&str>,
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
        // Who is in the case now says more than who it is assigned to.
        match (holder, summary.reviewer()) {
            (Some(holder), _) => Span::styled(
                format!("{} {}", theme.symbols.locked, safe(holder)),
                theme.selected,
            ),
            (None, Some(reviewer)) => Span::styled(safe(reviewer), style),
            (None, None) => Span::styled(UNASSIGNED, theme.dim),
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
