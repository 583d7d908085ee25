//! The access map over real HTTP: `assent serve` binds the `access-map` root in every checkpoint
//! next to `revocation-map`, serves `GET /access/<size>/<key hex>` (and `?after=` pages) whose
//! answers verify with `wasm_core::accessmap::TrailAnswer::verify` against the served checkpoint,
//! answers bad paths with JSON errors, and rebuilds the same map after a restart.

mod support;

use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use wasm_core::accessmap::{self, AccessKey, TrailAnswer};
use wasm_core::consent::{AccessEvent, GrantCommitment, LogEntry, Scope, SignedGrant};
use wasm_core::revmap;

use support::{add, get, grant_to, keygen, serve, served_checkpoint, NOW, ORIGIN};

fn access(grant: &SignedGrant, provider: &SigningKey, at: u64, rng: &mut ChaCha20Rng) -> Vec<u8> {
    let scopes = [Scope::parse("patient/Observation.rs").expect("scope")];
    LogEntry::Access(AccessEvent::sign(grant, &scopes, provider, at, rng).expect("the audience signs"))
        .to_bytes()
}

/// `GET /access/...`: the decoded answer, after checking the headers of a trail answer.
fn trail(addr: &str, path: &str) -> TrailAnswer {
    let response = get(addr, path);
    assert_eq!(response.status, 200, "{path}: {}", String::from_utf8_lossy(&response.body));
    assert!(
        response.head.contains("cache-control: public, max-age=31536000, immutable"),
        "{}",
        response.head
    );
    assert!(response.head.contains("access-control-allow-origin: *"), "{}", response.head);
    assert!(response.head.contains("content-type: application/octet-stream"), "{}", response.head);
    TrailAnswer::decode(&response.body).expect("a strict trail answer")
}

#[test]
fn trails_verify_against_the_served_checkpoint_and_survive_a_restart() {
    let root = tempfile::tempdir().expect("temp dir");
    let keys = root.path().join("keys");
    keygen(root.path(), &keys);
    let server = serve(root.path(), &keys, &["--rate-limit", "0"]);
    let (addr, vkey) = (server.addr.clone(), server.vkey.clone());

    // Before any access: the empty map's root is bound, and any key proves absent.
    let empty = served_checkpoint(&addr, &vkey);
    assert_eq!(accessmap::root_from_checkpoint(&empty), Ok(Some(accessmap::empty_root())));

    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let patient = SigningKey::from_bytes(&[4; 32]);
    let provider = SigningKey::from_bytes(&[3; 32]);
    let other_provider = SigningKey::from_bytes(&[2; 32]);
    let (a, b) = (
        grant_to(&patient, &provider, ORIGIN, &mut rng),
        grant_to(&patient, &other_provider, ORIGIN, &mut rng),
    );
    for grant in [&a, &b] {
        let entry = LogEntry::Grant(GrantCommitment::sign(grant, &patient).expect("statement")).to_bytes();
        add(&addr, &vkey, &entry);
    }
    let mut a_indices = Vec::new();
    for round in 0..4 {
        a_indices.push(add(&addr, &vkey, &access(&a, &provider, NOW + round, &mut rng)));
        add(&addr, &vkey, &access(&b, &other_provider, NOW + round, &mut rng));
    }

    let checkpoint = served_checkpoint(&addr, &vkey);
    assert_eq!(checkpoint.size, 10);
    assert!(revmap::root_from_checkpoint(&checkpoint).expect("well-formed").is_some(), "both lines");
    let key = AccessKey::new(&a.commitment(), &provider.verifying_key().to_bytes());
    let path = format!("/access/{}/{}", checkpoint.size, hex::encode(key.as_bytes()));
    let answer = trail(&addr, &path);
    let events = answer.verify(&checkpoint, &key).expect("the trail verifies");
    assert_eq!(events.iter().map(|event| event.index).collect::<Vec<_>>(), a_indices);
    assert!(events.iter().all(|event| event.event.commitment == a.commitment()));

    // A page after the second event.
    let page = trail(&addr, &format!("{path}?after={}", a_indices[1]));
    assert_eq!(page.events().iter().map(|(index, _)| *index).collect::<Vec<_>>(), a_indices[2..]);
    // B's events by its provider are under another key; A's key with B's provider has none.
    let crossed = AccessKey::new(&a.commitment(), &other_provider.verifying_key().to_bytes());
    let answer = trail(&addr, &format!("/access/{}/{}", checkpoint.size, hex::encode(crossed.as_bytes())));
    assert_eq!(answer.verify(&checkpoint, &crossed), Ok(Vec::new()));
    // An older checkpoint's trail (kept: the map changed in each batch) holds fewer events.
    let older = trail(&addr, &format!("/access/6/{}", hex::encode(key.as_bytes())));
    assert_eq!(older.events().len(), 2);

    // Bad paths: JSON errors that say what a path is.
    let key_hex = hex::encode(key.as_bytes());
    for bad in [
        "/access/x/00".to_owned(),
        format!("/access/10/{}", &key_hex[..62]),
        format!("/access/10/{key_hex}?after=x"),
        format!("/access/10/{key_hex}?before=1"),
    ] {
        let response = get(&addr, &bad);
        assert_eq!(response.status, 400, "{bad}");
        assert!(
            response.json()["error"].as_str().expect("error").contains("/access/<checkpoint size>/"),
            "{bad}"
        );
    }
    let beyond = get(&addr, &format!("/access/11/{key_hex}"));
    assert_eq!(beyond.status, 404);
    assert!(beyond.json()["error"].as_str().expect("error").contains("checkpoint of size 11"));

    // Killed and restarted on the same data, the gateway rebuilds the same map and serves the
    // same answer.
    let before = get(&addr, &path).body;
    drop(server);
    let server = serve(root.path(), &keys, &["--rate-limit", "0"]);
    let again = served_checkpoint(&server.addr, &vkey);
    assert_eq!(
        (again.size, accessmap::root_from_checkpoint(&again)),
        (checkpoint.size, accessmap::root_from_checkpoint(&checkpoint))
    );
    assert_eq!(get(&server.addr, &path).body, before);
    // And goes on folding: one more event of A.
    let index = add(&server.addr, &vkey, &access(&a, &provider, NOW + 9, &mut rng));
    let checkpoint = served_checkpoint(&server.addr, &vkey);
    let answer = trail(&server.addr, &format!("/access/{}/{key_hex}", checkpoint.size));
    let events = answer.verify(&checkpoint, &key).expect("verifies");
    assert_eq!(events.last().map(|event| event.index), Some(index));
    assert_eq!(events.len(), 5);
}
