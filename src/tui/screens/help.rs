//! Help: every key of the current screen and the global ones, from the
//! same table the footer reads.

use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::keymap::{Context, bindings_for};
use crate::tui::theme::Theme;
use crate::tui::widgets::chrome::popup;

pub fn render(context: Context, scroll: u16, theme: &Theme, frame: &mut Frame) {
    let mut lines = Vec::new();
    for context in [context, Context::Global] {
        lines.push(Line::styled(context.title(), theme.title));
        for binding in bindings_for(context) {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:>6}  ", binding.key), theme.key),
                Span::raw(binding.description),
            ]));
        }
    }
    lines.push(Line::styled(
        "  F1 also shows this help; any key closes it",
        theme.dim,
    ));
    let height = (lines.len() as u16 + 2).min(frame.area().height);
    let inner = popup(
        frame,
        74,
        height,
        &format!("Keys: {}", context.title()),
        theme,
    );
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
}
