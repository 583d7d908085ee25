//! The master seed, its pairwise keys and its recovery phrase.

use core::fmt;

use ed25519_dalek::SigningKey;
use hkdf::Hkdf;
use rand_core::TryCryptoRng;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::{DamageCheck, RecordKey, RecordKind, VaultError};

/// Length of the master seed in bytes (256 bits, a 24-word phrase).
pub const SEED_LEN: usize = 32;

/// HKDF salt for all keys derived from the seed; versioned with the derivation.
const KEY_DERIVATION_SALT: &[u8] = b"assent/v1/vault/key-derivation";
/// HKDF info prefix of a pairwise key; the provider id follows.
const PAIRWISE_INFO: &[u8] = b"pairwise-key\x00";
/// HKDF info of the root key, which signs only wallet-internal records.
const ROOT_INFO: &[u8] = b"root-key";
/// HKDF info of the provider key: the identity this wallet uses when it acts as a provider.
const PROVIDER_INFO: &[u8] = b"provider-key";
/// HKDF info prefix of record keys; the record kind's byte follows.
const RECORD_KEY_INFO: &[u8] = b"record-key\x00";

/// The wallet's master seed. Zeroized on drop; `Debug` never shows it.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct MasterSeed([u8; SEED_LEN]);

impl fmt::Debug for MasterSeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterSeed(<redacted>)")
    }
}

/// A recovery phrase: 24 BIP39 English words separated by single spaces. Zeroized on drop;
/// `Debug` never shows it.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct RecoveryPhrase(String);

impl RecoveryPhrase {
    /// The words, to show the patient once.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The words one by one.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.0.split(' ')
    }
}

impl fmt::Debug for RecoveryPhrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecoveryPhrase(<redacted>)")
    }
}

impl MasterSeed {
    /// Draws a new seed from `rng` (in the browser, `crypto.getRandomValues` via getrandom).
    pub fn generate<R: TryCryptoRng + ?Sized>(rng: &mut R) -> Result<Self, VaultError> {
        let mut bytes = Zeroizing::new([0u8; SEED_LEN]);
        rng.try_fill_bytes(bytes.as_mut()).map_err(|_| VaultError::Random)?;
        Ok(MasterSeed(*bytes))
    }

    /// Wraps seed bytes (as opened from a sealed record).
    pub fn from_bytes(bytes: [u8; SEED_LEN]) -> Self {
        MasterSeed(bytes)
    }

    /// The seed held by an opened master-seed record; contents of any other length are damage.
    pub fn from_record_contents(contents: &[u8]) -> Result<Self, VaultError> {
        let bytes: [u8; SEED_LEN] = contents.try_into().map_err(|_| VaultError::Damaged {
            record: RecordKind::MasterSeed,
            check: DamageCheck::Contents,
        })?;
        Ok(MasterSeed(bytes))
    }

    /// The raw seed, for sealing.
    pub fn expose_bytes(&self) -> &[u8; SEED_LEN] {
        &self.0
    }

    /// The Ed25519 key this patient uses with one provider. Deterministic: the same seed and
    /// provider id always give the same key; different providers get unlinkable keys.
    pub fn pairwise_key(&self, provider_id: &[u8]) -> SigningKey {
        SigningKey::from_bytes(&self.pairwise_secret(provider_id))
    }

    /// The secret half of [`MasterSeed::pairwise_key`], as bytes: for handing to the code that
    /// signs without computing the public key here.
    pub fn pairwise_secret(&self, provider_id: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut info = Vec::with_capacity(PAIRWISE_INFO.len() + provider_id.len());
        info.extend_from_slice(PAIRWISE_INFO);
        info.extend_from_slice(provider_id);
        self.derive_secret(&info)
    }

    /// The root key, which signs only wallet-internal records and is never shown to providers.
    pub fn root_key(&self) -> SigningKey {
        self.derive_key(ROOT_INFO)
    }

    /// The provider key: what this wallet signs access events with when its owner acts as a
    /// provider. Its public half is the provider's id that patients grant to.
    pub fn provider_key(&self) -> SigningKey {
        self.derive_key(PROVIDER_INFO)
    }

    /// The key that seals records of `kind` while the wallet is unlocked (see
    /// [`seal_with_key`](super::seal_with_key)); one per kind, so they never share a key.
    pub fn record_key(&self, kind: RecordKind) -> RecordKey {
        let info = [RECORD_KEY_INFO, &[kind.to_byte()]].concat();
        RecordKey::from_bytes(*self.derive_secret(&info))
    }

    fn derive_key(&self, info: &[u8]) -> SigningKey {
        SigningKey::from_bytes(&self.derive_secret(info))
    }

    fn derive_secret(&self, info: &[u8]) -> Zeroizing<[u8; 32]> {
        let mut secret = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(Some(KEY_DERIVATION_SALT), &self.0)
            .expand(info, secret.as_mut())
            .expect("invariant: 32 bytes is far below HKDF-SHA-256's 8160-byte output limit");
        secret
    }

    /// The seed as a 24-word BIP39 English phrase.
    pub fn recovery_phrase(&self) -> RecoveryPhrase {
        let mnemonic = bip39::Mnemonic::from_entropy(&self.0)
            .expect("invariant: 32 bytes of entropy is a valid BIP39 length (24 words)");
        let mut words = String::with_capacity(24 * 9);
        for (index, word) in mnemonic.words().enumerate() {
            if index > 0 {
                words.push(' ');
            }
            words.push_str(word);
        }
        RecoveryPhrase(words)
    }

    /// Reads a 24-word phrase back into the seed. Case and extra white space are ignored; the
    /// checksum is validated and an unknown word is named.
    pub fn from_recovery_phrase(phrase: &str) -> Result<Self, VaultError> {
        let normalized =
            Zeroizing::new(phrase.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" "));
        let count = normalized.split(' ').filter(|w| !w.is_empty()).count();
        if count != 24 {
            return Err(VaultError::PhraseLength { found: count });
        }
        let mnemonic =
            bip39::Mnemonic::parse_in_normalized(bip39::Language::English, &normalized).map_err(|error| {
                match error {
                    bip39::Error::UnknownWord(index) => VaultError::PhraseUnknownWord {
                        position: index + 1,
                        word: normalized.split(' ').nth(index).unwrap_or_default().to_string(),
                    },
                    bip39::Error::BadWordCount(found) => VaultError::PhraseLength { found },
                    _ => VaultError::PhraseChecksum,
                }
            })?;
        let (entropy, len) = mnemonic.to_entropy_array();
        let entropy = Zeroizing::new(entropy);
        let bytes: [u8; SEED_LEN] =
            entropy[..len].try_into().map_err(|_| VaultError::PhraseLength { found: count })?;
        Ok(MasterSeed(bytes))
    }
}
