//! `umdesk letter ID`: the notice of a case's decision, to the member or
//! the provider, as text or PDF. An incomplete letter is refused with what
//! it lacks (exit 2); a case that is not intact has no letter (exit 1). Reading the case is recorded in the access log, as
//! any viewing is; a PDF never goes to a terminal.

use std::io::IsTerminal;
use std::path::PathBuf;

use super::args::LetterArgs;
use super::commands::checked_id;
use super::output::{clean, emit, path_name, warn};
use super::{Env, Failure, exit};
use crate::case::history::{Integrity, verify};
use crate::letter::{self, LetterWords, NoticeSettings, checked_letter, compose};

pub(crate) fn run(env: &Env, args: &LetterArgs) -> Result<(), Failure> {
    let id = checked_id(&args.id)?;
    let policy = env.policy()?;
    let store = env.open_store()?;
    let settings = env.settings(&*store, false)?;
    let action = format!("letter to {}", args.to.label());
    let case = env.load_recorded(
        &*store,
        &settings.reviewer,
        id,
        &action,
        "no letter is written",
    )?;
    // A letter speaks for the record: never from a case whose record
    // does not hold together.
    if let Integrity::Tampered(what) = verify(&case) {
        return Err(Failure::new(
            exit::PROBLEMS,
            format!(
                "case {} is not intact, so no letter is written from it: {}",
                case.id,
                clean(&what, false)
            ),
        ));
    }
    let words = LetterWords::embedded();
    let notice = NoticeSettings::embedded();
    let letter = compose(&policy.policy, &words, &notice, &case, args.to)
        .map_err(|err| Failure::input(err.to_string()))?;
    let letter = checked_letter(letter, &policy.policy, &words, &case)
        .map_err(|err| Failure::input(clean(&err.to_string(), true).into_owned()))?;
    if args.format == "pdf" {
        let bytes = letter::pdf::render(&letter)
            .map_err(|err| Failure::new(exit::PROBLEMS, err.to_string()))?;
        let out = args
            .out
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{}-{}.pdf", case.id, args.to.label())));
        return write_file(&out, &bytes);
    }
    let text = letter::text::render(&letter);
    match &args.out {
        Some(out) => write_file(out, text.as_bytes()),
        None => Ok(emit(&clean(&text, true))?),
    }
}

/// Writes the letter to `path` ("-" is stdout, refused for a PDF on a
/// terminal) and says where it went.
fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    if path == std::path::Path::new("-") {
        if bytes.starts_with(b"%PDF") && std::io::stdout().is_terminal() {
            return Err(Failure::input(
                "a PDF is not written to a terminal; give --out FILE or redirect the output",
            ));
        }
        std::io::Write::write_all(&mut std::io::stdout().lock(), bytes)?;
        return Ok(());
    }
    std::fs::write(path, bytes)
        .map_err(|err| Failure::input(format!("{}: {err}", path_name(path))))?;
    warn(&format!("Wrote {}", path_name(path)));
    Ok(())
}
