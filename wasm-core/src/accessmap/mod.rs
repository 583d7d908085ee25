//! The log-backed access map: for every grant and provider, how many access events the log holds,
//! where the last one is, and a hash chain over all of them, in a compact sparse Merkle tree whose
//! root the log signs in each checkpoint. A patient's wallet gets a *complete* trail of the
//! access events recorded against its grant: a gateway cannot leave one out, or add one, without
//! its map root disagreeing with its own log, which `assent audit` recomputes.
//!
//! # Format (version 1)
//!
//! Hashes are [`tagged_hash`] with the `AccessMap*` and `AccessChain` [`Domain`]s, whose labels
//! differ from every other Assent label. The tree, its proofs and the extension line are the
//! shared [`crate::smt`] format, under [`AccessSpec`].
//!
//! **Key.** An access event `a` (log entry kind 3, [`AccessEvent`]) is filed under
//! `K = tagged_hash(AccessMapKey, [a.commitment, a.provider])` (32 bytes; bits most significant
//! first). The provider's key is in the key: anyone may sign an event naming any commitment
//! (commitments are public on the log) with a key of their own, and it lands under a key no
//! wallet asks about: the wallet asks for the key of its grant's commitment and the provider it
//! granted.
//!
//! **Value.** `V = u64be(count) ‖ u64be(last_index) ‖ chain` (48 bytes): the number of events
//! under `K`, the log index of the last one, and the hash chain over all of them. For events at
//! log indices `i_1 < i_2 < … < i_n`:
//!
//! ```text
//! c_0 = 32 zero bytes
//! c_k = tagged_hash(AccessChain, [c_{k-1}, u64be(i_k), leaf_hash_k])
//! ```
//!
//! where `leaf_hash_k` is the RFC 6962 leaf hash of entry `i_k`'s bytes as the log stores them
//! (kind byte ‖ signed object; [`crate::tlog::merkle::leaf_hash`]), and the value holds `c_n`.
//! A value has `count ≥ 1` and `last_index ≥ count − 1`; a proof carrying any other is refused.
//!
//! **Contents.** The map `A(n)` over entries `e_0 .. e_{n-1}`: start empty; for `i` = 0, 1, …,
//! n − 1, if `e_i` verifies as a log entry ([`LogEntry::verify`]) and is an access event `a`,
//! set the leaf at `K(a.commitment, a.provider)` to `(count + 1, i, c')`, `c'` the chain
//! extended by `(i, leaf_hash(e_i))` (a new key starts from `(0, –, c_0)`). Every other entry is
//! ignored. Access events name no log, so no origin is checked.
//!
//! **Hashes and tree.** `EMPTY = tagged_hash(AccessMapEmpty, [])`,
//! `LEAF(K, V) = tagged_hash(AccessMapLeaf, [K, V])`, `NODE(L, R) = tagged_hash(AccessMapNode,
//! [L, R])`, and the tree `H` and proof encoding of [`crate::smt`] (kind 1: the key has events;
//! 2 or 3: it has none). A proof is at most [`MAX_PROOF_BYTES`] bytes.
//!
//! **Binding to a checkpoint.** The log signs the line `access-map <root>` (canonical standard
//! base64) as a C2SP tlog-checkpoint extension line: the root of `A(size)` for exactly the
//! entries the checkpoint commits to, next to the `revocation-map` line, for the reasons
//! [`crate::revmap`] gives. A checkpoint without it says nothing about access events
//! ([`root_from_checkpoint`] gives `None`).
//!
//! # The trail answer
//!
//! `GET <gateway>/access/<size>/<key hex>` answers, for the checkpoint of `size` (which the
//! gateway may have moved past: it keeps recent versions), with `application/octet-stream`:
//!
//! ```text
//! version   u8     1
//! proof_len u16be  1 ..= MAX_PROOF_BYTES
//! proof     the map proof for the key in A(size)
//! count     u16be  events in this answer, 0 ..= MAX_TRAIL_EVENTS (1,000)
//! events    count × ( index u64be ‖ len u16be ‖ len bytes: log entry `index` as stored,
//!                     1 ..= MAX_ENTRY_BYTES )
//! ```
//!
//! The events are those under the key with index below `size`, in log order (strictly
//! increasing indices); the whole answer is at most [`MAX_TRAIL_ANSWER_BYTES`] (1 MiB). When
//! they do not all fit, the answer is a page: the first events that fit, and the client asks
//! for the next page with `?after=<last index received>` (`GET …/access/<size>/<key hex>?after=<index>`:
//! the events with a larger index). Every page carries the proof. Paging stays verifiable: the
//! client extends the chain over every page it receives and compares the end with the proof's
//! value ([`TrailVerifier`]). Decoding is strict ([`TrailAnswer::decode`]): known version,
//! canonical proof, the caps, increasing indices, nothing after the last event.
//!
//! Verifying ([`TrailAnswer::verify`], or [`TrailVerifier`] over pages) checks the proof against
//! the root the verified checkpoint's `access-map` line binds; that each entry verifies as an
//! [`AccessEvent`] whose commitment and provider give exactly the asked key and whose index is
//! below the checkpoint's size; and that the count, last index and recomputed chain equal the
//! map's value (an absent key: no events at all). [`TrailCheck`] drives all of it, and the
//! inclusion proofs of the events, over a client's gateways.

mod answer;
mod check;
mod extension;
#[cfg(test)]
mod tests;
mod tree;

pub use answer::{
    parse_trail_path, trail_path, TrailAnswer, TrailEvent, TrailVerifier, MAX_TRAIL_ANSWER_BYTES,
    MAX_TRAIL_EVENTS, TRAIL_ANSWER_VERSION, TRAIL_PATH_PREFIX,
};
pub use check::{
    CheckedAccess, GrantTrail, TrailCheck, TrailCheckReport, TrailGrant, TrailOutcome,
    DEFAULT_INCLUSION_PROOFS, MAX_TRAIL_CHECK_EVENTS,
};
pub use extension::{checkpoint_extension, root_from_checkpoint, verify_at_checkpoint, EXTENSION_KEYWORD};
pub use tree::{AccessFolded, AccessMap, Leaves};

use crate::consent::AccessEvent;
use crate::hash::{tagged_hash, Digest256, Domain, DIGEST_LEN};
use crate::smt::{self, u64_be, FoldError, MapSpec, SmtError};

#[cfg(doc)]
use crate::consent::LogEntry;

/// A proof of what the access map holds for one key.
pub type AccessProof = smt::Proof<AccessSpec>;

/// Where an access map proof's walk ends: `Present` with the key's trail, or absent.
pub type AccessTerminal = smt::Terminal<AccessSpec>;

/// The largest encoded access map proof: depth 256, every sibling set, another leaf at the end.
pub const MAX_PROOF_BYTES: usize = smt::max_proof_bytes(AccessTrail::ENCODED_LEN);

/// The root of the empty access map: `tagged_hash(AccessMapEmpty, [])`.
pub fn empty_root() -> Digest256 {
    smt::empty_hash::<AccessSpec>()
}

/// Where the access events of one grant by one provider are filed:
/// `tagged_hash(AccessMapKey, [commitment, provider])`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccessKey([u8; DIGEST_LEN]);

impl AccessKey {
    /// The key for the grant with `commitment` and the provider whose public key is `provider`.
    pub fn new(commitment: &Digest256, provider: &[u8; 32]) -> AccessKey {
        AccessKey(tagged_hash(Domain::AccessMapKey, &[commitment, provider]))
    }

    /// The key an access event is filed under.
    pub fn of_event(event: &AccessEvent) -> AccessKey {
        AccessKey::new(&event.commitment, &event.provider)
    }

    /// A key already hashed, as stored or as a path carries it.
    pub const fn from_bytes(bytes: [u8; DIGEST_LEN]) -> AccessKey {
        AccessKey(bytes)
    }

    /// The key's 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; DIGEST_LEN] {
        &self.0
    }
}

/// One link of the chain: `tagged_hash(AccessChain, [previous, u64be(index), leaf_hash])`.
pub fn chain_link(previous: &Digest256, index: u64, leaf_hash: &Digest256) -> Digest256 {
    tagged_hash(Domain::AccessChain, &[previous, &index.to_be_bytes(), leaf_hash])
}

/// The chain before any event: 32 zero bytes.
pub const CHAIN_START: Digest256 = [0; DIGEST_LEN];

/// What the map holds for a key with access events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AccessTrail {
    /// How many events the key has.
    pub count: u64,
    /// The log index of the last one.
    pub last_index: u64,
    /// The hash chain over all of them (module docs).
    pub chain: Digest256,
}

impl AccessTrail {
    /// Bytes in the encoded value.
    pub const ENCODED_LEN: usize = 48;

    /// The trail of one event at `index` whose entry has `leaf_hash`.
    pub fn first(index: u64, leaf_hash: &Digest256) -> AccessTrail {
        AccessTrail { count: 1, last_index: index, chain: chain_link(&CHAIN_START, index, leaf_hash) }
    }

    /// This trail with one more event at `index` (after `last_index`) whose entry has `leaf_hash`.
    pub fn then(&self, index: u64, leaf_hash: &Digest256) -> AccessTrail {
        AccessTrail {
            count: self.count.saturating_add(1),
            last_index: index,
            chain: chain_link(&self.chain, index, leaf_hash),
        }
    }

    /// `u64be(count) ‖ u64be(last_index) ‖ chain`.
    pub fn to_bytes(&self) -> [u8; Self::ENCODED_LEN] {
        let mut bytes = [0u8; Self::ENCODED_LEN];
        bytes[..8].copy_from_slice(&self.count.to_be_bytes());
        bytes[8..16].copy_from_slice(&self.last_index.to_be_bytes());
        bytes[16..].copy_from_slice(&self.chain);
        bytes
    }

    /// Reads the 48-byte encoding; `None` unless `count ≥ 1` and `last_index ≥ count − 1`
    /// (events sit at distinct indices up to the last), which every trail of a log has.
    pub fn from_bytes(bytes: &[u8; Self::ENCODED_LEN]) -> Option<AccessTrail> {
        let (count, rest) = bytes.split_at(8);
        let (last, chain) = rest.split_at(8);
        let trail =
            AccessTrail { count: u64_be(count), last_index: u64_be(last), chain: chain.try_into().ok()? };
        trail.is_possible().then_some(trail)
    }

    /// Whether a log can give this trail: at least one event, all at distinct indices up to the last.
    fn is_possible(&self) -> bool {
        self.count >= 1 && self.count - 1 <= self.last_index
    }
}

/// The access map's format (version 1) as a [`MapSpec`] of the shared sparse Merkle tree:
/// [`AccessKey`] keys, [`AccessTrail`] values, the `AccessMap*` domains.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessSpec;

impl MapSpec for AccessSpec {
    type Key = AccessKey;
    type Value = AccessTrail;
    const VALUE_LEN: usize = AccessTrail::ENCODED_LEN;
    const EMPTY: Domain = Domain::AccessMapEmpty;
    const LEAF: Domain = Domain::AccessMapLeaf;
    const NODE: Domain = Domain::AccessMapNode;

    fn key_bytes(key: &AccessKey) -> &[u8; DIGEST_LEN] {
        key.as_bytes()
    }

    fn key_from_bytes(bytes: [u8; DIGEST_LEN]) -> AccessKey {
        AccessKey::from_bytes(bytes)
    }

    fn encode_value(value: &AccessTrail) -> Vec<u8> {
        value.to_bytes().to_vec()
    }

    fn decode_value(bytes: &[u8]) -> Option<AccessTrail> {
        AccessTrail::from_bytes(bytes.try_into().ok()?)
    }
}

/// Why the access map could not be updated, or a proof, checkpoint line or trail answer was
/// refused. Messages say what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccessMapError {
    /// Entries were folded out of log order, or the log index would overflow.
    #[error(transparent)]
    Fold(#[from] FoldError),
    /// Restored leaves name one key twice.
    #[error("restored leaves name key {key} twice: rebuild the access map from the log")]
    DuplicateLeaf {
        /// The key, in hex.
        key: String,
    },
    /// A restored leaf is not one the first `size` entries can give.
    #[error("a restored leaf (key {key}) is not a trail of the {size} entries folded: rebuild the access map from the log")]
    ImpossibleLeaf {
        /// The key, in hex.
        key: String,
        /// The entries folded.
        size: u64,
    },
    /// The shared tree or proof format refused something.
    #[error("access map: {0}")]
    Map(#[from] SmtError),
    /// The checkpoint carries no access map root.
    #[error("the checkpoint has no access-map line: this log publishes no access map, so the access trail cannot be verified")]
    NoMapRoot,
    /// The map's last event is past the checkpoint.
    #[error("the access map says entry {last_index} is the last event, but the checkpoint has only {size} entries: the log misbehaves, report it")]
    TrailBeyondCheckpoint {
        /// The trail's last index.
        last_index: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// The trail answer is larger than the cap.
    #[error("the access trail answer is {len} bytes, more than the {max} allowed: the gateway misbehaves, ask another")]
    AnswerTooLarge {
        /// Its length.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// The trail answer ends early.
    #[error("the access trail answer is truncated: fetch it again")]
    AnswerTruncated,
    /// Bytes follow the last event.
    #[error("the access trail answer has {extra} bytes after its last event: it is not a trail answer")]
    AnswerTrailingBytes {
        /// How many.
        extra: usize,
    },
    /// Unknown answer version.
    #[error("access trail answer version {0} is unknown: expected 1; update Assent")]
    AnswerVersion(u8),
    /// More events in one answer than allowed.
    #[error("the access trail answer holds {count} events, more than the {max} allowed per answer: the gateway misbehaves, ask another")]
    TooManyEvents {
        /// How many.
        count: u16,
        /// The cap.
        max: u16,
    },
    /// An event's entry is empty or larger than any log entry.
    #[error("an event entry of {0} bytes is in the trail answer; log entries are 1 to 4096 bytes: it is not a trail answer")]
    EntryLength(u16),
    /// Event indices do not increase.
    #[error("event {index} follows event {previous} in the trail: events come in increasing log order; the gateway misbehaves, ask another")]
    EventsOutOfOrder {
        /// The event's index.
        index: u64,
        /// The index before it (or the page's `after`).
        previous: u64,
    },
    /// An event is past the checkpoint.
    #[error("the trail holds entry {index}, past the checkpoint's {size} entries: the gateway misbehaves, ask another")]
    EventBeyondCheckpoint {
        /// The event's index.
        index: u64,
        /// The checkpoint's size.
        size: u64,
    },
    /// An entry in the trail is not a valid access event.
    #[error("entry {index} in the trail is not a valid access event ({reason}): the gateway misbehaves, ask another")]
    NotAnAccessEvent {
        /// The entry's index.
        index: u64,
        /// Why.
        reason: String,
    },
    /// An event is filed under another key: another grant, or signed by another provider.
    #[error("the access event at entry {index} is for another grant or was signed by another provider than the one asked about: the gateway misbehaves, ask another")]
    EventForOtherKey {
        /// The event's index.
        index: u64,
    },
    /// The map holds no events for the key, yet the answer lists some.
    #[error("the access map holds no events for this grant, but the answer lists {count}: the gateway misbehaves, ask another")]
    EventsForAbsentKey {
        /// How many were listed.
        count: usize,
    },
    /// More events than the map counts.
    #[error("the answer lists more events than the {count} the access map counts: the gateway added an event; ask another")]
    ExtraEvents {
        /// The map's count.
        count: u64,
    },
    /// A page holds no events while the map counts more.
    #[error("the answer lists {received} of the {count} events the access map counts and no more: the gateway hides events; ask another")]
    MissingEvents {
        /// Events received.
        received: u64,
        /// The map's count.
        count: u64,
    },
    /// The last event is not the one the map names.
    #[error("the trail's last event is entry {listed}, but the access map names entry {mapped}: the gateway misbehaves, ask another")]
    LastIndexMismatch {
        /// The last index listed.
        listed: u64,
        /// The map's last index.
        mapped: u64,
    },
    /// The recomputed chain is not the map's.
    #[error("the events' hash chain does not match the access map's: the gateway dropped, added or changed an event; ask another")]
    ChainMismatch,
    /// Not every page has been received.
    #[error("the trail has {received} of {count} events so far: fetch the next page with ?after={after}")]
    Incomplete {
        /// Events received.
        received: u64,
        /// The map's count.
        count: u64,
        /// The last index received.
        after: u64,
    },
    /// A page's proof shows another value than the first page's.
    #[error("the pages of the trail answer carry different access map values: the gateway misbehaves, ask another")]
    PagesDisagree,
    /// The trail is longer than a client reads.
    #[error("the trail holds {count} events, more than the {max} one check reads: the provider logged an unusual number of accesses; report it")]
    TrailTooLong {
        /// The map's count.
        count: u64,
        /// The cap.
        max: u64,
    },
    /// A grant's commitment or provider key is not hex of 32 bytes.
    #[error("the grant's {field} is not 64 hex digits: the wallet state is damaged")]
    GrantField {
        /// `commitment` or `provider key`.
        field: &'static str,
    },
}
