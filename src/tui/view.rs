//! State to frame: the chrome, the screen, then any overlay on top.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::action::Action;
use super::app::{App, Screen};
use super::keymap::Context as KeyContext;
use super::overlay::Overlay;
use super::screens;
use super::widgets::chrome::{self, MIN_HEIGHT, MIN_WIDTH, popup};
use super::widgets::wrap::wrap_lines;
use super::workspace::WorkView;
use crate::sanitize::line as safe;

pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        chrome::too_small(frame, &app.theme);
        return;
    }
    let message_rows = chrome::message_rows(app.message.as_ref(), area.width);
    let [title, body, message, footer] = chrome_rows(area, message_rows);
    let reviewer = &app.settings.reviewer;
    // Identity on trust says so: anyone could have typed that name.
    let unverified = if app.settings.identity.verified {
        ""
    } else {
        " · unverified"
    };
    let who = format!(
        "{} ({}){unverified}",
        safe(&reviewer.name),
        reviewer.role.label()
    );
    chrome::title_bar(frame, title, screen_title(app), &who, &app.theme);
    let policy = &app.settings.policy.policy;
    match &app.screen {
        Screen::Queue => screens::queue::render(&app.queue, &app.theme, frame, body),
        Screen::Intake(intake) => screens::intake::render(intake, policy, &app.theme, frame, body),
        Screen::Case(ws) if ws.view == WorkView::Determination => {
            screens::determination::render(ws, policy, reviewer, &app.theme, frame, body)
        }
        Screen::Case(ws) => screens::review::render(ws, policy, &app.theme, frame, body),
        Screen::CaseView(view) => screens::case_view::render(view, policy, &app.theme, frame, body),
        Screen::Dashboard(dashboard) => {
            screens::dashboard::render(dashboard, &app.theme, frame, body)
        }
    }
    chrome::message_line(
        frame,
        message,
        app.message.as_ref(),
        app.working.as_deref(),
        &app.theme,
    );
    // An overlay takes the keys and names its own in its box; the screen's
    // footer under it would offer keys that do something else there.
    if app.overlay.is_none() {
        chrome::footer(
            frame,
            footer,
            app.key_context(),
            &app.unavailable_actions(),
            &app.theme,
        );
    }
    if let Some(overlay) = &app.overlay {
        render_overlay(app, overlay, frame);
    }
    ascii_if_needed(app, frame);
}

/// On a terminal without UTF-8 every cell drawn is made ASCII.
fn ascii_if_needed(app: &App, frame: &mut Frame) {
    if app.theme.symbols.ascii {
        super::theme::to_ascii(frame.buffer_mut());
    }
}

/// The title row, the screen, the message row and the footer row. Plain
/// arithmetic: ratatui's constraint solver was a sixth of the work before
/// the first frame, for a split this simple.
fn chrome_rows(area: Rect, message_rows: u16) -> [Rect; 4] {
    let row = |y: u16, height: u16| Rect { y, height, ..area };
    let bottom = area.y + area.height;
    [
        row(area.y, 1),
        row(area.y + 1, area.height.saturating_sub(2 + message_rows)),
        row(bottom.saturating_sub(1 + message_rows), message_rows),
        row(bottom.saturating_sub(1), 1),
    ]
}

fn screen_title(app: &App) -> &'static str {
    match &app.screen {
        Screen::Queue => "Queue",
        Screen::Intake(_) => "Intake: new request",
        Screen::Case(ws) if ws.view == WorkView::Determination => "Determination",
        Screen::Case(_) => "Review",
        Screen::CaseView(_) => "Case view (read-only)",
        Screen::Dashboard(_) => "Dashboard",
    }
}

fn render_overlay(app: &App, overlay: &Overlay, frame: &mut Frame) {
    let theme = &app.theme;
    match overlay {
        Overlay::Picker(picker) => super::widgets::picker::render(picker, theme, frame),
        Overlay::Help { scroll } => {
            screens::help::render(app.screen_key_context(), *scroll, theme, frame)
        }
        Overlay::ConfirmQuit | Overlay::ConfirmLeave => {
            let inner = popup(frame, 64, 5, "Unsaved work", theme);
            let kept = if app.draft.failed.is_some() {
                "No draft could be written: the work is only in memory."
            } else {
                "A draft is kept until you save or discard."
            };
            let text = vec![
                Line::raw("This work has changes that are not saved."),
                Line::raw(kept),
                chrome::hint_line(KeyContext::Unsaved, &[], theme),
            ];
            frame.render_widget(Paragraph::new(wrap_lines(text, inner.width)), inner);
        }
        Overlay::Recover { drafts, selected } => {
            let inner = popup(
                frame,
                70,
                drafts.len() as u16 + 5,
                "Recover unsaved work",
                theme,
            );
            let mut lines = vec![Line::raw(
                "Reviews interrupted by a crash or a dropped connection:",
            )];
            for (i, draft) in drafts.iter().enumerate() {
                let marker = if i == *selected {
                    theme.symbols.focus
                } else {
                    " "
                };
                lines.push(Line::styled(
                    format!(
                        "{marker} {}  (saved {})",
                        safe(&draft.key.subject),
                        crate::case::rfc3339(draft.saved_at)
                    ),
                    if i == *selected {
                        theme.selected
                    } else {
                        theme.text
                    },
                ));
            }
            lines.push(chrome::hint_line(KeyContext::Recover, &[], theme));
            frame.render_widget(Paragraph::new(wrap_lines(lines, inner.width)), inner);
        }
        Overlay::Prompt(prompt) => {
            let height = prompt.fields.len() as u16 * 2 + 4;
            let inner = popup(frame, 72, height, &prompt.title, theme);
            let mut lines = Vec::new();
            for (i, (label, field)) in prompt.fields.iter().enumerate() {
                let focused = i == prompt.focus;
                lines.push(Line::styled(
                    label.clone(),
                    if focused { theme.selected } else { theme.dim },
                ));
                let cursor = if focused { "_" } else { "" };
                lines.push(Line::raw(format!("  {}{cursor}", field.text)));
            }
            match &prompt.error {
                Some(error) => lines.push(Line::styled(
                    format!("{} {}", theme.symbols.not_met, safe(error)),
                    theme.error,
                )),
                None => {
                    let skip: &[Action] = if prompt.fields.len() > 1 {
                        &[]
                    } else {
                        &[Action::NextField, Action::PrevField]
                    };
                    lines.push(chrome::hint_line(KeyContext::Prompt, skip, theme));
                }
            }
            frame.render_widget(Paragraph::new(wrap_lines(lines, inner.width)), inner);
        }
        Overlay::Editor { title, area, .. } => {
            let height = frame.area().height.saturating_sub(4);
            let inner = popup(frame, 76, height, title, theme);
            let [text, hints] = split_last_row(inner);
            render_editor(area, text, frame);
            frame.render_widget(
                Paragraph::new(chrome::hint_line(KeyContext::Editor, &[], theme)),
                hints,
            );
        }
        Overlay::Definitions { criterion, terms } => {
            let inner = popup(
                frame,
                72,
                terms.len() as u16 * 3 + 4,
                &format!("Definitions: {criterion}"),
                theme,
            );
            let mut lines = Vec::new();
            if terms.is_empty() {
                lines.push(Line::raw(
                    "This criterion uses no defined term of section V.",
                ));
            }
            for (term, text) in terms {
                lines.push(Line::styled(term.clone(), theme.title));
                lines.push(Line::raw(text.clone()));
            }
            lines.push(chrome::hint_line(KeyContext::Popup, &[], theme));
            frame.render_widget(Paragraph::new(wrap_lines(lines, inner.width)), inner);
        }
        Overlay::ConfirmSign {
            lines,
            letter,
            scroll,
        } => {
            // As tall as the screen allows: what is signed, then as much of
            // the letters as fits, scrolled; the keys on the last row.
            let height = (lines.len() + letter.len()) as u16 + 4;
            let inner = popup(frame, 78, height, "Sign this?", theme);
            let [body, hint] = split_last_row(inner);
            let mut text: Vec<Line> = lines
                .iter()
                .map(|l| Line::raw(crate::sanitize::line(l).into_owned()))
                .collect();
            text.extend(
                letter
                    .iter()
                    .skip(*scroll)
                    .map(|l| Line::styled(crate::sanitize::line(l).into_owned(), theme.text)),
            );
            frame.render_widget(Paragraph::new(wrap_lines(text, body.width)), body);
            frame.render_widget(
                Paragraph::new(chrome::hint_line(KeyContext::ConfirmSign, &[], theme)),
                hint,
            );
        }
        Overlay::Problems { title, problems } => {
            let inner = popup(frame, 72, problems.len() as u16 * 2 + 4, title, theme);
            let mut lines: Vec<Line> = problems
                .iter()
                .map(|p| {
                    Line::styled(
                        format!("{} {}", theme.symbols.not_met, safe(p)),
                        theme.error,
                    )
                })
                .collect();
            lines.push(chrome::hint_line(KeyContext::Popup, &[], theme));
            frame.render_widget(Paragraph::new(wrap_lines(lines, inner.width)), inner);
        }
    }
}

/// `area` less its last row, and that row.
fn split_last_row(area: Rect) -> [Rect; 2] {
    let body = Rect {
        height: area.height.saturating_sub(1),
        ..area
    };
    let last = Rect {
        y: area.y + body.height,
        height: area.height.min(1),
        ..area
    };
    [body, last]
}

/// Only the lines around the cursor are laid out, so a huge note is cheap;
/// the terminal's own cursor shows where typing goes.
fn render_editor(
    area: &super::widgets::text_area::TextArea,
    inner: ratatui::layout::Rect,
    frame: &mut Frame,
) {
    if let Some(at) = area.render(inner, frame.buffer_mut()) {
        frame.set_cursor_position(at);
    }
}
