//! What the gateway's log-backed maps ([`super::revocations`], [`super::accesses`]) share:
//! reading the stored entries in order to rebuild a map, and the recent [`Versions`] of a map,
//! kept so a client can get a proof for the checkpoint it verified even after the log has moved on.

use std::collections::VecDeque;
use std::sync::{Arc, PoisonError, RwLock};

use wasm_core::accessmap::AccessMap;
use wasm_core::revmap::RevocationMap;

use super::storage::{LogStorage, StorageError};

/// How many versions of a map (each after a batch that changed it) are kept to answer for older
/// checkpoints. Each is a copy of the map that shares its unchanged nodes with the others: memory
/// grows with the keys each batch changes times this.
const VERSIONS_KEPT: usize = 16;

/// A map as of a number of log entries.
pub trait Versioned {
    /// The number of log entries folded: the version answers for checkpoints from this size on.
    fn size(&self) -> u64;
}

impl Versioned for RevocationMap {
    fn size(&self) -> u64 {
        RevocationMap::size(self)
    }
}

impl Versioned for AccessMap {
    fn size(&self) -> u64 {
        AccessMap::size(self)
    }
}

/// Recent versions of a map, and what is kept beside them (`X`: the access map's event index),
/// under one lock: shared by the sequencer, which publishes, and the HTTP handlers, which read.
pub struct Versions<T, X = ()>(Arc<RwLock<Kept<T, X>>>);

struct Kept<T, X> {
    /// Newest last: each holds from its own size until the next version's size.
    versions: VecDeque<Arc<T>>,
    beside: X,
}

impl<T, X> Clone for Versions<T, X> {
    fn clone(&self) -> Versions<T, X> {
        Versions(Arc::clone(&self.0))
    }
}

impl<T, X: Default> Default for Versions<T, X> {
    fn default() -> Versions<T, X> {
        Versions(Arc::new(RwLock::new(Kept { versions: VecDeque::new(), beside: X::default() })))
    }
}

impl<T: Versioned, X: Default> Versions<T, X> {
    /// Versions starting with `map`.
    pub fn new(map: T) -> Versions<T, X> {
        let versions = Versions::default();
        versions.publish(map);
        versions
    }

    /// Adds the map as of a new batch that changed it.
    pub fn publish(&self, map: T) {
        self.publish_with(map, |_| ());
    }

    /// Adds the map as of a new batch that changed it, and changes what is kept beside the
    /// versions with `update`, at once for every reader.
    pub fn publish_with(&self, map: T, update: impl FnOnce(&mut X)) {
        // A poisoned lock only means a reader panicked; the data itself is whole (each write
        // below is one push or pop, and `update` only adds).
        let mut kept = self.0.write().unwrap_or_else(PoisonError::into_inner);
        update(&mut kept.beside);
        kept.versions.push_back(Arc::new(map));
        while kept.versions.len() > VERSIONS_KEPT {
            kept.versions.pop_front();
        }
    }

    /// `read` of the version of the map for the checkpoint of `size` (at most the current size)
    /// and what is kept beside it; `None` if that version is no longer kept.
    pub fn read_at<R>(&self, size: u64, read: impl FnOnce(&T, &X) -> R) -> Option<R> {
        let kept = self.0.read().unwrap_or_else(PoisonError::into_inner);
        let map = kept.versions.iter().rev().find(|map| map.size() <= size)?;
        Some(read(map, &kept.beside))
    }
}

/// Hands the first `size` stored entries to `fold` in order, 256 at a time, with the index of
/// the first.
pub(crate) fn read_in_order<E: From<StorageError>>(
    storage: &dyn LogStorage,
    size: u64,
    mut fold: impl FnMut(u64, &[Vec<u8>]) -> Result<(), E>,
) -> Result<(), E> {
    let mut start = 0;
    while start < size {
        let width = u16::try_from((size - start).min(256)).unwrap_or(256);
        let entries = storage.entries(start, width)?;
        if entries.is_empty() {
            break;
        }
        fold(start, &entries)?;
        start += entries.len() as u64;
    }
    Ok(())
}
