//! The SQLite store's de-duplication index, kept in memory: which index holds the entry with a
//! given leaf hash. SQLite's own index on the leaf hash dirtied one random page per append (about
//! a 4 KiB WAL frame per 164-byte entry) and cost a statement per lookup; this one is rebuilt from
//! the entries table when the store opens and costs about 20–35 bytes of memory per entry.
//!
//! It keys entries by the first 8 bytes of their leaf hash and confirms a match against the stored
//! hash, so two entries sharing a prefix (which a submitter can make on purpose) are still told
//! apart: the later ones are kept by their whole hash.

use std::collections::HashMap;

use wasm_core::hash::Digest256;

/// Leaf hash → entry index, for entries already committed.
#[derive(Debug, Default)]
pub(crate) struct LeafIndex {
    /// The first entry with each 8-byte leaf-hash prefix.
    by_prefix: HashMap<u64, u64>,
    /// Later entries whose prefix an earlier entry holds, by their whole leaf hash.
    shared_prefix: HashMap<Digest256, u64>,
}

fn prefix(leaf_hash: &Digest256) -> u64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&leaf_hash[..8]);
    u64::from_le_bytes(first)
}

impl LeafIndex {
    /// An empty index with room for `entries`.
    pub(crate) fn with_capacity(entries: usize) -> LeafIndex {
        LeafIndex { by_prefix: HashMap::with_capacity(entries), shared_prefix: HashMap::new() }
    }

    /// Records that the entry at `index` has `leaf_hash`. Each leaf hash is added once: the
    /// sequencer only appends entries it did not find.
    pub(crate) fn insert(&mut self, leaf_hash: &Digest256, index: u64) {
        match self.by_prefix.entry(prefix(leaf_hash)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index);
            }
            std::collections::hash_map::Entry::Occupied(_) => {
                self.shared_prefix.insert(*leaf_hash, index);
            }
        }
    }

    /// The index of the entry with `leaf_hash`, if any. `stored_hash` reads the leaf hash stored
    /// at an index, to confirm a prefix match.
    pub(crate) fn find<E>(
        &self,
        leaf_hash: &Digest256,
        stored_hash: impl FnOnce(u64) -> Result<Digest256, E>,
    ) -> Result<Option<u64>, E> {
        if let Some(&index) = self.shared_prefix.get(leaf_hash) {
            return Ok(Some(index));
        }
        match self.by_prefix.get(&prefix(leaf_hash)) {
            Some(&index) if stored_hash(index)? == *leaf_hash => Ok(Some(index)),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A leaf hash starting with `prefix_byte` (8 times) and ending with `tail`.
    fn hash(prefix_byte: u8, tail: u8) -> Digest256 {
        let mut hash = [tail; 32];
        hash[..8].fill(prefix_byte);
        hash
    }

    fn check(stored: &[Digest256], asked: Digest256, expected: Option<u64>) {
        let mut index = LeafIndex::default();
        for (at, leaf_hash) in (0u64..).zip(stored) {
            index.insert(leaf_hash, at);
        }
        let lookup = |at: u64| -> Result<Digest256, ()> { Ok(stored[at as usize]) };
        assert_eq!(index.find(&asked, lookup), Ok(expected), "asked {asked:?} of {stored:?}");
    }

    #[test]
    fn finds_each_stored_hash_and_nothing_else() {
        let stored = [hash(1, 1), hash(2, 2), hash(3, 3)];
        check(&stored, hash(2, 2), Some(1));
        check(&stored, hash(3, 3), Some(2));
        check(&stored, hash(4, 4), None);
        check(&[], hash(1, 1), None);
    }

    #[test]
    fn tells_apart_entries_that_share_a_prefix() {
        let stored = [hash(1, 1), hash(1, 2), hash(1, 3)];
        check(&stored, hash(1, 1), Some(0));
        check(&stored, hash(1, 2), Some(1));
        check(&stored, hash(1, 3), Some(2));
        // Same prefix, different hash: the confirmation against storage refuses it.
        check(&stored, hash(1, 4), None);
    }

    #[test]
    fn a_failed_confirmation_is_the_callers_error() {
        let mut index = LeafIndex::default();
        index.insert(&hash(1, 1), 0);
        assert_eq!(index.find(&hash(1, 1), |_| Err("disk")), Err("disk"));
        // No prefix match: storage is not read.
        assert_eq!(index.find(&hash(2, 2), |_| Err("disk")), Ok(None));
    }
}
