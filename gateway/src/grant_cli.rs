//! `assent grant verify` and `assent grant decode`: the provider's checks from the command line,
//! running the same `wasm-core` code as the provider page.

use serde_json::{json, Value};
use wasm_core::consent::{payload, CheckName, CheckOutcome, ConsentError, SignedGrant, Verdict};

/// Parses a provider public key given as 64 hex digits (for clap).
pub fn parse_provider_key(text: &str) -> Result<[u8; 32], String> {
    let bytes =
        hex::decode(text.trim()).map_err(|_| "the provider key must be 64 hexadecimal digits".to_string())?;
    bytes.try_into().map_err(|_| "the provider key must be 32 bytes (64 hexadecimal digits)".to_string())
}

/// The claims of a grant as JSON (no salt: the commitment stands for it).
pub fn claims_json(grant: &SignedGrant) -> Value {
    let claims = grant.claims();
    json!({
        "id": hex::encode(claims.id),
        "issuer": hex::encode(claims.issuer),
        "audience_provider_id": hex::encode(claims.audience),
        "scopes": claims.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "purpose": claims.purpose.code(),
        "issued_at": claims.issued_at,
        "not_before": claims.not_before,
        "expires_at": claims.expires_at,
        "log_origin": claims.log_origin,
        "commitment": hex::encode(grant.commitment()),
    })
}

fn check_name(name: CheckName) -> &'static str {
    match name {
        CheckName::Format => "format",
        CheckName::Signature => "signature",
        CheckName::Audience => "audience",
        CheckName::NotBefore => "not_before",
        CheckName::Expiry => "expiry",
        CheckName::Ledger => "ledger",
        CheckName::Revocation => "revocation",
    }
}

/// The verdict as JSON: `valid`, each check with its outcome and detail, and the claims.
pub fn verdict_json(verdict: &Verdict) -> Value {
    let checks: Vec<Value> = verdict
        .checks
        .iter()
        .map(|check| {
            let (outcome, detail) = match &check.outcome {
                CheckOutcome::Passed(detail) => ("passed", detail),
                CheckOutcome::Failed(reason) => ("failed", reason),
                CheckOutcome::NotChecked(why) => ("not_checked", why),
            };
            json!({ "check": check_name(check.name), "outcome": outcome, "detail": detail })
        })
        .collect();
    json!({
        "valid": verdict.offline_checks_pass(),
        "checks": checks,
        "grant": verdict.grant.as_ref().map(claims_json),
    })
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
