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
    let height = (lines.len() as u16 + 2).min(frame.area().height);
    let inner = popup(
        frame,
        74,
        height,
        &format!(
            "Keys: {} · Up/Down scroll, any other key closes",
            context.title()
        ),
        theme,
    );
    let visible = inner.height as usize;
    let scroll = (scroll as usize).min(lines.len().saturating_sub(visible));
    let mut shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    let hidden = shown.len().saturating_sub(visible);
    if hidden > 0 && visible > 0 {
        // Say that more follows rather than cut the list silently.
        shown.truncate(visible - 1);
        shown.push(Line::styled(
            format!("  {} more below: Down to scroll", hidden + 1),
            theme.warning,
        ));
    }
    frame.render_widget(Paragraph::new(shown), inner);
}
