//! `assent grant verify` and `assent grant decode` as a provider runs them.

mod support;

use std::path::Path;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use support::{run_assent, Run};
use wasm_core::consent::{payload, GrantDraft};
use wasm_core::vault::MasterSeed;

const NOW: u64 = 1_790_000_000;

/// A payload for a 30-day grant to a provider, and that provider's key in hex.
fn grant_payload() -> (String, String) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let provider = MasterSeed::generate(&mut rng).expect("seeded RNG").root_key().verifying_key().to_bytes();
    let patient = MasterSeed::generate(&mut rng).expect("seeded RNG").pairwise_key(&provider);
    let grant = GrantDraft {
        audience: provider,
        scopes: vec!["patient/Observation.rs?category=laboratory".into()],
        purpose: "TREAT".into(),
        not_before: NOW,
        expires_at: NOW + 30 * 86_400,
        log_origin: "assent.example/log".into(),
    }
    .sign(&patient, NOW, &mut rng)
    .expect("signs");
    (payload::encode(grant.bytes()), hex::encode(provider))
}

fn verify(args: &[&str]) -> (Run, serde_json::Value) {
    let mut all = vec!["grant", "verify"];
    all.extend_from_slice(args);
    let run = run_assent(&all, Path::new("."), "");
    let json = serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null);
    (run, json)
}

fn outcome_of(json: &serde_json::Value, check: &str) -> String {
    json["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["check"] == check))
        .map(|c| c["outcome"].as_str().unwrap_or_default().to_string())
        .unwrap_or_default()
}

#[test]
fn a_valid_grant_exits_zero_with_ledger_and_revocation_not_checked() {
    let (text, provider) = grant_payload();
    let (run, json) = verify(&["--payload", &text, "--now", &NOW.to_string(), "--audience", &provider]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(json["valid"], true);
    assert_eq!(outcome_of(&json, "signature"), "passed");
    assert_eq!(outcome_of(&json, "audience"), "passed");
    assert_eq!(outcome_of(&json, "ledger"), "not_checked");
    assert_eq!(outcome_of(&json, "revocation"), "not_checked");
    assert_eq!(json["grant"]["purpose"], "TREAT");
}

#[test]
fn invalid_grants_and_bad_input_exit_one_with_reasons_and_usage_errors_exit_two() {
    let (text, provider) = grant_payload();
    let expired = (NOW + 30 * 86_400).to_string();
    let (run, json) = verify(&["--payload", &text, "--now", &expired, "--audience", &provider]);
    assert_eq!((run.code, outcome_of(&json, "expiry").as_str()), (1, "failed"));
    assert!(run.stderr.contains("the grant is not valid"), "{}", run.stderr);

    let other = "11".repeat(32);
    let (run, json) = verify(&["--payload", &text, "--now", &NOW.to_string(), "--audience", &other]);
    assert_eq!((run.code, outcome_of(&json, "audience").as_str()), (1, "failed"));

    let (run, json) = verify(&["--payload", "AS1:NOT A GRANT", "--now", &NOW.to_string()]);
    assert_eq!((run.code, outcome_of(&json, "format").as_str()), (1, "failed"));

    let (run, _) = verify(&["--payload", &text, "--now", &NOW.to_string(), "--audience", "xyz"]);
    assert_eq!(run.code, 2, "a malformed key is a usage error: {}", run.stderr);
    assert!(run.stderr.contains("64 hexadecimal digits"), "{}", run.stderr);
    let (run, _) = verify(&["--payload", &text]);
    assert_eq!(run.code, 2);
}

#[test]
fn decode_prints_the_claims() {
    let (text, _) = grant_payload();
    let run = run_assent(&["grant", "decode", "--payload", &text], Path::new("."), "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(json["scopes"][0], "patient/Observation.rs?category=laboratory");
    assert_eq!(json["expires_at"], NOW + 30 * 86_400);
    let run = run_assent(&["grant", "decode", "--payload", "HC1:XYZ"], Path::new("."), "");
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("not an Assent consent code"), "{}", run.stderr);
}
