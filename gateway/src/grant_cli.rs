//! `assent grant verify`, `assent grant status` and `assent grant decode`: the provider's checks
//! from the command line, running the same `wasm-core` code as the provider page (the ledger
//! and revocation checks included).

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use wasm_core::consent::report::{claims_json, verdict_json};
use wasm_core::consent::revocation_check;
use wasm_core::consent::{payload, CheckName, ConsentError, SignedGrant};
use wasm_core::tlog::view::{LogTrust, LogView, ViewError};

use crate::cli::GrantVerifyArgs;
use crate::ledger_client::Gateways;

/// How long one request to a gateway may take before the next is asked.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the ledger for `assent grant verify` could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum GrantCliError {
    /// The log key or the witness policy is not valid.
    #[error("{0}")]
    Trust(#[from] ViewError),
    /// A file could not be read or written.
    #[error("cannot {action} {path}: {source}; check the path and its permissions")]
    File {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The state file's checkpoint no longer verifies under the log key and policy.
    #[error("the checkpoint in {path} does not verify ({error}); move the file away to start from the gateways again")]
    State {
        /// The state file.
        path: PathBuf,
        /// Why.
        error: ViewError,
    },
}

fn read_text(path: &Path) -> Result<String, GrantCliError> {
    std::fs::read_to_string(path).map_err(|source| GrantCliError::File {
        action: "read",
        path: path.to_owned(),
        source,
    })
}

/// The gateways and view for the ledger check, if `--url` and `--vkey` were given: the view
/// starts from the `--state` file's checkpoint when there is one.
pub fn ledger_to_check(args: &GrantVerifyArgs) -> Result<Option<LedgerToCheck>, GrantCliError> {
    let Some(vkey) = &args.vkey else { return Ok(None) };
    Ok(Some(LedgerToCheck {
        gateways: Gateways::new(args.urls.clone(), REQUEST_TIMEOUT),
        view: view_from(vkey, args.policy.as_deref(), args.state.as_deref())?,
        freshness_secs: revocation_check::freshness_secs(args.grant.freshness_minutes),
    }))
}

/// The client's view of the log `vkey` under the witness policy file `policy`, from the `state`
/// file's checkpoint when there is one.
pub fn view_from(vkey: &str, policy: Option<&Path>, state: Option<&Path>) -> Result<LogView, GrantCliError> {
    let policy = policy.map(read_text).transpose()?;
    let trust = LogTrust::new(vkey, policy.as_deref())?;
    match state {
        Some(path) if path.exists() => LogView::restore(trust, &read_text(path)?)
            .map_err(|error| GrantCliError::State { path: path.to_owned(), error }),
        _ => Ok(LogView::new(trust)),
    }
}

/// Writes the view's latest checkpoint to `path` (atomically: a temporary file, then a rename).
pub fn keep_state(path: &Path, view: &LogView) -> Result<(), GrantCliError> {
    let Some(note) = view.saved_note() else { return Ok(()) };
    let temporary = path.with_extension("tmp");
    let write_error = |source| GrantCliError::File { action: "write", path: path.to_owned(), source };
    std::fs::write(&temporary, note).map_err(write_error)?;
    std::fs::rename(&temporary, path).map_err(write_error)
}

/// Parses a provider public key given as 64 hex digits (for clap).
pub fn parse_provider_key(text: &str) -> Result<[u8; 32], String> {
    wasm_core::consent::parse_provider_key(text).map_err(|error| error.to_string())
}

/// The ledger to check a grant against: its gateways, the client's view of the log, and how old
/// a checkpoint may be for "not revoked".
pub struct LedgerToCheck {
    /// The log's gateways.
    pub gateways: Gateways,
    /// The last verified checkpoint, or a fresh view.
    pub view: LogView,
    /// The freshness window for the revocation check, in seconds.
    pub freshness_secs: u64,
}

/// Verifies a payload, and its place on the ledger when `ledger` is given (after the offline
/// checks pass); returns the JSON to print, whether the grant is valid, and the view of the log
/// (moved on by the check) to keep.
pub fn verify(
    payload_text: &str,
    now: u64,
    audience: Option<&[u8; 32]>,
    ledger: Option<LedgerToCheck>,
) -> (Value, bool, Option<LogView>) {
    let mut verdict = payload::verify(payload_text, now, audience);
    let mut view = None;
    if let (Some(ledger), Some(grant)) = (ledger, verdict.grant.clone()) {
        if verdict.offline_checks_pass() {
            let index = payload::ledger_index(payload_text).ok().flatten();
            let report = ledger.gateways.check_grant(&grant, index, ledger.view);
            verdict.set(CheckName::Ledger, report.outcome);
            let report = ledger.gateways.check_revocation(&grant, report.view, now, ledger.freshness_secs);
            verdict.set(CheckName::Revocation, report.outcome);
            view = Some(report.view);
        }
    }
    (verdict_json(&verdict), verdict.offline_checks_pass(), view)
}

/// Decodes a payload's claims (no signature or time checks).
pub fn decode(payload_text: &str) -> Result<Value, ConsentError> {
    let bytes = payload::decode(payload_text)?;
    Ok(claims_json(&SignedGrant::decode(&bytes)?))
}
