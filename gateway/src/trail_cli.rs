//! `assent trail`: a patient's verified access trail and its hints, from the command line, with
//! the same `wasm-core` code the wallet's Activity page runs (`accessmap::TrailCheck`, then
//! `trail::report`).

use std::path::PathBuf;

use wasm_core::consent::issued::IssuedGrant;
use wasm_core::trail::report::{TrailReport, TrailRequest};
use wasm_core::trail::HintParams;

use crate::cli::TrailArgs;
use crate::grant_cli::{self, GrantCliError, REQUEST_TIMEOUT};
use crate::ledger_client::Gateways;

/// Why the trail could not be checked at all.
#[derive(Debug, thiserror::Error)]
pub enum TrailCliError {
    /// The log key, policy or state file.
    #[error(transparent)]
    Ledger(#[from] GrantCliError),
    /// The grants file could not be read.
    #[error("cannot read {path}: {source}; check the path")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The grants file is not a grant list.
    #[error(
        "{path} is not a wallet grant list ({reason}); give a JSON array of grants as the wallet keeps them"
    )]
    Grants {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its place in the file.
        reason: String,
    },
}

/// Checks the trail of every grant in the `--grants` file through the gateways, keeps the
/// verified checkpoint in `--state` if given, and returns the report.
pub fn run(args: &TrailArgs) -> Result<TrailReport, TrailCliError> {
    let text = std::fs::read_to_string(&args.grants)
        .map_err(|source| TrailCliError::Read { path: args.grants.clone(), source })?;
    let grants: Vec<IssuedGrant> = serde_json::from_str(&text)
        .map_err(|error| TrailCliError::Grants { path: args.grants.clone(), reason: error.to_string() })?;
    let view = grant_cli::view_from(&args.log.vkey, args.log.policy.as_deref(), args.state.as_deref())?;
    let request = TrailRequest::new(&grants, view.trust().origin());
    let gateways = Gateways::new(args.log.urls.clone(), REQUEST_TIMEOUT);
    let checked = gateways.check_trails(&request.grants_to_check(), view);
    if let Some(state) = &args.state {
        grant_cli::keep_state(state, &checked.view)?;
    }
    let params = HintParams { utc_offset_minutes: args.utc_offset_minutes, ..HintParams::default() };
    Ok(request.report(grants, checked.grants, &params))
}
