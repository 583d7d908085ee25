//! Both Ed25519 paths on arbitrary input: `ed25519::verify` and `PreparedKey::verify` must give
//! the answer ed25519-dalek's `verify_strict` gives, and none may panic.
//!
//! Input: a mode byte, 32 key bytes, 64 signature bytes, then the message. Mode 0 takes the key
//! and signature as given (non-points, small-order and non-canonical encodings). Mode 1 signs the
//! message with the key bytes as a seed, adds a small-order point (chosen by the mode's high
//! bits) to the key, and XORs the signature bytes into the signature: near-valid signatures, under
//! keys with and without a small-order component.
#![no_main]

use curve25519_dalek::constants::EIGHT_TORSION;
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::{Signer as _, SigningKey};
use libfuzzer_sys::fuzz_target;
use wasm_core::ed25519::{verify, PreparedKey};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Some((key, rest)) = rest.split_first_chunk::<32>() else { return };
    let Some((signature, message)) = rest.split_first_chunk::<64>() else { return };
    let (key, signature) = if mode & 1 == 0 {
        (*key, *signature)
    } else {
        let signer = SigningKey::from_bytes(key);
        let mut signed = signer.sign(message).to_bytes();
        signed.iter_mut().zip(signature).for_each(|(byte, flip)| *byte ^= flip);
        let torsion = EIGHT_TORSION[usize::from(mode >> 1) % 8];
        let point = CompressedEdwardsY(signer.verifying_key().to_bytes()).decompress();
        let key = point.map_or(signer.verifying_key().to_bytes(), |point| (point + torsion).compress().to_bytes());
        (key, signed)
    };
    let strict = ed25519_dalek::VerifyingKey::from_bytes(&key)
        .is_ok_and(|key| key.verify_strict(message, &ed25519_dalek::Signature::from_bytes(&signature)).is_ok());
    let one_off = verify(&key, message, &signature);
    let prepared = PreparedKey::new(&key).is_some_and(|prepared| prepared.verify(message, &signature));
    assert_eq!(one_off, strict, "verify disagrees with verify_strict");
    assert_eq!(prepared, strict, "PreparedKey disagrees with verify_strict");
});
