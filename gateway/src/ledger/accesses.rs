//! The gateway's access map (`wasm_core::accessmap`): rebuilt from the stored entries when the
//! log opens, folded by the sequencer before it signs each checkpoint (whose `access-map`
//! extension line carries the root), kept in recent versions so a client gets the trail for the
//! checkpoint it verified even after the log has moved on; and, beside it, the log indices of
//! each key's events, so a trail answer reads only those entries from storage.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, RwLock};

use wasm_core::accessmap::{
    AccessFolded, AccessKey, AccessMap, AccessMapError, TrailAnswer, MAX_TRAIL_EVENTS,
};
use wasm_core::revmap::{RevMapError, RevocationMap};

use super::storage::{LogStorage, StorageError};

/// How many versions of the map (each after a batch that recorded an access) are kept to
/// answer for older checkpoints. Each is a copy of the map: memory grows with the number of
/// keys times this.
const VERSIONS_KEPT: usize = 16;

/// Why the map could not be rebuilt or a trail given.
#[derive(Debug, thiserror::Error)]
pub enum AccessesError {
    /// The stored entries could not be read.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The entries could not be folded (a bug: they are read in order).
    #[error("cannot fold the log's access events: {0}")]
    Map(#[from] AccessMapError),
    /// The entries could not be folded into the revocation map (a bug: they are read in order).
    #[error("cannot fold the log's revocations: {0}")]
    Revocations(#[from] RevMapError),
    /// A stored entry the index names is missing.
    #[error("log entry {0} of an access trail is missing from storage: the data directory is damaged; restore it from a backup")]
    MissingEntry(u64),
}

/// The new events of a batch, by key, in log order.
pub type NewEvents = Vec<(AccessKey, u64)>;

/// The keys of the accesses `outcomes` folded from entry `first_index` on.
pub fn accessed(first_index: u64, outcomes: &[AccessFolded]) -> NewEvents {
    outcomes
        .iter()
        .zip(first_index..)
        .filter_map(|(outcome, index)| match outcome {
            AccessFolded::Accessed(key) => Some((*key, index)),
            AccessFolded::NotAnAccess | AccessFolded::Unreadable(_) => None,
        })
        .collect()
}

/// Rebuilds the access map of the first `size` stored entries, and the indices of each key's
/// events.
pub fn rebuild(storage: &dyn LogStorage, size: u64) -> Result<(AccessMap, NewEvents), AccessesError> {
    let mut map = AccessMap::new();
    let mut events = Vec::new();
    read_in_order(storage, size, |start, entries| {
        events.extend(accessed(start, &map.fold_batch(start, entries)?));
        Ok(())
    })?;
    Ok((map, events))
}

/// Rebuilds the revocation map of the log `origin` and the access map (with each key's event
/// indices) from the first `size` stored entries, reading them once.
pub fn rebuild_both(
    storage: &dyn LogStorage,
    origin: &str,
    size: u64,
) -> Result<(RevocationMap, AccessMap, NewEvents), AccessesError> {
    let mut revocations = RevocationMap::new(origin);
    let mut map = AccessMap::new();
    let mut events = Vec::new();
    read_in_order(storage, size, |start, entries| {
        revocations.fold_batch(start, entries)?;
        events.extend(accessed(start, &map.fold_batch(start, entries)?));
        Ok(())
    })?;
    Ok((revocations, map, events))
}

/// Hands the first `size` stored entries to `fold` in order, 256 at a time, with the index of
/// the first.
fn read_in_order(
    storage: &dyn LogStorage,
    size: u64,
    mut fold: impl FnMut(u64, &[Vec<u8>]) -> Result<(), AccessesError>,
) -> Result<(), AccessesError> {
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

#[derive(Default)]
struct Inner {
    /// Newest last: each holds from its own size until the next version's size.
    versions: VecDeque<Arc<AccessMap>>,
    /// Every key's event indices, increasing.
    index: HashMap<AccessKey, Vec<u64>>,
}

/// Recent versions of the access map and the event index, shared by the sequencer (which
/// publishes) and the HTTP handlers (which read).
#[derive(Clone, Default)]
pub struct Accesses(Arc<RwLock<Inner>>);

impl Accesses {
    /// Versions starting with `map`, whose events are `events`.
    pub fn new(map: AccessMap, events: NewEvents) -> Accesses {
        let accesses = Accesses::default();
        accesses.publish(map, events);
        accesses
    }

    /// Adds the map as of a new batch that recorded `events`.
    pub fn publish(&self, map: AccessMap, events: NewEvents) {
        // A poisoned lock only means a reader panicked; the data itself is whole (each write
        // below is one push).
        let mut inner = self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (key, index) in events {
            inner.index.entry(key).or_default().push(index);
        }
        inner.versions.push_back(Arc::new(map));
        while inner.versions.len() > VERSIONS_KEPT {
            inner.versions.pop_front();
        }
    }

    /// The trail answer for `key` in the map of the checkpoint of `size` (at most the current
    /// size), with the events after `after`, encoded; `None` if that version is no longer kept.
    /// Reads the entries from `storage`: call from a blocking context.
    pub fn trail(
        &self,
        storage: &dyn LogStorage,
        size: u64,
        key: &AccessKey,
        after: Option<u64>,
    ) -> Result<Option<Vec<u8>>, AccessesError> {
        let (proof, indices) = {
            let inner = self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner());
            let Some(map) = inner.versions.iter().rev().find(|map| map.size() <= size) else {
                return Ok(None);
            };
            let all = inner.index.get(key).map_or(&[][..], Vec::as_slice);
            let from = after.map_or(0, |after| all.partition_point(|index| *index <= after));
            let to = all.partition_point(|index| *index < size);
            let page = all.get(from..to.max(from)).unwrap_or_default();
            let page: Vec<u64> = page.iter().take(usize::from(MAX_TRAIL_EVENTS)).copied().collect();
            (map.prove(key), page)
        };
        let mut events = Vec::with_capacity(indices.len());
        for index in indices {
            let entry = storage.entries(index, 1)?.pop().ok_or(AccessesError::MissingEntry(index))?;
            events.push((index, entry));
        }
        Ok(Some(TrailAnswer::page(proof, events).to_bytes()))
    }
}
