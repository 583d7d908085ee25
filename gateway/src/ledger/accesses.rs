//! The gateway's access map (`wasm_core::accessmap`): rebuilt from the stored entries when the
//! log opens, folded by the sequencer before it signs each checkpoint (whose `access-map`
//! extension line carries the root), kept in recent versions so a client gets the trail for the
//! checkpoint it verified even after the log has moved on; and, beside it, the log indices of
//! each key's events, so a trail answer reads only those entries from storage.

use std::collections::HashMap;

use wasm_core::accessmap::{
    AccessFolded, AccessKey, AccessMap, AccessMapError, TrailAnswer, MAX_TRAIL_EVENTS,
};
use wasm_core::revmap::{RevMapError, RevocationMap};

use super::maps::{read_in_order, Versions};
use super::storage::{LogStorage, StorageError};

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
    read_in_order::<AccessesError>(storage, size, |start, entries| {
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
    read_in_order::<AccessesError>(storage, size, |start, entries| {
        revocations.fold_batch(start, entries)?;
        events.extend(accessed(start, &map.fold_batch(start, entries)?));
        Ok(())
    })?;
    Ok((revocations, map, events))
}

/// Every key's event indices, increasing.
type EventIndex = HashMap<AccessKey, Vec<u64>>;

/// Recent versions of the access map (each after a batch that recorded an access) and the
/// event index, shared by the sequencer (which publishes) and the HTTP handlers (which read).
#[derive(Clone, Default)]
pub struct Accesses(Versions<AccessMap, EventIndex>);

impl Accesses {
    /// Versions starting with `map`, whose events are `events`.
    pub fn new(map: AccessMap, events: NewEvents) -> Accesses {
        let accesses = Accesses::default();
        accesses.publish(map, events);
        accesses
    }

    /// Adds the map as of a new batch that recorded `events`.
    pub fn publish(&self, map: AccessMap, events: NewEvents) {
        self.0.publish_with(map, |index| {
            for (key, event) in events {
                index.entry(key).or_default().push(event);
            }
        });
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
        let Some((proof, indices)) = self.0.read_at(size, |map, index| {
            let all = index.get(key).map_or(&[][..], Vec::as_slice);
            let from = after.map_or(0, |after| all.partition_point(|index| *index <= after));
            let to = all.partition_point(|index| *index < size);
            let page = all.get(from..to.max(from)).unwrap_or_default();
            let page: Vec<u64> = page.iter().take(usize::from(MAX_TRAIL_EVENTS)).copied().collect();
            (map.prove(key), page)
        }) else {
            return Ok(None);
        };
        let mut events = Vec::with_capacity(indices.len());
        for index in indices {
            let entry = storage.entries(index, 1)?.pop().ok_or(AccessesError::MissingEntry(index))?;
            events.push((index, entry));
        }
        Ok(Some(TrailAnswer::page(proof, events).to_bytes()))
    }
}
