//! Every change is in the history, and the history replays (issue 11, part
//! 1): each saved version appends one entry listing every field changed
//! since the version before it, whatever path saved it; replaying the
//! entries from creation gives the saved content exactly; a case edited
//! outside the app is told apart from an intact one and from one whose
//! chain is broken, and only a supervisor accepts it back, with a reason.

mod scratch;

use proptest::prelude::*;
use scratch::{Scratch, text};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use umdesk::case::diff::{self, ApplyError};
use umdesk::case::due::DueTable;
use umdesk::case::history::{self, Integrity, OutsideEditError, ReplayError, Standing};
use umdesk::case::{Case, Change, Decision, Lesion, Origin, Reviewer, Role, Status, new_case};
use umdesk::fixtures;
use umdesk::policy::{Answer, CriterionInput, LoadedPolicy, Policy};
use umdesk::rules::answers;
use umdesk::rules::decision::{self, DecisionRequest};
use umdesk::rules::evaluate;

/// Who answers in these tests.
const AUTHOR: &str = "Nora Fictive, RN";
const T0: OffsetDateTime = datetime!(2026-03-02 09:00 -5);

fn policy() -> LoadedPolicy {
    LoadedPolicy::embedded()
}

fn person(name: &str, role: Role) -> Reviewer {
    Reviewer {
        name: name.to_string(),
        role,
    }
}

fn nurse() -> Reviewer {
    person("Nora Fictive, RN", Role::Nurse)
}

fn physician() -> Reviewer {
    person("Olive Imaginary, MD", Role::Physician)
}

fn supervisor() -> Reviewer {
    person("Quentin Makebelieve, RN", Role::Supervisor)
}

/// A case as intake saves it: created, nothing answered.
fn created(policy: &LoadedPolicy) -> Case {
    let facts = fixtures::facts().received_at(T0).build();
    let mut case = new_case("UM-20260302-0001", facts, policy, &DueTable::default());
    history::record(&mut case, None, &nurse(), "created", "Case created", T0);
    case
}

fn replayed(case: &Case) -> Case {
    history::replay(&case.history).expect("the history replays")
}

/// The case's content: what replay must give.
fn content(case: &Case) -> Case {
    let mut content = case.clone();
    content.history.clear();
    content.seal = None;
    content
}

#[track_caller]
fn assert_replays(case: &Case) {
    assert_eq!(
        replayed(case),
        content(case),
        "replay differs from the content"
    );
    assert_eq!(history::verify(case), Integrity::Intact);
    assert_eq!(history::standing(case), Standing::Intact);
}

fn fields(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .flat_map(|c| c.shown())
        .map(|s| s.field)
        .collect()
}

fn request(decision: Decision, rationale: &str) -> DecisionRequest {
    DecisionRequest {
        decision,
        rationale: rationale.to_string(),
        coding_acknowledgement: None,
    }
}

/// Signs `decision` with the proposed rationale over the version `saved`.
fn sign(
    p: &Policy,
    case: &mut Case,
    saved: &Case,
    by: &Reviewer,
    decision: Decision,
    at: OffsetDateTime,
) {
    let rationale = evaluate(p, case).rationale;
    decision::decide(p, case, saved, by, &request(decision, &rationale), at).unwrap();
}

/// A nurse answers every criterion met in one sitting and approves.
fn approved(policy: &LoadedPolicy) -> Case {
    let p = &policy.policy;
    let saved = created(policy);
    let mut case = saved.clone();
    meet_everything(p, &mut case);
    sign(
        p,
        &mut case,
        &saved,
        &nurse(),
        Decision::Approve,
        T0 + Duration::hours(1),
    );
    case
}

fn meet_everything(p: &Policy, case: &mut Case) {
    for criterion in &p.criteria {
        match &criterion.input {
            CriterionInput::Choice { options, .. } => {
                let met = options.iter().find(|o| o.answer == Answer::Met).unwrap();
                answers::set_input(p, case, &criterion.id, Some(&met.id), AUTHOR).unwrap();
            }
            CriterionInput::Measurements { .. } => {
                case.lesions = vec![Lesion {
                    site: "segment VI".to_string(),
                    diameter_cm: Some(3.1),
                }];
                answers::lesions_changed(p, case, AUTHOR);
            }
        }
    }
}

#[test]
fn the_created_entry_carries_the_case_as_created() {
    let policy = policy();
    let case = created(&policy);
    assert_eq!(case.history.len(), 1);
    assert!(case.history[0].changes.iter().any(Change::is_creation));
    assert_replays(&case);
    // The created content is not listed as field changes for people.
    assert!(fields(&case.history[0].changes).is_empty());
}

/// The finding: a nurse's manual "not met" and an evidence note made in
/// the sitting in which the case is signed were in no history entry.
#[test]
fn signing_records_every_edit_of_the_sitting() {
    let policy = policy();
    let p = &policy.policy;
    let saved = created(&policy);
    let mut case = saved.clone();
    answers::mark(p, &mut case, "amenable", Answer::NotMet, None, AUTHOR).unwrap();
    case.answer_mut("amenable").evidence = "Interventional radiology: not amenable.".to_string();
    sign(
        p,
        &mut case,
        &saved,
        &nurse(),
        Decision::ReferToPhysician,
        T0,
    );
    assert_eq!(case.history.len(), 2, "one entry for one saved version");
    let decided = fields(&case.history[1].changes);
    let amenable = saved
        .criteria
        .iter()
        .position(|a| a.criterion == "amenable")
        .unwrap();
    for field in [
        format!("criteria[{amenable}].answer"),
        format!("criteria[{amenable}].origin"),
        format!("criteria[{amenable}].evidence"),
        "determination.decision".to_string(),
        "status".to_string(),
    ] {
        assert!(decided.contains(&field), "{field} missing from {decided:?}");
    }
    assert_replays(&case);
}

/// A physician's changes to criteria made before upholding are in the
/// "decided" entry too, and the case replays after each saved act.
#[test]
fn every_saving_path_lists_the_whole_difference() {
    let policy = policy();
    let p = &policy.policy;
    let saved = created(&policy);
    let mut case = saved.clone();
    meet_everything(p, &mut case);
    answers::set_input(
        p,
        &mut case,
        "tumor_origin",
        Some("cholangiocarcinoma"),
        "N",
    )
    .unwrap();
    let origin = case.answer_mut("tumor_origin");
    origin.evidence = "Pathology: intrahepatic cholangiocarcinoma.".to_string();
    origin.source_document = "Liver biopsy pathology report".to_string();
    sign(
        p,
        &mut case,
        &saved,
        &nurse(),
        Decision::ReferToPhysician,
        T0,
    );
    assert_replays(&case);

    // The physician records a peer-to-peer discussion in the working copy,
    // edits a note, then upholds: both entries replay.
    let saved = case.clone();
    case.answer_mut("amenable").evidence = "Amenable per the radiologist.".to_string();
    decision::record_peer_to_peer(
        &mut case,
        &saved,
        &physician(),
        "Dr. Inventa",
        "No more records.",
        T0 + Duration::hours(2),
    )
    .unwrap();
    case.answer_mut("unresectable").evidence = "Surgical note: unresectable.".to_string();
    sign(
        p,
        &mut case,
        &saved,
        &physician(),
        Decision::Uphold,
        T0 + Duration::hours(3),
    );
    let last = fields(&case.history.last().unwrap().changes);
    assert!(last.iter().any(|f| f.ends_with(".evidence")), "{last:?}");
    assert_replays(&case);

    let saved = case.clone();
    decision::qa_review(
        p,
        &mut case,
        &saved,
        &supervisor(),
        &decision::QaFindings {
            criteria_agree: &[],
            outcome_agrees: true,
            note: "Agrees.",
        },
        T0 + Duration::days(1),
    )
    .unwrap();
    assert_replays(&case);
    let saved = case.clone();
    decision::reopen(
        &mut case,
        &saved,
        &supervisor(),
        "Quote the report",
        T0 + Duration::days(2),
    )
    .unwrap();
    assert_replays(&case);
    let saved = case.clone();
    decision::reassign(
        &mut case,
        &saved,
        &supervisor(),
        "Olive Imaginary, MD",
        T0 + Duration::days(2),
    )
    .unwrap();
    assert_replays(&case);
    let saved = case.clone();
    decision::record_lock_broken(
        &mut case,
        &saved,
        &supervisor(),
        "pid 7 on ws-2",
        "Reviewer left",
        T0 + Duration::days(2),
    )
    .unwrap();
    assert_replays(&case);
    assert_eq!(case.status, Status::Reopened);
}

/// Every kind of change applies back exactly: lists of lesions (grown,
/// shrunk from the middle), criteria answers, the determination appearing,
/// peer-to-peer, QA reviews, amendments, the assigned reviewer, the status.
#[test]
fn changes_apply_back_exactly() {
    let policy = policy();
    let start = created(&policy);
    let mut end = approved(&policy);
    let saved = end.clone();
    decision::qa_review(
        &policy.policy,
        &mut end,
        &saved,
        &supervisor(),
        &decision::QaFindings {
            criteria_agree: &[("amenable".into(), false)],
            outcome_agrees: false,
            note: "Check.",
        },
        T0 + Duration::days(1),
    )
    .unwrap();
    let saved = end.clone();
    decision::reopen(
        &mut end,
        &saved,
        &supervisor(),
        "Amend",
        T0 + Duration::days(2),
    )
    .unwrap();
    end.assigned_reviewer = Some("Paige Exemplar, RN".to_string());
    end.lesions = vec![
        Lesion {
            site: "segment II".into(),
            diameter_cm: Some(1.0),
        },
        Lesion {
            site: "segment IV".into(),
            diameter_cm: None,
        },
        Lesion {
            site: "segment VII".into(),
            diameter_cm: Some(2.5),
        },
    ];
    for (before, after) in [(&start, &end), (&end, &start)] {
        let changes = diff::changes(before, after);
        assert_eq!(
            content(&diff::apply(before, &changes).unwrap()),
            content(after)
        );
    }
    let mut fewer = end.clone();
    fewer.lesions.remove(1);
    fewer.fictional = Some("Fictional.".to_string());
    let changes = diff::changes(&end, &fewer);
    assert_eq!(
        content(&diff::apply(&end, &changes).unwrap()),
        content(&fewer)
    );
}

/// Issue 10 finding 1 needs this: a draft holds only the reviewer's own
/// edits and applies them onto the version the case has moved on to,
/// keeping the supervisor's entry; an edit of a place someone else
/// changed meanwhile is refused, naming it.
#[test]
fn own_edits_apply_onto_a_case_that_moved_on() {
    let policy = policy();
    let p = &policy.policy;
    let base = created(&policy);
    let mut mine = base.clone();
    answers::set_input(p, &mut mine, "unresectable", Some("unresectable"), AUTHOR).unwrap();
    mine.answer_mut("unresectable").evidence = "Surgical note.".to_string();
    let draft = diff::changes(&base, &mine);

    let mut current = base.clone();
    decision::reassign(
        &mut current,
        &base,
        &supervisor(),
        "Paige Exemplar, RN",
        T0 + Duration::hours(1),
    )
    .unwrap();
    let mut rebased = diff::apply(&current, &draft).unwrap();
    assert_eq!(
        rebased.history, current.history,
        "the supervisor's entry is kept"
    );
    assert_eq!(
        rebased.assigned_reviewer.as_deref(),
        Some("Paige Exemplar, RN")
    );
    assert_eq!(
        rebased.answer("unresectable").unwrap().evidence,
        "Surgical note."
    );
    decision::record_save(&mut rebased, &current, &nurse(), T0 + Duration::hours(2))
        .expect("a review's edits save");
    assert_replays(&rebased);

    let mut theirs = base.clone();
    theirs.answer_mut("unresectable").evidence = "Another note.".to_string();
    let err: ApplyError = diff::apply(&theirs, &draft).unwrap_err();
    let index = base
        .criteria
        .iter()
        .position(|a| a.criterion == "unresectable")
        .unwrap();
    assert_eq!(err.field, format!("criteria[{index}].evidence"));
}

#[test]
fn an_outside_edit_is_told_apart_and_accepted_only_by_a_supervisor() {
    let policy = policy();
    let mut case = approved(&policy);
    case.member.name = "Someone Else".to_string();
    case.lesions[0].diameter_cm = Some(4.2);
    let Standing::EditedOutside { changes, after, .. } = history::standing(&case) else {
        panic!("{:?}", history::standing(&case));
    };
    assert_eq!(after, 2);
    let mut changed = fields(&changes);
    changed.sort();
    assert_eq!(changed, ["lesions[0].diameter_cm", "member.name"]);
    let Integrity::Tampered(what) = history::verify(&case) else {
        panic!("an outside edit verifies as intact");
    };
    assert!(
        what.contains("member.name") && what.contains("lesions[0].diameter_cm"),
        "{what}"
    );

    let now = T0 + Duration::days(3);
    let untouched = case.clone();
    assert_eq!(
        history::accept_outside_edit(&mut case, &nurse(), "fine", now),
        Err(OutsideEditError::NotSupervisor(Role::Nurse))
    );
    assert_eq!(
        history::accept_outside_edit(&mut case, &supervisor(), "  ", now),
        Err(OutsideEditError::ReasonRequired)
    );
    assert_eq!(case, untouched);
    let accepted = history::accept_outside_edit(
        &mut case,
        &supervisor(),
        "Member name corrected by enrollment",
        now,
    )
    .unwrap();
    assert_eq!(accepted, changes);
    let entry = case.history.last().unwrap();
    assert_eq!(entry.by, supervisor());
    assert!(
        entry
            .summary
            .contains("Member name corrected by enrollment")
    );
    assert_eq!(entry.changes, changes);
    assert!(case.seal.is_some(), "a finalized case stays sealed");
    assert_replays(&case);
    assert!(matches!(
        history::accept_outside_edit(&mut case, &supervisor(), "again", now),
        Err(OutsideEditError::NothingToAccept(_))
    ));
}

/// The finding: a case edited outside the app and then saved by the app
/// rechained over the edit, and `verify` said intact. Now the entry the
/// save wrote does not give the content it records: the history is not
/// whole, and no one can accept it back as a mere outside edit.
#[test]
fn an_outside_edit_saved_over_is_still_found() {
    let policy = policy();
    let mut on_disk = created(&policy);
    on_disk.member.member_id = "FIC999999999".to_string();
    assert_eq!(
        history::standing(&on_disk).changed_fields(),
        ["member.member_id"]
    );
    // The app loads the edited file as its saved version and saves over it.
    let mut case = on_disk.clone();
    case.answer_mut("amenable").evidence = "A note.".to_string();
    decision::record_save(&mut case, &on_disk, &nurse(), T0 + Duration::hours(1))
        .expect("a review's edits save");
    let Standing::ChainBroken(what) = history::standing(&case) else {
        panic!("{:?}", history::standing(&case));
    };
    assert!(what.contains("history entry 2 (saved)"), "{what}");
    assert!(matches!(history::verify(&case), Integrity::Tampered(_)));
}

#[test]
fn a_rewritten_entry_breaks_the_chain_and_cannot_be_accepted() {
    let policy = policy();
    let mut case = approved(&policy);
    case.history[1].summary = "Nothing happened".to_string();
    assert!(matches!(history::standing(&case), Standing::ChainBroken(_)));
    assert!(matches!(
        history::accept_outside_edit(&mut case, &supervisor(), "ok", T0),
        Err(OutsideEditError::ChainBroken { .. })
    ));
    assert!(matches!(history::verify(&case), Integrity::Tampered(_)));
}

/// An entry whose changes were rewritten and rechained by someone who can
/// compute SHA-256 no longer replays to what it records.
#[test]
fn rechained_changes_that_do_not_give_the_content_are_found() {
    let policy = policy();
    let mut case = approved(&policy);
    let last = case.history.len() - 1;
    case.history[last].changes.retain(|c| c.field != "status");
    let prev = case.history[last - 1].digest.clone();
    case.history[last].prev = prev;
    rechain(&mut case, last);
    assert!(matches!(
        history::replay(&case.history),
        Err(ReplayError::Disagrees { entry: 2, .. })
    ));
    assert!(matches!(history::standing(&case), Standing::ChainBroken(_)));
}

/// Recomputes entry digests from `from` on and the seal, as an editor with
/// a SHA-256 tool could.
fn rechain(case: &mut Case, from: usize) {
    for i in from..case.history.len() {
        let prev = if i == 0 {
            String::new()
        } else {
            case.history[i - 1].digest.clone()
        };
        let entry = &mut case.history[i];
        entry.prev = prev;
        entry.digest.clear();
        let bytes = serde_json::to_vec(&*entry).unwrap();
        entry.digest = umdesk::digest::sha256_hex(&bytes);
    }
    if case.seal.is_some() {
        history::seal(case, T0);
    }
}

/// A history written before every change was recorded (its created entry
/// lists nothing) still verifies by its last digest, as it did.
#[test]
fn a_history_from_before_full_recording_still_verifies() {
    let policy = policy();
    let mut case = created(&policy);
    case.history[0].changes.clear();
    rechain(&mut case, 0);
    assert!(matches!(
        history::replay(&case.history),
        Err(ReplayError::NoCreation { .. })
    ));
    assert_eq!(history::verify(&case), Integrity::Intact);
    case.member.name = "Someone Else".to_string();
    assert!(matches!(history::standing(&case), Standing::ChainBroken(_)));
}

/// `umdesk verify` names the fields edited outside the app.
#[test]
fn verify_names_the_fields_edited_outside_the_app() {
    let policy = policy();
    let scratch = Scratch::new();
    let mut case = approved(&policy);
    case.member.name = "Someone Else".to_string();
    scratch.put(&case);
    let output = scratch.run(&["verify", &case.id]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("edited outside the app"), "{stdout}");
    assert!(stdout.contains("member.name"), "{stdout}");
}

/// One step of a reviewer's or supervisor's work.
#[derive(Debug, Clone)]
enum Op {
    Input(usize, Option<usize>),
    Mark(usize, Answer, bool),
    Clear(usize),
    Note(usize, String),
    AddLesion(Option<f64>),
    RemoveLesion(usize),
    Save,
    Sign(bool),
    PeerToPeer,
    Reassign,
    Reopen,
    Qa(bool),
}

fn op() -> impl Strategy<Value = Op> {
    let answer = prop_oneof![
        Just(Answer::Met),
        Just(Answer::NotMet),
        Just(Answer::Insufficient)
    ];
    prop_oneof![
        (0..5usize, proptest::option::of(0..6usize)).prop_map(|(c, o)| Op::Input(c, o)),
        (0..5usize, answer, any::<bool>()).prop_map(|(c, a, r)| Op::Mark(c, a, r)),
        (0..5usize).prop_map(Op::Clear),
        (0..5usize, "[a-z ]{0,12}").prop_map(|(c, t)| Op::Note(c, t)),
        proptest::option::of(0.5f64..8.0).prop_map(Op::AddLesion),
        (0..4usize).prop_map(Op::RemoveLesion),
        Just(Op::Save),
        any::<bool>().prop_map(Op::Sign),
        Just(Op::PeerToPeer),
        Just(Op::Reassign),
        Just(Op::Reopen),
        any::<bool>().prop_map(Op::Qa),
    ]
}

/// The working copy and the version last saved, played through the rules.
struct Desk<'p> {
    policy: &'p Policy,
    case: Case,
    saved: Case,
    now: OffsetDateTime,
}

impl Desk<'_> {
    fn tick(&mut self) -> OffsetDateTime {
        self.now += Duration::minutes(7);
        self.now
    }

    /// Who works on the case as it stands.
    fn reviewer(&self) -> Reviewer {
        if self.case.status == Status::Referred {
            physician()
        } else {
            nurse()
        }
    }

    fn criterion(&self, i: usize) -> String {
        self.policy.criteria[i].id.clone()
    }

    fn editable(&self) -> bool {
        decision::editable(&self.case, self.reviewer().role).is_ok()
    }

    fn save(&mut self) {
        let now = self.tick();
        let by = self.reviewer();
        decision::record_save(&mut self.case, &self.saved, &by, now)
            .expect("a review's edits save");
        self.saved = self.case.clone();
        assert_replays(&self.case);
    }

    fn play(&mut self, op: &Op) {
        let p = self.policy;
        let author = self.reviewer().name;
        match op {
            Op::Input(..)
            | Op::Mark(..)
            | Op::Clear(_)
            | Op::Note(..)
            | Op::AddLesion(_)
            | Op::RemoveLesion(_)
                if !self.editable() => {}
            Op::Input(c, option) => {
                let id = self.criterion(*c);
                let options = match &p.criteria[*c].input {
                    CriterionInput::Choice { options, .. } => options,
                    CriterionInput::Measurements { .. } => return,
                };
                let chosen = option.and_then(|o| options.get(o)).map(|o| o.id.clone());
                answers::set_input(p, &mut self.case, &id, chosen.as_deref(), &author).unwrap();
            }
            Op::Mark(c, answer, reason) => {
                let id = self.criterion(*c);
                let reason = reason.then_some("The record is read otherwise");
                let _ = answers::mark(p, &mut self.case, &id, *answer, reason, &author);
            }
            Op::Clear(c) => {
                let id = self.criterion(*c);
                answers::clear(p, &mut self.case, &id);
            }
            Op::Note(c, text) => {
                let id = self.criterion(*c);
                let record = self.case.answer_mut(&id);
                record.evidence = text.clone();
                record.source_document = format!("{text} report");
            }
            Op::AddLesion(diameter) => {
                let site = format!("segment {}", self.case.lesions.len() + 1);
                self.case.lesions.push(Lesion {
                    site,
                    diameter_cm: *diameter,
                });
                answers::lesions_changed(p, &mut self.case, &author);
            }
            Op::RemoveLesion(i) => {
                if *i < self.case.lesions.len() {
                    self.case.lesions.remove(*i);
                    answers::lesions_changed(p, &mut self.case, &author);
                }
            }
            Op::Save => self.save(),
            Op::Sign(overturn) => self.sign(*overturn),
            Op::PeerToPeer => {
                let now = self.tick();
                if decision::record_peer_to_peer(
                    &mut self.case,
                    &self.saved,
                    &physician(),
                    "Dr. Inventa",
                    "Talked.",
                    now,
                )
                .is_ok()
                {
                    // Saved with the review, as the app does.
                    self.save();
                }
            }
            Op::Reassign | Op::Reopen | Op::Qa(_) => self.supervise(op),
        }
    }

    fn sign(&mut self, overturn: bool) {
        let p = self.policy;
        let by = self.reviewer();
        let evaluation = evaluate(p, &self.case);
        let choices = decision::decisions_for(evaluation.outcome, by.role);
        let Some(decision) = choices
            .get(usize::from(overturn && choices.len() > 1))
            .copied()
        else {
            return;
        };
        let rationale = if decision == Decision::Overturn {
            "Approved on the full record after review.".to_string()
        } else {
            evaluation.rationale.clone()
        };
        let mut request = request(decision, &rationale);
        if !evaluation.coding_flags.is_empty() {
            request.coding_acknowledgement = Some("Reviewed.".to_string());
        }
        let now = self.tick();
        if decision::decide(p, &mut self.case, &self.saved, &by, &request, now).is_ok() {
            self.saved = self.case.clone();
            assert_replays(&self.case);
        }
    }

    /// A supervisor acts on the saved version; the reviewer saves first.
    fn supervise(&mut self, op: &Op) {
        self.save();
        let now = self.tick();
        let saved = self.saved.clone();
        let done = match op {
            Op::Reassign => decision::reassign(
                &mut self.case,
                &saved,
                &supervisor(),
                "Paige Exemplar, RN",
                now,
            )
            .is_ok(),
            Op::Reopen => {
                decision::reopen(&mut self.case, &saved, &supervisor(), "Amend", now).is_ok()
            }
            Op::Qa(agrees) => decision::qa_review(
                self.policy,
                &mut self.case,
                &saved,
                &supervisor(),
                &decision::QaFindings {
                    criteria_agree: &[],
                    outcome_agrees: *agrees,
                    note: "QA.",
                },
                now,
            )
            .is_ok(),
            _ => false,
        };
        if done {
            self.saved = self.case.clone();
            assert_replays(&self.case);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Random edit-and-save/sign sequences through the rules: after every
    /// saved version, replaying the history from creation gives the saved
    /// content exactly, and the case verifies as intact.
    #[test]
    fn the_history_replays_to_every_saved_version(ops in proptest::collection::vec(op(), 1..40)) {
        let loaded = policy();
        let case = created(&loaded);
        let mut desk = Desk { policy: &loaded.policy, saved: case.clone(), case, now: T0 };
        for op in &ops {
            desk.play(op);
        }
        desk.save();
        prop_assert_eq!(replayed(&desk.case), content(&desk.case));
        prop_assert_eq!(history::verify(&desk.case), Integrity::Intact);
        let origins_ok = desk.case.criteria.iter().all(|a| a.origin != Some(Origin::Override) || a.override_reason.is_some());
        prop_assert!(origins_ok);
    }
}
