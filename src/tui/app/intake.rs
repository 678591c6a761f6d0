//! The intake: a new request typed in, created as a case in one write.

use ratatui::crossterm::event::{KeyEvent, KeyModifiers};

use super::{App, Screen};
use crate::tui::action::Action;
use crate::tui::effect::{Effect, SavePurpose};
use crate::tui::keymap::{self, Context as KeyContext};
use crate::tui::overlay::{Overlay, Prompt, PromptPurpose};

impl App {
    pub(super) fn update_intake(&mut self, action: Action) {
        let Screen::Intake(intake) = &mut self.screen else {
            return;
        };
        match action {
            Action::NextField => intake.focus_next(),
            Action::PrevField => intake.focus_prev(),
            Action::Save => self.create_from_intake(SavePurpose::Save),
            Action::ImportPas => {
                self.overlay = Some(Overlay::Prompt(Prompt::single(
                    PromptPurpose::ImportPas,
                    "Import a PAS request",
                    "File (a PAS request Bundle, FHIR JSON)",
                )));
            }
            _ => {}
        }
    }

    /// A key for the focused intake field. The intake's own keys (moving
    /// between fields, saving, leaving) are the ones the key table binds
    /// that are not plain typing.
    pub(super) fn intake_key(&mut self, key: KeyEvent) -> bool {
        let typing = key.modifiers.difference(KeyModifiers::SHIFT).is_empty();
        let bound = keymap::action_for(KeyContext::Intake, key).is_some();
        let plain_char = matches!(key.code, ratatui::crossterm::event::KeyCode::Char(_));
        if bound && !(typing && plain_char) {
            return false;
        }
        let now = self.now();
        let Screen::Intake(intake) = &mut self.screen else {
            return false;
        };
        let handled = intake.handle_key(key, &self.settings.due_table, now);
        if handled {
            self.work_changed();
        }
        handled
    }

    /// Asks to create the case; `then` says what follows (open it, or quit).
    pub(super) fn create_from_intake(&mut self, then: SavePurpose) {
        let now = self.now();
        let Screen::Intake(intake) = &mut self.screen else {
            return;
        };
        let facts = match intake.facts(now) {
            Ok(facts) => facts,
            Err(count) => {
                let text =
                    format!("{count} field(s) need attention before the case can be created");
                self.error(text);
                return;
            }
        };
        let received = facts.received_at.date();
        let subject = intake.draft_subject();
        let mut case = crate::case::new_case(
            "pending",
            facts,
            &self.settings.policy,
            &self.settings.due_table,
        );
        crate::rules::answers::sync_all(&self.settings.policy.policy, &mut case);
        self.working = Some("Creating the case…".to_string());
        let draft = self.draft_key(&subject);
        self.effects.push(Effect::Create {
            case: Box::new(case),
            received,
            reviewer: self.settings.reviewer.clone(),
            at: now,
            draft,
            then,
        });
    }

    /// Asks the runner to import the PAS request in `path` (reading a file
    /// is the runner's): the case it makes, or made before, opens.
    pub(super) fn import_pas(&mut self, path: &str) {
        let now = self.now();
        let subject = match &self.screen {
            Screen::Intake(intake) => intake.draft_subject(),
            _ => return,
        };
        self.working = Some("Importing the PAS request…".to_string());
        let draft = self.draft_key(&subject);
        self.effects.push(Effect::ImportPas {
            path: std::path::PathBuf::from(path),
            policy: Box::new(self.settings.policy.clone()),
            due_table: self.settings.due_table,
            reviewer: self.settings.reviewer.clone(),
            at: now,
            draft,
        });
    }
}
