//! Domain-separated SHA-256.
//!
//! Every hash Assent computes for its own formats goes through [`tagged_hash`] with a
//! [`Domain`]. The encoding is injective: the domain label and every part are length-prefixed,
//! so no choice of parts under one domain can collide with another domain or another split of
//! the same bytes. RFC 6962 Merkle hashing has its own fixed prefixes and lives in
//! [`crate::tlog::merkle`].

use sha2::{Digest, Sha256};

/// Length in bytes of a SHA-256 digest.
pub const DIGEST_LEN: usize = 32;

/// A SHA-256 digest.
pub type Digest256 = [u8; DIGEST_LEN];

/// The purpose a hash is made for. Its label is hashed first, so hashes of different purposes
/// never collide.
///
/// The set of domains is closed and listed here, which keeps every label in one place and
/// lets a test prove they are distinct.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Domain {
    /// The salted commitment to a consent grant that the log stores instead of the grant.
    GrantCommitment,
    /// A key in the log-backed revocation map: where a grant's revocation sits in the tree.
    RevocationMapKey,
    /// A leaf of the revocation map: a key and the revocation it holds.
    RevocationMapLeaf,
    /// An inner node of the revocation map: its two children's hashes.
    RevocationMapNode,
    /// An empty subtree of the revocation map.
    RevocationMapEmpty,
    /// A model release, pinned by the wallet and published on the log.
    ModelRelease,
    /// A provider's id: its public key, hashed and truncated to 16 bytes (a grant's audience).
    ProviderId,
    /// A key in the log-backed access map: where a grant's access events by one provider sit.
    AccessMapKey,
    /// A leaf of the access map: a key and the access trail it holds.
    AccessMapLeaf,
    /// An inner node of the access map: its two children's hashes.
    AccessMapNode,
    /// An empty subtree of the access map.
    AccessMapEmpty,
    /// One link of an access trail's hash chain: the previous link, an event's log index and leaf hash.
    AccessChain,
}

impl Domain {
    /// Every domain, for exhaustive checks.
    pub const ALL: [Domain; 12] = [
        Domain::GrantCommitment,
        Domain::RevocationMapKey,
        Domain::RevocationMapLeaf,
        Domain::RevocationMapNode,
        Domain::RevocationMapEmpty,
        Domain::ModelRelease,
        Domain::ProviderId,
        Domain::AccessMapKey,
        Domain::AccessMapLeaf,
        Domain::AccessMapNode,
        Domain::AccessMapEmpty,
        Domain::AccessChain,
    ];

    /// The label hashed in front of the data. Versioned, so a format change gets a new label.
    pub const fn label(self) -> &'static str {
        match self {
            Domain::GrantCommitment => "assent/v1/grant-commitment",
            Domain::RevocationMapKey => "assent/v1/revocation-map-key",
            Domain::RevocationMapLeaf => "assent/v1/revocation-map-leaf",
            Domain::RevocationMapNode => "assent/v1/revocation-map-node",
            Domain::RevocationMapEmpty => "assent/v1/revocation-map-empty",
            Domain::ModelRelease => "assent/v1/model-release",
            Domain::ProviderId => "assent/v1/provider-id",
            Domain::AccessMapKey => "assent/v1/access-map-key",
            Domain::AccessMapLeaf => "assent/v1/access-map-leaf",
            Domain::AccessMapNode => "assent/v1/access-map-node",
            Domain::AccessMapEmpty => "assent/v1/access-map-empty",
            Domain::AccessChain => "assent/v1/access-chain",
        }
    }
}

/// An incremental domain-separated hasher, for data that arrives in parts.
#[derive(Clone)]
pub struct TaggedHasher {
    inner: Sha256,
}

impl TaggedHasher {
    /// Starts a hash for `domain`.
    pub fn new(domain: Domain) -> Self {
        let label = domain.label().as_bytes();
        let mut inner = Sha256::new();
        // Labels are short constants; a u8 length keeps the prefix compact and fixed in form.
        debug_assert!(label.len() <= usize::from(u8::MAX));
        inner.update([label.len() as u8]);
        inner.update(label);
        TaggedHasher { inner }
    }

    /// Adds one part, prefixed by its length as a big-endian u64.
    pub fn part(mut self, bytes: &[u8]) -> Self {
        self.inner.update((bytes.len() as u64).to_be_bytes());
        self.inner.update(bytes);
        self
    }

    /// Finishes the hash.
    pub fn finish(self) -> Digest256 {
        self.inner.finalize().into()
    }
}

impl core::fmt::Debug for TaggedHasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TaggedHasher").finish_non_exhaustive()
    }
}

/// Hashes `parts` under `domain`:
/// `SHA-256(u8(len(label)) ‖ label ‖ for each part: u64be(len(part)) ‖ part)`.
pub fn tagged_hash(domain: Domain, parts: &[&[u8]]) -> Digest256 {
    parts.iter().fold(TaggedHasher::new(domain), |hasher, part| hasher.part(part)).finish()
}

/// Plain SHA-256, for formats that fix their own framing (for example a model file's pin).
pub fn sha256(bytes: &[u8]) -> Digest256 {
    Sha256::digest(bytes).into()
}
