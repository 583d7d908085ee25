//! The patient's vault: the master seed, the keys derived from it, its recovery phrase, and
//! records sealed at rest under a passphrase.
//!
//! - [`MasterSeed`]: 32 random bytes from a caller-supplied RNG; per-provider pairwise Ed25519
//!   keys come from it by HKDF-SHA-256, so two providers cannot link one patient by key.
//! - [`MasterSeed::recovery_phrase`]: the seed as a 24-word BIP39 phrase.
//! - [`seal`] / [`open`]: Argon2id + XChaCha20-Poly1305 in a versioned record (format in
//!   [`sealed`]), with parameters checked against a floor and a ceiling before any work.
//!
//! Secrets are zeroized on drop and never printed by `Debug`.

pub mod sealed;
mod seed;
mod session;
pub mod state;

pub use sealed::{
    inspect, open, open_with_key, seal, seal_with_key, KdfParams, KeySource, RecordHeader, RecordKey,
    RecordKind,
};
pub use seed::{MasterSeed, RecoveryPhrase, SEED_LEN};
pub use session::{IdleLock, UnlockThrottle};
pub use state::WalletState;

use core::fmt;

/// The check that found a sealed record damaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DamageCheck {
    /// Shorter than the smallest possible record.
    TooShort,
    /// Longer than any record Assent writes.
    TooLong,
    /// The trailing SHA-256 checksum does not match the bytes.
    Checksum,
    /// The record does not start with Assent's magic bytes.
    Magic,
    /// The record is of another kind than the one asked for.
    Kind,
    /// The key-derivation algorithm byte is unknown.
    KdfAlgorithm,
    /// The record is sealed with another kind of key than this record kind uses.
    KeySource,
    /// The passphrase was right but the ciphertext failed authentication.
    Authentication,
    /// The decrypted contents are not what this kind of record holds.
    Contents,
}

impl fmt::Display for DamageCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DamageCheck::TooShort => "it is too short",
            DamageCheck::TooLong => "it is larger than any record Assent writes",
            DamageCheck::Checksum => "its checksum does not match",
            DamageCheck::Magic => "it is not an Assent sealed record",
            DamageCheck::Kind => "it holds another kind of record",
            DamageCheck::KdfAlgorithm => "its key-derivation algorithm is unknown",
            DamageCheck::KeySource => "it is sealed with another kind of key than this record uses",
            DamageCheck::Authentication => "its contents fail authentication",
            DamageCheck::Contents => "its decrypted contents are malformed",
        })
    }
}

/// Everything that can go wrong in the vault. Messages say what happened and what to do.
/// Serializable, so a worker running the key derivation can hand the exact error back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum VaultError {
    /// The passphrase does not open this record.
    #[error("wrong passphrase: check it (letter case and keyboard layout) and try again")]
    WrongPassphrase,
    /// A record sealed by another wallet (another master seed).
    #[error(
        "this record belongs to another wallet (another recovery phrase); restore that wallet to read it"
    )]
    OtherWallet,
    /// The record is damaged; nothing was changed.
    #[error(
        "the stored {record} is damaged: {check}; {advice}",
        advice = record.damage_advice()
    )]
    Damaged {
        /// Which record.
        record: RecordKind,
        /// Which check failed.
        check: DamageCheck,
    },
    /// The record was sealed by a newer format.
    #[error("the stored {record} uses format version {found}, which this version of Assent cannot read; update Assent to open it")]
    UnsupportedVersion {
        /// Which record.
        record: RecordKind,
        /// The version byte found.
        found: u8,
    },
    /// The record's key-derivation parameters are below the floor.
    #[error("refusing the {record}: it was sealed with weakened key-derivation parameters ({params}, below the minimum {floor}); restore from your recovery phrase")]
    WeakParameters {
        /// Which record.
        record: RecordKind,
        /// The parameters found.
        params: KdfParams,
        /// The minimum accepted.
        floor: KdfParams,
    },
    /// The record's key-derivation parameters are above what Assent will run.
    #[error("refusing the {record}: its key-derivation parameters ({params}) exceed the maximum {ceiling} and would exhaust this device")]
    ExcessiveParameters {
        /// Which record.
        record: RecordKind,
        /// The parameters found.
        params: KdfParams,
        /// The maximum accepted.
        ceiling: KdfParams,
    },
    /// The plaintext to seal is larger than a record may hold.
    #[error("cannot seal {len} bytes: a record holds at most {max} bytes")]
    PlaintextTooLarge {
        /// Bytes given.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// The random number generator failed.
    #[error("the random number generator failed; try again, and if it keeps failing use another browser")]
    Random,
    /// The key derivation failed to run (for example, out of memory).
    #[error("the key derivation could not run ({0}); close other tabs to free memory and try again")]
    KeyDerivation(String),
    /// A recovery phrase has the wrong number of words.
    #[error("a recovery phrase has 24 words, but this one has {found}; check for missing or extra words")]
    PhraseLength {
        /// Words found.
        found: usize,
    },
    /// A recovery phrase word is not in the BIP39 English list.
    #[error(
        "word {position} of the recovery phrase, \"{word}\", is not a recovery word; check its spelling"
    )]
    PhraseUnknownWord {
        /// 1-based position.
        position: usize,
        /// The word as typed.
        word: String,
    },
    /// The words are valid but their checksum is not.
    #[error("the recovery phrase's checksum does not match: a word is wrong or out of order; check each word against the copy you wrote down")]
    PhraseChecksum,
}
