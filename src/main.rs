//! The `umdesk` binary: everything is in the library's `cli` module.

use std::process::ExitCode;

fn main() -> ExitCode {
    // The local UTC offset can only be read while the process has one thread.
    umdesk::store::clock::init();
    umdesk::cli::main()
}
