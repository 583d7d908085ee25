//! `assent grant verify` and `assent grant decode` as a provider runs them.

mod support;

use std::path::Path;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use support::{run_assent, Run};
use wasm_core::consent::{payload, GrantCommitment, GrantDraft, LogEntry};
use wasm_core::vault::MasterSeed;

const NOW: u64 = 1_790_000_000;

/// A payload for a 30-day grant to a provider, and that provider's key in hex.
fn grant_payload() -> (String, String) {
    let (grant, _, provider) = signed_grant(3, "assent.example/log");
    (payload::encode(grant.bytes()), provider)
}

/// A 30-day grant for the log `origin` to a provider: the grant, its commitment entry, and the
/// provider's key in hex.
fn signed_grant(seed: u64, origin: &str) -> (wasm_core::consent::SignedGrant, Vec<u8>, String) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let provider = MasterSeed::generate(&mut rng).expect("seeded RNG").root_key().verifying_key().to_bytes();
    let patient = MasterSeed::generate(&mut rng).expect("seeded RNG").pairwise_key(&provider);
    let grant = GrantDraft {
        audience: provider,
        scopes: vec!["patient/Observation.rs?category=laboratory".into()],
        purpose: "TREAT".into(),
        not_before: NOW,
        expires_at: NOW + 30 * 86_400,
        log_origin: origin.into(),
    }
    .sign(&patient, NOW, &mut rng)
    .expect("signs");
    let entry = LogEntry::Grant(GrantCommitment::sign(&grant, &patient).expect("statement")).to_bytes();
    (grant, entry, hex::encode(provider))
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

#[test]
fn the_ledger_check_proves_the_grant_at_its_code_index_and_refuses_a_wrong_one() {
    let root = tempfile::tempdir().expect("temp dir");
    let gateway = support::serve(root.path(), &root.path().join("keys"), &[]);
    let url = format!("http://{}", gateway.addr);
    let (grant, entry, provider) = signed_grant(5, support::ORIGIN);
    let (_, other_entry, _) = signed_grant(6, support::ORIGIN);
    let mut indices = Vec::new();
    for entry in [&other_entry, &entry] {
        let reply = support::request(&gateway.addr, "POST", "/add", entry).expect("add").json();
        indices.push(support::check_added(&reply, entry, &gateway.vkey));
    }
    let code = payload::encode(grant.bytes());
    let state = root.path().join("checkpoint.note");
    let now = NOW.to_string();
    let with_ledger = |code: &str| {
        let state = state.to_str().expect("utf-8 path").to_owned();
        verify(&[
            "--payload",
            code,
            "--now",
            &now,
            "--audience",
            &provider,
            "--url",
            &url,
            "--vkey",
            &gateway.vkey,
            "--state",
            &state,
        ])
    };

    let placed = payload::with_ledger_index(&code, indices[1]).expect("code");
    let (run, json) = with_ledger(&placed);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(outcome_of(&json, "ledger"), "passed", "{json}");
    assert_eq!(json["on_ledger"], true);
    let kept = std::fs::read_to_string(&state).expect("state written");
    assert!(kept.starts_with(&format!("{}\n2\n", support::ORIGIN)), "{kept}");

    // The other grant's index: the entry there is not this grant's.
    let (run, json) = with_ledger(&payload::with_ledger_index(&code, indices[0]).expect("code"));
    assert_eq!((run.code, outcome_of(&json, "ledger").as_str()), (1, "failed"), "{json}");
    assert_eq!(json["on_ledger"], false);
    // Beyond the log, and a code with no place: not checked, and the offline checks still stand.
    for code in [payload::with_ledger_index(&code, 7).expect("code"), code.clone()] {
        let (run, json) = with_ledger(&code);
        assert_eq!((run.code, outcome_of(&json, "ledger").as_str()), (0, "not_checked"), "{json}");
    }
    // A gateway that cannot be reached: not checked, with the reason.
    let (run, json) = verify(&[
        "--payload",
        &placed,
        "--now",
        &now,
        "--audience",
        &provider,
        "--url",
        "http://127.0.0.1:9",
        "--vkey",
        &gateway.vkey,
    ]);
    assert_eq!((run.code, outcome_of(&json, "ledger").as_str()), (0, "not_checked"), "{json}");
    // A stored checkpoint that no longer verifies (another log's key) is an error, not ignored.
    std::fs::write(&state, "other.example/log\n1\nAAAA\n\n— x AAAA\n").expect("write");
    let (run, _) = with_ledger(&placed);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("move the file away"), "{}", run.stderr);
}

#[test]
fn grant_status_shows_not_revoked_then_revoked_from_verified_map_proofs() {
    use wasm_core::consent::Revocation;
    let root = tempfile::tempdir().expect("temp dir");
    let gateway = support::serve(root.path(), &root.path().join("keys"), &[]);
    let url = format!("http://{}", gateway.addr);
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let provider = MasterSeed::generate(&mut rng).expect("seeded RNG").root_key().verifying_key().to_bytes();
    let patient = MasterSeed::generate(&mut rng).expect("seeded RNG").pairwise_key(&provider);
    let grant = GrantDraft {
        audience: provider,
        scopes: vec!["patient/Condition.rs".into()],
        purpose: "TREAT".into(),
        not_before: NOW,
        expires_at: NOW + 30 * 86_400,
        log_origin: support::ORIGIN.into(),
    }
    .sign(&patient, NOW, &mut rng)
    .expect("signs");
    let entry = LogEntry::Grant(GrantCommitment::sign(&grant, &patient).expect("statement")).to_bytes();
    let reply = support::request(&gateway.addr, "POST", "/add", &entry).expect("add").json();
    let index = support::check_added(&reply, &entry, &gateway.vkey);
    let code = payload::with_ledger_index(&payload::encode(grant.bytes()), index).expect("code");
    let now = (NOW + 60).to_string();
    let provider_hex = hex::encode(provider);
    let status = || {
        let run = run_assent(
            &[
                "grant",
                "status",
                "--payload",
                &code,
                "--now",
                &now,
                "--audience",
                &provider_hex,
                "--url",
                &url,
                "--vkey",
                &gateway.vkey,
            ],
            Path::new("."),
            "",
        );
        let json = serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null);
        (run, json)
    };

    let (run, json) = status();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(outcome_of(&json, "ledger"), "passed", "{json}");
    assert_eq!(outcome_of(&json, "revocation"), "passed", "{json}");
    let detail =
        json["checks"].as_array().and_then(|checks| checks.iter().find(|c| c["check"] == "revocation"));
    assert!(detail.is_some_and(|c| c["detail"]
        .as_str()
        .unwrap_or_default()
        .starts_with("not revoked as of checkpoint 1")));

    // The patient revokes; the next status proves it from the map the new checkpoint signs.
    let revocation =
        LogEntry::Revocation(Revocation::sign(&grant, &patient, NOW + 30).expect("revokes")).to_bytes();
    let reply = support::request(&gateway.addr, "POST", "/add", &revocation).expect("add").json();
    let revoked_at = support::check_added(&reply, &revocation, &gateway.vkey);
    let (run, json) = status();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(json["valid"], false);
    assert_eq!(outcome_of(&json, "revocation"), "failed", "{json}");
    assert!(json.to_string().contains(&format!("(ledger entry {revoked_at}), as of checkpoint 2")), "{json}");
    // The gateway serves the map proof by checkpoint size and key; a bad path is a clear 400.
    let bad = support::request(&gateway.addr, "GET", "/revocation/2/zz", b"").expect("get");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("/revocation/<checkpoint size>/<map key"), "{}", bad.text());
    let beyond = support::request(&gateway.addr, "GET", &format!("/revocation/9/{}", "00".repeat(32)), b"")
        .expect("get");
    assert_eq!(beyond.status, 404);

    // `grant status` needs the ledger: a usage error without it.
    let run = run_assent(&["grant", "status", "--payload", &code, "--now", &now], Path::new("."), "");
    assert_eq!(run.code, 2, "{}", run.stderr);
}
