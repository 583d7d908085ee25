//! Map proofs: the encoding and verification specified in the module docs, by the shared tree's
//! [`smt::Proof`] under [`RevocationSpec`].

use super::{MapKey, RevMapError, RevocationSpec, Revoked};
use crate::hash::Digest256;
use crate::smt::{self, MapSpec as _};

/// The largest encoded proof: depth 256, every sibling set, another leaf at the end.
pub const MAX_PROOF_BYTES: usize = smt::max_proof_bytes(RevocationSpec::VALUE_LEN);

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

impl From<smt::Terminal<RevocationSpec>> for Terminal {
    fn from(terminal: smt::Terminal<RevocationSpec>) -> Terminal {
        match terminal {
            smt::Terminal::Present(value) => Terminal::Revoked(value),
            smt::Terminal::Empty => Terminal::Empty,
            smt::Terminal::OtherLeaf { key, value } => Terminal::OtherLeaf { key, value },
        }
    }
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
    inner: smt::Proof<RevocationSpec>,
    /// `inner`'s terminal, in this map's terms.
    terminal: Terminal,
}

impl From<smt::Proof<RevocationSpec>> for MapProof {
    fn from(inner: smt::Proof<RevocationSpec>) -> MapProof {
        MapProof { terminal: Terminal::from(*inner.terminal()), inner }
    }
}

impl MapProof {
    /// The siblings from the root down (`None`: an empty subtree).
    pub fn siblings(&self) -> &[Option<Digest256>] {
        self.inner.siblings()
    }

    /// Where the walk ends.
    pub fn terminal(&self) -> &Terminal {
        &self.terminal
    }

    /// The canonical encoding (module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes()
    }

    /// Reads a proof strictly (module docs): size cap, known kind, depth at most 256, clear
    /// padding bits, a non-empty last sibling, and nothing after the terminal.
    pub fn decode(bytes: &[u8]) -> Result<MapProof, RevMapError> {
        Ok(MapProof::from(smt::Proof::decode(bytes)?))
    }

    /// Checks the proof for `key` against the map `root` and says what it shows.
    pub fn verify(&self, root: &Digest256, key: &MapKey) -> Result<MapStatus, RevMapError> {
        Ok(self.inner.verify(root, key)?.map_or(MapStatus::NotRevoked, MapStatus::Revoked))
    }
}
