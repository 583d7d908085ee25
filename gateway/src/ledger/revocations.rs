//! The gateway's revocation map (`wasm_core::revmap`): rebuilt from the stored entries when the
//! log opens, folded by the sequencer before it signs each checkpoint (whose
//! `revocation-map` extension line carries the root), and kept in recent versions so a client
//! can get a proof for the checkpoint it verified even after the log has moved on.

use std::collections::VecDeque;
use std::sync::{Arc, RwLock};

use wasm_core::revmap::{MapKey, RevMapError, RevocationMap};

use super::storage::{LogStorage, StorageError};

/// How many versions of the map (each after a batch that revoked something) are kept to prove
/// against older checkpoints.
const VERSIONS_KEPT: usize = 16;

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
    let mut start = 0;
    while start < size {
        let width = u16::try_from((size - start).min(256)).unwrap_or(256);
        let entries = storage.entries(start, width)?;
        if entries.is_empty() {
            break;
        }
        map.fold_batch(start, &entries)?;
        start += entries.len() as u64;
    }
    Ok(map)
}

/// Recent versions of the map, newest last: each holds from its own size until the next
/// version's size.
#[derive(Clone, Default)]
pub struct MapVersions(Arc<RwLock<VecDeque<Arc<RevocationMap>>>>);

impl MapVersions {
    /// Versions starting with `map`.
    pub fn new(map: RevocationMap) -> MapVersions {
        MapVersions(Arc::new(RwLock::new(VecDeque::from([Arc::new(map)]))))
    }

    /// Adds the map as of a new batch that changed it.
    pub fn publish(&self, map: RevocationMap) {
        // A poisoned lock only means a reader panicked; the list itself is whole.
        let mut versions = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        versions.push_back(Arc::new(map));
        while versions.len() > VERSIONS_KEPT {
            versions.pop_front();
        }
    }

    /// The proof for `key` in the map of the checkpoint of `size` (at most the current size),
    /// encoded; `None` if that version is no longer kept.
    pub fn prove(&self, size: u64, key: &MapKey) -> Option<Vec<u8>> {
        let versions = self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let map = versions.iter().rev().find(|map| map.size() <= size)?;
        Some(map.prove(key).to_bytes())
    }
}
