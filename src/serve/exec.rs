//! `ssh -p 2222 host list --overdue`: a connection without a terminal may
//! run the command line's read-only subcommands, as the reviewer its key
//! names. Nothing that writes, and nothing that names a file or a store
//! on the server, is run.

/// What a command printed, and its exit status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub status: u32,
}

impl Output {
    /// A command refused before it ran: the reason, exit status 2.
    pub fn refused(message: &str) -> Output {
        Output {
            stdout: Vec::new(),
            stderr: format!("umdesk: {message}\n").into_bytes(),
            status: 2,
        }
    }
}

/// The subcommands a connection may run: they only read.
pub const READ_ONLY: &[&str] = &["list", "show", "verify", "stats", "audit", "policy"];

/// Options that would reach beyond the reviewer's view: another store, a
/// file on the server, another role. (`--reviewer` after the subcommand
/// is `list`'s filter; before it, it is not accepted here at all, since
/// the subcommand comes first.)
const REFUSED_OPTIONS: &[&str] = &[
    "--cases",
    "--store",
    "--policy",
    "--signing-key",
    "--role",
    "--roster",
];

/// The words of `command` if it is one a connection may run, else why not.
pub fn allowed(command: &[u8]) -> Result<Vec<String>, String> {
    let text =
        std::str::from_utf8(command).map_err(|_| "the command is not UTF-8 text".to_string())?;
    let words = split(text)?;
    let Some(first) = words.first() else {
        return Err("no command given".to_string());
    };
    if !READ_ONLY.contains(&first.as_str()) {
        return Err(format!(
            "`{}` cannot be run over SSH; these can: {} (or connect with a terminal for the app)",
            crate::sanitize::line(first),
            READ_ONLY.join(", ")
        ));
    }
    if first == "policy" && words.get(1).map(String::as_str) != Some("show") {
        return Err("only `policy show` can be run over SSH".to_string());
    }
    if let Some(option) = words.iter().find(|word| {
        REFUSED_OPTIONS
            .iter()
            .any(|refused| word.as_str() == *refused || word.starts_with(&format!("{refused}=")))
    }) {
        return Err(format!(
            "{} cannot be given over SSH: the server decides the store and who you are",
            crate::sanitize::line(option)
        ));
    }
    Ok(words)
}

/// Splits a command line into words as a shell would for plain words,
/// single and double quotes and backslashes; anything else a shell does
/// (variables, globs, pipes) is not done.
pub fn split(text: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("a quote is not closed".to_string()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => word.push(c),
                            None => return Err("a quote is not closed".to_string()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("a quote is not closed".to_string()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_as_a_shell_splits_plain_and_quoted_words() {
        assert_eq!(
            split(r#"list --reviewer "Dana Whitfield, RN"  --json"#).unwrap(),
            ["list", "--reviewer", "Dana Whitfield, RN", "--json"]
        );
        assert_eq!(split("show 'UM-1' a\\ b").unwrap(), ["show", "UM-1", "a b"]);
        assert!(split("show 'open").is_err());
    }

    #[test]
    fn only_read_only_commands_run_and_none_names_a_store_or_an_identity() {
        assert!(allowed(b"list --overdue").is_ok());
        assert!(allowed(b"show UM-20261201-0001 --history").is_ok());
        assert!(allowed(b"policy show").is_ok());
        for refused in [
            "generate --count 5",
            "roster add X --role supervisor",
            "init",
            "policy check /etc/passwd",
            "list --cases /tmp",
            "verify --roster=/etc/passwd",
            "stats --role supervisor",
            "",
        ] {
            assert!(allowed(refused.as_bytes()).is_err(), "{refused}");
        }
    }
}
