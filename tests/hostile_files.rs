//! Whatever bytes a case file holds, loading it gives a case or a clear
//! error naming where it went wrong; it never panics. A case that loads is
//! also evaluated, shown as `umdesk show` shows it, and drawn by the app
//! in the case view and in review at 80x24, without a panic.

mod common;

use proptest::prelude::*;
use umdesk::case::{Case, parse_case};
use umdesk::store::{CaseStore, MemoryStore};
use umdesk::tui::theme::{Symbols, Theme};

fn samples() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/saved-cases");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect()
}

fn sample() -> String {
    samples().swap_remove(0)
}

/// Everything a reviewer does with a case that loaded: the rules'
/// evaluation, `umdesk show` (with its history), and the app's case view
/// and review at 80x24. A panic anywhere fails the test.
fn use_everywhere(case: &Case) {
    let policy = common::policy();
    umdesk::rules::evaluate(&policy.policy, case);
    umdesk::cli::show_text(case, &policy, true);
    let store = std::sync::Arc::new(MemoryStore::new());
    let parsed = case.clone();
    let id = store
        .create(
            &mut case.clone(),
            case.request.received_at.date(),
            &mut |stored: &mut Case| {
                let id = std::mem::take(&mut stored.id);
                *stored = parsed.clone();
                stored.id = id;
            },
        )
        .expect("the memory store takes any case");
    let mut app = common::App::start(
        common::settings(common::supervisor()),
        Theme::monochrome(Symbols::UNICODE),
        store,
    );
    app.finish_listing();
    common::draw(&app, 80, 24);
    app.view_case(&id, None);
    common::draw(&app, 80, 24);
    common::press(&mut app, ratatui::crossterm::event::KeyCode::Esc);
    app.open_case(&id);
    common::draw(&app, 80, 24);
}

/// `sample` with its `leaf`th string (counted round) replaced by `text`, if the case
/// still parses.
fn with_text_at(sample: &str, leaf: usize, text: &str) -> Option<Case> {
    let mut document: serde_json::Value = serde_json::from_str(sample).unwrap();
    let pointers = common::string_pointers(&document);
    let pointer = &pointers[leaf % pointers.len()];
    *document.pointer_mut(pointer)? = serde_json::Value::String(text.to_string());
    parse_case(&document.to_string()).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_give_an_error_with_a_position(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let text = String::from_utf8_lossy(&bytes);
        match parse_case(&text) {
            Ok(case) => use_everywhere(&case),
            Err(err) => {
                prop_assert!(err.line >= 1);
                prop_assert!(err.path.starts_with('$'));
            }
        }
    }

    #[test]
    fn a_mutated_sample_gives_a_case_or_an_error(which in any::<usize>(), at in 0usize..100_000, byte in any::<u8>(), cut in any::<bool>()) {
        let mut samples = samples();
        let text = samples.swap_remove(which % samples.len());
        let mut bytes = text.into_bytes();
        let at = at % bytes.len();
        if cut {
            bytes.truncate(at);
        } else {
            bytes[at] = byte;
        }
        let text = String::from_utf8_lossy(&bytes);
        match parse_case(&text) {
            Ok(case) => {
                prop_assert!(umdesk::case::case_id_problem(&case.id).is_none());
                use_everywhere(&case);
            }
            Err(err) => prop_assert!(!err.message.is_empty()),
        }
    }

    /// Any text at all in any string of a case: a name, a note, a date, a
    /// digest (a hand-edited digest of non-ASCII characters once panicked
    /// `show`, `evaluate` and the case view).
    #[test]
    fn any_text_in_any_field_is_used_without_a_panic(
        which in any::<usize>(),
        leaf in any::<usize>(),
        text in proptest::collection::vec(any::<char>(), 0..40),
    ) {
        let samples = samples();
        let text: String = text.into_iter().collect();
        if let Some(case) = with_text_at(&samples[which % samples.len()], leaf, &text) {
            use_everywhere(&case);
        }
    }
}

/// The digests `show`, `evaluate` and the case view shorten, hand-edited
/// to characters of several bytes each.
#[test]
fn a_digest_of_wide_characters_is_shown_without_a_panic() {
    let mut case = samples()
        .iter()
        .map(|text| parse_case(text).unwrap())
        .find(|case| case.seal.is_some())
        .expect("a sealed sample");
    // The twelfth byte falls inside a character in both.
    case.policy.digest = format!("a{}", "é".repeat(40));
    if let Some(seal) = &mut case.seal {
        seal.digest = format!("ab{}", "山".repeat(40));
    }
    use_everywhere(&case);
    let text = umdesk::cli::show_text(&case, &common::policy(), true);
    assert!(text.contains(&format!("a{}", "é".repeat(11))), "{text}");
    assert!(text.contains(&format!("ab{}", "山".repeat(10))), "{text}");
}

#[test]
fn an_unknown_field_is_named_by_its_path() {
    let mut value: serde_json::Value = serde_json::from_str(&sample()).unwrap();
    value["member"]["colour"] = serde_json::json!("blue");
    let err = parse_case(&value.to_string()).unwrap_err();
    assert_eq!(err.path, "$.member.colour");
    assert!(err.message.contains("colour"), "{}", err.message);
}
