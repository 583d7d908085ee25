//! `assent`: the gateway server and the operator and provider CLI.
#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = assent_gateway::cli::Cli::parse();
    match assent_gateway::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("assent: {error}");
            ExitCode::FAILURE
        }
    }
}
