//! C2SP tlog-proof bundles (<https://c2sp.org/tlog-proof>): an entry's index, its inclusion
//! proof and the signed (and possibly cosigned) checkpoint it leads to, as one text that can be
//! handed over and verified offline.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! extra <base64>            (optional, not authenticated)
//! index <decimal>
//! <base64 proof hash>       (zero or more, leaf's sibling first)
//!
//! <signed checkpoint note>
//! ```
//!
//! Parsing is strict, so each bundle has exactly one text form and [`ProofBundle::to_text`]
//! gives it back.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};

use crate::hash::{Digest256, DIGEST_LEN};
use crate::tlog::checkpoint::{open_checkpoint, Checkpoint, CheckpointError};
use crate::tlog::merkle::leaf_hash;
use crate::tlog::note::NoteVerifier;
use crate::tlog::proof::{verify_inclusion, ProofError};

/// The first line of every bundle.
pub const BUNDLE_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The largest bundle [`ProofBundle::parse`] reads, in bytes.
pub const MAX_BUNDLE_BYTES: usize = 1 << 20;

/// The most proof hashes [`ProofBundle::parse`] reads (a tree of 2^64 leaves needs 64).
pub const MAX_PROOF_HASHES: usize = 64;

/// Why a bundle could not be parsed or verified. Messages say what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// The bundle is larger than [`MAX_BUNDLE_BYTES`].
    #[error("proof bundle is {size} bytes, over the limit of {MAX_BUNDLE_BYTES}: refuse it")]
    TooLarge {
        /// The bundle's size in bytes.
        size: usize,
    },
    /// The first line is not [`BUNDLE_HEADER`].
    #[error("proof bundle does not start with the line {BUNDLE_HEADER:?}: it is not a tlog-proof bundle")]
    MissingHeader,
    /// The `extra` line's data is not canonical standard base64.
    #[error("proof bundle's extra line is not canonical standard base64: copy the bundle again")]
    ExtraNotBase64,
    /// The line after the header (and optional extra line) is not `index N`.
    #[error("proof bundle has no 'index <n>' line after its header: copy the whole bundle")]
    MissingIndex,
    /// The index is not a decimal number that fits in 64 bits.
    #[error("proof bundle index is not a decimal number below 2^64: write digits only, like 42")]
    InvalidIndex,
    /// The index has a leading zero.
    #[error("proof bundle index has a leading zero: write it without one (the first entry is 0)")]
    IndexLeadingZero,
    /// A proof line is not canonical standard base64.
    #[error("proof bundle line {line} is not a canonical standard base64 hash: copy the bundle again")]
    ProofHashNotBase64 {
        /// The line's position in the bundle, from 1.
        line: usize,
    },
    /// A proof line does not decode to 32 bytes.
    #[error("proof bundle line {line} holds {found} bytes, expected {DIGEST_LEN}: proof hashes are SHA-256")]
    ProofHashLength {
        /// The line's position in the bundle, from 1.
        line: usize,
        /// The decoded length.
        found: usize,
    },
    /// The bundle has more than [`MAX_PROOF_HASHES`] proof lines.
    #[error(
        "proof bundle has more than {MAX_PROOF_HASHES} proof hashes: no tree needs that many, refuse it"
    )]
    TooManyProofHashes,
    /// No empty line separates the proof from the checkpoint.
    #[error("proof bundle has no empty line before its checkpoint: copy the whole bundle")]
    MissingSeparator,
    /// Nothing follows the empty line.
    #[error("proof bundle has no checkpoint after its empty line: copy the whole bundle")]
    MissingCheckpoint,
    /// The checkpoint did not open (signature, format or origin).
    #[error("proof bundle checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// The inclusion proof does not lead to the checkpoint's root.
    #[error("proof bundle inclusion proof does not verify: {0}")]
    Inclusion(#[from] ProofError),
}

/// An offline proof that an entry is in a log: the entry's index, its inclusion proof and the
/// signed checkpoint note the proof leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProofBundle {
    /// Opaque, unauthenticated extra data for the application, if any.
    pub extra: Option<Vec<u8>>,
    /// The entry's zero-based index in the log.
    pub index: u64,
    /// The RFC 6962 inclusion proof, from the leaf's sibling up to the root's child.
    pub proof: Vec<Digest256>,
    /// The signed checkpoint note, verbatim, ending in a newline.
    pub checkpoint_note: String,
}

impl ProofBundle {
    /// The bundle as text, ready to save as a `.tlog-proof` file.
    pub fn to_text(&self) -> String {
        let mut text = String::with_capacity(128 + self.proof.len() * 45 + self.checkpoint_note.len());
        text.push_str(BUNDLE_HEADER);
        text.push('\n');
        if let Some(extra) = &self.extra {
            text.push_str("extra ");
            text.push_str(&BASE64.encode(extra));
            text.push('\n');
        }
        text.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            text.push_str(&BASE64.encode(hash));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&self.checkpoint_note);
        text
    }

    /// Parses a bundle strictly: the header, an optional `extra` line, `index N` without leading
    /// zeros, at most [`MAX_PROOF_HASHES`] canonical base64 hashes, an empty line and a
    /// non-empty checkpoint note (checked by [`ProofBundle::verify`]).
    pub fn parse(text: &str) -> Result<ProofBundle, BundleError> {
        if text.len() > MAX_BUNDLE_BYTES {
            return Err(BundleError::TooLarge { size: text.len() });
        }
        let rest = text.strip_prefix(BUNDLE_HEADER).and_then(|rest| rest.strip_prefix('\n'));
        let mut rest = rest.ok_or(BundleError::MissingHeader)?;
        let mut line_number = 1;
        let mut next_line = |rest: &mut &str| -> Option<(usize, String)> {
            let (line, after) = rest.split_once('\n')?;
            *rest = after;
            line_number += 1;
            Some((line_number, line.to_owned()))
        };

        let (_, mut line) = next_line(&mut rest).ok_or(BundleError::MissingIndex)?;
        let mut extra = None;
        if let Some(encoded) = line.strip_prefix("extra ") {
            extra = Some(BASE64.decode(encoded).map_err(|_| BundleError::ExtraNotBase64)?);
            line = next_line(&mut rest).ok_or(BundleError::MissingIndex)?.1;
        }
        let index = parse_index(line.strip_prefix("index ").ok_or(BundleError::MissingIndex)?)?;

        let mut proof = Vec::new();
        loop {
            let (number, line) = next_line(&mut rest).ok_or(BundleError::MissingSeparator)?;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_HASHES {
                return Err(BundleError::TooManyProofHashes);
            }
            let bytes = BASE64.decode(&line).map_err(|_| BundleError::ProofHashNotBase64 { line: number })?;
            let found = bytes.len();
            proof.push(bytes.try_into().map_err(|_| BundleError::ProofHashLength { line: number, found })?);
        }
        if rest.is_empty() {
            return Err(BundleError::MissingCheckpoint);
        }
        Ok(ProofBundle { extra, index, proof, checkpoint_note: rest.to_owned() })
    }

    /// Checks that the leaf with `leaf_hash` is in the log named `origin`: opens the checkpoint
    /// with `verifiers` (the log's key is required, witness keys are optional) and checks the
    /// inclusion proof against its root. Returns the checkpoint; check a witness policy on it
    /// separately if one applies.
    pub fn verify(
        &self,
        leaf_hash: &Digest256,
        origin: &str,
        verifiers: &[NoteVerifier],
    ) -> Result<Checkpoint, BundleError> {
        let (checkpoint, _) = open_checkpoint(self.checkpoint_note.as_bytes(), origin, verifiers)?;
        verify_inclusion(leaf_hash, self.index, checkpoint.size, &self.proof, &checkpoint.root)?;
        Ok(checkpoint)
    }

    /// Like [`ProofBundle::verify`], for the entry's bytes rather than its leaf hash.
    pub fn verify_entry(
        &self,
        entry: &[u8],
        origin: &str,
        verifiers: &[NoteVerifier],
    ) -> Result<Checkpoint, BundleError> {
        self.verify(&leaf_hash(entry), origin, verifiers)
    }
}

fn parse_index(digits: &str) -> Result<u64, BundleError> {
    // `str::parse` would accept a leading '+', so check for digits first.
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BundleError::InvalidIndex);
    }
    if digits.len() > 1 && digits.starts_with('0') {
        return Err(BundleError::IndexLeadingZero);
    }
    digits.parse().map_err(|_| BundleError::InvalidIndex)
}
