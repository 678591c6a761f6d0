//! The command line's shape: options, subcommands and the help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::case::{Role, Status};

/// Shown under `--help`: examples, where things live, and the exit codes.
const AFTER_HELP: &str = "\
Examples:
  umdesk demo                          open the app on your demo store of sample cases
  umdesk demo --fresh                  start the demo store anew
  umdesk                               open the queue of your store
  umdesk --reviewer \"Dana Whitfield, RN\" --role nurse
  umdesk list --status referred        cases waiting for a physician reviewer
  umdesk list --overdue --json         overdue cases, as JSON
  umdesk show UM-20261201-0001 --history
  umdesk evaluate saved-cases/UM-20261201-0001.json
  cat case.json | umdesk evaluate -    the determination of a case on stdin
  umdesk verify                        check every case's history and seal
  umdesk policy show                   the criteria, definitions and codes
  umdesk policy check my-pack.json     validate another policy pack
  umdesk --role supervisor audit UM-20261201-0001
  umdesk --role supervisor stats --json
  umdesk --role supervisor stats --cms --year 2026
  umdesk letter UM-20261201-0001 --to provider --format pdf --out letter.pdf
  umdesk notice UM-20261201-0001 --sent --at 2026-12-02T10:00:00-05:00
  umdesk extend UM-20261201-0001 --days 14 --reason \"awaiting imaging\"
  umdesk --role physician appeal UM-20261201-0001 decide --overturned --rationale ...
  umdesk init ~/cases                  create an empty case store
  umdesk store init postgres://umdesk@db/um    create or upgrade a PostgreSQL store
  umdesk --store postgres://umdesk@db/um list  work on the department's store
  umdesk store copy ~/cases postgres://umdesk@db/um
  umdesk import request.json           make a case of a PAS request Bundle
  umdesk export UM-20261201-0001 --pas --out response.json

Where things are:
  Cases: --store URL (postgres://...), else --cases DIR, else $UMDESK_STORE,
  else $UMDESK_CASES, else the platform data directory.
  Only `umdesk init`, `demo`, `generate` and the app's first run on the
  platform data directory create a store; other commands need one.
  Demo store: `demo` in the platform data directory, reopened by each
  `umdesk demo` (drafts included) until `umdesk demo --fresh`.
  Who is reviewing: --reviewer/--role, else config.json in the platform
  config directory (asked for and written on first use of the app), else
  the operating-system user name as a nurse.

Exit codes:
  0  success
  1  verify found a case or the access log not intact; list found
     unreadable files; a case was not found; the interactive app failed
  2  bad input: a malformed case file, policy pack or config file, a bad
     case id, bad arguments; a terminal that cannot show the app (TERM=dumb)
  3  the role may not do this (audit and stats are for supervisors)
  4  the case store could not be read or written";

#[derive(Debug, Parser)]
#[command(
    name = "umdesk",
    version,
    about = "A terminal case-review workstation for utilization-management review \
             of prior-authorization requests",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// The case store directory (default: $UMDESK_CASES, else the platform data directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub cases: Option<PathBuf>,

    /// A PostgreSQL store, postgres://USER[:PASSWORD]@HOST/DB (default:
    /// $UMDESK_STORE; --cases or no store at all means the file store).
    #[arg(long, global = true, value_name = "URL", conflicts_with = "cases")]
    pub store: Option<String>,

    /// Review under another policy pack instead of the embedded MP 1.121.
    #[arg(long, global = true, value_name = "FILE")]
    pub policy: Option<PathBuf>,

    /// Who is reviewing, as "NAME, CREDENTIALS"; give it before the
    /// subcommand (after `list` it filters by reviewer instead).
    #[arg(long, value_name = "NAME, CREDENTIALS")]
    pub reviewer: Option<String>,

    /// The reviewer's role. In a store with a roster, the roster decides
    /// both: these may only repeat what it says.
    #[arg(long, global = true, value_parser = parse_role, value_name = "nurse|physician|supervisor")]
    pub role: Option<Role>,

    /// The private key (OpenSSH, Ed25519, without a passphrase) that signs
    /// decisions, amendments and QA reviews (default: "signing_key" in
    /// config.json, else ~/.ssh/id_ed25519).
    #[arg(long, global = true, value_name = "FILE")]
    pub signing_key: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the app on your demo store (the bundled sample cases, made on first use), as a demo reviewer.
    Demo(DemoArgs),
    /// List the cases in the store.
    List(ListArgs),
    /// Show one case: its facts, criteria, determination and (with --history) history.
    Show(ShowArgs),
    /// Print the determination of a case file as JSON; writes nothing.
    Evaluate(EvaluateArgs),
    /// Check the history chain and seal of cases, and the access log.
    Verify(VerifyArgs),
    /// Show or check a policy pack.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Print the access log, for one case or all (supervisors).
    Audit(AuditArgs),
    /// Queue statistics: status, outcome, due, per-reviewer figures (supervisors).
    Stats(StatsArgs),
    /// Write fictional cases into the store, for demos and benchmarks.
    Generate(GenerateArgs),
    /// Create an empty, owner-only case store (other commands never create one).
    Init(InitArgs),
    /// Who may review in this store: add, remove or list reviewers (supervisors change it).
    #[command(subcommand)]
    Roster(RosterCommand),
    /// Create or upgrade a PostgreSQL store, or copy between stores.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Serve the app over SSH: each reviewer signs in with their roster key.
    Serve(ServeArgs),
    /// Make a case of a Da Vinci PAS request Bundle (prints its id; the same request twice makes one case).
    Import(ImportArgs),
    /// Write the PAS response Bundle of a decided case.
    Export(ExportArgs),
    /// Write the notice of a case's decision: a letter to the member or the provider.
    Letter(LetterArgs),
    /// Record that the decision notice was sent (the CMS figures count it).
    Notice(NoticeArgs),
    /// Extend an open review's time frame, with the reason and its notice.
    Extend(ExtendArgs),
    /// Record an appeal of a denial, or decide it (physicians).
    Appeal(AppealArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A PAS request Bundle (FHIR R4 JSON), or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The case id, e.g. UM-20261201-0001.
    pub id: String,
    /// Write the Da Vinci PAS response Bundle (the only format so far).
    #[arg(long)]
    pub pas: bool,
    /// Also put the checklist in it as a QuestionnaireResponse, and the
    /// policy pack as the Questionnaire it answers.
    #[arg(long)]
    pub questionnaire: bool,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The deciding physician's NPI, where the roster has none.
    #[arg(long, value_name = "NPI")]
    pub reviewer_npi: Option<String>,
    /// A plan-supplied reason code for a denial, as SYSTEM|CODE (only
    /// where the plan has configured one).
    #[arg(long, value_name = "SYSTEM|CODE")]
    pub reason_code: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on (port 0: any free port).
    #[arg(long, default_value = crate::serve::DEFAULT_LISTEN, value_name = "ADDR:PORT")]
    pub listen: String,
    /// The server's host key (OpenSSH, Ed25519), made there if missing
    /// (default: ssh_host_ed25519_key in the state directory).
    #[arg(long, value_name = "FILE")]
    pub host_key: Option<PathBuf>,
    /// Let anyone in, each connection on its own fresh copy of the sample cases.
    #[arg(long)]
    pub demo: bool,
    /// End a session after this many seconds without a key (default: never).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: Option<u64>,
    /// Sessions open at once.
    #[arg(long, default_value_t = 64, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_sessions: u32,
    /// Connection attempts allowed per address per minute ("N" or "N/MIN").
    #[arg(long, default_value = "60/min", value_name = "N/MIN", value_parser = parse_rate)]
    pub rate_limit: u32,
}

/// "30", "30/min" or "30/MIN": attempts a minute, at least one.
fn parse_rate(text: &str) -> Result<u32, String> {
    let lower = text.trim().to_ascii_lowercase();
    let number = lower.strip_suffix("/min").unwrap_or(&lower);
    match number.trim().parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!(
            "'{text}' is not a rate; give attempts a minute, e.g. 60/min"
        )),
    }
}

#[derive(Debug, Args)]
pub struct LetterArgs {
    /// The case id, e.g. UM-20261201-0001.
    pub id: String,
    /// Whom the letter is for.
    #[arg(long, default_value = "member", value_parser = parse_recipient, value_name = "member|provider")]
    pub to: crate::letter::Recipient,
    /// Plain text (to stdout unless --out) or PDF (to --out, else to
    /// ID-RECIPIENT.pdf in the current directory; never to a terminal).
    #[arg(long, default_value = "text", value_parser = ["text", "pdf"], value_name = "text|pdf")]
    pub format: String,
    /// Write the letter to this file instead.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct NoticeArgs {
    /// The case id.
    pub id: String,
    /// The decision notice was sent (the one thing recorded here for now).
    #[arg(long, required = true)]
    pub sent: bool,
    /// When it was sent, RFC 3339 (default: now).
    #[arg(long, value_parser = parse_time, value_name = "TIME")]
    pub at: Option<time::OffsetDateTime>,
}

#[derive(Debug, Args)]
pub struct ExtendArgs {
    /// The case id.
    pub id: String,
    /// Calendar days added to the due time (1 to 14).
    #[arg(long)]
    pub days: i64,
    /// Why the review needs longer (what is awaited, and why it is in the member's interest).
    #[arg(long)]
    pub reason: String,
    /// When the member and provider were told, RFC 3339 (default: now).
    #[arg(long, value_parser = parse_time, value_name = "TIME")]
    pub notice_at: Option<time::OffsetDateTime>,
}

#[derive(Debug, Args)]
pub struct AppealArgs {
    /// The case id.
    pub id: String,
    #[command(subcommand)]
    pub action: AppealAction,
}

#[derive(Debug, Subcommand)]
pub enum AppealAction {
    /// Record an appeal of the denial as received.
    File {
        /// Who appealed.
        #[arg(long, value_parser = parse_party, value_name = "member|provider")]
        by: crate::case::AppealParty,
        /// An expedited (fast) appeal.
        #[arg(long)]
        expedited: bool,
        /// When it was filed, RFC 3339 (default: now).
        #[arg(long, value_parser = parse_time, value_name = "TIME")]
        at: Option<time::OffsetDateTime>,
    },
    /// Decide the open appeal: a physician who took no part in the denial.
    Decide {
        /// The denial stands.
        #[arg(
            long,
            conflicts_with = "overturned",
            required_unless_present = "overturned"
        )]
        upheld: bool,
        /// The denial is reversed: the request is approved.
        #[arg(long)]
        overturned: bool,
        /// The physician's reasons.
        #[arg(long)]
        rationale: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum RosterCommand {
    /// Add a reviewer. The store's owner makes the first entry, a
    /// supervisor; after that only supervisors on the roster change it.
    Add(RosterAddArgs),
    /// Remove a reviewer: they can no longer sign in; what they signed
    /// still verifies.
    Remove {
        /// The name as the roster has it, e.g. "Dana Whitfield, RN".
        name: String,
    },
    /// The reviewers on the roster, removed ones too.
    List {
        /// Print the roster itself as JSON (keep a copy for `verify --roster`).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct RosterAddArgs {
    /// The reviewer's name with credentials, e.g. "Dana Whitfield, RN".
    /// Their role is given with --role (required here: it is the new
    /// entry's role, not a claim about who runs the command).
    pub name: String,
    /// An operating-system user name they sign in as (repeatable).
    #[arg(long = "os-user", value_name = "USER")]
    pub os_users: Vec<String>,
    /// An SSH public key: a .pub file, or the key line itself
    /// ("ssh-ed25519 AAAA..."); repeatable.
    #[arg(long = "key", value_name = "FILE|\"ssh-ed25519 ...\"")]
    pub keys: Vec<String>,
    /// The reviewer's NPI (physicians): PAS responses name the reviewing
    /// physician by it.
    #[arg(long, value_name = "NPI")]
    pub npi: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Throw the demo store away and start anew from the samples.
    #[arg(long)]
    pub fresh: bool,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Create the schema in a PostgreSQL database, or upgrade it (in one transaction).
    Init {
        #[arg(value_name = "URL")]
        url: String,
    },
    /// Copy every case, draft and access-log entry (not locks) from one
    /// store to another: a directory or a postgres:// URL each. Resumable;
    /// verifies every case document at the end.
    Copy {
        #[arg(value_name = "FROM")]
        from: String,
        #[arg(value_name = "TO")]
        to: String,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The directory (default: --cases, else $UMDESK_CASES, else the platform data directory).
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only cases with this status.
    #[arg(long, value_parser = parse_status, value_name = "STATUS")]
    pub status: Option<Status>,
    /// Only open cases past their due time.
    #[arg(long)]
    pub overdue: bool,
    /// Only cases whose reviewer's name contains NAME (ignoring case).
    #[arg(long = "reviewer", value_name = "NAME")]
    pub reviewer_name: Option<String>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The case id, e.g. UM-20261201-0001.
    pub id: String,
    /// Print the case as JSON instead (its history too with --history).
    #[arg(long)]
    pub json: bool,
    /// Also print every history entry and what it changed.
    #[arg(long)]
    pub history: bool,
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// A case file, or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// One case id; without it every case is verified.
    #[arg(conflicts_with = "all")]
    pub id: Option<String>,
    /// Verify every case (the default).
    #[arg(long)]
    pub all: bool,
    /// Check signatures against this copy of the roster (from `umdesk
    /// roster list --json`, kept outside the store) instead of the store's.
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the policy: criteria, definitions, codes, product variations, cross-references.
    Show {
        /// Print the pack as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Validate a policy pack, naming each problem by its JSON path.
    Check {
        /// The pack to check.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only the entries of this case.
    pub id: Option<String>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Print the figures as JSON.
    #[arg(long)]
    pub json: bool,
    /// The public prior-authorization figures of CMS-0057-F instead.
    #[arg(long)]
    pub cms: bool,
    /// Only requests first decided in this calendar year (with --cms).
    #[arg(long, requires = "cms", value_name = "YEAR")]
    pub year: Option<i32>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// How many cases to write.
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub count: u32,
    /// Seed of the generator: the same seed writes the same cases.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::from_key(&text.trim().to_ascii_lowercase()).ok_or_else(|| {
        format!(
            "'{text}' is not a role; use one of: {}",
            Role::ALL.map(Role::label).join(", ")
        )
    })
}

fn parse_recipient(text: &str) -> Result<crate::letter::Recipient, String> {
    text.trim()
        .to_ascii_lowercase()
        .parse()
        .map_err(|_| format!("'{text}' is not a recipient; use member or provider"))
}

fn parse_party(text: &str) -> Result<crate::case::AppealParty, String> {
    text.trim()
        .to_ascii_lowercase()
        .parse()
        .map_err(|_| format!("'{text}' is not who appealed; use member or provider"))
}

/// An RFC 3339 time with its offset: 2026-12-01T09:30:00-05:00.
fn parse_time(text: &str) -> Result<time::OffsetDateTime, String> {
    time::OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| format!("'{text}' is not a time; write it as 2026-12-01T09:30:00-05:00"))
}

/// Accepts the key (`in_review`) or the label (`in review`), any case.
fn parse_status(text: &str) -> Result<Status, String> {
    let key = text.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    Status::from_key(&key).ok_or_else(|| {
        format!(
            "'{text}' is not a status; use one of: {}",
            Status::ALL.map(Status::key).join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn statuses_parse_by_key_or_label() {
        assert_eq!(parse_status("in_review"), Ok(Status::InReview));
        assert_eq!(parse_status("In review"), Ok(Status::InReview));
        assert_eq!(parse_status("not-applicable"), Ok(Status::NotApplicable));
        assert!(parse_status("lost").unwrap_err().contains("referred"));
    }

    #[test]
    fn roles_parse() {
        assert_eq!(parse_role("Supervisor"), Ok(Role::Supervisor));
        assert!(parse_role("admin").is_err());
    }
}
