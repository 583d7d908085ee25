//! `assent grant verify` and `assent grant decode`: the provider's checks from the command line,
//! running the same `wasm-core` code as the provider page.

use serde_json::Value;
use wasm_core::consent::report::{claims_json, verdict_json};
use wasm_core::consent::{payload, ConsentError, SignedGrant};

/// Parses a provider public key given as 64 hex digits (for clap).
pub fn parse_provider_key(text: &str) -> Result<[u8; 32], String> {
    wasm_core::consent::parse_provider_key(text).map_err(|error| error.to_string())
}

/// Verifies a payload; returns the JSON to print and whether the grant is valid.
pub fn verify(payload_text: &str, now: u64, audience: Option<&[u8; 32]>) -> (Value, bool) {
    let verdict = payload::verify(payload_text, now, audience);
    (verdict_json(&verdict), verdict.offline_checks_pass())
}

/// Decodes a payload's claims (no signature or time checks).
pub fn decode(payload_text: &str) -> Result<Value, ConsentError> {
    let bytes = payload::decode(payload_text)?;
    Ok(claims_json(&SignedGrant::decode(&bytes)?))
}
