//! Dashboard for supervisors: the queue in figures and charts, from the
//! same computation as `umdesk stats`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Row, Table};
use time::OffsetDateTime;

use crate::case::stats::{Stats, compute};
use crate::case::summary::CaseSummary;
use crate::tui::theme::Theme;

#[derive(Debug)]
pub struct DashboardState {
    pub stats: Stats,
}

impl DashboardState {
    /// The figures of the queue, from its summaries alone.
    pub fn new(cases: &[CaseSummary], now: OffsetDateTime) -> DashboardState {
        DashboardState {
            stats: compute(cases, now),
        }
    }
}

pub fn render(dashboard: &DashboardState, theme: &Theme, frame: &mut Frame, area: Rect) {
    let stats = &dashboard.stats;
    let [summary, charts, reviewers] = area.layout(&Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(9),
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
    let by_status_counts = stats.by_status.iter().map(|(s, n)| (short(s), *n));
    let buckets = stats
        .turnaround_buckets
        .iter()
        .map(|b| (short(b.label), b.count));
    frame.render_widget(
        bar_chart(" By status ", by_status_counts, theme.selected, theme),
        by_status,
    );
    frame.render_widget(
        bar_chart(" Turnaround ", buckets, theme.met, theme),
        turnaround,
    );
    render_reviewers(stats, theme, frame, reviewers);
}

/// Counts as bars five cells wide, each labelled.
fn bar_chart<'a>(
    title: &'a str,
    counts: impl Iterator<Item = (String, usize)>,
    style: ratatui::style::Style,
    theme: &Theme,
) -> BarChart<'a> {
    let bars: Vec<Bar> = counts
        .map(|(label, count)| Bar::default().label(Line::from(label)).value(count as u64))
        .collect();
    BarChart::default()
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(title),
        )
        .data(BarGroup::default().bars(&bars))
        .bar_width(5)
        .bar_gap(1)
        .bar_style(style)
        .value_style(theme.banner)
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
        Block::default()
            .borders(Borders::TOP)
            .border_style(theme.border)
            .title(" Throughput and QA agreement "),
    );
    frame.render_widget(table, area);
}

/// Bar labels are five cells wide.
fn short(label: &str) -> String {
    let words: Vec<&str> = label.split(['_', ' ']).collect();
    match words.as_slice() {
        ["in", "review"] => "revw".to_string(),
        ["not", "applicable"] => "n/a".to_string(),
        ["under", n, unit] => format!("<{n}{}", &unit[..1]),
        [first, ..] => first.chars().take(5).collect(),
        [] => String::new(),
    }
}
