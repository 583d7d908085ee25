//! The vault: seal and open, damage and tampering, parameters, keys and recovery phrases.
//! These run natively and, through wasm-bindgen-test, in headless Chromium.

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use wasm_core::vault::{
    inspect, open, open_with_key, seal, seal_with_key, DamageCheck, KdfParams, KeySource, MasterSeed,
    RecordKind, VaultError,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const PASSPHRASE: &str = "correct horse battery staple";

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

fn sealed_seed() -> (MasterSeed, Vec<u8>) {
    let seed = MasterSeed::generate(&mut rng(1)).expect("a seeded RNG never fails");
    let record =
        seal(RecordKind::MasterSeed, seed.expose_bytes(), PASSPHRASE, KdfParams::DEFAULT, &mut rng(2))
            .expect("sealing with default parameters works");
    (seed, record)
}

/// Rewrites the trailing checksum, as a deliberate tamperer (not random damage) would.
fn rechecksum(record: &mut [u8]) {
    let split = record.len() - 32;
    let digest = Sha256::digest(&record[..split]);
    record[split..].copy_from_slice(&digest);
}

/// Writes the three Argon2id parameters at their offsets (11, 15, 19) and re-checksums.
fn with_params(record: &[u8], params: KdfParams) -> Vec<u8> {
    let mut tampered = record.to_vec();
    tampered[11..15].copy_from_slice(&params.memory_kib.to_be_bytes());
    tampered[15..19].copy_from_slice(&params.iterations.to_be_bytes());
    tampered[19..23].copy_from_slice(&params.parallelism.to_be_bytes());
    rechecksum(&mut tampered);
    tampered
}

/// One expected outcome of opening `record` as `kind`.
fn check(kind: RecordKind, record: &[u8], passphrase: &str, expected: Result<&[u8], VaultError>) {
    let opened = open(kind, record, passphrase);
    assert_eq!(opened.as_deref().map(Vec::as_slice).map_err(Clone::clone), expected);
}

#[test]
fn seal_and_open_round_trip() {
    let (seed, record) = sealed_seed();
    check(RecordKind::MasterSeed, &record, PASSPHRASE, Ok(seed.expose_bytes()));
    let header = inspect(RecordKind::MasterSeed, &record).expect("header is readable");
    assert_eq!(
        (header.kind, header.version, header.key_source),
        (RecordKind::MasterSeed, 1, KeySource::Passphrase(KdfParams::DEFAULT))
    );
    // A fresh salt and nonce each time: sealing twice never gives the same bytes.
    let again =
        seal(RecordKind::MasterSeed, seed.expose_bytes(), PASSPHRASE, KdfParams::DEFAULT, &mut rng(3))
            .expect("sealing works");
    assert_ne!(again, record);
}

#[test]
fn wrong_passphrase_is_its_own_error() {
    let (_, record) = sealed_seed();
    check(RecordKind::MasterSeed, &record, "correct horse battery stapler", Err(VaultError::WrongPassphrase));
    check(RecordKind::MasterSeed, &record, "", Err(VaultError::WrongPassphrase));
}

#[test]
fn passphrase_is_unicode_normalized() {
    let seed = MasterSeed::generate(&mut rng(4)).expect("seeded RNG");
    let composed = "caf\u{e9} au lait";
    let decomposed = "cafe\u{301} au lait";
    let record = seal(RecordKind::MasterSeed, seed.expose_bytes(), composed, KdfParams::DEFAULT, &mut rng(5))
        .expect("sealing works");
    check(RecordKind::MasterSeed, &record, decomposed, Ok(seed.expose_bytes()));
}

#[test]
fn every_single_byte_flip_is_reported_as_damage() {
    let (_, record) = sealed_seed();
    for index in 0..record.len() {
        let mut damaged = record.clone();
        damaged[index] ^= 0x01;
        check(
            RecordKind::MasterSeed,
            &damaged,
            PASSPHRASE,
            Err(VaultError::Damaged { record: RecordKind::MasterSeed, check: DamageCheck::Checksum }),
        );
    }
    let damaged_error = VaultError::Damaged { record: RecordKind::MasterSeed, check: DamageCheck::Checksum };
    assert_eq!(
        damaged_error.to_string(),
        "the stored wallet key is damaged: its checksum does not match; restore it from your recovery phrase or a backup file"
    );
}

#[test]
fn truncated_extended_and_foreign_records_are_damage() {
    let (_, record) = sealed_seed();
    let damaged = |check| Err(VaultError::Damaged { record: RecordKind::MasterSeed, check });
    check(RecordKind::MasterSeed, &record[..record.len() - 1], PASSPHRASE, damaged(DamageCheck::Checksum));
    check(RecordKind::MasterSeed, &record[..10], PASSPHRASE, damaged(DamageCheck::TooShort));
    check(RecordKind::MasterSeed, &[], PASSPHRASE, damaged(DamageCheck::TooShort));
    let mut longer = record.clone();
    longer.push(0);
    check(RecordKind::MasterSeed, &longer, PASSPHRASE, damaged(DamageCheck::Checksum));
    let mut foreign = record.clone();
    foreign[..8].copy_from_slice(b"NOTASEAL");
    rechecksum(&mut foreign);
    check(RecordKind::MasterSeed, &foreign, PASSPHRASE, damaged(DamageCheck::Magic));
    let mut unknown_kdf = record.clone();
    unknown_kdf[10] = 9;
    rechecksum(&mut unknown_kdf);
    check(RecordKind::MasterSeed, &unknown_kdf, PASSPHRASE, damaged(DamageCheck::KdfAlgorithm));
}

#[test]
fn a_newer_format_version_is_unsupported_not_damaged() {
    let (_, record) = sealed_seed();
    let mut newer = record.clone();
    newer[8] = 2;
    rechecksum(&mut newer);
    check(
        RecordKind::MasterSeed,
        &newer,
        PASSPHRASE,
        Err(VaultError::UnsupportedVersion { record: RecordKind::MasterSeed, found: 2 }),
    );
}

#[test]
fn record_kind_is_bound_into_the_encryption() {
    let (_, record) = sealed_seed();
    check(
        RecordKind::HealthRecords,
        &record,
        PASSPHRASE,
        Err(VaultError::Damaged { record: RecordKind::HealthRecords, check: DamageCheck::Kind }),
    );
    // Relabelled (with a valid checksum) as health records: the AEAD rejects it.
    let mut relabelled = record.clone();
    relabelled[9] = 2;
    rechecksum(&mut relabelled);
    check(
        RecordKind::HealthRecords,
        &relabelled,
        PASSPHRASE,
        Err(VaultError::Damaged { record: RecordKind::HealthRecords, check: DamageCheck::Authentication }),
    );
}

#[test]
fn weakened_parameters_are_refused_before_any_work() {
    let (seed, record) = sealed_seed();
    let floor = KdfParams::FLOOR;
    for weak in [
        KdfParams { memory_kib: floor.memory_kib - 1, ..floor },
        KdfParams { iterations: 1, ..floor },
        KdfParams { parallelism: 0, ..floor },
        KdfParams { memory_kib: 8, iterations: 1, parallelism: 1 },
    ] {
        let expected =
            Err(VaultError::WeakParameters { record: RecordKind::MasterSeed, params: weak, floor });
        check(RecordKind::MasterSeed, &with_params(&record, weak), PASSPHRASE, expected.clone());
        let sealed = seal(RecordKind::MasterSeed, seed.expose_bytes(), PASSPHRASE, weak, &mut rng(6));
        assert_eq!(sealed.map(|_| ()), expected.map(|_: &[u8]| ()));
    }
    let huge = KdfParams { memory_kib: 4 * 1024 * 1024, ..floor };
    check(
        RecordKind::MasterSeed,
        &with_params(&record, huge),
        PASSPHRASE,
        Err(VaultError::ExcessiveParameters {
            record: RecordKind::MasterSeed,
            params: huge,
            ceiling: KdfParams::CEILING,
        }),
    );
}

#[test]
fn parameters_are_bound_into_the_key() {
    let (_, record) = sealed_seed();
    // Raising the stored cost (still valid) changes the derived key: the record no longer opens.
    let stronger = KdfParams { iterations: KdfParams::DEFAULT.iterations + 1, ..KdfParams::DEFAULT };
    check(
        RecordKind::MasterSeed,
        &with_params(&record, stronger),
        PASSPHRASE,
        Err(VaultError::WrongPassphrase),
    );
}

#[test]
fn secrets_never_appear_in_debug_output() {
    let (seed, _) = sealed_seed();
    let phrase = seed.recovery_phrase();
    let seed_hex = hex::encode(seed.expose_bytes());
    let printed = format!("{seed:?} {phrase:?} {:?}", seed.root_key());
    assert!(!printed.contains(&seed_hex), "{printed}");
    assert!(!printed.contains(phrase.words().next().expect("24 words")), "{printed}");
    assert!(!printed.contains(&hex::encode(seed.root_key().to_bytes())), "{printed}");
}

#[derive(Deserialize)]
struct VaultVectors {
    phrases: Vec<PhraseVector>,
    derivations: Vec<DerivationVector>,
}

#[derive(Deserialize)]
struct PhraseVector {
    entropy: String,
    phrase: String,
}

#[derive(Deserialize)]
struct DerivationVector {
    seed: String,
    label: String,
    provider: Option<String>,
    secret: String,
}

fn vectors() -> VaultVectors {
    serde_json::from_str(include_str!("vectors/vault-vectors.json")).expect("vault vectors are valid JSON")
}

fn seed_from_hex(hex_seed: &str) -> MasterSeed {
    MasterSeed::from_bytes(hex::decode(hex_seed).expect("hex").try_into().expect("32 bytes"))
}

#[test]
fn bip39_reference_vectors_round_trip() {
    let vectors = vectors();
    assert!(vectors.phrases.len() >= 8);
    for vector in vectors.phrases {
        let seed = seed_from_hex(&vector.entropy);
        assert_eq!(seed.recovery_phrase().expose(), vector.phrase);
        let upper_and_spaced = format!("  {}\n", vector.phrase.to_uppercase().replace(' ', "   "));
        let restored = MasterSeed::from_recovery_phrase(&upper_and_spaced).expect("valid phrase");
        assert_eq!(restored, seed);
    }
}

#[test]
fn bad_recovery_phrases_get_distinct_errors() {
    let phrase = vectors().phrases.swap_remove(4).phrase;
    let mut words: Vec<&str> = phrase.split(' ').collect();

    words[6] = "zebraa";
    assert_eq!(
        MasterSeed::from_recovery_phrase(&words.join(" ")),
        Err(VaultError::PhraseUnknownWord { position: 7, word: "zebraa".into() })
    );
    let original: Vec<&str> = phrase.split(' ').collect();
    words[6] = original[6];
    words.swap(0, 1);
    if words[0] != words[1] {
        assert_eq!(MasterSeed::from_recovery_phrase(&words.join(" ")), Err(VaultError::PhraseChecksum));
    }
    assert_eq!(
        MasterSeed::from_recovery_phrase(&original[..12].join(" ")),
        Err(VaultError::PhraseLength { found: 12 })
    );
    assert_eq!(MasterSeed::from_recovery_phrase(""), Err(VaultError::PhraseLength { found: 0 }));
}

#[test]
fn key_derivation_matches_independent_hkdf() {
    for vector in vectors().derivations {
        let seed = seed_from_hex(&vector.seed);
        let key = match (vector.label.as_str(), &vector.provider) {
            ("root", None) => seed.root_key(),
            ("provider", None) => seed.provider_key(),
            ("pairwise", Some(provider)) => seed.pairwise_key(provider.as_bytes()),
            other => panic!("unknown derivation vector {other:?}"),
        };
        assert_eq!(hex::encode(key.to_bytes()), vector.secret);
    }
}

#[test]
fn pairwise_keys_are_deterministic_and_unlinkable() {
    let seed = MasterSeed::generate(&mut rng(7)).expect("seeded RNG");
    let a = seed.pairwise_key(b"provider-a").verifying_key();
    assert_eq!(a, seed.pairwise_key(b"provider-a").verifying_key());
    assert_ne!(a, seed.pairwise_key(b"provider-b").verifying_key());
    assert_ne!(a, seed.root_key().verifying_key());
    let other = MasterSeed::generate(&mut rng(8)).expect("seeded RNG");
    assert_ne!(a, other.pairwise_key(b"provider-a").verifying_key());
}

/// Hostile input: random bytes, truncations and mutations of a valid record always give an
/// error, never a panic, and never run the key derivation (the checksum gate comes first).
#[test]
fn hostile_bytes_are_refused_without_panicking() {
    use rand_chacha::rand_core::Rng;
    let (_, record) = sealed_seed();
    let mut rng = rng(9);
    for len in [0usize, 1, 8, 63, 94, 95, 96, 97, 143, 144, 145, 200, 4096] {
        let mut bytes = vec![0u8; len];
        rng.fill_bytes(&mut bytes);
        assert!(inspect(RecordKind::MasterSeed, &bytes).is_err());
        assert!(open(RecordKind::MasterSeed, &bytes, PASSPHRASE).is_err());
    }
    for _ in 0..2000 {
        let mut mutated = record.clone();
        let index = (rng.next_u32() as usize) % mutated.len();
        match rng.next_u32() % 3 {
            0 => mutated[index] = (rng.next_u32() & 0xff) as u8 ^ mutated[index] | 1,
            1 => mutated.truncate(index),
            _ => mutated.insert(index, (rng.next_u32() & 0xff) as u8),
        }
        if mutated != record {
            assert!(open(RecordKind::MasterSeed, &mutated, PASSPHRASE).is_err());
        }
    }
}

#[test]
fn unlock_throttle_backs_off_after_three_failures_and_resets_on_success() {
    use wasm_core::vault::UnlockThrottle;
    let mut throttle = UnlockThrottle::default();
    let t0 = 1_700_000_000_000u64;
    for attempt in 0..2 {
        throttle.record_failure(t0 + attempt);
        assert_eq!(throttle.wait_ms(t0 + attempt), None, "the first failures are free");
    }
    throttle.record_failure(t0);
    assert_eq!(throttle.wait_ms(t0), Some(1_000));
    assert_eq!(throttle.wait_ms(t0 + 1_000), None);
    throttle.record_failure(t0 + 1_000);
    assert_eq!(throttle.wait_ms(t0 + 1_000), Some(2_000));
    for _ in 0..40 {
        throttle.record_failure(t0);
    }
    assert_eq!(throttle.wait_ms(t0), Some(5 * 60 * 1_000), "capped at five minutes");
    throttle.record_success();
    assert_eq!((throttle.wait_ms(t0), throttle.failures()), (None, 0));
}

#[test]
fn idle_lock_fires_after_the_timeout_and_activity_postpones_it() {
    use wasm_core::vault::IdleLock;
    let t0 = 1_700_000_000_000u64;
    let mut idle = IdleLock::new(IdleLock::DEFAULT_TIMEOUT_MS, t0);
    assert!(!idle.should_lock(t0 + IdleLock::DEFAULT_TIMEOUT_MS - 1));
    assert!(idle.should_lock(t0 + IdleLock::DEFAULT_TIMEOUT_MS));
    idle.touch(t0 + 60_000);
    assert!(!idle.should_lock(t0 + IdleLock::DEFAULT_TIMEOUT_MS));
    idle.touch(t0); // a stale event never moves the clock back
    assert!(idle.should_lock(t0 + 60_000 + IdleLock::DEFAULT_TIMEOUT_MS));
    assert_eq!(IdleLock::new(1, t0).timeout_ms(), IdleLock::MIN_TIMEOUT_MS);
    assert_eq!(IdleLock::new(u64::MAX, t0).timeout_ms(), IdleLock::MAX_TIMEOUT_MS);
}

#[test]
fn an_opened_record_holds_exactly_one_seed() {
    let (seed, record) = sealed_seed();
    let opened = open(RecordKind::MasterSeed, &record, PASSPHRASE).expect("opens");
    assert_eq!(MasterSeed::from_record_contents(&opened), Ok(seed));
    for wrong in [&[0u8; 31][..], &[0u8; 33], &[]] {
        assert_eq!(
            MasterSeed::from_record_contents(wrong),
            Err(VaultError::Damaged { record: RecordKind::MasterSeed, check: DamageCheck::Contents })
        );
    }
}

#[test]
fn wallet_key_records_open_only_with_their_wallets_key() {
    let (seed, passphrase_record) = sealed_seed();
    let other = MasterSeed::generate(&mut rng(9)).expect("a seeded RNG never fails");
    let key = seed.record_key(RecordKind::WalletState);
    let state = br#"{"version":1,"grants":[]}"#;
    let record = seal_with_key(RecordKind::WalletState, state, &key, &mut rng(4)).expect("sealing works");
    let header = inspect(RecordKind::WalletState, &record).expect("header is readable");
    assert_eq!(header.key_source, KeySource::WalletKey);
    let opened = |kind, record: &[u8], key| open_with_key(kind, record, key).map(|p| p.to_vec());
    assert_eq!(opened(RecordKind::WalletState, &record, &key), Ok(state.to_vec()));
    // Another wallet's key, and this wallet's key for another kind, are told apart from damage.
    let other_key = other.record_key(RecordKind::WalletState);
    assert_eq!(opened(RecordKind::WalletState, &record, &other_key), Err(VaultError::OtherWallet));
    let records_key = seed.record_key(RecordKind::HealthRecords);
    assert_eq!(opened(RecordKind::WalletState, &record, &records_key), Err(VaultError::OtherWallet));
    // Key sources do not mix: a passphrase record never opens with a key, nor the reverse.
    let key_source = DamageCheck::KeySource;
    let seed_kind_key = seed.record_key(RecordKind::MasterSeed);
    assert_eq!(
        opened(RecordKind::MasterSeed, &passphrase_record, &seed_kind_key),
        Err(VaultError::Damaged { record: RecordKind::MasterSeed, check: key_source })
    );
    check(
        RecordKind::WalletState,
        &record,
        PASSPHRASE,
        Err(VaultError::Damaged { record: RecordKind::WalletState, check: key_source }),
    );
    // A key-sealed record with non-zero parameter bytes is not one Assent writes.
    let odd = with_params(&record, KdfParams::DEFAULT);
    assert_eq!(
        opened(RecordKind::WalletState, &odd, &key),
        Err(VaultError::Damaged { record: RecordKind::WalletState, check: DamageCheck::KdfAlgorithm })
    );
    // Every flipped ciphertext bit, re-checksummed, fails authentication.
    for at in [85, record.len() - 40] {
        let mut tampered = record.clone();
        tampered[at] ^= 1;
        rechecksum(&mut tampered);
        assert_eq!(
            opened(RecordKind::WalletState, &tampered, &key),
            Err(VaultError::Damaged { record: RecordKind::WalletState, check: DamageCheck::Authentication })
        );
    }
}
