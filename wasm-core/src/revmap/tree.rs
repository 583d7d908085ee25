//! [`RevocationMap`]: the map in memory, folded from log entries in index order, over the shared
//! sparse Merkle tree and folder ([`crate::smt`]). Folding adds each new revocation's leaf and
//! rehashes the changed paths once per call.

use super::proof::MapProof;
use super::{MapKey, RevMapError, RevocationSpec, Revoked};
use crate::consent::entry::KIND_REVOCATION;
use crate::consent::{ConsentError, LogEntry};
use crate::hash::Digest256;
use crate::smt::{self, Contribution, FoldedMap, Tree};

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
pub struct RevocationMap(FoldedMap<RevocationRules>);

/// What a log entry contributes to the revocation map of the log named `origin`.
#[derive(Clone, Debug)]
struct RevocationRules {
    origin: String,
}

impl Contribution for RevocationRules {
    type Spec = RevocationSpec;
    type Outcome = Folded;
    type Error = RevMapError;
    const KIND: u8 = KIND_REVOCATION;
    const PASSED_OVER: Folded = Folded::NotARevocation;
    const UNREADABLE: fn(ConsentError) -> Folded = Folded::Unreadable;

    fn contribute(
        &self,
        tree: &mut Tree<RevocationSpec>,
        index: u64,
        entry: &LogEntry,
        _leaf: impl FnOnce() -> Digest256,
    ) -> Result<Folded, RevMapError> {
        Ok(match entry {
            LogEntry::Revocation(revocation) if revocation.log_origin == self.origin => {
                let key = MapKey::of_revocation(revocation);
                let value = Revoked { log_index: index, revoked_at: revocation.revoked_at };
                if tree.insert(key, value)? {
                    Folded::Revoked(key)
                } else {
                    Folded::AlreadyRevoked(key)
                }
            }
            LogEntry::Revocation(_) => Folded::OtherLog,
            LogEntry::Grant(_) | LogEntry::Access(_) | LogEntry::Model(_) => Folded::NotARevocation,
        })
    }

    fn check_restored(_key: &MapKey, value: &Revoked, size: u64) -> Result<(), RevMapError> {
        if value.log_index >= size {
            return Err(RevMapError::LeafBeyondSize { log_index: value.log_index, size });
        }
        Ok(())
    }

    fn duplicate_leaf(key: &MapKey) -> RevMapError {
        RevMapError::DuplicateLeaf { key: hex::encode(key.as_bytes()) }
    }
}

impl RevocationMap {
    /// The empty map of the log named `origin`, before its first entry.
    pub fn new(origin: &str) -> RevocationMap {
        RevocationMap(FoldedMap::new(RevocationRules { origin: origin.to_owned() }))
    }

    /// Rebuilds a map from leaves kept by its owner (see [`leaves`](RevocationMap::leaves)), as of
    /// `size` entries, without re-reading the log. Refuses a key given twice and a leaf past
    /// `size`; it trusts its storage for the rest, so restore only what this code stored.
    pub fn restore(
        origin: &str,
        size: u64,
        leaves: impl IntoIterator<Item = (MapKey, Revoked)>,
    ) -> Result<RevocationMap, RevMapError> {
        FoldedMap::restore(RevocationRules { origin: origin.to_owned() }, size, leaves).map(RevocationMap)
    }

    /// The log this map belongs to.
    pub fn origin(&self) -> &str {
        &self.0.rules().origin
    }

    /// The number of log entries folded: the map is `M(size)`, and the next entry to fold is `size`.
    pub fn size(&self) -> u64 {
        self.0.size()
    }

    /// The number of revoked keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key is revoked.
    pub fn is_empty(&self) -> bool {
        self.0.len() == 0
    }

    /// The map's root hash.
    pub fn root(&self) -> Digest256 {
        self.0.root()
    }

    /// What the map holds for `key`, if it is revoked.
    pub fn get(&self, key: &MapKey) -> Option<Revoked> {
        self.0.get(key)
    }

    /// Folds log entry `index` (its bytes as the log stores them), which must be the next one:
    /// [`size`](RevocationMap::size). Checks its signature with [`LogEntry::verify`].
    pub fn fold(&mut self, index: u64, entry: &[u8]) -> Result<Folded, RevMapError> {
        self.0.fold(index, entry)
    }

    /// Folds entries `first_index ..` in order and rehashes once: `first_index` must be
    /// [`size`](RevocationMap::size). Returns what each entry did. Checks every signature with
    /// [`LogEntry::verify`]. If the order is wrong, nothing is folded.
    pub fn fold_batch<E: AsRef<[u8]>>(
        &mut self,
        first_index: u64,
        entries: &[E],
    ) -> Result<Vec<Folded>, RevMapError> {
        self.0.fold_batch(first_index, entries)
    }

    /// [`fold_batch`](RevocationMap::fold_batch) for entries whose signatures were already
    /// checked: a [`LogEntry`] is only made by [`LogEntry::verify`] (or by signing), so the
    /// sequencer can fold what it has just verified without checking it again.
    pub fn fold_verified(
        &mut self,
        first_index: u64,
        entries: &[LogEntry],
    ) -> Result<Vec<Folded>, RevMapError> {
        self.0.fold_verified(first_index, entries)
    }

    /// The proof of what the map holds for `key`: its revocation, or that it has none.
    pub fn prove(&self, key: &MapKey) -> MapProof {
        MapProof::from(self.0.prove(key))
    }

    /// Every leaf, in key order: what an owner stores to [`restore`](RevocationMap::restore) the map.
    pub fn leaves(&self) -> Leaves<'_> {
        self.0.leaves()
    }
}
