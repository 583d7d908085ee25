//! `assent verify note|inclusion|consistency`, in the exact forms outside tools rely on, against
//! every transparency-dev Merkle vector and the Go sumdb/note vectors (copies in wasm-core, with
//! their provenance).

mod support;

use std::path::Path;

use serde_json::Value;
use support::run_assent;

fn vectors(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../wasm-core/tests/vectors").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).expect("vector file")).expect("vector JSON")
}

fn text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Number(number) => number.to_string(),
        other => panic!("not a scalar: {other}"),
    }
}

/// Runs `assent verify ARGS` and checks its exit code: 0 valid, 1 invalid.
fn check(args: &[String], want_valid: bool, desc: &str) {
    let args: Vec<&str> = std::iter::once("verify").chain(args.iter().map(String::as_str)).collect();
    let run = run_assent(&args, Path::new("."), "");
    let want = if want_valid { 0 } else { 1 };
    assert_eq!(run.code, want, "{desc}: {args:?}\n{}{}", run.stdout, run.stderr);
    if !want_valid {
        assert!(run.stderr.starts_with("assent: the proof does not verify"), "{desc}: {}", run.stderr);
    } else {
        assert!(run.stdout.contains("verified"), "{desc}: {}", run.stdout);
    }
}

fn proof_args(case: &Value) -> Vec<String> {
    case["proof"]
        .as_array()
        .map(|hashes| hashes.iter().flat_map(|hash| ["--proof".to_owned(), text(hash)]).collect())
        .unwrap_or_default()
}

/// Runs `assent verify KIND` on every vector of that kind: `flags` maps each option to its
/// field in the vector.
fn check_all(kind: &str, flags: &[(&str, &str)]) {
    let all = vectors("merkle/combined.json");
    let cases = all[kind].as_array().expect("cases");
    assert!(cases.len() >= 90);
    for case in cases {
        let mut args = vec![kind.to_owned()];
        for (flag, field) in flags {
            args.extend([flag.to_string(), text(&case[field])]);
        }
        args.extend(proof_args(case));
        check(&args, case["wantErr"] == false, &text(&case["file"]));
    }
}

#[test]
fn inclusion_accepts_every_happy_path_and_rejects_every_want_err_vector() {
    check_all(
        "inclusion",
        &[("--index", "leafIdx"), ("--size", "treeSize"), ("--leaf-hash", "leafHash"), ("--root", "root")],
    );
}

#[test]
fn consistency_accepts_every_happy_path_and_rejects_every_want_err_vector() {
    check_all(
        "consistency",
        &[("--size1", "size1"), ("--size2", "size2"), ("--root1", "root1"), ("--root2", "root2")],
    );
}

#[test]
fn note_prints_the_text_when_a_known_key_signed_and_fails_otherwise() {
    let note = vectors("note/go-sumdb-note.json");
    let dir = tempfile::tempdir().expect("temp dir");
    let signed = dir.path().join("signed.note");
    std::fs::write(&signed, text(&note["peter_signed_note"])).expect("write note");
    let peter = text(&note["peter_verifier_key"]);
    let enoch = text(&note["enoch_verifier_key"]);
    let path = signed.to_str().expect("utf-8 path");

    let run = run_assent(&["verify", "note", "--vkey", &peter, path], Path::new("."), "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, text(&note["text"]));
    // Unknown keys are ignored; a note from standard input; a second key listed.
    let run = run_assent(
        &["verify", "note", "--vkey", &enoch, "--vkey", &peter, "-"],
        Path::new("."),
        &text(&note["peter_signed_note"]),
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, text(&note["text"]).as_str()), "{}", run.stderr);

    // Only an unknown key: not verified.
    let run = run_assent(&["verify", "note", "--vkey", &enoch, path], Path::new("."), "");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    // A known key with a bad signature.
    let tampered = text(&note["peter_signed_note"]).replacen("cryptography", "cryptographY", 1);
    let run = run_assent(&["verify", "note", "--vkey", &peter, "-"], Path::new("."), &tampered);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("the note does not verify"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    let note = vectors("note/go-sumdb-note.json");
    let peter = text(&note["peter_verifier_key"]);
    let hash = "bjQLnP+zepicpUTmu3gKLHiQHT+zNzh2hRGjBhevoB0=";
    for args in [
        vec!["verify"],
        vec!["verify", "note", "some.note"],
        vec!["verify", "note", "--vkey", "not-a-key", "some.note"],
        vec!["verify", "note", "--vkey", &peter, "/no/such/file.note"],
        vec!["verify", "inclusion", "--index", "0", "--size", "1", "--leaf-hash", hash],
        vec!["verify", "inclusion", "--index", "x", "--size", "1", "--leaf-hash", hash, "--root", hash],
        vec!["verify", "inclusion", "--index", "0", "--size", "1", "--leaf-hash", "A*AA", "--root", hash],
        vec!["verify", "consistency", "--size1", "1", "--size2", "2", "--root1", hash],
        vec![
            "verify",
            "consistency",
            "--size1",
            "1",
            "--size2",
            "2",
            "--root1",
            hash,
            "--root2",
            hash,
            "--proof",
            "!",
        ],
    ] {
        let run = run_assent(&args, Path::new("."), "");
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
}
