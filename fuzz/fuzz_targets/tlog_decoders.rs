//! Every transparency-log decoder on arbitrary input: signed notes (with Ed25519 and
//! cosignature/v1 verifiers), checkpoints, witness policies, tile paths, hash tiles, entry
//! bundles, proof bundles, fork evidence, and a log view's checks of signed checkpoints against
//! tiles. None may panic, and what the parsers accept prints back to the same text.
//!
//! The same bytes are also read as a script for a [`LogView`] (see [`view`]): tree sizes, an
//! index and hash tiles for a [`TileSet`]. The harness signs checkpoints for those sizes with a
//! log key it holds, as an honest log would, so the tiles are the only hostile part; when a
//! checkpoint's root comes from the same tiles, the view must accept what they prove.
#![no_main]

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use libfuzzer_sys::fuzz_target;
use wasm_core::tlog::bundle::ProofBundle;
use wasm_core::tlog::checkpoint::Checkpoint;
use wasm_core::tlog::merkle::{leaf_hash, node_hash, root_from_leaf_hashes};
use wasm_core::tlog::note::{open_note, CosignatureSigner, NoteSigner, NoteVerifier};
use wasm_core::tlog::policy::Policy;
use wasm_core::tlog::tiles::{
    decode_entry_bundle, decode_hash_tile, TileError, TileId, TilePath, TileSet, TiledTree, MAX_TILE_LEVEL,
};
use wasm_core::tlog::view::{Advance, ForkEvidence, LogTrust, LogView, VerifiedCheckpoint, ViewError};

/// Go's example verifier key, so signature lines naming it reach the verification path.
const GO_VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
/// The log the harness signs for; the seed notes and bundles are signed by the same key.
const ORIGIN: &str = "example.com/log";
/// The most tiles one input may add to its tile set.
const MAX_TILES: u8 = 8;

/// Keys, trusts and leaf hashes, made once: key derivation per input would dominate the run.
struct Fixtures {
    go: NoteVerifier,
    witness: CosignatureSigner,
    log: NoteSigner,
    /// The log's key alone.
    trust: LogTrust,
    /// The log's key, and a policy that needs the witness's cosignature.
    witnessed: LogTrust,
    /// `leaf_hash([k])` for every byte `k`: leaf `n` of the honest tree is the entry `[n % 256]`.
    leaves: Vec<[u8; 32]>,
    /// The hash every full subtree at Merkle level `8 · l` of the honest tree has, by tile level
    /// `l` from 1 (all alike, since the leaves repeat every 256).
    honest: Vec<[u8; 32]>,
}

fn fixtures() -> &'static Fixtures {
    static FIXTURES: OnceLock<Fixtures> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let go = NoteVerifier::parse(GO_VERIFIER).expect("Go's example key parses");
        let witness = CosignatureSigner::new("witness.example/w", SigningKey::from_bytes(&[1; 32]))
            .expect("valid witness name");
        let log = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[2; 32])).expect("valid log name");
        let trust = LogTrust::new(&log.verifier_key(), None).expect("log key");
        let policy = format!("log {}\nwitness w {}\nquorum w\n", log.verifier_key(), witness.verifier_key());
        let witnessed = LogTrust::new(&log.verifier_key(), Some(&policy)).expect("policy");
        let leaves: Vec<[u8; 32]> = (0..=u8::MAX).map(|k| leaf_hash(&[k])).collect();
        let mut honest = vec![[0; 32], root_from_leaf_hashes(&leaves)];
        while honest.len() <= usize::from(MAX_TILE_LEVEL) {
            let below = honest.last().copied().unwrap_or_default();
            honest.push((0..8).fold(below, |hash, _| node_hash(&hash, &hash)));
        }
        Fixtures { go, witness, log, trust, witnessed, leaves, honest }
    })
}

fuzz_target!(|data: &[u8]| {
    let fx = fixtures();
    let _ = open_note(data, std::slice::from_ref(&fx.go));
    let _ = open_note(data, &[fx.go.clone(), fx.witness.verifier()]);
    let _ = fx.trust.open(data);
    let _ = fx.witnessed.open(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(checkpoint) = Checkpoint::parse(text) {
            assert_eq!(checkpoint.to_text(), text, "a parsed checkpoint prints back the same");
        }
        let _ = Policy::parse(text);
        if let Ok(path) = TilePath::parse(text) {
            assert_eq!(path.path(), text, "a tile path has one spelling");
        }
        let _ = NoteVerifier::parse(text);
        if let Ok(bundle) = ProofBundle::parse(text) {
            assert_eq!(bundle.to_text(), text, "a parsed proof bundle prints back the same");
            // The seed bundle proves entry [index % 256] in a tree of the harness's log.
            let entry = [bundle.index as u8];
            let _ = bundle.verify_entry(&entry, ORIGIN, &[fx.trust.log_key().clone(), fx.witness.verifier()]);
        }
        if let Ok(evidence) = ForkEvidence::from_json(text) {
            let _ = evidence.verify(&fx.trust);
        }
    }
    let _ = decode_entry_bundle(data, usize::from(data.first().copied().unwrap_or(0)));
    if let Ok(tile) = TileId::new(0, 0, u16::from(data.first().copied().unwrap_or(1)).max(1)) {
        let _ = decode_hash_tile(tile, data);
    }
    view(data, fx);
});

/// Reads the input front to back; past its end every read is zero.
struct Script<'a>(&'a [u8]);

impl Script<'_> {
    fn byte(&mut self) -> u8 {
        let Some((first, rest)) = self.0.split_first() else { return 0 };
        self.0 = rest;
        *first
    }

    /// An LEB128 number, so small sizes and indexes take one byte.
    fn number(&mut self) -> u64 {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte();
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                break;
            }
        }
        value
    }
}

/// The view's script: `old_size`, `delta`, `index` (LEB128), a flags byte, a tile count, then
/// per tile its level, index (LEB128), width - 1 and a fill byte. Flags: 1 the second checkpoint
/// is `delta` smaller (a rollback), not larger; 2 and 4 alter the first and second checkpoint's
/// root; 8 the checkpoints are cosigned and the view needs the witness; 16 tiles are added by
/// path; 32 the view also lists the tiles it would fetch. Fill 0 gives a tile the hashes of
/// the honest tree, whose leaf `n` is the entry `[n % 256]`; other fills give arbitrary hashes.
fn view(data: &[u8], fx: &Fixtures) {
    let mut script = Script(data);
    let old_size = script.number();
    let delta = script.number();
    let index = script.number();
    let flags = script.byte();
    let new_size =
        if flags & 1 == 0 { old_size.saturating_add(delta) } else { old_size.saturating_sub(delta) };

    let mut tiles = TileSet::new();
    let mut all_honest = true;
    for _ in 0..script.byte() % (MAX_TILES + 1) {
        let level = script.byte();
        let tile_index = script.number();
        let width = u16::from(script.byte()) + 1;
        let fill = script.byte();
        let Ok(tile) = TileId::new(level, tile_index, width) else { continue };
        all_honest &= fill == 0;
        let bytes = tile_bytes(tile, fill, fx);
        if flags & 16 == 0 {
            let _ = tiles.insert(tile, bytes);
        } else {
            let _ = tiles.insert_path(&tile.path(), bytes);
        }
    }

    let witnessed = flags & 8 != 0;
    let trust = if witnessed { &fx.witnessed } else { &fx.trust };
    let signed = |size: u64, alter: bool| -> (VerifiedCheckpoint, bool) {
        let from_tiles = TiledTree::new(size, &tiles).root().ok();
        let mut root = from_tiles.unwrap_or([0x5a; 32]);
        if alter {
            root[0] ^= 1;
        }
        (checkpoint(fx, size, root, witnessed), from_tiles.is_some() && !alter)
    };
    let (old, old_from_tiles) = signed(old_size, flags & 2 != 0);
    let (new, new_from_tiles) = signed(new_size, flags & 4 != 0);

    let mut view = LogView::new(trust.clone());
    assert_eq!(view.advance(old, &tiles), Ok(Advance::First));
    // The tile lists come from a dry run that hashes placeholder tiles: costly, so not always.
    let list_tiles = flags & 32 != 0;
    if list_tiles {
        let _ = view.tiles_to_extend(&new);
    }
    let advanced = view.advance(new, &tiles);
    if let Err(ViewError::Fork(evidence)) = &advanced {
        let exported = ForkEvidence::from_json(&evidence.to_json()).expect("evidence round-trips");
        assert_eq!(exported.verify(trust), Ok(()), "fork evidence from the view verifies");
    }
    // When both signed roots are the tiles' own and the tiles agree with each other (all from
    // the honest tree, or a tree below 256 leaves, whose hashes all come from one level-0 tile),
    // the tiles prove the larger tree extends the smaller: only a tile the proof needs beyond
    // those the roots needed may be missing.
    if old_from_tiles
        && new_from_tiles
        && (all_honest || new_size < 256)
        && 0 < old_size
        && old_size <= new_size
    {
        let expected =
            if old_size == new_size { Advance::Unchanged } else { Advance::Extended { from: old_size } };
        let missing = matches!(advanced, Err(ViewError::BadTiles(TileError::MissingTile { .. })));
        assert!(
            advanced == Ok(expected) || (missing && new_size >= 256),
            "consistent tiles prove the extension: {advanced:?}"
        );
    }

    if list_tiles {
        let _ = view.tiles_for_inclusion(index);
    }
    let entry = [index as u8];
    let included = view.verify_inclusion(&entry, index, &tiles);
    let Some(latest) = view.latest() else { return };
    let size = latest.size();
    let latest_from_tiles = if advanced.is_ok() { new_from_tiles } else { old_from_tiles };
    let leaf_in_tiles = TiledTree::new(size, &tiles).leaf_hash(index).ok();
    if latest_from_tiles && (all_honest || size < 256) && leaf_in_tiles == Some(leaf_hash(&entry)) {
        let missing = matches!(included, Err(ViewError::BadTiles(TileError::MissingTile { .. })));
        assert!(
            included.is_ok() || (missing && size >= 256),
            "an entry whose leaf hash is in the signed tiles is included: {included:?}"
        );
    }
}

/// The harness log's checkpoint for `size` and `root`, signed (and cosigned if `witnessed`) and
/// opened as a view would. Signing and verifying cost more than all the rest of an input, and
/// inputs share sizes and roots, so checkpoints are remembered (a few thousand at most).
fn checkpoint(fx: &Fixtures, size: u64, root: [u8; 32], witnessed: bool) -> VerifiedCheckpoint {
    thread_local! {
        static SIGNED: RefCell<HashMap<(u64, [u8; 32], bool), VerifiedCheckpoint>> =
            RefCell::new(HashMap::new());
    }
    SIGNED.with_borrow_mut(|signed| {
        if signed.len() >= 4096 {
            signed.clear();
        }
        signed
            .entry((size, root, witnessed))
            .or_insert_with(|| {
                let text = Checkpoint { origin: ORIGIN.into(), size, root, extensions: vec![] }.to_text();
                let mut note = fx.log.sign(&text).expect("a checkpoint is signable text");
                let trust = if witnessed {
                    note = fx.witness.cosign(&note, 1_700_000_000).expect("a signed note is cosignable");
                    &fx.witnessed
                } else {
                    &fx.trust
                };
                trust.open(note.as_bytes()).expect("the harness's own checkpoint opens")
            })
            .clone()
    })
}

/// A tile's bytes: with fill 0, the honest tree's hashes; otherwise hash `j` is `fill + j`
/// repeated (wrapping), so two tiles with one fill agree on the hashes they share.
fn tile_bytes(tile: TileId, fill: u8, fx: &Fixtures) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(tile.byte_len());
    for j in 0..tile.width() {
        let hash = match (fill, tile.level()) {
            // Leaf 256 · index + j is the entry [j].
            (0, 0) => fx.leaves[usize::from(j)],
            (0, level) => fx.honest[usize::from(level)],
            _ => [fill.wrapping_add(j as u8); 32],
        };
        bytes.extend_from_slice(&hash);
    }
    bytes
}
