//! Known-answer and separation tests for `wasm_core::hash`. They run natively and, through
//! wasm-bindgen-test, in headless Chromium.

use serde::Deserialize;
use wasm_core::hash::{sha256, tagged_hash, Domain, TaggedHasher};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[derive(Deserialize)]
struct VectorFile {
    vectors: Vec<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    domain: String,
    label: String,
    parts: Vec<String>,
    digest: String,
}

fn domain_named(name: &str) -> Domain {
    Domain::ALL
        .into_iter()
        .find(|domain| format!("{domain:?}") == name)
        .unwrap_or_else(|| panic!("vector names unknown domain {name}"))
}

/// One known answer: `parts` (hex) hashed under `domain` must give `expected` (hex).
fn check(domain: Domain, parts: &[Vec<u8>], expected: &str) {
    let borrowed: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
    assert_eq!(hex::encode(tagged_hash(domain, &borrowed)), expected, "{domain:?} {parts:02x?}");
    let incremental = parts.iter().fold(TaggedHasher::new(domain), |h, p| h.part(p)).finish();
    assert_eq!(hex::encode(incremental), expected, "incremental {domain:?}");
}

#[test]
fn tagged_hash_matches_independent_python_vectors() {
    let file: VectorFile =
        serde_json::from_str(include_str!("vectors/tagged-hash.json")).expect("vector file is valid JSON");
    assert!(file.vectors.len() >= 7);
    for vector in file.vectors {
        let domain = domain_named(&vector.domain);
        assert_eq!(
            domain.label(),
            vector.label,
            "label of {domain:?} changed: that breaks every stored hash"
        );
        let parts: Vec<Vec<u8>> = vector.parts.iter().map(|p| hex::decode(p).expect("hex part")).collect();
        check(domain, &parts, &vector.digest);
    }
}

#[test]
fn labels_are_distinct_versioned_and_fit_their_length_prefix() {
    for (i, a) in Domain::ALL.iter().enumerate() {
        assert!(a.label().starts_with("assent/v1/"));
        assert!(a.label().len() <= usize::from(u8::MAX));
        for b in &Domain::ALL[i + 1..] {
            assert_ne!(a.label(), b.label());
        }
    }
}

#[test]
fn same_parts_under_different_domains_differ() {
    let parts: &[&[u8]] = &[b"salt", b"grant"];
    let digests: Vec<_> = Domain::ALL.iter().map(|d| tagged_hash(*d, parts)).collect();
    for (i, a) in digests.iter().enumerate() {
        for b in &digests[i + 1..] {
            assert_ne!(a, b);
        }
    }
}

#[test]
fn moving_a_byte_between_parts_changes_the_hash() {
    let domain = Domain::GrantCommitment;
    assert_ne!(tagged_hash(domain, &[b"ab", b"c"]), tagged_hash(domain, &[b"a", b"bc"]));
    assert_ne!(tagged_hash(domain, &[b"abc"]), tagged_hash(domain, &[b"abc", b""]));
    assert_ne!(tagged_hash(domain, &[]), tagged_hash(domain, &[b""]));
}

#[test]
fn plain_sha256_matches_fips_180_example() {
    assert_eq!(
        hex::encode(sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
