//! C2SP checkpoints (<https://c2sp.org/tlog-checkpoint>): a log's signed tree head as note text.
//!
//! The text is the origin line, the tree size in decimal, the RFC 6962 root hash in standard
//! base64, then optional extension lines; every line ends in a newline. Parsing is strict, so
//! each checkpoint has exactly one text form and [`Checkpoint::to_text`] gives it back.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};

use crate::hash::{Digest256, DIGEST_LEN};
use crate::tlog::note::{open_note, KeyType, NoteError, NoteVerifier, OpenedNote};

/// Why a checkpoint could not be parsed or opened. Messages say what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    /// The signed note around the checkpoint did not open.
    #[error("checkpoint note did not open: {0}")]
    Note(#[from] NoteError),
    /// The text does not end in a newline.
    #[error("checkpoint text does not end in a newline: end every line, the last one too, with '\\n'")]
    MissingFinalNewline,
    /// The text contains an ASCII control character other than newline.
    #[error("checkpoint contains a control character other than a line's final newline: remove it")]
    ControlCharacter,
    /// The text has fewer than three lines.
    #[error("checkpoint has fewer than three lines: expected origin, tree size and root hash")]
    TooFewLines,
    /// The origin line is empty.
    #[error("checkpoint origin line is empty: the first line names the log")]
    EmptyOrigin,
    /// The tree size is not a decimal number that fits in 64 bits.
    #[error("checkpoint tree size is not a decimal number below 2^64: write digits only, like 42")]
    InvalidTreeSize,
    /// The tree size has a leading zero.
    #[error("checkpoint tree size has a leading zero: write it without one (an empty tree is 0)")]
    TreeSizeLeadingZero,
    /// The root hash is not canonical standard base64.
    #[error("checkpoint root hash is not canonical standard base64: copy the checkpoint again")]
    RootNotBase64,
    /// The root hash does not decode to 32 bytes.
    #[error("checkpoint root hash is {found} bytes, expected {DIGEST_LEN}: it must be a SHA-256 root")]
    RootLength {
        /// The decoded length.
        found: usize,
    },
    /// An extension line is empty.
    #[error("checkpoint extension line {line} is empty: extension lines must be non-empty")]
    EmptyExtensionLine {
        /// The line's position in the text, from 1.
        line: usize,
    },
    /// The checkpoint is for another log.
    #[error("checkpoint is for log {found:?}, not {expected:?}: fetch the checkpoint from the right log")]
    OriginMismatch {
        /// The origin the caller trusts.
        expected: String,
        /// The origin in the checkpoint.
        found: String,
    },
    /// The only verified signatures are cosignatures: no log key signed the checkpoint.
    #[error("checkpoint is cosigned but not signed by the log: pass the log's ed25519 verifier key")]
    NotSignedByLog,
}

/// A log's tree head: which log, how many leaves, and their RFC 6962 root hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `example.com/log`.
    pub origin: String,
    /// The number of leaves in the tree.
    pub size: u64,
    /// The RFC 6962 Merkle root of the first `size` leaves.
    pub root: Digest256,
    /// Opaque extension lines after the root, each non-empty and without its newline.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// Parses checkpoint note text strictly: non-empty origin, size in decimal without leading
    /// zeros (except `0`), root of exactly 32 bytes in canonical standard base64, non-empty
    /// extension lines, and a final newline.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(CheckpointError::MissingFinalNewline)?;
        if text.bytes().any(|b| b < 0x20 && b != b'\n') {
            return Err(CheckpointError::ControlCharacter);
        }
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next()) else {
            return Err(CheckpointError::TooFewLines);
        };
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_tree_size(size)?;
        let root = parse_root(root)?;
        let mut extensions = Vec::new();
        for (index, line) in lines.enumerate() {
            if line.is_empty() {
                // Lines 1 to 3 are origin, size and root.
                return Err(CheckpointError::EmptyExtensionLine { line: index + 4 });
            }
            extensions.push(line.to_owned());
        }
        Ok(Checkpoint { origin: origin.to_owned(), size, root, extensions })
    }

    /// The checkpoint as note text, every line ending in a newline, ready to sign.
    pub fn to_text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, BASE64.encode(self.root));
        for extension in &self.extensions {
            text.push_str(extension);
            text.push('\n');
        }
        text
    }

    /// Checks that the fields have one text form that parses back to them: a non-empty origin,
    /// non-empty extensions, and no newline or other control character in any of them.
    pub fn validate(&self) -> Result<(), CheckpointError> {
        if self.origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let has_control = |field: &str| field.bytes().any(|b| b < 0x20);
        if has_control(&self.origin) || self.extensions.iter().any(|extension| has_control(extension)) {
            return Err(CheckpointError::ControlCharacter);
        }
        match self.extensions.iter().position(String::is_empty) {
            // Lines 1 to 3 are origin, size and root.
            Some(index) => Err(CheckpointError::EmptyExtensionLine { line: index + 4 }),
            None => Ok(()),
        }
    }
}

fn parse_tree_size(line: &str) -> Result<u64, CheckpointError> {
    // `str::parse` would accept a leading '+', so check for digits first.
    if line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CheckpointError::InvalidTreeSize);
    }
    if line.len() > 1 && line.starts_with('0') {
        return Err(CheckpointError::TreeSizeLeadingZero);
    }
    line.parse().map_err(|_| CheckpointError::InvalidTreeSize)
}

fn parse_root(line: &str) -> Result<Digest256, CheckpointError> {
    let bytes = BASE64.decode(line).map_err(|_| CheckpointError::RootNotBase64)?;
    let found = bytes.len();
    bytes.try_into().map_err(|_| CheckpointError::RootLength { found })
}

/// Opens a signed checkpoint from the log named `origin`: verifies the note with `verifiers`
/// (the log's key and any witness keys), requires a verified plain Ed25519 signature (a
/// cosignature alone is not the log's word), parses the text and checks the origin.
///
/// This checks signatures only; a witness policy is a separate check on the [`OpenedNote`].
pub fn open_checkpoint(
    note: &[u8],
    origin: &str,
    verifiers: &[NoteVerifier],
) -> Result<(Checkpoint, OpenedNote), CheckpointError> {
    let opened = open_note(note, verifiers)?;
    let signed_by_log = opened.signatures().iter().any(|signature| {
        verifiers.iter().any(|verifier| {
            verifier.key_type() == KeyType::Ed25519
                && verifier.name() == signature.name
                && verifier.key_id() == signature.key_id
        })
    });
    if !signed_by_log {
        return Err(CheckpointError::NotSignedByLog);
    }
    let checkpoint = Checkpoint::parse(opened.text())?;
    if checkpoint.origin != origin {
        return Err(CheckpointError::OriginMismatch {
            expected: origin.to_owned(),
            found: checkpoint.origin,
        });
    }
    Ok((checkpoint, opened))
}
