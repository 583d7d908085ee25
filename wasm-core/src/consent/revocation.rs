//! Revocations: the patient, with the same pairwise key that signed a grant, withdraws it.
//!
//! Claims (CBOR map): 1 grant commitment (bstr 32), 2 issuer pairwise key (bstr 32),
//! 3 revoked at (Unix seconds), 4 log origin (tstr). Signed as a COSE_Sign1 of kind revocation.
//! It names the grant only by its commitment, so the log learns nothing more than the grant's
//! own entry revealed.

use coset::cbor::value::Value;
use ed25519_dalek::SigningKey;

use super::claims::{self, uint, ClaimMap};
use super::signed::{self, ObjectKind};
use super::{ConsentError, SignedGrant};
use crate::hash::Digest256;

/// Largest revocation accepted.
pub const MAX_REVOCATION_BYTES: usize = 512;

/// A signed revocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// The revoked grant's commitment.
    pub commitment: Digest256,
    /// The pairwise key that signed the grant and this revocation.
    pub issuer: [u8; 32],
    /// When it was revoked (Unix seconds).
    pub revoked_at: u64,
    /// The log the grant is on.
    pub log_origin: String,
    bytes: Vec<u8>,
}

fn encode(
    commitment: &Digest256,
    issuer: &[u8; 32],
    revoked_at: u64,
    log_origin: &str,
) -> Result<Vec<u8>, ConsentError> {
    claims::encode(vec![
        (1, Value::Bytes(commitment.to_vec())),
        (2, Value::Bytes(issuer.to_vec())),
        (3, uint(revoked_at)),
        (4, Value::Text(log_origin.to_string())),
    ])
}

impl Revocation {
    /// Revokes `grant` at `now`, signed with `issuer`, which must be the key that signed it.
    pub fn sign(grant: &SignedGrant, issuer: &SigningKey, now: u64) -> Result<Revocation, ConsentError> {
        let issuer_key = issuer.verifying_key().to_bytes();
        if issuer_key != grant.claims().issuer {
            return Err(ConsentError::WrongSigner);
        }
        let commitment = grant.commitment();
        let log_origin = grant.claims().log_origin.clone();
        let payload = encode(&commitment, &issuer_key, now, &log_origin)?;
        let bytes = signed::sign(ObjectKind::Revocation, payload, issuer)?;
        Ok(Revocation { commitment, issuer: issuer_key, revoked_at: now, log_origin, bytes })
    }

    /// Reads a revocation strictly and checks its signature by the key it names.
    pub fn verify(bytes: &[u8]) -> Result<Revocation, ConsentError> {
        let payload = signed::read(bytes, MAX_REVOCATION_BYTES)?;
        let map = ClaimMap::parse(&payload, 4)?;
        let revocation = Revocation {
            commitment: map.fixed(1)?,
            issuer: map.fixed(2)?,
            revoked_at: map.number(3)?,
            log_origin: map.text(4)?,
            bytes: bytes.to_vec(),
        };
        let canonical = encode(
            &revocation.commitment,
            &revocation.issuer,
            revocation.revoked_at,
            &revocation.log_origin,
        )?;
        if canonical != payload {
            return Err(ConsentError::NonCanonical);
        }
        if !signed::signature_is_valid(ObjectKind::Revocation, bytes, &revocation.issuer) {
            return Err(ConsentError::BadSignature);
        }
        Ok(revocation)
    }

    /// Whether this revocation withdraws `grant`: same commitment, signed by the grant's issuer.
    pub fn revokes(&self, grant: &SignedGrant) -> bool {
        self.commitment == grant.commitment() && self.issuer == grant.claims().issuer
    }

    /// The signed bytes (what the log stores).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}
