//! Consent grants: a patient's signed permission for one provider to read chosen record
//! categories, for a purpose, within a time window.
//!
//! A grant is a COSE_Sign1 (EdDSA, alg −8) over a deterministic CBOR claim set ([`grant`]). The
//! log never sees it: it sees [`SignedGrant::commitment`], a salted hash. Every signature in
//! Assent is checked with [`crate::ed25519::verify`], which accepts exactly what `verify_strict`
//! accepts, so the wallet, the provider and the gateway accept exactly the same signatures.

pub mod access;
mod claims;
pub mod entry;
pub mod fhir;
pub mod grant;
pub mod issued;
pub mod ledger_check;
pub mod payload;
pub mod purpose;
pub mod qr;
pub mod release;
pub mod report;
pub mod revocation;
pub mod revocation_check;
pub mod scope;
mod signed;

pub use access::AccessEvent;
pub use entry::{GrantCommitment, LogEntry};
pub use grant::{
    Check, CheckName, CheckOutcome, GrantClaims, GrantDraft, SignedGrant, Verdict, MAX_GRANT_BYTES,
};
pub use purpose::Purpose;
pub use release::ModelRelease;
pub use revocation::Revocation;
pub use scope::Scope;

use crate::hash::{tagged_hash, Domain};

/// Why a grant could not be made or read. Messages say what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConsentError {
    /// The grant is larger than any grant Assent makes.
    #[error("the grant is {len} bytes, more than the {max} a grant may have; it is not an Assent grant: ask the patient to show their consent code again")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// Not a COSE_Sign1 structure.
    #[error("the grant is not a signed COSE structure ({0}); ask the patient to show the code again")]
    NotCose(String),
    /// Signed with another algorithm than EdDSA, or with extra headers.
    #[error("the grant's header is not the one Assent writes (EdDSA only, nothing unprotected); ask the patient to show their consent code again")]
    Header,
    /// The claims are missing, malformed, or of the wrong type.
    #[error("the grant's claims are malformed: {0}; ask the patient to show their consent code again")]
    Claims(String),
    /// The bytes decode but are not in canonical form (a re-encoded grant).
    #[error("the grant is not in canonical form: it was re-encoded after signing, so it is not trusted; ask the patient for a new code")]
    NonCanonical,
    /// A scope is not a valid SMART v2 scope.
    #[error("\"{0}\" is not a SMART v2 scope, e.g. patient/Observation.rs?category=laboratory")]
    Scope(String),
    /// A purpose is not an HL7 PurposeOfUse code Assent knows.
    #[error("\"{0}\" is not a purpose of use Assent knows (e.g. TREAT, HRESCH, PATRQT)")]
    Purpose(String),
    /// The validity window is empty or reversed.
    #[error("the grant's validity window is empty: it must end after it starts")]
    Window,
    /// No scope was chosen.
    #[error("choose at least one category of records to share")]
    NoScopes,
    /// The random number generator failed.
    #[error("the random number generator failed; try again")]
    Random,
    /// A provider key is not 64 hexadecimal digits.
    #[error("{}", ProviderKeyError)]
    ProviderKey,
    /// Signed by a key other than the one the grant requires.
    #[error("signed by the wrong key: a revocation must come from the grant's patient key, an access event from the grant's provider")]
    WrongSigner,
    /// The signature does not verify.
    #[error("the signature does not verify: the object was altered or forged; do not rely on it")]
    BadSignature,
    /// A log entry's kind byte is missing or unknown.
    #[error("not an Assent log entry: {}; submit a grant commitment (1), revocation (2), access event (3) or model release (4)", match .0 { Some(kind) => format!("unknown kind byte {kind}"), None => "it is empty".to_string() })]
    EntryKind(Option<u8>),
    /// The payload does not fit in a QR code.
    #[error("the consent code's text ({len} characters) does not fit in a QR code; choose fewer categories")]
    QrTooLong {
        /// Its length.
        len: usize,
    },
    /// The image's size and its pixel data disagree, or it is too large to scan.
    #[error("cannot scan this image ({width}×{height}, {len} bytes): use a photo or screenshot of at most 16 megapixels")]
    ScanImage {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
        /// Bytes given.
        len: usize,
    },
    /// No QR code in the image.
    #[error("no QR code found in the image; hold the code flat, fill most of the frame, and avoid glare")]
    ScanNotFound,
    /// A QR code was found but could not be read.
    #[error("a QR code was found but could not be read; move closer or improve the light, or paste the code's text")]
    ScanUnreadable,
    /// A QR payload is longer than any Assent writes.
    #[error("the code's text is {len} characters, more than the {max} a consent code may have; it is not an Assent consent code: ask the patient to show their consent code")]
    PayloadTooLarge {
        /// Its length.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// A QR payload does not start with `AS1:` or `AS1/`.
    #[error("this is not an Assent consent code (it does not start with AS1); ask the patient to show their consent code")]
    PayloadPrefix,
    /// The ledger place in an `AS1/<index>:` payload is not a decimal index.
    #[error("the consent code's ledger place is damaged (AS1/ must be followed by an index and a colon); scan it again or ask for a new code")]
    PayloadLedgerIndex,
    /// A QR payload is not valid Base45.
    #[error("the consent code's text is damaged (not valid Base45); scan it again or ask for a new code")]
    PayloadEncoding,
    /// A compressed payload does not inflate within the cap.
    #[error(
        "the consent code's compressed data is damaged or too large; scan it again or ask for a new code"
    )]
    PayloadCompression,
}

/// A provider key that is not 64 hexadecimal digits. Its own type, so code that reads only
/// provider keys (the wallet's page) does not carry every [`ConsentError`] message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a provider id is 64 hexadecimal digits (0-9, a-f); copy it again from the provider's page")]
pub struct ProviderKeyError;

impl From<ProviderKeyError> for ConsentError {
    fn from(_: ProviderKeyError) -> Self {
        ConsentError::ProviderKey
    }
}

/// Reads a provider's public key written as 64 hexadecimal digits (surrounding spaces ignored),
/// as the provider page shows it and the CLI takes it.
pub fn parse_provider_key(text: &str) -> Result<[u8; 32], ProviderKeyError> {
    hex::decode(text.trim()).ok().and_then(|bytes| bytes.try_into().ok()).ok_or(ProviderKeyError)
}

/// A provider's id: the first 16 bytes of its public key hashed under [`Domain::ProviderId`].
/// A grant names its audience by this id.
pub fn provider_id(provider_key: &[u8; 32]) -> [u8; 16] {
    let digest = tagged_hash(Domain::ProviderId, &[provider_key]);
    let mut id = [0u8; 16];
    id.copy_from_slice(&digest[..16]);
    id
}
