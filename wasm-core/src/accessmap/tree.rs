//! [`AccessMap`]: the map in memory, folded from log entries in index order, over the shared
//! sparse Merkle tree and folder ([`crate::smt`]). Each access event updates its key's leaf
//! (count, last index, chain), which marks the leaf's path stale; folding rehashes once per call.

use super::{AccessKey, AccessMapError, AccessProof, AccessSpec, AccessTrail};
use crate::consent::entry::KIND_ACCESS_EVENT;
use crate::consent::{ConsentError, LogEntry};
use crate::hash::Digest256;
use crate::smt::{self, Contribution, FoldedMap, Tree};

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
pub struct AccessMap(FoldedMap<AccessRules>);

/// What a log entry contributes to the access map.
#[derive(Clone, Debug)]
struct AccessRules;

impl Contribution for AccessRules {
    type Spec = AccessSpec;
    type Outcome = AccessFolded;
    type Error = AccessMapError;
    const KIND: u8 = KIND_ACCESS_EVENT;
    const PASSED_OVER: AccessFolded = AccessFolded::NotAnAccess;
    const UNREADABLE: fn(ConsentError) -> AccessFolded = AccessFolded::Unreadable;

    fn contribute(
        &self,
        tree: &mut Tree<AccessSpec>,
        index: u64,
        entry: &LogEntry,
        leaf: impl FnOnce() -> Digest256,
    ) -> Result<AccessFolded, AccessMapError> {
        Ok(match entry {
            LogEntry::Access(event) => {
                let key = AccessKey::of_event(event);
                let leaf = leaf();
                tree.modify(key, |trail| {
                    Some(match trail {
                        Some(trail) => trail.then(index, &leaf),
                        None => AccessTrail::first(index, &leaf),
                    })
                })?;
                AccessFolded::Accessed(key)
            }
            LogEntry::Grant(_) | LogEntry::Revocation(_) | LogEntry::Model(_) => AccessFolded::NotAnAccess,
        })
    }

    fn check_restored(key: &AccessKey, value: &AccessTrail, size: u64) -> Result<(), AccessMapError> {
        if !value.is_possible() || value.last_index >= size {
            return Err(AccessMapError::ImpossibleLeaf { key: hex::encode(key.as_bytes()), size });
        }
        Ok(())
    }

    fn duplicate_leaf(key: &AccessKey) -> AccessMapError {
        AccessMapError::DuplicateLeaf { key: hex::encode(key.as_bytes()) }
    }
}

impl Default for AccessMap {
    fn default() -> AccessMap {
        AccessMap::new()
    }
}

impl AccessMap {
    /// The empty map, before a log's first entry.
    pub fn new() -> AccessMap {
        AccessMap(FoldedMap::new(AccessRules))
    }

    /// Rebuilds a map from leaves kept by its owner (see [`leaves`](AccessMap::leaves)), as of
    /// `size` entries, without re-reading the log. Refuses a key given twice and a trail the
    /// first `size` entries cannot give; it trusts its storage for the rest (the chains), so
    /// restore only what this code stored.
    pub fn restore(
        size: u64,
        leaves: impl IntoIterator<Item = (AccessKey, AccessTrail)>,
    ) -> Result<AccessMap, AccessMapError> {
        FoldedMap::restore(AccessRules, size, leaves).map(AccessMap)
    }

    /// The number of log entries folded: the map is `A(size)`, and the next entry to fold is `size`.
    pub fn size(&self) -> u64 {
        self.0.size()
    }

    /// The number of keys with events.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key has events.
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// The map's root hash.
    pub fn root(&self) -> Digest256 {
        self.0.root()
    }

    /// The trail the map holds for `key`, if it has events.
    pub fn get(&self, key: &AccessKey) -> Option<AccessTrail> {
        self.0.get(key)
    }

    /// The proof of what the map holds for `key`: its trail, or that it has none.
    pub fn prove(&self, key: &AccessKey) -> AccessProof {
        self.0.prove(key)
    }

    /// Every leaf, in key order: what an owner stores to [`restore`](AccessMap::restore) the map.
    pub fn leaves(&self) -> Leaves<'_> {
        self.0.leaves()
    }

    /// Folds log entry `index` (its bytes as the log stores them), which must be the next one:
    /// [`size`](AccessMap::size). Checks its signature with [`LogEntry::verify`].
    pub fn fold(&mut self, index: u64, entry: &[u8]) -> Result<AccessFolded, AccessMapError> {
        self.0.fold(index, entry)
    }

    /// Folds entries `first_index ..` in order and rehashes once: `first_index` must be
    /// [`size`](AccessMap::size). Returns what each entry did. Checks every signature with
    /// [`LogEntry::verify`]. If the order is wrong, nothing is folded.
    pub fn fold_batch<E: AsRef<[u8]>>(
        &mut self,
        first_index: u64,
        entries: &[E],
    ) -> Result<Vec<AccessFolded>, AccessMapError> {
        self.0.fold_batch(first_index, entries)
    }

    /// [`fold_batch`](AccessMap::fold_batch) for entries whose signatures were already checked:
    /// a [`LogEntry`] is only made by [`LogEntry::verify`] (or by signing), so the sequencer can
    /// fold what it has just verified without checking it again.
    pub fn fold_verified(
        &mut self,
        first_index: u64,
        entries: &[LogEntry],
    ) -> Result<Vec<AccessFolded>, AccessMapError> {
        self.0.fold_verified(first_index, entries)
    }
}
