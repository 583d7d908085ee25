//! C2SP tlog-tiles: paths, bundles, hash tiles, the tiles a tree has and a proof needs, proofs
//! and roots read from tiles, and the sequencer's incremental append. Natively, also against
//! Cloudflare's `tlog_tiles` crate (a port of Go's `sumdb/tlog`).
//! They run natively and, through wasm-bindgen-test, in headless Chromium.

use std::collections::BTreeMap;

use wasm_core::hash::Digest256;
use wasm_core::tlog::merkle::{empty_root, leaf_hash, root_from_leaf_hashes};
use wasm_core::tlog::proof::{verify_consistency, verify_inclusion, ProofError};
use wasm_core::tlog::tiles::{
    append_leaves, changed_tiles, decode_entry_bundle, decode_hash_tile, encode_entry_bundle,
    encode_hash_tile, tiles_for_consistency, tiles_for_inclusion, tiles_for_root, tiles_for_size, Appended,
    EntryBundleId, TileError, TileId, TilePath, TileReader, TileSet, TiledTree, TILE_HEIGHT, TILE_WIDTH,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn tile(level: u8, index: u64, width: u16) -> TileId {
    TileId::new(level, index, width).expect("valid tile")
}

fn leaves(count: u64) -> Vec<Digest256> {
    (0..count).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

/// A small deterministic generator (xorshift64*), so the tests need no clock or OS randomness.
struct Rng(u64);

impl Rng {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % bound
    }
}

/// The tiles of a tree of `count` test leaves, built with one append.
fn tiled(count: u64) -> (Vec<Digest256>, TileSet) {
    let leaves = leaves(count);
    let appended = append_leaves(0, &leaves, &TileSet::new()).expect("append to the empty tree");
    let mut set = TileSet::new();
    set.apply(&appended).expect("fresh tiles");
    (leaves, set)
}

// ---------------------------------------------------------------------------------------------
// Paths

#[test]
fn tile_paths_match_the_spec_and_go() {
    let known = [
        (TilePath::Hashes(tile(0, 1234067, 256)), "tile/0/x001/x234/067"),
        (TilePath::Hashes(tile(1, 0, 7)), "tile/1/000.p/7"),
        (TilePath::Hashes(tile(0, 0, 256)), "tile/0/000"),
        (TilePath::Hashes(tile(2, 999, 255)), "tile/2/999.p/255"),
        (TilePath::Hashes(tile(3, 1000, 1)), "tile/3/x001/000.p/1"),
        (TilePath::Hashes(tile(63, 1_000_000, 256)), "tile/63/x001/x000/000"),
        (TilePath::Hashes(tile(0, u64::MAX, 256)), "tile/0/x018/x446/x744/x073/x709/x551/615"),
        (TilePath::Entries(EntryBundleId::new(1234, 5).expect("valid")), "tile/entries/x001/234.p/5"),
        (TilePath::Entries(EntryBundleId::new(0, 256).expect("valid")), "tile/entries/000"),
        (TilePath::Entries(EntryBundleId::new(1234067, 256).expect("valid")), "tile/entries/x001/x234/067"),
    ];
    for (resource, path) in known {
        assert_eq!(resource.path(), path);
        assert_eq!(resource.to_string(), path);
        assert_eq!(TilePath::parse(path), Ok(resource), "{path}");
        assert_eq!(path.parse::<TilePath>(), Ok(resource));
    }
    assert_eq!(tile(1, 0, 7).path(), "tile/1/000.p/7");
    assert!(tile(1, 0, 7).is_partial() && !tile(1, 0, 256).is_partial());
    assert_eq!(tile(1, 0, 7).byte_len(), 7 * 32);
}

#[test]
fn malformed_paths_are_rejected() {
    let malformed = [
        "",
        "tile",
        "tile/",
        "tile/0",
        "tile/0/",
        "/tile/0/000",
        "tiles/0/000",
        "Tile/0/000",
        "tile//000",
        "tile/00/000",
        "tile/01/000",
        "tile/64/000",
        "tile/255/000",
        "tile/-1/000",
        "tile/+1/000",
        "tile/data/000",
        "tile/entry/000",
        "tile/0/0",
        "tile/0/00",
        "tile/0/0000",
        "tile/0/1234",
        "tile/0/x000",
        "tile/0/x001",
        "tile/0/001/234",
        "tile/0/x001/x234",
        "tile/0/X001/234",
        "tile/0/x000/001",
        "tile/0/x000/x001/234",
        "tile/0/xx01/234",
        "tile/0/x01/234",
        "tile/0/x0001/234",
        "tile/0/001/",
        "tile/0/001//",
        "tile/0/ 01",
        "tile/0/+01",
        "tile/0/0a1",
        "tile/0/٠٠١",
        "tile/0/000.p",
        "tile/0/000.p/",
        "tile/0/000.p/0",
        "tile/0/000.p/00",
        "tile/0/000.p/007",
        "tile/0/000.p/256",
        "tile/0/000.p/1000",
        "tile/0/000.p/-1",
        "tile/0/000.p/7/",
        "tile/0/000.p/7/8",
        "tile/0/000.p/7.p/8",
        "tile/0/000.q/7",
        "tile/0/000p/7",
        "tile/0/x001.p/7/234",
        "tile/0/000/.p/7",
        "tile/entries/000.p/0",
        "tile/entries/000.p/256",
        "tile/entries/01",
        "tile/entries/x001",
        "tile/entries",
        "tile/entries/",
        // One past u64::MAX.
        "tile/0/x018/x446/x744/x073/x709/x551/616",
        "tile/0/x001/x018/x446/x744/x073/x709/x551/615",
        "tile/0/x000/x000/x000/x000/x000/x000/x000/x000/x000/x000/x000/x000/000",
    ];
    for path in malformed {
        let error = TilePath::parse(path).expect_err(path);
        assert!(matches!(error, TileError::MalformedPath { .. }), "{path}: {error:?}");
        assert!(error.to_string().contains("is not a tile path"), "{error}");
    }
    let mut set = TileSet::new();
    assert!(matches!(
        set.insert_path("tile/entries/000", vec![0; 8192]),
        Err(TileError::NotAHashTile { .. })
    ));
}

#[test]
fn tile_ids_check_their_ranges() {
    assert_eq!(TileId::new(64, 0, 256), Err(TileError::LevelOutOfRange { level: 64 }));
    assert_eq!(TileId::new(0, 0, 0), Err(TileError::WidthOutOfRange { width: 0 }));
    assert_eq!(TileId::new(0, 0, 257), Err(TileError::WidthOutOfRange { width: 257 }));
    assert_eq!(EntryBundleId::new(0, 0), Err(TileError::WidthOutOfRange { width: 0 }));
    assert_eq!(TileId::in_tree(0, 1, 300), Ok(tile(0, 1, 44)));
    assert_eq!(TileId::in_tree(1, 0, 300), Ok(tile(1, 0, 1)));
    assert_eq!(EntryBundleId::in_tree(1, 300), EntryBundleId::new(1, 44));
    assert!(matches!(TileId::in_tree(0, 2, 300), Err(TileError::TileBeyondTree { size: 300, .. })));
    assert!(matches!(TileId::in_tree(2, 0, 65535), Err(TileError::TileBeyondTree { .. })));
    assert_eq!(tile(0, 1, 44).check_in_tree(300), Ok(()));
    assert_eq!(tile(0, 1, 43).check_in_tree(300), Ok(()));
    assert!(matches!(tile(0, 1, 45).check_in_tree(300), Err(TileError::TileBeyondTree { .. })));
    assert!(matches!(tile(0, 1, 256).check_in_tree(300), Err(TileError::TileBeyondTree { .. })));
    assert_eq!(tile(0, 0, 256).check_in_tree(300), Ok(()));
}

// ---------------------------------------------------------------------------------------------
// Bundles and hash tiles

#[test]
fn entry_bundles_round_trip_and_reject_damage() {
    let long = vec![7u8; 65535];
    let entries: Vec<&[u8]> = vec![b"", b"a", b"hello", &long];
    let bundle = encode_entry_bundle(&entries).expect("entries fit");
    assert_eq!(&bundle[..10], &[0, 0, 0, 1, b'a', 0, 5, b'h', b'e', b'l']);
    assert_eq!(bundle.len(), 2 + 3 + 7 + 2 + 65535);
    assert_eq!(decode_entry_bundle(&bundle, 4), Ok(entries.clone()));

    let too_long = vec![0u8; 65536];
    assert_eq!(
        encode_entry_bundle(&[b"ok", &too_long]),
        Err(TileError::EntryTooLong { entry: 1, len: 65536 })
    );
    assert_eq!(encode_entry_bundle(&[]), Err(TileError::CountOutOfRange { count: 0 }));
    let many: Vec<&[u8]> = vec![b"x"; 257];
    assert_eq!(encode_entry_bundle(&many), Err(TileError::CountOutOfRange { count: 257 }));
    assert_eq!(decode_entry_bundle(&bundle, 0), Err(TileError::CountOutOfRange { count: 0 }));
    assert_eq!(decode_entry_bundle(&bundle, 257), Err(TileError::CountOutOfRange { count: 257 }));

    // Cut inside the last entry, inside a length prefix, and at an entry boundary.
    assert_eq!(
        decode_entry_bundle(&bundle[..bundle.len() - 1], 4),
        Err(TileError::TruncatedBundle { entry: 3 })
    );
    assert_eq!(decode_entry_bundle(&bundle[..13], 4), Err(TileError::TruncatedBundle { entry: 3 }));
    assert_eq!(
        decode_entry_bundle(&bundle[..12], 4),
        Err(TileError::BundleTooShort { found: 3, expected: 4 })
    );
    assert_eq!(decode_entry_bundle(&[], 1), Err(TileError::BundleTooShort { found: 0, expected: 1 }));
    assert_eq!(
        decode_entry_bundle(&bundle, 3),
        Err(TileError::TrailingBundleBytes { expected: 3, extra: 65537 })
    );
    let mut trailing = bundle.clone();
    trailing.push(0);
    assert_eq!(
        decode_entry_bundle(&trailing, 4),
        Err(TileError::TrailingBundleBytes { expected: 4, extra: 1 })
    );

    // A full bundle of 256 empty entries.
    let empties: Vec<&[u8]> = vec![b""; 256];
    let full = encode_entry_bundle(&empties).expect("256 entries fit");
    assert_eq!(full, vec![0; 512]);
    assert_eq!(decode_entry_bundle(&full, 256).map(|e| e.len()), Ok(256));
}

#[test]
fn hash_tiles_decode_only_at_their_exact_length() {
    let hashes = leaves(7);
    let bytes = encode_hash_tile(&hashes).expect("7 hashes");
    assert_eq!(bytes.len(), 7 * 32);
    assert_eq!(decode_hash_tile(tile(0, 0, 7), &bytes), Ok(hashes.clone()));
    for (width, len) in [(7, 7 * 32 - 1), (7, 7 * 32 + 1), (6, 7 * 32), (8, 7 * 32), (256, 7 * 32)] {
        let error = decode_hash_tile(tile(0, 0, width), &bytes[..len.min(bytes.len())]).err().or_else(|| {
            let mut long = bytes.clone();
            long.resize(len, 0);
            decode_hash_tile(tile(0, 0, width), &long).err()
        });
        assert!(matches!(error, Some(TileError::WrongTileLength { .. })), "width {width}, {len} bytes");
    }
    assert_eq!(encode_hash_tile(&[]), Err(TileError::CountOutOfRange { count: 0 }));
    assert_eq!(encode_hash_tile(&leaves(257)), Err(TileError::CountOutOfRange { count: 257 }));
}

// ---------------------------------------------------------------------------------------------
// Which tiles a tree has

#[test]
fn tiles_for_size_follow_the_spec_examples() {
    // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
    // tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
    // partial level 2 tile of width 1."
    let all: Vec<TilePath> = tiles_for_size(70_000).collect();
    let hash_tiles: Vec<TileId> =
        all.iter().filter_map(|p| if let TilePath::Hashes(t) = p { Some(*t) } else { None }).collect();
    let bundles: Vec<EntryBundleId> =
        all.iter().filter_map(|p| if let TilePath::Entries(b) = p { Some(*b) } else { None }).collect();
    let full_level0 = hash_tiles.iter().filter(|t| t.level() == 0 && !t.is_partial()).count();
    assert_eq!(full_level0, 273);
    let partial: Vec<TileId> = hash_tiles.iter().copied().filter(|t| t.is_partial()).collect();
    assert_eq!(partial, vec![tile(0, 273, 112), tile(1, 1, 17), tile(2, 0, 1)]);
    assert!(hash_tiles.contains(&tile(1, 0, 256)));
    assert_eq!(hash_tiles.len(), 273 + 1 + 1 + 1 + 1);
    assert_eq!(bundles.len(), 274);
    assert_eq!(bundles.last(), Some(&EntryBundleId::new(273, 112).expect("valid")));

    // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile
    // of width 1."
    let size_256: Vec<String> = tiles_for_size(256).map(|p| p.path()).collect();
    assert_eq!(size_256, ["tile/0/000", "tile/1/000.p/1", "tile/entries/000"]);
    assert_eq!(tiles_for_size(0).count(), 0);
    let size_1: Vec<String> = tiles_for_size(1).map(|p| p.path()).collect();
    assert_eq!(size_1, ["tile/0/000.p/1", "tile/entries/000.p/1"]);
    // The largest tree has a partial tile at level 7 and none above.
    assert_eq!(TileId::in_tree(7, 0, u64::MAX), Ok(tile(7, 0, 255)));
    assert!(matches!(TileId::in_tree(8, 0, u64::MAX), Err(TileError::TileBeyondTree { .. })));
    assert_eq!(changed_tiles(u64::MAX - 1, u64::MAX), vec![tile(0, u64::MAX >> 8, 255)]);
}

#[test]
fn changed_tiles_are_the_tiles_a_growth_touches() {
    assert_eq!(changed_tiles(0, 1), vec![tile(0, 0, 1)]);
    assert_eq!(changed_tiles(1, 256), vec![tile(0, 0, 256), tile(1, 0, 1)]);
    assert_eq!(changed_tiles(256, 257), vec![tile(0, 1, 1)]);
    assert_eq!(changed_tiles(300, 600), vec![tile(0, 1, 256), tile(0, 2, 88), tile(1, 0, 2)]);
    assert_eq!(changed_tiles(5, 5), Vec::<TileId>::new());
    assert_eq!(changed_tiles(9, 5), Vec::<TileId>::new());
}

// ---------------------------------------------------------------------------------------------
// Appending

#[test]
fn appending_in_random_batches_equals_building_once() {
    const TOTAL: u64 = 70_000;
    let all = leaves(TOTAL);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut set = TileSet::new();
    let mut size = 0u64;
    let mut batches = 0;
    while size < TOTAL {
        // Single leaves at first, then batches of up to 4,000 like the gateway's.
        let batch = if size < 600 { 1 + rng.below(3) } else { 1 + rng.below(4_000) }.min(TOTAL - size);
        let new = &all[size as usize..(size + batch) as usize];
        let appended = append_leaves(size, new, &set).expect("append");
        let new_size = size + batch;
        assert_eq!(appended.size, new_size);
        assert_eq!(appended.root, root_from_leaf_hashes(&all[..new_size as usize]), "root at {new_size}");
        let written: Vec<TileId> = appended.tiles.iter().map(|(t, _)| *t).collect();
        assert_eq!(written, changed_tiles(size, new_size), "tiles written at {new_size}");
        for (id, bytes) in &appended.tiles {
            assert_eq!(bytes.len(), id.byte_len());
            let same_place = |held: &TileId| held.level() == id.level() && held.index() == id.index();
            if let Some((held, held_bytes)) = set.iter().find(|(held, _)| same_place(held)) {
                assert!(held.is_partial(), "full tile {held} was written again at {new_size}");
                assert!(held.width() < id.width(), "tile {held} did not grow at {new_size}");
                assert_eq!(held_bytes, &bytes[..held_bytes.len()], "tile {held} changed at {new_size}");
            }
        }
        set.apply(&appended).expect("tiles only grow");
        size = new_size;
        batches += 1;
    }
    assert!(batches > 200, "{batches} batches");

    let (_, built_once) = tiled(TOTAL);
    assert_eq!(set, built_once);
    let expected: Vec<TileId> = tiles_for_size(TOTAL)
        .filter_map(|p| if let TilePath::Hashes(t) = p { Some(t) } else { None })
        .collect();
    let held: Vec<TileId> = set.iter().map(|(t, _)| t).collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(held, expected_sorted);
}

#[test]
fn appending_nothing_or_to_a_damaged_store_is_handled() {
    let (all, set) = tiled(300);
    let nothing = append_leaves(300, &[], &set).expect("empty append");
    assert_eq!(nothing, Appended { size: 300, root: root_from_leaf_hashes(&all), tiles: Vec::new() });
    assert_eq!(append_leaves(0, &[], &TileSet::new()).map(|a| a.root), Ok(empty_root()));

    // The old right-edge tile is missing, or stored at the wrong width.
    let missing = append_leaves(300, &leaves(1), &TileSet::new());
    assert_eq!(missing, Err(TileError::MissingTile { tile: "tile/0/001.p/44".into() }));
    let mut wrong = TileSet::new();
    wrong.insert(tile(0, 1, 40), vec![0; 40 * 32]).expect("well-formed tile");
    assert_eq!(
        append_leaves(300, &leaves(1), &wrong).err(),
        Some(TileError::MissingTile { tile: "tile/0/001.p/44".into() })
    );
    assert!(matches!(
        append_leaves(u64::MAX, &leaves(1), &set),
        Err(TileError::TreeTooLarge { old_size: u64::MAX, added: 1 })
    ));
}

// ---------------------------------------------------------------------------------------------
// Roots and proofs from tiles

const SAMPLE_SIZES: [u64; 14] = [1, 2, 3, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537, 66000, 70000];

#[test]
fn roots_and_proofs_from_tiles_round_trip_across_tile_boundaries() {
    let (all, set) = tiled(70_000);
    let roots: BTreeMap<u64, Digest256> =
        SAMPLE_SIZES.iter().map(|&size| (size, root_from_leaf_hashes(&all[..size as usize]))).collect();
    for (&size, root) in &roots {
        // The set holds the widest tiles; a tree of any smaller size reads prefixes of them.
        let tree = TiledTree::new(size, &set);
        assert_eq!(tree.root().as_ref(), Ok(root), "root of {size}");
        assert_eq!(tree.leaf_hash(size - 1), Ok(all[size as usize - 1]));
        for index in [0, 1, 2, 254, 255, 256, 257, 65535, 65536, size / 2, size.saturating_sub(2), size - 1] {
            if index >= size {
                continue;
            }
            let proof = tree.inclusion_proof(index).expect("proof from tiles");
            assert_eq!(
                verify_inclusion(&all[index as usize], index, size, &proof, root),
                Ok(()),
                "{index} in {size}"
            );
            // The tiles the client is told to fetch are enough, and all within the checkpoint.
            let needed = tiles_for_inclusion(index, size).expect("in range");
            assert_eq!(TiledTree::new(size, &only(&set, &needed)).inclusion_proof(index), Ok(proof));
            needed.iter().for_each(|t| assert_eq!(t.check_in_tree(size), Ok(())));
        }
        for (&size1, root1) in roots.range(..=size) {
            let proof = tree.consistency_proof(size1).expect("proof from tiles");
            assert_eq!(verify_consistency(size1, size, &proof, root1, root), Ok(()), "{size1} to {size}");
            let needed = tiles_for_consistency(size1, size).expect("ordered sizes");
            assert_eq!(TiledTree::new(size, &only(&set, &needed)).consistency_proof(size1), Ok(proof));
            needed.iter().for_each(|t| assert_eq!(t.check_in_tree(size), Ok(())));
        }
        let needed = tiles_for_root(size).expect("any size");
        assert_eq!(TiledTree::new(size, &only(&set, &needed)).root().as_ref(), Ok(root));
    }
}

#[test]
fn small_trees_round_trip_for_every_index_and_size() {
    let (all, set) = tiled(70);
    for size in 1..=70u64 {
        let tree = TiledTree::new(size, &set);
        let root = root_from_leaf_hashes(&all[..size as usize]);
        assert_eq!(tree.root(), Ok(root));
        for index in 0..size {
            let proof = tree.inclusion_proof(index).expect("in range");
            assert_eq!(verify_inclusion(&all[index as usize], index, size, &proof, &root), Ok(()));
        }
        for size1 in 1..=size {
            let proof = tree.consistency_proof(size1).expect("ordered");
            let root1 = root_from_leaf_hashes(&all[..size1 as usize]);
            assert_eq!(verify_consistency(size1, size, &proof, &root1, &root), Ok(()));
        }
    }
    assert_eq!(TiledTree::new(0, &set).root(), Ok(empty_root()));
    assert_eq!(
        TiledTree::new(5, &set).inclusion_proof(5),
        Err(TileError::Proof(ProofError::IndexOutOfRange { index: 5, size: 5 }))
    );
    assert_eq!(TiledTree::new(5, &set).consistency_proof(0), Err(TileError::Proof(ProofError::EmptyOldTree)));
}

/// The tiles of `set` listed in `wanted`, at exactly those widths.
fn only(set: &TileSet, wanted: &[TileId]) -> TileSet {
    let mut subset = TileSet::new();
    for id in wanted {
        subset.insert(*id, set.get(*id).expect("the server has every tile").to_vec()).expect("valid tile");
    }
    subset
}

/// A reader that answers every request with the same bytes.
struct Fixed(Option<Vec<u8>>);

impl TileReader for Fixed {
    fn read_tile(&self, _: TileId) -> Result<Option<Vec<u8>>, TileError> {
        Ok(self.0.clone())
    }
}

#[test]
fn truncated_oversized_too_wide_or_missing_tiles_are_rejected() {
    // A tree of 300 leaves reads tile 0/001 at width 44.
    let cases = [
        (Some(vec![0; 44 * 32 - 1]), 44 * 32 - 1),
        (Some(vec![0; 44 * 32 + 1]), 44 * 32 + 1),
        (Some(vec![0; 45 * 32]), 45 * 32),
        (Some(vec![0; 256 * 32]), 256 * 32),
    ];
    for (bytes, len) in cases {
        let error = TiledTree::new(300, &Fixed(bytes)).leaf_hash(299).expect_err("bad tile");
        assert_eq!(error, TileError::WrongTileLength { tile: "tile/0/001.p/44".into(), len, want: 44 * 32 });
        assert!(error.to_string().contains("fetch it again"));
    }
    assert_eq!(
        TiledTree::new(300, &Fixed(None)).root(),
        Err(TileError::MissingTile { tile: "tile/1/000.p/1".into() })
    );

    let mut set = TileSet::new();
    assert_eq!(
        set.insert(tile(0, 0, 2), vec![1; 63]),
        Err(TileError::WrongTileLength { tile: "tile/0/000.p/2".into(), len: 63, want: 64 })
    );
    assert_eq!(set.insert_path("tile/0/000.p/2", vec![1; 64]), Ok(tile(0, 0, 2)));
    // A narrower copy that agrees is fine; one that disagrees is refused.
    assert_eq!(set.insert(tile(0, 0, 1), vec![1; 32]), Ok(()));
    assert_eq!(
        set.insert(tile(0, 0, 1), vec![2; 32]),
        Err(TileError::ConflictingTile { tile: "tile/0/000.p/1".into() })
    );
    assert_eq!(set.get(tile(0, 0, 2)), Some(&[1u8; 64][..]));
    assert_eq!(set.get(tile(0, 0, 3)), None);
    assert_eq!(set.len(), 1);
}

/// Sunlight's claim: a proof in a tree of 2^32 entries needs at most 5 tiles where the spec
/// allows. Measured here for a power-of-two size and for ragged sizes around it.
#[test]
fn proofs_in_a_tree_of_two_to_the_32_need_few_tiles() {
    let mut rng = Rng(42);
    let power = 1u64 << 32;
    let mut most_power = 0;
    for _ in 0..200 {
        let index = rng.below(power);
        let tiles = tiles_for_inclusion(index, power).expect("in range");
        most_power = most_power.max(tiles.len());
        tiles.iter().for_each(|t| assert_eq!(t.check_in_tree(power), Ok(())));
    }
    assert_eq!(most_power, 4, "inclusion in 2^32");
    let consistency_power = (0..200)
        .map(|_| tiles_for_consistency(1 + rng.below(power - 1), power).expect("ordered").len())
        .max();
    assert!(consistency_power <= Some(5), "{consistency_power:?}");

    let mut most_ragged = 0;
    for _ in 0..200 {
        let size = power + rng.below(power);
        let index = rng.below(size);
        most_ragged = most_ragged.max(tiles_for_inclusion(index, size).expect("in range").len());
    }
    assert!(most_ragged <= 8, "{most_ragged}");
    println!(
        "tiles per proof at 2^32: inclusion {most_power}, consistency {consistency_power:?}; \
         ragged sizes in 2^32..2^33: inclusion up to {most_ragged}"
    );
}

#[test]
fn tile_constants_agree() {
    assert_eq!(TILE_WIDTH, 1 << TILE_HEIGHT);
    assert_eq!(TILE_WIDTH, 256);
}

// ---------------------------------------------------------------------------------------------
// Interop with Cloudflare's tlog_tiles (Go's sumdb/tlog in Rust), native only.

#[cfg(not(target_arch = "wasm32"))]
mod interop {
    use super::*;
    use tlog_tiles::{Hash, HashReader, Tile};

    /// Go's tiles name their height: `tile/8/L/...` and `tile/8/data/...` for entries.
    fn go_path(path: &str) -> String {
        path.replacen("tile/", "tile/8/", 1).replacen("tile/8/entries/", "tile/8/data/", 1)
    }

    #[test]
    fn tile_paths_agree_with_tlog_tiles() {
        let mut rng = Rng(7);
        let mut indexes = vec![0, 1, 999, 1000, 1001, 999_999, 1_000_000, 1_234_067, u64::MAX];
        indexes.extend((0..200).map(|_| rng.below(u64::MAX) >> rng.below(64)));
        for index in indexes {
            for width in [1u16, 7, 100, 255, 256] {
                for level in [0u8, 1, 5, 63] {
                    let ours = tile(level, index, width).path();
                    let theirs = Tile::new(8, level, index, u32::from(width), false).path();
                    assert_eq!(go_path(&ours), theirs);
                    let parsed = Tile::from_path(&theirs).expect("tlog_tiles parses its own paths");
                    assert_eq!(
                        (parsed.level(), parsed.level_index(), parsed.width()),
                        (level, index, u32::from(width))
                    );
                }
                let ours = EntryBundleId::new(index, width).expect("valid").path();
                let theirs = Tile::new(8, 0, index, u32::from(width), true).path();
                assert_eq!(go_path(&ours), theirs);
            }
        }
    }

    #[test]
    fn changed_tiles_agree_with_new_tiles() {
        let mut rng = Rng(11);
        let mut pairs =
            vec![(0, 1), (1, 256), (255, 256), (256, 257), (65535, 65536), (0, 70000), (70000, 16_777_216)];
        pairs.extend((0..300).map(|_| {
            let old = rng.below(1 << 40) >> rng.below(40);
            (old, old + (rng.below(1 << 20) >> rng.below(20)))
        }));
        for (old, new) in pairs {
            let ours: Vec<(u8, u64, u32)> = changed_tiles(old, new)
                .iter()
                .map(|t| (t.level(), t.index(), u32::from(t.width())))
                .collect();
            let mut theirs: Vec<(u8, u64, u32)> = Tile::new_tiles(8, old, new)
                .iter()
                .map(|t| (t.level(), t.level_index(), t.width()))
                .collect();
            theirs.sort();
            assert_eq!(ours, theirs, "{old} to {new}");
        }
    }

    /// Go's hash storage, answered from our tiles.
    struct FromTiles<'a>(TiledTree<'a, TileSet>);

    impl HashReader for FromTiles<'_> {
        fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
            use wasm_core::tlog::proof::HashSource;
            indexes
                .iter()
                .map(|&stored| {
                    let (level, index) = tlog_tiles::split_stored_hash_index(stored);
                    self.0
                        .subtree_hash(level, index)
                        .map(Hash)
                        .map_err(|_| tlog_tiles::Error::IndexesNotInTree)
                })
                .collect()
        }
    }

    #[test]
    fn roots_and_proofs_agree_with_tlog_tiles() {
        let (all, set) = tiled(70_000);
        for &size in &SAMPLE_SIZES {
            let tree = TiledTree::new(size, &set);
            let go = FromTiles(tree);
            let root = tree.root().expect("root");
            assert_eq!(tlog_tiles::tree_hash(size, &go).expect("go root").0, root, "root of {size}");
            for index in [0, 1, 255, 256, 65536, size / 3, size - 1] {
                if index >= size {
                    continue;
                }
                let ours = tree.inclusion_proof(index).expect("ours");
                let theirs = tlog_tiles::prove_record(size, index, &go).expect("theirs");
                assert_eq!(
                    theirs.iter().map(|h| h.0).collect::<Vec<_>>(),
                    ours,
                    "inclusion {index} in {size}"
                );
                let ours_as_go: Vec<Hash> = ours.iter().copied().map(Hash).collect();
                tlog_tiles::check_record(&ours_as_go, size, Hash(root), index, Hash(all[index as usize]))
                    .expect("tlog_tiles accepts our inclusion proof");
            }
            for &size1 in SAMPLE_SIZES.iter().filter(|&&s| s < size) {
                let ours = tree.consistency_proof(size1).expect("ours");
                let theirs = tlog_tiles::prove_tree(size, size1, &go).expect("theirs");
                assert_eq!(
                    theirs.iter().map(|h| h.0).collect::<Vec<_>>(),
                    ours,
                    "consistency {size1} to {size}"
                );
                let root1 = root_from_leaf_hashes(&all[..size1 as usize]);
                let ours_as_go: Vec<Hash> = ours.iter().copied().map(Hash).collect();
                tlog_tiles::check_tree(&ours_as_go, size, Hash(root), size1, Hash(root1))
                    .expect("tlog_tiles accepts our consistency proof");
            }
        }
    }
}

#[test]
fn memoized_proofs_equal_direct_ones() {
    use wasm_core::tlog::proof::{consistency_proof, inclusion_proof, Memoized};
    let all = leaves(1_000);
    let mut set = TileSet::new();
    let appended = append_leaves(0, &all, &set).expect("append");
    set.apply(&appended).expect("apply");
    let tree = TiledTree::new(1_000, &set);
    let memoized = Memoized::new(&tree);
    for index in 0..1_000 {
        assert_eq!(
            inclusion_proof(index, 1_000, &memoized).expect("memoized proof"),
            tree.inclusion_proof(index).expect("direct proof"),
            "index {index}"
        );
    }
    for old in [1, 255, 256, 257, 999] {
        assert_eq!(
            consistency_proof(old, 1_000, &memoized).expect("memoized"),
            tree.consistency_proof(old).expect("direct")
        );
    }
}
