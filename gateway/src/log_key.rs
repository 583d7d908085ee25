//! Ed25519 signing keys kept as 32-byte seed files (mode 0600, never overwritten): the log's key,
//! and the same way the witness's cosigning key.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use zeroize::Zeroizing;

/// File name of the seed inside the key directory.
pub const SEED_FILE: &str = "log-key.seed";

/// Why the log key could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum LogKeyError {
    /// The key directory or seed file could not be read or written.
    #[error("cannot use key file {path}: {source}; check that the key directory exists and is writable by this user")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The seed file exists but is not 32 bytes long.
    #[error("key file {path} is {len} bytes, not 32: it is damaged; restore it from your backup (nothing can be signed without it)")]
    WrongLength {
        /// The seed file.
        path: PathBuf,
        /// Its length.
        len: usize,
    },
    /// `assent keygen` found a key already there.
    #[error("a log key already exists at {0}; it is never overwritten: pick another --out directory")]
    Exists(PathBuf),
    /// The operating system's random number generator failed.
    #[error("the operating system's random number generator failed ({0}); cannot create a key")]
    Random(String),
}

/// Loads the key from `dir`, or creates the directory and a new random key if there is none.
/// An existing file is never overwritten.
pub fn load_or_create(dir: &Path) -> Result<SigningKey, LogKeyError> {
    load_or_create_seed(dir, SEED_FILE)
}

/// Loads the Ed25519 seed in `dir/file_name`, or creates the directory and a new random seed
/// there (mode 0600) if there is none. An existing file is never overwritten. The witness keeps
/// its cosigning key the same way.
pub fn load_or_create_seed(dir: &Path, file_name: &str) -> Result<SigningKey, LogKeyError> {
    let path = dir.join(file_name);
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| LogKeyError::Io { path, source }
    };
    match fs::read(&path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            let seed: &[u8; 32] = bytes
                .as_slice()
                .try_into()
                .map_err(|_| LogKeyError::WrongLength { path: path.clone(), len: bytes.len() })?;
            Ok(SigningKey::from_bytes(seed))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(io(dir))?;
            let mut seed = Zeroizing::new([0u8; 32]);
            getrandom::fill(seed.as_mut()).map_err(|e| LogKeyError::Random(e.to_string()))?;
            write_new_secret(&path, seed.as_ref()).map_err(io(&path))?;
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(error) => Err(io(&path)(error)),
    }
}

/// Creates the directory and a new random key in it; fails if a key is already there.
pub fn create(dir: &Path) -> Result<SigningKey, LogKeyError> {
    let path = dir.join(SEED_FILE);
    fs::create_dir_all(dir).map_err(|source| LogKeyError::Io { path: dir.to_path_buf(), source })?;
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut()).map_err(|e| LogKeyError::Random(e.to_string()))?;
    match write_new_secret(&path, seed.as_ref()) {
        Ok(()) => Ok(SigningKey::from_bytes(&seed)),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Err(LogKeyError::Exists(path)),
        Err(source) => Err(LogKeyError::Io { path, source }),
    }
}

/// Creates `path` (failing if it exists), readable by the owner only, and syncs it to disk.
fn write_new_secret(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
