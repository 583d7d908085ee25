//! The map's three hashes (module docs: `EMPTY`, `LEAF`, `NODE`).

use super::{MapKey, Revoked};
use crate::hash::{tagged_hash, Digest256, Domain};

/// The root of the empty map, and the hash of every empty subtree: `tagged_hash(RevocationMapEmpty, [])`.
pub fn empty_root() -> Digest256 {
    tagged_hash(Domain::RevocationMapEmpty, &[])
}

/// `LEAF(K, V)`.
pub(crate) fn leaf_hash(key: &MapKey, value: &Revoked) -> Digest256 {
    tagged_hash(Domain::RevocationMapLeaf, &[key.as_bytes(), &value.to_bytes()])
}

/// `NODE(L, R)`.
pub(crate) fn node_hash(left: &Digest256, right: &Digest256) -> Digest256 {
    tagged_hash(Domain::RevocationMapNode, &[left, right])
}
