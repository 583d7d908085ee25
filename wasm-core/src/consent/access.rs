//! Access events: a provider's signed record that it used a grant, for the patient's trail.
//!
//! Claims (CBOR map): 1 grant commitment (bstr 32), 2 provider key (bstr 32), 3 scopes used
//! (array of tstr), 4 accessed at (Unix seconds), 5 event id (random, bstr 16).

use coset::cbor::value::Value;
use ed25519_dalek::SigningKey;
use rand_core::TryCryptoRng;

use super::claims::{self, uint, ClaimMap};
use super::signed::{self, ObjectKind};
use super::{provider_id, ConsentError, Scope, SignedGrant};
use crate::hash::Digest256;

/// Largest access event accepted.
pub const MAX_ACCESS_EVENT_BYTES: usize = 2048;
const MAX_SCOPES: usize = 32;

/// A signed access event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessEvent {
    /// The grant used, by commitment.
    pub commitment: Digest256,
    /// The provider's public key.
    pub provider: [u8; 32],
    /// The scopes the provider used.
    pub scopes_used: Vec<Scope>,
    /// When (Unix seconds).
    pub accessed_at: u64,
    /// Random id.
    pub id: [u8; 16],
    bytes: Vec<u8>,
}

fn encode(
    commitment: &Digest256,
    provider: &[u8; 32],
    scopes: &[Scope],
    at: u64,
    id: &[u8; 16],
) -> Result<Vec<u8>, ConsentError> {
    claims::encode(vec![
        (1, Value::Bytes(commitment.to_vec())),
        (2, Value::Bytes(provider.to_vec())),
        (3, Value::Array(scopes.iter().map(|s| Value::Text(s.as_str().to_string())).collect())),
        (4, uint(at)),
        (5, Value::Bytes(id.to_vec())),
    ])
}

impl AccessEvent {
    /// Records that `provider` used `grant` for `scopes_used` at `now`.
    pub fn sign<R: TryCryptoRng + ?Sized>(
        grant: &SignedGrant,
        scopes_used: &[Scope],
        provider: &SigningKey,
        now: u64,
        rng: &mut R,
    ) -> Result<AccessEvent, ConsentError> {
        if scopes_used.is_empty() || scopes_used.len() > MAX_SCOPES {
            return Err(ConsentError::NoScopes);
        }
        let provider_key = provider.verifying_key().to_bytes();
        if provider_id(&provider_key) != grant.claims().audience {
            return Err(ConsentError::WrongSigner);
        }
        let mut id = [0u8; 16];
        rng.try_fill_bytes(&mut id).map_err(|_| ConsentError::Random)?;
        let commitment = grant.commitment();
        let bytes = signed::sign(
            ObjectKind::AccessEvent,
            encode(&commitment, &provider_key, scopes_used, now, &id)?,
            provider,
        )?;
        Ok(AccessEvent {
            commitment,
            provider: provider_key,
            scopes_used: scopes_used.to_vec(),
            accessed_at: now,
            id,
            bytes,
        })
    }

    /// Signs an event naming any commitment, without checking that `provider` is the grant's
    /// audience: what a stranger can put on the log (tests of the access map).
    #[cfg(test)]
    pub(crate) fn sign_for_commitment(
        commitment: &Digest256,
        scopes_used: &[Scope],
        provider: &SigningKey,
        now: u64,
        id: [u8; 16],
    ) -> Result<AccessEvent, ConsentError> {
        let provider_key = provider.verifying_key().to_bytes();
        let payload = encode(commitment, &provider_key, scopes_used, now, &id)?;
        AccessEvent::verify(&signed::sign(ObjectKind::AccessEvent, payload, provider)?)
    }

    /// Reads an access event strictly and checks its signature by the provider key it names.
    pub fn verify(bytes: &[u8]) -> Result<AccessEvent, ConsentError> {
        let payload = signed::read(bytes, MAX_ACCESS_EVENT_BYTES)?;
        let map = ClaimMap::parse(&payload, 5)?;
        let scopes_used = map
            .texts(3, MAX_SCOPES)?
            .into_iter()
            .map(|text| Scope::parse(&text).ok_or(ConsentError::Scope(text)))
            .collect::<Result<Vec<_>, _>>()?;
        let event = AccessEvent {
            commitment: map.fixed(1)?,
            provider: map.fixed(2)?,
            scopes_used,
            accessed_at: map.number(4)?,
            id: map.fixed(5)?,
            bytes: bytes.to_vec(),
        };
        if encode(&event.commitment, &event.provider, &event.scopes_used, event.accessed_at, &event.id)?
            != payload
        {
            return Err(ConsentError::NonCanonical);
        }
        if !signed::signature_is_valid(ObjectKind::AccessEvent, bytes, &event.provider) {
            return Err(ConsentError::BadSignature);
        }
        Ok(event)
    }

    /// Whether this event is about `grant` and signed by the grant's audience.
    pub fn belongs_to(&self, grant: &SignedGrant) -> bool {
        self.commitment == grant.commitment() && provider_id(&self.provider) == grant.claims().audience
    }

    /// The signed bytes (what the log stores).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}
