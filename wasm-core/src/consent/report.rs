//! Grants and verdicts as JSON: the one report format that the CLI prints and the browser's
//! worker hands to the page.

use serde_json::{json, Value};

use super::{CheckName, CheckOutcome, SignedGrant, Verdict};

/// The check's name in reports.
pub fn check_name(name: CheckName) -> &'static str {
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

/// The claims of a grant as JSON (no salt: the commitment stands for it).
pub fn claims_json(grant: &SignedGrant) -> Value {
    let claims = grant.claims();
    json!({
        "id": hex::encode(claims.id),
        "issuer": hex::encode(claims.issuer),
        "audience_provider_id": hex::encode(claims.audience),
        "scopes": claims.scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "purpose": claims.purpose.code(),
        "purpose_words": claims.purpose.plain_words(),
        "issued_at": claims.issued_at,
        "not_before": claims.not_before,
        "expires_at": claims.expires_at,
        "log_origin": claims.log_origin,
        "commitment": hex::encode(grant.commitment()),
    })
}

/// The verdict as JSON: `valid` (the offline checks pass), `on_ledger` (the ledger check
/// passed too), each check with its outcome (`passed`, `failed`, `not_checked`) and detail, and
/// the claims when readable.
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
        "on_ledger": verdict.offline_checks_pass() && verdict.passed(CheckName::Ledger),
        "checks": checks,
        "grant": verdict.grant.as_ref().map(claims_json),
    })
}
