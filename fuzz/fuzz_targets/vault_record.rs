//! The sealed-record decoder on arbitrary input: `inspect` and `open` may not panic, and refuse
//! anything that is not a sound record (the checksum gate comes before any key derivation).
//!
//! A fuzzer cannot forge the SHA-256 checksum, so the same bytes are also tried with their last
//! 32 bytes replaced by the checksum of the rest: that reaches the header checks, the KDF
//! parameter bounds and, for records sealed with a wallet key, the decryption. Argon2id is left
//! out there (every valid header would cost a key derivation): a passphrase record is opened
//! only when its parameters are out of bounds, which must be refused before any derivation.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_core::hash::sha256;
use wasm_core::vault::{
    inspect, open, open_with_key, KdfParams, KeySource, RecordKey, RecordKind, VaultError,
};

/// The key the `wallet-state.bin` seed is sealed with.
const WALLET_KEY: [u8; 32] = [7; 32];
/// Byte 9 of a record is its kind.
const KIND_OFFSET: usize = 9;

fuzz_target!(|data: &[u8]| {
    let _ = inspect(RecordKind::MasterSeed, data);
    let _ = open(RecordKind::MasterSeed, data, "fuzz passphrase");

    let Some(body_len) = data.len().checked_sub(32) else { return };
    let mut record = data.to_vec();
    let checksum = sha256(&record[..body_len]);
    record[body_len..].copy_from_slice(&checksum);
    let kind =
        data.get(KIND_OFFSET).copied().and_then(RecordKind::from_byte).unwrap_or(RecordKind::MasterSeed);
    let Ok(header) = inspect(kind, &record) else { return };
    assert_eq!(header.kind, kind);
    match header.key_source {
        KeySource::WalletKey => {
            let _ = open_with_key(kind, &record, &RecordKey::from_bytes(WALLET_KEY));
            let refused = open(kind, &record, "fuzz passphrase");
            assert!(refused.is_err(), "a wallet-key record does not open with a passphrase");
        }
        KeySource::Passphrase(params) if !within_bounds(params) => {
            let refused = open(kind, &record, "fuzz passphrase");
            assert!(
                matches!(
                    refused,
                    Err(VaultError::WeakParameters { .. } | VaultError::ExcessiveParameters { .. })
                ),
                "out-of-bounds parameters are refused before key derivation: {refused:?}"
            );
        }
        KeySource::Passphrase(_) => {
            let refused = open_with_key(kind, &record, &RecordKey::from_bytes(WALLET_KEY));
            assert!(refused.is_err(), "a passphrase record does not open with a wallet key");
        }
    }
});

/// Whether `open` would run Argon2id with `params`: within `KdfParams::FLOOR..=CEILING`.
fn within_bounds(params: KdfParams) -> bool {
    let (floor, ceiling) = (KdfParams::FLOOR, KdfParams::CEILING);
    (floor.memory_kib..=ceiling.memory_kib).contains(&params.memory_kib)
        && (floor.iterations..=ceiling.iterations).contains(&params.iterations)
        && (floor.parallelism..=ceiling.parallelism).contains(&params.parallelism)
}
