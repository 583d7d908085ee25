//! Map proofs: the encoding and verification specified in the module docs.

use super::{empty_hash, first_difference, key_bit, leaf_hash, node_hash, MapSpec, SmtError, MAX_DEPTH};
use crate::hash::{Digest256, DIGEST_LEN};

const KIND_PRESENT: u8 = 1;
const KIND_EMPTY: u8 = 2;
const KIND_OTHER_LEAF: u8 = 3;
/// Kind byte and u16 depth.
const HEADER_LEN: usize = 3;

/// The largest encoded proof of a map whose values are `value_len` bytes: depth 256, every
/// sibling set, another leaf at the end.
pub const fn max_proof_bytes(value_len: usize) -> usize {
    HEADER_LEN + MAX_DEPTH / 8 + MAX_DEPTH * DIGEST_LEN + DIGEST_LEN + value_len
}

/// Where a proof's walk from the root along the key's bits ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminal<S: MapSpec> {
    /// The key's own leaf, with its value.
    Present(S::Value),
    /// An empty subtree: the key is absent.
    Empty,
    /// The leaf of another key that shares the path so far: the key is absent.
    OtherLeaf {
        /// That leaf's key.
        key: S::Key,
        /// That leaf's value.
        value: S::Value,
    },
}

/// A proof of what a map holds for one key: siblings from the root down, then the terminal.
///
/// Made by a map's `prove` or by [`Proof::decode`]; both give only canonical proofs, which
/// [`Proof::to_bytes`] encodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proof<S: MapSpec> {
    /// `None` for an empty sibling.
    siblings: Vec<Option<Digest256>>,
    terminal: Terminal<S>,
}

impl<S: MapSpec> Proof<S> {
    /// The largest encoded proof of this map.
    pub const MAX_BYTES: usize = max_proof_bytes(S::VALUE_LEN);

    /// Wraps what a well-formed map's walk found (at most 256 siblings, the last one not empty).
    pub(crate) fn from_parts(siblings: Vec<Option<Digest256>>, terminal: Terminal<S>) -> Proof<S> {
        debug_assert!(siblings.len() <= MAX_DEPTH && siblings.last().is_none_or(Option::is_some));
        Proof { siblings, terminal }
    }

    /// The siblings from the root down (`None`: an empty subtree).
    pub fn siblings(&self) -> &[Option<Digest256>] {
        &self.siblings
    }

    /// Where the walk ends.
    pub fn terminal(&self) -> &Terminal<S> {
        &self.terminal
    }

    /// The canonical encoding (module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let depth = self.siblings.len();
        let present = self.siblings.iter().flatten().count();
        let mut bytes = Vec::with_capacity(
            HEADER_LEN + depth.div_ceil(8) + present * DIGEST_LEN + DIGEST_LEN + S::VALUE_LEN,
        );
        bytes.push(match self.terminal {
            Terminal::Present(_) => KIND_PRESENT,
            Terminal::Empty => KIND_EMPTY,
            Terminal::OtherLeaf { .. } => KIND_OTHER_LEAF,
        });
        // At most MAX_DEPTH (256) siblings: a proof is only made by a walk or by `decode`.
        bytes.extend_from_slice(&u16::try_from(depth).unwrap_or(u16::MAX).to_be_bytes());
        let mut bitmap = vec![0u8; depth.div_ceil(8)];
        for (index, sibling) in self.siblings.iter().enumerate() {
            if sibling.is_some() {
                bitmap[index / 8] |= 0x80 >> (index % 8);
            }
        }
        bytes.extend_from_slice(&bitmap);
        for sibling in self.siblings.iter().flatten() {
            bytes.extend_from_slice(sibling);
        }
        match &self.terminal {
            Terminal::Present(value) => bytes.extend_from_slice(&S::encode_value(value)),
            Terminal::Empty => {}
            Terminal::OtherLeaf { key, value } => {
                bytes.extend_from_slice(S::key_bytes(key));
                bytes.extend_from_slice(&S::encode_value(value));
            }
        }
        bytes
    }

    /// Reads a proof strictly (module docs): size cap, known kind, depth at most 256, clear
    /// padding bits, a non-empty last sibling, a value the map can hold, and nothing after the
    /// terminal.
    pub fn decode(bytes: &[u8]) -> Result<Proof<S>, SmtError> {
        let max = Self::MAX_BYTES;
        if bytes.len() > max {
            return Err(SmtError::ProofTooLarge { len: bytes.len(), max });
        }
        let mut reader = Reader { bytes };
        let [kind] = reader.take::<1>()?;
        if !matches!(kind, KIND_PRESENT | KIND_EMPTY | KIND_OTHER_LEAF) {
            return Err(SmtError::ProofKind(kind));
        }
        let depth_field = u16::from_be_bytes(reader.take::<2>()?);
        let depth = usize::from(depth_field);
        if depth > MAX_DEPTH {
            return Err(SmtError::ProofDepth(depth_field));
        }
        let bitmap = reader.slice(depth.div_ceil(8))?;
        let is_set =
            |index: usize| bitmap.get(index / 8).is_some_and(|byte| byte & (0x80 >> (index % 8)) != 0);
        if (depth..depth.div_ceil(8) * 8).any(is_set) {
            return Err(SmtError::ProofPadding);
        }
        if depth > 0 && !is_set(depth - 1) {
            return Err(SmtError::ProofLastSiblingEmpty);
        }
        let mut siblings = Vec::with_capacity(depth);
        for index in 0..depth {
            siblings.push(if is_set(index) { Some(reader.take::<DIGEST_LEN>()?) } else { None });
        }
        let terminal = match kind {
            KIND_PRESENT => Terminal::Present(reader.value::<S>()?),
            KIND_EMPTY => Terminal::Empty,
            _ => {
                let key = S::key_from_bytes(reader.take()?);
                Terminal::OtherLeaf { key, value: reader.value::<S>()? }
            }
        };
        if !reader.bytes.is_empty() {
            return Err(SmtError::ProofTrailingBytes { extra: reader.bytes.len() });
        }
        Ok(Proof { siblings, terminal })
    }

    /// Checks the proof for `key` against the map `root`: the value the map holds for `key`,
    /// or `None` if it holds none.
    pub fn verify(&self, root: &Digest256, key: &S::Key) -> Result<Option<S::Value>, SmtError> {
        let depth = self.siblings.len();
        let empty = empty_hash::<S>();
        let key_bytes = S::key_bytes(key);
        let (mut hash, value) = match &self.terminal {
            Terminal::Present(value) => (leaf_hash::<S>(key, value), Some(*value)),
            Terminal::Empty => (empty, None),
            Terminal::OtherLeaf { key: other, value } => {
                match first_difference(S::key_bytes(other), key_bytes) {
                    None => return Err(SmtError::OtherLeafIsKey),
                    Some(split) if split < depth => return Err(SmtError::OtherLeafOffPath),
                    Some(_) => {}
                }
                (leaf_hash::<S>(other, value), None)
            }
        };
        for (index, sibling) in self.siblings.iter().enumerate().rev() {
            let sibling = sibling.as_ref().unwrap_or(&empty);
            hash = if key_bit(key_bytes, index) == 0 {
                node_hash::<S>(&hash, sibling)
            } else {
                node_hash::<S>(sibling, &hash)
            };
        }
        if hash == *root {
            Ok(value)
        } else {
            Err(SmtError::RootMismatch)
        }
    }
}

/// Reads fixed-size fields off the front; running out is a truncated proof.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn slice(&mut self, len: usize) -> Result<&'a [u8], SmtError> {
        if self.bytes.len() < len {
            return Err(SmtError::ProofTruncated);
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(head)
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], SmtError> {
        self.slice(N)?.try_into().map_err(|_| SmtError::ProofTruncated)
    }

    fn value<S: MapSpec>(&mut self) -> Result<S::Value, SmtError> {
        S::decode_value(self.slice(S::VALUE_LEN)?).ok_or(SmtError::ProofValue)
    }
}
