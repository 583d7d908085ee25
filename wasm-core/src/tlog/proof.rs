//! RFC 9162 §2.1.3 inclusion and §2.1.4 consistency proofs: verification, exactly as
//! transparency-dev/merkle does it, and generation from any [`HashSource`] (tiles included).
//!
//! Nodes are named by Merkle level and index: the node at `(level, index)` is the complete
//! subtree over leaves `index · 2^level .. (index + 1) · 2^level`. Proof hashes are ordered from
//! the leaf towards the root, as in RFC 9162.

use crate::hash::Digest256;
use crate::tlog::merkle::{empty_root, node_hash};

/// Why a proof was rejected or could not be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error(
        "leaf index {index} is outside a tree of size {size}: ask for a proof in a tree that contains it"
    )]
    IndexOutOfRange {
        /// The leaf index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The second tree is smaller than the first.
    #[error("tree size {size2} is smaller than {size1}: a log only grows, so put the older tree first")]
    SizesOutOfOrder {
        /// The older tree size.
        size1: u64,
        /// The newer tree size.
        size2: u64,
    },
    /// Consistency with the empty tree proves nothing (RFC 9162 and transparency-dev refuse it).
    #[error(
        "a consistency proof from the empty tree proves nothing: check the newer checkpoint's signature instead"
    )]
    EmptyOldTree,
    /// The proof has the wrong number of hashes for these sizes.
    #[error("the proof has {got} hashes but these tree sizes need {want}: fetch the proof for exactly these sizes")]
    WrongProofLength {
        /// Hashes in the proof.
        got: usize,
        /// Hashes these sizes need.
        want: usize,
    },
    /// The proof does not lead to the expected (newer) root.
    #[error("the proof does not lead to the expected root: the entry, proof or checkpoint is wrong")]
    RootMismatch,
    /// A consistency proof does not lead back to the older root.
    #[error("the proof does not lead back to the older root: the log may have rewritten its history")]
    OldRootMismatch,
    /// Two trees of the same size have different roots.
    #[error("two trees of the same size have different roots: the log has forked")]
    SameSizeDifferentRoots,
}

/// A source of complete-subtree hashes of one tree, such as a set of tiles or a list of leaves.
///
/// Tiles hold the nodes of every Merkle level that is a multiple of 8, and a source computes the
/// levels in between from tile contents; a source over leaf hashes computes them all.
pub trait HashSource {
    /// What the source reports when it cannot give a hash; proof errors convert into it.
    type Error: From<ProofError>;

    /// The hash of the complete subtree at Merkle `level` with `index`: the root over leaves
    /// `index · 2^level .. (index + 1) · 2^level`. Callers only ask for subtrees inside the tree.
    fn subtree_hash(&self, level: u8, index: u64) -> Result<Digest256, Self::Error>;
}

/// Checks that the leaf with `leaf_hash` sits at `index` in the tree of `size` with `root`
/// (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    leaf_hash: &Digest256,
    index: u64,
    size: u64,
    proof: &[Digest256],
    root: &Digest256,
) -> Result<(), ProofError> {
    if root_from_inclusion_proof(leaf_hash, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// The root that an inclusion proof leads to, for callers that compare it themselves.
pub fn root_from_inclusion_proof(
    leaf_hash: &Digest256,
    index: u64,
    size: u64,
    proof: &[Digest256],
) -> Result<Digest256, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (inner, border) = decompose_inclusion_proof(index, size);
    let want = inner + border;
    let (inner_part, border_part) = split_exact(proof, inner, want)?;
    Ok(chain_border_right(chain_inner(*leaf_hash, inner_part, index), border_part))
}

/// Checks that the tree of `size2` with `root2` extends the tree of `size1` with `root1`
/// (RFC 9162 §2.1.4.2), with transparency-dev's rules for the edge cases: equal sizes need an
/// empty proof and equal roots, and `size1 == 0` is refused.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    proof: &[Digest256],
    root1: &Digest256,
    root2: &Digest256,
) -> Result<(), ProofError> {
    let (old_root, new_root) = consistency_roots(size1, size2, proof, root1)?;
    if size1 == size2 && root1 != root2 {
        return Err(ProofError::SameSizeDifferentRoots);
    }
    if old_root != *root1 {
        return Err(ProofError::OldRootMismatch);
    }
    if new_root != *root2 {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The roots of the older and the newer tree that a consistency proof from `size1` to `size2`
/// (`0 < size1 <= size2`) leads to. When `size1` is a power of two the proof leaves out the older
/// tree's root, and `seed` stands in for it (the older root, or the hash the prover claims).
pub fn consistency_roots(
    size1: u64,
    size2: u64,
    proof: &[Digest256],
    seed: &Digest256,
) -> Result<(Digest256, Digest256), ProofError> {
    if size2 < size1 {
        return Err(ProofError::SizesOutOfOrder { size1, size2 });
    }
    if size1 == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if size1 == size2 {
        // One tree: the proof is empty and both roots are the one the caller holds.
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength { got: proof.len(), want: 0 });
        }
        return Ok((*seed, *seed));
    }
    // The proof is, after an optional seed, the part of the inclusion proof of leaf size1 - 1
    // in the newer tree that lies above the largest complete subtree ending at size1.
    let (inner, border) = decompose_inclusion_proof(size1 - 1, size2);
    let shift = size1.trailing_zeros();
    // size1 < size2 makes the paths to size1 - 1 and size2 - 1 part above level `shift`.
    let inner = inner.saturating_sub(shift as usize);
    let size1_is_power_of_two = size1.is_power_of_two();
    let start = usize::from(!size1_is_power_of_two);
    let want = start + inner + border;
    if proof.len() != want {
        return Err(ProofError::WrongProofLength { got: proof.len(), want });
    }
    let (seed, rest) = match proof.split_first() {
        Some((first, rest)) if !size1_is_power_of_two => (*first, rest),
        _ => (*seed, proof),
    };
    let (inner_part, border_part) = split_exact(rest, inner, inner + border)?;
    let mask = (size1 - 1) >> shift;
    let old_root = chain_border_right(chain_inner_right(seed, inner_part, mask), border_part);
    let new_root = chain_border_right(chain_inner(seed, inner_part, mask), border_part);
    Ok((old_root, new_root))
}

/// The inclusion proof of the leaf at `index` in the tree of `size`, read from `source`.
pub fn inclusion_proof<S: HashSource + ?Sized>(
    index: u64,
    size: u64,
    source: &S,
) -> Result<Vec<Digest256>, S::Error> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size }.into());
    }
    path_to_root(index, 0, size, source)
}

/// The consistency proof from the tree of `size1` to the tree of `size2`, read from `source`
/// (which must describe the tree of `size2`). Equal sizes give an empty proof.
pub fn consistency_proof<S: HashSource + ?Sized>(
    size1: u64,
    size2: u64,
    source: &S,
) -> Result<Vec<Digest256>, S::Error> {
    if size2 < size1 {
        return Err(ProofError::SizesOutOfOrder { size1, size2 }.into());
    }
    if size1 == 0 {
        return Err(ProofError::EmptyOldTree.into());
    }
    if size1 == size2 {
        return Ok(Vec::new());
    }
    // The largest complete subtree that ends at size1, then its path up the newer tree. The
    // verifier knows that subtree's hash already when it is the whole older tree.
    let level = size1.trailing_zeros();
    let node = (size1 - 1) >> level;
    let mut proof = Vec::new();
    if node != 0 {
        proof.push(source.subtree_hash(level as u8, node)?);
    }
    proof.extend(path_to_root(size1 - 1, level, size2, source)?);
    Ok(proof)
}

/// The root of the tree of `size`, read from `source`.
pub fn tree_root<S: HashSource + ?Sized>(size: u64, source: &S) -> Result<Digest256, S::Error> {
    if size == 0 {
        return Ok(empty_root());
    }
    range_root(0, size, source)
}

/// The sibling hashes from the node at `(from_level, leaf >> from_level)` up to the root of the
/// tree of `size`, where `leaf < size`. Right siblings on the ragged edge are computed from the
/// complete subtrees they are made of.
fn path_to_root<S: HashSource + ?Sized>(
    leaf: u64,
    from_level: u32,
    size: u64,
    source: &S,
) -> Result<Vec<Digest256>, S::Error> {
    let last = size.saturating_sub(1);
    let inner = bit_length(leaf ^ last);
    let mut path = Vec::new();
    for level in from_level..inner {
        let sibling = (leaf >> level) ^ 1;
        let begin = sibling << level;
        // Below `inner` the sibling starts at or before the last leaf, so `begin < size`.
        let available = size.saturating_sub(begin);
        if available >> level >= 1 {
            path.push(source.subtree_hash(level as u8, sibling)?);
        } else {
            path.push(range_root(begin, size, source)?);
        }
    }
    for level in inner..u64::BITS {
        if (leaf >> level) & 1 == 1 {
            path.push(source.subtree_hash(level as u8, (leaf >> level) - 1)?);
        }
    }
    Ok(path)
}

/// The Merkle tree hash of leaves `begin..end`, where `begin` is a multiple of the smallest power
/// of two not below `end - begin` (true of the whole tree and of every node on its right edge):
/// the complete subtrees of the binary decomposition of the length, folded from the right.
fn range_root<S: HashSource + ?Sized>(begin: u64, end: u64, source: &S) -> Result<Digest256, S::Error> {
    let length = end.saturating_sub(begin);
    let mut subtrees = Vec::with_capacity(length.count_ones() as usize);
    let mut offset = begin;
    for level in (0..u64::BITS).rev() {
        if (length >> level) & 1 == 1 {
            subtrees.push(source.subtree_hash(level as u8, offset >> level)?);
            offset = offset.saturating_add(1 << level);
        }
    }
    let mut from_right = subtrees.into_iter().rev();
    Ok(match from_right.next() {
        None => empty_root(),
        Some(rightmost) => from_right.fold(rightmost, |right, left| node_hash(&left, &right)),
    })
}

/// Splits an inclusion proof of `index` in a tree of `size` into the lengths of its inner part
/// (below where the paths to `index` and `size - 1` meet) and its border part (above).
fn decompose_inclusion_proof(index: u64, size: u64) -> (usize, usize) {
    let inner = bit_length(index ^ size.saturating_sub(1));
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    (inner as usize, border as usize)
}

/// `proof` split at `at`, provided it has exactly `want` hashes.
fn split_exact(
    proof: &[Digest256],
    at: usize,
    want: usize,
) -> Result<(&[Digest256], &[Digest256]), ProofError> {
    if proof.len() != want {
        return Err(ProofError::WrongProofLength { got: proof.len(), want });
    }
    proof.split_at_checked(at).ok_or(ProofError::WrongProofLength { got: proof.len(), want })
}

fn bit_length(value: u64) -> u32 {
    u64::BITS - value.leading_zeros()
}

/// Whether bit `position` of `value` is 1 (false past bit 63).
fn bit_is_set(value: u64, position: usize) -> bool {
    u32::try_from(position)
        .ok()
        .and_then(|position| value.checked_shr(position))
        .is_some_and(|rest| rest & 1 == 1)
}

/// Hashes up a path whose nodes sit at positions given by the bits of `index`.
fn chain_inner(seed: Digest256, proof: &[Digest256], index: u64) -> Digest256 {
    proof.iter().enumerate().fold(seed, |hash, (level, sibling)| {
        if bit_is_set(index, level) {
            node_hash(sibling, &hash)
        } else {
            node_hash(&hash, sibling)
        }
    })
}

/// Like [`chain_inner`], but only the left siblings: the same subtree as it was before the
/// leaves to the right were added.
fn chain_inner_right(seed: Digest256, proof: &[Digest256], index: u64) -> Digest256 {
    proof.iter().enumerate().fold(seed, |hash, (level, sibling)| {
        if bit_is_set(index, level) {
            node_hash(sibling, &hash)
        } else {
            hash
        }
    })
}

/// Hashes up the right border, where every sibling is on the left.
fn chain_border_right(seed: Digest256, proof: &[Digest256]) -> Digest256 {
    proof.iter().fold(seed, |hash, sibling| node_hash(sibling, &hash))
}

/// A [`HashSource`] that remembers every subtree hash it has computed, for building many proofs
/// in one tree: neighbouring entries share most of their proof's nodes, so a sequencer
/// answering a batch computes each node once instead of once per proof.
pub struct Memoized<'s, S: ?Sized> {
    source: &'s S,
    memo: core::cell::RefCell<std::collections::HashMap<(u8, u64), Digest256>>,
}

impl<'s, S: HashSource + ?Sized> Memoized<'s, S> {
    /// Remembers what `source` computes.
    pub fn new(source: &'s S) -> Self {
        Memoized { source, memo: core::cell::RefCell::default() }
    }
}

impl<S: HashSource + ?Sized> HashSource for Memoized<'_, S> {
    type Error = S::Error;

    fn subtree_hash(&self, level: u8, index: u64) -> Result<Digest256, Self::Error> {
        if let Some(hash) = self.memo.borrow().get(&(level, index)) {
            return Ok(*hash);
        }
        let hash = self.source.subtree_hash(level, index)?;
        self.memo.borrow_mut().insert((level, index), hash);
        Ok(hash)
    }
}
