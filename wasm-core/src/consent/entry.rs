//! What the patient's and provider's apps submit to the ledger, and what the log stores: one
//! signed object per entry, prefixed by a kind byte.
//!
//! | kind byte | object | signed by |
//! |---|---|---|
//! | 1 | [`GrantCommitment`]: a grant's salted commitment and log origin | the grant's pairwise key |
//! | 2 | [`Revocation`] | the grant's pairwise key |
//! | 3 | [`AccessEvent`] | the grant's provider |
//! | 4 | [`ModelRelease`]: a risk model's hash and id | the model's publisher |
//!
//! The log never holds a grant: only its commitment, under a pseudonymous pairwise key. A
//! gateway accepts an entry only if its signature verifies ([`LogEntry::verify`]), so nobody can
//! fill the log with entries in a patient's or provider's name.

use coset::cbor::value::Value;
use ed25519_dalek::SigningKey;

use super::claims::{self, ClaimMap};
use super::signed::{self, ObjectKind};
use super::{AccessEvent, ConsentError, ModelRelease, Revocation, SignedGrant};
use crate::hash::Digest256;

/// Largest entry a gateway accepts (kind byte and signed object).
pub const MAX_ENTRY_BYTES: usize = 4096;
/// Largest grant-commitment object accepted.
pub const MAX_GRANT_COMMITMENT_BYTES: usize = 512;

const KIND_GRANT_COMMITMENT: u8 = 1;
/// The kind byte of a revocation entry.
pub(crate) const KIND_REVOCATION: u8 = 2;
/// The kind byte of an access event entry.
pub(crate) const KIND_ACCESS_EVENT: u8 = 3;
const KIND_MODEL_RELEASE: u8 = 4;

/// A patient's statement that a grant with this commitment exists: what the log holds for a
/// grant. Claims (CBOR map): 1 commitment (bstr 32), 2 issuer pairwise key (bstr 32), 3 log
/// origin (tstr).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantCommitment {
    /// The grant's salted commitment.
    pub commitment: Digest256,
    /// The pairwise key that signed the grant and this statement.
    pub issuer: [u8; 32],
    /// The log it is meant for.
    pub log_origin: String,
    bytes: Vec<u8>,
}

fn encode_commitment(
    commitment: &Digest256,
    issuer: &[u8; 32],
    origin: &str,
) -> Result<Vec<u8>, ConsentError> {
    claims::encode(vec![
        (1, Value::Bytes(commitment.to_vec())),
        (2, Value::Bytes(issuer.to_vec())),
        (3, Value::Text(origin.to_string())),
    ])
}

impl GrantCommitment {
    /// The statement for `grant`, signed with `issuer`, which must be the key that signed it.
    pub fn sign(grant: &SignedGrant, issuer: &SigningKey) -> Result<GrantCommitment, ConsentError> {
        let issuer_key = issuer.verifying_key().to_bytes();
        if issuer_key != grant.claims().issuer {
            return Err(ConsentError::WrongSigner);
        }
        let commitment = grant.commitment();
        let log_origin = grant.claims().log_origin.clone();
        let payload = encode_commitment(&commitment, &issuer_key, &log_origin)?;
        let bytes = signed::sign(ObjectKind::GrantCommitment, payload, issuer)?;
        Ok(GrantCommitment { commitment, issuer: issuer_key, log_origin, bytes })
    }

    /// Reads a statement strictly and checks its signature by the key it names.
    pub fn verify(bytes: &[u8]) -> Result<GrantCommitment, ConsentError> {
        let payload = signed::read(bytes, MAX_GRANT_COMMITMENT_BYTES)?;
        let map = ClaimMap::parse(&payload, 3)?;
        let statement = GrantCommitment {
            commitment: map.fixed(1)?,
            issuer: map.fixed(2)?,
            log_origin: map.text(3)?,
            bytes: bytes.to_vec(),
        };
        if encode_commitment(&statement.commitment, &statement.issuer, &statement.log_origin)? != payload {
            return Err(ConsentError::NonCanonical);
        }
        if !signed::signature_is_valid(ObjectKind::GrantCommitment, bytes, &statement.issuer) {
            return Err(ConsentError::BadSignature);
        }
        Ok(statement)
    }

    /// Whether this statement is the one for `grant`.
    pub fn matches(&self, grant: &SignedGrant) -> bool {
        self.commitment == grant.commitment() && self.issuer == grant.claims().issuer
    }

    /// The signed bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// One entry of the ledger, its signature checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEntry {
    /// A grant exists (by commitment).
    Grant(GrantCommitment),
    /// A grant is revoked.
    Revocation(Revocation),
    /// A provider used a grant.
    Access(AccessEvent),
    /// A risk model was released.
    Model(ModelRelease),
}

impl LogEntry {
    /// Reads an entry (as submitted to `POST /add` and as stored in the log) and checks its
    /// signature. Anything over [`MAX_ENTRY_BYTES`] is refused before parsing.
    pub fn verify(entry: &[u8]) -> Result<LogEntry, ConsentError> {
        if entry.len() > MAX_ENTRY_BYTES {
            return Err(ConsentError::TooLarge { len: entry.len(), max: MAX_ENTRY_BYTES });
        }
        let Some((&kind, object)) = entry.split_first() else {
            return Err(ConsentError::EntryKind(None));
        };
        match kind {
            KIND_GRANT_COMMITMENT => GrantCommitment::verify(object).map(LogEntry::Grant),
            KIND_REVOCATION => Revocation::verify(object).map(LogEntry::Revocation),
            KIND_ACCESS_EVENT => AccessEvent::verify(object).map(LogEntry::Access),
            KIND_MODEL_RELEASE => ModelRelease::verify(object).map(LogEntry::Model),
            other => Err(ConsentError::EntryKind(Some(other))),
        }
    }

    /// The entry's bytes: kind byte, then the signed object.
    pub fn to_bytes(&self) -> Vec<u8> {
        let (kind, object) = match self {
            LogEntry::Grant(statement) => (KIND_GRANT_COMMITMENT, statement.bytes()),
            LogEntry::Revocation(revocation) => (KIND_REVOCATION, revocation.bytes()),
            LogEntry::Access(event) => (KIND_ACCESS_EVENT, event.bytes()),
            LogEntry::Model(release) => (KIND_MODEL_RELEASE, release.bytes()),
        };
        [&[kind][..], object].concat()
    }

    /// The log the entry names, if its kind names one (access events and model releases do not).
    pub fn log_origin(&self) -> Option<&str> {
        match self {
            LogEntry::Grant(statement) => Some(&statement.log_origin),
            LogEntry::Revocation(revocation) => Some(&revocation.log_origin),
            LogEntry::Access(_) | LogEntry::Model(_) => None,
        }
    }

    /// The grant commitment the entry is about, if it is about a grant.
    pub fn commitment(&self) -> Option<&Digest256> {
        match self {
            LogEntry::Grant(statement) => Some(&statement.commitment),
            LogEntry::Revocation(revocation) => Some(&revocation.commitment),
            LogEntry::Access(event) => Some(&event.commitment),
            LogEntry::Model(_) => None,
        }
    }
}
