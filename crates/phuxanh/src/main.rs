//! `phuxanh`: the thin glue between the command line and the libraries.
//! Each command parses its arguments into domain values, opens the store,
//! calls one library function and renders the result.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of the system allocator: an import's rows are
/// allocated on the reader thread and freed on the writer's, which glibc's
/// allocator serialises on a lock.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match commands::run(cli::Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
