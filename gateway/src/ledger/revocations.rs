//! The gateway's revocation map (`wasm_core::revmap`): rebuilt from the stored entries when the
//! log opens, folded by the sequencer before it signs each checkpoint (whose
//! `revocation-map` extension line carries the root), and kept in recent versions so a client
//! can get a proof for the checkpoint it verified even after the log has moved on.

use wasm_core::revmap::{MapKey, RevMapError, RevocationMap};

use super::maps::{read_in_order, Versions};
use super::storage::{LogStorage, StorageError};

/// Why a map could not be rebuilt or a proof given.
#[derive(Debug, thiserror::Error)]
pub enum RevocationsError {
    /// The stored entries could not be read.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The entries could not be folded (a bug: they are read in order).
    #[error("cannot fold the log's revocations: {0}")]
    Map(#[from] RevMapError),
}

/// Rebuilds the map of the log `origin` from its first `size` stored entries.
pub fn rebuild(storage: &dyn LogStorage, origin: &str, size: u64) -> Result<RevocationMap, RevocationsError> {
    let mut map = RevocationMap::new(origin);
    read_in_order::<RevocationsError>(storage, size, |start, entries| {
        map.fold_batch(start, entries)?;
        Ok(())
    })?;
    Ok(map)
}

/// Recent versions of the map (each after a batch that revoked something), newest last.
pub type MapVersions = Versions<RevocationMap>;

impl Versions<RevocationMap> {
    /// The proof for `key` in the map of the checkpoint of `size` (at most the current size),
    /// encoded; `None` if that version is no longer kept.
    pub fn prove(&self, size: u64, key: &MapKey) -> Option<Vec<u8>> {
        self.read_at(size, |map, ()| map.prove(key).to_bytes())
    }
}
