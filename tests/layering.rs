//! The direction of imports, held by reading the sources: the domain
//! (`policy`, `case`, `rules`) is plain data and pure functions, so it names
//! neither the store, the TUI, the CLI nor the fixtures built on top of it,
//! and does no I/O; `case` does not reach up into `rules` (which is built
//! on it), and `policy` stands below both. The fixtures play scripts
//! through the domain and may use it, but not the store, the TUI or the CLI.

use std::path::{Path, PathBuf};

/// Each layer, and the crate's top-level modules it must not name.
const RULES: [(&str, &[&str]); 5] = [
    (
        "policy",
        &["store", "tui", "cli", "fixtures", "case", "rules"],
    ),
    ("case", &["store", "tui", "cli", "fixtures", "rules"]),
    ("rules", &["store", "tui", "cli", "fixtures"]),
    ("fixtures", &["store", "tui", "cli"]),
    ("pas", &["store", "tui", "cli", "fixtures"]),
];

/// What the pure layers must not touch at all.
const NO_IO: [&str; 5] = ["std::fs", "std::io", "std::net", "std::process", "std::env"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file under `src/`: `case/mod.rs` is `case`,
/// `case/model.rs` is `case::model`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code without its line comments, so prose may name any module.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The top-level modules of the crate that `code` in `module` names: after
/// `crate::` (alone or in a `crate::{...}` group), and where a run of
/// `super::` climbs to the crate root. A run that climbs past a file's
/// module (from an inline `mod tests`) is taken to reach the root, which
/// can only report too much, never too little.
fn crate_modules_named(module: &[String], code: &str) -> Vec<String> {
    let mut named = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        if code[..at].ends_with(|c: char| is_ident(c)) {
            continue;
        }
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            named.extend(group_heads(&group[..end]));
        } else {
            named.push(rest.chars().take_while(|c| is_ident(*c)).collect());
        }
    }
    for (at, _) in code.match_indices("super::") {
        if code[..at].ends_with("super::") || code[..at].ends_with(|c: char| is_ident(c)) {
            continue;
        }
        let mut rest = &code[at..];
        let mut climbs = 0;
        while let Some(next) = rest.strip_prefix("super::") {
            climbs += 1;
            rest = next;
        }
        let kept = module.len().saturating_sub(climbs);
        if kept > 0 {
            continue; // still inside a top-level module: a sibling, not a layer
        }
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            named.extend(group_heads(&group[..end]));
        } else {
            named.push(rest.chars().take_while(|c| is_ident(*c)).collect());
        }
    }
    named
}

/// The first name of each path in a `{a::b, c, d::{e}}` group.
fn group_heads(group: &str) -> Vec<String> {
    let mut items = vec![String::new()];
    let mut depth = 0;
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(item) = items.last_mut() {
            item.push(c);
        }
    }
    items
        .iter()
        .map(|item| item.trim().chars().take_while(|c| is_ident(*c)).collect())
        .filter(|head: &String| !head.is_empty())
        .collect()
}

/// What is wrong with one source file of `layer`, at `relative` under src/.
fn problems_in(relative: &Path, text: &str) -> Vec<String> {
    let module = module_of(relative);
    let Some(layer) = module.first() else {
        return Vec::new();
    };
    let Some((_, forbidden)) = RULES.iter().find(|(name, _)| name == layer) else {
        return Vec::new();
    };
    let code = without_comments(text);
    let mut problems = Vec::new();
    for name in crate_modules_named(&module, &code) {
        if forbidden.contains(&name.as_str()) {
            problems.push(format!(
                "src/{}: the {layer} layer names crate::{name}",
                relative.display()
            ));
        }
    }
    if layer != "fixtures" {
        for io in NO_IO {
            if code.contains(io) {
                problems.push(format!(
                    "src/{}: the {layer} layer uses {io}; I/O belongs to the store or the CLI",
                    relative.display()
                ));
            }
        }
    }
    problems.sort();
    problems.dedup();
    problems
}

#[test]
fn the_domain_imports_no_store_tui_or_cli() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut problems = Vec::new();
    let mut checked = 0;
    for (layer, _) in RULES {
        let mut files = Vec::new();
        rust_files(&src.join(layer), &mut files);
        assert!(!files.is_empty(), "no sources under src/{layer}");
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let relative = path.strip_prefix(&src).unwrap();
            problems.extend(problems_in(relative, &text));
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} files checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The checker itself: each way of naming a forbidden layer is caught.
#[test]
fn the_checker_catches_each_way_of_reaching_out() {
    let case = Path::new("case/model.rs");
    let caught = |text: &str| !problems_in(case, text).is_empty();
    assert!(caught("use crate::store::CaseStore;"));
    assert!(caught("fn f() { crate::tui::app::run(); }"));
    assert!(caught("use crate::{policy::Policy, cli::Failure};"));
    assert!(caught(
        "use crate::{\n    policy::Policy,\n    rules::evaluate,\n};"
    ));
    assert!(caught("use super::super::store;"));
    assert!(caught("use super::super::{json, cli};"));
    assert!(caught("use crate::fixtures::facts;"));
    assert!(caught("let f = std::fs::read(\"x\");"));
    assert!(!caught("use super::due::DueTable;"));
    assert!(!caught(
        "use crate::policy::Policy;\nuse crate::json::parse;"
    ));
    assert!(!caught("// crate::store is where this is saved"));
    assert!(!caught("let my_crate::store = 1;"));
    let mod_rs = Path::new("case/mod.rs");
    assert!(
        !problems_in(mod_rs, "use super::policy::Policy;")
            .iter()
            .any(|p| p.contains("policy"))
    );
    assert!(!problems_in(mod_rs, "use super::cli::x;").is_empty());
    let fixtures = Path::new("fixtures/generate.rs");
    assert!(problems_in(fixtures, "use crate::rules::evaluate;").is_empty());
    assert!(!problems_in(fixtures, "use crate::store::FileStore;").is_empty());
    let rules = Path::new("rules/answers.rs");
    assert!(problems_in(rules, "use crate::case::Case;").is_empty());
}
