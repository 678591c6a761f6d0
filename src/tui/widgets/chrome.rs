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
pub const MIN_HEIGHT: u16 = 24;

pub fn title_bar(frame: &mut Frame, area: Rect, screen: &str, who: &str, theme: &Theme) {
    let left = Span::styled(format!(" umdesk · {screen}"), theme.title);
    let width = area.width as usize;
    let used = left.width() + who.chars().count() + 1;
    let pad = " ".repeat(width.saturating_sub(used));
    let line = Line::from(vec![
        left,
        Span::raw(pad),
        Span::styled(format!("{who} "), theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
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
    let line = Line::from(Span::styled(format!(" {symbol} {}", message.text), style));
    frame.render_widget(Paragraph::new(line), area);
}

/// The most used keys of the screen, as many as fit.
pub fn footer(frame: &mut Frame, area: Rect, context: Context, theme: &Theme) {
    let mut spans = Vec::new();
    let mut used = 0;
    for binding in keymap::footer(context) {
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
