//! [`RevocationMap`]: the map in memory, folded from log entries in index order, over the shared
//! sparse Merkle tree ([`crate::smt`]). Folding adds each new revocation's leaf and rehashes the
//! changed paths once per call.

use super::proof::MapProof;
use super::{MapKey, RevMapError, RevocationSpec, Revoked};
use crate::consent::entry::KIND_REVOCATION;
use crate::consent::{ConsentError, LogEntry};
use crate::hash::Digest256;
use crate::smt::{self, Tree};

/// What folding one log entry did to the map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Folded {
    /// A revocation, now in the map under this key.
    Revoked(MapKey),
    /// A revocation of a key the map already holds: the first revocation stands.
    AlreadyRevoked(MapKey),
    /// A revocation naming another log: not part of this log's map.
    OtherLog,
    /// A grant, access event or model release (any other kind byte; not verified, as it
    /// cannot change the map).
    NotARevocation,
    /// Bytes that do not verify as a log entry: not part of the map.
    Unreadable(ConsentError),
}

/// The map's leaves in key order ([`RevocationMap::leaves`]).
pub type Leaves<'a> = smt::Leaves<'a, RevocationSpec>;

/// The revocation map of one log, as of the first [`size`](RevocationMap::size) entries.
///
/// Every public method leaves the node hashes current, so [`root`](RevocationMap::root) and
/// [`prove`](RevocationMap::prove) only read.
#[derive(Clone, Debug)]
pub struct RevocationMap {
    origin: String,
    size: u64,
    tree: Tree<RevocationSpec>,
}

impl RevocationMap {
    /// The empty map of the log named `origin`, before its first entry.
    pub fn new(origin: &str) -> RevocationMap {
        RevocationMap { origin: origin.to_owned(), size: 0, tree: Tree::new() }
    }

    /// Rebuilds a map from leaves kept by its owner (see [`leaves`](RevocationMap::leaves)), as of
    /// `size` entries, without re-reading the log. Refuses a key given twice and a leaf past
    /// `size`; it trusts its storage for the rest, so restore only what this code stored.
    pub fn restore(
        origin: &str,
        size: u64,
        leaves: impl IntoIterator<Item = (MapKey, Revoked)>,
    ) -> Result<RevocationMap, RevMapError> {
        let mut map = RevocationMap::new(origin);
        map.size = size;
        for (key, value) in leaves {
            if value.log_index >= size {
                return Err(RevMapError::LeafBeyondSize { log_index: value.log_index, size });
            }
            if !map.tree.insert(key, value)? {
                return Err(RevMapError::DuplicateLeaf { key: hex::encode(key.as_bytes()) });
            }
        }
        map.tree.rehash();
        Ok(map)
    }

    /// The log this map belongs to.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The number of log entries folded: the map is `M(size)`, and the next entry to fold is `size`.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The number of revoked keys.
    pub fn len(&self) -> usize {
        self.tree.len()
    }

    /// Whether no key is revoked.
    pub fn is_empty(&self) -> bool {
        self.tree.len() == 0
    }

    /// The map's root hash.
    pub fn root(&self) -> Digest256 {
        self.tree.root()
    }

    /// What the map holds for `key`, if it is revoked.
    pub fn get(&self, key: &MapKey) -> Option<Revoked> {
        self.tree.get(key)
    }

    /// Folds log entry `index` (its bytes as the log stores them), which must be the next one:
    /// [`size`](RevocationMap::size). Checks its signature with [`LogEntry::verify`].
    pub fn fold(&mut self, index: u64, entry: &[u8]) -> Result<Folded, RevMapError> {
        self.check_next(index, 1)?;
        let outcome = self.fold_bytes(entry);
        self.tree.rehash();
        outcome
    }

    /// Folds entries `first_index ..` in order and rehashes once: `first_index` must be
    /// [`size`](RevocationMap::size). Returns what each entry did. Checks every signature with
    /// [`LogEntry::verify`]. If the order is wrong, nothing is folded.
    pub fn fold_batch<E: AsRef<[u8]>>(
        &mut self,
        first_index: u64,
        entries: &[E],
    ) -> Result<Vec<Folded>, RevMapError> {
        self.check_next(first_index, entries.len())?;
        let outcomes: Result<Vec<_>, _> =
            entries.iter().map(|entry| self.fold_bytes(entry.as_ref())).collect();
        self.tree.rehash();
        outcomes
    }

    /// [`fold_batch`](RevocationMap::fold_batch) for entries whose signatures were already
    /// checked: a [`LogEntry`] is only made by [`LogEntry::verify`] (or by signing), so the
    /// sequencer can fold what it has just verified without checking it again.
    pub fn fold_verified(
        &mut self,
        first_index: u64,
        entries: &[LogEntry],
    ) -> Result<Vec<Folded>, RevMapError> {
        self.check_next(first_index, entries.len())?;
        let outcomes: Result<Vec<_>, _> = entries.iter().map(|entry| self.fold_entry(entry)).collect();
        self.tree.rehash();
        outcomes
    }

    /// The proof of what the map holds for `key`: its revocation, or that it has none.
    pub fn prove(&self, key: &MapKey) -> MapProof {
        MapProof::from(self.tree.prove(key))
    }

    /// Every leaf, in key order: what an owner stores to [`restore`](RevocationMap::restore) the map.
    pub fn leaves(&self) -> Leaves<'_> {
        self.tree.leaves()
    }

    fn check_next(&self, first_index: u64, count: usize) -> Result<(), RevMapError> {
        if first_index != self.size {
            return Err(RevMapError::OutOfOrder { expected: self.size, got: first_index });
        }
        let count = u64::try_from(count).map_err(|_| RevMapError::IndexOverflow)?;
        self.size.checked_add(count).ok_or(RevMapError::IndexOverflow)?;
        Ok(())
    }

    /// Folds the entry at index `self.size`, without rehashing.
    fn fold_bytes(&mut self, entry: &[u8]) -> Result<Folded, RevMapError> {
        // Only a revocation can change the map: any other kind byte is passed over unverified,
        // as it would be ignored verified or not. Rebuilding a map from a log stays fast.
        if entry.first().is_some_and(|&kind| kind != KIND_REVOCATION) {
            self.size += 1;
            return Ok(Folded::NotARevocation);
        }
        match LogEntry::verify(entry) {
            Ok(entry) => self.fold_entry(&entry),
            Err(error) => {
                self.size += 1;
                Ok(Folded::Unreadable(error))
            }
        }
    }

    /// Folds the verified entry at index `self.size`, without rehashing. `check_next` made sure
    /// the index does not overflow.
    fn fold_entry(&mut self, entry: &LogEntry) -> Result<Folded, RevMapError> {
        let index = self.size;
        let outcome = match entry {
            LogEntry::Revocation(revocation) if revocation.log_origin == self.origin => {
                let key = MapKey::of_revocation(revocation);
                let value = Revoked { log_index: index, revoked_at: revocation.revoked_at };
                if self.tree.insert(key, value)? {
                    Folded::Revoked(key)
                } else {
                    Folded::AlreadyRevoked(key)
                }
            }
            LogEntry::Revocation(_) => Folded::OtherLog,
            LogEntry::Grant(_) | LogEntry::Access(_) | LogEntry::Model(_) => Folded::NotARevocation,
        };
        self.size = index + 1;
        Ok(outcome)
    }
}
