//! The map's `EMPTY` hash (module docs); `LEAF` and `NODE` are the shared tree's
//! ([`crate::smt`]) under [`RevocationSpec`]'s domains.

use super::RevocationSpec;
use crate::hash::Digest256;
use crate::smt::empty_hash;

/// The root of the empty map, and the hash of every empty subtree: `tagged_hash(RevocationMapEmpty, [])`.
pub fn empty_root() -> Digest256 {
    empty_hash::<RevocationSpec>()
}
