//! Native cost of folding revocations into the log-backed revocation map (issue 7's target:
//! ≥ 10,000 revocations/s), for 100,000 revocations signed before timing:
//! - `fold_verified` (what the sequencer does with entries it has just verified at `POST /add`):
//!   the map alone, in batches of 1,000 and one entry at a time;
//! - `fold_batch` from entry bytes, which also checks every Ed25519 signature (the audit's path).
//!
//! Then the proof sizes and the time to verify a proof at that size; one proof is written to
//! `target/bench/revmap-fixture.json` for the same verification in wasm (`bench/tlog-verify.mjs`).
//!
//! Run: `cargo bench -p wasm-core --bench revmap_fold`

use std::time::Instant;

use rand_chacha::rand_core::SeedableRng;
use wasm_core::consent::{GrantDraft, LogEntry, Revocation};
use wasm_core::revmap::{MapKey, MapStatus, RevocationMap};

const ORIGIN: &str = "assent.example/log";
const REVOCATIONS: usize = 100_000;
const BATCH: usize = 1_000;

fn main() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let patient = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let now = 1_790_000_000;
    let draft = GrantDraft {
        audience: [7u8; 32],
        scopes: vec!["patient/Condition.rs".into()],
        purpose: "TREAT".into(),
        not_before: now,
        expires_at: now + 30 * 86_400,
        log_origin: ORIGIN.into(),
    };
    let started = Instant::now();
    let entries: Vec<Vec<u8>> = (0..REVOCATIONS)
        .map(|i| {
            let grant = draft.clone().sign(&patient, now, &mut rng).expect("signs");
            let revocation = Revocation::sign(&grant, &patient, now + i as u64).expect("the issuer revokes");
            LogEntry::Revocation(revocation).to_bytes()
        })
        .collect();
    let verified: Vec<LogEntry> =
        entries.iter().map(|entry| LogEntry::verify(entry).expect("just signed")).collect();
    println!(
        "setup: {REVOCATIONS} grants and revocations signed and verified in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let rate = |seconds: f64| REVOCATIONS as f64 / seconds;

    let mut batched = RevocationMap::new(ORIGIN);
    let started = Instant::now();
    for (chunk, entries) in verified.chunks(BATCH).enumerate() {
        batched.fold_verified((chunk * BATCH) as u64, entries).expect("in order");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("fold_verified, batches of {BATCH}: {:.0} revocations/s ({seconds:.3} s)", rate(seconds));

    let mut single = RevocationMap::new(ORIGIN);
    let started = Instant::now();
    for (index, entry) in verified.iter().enumerate() {
        single.fold_verified(index as u64, std::slice::from_ref(entry)).expect("in order");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("fold_verified, one at a time: {:.0} revocations/s ({seconds:.3} s)", rate(seconds));
    assert_eq!(single.root(), batched.root());

    let mut checked = RevocationMap::new(ORIGIN);
    let started = Instant::now();
    for (chunk, entries) in entries.chunks(BATCH).enumerate() {
        checked.fold_batch((chunk * BATCH) as u64, entries).expect("in order");
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "fold_batch with signature checks, batches of {BATCH}: {:.0} revocations/s ({seconds:.3} s)",
        rate(seconds)
    );
    assert_eq!(checked.root(), batched.root());
    assert_eq!(batched.len(), REVOCATIONS);

    // Proofs at 100,000 leaves: sizes for revoked keys and for absent keys, and verification time.
    let root = batched.root();
    let revoked: Vec<MapKey> = batched.leaves().map(|(key, _)| key).take(1_000).collect();
    let absent: Vec<MapKey> = (0u32..1_000)
        .map(|i| {
            let mut commitment = [0u8; 32];
            commitment[..4].copy_from_slice(&i.to_be_bytes());
            MapKey::new(&commitment, &[1; 32])
        })
        .collect();
    // One absent key's proof as a fixture, for the same verification in wasm (bench/tlog-verify.mjs).
    let fixture = serde_json::json!({
        "root": hex::encode(root),
        "key": hex::encode(absent[0].as_bytes()),
        "proof": hex::encode(batched.prove(&absent[0]).to_bytes()),
    });
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out).expect("target/bench can be made");
    std::fs::write(out.join("revmap-fixture.json"), fixture.to_string()).expect("the fixture is written");
    for (label, keys) in [("revoked", &revoked), ("absent", &absent)] {
        let proofs: Vec<Vec<u8>> = keys.iter().map(|key| batched.prove(key).to_bytes()).collect();
        let mut sizes: Vec<usize> = proofs.iter().map(Vec::len).collect();
        sizes.sort_unstable();
        let started = Instant::now();
        for (key, bytes) in keys.iter().zip(&proofs) {
            let proof = wasm_core::revmap::MapProof::decode(bytes).expect("decodes");
            let status = proof.verify(&root, key).expect("verifies");
            assert_eq!(matches!(status, MapStatus::Revoked(_)), label == "revoked");
        }
        let micros = started.elapsed().as_secs_f64() * 1e6 / keys.len() as f64;
        println!(
            "{label} proofs: median {} bytes, max {} bytes; decode + verify {micros:.1} µs each",
            sizes[sizes.len() / 2],
            sizes[sizes.len() - 1]
        );
    }
}
