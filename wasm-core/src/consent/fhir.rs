//! A grant as a FHIR R4 `Consent` resource (JSON), for export to health systems.
//!
//! Mapping: `provision.type` permit; `provision.actor` the provider (role IRCP, by provider id);
//! `provision.period` from `nbf` to `exp`; `provision.purpose` the HL7 PurposeOfUse code;
//! `provision.class` the FHIR resource types of the scopes, `provision.code` the SMART scopes
//! themselves; `provision.action` access; `patient` the pairwise key (a pseudonymous id).

use serde_json::{json, Value};

use super::SignedGrant;

const PURPOSE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

/// The grant as a FHIR R4 `Consent` resource.
pub fn consent_resource(grant: &SignedGrant) -> Value {
    let claims = grant.claims();
    let mut resource_types: Vec<&str> =
        claims.scopes.iter().filter_map(|s| s.resource_type()).filter(|t| *t != "*").collect();
    resource_types.dedup();
    json!({
        "resourceType": "Consent",
        "id": hex::encode(claims.id),
        "status": "active",
        "scope": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy" }] },
        "category": [{ "coding": [{ "system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent" }] }],
        "patient": { "identifier": { "system": "urn:assent:pairwise-key", "value": hex::encode(claims.issuer) } },
        "dateTime": rfc3339(claims.issued_at),
        "policyRule": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN" }] },
        "identifier": [{ "system": "urn:assent:grant-commitment", "value": hex::encode(grant.commitment()) }],
        "provision": {
            "type": "permit",
            "period": { "start": rfc3339(claims.not_before), "end": rfc3339(claims.expires_at) },
            "actor": [{
                "role": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP" }] },
                "reference": { "identifier": { "system": "urn:assent:provider-id", "value": hex::encode(claims.audience) } }
            }],
            "action": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access" }] }],
            "purpose": [{ "system": PURPOSE_SYSTEM, "code": claims.purpose.code() }],
            "class": resource_types.iter().map(|t| json!({ "system": "http://hl7.org/fhir/resource-types", "code": t })).collect::<Vec<_>>(),
            "code": claims.scopes.iter().map(|s| json!({ "text": s.as_str() })).collect::<Vec<_>>(),
        }
    })
}

/// Unix seconds as an RFC 3339 UTC timestamp (`2026-01-02T03:04:05Z`), without a clock or a
/// date library: the civil-from-days algorithm (H. Hinnant).
pub fn rfc3339(unix_seconds: u64) -> String {
    let days = unix_seconds / 86_400;
    let secs = unix_seconds % 86_400;
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3_600, secs % 3_600 / 60, secs % 60)
}
