//! The compact sparse Merkle tree behind Assent's log-backed maps ([`crate::revmap`],
//! [`crate::accessmap`]): one tree and one proof format, parameterized by a [`MapSpec`] that
//! fixes the value's encoding and the hash domains. Each map's module documents its own format
//! in full; this is the shared part.
//!
//! # The shared format
//!
//! A map holds leaves `(K, V)`: `K` a 32-byte key, `V` a value of [`MapSpec::VALUE_LEN`] bytes.
//! Bit `i` of `K` (`i` = 0..255) is bit `7 - i mod 8` of byte `i div 8`: the most significant
//! bit first. With the spec's three domains:
//!
//! ```text
//! EMPTY      = tagged_hash(S::EMPTY, [])
//! LEAF(K, V) = tagged_hash(S::LEAF, [K, V])
//! NODE(L, R) = tagged_hash(S::NODE, [L, R])
//!
//! H(S, d) = EMPTY                                if S is empty
//!         = LEAF(K, V)                           if S = {(K, V)}
//!         = NODE(H(S₀, d + 1), H(S₁, d + 1))     otherwise; S_b: the leaves whose key bit d is b
//! ```
//!
//! and the root is `H(M, 0)`: a leaf sits at the shortest prefix of its key no other key
//! shares (as in Diem's Jellyfish Merkle tree).
//!
//! **Proof** of key `K`: the siblings on the path from the root to the subtree at `K`'s prefix
//! of length `d` where the walk ends, and what that subtree is:
//!
//! ```text
//! kind      u8     1: K's leaf is there; 2: the subtree is empty;
//!                  3: the subtree is one leaf with another key
//! depth     u16be  d, 0 ..= 256
//! bitmap    ⌈d/8⌉ bytes: bit i (most significant first) is set iff the sibling at depth i is
//!                  not EMPTY; the bits past d are 0
//! siblings  32 bytes for each set bit, the sibling at depth 0 (below the root) first
//! terminal  kind 1: V; kind 2: nothing; kind 3: K' (32 bytes) ‖ V'
//! ```
//!
//! Decoding is strict (exact length, known kind, `d ≤ 256`, clear padding bits, a non-empty
//! sibling at depth `d − 1` when `d ≥ 1`), so a proof has one encoding. Verifying folds the
//! terminal's hash (`LEAF(K, V)`, `EMPTY`, or `LEAF(K', V')` after checking `K' ≠ K` and that
//! `K'` shares `K`'s first `d` bits) up through the siblings to the root.
//!
//! A map's root is bound to a signed tree head by a checkpoint extension line
//! `<keyword> <base64 root>` ([`extension_line`], [`root_from_extension`]).
//!
//! Both maps are folded from a log's entries in index order the same way (`fold.rs`): each says
//! what an entry of its kind contributes, and one folder checks the order, passes over the other
//! kinds and rehashes once per batch; its ordering errors are [`FoldError`].

mod extension;
mod fold;
mod proof;
mod tree;

pub use extension::{extension_line, root_from_extension};
pub use fold::FoldError;
pub(crate) use fold::{Contribution, FoldedMap};
pub use proof::{max_proof_bytes, Proof, Terminal};
pub use tree::Leaves;
pub(crate) use tree::Tree;

use crate::hash::{tagged_hash, Digest256, Domain, DIGEST_LEN};

/// The deepest a leaf or terminal can sit: two distinct 256-bit keys part by bit 255 at the latest.
pub const MAX_DEPTH: usize = 256;

/// What makes one map differ from another: its key and value types, the value's fixed-length
/// encoding, and the domains of its three hashes (distinct for every map, so no hash of one map
/// is valid in another).
pub trait MapSpec: Copy + core::fmt::Debug + Eq + 'static {
    /// The map's key: 32 bytes, usually a tagged hash.
    type Key: Copy + Eq + Ord + core::hash::Hash + core::fmt::Debug;
    /// What a leaf holds.
    type Value: Copy + Eq + core::fmt::Debug;
    /// Bytes in an encoded value.
    const VALUE_LEN: usize;
    /// The domain of `EMPTY`.
    const EMPTY: Domain;
    /// The domain of `LEAF(K, V)`.
    const LEAF: Domain;
    /// The domain of `NODE(L, R)`.
    const NODE: Domain;

    /// The key's 32 bytes.
    fn key_bytes(key: &Self::Key) -> &[u8; DIGEST_LEN];
    /// A key from its 32 bytes.
    fn key_from_bytes(bytes: [u8; DIGEST_LEN]) -> Self::Key;
    /// The value's encoding: exactly [`MapSpec::VALUE_LEN`] bytes.
    fn encode_value(value: &Self::Value) -> Vec<u8>;
    /// Reads a value from exactly [`MapSpec::VALUE_LEN`] bytes; `None` if they are not one.
    fn decode_value(bytes: &[u8]) -> Option<Self::Value>;
}

/// `EMPTY`: the root of the empty map, and the hash of every empty subtree.
pub fn empty_hash<S: MapSpec>() -> Digest256 {
    tagged_hash(S::EMPTY, &[])
}

/// `LEAF(K, V)`.
pub fn leaf_hash<S: MapSpec>(key: &S::Key, value: &S::Value) -> Digest256 {
    tagged_hash(S::LEAF, &[S::key_bytes(key), &S::encode_value(value)])
}

/// `NODE(L, R)`.
pub fn node_hash<S: MapSpec>(left: &Digest256, right: &Digest256) -> Digest256 {
    tagged_hash(S::NODE, &[left, right])
}

/// Bit `index` of a key, most significant first: 0 or 1. Callers ask only below 256 (the depth
/// of an inner node); past that it reads 0 rather than panic.
pub(crate) fn key_bit(key: &[u8; DIGEST_LEN], index: usize) -> usize {
    key.get(index / 8).map_or(0, |byte| usize::from((byte >> (7 - index % 8)) & 1))
}

/// The first bit where two keys differ, or `None` if they are equal.
pub(crate) fn first_difference(a: &[u8; DIGEST_LEN], b: &[u8; DIGEST_LEN]) -> Option<usize> {
    a.iter().zip(b.iter()).enumerate().find_map(|(byte, (a, b))| {
        let diff = a ^ b;
        (diff != 0).then(|| byte * 8 + diff.leading_zeros() as usize)
    })
}

/// A big-endian u64 from 8 bytes; callers pass exactly 8 (fewer read as the low bytes).
pub(crate) fn u64_be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |value, byte| (value << 8) | u64::from(*byte))
}

/// Why a tree could not grow, or a proof or extension line was refused. Each map turns these
/// into its own error type, whose messages name the map.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SmtError {
    /// The tree holds as many nodes as this implementation can address.
    #[error("the map is full (2^32 nodes): split the log before it grows this large")]
    MapFull,
    /// The proof is larger than any proof can be.
    #[error("the map proof is {len} bytes, more than the {max} any proof needs: it is not a map proof")]
    ProofTooLarge {
        /// Its length.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// The proof ends early.
    #[error("the map proof is truncated: fetch it again")]
    ProofTruncated,
    /// Bytes follow the proof.
    #[error("the map proof has {extra} bytes after its end: send the proof alone")]
    ProofTrailingBytes {
        /// How many.
        extra: usize,
    },
    /// The first byte is not a proof kind.
    #[error("map proof kind {0} is unknown: expected 1 (present), 2 or 3 (absent)")]
    ProofKind(u8),
    /// The depth is past the deepest a key can go.
    #[error("map proof depth {0} is more than {MAX_DEPTH}: it is not a map proof")]
    ProofDepth(u16),
    /// Bitmap bits past the depth are set.
    #[error("map proof bitmap has bits set past its depth: it is not in canonical form")]
    ProofPadding,
    /// The deepest sibling is empty, which no map produces.
    #[error("map proof's last sibling is empty, which no map produces: it is not in canonical form")]
    ProofLastSiblingEmpty,
    /// The terminal value's bytes are not a value of this map.
    #[error("the map proof's value is not one this map holds: it is not a proof of this map")]
    ProofValue,
    /// An absence proof shows the key's own leaf.
    #[error("the absence proof shows the asked key's own leaf: the key is present, ask for its proof again")]
    OtherLeafIsKey,
    /// An absence proof shows a leaf that is not on the key's path.
    #[error("the absence proof shows a leaf off the asked key's path: it is a proof for another key")]
    OtherLeafOffPath,
    /// The proof does not lead to the root.
    #[error("the map proof does not lead to the map root: the proof, the key or the checkpoint is wrong")]
    RootMismatch,
    /// An extension line with the map's keyword is malformed.
    #[error("the checkpoint's {keyword} line is malformed: it must be '{keyword} ' and a 32-byte root in canonical base64")]
    ExtensionMalformed {
        /// The line's first word.
        keyword: &'static str,
    },
    /// More than one extension line with the map's keyword.
    #[error("the checkpoint has more than one {keyword} line: a checkpoint binds one root per map")]
    ExtensionRepeated {
        /// The line's first word.
        keyword: &'static str,
    },
}
