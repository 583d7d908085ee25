//! Sealed records: a passphrase-protected, versioned container.
//!
//! Format version 1, all integers big-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 8 | magic `ASNTSEAL` |
//! | 1 | format version (1) |
//! | 1 | record kind ([`RecordKind`]) |
//! | 1 | KDF algorithm (1 = Argon2id v1.3) |
//! | 4, 4, 4 | Argon2id memory (KiB), iterations, parallelism |
//! | 16 | Argon2id salt |
//! | 24 | XChaCha20-Poly1305 nonce |
//! | 16 | key check: proves the passphrase before decrypting |
//! | n + 16 | ciphertext and tag; the associated data is every byte before the key check |
//! | 32 | SHA-256 of every byte before it |
//!
//! Every version ends with that checksum, so damage is told apart from a wrong passphrase
//! before any key derivation. The checksum is not a security boundary: the AEAD tag is. The
//! associated data binds the record kind, format version and KDF parameters, and parameters
//! below [`KdfParams::FLOOR`] are refused before any work.

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

/// What can be read from a sealed record without the passphrase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    /// The record's kind.
    pub kind: RecordKind,
    /// The record's format version.
    pub version: u8,
    /// The record's key-derivation parameters.
    pub params: KdfParams,
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
    if plaintext.len() > MAX_PLAINTEXT_LEN {
        return Err(VaultError::PlaintextTooLarge { len: plaintext.len(), max: MAX_PLAINTEXT_LEN });
    }
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rng.try_fill_bytes(&mut salt).map_err(|_| VaultError::Random)?;
    rng.try_fill_bytes(&mut nonce).map_err(|_| VaultError::Random)?;

    let mut record = Vec::with_capacity(MIN_RECORD_LEN + plaintext.len());
    record.extend_from_slice(MAGIC);
    record.extend_from_slice(&[FORMAT_VERSION, kind.to_byte(), KDF_ARGON2ID_V13]);
    for value in [params.memory_kib, params.iterations, params.parallelism] {
        record.extend_from_slice(&value.to_be_bytes());
    }
    record.extend_from_slice(&salt);
    record.extend_from_slice(&nonce);
    debug_assert_eq!(record.len(), HEADER_LEN);

    let keys = derive_keys(passphrase, &salt, params)?;
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
    if body[10] != KDF_ARGON2ID_V13 {
        return Err(damaged(DamageCheck::KdfAlgorithm));
    }
    let word = |at: usize| u32::from_be_bytes([body[at], body[at + 1], body[at + 2], body[at + 3]]);
    let params = KdfParams { memory_kib: word(11), iterations: word(15), parallelism: word(19) };
    Ok(RecordHeader { kind: expected, version, params })
}

/// Opens a record of `expected` kind. Damage, version and parameters are checked before the
/// key derivation runs; a wrong passphrase is told apart from a damaged ciphertext.
pub fn open(expected: RecordKind, record: &[u8], passphrase: &str) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let header = inspect(expected, record)?;
    header.params.check(expected)?;
    let body = &record[..record.len() - CHECKSUM_LEN];
    let salt = &body[23..23 + SALT_LEN];
    let nonce: [u8; NONCE_LEN] = body[23 + SALT_LEN..HEADER_LEN]
        .try_into()
        .expect("invariant: the nonce field is exactly NONCE_LEN bytes of a length-checked record");
    let stored_check = &body[HEADER_LEN..HEADER_LEN + KEY_CHECK_LEN];
    let ciphertext = &body[HEADER_LEN + KEY_CHECK_LEN..];

    let keys = derive_keys(passphrase, salt, header.params)?;
    if !bool::from(keys.check.as_slice().ct_eq(stored_check)) {
        return Err(VaultError::WrongPassphrase);
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
    let mut encryption = Zeroizing::new([0u8; 32]);
    let mut check = [0u8; KEY_CHECK_LEN];
    hkdf.expand(ENCRYPTION_KEY_INFO, encryption.as_mut())
        .expect("invariant: 32 bytes is within HKDF-SHA-256's output limit");
    hkdf.expand(KEY_CHECK_INFO, &mut check)
        .expect("invariant: 16 bytes is within HKDF-SHA-256's output limit");
    Ok(RecordKeys { encryption, check })
}
