//! Grants and verdicts as JSON: the one report format that the CLI prints and the browser's
//! worker hands to the page.

use serde_json::{json, Value};

use super::grant::REVOCATION_NOT_CHECKED;
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

/// The verdict in one sentence for the provider: "valid" only for what was verified.
pub fn headline(verdict: &Verdict) -> String {
    if !verdict.offline_checks_pass() {
        let reason = verdict.checks.iter().find_map(|check| match &check.outcome {
            CheckOutcome::Failed(reason) => Some(reason.as_str()),
            _ => None,
        });
        return format!("Not valid: {}", reason.unwrap_or("the code could not be read"));
    }
    let revocation = verdict.checks.iter().find(|check| check.name == CheckName::Revocation);
    match (verdict.passed(CheckName::Ledger), revocation.map(|check| &check.outcome)) {
        (true, Some(CheckOutcome::Passed(_))) => {
            "Valid: signed by the patient, within its dates, on the ledger and not revoked (both verified).".into()
        }
        (true, Some(CheckOutcome::NotChecked(why))) if why != REVOCATION_NOT_CHECKED => format!(
            "Signed by the patient, within its dates and on the ledger (verified), but revocation is not confirmed: {why}. Treat it as unconfirmed."
        ),
        (true, _) => "Signed by the patient, within its dates and on the ledger (verified). Revocation is not checked yet.".into(),
        _ => match offline_as_of(verdict) {
            Some(as_of) => format!(
                "The offline checks pass: signed by the patient and within its dates. No gateway answered, so the ledger and revocation checks rest on the last checkpoint this browser verified ({as_of}): treat it as unconfirmed until you check again online."
            ),
            None => "The offline checks pass: signed by the patient and within its dates. The ledger and revocation are not checked yet, so treat it as unconfirmed.".into(),
        },
    }
}

/// "offline, as of checkpoint S, N minutes old", when the ledger check rested on the stored
/// checkpoint because no gateway answered.
fn offline_as_of(verdict: &Verdict) -> Option<&str> {
    let ledger = verdict.checks.iter().find(|check| check.name == CheckName::Ledger)?;
    match &ledger.outcome {
        CheckOutcome::Offline { as_of, .. } => Some(as_of),
        _ => None,
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
/// passed too), each check with its outcome (`passed`, `failed`, `not_checked`, `offline`: proven
/// only against the last checkpoint this client verified) and detail, and
/// the claims when readable.
pub fn verdict_json(verdict: &Verdict) -> Value {
    let checks: Vec<Value> = verdict
        .checks
        .iter()
        .map(|check| {
            let outcome = match &check.outcome {
                CheckOutcome::Passed(_) => "passed",
                CheckOutcome::Failed(_) => "failed",
                CheckOutcome::NotChecked(_) => "not_checked",
                CheckOutcome::Offline { .. } => "offline",
            };
            json!({ "check": check_name(check.name), "outcome": outcome, "detail": check.outcome.detail() })
        })
        .collect();
    json!({
        "valid": verdict.offline_checks_pass(),
        "on_ledger": verdict.offline_checks_pass() && verdict.passed(CheckName::Ledger),
        "headline": headline(verdict),
        "checks": checks,
        "grant": verdict.grant.as_ref().map(claims_json),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Check;

    /// A verdict whose offline checks pass, with the given ledger and revocation outcomes.
    fn verdict(ledger: CheckOutcome, revocation: CheckOutcome) -> Verdict {
        let passed = |name| Check { name, outcome: CheckOutcome::Passed("fine".into()) };
        let mut checks: Vec<Check> = [
            CheckName::Format,
            CheckName::Signature,
            CheckName::Audience,
            CheckName::NotBefore,
            CheckName::Expiry,
        ]
        .into_iter()
        .map(passed)
        .collect();
        checks.push(Check { name: CheckName::Ledger, outcome: ledger });
        checks.push(Check { name: CheckName::Revocation, outcome: revocation });
        Verdict { grant: None, checks }
    }

    fn offline(result: &str) -> CheckOutcome {
        CheckOutcome::Offline {
            as_of: "offline, as of checkpoint 3, 7 minutes old".into(),
            result: result.into(),
        }
    }

    #[test]
    fn the_headline_says_valid_only_when_both_ledger_checks_passed() {
        let both =
            verdict(CheckOutcome::Passed("on the ledger".into()), CheckOutcome::Passed("not revoked".into()));
        assert!(headline(&both).starts_with("Valid: "));
        let failed = verdict(
            CheckOutcome::Failed("the entry is not this grant's".into()),
            offline("not revoked then"),
        );
        assert_eq!(headline(&failed), "Not valid: the entry is not this grant's");
        let unknown =
            verdict(CheckOutcome::NotChecked("no gateway".into()), CheckOutcome::NotChecked("no".into()));
        assert!(headline(&unknown).contains("not checked yet, so treat it as unconfirmed"));
    }

    #[test]
    fn an_offline_result_is_never_valid_and_says_which_checkpoint_it_rests_on() {
        let rested = verdict(offline("on the ledger at index 2"), offline("not revoked then"));
        let text = headline(&rested);
        assert!(text.starts_with("The offline checks pass"), "{text}");
        assert!(text.contains("(offline, as of checkpoint 3, 7 minutes old)"), "{text}");
        let json = verdict_json(&rested);
        assert_eq!(json["on_ledger"], false);
        assert_eq!(json["checks"][5]["outcome"], "offline");
        assert_eq!(
            json["checks"][5]["detail"],
            "offline, as of checkpoint 3, 7 minutes old: on the ledger at index 2"
        );
    }
}
