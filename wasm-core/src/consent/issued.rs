//! The patient's own list of the grants this wallet signed, kept in the sealed wallet state:
//! what each grant says, its code, and its revocation once revoked.

use serde::{Deserialize, Serialize};

use ed25519_dalek::SigningKey;

use super::{payload, ConsentError, GrantCommitment, LogEntry, Revocation, SignedGrant};

/// A grant this wallet signed, as the wallet remembers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedGrant {
    /// The grant's random id (hex).
    pub id: String,
    /// The provider's public key (hex): the pairwise key to revoke with is derived from it.
    pub provider_key: String,
    /// SMART v2 scopes granted.
    pub scopes: Vec<String>,
    /// HL7 PurposeOfUse code.
    pub purpose: String,
    /// When it was signed (Unix seconds).
    pub issued_at: u64,
    /// Valid from (Unix seconds).
    pub not_before: u64,
    /// Valid until (Unix seconds, exclusive).
    pub expires_at: u64,
    /// The log commitment (hex): what the ledger holds for this grant.
    pub commitment: String,
    /// The consent code's text (`AS1:…`), to show the code again.
    pub payload: String,
    /// The revocation, once revoked.
    pub revocation: Option<IssuedRevocation>,
    /// Where the ledger holds the grant's commitment, once its inclusion was verified.
    #[serde(default)]
    pub ledger: Option<OnLedger>,
}

/// An entry's verified place on the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnLedger {
    /// The entry's index in the log.
    pub index: u64,
    /// The size of the verified checkpoint its inclusion was proven in.
    pub checkpoint_size: u64,
}

/// A revocation this wallet signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedRevocation {
    /// When it was revoked (Unix seconds).
    pub revoked_at: u64,
    /// The signed revocation (hex of its COSE bytes): what goes to the ledger.
    pub signed: String,
    /// Where the ledger holds it, once its inclusion was verified.
    #[serde(default)]
    pub ledger: Option<OnLedger>,
}

impl IssuedRevocation {
    /// The log entry for this revocation, to submit to the ledger.
    pub fn log_entry(&self) -> Result<Vec<u8>, ConsentError> {
        let bytes = hex::decode(&self.signed).map_err(|_| ConsentError::NotCose("not hexadecimal".into()))?;
        Ok(LogEntry::Revocation(Revocation::verify(&bytes)?).to_bytes())
    }
}

/// Where a grant stands for the patient at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantStatus {
    /// Signed, but its validity window has not started.
    NotYetValid,
    /// Within its window and not revoked.
    Active,
    /// Past its expiry.
    Expired,
    /// Revoked by the patient, and the revocation is not yet verified on the ledger (a provider
    /// checking the ledger does not see it yet).
    Revoking,
    /// Revoked by the patient (whatever its dates), the revocation verified on the ledger.
    Revoked,
}

impl GrantStatus {
    /// The status in one plain word, as the grant list shows it.
    pub fn word(self) -> &'static str {
        match self {
            GrantStatus::NotYetValid => "not yet valid",
            GrantStatus::Active => "active",
            GrantStatus::Expired => "expired",
            GrantStatus::Revoking => "revoking",
            GrantStatus::Revoked => "revoked",
        }
    }
}

impl IssuedGrant {
    /// The entry for a grant just signed for the provider whose public key is `provider_key`.
    pub fn new(grant: &SignedGrant, provider_key: &[u8; 32], payload: String) -> IssuedGrant {
        let claims = grant.claims();
        IssuedGrant {
            id: hex::encode(claims.id),
            provider_key: hex::encode(provider_key),
            scopes: claims.scopes.iter().map(|s| s.as_str().to_string()).collect(),
            purpose: claims.purpose.code().to_string(),
            issued_at: claims.issued_at,
            not_before: claims.not_before,
            expires_at: claims.expires_at,
            commitment: hex::encode(grant.commitment()),
            payload,
            revocation: None,
            ledger: None,
        }
    }

    /// The log entry for this grant (its commitment, signed with `issuer`, the pairwise key that
    /// signed it), to submit to the ledger. Ed25519 signing is deterministic: the same grant
    /// always gives the same entry, so submitting it again finds the same index.
    pub fn log_entry(&self, issuer: &SigningKey) -> Result<Vec<u8>, ConsentError> {
        let grant = SignedGrant::decode(&payload::decode(&self.payload)?)?;
        Ok(LogEntry::Grant(GrantCommitment::sign(&grant, issuer)?).to_bytes())
    }

    /// The code to show: with the grant's ledger place (`AS1/<index>:`) once it is on the
    /// ledger, so the provider can check it there.
    pub fn code(&self) -> String {
        self.ledger
            .and_then(|place| payload::with_ledger_index(&self.payload, place.index).ok())
            .unwrap_or_else(|| self.payload.clone())
    }

    /// Whether an entry of this grant still waits to be put on the ledger: its commitment, or
    /// its revocation once revoked (signed offline, or the gateway did not answer).
    pub fn awaits_ledger(&self) -> bool {
        self.ledger.is_none()
            || self.revocation.as_ref().is_some_and(|revocation| revocation.ledger.is_none())
    }

    /// The status at `now` (Unix seconds). A revocation outranks the dates; it is "revoked" once
    /// its inclusion in the ledger is verified, "revoking" until then.
    pub fn status(&self, now: u64) -> GrantStatus {
        if let Some(revocation) = &self.revocation {
            if revocation.ledger.is_some() {
                GrantStatus::Revoked
            } else {
                GrantStatus::Revoking
            }
        } else if now >= self.expires_at {
            GrantStatus::Expired
        } else if now < self.not_before {
            GrantStatus::NotYetValid
        } else {
            GrantStatus::Active
        }
    }

    /// Signs the revocation of this grant at `now` with `issuer`, which must be the pairwise key
    /// that signed it. The caller stores it in [`IssuedGrant::revocation`] and sends its
    /// `signed` bytes to the ledger.
    pub fn revoke(&self, issuer: &SigningKey, now: u64) -> Result<IssuedRevocation, ConsentError> {
        let grant = SignedGrant::decode(&payload::decode(&self.payload)?)?;
        let revocation = Revocation::sign(&grant, issuer, now)?;
        Ok(IssuedRevocation {
            revoked_at: revocation.revoked_at,
            signed: hex::encode(revocation.bytes()),
            ledger: None,
        })
    }
}
