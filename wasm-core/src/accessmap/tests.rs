//! The access map: roots, proofs and values against an independent model, folding signed logs,
//! tampering with proofs and trail answers, strict decoding, paging, the checkpoint line and the
//! [`TrailCheck`] machine over honest and lying gateways.

use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

use super::*;
use crate::consent::{AccessEvent, GrantCommitment, GrantDraft, LogEntry, Revocation, Scope, SignedGrant};
use crate::hash::{tagged_hash, Digest256, Domain};
use crate::smt::{FoldError, SmtError, Terminal};
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::leaf_hash;
use crate::tlog::test_log::{TestLog, ORIGIN};
use crate::tlog::view::LogView;

const NOW: u64 = 1_790_000_000;

// ---------------------------------------------------------------------------------------------
// The model: the format as plain recursion over sorted leaves, and trails as plain lists.

fn bit(key: &[u8; 32], index: usize) -> bool {
    key[index / 8] & (0x80 >> (index % 8)) != 0
}

fn model_value(trail: &AccessTrail) -> Vec<u8> {
    [&trail.count.to_be_bytes()[..], &trail.last_index.to_be_bytes(), &trail.chain].concat()
}

fn model_root(leaves: &[([u8; 32], AccessTrail)], depth: usize) -> Digest256 {
    match leaves {
        [] => tagged_hash(Domain::AccessMapEmpty, &[]),
        [(key, value)] => tagged_hash(Domain::AccessMapLeaf, &[key, &model_value(value)]),
        _ => {
            let split = leaves.partition_point(|(key, _)| !bit(key, depth));
            let (left, right) =
                (model_root(&leaves[..split], depth + 1), model_root(&leaves[split..], depth + 1));
            tagged_hash(Domain::AccessMapNode, &[&left, &right])
        }
    }
}

fn model_proof(
    leaves: &[([u8; 32], AccessTrail)],
    key: &[u8; 32],
) -> (Vec<Option<Digest256>>, AccessTerminal) {
    let mut siblings = Vec::new();
    let mut subtree = leaves;
    let mut depth = 0;
    loop {
        match subtree {
            [] => return (siblings, Terminal::Empty),
            [(found, value)] if found == key => return (siblings, Terminal::Present(*value)),
            [(found, value)] => {
                return (siblings, Terminal::OtherLeaf { key: AccessKey::from_bytes(*found), value: *value })
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

/// The model's trails of a log: per key, the (index, leaf hash) of each access event, in order.
fn model_trails(entries: &[Vec<u8>]) -> std::collections::BTreeMap<[u8; 32], Vec<(u64, Digest256)>> {
    let mut trails = std::collections::BTreeMap::new();
    for (index, entry) in entries.iter().enumerate() {
        if let Ok(LogEntry::Access(event)) = LogEntry::verify(entry) {
            let key = tagged_hash(Domain::AccessMapKey, &[&event.commitment, &event.provider]);
            trails.entry(key).or_insert_with(Vec::new).push((index as u64, leaf_hash(entry)));
        }
    }
    trails
}

fn model_trail(events: &[(u64, Digest256)]) -> AccessTrail {
    let chain = events.iter().fold([0u8; 32], |chain, (index, leaf)| {
        tagged_hash(Domain::AccessChain, &[&chain, &index.to_be_bytes(), leaf])
    });
    let last_index = events.last().map_or(0, |(index, _)| *index);
    AccessTrail { count: events.len() as u64, last_index, chain }
}

fn model_leaves(entries: &[Vec<u8>]) -> Vec<([u8; 32], AccessTrail)> {
    model_trails(entries).into_iter().map(|(key, events)| (key, model_trail(&events))).collect()
}

/// Checks `map` against the model's `leaves` for every present key and some absent ones.
fn check_against_model(map: &AccessMap, leaves: &[([u8; 32], AccessTrail)], absent: &[[u8; 32]]) {
    let root = map.root();
    assert_eq!(root, model_root(leaves, 0), "root of {} leaves", leaves.len());
    assert_eq!(map.len(), leaves.len());
    let queries = leaves.iter().map(|(key, _)| *key).chain(absent.iter().copied());
    for key in queries {
        let expected = leaves.iter().find(|(found, _)| *found == key).map(|(_, value)| *value);
        let key = AccessKey::from_bytes(key);
        let proof = map.prove(&key);
        let (siblings, terminal) = model_proof(leaves, key.as_bytes());
        assert_eq!((proof.siblings(), proof.terminal()), (&siblings[..], &terminal), "proof shape");
        let bytes = proof.to_bytes();
        assert!(bytes.len() <= MAX_PROOF_BYTES);
        let decoded = AccessProof::decode(&bytes).expect("a map's proof decodes");
        assert_eq!(decoded, proof);
        assert_eq!(decoded.verify(&root, &key), Ok(expected));
        assert_eq!(map.get(&key), expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Signed logs

struct World {
    patient: SigningKey,
    provider: SigningKey,
    stranger: SigningKey,
    rng: ChaCha20Rng,
}

impl World {
    fn new(seed: u64) -> World {
        World {
            patient: SigningKey::from_bytes(&[9; 32]),
            provider: SigningKey::from_bytes(&[7; 32]),
            stranger: SigningKey::from_bytes(&[5; 32]),
            rng: ChaCha20Rng::seed_from_u64(seed),
        }
    }

    fn grant_to(&mut self, provider: &SigningKey) -> (SignedGrant, Vec<u8>) {
        let draft = GrantDraft {
            audience: provider.verifying_key().to_bytes(),
            scopes: vec!["patient/Observation.rs".into()],
            purpose: "TREAT".into(),
            not_before: NOW,
            expires_at: NOW + 86_400,
            log_origin: ORIGIN.into(),
        };
        let grant = draft.sign(&self.patient, NOW, &mut self.rng).expect("signs");
        let entry = LogEntry::Grant(GrantCommitment::sign(&grant, &self.patient).expect("states")).to_bytes();
        (grant, entry)
    }

    fn grant(&mut self) -> (SignedGrant, Vec<u8>) {
        let provider = self.provider.clone();
        self.grant_to(&provider)
    }

    fn access_by(&mut self, grant: &SignedGrant, provider: &SigningKey, at: u64) -> Vec<u8> {
        let scopes = [Scope::parse("patient/Observation.rs").expect("scope")];
        let event =
            AccessEvent::sign(grant, &scopes, provider, at, &mut self.rng).expect("the audience signs");
        LogEntry::Access(event).to_bytes()
    }

    fn access(&mut self, grant: &SignedGrant, at: u64) -> Vec<u8> {
        let provider = self.provider.clone();
        self.access_by(grant, &provider, at)
    }

    /// An event a stranger signs naming `grant`'s commitment.
    fn stranger_access(&mut self, grant: &SignedGrant) -> Vec<u8> {
        let scopes = [Scope::parse("patient/Observation.rs").expect("scope")];
        let mut id = [0u8; 16];
        self.rng.fill_bytes(&mut id);
        let event = AccessEvent::sign_for_commitment(&grant.commitment(), &scopes, &self.stranger, NOW, id)
            .expect("signs");
        LogEntry::Access(event).to_bytes()
    }

    fn key(&self, grant: &SignedGrant) -> AccessKey {
        AccessKey::new(&grant.commitment(), &self.provider.verifying_key().to_bytes())
    }
}

/// A log of two grants to the provider and one to the stranger, their accesses interleaved
/// with a stranger's event naming grant A, a revocation and junk: (grants, entries).
fn signed_log(world: &mut World) -> (Vec<SignedGrant>, Vec<Vec<u8>>) {
    let (a, a_entry) = world.grant();
    let (b, b_entry) = world.grant();
    let stranger = world.stranger.clone();
    let (c, c_entry) = world.grant_to(&stranger);
    let mut entries = vec![a_entry, b_entry, c_entry];
    for round in 0..3u64 {
        entries.push(world.access(&a, NOW + round));
        entries.push(world.access(&b, NOW + round));
        if round == 1 {
            entries.push(world.stranger_access(&a));
            entries.push(world.access_by(&c, &stranger, NOW));
            entries.push(b"\x03not an access event".to_vec());
            let revocation = Revocation::sign(&b, &world.patient, NOW).expect("revokes");
            entries.push(LogEntry::Revocation(revocation).to_bytes());
        }
    }
    entries.push(world.access(&a, NOW + 10));
    (vec![a, b, c], entries)
}

fn checkpoint(size: u64, extensions: Vec<String>) -> Checkpoint {
    let text = Checkpoint { origin: ORIGIN.into(), size, root: [3; 32], extensions }.to_text();
    Checkpoint::parse(&text).expect("parses")
}

fn checkpoint_of(map: &AccessMap) -> Checkpoint {
    checkpoint(map.size(), vec![checkpoint_extension(&map.root())])
}

fn random_key(rng: &mut ChaCha20Rng) -> [u8; 32] {
    let mut key = [0u8; 32];
    rng.fill_bytes(&mut key);
    key
}

// ---------------------------------------------------------------------------------------------
// The map

#[test]
fn domains_are_new_and_the_empty_root_is_the_tagged_empty_hash() {
    assert_eq!(empty_root(), tagged_hash(Domain::AccessMapEmpty, &[]));
    assert_ne!(empty_root(), crate::revmap::empty_root());
    assert_eq!(AccessMap::new().root(), empty_root());
    let key = AccessKey::new(&[1; 32], &[2; 32]);
    assert_eq!(*key.as_bytes(), tagged_hash(Domain::AccessMapKey, &[&[1; 32], &[2; 32]]));
    assert_ne!(*key.as_bytes(), *crate::revmap::MapKey::new(&[1; 32], &[2; 32]).as_bytes());
    assert_eq!(MAX_PROOF_BYTES, 3 + 32 + 256 * 32 + 32 + 48);
}

#[test]
fn random_maps_match_the_model() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for count in [0usize, 1, 2, 3, 7, 40, 200] {
        let mut leaves: Vec<([u8; 32], AccessTrail)> = (0..count)
            .map(|i| {
                let index = i as u64 * 5 + 4;
                (
                    random_key(&mut rng),
                    AccessTrail { count: 1 + i as u64 % 4, last_index: index, chain: [i as u8; 32] },
                )
            })
            .collect();
        leaves.sort_by_key(|(key, _)| *key);
        let map = AccessMap::restore(
            count as u64 * 5 + 5,
            leaves.iter().map(|(k, v)| (AccessKey::from_bytes(*k), *v)),
        )
        .expect("restores");
        let mut absent: Vec<[u8; 32]> = (0..5).map(|_| random_key(&mut rng)).collect();
        for (key, _) in leaves.iter().take(10) {
            let mut near = *key;
            near[31] ^= 1;
            absent.push(near);
        }
        check_against_model(&map, &leaves, &absent);
        let listed: Vec<_> = map.leaves().map(|(key, value)| (*key.as_bytes(), value)).collect();
        assert_eq!(listed, leaves, "leaves in key order");
    }
}

#[test]
fn folding_a_signed_log_updates_each_key_as_the_model_does() {
    let mut world = World::new(2);
    let (grants, entries) = signed_log(&mut world);
    let model = model_leaves(&entries);
    // A, B and C by their providers, and the stranger's event under its own key.
    assert_eq!(model.len(), 4);
    let absent = [*world.key(&grants[2]).as_bytes(), [0x55; 32]];

    let mut one_by_one = AccessMap::new();
    for (index, entry) in entries.iter().enumerate() {
        let outcome = one_by_one.fold(index as u64, entry).expect("in order");
        let prefix_model = model_leaves(&entries[..=index]);
        check_against_model(&one_by_one, &prefix_model, &absent);
        match LogEntry::verify(entry) {
            Ok(LogEntry::Access(event)) => {
                assert_eq!(outcome, AccessFolded::Accessed(AccessKey::of_event(&event)))
            }
            Ok(_) => assert_eq!(outcome, AccessFolded::NotAnAccess),
            Err(_) => assert!(matches!(outcome, AccessFolded::Unreadable(_))),
        }
    }
    let a = one_by_one.get(&world.key(&grants[0])).expect("A was accessed");
    assert_eq!((a.count, a.last_index), (4, entries.len() as u64 - 1));

    let mut batch = AccessMap::new();
    batch.fold_batch(0, &entries[..5]).expect("in order");
    batch.fold_batch(5, &entries[5..]).expect("in order");
    assert_eq!(batch.root(), one_by_one.root());
    let verified: Vec<LogEntry> = entries.iter().filter_map(|entry| LogEntry::verify(entry).ok()).collect();
    assert_eq!(verified.len(), entries.len() - 1, "one junk entry");
    let junk = entries.iter().position(|entry| LogEntry::verify(entry).is_err()).expect("junk");
    let mut prechecked = AccessMap::new();
    prechecked.fold_verified(0, &verified[..junk]).expect("in order");
    prechecked.fold(junk as u64, &entries[junk]).expect("in order");
    prechecked.fold_verified(junk as u64 + 1, &verified[junk..]).expect("in order");
    assert_eq!(prechecked.root(), one_by_one.root());

    let restored = AccessMap::restore(batch.size(), batch.leaves()).expect("restores");
    assert_eq!(restored.root(), batch.root());
    assert_eq!(
        batch.fold(0, &entries[0]),
        Err(AccessMapError::Fold(FoldError::OutOfOrder { expected: batch.size(), got: 0 }))
    );
}

#[test]
fn restore_refuses_duplicates_and_impossible_trails() {
    let key = AccessKey::from_bytes([1; 32]);
    let trail = AccessTrail { count: 2, last_index: 4, chain: [0; 32] };
    assert!(matches!(
        AccessMap::restore(10, [(key, trail), (key, trail)]),
        Err(AccessMapError::DuplicateLeaf { .. })
    ));
    for impossible in [
        AccessTrail { count: 0, last_index: 4, chain: [0; 32] },
        AccessTrail { count: 6, last_index: 4, chain: [0; 32] },
        AccessTrail { count: 1, last_index: 10, chain: [0; 32] },
    ] {
        assert!(
            matches!(AccessMap::restore(10, [(key, impossible)]), Err(AccessMapError::ImpossibleLeaf { .. })),
            "{impossible:?}"
        );
    }
}

#[test]
fn every_one_bit_change_to_a_proof_fails() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let leaves: Vec<(AccessKey, AccessTrail)> = (0..30)
        .map(|i| {
            let trail = AccessTrail { count: 2, last_index: 10 + i, chain: [i as u8; 32] };
            (AccessKey::from_bytes(random_key(&mut rng)), trail)
        })
        .collect();
    let map = AccessMap::restore(100, leaves.iter().copied()).expect("restores");
    let root = map.root();
    let empty_ended = (0..)
        .map(|_| AccessKey::from_bytes(random_key(&mut rng)))
        .find(|key| *map.prove(key).terminal() == Terminal::Empty)
        .expect("some key ends in an empty subtree");
    let mut other = *leaves[3].0.as_bytes();
    other[31] ^= 1;
    for key in [leaves[0].0, leaves[7].0, AccessKey::from_bytes(other), empty_ended] {
        let bytes = map.prove(&key).to_bytes();
        for index in 0..bytes.len() * 8 {
            let mut tampered = bytes.clone();
            tampered[index / 8] ^= 0x80 >> (index % 8);
            let result = AccessProof::decode(&tampered).and_then(|proof| proof.verify(&root, &key));
            assert!(result.is_err(), "bit {index} of a kind-{} proof flipped: {result:?}", bytes[0]);
        }
    }
    // A value no log gives is refused by the decoder: a present proof with count 0.
    let present = map.prove(&leaves[0].0).to_bytes();
    let mut zero_count = present.clone();
    let value_at = present.len() - 48;
    zero_count[value_at..value_at + 8].fill(0);
    assert_eq!(AccessProof::decode(&zero_count), Err(SmtError::ProofValue));
}

// ---------------------------------------------------------------------------------------------
// The checkpoint line

#[test]
fn the_checkpoint_line_binds_the_root() {
    let mut world = World::new(4);
    let (grants, entries) = signed_log(&mut world);
    let mut map = AccessMap::new();
    map.fold_batch(0, &entries).expect("in order");
    let line = checkpoint_extension(&map.root());
    assert!(line.starts_with("access-map "));
    let revocation_line = crate::revmap::checkpoint_extension(&[1; 32]);
    let signed = checkpoint(map.size(), vec![revocation_line.clone(), line.clone()]);
    assert_eq!(root_from_checkpoint(&signed), Ok(Some(map.root())));
    assert_eq!(crate::revmap::root_from_checkpoint(&signed), Ok(Some([1; 32])), "the lines do not mix");
    assert_eq!(root_from_checkpoint(&checkpoint(5, vec![revocation_line])), Ok(None));
    assert!(root_from_checkpoint(&checkpoint(5, vec![line.clone(), line.clone()])).is_err());
    assert!(root_from_checkpoint(&checkpoint(5, vec!["access-map x".into()])).is_err());

    let key = world.key(&grants[0]);
    let trail = map.get(&key).expect("accessed");
    assert_eq!(verify_at_checkpoint(&signed, &map.prove(&key), &key), Ok(Some(trail)));
    assert_eq!(
        verify_at_checkpoint(&checkpoint(trail.last_index, vec![line]), &map.prove(&key), &key),
        Err(AccessMapError::TrailBeyondCheckpoint { last_index: trail.last_index, size: trail.last_index })
    );
    assert_eq!(
        verify_at_checkpoint(&checkpoint(map.size(), vec![]), &map.prove(&key), &key),
        Err(AccessMapError::NoMapRoot)
    );
}

// ---------------------------------------------------------------------------------------------
// Trail answers

/// The honest answer for `key` over `entries`, and the checkpoint of their map.
fn honest(entries: &[Vec<u8>], key: &AccessKey) -> (TrailAnswer, Checkpoint) {
    let log = TestLog::with_access_map(entries.to_vec());
    let map = log.access_map();
    (log.trail_answer(key, None), checkpoint_of(&map))
}

#[test]
fn a_trail_holds_exactly_the_keys_events_in_log_order() {
    let mut world = World::new(5);
    let (grants, entries) = signed_log(&mut world);
    let trails = model_trails(&entries);
    let stranger_key = AccessKey::new(&grants[0].commitment(), &world.stranger.verifying_key().to_bytes());
    for key in [world.key(&grants[0]), world.key(&grants[1]), stranger_key] {
        let (answer, checkpoint) = honest(&entries, &key);
        let decoded = TrailAnswer::decode(&answer.to_bytes()).expect("decodes");
        assert_eq!(decoded, answer);
        let events = decoded.verify(&checkpoint, &key).expect("verifies");
        let expected = &trails[key.as_bytes()];
        let got: Vec<(u64, Digest256)> = events.iter().map(|event| (event.index, event.leaf_hash)).collect();
        assert_eq!(&got, expected);
        for event in &events {
            assert_eq!(AccessKey::of_event(&event.event), key);
            assert_eq!(event.entry(), entries[event.index as usize]);
        }
    }
    // Grant A's trail by its provider has 4 events; the stranger's event naming A is not one.
    let (answer, checkpoint) = honest(&entries, &world.key(&grants[0]));
    assert_eq!(answer.verify(&checkpoint, &world.key(&grants[0])).map(|events| events.len()), Ok(4));
    // A key without events: an absence proof and no events.
    let unused = world.key(&grants[2]);
    let (answer, checkpoint) = honest(&entries, &unused);
    assert!(answer.events().is_empty());
    assert_eq!(answer.verify(&checkpoint, &unused), Ok(Vec::new()));
}

#[test]
fn every_one_bit_change_to_an_answer_fails() {
    let mut world = World::new(6);
    let (a, a_entry) = world.grant();
    let entries = vec![a_entry, world.access(&a, NOW), world.grant().1, world.access(&a, NOW + 1)];
    let key = world.key(&a);
    let (answer, checkpoint) = honest(&entries, &key);
    let bytes = answer.to_bytes();
    assert_eq!(answer.events().len(), 2);
    for index in 0..bytes.len() * 8 {
        let mut tampered = bytes.clone();
        tampered[index / 8] ^= 0x80 >> (index % 8);
        let result = TrailAnswer::decode(&tampered).and_then(|answer| answer.verify(&checkpoint, &key));
        assert!(result.is_err(), "bit {index} flipped: {result:?}");
    }
    // And an absence answer.
    let absent = AccessKey::from_bytes([0x42; 32]);
    let (answer, checkpoint) = honest(&entries, &absent);
    let bytes = answer.to_bytes();
    for index in 0..bytes.len() * 8 {
        let mut tampered = bytes.clone();
        tampered[index / 8] ^= 0x80 >> (index % 8);
        let result = TrailAnswer::decode(&tampered).and_then(|answer| answer.verify(&checkpoint, &absent));
        assert!(result.is_err(), "bit {index} of an absence answer flipped: {result:?}");
    }
}

#[test]
fn a_dropped_added_or_foreign_event_is_refused() {
    let mut world = World::new(7);
    let (a, a_entry) = world.grant();
    let (b, b_entry) = world.grant();
    let mut entries = vec![a_entry, b_entry];
    for round in 0..3 {
        entries.push(world.access(&a, NOW + round));
        entries.push(world.access(&b, NOW + round));
    }
    entries.push(world.stranger_access(&a));
    let key = world.key(&a);
    let (answer, checkpoint) = honest(&entries, &key);
    let events = answer.events().to_vec();
    assert_eq!(events.iter().map(|(index, _)| *index).collect::<Vec<_>>(), [2, 4, 6]);
    let with = |events: Vec<(u64, Vec<u8>)>| TrailAnswer::page(answer.proof().clone(), events);

    // Dropping the last or a middle event: the trail is incomplete (a client asks for the rest,
    // and a gateway that then serves nothing more is caught).
    let dropped = with(vec![events[0].clone(), events[2].clone()]);
    assert_eq!(
        dropped.verify(&checkpoint, &key),
        Err(AccessMapError::Incomplete { received: 2, count: 3, after: 6 })
    );
    let mut verifier = TrailVerifier::new(&checkpoint, key, &dropped).expect("so far so good");
    assert_eq!(
        verifier.add_page(&with(Vec::new())),
        Err(AccessMapError::MissingEvents { received: 2, count: 3 })
    );
    // Dropping one and adding another of the same key in its place: the chain tells.
    let other_event = world.access(&a, NOW + 99);
    let swapped = with(vec![events[0].clone(), (3, other_event.clone()), events[2].clone()]);
    assert_eq!(swapped.verify(&checkpoint, &key), Err(AccessMapError::ChainMismatch));
    // Moving an event to another index.
    let moved = with(vec![events[0].clone(), (5, events[1].1.clone()), events[2].clone()]);
    assert_eq!(moved.verify(&checkpoint, &key), Err(AccessMapError::ChainMismatch));
    // Adding one.
    let added = with(vec![events[0].clone(), events[1].clone(), (5, other_event), events[2].clone()]);
    assert_eq!(added.verify(&checkpoint, &key), Err(AccessMapError::ExtraEvents { count: 3 }));
    // An event past the checkpoint.
    let beyond = with(vec![events[0].clone(), events[1].clone(), (checkpoint.size, events[2].1.clone())]);
    assert!(matches!(beyond.verify(&checkpoint, &key), Err(AccessMapError::EventBeyondCheckpoint { .. })));
    // Events for an absent key.
    let absent = AccessKey::from_bytes([0x42; 32]);
    let (absent_answer, _) = honest(&entries, &absent);
    let listed = TrailAnswer::page(absent_answer.proof().clone(), vec![events[0].clone()]);
    assert_eq!(listed.verify(&checkpoint, &absent), Err(AccessMapError::EventsForAbsentKey { count: 1 }));
    // Another key's answer for this key: the proof is for another key.
    let b_key = world.key(&b);
    let (b_answer, _) = honest(&entries, &b_key);
    assert!(b_answer.verify(&checkpoint, &key).is_err());
    // The answer of another checkpoint.
    let (older, _) = honest(&entries[..5], &key);
    assert!(matches!(older.verify(&checkpoint, &key), Err(AccessMapError::Map(SmtError::RootMismatch))));
}

#[test]
fn an_event_signed_by_another_key_than_the_key_names_is_refused() {
    // A gateway whose map files the stranger's event (naming grant A) under A's key by its
    // provider: the chain and count agree with its map, but the event's signer gives another key.
    let mut world = World::new(8);
    let (a, a_entry) = world.grant();
    let stranger_event = world.stranger_access(&a);
    let entries = [a_entry, stranger_event.clone()];
    let key = world.key(&a);
    let forged = AccessMap::restore(2, [(key, AccessTrail::first(1, &leaf_hash(&stranger_event)))])
        .expect("a leaf the map can hold");
    let answer = TrailAnswer::page(forged.prove(&key), vec![(1, stranger_event.clone())]);
    assert_eq!(
        answer.verify(&checkpoint_of(&forged), &key),
        Err(AccessMapError::EventForOtherKey { index: 1 })
    );
    // The same with a grant entry filed as an access: not an access event.
    let forged =
        AccessMap::restore(2, [(key, AccessTrail::first(0, &leaf_hash(&entries[0])))]).expect("leaf");
    let answer = TrailAnswer::page(forged.prove(&key), vec![(0, entries[0].clone())]);
    assert!(matches!(
        answer.verify(&checkpoint_of(&forged), &key),
        Err(AccessMapError::NotAnAccessEvent { index: 0, .. })
    ));
}

#[test]
fn pages_verify_together_and_must_agree() {
    let mut world = World::new(9);
    let (a, a_entry) = world.grant();
    let mut entries = vec![a_entry];
    for round in 0..5 {
        entries.push(world.access(&a, NOW + round));
    }
    let key = world.key(&a);
    let log = TestLog::with_access_map(entries.clone());
    let checkpoint = checkpoint_of(&log.access_map());
    let full = log.trail_answer(&key, None);
    let page = |range: std::ops::Range<usize>| {
        TrailAnswer::page(full.proof().clone(), full.events()[range].iter().cloned())
    };
    let mut verifier = TrailVerifier::new(&checkpoint, key, &page(0..2)).expect("first page");
    assert_eq!(verifier.next_after(), Some(2));
    verifier.add_page(&page(2..4)).expect("second page");
    assert_eq!(verifier.next_after(), Some(4));
    // A page repeating an event is out of order.
    assert!(matches!(verifier.clone().add_page(&page(3..5)), Err(AccessMapError::EventsOutOfOrder { .. })));
    verifier.add_page(&page(4..5)).expect("last page");
    assert_eq!(verifier.next_after(), None);
    assert_eq!(verifier.finish().map(|events| events.len()), Ok(5));
    // The test log pages with `?after=` too.
    let path = trail_path(log.size, &key, Some(3));
    assert_eq!(parse_trail_path(&path), Some((log.size, key, Some(3))));
    let second = TrailAnswer::decode(&log.answer(&path).expect("served")).expect("decodes");
    assert_eq!(second.events().iter().map(|(index, _)| *index).collect::<Vec<_>>(), [4, 5]);

    // A later page from another checkpoint's map disagrees with the first.
    let other = TestLog::with_access_map(entries[..4].to_vec());
    let stale = TrailAnswer::page(other.access_map().prove(&key), full.events()[2..].iter().cloned());
    let mut verifier = TrailVerifier::new(&checkpoint, key, &page(0..2)).expect("first page");
    assert!(verifier.add_page(&stale).is_err());
}

#[test]
fn pages_are_cut_at_the_event_and_byte_caps() {
    let proof = AccessMap::new().prove(&AccessKey::from_bytes([1; 32]));
    let small = (0..1500u64).map(|index| (index, vec![3u8; 10]));
    let page = TrailAnswer::page(proof.clone(), small);
    assert_eq!(page.events().len(), usize::from(MAX_TRAIL_EVENTS));
    let large = (0..400u64).map(|index| (index, vec![3u8; 4096]));
    let page = TrailAnswer::page(proof.clone(), large);
    let bytes = page.to_bytes();
    assert!(bytes.len() <= MAX_TRAIL_ANSWER_BYTES && bytes.len() + 4106 > MAX_TRAIL_ANSWER_BYTES);
    assert_eq!(TrailAnswer::decode(&bytes).map(|page| page.events().len()), Ok(page.events().len()));
    // An entry no log holds ends the page.
    let page = TrailAnswer::page(proof, [(1, vec![3u8; 5]), (2, Vec::new()), (3, vec![3u8; 5])]);
    assert_eq!(page.events().len(), 1);
}

#[test]
fn the_answer_decoder_is_strict() {
    let mut world = World::new(10);
    let (a, a_entry) = world.grant();
    let entries = vec![a_entry, world.access(&a, NOW), world.access(&a, NOW + 1)];
    let key = world.key(&a);
    let (answer, _) = honest(&entries, &key);
    let bytes = answer.to_bytes();
    for cut in 0..bytes.len() {
        assert_eq!(TrailAnswer::decode(&bytes[..cut]), Err(AccessMapError::AnswerTruncated), "cut at {cut}");
    }
    assert_eq!(
        TrailAnswer::decode(&[&bytes[..], &[0]].concat()),
        Err(AccessMapError::AnswerTrailingBytes { extra: 1 })
    );
    let mut version = bytes.clone();
    version[0] = 2;
    assert_eq!(TrailAnswer::decode(&version), Err(AccessMapError::AnswerVersion(2)));
    let proof = answer.proof().to_bytes();
    let header = [&[1u8][..], &(proof.len() as u16).to_be_bytes(), &proof].concat();
    let event = |index: u64, len: u16, fill: usize| {
        [&index.to_be_bytes()[..], &len.to_be_bytes(), &vec![3u8; fill]].concat()
    };
    let with_events =
        |count: u16, events: &[Vec<u8>]| [&header[..], &count.to_be_bytes(), &events.concat()].concat();
    assert_eq!(
        TrailAnswer::decode(&with_events(1001, &[])),
        Err(AccessMapError::TooManyEvents { count: 1001, max: MAX_TRAIL_EVENTS })
    );
    assert_eq!(TrailAnswer::decode(&with_events(1, &[event(1, 0, 0)])), Err(AccessMapError::EntryLength(0)));
    assert_eq!(
        TrailAnswer::decode(&with_events(1, &[event(1, 4097, 4097)])),
        Err(AccessMapError::EntryLength(4097))
    );
    assert_eq!(
        TrailAnswer::decode(&with_events(2, &[event(5, 1, 1), event(5, 1, 1)])),
        Err(AccessMapError::EventsOutOfOrder { index: 5, previous: 5 })
    );
    assert!(TrailAnswer::decode(&with_events(2, &[event(5, 1, 1), event(6, 1, 1)])).is_ok());
    let oversized = [&[1u8][..], &u16::MAX.to_be_bytes()].concat();
    assert!(matches!(
        TrailAnswer::decode(&oversized),
        Err(AccessMapError::Map(SmtError::ProofTooLarge { .. }))
    ));
    let too_large = vec![0u8; MAX_TRAIL_ANSWER_BYTES + 1];
    assert!(matches!(TrailAnswer::decode(&too_large), Err(AccessMapError::AnswerTooLarge { .. })));
    for bad in ["access/5/zz", "access/5", "access/-1/00", "access//00", "revocation/5/00"] {
        assert_eq!(parse_trail_path(bad), None, "{bad}");
    }
    let key_hex = hex::encode(key.as_bytes());
    assert_eq!(parse_trail_path(&format!("access/5/{key_hex}?after=+1")), None);
    assert_eq!(parse_trail_path(&format!("access/5/{key_hex}?before=1")), None);
    assert_eq!(parse_trail_path(&format!("access/5/{key_hex}")), Some((5, key, None)));
}

// ---------------------------------------------------------------------------------------------
// The check

fn grant_of(world: &World, grant: &SignedGrant) -> TrailGrant {
    TrailGrant { commitment: grant.commitment(), provider: world.provider.verifying_key().to_bytes() }
}

fn run(check: TrailCheck, answer: impl Fn(usize, &str) -> Result<Vec<u8>, String>) -> TrailCheckReport {
    let mut check = check;
    while let Some(fetch) = check.next_fetch() {
        check.receive(answer(fetch.gateway, &fetch.path));
    }
    check.finish()
}

fn verified(outcome: &TrailOutcome) -> &[CheckedAccess] {
    match outcome {
        TrailOutcome::Verified { events, .. } => events,
        TrailOutcome::NotVerified { reason } => panic!("not verified: {reason}"),
    }
}

fn reason(outcome: &TrailOutcome) -> &str {
    match outcome {
        TrailOutcome::NotVerified { reason } => reason,
        TrailOutcome::Verified { .. } => panic!("verified: {outcome:?}"),
    }
}

#[test]
fn the_check_verifies_each_grants_trail_and_proves_the_events() {
    let mut world = World::new(11);
    let (grants, entries) = signed_log(&mut world);
    let log = TestLog::with_access_map(entries.clone());
    let asked = [grant_of(&world, &grants[0]), grant_of(&world, &grants[1]), grant_of(&world, &grants[2])];
    let report = run(TrailCheck::new(&asked, LogView::new(log.trust()), 1), |_, path| log.answer(path));
    assert_eq!(report.view.latest().map(|latest| latest.size()), Some(log.size));
    let a = verified(&report.grants[0].outcome);
    assert_eq!(a.len(), 4);
    assert!(a.iter().all(|event| event.inclusion_verified && event.inclusion_note.is_none()), "{a:?}");
    assert_eq!(verified(&report.grants[1].outcome).len(), 3);
    assert!(verified(&report.grants[2].outcome).is_empty(), "the stranger's own grant, by the provider");
    assert_eq!(report.grants[0].key, world.key(&grants[0]));
    let TrailOutcome::Verified { checkpoint_size, .. } = &report.grants[0].outcome else { unreachable!() };
    assert_eq!(*checkpoint_size, log.size);

    // With an inclusion limit of 2, only the two newest events are proven.
    let check = TrailCheck::new(&asked, LogView::new(log.trust()), 1).with_inclusion_limit(2);
    let report = run(check, |_, path| log.answer(path));
    let proven: Vec<u64> = report
        .grants
        .iter()
        .flat_map(|grant| verified(&grant.outcome).iter())
        .filter(|event| event.inclusion_verified)
        .map(|event| event.index)
        .collect();
    let newest = model_trails(&entries)
        .into_iter()
        .filter(|(key, _)| {
            *key == *world.key(&grants[0]).as_bytes() || *key == *world.key(&grants[1]).as_bytes()
        })
        .flat_map(|(_, events)| events.into_iter().map(|(index, _)| index))
        .max()
        .expect("events");
    assert_eq!(proven.len(), 2);
    assert!(proven.contains(&newest));
}

#[test]
fn a_lying_gateway_is_passed_over_and_liars_alone_give_no_trail() {
    let mut world = World::new(12);
    let (grants, entries) = signed_log(&mut world);
    let log = TestLog::with_access_map(entries);
    let key = world.key(&grants[0]);
    let honest_answer = log.trail_answer(&key, None);
    // The liar hides the last event.
    let mut hidden = honest_answer.events().to_vec();
    hidden.pop();
    let hiding = TrailAnswer::page(honest_answer.proof().clone(), hidden).to_bytes();
    let nothing_more = TrailAnswer::page(honest_answer.proof().clone(), []).to_bytes();
    let liar = |gateway: usize, path: &str| {
        if gateway == 0 && path.starts_with("access/") {
            Ok(if path.contains("?after=") { nothing_more.clone() } else { hiding.clone() })
        } else if gateway == 1 && path.starts_with("access/") {
            Ok(b"junk".to_vec())
        } else {
            log.answer(path)
        }
    };
    let asked = [grant_of(&world, &grants[0])];
    let report = run(TrailCheck::new(&asked, LogView::new(log.trust()), 2), liar);
    let why = reason(&report.grants[0].outcome);
    assert!(why.starts_with("no gateway gave a verifiable access trail"), "{why}");
    assert!(why.contains("the gateway hides events"), "{why}");
    let report = run(TrailCheck::new(&asked, LogView::new(log.trust()), 3), liar);
    assert_eq!(verified(&report.grants[0].outcome).len(), 4);
}

#[test]
fn without_an_access_map_or_offline_no_trail_is_verified() {
    let mut world = World::new(13);
    let (grants, entries) = signed_log(&mut world);
    let log = TestLog::with_revocation_map(entries);
    let asked = [grant_of(&world, &grants[0])];
    let report = run(TrailCheck::new(&asked, LogView::new(log.trust()), 1), |_, path| log.answer(path));
    assert!(reason(&report.grants[0].outcome).contains("binds no access map"));
    let report = run(TrailCheck::new(&asked, LogView::new(log.trust()), 1), |_, _| Err("offline".into()));
    assert!(reason(&report.grants[0].outcome).contains("check again when online"));
    // Stopped early, every grant is reported.
    let report = TrailCheck::new(&asked, LogView::new(log.trust()), 1).finish();
    assert_eq!(report.grants.len(), 1);
    assert!(matches!(report.grants[0].outcome, TrailOutcome::NotVerified { .. }));
    assert_eq!(
        TrailGrant::from_hex(
            &hex::encode(grants[0].commitment()),
            &hex::encode(world.provider.verifying_key().to_bytes())
        ),
        Ok(asked[0])
    );
    assert_eq!(TrailGrant::from_hex("00", "11"), Err(AccessMapError::GrantField { field: "commitment" }));
}

// ---------------------------------------------------------------------------------------------
// Fuzz seeds: the fixed map of fuzz/fuzz_targets/access_trail.rs and answers from it.

/// The same map as the fuzz target's.
fn fuzz_map() -> AccessMap {
    let mut deep = [0xc0u8; 32];
    deep[31] = 0xc1;
    let keys = [[0x00u8; 32], [0x80; 32], [0x81; 32], [0xc0; 32], deep];
    let leaves = keys.iter().enumerate().map(|(i, key)| {
        let trail = AccessTrail { count: i as u64 + 1, last_index: i as u64 * 2 + 5, chain: [i as u8; 32] };
        (AccessKey::from_bytes(*key), trail)
    });
    AccessMap::restore(16, leaves).expect("possible trails, distinct keys")
}

#[test]
fn fuzz_seeds_are_answers_from_the_fuzz_map() {
    let map = fuzz_map();
    let checkpoint = checkpoint_of(&map);
    let made_up = |index: u64| (index, [&[3u8][..], &[index as u8; 40]].concat());
    let seeds = [
        ("absent-empty.bin", [0xffu8; 32], Vec::new(), true),
        ("absent-other-leaf.bin", [0x40; 32], Vec::new(), true),
        ("present-events.bin", [0x80; 32], vec![made_up(4), made_up(7)], false),
        ("present-deep-no-events.bin", [0xc0; 32], Vec::new(), false),
    ];
    for (name, key, events, verifies) in seeds {
        let key = AccessKey::from_bytes(key);
        let bytes = TrailAnswer::page(map.prove(&key), events).to_bytes();
        let decoded = TrailAnswer::decode(&bytes).expect("a seed decodes");
        assert_eq!(decoded.verify(&checkpoint, &key).is_ok(), verifies, "{name}");
        check_seed_file(name, &bytes);
    }
}

/// Natively, the seed file must hold `bytes`; `ASSENT_WRITE_FUZZ_SEEDS=1` writes it instead.
#[cfg(not(target_arch = "wasm32"))]
fn check_seed_file(name: &str, bytes: &[u8]) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/access_trail").join(name);
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
