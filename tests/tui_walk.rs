//! The app's state machine driven by key events alone, without a terminal
//! (issue 3 item 7, issue 4): a full walk from `n` to a saved, sealed case;
//! every screen reachable; overrides; the physician's decision; quitting;
//! locks; the supervisor's acts; drafts; the queue filter.

mod common;

use common::*;
use ratatui::crossterm::event::KeyCode;
use serde_json::Value;
use umdesk::case::history::{self, Integrity};
use umdesk::case::{Decision, Origin, Outcome, Role, Status};
use umdesk::policy::Answer;
use umdesk::store::{CaseStore, FileStore, LockHolder, hostname};
use umdesk::tui::app::{MessageKind, Screen};
use umdesk::tui::overlay::{Overlay, PromptPurpose};
use umdesk::tui::screens::queue::QueueState;
use umdesk::tui::workspace::WorkView;

fn message(app: &App) -> String {
    app.message
        .as_ref()
        .map(|m| m.text.clone())
        .unwrap_or_default()
}

fn error_message(app: &App) -> String {
    match &app.message {
        Some(m) if m.kind == MessageKind::Error => m.text.clone(),
        other => panic!("expected an error message, got {other:?}"),
    }
}

fn assert_screen(app: &App, name: &str) {
    assert_eq!(screen_name(app), name, "message: {:?}", app.message);
}

/// `n`, the intake filled as a nurse would, `^S`: the new case's id.
fn create_case(app: &mut App, member: &str, product_steps: usize) -> String {
    assert_screen(app, "queue");
    press(app, KeyCode::Char('n'));
    assert_screen(app, "intake");
    fill_intake(app, member, "C22.0", product_steps);
    ctrl(app, 's');
    assert_screen(app, "review");
    open_id(app)
}

/// A case referred to a physician by a nurse: lesion 5.0 cm.
fn referred_case(dir: &std::path::Path, member: &str) -> String {
    let mut app = app_with(dir, nurse());
    let id = create_case(&mut app, member, 0);
    answer_all(&mut app, "5.0");
    // The failed criterion 3 with its evidence and source document: an
    // upheld denial rests on them (issue 11).
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Up);
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "CT 2026-11-20: segment VI measures 5.0 cm");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('o'));
    type_text(&mut app, "Computed tomography of the abdomen, report");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "determination");
    let Screen::Case(ws) = &app.screen else {
        unreachable!()
    };
    assert_eq!(ws.evaluation.outcome, Outcome::DoesNotMeet);
    assert_eq!(ws.decisions(Role::Nurse), vec![Decision::ReferToPhysician]);
    sign(&mut app);
    assert_screen(&app, "queue");
    assert_eq!(load_case(dir, &id).status, Status::Referred);
    id
}

#[test]
fn full_walk_from_new_to_a_saved_sealed_case() {
    let store = empty_store();
    let dir = store.path();
    let mut app = app_with(dir, nurse());
    assert!(app.overlay.is_none());

    press(&mut app, KeyCode::Char('n'));
    assert_screen(&app, "intake");
    // Ctrl-S on an empty form is refused, naming how many fields.
    ctrl(&mut app, 's');
    assert_screen(&app, "intake");
    assert!(error_message(&app).contains("need attention"));
    // The refused attempt moved the focus to the first bad field (member name).
    let Screen::Intake(intake) = &app.screen else {
        unreachable!()
    };
    assert_eq!(intake.focus, 0);

    // Medicare Advantage: two steps right of Commercial PPO.
    fill_intake(&mut app, "Casey Fictional", "C22.0", 2);
    let Screen::Intake(intake) = &app.screen else {
        unreachable!()
    };
    assert!(
        intake.errors.iter().all(Option::is_none),
        "{:?}",
        intake.errors
    );
    ctrl(&mut app, 's');
    assert_screen(&app, "review");
    let id = open_id(&app);
    assert!(message(&app).contains(&id), "{}", message(&app));
    assert!(lock_path(dir, &id).exists(), "an open case is locked");

    // The message answered ^S; the next key takes it away, so it does not
    // stand over the whole review.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Up);
    assert!(app.message.is_none(), "{:?}", app.message);

    // 1: Right until "Unresectable".
    let label = |app: &App| {
        let Screen::Case(ws) = &app.screen else {
            unreachable!()
        };
        ws.case.answer("unresectable").and_then(|a| a.input.clone())
    };
    press(&mut app, KeyCode::Right);
    assert_eq!(label(&app).as_deref(), Some("resectable"));
    press(&mut app, KeyCode::Right);
    assert_eq!(label(&app).as_deref(), Some("unresectable"));
    press(&mut app, KeyCode::Down);
    // 2: the C22.0 suggestion.
    press(&mut app, KeyCode::Char('g'));
    press(&mut app, KeyCode::Down);
    // 3: a lesion in segment VI, 3.2 cm.
    press(&mut app, KeyCode::Char('a'));
    assert!(matches!(
        &app.overlay,
        Some(Overlay::Prompt(p)) if p.purpose == PromptPurpose::AddLesion
    ));
    type_text(&mut app, "segment VI");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "3.2");
    press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    press(&mut app, KeyCode::Down);
    // 4 and 5 through their inputs.
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Right);
    // The evidence note of criterion 5, kept by Esc.
    press(&mut app, KeyCode::Char('e'));
    assert!(matches!(app.overlay, Some(Overlay::Editor { .. })));
    type_text(
        &mut app,
        "Dr. Inventa's note of 2026-11-28: amenable to cryoablation.",
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    // Autosave writes a draft; finalizing must take it away.
    app.autosave();
    assert_eq!(draft_files(dir).len(), 1, "autosave writes the draft");
    {
        let Screen::Case(ws) = &app.screen else {
            unreachable!()
        };
        assert_eq!(ws.evaluation.outcome, Outcome::MeetsCriteria);
    }

    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "determination");
    {
        let Screen::Case(ws) = &app.screen else {
            unreachable!()
        };
        assert_eq!(ws.decisions(Role::Nurse), vec![Decision::Approve]);
    }
    sign(&mut app);
    assert_screen(&app, "queue");
    assert!(message(&app).contains("approved"), "{}", message(&app));
    assert!(message(&app).contains("saved to"), "{}", message(&app));

    // The case on disk.
    let json: Value = load_json(dir, &id);
    assert_eq!(json["status"], "approved");
    assert_eq!(json["determination"]["outcome"], "meets_criteria");
    assert_eq!(json["determination"]["decision"], "approve");
    assert_eq!(json["determination"]["decided_by"]["name"], "Pat Lee, RN");
    assert_eq!(json["member"]["product"], "medicare_advantage");
    assert_eq!(json["request"]["urgency"], "expedited");
    let criteria = json["criteria"].as_array().expect("criteria");
    assert_eq!(criteria.len(), 5);
    for answer in criteria {
        assert_eq!(answer["answer"], "met", "{answer}");
        assert_eq!(answer["origin"], "auto", "{answer}");
    }
    assert_eq!(criteria[0]["input"], "unresectable");
    assert_eq!(criteria[1]["input"], "hcc");
    assert_eq!(
        criteria[4]["evidence"],
        "Dr. Inventa's note of 2026-11-28: amenable to cryoablation."
    );
    assert_eq!(json["lesions"][0]["site"], "segment VI");
    assert_eq!(json["lesions"][0]["diameter_cm"], 3.2);

    let case = load_case(dir, &id);
    let events: Vec<&str> = case.history.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(events, ["created", "decided"]);
    assert_eq!(case.history[0].prev, "");
    assert_eq!(case.history[1].prev, case.history[0].digest);
    assert!(case.seal.is_some(), "a finalized case is sealed");
    assert_eq!(history::verify(&case), Integrity::Intact);
    assert_eq!(case.policy.digest, policy().digest);
    assert_eq!(case.policy.number, policy().policy.number);
    assert!(
        draft_files(dir).is_empty(),
        "no draft is left: {:?}",
        draft_files(dir)
    );
    assert!(!lock_path(dir, &id).exists(), "no lock is left");
}

#[test]
fn every_screen_is_reachable_and_help_opens_from_each() {
    let store = generated_store(8);
    let dir = store.path();
    let final_id = case_with_status(dir, Status::Approved);

    let mut app = app_with(dir, nurse());
    let help = |app: &mut App, key: KeyCode| {
        press(app, key);
        assert!(
            matches!(app.overlay, Some(Overlay::Help { .. })),
            "help on {}",
            screen_name(app)
        );
        // Any key closes it.
        press(app, KeyCode::Esc);
        assert!(app.overlay.is_none());
    };

    assert_screen(&app, "queue");
    help(&mut app, KeyCode::Char('?'));
    help(&mut app, KeyCode::F(1));

    // Dashboard is for supervisors; the nurse is told so.
    press(&mut app, KeyCode::Char('d'));
    assert_screen(&app, "queue");
    assert!(
        error_message(&app).contains("supervisor"),
        "{}",
        message(&app)
    );

    press(&mut app, KeyCode::Char('n'));
    assert_screen(&app, "intake");
    // On a text field `?` is text; F1 is the help key there.
    help(&mut app, KeyCode::F(1));
    press_n(&mut app, KeyCode::Tab, 3);
    let Screen::Intake(intake) = &app.screen else {
        unreachable!()
    };
    assert_eq!(intake.focus, 3, "the product chooser");
    help(&mut app, KeyCode::Char('?'));
    // An untouched intake leaves at once.
    press(&mut app, KeyCode::Esc);
    assert_screen(&app, "queue");

    let id = create_case(&mut app, "Robin Madeup", 0);
    help(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "determination");
    help(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Esc);
    assert_screen(&app, "review");
    press(&mut app, KeyCode::Esc);
    assert_screen(&app, "queue");
    assert!(!lock_path(dir, &id).exists());

    // `v` views the selected case read-only.
    let at = app
        .queue
        .visible
        .iter()
        .position(|&i| *app.queue.listing.cases[i].id == *final_id)
        .expect("the approved case is listed");
    press_n(&mut app, KeyCode::Down, at);
    press(&mut app, KeyCode::Char('v'));
    assert_screen(&app, "case view");
    assert_eq!(open_id(&app), final_id);
    help(&mut app, KeyCode::Char('?'));
    press(&mut app, KeyCode::Esc);
    assert_screen(&app, "queue");
    // Enter on a finalized case opens it read-only too, saying why.
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "case view");
    let Screen::CaseView(view) = &app.screen else {
        unreachable!()
    };
    assert!(
        view.banner.as_deref().unwrap_or("").contains("sealed"),
        "{:?}",
        view.banner
    );
    press(&mut app, KeyCode::Esc);

    let mut boss = app_with(dir, supervisor());
    press(&mut boss, KeyCode::Char('d'));
    assert_screen(&boss, "dashboard");
    help(&mut boss, KeyCode::Char('?'));
    press(&mut boss, KeyCode::Char('r'));
    assert_screen(&boss, "dashboard");
    press(&mut boss, KeyCode::Esc);
    assert_screen(&boss, "queue");
    // A supervisor may not create a case.
    press(&mut boss, KeyCode::Char('n'));
    assert_screen(&boss, "queue");
    assert!(
        error_message(&boss).contains("may create a case"),
        "{}",
        message(&boss)
    );
}

#[test]
fn overriding_a_derived_answer_needs_a_reason() {
    let store = empty_store();
    let dir = store.path();
    let mut app = app_with(dir, nurse());
    let id = create_case(&mut app, "Jordan Notreal", 0);
    press_n(&mut app, KeyCode::Right, 2);
    {
        let Screen::Case(ws) = &app.screen else {
            unreachable!()
        };
        assert_eq!(ws.evaluation.criteria[0].answer, Answer::Met);
        assert_eq!(ws.evaluation.criteria[0].origin, Some(Origin::Auto));
    }
    press(&mut app, KeyCode::Char('x'));
    let is_override = |app: &App| {
        matches!(
            &app.overlay,
            Some(Overlay::Prompt(p)) if matches!(p.purpose, PromptPurpose::OverrideReason { .. })
        )
    };
    assert!(
        is_override(&app),
        "x on an auto-met criterion asks for a reason"
    );
    press(&mut app, KeyCode::Enter);
    assert!(
        is_override(&app),
        "an empty reason is refused; the prompt stays"
    );
    let Some(Overlay::Prompt(prompt)) = &app.overlay else {
        unreachable!()
    };
    assert!(
        prompt
            .error
            .as_deref()
            .is_some_and(|e| e.contains("reason")),
        "{:?}",
        prompt.error
    );
    // Spaces are no reason either.
    type_text(&mut app, "   ");
    press(&mut app, KeyCode::Enter);
    assert!(is_override(&app), "a blank reason is refused");
    type_text(&mut app, "Surgeon's note: resectable after all");
    press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none(), "{:?}", app.message);
    {
        let Screen::Case(ws) = &app.screen else {
            unreachable!()
        };
        let answer = ws.case.answer("unresectable").expect("answer");
        assert_eq!(answer.answer, Some(Answer::NotMet));
        assert_eq!(answer.origin, Some(Origin::Override));
        assert_eq!(
            answer.override_reason.as_deref(),
            Some("Surgeon's note: resectable after all")
        );
        assert_eq!(ws.evaluation.criteria[0].answer, Answer::NotMet);
    }
    // The reviewer's reason shows under the criterion, before anything else
    // that could push it out of its rows at 80 columns.
    let screen = screen_text(&draw(&app, 80, 24));
    assert!(
        screen.contains("Override: Surgeon's note: resectable"),
        "{screen}"
    );
    // Saved, the override and its reason are in the file.
    ctrl(&mut app, 's');
    let json = load_json(dir, &id);
    assert_eq!(json["criteria"][0]["origin"], "override");
    assert_eq!(json["criteria"][0]["answer"], "not_met");
    assert_eq!(
        json["criteria"][0]["override_reason"],
        "Surgeon's note: resectable after all"
    );
    // Esc on an override prompt cancels without changing the answer.
    press(&mut app, KeyCode::Char('u'));
    press(&mut app, KeyCode::Char('x'));
    assert!(is_override(&app));
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    let Screen::Case(ws) = &app.screen else {
        unreachable!()
    };
    assert_eq!(ws.evaluation.criteria[0].answer, Answer::Met);
}

#[test]
fn physician_decides_what_a_nurse_may_not_deny() {
    let store = empty_store();
    let dir = store.path();
    let fit = referred_case(dir, "Morgan Pretend");
    let unfit = referred_case(dir, "Avery Imagined");

    // A nurse opening a referred case gets the read-only view.
    let mut nurse_app = app_with(dir, nurse());
    nurse_app.open_case(&fit);
    assert_screen(&nurse_app, "case view");
    drop(nurse_app);

    let mut app = app_with(dir, physician());
    app.open_case(&fit);
    assert_screen(&app, "determination");
    {
        let Screen::Case(ws) = &app.screen else {
            unreachable!()
        };
        assert_eq!(
            ws.decisions(Role::Physician),
            vec![Decision::Uphold, Decision::Overturn]
        );
        assert_eq!(ws.chosen_decision(Role::Physician), Some(Decision::Uphold));
        // The failed criterion is criterion 3.
        assert_eq!(ws.evaluation.criteria[2].answer, Answer::NotMet);
    }
    sign(&mut app);
    assert!(
        app.overlay.is_none(),
        "the proposed rationale is fit to send: {:?}",
        problems(&app)
    );
    assert_screen(&app, "queue");
    let case = load_case(dir, &fit);
    assert_eq!(case.status, Status::Denied);
    let determination = case.determination.as_ref().expect("determination");
    assert_eq!(determination.decision, Decision::Uphold);
    assert_eq!(determination.decided_by, physician());
    assert!(case.seal.is_some());
    assert_eq!(history::verify(&case), Integrity::Intact);
    assert!(!lock_path(dir, &fit).exists());

    // A rationale edited to drop the appeal rights is refused.
    app.open_case(&unfit);
    assert_screen(&app, "determination");
    press(&mut app, KeyCode::Char('e'));
    let Some(Overlay::Editor { area, .. }) = &app.overlay else {
        panic!("e opens the rationale editor");
    };
    let text = area.text.clone();
    let last_line = text.lines().last().expect("rationale").to_string();
    assert!(last_line.contains("appeal"), "{last_line}");
    // The cursor is at the end: take back the last line and its newline.
    press_n(&mut app, KeyCode::Backspace, last_line.chars().count() + 1);
    press(&mut app, KeyCode::Esc);
    {
        let Screen::Case(ws) = &app.screen else {
            unreachable!()
        };
        let edited = ws.rationale.as_deref().expect("edited rationale");
        assert!(!edited.to_lowercase().contains("appeal"), "{edited}");
    }
    press(&mut app, KeyCode::Char('f'));
    let problems = problems(&app);
    assert!(
        problems.iter().any(|p| p.contains("appeal")),
        "the missing appeal rights are listed: {problems:?}"
    );
    assert_screen(&app, "determination");
    assert_eq!(
        load_case(dir, &unfit).status,
        Status::Referred,
        "nothing was saved"
    );
    // Any key closes the list; the physician is still on the case.
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    assert_screen(&app, "determination");
}

fn problems(app: &App) -> Vec<String> {
    match &app.overlay {
        Some(Overlay::Problems { problems, .. }) => problems.clone(),
        _ => Vec::new(),
    }
}

#[test]
fn quitting_asks_only_when_work_is_unsaved() {
    let store = empty_store();
    let dir = store.path();

    // Nothing unsaved: q quits at once.
    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit);
    assert!(app.overlay.is_none());

    // An answer changed: q asks, d discards and quits.
    let mut app = app_with(dir, nurse());
    let id = create_case(&mut app, "Quinn Untrue", 0);
    press(&mut app, KeyCode::Char('q'));
    assert!(
        app.should_quit,
        "a freshly created case has nothing unsaved"
    );
    assert!(app.overlay.is_none());
    assert!(
        !lock_path(dir, &id).exists(),
        "quitting lets go of the lock"
    );
    let mut app = app_with(dir, nurse());
    app.open_case(&id);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Char('q'));
    assert!(matches!(app.overlay, Some(Overlay::ConfirmQuit)));
    assert!(!app.should_quit);
    // Esc stays.
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    assert!(!app.should_quit);
    assert_screen(&app, "review");
    press(&mut app, KeyCode::Char('q'));
    press(&mut app, KeyCode::Char('d'));
    assert!(app.should_quit);
    assert!(
        !lock_path(dir, &id).exists(),
        "quitting lets go of the lock"
    );
    assert!(
        load_case(dir, &id)
            .answer("unresectable")
            .unwrap()
            .input
            .is_none(),
        "discarded"
    );

    // s saves and quits.
    let mut app = app_with(dir, nurse());
    app.open_case(&id);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Char('q'));
    press(&mut app, KeyCode::Char('s'));
    assert!(app.should_quit);
    let case = load_case(dir, &id);
    assert_eq!(
        case.answer("unresectable").unwrap().input.as_deref(),
        Some("resectable")
    );
    assert_eq!(case.history.last().unwrap().event, "saved");

    // Esc from Review with unsaved changes asks; d goes back to the queue.
    let mut app = app_with(dir, nurse());
    app.open_case(&id);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Esc);
    assert!(matches!(app.overlay, Some(Overlay::ConfirmLeave)));
    press(&mut app, KeyCode::Char('d'));
    assert_screen(&app, "queue");
    assert!(!app.should_quit);
    assert!(!lock_path(dir, &id).exists());

    // A touched intake asks too. In a text field `q` is text; ^C quits.
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "Half Typed q");
    assert!(app.overlay.is_none());
    ctrl(&mut app, 'c');
    assert!(matches!(app.overlay, Some(Overlay::ConfirmQuit)));
    press(&mut app, KeyCode::Char('d'));
    assert!(app.should_quit);
}

#[test]
fn a_second_opener_gets_the_read_only_view_naming_the_holder() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Sam Invented", "FIC300000001"));
    let other = FileStore::open(dir).expect("store");
    let holder = LockHolder {
        reviewer: umdesk::case::Reviewer {
            name: "Dana Whitfield, RN".to_string(),
            role: Role::Nurse,
        },
        host: hostname(),
        pid: std::os::unix::process::parent_id(),
        connection: None,
        session: "other-editor-1".to_string(),
    };
    other
        .lock(&id, &holder)
        .expect("the other editor takes the lock");

    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "case view");
    let Screen::CaseView(view) = &app.screen else {
        unreachable!()
    };
    let banner = view.banner.clone().unwrap_or_default();
    assert!(banner.contains("Dana Whitfield, RN"), "{banner}");
    assert!(banner.contains(&holder.pid.to_string()), "{banner}");
    assert!(banner.contains(&hostname()), "{banner}");
    // Read-only: review keys do nothing to the case.
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Char('m'));
    assert_screen(&app, "case view");
    press(&mut app, KeyCode::Esc);
    // The other editor still holds it.
    let info = other.lock_info(&id).expect("still locked");
    assert_eq!(info.holder, holder);
    // The view is in the access log, and the case file was not rewritten.
    let log = other.access_log(Some(&id)).expect("access log");
    assert!(log.iter().any(|e| e.action == "view"), "{log:?}");
    assert_eq!(load_case(dir, &id).history.len(), 1);
}

#[test]
fn supervisor_qa_reopen_and_reassign() {
    let store = empty_store();
    let dir = store.path();
    let mut app = app_with(dir, nurse());
    let id = create_case(&mut app, "Taylor Fabricated", 0);
    answer_all(&mut app, "3.2");
    press(&mut app, KeyCode::Enter);
    sign(&mut app);
    assert_eq!(load_case(dir, &id).status, Status::Approved);
    let original = load_case(dir, &id);

    let mut boss = app_with(dir, supervisor());
    press(&mut boss, KeyCode::Char('v'));
    assert_screen(&boss, "case view");
    assert_eq!(open_id(&boss), id);

    // QA review: disagree with the outcome and criterion 3, with a note.
    press(&mut boss, KeyCode::Char('Q'));
    assert!(matches!(
        &boss.overlay,
        Some(Overlay::Prompt(p)) if p.purpose == PromptPurpose::QaReview
    ));
    press(&mut boss, KeyCode::Backspace);
    type_text(&mut boss, "n");
    press(&mut boss, KeyCode::Tab);
    type_text(&mut boss, "3");
    press(&mut boss, KeyCode::Tab);
    // An empty note is refused first.
    press(&mut boss, KeyCode::Enter);
    assert!(
        matches!(boss.overlay, Some(Overlay::Prompt(_))),
        "an empty QA note is refused"
    );
    type_text(
        &mut boss,
        "Lesion size not confirmed by the radiology report",
    );
    press(&mut boss, KeyCode::Enter);
    assert!(boss.overlay.is_none(), "{:?}", boss.message);
    let case = load_case(dir, &id);
    assert_eq!(case.qa_reviews.len(), 1);
    let qa = &case.qa_reviews[0];
    assert!(!qa.outcome_agrees);
    assert_eq!(qa.reviewed, "Pat Lee, RN");
    assert_eq!(qa.note, "Lesion size not confirmed by the radiology report");
    let disagreed: Vec<&str> = qa
        .criteria
        .iter()
        .filter(|c| !c.agrees)
        .map(|c| c.criterion.as_str())
        .collect();
    assert_eq!(disagreed, ["tumor_size"]);
    assert_eq!(case.history.last().unwrap().event, "qa_review");
    assert_eq!(case.status, Status::Approved);
    assert_eq!(history::verify(&case), Integrity::Intact);
    assert_eq!(case.determination, original.determination);
    let after_qa = case;

    // Reassigning a finalized case is refused: reopen first.
    press(&mut boss, KeyCode::Char('G'));
    assert!(boss.overlay.is_none(), "refused on a final case");
    assert!(
        error_message(&boss).contains("reopen it for amendment first"),
        "{}",
        message(&boss)
    );

    // Reopen with a reason: the original determination is kept.
    press(&mut boss, KeyCode::Char('R'));
    press(&mut boss, KeyCode::Enter);
    assert!(
        matches!(boss.overlay, Some(Overlay::Prompt(_))),
        "a reason is required"
    );
    type_text(&mut boss, "QA found the lesion size unconfirmed");
    press(&mut boss, KeyCode::Enter);
    assert!(boss.overlay.is_none(), "{:?}", boss.message);
    let case = load_case(dir, &id);
    assert_eq!(case.status, Status::Reopened);
    assert_eq!(case.amendments.len(), 1);
    assert_eq!(
        case.amendments[0].reason,
        "QA found the lesion size unconfirmed"
    );
    assert_eq!(
        Some(&case.amendments[0].original),
        original.determination.as_ref()
    );
    assert_eq!(case.amendments[0].original_seal, after_qa.seal);
    assert!(after_qa.seal.is_some());
    assert_eq!(case.history.last().unwrap().event, "reopened");
    assert_eq!(history::verify(&case), Integrity::Intact);

    // Reassign the reopened case: picked from the reviewers the store
    // knows (here the nurse and the supervisor), not typed.
    press(&mut boss, KeyCode::Char('G'));
    assert!(matches!(boss.overlay, Some(Overlay::Picker(_))));
    press(&mut boss, KeyCode::Enter);
    assert!(boss.overlay.is_none(), "{:?}", boss.message);
    let case = load_case(dir, &id);
    assert_eq!(case.assigned_reviewer.as_deref(), Some("Pat Lee, RN"));
    assert_eq!(case.history.last().unwrap().event, "reassigned");
    assert_eq!(history::verify(&case), Integrity::Intact);
    let events: Vec<&str> = case.history.iter().map(|e| e.event.as_str()).collect();
    assert_eq!(
        events,
        ["created", "decided", "qa_review", "reopened", "reassigned"]
    );

    // A nurse may not do any of it.
    let mut nurse_app = app_with(dir, nurse());
    nurse_app.view_case(&id, None);
    for key in ['Q', 'R', 'G', 'B'] {
        press(&mut nurse_app, KeyCode::Char(key));
        assert!(nurse_app.overlay.is_none(), "{key}");
        assert!(
            error_message(&nurse_app).contains("supervisor"),
            "{key}: {}",
            message(&nurse_app)
        );
    }
}

#[test]
fn a_draft_is_offered_and_recovered_by_the_next_app() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Riley Nonexistent", "FIC400000001"));
    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "review");
    app.autosave();
    assert!(draft_files(dir).is_empty(), "nothing changed, no draft");
    press_n(&mut app, KeyCode::Right, 2);
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "CT 2026-11-20: unresectable");
    press(&mut app, KeyCode::Esc);
    app.autosave();
    let drafts = draft_files(dir);
    assert_eq!(drafts.len(), 1, "{drafts:?}");
    assert!(
        drafts[0]
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{id}--"))),
        "{drafts:?}"
    );
    // The process "dies" here: no save, no unlock.
    app.crash();

    let mut app = app_with(dir, nurse());
    let Some(Overlay::Recover { drafts, selected }) = &app.overlay else {
        panic!("the next start offers the draft");
    };
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].key.subject, id);
    assert_eq!(*selected, 0);
    press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none());
    assert_screen(&app, "review");
    let Screen::Case(ws) = &app.screen else {
        unreachable!()
    };
    let answer = ws.case.answer("unresectable").expect("answer");
    assert_eq!(answer.input.as_deref(), Some("unresectable"));
    assert_eq!(answer.evidence, "CT 2026-11-20: unresectable");
    assert_eq!(ws.evaluation.criteria[0].answer, Answer::Met);
    assert!(ws.is_unsaved(), "recovered work is not saved until ^S");
    assert!(message(&app).contains("Recovered"), "{}", message(&app));
    ctrl(&mut app, 's');
    assert!(draft_files(dir).is_empty(), "saving discards the draft");
    let case = load_case(dir, &id);
    assert_eq!(
        case.answer("unresectable").unwrap().evidence,
        "CT 2026-11-20: unresectable"
    );

    // A draft can be discarded instead.
    press(&mut app, KeyCode::Right);
    app.autosave();
    assert_eq!(draft_files(dir).len(), 1);
    app.crash();
    let mut app = app_with(dir, nurse());
    assert!(matches!(app.overlay, Some(Overlay::Recover { .. })));
    press(&mut app, KeyCode::Char('d'));
    assert!(app.overlay.is_none());
    assert!(draft_files(dir).is_empty());
    assert_screen(&app, "queue");
}

#[test]
fn the_queue_filters_as_you_type() {
    let store = generated_store(12);
    let dir = store.path();
    let mut app = app_with(dir, nurse());
    let all = app.queue.visible.len();
    assert_eq!(all, 12);
    let member = app.queue.listing.cases[app.queue.visible[0]]
        .member()
        .to_string();
    let word = member
        .split_whitespace()
        .last()
        .expect("a surname")
        .to_string();
    let expected = app
        .queue
        .listing
        .cases
        .iter()
        .filter(|c| {
            c.member().to_lowercase().contains(&word.to_lowercase())
                || c.id.to_lowercase().contains(&word.to_lowercase())
        })
        .count();

    press(&mut app, KeyCode::Char('/'));
    assert!(app.queue.filtering);
    type_text(&mut app, &word.to_uppercase());
    assert!(app.queue.visible.len() < all, "{word} narrows the queue");
    assert!(app.queue.visible.len() >= expected.min(1));
    for &i in &app.queue.visible {
        let c = &app.queue.listing.cases[i];
        let hay = format!(
            "{} {} {} {}",
            c.id,
            c.member(),
            c.member_id(),
            c.reviewer().unwrap_or("")
        )
        .to_lowercase();
        assert!(hay.contains(&word.to_lowercase()), "{hay}");
    }
    // Keys typed into the filter are text, not commands.
    assert_screen(&app, "queue");
    press(&mut app, KeyCode::Char('n'));
    assert_screen(&app, "queue");
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Esc);
    assert!(!app.queue.filtering);
    assert!(app.queue.filter.text.is_empty());
    assert_eq!(app.queue.visible.len(), all);

    // Nothing matches: the list is empty, and Esc brings it back.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "zzzz-no-such");
    assert!(app.queue.visible.is_empty());
    press(&mut app, KeyCode::Enter);
    assert!(!app.queue.filtering);
    assert_eq!(app.queue.filter.text, "zzzz-no-such");
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "queue");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.queue.visible.len(), all);

    // s cycles the status filter through every status, then back to all.
    let mut seen = Vec::new();
    for _ in 0..Status::ALL.len() {
        press(&mut app, KeyCode::Char('s'));
        let status = app.queue.status_filter.expect("a status");
        for &i in &app.queue.visible {
            assert_eq!(app.queue.listing.cases[i].status, status);
        }
        seen.push((status, app.queue.visible.len()));
    }
    assert_eq!(seen.iter().map(|(_, n)| n).sum::<usize>(), all, "{seen:?}");
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(app.queue.status_filter, None);
    press(&mut app, KeyCode::Char('s'));
    assert!(app.queue.status_filter.is_some());
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.queue.status_filter, None);
    assert_eq!(app.queue.visible.len(), all);
    assert_screen(&app, "queue");
}

#[test]
fn the_review_keys_work_on_the_policy_pane() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Drew Hypothetical", "FIC500000001"));
    let mut app = app_with(dir, nurse());
    app.open_case(&id);
    assert_screen(&app, "review");
    let section = |app: &App| {
        let Screen::Case(ws) = &app.screen else {
            unreachable!()
        };
        (ws.section, ws.view)
    };
    let (start, view) = section(&app);
    assert_eq!(view, WorkView::Review);
    press(&mut app, KeyCode::Char(']'));
    assert_eq!(section(&app).0, start + 1);
    press(&mut app, KeyCode::Char('['));
    assert_eq!(section(&app).0, start);
    // Definitions of the focused criterion.
    press(&mut app, KeyCode::Char('D'));
    assert!(matches!(app.overlay, Some(Overlay::Definitions { .. })));
    press(&mut app, KeyCode::Esc);
    // Search the policy, then step through the hits.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "investigational");
    press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none(), "{:?}", app.message);
    let Screen::Case(ws) = &app.screen else {
        unreachable!()
    };
    let hits = ws.search.as_ref().expect("search").hits.len();
    assert!(hits > 0);
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Char('N'));
    let Screen::Case(ws) = &app.screen else {
        unreachable!()
    };
    assert_eq!(ws.search.as_ref().unwrap().current, 0);
    // A search with no hit says so and keeps the prompt.
    press(&mut app, KeyCode::Char('/'));
    ctrl(&mut app, 'u');
    type_text(&mut app, "qwertyuiop");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.overlay, Some(Overlay::Prompt(_))));
    press(&mut app, KeyCode::Esc);
    // Nothing of this changed the case.
    let Screen::Case(ws) = &app.screen else {
        unreachable!()
    };
    assert!(!ws.is_unsaved());
}

#[test]
fn a_lesion_answer_records_its_author() {
    let store = empty_store();
    let dir = store.path();
    let mut app = app_with(dir, nurse());
    let id = create_case(&mut app, "Lee Imaginary", 0);
    answer_all(&mut app, "3.2");
    ctrl(&mut app, 's');
    let case = load_case(dir, &id);
    for answer in &case.criteria {
        assert_eq!(answer.origin, Some(Origin::Auto), "{}", answer.criterion);
        assert_eq!(
            answer.author.as_deref(),
            Some("Pat Lee, RN"),
            "the author of {}",
            answer.criterion
        );
    }
}

/// Text still in the note editor is drafted too: a connection that drops
/// mid-sentence loses nothing typed before the last autosave.
#[test]
fn text_still_in_the_editor_is_in_the_draft() {
    let store = empty_store();
    let dir = store.path();
    let _id = seed_case(dir, facts("Riley Nonexistent", "FIC400000001"));
    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "review");
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "Surgical oncology: not a candidate");
    app.autosave();
    let draft = std::fs::read_to_string(&draft_files(dir)[0])
        .expect("a draft while the editor is still open");
    assert!(
        draft.contains("Surgical oncology: not a candidate"),
        "{draft}"
    );
    // The process "dies" with the editor open; the next start recovers it.
    app.crash();
    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "review");
    let Screen::Case(ws) = &app.screen else {
        unreachable!()
    };
    let evidence = &ws.case.answer("unresectable").unwrap().evidence;
    assert_eq!(evidence, "Surgical oncology: not a candidate");
}

/// The first frame may come from the queue index alone; the full listing
/// follows it, so a case added behind the index's back still shows.
#[test]
fn the_queue_starts_from_the_index_and_then_lists_every_file() {
    let store = generated_store(12);
    let dir = store.path();
    // A first app builds the index.
    drop(app_with(dir, nurse()));
    let extra = umdesk::fixtures::generate(
        &umdesk::policy::LoadedPolicy::embedded(),
        1,
        99,
        fixed_now(),
    );
    let mut late = extra.into_iter().next().unwrap();
    late.id = "UM-20991231-0001".to_string();
    umdesk::rules::answers::sync_all(&umdesk::policy::LoadedPolicy::embedded().policy, &mut late);
    write_case(dir, &late);

    let mut app = app_with(dir, nurse());
    assert!(app.listing_is_cached, "the index served the first frame");
    let count_before = app.queue.listing.cases.len();
    app.finish_listing();
    assert!(!app.listing_is_cached);
    assert_eq!(
        app.queue.listing.cases.len() + app.queue.listing.unreadable.len(),
        count_before + 1
    );
}

/// After the full listing the queue is exactly what a full listing says:
/// a file changed behind the index's back is read again, a removed one is
/// gone, and the selection stays on its case.
#[test]
fn the_full_listing_replaces_the_cached_queue_with_what_the_files_say() {
    let store = generated_store(30);
    let dir = store.path();
    drop(app_with(dir, nurse()));
    let files = FileStore::open(dir).expect("store");
    let before = files.list().cases;
    let changed = before[3].id.to_string();
    let mut case = load_case(dir, &changed);
    case.member.name = "Renamed Member".into();
    write_case(dir, &case);
    let removed = before[5].id.to_string();
    std::fs::remove_file(case_path(dir, &removed)).unwrap();

    let mut app = app_with(dir, nurse());
    assert!(app.listing_is_cached, "the index served the first frame");
    assert_eq!(app.queue.listing.cases, before, "the index as it was");
    press_n(&mut app, KeyCode::Down, 9);
    let selected = app.queue.selected_id().expect("a selection");
    app.finish_listing();

    assert_eq!(app.queue.listing.cases, files.list().cases);
    assert_eq!(app.queue.listing.cases.len(), 29);
    assert_eq!(app.queue.not_listed, 0);
    let renamed = app.queue.listing.cases.iter().find(|c| *c.id == *changed);
    assert_eq!(renamed.map(|c| c.member()), Some("Renamed Member"));
    assert!(!app.queue.listing.cases.iter().any(|c| *c.id == *removed));
    assert_eq!(app.queue.selected_id(), Some(selected));
}

/// The first frame over a large store decodes only the head of the index,
/// but it counts every case and shows the rows the full queue starts with.
#[test]
fn a_first_frame_from_the_head_of_the_index_counts_every_case() {
    let store = generated_store(12);
    let dir = store.path();
    drop(app_with(dir, nurse()));
    let head = FileStore::open(dir)
        .expect("store")
        .list_cached(3)
        .expect("an index");
    assert_eq!((head.listing.cases.len(), head.more), (3, 9));
    let mut app = app_with(dir, nurse());
    app.finish_listing();
    let full = rows(&draw(&app, 80, 24));
    app.queue = QueueState::from_cache(head, app.queue.now);
    let first = rows(&draw(&app, 80, 24));
    assert!(first[1].contains("12 of 12 cases"), "{first:#?}");
    assert_eq!(first[..6], full[..6], "the head of the queue, in its order");
}

/// A half-typed intake is drafted like a review: a nurse whose session dies
/// mid-intake is offered it back, every field as typed.
#[test]
fn a_half_typed_intake_is_drafted_and_offered_back() {
    let store = empty_store();
    let dir = store.path();
    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Char('n'));
    assert_screen(&app, "intake");
    type_text(&mut app, "Uma Halfway");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "FIC700000007");
    app.autosave();
    let drafts = draft_files(dir);
    assert_eq!(drafts.len(), 1, "the intake is drafted: {drafts:?}");
    app.crash();

    let mut app = app_with(dir, nurse());
    let Some(Overlay::Recover { drafts, .. }) = &app.overlay else {
        panic!("the next start offers the intake");
    };
    assert!(drafts[0].key.subject.starts_with("new-"), "{drafts:?}");
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "intake");
    let Screen::Intake(intake) = &app.screen else {
        unreachable!()
    };
    assert_eq!(intake.inputs[0].value(), "Uma Halfway");
    assert_eq!(intake.inputs[1].value(), "FIC700000007");
    assert!(
        message(&app).contains("Recovered the intake"),
        "{}",
        message(&app)
    );
    // Another nurse is never offered it.
    let other = app_with(
        dir,
        umdesk::case::Reviewer {
            name: "Sam Okafor, RN".to_string(),
            role: Role::Nurse,
        },
    );
    assert!(
        other.overlay.is_none(),
        "only its author is offered a draft"
    );
}

/// A case is shown only when its viewing is recorded: with an access log
/// that cannot be written, the app refuses, as `umdesk show` does.
#[test]
fn a_case_is_not_shown_when_the_access_log_cannot_be_written() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Riley Nonexistent", "FIC400000001"));
    let mut app = app_with(dir, nurse());
    // Something that is not a file where the log must be written.
    std::fs::create_dir(dir.join("access.log")).expect("a directory in the log's place");
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "queue");
    let error = error_message(&app);
    assert!(
        error.contains("access log") && error.contains(&id),
        "{error}"
    );
    assert!(
        !lock_path(dir, &id).exists(),
        "a refused open leaves no lock behind"
    );
    press(&mut app, KeyCode::Char('v'));
    assert_screen(&app, "queue");
}

/// A draft whose session is gone belongs to its author; a supervisor sees
/// it on the case and can hand it to the case's next reviewer, which the
/// case's history records.
#[test]
fn a_supervisor_hands_a_lost_sessions_draft_to_the_next_reviewer() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Riley Nonexistent", "FIC400000001"));
    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "CT 2026-11-20: unresectable");
    press(&mut app, KeyCode::Esc);
    app.autosave();
    app.crash();

    let next = umdesk::case::Reviewer {
        name: "Bo Second, RN".to_string(),
        role: Role::Nurse,
    };
    let mut boss = app_with(dir, supervisor());
    boss.view_case(&id, None);
    assert_screen(&boss, "case view");
    let Screen::CaseView(view) = &boss.screen else {
        unreachable!()
    };
    assert_eq!(view.orphaned_drafts.len(), 1, "the lost draft is shown");
    assert_eq!(view.orphaned_drafts[0].key.author, nurse().name);
    press(&mut boss, KeyCode::Char('H'));
    type_text(&mut boss, &next.name);
    press(&mut boss, KeyCode::Enter);
    assert!(boss.overlay.is_none(), "{:?}", boss.message);
    let case = load_case(dir, &id);
    let last = case.history.last().expect("an entry");
    assert_eq!(last.event, "draft handed over");
    assert!(last.summary.contains("Bo Second, RN"), "{}", last.summary);

    // The first nurse is not offered it any more; the next reviewer is.
    assert!(app_with(dir, nurse()).overlay.is_none());
    let mut bo = app_with(dir, next);
    let Some(Overlay::Recover { drafts, .. }) = &bo.overlay else {
        panic!("the next reviewer is offered the draft");
    };
    assert_eq!(drafts[0].key.subject, id);
    press(&mut bo, KeyCode::Enter);
    assert_screen(&bo, "review");
    let Screen::Case(ws) = &bo.screen else {
        unreachable!()
    };
    assert_eq!(
        ws.case.answer("unresectable").unwrap().evidence,
        "CT 2026-11-20: unresectable"
    );
}

/// A draft is the reviewer's own unsaved edits, kept in the store where
/// anyone who can write there can change it. One that claims more than a
/// review can do (a status, a determination by a physician who never
/// decided) is not applied, naming the field, and ^S writes none of it:
/// those change only through a decision and its checks.
#[test]
fn a_draft_that_claims_a_decision_is_refused_and_nothing_of_it_saved() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Riley Nonexistent", "FIC400000001"));
    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Enter);
    press_n(&mut app, KeyCode::Right, 2);
    app.autosave();
    app.crash();

    // The draft file, edited: the case approved by a physician.
    let path = draft_files(dir).pop().expect("a draft");
    let mut outer: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut draft: Value = serde_json::from_str(outer["draft"].as_str().unwrap()).unwrap();
    let forged = serde_json::json!({
        "outcome": "meets_criteria",
        "decision": "approve",
        "rationale": "Approved.",
        "missing_information": [],
        "coding_flags": [],
        "coding_acknowledgement": null,
        "benefit_statement": "",
        "decided_by": {"name": "Olive Imaginary, MD", "role": "physician"},
        "decided_at": "2026-12-06T22:00:00Z"
    });
    let edits = draft["edits"].as_array_mut().unwrap();
    edits.push(serde_json::json!({"field": "status", "from": "in_review", "to": "approved"}));
    edits.push(serde_json::json!({"field": "determination", "from": null, "to": forged}));
    outer["draft"] = Value::String(draft.to_string());
    std::fs::write(&path, outer.to_string()).unwrap();

    let mut app = app_with(dir, nurse());
    assert!(matches!(app.overlay, Some(Overlay::Recover { .. })));
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "review");
    let text = error_message(&app);
    assert!(
        text.contains("kept but not applied") && text.contains("status"),
        "{text}"
    );
    let Screen::Case(ws) = &app.screen else {
        unreachable!()
    };
    assert_eq!(ws.case.status, Status::InReview);
    assert!(ws.case.determination.is_none());
    ctrl(&mut app, 's');
    let saved = load_case(dir, &id);
    assert_eq!(saved.status, Status::InReview);
    assert!(saved.determination.is_none());
    assert_eq!(draft_files(dir), [path], "the draft is kept, as it was");
}

/// Recovering a draft never rolls the case back: a supervisor who broke
/// the lost session's lock meanwhile keeps that entry in the history, and
/// the nurse's own edit is applied onto the case as it is now.
#[test]
fn recovering_a_draft_over_a_case_that_moved_on_keeps_everyone_s_work() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Riley Nonexistent", "FIC400000001"));
    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Enter);
    press_n(&mut app, KeyCode::Right, 2);
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, "CT 2026-11-20: unresectable");
    press(&mut app, KeyCode::Esc);
    app.autosave();
    app.crash();

    // A supervisor breaks the lost session's lock, with a reason.
    let mut boss = app_with(dir, supervisor());
    boss.view_case(&id, None);
    press(&mut boss, KeyCode::Char('B'));
    type_text(&mut boss, "Nurse disconnected; case needed today");
    press(&mut boss, KeyCode::Enter);
    assert!(boss.overlay.is_none(), "{:?}", boss.message);
    let after_break = load_case(dir, &id);
    let broke = after_break.history.last().expect("an entry").clone();
    assert_ne!(broke.event, "created", "the break is in the history");

    // The nurse comes back and recovers the draft onto the newer version.
    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "review");
    assert!(
        message(&app).contains("onto the version saved since"),
        "{}",
        message(&app)
    );
    ctrl(&mut app, 's');
    let saved = load_case(dir, &id);
    assert!(
        saved.history.iter().any(|e| e.digest == broke.digest),
        "the supervisor's entry is still in the chain"
    );
    assert_eq!(
        saved.answer("unresectable").unwrap().evidence,
        "CT 2026-11-20: unresectable",
        "the nurse's typed text is not lost"
    );
    assert_eq!(
        umdesk::case::history::verify(&saved),
        umdesk::case::history::Integrity::Intact
    );
}

/// A case edited outside the app is verified before it is opened for
/// editing: it opens read-only with a banner, and only a supervisor can
/// accept the edit into the history (with a reason); then it can be edited.
#[test]
fn a_case_edited_outside_opens_read_only_until_a_supervisor_accepts_it() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("Riley Nonexistent", "FIC400000001"));
    let mut case = load_case(dir, &id);
    case.member.name = "Riley Changedbyhand".to_string();
    write_case(dir, &case);

    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "case view");
    let Screen::CaseView(view) = &app.screen else {
        unreachable!()
    };
    let banner = view.banner.clone().unwrap_or_default();
    assert!(banner.contains("edited outside umdesk"), "{banner}");
    assert!(banner.contains("member.name"), "{banner}");
    press(&mut app, KeyCode::Char('A'));
    assert!(app.overlay.is_none(), "a nurse may not accept it");

    let mut boss = app_with(dir, supervisor());
    boss.view_case(&id, None);
    press(&mut boss, KeyCode::Char('A'));
    press(&mut boss, KeyCode::Enter);
    assert!(boss.overlay.is_some(), "a reason is required");
    type_text(&mut boss, "Member's legal name corrected by enrollment");
    press(&mut boss, KeyCode::Enter);
    assert!(boss.overlay.is_none(), "{:?}", boss.message);
    let accepted = load_case(dir, &id);
    assert_eq!(
        umdesk::case::history::standing(&accepted),
        umdesk::case::history::Standing::Intact
    );
    let last = accepted.history.last().unwrap();
    assert!(
        last.summary.contains("Member's legal name corrected"),
        "{}",
        last.summary
    );

    let mut app = app_with(dir, nurse());
    press(&mut app, KeyCode::Enter);
    assert_screen(&app, "review");
}

/// `f` shows what will be signed (the decision, the outcome, the criteria,
/// the signer) and asks once; signing a case assigned to another reviewer
/// says whose it is. Esc signs nothing.
#[test]
fn signing_shows_what_is_signed_and_asks_once() {
    let store = empty_store();
    let dir = store.path();
    let mut app = app_with(dir, nurse());
    let id = create_case(&mut app, "Taylor Fabricated", 0);
    answer_all(&mut app, "3.2");
    ctrl(&mut app, 's');
    let mut case = load_case(dir, &id);
    let before = case.clone();
    case.assigned_reviewer = Some("Sam Okafor, RN".to_string());
    umdesk::case::history::record(
        &mut case,
        Some(&before),
        &supervisor(),
        "reassigned",
        "Reassigned",
        NOW,
    );
    write_case(dir, &case);
    drop(app);

    let mut app = app_with(dir, nurse());
    app.open_case(&id);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('f'));
    let Some(Overlay::ConfirmSign { lines, .. }) = &app.overlay else {
        panic!("f asks first: {:?}", app.message);
    };
    let text = lines.join("\n");
    assert!(text.contains("Approve: Meets criteria"), "{text}");
    assert!(text.contains("Signed by Pat Lee, RN (nurse)"), "{text}");
    assert!(text.contains("assigned to Sam Okafor, RN"), "{text}");
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    assert_eq!(
        load_case(dir, &id).status,
        Status::InReview,
        "Esc signs nothing"
    );
    sign(&mut app);
    assert_eq!(load_case(dir, &id).status, Status::Approved);
}
