//! Dashboard for supervisors: the queue in figures and charts, from the
//! same computation as `umdesk stats`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Paragraph, Row, Table};
use time::OffsetDateTime;
use unicode_width::UnicodeWidthStr;

use crate::case::Status;
use crate::case::stats::{Stats, compute};
use crate::case::summary::CaseSummary;
use crate::rules::cms::Figures;
use crate::tui::theme::Theme;

#[derive(Debug)]
pub struct DashboardState {
    pub stats: Stats,
    /// The CMS-0057-F figures of the year so far, when they were counted
    /// (they need whole cases, not summaries).
    pub cms: Option<CmsPanel>,
}

/// The public prior-authorization figures of one calendar year.
#[derive(Debug)]
pub struct CmsPanel {
    pub year: i32,
    pub standard: Figures,
    pub expedited: Figures,
}

impl DashboardState {
    /// The figures of the queue, from its summaries alone.
    pub fn new(cases: &[CaseSummary], now: OffsetDateTime) -> DashboardState {
        DashboardState {
            stats: compute(cases, now),
            cms: None,
        }
    }
}

pub fn render(dashboard: &DashboardState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let stats = &dashboard.stats;
    // The CMS panel (a title, a header and five rows) only where the
    // charts keep their height and three rows of reviewers still fit.
    let cms_height = match &dashboard.cms {
        Some(_) if area.height >= 1 + 9 + CMS_HEIGHT + 3 => CMS_HEIGHT,
        _ => 0,
    };
    let [summary, charts, cms, reviewers] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(9),
        Constraint::Length(cms_height),
        Constraint::Min(3),
    ]));
    let median = stats
        .turnaround
        .median_hours
        .map(|h| format!("{h:.1} h"))
        .unwrap_or_else(|| "-".to_string());
    frame.render_widget(
        Paragraph::new(Line::styled(
            format!(
                " {} cases · {} open · {} {} overdue · {} due today · turnaround median {median}",
                stats.total, stats.open, theme.symbols.overdue, stats.overdue, stats.due_today
            ),
            theme.title,
        )),
        summary,
    );
    let [by_status, turnaround] = charts.layout(&Layout::horizontal([
        Constraint::Percentage(55),
        Constraint::Percentage(45),
    ]));
    // Statuses in the order a case goes through them, each named in full.
    let by_status_counts: Vec<(&str, usize)> = Status::ALL
        .iter()
        .map(|s| {
            (
                s.label(),
                stats.by_status.get(s.key()).copied().unwrap_or(0),
            )
        })
        .collect();
    let buckets: Vec<(&str, usize)> = stats
        .turnaround_buckets
        .iter()
        .map(|b| (b.label, b.count))
        .collect();
    bar_chart(
        frame,
        by_status,
        " By status ",
        &by_status_counts,
        theme.selected,
        theme,
    );
    bar_chart(
        frame,
        turnaround,
        " Turnaround ",
        &buckets,
        theme.met,
        theme,
    );
    if let Some(panel) = dashboard.cms.as_ref().filter(|_| cms_height > 0) {
        render_cms(panel, theme, frame, cms);
    }
    render_reviewers(stats, theme, frame, reviewers);
}

const CMS_HEIGHT: u16 = 7;

/// The CMS-0057-F figures, each percentage with what it is of.
fn render_cms(panel: &CmsPanel, theme: &Theme, frame: &mut Frame, area: Rect) {
    let (s, e) = (&panel.standard, &panel.expedited);
    let hours = |h: Option<f64>| h.map_or("-".to_string(), |h| format!("{h:.1} h"));
    let rows = [
        ("Approved", s.approved.text(), e.approved.text()),
        ("Denied", s.denied.text(), e.denied.text()),
        (
            "Approved after appeal",
            s.approved_after_appeal.text(),
            e.approved_after_appeal.text(),
        ),
        (
            "Extended, then approved",
            s.approved_after_extension.text(),
            e.approved_after_extension.text(),
        ),
        (
            "Mean / median to decision",
            format!(
                "{} / {}",
                hours(s.time_to_decision.mean_hours),
                hours(s.time_to_decision.median_hours)
            ),
            format!(
                "{} / {}",
                hours(e.time_to_decision.mean_hours),
                hours(e.time_to_decision.median_hours)
            ),
        ),
    ];
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|(name, standard, expedited)| Row::new(vec![name.to_string(), standard, expedited]))
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Length(26),
            Constraint::Length(22),
            Constraint::Length(22),
        ],
    )
    .header(Row::new(["Figure", "Standard", "Expedited"]).style(theme.title))
    .block(theme.bordered(Borders::TOP).title(format!(
        " CMS-0057-F figures, decided in {} (umdesk stats --cms) ",
        panel.year
    )));
    frame.render_widget(table, area);
}

/// Counts as horizontal bars in a box, one row each: the label in full,
/// the count, then a bar as long as the count is large beside the
/// largest. Labels are words a person reads ("not applicable"), never cut
/// to fit a bar's width.
fn bar_chart(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    counts: &[(&str, usize)],
    style: ratatui::style::Style,
    theme: &Theme,
) {
    let block = theme.block().title(title.to_string());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let lines = bar_lines(counts, inner.width, style, theme);
    frame.render_widget(Paragraph::new(lines), inner);
}

fn bar_lines(
    counts: &[(&str, usize)],
    width: u16,
    style: ratatui::style::Style,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let label_width = counts.iter().map(|(l, _)| l.width()).max().unwrap_or(0);
    let largest = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let count_width = largest.to_string().len();
    let room = usize::from(width).saturating_sub(label_width + count_width + 4);
    counts
        .iter()
        .map(|(label, count)| {
            // A count above zero always shows at least one cell of bar.
            let cells = if largest == 0 {
                0
            } else {
                (count * room).div_ceil(largest)
            };
            Line::from(vec![
                Span::styled(format!(" {label:<label_width$} "), theme.text),
                Span::styled(format!("{count:>count_width$} "), theme.title),
                Span::styled(theme.symbols.bar.repeat(cells), style),
            ])
        })
        .collect()
}

fn render_reviewers(stats: &Stats, theme: &Theme, frame: &mut Frame, area: Rect) {
    let percent = |rate: Option<f64>| {
        rate.map(|r| format!("{:.0}%", r * 100.0))
            .unwrap_or_else(|| "-".to_string())
    };
    let rows: Vec<Row> = stats
        .reviewers
        .iter()
        .map(|r| {
            Row::new(vec![
                crate::sanitize::line(&r.reviewer).into_owned(),
                r.decided.to_string(),
                r.qa_reviewed.to_string(),
                percent(r.qa_agreement_rate),
                percent(r.qa_criteria_agreement_rate),
                r.turnaround
                    .median_hours
                    .map(|h| format!("{h:.1} h"))
                    .unwrap_or_else(|| "-".to_string()),
            ])
        })
        .collect();
    let table = Table::new(
        rows,
        [
            Constraint::Min(18),
            Constraint::Length(7),
            Constraint::Length(6),
            Constraint::Length(9),
            Constraint::Length(9),
            Constraint::Length(10),
        ],
    )
    .header(
        Row::new([
            "Reviewer", "Decided", "QA'd", "Outcome", "Criteria", "Median",
        ])
        .style(theme.title),
    )
    .block(
        theme
            .bordered(Borders::TOP)
            .title(" Throughput and QA agreement "),
    );
    frame.render_widget(table, area);
}
