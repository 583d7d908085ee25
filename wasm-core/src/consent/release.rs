//! Model releases: the publisher's signed statement that a risk model with this SHA-256 is
//! released under this id, as the ledger's `model` entry.
//!
//! Claims (CBOR map): 1 model SHA-256 (bstr 32), 2 model id (tstr), 3 publisher key (bstr 32).
//! Signed as a COSE_Sign1 of kind model release by the publisher key it names. It names no log:
//! one release can be published on every log, and the wallet checks it on the log it follows.
//! The wallet pins both the model's hash and the publisher key ([`crate::risk::spec`]).

use coset::cbor::value::Value;
use ed25519_dalek::SigningKey;

use super::claims::{self, ClaimMap};
use super::signed::{self, ObjectKind};
use super::ConsentError;
use crate::hash::Digest256;

/// Largest model release accepted.
pub const MAX_MODEL_RELEASE_BYTES: usize = 512;
/// Longest model id accepted.
const MAX_MODEL_ID_LEN: usize = 64;

/// A signed model release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelRelease {
    /// SHA-256 of the model file.
    pub model_sha256: Digest256,
    /// The model's id (for example `pima-logistic-v1`).
    pub model_id: String,
    /// The publisher key that signed the release.
    pub publisher: [u8; 32],
    bytes: Vec<u8>,
}

fn encode(model_sha256: &Digest256, model_id: &str, publisher: &[u8; 32]) -> Result<Vec<u8>, ConsentError> {
    if model_id.is_empty() || model_id.len() > MAX_MODEL_ID_LEN {
        return Err(ConsentError::Claims(format!("a model id has 1 to {MAX_MODEL_ID_LEN} bytes")));
    }
    claims::encode(vec![
        (1, Value::Bytes(model_sha256.to_vec())),
        (2, Value::Text(model_id.to_string())),
        (3, Value::Bytes(publisher.to_vec())),
    ])
}

impl ModelRelease {
    /// The release of the model `model_id` whose file hashes to `model_sha256`, signed by
    /// `publisher`.
    pub fn sign(
        model_sha256: &Digest256,
        model_id: &str,
        publisher: &SigningKey,
    ) -> Result<ModelRelease, ConsentError> {
        let publisher_key = publisher.verifying_key().to_bytes();
        let payload = encode(model_sha256, model_id, &publisher_key)?;
        let bytes = signed::sign(ObjectKind::ModelRelease, payload, publisher)?;
        Ok(ModelRelease {
            model_sha256: *model_sha256,
            model_id: model_id.to_string(),
            publisher: publisher_key,
            bytes,
        })
    }

    /// Reads a release strictly and checks its signature by the key it names.
    pub fn verify(bytes: &[u8]) -> Result<ModelRelease, ConsentError> {
        let payload = signed::read(bytes, MAX_MODEL_RELEASE_BYTES)?;
        let map = ClaimMap::parse(&payload, 3)?;
        let release = ModelRelease {
            model_sha256: map.fixed(1)?,
            model_id: map.text(2)?,
            publisher: map.fixed(3)?,
            bytes: bytes.to_vec(),
        };
        if encode(&release.model_sha256, &release.model_id, &release.publisher)? != payload {
            return Err(ConsentError::NonCanonical);
        }
        if !signed::signature_is_valid(ObjectKind::ModelRelease, bytes, &release.publisher) {
            return Err(ConsentError::BadSignature);
        }
        Ok(release)
    }

    /// Whether this is the release of the model `model_id` with hash `model_sha256` by
    /// `publisher`.
    pub fn releases(&self, model_sha256: &Digest256, model_id: &str, publisher: &[u8; 32]) -> bool {
        self.model_sha256 == *model_sha256 && self.model_id == model_id && self.publisher == *publisher
    }

    /// The signed bytes (what the log stores after the kind byte).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}
