//! umdesk: a terminal case-review workstation for utilization management.
//!
//! The crate is a functional core and a thin shell:
//! - [`policy`], [`case`] and [`rules`] are plain data and pure functions;
//!   they import neither the store, the TUI nor the CLI (`tests/layering.rs`);
//! - [`pas`] reads Da Vinci PAS requests into cases and writes PAS
//!   responses; pure like the domain;
//! - [`letter`] composes the notice of a decision as data, checks it is
//!   complete, and renders it as text or PDF (pure, like the domain);
//! - [`fixtures`] builds fictional cases through those rules, for the demo,
//!   tests and benchmarks;
//! - [`clock`] and [`digest`] are small helpers both layers use;
//! - [`identity`] establishes who is reviewing (the store's roster) and
//!   signs and verifies their acts (SSH signatures);
//! - [`sanitize`] is the one way text from a file reaches a terminal: it
//!   shows control and invisible characters escaped (pure, so the domain
//!   may use it too);
//! - [`store`] does all file I/O, behind the [`store::CaseStore`] interface;
//! - [`tui`] turns keys into actions, actions into state, state into frames;
//! - [`cli`] is the command line.

pub mod case;
pub mod cli;
pub mod clock;
pub mod digest;
pub mod fixtures;
pub mod identity;
pub mod json;
pub mod letter;
pub mod pas;
pub mod policy;
pub mod rules;
pub mod sanitize;
pub mod serve;
pub mod store;
pub mod tui;
