//! Map proofs: the encoding and verification specified in the module docs.

use super::hashing::{empty_root, leaf_hash, node_hash};
use super::{MapKey, RevMapError, Revoked, MAX_DEPTH};
use crate::hash::{Digest256, DIGEST_LEN};

const KIND_REVOKED: u8 = 1;
const KIND_EMPTY: u8 = 2;
const KIND_OTHER_LEAF: u8 = 3;
/// Kind byte and u16 depth.
const HEADER_LEN: usize = 3;

/// The largest encoded proof: depth 256, every sibling set, another leaf at the end.
pub const MAX_PROOF_BYTES: usize =
    HEADER_LEN + MAX_DEPTH / 8 + MAX_DEPTH * DIGEST_LEN + DIGEST_LEN + Revoked::ENCODED_LEN;

/// Where a proof's walk from the root along the key's bits ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Terminal {
    /// The key's own leaf: it is revoked.
    Revoked(Revoked),
    /// An empty subtree: the key is not revoked.
    Empty,
    /// The leaf of another key that shares the path so far: the key is not revoked.
    OtherLeaf {
        /// That leaf's key.
        key: MapKey,
        /// That leaf's value.
        value: Revoked,
    },
}

/// What a verified proof says about its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapStatus {
    /// The key is revoked, by the entry and at the time given.
    Revoked(Revoked),
    /// The map holds no revocation for the key.
    NotRevoked,
}

/// A proof of what the map holds for one key: siblings from the root down, then the terminal.
///
/// Made by [`RevocationMap::prove`](super::RevocationMap::prove) or [`MapProof::decode`]; both
/// give only canonical proofs, which [`MapProof::to_bytes`] encodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapProof {
    /// `None` for an empty sibling.
    siblings: Vec<Option<Digest256>>,
    terminal: Terminal,
}

impl MapProof {
    /// Wraps what a well-formed map's walk found (at most 256 siblings, the last one not empty).
    pub(crate) fn from_parts(siblings: Vec<Option<Digest256>>, terminal: Terminal) -> MapProof {
        debug_assert!(siblings.len() <= MAX_DEPTH && siblings.last().is_none_or(Option::is_some));
        MapProof { siblings, terminal }
    }

    /// The siblings from the root down (`None`: an empty subtree).
    pub fn siblings(&self) -> &[Option<Digest256>] {
        &self.siblings
    }

    /// Where the walk ends.
    pub fn terminal(&self) -> &Terminal {
        &self.terminal
    }

    /// The canonical encoding (module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let depth = self.siblings.len();
        let present = self.siblings.iter().flatten().count();
        let mut bytes = Vec::with_capacity(HEADER_LEN + depth.div_ceil(8) + present * DIGEST_LEN + 48);
        bytes.push(match self.terminal {
            Terminal::Revoked(_) => KIND_REVOKED,
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
            Terminal::Revoked(value) => bytes.extend_from_slice(&value.to_bytes()),
            Terminal::Empty => {}
            Terminal::OtherLeaf { key, value } => {
                bytes.extend_from_slice(key.as_bytes());
                bytes.extend_from_slice(&value.to_bytes());
            }
        }
        bytes
    }

    /// Reads a proof strictly (module docs): size cap, known kind, depth at most 256, clear
    /// padding bits, a non-empty last sibling, and nothing after the terminal.
    pub fn decode(bytes: &[u8]) -> Result<MapProof, RevMapError> {
        if bytes.len() > MAX_PROOF_BYTES {
            return Err(RevMapError::ProofTooLarge { len: bytes.len(), max: MAX_PROOF_BYTES });
        }
        let mut reader = Reader { bytes };
        let [kind] = reader.take::<1>()?;
        if !matches!(kind, KIND_REVOKED | KIND_EMPTY | KIND_OTHER_LEAF) {
            return Err(RevMapError::ProofKind(kind));
        }
        let depth_field = u16::from_be_bytes(reader.take::<2>()?);
        let depth = usize::from(depth_field);
        if depth > MAX_DEPTH {
            return Err(RevMapError::ProofDepth(depth_field));
        }
        let bitmap = reader.slice(depth.div_ceil(8))?;
        let is_set =
            |index: usize| bitmap.get(index / 8).is_some_and(|byte| byte & (0x80 >> (index % 8)) != 0);
        if (depth..depth.div_ceil(8) * 8).any(is_set) {
            return Err(RevMapError::ProofPadding);
        }
        if depth > 0 && !is_set(depth - 1) {
            return Err(RevMapError::ProofLastSiblingEmpty);
        }
        let mut siblings = Vec::with_capacity(depth);
        for index in 0..depth {
            siblings.push(if is_set(index) { Some(reader.take::<DIGEST_LEN>()?) } else { None });
        }
        let terminal = match kind {
            KIND_REVOKED => Terminal::Revoked(Revoked::from_bytes(&reader.take()?)),
            KIND_EMPTY => Terminal::Empty,
            _ => {
                let key = MapKey::from_bytes(reader.take()?);
                Terminal::OtherLeaf { key, value: Revoked::from_bytes(&reader.take()?) }
            }
        };
        if !reader.bytes.is_empty() {
            return Err(RevMapError::ProofTrailingBytes { extra: reader.bytes.len() });
        }
        Ok(MapProof { siblings, terminal })
    }

    /// Checks the proof for `key` against the map `root` and says what it shows.
    pub fn verify(&self, root: &Digest256, key: &MapKey) -> Result<MapStatus, RevMapError> {
        let depth = self.siblings.len();
        let empty = empty_root();
        let (mut hash, status) = match &self.terminal {
            Terminal::Revoked(value) => (leaf_hash(key, value), MapStatus::Revoked(*value)),
            Terminal::Empty => (empty, MapStatus::NotRevoked),
            Terminal::OtherLeaf { key: other, value } => {
                match other.first_difference(key) {
                    None => return Err(RevMapError::OtherLeafIsKey),
                    Some(split) if split < depth => return Err(RevMapError::OtherLeafOffPath),
                    Some(_) => {}
                }
                (leaf_hash(other, value), MapStatus::NotRevoked)
            }
        };
        for (index, sibling) in self.siblings.iter().enumerate().rev() {
            let sibling = sibling.as_ref().unwrap_or(&empty);
            hash = if key.bit(index) == 0 { node_hash(&hash, sibling) } else { node_hash(sibling, &hash) };
        }
        if hash == *root {
            Ok(status)
        } else {
            Err(RevMapError::RootMismatch)
        }
    }
}

/// Reads fixed-size fields off the front; running out is a truncated proof.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn slice(&mut self, len: usize) -> Result<&'a [u8], RevMapError> {
        if self.bytes.len() < len {
            return Err(RevMapError::ProofTruncated);
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(head)
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], RevMapError> {
        self.slice(N)?.try_into().map_err(|_| RevMapError::ProofTruncated)
    }
}
