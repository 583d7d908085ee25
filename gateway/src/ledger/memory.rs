//! A [`LogStorage`] in memory, for tests: the same behaviour as the SQLite store, minus
//! durability.

use std::collections::HashMap;
use std::sync::Mutex;

use wasm_core::hash::Digest256;

use super::storage::{Batch, LogStorage, StorageError, StoredHead};

#[derive(Default)]
struct State {
    entries: Vec<Vec<u8>>,
    by_hash: HashMap<Digest256, u64>,
    tiles: HashMap<(u8, u64), Vec<u8>>,
    head: Option<StoredHead>,
}

/// A log kept in memory; lost when dropped.
#[derive(Default)]
pub struct MemoryStorage {
    state: Mutex<State>,
}

impl MemoryStorage {
    /// An empty log.
    pub fn new() -> Self {
        MemoryStorage::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> Result<T, StorageError>) -> Result<T, StorageError> {
        let mut state = self.state.lock().map_err(|_| StorageError::Poisoned)?;
        f(&mut state)
    }
}

impl LogStorage for MemoryStorage {
    fn head(&self) -> Result<Option<StoredHead>, StorageError> {
        self.with(|state| Ok(state.head.clone()))
    }

    fn tile(&self, level: u8, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        self.with(|state| Ok(state.tiles.get(&(level, index)).cloned()))
    }

    fn entries(&self, start: u64, count: u16) -> Result<Vec<Vec<u8>>, StorageError> {
        self.with(|state| {
            let start = usize::try_from(start).unwrap_or(usize::MAX);
            Ok(state.entries.iter().skip(start).take(usize::from(count)).cloned().collect())
        })
    }

    fn find(&self, leaf_hash: &Digest256) -> Result<Option<u64>, StorageError> {
        self.with(|state| Ok(state.by_hash.get(leaf_hash).copied()))
    }

    fn commit(&self, batch: &Batch) -> Result<(), StorageError> {
        self.with(|state| {
            let size = state.entries.len() as u64;
            if batch.first_index() != size {
                return Err(StorageError::OutOfOrder { first: batch.first_index(), size });
            }
            for (offset, (leaf_hash, entry)) in (size..).zip(&batch.entries) {
                state.by_hash.insert(*leaf_hash, offset);
                state.entries.push(entry.clone());
            }
            for (tile, bytes) in &batch.tiles {
                state.tiles.insert((tile.level(), tile.index()), bytes.clone());
            }
            state.head = Some(batch.head.clone());
            Ok(())
        })
    }
}
