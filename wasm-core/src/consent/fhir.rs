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
/// date library (the calendar date from [`crate::records::date::civil_from_days`]).
pub fn rfc3339(unix_seconds: u64) -> String {
    let secs = unix_seconds % 86_400;
    // Any u64 count of days fits an i64 (u64::MAX / 86 400 < i64::MAX).
    let days = i64::try_from(unix_seconds / 86_400).unwrap_or(i64::MAX);
    let (year, month, day) = crate::records::date::civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3_600, secs % 3_600 / 60, secs % 60)
}
