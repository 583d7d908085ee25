//! [`AccessMap`]: the map in memory, folded from log entries in index order, over the shared
//! sparse Merkle tree ([`crate::smt`]). Each access event updates its key's leaf (count, last
//! index, chain), which marks the leaf's path stale; folding rehashes once per call.

use super::{AccessKey, AccessMapError, AccessProof, AccessSpec, AccessTrail};
use crate::consent::entry::KIND_ACCESS_EVENT;
use crate::consent::{ConsentError, LogEntry};
use crate::hash::Digest256;
use crate::smt::{self, Tree};
use crate::tlog::merkle::leaf_hash;

/// What folding one log entry did to the map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccessFolded {
    /// An access event, now the last of its key's trail.
    Accessed(AccessKey),
    /// A grant, revocation or model release (any other kind byte; not verified, as it cannot
    /// change the map).
    NotAnAccess,
    /// Bytes that do not verify as a log entry: not part of the map.
    Unreadable(ConsentError),
}

/// The map's leaves in key order ([`AccessMap::leaves`]).
pub type Leaves<'a> = smt::Leaves<'a, AccessSpec>;

/// The access map of one log, as of the first [`size`](AccessMap::size) entries.
///
/// Every public method leaves the node hashes current, so [`root`](AccessMap::root) and
/// [`prove`](AccessMap::prove) only read.
#[derive(Clone, Debug)]
pub struct AccessMap {
    size: u64,
    tree: Tree<AccessSpec>,
}

impl Default for AccessMap {
    fn default() -> AccessMap {
        AccessMap::new()
    }
}

impl AccessMap {
    /// The empty map, before a log's first entry.
    pub fn new() -> AccessMap {
        AccessMap { size: 0, tree: Tree::new() }
    }

    /// Rebuilds a map from leaves kept by its owner (see [`leaves`](AccessMap::leaves)), as of
    /// `size` entries, without re-reading the log. Refuses a key given twice and a trail the
    /// first `size` entries cannot give; it trusts its storage for the rest (the chains), so
    /// restore only what this code stored.
    pub fn restore(
        size: u64,
        leaves: impl IntoIterator<Item = (AccessKey, AccessTrail)>,
    ) -> Result<AccessMap, AccessMapError> {
        let mut map = AccessMap::new();
        map.size = size;
        for (key, value) in leaves {
            if !value.is_possible() || value.last_index >= size {
                return Err(AccessMapError::ImpossibleLeaf { key: hex::encode(key.as_bytes()), size });
            }
            if !map.tree.insert(key, value)? {
                return Err(AccessMapError::DuplicateLeaf { key: hex::encode(key.as_bytes()) });
            }
        }
        map.tree.rehash();
        Ok(map)
    }

    /// The number of log entries folded: the map is `A(size)`, and the next entry to fold is `size`.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The number of keys with events.
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// Whether no key has events.
    pub fn is_empty(&self) -> bool {
        self.tree.len() == 0
    }

    /// The map's root hash.
    pub fn root(&self) -> Digest256 {
        self.tree.root()
    }

    /// The trail the map holds for `key`, if it has events.
    pub fn get(&self, key: &AccessKey) -> Option<AccessTrail> {
        self.tree.get(key)
    }

    /// The proof of what the map holds for `key`: its trail, or that it has none.
    pub fn prove(&self, key: &AccessKey) -> AccessProof {
        self.tree.prove(key)
    }

    /// Every leaf, in key order: what an owner stores to [`restore`](AccessMap::restore) the map.
    pub fn leaves(&self) -> Leaves<'_> {
        self.tree.leaves()
    }

    /// Folds log entry `index` (its bytes as the log stores them), which must be the next one:
    /// [`size`](AccessMap::size). Checks its signature with [`LogEntry::verify`].
    pub fn fold(&mut self, index: u64, entry: &[u8]) -> Result<AccessFolded, AccessMapError> {
        self.check_next(index, 1)?;
        let outcome = self.fold_bytes(entry);
        self.tree.rehash();
        outcome
    }

    /// Folds entries `first_index ..` in order and rehashes once: `first_index` must be
    /// [`size`](AccessMap::size). Returns what each entry did. Checks every signature with
    /// [`LogEntry::verify`]. If the order is wrong, nothing is folded.
    pub fn fold_batch<E: AsRef<[u8]>>(
        &mut self,
        first_index: u64,
        entries: &[E],
    ) -> Result<Vec<AccessFolded>, AccessMapError> {
        self.check_next(first_index, entries.len())?;
        let outcomes: Result<Vec<_>, _> =
            entries.iter().map(|entry| self.fold_bytes(entry.as_ref())).collect();
        self.tree.rehash();
        outcomes
    }

    /// [`fold_batch`](AccessMap::fold_batch) for entries whose signatures were already checked:
    /// a [`LogEntry`] is only made by [`LogEntry::verify`] (or by signing), so the sequencer can
    /// fold what it has just verified without checking it again.
    pub fn fold_verified(
        &mut self,
        first_index: u64,
        entries: &[LogEntry],
    ) -> Result<Vec<AccessFolded>, AccessMapError> {
        self.check_next(first_index, entries.len())?;
        let outcomes: Result<Vec<_>, _> = entries
            .iter()
            .map(|entry| match entry {
                LogEntry::Access(_) => self.fold_entry(entry, &leaf_hash(&entry.to_bytes())),
                _ => self.fold_entry(entry, &[0; 32]),
            })
            .collect();
        self.tree.rehash();
        outcomes
    }

    fn check_next(&self, first_index: u64, count: usize) -> Result<(), AccessMapError> {
        if first_index != self.size {
            return Err(AccessMapError::OutOfOrder { expected: self.size, got: first_index });
        }
        let count = u64::try_from(count).map_err(|_| AccessMapError::IndexOverflow)?;
        self.size.checked_add(count).ok_or(AccessMapError::IndexOverflow)?;
        Ok(())
    }

    /// Folds the entry at index `self.size`, without rehashing.
    fn fold_bytes(&mut self, entry: &[u8]) -> Result<AccessFolded, AccessMapError> {
        // Only an access event can change the map: any other kind byte is passed over
        // unverified, as it would be ignored verified or not.
        if entry.first().is_some_and(|&kind| kind != KIND_ACCESS_EVENT) {
            self.size += 1;
            return Ok(AccessFolded::NotAnAccess);
        }
        match LogEntry::verify(entry) {
            Ok(verified) => self.fold_entry(&verified, &leaf_hash(entry)),
            Err(error) => {
                self.size += 1;
                Ok(AccessFolded::Unreadable(error))
            }
        }
    }

    /// Folds the verified entry at index `self.size`, whose bytes have `leaf`, without
    /// rehashing. `check_next` made sure the index does not overflow.
    fn fold_entry(&mut self, entry: &LogEntry, leaf: &Digest256) -> Result<AccessFolded, AccessMapError> {
        let index = self.size;
        let outcome = match entry {
            LogEntry::Access(event) => {
                let key = AccessKey::of_event(event);
                self.tree.modify(key, |trail| {
                    Some(match trail {
                        Some(trail) => trail.then(index, leaf),
                        None => AccessTrail::first(index, leaf),
                    })
                })?;
                AccessFolded::Accessed(key)
            }
            LogEntry::Grant(_) | LogEntry::Revocation(_) | LogEntry::Model(_) => AccessFolded::NotAnAccess,
        };
        self.size = index + 1;
        Ok(outcome)
    }
}
