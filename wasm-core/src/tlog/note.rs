//! C2SP signed notes (<https://c2sp.org/signed-note>) and Ed25519 cosignatures
//! (<https://c2sp.org/tlog-cosignature>), with the semantics of Go's `golang.org/x/mod/sumdb/note`.
//!
//! A signed note is a text ending in a newline, an empty line, then one or more signature lines
//! `— <key name> base64(key id || signature)`. [`open_note`] ignores signatures by unknown keys,
//! rejects the note if a known key's signature does not verify, and requires at least one
//! verified signature. Every Ed25519 check follows `verify_strict`'s rule, through
//! [`ed25519::verify_with_kept_key`]: log and witness keys sign every checkpoint a client reads,
//! so their tables are kept.
//!
//! Two key types are supported: plain Ed25519 note signatures (type `0x01`, signed by
//! [`NoteSigner`]) and timestamped cosignature/v1 witness signatures (type `0x04`, signed by
//! [`CosignatureSigner`]). Cosignature timestamps are passed in: this crate never reads a clock.

use core::fmt;

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::ed25519;

/// The largest signed note [`open_note`] reads, in bytes.
pub const MAX_NOTE_BYTES: usize = 1 << 20;

/// The most signature lines [`open_note`] reads in one note.
pub const MAX_SIGNATURES: usize = 100;

/// The largest cosignature timestamp the spec allows (2^63 - 1).
pub const MAX_COSIGNATURE_TIMESTAMP: u64 = i64::MAX as u64;

/// Starts every signature line: an em dash (U+2014) and a space.
const SIGNATURE_LINE_PREFIX: &str = "\u{2014} ";

/// The first line of the message a cosignature/v1 signs; it separates cosignatures from notes.
const COSIGNATURE_HEADER: &str = "cosignature/v1\n";

/// Bytes in a key id at the start of every signature.
const KEY_ID_LEN: usize = 4;
/// Bytes in an Ed25519 public key.
const PUBLIC_KEY_LEN: usize = 32;
/// Bytes in an Ed25519 signature.
const SIGNATURE_LEN: usize = 64;
/// Bytes in a cosignature/v1 timestamp.
const TIMESTAMP_LEN: usize = 8;

/// Why a note could not be signed, parsed or opened. Messages say what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    /// A key name is empty or contains a Unicode space or '+'.
    #[error("key name is empty or contains a space or '+': use a name like example.com/log")]
    InvalidKeyName,
    /// The text to sign is empty.
    #[error("note text is empty: a note needs at least one line")]
    EmptyText,
    /// The text does not end in a newline.
    #[error("note text does not end in a newline: end every line, the last one too, with '\\n'")]
    TextMissingFinalNewline,
    /// The text to sign has an empty line.
    #[error("note text has an empty line: remove it, an empty line separates the text from its signatures")]
    TextHasEmptyLine,
    /// The note contains an ASCII control character other than newline.
    #[error("note contains a control character other than newline: remove it")]
    ControlCharacter,
    /// The note is not UTF-8.
    #[error("note is not valid utf-8: a signed note is utf-8 text")]
    NotUtf8,
    /// The note is larger than [`MAX_NOTE_BYTES`].
    #[error("note is {size} bytes, over the limit of {MAX_NOTE_BYTES}: refuse it, no log publishes notes this large")]
    TooLarge {
        /// The note's size in bytes.
        size: usize,
    },
    /// The note has more than [`MAX_SIGNATURES`] signature lines.
    #[error("note has more than {MAX_SIGNATURES} signature lines: refuse it")]
    TooManySignatures,
    /// No empty line separates the text from the signatures.
    #[error("note has no empty line before its signatures: a signed note is text, an empty line, then signature lines")]
    MissingSignatureBlock,
    /// The empty line is followed by no signature line.
    #[error("note has no signature lines after its empty line: sign the note")]
    NoSignatureLines,
    /// A signature line is not `— <name> <base64>` followed by a newline.
    #[error(
        "signature line {line} is malformed: expected '\u{2014} <key name> <base64>' ending in a newline"
    )]
    MalformedSignatureLine {
        /// The line's position in the signature block, from 1.
        line: usize,
    },
    /// A signature line's base64 is not canonical standard base64.
    #[error("signature line {line} is not canonical standard base64: copy the note again without changes")]
    SignatureBase64 {
        /// The line's position in the signature block, from 1.
        line: usize,
    },
    /// A signature line holds too few bytes for a key id and a signature.
    #[error(
        "signature line {line} holds fewer than 5 bytes: a signature is a 4-byte key id then the signature"
    )]
    SignatureTooShort {
        /// The line's position in the signature block, from 1.
        line: usize,
    },
    /// A verifier key is not `name+hash+base64` with 8 lowercase hex digits.
    #[error(
        "verifier key is malformed: expected <name>+<8 lowercase hex digits>+<base64 of type byte and key>"
    )]
    MalformedVerifierKey,
    /// A verifier key's id does not match its name and key.
    #[error("verifier key id does not match its name and public key: copy the key again from its source")]
    VerifierKeyIdMismatch,
    /// A verifier or private key has a type this crate does not support.
    #[error("key type 0x{0:02x} is not supported: use an ed25519 (0x01) or cosignature/v1 (0x04) key")]
    UnsupportedKeyType(u8),
    /// A verifier key does not hold a valid, non-weak Ed25519 public key.
    #[error("verifier key holds an invalid or weak ed25519 public key: ask its owner for the right key")]
    InvalidPublicKey,
    /// A private key is not Go's `PRIVATE+KEY+name+hash+base64` form.
    #[error("private key is malformed: expected PRIVATE+KEY+<name>+<8 lowercase hex digits>+<base64>")]
    MalformedPrivateKey,
    /// A private key's id does not match the public key it derives.
    #[error("private key id does not match its name and public key: the key file is damaged, restore it")]
    PrivateKeyIdMismatch,
    /// Two verifiers given to [`open_note`] share a name and key id, and the note uses it.
    #[error("two verifier keys share the name and key id {name}+{key_id:08x}: remove the duplicate")]
    AmbiguousVerifier {
        /// The shared key name.
        name: String,
        /// The shared key id.
        key_id: u32,
    },
    /// A known key's signature has the wrong length for its key type.
    #[error("signature by {name}+{key_id:08x} has the wrong length for its key type: reject the note")]
    SignatureLength {
        /// The signer's key name.
        name: String,
        /// The signer's key id.
        key_id: u32,
    },
    /// A cosignature timestamp is above [`MAX_COSIGNATURE_TIMESTAMP`].
    #[error("cosignature time {timestamp} is above 2^63-1: pass seconds since the unix epoch")]
    CosignatureTimestampOutOfRange {
        /// The timestamp found or given.
        timestamp: u64,
    },
    /// A known key's signature does not verify.
    #[error("signature by {name}+{key_id:08x} does not verify: the note was altered or forged, reject it")]
    InvalidSignature {
        /// The signer's key name.
        name: String,
        /// The signer's key id.
        key_id: u32,
    },
    /// [`open_note`] was given no verifier keys.
    #[error("no verifier keys were given: pass the keys of the log and witnesses to trust")]
    NoVerifiers,
    /// The note is signed by a known name, but with a key id none of its verifier keys has.
    #[error("note is signed by {name} with key id {key_id:08x}, which no verifier key for that name has: update the verifier key")]
    KeyIdMismatch {
        /// The signer's key name.
        name: String,
        /// The key id in the signature.
        key_id: u32,
    },
    /// None of the note's signatures is by a known key.
    #[error("note has no signature by a known key: check that the verifier keys are the log's current keys")]
    NoKnownSignature,
}

/// The kind of key behind a verifier key, named by its signature type byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// Ed25519 signatures over the note text (type `0x01`).
    Ed25519,
    /// Timestamped Ed25519 witness cosignatures, cosignature/v1 (type `0x04`).
    CosignatureV1,
}

impl KeyType {
    /// The signature type byte that starts the key's encoding and feeds its key id.
    pub const fn type_byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => 0x01,
            KeyType::CosignatureV1 => 0x04,
        }
    }

    fn from_type_byte(byte: u8) -> Result<KeyType, NoteError> {
        match byte {
            0x01 => Ok(KeyType::Ed25519),
            0x04 => Ok(KeyType::CosignatureV1),
            other => Err(NoteError::UnsupportedKeyType(other)),
        }
    }
}

/// Reports whether `name` may name a key: non-empty, with no Unicode space and no '+'.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// The key id: the first 4 bytes, big-endian, of SHA-256(name || 0x0A || type || public key).
pub fn key_id(name: &str, key_type: KeyType, public_key: &[u8; 32]) -> u32 {
    let digest = Sha256::new()
        .chain_update(name.as_bytes())
        .chain_update([b'\n', key_type.type_byte()])
        .chain_update(public_key)
        .finalize();
    let [a, b, c, d, ..] = <[u8; 32]>::from(digest);
    u32::from_be_bytes([a, b, c, d])
}

/// Encodes a verifier key in Go's `name+hash+base64(type || public key)` form.
fn encode_verifier_key(name: &str, key_type: KeyType, public_key: &[u8; 32]) -> String {
    let mut key = Vec::with_capacity(1 + PUBLIC_KEY_LEN);
    key.push(key_type.type_byte());
    key.extend_from_slice(public_key);
    format!("{name}+{:08x}+{}", key_id(name, key_type, public_key), BASE64.encode(key))
}

/// Parses 8 lowercase hex digits, the only form Go writes.
fn parse_key_id_hex(hex_digits: &str) -> Option<u32> {
    let canonical =
        hex_digits.len() == 8 && hex_digits.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !canonical {
        return None;
    }
    u32::from_str_radix(hex_digits, 16).ok()
}

/// A key that verifies one signer's signatures, parsed from a verifier key string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    key_type: KeyType,
    public_key: [u8; 32],
}

impl NoteVerifier {
    /// Parses a verifier key `name+hash+base64(type || public key)`, of type Ed25519 (`0x01`)
    /// or cosignature/v1 (`0x04`), and checks that `hash` is the key's id.
    pub fn parse(vkey: &str) -> Result<NoteVerifier, NoteError> {
        let (name, rest) = vkey.split_once('+').ok_or(NoteError::MalformedVerifierKey)?;
        // The base64 may itself contain '+', so split only at the first two.
        let (id_hex, key_base64) = rest.split_once('+').ok_or(NoteError::MalformedVerifierKey)?;
        if !is_valid_key_name(name) {
            return Err(NoteError::MalformedVerifierKey);
        }
        let claimed_id = parse_key_id_hex(id_hex).ok_or(NoteError::MalformedVerifierKey)?;
        let key = BASE64.decode(key_base64).map_err(|_| NoteError::MalformedVerifierKey)?;
        let (&type_byte, public_key) = key.split_first().ok_or(NoteError::MalformedVerifierKey)?;
        let key_type = KeyType::from_type_byte(type_byte)?;
        let public_key: [u8; 32] = public_key.try_into().map_err(|_| NoteError::MalformedVerifierKey)?;
        if claimed_id != key_id(name, key_type, &public_key) {
            return Err(NoteError::VerifierKeyIdMismatch);
        }
        // verify_strict rejects every signature under a weak key; say so now, not at first use.
        let valid = VerifyingKey::from_bytes(&public_key).is_ok_and(|key| !key.is_weak());
        if !valid {
            return Err(NoteError::InvalidPublicKey);
        }
        Ok(NoteVerifier { name: name.to_owned(), key_id: claimed_id, key_type, public_key })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key's id.
    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// What the key signs: plain note signatures or cosignatures.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// The Ed25519 public key.
    pub fn public_key(&self) -> &[u8; 32] {
        &self.public_key
    }

    /// The verifier key string this verifier was parsed from.
    pub fn to_vkey(&self) -> String {
        encode_verifier_key(&self.name, self.key_type, &self.public_key)
    }
}

/// A named Ed25519 key with its id, shared by both signer kinds.
#[derive(Clone)]
struct NamedKey {
    name: String,
    key_id: u32,
    key: SigningKey,
}

impl NamedKey {
    fn new(name: &str, key: SigningKey, key_type: KeyType) -> Result<NamedKey, NoteError> {
        if !is_valid_key_name(name) {
            return Err(NoteError::InvalidKeyName);
        }
        let key_id = key_id(name, key_type, key.verifying_key().as_bytes());
        Ok(NamedKey { name: name.to_owned(), key_id, key })
    }

    /// Parses Go's `PRIVATE+KEY+name+hash+base64(type || seed)`, never echoing the secret.
    fn from_private_key(skey: &str, key_type: KeyType) -> Result<NamedKey, NoteError> {
        let rest = skey.strip_prefix("PRIVATE+KEY+").ok_or(NoteError::MalformedPrivateKey)?;
        let (name, rest) = rest.split_once('+').ok_or(NoteError::MalformedPrivateKey)?;
        let (id_hex, key_base64) = rest.split_once('+').ok_or(NoteError::MalformedPrivateKey)?;
        if !is_valid_key_name(name) {
            return Err(NoteError::MalformedPrivateKey);
        }
        let claimed_id = parse_key_id_hex(id_hex).ok_or(NoteError::MalformedPrivateKey)?;
        let decoded = Zeroizing::new(BASE64.decode(key_base64).map_err(|_| NoteError::MalformedPrivateKey)?);
        let (&type_byte, seed) = decoded.split_first().ok_or(NoteError::MalformedPrivateKey)?;
        if KeyType::from_type_byte(type_byte)? != key_type {
            return Err(NoteError::UnsupportedKeyType(type_byte));
        }
        let seed: Zeroizing<[u8; 32]> =
            Zeroizing::new(seed.try_into().map_err(|_| NoteError::MalformedPrivateKey)?);
        let named = NamedKey::new(name, SigningKey::from_bytes(&seed), key_type)?;
        if named.key_id != claimed_id {
            return Err(NoteError::PrivateKeyIdMismatch);
        }
        Ok(named)
    }

    /// Formats one signature line over `payload` (key id first).
    fn signature_line(&self, payload_after_id: &[u8]) -> String {
        let mut payload = Vec::with_capacity(KEY_ID_LEN + payload_after_id.len());
        payload.extend_from_slice(&self.key_id.to_be_bytes());
        payload.extend_from_slice(payload_after_id);
        format!("{SIGNATURE_LINE_PREFIX}{} {}\n", self.name, BASE64.encode(payload))
    }

    fn fmt_debug(&self, type_name: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct(type_name)
            .field("name", &self.name)
            .field("key_id", &format_args!("{:08x}", self.key_id))
            .finish_non_exhaustive()
    }
}

/// Signs notes with an Ed25519 key (signature type `0x01`), as a log signs its checkpoints.
#[derive(Clone)]
pub struct NoteSigner {
    inner: NamedKey,
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt_debug("NoteSigner", f)
    }
}

impl NoteSigner {
    /// A signer named `name` (non-empty, no Unicode space, no '+') with the Ed25519 `key`.
    pub fn new(name: &str, key: SigningKey) -> Result<NoteSigner, NoteError> {
        Ok(NoteSigner { inner: NamedKey::new(name, key, KeyType::Ed25519)? })
    }

    /// A signer from Go's private key form `PRIVATE+KEY+name+hash+base64(0x01 || seed)`.
    pub fn from_private_key(skey: &str) -> Result<NoteSigner, NoteError> {
        Ok(NoteSigner { inner: NamedKey::from_private_key(skey, KeyType::Ed25519)? })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The key's id.
    pub fn key_id(&self) -> u32 {
        self.inner.key_id
    }

    /// The verifier key in Go's `name+hash+base64(0x01 || public key)` form.
    pub fn verifier_key(&self) -> String {
        encode_verifier_key(&self.inner.name, KeyType::Ed25519, self.inner.key.verifying_key().as_bytes())
    }

    /// The verifier for this signer's signatures.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.inner.name.clone(),
            key_id: self.inner.key_id,
            key_type: KeyType::Ed25519,
            public_key: self.inner.key.verifying_key().to_bytes(),
        }
    }

    /// The signature line (ending in a newline) for `text`, which must be a valid note text.
    pub fn signature_line(&self, text: &str) -> Result<String, NoteError> {
        check_text(text)?;
        Ok(self.inner.signature_line(&self.inner.key.sign(text.as_bytes()).to_bytes()))
    }

    /// Signs `text` and returns the whole note: the text, an empty line and one signature line.
    ///
    /// The text must be non-empty, end in a newline, and have no empty line and no control
    /// character other than newline.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        let line = self.signature_line(text)?;
        Ok(format!("{text}\n{line}"))
    }

    /// Adds this key's signature to an already signed note, replacing any earlier signature by
    /// the same key. The existing signatures are not verified: open the note first.
    pub fn add_signature(&self, note: &str) -> Result<String, NoteError> {
        let parsed = parse_note(note.as_bytes())?;
        let line = self.signature_line(parsed.text)?;
        append_signature_line(&parsed, &self.inner, &line)
    }
}

/// Signs cosignature/v1 lines (signature type `0x04`), as a witness cosigns a checkpoint.
#[derive(Clone)]
pub struct CosignatureSigner {
    inner: NamedKey,
}

impl fmt::Debug for CosignatureSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt_debug("CosignatureSigner", f)
    }
}

impl CosignatureSigner {
    /// A cosigner named `name` (non-empty, no Unicode space, no '+') with the Ed25519 `key`.
    ///
    /// The cosignature/v1 message does not commit to the name, so one key must serve one
    /// cosigner only.
    pub fn new(name: &str, key: SigningKey) -> Result<CosignatureSigner, NoteError> {
        Ok(CosignatureSigner { inner: NamedKey::new(name, key, KeyType::CosignatureV1)? })
    }

    /// A cosigner from the private key form `PRIVATE+KEY+name+hash+base64(0x04 || seed)`.
    pub fn from_private_key(skey: &str) -> Result<CosignatureSigner, NoteError> {
        Ok(CosignatureSigner { inner: NamedKey::from_private_key(skey, KeyType::CosignatureV1)? })
    }

    /// The key's name.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// The key's id.
    pub fn key_id(&self) -> u32 {
        self.inner.key_id
    }

    /// The verifier key in the form `name+hash+base64(0x04 || public key)`.
    pub fn verifier_key(&self) -> String {
        encode_verifier_key(
            &self.inner.name,
            KeyType::CosignatureV1,
            self.inner.key.verifying_key().as_bytes(),
        )
    }

    /// The verifier for this cosigner's cosignatures.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.inner.name.clone(),
            key_id: self.inner.key_id,
            key_type: KeyType::CosignatureV1,
            public_key: self.inner.key.verifying_key().to_bytes(),
        }
    }

    /// The cosignature line (ending in a newline) over `text` at `timestamp`, in seconds since
    /// the Unix epoch. The payload is key id || timestamp (u64, big-endian) || signature.
    pub fn cosignature_line(&self, text: &str, timestamp: u64) -> Result<String, NoteError> {
        check_text(text)?;
        if timestamp > MAX_COSIGNATURE_TIMESTAMP {
            return Err(NoteError::CosignatureTimestampOutOfRange { timestamp });
        }
        let signature = self.inner.key.sign(cosignature_message(text, timestamp).as_bytes());
        let mut payload = Vec::with_capacity(TIMESTAMP_LEN + SIGNATURE_LEN);
        payload.extend_from_slice(&timestamp.to_be_bytes());
        payload.extend_from_slice(&signature.to_bytes());
        Ok(self.inner.signature_line(&payload))
    }

    /// Adds this cosigner's cosignature at `timestamp` to a signed note (normally a checkpoint
    /// the log signed), replacing any earlier cosignature by the same key. The existing
    /// signatures are not verified: open the checkpoint and check consistency first.
    pub fn cosign(&self, note: &str, timestamp: u64) -> Result<String, NoteError> {
        let parsed = parse_note(note.as_bytes())?;
        let line = self.cosignature_line(parsed.text, timestamp)?;
        append_signature_line(&parsed, &self.inner, &line)
    }
}

/// The message a cosignature/v1 signs: the header, the time line, then the note text.
fn cosignature_message(text: &str, timestamp: u64) -> String {
    format!("{COSIGNATURE_HEADER}time {timestamp}\n{text}")
}

/// Checks that `text` can be signed: non-empty, newline-terminated, no empty line, no control
/// character but newline. An empty line would be mistaken for the signature separator.
fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() {
        return Err(NoteError::EmptyText);
    }
    if !text.ends_with('\n') {
        return Err(NoteError::TextMissingFinalNewline);
    }
    if text.starts_with('\n') || text.contains("\n\n") {
        return Err(NoteError::TextHasEmptyLine);
    }
    if has_control_character(text) {
        return Err(NoteError::ControlCharacter);
    }
    Ok(())
}

fn has_control_character(text: &str) -> bool {
    text.bytes().any(|b| b < 0x20 && b != b'\n')
}

/// One syntactically valid signature line.
struct SignatureLine<'a> {
    name: &'a str,
    key_id: u32,
    /// The bytes after the key id.
    signature: Vec<u8>,
}

/// A note split into its text and parsed signature lines, not yet verified.
struct ParsedNote<'a> {
    text: &'a str,
    /// Each signature line without its final newline.
    raw_lines: Vec<&'a str>,
    signatures: Vec<SignatureLine<'a>>,
}

/// Splits a note at its last empty line and parses every signature line strictly.
fn parse_note(note: &[u8]) -> Result<ParsedNote<'_>, NoteError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge { size: note.len() });
    }
    let note = core::str::from_utf8(note).map_err(|_| NoteError::NotUtf8)?;
    if has_control_character(note) {
        return Err(NoteError::ControlCharacter);
    }
    let split = note.rfind("\n\n").ok_or(NoteError::MissingSignatureBlock)?;
    // The text keeps its final newline; the separating empty line belongs to neither part.
    let (text, block) = note.split_at_checked(split + 1).ok_or(NoteError::MissingSignatureBlock)?;
    let block = block.strip_prefix('\n').ok_or(NoteError::MissingSignatureBlock)?;
    if block.is_empty() {
        return Err(NoteError::NoSignatureLines);
    }
    let mut raw_lines = Vec::new();
    let mut signatures = Vec::new();
    let mut rest = block;
    while !rest.is_empty() {
        let line_number = raw_lines.len() + 1;
        if line_number > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        let (line, after) =
            rest.split_once('\n').ok_or(NoteError::MalformedSignatureLine { line: line_number })?;
        signatures.push(parse_signature_line(line, line_number)?);
        raw_lines.push(line);
        rest = after;
    }
    Ok(ParsedNote { text, raw_lines, signatures })
}

fn parse_signature_line(line: &str, line_number: usize) -> Result<SignatureLine<'_>, NoteError> {
    let malformed = NoteError::MalformedSignatureLine { line: line_number };
    let body = line.strip_prefix(SIGNATURE_LINE_PREFIX).ok_or(malformed.clone())?;
    let (name, encoded) = body.split_once(' ').ok_or(malformed.clone())?;
    if !is_valid_key_name(name) || encoded.is_empty() {
        return Err(malformed);
    }
    let decoded = BASE64.decode(encoded).map_err(|_| NoteError::SignatureBase64 { line: line_number })?;
    match decoded.split_first_chunk::<KEY_ID_LEN>() {
        Some((id_bytes, signature)) if !signature.is_empty() => {
            Ok(SignatureLine { name, key_id: u32::from_be_bytes(*id_bytes), signature: signature.to_vec() })
        }
        _ => Err(NoteError::SignatureTooShort { line: line_number }),
    }
}

/// Rebuilds `parsed` with `line` appended, dropping earlier lines by the same key.
fn append_signature_line(
    parsed: &ParsedNote<'_>,
    signer: &NamedKey,
    line: &str,
) -> Result<String, NoteError> {
    let mut note = format!("{}\n", parsed.text);
    let mut count = 1;
    for (raw, signature) in parsed.raw_lines.iter().zip(&parsed.signatures) {
        if signature.name == signer.name && signature.key_id == signer.key_id {
            continue;
        }
        note.push_str(raw);
        note.push('\n');
        count += 1;
    }
    note.push_str(line);
    if count > MAX_SIGNATURES {
        return Err(NoteError::TooManySignatures);
    }
    if note.len() > MAX_NOTE_BYTES {
        return Err(NoteError::TooLarge { size: note.len() });
    }
    Ok(note)
}

/// What a verified signature says beyond who made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureKind {
    /// A plain Ed25519 note signature, as a log signs its checkpoints.
    Ed25519,
    /// A cosignature/v1: the cosigner vouched for the text at `timestamp`.
    Cosignature {
        /// When the cosigner signed, in seconds since the Unix epoch, as it claims.
        timestamp: u64,
    },
}

/// One signature of an opened note that a known key made and that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// The signer's key name.
    pub name: String,
    /// The signer's key id.
    pub key_id: u32,
    /// Plain signature or timestamped cosignature.
    pub kind: SignatureKind,
}

/// A note whose signatures by known keys all verified, at least one of them.
///
/// Only [`open_note`] makes one, so holding an `OpenedNote` means the checks passed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedNote {
    text: String,
    signatures: Vec<VerifiedSignature>,
    unknown_signatures: usize,
}

impl OpenedNote {
    /// The signed text, ending in a newline, without the separating empty line.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The verified signatures, one per key, in note order.
    pub fn signatures(&self) -> &[VerifiedSignature] {
        &self.signatures
    }

    /// How many signature lines were by keys not in the verifier list, and so ignored.
    pub fn unknown_signatures(&self) -> usize {
        self.unknown_signatures
    }

    /// The verified signature made by `verifier`'s key, if any.
    pub fn signature_by(&self, verifier: &NoteVerifier) -> Option<&VerifiedSignature> {
        self.signatures.iter().find(|sig| sig.name == verifier.name && sig.key_id == verifier.key_id)
    }
}

/// Opens a signed note: checks its syntax and size, and verifies every signature by a key in
/// `verifiers`. Signatures by other keys are ignored; a known key's bad signature rejects the
/// note; at least one known signature must verify. Signature lines repeating a key are all
/// verified, and that key is listed once.
pub fn open_note(note: &[u8], verifiers: &[NoteVerifier]) -> Result<OpenedNote, NoteError> {
    let parsed = parse_note(note)?;
    if verifiers.is_empty() {
        return Err(NoteError::NoVerifiers);
    }
    let mut verified: Vec<VerifiedSignature> = Vec::new();
    let mut unknown_signatures = 0;
    let mut known_name_other_id: Option<(&str, u32)> = None;
    for signature in &parsed.signatures {
        let mut matching =
            verifiers.iter().filter(|v| v.name == signature.name && v.key_id == signature.key_id);
        let Some(verifier) = matching.next() else {
            unknown_signatures += 1;
            if known_name_other_id.is_none() && verifiers.iter().any(|v| v.name == signature.name) {
                known_name_other_id = Some((signature.name, signature.key_id));
            }
            continue;
        };
        if matching.next().is_some() {
            return Err(NoteError::AmbiguousVerifier {
                name: signature.name.to_owned(),
                key_id: signature.key_id,
            });
        }
        let kind = verify_signature(verifier, parsed.text, &signature.signature)?;
        if verified.iter().all(|v| v.name != signature.name || v.key_id != signature.key_id) {
            verified.push(VerifiedSignature {
                name: signature.name.to_owned(),
                key_id: signature.key_id,
                kind,
            });
        }
    }
    if verified.is_empty() {
        return Err(match known_name_other_id {
            Some((name, key_id)) => NoteError::KeyIdMismatch { name: name.to_owned(), key_id },
            None => NoteError::NoKnownSignature,
        });
    }
    Ok(OpenedNote { text: parsed.text.to_owned(), signatures: verified, unknown_signatures })
}

/// Verifies one signature (the bytes after the key id) by `verifier` over `text`.
fn verify_signature(
    verifier: &NoteVerifier,
    text: &str,
    signature: &[u8],
) -> Result<SignatureKind, NoteError> {
    let wrong_length = || NoteError::SignatureLength { name: verifier.name.clone(), key_id: verifier.key_id };
    let invalid = || NoteError::InvalidSignature { name: verifier.name.clone(), key_id: verifier.key_id };
    match verifier.key_type {
        KeyType::Ed25519 => {
            let signature: &[u8; SIGNATURE_LEN] = signature.try_into().map_err(|_| wrong_length())?;
            if !ed25519::verify_with_kept_key(&verifier.public_key, text.as_bytes(), signature) {
                return Err(invalid());
            }
            Ok(SignatureKind::Ed25519)
        }
        KeyType::CosignatureV1 => {
            let (time_bytes, signature) =
                signature.split_first_chunk::<TIMESTAMP_LEN>().ok_or_else(wrong_length)?;
            let signature: &[u8; SIGNATURE_LEN] = signature.try_into().map_err(|_| wrong_length())?;
            let timestamp = u64::from_be_bytes(*time_bytes);
            if timestamp > MAX_COSIGNATURE_TIMESTAMP {
                return Err(NoteError::CosignatureTimestampOutOfRange { timestamp });
            }
            let message = cosignature_message(text, timestamp);
            if !ed25519::verify_with_kept_key(&verifier.public_key, message.as_bytes(), signature) {
                return Err(invalid());
            }
            Ok(SignatureKind::Cosignature { timestamp })
        }
    }
}
