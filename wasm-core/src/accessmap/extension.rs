//! The checkpoint extension line `access-map <root>` that binds the access map's root to a signed
//! tree head (module docs).

use super::{AccessKey, AccessMapError, AccessProof, AccessTrail};
use crate::hash::Digest256;
use crate::smt::{extension_line, root_from_extension};
use crate::tlog::checkpoint::Checkpoint;

/// The first word of the extension line.
pub const EXTENSION_KEYWORD: &str = "access-map";

/// The extension line for a map root, without its newline: `access-map <base64 root>`. The
/// sequencer adds it to [`Checkpoint::extensions`] for the map of exactly the checkpoint's entries.
pub fn checkpoint_extension(root: &Digest256) -> String {
    extension_line(EXTENSION_KEYWORD, root)
}

/// The access map root a checkpoint binds: `None` if it has no `access-map` line. A line whose
/// first word is `access-map` must be exactly the keyword, one space and a 32-byte root in
/// canonical standard base64, and may appear once; other extension lines are ignored.
pub fn root_from_checkpoint(checkpoint: &Checkpoint) -> Result<Option<Digest256>, AccessMapError> {
    Ok(root_from_extension(checkpoint, EXTENSION_KEYWORD)?)
}

/// Checks a map proof for `key` against the root a verified checkpoint binds: the key's trail,
/// or `None` if it has no events. The caller has verified the checkpoint; a checkpoint without
/// an access map root is [`AccessMapError::NoMapRoot`], never "no events".
pub fn verify_at_checkpoint(
    checkpoint: &Checkpoint,
    proof: &AccessProof,
    key: &AccessKey,
) -> Result<Option<AccessTrail>, AccessMapError> {
    let root = root_from_checkpoint(checkpoint)?.ok_or(AccessMapError::NoMapRoot)?;
    let trail = proof.verify(&root, key)?;
    if let Some(trail) = trail {
        if trail.last_index >= checkpoint.size {
            return Err(AccessMapError::TrailBeyondCheckpoint {
                last_index: trail.last_index,
                size: checkpoint.size,
            });
        }
    }
    Ok(trail)
}
