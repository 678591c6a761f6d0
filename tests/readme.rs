//! The README's keymap is the app's keymap: one definition in the code.

#[test]
fn readme_keymap_is_the_keymap_in_the_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let begin = "<!-- keymap:begin -->";
    let end = "<!-- keymap:end -->";
    let start = readme.find(begin).expect("README has a keymap section") + begin.len();
    let stop = readme.find(end).expect("README keymap section ends");
    let expected = umdesk::tui::keymap::markdown();
    if std::env::var_os("UPDATE_README").is_some() {
        let updated = format!("{}{}\n{}", &readme[..start], expected, &readme[stop..]);
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"), updated).unwrap();
        return;
    }
    assert_eq!(
        readme[start..stop].trim(),
        expected.trim(),
        "README keymap differs from src/tui/keymap.rs; run UPDATE_README=1 cargo test --test readme"
    );
}
