//! The log-backed revocation map: roots and proofs against an independent recursive model,
//! tampering, strict decoding, folding real signed revocations (one by one, in batches, out of
//! order), and the checkpoint extension line. They run natively and, through
//! wasm-bindgen-test, in headless Chromium.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use wasm_core::consent::{ConsentError, GrantCommitment, GrantDraft, LogEntry, Revocation, SignedGrant};
use wasm_core::hash::{tagged_hash, Digest256, Domain};
use wasm_core::revmap::{
    checkpoint_extension, empty_root, root_from_checkpoint, verify_at_checkpoint, Folded, MapKey, MapProof,
    MapStatus, RevMapError, RevocationMap, Revoked, Terminal, MAX_PROOF_BYTES,
};
use wasm_core::smt::FoldError;
use wasm_core::tlog::checkpoint::Checkpoint;
use wasm_core::vault::MasterSeed;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const ORIGIN: &str = "assent.example/log";
const NOW: u64 = 1_790_000_000;

// ---------------------------------------------------------------------------------------------
// The model: the module docs' `H` as a plain recursion over a sorted leaf list.

fn bit(key: &[u8; 32], index: usize) -> bool {
    key[index / 8] & (0x80 >> (index % 8)) != 0
}

fn model_leaf(key: &[u8; 32], value: &Revoked) -> Digest256 {
    let encoded = [value.log_index.to_be_bytes(), value.revoked_at.to_be_bytes()].concat();
    tagged_hash(Domain::RevocationMapLeaf, &[key, &encoded])
}

fn model_node(left: &Digest256, right: &Digest256) -> Digest256 {
    tagged_hash(Domain::RevocationMapNode, &[left, right])
}

fn model_empty() -> Digest256 {
    tagged_hash(Domain::RevocationMapEmpty, &[])
}

/// `H(S, depth)` for leaves sorted by key.
fn model_root(leaves: &[([u8; 32], Revoked)], depth: usize) -> Digest256 {
    match leaves {
        [] => model_empty(),
        [(key, value)] => model_leaf(key, value),
        _ => {
            let split = leaves.partition_point(|(key, _)| !bit(key, depth));
            model_node(&model_root(&leaves[..split], depth + 1), &model_root(&leaves[split..], depth + 1))
        }
    }
}

/// The siblings (`None`: empty) and terminal of `key`'s proof, by the same recursion.
fn model_proof(leaves: &[([u8; 32], Revoked)], key: &[u8; 32]) -> (Vec<Option<Digest256>>, Terminal) {
    let mut siblings = Vec::new();
    let mut subtree = leaves;
    let mut depth = 0;
    loop {
        match subtree {
            [] => return (siblings, Terminal::Empty),
            [(found, value)] if found == key => return (siblings, Terminal::Revoked(*value)),
            [(found, value)] => {
                return (siblings, Terminal::OtherLeaf { key: MapKey::from_bytes(*found), value: *value })
            }
            _ => {
                let split = subtree.partition_point(|(found, _)| !bit(found, depth));
                let (left, right) = subtree.split_at(split);
                let (towards, away) = if bit(key, depth) { (right, left) } else { (left, right) };
                siblings.push((!away.is_empty()).then(|| model_root(away, depth + 1)));
                subtree = towards;
                depth += 1;
            }
        }
    }
}

fn sorted(leaves: &[(MapKey, Revoked)]) -> Vec<([u8; 32], Revoked)> {
    let mut plain: Vec<_> = leaves.iter().map(|(key, value)| (*key.as_bytes(), *value)).collect();
    plain.sort_by_key(|(key, _)| *key);
    plain
}

fn random_key(rng: &mut ChaCha20Rng) -> MapKey {
    let mut key = [0u8; 32];
    rng.fill_bytes(&mut key);
    MapKey::from_bytes(key)
}

/// `key` with bit `index` flipped.
fn flip(key: &MapKey, index: usize) -> MapKey {
    let mut bytes = *key.as_bytes();
    bytes[index / 8] ^= 0x80 >> (index % 8);
    MapKey::from_bytes(bytes)
}

/// Leaves with distinct keys and values, their log indices below `count * 3`.
fn leaves_with_keys(keys: Vec<MapKey>) -> Vec<(MapKey, Revoked)> {
    keys.into_iter()
        .enumerate()
        .map(|(i, key)| (key, Revoked { log_index: i as u64 * 3 + 1, revoked_at: NOW + i as u64 }))
        .collect()
}

fn restored(leaves: &[(MapKey, Revoked)]) -> RevocationMap {
    RevocationMap::restore(ORIGIN, leaves.len() as u64 * 3 + 1, leaves.iter().copied())
        .expect("distinct keys")
}

/// Checks every present key, and absent keys near and far from them, against the model.
fn check_against_model(leaves: &[(MapKey, Revoked)], rng: &mut ChaCha20Rng) {
    let map = restored(leaves);
    let model = sorted(leaves);
    let root = map.root();
    assert_eq!(root, model_root(&model, 0), "root of {} leaves", leaves.len());
    assert_eq!(map.len(), leaves.len());
    let mut absent: Vec<MapKey> = (0..8).map(|_| random_key(rng)).collect();
    for (key, _) in leaves.iter().take(20) {
        // Neighbours sharing 255, 200 and 3 bits with a present key.
        absent.extend([flip(key, 255), flip(key, 200), flip(key, 3)]);
    }
    let queries = leaves.iter().map(|(key, _)| *key).chain(absent);
    for key in queries {
        let expected_value = leaves.iter().find(|(found, _)| *found == key).map(|(_, value)| *value);
        let proof = map.prove(&key);
        let (siblings, terminal) = model_proof(&model, key.as_bytes());
        assert_eq!((proof.siblings(), proof.terminal()), (&siblings[..], &terminal), "proof shape");
        let bytes = proof.to_bytes();
        assert!(bytes.len() <= MAX_PROOF_BYTES);
        let decoded = MapProof::decode(&bytes).expect("a map's proof decodes");
        assert_eq!(decoded, proof, "round trip");
        let status = decoded.verify(&root, &key).expect("a map's proof verifies");
        assert_eq!(status, expected_value.map_or(MapStatus::NotRevoked, MapStatus::Revoked));
        assert_eq!(map.get(&key), expected_value);
    }
}

#[test]
fn the_empty_hash_is_sha256_of_its_length_prefixed_label() {
    let label = b"assent/v1/revocation-map-empty";
    let by_hand: Digest256 = Sha256::digest([&[label.len() as u8][..], label].concat()).into();
    assert_eq!(empty_root(), by_hand);
    // Not an RFC 6962 hash: those start with 0x00 (leaf) or 0x01 (node); tagged hashes with a length byte.
    assert!(Domain::ALL.iter().all(|domain| domain.label().len() > 1));
}

#[test]
fn the_empty_map_proves_every_key_absent() {
    let map = RevocationMap::new(ORIGIN);
    assert_eq!((map.root(), map.size(), map.len(), map.is_empty()), (empty_root(), 0, 0, true));
    let key = MapKey::from_bytes([7; 32]);
    let proof = map.prove(&key);
    assert_eq!(proof.to_bytes(), [2, 0, 0]);
    assert_eq!(proof.verify(&map.root(), &key), Ok(MapStatus::NotRevoked));
    assert_eq!(map.leaves().count(), 0);
}

#[test]
fn one_leaf_is_the_root_and_proves_itself_and_others() {
    let key = MapKey::from_bytes([0x55; 32]);
    let value = Revoked { log_index: 4, revoked_at: NOW };
    let map = RevocationMap::restore(ORIGIN, 5, [(key, value)]).expect("one leaf");
    assert_eq!(map.root(), model_leaf(key.as_bytes(), &value));
    let proof = map.prove(&key);
    assert_eq!(proof.to_bytes(), [&[1u8, 0, 0][..], &value.to_bytes()].concat());
    assert_eq!(proof.verify(&map.root(), &key), Ok(MapStatus::Revoked(value)));
    let other = flip(&key, 0);
    assert_eq!(map.prove(&other).verify(&map.root(), &other), Ok(MapStatus::NotRevoked));
    assert_eq!(map.prove(&other).to_bytes().len(), 3 + 32 + 16);
}

#[test]
fn two_leaves_parting_at_the_last_bit_give_a_256_deep_proof() {
    let key = MapKey::from_bytes([0xa5; 32]);
    let leaves = leaves_with_keys(vec![key, flip(&key, 255)]);
    let map = restored(&leaves);
    let proof = map.prove(&key);
    assert_eq!(proof.siblings().len(), 256);
    assert_eq!(proof.siblings().iter().flatten().count(), 1, "only the last sibling is not empty");
    assert_eq!(proof.to_bytes().len(), 3 + 32 + 32 + 16);
    check_against_model(&leaves, &mut ChaCha20Rng::seed_from_u64(1));
    // A third key parting at bit 0 sits right under the root.
    let three = leaves_with_keys(vec![key, flip(&key, 255), flip(&key, 0)]);
    check_against_model(&three, &mut ChaCha20Rng::seed_from_u64(2));
}

#[test]
fn randomized_maps_match_the_model() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    for count in [0usize, 1, 2, 3, 5, 8, 17, 64, 300] {
        let keys = (0..count).map(|_| random_key(&mut rng)).collect();
        check_against_model(&leaves_with_keys(keys), &mut rng);
    }
    // Clusters: keys sharing random long prefixes with each other.
    for shared_bits in [8usize, 100, 250] {
        let base = random_key(&mut rng);
        let keys: Vec<MapKey> = (0..40)
            .map(|_| {
                let mut bytes = *random_key(&mut rng).as_bytes();
                for index in 0..shared_bits {
                    let mask = 0x80u8 >> (index % 8);
                    bytes[index / 8] = (bytes[index / 8] & !mask) | (base.as_bytes()[index / 8] & mask);
                }
                MapKey::from_bytes(bytes)
            })
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        check_against_model(&leaves_with_keys(keys), &mut rng);
    }
}

#[test]
fn leaves_come_out_in_key_order_and_restore_the_same_root() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let leaves = leaves_with_keys((0..200).map(|_| random_key(&mut rng)).collect());
    let map = restored(&leaves);
    let listed: Vec<_> = map.leaves().collect();
    let mut expected = leaves.clone();
    expected.sort_by_key(|(key, _)| *key);
    assert_eq!(listed, expected);
    let again = RevocationMap::restore(ORIGIN, map.size(), listed).expect("restores");
    assert_eq!(again.root(), map.root());

    let duplicate = [leaves[0], leaves[0]];
    assert!(matches!(
        RevocationMap::restore(ORIGIN, 1000, duplicate),
        Err(RevMapError::DuplicateLeaf { .. })
    ));
    assert_eq!(
        RevocationMap::restore(ORIGIN, 1, [leaves[0]]).map(|map| map.root()),
        Err(RevMapError::LeafBeyondSize { log_index: 1, size: 1 })
    );
}

// ---------------------------------------------------------------------------------------------
// Tampering

/// A map with present keys and absent keys whose proofs end in each kind of terminal.
fn tamper_fixture() -> (RevocationMap, Vec<MapKey>) {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let keys: Vec<MapKey> = (0..40).map(|_| random_key(&mut rng)).collect();
    let map = restored(&leaves_with_keys(keys.clone()));
    let mut queries = vec![keys[0], keys[17], flip(&keys[3], 255)];
    // An absent key whose walk ends in an empty subtree.
    let empty_ended = (0..)
        .map(|_| random_key(&mut rng))
        .find(|key| *map.prove(key).terminal() == Terminal::Empty)
        .expect("some random key ends in an empty subtree of a 40-leaf map");
    queries.push(empty_ended);
    let kinds: Vec<u8> = queries.iter().map(|key| map.prove(key).to_bytes()[0]).collect();
    assert_eq!(kinds, [1, 1, 3, 2], "revoked, revoked, another leaf, empty");
    (map, queries)
}

#[test]
fn every_one_bit_change_to_a_proof_or_root_fails() {
    let (map, queries) = tamper_fixture();
    let root = map.root();
    for key in &queries {
        let bytes = map.prove(key).to_bytes();
        for index in 0..bytes.len() * 8 {
            let mut tampered = bytes.clone();
            tampered[index / 8] ^= 0x80 >> (index % 8);
            let result = MapProof::decode(&tampered).and_then(|proof| proof.verify(&root, key));
            assert!(result.is_err(), "bit {index} of a kind-{} proof flipped: {result:?}", bytes[0]);
        }
        let proof = MapProof::decode(&bytes).expect("decodes");
        for index in 0..256 {
            let mut tampered_root = root;
            tampered_root[index / 8] ^= 0x80 >> (index % 8);
            assert_eq!(proof.verify(&tampered_root, key), Err(RevMapError::RootMismatch));
        }
    }
}

#[test]
fn a_proof_holds_only_for_its_key_and_its_kind() {
    let (map, queries) = tamper_fixture();
    let root = map.root();
    for (a, key_a) in queries.iter().enumerate() {
        let proof = map.prove(key_a);
        for (b, key_b) in queries.iter().enumerate() {
            if a != b {
                assert!(proof.verify(&root, key_b).is_err(), "proof {a} checked for key {b}");
            }
        }
    }
    let revoked = map.prove(&queries[0]).to_bytes();
    let value = &revoked[revoked.len() - 16..];
    let body = &revoked[1..revoked.len() - 16];
    // Revoked → "empty subtree": same siblings, no value.
    let as_empty = [&[2u8][..], body].concat();
    let proof = MapProof::decode(&as_empty).expect("well-formed");
    assert_eq!(proof.verify(&root, &queries[0]), Err(RevMapError::RootMismatch));
    // Revoked → "another leaf" naming the key itself.
    let as_other = [&[3u8][..], body, queries[0].as_bytes(), value].concat();
    let proof = MapProof::decode(&as_other).expect("well-formed");
    assert_eq!(proof.verify(&root, &queries[0]), Err(RevMapError::OtherLeafIsKey));

    // "Another leaf" → revoked with that leaf's value: the leaf hash binds its key.
    let other = map.prove(&queries[2]).to_bytes();
    let body = &other[1..other.len() - 48];
    let as_revoked = [&[1u8][..], body, &other[other.len() - 16..]].concat();
    let proof = MapProof::decode(&as_revoked).expect("well-formed");
    assert_eq!(proof.verify(&root, &queries[2]), Err(RevMapError::RootMismatch));
    // "Empty subtree" → revoked with any value.
    let empty = map.prove(&queries[3]).to_bytes();
    let as_revoked =
        [&[1u8][..], &empty[1..], &Revoked { log_index: 1, revoked_at: NOW }.to_bytes()].concat();
    let proof = MapProof::decode(&as_revoked).expect("well-formed");
    assert_eq!(proof.verify(&root, &queries[3]), Err(RevMapError::RootMismatch));
    // Another leaf off the key's path.
    let mut off_path = other.clone();
    let key_start = other.len() - 48;
    off_path[key_start] ^= 0x80;
    let proof = MapProof::decode(&off_path).expect("well-formed");
    assert_eq!(proof.verify(&root, &queries[2]), Err(RevMapError::OtherLeafOffPath));
}

#[test]
fn the_decoder_is_strict() {
    let (map, queries) = tamper_fixture();
    let bytes = map.prove(&queries[0]).to_bytes();
    assert_eq!(
        MapProof::decode(&[&bytes[..], &[0]].concat()),
        Err(RevMapError::ProofTrailingBytes { extra: 1 })
    );
    for cut in 0..bytes.len() {
        assert_eq!(MapProof::decode(&bytes[..cut]), Err(RevMapError::ProofTruncated), "cut at {cut}");
    }
    assert_eq!(MapProof::decode(&[0, 0, 0]), Err(RevMapError::ProofKind(0)));
    assert_eq!(MapProof::decode(&[4, 0, 0]), Err(RevMapError::ProofKind(4)));
    assert_eq!(MapProof::decode(&[2, 1, 1]), Err(RevMapError::ProofDepth(257)));
    // Depth 1 with a padding bit set; depth 1 with its only (last) sibling empty.
    assert_eq!(MapProof::decode(&[2, 0, 1, 0xc0]), Err(RevMapError::ProofPadding));
    assert_eq!(MapProof::decode(&[2, 0, 1, 0x00]), Err(RevMapError::ProofLastSiblingEmpty));
    let too_large = vec![2u8; MAX_PROOF_BYTES + 1];
    assert!(matches!(MapProof::decode(&too_large), Err(RevMapError::ProofTooLarge { .. })));
    // The largest proof decodes: depth 256, every sibling, another leaf.
    let largest = [&[3u8, 1, 0][..], &[0xff; 32], &[0x11; 256 * 32], &[0x22; 48]].concat();
    assert_eq!(largest.len(), MAX_PROOF_BYTES);
    let proof = MapProof::decode(&largest).expect("the largest proof is well-formed");
    assert_eq!(proof.to_bytes(), largest);
}

// ---------------------------------------------------------------------------------------------
// Folding real signed entries

struct Patient {
    key: SigningKey,
    grants: Vec<SignedGrant>,
}

fn grant(patient: &SigningKey, origin: &str, rng: &mut ChaCha20Rng) -> SignedGrant {
    GrantDraft {
        audience: [7; 32],
        scopes: vec!["patient/Condition.rs".into()],
        purpose: "TREAT".into(),
        not_before: NOW,
        expires_at: NOW + 86_400,
        log_origin: origin.into(),
    }
    .sign(patient, NOW, rng)
    .expect("signs")
}

fn patients(count: usize, grants_each: usize, rng: &mut ChaCha20Rng) -> Vec<Patient> {
    (0..count)
        .map(|_| {
            let key = MasterSeed::generate(rng).expect("seeded RNG").pairwise_key(&[7; 32]);
            let grants = (0..grants_each).map(|_| grant(&key, ORIGIN, rng)).collect();
            Patient { key, grants }
        })
        .collect()
}

fn revocation_entry(grant: &SignedGrant, key: &SigningKey, at: u64) -> Vec<u8> {
    LogEntry::Revocation(Revocation::sign(grant, key, at).expect("the issuer revokes")).to_bytes()
}

/// A log: every grant's commitment statement, then revocations of about half of them (some twice),
/// interleaved with other grants' statements.
fn signed_log(rng: &mut ChaCha20Rng) -> (Vec<Patient>, Vec<Vec<u8>>) {
    let patients = patients(3, 8, rng);
    let mut log = Vec::new();
    for patient in &patients {
        for grant in &patient.grants {
            log.push(LogEntry::Grant(GrantCommitment::sign(grant, &patient.key).expect("states")).to_bytes());
        }
    }
    for (p, patient) in patients.iter().enumerate() {
        for (g, grant) in patient.grants.iter().enumerate() {
            if (p + g) % 2 == 0 {
                log.push(revocation_entry(grant, &patient.key, NOW + log.len() as u64));
            }
            if g % 5 == 0 {
                log.push(revocation_entry(grant, &patient.key, NOW + 10_000 + log.len() as u64));
            }
        }
    }
    (patients, log)
}

#[test]
fn folding_a_signed_log_revokes_exactly_the_first_revocation_of_each_grant() {
    let mut rng = ChaCha20Rng::seed_from_u64(21);
    let (patients, log) = signed_log(&mut rng);
    let mut map = RevocationMap::new(ORIGIN);
    let outcomes = map.fold_batch(0, &log).expect("in order");
    assert_eq!(map.size(), log.len() as u64);
    let mut revoked = 0;
    for patient in &patients {
        for grant in &patient.grants {
            let key = MapKey::of_grant(grant);
            let first = log.iter().position(
                |entry| matches!(LogEntry::verify(entry), Ok(LogEntry::Revocation(r)) if r.revokes(grant)),
            );
            let status = map.prove(&key).verify(&map.root(), &key).expect("verifies");
            match first {
                Some(index) => {
                    revoked += 1;
                    let Ok(LogEntry::Revocation(revocation)) = LogEntry::verify(&log[index]) else {
                        unreachable!("found as a revocation above")
                    };
                    let value = Revoked { log_index: index as u64, revoked_at: revocation.revoked_at };
                    assert_eq!(status, MapStatus::Revoked(value));
                    assert_eq!(outcomes[index], Folded::Revoked(key));
                }
                None => assert_eq!(status, MapStatus::NotRevoked),
            }
        }
    }
    assert_eq!(map.len(), revoked);
    assert!(revoked > 0 && revoked < 24);
    let duplicates = outcomes.iter().filter(|o| matches!(o, Folded::AlreadyRevoked(_))).count();
    assert!(duplicates > 0, "a second revocation of a grant is in the log and changes nothing");
    assert_eq!(outcomes.iter().filter(|o| **o == Folded::NotARevocation).count(), 24);
}

#[test]
fn strangers_other_logs_and_unreadable_entries_do_not_revoke() {
    let mut rng = ChaCha20Rng::seed_from_u64(22);
    let patient = patients(1, 1, &mut rng).remove(0);
    let revoked_grant = &patient.grants[0];
    let stranger = MasterSeed::generate(&mut rng).expect("seeded").pairwise_key(&[7; 32]);
    // The stranger revokes a grant of their own: that revokes only the stranger's key.
    let stranger_grant = grant(&stranger, ORIGIN, &mut rng);
    let stranger_revocation = Revocation::sign(&stranger_grant, &stranger, NOW).expect("revokes");
    let elsewhere = grant(&patient.key, "other.example/log", &mut rng);
    let mut garbage = revocation_entry(revoked_grant, &patient.key, NOW);
    garbage[20] ^= 1;
    let log = [
        revocation_entry(&elsewhere, &patient.key, NOW),
        garbage,
        LogEntry::Revocation(stranger_revocation).to_bytes(),
    ];
    let mut map = RevocationMap::new(ORIGIN);
    let outcomes = map.fold_batch(0, &log).expect("in order");
    assert_eq!(outcomes[0], Folded::OtherLog);
    assert!(matches!(outcomes[1], Folded::Unreadable(_)));
    assert_eq!(
        outcomes[2],
        Folded::Revoked(MapKey::new(&stranger_grant.commitment(), &stranger.verifying_key().to_bytes()))
    );
    let key = MapKey::of_grant(revoked_grant);
    assert_eq!(map.prove(&key).verify(&map.root(), &key), Ok(MapStatus::NotRevoked));
    // A revocation naming the patient's commitment but signed by the stranger would land under
    // another key than the one a verifier holding the grant asks about.
    assert_ne!(MapKey::new(&revoked_grant.commitment(), &stranger.verifying_key().to_bytes()), key);
    assert_eq!(map.fold(3, &[]), Ok(Folded::Unreadable(ConsentError::EntryKind(None))));
}

#[test]
fn folding_in_batches_equals_folding_one_by_one() {
    let mut rng = ChaCha20Rng::seed_from_u64(23);
    let (_, log) = signed_log(&mut rng);
    let mut one_by_one = RevocationMap::new(ORIGIN);
    let mut roots = Vec::new();
    for (index, entry) in log.iter().enumerate() {
        one_by_one.fold(index as u64, entry).expect("in order");
        roots.push(one_by_one.root());
    }
    let verified: Vec<LogEntry> = log.iter().map(|entry| LogEntry::verify(entry).expect("signed")).collect();
    for seed in 0..4 {
        let mut batches = RevocationMap::new(ORIGIN);
        let mut prechecked = RevocationMap::new(ORIGIN);
        let mut batch_rng = ChaCha20Rng::seed_from_u64(seed);
        let mut start = 0;
        while start < log.len() {
            let end = (start + 1 + (batch_rng.next_u32() as usize % 9)).min(log.len());
            batches.fold_batch(start as u64, &log[start..end]).expect("in order");
            prechecked.fold_verified(start as u64, &verified[start..end]).expect("in order");
            assert_eq!(batches.root(), roots[end - 1], "after entries 0..{end}");
            assert_eq!(prechecked.root(), roots[end - 1]);
            start = end;
        }
    }
    // The same entries give the same root, restored from its leaves too.
    let mut again = RevocationMap::new(ORIGIN);
    again.fold_batch(0, &log).expect("in order");
    assert_eq!(again.root(), one_by_one.root());
    let restored = RevocationMap::restore(ORIGIN, again.size(), again.leaves()).expect("restores");
    assert_eq!(restored.root(), again.root());
}

#[test]
fn entries_fold_only_in_log_order() {
    let mut rng = ChaCha20Rng::seed_from_u64(24);
    let (_, log) = signed_log(&mut rng);
    let mut map = RevocationMap::new(ORIGIN);
    map.fold_batch(0, &log[..10]).expect("in order");
    let root = map.root();
    for wrong in [0u64, 9, 11] {
        assert_eq!(
            map.fold_batch(wrong, &log[10..12]),
            Err(RevMapError::Fold(FoldError::OutOfOrder { expected: 10, got: wrong }))
        );
        assert_eq!(
            map.fold(wrong, &log[10]),
            Err(RevMapError::Fold(FoldError::OutOfOrder { expected: 10, got: wrong }))
        );
    }
    assert_eq!((map.root(), map.size()), (root, 10), "a refused batch changes nothing");
    let mut full = RevocationMap::restore(ORIGIN, u64::MAX - 1, []).expect("empty");
    assert_eq!(full.fold_batch(u64::MAX - 1, &log[..2]), Err(RevMapError::Fold(FoldError::IndexOverflow)));
    // The order of the log fixes the values: swapping two revocations gives another map.
    let mut swapped = log.clone();
    let last = swapped.len() - 1;
    swapped.swap(last, last - 1);
    let mut other = RevocationMap::new(ORIGIN);
    other.fold_batch(0, &swapped).expect("in order");
    let mut original = RevocationMap::new(ORIGIN);
    original.fold_batch(0, &log).expect("in order");
    assert_ne!(other.root(), original.root());
}

// ---------------------------------------------------------------------------------------------
// The checkpoint extension line

fn checkpoint(size: u64, extensions: Vec<String>) -> Checkpoint {
    let text = Checkpoint { origin: ORIGIN.into(), size, root: [3; 32], extensions }.to_text();
    Checkpoint::parse(&text).expect("a checkpoint this test writes parses")
}

#[test]
fn the_checkpoint_line_binds_the_root() {
    let (map, queries) = tamper_fixture();
    let line = checkpoint_extension(&map.root());
    assert_eq!(line, format!("revocation-map {}", BASE64.encode(map.root())));
    let signed = checkpoint(map.size(), vec!["other-extension 1".into(), line.clone()]);
    assert_eq!(root_from_checkpoint(&signed), Ok(Some(map.root())));
    assert_eq!(root_from_checkpoint(&checkpoint(5, vec![])), Ok(None));
    assert_eq!(root_from_checkpoint(&checkpoint(5, vec!["revocation-mapping x".into()])), Ok(None));

    let present = queries[0];
    let status = verify_at_checkpoint(&signed, &map.prove(&present), &present).expect("verifies");
    let MapStatus::Revoked(value) = status else { panic!("the key is revoked: {status:?}") };
    assert_eq!(
        verify_at_checkpoint(
            &checkpoint(value.log_index, vec![line.clone()]),
            &map.prove(&present),
            &present
        ),
        Err(RevMapError::RevokedBeyondCheckpoint { log_index: value.log_index, size: value.log_index })
    );
    assert_eq!(
        verify_at_checkpoint(&checkpoint(map.size(), vec![]), &map.prove(&present), &present),
        Err(RevMapError::NoMapRoot)
    );
    let absent = queries[3];
    assert_eq!(verify_at_checkpoint(&signed, &map.prove(&absent), &absent), Ok(MapStatus::NotRevoked));
    let other_root = checkpoint(map.size(), vec![checkpoint_extension(&[9; 32])]);
    assert_eq!(
        verify_at_checkpoint(&other_root, &map.prove(&absent), &absent),
        Err(RevMapError::RootMismatch)
    );

    let encoded = BASE64.encode(map.root());
    let mut bad_trailing_bits = encoded.clone();
    bad_trailing_bits.replace_range(42..43, if &encoded[42..43] == "B" { "C" } else { "B" });
    let malformed = [
        "revocation-map".to_string(),
        "revocation-map ".to_string(),
        format!("revocation-map  {encoded}"),
        format!("revocation-map {encoded} "),
        format!("revocation-map {}", encoded.trim_end_matches('=')),
        format!("revocation-map {}", BASE64.encode([1u8; 31])),
        format!("revocation-map {}", BASE64.encode([1u8; 33])),
        format!("revocation-map {bad_trailing_bits}"),
    ];
    for extension in malformed {
        assert_eq!(
            root_from_checkpoint(&checkpoint(5, vec![extension.clone()])),
            Err(RevMapError::ExtensionMalformed),
            "{extension:?}"
        );
    }
    assert_eq!(
        root_from_checkpoint(&checkpoint(5, vec![line.clone(), line])),
        Err(RevMapError::ExtensionRepeated)
    );
}

// ---------------------------------------------------------------------------------------------
// Fuzz seeds: the fixed map of fuzz/fuzz_targets/revmap_proof.rs and proofs from it.

/// The same map as the fuzz target's.
fn fuzz_map() -> RevocationMap {
    let mut deep = [0xc0u8; 32];
    deep[31] = 0xc1;
    let keys = [[0x00u8; 32], [0x80; 32], [0x81; 32], [0xc0; 32], deep];
    let leaves = keys.iter().enumerate().map(|(i, key)| {
        (
            MapKey::from_bytes(*key),
            Revoked { log_index: i as u64 * 2 + 1, revoked_at: 1_700_000_000 + i as u64 },
        )
    });
    RevocationMap::restore("example.com/log", 16, leaves).expect("distinct keys")
}

#[test]
fn fuzz_seeds_are_proofs_from_the_fuzz_map() {
    let map = fuzz_map();
    let seeds = [
        ("revoked-shallow.bin", [0x80u8; 32], 1u8),
        ("revoked-deep.bin", [0xc0; 32], 1),
        ("absent-empty.bin", [0xff; 32], 2),
        ("absent-other-leaf.bin", [0x40; 32], 3),
    ];
    for (name, key, kind) in seeds {
        let key = MapKey::from_bytes(key);
        let bytes = map.prove(&key).to_bytes();
        assert_eq!(bytes[0], kind, "{name}");
        assert!(map.prove(&key).verify(&map.root(), &key).is_ok());
        check_seed_file(name, &bytes);
    }
}

/// Natively, the seed file must hold `bytes`; `ASSENT_WRITE_FUZZ_SEEDS=1` writes it instead.
#[cfg(not(target_arch = "wasm32"))]
fn check_seed_file(name: &str, bytes: &[u8]) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/revmap_proof").join(name);
    if std::env::var_os("ASSENT_WRITE_FUZZ_SEEDS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a file path has a parent")).expect("corpus dir");
        std::fs::write(&path, bytes).expect("seed written");
    }
    assert_eq!(
        std::fs::read(&path).expect("seed file exists (ASSENT_WRITE_FUZZ_SEEDS=1 writes it)"),
        bytes,
        "{name}"
    );
}

#[cfg(target_arch = "wasm32")]
fn check_seed_file(_name: &str, _bytes: &[u8]) {}
