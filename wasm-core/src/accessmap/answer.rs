//! The trail answer a gateway serves for `GET access/<size>/<key hex>[?after=<index>]`: its
//! strict encoding, and its verification against a checkpoint, page by page (module docs).

use super::extension::root_from_checkpoint;
use super::{chain_link, AccessKey, AccessMapError, AccessProof, AccessTrail, CHAIN_START, MAX_PROOF_BYTES};
use crate::consent::entry::MAX_ENTRY_BYTES;
use crate::consent::{AccessEvent, LogEntry};
use crate::hash::Digest256;
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::leaf_hash;

/// The answer format's version byte.
pub const TRAIL_ANSWER_VERSION: u8 = 1;
/// Most events in one answer (page).
pub const MAX_TRAIL_EVENTS: u16 = 1000;
/// Most bytes in one answer (page): 1 MiB.
pub const MAX_TRAIL_ANSWER_BYTES: usize = 1 << 20;
/// The path prefix of trail answers, relative to a gateway's URL prefix.
pub const TRAIL_PATH_PREFIX: &str = "access/";

/// Version byte, proof length.
const HEADER_LEN: usize = 1 + 2;
/// Index and entry length in front of each entry.
const EVENT_HEADER_LEN: usize = 8 + 2;

/// The path of the trail answer for `key` at the checkpoint of `size`: `access/<size>/<key hex>`,
/// with `?after=<index>` for the page of events after `index`.
pub fn trail_path(size: u64, key: &AccessKey, after: Option<u64>) -> String {
    let key = hex::encode(key.as_bytes());
    match after {
        Some(after) => format!("{TRAIL_PATH_PREFIX}{size}/{key}?after={after}"),
        None => format!("{TRAIL_PATH_PREFIX}{size}/{key}"),
    }
}

/// Reads a path [`trail_path`] makes: the size, the key and the page's `after`. `None` for any
/// other path (sizes and indices in decimal digits, the key in 64 hex digits).
pub fn parse_trail_path(path: &str) -> Option<(u64, AccessKey, Option<u64>)> {
    let rest = path.strip_prefix(TRAIL_PATH_PREFIX)?;
    let (rest, after) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(decimal(query.strip_prefix("after=")?)?)),
        None => (rest, None),
    };
    let (size, key) = rest.split_once('/')?;
    let key: [u8; 32] = hex::decode(key).ok()?.try_into().ok()?;
    Some((decimal(size)?, AccessKey::from_bytes(key), after))
}

/// A u64 in decimal digits only (no sign, no spaces).
fn decimal(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// One answer (page) of a key's trail: the map proof and events in log order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailAnswer {
    proof: AccessProof,
    /// `(log index, entry bytes as stored)`, indices increasing.
    events: Vec<(u64, Vec<u8>)>,
}

impl TrailAnswer {
    /// A page for the gateway to serve: `proof`, then as many of `events` (in increasing index
    /// order, each as the log stores it) as fit in [`MAX_TRAIL_EVENTS`] and
    /// [`MAX_TRAIL_ANSWER_BYTES`]. It stops at the first event that does not fit, or that no log
    /// holds (empty, over [`MAX_ENTRY_BYTES`], or not after the one before): the client asks for
    /// the rest with `?after=`.
    pub fn page(proof: AccessProof, events: impl IntoIterator<Item = (u64, Vec<u8>)>) -> TrailAnswer {
        let mut len = HEADER_LEN + proof.to_bytes().len() + 2;
        let mut kept: Vec<(u64, Vec<u8>)> = Vec::new();
        for (index, entry) in events {
            let fits = kept.len() < usize::from(MAX_TRAIL_EVENTS)
                && len + EVENT_HEADER_LEN + entry.len() <= MAX_TRAIL_ANSWER_BYTES;
            let well_formed = (1..=MAX_ENTRY_BYTES).contains(&entry.len())
                && kept.last().is_none_or(|(previous, _)| index > *previous);
            if !fits || !well_formed {
                break;
            }
            len += EVENT_HEADER_LEN + entry.len();
            kept.push((index, entry));
        }
        TrailAnswer { proof, events: kept }
    }

    /// The map proof for the key.
    pub fn proof(&self) -> &AccessProof {
        &self.proof
    }

    /// The events: `(log index, entry bytes as stored)`, in log order.
    pub fn events(&self) -> &[(u64, Vec<u8>)] {
        &self.events
    }

    /// The encoding (module docs).
    pub fn to_bytes(&self) -> Vec<u8> {
        let proof = self.proof.to_bytes();
        let events_len: usize = self.events.iter().map(|(_, entry)| EVENT_HEADER_LEN + entry.len()).sum();
        let mut bytes = Vec::with_capacity(HEADER_LEN + proof.len() + 2 + events_len);
        bytes.push(TRAIL_ANSWER_VERSION);
        // Both fit: a proof is at most MAX_PROOF_BYTES (8,307) and pages at most 1,000 events
        // of at most 4,096 bytes (`page` and `decode` make only those).
        bytes.extend_from_slice(&u16::try_from(proof.len()).unwrap_or(u16::MAX).to_be_bytes());
        bytes.extend_from_slice(&proof);
        bytes.extend_from_slice(&u16::try_from(self.events.len()).unwrap_or(u16::MAX).to_be_bytes());
        for (index, entry) in &self.events {
            bytes.extend_from_slice(&index.to_be_bytes());
            bytes.extend_from_slice(&u16::try_from(entry.len()).unwrap_or(u16::MAX).to_be_bytes());
            bytes.extend_from_slice(entry);
        }
        bytes
    }

    /// Reads an answer strictly: the size cap, version 1, a canonical map proof, at most
    /// [`MAX_TRAIL_EVENTS`] events of 1 to [`MAX_ENTRY_BYTES`] bytes at increasing indices,
    /// nothing after the last. Signatures are checked by [`TrailAnswer::verify`].
    pub fn decode(bytes: &[u8]) -> Result<TrailAnswer, AccessMapError> {
        if bytes.len() > MAX_TRAIL_ANSWER_BYTES {
            return Err(AccessMapError::AnswerTooLarge { len: bytes.len(), max: MAX_TRAIL_ANSWER_BYTES });
        }
        let mut reader = Reader { bytes };
        let [version] = reader.take::<1>()?;
        if version != TRAIL_ANSWER_VERSION {
            return Err(AccessMapError::AnswerVersion(version));
        }
        let proof_len = usize::from(u16::from_be_bytes(reader.take()?));
        if proof_len > MAX_PROOF_BYTES {
            let error = crate::smt::SmtError::ProofTooLarge { len: proof_len, max: MAX_PROOF_BYTES };
            return Err(error.into());
        }
        let proof = AccessProof::decode(reader.slice(proof_len)?)?;
        let count = u16::from_be_bytes(reader.take()?);
        if count > MAX_TRAIL_EVENTS {
            return Err(AccessMapError::TooManyEvents { count, max: MAX_TRAIL_EVENTS });
        }
        let mut events: Vec<(u64, Vec<u8>)> = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let index = u64::from_be_bytes(reader.take()?);
            let len = u16::from_be_bytes(reader.take()?);
            if len == 0 || usize::from(len) > MAX_ENTRY_BYTES {
                return Err(AccessMapError::EntryLength(len));
            }
            if let Some((previous, _)) = events.last() {
                if index <= *previous {
                    return Err(AccessMapError::EventsOutOfOrder { index, previous: *previous });
                }
            }
            events.push((index, reader.slice(usize::from(len))?.to_vec()));
        }
        if !reader.bytes.is_empty() {
            return Err(AccessMapError::AnswerTrailingBytes { extra: reader.bytes.len() });
        }
        Ok(TrailAnswer { proof, events })
    }

    /// Verifies a complete answer (one page holding every event) for `key` against a verified
    /// checkpoint: the events of exactly that key, none hidden and none added (module docs).
    /// A first page of a longer trail is [`AccessMapError::Incomplete`]: use [`TrailVerifier`].
    pub fn verify(
        &self,
        checkpoint: &Checkpoint,
        key: &AccessKey,
    ) -> Result<Vec<TrailEvent>, AccessMapError> {
        TrailVerifier::new(checkpoint, *key, self)?.finish()
    }
}

/// Reads fixed-size fields off the front; running out is a truncated answer.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn slice(&mut self, len: usize) -> Result<&'a [u8], AccessMapError> {
        if self.bytes.len() < len {
            return Err(AccessMapError::AnswerTruncated);
        }
        let (head, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(head)
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], AccessMapError> {
        self.slice(N)?.try_into().map_err(|_| AccessMapError::AnswerTruncated)
    }
}

/// A verified access event of a trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailEvent {
    /// Its log index.
    pub index: u64,
    /// The event, its signature checked.
    pub event: AccessEvent,
    /// The RFC 6962 leaf hash of its entry.
    pub leaf_hash: Digest256,
}

impl TrailEvent {
    /// The log entry's bytes (kind byte and signed event), to prove its inclusion.
    pub fn entry(&self) -> Vec<u8> {
        LogEntry::Access(self.event.clone()).to_bytes()
    }
}

/// Verifies a trail page by page against a verified checkpoint, extending the chain over every
/// event received; [`TrailVerifier::finish`] passes only once the events are exactly the ones
/// the map's value for the key describes.
#[derive(Clone, Debug)]
pub struct TrailVerifier {
    key: AccessKey,
    size: u64,
    root: Digest256,
    /// What the map holds for the key (`None`: no events).
    trail: Option<AccessTrail>,
    chain: Digest256,
    events: Vec<TrailEvent>,
}

impl TrailVerifier {
    /// Starts with the first page of `key`'s trail at `checkpoint` (verified by the caller):
    /// checks its proof against the checkpoint's `access-map` root, and its events.
    pub fn new(
        checkpoint: &Checkpoint,
        key: AccessKey,
        first: &TrailAnswer,
    ) -> Result<TrailVerifier, AccessMapError> {
        let root = root_from_checkpoint(checkpoint)?.ok_or(AccessMapError::NoMapRoot)?;
        let mut verifier = TrailVerifier {
            key,
            size: checkpoint.size,
            root,
            trail: None,
            chain: CHAIN_START,
            events: Vec::new(),
        };
        verifier.trail = verifier.value_of(first)?;
        verifier.add_events(first)?;
        Ok(verifier)
    }

    /// Refuses a trail longer than `max` events (a client's bound on the work of one check).
    pub fn check_length(&self, max: u64) -> Result<(), AccessMapError> {
        match self.trail {
            Some(trail) if trail.count > max => Err(AccessMapError::TrailTooLong { count: trail.count, max }),
            _ => Ok(()),
        }
    }

    /// What the map holds for the key: its count, last index and chain, or `None` (no events).
    pub fn trail(&self) -> Option<AccessTrail> {
        self.trail
    }

    /// The `after` of the next page to fetch, or `None` when every event is in.
    pub fn next_after(&self) -> Option<u64> {
        let trail = self.trail?;
        let last = self.events.last()?;
        (self.received() < trail.count).then_some(last.index)
    }

    /// Adds the page fetched with `?after=` [`TrailVerifier::next_after`].
    pub fn add_page(&mut self, page: &TrailAnswer) -> Result<(), AccessMapError> {
        if self.value_of(page)? != self.trail {
            return Err(AccessMapError::PagesDisagree);
        }
        self.add_events(page)
    }

    /// The verified events, in log order, once every page is in.
    pub fn finish(self) -> Result<Vec<TrailEvent>, AccessMapError> {
        if let Some(after) = self.next_after() {
            let count = self.trail.map_or(0, |trail| trail.count);
            return Err(AccessMapError::Incomplete { received: self.received(), count, after });
        }
        Ok(self.events)
    }

    fn received(&self) -> u64 {
        self.events.len() as u64
    }

    /// The value a page's proof shows at the checkpoint.
    fn value_of(&self, page: &TrailAnswer) -> Result<Option<AccessTrail>, AccessMapError> {
        let trail = page.proof.verify(&self.root, &self.key)?;
        if let Some(trail) = trail {
            if trail.last_index >= self.size {
                return Err(AccessMapError::TrailBeyondCheckpoint {
                    last_index: trail.last_index,
                    size: self.size,
                });
            }
        }
        Ok(trail)
    }

    /// Checks a page's events and adds them. The cheap checks come first (order, sizes, count,
    /// and, once every event is in, the last index and the chain), so a tampered answer is
    /// refused before any signature is checked; then each signature and key.
    fn add_events(&mut self, page: &TrailAnswer) -> Result<(), AccessMapError> {
        let Some(trail) = self.trail else {
            return match page.events.len() {
                0 => Ok(()),
                count => Err(AccessMapError::EventsForAbsentKey { count }),
            };
        };
        let mut received = self.received();
        if page.events.is_empty() && received < trail.count {
            return Err(AccessMapError::MissingEvents { received, count: trail.count });
        }
        let mut previous = self.events.last().map(|event| event.index);
        let mut chain = self.chain;
        let mut leaf_hashes = Vec::with_capacity(page.events.len());
        for (index, entry) in &page.events {
            let index = *index;
            if let Some(previous) = previous.filter(|previous| index <= *previous) {
                return Err(AccessMapError::EventsOutOfOrder { index, previous });
            }
            if index >= self.size {
                return Err(AccessMapError::EventBeyondCheckpoint { index, size: self.size });
            }
            if received >= trail.count {
                return Err(AccessMapError::ExtraEvents { count: trail.count });
            }
            let leaf_hash = leaf_hash(entry);
            chain = chain_link(&chain, index, &leaf_hash);
            leaf_hashes.push(leaf_hash);
            received += 1;
            previous = Some(index);
        }
        if received == trail.count {
            let listed = previous.unwrap_or(0);
            if listed != trail.last_index {
                return Err(AccessMapError::LastIndexMismatch { listed, mapped: trail.last_index });
            }
            if chain != trail.chain {
                return Err(AccessMapError::ChainMismatch);
            }
        }
        let mut verified = Vec::with_capacity(page.events.len());
        for ((index, entry), leaf_hash) in page.events.iter().zip(leaf_hashes) {
            let index = *index;
            let event = match LogEntry::verify(entry) {
                Ok(LogEntry::Access(event)) => event,
                Ok(_) => {
                    let reason = "another kind of entry".to_owned();
                    return Err(AccessMapError::NotAnAccessEvent { index, reason });
                }
                Err(error) => {
                    return Err(AccessMapError::NotAnAccessEvent { index, reason: error.to_string() })
                }
            };
            if AccessKey::of_event(&event) != self.key {
                return Err(AccessMapError::EventForOtherKey { index });
            }
            verified.push(TrailEvent { index, event, leaf_hash });
        }
        self.chain = chain;
        self.events.extend(verified);
        Ok(())
    }
}
