//! The checkpoint extension line `revocation-map <root>` that binds a map root to a signed tree
//! head (module docs: why an extension line).

use super::{MapKey, MapProof, MapStatus, RevMapError};
use crate::hash::Digest256;
use crate::smt::{extension_line, root_from_extension};
use crate::tlog::checkpoint::Checkpoint;

/// The first word of the extension line.
pub const EXTENSION_KEYWORD: &str = "revocation-map";

/// The extension line for a map root, without its newline: `revocation-map <base64 root>`. The
/// sequencer adds it to [`Checkpoint::extensions`] for the map of exactly the checkpoint's entries.
pub fn checkpoint_extension(root: &Digest256) -> String {
    extension_line(EXTENSION_KEYWORD, root)
}

/// The map root a checkpoint binds: `None` if it has no `revocation-map` line. A line whose first
/// word is `revocation-map` must be exactly the keyword, one space and a 32-byte root in
/// canonical standard base64, and may appear once; other extension lines are ignored.
pub fn root_from_checkpoint(checkpoint: &Checkpoint) -> Result<Option<Digest256>, RevMapError> {
    Ok(root_from_extension(checkpoint, EXTENSION_KEYWORD)?)
}

/// Checks a map proof for `key` against the root a verified checkpoint binds. The caller has
/// verified the checkpoint (signature, witnesses, consistency with its view); a checkpoint
/// without a map root is [`RevMapError::NoMapRoot`], never "not revoked".
pub fn verify_at_checkpoint(
    checkpoint: &Checkpoint,
    proof: &MapProof,
    key: &MapKey,
) -> Result<MapStatus, RevMapError> {
    let root = root_from_checkpoint(checkpoint)?.ok_or(RevMapError::NoMapRoot)?;
    let status = proof.verify(&root, key)?;
    if let MapStatus::Revoked(value) = status {
        if value.log_index >= checkpoint.size {
            return Err(RevMapError::RevokedBeyondCheckpoint {
                log_index: value.log_index,
                size: checkpoint.size,
            });
        }
    }
    Ok(status)
}
