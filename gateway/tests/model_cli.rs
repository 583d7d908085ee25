//! `assent model release` and `assent model publish` over a real gateway on loopback.

mod support;

use std::path::Path;

use support::run_assent;
use wasm_core::consent::{LogEntry, ModelRelease};
use wasm_core::hash::sha256;
use wasm_core::risk::{MODEL_ID, MODEL_PUBLISHER, MODEL_SHA256};

fn publish(url: &str, vkey: &str, extra: &[&str]) -> support::Run {
    let mut args = vec!["model", "publish", "--url", url, "--vkey", vkey];
    args.extend_from_slice(extra);
    run_assent(&args, Path::new("."), "")
}

#[test]
fn the_shipped_release_is_published_once_and_proven_at_the_same_index() {
    let root = tempfile::tempdir().expect("temp dir");
    let gateway = support::serve(root.path(), &root.path().join("keys"), &[]);
    let url = format!("http://{}", gateway.addr);
    // Another entry first, so the release is not trivially at index 0.
    let other = support::entries(3, 1).remove(0);
    let reply = support::request(&gateway.addr, "POST", "/add", &other).expect("add").json();
    support::check_added(&reply, &other, &gateway.vkey);

    let first = publish(&url, &gateway.vkey, &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let expected = format!(
        "model {MODEL_ID} (SHA-256 {}) is on the ledger at index 1, verified against checkpoint size 2",
        hex::encode(MODEL_SHA256)
    );
    assert_eq!(first.stdout.trim(), expected);
    // Published again: de-duplicated, same index.
    let again = publish(&url, &gateway.vkey, &[]);
    assert_eq!((again.code, again.stdout.trim()), (0, expected.as_str()), "{}", again.stderr);
    // The entry the log holds at that index is the shipped release.
    let bundle = support::get(&gateway.addr, "/tile/entries/000.p/2").body;
    let shipped = include_bytes!("../../public/model/pima-logistic-v1.release");
    assert!(bundle.windows(shipped.len()).any(|window| window == shipped));
    let release = match LogEntry::verify(shipped).expect("the shipped release verifies") {
        LogEntry::Model(release) => release,
        other => panic!("not a release: {other:?}"),
    };
    assert_eq!((release.model_sha256, release.publisher), (MODEL_SHA256, MODEL_PUBLISHER));

    // The wrong log key: the checkpoint does not verify, nothing is claimed.
    let other_keys = root.path().join("other-keys");
    let keygen = run_assent(
        &["keygen", "--name", "other.example/log", "--out", other_keys.to_str().expect("utf-8 path")],
        Path::new("."),
        "",
    );
    let other_key = keygen.stdout.lines().last().expect("verifier key line");
    let wrong = publish(&url, other_key, &[]);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("not shown to be on the ledger"), "{}", wrong.stderr);
    // No gateway reachable.
    let offline = publish("http://127.0.0.1:9", &gateway.vkey, &[]);
    assert_eq!(offline.code, 1);
    assert!(offline.stderr.contains("not shown to be on the ledger"), "{}", offline.stderr);
}

#[test]
fn a_publisher_signs_a_release_and_bad_files_are_refused_with_reasons() {
    let root = tempfile::tempdir().expect("temp dir");
    let model = root.path().join("model.onnx");
    std::fs::write(&model, b"not really a model, but it has a hash").expect("write");
    let keys = root.path().join("publisher");
    let out = root.path().join("model.release");
    let args = |out: &Path| {
        vec![
            "model".to_owned(),
            "release".to_owned(),
            "--model".to_owned(),
            model.display().to_string(),
            "--id".to_owned(),
            "test-model-v9".to_owned(),
            "--key".to_owned(),
            keys.display().to_string(),
            "--out".to_owned(),
            out.display().to_string(),
        ]
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_assent(&args, Path::new("."), "")
    };
    let signed = run(args(&out));
    assert_eq!(signed.code, 0, "{}", signed.stderr);
    let bytes = std::fs::read(&out).expect("release written");
    let Ok(LogEntry::Model(release)) = LogEntry::verify(&bytes) else { panic!("not a release") };
    let publisher = signed.stdout.lines().last().expect("publisher key line");
    assert_eq!(publisher, hex::encode(release.publisher));
    assert!(release.releases(
        &sha256(b"not really a model, but it has a hash"),
        "test-model-v9",
        &release.publisher
    ));
    // The same key signs the next release (it is kept, never replaced).
    let again = run(args(&root.path().join("second.release")));
    assert_eq!(again.stdout.lines().last(), Some(publisher));
    assert_eq!(ModelRelease::verify(&bytes[1..]).map(|r| r.publisher), Ok(release.publisher));

    // A release file that is not a release, or not an entry, is refused before any request.
    let gateway = support::serve(root.path(), &root.path().join("keys"), &[]);
    let url = format!("http://{}", gateway.addr);
    let grant_entry = root.path().join("grant.entry");
    std::fs::write(&grant_entry, support::entries(4, 1).remove(0)).expect("write");
    let refused = publish(&url, &gateway.vkey, &["--release", grant_entry.to_str().expect("utf-8")]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("not a model release"), "{}", refused.stderr);
    let junk = root.path().join("junk");
    std::fs::write(&junk, b"\x04junk").expect("write");
    let refused = publish(&url, &gateway.vkey, &["--release", junk.to_str().expect("utf-8")]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("COSE"), "{}", refused.stderr);
    // A release of another model by another publisher can be published (the log takes any
    // signed release); the wallet's pin is what refuses it.
    let published = publish(&url, &gateway.vkey, &["--release", out.to_str().expect("utf-8")]);
    assert_eq!(published.code, 0, "{}", published.stderr);
    assert!(published.stdout.contains("model test-model-v9"), "{}", published.stdout);
    // Usage errors exit 2.
    assert_eq!(run_assent(&["model", "publish", "--url", &url], Path::new("."), "").code, 2);
}
