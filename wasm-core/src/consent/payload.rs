//! The QR payload: `AS1:` followed by Base45 of the grant's bytes, zlib-compressed only when
//! that makes them shorter. Base45 and the prefix use only QR alphanumeric characters, so the
//! code is encoded in alphanumeric mode.
//!
//! Once the grant is on the ledger, the wallet shows `AS1/<index>:` instead of `AS1:`: the same
//! grant with the index of its commitment in the log, in decimal. The index is a hint, outside
//! the signature: the provider reads the entry there and checks that it is this grant's
//! commitment, so a wrong index can only fail the ledger check. It tells the gateway less than a
//! lookup by commitment would: the provider fetches the tiles around the index, as anyone may.
//!
//! The two forms are told apart by their first byte: an untagged COSE_Sign1 starts with `0x84`
//! (a 4-element array), a zlib stream with `0x78`. Inflating is capped at
//! [`MAX_GRANT_BYTES`](super::MAX_GRANT_BYTES), and text over [`MAX_PAYLOAD_LEN`] is refused
//! before any parsing.

use super::{grant, ConsentError, Verdict, MAX_GRANT_BYTES};

/// The payload's prefix (scheme and version).
pub const PREFIX: &str = "AS1:";
/// The prefix of a payload with a ledger place: `AS1/<index>:`.
pub const PLACED_PREFIX: &str = "AS1/";
/// Most digits in a ledger index (`u64::MAX` has 20).
const MAX_INDEX_DIGITS: usize = 20;
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

/// The payload `code` (either form) with the ledger place `index`.
pub fn with_ledger_index(code: &str, index: u64) -> Result<String, ConsentError> {
    let (body, _) = split(code)?;
    Ok(format!("{PLACED_PREFIX}{index}:{body}"))
}

/// The grant's ledger index, if the payload carries one (see the module notes).
pub fn ledger_index(text: &str) -> Result<Option<u64>, ConsentError> {
    split(text).map(|(_, index)| index)
}

/// The Base45 body and the ledger index of a payload, its length and prefix checked.
fn split(text: &str) -> Result<(&str, Option<u64>), ConsentError> {
    if text.len() > MAX_PAYLOAD_LEN {
        return Err(ConsentError::PayloadTooLarge { len: text.len(), max: MAX_PAYLOAD_LEN });
    }
    let text = text.trim();
    if let Some(body) = text.strip_prefix(PREFIX) {
        return Ok((body, None));
    }
    let placed = text.strip_prefix(PLACED_PREFIX).ok_or(ConsentError::PayloadPrefix)?;
    let (digits, body) = placed.split_once(':').ok_or(ConsentError::PayloadLedgerIndex)?;
    let canonical = !digits.is_empty()
        && digits.len() <= MAX_INDEX_DIGITS
        && digits.bytes().all(|b| b.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'));
    let index = digits.parse::<u64>().ok().filter(|_| canonical).ok_or(ConsentError::PayloadLedgerIndex)?;
    Ok((body, Some(index)))
}

/// The grant's bytes from a QR payload (either form). Surrounding white space is ignored.
pub fn decode(text: &str) -> Result<Vec<u8>, ConsentError> {
    let (body, _) = split(text)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Result<Option<u64>, ConsentError>) {
        assert_eq!(ledger_index(text), expected, "{text}");
    }

    #[test]
    fn the_ledger_place_is_read_strictly_and_changes_nothing_else() {
        let plain = encode(b"\x84 not a real grant, only bytes");
        let placed = with_ledger_index(&plain, 17).expect("plain code");
        assert_eq!(placed, format!("AS1/17:{}", plain.strip_prefix(PREFIX).expect("prefix")));
        assert_eq!(decode(&placed), decode(&plain));
        assert_eq!(with_ledger_index(&placed, 18).expect("placed code"), placed.replace("/17:", "/18:"));
        check(&plain, Ok(None));
        check(&placed, Ok(Some(17)));
        check("AS1/0:ABC", Ok(Some(0)));
        check("AS1/18446744073709551615:ABC", Ok(Some(u64::MAX)));
        for bad in [
            "AS1/:ABC",
            "AS1/017:ABC",
            "AS1/1 7:ABC",
            "AS1/+17:ABC",
            "AS1/18446744073709551616:ABC",
            "AS1/17",
        ] {
            check(bad, Err(ConsentError::PayloadLedgerIndex));
        }
        check("AS2/17:ABC", Err(ConsentError::PayloadPrefix));
    }
}
