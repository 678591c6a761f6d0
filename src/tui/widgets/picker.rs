//! A list to pick one item from (Up/Down, Enter), in a popup: the
//! reviewer a case is reassigned to, from the names the store knows, so
//! that "Tomas Reyes RN" and "Tomas Reyes, RN" never become two people.

use ratatui::Frame;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::chrome::{self, popup};
use super::wrap::wrap_lines;
use crate::tui::keymap::Context as KeyContext;
use crate::tui::theme::Theme;

/// What the picked item is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerPurpose {
    /// The reviewer the viewed case is assigned to.
    Reassign,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picker {
    pub title: String,
    /// A sentence above the list: what is picked, and from where.
    pub question: String,
    pub items: Vec<String>,
    pub selected: usize,
    pub purpose: PickerPurpose,
}

impl Picker {
    /// The reviewers a case may go to, the one it is assigned to (if any)
    /// selected first.
    pub fn reassign(case_id: &str, reviewers: Vec<String>, assigned: Option<&str>) -> Picker {
        let selected = assigned
            .and_then(|name| reviewers.iter().position(|r| r == name))
            .unwrap_or(0);
        Picker {
            title: format!("Reassign {case_id}"),
            question: "Who takes the case? The reviewers seen in this store:".to_string(),
            items: reviewers,
            selected,
            purpose: PickerPurpose::Reassign,
        }
    }

    pub fn move_by(&mut self, by: isize) {
        let last = self.items.len().saturating_sub(1) as isize;
        self.selected = (self.selected as isize + by).clamp(0, last) as usize;
    }

    pub fn picked(&self) -> Option<&str> {
        self.items.get(self.selected).map(String::as_str)
    }
}

/// The popup: the question, as many items as fit around the selected
/// one, and the keys.
pub fn render(picker: &Picker, theme: &Theme, frame: &mut Frame) {
    let screen = frame.area().height;
    let wanted = picker.items.len() as u16 + 4;
    let inner = popup(
        frame,
        60,
        wanted.min(screen.saturating_sub(2)),
        &picker.title,
        theme,
    );
    let rows = usize::from(inner.height.saturating_sub(2)).max(1);
    let first = picker.selected.saturating_sub(rows - 1);
    let mut lines = vec![Line::styled(picker.question.clone(), theme.dim)];
    for (at, item) in picker.items.iter().enumerate().skip(first).take(rows) {
        let selected = at == picker.selected;
        let (marker, style) = if selected {
            (theme.symbols.focus, theme.selected)
        } else {
            (" ", theme.text)
        };
        lines.push(Line::styled(format!("{marker} {item}"), style));
    }
    lines.push(chrome::hint_line(KeyContext::Picker, &[], theme));
    frame.render_widget(Paragraph::new(wrap_lines(lines, inner.width)), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_assigned_reviewer_is_selected_and_moves_stay_in_the_list() {
        let names = vec!["Ana Park, MD".to_string(), "Tomas Reyes, RN".to_string()];
        let mut picker = Picker::reassign("UM-1", names, Some("Tomas Reyes, RN"));
        assert_eq!(picker.picked(), Some("Tomas Reyes, RN"));
        picker.move_by(1);
        assert_eq!(picker.picked(), Some("Tomas Reyes, RN"));
        picker.move_by(-5);
        assert_eq!(picker.picked(), Some("Ana Park, MD"));
    }
}
