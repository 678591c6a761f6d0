//! umdesk: a terminal case-review workstation for utilization management.
//!
//! The crate is a functional core and a thin shell:
//! - [`policy`], [`case`] and [`rules`] are plain data and pure functions;
//! - [`store`] does all file I/O, behind the [`store::CaseStore`] interface;
//! - [`tui`] turns keys into actions, actions into state, state into frames;
//! - [`cli`] is the command line.

pub mod case;
pub mod cli;
pub mod json;
pub mod policy;
pub mod rules;
pub mod store;
pub mod tui;
