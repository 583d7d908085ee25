//! The patient's access trail as one report: for each grant, every access event the log holds
//! for it (complete as of a verified checkpoint, see [`crate::accessmap`]) and whether each
//! event's inclusion was proven; and the [`hints`] on them. `assent trail` prints it as JSON; the
//! wallet shows it and exports it as JSON or CSV, so the two say the same.

use serde::{Deserialize, Serialize};

use super::{hints, AccessRecord, GrantTerms, Hint, HintParams};
use crate::accessmap::{GrantTrail, TrailGrant, TrailOutcome};
use crate::consent::fhir::rfc3339;
use crate::consent::issued::IssuedGrant;
use crate::consent::{payload, SignedGrant};

/// Which of a wallet's grants a trail check can ask one log about: those its code says are on
/// that log (an empty answer from another log would look like a complete trail), with readable
/// keys. The wallet and `assent trail` both plan with it.
#[derive(Clone, Debug)]
pub struct TrailRequest {
    asked: Vec<Result<TrailGrant, String>>,
}

impl TrailRequest {
    /// Plans the check of `grants` on the log named `log_origin`.
    pub fn new(grants: &[IssuedGrant], log_origin: &str) -> TrailRequest {
        let asked = grants
            .iter()
            .map(|grant| {
                let on_log = payload::decode(&grant.payload)
                    .ok()
                    .and_then(|bytes| SignedGrant::decode(&bytes).ok())
                    .map(|signed| signed.claims().log_origin.clone());
                match on_log {
                    Some(origin) if origin == log_origin => {}
                    Some(origin) => {
                        return Err(format!(
                            "the grant is on the ledger {origin}, and the gateways are for {log_origin}; add a gateway of that ledger to check it"
                        ))
                    }
                    None => return Err("its consent code cannot be read, so its ledger is unknown".to_owned()),
                }
                TrailGrant::from_hex(&grant.commitment, &grant.provider_key).map_err(|error| error.to_string())
            })
            .collect();
        TrailRequest { asked }
    }

    /// The grants to hand to [`crate::accessmap::TrailCheck::new`], in order.
    pub fn grants_to_check(&self) -> Vec<TrailGrant> {
        self.asked.iter().filter_map(|asked| asked.as_ref().ok().copied()).collect()
    }

    /// The report, from the same `grants` and what the check found for
    /// [`grants_to_check`](TrailRequest::grants_to_check) (in its order).
    pub fn report(
        self,
        grants: Vec<IssuedGrant>,
        checked: Vec<GrantTrail>,
        params: &HintParams,
    ) -> TrailReport {
        let mut outcomes = checked.into_iter().map(|trail| trail.outcome);
        let pairs: Vec<(IssuedGrant, TrailOutcome)> = grants
            .into_iter()
            .zip(self.asked)
            .map(|(grant, asked)| {
                let outcome = match asked {
                    Ok(_) => outcomes.next().unwrap_or_else(|| TrailOutcome::NotVerified {
                        reason: "the check stopped before this grant".to_owned(),
                    }),
                    Err(reason) => TrailOutcome::NotVerified { reason },
                };
                (grant, outcome)
            })
            .collect();
        TrailReport::new(&pairs, params)
    }
}

/// The whole trail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrailReport {
    /// Each grant, in the wallet's order.
    pub grants: Vec<GrantReport>,
    /// The hints on the verified events, by time.
    pub hints: Vec<Hint>,
}

/// One grant's trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantReport {
    /// The grant's id (hex).
    pub grant_id: String,
    /// Its commitment on the log (hex).
    pub commitment: String,
    /// The provider it was given to: its provider id (hex).
    pub provider_id: String,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// Whether the trail verified as complete against the log's access map.
    pub verified: bool,
    /// The checkpoint it is complete as of, when verified.
    pub checkpoint_size: Option<u64>,
    /// Why it could not be verified, in words.
    pub reason: Option<String>,
    /// The events, oldest first.
    pub events: Vec<EventReport>,
}

/// One access event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventReport {
    /// Its index in the log.
    pub index: u64,
    /// When the provider says it accessed (Unix seconds).
    pub accessed_at: u64,
    /// The same, as RFC 3339 UTC.
    pub time: String,
    /// The scopes it used.
    pub scopes: Vec<String>,
    /// Whether its inclusion in the checkpoint's tree was proven.
    pub inclusion_verified: bool,
    /// Why not, when it was not.
    pub inclusion_note: Option<String>,
    /// The labels of the hints about it ("after revocation", "burst", …).
    pub flags: Vec<String>,
}

impl TrailReport {
    /// The report for the wallet's `grants`, each with what the trail check found for it, and the
    /// hints under `params`. A grant whose terms cannot be read (a damaged provider key) is
    /// left out of the hints, not of the report.
    pub fn new(grants: &[(IssuedGrant, TrailOutcome)], params: &HintParams) -> TrailReport {
        let terms: Vec<GrantTerms> =
            grants.iter().filter_map(|(grant, _)| GrantTerms::from_issued(grant).ok()).collect();
        let records: Vec<AccessRecord> = grants
            .iter()
            .flat_map(|(_, outcome)| match outcome {
                TrailOutcome::Verified { events, .. } => events.as_slice(),
                TrailOutcome::NotVerified { .. } => &[],
            })
            .map(|checked| AccessRecord::from_access(&checked.event, checked.index))
            .collect();
        let hints = hints(&terms, &records, params);
        let flags = |index: u64| -> Vec<String> {
            hints
                .iter()
                .filter(|hint| hint.events.contains(&index))
                .map(|hint| hint.kind.label().to_owned())
                .collect()
        };
        let grants = grants
            .iter()
            .map(|(grant, outcome)| {
                let provider_id =
                    GrantTerms::from_issued(grant).map(|terms| terms.provider).unwrap_or_default();
                let (verified, checkpoint_size, reason, events) = match outcome {
                    TrailOutcome::Verified { checkpoint_size, events } => {
                        let events = events
                            .iter()
                            .map(|checked| EventReport {
                                index: checked.index,
                                accessed_at: checked.event.accessed_at,
                                time: rfc3339(checked.event.accessed_at),
                                scopes: checked
                                    .event
                                    .scopes_used
                                    .iter()
                                    .map(|s| s.as_str().to_owned())
                                    .collect(),
                                inclusion_verified: checked.inclusion_verified,
                                inclusion_note: checked.inclusion_note.clone(),
                                flags: flags(checked.index),
                            })
                            .collect();
                        (true, Some(*checkpoint_size), None, events)
                    }
                    TrailOutcome::NotVerified { reason } => (false, None, Some(reason.clone()), Vec::new()),
                };
                GrantReport {
                    grant_id: grant.id.clone(),
                    commitment: grant.commitment.clone(),
                    provider_id,
                    scopes: grant.scopes.clone(),
                    verified,
                    checkpoint_size,
                    reason,
                    events,
                }
            })
            .collect();
        TrailReport { grants, hints }
    }

    /// A report as [`to_json`](TrailReport::to_json) wrote it.
    pub fn from_json(json: &str) -> Result<TrailReport, serde_json::Error> {
        serde_json::from_str(json)
    }

    /// The report as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        // Only strings, numbers, booleans and lists: serializing cannot fail.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// One CSV row per event (RFC 4180, header first): log index, time (UTC), grant id,
    /// provider id, scopes (space-separated), whether its inclusion was verified, and its flags.
    pub fn to_csv(&self) -> String {
        let mut csv =
            String::from("log_index,time_utc,grant_id,provider_id,scopes,inclusion_verified,flags\r\n");
        for grant in &self.grants {
            for event in &grant.events {
                let fields = [
                    event.index.to_string(),
                    event.time.clone(),
                    grant.grant_id.clone(),
                    grant.provider_id.clone(),
                    event.scopes.join(" "),
                    event.inclusion_verified.to_string(),
                    event.flags.join("; "),
                ];
                let row: Vec<String> = fields.iter().map(|field| csv_field(field)).collect();
                csv.push_str(&row.join(","));
                csv.push_str("\r\n");
            }
        }
        csv
    }
}

/// A CSV field, quoted if it holds a comma, quote or line break; a leading `=`, `+`, `-` or `@`
/// is prefixed with `'` so a spreadsheet does not run it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) { format!("'{text}") } else { text.to_owned() };
    if text.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accessmap::CheckedAccess;
    use crate::consent::{AccessEvent, GrantDraft, LogEntry, Scope};
    use crate::tlog::merkle::leaf_hash;
    use ed25519_dalek::SigningKey;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    const NOW: u64 = 1_790_000_000;

    fn issued_and_event(revoked: bool) -> (IssuedGrant, Vec<CheckedAccess>) {
        let provider = SigningKey::from_bytes(&[7; 32]);
        let provider_key = provider.verifying_key().to_bytes();
        let draft = GrantDraft {
            audience: provider_key,
            scopes: vec!["patient/Observation.rs".into()],
            purpose: "TREAT".into(),
            not_before: NOW,
            expires_at: NOW + 86_400,
            log_origin: "log.example/assent".into(),
        };
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let grant = draft.sign(&SigningKey::from_bytes(&[9; 32]), NOW, &mut rng).expect("signs");
        let mut issued = IssuedGrant::new(&grant, &provider_key, "AS1:…".into());
        if revoked {
            issued.revocation = Some(crate::consent::issued::IssuedRevocation {
                revoked_at: NOW + 100,
                signed: String::new(),
                ledger: None,
            });
        }
        let scopes = [Scope::parse("patient/Observation.rs").expect("scope")];
        let event = AccessEvent::sign(&grant, &scopes, &provider, NOW + 3_600, &mut rng).expect("signs");
        let checked = CheckedAccess {
            index: 12,
            leaf_hash: leaf_hash(&LogEntry::Access(event.clone()).to_bytes()),
            event,
            inclusion_verified: true,
            inclusion_note: None,
        };
        (issued, vec![checked])
    }

    fn check(revoked: bool, expected_flags: &[&str]) {
        let (issued, events) = issued_and_event(revoked);
        let outcome = TrailOutcome::Verified { checkpoint_size: 20, events };
        let report = TrailReport::new(&[(issued.clone(), outcome)], &HintParams::default());
        let event = &report.grants[0].events[0];
        assert_eq!(event.flags, expected_flags);
        let json = report.to_json();
        assert_eq!(TrailReport::from_json(&json.to_string()).expect("reads back"), report);
        assert_eq!(json["grants"][0]["grant_id"], issued.id.as_str());
        assert_eq!(json["grants"][0]["verified"], true);
        assert_eq!(json["grants"][0]["events"][0]["index"], 12);
        let csv = report.to_csv();
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("log_index,time_utc,grant_id,provider_id,scopes,inclusion_verified,flags")
        );
        let row = lines.next().expect("one row");
        assert!(row.starts_with(&format!("12,{},{},", rfc3339(NOW + 3_600), issued.id)), "{row}");
        assert!(
            row.ends_with(&format!(",patient/Observation.rs,true,{}", expected_flags.join("; "))),
            "{row}"
        );
    }

    #[test]
    fn a_verified_event_is_reported_with_its_flags() {
        check(false, &[]);
        check(true, &["after revocation"]);
    }

    #[test]
    fn an_unverified_trail_says_why_and_lists_no_events() {
        let (issued, _) = issued_and_event(false);
        let outcome = TrailOutcome::NotVerified { reason: "no gateway answered".into() };
        let report = TrailReport::new(&[(issued, outcome)], &HintParams::default());
        assert!(!report.grants[0].verified);
        assert_eq!(report.grants[0].reason.as_deref(), Some("no gateway answered"));
        assert_eq!(report.to_csv().lines().count(), 1, "the header only");
    }

    #[test]
    fn csv_fields_are_quoted_and_never_run_as_formulas() {
        for (field, expected) in [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
            ("-1,2", "\"'-1,2\""),
        ] {
            assert_eq!(csv_field(field), expected, "{field}");
        }
    }
}
