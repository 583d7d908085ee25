//! Sealed records: a passphrase-protected, versioned container.
//!
//! Format version 1, all integers big-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `ASNTSEAL` |
//! | 1 | format version (1) |
//! | 1 | record kind ([`RecordKind`]) |
//! | 1 | key source (1 = Argon2id v1.3 of a passphrase, 2 = a wallet record key) |
//! | 4, 4, 4 | Argon2id memory (KiB), iterations, parallelism; all zero for a wallet record key |
//! | 16 | salt (Argon2id salt, or HKDF salt for a wallet record key) |
//! | 24 | XChaCha20-Poly1305 nonce |
//! | 16 | key check: proves the passphrase before decrypting |
//! | n + 16 | ciphertext and tag; the associated data is every byte before the key check |
//! | 32 | SHA-256 of every byte before it |
//!
//! Every version ends with that checksum, so damage is told apart from a wrong passphrase
//! before any key derivation. The checksum is not a security boundary: the AEAD tag is. The
//! associated data binds the record kind, format version and KDF parameters, and parameters
//! below [`KdfParams::FLOOR`] are refused before any work.
//!
//! Records the wallet rewrites often while unlocked (its state) are sealed with a
//! [`RecordKey`] derived from the master seed instead of the passphrase: no Argon2id per write,
//! and still only openable by whoever holds the seed. The master seed itself is always sealed
//! under the passphrase.

use core::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand_core::TryCryptoRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use super::{DamageCheck, VaultError};

const MAGIC: &[u8; 8] = b"ASNTSEAL";
const FORMAT_VERSION: u8 = 1;
const KDF_ARGON2ID_V13: u8 = 1;
const KDF_WALLET_RECORD_KEY: u8 = 2;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const KEY_CHECK_LEN: usize = 16;
const TAG_LEN: usize = 16;
const CHECKSUM_LEN: usize = 32;
/// Magic, version, kind, algorithm, three u32 parameters, salt, nonce.
const HEADER_LEN: usize = 8 + 1 + 1 + 1 + 12 + SALT_LEN + NONCE_LEN;
const MIN_RECORD_LEN: usize = HEADER_LEN + KEY_CHECK_LEN + TAG_LEN + CHECKSUM_LEN;
/// Largest plaintext a record holds: a 20 MB health-record bundle with room to spare.
pub const MAX_PLAINTEXT_LEN: usize = 32 * 1024 * 1024;
const MAX_RECORD_LEN: usize = MIN_RECORD_LEN + MAX_PLAINTEXT_LEN;
/// HKDF info labels that split the Argon2id output into independent keys.
const ENCRYPTION_KEY_INFO: &[u8] = b"assent/v1/vault/encryption-key";
const KEY_CHECK_INFO: &[u8] = b"assent/v1/vault/key-check";

/// What a sealed record holds. The kind is bound into the AEAD, so one kind can never be
/// opened as another.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum RecordKind {
    /// The master seed (the wallet's keys). Its sealed form is also the backup file.
    MasterSeed,
    /// The patient's imported health records.
    HealthRecords,
    /// Wallet state: grants, settings, verified checkpoints.
    WalletState,
}

impl RecordKind {
    /// The kind's byte in the record format.
    pub const fn to_byte(self) -> u8 {
        match self {
            RecordKind::MasterSeed => 1,
            RecordKind::HealthRecords => 2,
            RecordKind::WalletState => 3,
        }
    }

    /// The kind a format byte stands for.
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(RecordKind::MasterSeed),
            2 => Some(RecordKind::HealthRecords),
            3 => Some(RecordKind::WalletState),
            _ => None,
        }
    }
}

impl RecordKind {
    /// What to do when a record of this kind is damaged.
    pub const fn damage_advice(self) -> &'static str {
        match self {
            RecordKind::MasterSeed => "restore it from your recovery phrase or a backup file",
            RecordKind::HealthRecords => "it is kept aside; import your records again",
            RecordKind::WalletState => "it is kept aside, and a new one starts with your next change",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RecordKind::MasterSeed => "wallet key",
            RecordKind::HealthRecords => "health records",
            RecordKind::WalletState => "wallet state",
        })
    }
}

/// Argon2id cost parameters, stored in each record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Passes over memory.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl KdfParams {
    /// OWASP's minimum for Argon2id: 19 MiB, two passes, one lane. Anything weaker is refused.
    pub const FLOOR: KdfParams = KdfParams { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 };
    /// What Assent seals with: RFC 9106's second recommendation (64 MiB, three passes), with one
    /// lane because wasm runs single-threaded. Measured in BENCHMARKS.md against the unlock budget.
    pub const DEFAULT: KdfParams = KdfParams { memory_kib: 64 * 1024, iterations: 3, parallelism: 1 };
    /// The most a record may ask for; more would exhaust a phone (a hostile backup file could).
    pub const CEILING: KdfParams = KdfParams { memory_kib: 256 * 1024, iterations: 16, parallelism: 4 };

    fn below(self, floor: KdfParams) -> bool {
        self.memory_kib < floor.memory_kib
            || self.iterations < floor.iterations
            || self.parallelism < floor.parallelism
    }

    fn above(self, ceiling: KdfParams) -> bool {
        self.memory_kib > ceiling.memory_kib
            || self.iterations > ceiling.iterations
            || self.parallelism > ceiling.parallelism
    }

    fn check(self, record: RecordKind) -> Result<(), VaultError> {
        if self.below(Self::FLOOR) {
            return Err(VaultError::WeakParameters { record, params: self, floor: Self::FLOOR });
        }
        if self.above(Self::CEILING) {
            return Err(VaultError::ExcessiveParameters { record, params: self, ceiling: Self::CEILING });
        }
        Ok(())
    }
}

impl fmt::Display for KdfParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Argon2id m={} KiB, t={}, p={}", self.memory_kib, self.iterations, self.parallelism)
    }
}

/// What a record's key comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// Argon2id of the passphrase, with these parameters.
    Passphrase(KdfParams),
    /// A [`RecordKey`] derived from the master seed.
    WalletKey,
}

/// What can be read from a sealed record without the passphrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// The record's kind.
    pub kind: RecordKind,
    /// The record's format version.
    pub version: u8,
    /// Where the record's key comes from.
    pub key_source: KeySource,
}

/// A 256-bit key for records the unlocked wallet rewrites often, derived from the master seed
/// by [`MasterSeed::record_key`](super::MasterSeed::record_key). Zeroized on drop, never printed.
#[derive(Clone)]
pub struct RecordKey(Zeroizing<[u8; 32]>);

impl RecordKey {
    /// Wraps raw key bytes (as handed to a worker).
    pub fn from_bytes(bytes: [u8; 32]) -> RecordKey {
        RecordKey(Zeroizing::new(bytes))
    }

    /// The raw key, for handing to the worker that seals with it.
    pub fn expose_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for RecordKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecordKey([redacted])")
    }
}

/// Seals `plaintext` as a record of `kind` under `passphrase`. Salt and nonce come from `rng`.
pub fn seal<R: TryCryptoRng + ?Sized>(
    kind: RecordKind,
    plaintext: &[u8],
    passphrase: &str,
    params: KdfParams,
    rng: &mut R,
) -> Result<Vec<u8>, VaultError> {
    params.check(kind)?;
    write_record(kind, plaintext, KeySource::Passphrase(params), rng, |salt| {
        derive_keys(passphrase, salt, params)
    })
}

/// Seals `plaintext` as a record of `kind` under a wallet [`RecordKey`]: no key stretching, for
/// records rewritten while the wallet is unlocked. Salt and nonce come from `rng`.
pub fn seal_with_key<R: TryCryptoRng + ?Sized>(
    kind: RecordKind,
    plaintext: &[u8],
    key: &RecordKey,
    rng: &mut R,
) -> Result<Vec<u8>, VaultError> {
    write_record(kind, plaintext, KeySource::WalletKey, rng, |salt| Ok(expand_keys(salt, key.expose_bytes())))
}

fn write_record<R: TryCryptoRng + ?Sized>(
    kind: RecordKind,
    plaintext: &[u8],
    key_source: KeySource,
    rng: &mut R,
    keys_for_salt: impl FnOnce(&[u8]) -> Result<RecordKeys, VaultError>,
) -> Result<Vec<u8>, VaultError> {
    if plaintext.len() > MAX_PLAINTEXT_LEN {
        return Err(VaultError::PlaintextTooLarge { len: plaintext.len(), max: MAX_PLAINTEXT_LEN });
    }
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rng.try_fill_bytes(&mut salt).map_err(|_| VaultError::Random)?;
    rng.try_fill_bytes(&mut nonce).map_err(|_| VaultError::Random)?;

    let (algorithm, params) = match key_source {
        KeySource::Passphrase(params) => (KDF_ARGON2ID_V13, params),
        KeySource::WalletKey => {
            (KDF_WALLET_RECORD_KEY, KdfParams { memory_kib: 0, iterations: 0, parallelism: 0 })
        }
    };
    let mut record = Vec::with_capacity(MIN_RECORD_LEN + plaintext.len());
    record.extend_from_slice(MAGIC);
    record.extend_from_slice(&[FORMAT_VERSION, kind.to_byte(), algorithm]);
    for value in [params.memory_kib, params.iterations, params.parallelism] {
        record.extend_from_slice(&value.to_be_bytes());
    }
    record.extend_from_slice(&salt);
    record.extend_from_slice(&nonce);
    debug_assert_eq!(record.len(), HEADER_LEN);

    let keys = keys_for_salt(&salt)?;
    record.extend_from_slice(&keys.check);
    let cipher = XChaCha20Poly1305::new((&*keys.encryption).into());
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: plaintext, aad: &record[..HEADER_LEN] })
        .map_err(|_| VaultError::PlaintextTooLarge { len: plaintext.len(), max: MAX_PLAINTEXT_LEN })?;
    record.extend_from_slice(&ciphertext);
    let checksum = Sha256::digest(&record);
    record.extend_from_slice(&checksum);
    Ok(record)
}

/// Reads a record's header after checking its length, checksum, magic, version and kind. Runs
/// no key derivation, so it is cheap on hostile input.
pub fn inspect(expected: RecordKind, record: &[u8]) -> Result<RecordHeader, VaultError> {
    let damaged = |check| VaultError::Damaged { record: expected, check };
    if record.len() < MIN_RECORD_LEN {
        return Err(damaged(DamageCheck::TooShort));
    }
    if record.len() > MAX_RECORD_LEN {
        return Err(damaged(DamageCheck::TooLong));
    }
    let (body, checksum) = record.split_at(record.len() - CHECKSUM_LEN);
    if !bool::from(Sha256::digest(body).as_slice().ct_eq(checksum)) {
        return Err(damaged(DamageCheck::Checksum));
    }
    if &body[..8] != MAGIC {
        return Err(damaged(DamageCheck::Magic));
    }
    let version = body[8];
    if version != FORMAT_VERSION {
        return Err(VaultError::UnsupportedVersion { record: expected, found: version });
    }
    match RecordKind::from_byte(body[9]) {
        Some(kind) if kind == expected => {}
        _ => return Err(damaged(DamageCheck::Kind)),
    }
    let word = |at: usize| u32::from_be_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
    let params = KdfParams { memory_kib: word(11), iterations: word(15), parallelism: word(19) };
    let key_source = match body[10] {
        KDF_ARGON2ID_V13 => KeySource::Passphrase(params),
        KDF_WALLET_RECORD_KEY if body[11..23].iter().all(|b| *b == 0) => KeySource::WalletKey,
        _ => return Err(damaged(DamageCheck::KdfAlgorithm)),
    };
    Ok(RecordHeader { kind: expected, version, key_source })
}

/// Opens a record of `expected` kind. Damage, version and parameters are checked before the
/// key derivation runs; a wrong passphrase is told apart from a damaged ciphertext.
pub fn open(expected: RecordKind, record: &[u8], passphrase: &str) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let header = inspect(expected, record)?;
    let KeySource::Passphrase(params) = header.key_source else {
        return Err(VaultError::Damaged { record: expected, check: DamageCheck::KeySource });
    };
    params.check(expected)?;
    decrypt(expected, record, |salt| derive_keys(passphrase, salt, params), VaultError::WrongPassphrase)
}

/// Opens a record of `expected` kind sealed with [`seal_with_key`]. A key from another wallet
/// is told apart from a damaged ciphertext.
pub fn open_with_key(
    expected: RecordKind,
    record: &[u8],
    key: &RecordKey,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let header = inspect(expected, record)?;
    if header.key_source != KeySource::WalletKey {
        return Err(VaultError::Damaged { record: expected, check: DamageCheck::KeySource });
    }
    decrypt(expected, record, |salt| Ok(expand_keys(salt, key.expose_bytes())), VaultError::OtherWallet)
}

/// Decrypts an inspected record with the keys its salt gives; `wrong_key` when the key check
/// fails.
fn decrypt(
    expected: RecordKind,
    record: &[u8],
    keys_for_salt: impl FnOnce(&[u8]) -> Result<RecordKeys, VaultError>,
    wrong_key: VaultError,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let body = &record[..record.len() - CHECKSUM_LEN];
    let salt = &body[23..23 + SALT_LEN];
    let nonce: [u8; NONCE_LEN] = body[23 + SALT_LEN..HEADER_LEN]
        .try_into()
        .expect("invariant: the nonce field is exactly NONCE_LEN bytes of a length-checked record");
    let stored_check = &body[HEADER_LEN..HEADER_LEN + KEY_CHECK_LEN];
    let ciphertext = &body[HEADER_LEN + KEY_CHECK_LEN..];

    let keys = keys_for_salt(salt)?;
    if !bool::from(keys.check.as_slice().ct_eq(stored_check)) {
        return Err(wrong_key);
    }
    let cipher = XChaCha20Poly1305::new((&*keys.encryption).into());
    cipher
        .decrypt(&XNonce::from(nonce), Payload { msg: ciphertext, aad: &body[..HEADER_LEN] })
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Damaged { record: expected, check: DamageCheck::Authentication })
}

struct RecordKeys {
    encryption: Zeroizing<[u8; 32]>,
    check: [u8; KEY_CHECK_LEN],
}

/// The passphrase is NFC-normalized first, so the same words typed on two devices (composed or
/// decomposed accents) open the same record.
fn derive_keys(passphrase: &str, salt: &[u8], params: KdfParams) -> Result<RecordKeys, VaultError> {
    let passphrase = Zeroizing::new(passphrase.nfc().collect::<String>());
    let argon_params = Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32))
        .map_err(|error| VaultError::KeyDerivation(error.to_string()))?;
    let mut master = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params)
        .hash_password_into(passphrase.as_bytes(), salt, master.as_mut())
        .map_err(|error| VaultError::KeyDerivation(error.to_string()))?;
    let hkdf = Hkdf::<Sha256>::from_prk(master.as_ref())
        .expect("invariant: a 32-byte Argon2id output is a valid HKDF-SHA-256 PRK");
    Ok(split_keys(&hkdf))
}

/// Keys for a record sealed with a wallet record key: HKDF-Extract with the record's salt, so
/// every record gets its own keys.
fn expand_keys(salt: &[u8], record_key: &[u8; 32]) -> RecordKeys {
    split_keys(&Hkdf::<Sha256>::new(Some(salt), record_key))
}

fn split_keys(hkdf: &Hkdf<Sha256>) -> RecordKeys {
    let mut encryption = Zeroizing::new([0u8; 32]);
    let mut check = [0u8; KEY_CHECK_LEN];
    hkdf.expand(ENCRYPTION_KEY_INFO, encryption.as_mut())
        .expect("invariant: 32 bytes is within HKDF-SHA-256's output limit");
    hkdf.expand(KEY_CHECK_INFO, &mut check)
        .expect("invariant: 16 bytes is within HKDF-SHA-256's output limit");
    RecordKeys { encryption, check }
}
