//! The frame around every screen: title bar, message line, key hints,
//! and the popup area for overlays.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use crate::tui::app::{Message, MessageKind};
use crate::tui::keymap::{self, Context};
use crate::tui::theme::Theme;

pub const MIN_WIDTH: u16 = 80;
/// 22 rows: tmux's or screen's status line inside an 80x24 terminal
/// leaves 23, and a nurse must be able to work there.
pub const MIN_HEIGHT: u16 = 22;

/// The most rows a message takes; a longer one ends with "…".
const MAX_MESSAGE_ROWS: u16 = 3;

/// The screen's name on the left, who is signed in on the right. Where
/// both do not fit, the screen's name gives way (it is on screen anyway),
/// never who is signing.
pub fn title_bar(frame: &mut Frame, area: Rect, screen: &str, who: &str, theme: &Theme) {
    let width = area.width as usize;
    let who_width = who.chars().count() + 1;
    let room = width.saturating_sub(who_width + 2);
    let mut left: String = format!(" umdesk · {screen}");
    if left.chars().count() > room {
        left = left.chars().take(room.saturating_sub(1)).collect();
        left.push_str(theme.symbols.ellipsis);
    }
    let pad = " ".repeat(width.saturating_sub(left.chars().count() + who_width));
    let line = Line::from(vec![
        Span::styled(left, theme.title),
        Span::raw(pad),
        Span::styled(format!("{who} "), theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
}

/// The rows the message needs at `width`: one, or more for a long one, so
/// that nothing is cut at the terminal's edge.
pub fn message_rows(message: Option<&Message>, width: u16) -> u16 {
    let Some(message) = message else {
        return 1;
    };
    let lines = super::wrap::wrap_lines(vec![Line::raw(format!(" ! {}", message.text))], width);
    (lines.len() as u16).clamp(1, MAX_MESSAGE_ROWS)
}

pub fn message_line(
    frame: &mut Frame,
    area: Rect,
    message: Option<&Message>,
    working: Option<&str>,
    theme: &Theme,
) {
    let Some(message) = message else {
        if let Some(working) = working {
            let line = Line::from(Span::styled(format!(" {working}"), theme.dim));
            frame.render_widget(Paragraph::new(line), area);
        }
        return;
    };
    let (symbol, style) = match message.kind {
        MessageKind::Info => (theme.symbols.met, theme.met),
        MessageKind::Error => (theme.symbols.overdue, theme.error),
    };
    let text = crate::sanitize::line(&message.text);
    let line = Line::from(Span::styled(format!(" {symbol} {text}"), style));
    let mut lines = super::wrap::wrap_lines(vec![line], area.width);
    if lines.len() > area.height as usize {
        lines.truncate(area.height as usize);
        if let Some(last) = lines.last_mut() {
            last.push_span(Span::styled("…", style));
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// The most used keys of the screen that can be used now (`skip` are
/// those that cannot: another role's, or with nothing to act on), as many
/// as fit.
pub fn footer(
    frame: &mut Frame,
    area: Rect,
    context: Context,
    skip: &[crate::tui::action::Action],
    theme: &Theme,
) {
    let mut spans = Vec::new();
    let mut used = 0;
    for binding in keymap::footer(context) {
        if skip.contains(&binding.action) {
            continue;
        }
        let label = binding.hint;
        let width = binding.key.chars().count() + label.chars().count() + 3;
        if used + width > area.width as usize {
            break;
        }
        used += width;
        spans.push(Span::styled(format!(" {}", binding.key), theme.key));
        spans.push(Span::styled(format!(" {label} "), theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Every footer hint of a key table on one line, for a dialog's box;
/// `skip` leaves out actions that do not apply to this dialog.
pub fn hint_line(
    context: Context,
    skip: &[crate::tui::action::Action],
    theme: &Theme,
) -> Line<'static> {
    let mut spans = Vec::new();
    for binding in keymap::footer(context) {
        if skip.contains(&binding.action) {
            continue;
        }
        spans.push(Span::styled(binding.key.to_string(), theme.key));
        spans.push(Span::styled(format!(" {}   ", binding.hint), theme.dim));
    }
    Line::from(spans)
}

pub fn too_small(frame: &mut Frame, theme: &Theme) {
    let area = frame.area();
    let text = format!(
        "The terminal is {}x{}; umdesk needs at least {MIN_WIDTH}x{MIN_HEIGHT}. Enlarge the window.",
        area.width, area.height
    );
    frame.render_widget(
        Paragraph::new(super::wrap::wrap_lines(
            vec![Line::styled(text, theme.warning)],
            area.width,
        )),
        area,
    );
}

/// A centred box for an overlay, cleared, with a border and title.
pub fn popup(frame: &mut Frame, width: u16, height: u16, title: &str, theme: &Theme) -> Rect {
    let area = frame.area();
    let width = width.min(area.width);
    let height = height.min(area.height);
    let [row] = area.layout(&Layout::vertical([Constraint::Length(height)]).flex(Flex::Center));
    let [popup] = row.layout(&Layout::horizontal([Constraint::Length(width)]).flex(Flex::Center));
    frame.render_widget(Clear, popup);
    let block = theme
        .block()
        .border_style(theme.focus_border)
        .title(Line::styled(format!(" {title} "), theme.title));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    inner
}
