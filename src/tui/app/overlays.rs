//! Keys for the modal layers: help, the unsaved-work question, recovery,
//! dialogs and editors. Their keys come from the one key table too; a key
//! a dialog does not bind goes to its text field.

use ratatui::crossterm::event::KeyEvent;

use super::{App, Screen};
use crate::tui::action::Action;
use crate::tui::effect::{Effect, SavePurpose};
use crate::tui::keymap::{self, Context as KeyContext};
use crate::tui::overlay::{EditorPurpose, Overlay, Prompt, PromptAnswer};
use crate::tui::widgets::text_area::TextArea;

/// The key table of an overlay.
pub fn key_context(overlay: &Overlay) -> KeyContext {
    match overlay {
        Overlay::Help { .. } => KeyContext::Help,
        Overlay::ConfirmQuit | Overlay::ConfirmLeave => KeyContext::Unsaved,
        Overlay::Recover { .. } => KeyContext::Recover,
        Overlay::Prompt(_) => KeyContext::Prompt,
        Overlay::Editor { .. } => KeyContext::Editor,
        Overlay::Definitions { .. } | Overlay::Problems { .. } => KeyContext::Popup,
        Overlay::Picker(_) => KeyContext::Picker,
        Overlay::ConfirmSign { .. } => KeyContext::ConfirmSign,
    }
}

impl App {
    pub(super) fn overlay_key(&mut self, key: KeyEvent) {
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        let action = keymap::action_for(key_context(&overlay), key);
        match overlay {
            Overlay::Help { scroll } => match action {
                Some(Action::ScrollDown) => {
                    self.overlay = Some(Overlay::Help { scroll: scroll + 1 })
                }
                Some(Action::ScrollUp) => {
                    self.overlay = Some(Overlay::Help {
                        scroll: scroll.saturating_sub(1),
                    })
                }
                _ => {}
            },
            Overlay::Problems { .. } | Overlay::Definitions { .. } => {}
            Overlay::ConfirmQuit => self.unsaved_answer(action, SavePurpose::SaveAndQuit, true),
            Overlay::ConfirmLeave => self.unsaved_answer(action, SavePurpose::SaveAndLeave, false),
            Overlay::Recover { drafts, selected } => self.recover_key(action, drafts, selected),
            Overlay::Prompt(prompt) => self.prompt_key(prompt, action, key),
            Overlay::Editor {
                title,
                area,
                purpose,
            } => self.editor_key(title, area, purpose, action, key),
            Overlay::Picker(picker) => self.picker_key(picker, action),
            Overlay::ConfirmSign { lines } => match action {
                Some(Action::Finalize) => self.finalize(),
                Some(Action::Cancel) => {}
                _ => self.overlay = Some(Overlay::ConfirmSign { lines }),
            },
        }
    }

    /// The answer to "unsaved work": save, discard, or stay.
    fn unsaved_answer(&mut self, action: Option<Action>, then: SavePurpose, quitting: bool) {
        match action {
            Some(Action::SaveWork) => self.save_or_create(then),
            Some(Action::DiscardWork) => {
                self.discard_open_work();
                if quitting {
                    self.should_quit = true;
                } else {
                    self.to_queue();
                }
            }
            Some(Action::Cancel) => {}
            _ => {
                self.overlay = Some(if quitting {
                    Overlay::ConfirmQuit
                } else {
                    Overlay::ConfirmLeave
                })
            }
        }
    }

    fn recover_key(
        &mut self,
        action: Option<Action>,
        mut drafts: Vec<crate::store::DraftInfo>,
        selected: usize,
    ) {
        match action {
            Some(Action::RecoverDraft) => {
                if selected < drafts.len() {
                    let draft = drafts.swap_remove(selected);
                    self.recover(draft);
                }
            }
            Some(Action::DiscardDraft) => {
                if selected < drafts.len() {
                    let draft = drafts.remove(selected);
                    self.effects.push(Effect::DiscardDraft { key: draft.key });
                }
                if !drafts.is_empty() {
                    self.overlay = Some(Overlay::Recover {
                        selected: 0,
                        drafts,
                    });
                }
            }
            Some(Action::Down) => {
                let selected = (selected + 1).min(drafts.len().saturating_sub(1));
                self.overlay = Some(Overlay::Recover { drafts, selected });
            }
            Some(Action::Up) => {
                self.overlay = Some(Overlay::Recover {
                    drafts,
                    selected: selected.saturating_sub(1),
                });
            }
            Some(Action::Cancel) => {}
            _ => self.overlay = Some(Overlay::Recover { drafts, selected }),
        }
    }

    fn prompt_key(&mut self, mut prompt: Prompt, action: Option<Action>, key: KeyEvent) {
        let count = prompt.fields.len().max(1);
        match action {
            Some(Action::Cancel) => return,
            Some(Action::NextField) => prompt.focus = (prompt.focus + 1) % count,
            Some(Action::PrevField) => prompt.focus = (prompt.focus + count - 1) % count,
            Some(Action::Submit) => {
                let submitted = prompt
                    .answer(&self.settings.policy.policy)
                    .and_then(|answer| self.submit_prompt(answer));
                match submitted {
                    Ok(()) => return,
                    Err(text) => prompt.error = Some(text),
                }
            }
            _ => {
                let focus = prompt.focus;
                if let Some((_, field)) = prompt.fields.get_mut(focus) {
                    field.handle(key);
                }
                prompt.error = None;
            }
        }
        self.overlay = Some(Overlay::Prompt(prompt));
    }

    fn submit_prompt(&mut self, answer: PromptAnswer) -> Result<(), String> {
        let policy = self.settings.policy.policy.clone();
        let author = self.settings.reviewer.name.clone();
        match answer {
            PromptAnswer::Reopen { .. }
            | PromptAnswer::Reassign { .. }
            | PromptAnswer::BreakLock { .. }
            | PromptAnswer::QaReview { .. }
            | PromptAnswer::HandOverDraft { .. }
            | PromptAnswer::AcceptOutsideEdit { .. } => self.supervise(answer),
            PromptAnswer::ImportPas { path } => {
                self.import_pas(&path);
                Ok(())
            }
            PromptAnswer::PeerToPeer {
                provider_contact,
                note,
            } => {
                let now = self.now();
                let reviewer = self.settings.reviewer.clone();
                let Screen::Case(ws) = &mut self.screen else {
                    return Err("no open case".to_string());
                };
                crate::rules::decision::record_peer_to_peer(
                    &mut ws.case,
                    &ws.saved,
                    &reviewer,
                    &provider_contact,
                    &note,
                    now,
                )?;
                self.work_changed();
                self.info("Peer-to-peer discussion recorded; it is saved with the case");
                Ok(())
            }
            other => {
                let Screen::Case(ws) = &mut self.screen else {
                    return Err("no open case".to_string());
                };
                ws.submit_prompt(&policy, other, &author)?;
                self.work_changed();
                Ok(())
            }
        }
    }

    fn editor_key(
        &mut self,
        title: String,
        mut area: TextArea,
        purpose: EditorPurpose,
        action: Option<Action>,
        key: KeyEvent,
    ) {
        if action == Some(Action::Close) {
            if let Screen::Case(ws) = &mut self.screen {
                ws.apply_editor(purpose, area.text);
            }
            return;
        }
        let changed = area.handle(key);
        self.overlay = Some(Overlay::Editor {
            title,
            area,
            purpose,
        });
        if changed {
            // What is typed in the editor is drafted like any other change.
            self.work_changed();
        }
    }
}
