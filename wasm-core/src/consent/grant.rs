//! The grant: claims, CBOR encoding, COSE_Sign1 signing, strict decoding and the verdict.
//!
//! Claims are a CBOR map with small integer keys, written in key order with minimal-length
//! integers, so one set of claims has exactly one encoding:
//!
//! | key | claim | CBOR type |
//! |---|---|---|
//! | 1 | id (random, 128 bits) | bstr 16 |
//! | 2 | issuer: the patient's pairwise Ed25519 public key | bstr 32 |
//! | 3 | audience: the provider's id ([`provider_id`] of its Ed25519 key) | bstr 16 |
//! | 4 | SMART v2 scopes | array of tstr |
//! | 5 | purpose ([`Purpose::wire_number`] of an HL7 PurposeOfUse code) | uint |
//! | 6, 7, 8 | `iat`, `nbf`, `exp` (Unix seconds) | uint |
//! | 9 | log origin | tstr |
//! | 10 | salt (random, 128 bits) | bstr 16 |
//!
//! A decoder re-encodes what it read and refuses anything that differs from the input, so a
//! grant re-encoded after signing is never accepted, even if its signature happened to verify.

use coset::cbor::value::Value;
use ed25519_dalek::SigningKey;
use rand_core::TryCryptoRng;

use super::claims::{self, uint, ClaimMap};
use super::fhir::rfc3339;
use super::signed::{self, ObjectKind};
use super::{provider_id, ConsentError, Purpose, Scope};
use crate::hash::{tagged_hash, Digest256, Domain};

/// Largest grant (COSE bytes) accepted; Assent's grants are a few hundred bytes.
pub const MAX_GRANT_BYTES: usize = 2048;
const MAX_SCOPES: usize = 32;
const MAX_ORIGIN_LEN: usize = 256;

/// What a grant says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantClaims {
    /// Random id.
    pub id: [u8; 16],
    /// The patient's pairwise public key for this provider.
    pub issuer: [u8; 32],
    /// The provider's id ([`provider_id`] of its public key).
    pub audience: [u8; 16],
    /// What may be read.
    pub scopes: Vec<Scope>,
    /// Why.
    pub purpose: Purpose,
    /// When it was signed (Unix seconds).
    pub issued_at: u64,
    /// Valid from (inclusive).
    pub not_before: u64,
    /// Valid until (exclusive): at `expires_at` the grant has expired.
    pub expires_at: u64,
    /// The transparency log it is committed to.
    pub log_origin: String,
    /// Random salt of the log commitment.
    pub salt: [u8; 16],
}

/// A grant to be signed: what the patient chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantDraft {
    /// The provider's public key.
    pub audience: [u8; 32],
    /// SMART v2 scopes, validated when signing.
    pub scopes: Vec<String>,
    /// HL7 PurposeOfUse code.
    pub purpose: String,
    /// Valid from (Unix seconds).
    pub not_before: u64,
    /// Valid until (Unix seconds, exclusive).
    pub expires_at: u64,
    /// The log origin, e.g. `assent.example/log`.
    pub log_origin: String,
}

/// A signed grant: its claims and its exact bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedGrant {
    claims: GrantClaims,
    bytes: Vec<u8>,
}

impl GrantDraft {
    /// Validates the draft and signs it with the patient's pairwise key at time `now`.
    pub fn sign<R: TryCryptoRng + ?Sized>(
        self,
        issuer: &SigningKey,
        now: u64,
        rng: &mut R,
    ) -> Result<SignedGrant, ConsentError> {
        if self.scopes.is_empty() {
            return Err(ConsentError::NoScopes);
        }
        if self.scopes.len() > MAX_SCOPES {
            return Err(ConsentError::Claims(format!("more than {MAX_SCOPES} scopes")));
        }
        let scopes = self
            .scopes
            .iter()
            .map(|s| Scope::parse(s).ok_or_else(|| ConsentError::Scope(s.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let purpose = Purpose::from_code(&self.purpose).ok_or(ConsentError::Purpose(self.purpose))?;
        if self.expires_at <= self.not_before {
            return Err(ConsentError::Window);
        }
        if self.log_origin.is_empty() || self.log_origin.len() > MAX_ORIGIN_LEN {
            return Err(ConsentError::Claims("the log origin must be 1 to 256 characters".into()));
        }
        let mut id = [0u8; 16];
        let mut salt = [0u8; 16];
        rng.try_fill_bytes(&mut id).map_err(|_| ConsentError::Random)?;
        rng.try_fill_bytes(&mut salt).map_err(|_| ConsentError::Random)?;
        let claims = GrantClaims {
            id,
            issuer: issuer.verifying_key().to_bytes(),
            audience: provider_id(&self.audience),
            scopes,
            purpose,
            issued_at: now,
            not_before: self.not_before,
            expires_at: self.expires_at,
            log_origin: self.log_origin,
            salt,
        };
        let bytes = signed::sign(ObjectKind::Grant, encode_claims(&claims)?, issuer)?;
        Ok(SignedGrant { claims, bytes })
    }
}

impl SignedGrant {
    /// Reads a grant strictly: size cap, COSE_Sign1 with exactly Assent's header, well-formed
    /// claims, canonical encoding throughout. Does **not** check the signature or the time;
    /// [`verify`] does.
    pub fn decode(bytes: &[u8]) -> Result<SignedGrant, ConsentError> {
        let payload = signed::read(bytes, MAX_GRANT_BYTES)?;
        let claims = decode_claims(&payload)?;
        if encode_claims(&claims)? != payload {
            return Err(ConsentError::NonCanonical);
        }
        Ok(SignedGrant { claims, bytes: bytes.to_vec() })
    }

    /// The claims.
    pub fn claims(&self) -> &GrantClaims {
        &self.claims
    }

    /// The exact signed bytes (what the QR code carries).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The log commitment: `SHA-256` under [`Domain::GrantCommitment`] of the salt and the
    /// signed bytes. Reveals nothing about the grant without the grant itself.
    pub fn commitment(&self) -> Digest256 {
        tagged_hash(Domain::GrantCommitment, &[&self.claims.salt, &self.bytes])
    }

    fn signature_is_valid(&self) -> bool {
        signed::signature_is_valid(ObjectKind::Grant, &self.bytes, &self.claims.issuer)
    }
}

/// One check of a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CheckName {
    /// The bytes are a well-formed, canonical Assent grant.
    Format,
    /// The patient's signature (`verify_strict`).
    Signature,
    /// The grant names this provider.
    Audience,
    /// The grant has started (`nbf`).
    NotBefore,
    /// The grant has not expired (`exp`).
    Expiry,
    /// The grant is on the transparency log.
    Ledger,
    /// The grant has not been revoked.
    Revocation,
}

/// How one check came out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CheckOutcome {
    /// Checked and fine; the detail says what was seen.
    Passed(String),
    /// Checked and failed; the reason says why.
    Failed(String),
    /// Not checked (yet); never to be shown as valid.
    NotChecked(String),
    /// Proven, but only against the last checkpoint this client verified, because no gateway
    /// answered: shown amber with its age, never as passed. A failure found offline is `Failed`.
    Offline {
        /// "offline, as of checkpoint S, N minutes old" (or "of unknown age").
        as_of: String,
        /// What was proven against that checkpoint, and what to do.
        result: String,
    },
}

impl CheckOutcome {
    /// The outcome's text as shown: what was seen, why it failed or was not checked, or for an
    /// offline result "as of …: result".
    pub fn detail(&self) -> String {
        match self {
            CheckOutcome::Passed(text) | CheckOutcome::Failed(text) | CheckOutcome::NotChecked(text) => {
                text.clone()
            }
            CheckOutcome::Offline { as_of, result } => format!("{as_of}: {result}"),
        }
    }
}

/// One line of a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// Which check.
    pub name: CheckName,
    /// Its outcome.
    pub outcome: CheckOutcome,
}

/// Every check a provider runs on a grant, each with its outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The grant, if it could be read.
    pub grant: Option<SignedGrant>,
    /// The checks, in order.
    pub checks: Vec<Check>,
}

impl Verdict {
    /// True when no check failed and format, signature and the validity window passed. The
    /// audience, ledger and revocation may be "not checked": callers must show those as such.
    pub fn offline_checks_pass(&self) -> bool {
        let passed = |name| self.passed(name);
        self.checks.iter().all(|check| !matches!(check.outcome, CheckOutcome::Failed(_)))
            && [CheckName::Format, CheckName::Signature, CheckName::NotBefore, CheckName::Expiry]
                .into_iter()
                .all(passed)
    }

    /// Replaces the outcome of the check `name` (a verdict lists each check once).
    pub fn set(&mut self, name: CheckName, outcome: CheckOutcome) {
        if let Some(check) = self.checks.iter_mut().find(|check| check.name == name) {
            check.outcome = outcome;
        }
    }

    /// Whether the check `name` passed.
    pub fn passed(&self, name: CheckName) -> bool {
        self.checks.iter().any(|c| c.name == name && matches!(c.outcome, CheckOutcome::Passed(_)))
    }

    /// The reasons of the failed checks.
    pub fn failures(&self) -> Vec<(CheckName, String)> {
        self.checks
            .iter()
            .filter_map(|check| match &check.outcome {
                CheckOutcome::Failed(reason) => Some((check.name, reason.clone())),
                _ => None,
            })
            .collect()
    }
}

/// The revocation check's outcome before anything checked it.
pub(crate) const REVOCATION_NOT_CHECKED: &str = "revocation not checked";

fn not_checked(name: CheckName, why: &str) -> Check {
    Check { name, outcome: CheckOutcome::NotChecked(why.to_string()) }
}

impl Verdict {
    /// The verdict on bytes that could not be read as a grant.
    pub fn unreadable(error: ConsentError) -> Verdict {
        let format = Check { name: CheckName::Format, outcome: CheckOutcome::Failed(error.to_string()) };
        Verdict {
            grant: None,
            checks: vec![
                format,
                not_checked(CheckName::Ledger, "ledger not checked"),
                not_checked(CheckName::Revocation, REVOCATION_NOT_CHECKED),
            ],
        }
    }
}

/// Verifies a grant offline: format, signature, audience (when one is expected) and validity
/// window at `now`. Ledger and revocation are reported "not checked" (the ledger issues add them).
pub fn verify(bytes: &[u8], now: u64, expected_audience: Option<&[u8; 32]>) -> Verdict {
    let ledger = not_checked(CheckName::Ledger, "ledger not checked");
    let revocation = not_checked(CheckName::Revocation, REVOCATION_NOT_CHECKED);
    let grant = match SignedGrant::decode(bytes) {
        Ok(grant) => grant,
        Err(error) => return Verdict::unreadable(error),
    };
    let claims = grant.claims();
    let outcome = |ok: bool, passed: String, failed: String| {
        if ok {
            CheckOutcome::Passed(passed)
        } else {
            CheckOutcome::Failed(failed)
        }
    };
    let checks = vec![
        Check { name: CheckName::Format, outcome: CheckOutcome::Passed("a well-formed Assent grant".into()) },
        Check {
            name: CheckName::Signature,
            outcome: outcome(
                grant.signature_is_valid(),
                "signed by the patient's key".into(),
                "the signature does not match: the grant was altered or forged; do not rely on it, and ask the patient for a new code".into(),
            ),
        },
        Check {
            name: CheckName::Audience,
            outcome: match expected_audience {
                Some(expected) => outcome(
                    claims.audience == provider_id(expected),
                    "issued to this provider".into(),
                    "issued to another provider, not to you; ask the patient for a code given to your provider id".into(),
                ),
                None => CheckOutcome::NotChecked("no provider given to check the audience against".into()),
            },
        },
        Check {
            name: CheckName::NotBefore,
            outcome: outcome(
                now >= claims.not_before,
                format!("valid since {}", rfc3339(claims.not_before)),
                format!(
                    "not valid until {} (now {}); check it again from then",
                    rfc3339(claims.not_before),
                    rfc3339(now)
                ),
            ),
        },
        Check {
            name: CheckName::Expiry,
            outcome: outcome(
                now < claims.expires_at,
                format!("valid until {}", rfc3339(claims.expires_at)),
                format!(
                    "expired at {} (now {}); ask the patient for a new code",
                    rfc3339(claims.expires_at),
                    rfc3339(now)
                ),
            ),
        },
        ledger,
        revocation,
    ];
    Verdict { grant: Some(grant), checks }
}

fn encode_claims(claims: &GrantClaims) -> Result<Vec<u8>, ConsentError> {
    claims::encode(vec![
        (1, Value::Bytes(claims.id.to_vec())),
        (2, Value::Bytes(claims.issuer.to_vec())),
        (3, Value::Bytes(claims.audience.to_vec())),
        (4, Value::Array(claims.scopes.iter().map(|s| Value::Text(s.as_str().to_string())).collect())),
        (5, uint(u64::from(claims.purpose.wire_number()))),
        (6, uint(claims.issued_at)),
        (7, uint(claims.not_before)),
        (8, uint(claims.expires_at)),
        (9, Value::Text(claims.log_origin.clone())),
        (10, Value::Bytes(claims.salt.to_vec())),
    ])
}

fn decode_claims(payload: &[u8]) -> Result<GrantClaims, ConsentError> {
    let map = ClaimMap::parse(payload, 10)?;
    let scopes = map
        .texts(4, MAX_SCOPES)?
        .into_iter()
        .map(|text| Scope::parse(&text).ok_or(ConsentError::Scope(text)))
        .collect::<Result<Vec<_>, _>>()?;
    let purpose_number = map.number(5)?;
    let purpose =
        Purpose::from_wire_number(purpose_number).ok_or(ConsentError::Purpose(purpose_number.to_string()))?;
    let log_origin = map.text(9)?;
    if log_origin.is_empty() || log_origin.len() > MAX_ORIGIN_LEN {
        return Err(ConsentError::Claims("the log origin is out of range".into()));
    }
    let claims = GrantClaims {
        id: map.fixed(1)?,
        issuer: map.fixed(2)?,
        audience: map.fixed(3)?,
        scopes,
        purpose,
        issued_at: map.number(6)?,
        not_before: map.number(7)?,
        expires_at: map.number(8)?,
        log_origin,
        salt: map.fixed(10)?,
    };
    if claims.expires_at <= claims.not_before {
        return Err(ConsentError::Window);
    }
    Ok(claims)
}
