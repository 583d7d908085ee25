//! C2SP tlog-tiles (<https://c2sp.org/tlog-tiles>): the Merkle tree served as static tiles of
//! 256 hashes, and the entries as bundles of 256.
//!
//! The tile at level `l` with index `n` holds the hashes of the complete subtrees at Merkle level
//! `8l` with indexes `256n ..`; a partial tile holds the first 1 to 255 of them. The server's
//! sequencer grows the tiles with [`append_leaves`]; a server with stored tiles and a client with
//! fetched ones compute roots and proofs through the same [`TiledTree`]. Tiles are not trusted
//! by themselves: a client checks whatever it computes from them against a signed checkpoint.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use crate::hash::{Digest256, DIGEST_LEN};
use crate::tlog::merkle::{empty_root, node_hash};
use crate::tlog::proof::{self, HashSource, ProofError};

/// Merkle levels spanned by one tile.
pub const TILE_HEIGHT: u8 = 8;
/// Hashes in a full tile, and entries in a full bundle.
pub const TILE_WIDTH: u16 = 1 << TILE_HEIGHT;
/// The highest level a tile path may name.
pub const MAX_TILE_LEVEL: u8 = 63;
/// The longest entry a bundle can hold: its length is a big-endian uint16.
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// Bytes in a full hash tile.
const FULL_TILE_BYTES: usize = TILE_WIDTH as usize * DIGEST_LEN;
/// Longer than the longest valid path (`tile/entries/` and 7 index groups and `.p/255` is 52).
const MAX_PATH_LEN: usize = 64;
/// The highest tile level a tree of at most `u64::MAX` leaves has any hash in.
const MAX_TREE_TILE_LEVEL: u8 = 7;

/// Why a tile, a bundle or a path was refused, or a tiled computation could not be done.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    /// The path is not a C2SP tile or entry bundle path.
    #[error("{path:?} is not a tile path: it {reason}")]
    MalformedPath {
        /// The path (at most 64 characters of it).
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A tile level above 63.
    #[error("tile level {level} is above 63: tile levels run from 0 to 63")]
    LevelOutOfRange {
        /// The level given.
        level: u8,
    },
    /// A tile width outside 1..=256.
    #[error("tile width {width} is outside 1 to 256: a tile holds 1 to 256 hashes or entries")]
    WidthOutOfRange {
        /// The width given.
        width: u16,
    },
    /// An entry too long for a bundle's uint16 length prefix.
    #[error(
        "entry {entry} is {len} bytes, more than the 65535 a bundle can hold: store a hash of it instead"
    )]
    EntryTooLong {
        /// Position of the entry.
        entry: usize,
        /// Its length in bytes.
        len: usize,
    },
    /// A bundle or hash tile with no items or more than 256.
    #[error("{count} items do not make a tile: a tile or bundle holds 1 to 256")]
    CountOutOfRange {
        /// The number of items.
        count: usize,
    },
    /// A bundle ends inside an entry.
    #[error("the entry bundle ends inside entry {entry}: the bundle is truncated, fetch it again")]
    TruncatedBundle {
        /// Position of the cut entry.
        entry: usize,
    },
    /// A bundle holds fewer entries than its width says.
    #[error("the entry bundle holds {found} entries but should hold {expected}: fetch it again")]
    BundleTooShort {
        /// Entries found.
        found: usize,
        /// Entries expected.
        expected: usize,
    },
    /// A bundle goes on after its last entry.
    #[error("the entry bundle has {extra} bytes after its {expected} entries: fetch it again")]
    TrailingBundleBytes {
        /// Entries expected.
        expected: usize,
        /// Bytes left over.
        extra: usize,
    },
    /// A hash tile's bytes do not match its width.
    #[error("tile {tile} is {len} bytes but must be {want} (32 per hash): it is truncated or oversized, fetch it again")]
    WrongTileLength {
        /// The tile's path.
        tile: String,
        /// Bytes received.
        len: usize,
        /// Bytes its width needs.
        want: usize,
    },
    /// A tile that a tree of this size does not have, or not this wide.
    #[error(
        "tile {tile} is not part of a tree of size {size}: only fetch tiles a verified checkpoint covers"
    )]
    TileBeyondTree {
        /// The tile's path.
        tile: String,
        /// The tree size.
        size: u64,
    },
    /// A subtree that is not complete inside the tree.
    #[error("the subtree at level {level}, index {index} is not complete in a tree of size {size}")]
    NodeBeyondTree {
        /// Merkle level.
        level: u8,
        /// Index at that level.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// A tile needed for a computation is not available.
    #[error("tile {tile} is needed but missing: fetch or store it first")]
    MissingTile {
        /// The tile's path.
        tile: String,
    },
    /// Two copies of a tile disagree on the hashes they share.
    #[error("two copies of tile {tile} disagree: one of them is corrupt or the log has forked")]
    ConflictingTile {
        /// The tile's path.
        tile: String,
    },
    /// An entry bundle path where a hash tile was expected.
    #[error("{path} is an entry bundle, not a hash tile")]
    NotAHashTile {
        /// The path given.
        path: String,
    },
    /// Appending would take the tree past `u64::MAX` leaves.
    #[error("appending {added} leaves to a tree of size {old_size} overflows the tree size")]
    TreeTooLarge {
        /// The size before.
        old_size: u64,
        /// Leaves to add.
        added: usize,
    },
    /// A [`TileReader`] could not read a tile.
    #[error("reading tile {tile} failed: {reason}")]
    Read {
        /// The tile's path.
        tile: String,
        /// What went wrong, from the reader.
        reason: String,
    },
    /// A proof could not be made (sizes out of order, index outside the tree, ...).
    #[error(transparent)]
    Proof(#[from] ProofError),
}

/// A hash tile: level, index within the level, and width (256 for a full tile).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TileId {
    level: u8,
    index: u64,
    width: u16,
}

impl TileId {
    /// The tile at `level` (0..=63) and `index`, holding `width` (1..=256) hashes.
    pub fn new(level: u8, index: u64, width: u16) -> Result<Self, TileError> {
        if level > MAX_TILE_LEVEL {
            return Err(TileError::LevelOutOfRange { level });
        }
        if !(1..=TILE_WIDTH).contains(&width) {
            return Err(TileError::WidthOutOfRange { width });
        }
        Ok(TileId { level, index, width })
    }

    /// The tile at `level` and `index` as the tree of `size` has it: full, or partial at the
    /// right edge. Fails for a tile the tree does not have.
    pub fn in_tree(level: u8, index: u64, size: u64) -> Result<Self, TileError> {
        match width_in_tree(level, index, size) {
            Some(width) => TileId::new(level, index, width),
            None => Err(TileError::TileBeyondTree {
                tile: TileId { level, index, width: TILE_WIDTH }.path(),
                size,
            }),
        }
    }

    /// Tile level: 0 holds leaf hashes, level `l` the hashes of full tiles at level `l - 1`.
    pub fn level(self) -> u8 {
        self.level
    }

    /// Index of the tile within its level.
    pub fn index(self) -> u64 {
        self.index
    }

    /// Number of hashes in the tile.
    pub fn width(self) -> u16 {
        self.width
    }

    /// Whether the tile holds fewer than 256 hashes.
    pub fn is_partial(self) -> bool {
        self.width < TILE_WIDTH
    }

    /// Length of the tile's bytes: 32 per hash.
    pub fn byte_len(self) -> usize {
        usize::from(self.width) * DIGEST_LEN
    }

    /// The tile's path, `tile/<L>/<N>[.p/<W>]`.
    pub fn path(self) -> String {
        let mut path = format!("tile/{}/", self.level);
        push_index_and_width(&mut path, self.index, self.width);
        path
    }

    /// Fails unless the tree of `size` has this tile, at least this wide. A client calls this
    /// before fetching a tile, so it never asks for more than a verified checkpoint covers.
    pub fn check_in_tree(self, size: u64) -> Result<(), TileError> {
        match width_in_tree(self.level, self.index, size) {
            Some(width) if self.width <= width => Ok(()),
            _ => Err(TileError::TileBeyondTree { tile: self.path(), size }),
        }
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// An entry bundle: index and width (256 for a full bundle), as for a level-0 tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryBundleId {
    index: u64,
    width: u16,
}

impl EntryBundleId {
    /// The bundle with `index`, holding `width` (1..=256) entries.
    pub fn new(index: u64, width: u16) -> Result<Self, TileError> {
        if !(1..=TILE_WIDTH).contains(&width) {
            return Err(TileError::WidthOutOfRange { width });
        }
        Ok(EntryBundleId { index, width })
    }

    /// The bundle with `index` as the tree of `size` has it.
    pub fn in_tree(index: u64, size: u64) -> Result<Self, TileError> {
        match width_in_tree(0, index, size) {
            Some(width) => EntryBundleId::new(index, width),
            None => Err(TileError::TileBeyondTree {
                tile: EntryBundleId { index, width: TILE_WIDTH }.path(),
                size,
            }),
        }
    }

    /// Index of the bundle: it holds entries `256 · index ..`.
    pub fn index(self) -> u64 {
        self.index
    }

    /// Number of entries in the bundle.
    pub fn width(self) -> u16 {
        self.width
    }

    /// Whether the bundle holds fewer than 256 entries.
    pub fn is_partial(self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The bundle's path, `tile/entries/<N>[.p/<W>]`.
    pub fn path(self) -> String {
        let mut path = String::from("tile/entries/");
        push_index_and_width(&mut path, self.index, self.width);
        path
    }
}

impl fmt::Display for EntryBundleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// A resource of a tiled log below `<prefix>/`: a hash tile or an entry bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TilePath {
    /// `tile/<L>/<N>[.p/<W>]`.
    Hashes(TileId),
    /// `tile/entries/<N>[.p/<W>]`.
    Entries(EntryBundleId),
}

impl TilePath {
    /// Parses a path strictly: exactly the one spelling C2SP allows for each tile.
    pub fn parse(path: &str) -> Result<Self, TileError> {
        let malformed = |reason: &'static str| TileError::MalformedPath {
            path: path.chars().take(MAX_PATH_LEN).collect(),
            reason,
        };
        if path.len() > MAX_PATH_LEN {
            return Err(malformed("is longer than any tile path"));
        }
        let rest = path.strip_prefix("tile/").ok_or_else(|| malformed("does not start with tile/"))?;
        let (kind, rest) = rest.split_once('/').ok_or_else(|| malformed("has no tile index"))?;
        let (index_text, width) = match rest.split_once(".p/") {
            Some((index_text, width_text)) => {
                let width = parse_decimal(width_text)
                    .and_then(|width| u16::try_from(width).ok())
                    .filter(|width| (1..TILE_WIDTH).contains(width))
                    .ok_or_else(|| {
                        malformed("has a partial width that is not 1 to 255 without leading zeros")
                    })?;
                (index_text, width)
            }
            None => (rest, TILE_WIDTH),
        };
        let index = parse_index(index_text).ok_or_else(|| {
            malformed(
                "has an index that is not 3-digit groups, all but the last starting with x, no leading x000",
            )
        })?;
        if kind == "entries" {
            return Ok(TilePath::Entries(EntryBundleId { index, width }));
        }
        let level = parse_decimal(kind)
            .and_then(|level| u8::try_from(level).ok())
            .filter(|level| *level <= MAX_TILE_LEVEL)
            .ok_or_else(|| {
                malformed("has a level that is not \"entries\" or 0 to 63 without leading zeros")
            })?;
        Ok(TilePath::Hashes(TileId { level, index, width }))
    }

    /// The path, as served below the log's prefix.
    pub fn path(self) -> String {
        match self {
            TilePath::Hashes(tile) => tile.path(),
            TilePath::Entries(bundle) => bundle.path(),
        }
    }
}

impl fmt::Display for TilePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

impl FromStr for TilePath {
    type Err = TileError;

    fn from_str(path: &str) -> Result<Self, TileError> {
        TilePath::parse(path)
    }
}

/// Appends `<N>[.p/<W>]`: N in 3-digit groups, all but the last prefixed with `x`.
fn push_index_and_width(path: &mut String, index: u64, width: u16) {
    let mut groups = Vec::with_capacity(7);
    let mut rest = index;
    loop {
        groups.push(rest % 1000);
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    let last = groups.len().saturating_sub(1);
    for (position, group) in groups.iter().rev().enumerate() {
        if position < last {
            path.push_str(&format!("x{group:03}/"));
        } else {
            path.push_str(&format!("{group:03}"));
        }
    }
    if width < TILE_WIDTH {
        path.push_str(&format!(".p/{width}"));
    }
}

/// A decimal number with no sign, no spaces and no leading zeros.
fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.len() <= 3
        && text.bytes().all(|byte| byte.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    if canonical {
        text.parse().ok()
    } else {
        None
    }
}

/// `x001/x234/067` → 1234067; `None` for any other spelling, or an index past `u64::MAX`.
fn parse_index(text: &str) -> Option<u64> {
    let groups: Vec<&str> = text.split('/').collect();
    let (last, init) = groups.split_last()?;
    let mut index: u64 = 0;
    for (position, group) in init.iter().enumerate() {
        let value = three_digits(group.strip_prefix('x')?)?;
        if position == 0 && value == 0 {
            return None;
        }
        index = index.checked_mul(1000)?.checked_add(value)?;
    }
    index.checked_mul(1000)?.checked_add(three_digits(last)?)
}

fn three_digits(text: &str) -> Option<u64> {
    if text.len() == 3 && text.bytes().all(|byte| byte.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

/// Complete subtrees at Merkle level `8 · tile_level` in a tree of `size`.
fn nodes_at(tile_level: u8, size: u64) -> u64 {
    size.checked_shr(u32::from(tile_level) * u32::from(TILE_HEIGHT)).unwrap_or(0)
}

/// The width of tile `(level, index)` in a tree of `size`, or `None` if the tree lacks it.
fn width_in_tree(level: u8, index: u64, size: u64) -> Option<u16> {
    let nodes = nodes_at(level, size);
    let full_tiles = nodes >> TILE_HEIGHT;
    let partial_width = (nodes % u64::from(TILE_WIDTH)) as u16;
    if index < full_tiles {
        Some(TILE_WIDTH)
    } else if index == full_tiles && partial_width > 0 {
        Some(partial_width)
    } else {
        None
    }
}

/// The hash tiles of one level of a tree of `size`, full ones first.
fn tiles_at_level(level: u8, size: u64) -> impl Iterator<Item = TileId> {
    tiles_at_level_from(level, size, 0)
}

/// The hash tiles of one level of a tree of `size` from index `first` on.
fn tiles_at_level_from(level: u8, size: u64, first: u64) -> impl Iterator<Item = TileId> {
    let nodes = nodes_at(level, size);
    let full_tiles = nodes >> TILE_HEIGHT;
    let partial_width = (nodes % u64::from(TILE_WIDTH)) as u16;
    (first..full_tiles)
        .map(move |index| TileId { level, index, width: TILE_WIDTH })
        .chain((partial_width > 0).then_some(TileId { level, index: full_tiles, width: partial_width }))
}

/// Every resource a tree of `size` has: its hash tiles, level by level (full ones first, then
/// the partial one), then its entry bundles. Lazy: a big tree has millions.
pub fn tiles_for_size(size: u64) -> impl Iterator<Item = TilePath> {
    let hash_tiles = (0..=MAX_TREE_TILE_LEVEL).flat_map(move |level| tiles_at_level(level, size));
    let bundles = tiles_at_level(0, size).map(|tile| EntryBundleId { index: tile.index, width: tile.width });
    hash_tiles.map(TilePath::Hashes).chain(bundles.map(TilePath::Entries))
}

/// The hash tiles a tree of `new_size` has that a tree of `old_size` lacks or has narrower:
/// what a log publishes when it grows. Sorted by level, then index.
pub fn changed_tiles(old_size: u64, new_size: u64) -> Vec<TileId> {
    let mut changed = Vec::new();
    for level in 0..=MAX_TREE_TILE_LEVEL {
        let old_nodes = nodes_at(level, old_size);
        if nodes_at(level, new_size) > old_nodes {
            changed.extend(tiles_at_level_from(level, new_size, old_nodes >> TILE_HEIGHT));
        }
    }
    changed
}

/// The hash tiles needed to prove that leaf `index` is in the tree of `size`, and no others:
/// all of them are covered by the checkpoint for `size`.
pub fn tiles_for_inclusion(index: u64, size: u64) -> Result<Vec<TileId>, TileError> {
    let recorder = TileRecorder::new(size);
    proof::inclusion_proof(index, size, &recorder)?;
    Ok(recorder.into_tiles())
}

/// The hash tiles needed to prove that the tree of `size2` extends the tree of `size1`, all of
/// them covered by the checkpoint for `size2`.
pub fn tiles_for_consistency(size1: u64, size2: u64) -> Result<Vec<TileId>, TileError> {
    let recorder = TileRecorder::new(size2);
    proof::consistency_proof(size1, size2, &recorder)?;
    Ok(recorder.into_tiles())
}

/// The hash tiles needed to check that the tree of `size2` extends the tree of `size1` and, if
/// not, to show which older root it implies: the consistency proof's tiles, plus the tile that
/// holds the older tree's root when `size1` is a power of two (a proof leaves that hash out).
pub fn tiles_for_extension(size1: u64, size2: u64) -> Result<Vec<TileId>, TileError> {
    let recorder = TileRecorder::new(size2);
    proof::consistency_proof(size1, size2, &recorder)?;
    if size1.is_power_of_two() {
        recorder.subtree_hash(size1.trailing_zeros() as u8, 0)?;
    }
    Ok(recorder.into_tiles())
}

/// The hash tiles needed to compute the root of the tree of `size` (its right edge).
pub fn tiles_for_root(size: u64) -> Result<Vec<TileId>, TileError> {
    let recorder = TileRecorder::new(size);
    proof::tree_root(size, &recorder)?;
    Ok(recorder.into_tiles())
}

/// A hash source that only notes which tiles each hash would come from.
struct TileRecorder {
    size: u64,
    tiles: std::cell::RefCell<BTreeSet<TileId>>,
}

impl TileRecorder {
    fn new(size: u64) -> Self {
        TileRecorder { size, tiles: std::cell::RefCell::new(BTreeSet::new()) }
    }

    fn into_tiles(self) -> Vec<TileId> {
        self.tiles.into_inner().into_iter().collect()
    }
}

impl HashSource for TileRecorder {
    type Error = TileError;

    fn subtree_hash(&self, level: u8, index: u64) -> Result<Digest256, TileError> {
        let (tile, _) = locate(level, index, self.size)?;
        self.tiles.borrow_mut().insert(tile);
        Ok([0; DIGEST_LEN])
    }
}

/// The tile of a tree of `size` that holds the complete subtree at Merkle `(level, index)`,
/// and which of its hashes the subtree spans.
fn locate(level: u8, index: u64, size: u64) -> Result<(TileId, Range<usize>), TileError> {
    let beyond = || TileError::NodeBeyondTree { level, index, size };
    let tile_level = level / TILE_HEIGHT;
    let level_in_tile = u32::from(level % TILE_HEIGHT);
    let first = index.checked_mul(1 << level_in_tile).ok_or_else(beyond)?;
    let tile_index = first >> TILE_HEIGHT;
    let start = (first % u64::from(TILE_WIDTH)) as usize;
    let end = start + (1 << level_in_tile);
    let width = width_in_tree(tile_level, tile_index, size).ok_or_else(beyond)?;
    if end > usize::from(width) {
        return Err(beyond());
    }
    Ok((TileId { level: tile_level, index: tile_index, width }, start..end))
}

/// Encodes entries as a bundle: each a big-endian uint16 length, then its bytes.
pub fn encode_entry_bundle(entries: &[&[u8]]) -> Result<Vec<u8>, TileError> {
    if entries.is_empty() || entries.len() > usize::from(TILE_WIDTH) {
        return Err(TileError::CountOutOfRange { count: entries.len() });
    }
    let total: usize = entries.iter().map(|entry| entry.len().saturating_add(2)).sum();
    let mut bundle = Vec::with_capacity(total);
    for (position, entry) in entries.iter().enumerate() {
        let len = u16::try_from(entry.len())
            .map_err(|_| TileError::EntryTooLong { entry: position, len: entry.len() })?;
        bundle.extend_from_slice(&len.to_be_bytes());
        bundle.extend_from_slice(entry);
    }
    Ok(bundle)
}

/// Decodes a bundle of exactly `expected_count` (1..=256) entries, borrowing from `bytes`.
pub fn decode_entry_bundle(bytes: &[u8], expected_count: usize) -> Result<Vec<&[u8]>, TileError> {
    if expected_count == 0 || expected_count > usize::from(TILE_WIDTH) {
        return Err(TileError::CountOutOfRange { count: expected_count });
    }
    let mut entries = Vec::with_capacity(expected_count);
    let mut rest = bytes;
    while entries.len() < expected_count {
        if rest.is_empty() {
            return Err(TileError::BundleTooShort { found: entries.len(), expected: expected_count });
        }
        let truncated = || TileError::TruncatedBundle { entry: entries.len() };
        let (len, after_len) = rest.split_first_chunk::<2>().ok_or_else(truncated)?;
        let (entry, after_entry) =
            after_len.split_at_checked(usize::from(u16::from_be_bytes(*len))).ok_or_else(truncated)?;
        entries.push(entry);
        rest = after_entry;
    }
    if !rest.is_empty() {
        return Err(TileError::TrailingBundleBytes { expected: expected_count, extra: rest.len() });
    }
    Ok(entries)
}

/// The bytes of a hash tile: its 1 to 256 hashes, concatenated.
pub fn encode_hash_tile(hashes: &[Digest256]) -> Result<Vec<u8>, TileError> {
    if hashes.is_empty() || hashes.len() > usize::from(TILE_WIDTH) {
        return Err(TileError::CountOutOfRange { count: hashes.len() });
    }
    Ok(hashes.concat())
}

/// The hashes of `tile`, whose bytes must be exactly 32 per hash of its width.
pub fn decode_hash_tile(tile: TileId, bytes: &[u8]) -> Result<Vec<Digest256>, TileError> {
    check_tile_len(tile, bytes)?;
    Ok(bytes.as_chunks::<DIGEST_LEN>().0.to_vec())
}

fn check_tile_len(tile: TileId, bytes: &[u8]) -> Result<(), TileError> {
    if bytes.len() == tile.byte_len() {
        Ok(())
    } else {
        Err(TileError::WrongTileLength { tile: tile.path(), len: bytes.len(), want: tile.byte_len() })
    }
}

/// The root of a perfect tree over `bytes`, a power-of-two count of concatenated hashes.
fn perfect_root(bytes: &[u8]) -> Digest256 {
    let mut hashes: Vec<Digest256> = bytes.as_chunks::<DIGEST_LEN>().0.to_vec();
    while hashes.len() > 1 {
        hashes = hashes.as_chunks::<2>().0.iter().map(|[left, right]| node_hash(left, right)).collect();
    }
    hashes.first().copied().unwrap_or_else(empty_root)
}

/// Where tiles come from: a server's storage, or what a client fetched.
pub trait TileReader {
    /// The bytes of `tile` at exactly its width, or `None` if it is not available. Returning a
    /// wider or narrower tile is an error that [`TiledTree`] reports.
    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<u8>>, TileError>;
}

impl<R: TileReader + ?Sized> TileReader for &R {
    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
        (**self).read_tile(tile)
    }
}

/// Hash tiles in memory, keyed by level and index; the widest copy of each is kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TileSet {
    tiles: BTreeMap<(u8, u64), Vec<u8>>,
}

impl TileSet {
    /// An empty set.
    pub fn new() -> Self {
        TileSet::default()
    }

    /// Adds a tile whose bytes must match its width. A narrower copy of a tile already held is
    /// checked against it and otherwise ignored; copies that disagree are refused.
    pub fn insert(&mut self, tile: TileId, bytes: Vec<u8>) -> Result<(), TileError> {
        check_tile_len(tile, &bytes)?;
        let key = (tile.level, tile.index);
        if let Some(held) = self.tiles.get(&key) {
            let shared = held.len().min(bytes.len());
            if held.get(..shared) != bytes.get(..shared) {
                return Err(TileError::ConflictingTile { tile: tile.path() });
            }
            if held.len() >= bytes.len() {
                return Ok(());
            }
        }
        self.tiles.insert(key, bytes);
        Ok(())
    }

    /// Parses `path` and adds the hash tile it names.
    pub fn insert_path(&mut self, path: &str, bytes: Vec<u8>) -> Result<TileId, TileError> {
        match TilePath::parse(path)? {
            TilePath::Hashes(tile) => self.insert(tile, bytes).map(|()| tile),
            TilePath::Entries(_) => Err(TileError::NotAHashTile { path: path.to_owned() }),
        }
    }

    /// Adds every tile of an append.
    pub fn apply(&mut self, appended: &Appended) -> Result<(), TileError> {
        appended.tiles.iter().try_for_each(|(tile, bytes)| self.insert(*tile, bytes.clone()))
    }

    /// The bytes of `tile` at exactly its width, cut from a wider copy if that is what is held.
    pub fn get(&self, tile: TileId) -> Option<&[u8]> {
        self.tiles.get(&(tile.level, tile.index))?.get(..tile.byte_len())
    }

    /// Every tile held, at the width held.
    pub fn iter(&self) -> impl Iterator<Item = (TileId, &[u8])> {
        self.tiles.iter().map(|(&(level, index), bytes)| {
            let width = (bytes.len() / DIGEST_LEN) as u16;
            (TileId { level, index, width }, bytes.as_slice())
        })
    }

    /// Number of tiles held.
    pub fn len(&self) -> usize {
        self.tiles.len()
    }

    /// Whether no tile is held.
    pub fn is_empty(&self) -> bool {
        self.tiles.is_empty()
    }
}

impl TileReader for TileSet {
    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
        Ok(self.get(tile).map(<[u8]>::to_vec))
    }
}

/// The tree of `size` as seen through the tiles of a [`TileReader`]: a [`HashSource`] for
/// roots and proofs. Every tile read is checked to have exactly the width this tree gives it.
#[derive(Debug)]
pub struct TiledTree<'r, R: ?Sized> {
    size: u64,
    reader: &'r R,
}

// By hand: derived impls would needlessly require `R: Clone`.
impl<R: ?Sized> Clone for TiledTree<'_, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<R: ?Sized> Copy for TiledTree<'_, R> {}

impl<'r, R: TileReader + ?Sized> TiledTree<'r, R> {
    /// The tree of `size` read from `reader`.
    pub fn new(size: u64, reader: &'r R) -> Self {
        TiledTree { size, reader }
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash (to compare with a checkpoint's).
    pub fn root(&self) -> Result<Digest256, TileError> {
        proof::tree_root(self.size, self)
    }

    /// The hash of leaf `index`, from its level-0 tile.
    pub fn leaf_hash(&self, index: u64) -> Result<Digest256, TileError> {
        if index >= self.size {
            return Err(ProofError::IndexOutOfRange { index, size: self.size }.into());
        }
        self.subtree_hash(0, index)
    }

    /// The inclusion proof of leaf `index` in this tree.
    pub fn inclusion_proof(&self, index: u64) -> Result<Vec<Digest256>, TileError> {
        proof::inclusion_proof(index, self.size, self)
    }

    /// The consistency proof from the tree of `old_size` to this tree.
    pub fn consistency_proof(&self, old_size: u64) -> Result<Vec<Digest256>, TileError> {
        proof::consistency_proof(old_size, self.size, self)
    }
}

impl<R: TileReader + ?Sized> HashSource for TiledTree<'_, R> {
    type Error = TileError;

    fn subtree_hash(&self, level: u8, index: u64) -> Result<Digest256, TileError> {
        let (tile, span) = locate(level, index, self.size)?;
        let bytes =
            self.reader.read_tile(tile)?.ok_or_else(|| TileError::MissingTile { tile: tile.path() })?;
        check_tile_len(tile, &bytes)?;
        let hashes = bytes
            .get(span.start * DIGEST_LEN..span.end * DIGEST_LEN)
            .ok_or(TileError::NodeBeyondTree { level, index, size: self.size })?;
        Ok(perfect_root(hashes))
    }
}

/// The result of [`append_leaves`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appended {
    /// The new tree size.
    pub size: u64,
    /// The new root hash.
    pub root: Digest256,
    /// Every hash tile that is new or grew, with its bytes, by level then index.
    pub tiles: Vec<(TileId, Vec<u8>)>,
}

/// Appends leaves to the tree of `old_size` whose tiles `reader` holds, reading only the old
/// right-edge tiles: returns the new size and root, and every hash tile that is new or grew
/// (partial tiles widened, tiles completed, and the levels above).
pub fn append_leaves<R: TileReader + ?Sized>(
    old_size: u64,
    new_leaf_hashes: &[Digest256],
    reader: &R,
) -> Result<Appended, TileError> {
    let added = new_leaf_hashes.len();
    let new_size = u64::try_from(added)
        .ok()
        .and_then(|added| old_size.checked_add(added))
        .ok_or(TileError::TreeTooLarge { old_size, added })?;

    let mut tiles = Vec::new();
    // Each round: the new complete subtrees at Merkle level 8 · level, in order.
    let mut new_nodes: Vec<u8> = new_leaf_hashes.concat();
    let mut level: u8 = 0;
    while !new_nodes.is_empty() && level <= MAX_TREE_TILE_LEVEL {
        let old_nodes = nodes_at(level, old_size);
        let first_tile = old_nodes >> TILE_HEIGHT;
        let old_width = (old_nodes % u64::from(TILE_WIDTH)) as u16;
        let mut hashes = Vec::new();
        if old_width > 0 {
            let tile = TileId { level, index: first_tile, width: old_width };
            let bytes =
                reader.read_tile(tile)?.ok_or_else(|| TileError::MissingTile { tile: tile.path() })?;
            check_tile_len(tile, &bytes)?;
            hashes = bytes;
        }
        hashes.extend_from_slice(&new_nodes);

        let mut completed = Vec::new();
        for (tile_index, chunk) in (first_tile..).zip(hashes.chunks(FULL_TILE_BYTES)) {
            let width = (chunk.len() / DIGEST_LEN) as u16;
            if width == TILE_WIDTH {
                completed.extend_from_slice(&perfect_root(chunk));
            }
            tiles.push((TileId { level, index: tile_index, width }, chunk.to_vec()));
        }
        new_nodes = completed;
        level += 1;
    }

    let written =
        TileOverlay { tiles: tiles.iter().map(|(tile, bytes)| (*tile, bytes.as_slice())).collect(), reader };
    let root = TiledTree::new(new_size, &written).root()?;
    Ok(Appended { size: new_size, root, tiles })
}

/// Tiles just computed, over the reader's older ones.
struct TileOverlay<'a, R: ?Sized> {
    tiles: BTreeMap<TileId, &'a [u8]>,
    reader: &'a R,
}

impl<R: TileReader + ?Sized> TileReader for TileOverlay<'_, R> {
    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
        match self.tiles.get(&tile) {
            Some(bytes) => Ok(Some(bytes.to_vec())),
            None => self.reader.read_tile(tile),
        }
    }
}
