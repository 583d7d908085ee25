//! `assent`: the gateway server and the operator and provider CLI.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: a request's many small buffers cost a tenth of the gateway's time under glibc malloc.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = assent_gateway::cli::Cli::parse();
    match assent_gateway::cli::run(cli) {
        // The reader of our output went away (`assent … | head -1`): stop quietly, not with an error.
        Ok(()) | Err(assent_gateway::cli::CliError::OutputClosed) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("assent: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
