//! Where the log keeps its entries, hash tiles and signed checkpoint: the [`LogStorage`] trait.
//!
//! The stored checkpoint is the truth. A batch is committed whole ([`LogStorage::commit`]):
//! its entries, the tiles that changed and the checkpoint that covers them, or nothing.

use wasm_core::hash::Digest256;
use wasm_core::tlog::tiles::{TileError, TileId, TileReader};

/// Why the storage failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database reported an error.
    #[error("ledger database error: {0}; check the disk and the --data directory")]
    Database(#[from] rusqlite::Error),
    /// The data directory could not be used.
    #[error("cannot use ledger data directory {path}: {source}; check that it exists and is writable")]
    Io {
        /// The directory or file.
        path: std::path::PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Stored data is not what this version writes.
    #[error("the ledger database is damaged: {0}; restore it from a backup")]
    Corrupt(String),
    /// A commit did not continue the stored log.
    #[error("a batch starting at index {first} does not continue a log of {size} entries: this is a bug")]
    OutOfOrder {
        /// The batch's first index.
        first: u64,
        /// The stored log size.
        size: u64,
    },
    /// An index too large for the database.
    #[error("index {0} is too large for the ledger database")]
    IndexTooLarge(u64),
    /// A lock was poisoned by a panic in another thread.
    #[error("the ledger storage is unusable after an internal panic; restart the server")]
    Poisoned,
    /// Another storage backend (e.g. S3) failed; its message says what to do.
    #[error(transparent)]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

/// A signed checkpoint as stored: the tree it covers and the signed note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredHead {
    /// Tree size.
    pub size: u64,
    /// Root hash of the tree.
    pub root: Digest256,
    /// The signed checkpoint note.
    pub note: String,
}

/// One integrated batch, written in a single transaction.
#[derive(Clone, Debug)]
pub struct Batch {
    /// The new entries, indices `head.size - entries.len()` onwards, with their leaf hashes.
    pub entries: Vec<(Digest256, Vec<u8>)>,
    /// Every hash tile that is new or grew, at its new width.
    pub tiles: Vec<(TileId, Vec<u8>)>,
    /// The checkpoint covering the batch.
    pub head: StoredHead,
}

impl Batch {
    /// Index of the batch's first entry.
    pub fn first_index(&self) -> u64 {
        self.head.size.saturating_sub(self.entries.len() as u64)
    }
}

/// Durable storage of a log. Reads may run concurrently with a commit; a commit is atomic.
pub trait LogStorage: Send + Sync + 'static {
    /// The stored checkpoint, or `None` for a new log.
    fn head(&self) -> Result<Option<StoredHead>, StorageError>;
    /// The widest stored copy of the hash tile at `level` and `index`.
    fn tile(&self, level: u8, index: u64) -> Result<Option<Vec<u8>>, StorageError>;
    /// Entries `start .. start + count`; fewer if the log is shorter.
    fn entries(&self, start: u64, count: u16) -> Result<Vec<Vec<u8>>, StorageError>;
    /// The index of the entry with `leaf_hash`, if it is in the log.
    fn find(&self, leaf_hash: &Digest256) -> Result<Option<u64>, StorageError>;
    /// Writes a batch and its checkpoint atomically and durably.
    fn commit(&self, batch: &Batch) -> Result<(), StorageError>;
}

/// The stored hash tiles as a [`TileReader`], cut to the width asked for.
pub struct StoredTiles<'s>(pub &'s dyn LogStorage);

impl TileReader for StoredTiles<'_> {
    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
        let stored = self
            .0
            .tile(tile.level(), tile.index())
            .map_err(|error| TileError::Read { tile: tile.path(), reason: error.to_string() })?;
        // Tiles only grow at the end, so a narrower tile is a prefix of the stored one.
        Ok(stored.and_then(|mut bytes| {
            (bytes.len() >= tile.byte_len()).then(|| {
                bytes.truncate(tile.byte_len());
                bytes
            })
        }))
    }
}
