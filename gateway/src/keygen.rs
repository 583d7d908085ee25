//! The log's identity in its key directory: the Ed25519 seed ([`crate::log_key`]) and the
//! origin name the checkpoints are signed as. `assent keygen` makes both; `assent serve` loads
//! them, or makes them on first start.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use wasm_core::tlog::note::{is_valid_key_name, NoteError, NoteSigner};

use crate::log_key::{self, LogKeyError};

/// File name of the origin inside the key directory.
pub const ORIGIN_FILE: &str = "origin";
/// The origin of a log made by `assent serve` without `--origin`; the wallet app uses it.
pub const DEFAULT_ORIGIN: &str = "assent.local/log";

/// Why the log's identity could not be made or loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeygenError {
    /// The key could not be made or loaded.
    #[error(transparent)]
    Key(#[from] LogKeyError),
    /// The origin is not a valid note key name.
    #[error("{0:?} is not a valid log origin: use a name without spaces or '+', e.g. example.com/log")]
    BadOrigin(String),
    /// The origin file could not be read or written.
    #[error("cannot use origin file {path}: {source}; check that the key directory is writable")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `--origin` disagrees with the stored origin.
    #[error("the key directory belongs to log {stored:?}, not {asked:?}: drop --origin or use another --key directory")]
    OriginMismatch {
        /// The origin in the key directory.
        stored: String,
        /// The origin asked for.
        asked: String,
    },
    /// The signer could not be made.
    #[error("cannot sign as {origin:?}: {source}")]
    Signer {
        /// The origin.
        origin: String,
        /// The underlying error.
        source: NoteError,
    },
}

/// Makes a new log identity in `dir`: a key (never overwriting one) and the origin `name`.
/// Returns the signer; its `verifier_key()` is what clients pin.
pub fn keygen(dir: &Path, name: &str) -> Result<NoteSigner, KeygenError> {
    check_origin(name)?;
    let key = log_key::create(dir)?;
    write_origin(dir, name)?;
    NoteSigner::new(name, key).map_err(|source| KeygenError::Signer { origin: name.to_owned(), source })
}

/// Loads the identity in `dir`, making the key and origin file if missing (origin `origin`,
/// or [`DEFAULT_ORIGIN`]). An `origin` that differs from the stored one is refused.
pub fn load_or_create(dir: &Path, origin: Option<&str>) -> Result<NoteSigner, KeygenError> {
    let key = log_key::load_or_create(dir)?;
    let path = dir.join(ORIGIN_FILE);
    let name = match fs::read_to_string(&path) {
        Ok(stored) => {
            let stored = stored.trim().to_owned();
            check_origin(&stored)?;
            if let Some(asked) = origin.filter(|asked| *asked != stored) {
                return Err(KeygenError::OriginMismatch { stored, asked: asked.to_owned() });
            }
            stored
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let name = origin.unwrap_or(DEFAULT_ORIGIN);
            check_origin(name)?;
            write_origin(dir, name)?;
            name.to_owned()
        }
        Err(source) => return Err(KeygenError::Io { path, source }),
    };
    NoteSigner::new(&name, key).map_err(|source| KeygenError::Signer { origin: name.clone(), source })
}

fn check_origin(name: &str) -> Result<(), KeygenError> {
    if is_valid_key_name(name) && !name.contains('\n') {
        Ok(())
    } else {
        Err(KeygenError::BadOrigin(name.to_owned()))
    }
}

fn write_origin(dir: &Path, name: &str) -> Result<(), KeygenError> {
    let path = dir.join(ORIGIN_FILE);
    let io = |source| KeygenError::Io { path: path.clone(), source };
    let mut file = fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(io)?;
    writeln!(file, "{name}").map_err(io)?;
    file.sync_all().map_err(io)
}
