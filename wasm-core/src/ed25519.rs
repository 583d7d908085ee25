//! Ed25519 verification under one rule, ed25519-dalek's `verify_strict`, on two paths.
//!
//! [`verify`] accepts exactly what `verify_strict` accepts: it rejects a non-canonical `s`, a
//! small-order key or `R`, and a non-canonical `R`, and checks the cofactorless equation
//! `R = [s]B − [k]A` with the same double-scalar multiplication. It skips `verify_strict`'s
//! decompression of `R` (see below why that changes nothing): 8–14% of the gateway's CPU per
//! append (BENCHMARKS.md). Every signature Assent accepts once per key (grants, log entries,
//! access events) goes through it.
//!
//! [`PreparedKey`] accepts exactly the same signatures, faster, for a key that signs many times:
//! a log's key and its witnesses' keys, which sign every checkpoint a client verifies. It keeps
//! a table of multiples of the key `A` (and one of the base point `B`, shared), so `[s]B` and
//! `[k]A` are sums of table entries with no doublings: about 2.3× faster than `verify_strict`
//! in wasm, 1.3× native (BENCHMARKS.md). It is variable-time, as `verify_strict` is: every
//! input is public. [`verify_with_kept_key`] prepares a key once and keeps it for later calls.
//!
//! Why the two paths accept the same set: `verify_strict` accepts when `s` is canonical, `A` is
//! not of small order, `R` decompresses to a point not of small order, and the canonical
//! encoding of `[s]B − [k]A` equals `R`'s bytes. Since a canonical encoding always decompresses
//! back to its point, the last condition already implies that `R` decompresses to `[s]B − [k]A`;
//! so both paths check `s`, the key, that encoding, and the small order of the point they
//! computed. The tests hold both paths to ed25519-dalek's `verify_strict` on the CCTV and
//! Wycheproof vectors, keys with a small-order component, and random signatures; a fuzz target
//! compares all three on any input.

use std::sync::{Arc, Mutex, OnceLock};

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::Identity;
use sha2::{Digest, Sha512};

/// Bits per signed digit of a scalar. Five keeps a key's table at 133 KB for 2.3× (six: 220 KB
/// for 2.5×); a key's table takes about three verifications' time to build.
const DIGIT_BITS: usize = 5;
/// Table entries per row: the digit magnitudes 1..=16.
const ROW_LEN: usize = 1 << (DIGIT_BITS - 1);
/// Digit positions: enough for any 256-bit scalar and the final carry.
const ROWS: usize = 256 / DIGIT_BITS + 1;
/// The most keys [`verify_with_kept_key`] keeps (about 1 MB of tables).
const KEPT_KEYS: usize = 8;

/// Checks an Ed25519 signature as `verify_strict` does: rejects non-canonical encodings and
/// low-order points for both the key and `R`. The one acceptance rule every Assent component uses.
pub fn verify(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Some(point) = CompressedEdwardsY(*public_key).decompress() else { return false };
    let Some((r_bytes, s)) = split_signature(signature) else { return false };
    if point.is_small_order() {
        return false;
    }
    let k = challenge(r_bytes, public_key, message);
    let expected_r = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-point, &s);
    is_r(&expected_r, r_bytes)
}

/// `R`'s bytes and `s`, if `s` is canonical (below the group order), as `verify_strict` demands.
fn split_signature(signature: &[u8; 64]) -> Option<(&[u8], Scalar)> {
    let (r_bytes, s_bytes) = signature.split_at(32);
    let s = Scalar::from_canonical_bytes(<[u8; 32]>::try_from(s_bytes).ok()?);
    Option::<Scalar>::from(s).map(|s| (r_bytes, s))
}

/// The challenge `k = SHA-512(R ‖ A ‖ M) mod ℓ`, over the key's bytes as given.
fn challenge(r_bytes: &[u8], public_key: &[u8; 32], message: &[u8]) -> Scalar {
    let digest: [u8; 64] =
        Sha512::new().chain_update(r_bytes).chain_update(public_key).chain_update(message).finalize().into();
    Scalar::from_bytes_mod_order_wide(&digest)
}

/// Whether the computed `[s]B − [k]A` is the signature's `R`: its canonical encoding is `R`'s
/// bytes, and it is not of small order (the module documentation says why this is enough).
fn is_r(expected_r: &EdwardsPoint, r_bytes: &[u8]) -> bool {
    expected_r.compress().as_bytes() == r_bytes && !expected_r.is_small_order()
}

/// Checks a signature like [`verify`], keeping `public_key` prepared for later calls: for the
/// keys that sign many times (a log's, its witnesses'). Keeps up to eight keys, the most recently
/// used; preparing a key costs about three verifications, so one-off keys should use [`verify`].
pub fn verify_with_kept_key(public_key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    match kept_key(public_key) {
        Some(key) => key.verify(message, signature),
        None => false,
    }
}

/// The prepared key for `public_key`, from the kept ones or made now (and kept); `None` if the
/// bytes are not a point.
fn kept_key(public_key: &[u8; 32]) -> Option<Arc<PreparedKey>> {
    static KEPT: Mutex<Vec<Arc<PreparedKey>>> = Mutex::new(Vec::new());
    // A panic elsewhere while the lock was held leaves a list that is still valid: use it.
    let lock = || KEPT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    {
        let mut kept = lock();
        if let Some(position) = kept.iter().position(|key| &key.public_key == public_key) {
            let key = kept.remove(position);
            kept.insert(0, Arc::clone(&key));
            return Some(key);
        }
    }
    // Built outside the lock: another thread may build the same key meanwhile, which is harmless.
    let key = Arc::new(PreparedKey::new(public_key)?);
    let mut kept = lock();
    kept.insert(0, Arc::clone(&key));
    kept.truncate(KEPT_KEYS);
    Some(key)
}

/// An Ed25519 public key with a table of its multiples, for verifying many of its signatures.
/// Accepts exactly what [`verify`] accepts (see the module documentation).
pub struct PreparedKey {
    /// The key's bytes as given: the challenge hash covers these, not a re-encoding.
    public_key: [u8; 32],
    /// Whether the key is of small order: `verify_strict` rejects every signature under it.
    weak: bool,
    /// Multiples of the key's point.
    table: MultiplesTable,
}

impl PreparedKey {
    /// Prepares `public_key`; `None` if the bytes do not decompress to a curve point (no
    /// signature under them verifies). About three verifications' work and 133 KB.
    pub fn new(public_key: &[u8; 32]) -> Option<PreparedKey> {
        let point = CompressedEdwardsY(*public_key).decompress()?;
        Some(PreparedKey {
            public_key: *public_key,
            weak: point.is_small_order(),
            table: MultiplesTable::new(&point),
        })
    }

    /// Checks `signature` over `message` by this key, accepting exactly what [`verify`] accepts.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let Some((r_bytes, s)) = split_signature(signature) else { return false };
        if self.weak {
            return false;
        }
        let k = challenge(r_bytes, &self.public_key, message);
        // R' = [s]B − [k]A, one table walk each.
        let mut expected_r = EdwardsPoint::identity();
        basepoint_table().accumulate(&mut expected_r, &s, false);
        self.table.accumulate(&mut expected_r, &k, true);
        is_r(&expected_r, r_bytes)
    }
}

/// The base point's table, built on first use and shared.
fn basepoint_table() -> &'static MultiplesTable {
    static TABLE: OnceLock<MultiplesTable> = OnceLock::new();
    TABLE.get_or_init(|| MultiplesTable::new(&ED25519_BASEPOINT_POINT))
}

/// `rows[i][d - 1] = d · 32^i · P` for `d` in 1..=16: a scalar written in signed base-32 digits
/// is then a sum of one entry (or its negation) per digit.
struct MultiplesTable {
    rows: Vec<[EdwardsPoint; ROW_LEN]>,
}

impl MultiplesTable {
    fn new(point: &EdwardsPoint) -> MultiplesTable {
        let mut rows = Vec::with_capacity(ROWS);
        let mut row_base = *point;
        for _ in 0..ROWS {
            let mut row = [row_base; ROW_LEN];
            for multiple in 1..ROW_LEN {
                row[multiple] = row[multiple - 1] + row_base;
            }
            // 32 · base = 2 · (16 · base).
            row_base = row[ROW_LEN - 1] + row[ROW_LEN - 1];
            rows.push(row);
        }
        MultiplesTable { rows }
    }

    /// Adds `scalar · P` (or subtracts it, if `negate`) to `sum`.
    fn accumulate(&self, sum: &mut EdwardsPoint, scalar: &Scalar, negate: bool) {
        for (row, digit) in self.rows.iter().zip(signed_digits(scalar)) {
            let digit = if negate { -digit } else { digit };
            let magnitude = usize::from(digit.unsigned_abs());
            let Some(entry) = magnitude.checked_sub(1).and_then(|index| row.get(index)) else { continue };
            *sum = if digit > 0 { *sum + entry } else { *sum - entry };
        }
    }
}

/// `scalar` in signed base-32 digits, least significant first, each in -16..=15.
fn signed_digits(scalar: &Scalar) -> [i8; ROWS] {
    let bytes = scalar.as_bytes();
    let bit = |index: usize| bytes.get(index / 8).map_or(0, |byte| (byte >> (index % 8)) & 1);
    let mut digits = [0i8; ROWS];
    let mut carry = 0u8;
    for (position, digit) in digits.iter_mut().enumerate() {
        let chunk = (0..DIGIT_BITS).fold(0u8, |chunk, b| chunk | (bit(position * DIGIT_BITS + b) << b));
        let value = chunk + carry;
        // value ≤ 32; from 16 up, write it as value − 32 and carry one into the next digit.
        carry = u8::from(value >= ROW_LEN as u8);
        *digit = value as i8 - (i8::from(carry == 1) * 32);
    }
    digits
}

#[cfg(test)]
mod tests {
    use curve25519_dalek::traits::IsIdentity;

    use super::*;

    /// Recombines digits into a scalar: Σ d_i · 32^i.
    fn recombine(digits: &[i8; ROWS]) -> Scalar {
        let thirty_two = Scalar::from(32u8);
        digits.iter().rev().fold(Scalar::ZERO, |sum, &digit| {
            let magnitude = Scalar::from(digit.unsigned_abs());
            sum * thirty_two + if digit < 0 { -magnitude } else { magnitude }
        })
    }

    #[test]
    fn signed_digits_recombine_to_the_scalar_and_stay_in_range() {
        let mut scalars =
            vec![Scalar::ZERO, Scalar::ONE, -Scalar::ONE, Scalar::from(15u8), Scalar::from(16u8)];
        let mut wide = [0u8; 64];
        for seed in 0..200u8 {
            wide.iter_mut()
                .enumerate()
                .for_each(|(i, byte)| *byte = seed.wrapping_mul(31).wrapping_add((i as u8).wrapping_mul(7)));
            scalars.push(Scalar::from_bytes_mod_order_wide(&wide));
        }
        for scalar in scalars {
            let digits = signed_digits(&scalar);
            assert!(digits.iter().all(|&digit| (-16..=15).contains(&digit)), "{digits:?}");
            assert_eq!(recombine(&digits), scalar);
        }
    }

    #[test]
    fn the_table_multiplies_like_the_curve_does() {
        let point = EdwardsPoint::mul_base(&Scalar::from(123_456_789u64));
        let table = MultiplesTable::new(&point);
        for factor in [0u64, 1, 16, 17, 31, 32, 1 << 40, u64::MAX] {
            let scalar = Scalar::from(factor);
            let mut sum = EdwardsPoint::identity();
            table.accumulate(&mut sum, &scalar, false);
            assert_eq!(sum, point * scalar, "{factor}");
            table.accumulate(&mut sum, &scalar, true);
            assert!(sum.is_identity(), "{factor}");
        }
    }
}
