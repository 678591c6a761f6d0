//! An open case under review: the case being edited, the version on
//! disk, and where the reviewer is in it.

use serde::{Deserialize, Serialize};

use super::action::Action;
use super::overlay::{EditorPurpose, Overlay, Prompt, PromptAnswer, PromptPurpose};
use super::widgets::text_area::TextArea;
use crate::case::{Case, Decision, Lesion, Role, Status};
use crate::policy::{Answer, CriterionInput, Policy, SearchHit, search};
use crate::rules::answers::{self, AnswerError};
use crate::rules::decision::{DecisionRequest, decisions_for};
use crate::rules::{Evaluation, evaluate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkView {
    Review,
    Determination,
}

#[derive(Debug, Clone, Default)]
pub struct PolicySearch {
    pub query: String,
    pub hits: Vec<SearchHit>,
    pub current: usize,
}

/// What a draft holds: the reviewer's own edits and the version they
/// were made on, so that recovering it over a case that has moved on
/// applies those edits onto the case as it is now, never rolls it back.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Draft {
    case_id: String,
    /// The last history digest of the version the edits were made on.
    base: String,
    /// The edits, from that version to the work as it stood.
    edits: Vec<crate::case::Change>,
    rationale: Option<String>,
    acknowledgement: String,
    decision: usize,
}

/// How a draft came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// Onto the version it was made on.
    AsItWas,
    /// Onto a version saved since (by someone else): the edits applied.
    OntoNewer,
}

pub struct Workspace {
    pub case: Case,
    /// The case as it is on disk.
    pub saved: Case,
    pub view: WorkView,
    pub focus: usize,
    /// Policy section shown, by index.
    pub section: usize,
    /// Lines scrolled by hand; None keeps the focused criterion in view.
    pub policy_scroll: Option<u16>,
    pub search: Option<PolicySearch>,
    /// The reviewer's rationale; None means the proposed one.
    pub rationale: Option<String>,
    /// The rationale that was signed, when the case is reopened for
    /// amendment: where the amendment starts instead of the proposed text.
    pub signed_rationale: Option<String>,
    pub acknowledgement: String,
    pub decision: usize,
    pub scroll: u16,
    pub evaluation: Evaluation,
    draft_pending: bool,
}

impl Workspace {
    pub fn open(case: Case, policy: &Policy, role: Role) -> Workspace {
        let evaluation = evaluate(policy, &case);
        // A physician opening a referred case starts at the decision, with
        // the failed criteria first.
        let view = if role == Role::Physician && case.status == Status::Referred {
            WorkView::Determination
        } else {
            WorkView::Review
        };
        let mut workspace = Workspace {
            saved: case.clone(),
            case,
            view,
            focus: 0,
            section: 0,
            policy_scroll: None,
            search: None,
            rationale: None,
            signed_rationale: None,
            acknowledgement: String::new(),
            decision: 0,
            scroll: 0,
            evaluation,
            draft_pending: false,
        };
        if workspace.saved.status == Status::Reopened {
            workspace.signed_rationale = workspace
                .saved
                .amendments
                .last()
                .map(|a| a.original.rationale.clone());
        }
        if let Some(determination) = &workspace.saved.determination
            && workspace.saved.status == Status::Pended
        {
            workspace.acknowledgement = determination
                .coding_acknowledgement
                .clone()
                .unwrap_or_default();
        }
        workspace.follow_focus(policy);
        workspace
    }

    pub fn is_unsaved(&self) -> bool {
        self.case != self.saved || self.rationale.is_some() || !self.acknowledgement.is_empty()
    }

    pub fn draft_pending(&self) -> bool {
        self.draft_pending
    }

    pub fn draft_written(&mut self) {
        self.draft_pending = false;
    }

    /// Marks the case changed: re-evaluate, and a draft is due.
    pub fn touch(&mut self) {
        self.draft_pending = true;
    }

    fn changed(&mut self, policy: &Policy) {
        self.evaluation = evaluate(policy, &self.case);
        self.touch();
    }

    /// The draft as it would be with `editing` (an open editor's text)
    /// applied, so text still in the editor is kept too.
    pub fn draft_json(&self, editing: Option<(&EditorPurpose, &str)>) -> String {
        let mut work = self.case.clone();
        let mut rationale = self.rationale.clone();
        let mut acknowledgement = self.acknowledgement.clone();
        match editing {
            Some((EditorPurpose::Evidence { criterion }, text)) => {
                work.answer_mut(criterion).evidence = text.to_string();
            }
            Some((EditorPurpose::Rationale, text)) => rationale = Some(text.to_string()),
            Some((EditorPurpose::Acknowledgement, text)) => acknowledgement = text.to_string(),
            None => {}
        }
        let draft = Draft {
            case_id: self.case.id.clone(),
            base: self
                .saved
                .history
                .last()
                .map(|e| e.digest.clone())
                .unwrap_or_default(),
            edits: crate::case::diff::changes(&self.saved, &work),
            rationale,
            acknowledgement,
            decision: self.decision,
        };
        serde_json::to_string(&draft).expect("drafts always serialize")
    }

    /// Puts a draft's edits back onto the case as it was opened (`saved`).
    /// When the case moved on since the draft was made, the edits are
    /// applied onto the newer version; edits to fields someone else changed
    /// meanwhile are refused, naming the field, and the draft is kept.
    pub fn restore_draft(&mut self, json: &str, policy: &Policy) -> Result<Restored, String> {
        let draft: Draft = serde_json::from_str(json).map_err(|e| e.to_string())?;
        if draft.case_id != self.case.id {
            return Err(format!("the draft is of case {}", draft.case_id));
        }
        let current = self
            .saved
            .history
            .last()
            .map(|e| e.digest.as_str())
            .unwrap_or("");
        let restored = if current == draft.base {
            Restored::AsItWas
        } else {
            Restored::OntoNewer
        };
        crate::rules::decision::review_edits_only(&draft.edits)
            .map_err(|refusal| format!("it reaches beyond a review: {refusal}"))?;
        self.case = crate::case::diff::apply(&self.saved, &draft.edits).map_err(|err| {
            format!("its edits do not fit the case as it was saved since ({err})")
        })?;
        self.rationale = draft.rationale;
        self.acknowledgement = draft.acknowledgement;
        self.decision = draft.decision;
        self.changed(policy);
        Ok(restored)
    }

    pub fn focused_criterion<'p>(
        &self,
        policy: &'p Policy,
    ) -> Option<&'p crate::policy::Criterion> {
        policy.criteria.get(self.focus)
    }

    /// Shows the section of the focused criterion, its wording in view.
    fn follow_focus(&mut self, policy: &Policy) {
        if let Some(criterion) = self.focused_criterion(policy) {
            self.section = policy.section_index(&criterion.section).unwrap_or(0);
        }
        self.policy_scroll = None;
    }

    pub fn review_action(
        &mut self,
        policy: &Policy,
        action: Action,
        author: &str,
    ) -> Result<Option<Overlay>, String> {
        let count = policy.criteria.len();
        let criterion_id = self
            .focused_criterion(policy)
            .map(|c| c.id.clone())
            .unwrap_or_default();
        match action {
            Action::Up => {
                self.focus = self.focus.saturating_sub(1);
                self.follow_focus(policy);
            }
            Action::Down => {
                self.focus = (self.focus + 1).min(count.saturating_sub(1));
                self.follow_focus(policy);
            }
            Action::MarkMet => return self.mark(policy, &criterion_id, Answer::Met, author),
            Action::MarkNotMet => return self.mark(policy, &criterion_id, Answer::NotMet, author),
            Action::MarkInsufficient => {
                return self.mark(policy, &criterion_id, Answer::Insufficient, author);
            }
            Action::ClearAnswer => {
                answers::clear(policy, &mut self.case, &criterion_id);
                self.changed(policy);
            }
            Action::OptionNext => self.cycle_option(policy, &criterion_id, 1, author)?,
            Action::OptionPrev => self.cycle_option(policy, &criterion_id, -1, author)?,
            Action::AcceptSuggestion => self.accept_suggestion(policy, author)?,
            Action::AddLesion => {
                return Ok(Some(Overlay::Prompt(Prompt::with_fields(
                    PromptPurpose::AddLesion,
                    "Add a lesion",
                    &[
                        ("Site (e.g. segment VI)", ""),
                        ("Largest diameter in cm (blank if not documented)", ""),
                    ],
                ))));
            }
            Action::RemoveLesion => {
                if self.case.lesions.pop().is_none() {
                    return Err("There is no lesion to remove".to_string());
                }
                answers::lesions_changed(policy, &mut self.case, author);
                self.changed(policy);
            }
            Action::EditEvidence => {
                let text = self
                    .case
                    .answer(&criterion_id)
                    .map(|a| a.evidence.clone())
                    .unwrap_or_default();
                return Ok(Some(Overlay::Editor {
                    title: format!("Evidence note, criterion {}", self.focus + 1),
                    area: TextArea::new(&text),
                    purpose: EditorPurpose::Evidence {
                        criterion: criterion_id,
                    },
                }));
            }
            Action::EditSource => {
                let text = self
                    .case
                    .answer(&criterion_id)
                    .map(|a| a.source_document.clone())
                    .unwrap_or_default();
                return Ok(Some(Overlay::Prompt(Prompt::with_fields(
                    PromptPurpose::SourceDocument {
                        criterion: criterion_id,
                    },
                    "Source document",
                    &[("Document (e.g. CT abdomen report 2026-11-20)", &text)],
                ))));
            }
            Action::ShowDefinitions => return Ok(Some(self.definitions(policy))),
            Action::SearchPolicy => {
                let query = self
                    .search
                    .as_ref()
                    .map(|s| s.query.clone())
                    .unwrap_or_default();
                return Ok(Some(Overlay::Prompt(Prompt::with_fields(
                    PromptPurpose::Search,
                    "Search the policy",
                    &[("Find", &query)],
                ))));
            }
            Action::SearchNext => self.step_search(1)?,
            Action::SearchPrev => self.step_search(-1)?,
            Action::NextSection => {
                self.section = (self.section + 1).min(policy.sections.len().saturating_sub(1));
                self.policy_scroll = Some(0);
            }
            Action::PrevSection => {
                self.section = self.section.saturating_sub(1);
                self.policy_scroll = Some(0);
            }
            Action::PageDown => self.scroll_policy(10),
            Action::PageUp => self.scroll_policy(-10),
            Action::ScrollDown => self.scroll_policy(1),
            Action::ScrollUp => self.scroll_policy(-1),
            Action::ToDetermination => {
                self.view = WorkView::Determination;
                self.scroll = 0;
                self.decision = 0;
            }
            _ => {}
        }
        Ok(None)
    }

    fn scroll_policy(&mut self, by: i32) {
        let current = i32::from(self.policy_scroll.unwrap_or(u16::MAX));
        // An automatic position is resolved at draw time; start from it.
        let base = if current == i32::from(u16::MAX) {
            0
        } else {
            current
        };
        self.policy_scroll = Some((base + by).clamp(0, i32::from(u16::MAX - 1)) as u16);
    }

    fn mark(
        &mut self,
        policy: &Policy,
        criterion: &str,
        answer: Answer,
        author: &str,
    ) -> Result<Option<Overlay>, String> {
        if answers::needs_reason(policy, &self.case, criterion, answer) {
            let derived = answers::derive(policy, &self.case, criterion)
                .map(|d| d.label())
                .unwrap_or("nothing");
            return Ok(Some(Overlay::Prompt(Prompt::with_fields(
                PromptPurpose::OverrideReason {
                    criterion: criterion.to_string(),
                    answer,
                },
                &format!("Override: the record gives '{derived}'"),
                &[("Reason for answering otherwise", "")],
            ))));
        }
        answers::mark(policy, &mut self.case, criterion, answer, None, author)
            .map_err(|e| e.to_string())?;
        self.changed(policy);
        Ok(None)
    }

    fn cycle_option(
        &mut self,
        policy: &Policy,
        criterion_id: &str,
        step: isize,
        author: &str,
    ) -> Result<(), String> {
        let Some(criterion) = policy.criterion(criterion_id) else {
            return Ok(());
        };
        let CriterionInput::Choice { options, .. } = &criterion.input else {
            return Err(
                "Criterion 3 follows the lesions: a adds one, A removes the last".to_string(),
            );
        };
        let current = self
            .case
            .answer(criterion_id)
            .and_then(|a| a.input.as_deref())
            .and_then(|id| options.iter().position(|o| o.id == id));
        let len = options.len() as isize;
        let next = match current {
            None if step > 0 => 0,
            None => len - 1,
            Some(i) => (i as isize + step).rem_euclid(len),
        };
        let option = options[next as usize].id.clone();
        answers::set_input(policy, &mut self.case, criterion_id, Some(&option), author)
            .map_err(|e| e.to_string())?;
        self.changed(policy);
        Ok(())
    }

    fn accept_suggestion(&mut self, policy: &Policy, author: &str) -> Result<(), String> {
        let Some(suggestion) = self.evaluation.suggestion.clone() else {
            return Err("The diagnosis codes suggest nothing".to_string());
        };
        answers::set_input(
            policy,
            &mut self.case,
            &suggestion.criterion,
            Some(&suggestion.option),
            author,
        )
        .map_err(|e| e.to_string())?;
        self.changed(policy);
        Ok(())
    }

    fn definitions(&self, policy: &Policy) -> Overlay {
        let criterion = self.focused_criterion(policy);
        let terms = criterion
            .map(|c| {
                c.definitions
                    .iter()
                    .filter_map(|t| policy.definition(t))
                    .map(|d| (d.term.clone(), d.text.clone()))
                    .collect()
            })
            .unwrap_or_default();
        Overlay::Definitions {
            criterion: criterion.map(|c| c.name.clone()).unwrap_or_default(),
            terms,
        }
    }

    fn step_search(&mut self, step: isize) -> Result<(), String> {
        let Some(search) = &mut self.search else {
            return Err("Search first with /".to_string());
        };
        if search.hits.is_empty() {
            return Err(format!("No match for '{}'", search.query));
        }
        let len = search.hits.len() as isize;
        search.current = (search.current as isize + step).rem_euclid(len) as usize;
        self.section = search.hits[search.current].section;
        self.policy_scroll = None;
        Ok(())
    }

    /// Applies a dialog's answer to the case under review.
    pub fn submit_prompt(
        &mut self,
        policy: &Policy,
        answer: PromptAnswer,
        author: &str,
    ) -> Result<(), String> {
        match answer {
            PromptAnswer::OverrideReason {
                criterion,
                answer,
                reason,
            } => {
                answers::mark(
                    policy,
                    &mut self.case,
                    &criterion,
                    answer,
                    Some(&reason),
                    author,
                )
                .map_err(|e| match e {
                    AnswerError::ReasonRequired { .. } => {
                        "Write the reason for the override".to_string()
                    }
                    other => other.to_string(),
                })?;
            }
            PromptAnswer::AddLesion { site, diameter_cm } => {
                self.case.lesions.push(Lesion { site, diameter_cm });
                answers::lesions_changed(policy, &mut self.case, author);
            }
            PromptAnswer::SourceDocument {
                criterion,
                document,
            } => {
                self.case.answer_mut(&criterion).source_document = document;
            }
            PromptAnswer::Search { query } => {
                let hits = search(policy, &query);
                if hits.is_empty() {
                    return Err(format!("No match for '{query}'"));
                }
                self.section = hits[0].section;
                self.policy_scroll = None;
                self.search = Some(PolicySearch {
                    query,
                    hits,
                    current: 0,
                });
                return Ok(());
            }
            _ => return Ok(()),
        }
        self.changed(policy);
        Ok(())
    }

    pub fn apply_editor(&mut self, purpose: EditorPurpose, text: String) {
        match purpose {
            EditorPurpose::Evidence { criterion } => {
                self.case.answer_mut(&criterion).evidence = text;
            }
            EditorPurpose::Rationale => self.rationale = Some(text),
            EditorPurpose::Acknowledgement => self.acknowledgement = text,
        }
        self.touch();
    }

    pub fn decisions(&self, role: Role) -> Vec<Decision> {
        decisions_for(self.evaluation.outcome, role)
    }

    pub fn rationale_text(&self) -> String {
        self.rationale
            .clone()
            .or_else(|| self.signed_rationale.clone())
            .unwrap_or_else(|| self.evaluation.rationale.clone())
    }

    pub fn determination_action(
        &mut self,
        _policy: &Policy,
        action: Action,
    ) -> Result<Option<Overlay>, String> {
        match action {
            Action::OptionNext => self.decision = self.decision.saturating_add(1),
            Action::OptionPrev => self.decision = self.decision.saturating_sub(1),
            Action::ScrollDown => self.scroll = self.scroll.saturating_add(1),
            Action::ScrollUp => self.scroll = self.scroll.saturating_sub(1),
            Action::EditRationale => {
                return Ok(Some(Overlay::Editor {
                    title: "Rationale".to_string(),
                    area: TextArea::new(&self.rationale_text()),
                    purpose: EditorPurpose::Rationale,
                }));
            }
            Action::EditAcknowledgement => {
                if self.evaluation.coding_flags.is_empty() {
                    return Err("There are no coding flags to acknowledge".to_string());
                }
                return Ok(Some(Overlay::Editor {
                    title: "Coding acknowledgement note".to_string(),
                    area: TextArea::new(&self.acknowledgement),
                    purpose: EditorPurpose::Acknowledgement,
                }));
            }
            Action::PeerToPeer => {
                return Ok(Some(Overlay::Prompt(Prompt::with_fields(
                    PromptPurpose::PeerToPeer,
                    "Peer-to-peer discussion",
                    &[
                        ("Provider contact (name, role)", ""),
                        ("What was discussed", ""),
                    ],
                ))));
            }
            _ => {}
        }
        Ok(None)
    }

    /// The chosen decision, clamped to what fits the outcome and role.
    pub fn chosen_decision(&self, role: Role) -> Option<Decision> {
        let decisions = self.decisions(role);
        if decisions.is_empty() {
            return None;
        }
        Some(decisions[self.decision.min(decisions.len() - 1)])
    }

    pub fn decision_request(&self, _policy: &Policy, role: Role) -> Option<DecisionRequest> {
        let decision = self.chosen_decision(role)?;
        Some(DecisionRequest {
            decision,
            rationale: self.rationale_text(),
            coding_acknowledgement: Some(self.acknowledgement.clone())
                .filter(|a| !a.trim().is_empty()),
        })
    }
}
