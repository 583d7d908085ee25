//! `assent model release` and `assent model publish`: the publisher signs a model release (the
//! ledger's `model` entry) once, offline; an operator then publishes it on a log and proves its
//! inclusion, with the same `wasm-core` machines the wallet runs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use wasm_core::consent::{ConsentError, LogEntry, ModelRelease};
use wasm_core::hash::sha256;
use wasm_core::risk::{self, RiskError};
use wasm_core::tlog::view::{LogTrust, LogView, ViewError};

use crate::ledger_client::Gateways;
use crate::log_key::{self, LogKeyError};

/// The release of the pinned model, as shipped in `public/model/` (used when no `--release`
/// is given).
pub const SHIPPED_RELEASE: &[u8] = include_bytes!("../../public/model/pima-logistic-v1.release");
/// File name of the publisher's seed inside its key directory.
pub const PUBLISHER_KEY_FILE: &str = "model-publisher.key";
/// How long one request to a gateway may take before the next is asked.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a release could not be made or published.
#[derive(Debug, thiserror::Error)]
pub enum ModelCliError {
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
    /// The publisher key could not be made or loaded.
    #[error(transparent)]
    Key(#[from] LogKeyError),
    /// The release could not be signed or read.
    #[error("{0}")]
    Release(#[from] ConsentError),
    /// The release is not a model release.
    #[error(
        "the file is a ledger entry but not a model release; give the file `assent model release` wrote"
    )]
    NotARelease,
    /// The release is not the one the wallet pins.
    #[error(transparent)]
    NotPinned(#[from] RiskError),
    /// The log key or witness policy is not valid.
    #[error("{0}")]
    Trust(#[from] ViewError),
    /// No gateway took the release, or none proved its inclusion.
    #[error("the release is not shown to be on the ledger: {0}")]
    NotOnLedger(String),
}

fn read(path: &Path) -> Result<Vec<u8>, ModelCliError> {
    std::fs::read(path).map_err(|source| ModelCliError::File {
        action: "read",
        path: path.to_owned(),
        source,
    })
}

/// Signs the release of the model file `model` as `model_id` with the publisher key in
/// `key_dir` (made there, mode 0600, if there is none), and writes the ledger entry to `out`.
/// Returns the release, whose `publisher` key wallets pin.
pub fn release(
    model: &Path,
    model_id: &str,
    key_dir: &Path,
    out: &Path,
) -> Result<ModelRelease, ModelCliError> {
    let digest = sha256(&read(model)?);
    let publisher = log_key::load_or_create_seed(key_dir, PUBLISHER_KEY_FILE)?;
    let release = ModelRelease::sign(&digest, model_id, &publisher)?;
    std::fs::write(out, LogEntry::Model(release.clone()).to_bytes())
        .map_err(|source| ModelCliError::File { action: "write", path: out.to_owned(), source })?;
    Ok(release)
}

/// Where a release was proven on a log.
#[derive(Debug)]
pub struct Published {
    /// The release.
    pub release: ModelRelease,
    /// Its index in the log.
    pub index: u64,
    /// The size of the verified checkpoint that proves it.
    pub checkpoint_size: u64,
}

/// Submits the release in `release_file` (default: the shipped one, which must be the pinned
/// model's) through the gateways `urls` of the log `vkey` (witness policy `policy`), and proves
/// its inclusion against a checkpoint verified here. A gateway that already has it gives its
/// index back.
pub fn publish(
    urls: &[String],
    vkey: &str,
    policy: Option<&Path>,
    release_file: Option<&Path>,
) -> Result<Published, ModelCliError> {
    let entry = match release_file {
        Some(path) => read(path)?,
        None => SHIPPED_RELEASE.to_vec(),
    };
    let release = match release_file {
        Some(_) => match LogEntry::verify(&entry)? {
            LogEntry::Model(release) => release,
            _ => return Err(ModelCliError::NotARelease),
        },
        None => risk::pinned_release(&entry)?,
    };
    let policy = policy.map(read).transpose()?.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    let view = LogView::new(LogTrust::new(vkey, policy.as_deref())?);
    let gateways = Gateways::new(urls.to_vec(), REQUEST_TIMEOUT);
    let (_, report) = gateways.submit(view, entry);
    let Some(submitted) = report.submitted else {
        return Err(ModelCliError::NotOnLedger(report.failure_reasons()));
    };
    Ok(Published { release, index: submitted.index, checkpoint_size: submitted.checkpoint_size })
}
