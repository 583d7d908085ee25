//! The QR payload: `AS1:` followed by Base45 of the grant's bytes, zlib-compressed only when
//! that makes them shorter. Base45 and the prefix use only QR alphanumeric characters, so the
//! code is encoded in alphanumeric mode.
//!
//! The two forms are told apart by their first byte: an untagged COSE_Sign1 starts with `0x84`
//! (a 4-element array), a zlib stream with `0x78`. Inflating is capped at
//! [`MAX_GRANT_BYTES`](super::MAX_GRANT_BYTES), and text over [`MAX_PAYLOAD_LEN`] is refused
//! before any parsing.

use super::{grant, ConsentError, Verdict, MAX_GRANT_BYTES};

/// The payload's prefix (scheme and version).
pub const PREFIX: &str = "AS1:";
/// Longest payload text accepted: 4 KiB.
pub const MAX_PAYLOAD_LEN: usize = 4096;
const ZLIB_FIRST_BYTE: u8 = 0x78;
const COSE_SIGN1_FIRST_BYTE: u8 = 0x84;

/// The QR payload for a grant's bytes.
pub fn encode(grant_bytes: &[u8]) -> String {
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(grant_bytes, 10);
    let body = if compressed.len() < grant_bytes.len() { &compressed } else { grant_bytes };
    format!("{PREFIX}{}", base45::encode(body))
}

/// The grant's bytes from a QR payload. Surrounding white space is ignored.
pub fn decode(text: &str) -> Result<Vec<u8>, ConsentError> {
    if text.len() > MAX_PAYLOAD_LEN {
        return Err(ConsentError::PayloadTooLarge { len: text.len(), max: MAX_PAYLOAD_LEN });
    }
    let body = text.trim().strip_prefix(PREFIX).ok_or(ConsentError::PayloadPrefix)?;
    let bytes = base45::decode(body).map_err(|_| ConsentError::PayloadEncoding)?;
    match bytes.first() {
        Some(&ZLIB_FIRST_BYTE) => {
            miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&bytes, MAX_GRANT_BYTES)
                .map_err(|_| ConsentError::PayloadCompression)
        }
        Some(&COSE_SIGN1_FIRST_BYTE) => Ok(bytes),
        _ => Err(ConsentError::PayloadEncoding),
    }
}

/// Decodes and verifies a payload in one step; a payload that does not decode gives a verdict
/// whose format check failed, with the reason.
pub fn verify(text: &str, now: u64, expected_audience: Option<&[u8; 32]>) -> Verdict {
    match decode(text) {
        Ok(bytes) => grant::verify(&bytes, now, expected_audience),
        Err(error) => Verdict::unreadable(error),
    }
}
