//! RFC 6962 §2.1 Merkle tree hashing: leaf `SHA-256(0x00 ‖ entry)`, node
//! `SHA-256(0x01 ‖ left ‖ right)`, and the tree head of a list of leaves.

use sha2::{Digest, Sha256};

use crate::hash::Digest256;

/// The prefix of a leaf hash; it keeps a leaf from passing as an interior node.
const LEAF_PREFIX: u8 = 0x00;
/// The prefix of an interior node hash.
const NODE_PREFIX: u8 = 0x01;

/// The hash of one log entry: `SHA-256(0x00 ‖ entry)`.
pub fn leaf_hash(entry: &[u8]) -> Digest256 {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(entry);
    hasher.finalize().into()
}

/// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Digest256, right: &Digest256) -> Digest256 {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Digest256 {
    Sha256::digest([]).into()
}

/// The Merkle tree hash (RFC 6962 §2.1) of the leaves whose hashes are given, in order.
///
/// Runs in O(n) time and O(log n) memory, without recursion: full subtrees are merged as they
/// complete, and the ragged right edge is folded in at the end, which is exactly the split at
/// the largest power of two that the RFC's recursive definition makes.
pub fn root_from_leaf_hashes(leaf_hashes: &[Digest256]) -> Digest256 {
    // Each entry is a complete subtree: (hash, number of leaves), sizes strictly decreasing.
    let mut subtrees: Vec<(Digest256, u64)> = Vec::new();
    for leaf in leaf_hashes {
        let mut current = (*leaf, 1u64);
        while let Some(&(left, size)) = subtrees.last() {
            if size != current.1 {
                break;
            }
            subtrees.pop();
            current = (node_hash(&left, &current.0), size * 2);
        }
        subtrees.push(current);
    }
    let mut from_right = subtrees.into_iter().rev();
    match from_right.next() {
        None => empty_root(),
        Some((rightmost, _)) => from_right.fold(rightmost, |right, (left, _)| node_hash(&left, &right)),
    }
}

/// How [`tree_head_of_lines`] reads each line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEncoding {
    /// The line's UTF-8 bytes are the entry.
    Text,
    /// The line is the entry in hexadecimal (surrounding spaces ignored).
    Hex,
}

/// A tree size and its RFC 6962 root hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeHead {
    /// Number of entries.
    pub size: u64,
    /// Root hash of the tree over those entries.
    pub root: Digest256,
}

/// Why entries could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MerkleError {
    /// A line in hexadecimal mode is not hexadecimal.
    #[error(
        "line {line} is not hexadecimal: write each entry as pairs of 0-9 and a-f, or read the lines as text"
    )]
    LineNotHex {
        /// 1-based line number.
        line: usize,
    },
}

/// The tree head over `input`, one entry per line; a final newline does not add an empty
/// entry. The Ledger page's calculator and `assent tree-head` both use this.
pub fn tree_head_of_lines(input: &str, encoding: LineEncoding) -> Result<TreeHead, MerkleError> {
    let leaves = input
        .lines()
        .enumerate()
        .map(|(index, line)| match encoding {
            LineEncoding::Text => Ok(leaf_hash(line.as_bytes())),
            LineEncoding::Hex => hex::decode(line.trim())
                .map(|bytes| leaf_hash(&bytes))
                .map_err(|_| MerkleError::LineNotHex { line: index + 1 }),
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TreeHead { size: leaves.len() as u64, root: root_from_leaf_hashes(&leaves) })
}
