//! The log-backed revocation map: a compact sparse Merkle tree of every revoked grant, derived
//! deterministically from the log's revocation entries, with membership ("revoked") and
//! non-membership ("not revoked") proofs against its root, and the checkpoint extension line that
//! binds that root to a signed tree head.
//!
//! # Format (version 1)
//!
//! The tree, its proofs and the extension line are the sparse Merkle tree both log-backed maps
//! share ([`crate::smt`]), under [`RevocationSpec`]; this section is the complete format.
//!
//! All hashes are [`tagged_hash`] (SHA-256 of `u8(len(label)) ‖ label ‖` each part as
//! `u64be(len) ‖ bytes`). Their first byte is a label length (28 to 30 here), never RFC 6962's
//! `0x00`/`0x01` prefixes, and every label is distinct ([`Domain`]), so no map hash equals an
//! RFC 6962 leaf or node hash or any other Assent hash.
//!
//! **Key.** A revocation of the grant with commitment `C`, signed by pairwise key `I`, is filed
//! under `K = tagged_hash(RevocationMapKey, [C, I])` (32 bytes). Bit `i` of `K` (`i` = 0..255) is
//! bit `7 - i mod 8` of byte `i div 8`: the most significant bit first.
//!
//! **Value.** `V = u64be(log_index) ‖ u64be(revoked_at)` (16 bytes): the index of the log entry
//! holding the revocation and the revocation's own `revoked_at` (Unix seconds).
//!
//! **Contents.** The map `M(n)` of a log with origin `O` over its entries `e_0 .. e_{n-1}`:
//! start empty; for `i` = 0, 1, …, n − 1, if `e_i` verifies as a log entry
//! ([`LogEntry::verify`]) and is a revocation `r` with `r.log_origin == O`, and `M` has no leaf
//! with key `K(r.commitment, r.issuer)`, add the leaf `(K, (i, r.revoked_at))`. Every other entry
//! (grants, access events, releases, unreadable bytes, revocations naming another log) is
//! ignored, and so is a later revocation of a key already in the map: the first one stands.
//!
//! **Hashes.**
//!
//! ```text
//! EMPTY      = tagged_hash(RevocationMapEmpty, [])
//! LEAF(K, V) = tagged_hash(RevocationMapLeaf, [K, V])
//! NODE(L, R) = tagged_hash(RevocationMapNode, [L, R])
//! ```
//!
//! **Tree.** For a set `S` of leaves whose keys share their first `d` bits:
//!
//! ```text
//! H(S, d) = EMPTY                                if S is empty
//!         = LEAF(K, V)                           if S = {(K, V)}
//!         = NODE(H(S₀, d + 1), H(S₁, d + 1))     otherwise; S_b: the leaves whose key bit d is b
//! ```
//!
//! and the root is `H(M, 0)`. So a leaf sits at the shortest prefix of its key that no other key
//! shares (as in Diem's Jellyfish Merkle tree), and a map of `n` keys has proofs of about
//! `log2(n)` siblings instead of 256.
//!
//! **Proof** of key `K` against a root: the siblings on the path from the root to the subtree
//! at `K`'s prefix of length `d` where the walk ends, and what that subtree is. Encoding:
//!
//! ```text
//! kind      u8     1: revoked, K's leaf is there; 2: not revoked, the subtree is empty;
//!                  3: not revoked, the subtree is one leaf with another key
//! depth     u16be  d, 0 ..= 256
//! bitmap    ⌈d/8⌉ bytes: bit i (most significant first) is set iff the sibling at depth i is
//!                  not EMPTY; the bits past d are 0
//! siblings  32 bytes for each set bit, the sibling at depth 0 (below the root) first
//! terminal  kind 1: V (16 bytes); kind 2: nothing; kind 3: K' (32 bytes) ‖ V' (16 bytes)
//! ```
//!
//! Decoding is strict: exact length (nothing after the terminal), known kind, `d ≤ 256`, padding
//! bits 0, and, if `d ≥ 1`, a non-empty sibling at depth `d − 1` (the terminal's parent holds
//! at least two leaves, so its other side is never empty); so a proof has one encoding. To
//! verify, take `h` = `LEAF(K, V)` (kind 1), `EMPTY` (kind 2), or `LEAF(K', V')` (kind 3, after
//! checking `K' ≠ K` and that `K'` shares `K`'s first `d` bits); then for `i` = `d − 1` down to
//! 0, with `s` the sibling at depth `i` (`EMPTY` if its bit is clear), `h = NODE(h, s)` if bit
//! `i` of `K` is 0, else `NODE(s, h)`. The proof holds iff `h` equals the root.
//!
//! **Binding to a checkpoint.** The log signs the line `revocation-map <root>` (the root in
//! canonical standard base64) as a C2SP tlog-checkpoint extension line: "the root of `M(size)`",
//! the map of exactly the entries this checkpoint commits to. We chose a signed extension line
//! over a log entry per batch because:
//! - the root is then signed in the same statement as the tree it is derived from, so one
//!   verified checkpoint (with its witness cosignatures, which sign the whole note text) serves
//!   both a grant's inclusion and its non-revocation, with nothing more to fetch;
//! - an entry can only describe the entries before it, so a map entry is always one batch stale,
//!   costs a leaf per batch, and a verifier would first have to find the newest map entry and
//!   prove its inclusion: another search and round trip the log's API does not offer.
//!
//! Clients that do not know the line ignore it (extension lines are opaque to C2SP); a checkpoint
//! without it says nothing about revocations ([`root_from_checkpoint`] gives `None`).
//!
//! **Why the issuer is in the key.** Anyone can sign a revocation that names any commitment
//! (commitments are public on the log) with a key of their own; only the grant's issuer may
//! revoke it ([`Revocation::revokes`]), and the commitment fixes the issuer. Keyed by the
//! commitment alone, a stranger's earlier revocation would take the grant's place ("first
//! wins"). Keyed by commitment and issuer, it lands under a key no verifier asks about.
//! Hashing the key also keeps adversarially chosen commitments from making deep paths: each
//! shared key bit costs a forger a doubling of work.

mod extension;
mod hashing;
mod proof;
mod tree;

pub use extension::{checkpoint_extension, root_from_checkpoint, verify_at_checkpoint, EXTENSION_KEYWORD};
pub use hashing::empty_root;
pub use proof::{MapProof, MapStatus, Terminal, MAX_PROOF_BYTES};
pub use tree::{Folded, Leaves, RevocationMap};

use crate::consent::{Revocation, SignedGrant};
use crate::hash::{tagged_hash, Digest256, Domain, DIGEST_LEN};
use crate::smt::{u64_be, FoldError, MapSpec, SmtError};

#[cfg(doc)]
use crate::consent::LogEntry;

pub use crate::smt::MAX_DEPTH;

/// Where a grant's revocation is filed in the map: `tagged_hash(RevocationMapKey, [commitment, issuer])`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MapKey([u8; DIGEST_LEN]);

impl MapKey {
    /// The key for the grant with `commitment` signed by pairwise key `issuer`.
    pub fn new(commitment: &Digest256, issuer: &[u8; 32]) -> MapKey {
        MapKey(tagged_hash(Domain::RevocationMapKey, &[commitment, issuer]))
    }

    /// The key a grant's revocation is filed under: what a verifier holding the grant asks about.
    pub fn of_grant(grant: &SignedGrant) -> MapKey {
        MapKey::new(&grant.commitment(), &grant.claims().issuer)
    }

    /// The key a revocation is filed under.
    pub fn of_revocation(revocation: &Revocation) -> MapKey {
        MapKey::new(&revocation.commitment, &revocation.issuer)
    }

    /// A key already hashed, as stored or as a proof carries it.
    pub const fn from_bytes(bytes: [u8; DIGEST_LEN]) -> MapKey {
        MapKey(bytes)
    }

    /// The key's 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; DIGEST_LEN] {
        &self.0
    }
}

/// What the map holds for a revoked grant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Revoked {
    /// The index of the log entry holding the (first) revocation.
    pub log_index: u64,
    /// The revocation's `revoked_at` (Unix seconds), as the patient signed it.
    pub revoked_at: u64,
}

impl Revoked {
    /// Bytes in the encoded value.
    pub const ENCODED_LEN: usize = 16;

    /// `u64be(log_index) ‖ u64be(revoked_at)`.
    pub fn to_bytes(&self) -> [u8; Self::ENCODED_LEN] {
        let mut bytes = [0u8; Self::ENCODED_LEN];
        bytes[..8].copy_from_slice(&self.log_index.to_be_bytes());
        bytes[8..].copy_from_slice(&self.revoked_at.to_be_bytes());
        bytes
    }

    /// Reads the 16-byte encoding.
    pub fn from_bytes(bytes: &[u8; Self::ENCODED_LEN]) -> Revoked {
        let (index, at) = bytes.split_at(8);
        Revoked { log_index: u64_be(index), revoked_at: u64_be(at) }
    }
}

/// The revocation map's format (version 1) as a [`MapSpec`] of the shared sparse Merkle tree
/// ([`crate::smt`]): [`MapKey`] keys, [`Revoked`] values, the `RevocationMap*` domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevocationSpec;

impl MapSpec for RevocationSpec {
    type Key = MapKey;
    type Value = Revoked;
    const VALUE_LEN: usize = Revoked::ENCODED_LEN;
    const EMPTY: Domain = Domain::RevocationMapEmpty;
    const LEAF: Domain = Domain::RevocationMapLeaf;
    const NODE: Domain = Domain::RevocationMapNode;

    fn key_bytes(key: &MapKey) -> &[u8; DIGEST_LEN] {
        key.as_bytes()
    }

    fn key_from_bytes(bytes: [u8; DIGEST_LEN]) -> MapKey {
        MapKey::from_bytes(bytes)
    }

    fn encode_value(value: &Revoked) -> Vec<u8> {
        value.to_bytes().to_vec()
    }

    fn decode_value(bytes: &[u8]) -> Option<Revoked> {
        Some(Revoked::from_bytes(bytes.try_into().ok()?))
    }
}

/// Why the map could not be updated, or a proof or checkpoint line was refused. Messages say what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RevMapError {
    /// Entries were folded out of log order, or the log index would overflow.
    #[error(transparent)]
    Fold(#[from] FoldError),
    /// The map holds as many nodes as this implementation can address.
    #[error("the revocation map is full (2^32 nodes): split the log before it grows this large")]
    MapFull,
    /// Restored leaves name one key twice.
    #[error("restored leaves name key {key} twice: rebuild the map from the log")]
    DuplicateLeaf {
        /// The key, in hex.
        key: String,
    },
    /// A restored leaf names an entry the map has not folded.
    #[error("a restored leaf names log entry {log_index}, past the {size} entries folded: rebuild the map from the log")]
    LeafBeyondSize {
        /// The leaf's log index.
        log_index: u64,
        /// The entries folded.
        size: u64,
    },
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
    #[error("map proof kind {0} is unknown: expected 1 (revoked), 2 or 3 (not revoked)")]
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
    /// The proof's value is not a revocation map value (not produced by this map's values,
    /// every 16 bytes of which are one; kept for the shared decoder).
    #[error("the map proof's value is not a revocation: it is not a revocation map proof")]
    ProofValue,
    /// A not-revoked proof shows the key's own leaf.
    #[error(
        "the not-revoked proof shows the asked key's own leaf: the key is revoked, ask for its proof again"
    )]
    OtherLeafIsKey,
    /// A not-revoked proof shows a leaf that is not on the key's path.
    #[error("the not-revoked proof shows a leaf off the asked key's path: it is a proof for another key")]
    OtherLeafOffPath,
    /// The proof does not lead to the root.
    #[error("the map proof does not lead to the map root: the proof, the key or the checkpoint is wrong")]
    RootMismatch,
    /// A `revocation-map` extension line is malformed.
    #[error("the checkpoint's revocation-map line is malformed: it must be 'revocation-map ' and a 32-byte root in canonical base64")]
    ExtensionMalformed,
    /// More than one `revocation-map` extension line.
    #[error("the checkpoint has more than one revocation-map line: a checkpoint binds one map root")]
    ExtensionRepeated,
    /// The checkpoint carries no map root.
    #[error("the checkpoint has no revocation-map line: this log publishes no map, so revocation cannot be checked")]
    NoMapRoot,
    /// A revoked proof names an entry past the checkpoint.
    #[error("the map says entry {log_index} revoked the grant, but the checkpoint has only {size} entries: the log misbehaves, report it")]
    RevokedBeyondCheckpoint {
        /// The leaf's log index.
        log_index: u64,
        /// The checkpoint's size.
        size: u64,
    },
}

impl From<SmtError> for RevMapError {
    fn from(error: SmtError) -> RevMapError {
        match error {
            SmtError::MapFull => RevMapError::MapFull,
            SmtError::ProofTooLarge { len, max } => RevMapError::ProofTooLarge { len, max },
            SmtError::ProofTruncated => RevMapError::ProofTruncated,
            SmtError::ProofTrailingBytes { extra } => RevMapError::ProofTrailingBytes { extra },
            SmtError::ProofKind(kind) => RevMapError::ProofKind(kind),
            SmtError::ProofDepth(depth) => RevMapError::ProofDepth(depth),
            SmtError::ProofPadding => RevMapError::ProofPadding,
            SmtError::ProofLastSiblingEmpty => RevMapError::ProofLastSiblingEmpty,
            SmtError::ProofValue => RevMapError::ProofValue,
            SmtError::OtherLeafIsKey => RevMapError::OtherLeafIsKey,
            SmtError::OtherLeafOffPath => RevMapError::OtherLeafOffPath,
            SmtError::RootMismatch => RevMapError::RootMismatch,
            SmtError::ExtensionMalformed { .. } => RevMapError::ExtensionMalformed,
            SmtError::ExtensionRepeated { .. } => RevMapError::ExtensionRepeated,
        }
    }
}
