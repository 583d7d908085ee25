//! `assent verify note|inclusion|consistency`: the wallet's checks of signed notes and Merkle
//! proofs, for scripts and outside tools. Exit 0 when it verifies, 1 when it does not, 2 on a
//! usage error (clap's, or an unreadable file).

use std::io::Read;
use std::path::{Path, PathBuf};

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use wasm_core::hash::Digest256;
use wasm_core::tlog::note::{open_note, NoteError, NoteVerifier};
use wasm_core::tlog::proof::{verify_consistency, verify_inclusion, ProofError};

/// The largest note file read; [`open_note`] refuses anything over 1 MB anyway.
const MAX_NOTE_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// Why a check did not pass.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// The note file could not be read (a usage error: exit 2).
    #[error("cannot read {path}: {source}; give the path of a signed note, or - for standard input")]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The note did not verify.
    #[error("the note does not verify: {0}")]
    Note(#[from] NoteError),
    /// The proof did not verify.
    #[error("the proof does not verify: {0}")]
    Proof(#[from] ProofError),
    /// A leaf or proof hash is not 32 bytes, so the proof cannot hold.
    #[error("the proof does not verify: {what} is {len} bytes, and a SHA-256 hash is 32")]
    HashLength {
        /// Which argument.
        what: &'static str,
        /// Its decoded length.
        len: usize,
    },
}

/// Parses a verifier key (`name+hash+base64`) for clap.
pub fn parse_vkey(text: &str) -> Result<NoteVerifier, String> {
    NoteVerifier::parse(text).map_err(|error| error.to_string())
}

/// Parses standard base64 for clap. Lengths are checked by the verification, so that a proof
/// with a short hash is an invalid proof (exit 1) rather than a usage error.
pub fn parse_base64(text: &str) -> Result<Base64Arg, String> {
    BASE64.decode(text).map(Base64Arg).map_err(|_| format!("{text:?} is not standard base64"))
}

/// A command-line value given in standard base64, decoded.
#[derive(Clone, Debug)]
pub struct Base64Arg(pub Vec<u8>);

fn hash(what: &'static str, bytes: &[u8]) -> Result<Digest256, VerifyError> {
    bytes.try_into().map_err(|_| VerifyError::HashLength { what, len: bytes.len() })
}

fn hashes(proof: &[Base64Arg]) -> Result<Vec<Digest256>, VerifyError> {
    proof.iter().map(|bytes| hash("a proof hash", &bytes.0)).collect()
}

/// A root compared as opaque bytes, as Go's verifier does: a 32-byte root is itself; any other
/// value becomes a hash of itself under a distinct prefix, so equal values stay equal and none
/// equals a computed root.
fn opaque_root(bytes: &[u8]) -> Digest256 {
    bytes
        .try_into()
        .unwrap_or_else(|_| wasm_core::hash::sha256(&[b"not a 32-byte root: ".as_slice(), bytes].concat()))
}

/// Reads `path` (`-` for standard input), opens it as a note with `vkeys`, and returns its text.
pub fn note(path: &Path, vkeys: &[NoteVerifier]) -> Result<String, VerifyError> {
    let read = |source| VerifyError::Read { path: path.to_owned(), source };
    let input: Box<dyn Read> = if path == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::fs::File::open(path).map_err(read)?)
    };
    let mut bytes = Vec::new();
    input.take(MAX_NOTE_FILE_BYTES).read_to_end(&mut bytes).map_err(read)?;
    Ok(open_note(&bytes, vkeys)?.text().to_owned())
}

/// Checks an RFC 9162 inclusion proof.
pub fn inclusion(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    root: &[u8],
    proof: &[Base64Arg],
) -> Result<(), VerifyError> {
    let leaf_hash = hash("the leaf hash", leaf_hash)?;
    Ok(verify_inclusion(&leaf_hash, index, size, &hashes(proof)?, &opaque_root(root))?)
}

/// Checks an RFC 9162 consistency proof.
pub fn consistency(
    size1: u64,
    size2: u64,
    root1: &[u8],
    root2: &[u8],
    proof: &[Base64Arg],
) -> Result<(), VerifyError> {
    Ok(verify_consistency(size1, size2, &hashes(proof)?, &opaque_root(root1), &opaque_root(root2))?)
}
