//! `assent trail` over real HTTP: a patient's grant list in, the verified trail and its hints out
//! (the same `wasm-core` code as the wallet's Activity page); a grant on another log is reported
//! not verified (exit 1), and a wrong log key or a bad grant file are clear errors.

mod support;

use std::path::Path;

use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use wasm_core::consent::issued::{IssuedGrant, IssuedRevocation};
use wasm_core::consent::{payload, AccessEvent, GrantCommitment, LogEntry, Revocation, Scope};

use support::{add, grant_to, keygen, run_assent, serve, Run, NOW, ORIGIN};

/// A grant for `origin` signed by `patient` to `provider`, as the wallet lists it, and its
/// commitment entry.
fn issued(
    patient: &SigningKey,
    provider: &SigningKey,
    origin: &str,
    rng: &mut ChaCha20Rng,
) -> (IssuedGrant, wasm_core::consent::SignedGrant, Vec<u8>) {
    let provider_key = provider.verifying_key().to_bytes();
    let grant = grant_to(patient, provider, origin, rng);
    let entry = LogEntry::Grant(GrantCommitment::sign(&grant, patient).expect("statement")).to_bytes();
    (IssuedGrant::new(&grant, &provider_key, payload::encode(grant.bytes())), grant, entry)
}

fn trail(dir: &Path, addr: &str, vkey: &str, grants: &[IssuedGrant]) -> (Run, serde_json::Value) {
    let file = dir.join("grants.json");
    std::fs::write(&file, serde_json::to_string(grants).expect("json")).expect("write grants");
    let url = format!("http://{addr}");
    let args = ["trail", "--url", &url, "--vkey", vkey, "--grants", file.to_str().expect("utf-8")];
    let run = run_assent(&args, dir, "");
    let json = serde_json::from_str(&run.stdout).unwrap_or(serde_json::Value::Null);
    (run, json)
}

#[test]
fn the_trail_lists_every_access_verified_and_flags_use_after_revocation() {
    let root = tempfile::tempdir().expect("temp dir");
    let keys = root.path().join("keys");
    keygen(root.path(), &keys);
    let server = serve(root.path(), &keys, &["--rate-limit", "0"]);
    let (addr, vkey) = (server.addr.clone(), server.vkey.clone());

    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let patient = SigningKey::from_bytes(&[4; 32]);
    let provider = SigningKey::from_bytes(&[3; 32]);
    let (mut used, used_grant, used_entry) = issued(&patient, &provider, ORIGIN, &mut rng);
    let (unused, _, unused_entry) = issued(&patient, &provider, ORIGIN, &mut rng);
    add(&addr, &vkey, &used_entry);
    add(&addr, &vkey, &unused_entry);
    let scopes = [Scope::parse("patient/Observation.rs").expect("scope")];
    let mut access = |at: u64| {
        let event = AccessEvent::sign(&used_grant, &scopes, &provider, at, &mut rng).expect("signs");
        add(&addr, &vkey, &LogEntry::Access(event).to_bytes())
    };
    let before = access(NOW + 60);
    // The patient revokes; the provider keeps using the grant an hour later.
    let revocation = Revocation::sign(&used_grant, &patient, NOW + 120).expect("revokes");
    add(&addr, &vkey, &LogEntry::Revocation(revocation.clone()).to_bytes());
    used.revocation = Some(IssuedRevocation {
        revoked_at: NOW + 120,
        signed: hex::encode(revocation.bytes()),
        ledger: None,
    });
    let after = access(NOW + 3_720);

    let (run, json) = trail(root.path(), &addr, &vkey, &[used.clone(), unused.clone()]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let grants = json["grants"].as_array().expect("grants");
    assert_eq!(grants.len(), 2);
    assert_eq!(grants[0]["grant_id"], used.id.as_str());
    assert_eq!(grants[0]["verified"], true);
    let events = grants[0]["events"].as_array().expect("events");
    let indices: Vec<u64> = events.iter().map(|event| event["index"].as_u64().expect("index")).collect();
    assert_eq!(indices, [before, after]);
    assert!(events.iter().all(|event| event["inclusion_verified"] == true), "{events:?}");
    assert_eq!(events[1]["flags"], serde_json::json!(["after revocation"]));
    assert_eq!(
        (grants[1]["verified"].as_bool(), grants[1]["events"].as_array().map(Vec::len)),
        (Some(true), Some(0))
    );
    let hints = json["hints"].as_array().expect("hints");
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(
        (hints[0]["severity"].as_str(), hints[0]["kind"].as_str()),
        (Some("Red"), Some("AfterRevocation"))
    );
    assert_eq!(hints[0]["events"], serde_json::json!([after]));

    // A grant on another log cannot be checked here: reported, exit 1.
    let (elsewhere, _, _) = issued(&patient, &provider, "other.example/log", &mut rng);
    let (run, json) = trail(root.path(), &addr, &vkey, &[used, elsewhere]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(json["grants"][0]["verified"], true);
    assert_eq!(json["grants"][1]["verified"], false);
    assert!(json["grants"][1]["reason"].as_str().unwrap_or_default().contains("other.example/log"), "{json}");

    // Another log's key: nothing verifies, and why is said.
    let other_keys = root.path().join("other-keys");
    let run = run_assent(
        &["keygen", "--name", ORIGIN, "--out", other_keys.to_str().expect("utf-8")],
        root.path(),
        "",
    );
    let stranger = run.stdout.lines().last().expect("verifier key").to_owned();
    let (run, json) = trail(root.path(), &addr, &stranger, &[unused]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(json["grants"][0]["verified"], false, "{json}");

    // Not a grant list: a clear error, exit 1.
    let file = root.path().join("not-grants.json");
    std::fs::write(&file, "{\"grants\": 3}").expect("write");
    let url = format!("http://{addr}");
    let run = run_assent(
        &["trail", "--url", &url, "--vkey", &vkey, "--grants", file.to_str().expect("utf-8")],
        root.path(),
        "",
    );
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("is not a wallet grant list"), "{}", run.stderr);
}
