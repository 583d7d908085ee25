//! The COSE_Sign1 envelope shared by grants, revocations, access events and model releases: EdDSA only, and the
//! object's kind bound into the signature as COSE *external AAD* (RFC 9052 §4.3). The label is
//! never transmitted (zero bytes on the QR code), yet a revocation's signature can never verify
//! as a grant's, nor an access event's as either. Reading is strict: size cap, exactly this
//! header, canonical bytes.

use coset::{iana, CborSerializable, CoseSign1, CoseSign1Builder, HeaderBuilder};
use ed25519_dalek::{Signer, SigningKey};

use super::claims::cose_reason;
use super::ConsentError;
use crate::ed25519;

/// What a signed object is; its label is the signature's external AAD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ObjectKind {
    Grant,
    Revocation,
    AccessEvent,
    GrantCommitment,
    ModelRelease,
}

impl ObjectKind {
    fn external_aad(self) -> &'static [u8] {
        match self {
            ObjectKind::Grant => b"assent/v1/grant",
            ObjectKind::Revocation => b"assent/v1/revocation",
            ObjectKind::AccessEvent => b"assent/v1/access-event",
            ObjectKind::GrantCommitment => b"assent/v1/grant-commitment",
            ObjectKind::ModelRelease => b"assent/v1/model-release",
        }
    }
}

fn header() -> coset::Header {
    HeaderBuilder::new().algorithm(iana::Algorithm::EdDSA).build()
}

/// Signs `payload` as an object of `kind`.
pub(crate) fn sign(kind: ObjectKind, payload: Vec<u8>, key: &SigningKey) -> Result<Vec<u8>, ConsentError> {
    CoseSign1Builder::new()
        .protected(header())
        .payload(payload)
        .create_signature(kind.external_aad(), |to_be_signed| key.sign(to_be_signed).to_bytes().to_vec())
        .build()
        .to_vec()
        .map_err(|e| ConsentError::NotCose(cose_reason(&e)))
}

/// Reads a signed object strictly and returns its payload; the signature (which binds the kind)
/// is checked separately with [`signature_is_valid`] once the payload names the signer.
pub(crate) fn read(bytes: &[u8], max_len: usize) -> Result<Vec<u8>, ConsentError> {
    if bytes.len() > max_len {
        return Err(ConsentError::TooLarge { len: bytes.len(), max: max_len });
    }
    let sign1 = CoseSign1::from_slice(bytes).map_err(|e| ConsentError::NotCose(cose_reason(&e)))?;
    if sign1.protected.header != header() || !sign1.unprotected.is_empty() {
        return Err(ConsentError::Header);
    }
    if sign1.clone().to_vec().ok().as_deref() != Some(bytes) {
        return Err(ConsentError::NonCanonical);
    }
    sign1.payload.ok_or_else(|| ConsentError::Claims("no payload".into()))
}

/// Whether `bytes` (already read with [`read`]) carry a valid signature by `signer` over an
/// object of `kind`.
pub(crate) fn signature_is_valid(kind: ObjectKind, bytes: &[u8], signer: &[u8; 32]) -> bool {
    let Ok(sign1) = CoseSign1::from_slice(bytes) else { return false };
    sign1
        .verify_signature(kind.external_aad(), |signature, to_be_signed| {
            let signature: [u8; 64] = signature.try_into().map_err(|_| ())?;
            ed25519::verify(signer, to_be_signed, &signature).then_some(()).ok_or(())
        })
        .is_ok()
}
