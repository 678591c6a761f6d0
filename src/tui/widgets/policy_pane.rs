//! The policy pane: one section of the policy, the focused criterion's
//! words barred in the margin, defined terms marked, search hits shown.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::wrap::{Mark, draw_lines, wrap};
use crate::policy::Policy;
use crate::tui::theme::Theme;
use crate::tui::workspace::Workspace;

pub fn render(ws: &Workspace, policy: &Policy, theme: &Theme, frame: &mut Frame, area: Rect) {
    let Some(section) = policy.sections.get(ws.section) else {
        return;
    };
    // The search's hit count and the section number come first, so a
    // narrow pane cuts the section's title, never the count.
    let mut spans = Vec::new();
    if let Some(search) = &ws.search {
        spans.push(Span::styled(
            format!(
                " '{}' {}/{} ",
                search.query,
                search.current + 1,
                search.hits.len()
            ),
            theme.search_hit,
        ));
    }
    spans.push(Span::styled(
        format!("[{}/{}] ", ws.section + 1, policy.sections.len()),
        theme.dim,
    ));
    let used: usize = spans.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(used + 2);
    let full = format!(" {} · {}. {} ", policy.number, section.id, section.title);
    let heading = if full.chars().count() <= room {
        full
    } else {
        let kept: String = full.chars().take(room.saturating_sub(2)).collect();
        format!("{kept}… ")
    };
    spans.insert(
        usize::from(ws.search.is_some()),
        Span::styled(heading, theme.title),
    );
    let title = Line::from(spans);
    let block = Block::default()
        .borders(Borders::LEFT | Borders::TOP)
        .border_style(theme.border)
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.width == 0 || inner.height == 0 {
        return;
    }
    let marks = marks(ws, policy, theme);
    let (lines, starts) = wrap(&section.text, inner.width as usize, theme.text, &marks);
    let scroll = scroll_for(ws, policy, &starts, inner.height as usize);
    let last = lines.len().saturating_sub(1);
    let first = scroll.min(last);
    let visible: Vec<Line> = lines
        .into_iter()
        .skip(first)
        .take(inner.height as usize)
        .collect();
    let shown = visible.len();
    draw_lines(frame.buffer_mut(), inner, &visible);
    if let Some(range) = criterion_range(ws, policy) {
        bar_criterion_lines(
            frame,
            area,
            inner,
            &starts,
            first..first + shown,
            range,
            theme,
        );
    }
}

/// Marks the focused criterion's lines in the pane's left border rather
/// than restyling its words: moving the focus then changes one cell per
/// line, not every character of two criteria.
fn bar_criterion_lines(
    frame: &mut Frame,
    area: Rect,
    inner: Rect,
    starts: &[usize],
    visible: std::ops::Range<usize>,
    (start, end): (usize, usize),
    theme: &Theme,
) {
    for line in visible.clone() {
        let line_start = starts[line];
        let line_end = starts.get(line + 1).copied().unwrap_or(usize::MAX);
        if line_start >= end || line_end <= start {
            continue;
        }
        let y = inner.y + (line - visible.start) as u16;
        if let Some(cell) = frame.buffer_mut().cell_mut((area.x, y)) {
            cell.set_symbol(theme.symbols.criterion_bar);
            cell.set_style(theme.focus_border);
        }
    }
}

/// Where the pane starts: the reviewer's own scroll, else the current
/// search hit, else the focused criterion's wording, two lines down.
fn scroll_for(ws: &Workspace, policy: &Policy, starts: &[usize], height: usize) -> usize {
    if let Some(scroll) = ws.policy_scroll {
        return scroll as usize;
    }
    let target = current_hit(ws)
        .map(|(start, _)| start)
        .or_else(|| criterion_range(ws, policy).map(|(start, _)| start));
    let Some(target) = target else {
        return 0;
    };
    let line = starts.iter().rposition(|&s| s <= target).unwrap_or(0);
    if line < height.saturating_sub(2) {
        return 0;
    }
    line.saturating_sub(2)
}

fn current_hit(ws: &Workspace) -> Option<(usize, usize)> {
    let search = ws.search.as_ref()?;
    let hit = search.hits.get(search.current)?;
    (hit.section == ws.section).then_some((hit.start, hit.end))
}

fn criterion_range(ws: &Workspace, policy: &Policy) -> Option<(usize, usize)> {
    let criterion = ws.focused_criterion(policy)?;
    let section = policy.sections.get(ws.section)?;
    if section.id != criterion.section {
        return None;
    }
    let start = section.text.find(&criterion.text)?;
    Some((start, start + criterion.text.len()))
}

fn marks(ws: &Workspace, policy: &Policy, theme: &Theme) -> Vec<Mark> {
    let Some(section) = policy.sections.get(ws.section) else {
        return Vec::new();
    };
    let mut marks = term_marks(&section.text, policy, theme);
    if let Some(search) = &ws.search {
        for hit in search.hits.iter().filter(|h| h.section == ws.section) {
            marks.push(Mark {
                start: hit.start,
                end: hit.end,
                style: theme.search_hit,
            });
        }
    }
    marks
}

/// Every whole-word occurrence of a defined term.
fn term_marks(text: &str, policy: &Policy, theme: &Theme) -> Vec<Mark> {
    let lower = text.to_ascii_lowercase();
    let mut marks = Vec::new();
    for definition in &policy.definitions {
        let term = definition.term.to_ascii_lowercase();
        let mut from = 0;
        while let Some(found) = lower[from..].find(&term) {
            let start = from + found;
            let end = start + term.len();
            let before_ok = start == 0 || !lower.as_bytes()[start - 1].is_ascii_alphanumeric();
            let after_ok = end >= lower.len() || !lower.as_bytes()[end].is_ascii_alphanumeric();
            if before_ok && after_ok {
                marks.push(Mark {
                    start,
                    end,
                    style: theme.defined_term,
                });
            }
            from = end;
        }
    }
    marks
}
