//! `assent vault open`: opens a backup file (a sealed wallet key) on the desktop and prints its
//! public keys. Never prints a secret.

use std::io::BufRead;
use std::path::Path;

use wasm_core::vault::{open, KeySource, MasterSeed, RecordKind, VaultError};
use zeroize::Zeroizing;

/// Why a backup could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum VaultCliError {
    /// The backup file could not be read.
    #[error("cannot read backup file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// No passphrase on standard input.
    #[error(
        "no passphrase on standard input: pipe it in, e.g. `assent vault open --file F < passphrase.txt`"
    )]
    NoPassphrase,
    /// The vault refused the file.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// Opens `file` with the passphrase on the first line of `stdin`, and returns the JSON to print:
/// the record's parameters, the root public key and each requested pairwise public key.
pub fn open_backup(file: &Path, providers: &[String], stdin: impl BufRead) -> Result<String, VaultCliError> {
    let record = std::fs::read(file)
        .map_err(|source| VaultCliError::Read { path: file.display().to_string(), source })?;
    let passphrase = read_passphrase(stdin)?;
    let header = wasm_core::vault::inspect(RecordKind::MasterSeed, &record)?;
    let seed = MasterSeed::from_record_contents(&open(RecordKind::MasterSeed, &record, &passphrase)?)?;
    // `open` refused any other key source; the match keeps the JSON honest if that changes.
    let kdf = match header.key_source {
        KeySource::Passphrase(params) => serde_json::json!({
            "algorithm": "argon2id",
            "memory_kib": params.memory_kib,
            "iterations": params.iterations,
            "parallelism": params.parallelism,
        }),
        KeySource::WalletKey => serde_json::json!({ "algorithm": "wallet-record-key" }),
    };
    let pairwise: serde_json::Map<String, serde_json::Value> = providers
        .iter()
        .map(|provider| {
            let key = seed.pairwise_key(provider.as_bytes()).verifying_key();
            (provider.clone(), hex::encode(key.as_bytes()).into())
        })
        .collect();
    let output = serde_json::json!({
        "record": header.kind.to_string(),
        "format_version": header.version,
        "kdf": kdf,
        "root_public_key": hex::encode(seed.root_key().verifying_key().as_bytes()),
        "pairwise_public_keys": pairwise,
    });
    Ok(output.to_string())
}

/// The first line of standard input, without its line ending.
fn read_passphrase(mut stdin: impl BufRead) -> Result<Zeroizing<String>, VaultCliError> {
    let mut line = Zeroizing::new(String::new());
    let read = stdin.read_line(&mut line).map_err(|_| VaultCliError::NoPassphrase)?;
    if read == 0 {
        return Err(VaultCliError::NoPassphrase);
    }
    let trimmed = line.trim_end_matches(['\n', '\r']).len();
    line.truncate(trimmed);
    Ok(line)
}
