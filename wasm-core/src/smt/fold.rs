//! [`FoldedMap`]: a map folded from a log's entries in index order, the part both log-backed
//! maps share. A map says what one entry contributes ([`Contribution`]); the folder checks the
//! order and the index, passes over entries of any other kind unverified, verifies the rest,
//! and rehashes once per call.

use super::{Leaves, MapSpec, Proof, SmtError, Tree};
use crate::consent::{ConsentError, LogEntry};
use crate::hash::Digest256;
use crate::tlog::merkle::leaf_hash;

/// Why log entries could not be folded into a map. Each map's error wraps it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FoldError {
    /// Entries were folded out of log order.
    #[error("log entry {got} was folded out of order: fold entry {expected} next, in log index order")]
    OutOfOrder {
        /// The index the map needs next (the number of entries folded so far).
        expected: u64,
        /// The index given.
        got: u64,
    },
    /// The log index would pass 2^64 − 1.
    #[error("log index overflows 64 bits: no log is that large, so the index is wrong")]
    IndexOverflow,
}

/// What a log entry contributes to one map: the map's own rules, which [`FoldedMap`] applies
/// to each entry in index order.
pub(crate) trait Contribution {
    /// The map's keys, values and hash domains.
    type Spec: MapSpec;
    /// What folding one entry did.
    type Outcome;
    /// The map's error.
    type Error: From<FoldError> + From<SmtError>;
    /// The kind byte of the only entries that can change the map: entries of any other kind
    /// are passed over unverified, as they would be ignored verified or not.
    const KIND: u8;

    /// The outcome of an entry of another kind.
    const PASSED_OVER: Self::Outcome;
    /// The outcome of bytes that do not verify as a log entry: not part of the map.
    const UNREADABLE: fn(ConsentError) -> Self::Outcome;

    /// Folds the verified `entry` at log index `index` into `tree`, without rehashing; `leaf`
    /// gives the RFC 6962 leaf hash of its bytes, for a map that needs it.
    fn contribute(
        &self,
        tree: &mut Tree<Self::Spec>,
        index: u64,
        entry: &LogEntry,
        leaf: impl FnOnce() -> Digest256,
    ) -> Result<Self::Outcome, Self::Error>;

    /// Whether a restored leaf is one the first `size` entries can give.
    fn check_restored(
        key: &<Self::Spec as MapSpec>::Key,
        value: &<Self::Spec as MapSpec>::Value,
        size: u64,
    ) -> Result<(), Self::Error>;

    /// The error for a key restored twice.
    fn duplicate_leaf(key: &<Self::Spec as MapSpec>::Key) -> Self::Error;
}

/// The map that the rules `C` give, as of the first [`size`](FoldedMap::size) entries of a log.
///
/// Every method leaves the node hashes current, so [`root`](FoldedMap::root) and
/// [`prove`](FoldedMap::prove) only read.
#[derive(Clone, Debug)]
pub(crate) struct FoldedMap<C: Contribution> {
    rules: C,
    size: u64,
    tree: Tree<C::Spec>,
}

impl<C: Contribution> FoldedMap<C> {
    /// The empty map, before a log's first entry.
    pub(crate) fn new(rules: C) -> FoldedMap<C> {
        FoldedMap { rules, size: 0, tree: Tree::new() }
    }

    /// Rebuilds a map from leaves kept by its owner, as of `size` entries, without re-reading
    /// the log. Refuses a key given twice and a leaf [`Contribution::check_restored`] refuses.
    pub(crate) fn restore(
        rules: C,
        size: u64,
        leaves: impl IntoIterator<Item = (<C::Spec as MapSpec>::Key, <C::Spec as MapSpec>::Value)>,
    ) -> Result<FoldedMap<C>, C::Error> {
        let mut map = FoldedMap::new(rules);
        map.size = size;
        for (key, value) in leaves {
            C::check_restored(&key, &value, size)?;
            if !map.tree.insert(key, value)? {
                return Err(C::duplicate_leaf(&key));
            }
        }
        map.tree.rehash();
        Ok(map)
    }

    /// The map's rules.
    pub(crate) fn rules(&self) -> &C {
        &self.rules
    }

    /// The number of log entries folded: the next entry to fold is `size`.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// The number of keys in the map.
    pub(crate) fn len(&self) -> usize {
        self.tree.len()
    }

    /// The map's root hash.
    pub(crate) fn root(&self) -> Digest256 {
        self.tree.root()
    }

    /// The value at `key`, if the map holds one.
    pub(crate) fn get(&self, key: &<C::Spec as MapSpec>::Key) -> Option<<C::Spec as MapSpec>::Value> {
        self.tree.get(key)
    }

    /// The proof of what the map holds for `key`.
    pub(crate) fn prove(&self, key: &<C::Spec as MapSpec>::Key) -> Proof<C::Spec> {
        self.tree.prove(key)
    }

    /// Every leaf, in key order.
    pub(crate) fn leaves(&self) -> Leaves<'_, C::Spec> {
        self.tree.leaves()
    }

    /// Folds log entry `index` (its bytes as the log stores them), which must be the next one.
    pub(crate) fn fold(&mut self, index: u64, entry: &[u8]) -> Result<C::Outcome, C::Error> {
        self.check_next(index, 1)?;
        let outcome = self.fold_bytes(entry);
        self.tree.rehash();
        outcome
    }

    /// Folds entries `first_index ..` in order and rehashes once. If the order is wrong,
    /// nothing is folded.
    pub(crate) fn fold_batch<E: AsRef<[u8]>>(
        &mut self,
        first_index: u64,
        entries: &[E],
    ) -> Result<Vec<C::Outcome>, C::Error> {
        self.fold_each(first_index, entries, |map, entry| map.fold_bytes(entry.as_ref()))
    }

    /// [`fold_batch`](FoldedMap::fold_batch) for entries whose signatures were already checked.
    pub(crate) fn fold_verified(
        &mut self,
        first_index: u64,
        entries: &[LogEntry],
    ) -> Result<Vec<C::Outcome>, C::Error> {
        self.fold_each(first_index, entries, |map, entry| {
            map.fold_entry(entry, || leaf_hash(&entry.to_bytes()))
        })
    }

    /// Folds `entries` from `first_index` on with `fold_one` and rehashes once; nothing if the
    /// order is wrong.
    fn fold_each<T>(
        &mut self,
        first_index: u64,
        entries: &[T],
        mut fold_one: impl FnMut(&mut Self, &T) -> Result<C::Outcome, C::Error>,
    ) -> Result<Vec<C::Outcome>, C::Error> {
        self.check_next(first_index, entries.len())?;
        let outcomes: Result<Vec<_>, _> = entries.iter().map(|entry| fold_one(self, entry)).collect();
        self.tree.rehash();
        outcomes
    }

    fn check_next(&self, first_index: u64, count: usize) -> Result<(), FoldError> {
        if first_index != self.size {
            return Err(FoldError::OutOfOrder { expected: self.size, got: first_index });
        }
        let count = u64::try_from(count).map_err(|_| FoldError::IndexOverflow)?;
        self.size.checked_add(count).ok_or(FoldError::IndexOverflow)?;
        Ok(())
    }

    /// Folds the entry at index `self.size`, without rehashing.
    fn fold_bytes(&mut self, entry: &[u8]) -> Result<C::Outcome, C::Error> {
        // Only an entry of the map's kind can change it: any other kind byte is passed over
        // unverified, as it would be ignored verified or not. Rebuilding a map from a log stays
        // fast.
        if entry.first().is_some_and(|&kind| kind != C::KIND) {
            self.size += 1;
            return Ok(C::PASSED_OVER);
        }
        match LogEntry::verify(entry) {
            Ok(verified) => self.fold_entry(&verified, || leaf_hash(entry)),
            Err(error) => {
                self.size += 1;
                Ok((C::UNREADABLE)(error))
            }
        }
    }

    /// Folds the verified entry at index `self.size`, without rehashing. `check_next` made
    /// sure the index does not overflow.
    fn fold_entry(
        &mut self,
        entry: &LogEntry,
        leaf: impl FnOnce() -> Digest256,
    ) -> Result<C::Outcome, C::Error> {
        let outcome = self.rules.contribute(&mut self.tree, self.size, entry, leaf)?;
        self.size += 1;
        Ok(outcome)
    }
}
