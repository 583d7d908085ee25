//! C2SP tlog-proof bundles: round trips, every parse rejection with its own error, and
//! verification against signed and cosigned checkpoints.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use ed25519_dalek::SigningKey;
use wasm_core::hash::Digest256;
use wasm_core::tlog::bundle::{BundleError, ProofBundle, BUNDLE_HEADER, MAX_BUNDLE_BYTES, MAX_PROOF_HASHES};
use wasm_core::tlog::checkpoint::{Checkpoint, CheckpointError};
use wasm_core::tlog::merkle::leaf_hash;
use wasm_core::tlog::note::{CosignatureSigner, NoteError, NoteSigner};
use wasm_core::tlog::proof::ProofError;
use wasm_core::tlog::tiles::{append_leaves, TileSet, TiledTree};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const ORIGIN: &str = "example.com/log";

fn log_signer() -> NoteSigner {
    NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[7; 32])).expect("valid name")
}

fn entry(i: u64) -> Vec<u8> {
    format!("entry {i}").into_bytes()
}

/// A tree of `size` entries, and a bundle for entry `index` in it, signed by [`log_signer`].
fn bundle_for(size: u64, index: u64) -> ProofBundle {
    let hashes: Vec<Digest256> = (0..size).map(|i| leaf_hash(&entry(i))).collect();
    let mut tiles = TileSet::new();
    let appended = append_leaves(0, &hashes, &tiles).expect("append");
    tiles.apply(&appended).expect("apply");
    let tree = TiledTree::new(size, &tiles);
    let text = Checkpoint { origin: ORIGIN.into(), size, root: appended.root, extensions: vec![] }.to_text();
    ProofBundle {
        extra: None,
        index,
        proof: tree.inclusion_proof(index).expect("proof"),
        checkpoint_note: log_signer().sign(&text).expect("sign"),
    }
}

#[test]
fn round_trip_without_and_with_extra() {
    let mut bundle = bundle_for(13, 5);
    assert_eq!(bundle.proof.len(), 4);
    let text = bundle.to_text();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex 5\n"));
    assert_eq!(ProofBundle::parse(&text), Ok(bundle.clone()));
    assert_eq!(ProofBundle::parse(&text).expect("parses").to_text(), text);

    bundle.extra = Some(b"vrf proof".to_vec());
    let text = bundle.to_text();
    assert!(text.starts_with(&format!("{BUNDLE_HEADER}\nextra {}\nindex 5\n", BASE64.encode("vrf proof"))));
    assert_eq!(ProofBundle::parse(&text), Ok(bundle));
}

#[test]
fn single_entry_tree_has_an_empty_proof() {
    let bundle = bundle_for(1, 0);
    assert!(bundle.proof.is_empty());
    let text = bundle.to_text();
    assert!(text.contains("index 0\n\nexample.com/log\n1\n"));
    let parsed = ProofBundle::parse(&text).expect("parses");
    let checkpoint = parsed.verify_entry(&entry(0), ORIGIN, &[log_signer().verifier()]).expect("verifies");
    assert_eq!(checkpoint.size, 1);
}

#[test]
fn verifies_every_entry_of_a_tree() {
    let verifiers = [log_signer().verifier()];
    for index in 0..37 {
        let bundle = ProofBundle::parse(&bundle_for(37, index).to_text()).expect("parses");
        let checkpoint = bundle.verify(&leaf_hash(&entry(index)), ORIGIN, &verifiers).expect("verifies");
        assert_eq!(checkpoint.size, 37);
    }
}

#[test]
fn cosigned_bundle_verifies_with_or_without_the_witness_key() {
    let mut bundle = bundle_for(20, 3);
    let witness = CosignatureSigner::new("witness.example", SigningKey::from_bytes(&[9; 32])).expect("name");
    bundle.checkpoint_note = witness.cosign(&bundle.checkpoint_note, 1_790_000_000).expect("cosign");
    let text = bundle.to_text();
    let parsed = ProofBundle::parse(&text).expect("parses");
    parsed.verify_entry(&entry(3), ORIGIN, &[log_signer().verifier()]).expect("log key alone");
    parsed
        .verify_entry(&entry(3), ORIGIN, &[log_signer().verifier(), witness.verifier()])
        .expect("both keys");
    // The witness alone is not the log's word.
    assert_eq!(
        parsed.verify_entry(&entry(3), ORIGIN, &[witness.verifier()]),
        Err(BundleError::Checkpoint(CheckpointError::NotSignedByLog))
    );
}

#[test]
fn verification_failures_have_their_own_errors() {
    let verifiers = [log_signer().verifier()];
    let bundle = bundle_for(20, 3);
    // Another entry.
    assert_eq!(
        bundle.verify_entry(&entry(4), ORIGIN, &verifiers),
        Err(BundleError::Inclusion(ProofError::RootMismatch))
    );
    // Another index.
    let mut moved = bundle.clone();
    moved.index = 2;
    assert_eq!(
        moved.verify_entry(&entry(3), ORIGIN, &verifiers),
        Err(BundleError::Inclusion(ProofError::RootMismatch))
    );
    // An index outside the tree.
    moved.index = 20;
    assert_eq!(
        moved.verify_entry(&entry(3), ORIGIN, &verifiers),
        Err(BundleError::Inclusion(ProofError::IndexOutOfRange { index: 20, size: 20 }))
    );
    // A proof hash dropped.
    let mut short = bundle.clone();
    short.proof.pop();
    assert!(matches!(
        short.verify_entry(&entry(3), ORIGIN, &verifiers),
        Err(BundleError::Inclusion(ProofError::WrongProofLength { .. }))
    ));
    // A flipped proof bit.
    let mut flipped = bundle.clone();
    flipped.proof[1][0] ^= 1;
    assert_eq!(
        flipped.verify_entry(&entry(3), ORIGIN, &verifiers),
        Err(BundleError::Inclusion(ProofError::RootMismatch))
    );
    // Another log's origin.
    assert!(matches!(
        bundle.verify_entry(&entry(3), "other.example/log", &verifiers),
        Err(BundleError::Checkpoint(CheckpointError::OriginMismatch { .. }))
    ));
    // A key the log did not sign with.
    let stranger = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[8; 32])).expect("name");
    assert!(matches!(
        bundle.verify_entry(&entry(3), ORIGIN, &[stranger.verifier()]),
        Err(BundleError::Checkpoint(CheckpointError::Note(NoteError::KeyIdMismatch { .. })))
    ));
    // A checkpoint altered after signing.
    let mut altered = bundle.clone();
    altered.checkpoint_note = altered.checkpoint_note.replacen("\n20\n", "\n21\n", 1);
    assert!(matches!(
        altered.verify_entry(&entry(3), ORIGIN, &verifiers),
        Err(BundleError::Checkpoint(CheckpointError::Note(NoteError::InvalidSignature { .. })))
    ));
}

/// The valid bundle text, with `edit` applied.
fn edited(edit: impl FnOnce(String) -> String) -> Result<ProofBundle, BundleError> {
    ProofBundle::parse(&edit(bundle_for(20, 3).to_text()))
}

#[test]
fn every_parse_rejection_has_its_own_error() {
    let hash_line = BASE64.encode([0u8; 32]);
    assert_eq!(ProofBundle::parse(""), Err(BundleError::MissingHeader));
    assert_eq!(edited(|t| t.replacen("@v1", "@v2", 1)), Err(BundleError::MissingHeader));
    assert_eq!(edited(|t| t.replacen("@v1\n", "@v1\r\n", 1)), Err(BundleError::MissingHeader));
    assert_eq!(edited(|t| format!(" {t}")), Err(BundleError::MissingHeader));
    assert_eq!(ProofBundle::parse(&format!("{BUNDLE_HEADER}\n")), Err(BundleError::MissingIndex));
    assert_eq!(ProofBundle::parse(BUNDLE_HEADER), Err(BundleError::MissingHeader));
    assert_eq!(
        edited(|t| t.replacen("index 3\n", "extra !!\nindex 3\n", 1)),
        Err(BundleError::ExtraNotBase64)
    );
    // Non-canonical base64: the last character carries set padding bits.
    assert_eq!(
        edited(|t| t.replacen("index 3\n", "extra YR==\nindex 3\n", 1)),
        Err(BundleError::ExtraNotBase64)
    );
    assert_eq!(edited(|t| t.replacen("index 3\n", "extra YQ==\n", 1)), Err(BundleError::MissingIndex));
    assert_eq!(edited(|t| t.replacen("index 3\n", "idx 3\n", 1)), Err(BundleError::MissingIndex));
    assert_eq!(edited(|t| t.replacen("index 3\n", "index  3\n", 1)), Err(BundleError::InvalidIndex));
    assert_eq!(edited(|t| t.replacen("index 3\n", "index +3\n", 1)), Err(BundleError::InvalidIndex));
    assert_eq!(edited(|t| t.replacen("index 3\n", "index \n", 1)), Err(BundleError::InvalidIndex));
    assert_eq!(
        edited(|t| t.replacen("index 3\n", "index 18446744073709551616\n", 1)),
        Err(BundleError::InvalidIndex)
    );
    assert_eq!(edited(|t| t.replacen("index 3\n", "index 03\n", 1)), Err(BundleError::IndexLeadingZero));
    assert_eq!(
        edited(|t| t.replacen("index 3\n", "index 3\nnot base64\n", 1)),
        Err(BundleError::ProofHashNotBase64 { line: 3 })
    );
    assert_eq!(
        edited(|t| t.replacen("index 3\n", "index 3\nAAAA\n", 1)),
        Err(BundleError::ProofHashLength { line: 3, found: 3 })
    );
    let too_many = format!("index 3\n{}", format!("{hash_line}\n").repeat(MAX_PROOF_HASHES + 1));
    assert_eq!(edited(|t| t.replacen("index 3\n", &too_many, 1)), Err(BundleError::TooManyProofHashes));
    // Exactly the cap parses (and then fails to verify, as the proof is wrong).
    let at_cap = format!("index 3\n{}", format!("{hash_line}\n").repeat(MAX_PROOF_HASHES - 5));
    assert_eq!(edited(|t| t.replacen("index 3\n", &at_cap, 1)).map(|b| b.proof.len()), Ok(MAX_PROOF_HASHES));
    let text = bundle_for(20, 3).to_text();
    let (head, _) = text.split_once("\n\n").expect("separator");
    assert_eq!(ProofBundle::parse(&format!("{head}\n")), Err(BundleError::MissingSeparator));
    assert_eq!(ProofBundle::parse(&format!("{head}\n\n")), Err(BundleError::MissingCheckpoint));
    let huge = format!("{text}{}", "x".repeat(MAX_BUNDLE_BYTES));
    assert_eq!(ProofBundle::parse(&huge), Err(BundleError::TooLarge { size: huge.len() }));
}

#[test]
fn a_malformed_checkpoint_is_refused_at_verification() {
    let verifiers = [log_signer().verifier()];
    let mut bundle = bundle_for(20, 3);
    bundle.checkpoint_note = "not a note\n".into();
    let parsed = ProofBundle::parse(&bundle.to_text()).expect("the checkpoint is opaque to parse");
    assert!(matches!(
        parsed.verify_entry(&entry(3), ORIGIN, &verifiers),
        Err(BundleError::Checkpoint(CheckpointError::Note(_)))
    ));
}
