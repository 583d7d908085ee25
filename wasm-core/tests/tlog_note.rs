//! C2SP signed notes, checkpoints and cosignatures: Go `sumdb/note` known answers, interop with
//! the independent `signed_note` crate (native only), and every rejection with its own error.
//! They run natively and, through wasm-bindgen-test, in headless Chromium.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use ed25519_dalek::SigningKey;
use serde::Deserialize;
use wasm_core::tlog::checkpoint::{open_checkpoint, Checkpoint, CheckpointError};
use wasm_core::tlog::note::{
    key_id, open_note, CosignatureSigner, KeyType, NoteError, NoteSigner, NoteVerifier, SignatureKind,
    MAX_NOTE_BYTES,
};
use wasm_core::tlog::policy::{Policy, PolicyError, MAX_POLICY_BYTES};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[derive(Deserialize)]
struct GoVectors {
    text: String,
    peter_private_key: String,
    peter_verifier_key: String,
    peter_key_id: String,
    peter_signed_note: String,
    enoch_seed_hex: String,
    enoch_verifier_key: String,
    enoch_key_id: String,
    double_signed_note: String,
}

fn go_vectors() -> GoVectors {
    serde_json::from_str(include_str!("vectors/note/go-sumdb-note.json")).expect("vector file is valid JSON")
}

fn enoch_signer(vectors: &GoVectors) -> NoteSigner {
    let seed: [u8; 32] =
        hex::decode(&vectors.enoch_seed_hex).expect("seed is hex").try_into().expect("seed is 32 bytes");
    NoteSigner::new("EnochRoot", SigningKey::from_bytes(&seed)).expect("valid name")
}

fn key(byte: u8) -> SigningKey {
    SigningKey::from_bytes(&[byte; 32])
}

fn log_signer() -> NoteSigner {
    NoteSigner::new("example.com/log", key(1)).expect("valid name")
}

fn witness(name: &str, byte: u8) -> CosignatureSigner {
    CosignatureSigner::new(name, key(byte)).expect("valid name")
}

const ORIGIN: &str = "example.com/log";

fn checkpoint() -> Checkpoint {
    Checkpoint { origin: ORIGIN.to_owned(), size: 20852163, root: [7; 32], extensions: vec![] }
}

fn signed_checkpoint() -> String {
    log_signer().sign(&checkpoint().to_text()).expect("checkpoint text is signable")
}

/// Re-encodes the base64 payload of the signature line starting with `prefix`, changed by `edit`.
fn edit_signature(note: &str, prefix: &str, edit: impl Fn(&mut Vec<u8>)) -> String {
    let mut out = String::new();
    for line in note.split_inclusive('\n') {
        match line.strip_prefix(prefix) {
            Some(encoded) => {
                let mut payload = BASE64.decode(encoded.trim_end_matches('\n')).expect("valid base64");
                edit(&mut payload);
                out.push_str(&format!("{prefix}{}\n", BASE64.encode(payload)));
            }
            None => out.push_str(line),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Known answers: Go sumdb/note.

#[test]
fn go_private_key_signs_the_known_note() {
    let vectors = go_vectors();
    let signer = NoteSigner::from_private_key(&vectors.peter_private_key).expect("Go private key parses");
    assert_eq!(signer.name(), "PeterNeumann");
    assert_eq!(format!("{:08x}", signer.key_id()), vectors.peter_key_id);
    assert_eq!(signer.verifier_key(), vectors.peter_verifier_key);
    assert_eq!(signer.sign(&vectors.text).expect("text is signable"), vectors.peter_signed_note);
}

#[test]
fn go_known_note_opens() {
    let vectors = go_vectors();
    let verifier = NoteVerifier::parse(&vectors.peter_verifier_key).expect("Go verifier key parses");
    assert_eq!(verifier.key_type(), KeyType::Ed25519);
    assert_eq!(verifier.to_vkey(), vectors.peter_verifier_key);
    let opened = open_note(vectors.peter_signed_note.as_bytes(), &[verifier]).expect("known note opens");
    assert_eq!(opened.text(), vectors.text);
    let [signature] = opened.signatures() else { panic!("one verified signature") };
    assert_eq!(signature.name, "PeterNeumann");
    assert_eq!(format!("{:08x}", signature.key_id), vectors.peter_key_id);
    assert_eq!(signature.kind, SignatureKind::Ed25519);
}

#[test]
fn adding_a_signature_gives_the_known_double_signed_note() {
    let vectors = go_vectors();
    let enoch = enoch_signer(&vectors);
    assert_eq!(enoch.verifier_key(), vectors.enoch_verifier_key);
    assert_eq!(format!("{:08x}", enoch.key_id()), vectors.enoch_key_id);
    let doubled = enoch.add_signature(&vectors.peter_signed_note).expect("note is well formed");
    assert_eq!(doubled, vectors.double_signed_note);
    // Signing again replaces the earlier signature by the same key instead of repeating it.
    assert_eq!(enoch.add_signature(&doubled).expect("note is well formed"), vectors.double_signed_note);

    let peter = NoteVerifier::parse(&vectors.peter_verifier_key).expect("valid key");
    let enoch_verifier = NoteVerifier::parse(&vectors.enoch_verifier_key).expect("valid key");
    let both = open_note(doubled.as_bytes(), &[peter.clone(), enoch_verifier.clone()]).expect("opens");
    assert_eq!(both.signatures().len(), 2);
    assert!(both.signature_by(&enoch_verifier).is_some());
    let peter_only = open_note(doubled.as_bytes(), &[peter]).expect("opens with one known key");
    assert_eq!(peter_only.signatures().len(), 1);
    assert_eq!(peter_only.unknown_signatures(), 1);
}

#[test]
fn key_id_follows_the_spec_formula() {
    let vectors = go_vectors();
    let verifier = NoteVerifier::parse(&vectors.peter_verifier_key).expect("valid key");
    assert_eq!(key_id("PeterNeumann", KeyType::Ed25519, verifier.public_key()), verifier.key_id());
    // The type byte is hashed, so the same key as a cosigner has another id.
    assert_ne!(key_id("PeterNeumann", KeyType::CosignatureV1, verifier.public_key()), verifier.key_id());
}

#[test]
fn signer_debug_does_not_print_the_secret() {
    let signer = NoteSigner::new("example.com/log", key(0xab)).expect("valid name");
    let cosigner = witness("example.com/w", 0xab);
    for debug in [format!("{signer:?}"), format!("{cosigner:?}")] {
        assert!(debug.contains("example.com/"));
        assert!(!debug.to_lowercase().contains("abab"), "{debug}");
        assert!(!debug.contains(&format!("{:?}", [0xabu8; 32])), "{debug}");
    }
}

// ---------------------------------------------------------------------------------------------
// Interop with the signed_note crate (a Rust port of Go's sumdb/note); native only.

#[cfg(not(target_arch = "wasm32"))]
mod interop {
    use super::*;
    use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};

    fn go_private_key(name: &str, seed: [u8; 32]) -> String {
        let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        let mut encoded = vec![0x01];
        encoded.extend_from_slice(&seed);
        format!(
            "PRIVATE+KEY+{name}+{:08x}+{}",
            key_id(name, KeyType::Ed25519, &public),
            BASE64.encode(encoded)
        )
    }

    #[test]
    fn notes_we_sign_open_with_signed_note() {
        let signer = log_signer();
        let note = signed_checkpoint();
        let verifier = StandardVerifier::new(&signer.verifier_key()).expect("signed_note reads our key");
        let parsed = Note::from_bytes(note.as_bytes()).expect("signed_note parses our note");
        let (verified, unverified) =
            parsed.verify(&VerifierList::new(vec![Box::new(verifier.clone())])).expect("verifies");
        assert_eq!(verified.len(), 1);
        assert!(unverified.is_empty());
        assert_eq!(parsed.text(), checkpoint().to_text().as_bytes());

        // Cosignature lines are valid note signatures to tools that do not know their type.
        let cosigned = witness("example.com/w1", 2).cosign(&note, 1_700_000_000).expect("cosigns");
        let parsed = Note::from_bytes(cosigned.as_bytes()).expect("signed_note parses cosigned note");
        let (verified, unverified) =
            parsed.verify(&VerifierList::new(vec![Box::new(verifier)])).expect("verifies");
        assert_eq!((verified.len(), unverified.len()), (1, 1));
    }

    #[test]
    fn notes_signed_note_signs_open_with_ours() {
        let seed = [9u8; 32];
        let name = "example.org/other-log";
        let their_signer = StandardSigner::new(&go_private_key(name, seed)).expect("signed_note reads key");
        let text = format!("example.org/other-log\n5\n{}\n", BASE64.encode([0u8; 32]));
        let mut note = Note::new(text.as_bytes(), &[]).expect("valid text");
        note.add_sigs(&[&their_signer]).expect("signs");
        let bytes = note.to_bytes();

        let ours = NoteSigner::new(name, SigningKey::from_bytes(&seed)).expect("valid name");
        assert_eq!(ours.sign(&text).expect("signable").as_bytes(), bytes.as_slice(), "same bytes as Go");
        let verifier = NoteVerifier::parse(&ours.verifier_key()).expect("valid key");
        let (checkpoint, opened) =
            open_checkpoint(&bytes, "example.org/other-log", &[verifier]).expect("opens with ours");
        assert_eq!(checkpoint.size, 5);
        assert_eq!(opened.text(), text);
    }

    #[test]
    fn go_private_key_round_trips_through_signed_note() {
        let vectors = go_vectors();
        let theirs = StandardSigner::new(&vectors.peter_private_key).expect("parses");
        let mut note = Note::new(vectors.text.as_bytes(), &[]).expect("valid text");
        note.add_sigs(&[&theirs]).expect("signs");
        assert_eq!(note.to_bytes(), vectors.peter_signed_note.as_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// Rejections: notes.

fn check_open(note: &[u8], verifiers: &[NoteVerifier], expected: NoteError) {
    assert_eq!(open_note(note, verifiers), Err(expected), "note: {:?}", String::from_utf8_lossy(note));
}

fn peter() -> NoteVerifier {
    NoteVerifier::parse(&go_vectors().peter_verifier_key).expect("valid key")
}

#[test]
fn open_rejects_bad_signatures_and_unknown_keys() {
    let vectors = go_vectors();
    let note = vectors.peter_signed_note.as_str();
    let peter_line = note.strip_prefix(&format!("{}\n", vectors.text)).expect("note is text then line");

    let tampered = edit_signature(note, "\u{2014} PeterNeumann ", |payload| {
        if let Some(last) = payload.last_mut() {
            *last ^= 1;
        }
    });
    check_open(
        tampered.as_bytes(),
        &[peter()],
        NoteError::InvalidSignature { name: "PeterNeumann".into(), key_id: 0xc74f20a3 },
    );

    let altered_text = note.replace("cryptography", "cryptographY");
    check_open(
        altered_text.as_bytes(),
        &[peter()],
        NoteError::InvalidSignature { name: "PeterNeumann".into(), key_id: 0xc74f20a3 },
    );

    // A signature by a known key with the wrong length.
    let truncated = edit_signature(note, "\u{2014} PeterNeumann ", |payload| payload.truncate(40));
    check_open(
        truncated.as_bytes(),
        &[peter()],
        NoteError::SignatureLength { name: "PeterNeumann".into(), key_id: 0xc74f20a3 },
    );

    // No verifier keys at all.
    check_open(note.as_bytes(), &[], NoteError::NoVerifiers);

    // Only signatures by unknown keys.
    let enoch = NoteVerifier::parse(&vectors.enoch_verifier_key).expect("valid key");
    check_open(note.as_bytes(), std::slice::from_ref(&enoch), NoteError::NoKnownSignature);

    // A known name with a key id none of its verifiers has.
    let wrong_id = edit_signature(note, "\u{2014} PeterNeumann ", |payload| {
        if let Some(first) = payload.first_mut() {
            *first ^= 0x80;
        }
    });
    check_open(
        wrong_id.as_bytes(),
        &[peter()],
        NoteError::KeyIdMismatch { name: "PeterNeumann".into(), key_id: 0xc74f20a3 ^ 0x8000_0000 },
    );

    // A bad signature by a known key rejects the note even beside a good one.
    let good_then_bad =
        format!("{}{}", note, tampered.strip_prefix(&format!("{}\n", vectors.text)).unwrap_or(""));
    check_open(
        good_then_bad.as_bytes(),
        &[peter()],
        NoteError::InvalidSignature { name: "PeterNeumann".into(), key_id: 0xc74f20a3 },
    );

    // Two verifiers for one (name, key id).
    check_open(
        note.as_bytes(),
        &[peter(), peter()],
        NoteError::AmbiguousVerifier { name: "PeterNeumann".into(), key_id: 0xc74f20a3 },
    );

    // Unknown signatures beside a known good one are ignored.
    let with_unknown = format!("{note}{}", peter_line.replace("PeterNeumann", "Stranger"));
    let opened = open_note(with_unknown.as_bytes(), &[peter()]).expect("unknown key ignored");
    assert_eq!(opened.unknown_signatures(), 1);
}

#[test]
fn open_enforces_size_and_signature_count_caps() {
    let vectors = go_vectors();
    let peter_line =
        vectors.peter_signed_note.strip_prefix(&format!("{}\n", vectors.text)).expect("text then line");
    let hundred = format!("{}\n{}", vectors.text, peter_line.repeat(100));
    let opened = open_note(hundred.as_bytes(), &[peter()]).expect("100 signature lines are allowed");
    assert_eq!(opened.signatures().len(), 1, "one key is listed once");

    let hundred_one = format!("{}\n{}", vectors.text, peter_line.repeat(101));
    check_open(hundred_one.as_bytes(), &[peter()], NoteError::TooManySignatures);

    let padding = "x".repeat(79) + "\n";
    let mut big_text = padding.repeat(MAX_NOTE_BYTES / padding.len() + 1);
    big_text.push_str(&vectors.text);
    let big = format!("{big_text}\n{peter_line}");
    check_open(big.as_bytes(), &[peter()], NoteError::TooLarge { size: big.len() });
}

#[test]
fn open_rejects_malformed_notes() {
    let vectors = go_vectors();
    let text = vectors.text.as_str();
    let note = vectors.peter_signed_note.as_str();
    let peter_line = note.strip_prefix(&format!("{text}\n")).expect("text then line");
    let encoded = peter_line.trim_end().strip_prefix("\u{2014} PeterNeumann ").expect("line prefix");
    let cases: Vec<(String, NoteError)> = vec![
        (text.to_owned(), NoteError::MissingSignatureBlock),
        (format!("{text}\n"), NoteError::NoSignatureLines),
        (format!("{text}\n{}", peter_line.trim_end()), NoteError::MalformedSignatureLine { line: 1 }),
        (format!("{text}\n- PeterNeumann {encoded}\n"), NoteError::MalformedSignatureLine { line: 1 }),
        (format!("{text}\n\u{2014}PeterNeumann {encoded}\n"), NoteError::MalformedSignatureLine { line: 1 }),
        (
            format!("{text}\n\u{2014} Peter+Neumann {encoded}\n"),
            NoteError::MalformedSignatureLine { line: 1 },
        ),
        (format!("{text}\n\u{2014} PeterNeumann\n"), NoteError::MalformedSignatureLine { line: 1 }),
        (format!("{text}\n\u{2014} PeterNeumann \n"), NoteError::MalformedSignatureLine { line: 1 }),
        (format!("{text}\n{peter_line}\u{2014} x {encoded}\n\n"), NoteError::NoSignatureLines),
        (
            format!("{text}\n{peter_line}\u{2014} Peter Neumann {encoded}\n"),
            NoteError::SignatureBase64 { line: 2 },
        ),
        (
            format!("{text}\n\u{2014} PeterNeumann {}\n", &encoded[1..]),
            NoteError::SignatureBase64 { line: 1 },
        ),
        (
            format!("{text}\n\u{2014} PeterNeumann {}!\n", &encoded[..encoded.len() - 1]),
            NoteError::SignatureBase64 { line: 1 },
        ),
        // Non-canonical base64: trailing bits set, or padding missing.
        (format!("{text}\n\u{2014} PeterNeumann AAAAAAB=\n"), NoteError::SignatureBase64 { line: 1 }),
        (format!("{text}\n\u{2014} PeterNeumann AAAAAAA\n"), NoteError::SignatureBase64 { line: 1 }),
        (format!("{text}\n\u{2014} PeterNeumann AAAAAA==\n"), NoteError::SignatureTooShort { line: 1 }),
        (format!("\u{1}{note}"), NoteError::ControlCharacter),
        (note.replace('\n', "\r\n"), NoteError::ControlCharacter),
        (format!("{text}\n{}", peter_line.replace(' ', "\t")), NoteError::ControlCharacter),
    ];
    for (input, expected) in cases {
        check_open(input.as_bytes(), &[peter()], expected);
    }
    let mut not_utf8 = note.as_bytes().to_vec();
    not_utf8.insert(0, 0xff);
    check_open(&not_utf8, &[peter()], NoteError::NotUtf8);
}

#[test]
fn signing_rejects_texts_that_would_not_round_trip() {
    let signer = log_signer();
    let cases = [
        ("", NoteError::EmptyText),
        ("no final newline", NoteError::TextMissingFinalNewline),
        ("a\n\nb\n", NoteError::TextHasEmptyLine),
        ("\na\n", NoteError::TextHasEmptyLine),
        ("\n", NoteError::TextHasEmptyLine),
        ("tab\there\n", NoteError::ControlCharacter),
        ("cr\r\n", NoteError::ControlCharacter),
    ];
    for (text, expected) in cases {
        assert_eq!(signer.sign(text), Err(expected.clone()), "text: {text:?}");
        assert_eq!(witness("example.com/w", 2).cosignature_line(text, 1), Err(expected), "text: {text:?}");
    }
    for name in ["", "has space", "has+plus", "nbsp\u{a0}here", "line\nbreak"] {
        assert_eq!(NoteSigner::new(name, key(1)).map(|_| ()), Err(NoteError::InvalidKeyName), "{name:?}");
        assert_eq!(CosignatureSigner::new(name, key(1)).map(|_| ()), Err(NoteError::InvalidKeyName));
    }
    // Adding a signature needs a well-formed signed note.
    assert_eq!(signer.add_signature("text only\n"), Err(NoteError::MissingSignatureBlock));
}

// ---------------------------------------------------------------------------------------------
// Rejections: keys.

fn check_vkey(vkey: &str, expected: NoteError) {
    assert_eq!(NoteVerifier::parse(vkey), Err(expected), "vkey: {vkey:?}");
}

fn vkey_with(name: &str, id: u32, type_byte: u8, public_key: &[u8]) -> String {
    let mut encoded = vec![type_byte];
    encoded.extend_from_slice(public_key);
    format!("{name}+{id:08x}+{}", BASE64.encode(encoded))
}

#[test]
fn verifier_keys_are_parsed_strictly() {
    let vectors = go_vectors();
    let good = vectors.peter_verifier_key.as_str();
    let public = *peter().public_key();
    check_vkey("PeterNeumann", NoteError::MalformedVerifierKey);
    check_vkey("PeterNeumann+c74f20a3", NoteError::MalformedVerifierKey);
    check_vkey(&good.replace("c74f20a3", "C74F20A3"), NoteError::MalformedVerifierKey);
    check_vkey(&good.replace("c74f20a3", "c74f20a"), NoteError::MalformedVerifierKey);
    check_vkey(&good.replace("c74f20a3", "c74f20a3g"), NoteError::MalformedVerifierKey);
    check_vkey(&good.replace("PeterNeumann", ""), NoteError::MalformedVerifierKey);
    check_vkey(&good.replace("ARpc", "ARp!"), NoteError::MalformedVerifierKey);
    check_vkey(&format!("{good}="), NoteError::MalformedVerifierKey);
    check_vkey("PeterNeumann+c74f20a3+", NoteError::MalformedVerifierKey);
    check_vkey(&vkey_with("PeterNeumann", 0xc74f20a3, 0x01, &public[..31]), NoteError::MalformedVerifierKey);
    check_vkey(&good.replace("c74f20a3", "c74f20a4"), NoteError::VerifierKeyIdMismatch);
    check_vkey(&vkey_with("PeterNeumann", 0, 0x02, &public), NoteError::UnsupportedKeyType(0x02));
    // The identity point is a valid encoding but a weak key: verify_strict would reject everything.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let weak_id = key_id("weak", KeyType::Ed25519, &identity);
    check_vkey(&vkey_with("weak", weak_id, 0x01, &identity), NoteError::InvalidPublicKey);

    let cosigner = witness("example.com/w1", 3);
    let verifier = NoteVerifier::parse(&cosigner.verifier_key()).expect("cosignature key parses");
    assert_eq!(verifier.key_type(), KeyType::CosignatureV1);
    assert_eq!(verifier, cosigner.verifier());
    let vkey = cosigner.verifier_key();
    let key_part = vkey.splitn(3, '+').nth(2).expect("three parts");
    assert_eq!(BASE64.decode(key_part).expect("base64").first(), Some(&0x04), "type byte 0x04");
}

#[test]
fn private_keys_are_parsed_strictly() {
    let vectors = go_vectors();
    let good = vectors.peter_private_key.as_str();
    for malformed in [
        good.replace("PRIVATE+KEY+", "PRIVATE+KEYS+"),
        good.replace("c74f20a3", "C74F20A3"),
        good.replace("AYEK", "AYE!"),
        "PRIVATE+KEY+PeterNeumann+c74f20a3".to_owned(),
    ] {
        assert_eq!(NoteSigner::from_private_key(&malformed).map(|_| ()), Err(NoteError::MalformedPrivateKey));
    }
    assert_eq!(
        NoteSigner::from_private_key(&good.replace("c74f20a3", "c74f20a4")).map(|_| ()),
        Err(NoteError::PrivateKeyIdMismatch)
    );
    // A plain note key is not a cosignature key.
    assert_eq!(
        CosignatureSigner::from_private_key(good).map(|_| ()),
        Err(NoteError::UnsupportedKeyType(0x01))
    );
}

// ---------------------------------------------------------------------------------------------
// Checkpoints.

fn check_checkpoint(text: &str, expected: CheckpointError) {
    assert_eq!(Checkpoint::parse(text), Err(expected), "text: {text:?}");
}

#[test]
fn checkpoint_round_trips() {
    let root_b64 = BASE64.encode([7u8; 32]);
    let text = format!("{ORIGIN}\n20852163\n{root_b64}\n");
    assert_eq!(Checkpoint::parse(&text), Ok(checkpoint()));
    assert_eq!(checkpoint().to_text(), text);
    let with_extensions = Checkpoint { extensions: vec!["ext one".into(), "two".into()], ..checkpoint() };
    assert_eq!(Checkpoint::parse(&with_extensions.to_text()), Ok(with_extensions.clone()));
    assert_eq!(with_extensions.validate(), Ok(()));
    let empty = Checkpoint { size: 0, ..checkpoint() };
    assert_eq!(Checkpoint::parse(&format!("{ORIGIN}\n0\n{root_b64}\n")), Ok(empty));
    let max = format!("{ORIGIN}\n{}\n{root_b64}\n", u64::MAX);
    assert_eq!(Checkpoint::parse(&max).map(|c| c.size), Ok(u64::MAX));
}

#[test]
fn checkpoint_parse_rejects_non_canonical_text() {
    let root = BASE64.encode([7u8; 32]);
    let body = |size: &str, root: &str| format!("{ORIGIN}\n{size}\n{root}\n");
    check_checkpoint(
        &body("5", &root).replace(&format!("{root}\n"), &root),
        CheckpointError::MissingFinalNewline,
    );
    check_checkpoint(&format!("{ORIGIN}\n5\n"), CheckpointError::TooFewLines);
    check_checkpoint(&format!("\n5\n{root}\n"), CheckpointError::EmptyOrigin);
    check_checkpoint(&body("", &root), CheckpointError::InvalidTreeSize);
    check_checkpoint(&body("five", &root), CheckpointError::InvalidTreeSize);
    check_checkpoint(&body("+5", &root), CheckpointError::InvalidTreeSize);
    check_checkpoint(&body("-5", &root), CheckpointError::InvalidTreeSize);
    check_checkpoint(&body(" 5", &root), CheckpointError::InvalidTreeSize);
    check_checkpoint(&body("18446744073709551616", &root), CheckpointError::InvalidTreeSize);
    check_checkpoint(&body("05", &root), CheckpointError::TreeSizeLeadingZero);
    check_checkpoint(&body("00", &root), CheckpointError::TreeSizeLeadingZero);
    check_checkpoint(&body("5", &BASE64.encode([7u8; 31])), CheckpointError::RootLength { found: 31 });
    check_checkpoint(&body("5", &BASE64.encode([7u8; 33])), CheckpointError::RootLength { found: 33 });
    check_checkpoint(&body("5", ""), CheckpointError::RootLength { found: 0 });
    check_checkpoint(&body("5", root.trim_end_matches('=')), CheckpointError::RootNotBase64);
    check_checkpoint(&body("5", &root.replace("c=", "d=")), CheckpointError::RootNotBase64);
    check_checkpoint(
        &body("5", &BASE64.encode([0xff; 32]).replace('/', "_")),
        CheckpointError::RootNotBase64,
    );
    check_checkpoint(
        &format!("{}\next\n\nmore\n", body("5", &root).trim_end()),
        CheckpointError::EmptyExtensionLine { line: 5 },
    );
    check_checkpoint(
        &format!("{}\n\n", body("5", &root).trim_end()),
        CheckpointError::EmptyExtensionLine { line: 4 },
    );
    check_checkpoint(
        &body("5", &root).replace(ORIGIN, "example.com/\tlog"),
        CheckpointError::ControlCharacter,
    );

    assert_eq!(
        Checkpoint { origin: String::new(), ..checkpoint() }.validate(),
        Err(CheckpointError::EmptyOrigin)
    );
    assert_eq!(
        Checkpoint { origin: "a\nb".into(), ..checkpoint() }.validate(),
        Err(CheckpointError::ControlCharacter)
    );
    assert_eq!(
        Checkpoint { extensions: vec!["x".into(), String::new()], ..checkpoint() }.validate(),
        Err(CheckpointError::EmptyExtensionLine { line: 5 })
    );
}

#[test]
fn open_checkpoint_checks_origin_and_log_signature() {
    let log = log_signer();
    let note = signed_checkpoint();
    let (opened_checkpoint, opened) =
        open_checkpoint(note.as_bytes(), ORIGIN, &[log.verifier()]).expect("opens");
    assert_eq!(opened_checkpoint, checkpoint());
    assert_eq!(opened.text(), checkpoint().to_text());

    assert_eq!(
        open_checkpoint(note.as_bytes(), "example.com/other", &[log.verifier()]).map(|_| ()),
        Err(CheckpointError::OriginMismatch { expected: "example.com/other".into(), found: ORIGIN.into() })
    );
    // A cosignature alone is not the log's word.
    let w1 = witness("example.com/w1", 2);
    let cosigned = w1.cosign(&note, 1_700_000_000).expect("cosigns");
    assert_eq!(
        open_checkpoint(cosigned.as_bytes(), ORIGIN, &[w1.verifier()]).map(|_| ()),
        Err(CheckpointError::NotSignedByLog)
    );
    // A signed note whose text is not a checkpoint.
    let not_checkpoint = log.sign("hello\n").expect("signable");
    assert_eq!(
        open_checkpoint(not_checkpoint.as_bytes(), ORIGIN, &[log.verifier()]).map(|_| ()),
        Err(CheckpointError::TooFewLines)
    );
    assert_eq!(
        open_checkpoint(note.as_bytes(), ORIGIN, &[]).map(|_| ()),
        Err(CheckpointError::Note(NoteError::NoVerifiers))
    );
}

#[test]
fn every_bit_flip_of_a_signed_checkpoint_fails_to_open() {
    let verifiers = [log_signer().verifier()];
    let note = signed_checkpoint().into_bytes();
    assert!(open_checkpoint(&note, ORIGIN, &verifiers).is_ok());
    let mut flipped = note.clone();
    for index in 0..note.len() {
        for bit in 0..8 {
            flipped[index] ^= 1 << bit;
            assert!(
                open_checkpoint(&flipped, ORIGIN, &verifiers).is_err(),
                "byte {index} bit {bit} accepted"
            );
            flipped[index] ^= 1 << bit;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cosignatures.

#[test]
fn witnesses_cosign_a_checkpoint() {
    let log = log_signer();
    let w1 = witness("example.com/w1", 2);
    let w2 = witness("example.org/w2", 3);
    let note = signed_checkpoint();
    let cosigned = w1.cosign(&note, 1_679_315_147).expect("cosigns");
    let cosigned = w2.cosign(&cosigned, 1_700_000_000).expect("cosigns");

    let verifiers = [log.verifier(), w1.verifier(), w2.verifier()];
    let (opened_checkpoint, opened) =
        open_checkpoint(cosigned.as_bytes(), ORIGIN, &verifiers).expect("opens");
    assert_eq!(opened_checkpoint, checkpoint());
    let kinds: Vec<_> = opened.signatures().iter().map(|s| (s.name.as_str(), s.kind)).collect();
    assert_eq!(
        kinds,
        [
            (ORIGIN, SignatureKind::Ed25519),
            ("example.com/w1", SignatureKind::Cosignature { timestamp: 1_679_315_147 }),
            ("example.org/w2", SignatureKind::Cosignature { timestamp: 1_700_000_000 }),
        ]
    );
    assert_eq!(
        opened.signature_by(&w1.verifier()).map(|s| s.kind),
        Some(SignatureKind::Cosignature { timestamp: 1_679_315_147 })
    );

    // Re-cosigning replaces the witness's earlier cosignature.
    let again = w1.cosign(&cosigned, 1_800_000_000).expect("cosigns");
    let reopened = open_note(again.as_bytes(), &verifiers).expect("opens");
    assert_eq!(reopened.signatures().len(), 3);
    assert_eq!(
        reopened.signature_by(&w1.verifier()).map(|s| s.kind),
        Some(SignatureKind::Cosignature { timestamp: 1_800_000_000 })
    );
}

#[test]
fn cosignature_signs_the_spec_message() {
    let w1 = witness("example.com/w1", 2);
    let text = checkpoint().to_text();
    let line = w1.cosignature_line(&text, 1_679_315_147).expect("signable");
    let encoded = line.trim_end().strip_prefix("\u{2014} example.com/w1 ").expect("line prefix");
    let payload = BASE64.decode(encoded).expect("base64");
    assert_eq!(payload.len(), 4 + 8 + 64);
    assert_eq!(payload[..4], w1.key_id().to_be_bytes());
    assert_eq!(payload[4..12], 1_679_315_147u64.to_be_bytes());
    let message = format!("cosignature/v1\ntime 1679315147\n{text}");
    let signature: [u8; 64] = payload[12..].try_into().expect("64 bytes");
    assert!(wasm_core::ed25519::verify(w1.verifier().public_key(), message.as_bytes(), &signature));
}

#[test]
fn forged_cosignatures_are_rejected() {
    let log = log_signer();
    let w1 = witness("example.com/w1", 2);
    let note = w1.cosign(&signed_checkpoint(), 1_679_315_147).expect("cosigns");
    let verifiers = [log.verifier(), w1.verifier()];
    let forged_time = edit_signature(&note, "\u{2014} example.com/w1 ", |payload| {
        if let Some(byte) = payload.get_mut(11) {
            *byte ^= 1;
        }
    });
    check_open(
        forged_time.as_bytes(),
        &verifiers,
        NoteError::InvalidSignature { name: "example.com/w1".into(), key_id: w1.key_id() },
    );
    let huge_time = edit_signature(&note, "\u{2014} example.com/w1 ", |payload| {
        if let Some(byte) = payload.get_mut(4) {
            *byte |= 0x80;
        }
    });
    check_open(
        huge_time.as_bytes(),
        &verifiers,
        NoteError::CosignatureTimestampOutOfRange { timestamp: (1_679_315_147u64) | (1 << 63) },
    );
    let short = edit_signature(&note, "\u{2014} example.com/w1 ", |payload| payload.truncate(4 + 64));
    check_open(
        short.as_bytes(),
        &verifiers,
        NoteError::SignatureLength { name: "example.com/w1".into(), key_id: w1.key_id() },
    );
    assert_eq!(
        w1.cosign(&signed_checkpoint(), 1 << 63),
        Err(NoteError::CosignatureTimestampOutOfRange { timestamp: 1 << 63 })
    );
    // A cosignature key does not verify plain signatures, even by the same Ed25519 key.
    let plain = NoteSigner::new("example.com/w1", key(2)).expect("valid name");
    let plain_note = plain.sign(&checkpoint().to_text()).expect("signable");
    check_open(
        plain_note.as_bytes(),
        &[w1.verifier()],
        NoteError::KeyIdMismatch { name: "example.com/w1".into(), key_id: plain.key_id() },
    );
}

// ---------------------------------------------------------------------------------------------
// Witness policies (c2sp.org/tlog-policy).

fn policy_text(quorum_lines: &str) -> String {
    format!(
        "# Assent test policy\n\nlog {} https://example.com/log\n\twitness w1 {}\nwitness  w2 {} https://w2.example\nwitness w3 {}\n{quorum_lines}",
        log_signer().verifier_key(),
        witness("example.com/w1", 2).verifier_key(),
        witness("example.org/w2", 3).verifier_key(),
        witness("example.net/w3", 4).verifier_key(),
    )
}

fn cosigned_by(witnesses: &[(&str, u8)]) -> String {
    let mut note = signed_checkpoint();
    for (index, (name, byte)) in witnesses.iter().enumerate() {
        note = witness(name, *byte).cosign(&note, 1_700_000_000 + index as u64).expect("cosigns");
    }
    note
}

fn policy_check(policy: &Policy, note: &str) -> Result<(), PolicyError> {
    let opened = open_note(note.as_bytes(), &policy.verifiers()).expect("note opens with the policy's keys");
    policy.check(&opened)
}

#[test]
fn policy_two_of_three_quorum() {
    let policy = Policy::parse(&policy_text("group two 2 w1 w2 w3\nquorum two\n")).expect("policy parses");
    assert_eq!(policy.logs().len(), 1);
    assert_eq!(policy.logs()[0].url.as_deref(), Some("https://example.com/log"));
    assert_eq!(policy.witnesses().len(), 3);
    assert_eq!(policy.witnesses()[1].url.as_deref(), Some("https://w2.example"));

    let w1 = ("example.com/w1", 2);
    let w2 = ("example.org/w2", 3);
    let w3 = ("example.net/w3", 4);
    assert_eq!(policy_check(&policy, &cosigned_by(&[w1, w3])), Ok(()));
    assert_eq!(policy_check(&policy, &cosigned_by(&[w1, w2, w3])), Ok(()));
    assert_eq!(policy_check(&policy, &cosigned_by(&[w2])), Err(PolicyError::QuorumNotMet));
    assert_eq!(policy_check(&policy, &signed_checkpoint()), Err(PolicyError::QuorumNotMet));
    // A cosignature by a key the policy does not know counts for nothing.
    assert_eq!(
        policy_check(&policy, &cosigned_by(&[w1, ("example.com/stranger", 9)])),
        Err(PolicyError::QuorumNotMet)
    );

    // Cosigned by the witnesses, but signed by another log.
    let other_log = NoteSigner::new(ORIGIN, key(8)).expect("valid name");
    let mut note = other_log.sign(&checkpoint().to_text()).expect("signable");
    for (name, byte) in [w1, w2] {
        note = witness(name, byte).cosign(&note, 1_700_000_000).expect("cosigns");
    }
    assert_eq!(policy_check(&policy, &note), Err(PolicyError::NotSignedByLog));
}

#[test]
fn policy_nested_groups_and_no_quorum() {
    let nested = policy_text("group x any w1 w2\ngroup xy all x w3\nquorum xy\n");
    let policy = Policy::parse(&nested).expect("policy parses");
    let w1 = ("example.com/w1", 2);
    let w2 = ("example.org/w2", 3);
    let w3 = ("example.net/w3", 4);
    assert_eq!(policy_check(&policy, &cosigned_by(&[w2, w3])), Ok(()));
    assert_eq!(policy_check(&policy, &cosigned_by(&[w1, w2])), Err(PolicyError::QuorumNotMet));

    let single = Policy::parse(&policy_text("quorum w3\n")).expect("policy parses");
    assert_eq!(policy_check(&single, &cosigned_by(&[w3])), Ok(()));
    assert_eq!(policy_check(&single, &cosigned_by(&[w1])), Err(PolicyError::QuorumNotMet));

    let none = Policy::parse(&policy_text("quorum none\n")).expect("policy parses");
    assert_eq!(policy_check(&none, &signed_checkpoint()), Ok(()));
}

fn check_policy(text: &str, expected: PolicyError) {
    assert_eq!(Policy::parse(text), Err(expected), "policy: {text:?}");
}

#[test]
fn policy_parse_rejects_bad_policies() {
    let base = policy_text("");
    let base_lines = base.lines().count();
    let next = base_lines + 1;
    let quorum = |extra: &str| format!("{base}{extra}");
    check_policy(&quorum(""), PolicyError::MissingQuorum);
    check_policy(&quorum("quorum w1\nquorum w2\n"), PolicyError::DuplicateQuorum { line: next + 1 });
    check_policy(&quorum("quorum w9\n"), PolicyError::UndefinedName { line: next });
    check_policy(&quorum("quorum\n"), PolicyError::WrongItemCount { line: next });
    check_policy(&quorum("group g\n"), PolicyError::WrongItemCount { line: next });
    check_policy(&quorum("group g any\n"), PolicyError::WrongItemCount { line: next });
    check_policy(&quorum("witness w4\n"), PolicyError::WrongItemCount { line: next });
    check_policy(&quorum("cosigner w4 x\n"), PolicyError::UnknownKeyword { line: next });
    check_policy(&quorum("group g 0 w1 w2\n"), PolicyError::InvalidThreshold { line: next });
    check_policy(&quorum("group g 3 w1 w2\n"), PolicyError::InvalidThreshold { line: next });
    check_policy(&quorum("group g 01 w1 w2\n"), PolicyError::InvalidThreshold { line: next });
    check_policy(&quorum("group g +1 w1 w2\n"), PolicyError::InvalidThreshold { line: next });
    check_policy(&quorum("group g any w1 w1\n"), PolicyError::DuplicateMember { line: next });
    check_policy(
        &quorum("group g any w1\ngroup h any w1 w2\n"),
        PolicyError::DuplicateMember { line: next + 1 },
    );
    check_policy(&quorum("group g any w1 w9\n"), PolicyError::UndefinedName { line: next });
    check_policy(&quorum("group g any w1 h\ngroup h any w2\n"), PolicyError::UndefinedName { line: next });
    check_policy(&quorum("group w1 any w2\n"), PolicyError::DuplicateName { line: next });
    check_policy(&quorum("group none any w2\n"), PolicyError::DuplicateName { line: next });
    check_policy(&quorum("quorum none\r\n"), PolicyError::ControlCharacter { line: next });

    let w1 = witness("example.com/w1", 2);
    let renamed_w1 = witness("example.com/w1-again", 2);
    check_policy(
        &quorum(&format!("witness w1 {}\n", witness("example.com/w5", 5).verifier_key())),
        PolicyError::DuplicateName { line: next },
    );
    check_policy(
        &quorum(&format!("witness w5 {}\n", renamed_w1.verifier_key())),
        PolicyError::DuplicateKey { line: next },
    );
    check_policy(
        &quorum(&format!(
            "log {}\n",
            NoteSigner::new("example.com/log2", key(1)).expect("name").verifier_key()
        )),
        PolicyError::DuplicateKey { line: next },
    );
    check_policy(&quorum(&format!("log {}\n", w1.verifier_key())), PolicyError::WrongKeyType { line: next });
    check_policy(
        &quorum(&format!("witness w5 {}\n", NoteSigner::new("w5", key(5)).expect("name").verifier_key())),
        PolicyError::WrongKeyType { line: next },
    );
    let bad_key = w1.verifier_key().replace('+', "-");
    check_policy(
        &quorum(&format!("witness w5 {bad_key}\n")),
        PolicyError::Key { line: next, source: NoteError::MalformedVerifierKey },
    );
    let huge = format!("{}{}", "#".repeat(MAX_POLICY_BYTES), quorum("quorum none\n"));
    check_policy(&huge, PolicyError::TooLarge { size: huge.len() });
}
