//! Hostile input (issue 5 item 5 (a) and the wide-text clause): random key
//! sequences at random terminal sizes from 1x1 to 300x100 never panic, and
//! a 1 MB note of CJK, emoji and combining marks renders without breaking
//! the frame.

mod common;

use common::*;
use proptest::prelude::*;
use proptest::sample::select;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use umdesk::case::Reviewer;
use umdesk::tui::app::Screen;
use umdesk::tui::keymap::BINDINGS;
use umdesk::tui::overlay::Overlay;

#[derive(Debug, Clone)]
enum Step {
    Key(KeyEvent),
    Resize(u16, u16),
    Paste(String),
}

fn special_keys() -> Vec<KeyCode> {
    vec![
        KeyCode::Enter,
        KeyCode::Esc,
        KeyCode::Tab,
        KeyCode::BackTab,
        KeyCode::Up,
        KeyCode::Down,
        KeyCode::Left,
        KeyCode::Right,
        KeyCode::Home,
        KeyCode::End,
        KeyCode::PageUp,
        KeyCode::PageDown,
        KeyCode::Backspace,
        KeyCode::Delete,
        KeyCode::Insert,
        KeyCode::F(1),
        KeyCode::F(5),
        KeyCode::Null,
    ]
}

fn key_strategy() -> impl Strategy<Value = KeyEvent> {
    let bound: Vec<KeyEvent> = BINDINGS
        .iter()
        .map(|b| KeyEvent::new(b.code, b.modifiers))
        .collect();
    let modifiers = vec![
        KeyModifiers::NONE,
        KeyModifiers::SHIFT,
        KeyModifiers::CONTROL,
        KeyModifiers::ALT,
        KeyModifiers::CONTROL | KeyModifiers::SHIFT,
    ];
    prop_oneof![
        6 => select(bound),
        3 => select(special_keys()).prop_map(|code| KeyEvent::new(code, KeyModifiers::NONE)),
        // Text that forms can take: digits, a decimal point, letters.
        2 => select("0123456789.,- abcxyzCGR".chars().collect::<Vec<_>>())
            .prop_map(|c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        2 => (any::<char>(), select(modifiers)).prop_map(|(c, m)| KeyEvent::new(KeyCode::Char(c), m)),
        // Key releases and repeats, as kitty-protocol terminals report them.
        1 => select(special_keys()).prop_map(|code| {
            let mut key = KeyEvent::new(code, KeyModifiers::NONE);
            key.kind = KeyEventKind::Release;
            key
        }),
    ]
}

fn step_strategy() -> impl Strategy<Value = Step> {
    prop_oneof![
        20 => key_strategy().prop_map(Step::Key),
        2 => (1u16..=300, 1u16..=100).prop_map(|(w, h)| Step::Resize(w, h)),
        1 => ".{0,40}".prop_map(Step::Paste),
    ]
}

fn reviewer_strategy() -> impl Strategy<Value = Reviewer> {
    select(vec![nurse(), physician(), supervisor()])
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_keys_at_random_sizes_never_panic(
        reviewer in reviewer_strategy(),
        (width, height) in (1u16..=300, 1u16..=100),
        steps in proptest::collection::vec(step_strategy(), 1..200),
    ) {
        let store = generated_store(4);
        let mut app = app_with(store.path(), reviewer);
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
        terminal.draw(|f| umdesk::tui::view::render(&app, f)).expect("draw");
        for (i, step) in steps.iter().enumerate() {
            match step {
                Step::Key(key) => app.handle_key(*key),
                Step::Resize(w, h) => terminal.backend_mut().resize(*w, *h),
                Step::Paste(text) => app.paste(text),
            }
            if i % 16 == 0 {
                app.autosave();
            }
            terminal.draw(|f| umdesk::tui::view::render(&app, f)).expect("draw");
        }
        // Whatever happened, the app can still let go of its case.
        app.shutdown();
    }
}

/// About a megabyte of text that is hard to lay out: CJK (two cells wide),
/// emoji with skin tones and joiners, combining marks, right-to-left
/// script, a zero-width space, and lines of many lengths.
fn hostile_note() -> String {
    let pieces = [
        "肝細胞癌の凍結療法 ",
        "👩🏽‍⚕️ ",
        "🧊🔬",
        "e\u{301}\u{302}\u{303}",
        "a\u{0308}\u{0323}\u{0331} ",
        "간세포암 ",
        "ｆｕｌｌｗｉｄｔｈ ",
        "\u{200b}",
        "肿瘤直径小于五厘米",
        "مرحبا بالعالم ",
        "Z\u{0351}\u{0352}\u{0353}\u{0354}\u{0355}a\u{036b}\u{036c}l\u{0300}\u{0301}g\u{0316}o ",
        "🇺🇸🏳️‍🌈",
        "segment VI 3.2 cm ",
    ];
    let mut note = String::with_capacity(1_100_000);
    let mut i = 0usize;
    while note.len() < 1_000_000 {
        note.push_str(pieces[i % pieces.len()]);
        // Lines of varying length; one very long line in the middle.
        if i % 37 == 36 && !(20_000..40_000).contains(&i) {
            note.push('\n');
        }
        i += 1;
    }
    note
}

/// Every box in the frame whose four corners are drawn: (left, top, right, bottom).
fn boxes(rows: &[Vec<String>]) -> Vec<(usize, usize, usize, usize)> {
    let mut found = Vec::new();
    for (top, row) in rows.iter().enumerate() {
        for (left, cell) in row.iter().enumerate() {
            if cell != "┌" {
                continue;
            }
            let Some(right) = (left + 1..row.len()).find(|&x| row[x] == "┐") else {
                continue;
            };
            let Some(bottom) = (top + 1..rows.len()).find(|&y| rows[y][left] == "└") else {
                continue;
            };
            if rows[bottom][right] == "┘" {
                found.push((left, top, right, bottom));
            }
        }
    }
    found
}

fn cells(terminal: &Terminal<TestBackend>) -> Vec<Vec<String>> {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect()
        })
        .collect()
}

fn frame_text(rows: &[Vec<String>]) -> String {
    rows.iter()
        .map(|r| r.concat())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The biggest box on screen has its sides drawn on every row.
fn assert_popup_intact(terminal: &Terminal<TestBackend>) {
    let rows = cells(terminal);
    let popup = boxes(&rows)
        .into_iter()
        .max_by_key(|(l, t, r, b)| (r - l) * (b - t))
        .unwrap_or_else(|| panic!("no box on screen:\n{}", frame_text(&rows)));
    let (left, top, right, bottom) = popup;
    for (y, row) in rows.iter().enumerate().take(bottom).skip(top + 1) {
        assert_eq!(row[left], "│", "row {y}, left side:\n{}", frame_text(&rows));
        assert_eq!(
            row[right],
            "│",
            "row {y}, right side:\n{}",
            frame_text(&rows)
        );
    }
}

/// The policy pane's left border runs from its top corner down to the row
/// above the live determination (barred beside the focused criterion).
fn assert_policy_pane_intact(terminal: &Terminal<TestBackend>) {
    let rows = cells(terminal);
    let height = rows.len();
    let column = rows[1]
        .iter()
        .position(|c| c == "┌")
        .unwrap_or_else(|| panic!("no policy pane:\n{}", frame_text(&rows)));
    let expected = (rows[0].len() as u16 / 2).clamp(38, 70) as usize;
    assert_eq!(column, expected, "the pane starts at half the width");
    for (y, row) in rows.iter().enumerate().take(height - 3).skip(2) {
        // `┃` bars the lines that word the focused criterion.
        assert!(
            matches!(row[column].as_str(), "│" | "┃"),
            "row {y} of the policy pane border:\n{}",
            frame_text(&rows)
        );
    }
    // The title bar and the footer are whole.
    assert!(
        rows[0].concat().contains("umdesk · Review"),
        "{}",
        frame_text(&rows)
    );
    assert!(
        rows[height - 1].concat().contains("next"),
        "{}",
        frame_text(&rows)
    );
}

/// A review with the megabyte note pasted into the evidence editor of
/// criterion 1, the editor still open.
fn app_with_pasted_note() -> (tempfile::TempDir, common::App, String) {
    let store = empty_store();
    let id = seed_case(store.path(), facts("Casey Fictional", "FIC200000042"));
    let mut app = app_with(store.path(), nurse());
    app.open_case(&id);
    assert_eq!(screen_name(&app), "review");
    let note = hostile_note();
    assert!(note.len() >= 1_000_000);
    press(&mut app, KeyCode::Char('e'));
    app.paste(&note);
    let Some(Overlay::Editor { area, .. }) = &app.overlay else {
        panic!("e opens the evidence editor");
    };
    assert_eq!(area.text, note, "the paste arrives whole");
    (store, app, note)
}

#[test]
fn a_megabyte_of_wide_text_keeps_the_layout() {
    let (store, mut app, note) = app_with_pasted_note();
    let dir = store.path();
    let id = open_id(&app);
    for (width, height) in [(80, 24), (160, 48)] {
        let rows = cells(&draw(&app, width, height));
        assert!(
            !boxes(&rows).is_empty(),
            "the editor is drawn:\n{}",
            frame_text(&rows)
        );
    }
    // Move about in the note, then keep it.
    press_n(&mut app, KeyCode::Up, 30);
    press(&mut app, KeyCode::Home);
    press_n(&mut app, KeyCode::Right, 7);
    press(&mut app, KeyCode::Char('x'));
    draw(&app, 80, 24);
    press_n(&mut app, KeyCode::Up, 600);
    draw(&app, 160, 48);
    press(&mut app, KeyCode::Esc);
    assert!(app.overlay.is_none());
    let Screen::Case(ws) = &app.screen else {
        unreachable!()
    };
    let evidence = &ws.case.answer("unresectable").expect("answer").evidence;
    assert_eq!(evidence.len(), note.len() + 1);

    for (width, height) in [(80, 24), (160, 48)] {
        let terminal = draw(&app, width, height);
        assert_policy_pane_intact(&terminal);
    }

    // Saved (a megabyte case file), shown on the determination and in the
    // case view.
    ctrl(&mut app, 's');
    assert!(
        app.message
            .as_ref()
            .is_some_and(|m| m.text.starts_with("Saved")),
        "{:?}",
        app.message
    );
    assert!(
        load_case(dir, &id)
            .answer("unresectable")
            .unwrap()
            .evidence
            .len()
            > 1_000_000
    );
    press(&mut app, KeyCode::Enter);
    assert_eq!(screen_name(&app), "determination");
    for (width, height) in [(80, 24), (160, 48)] {
        let rows = cells(&draw(&app, width, height));
        assert!(
            rows[0].concat().contains("Determination"),
            "{}",
            frame_text(&rows)
        );
        assert!(
            rows.iter().any(|r| r.concat().contains("Signing as")),
            "{}",
            frame_text(&rows)
        );
    }
    let mut app = app_with(dir, supervisor());
    app.view_case(&id, None);
    assert_eq!(screen_name(&app), "case view");
    for (width, height) in [(80, 24), (160, 48)] {
        let rows = cells(&draw(&app, width, height));
        assert!(
            rows[0].concat().contains("Case view"),
            "{}",
            frame_text(&rows)
        );
        assert!(
            rows[height as usize - 1].concat().contains("scroll"),
            "{}",
            frame_text(&rows)
        );
    }
}

#[test]
fn wide_text_in_the_editor_keeps_the_popup_border() {
    let (_store, mut app, _note) = app_with_pasted_note();
    for (width, height) in [(80, 24), (160, 48)] {
        assert_popup_intact(&draw(&app, width, height));
    }
    press_n(&mut app, KeyCode::Up, 600);
    for (width, height) in [(80, 24), (160, 48)] {
        assert_popup_intact(&draw(&app, width, height));
    }
}

#[test]
fn wide_text_in_a_prompt_keeps_the_popup_border() {
    let store = empty_store();
    let id = seed_case(store.path(), facts("Casey Fictional", "FIC200000042"));
    let mut app = app_with(store.path(), nurse());
    app.open_case(&id);
    press(&mut app, KeyCode::Char('o'));
    // The popup is 70 cells wide inside. After the two-cell indent, nine
    // wide characters and a space (21 cells), a word of 25 wide characters
    // needs 50 cells where 49 are left: it should go to the next line.
    app.paste(&format!("{} {} tail", "肝".repeat(9), "ｆ".repeat(25)));
    assert_popup_intact(&draw(&app, 80, 24));
}

#[test]
fn wide_text_in_every_field_at_every_small_size() {
    let store = empty_store();
    let dir = store.path();
    let id = seed_case(dir, facts("肝臓 👩🏽‍⚕️ e\u{301}", "FIC200000042"));
    let mut app = app_with(dir, nurse());
    app.open_case(&id);
    press(&mut app, KeyCode::Char('a'));
    app.paste("区域 VI 👍🏽 a\u{0308}\u{0323}");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "3.2");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('o'));
    app.paste("CT 報告書 🧾 2026-11-20");
    press(&mut app, KeyCode::Enter);
    assert!(app.overlay.is_none(), "{:?}", app.message);
    for width in [1, 2, 3, 39, 79, 80, 81, 119, 160, 300] {
        for height in [1, 2, 23, 24, 25, 48, 100] {
            draw(&app, width, height);
        }
    }
    let terminal = draw(&app, 80, 24);
    assert_policy_pane_intact(&terminal);
}

#[test]
fn a_long_paste_into_a_field_is_quick() {
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let store = empty_store();
        let id = seed_case(store.path(), facts("Casey Fictional", "FIC200000042"));
        let mut app = app_with(store.path(), nurse());
        app.open_case(&id);
        // The source-document prompt; the same field type serves intake,
        // the queue filter and every prompt.
        press(&mut app, KeyCode::Char('o'));
        app.paste(&"CT abdomen report 2026-11-20; ".repeat(700));
        let _ = done.send(());
    });
    let waited = finished.recv_timeout(std::time::Duration::from_secs(3));
    assert!(waited.is_ok(), "a 21,000-character paste took over 3 s");
}
