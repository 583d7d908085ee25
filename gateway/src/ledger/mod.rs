//! The ledger: a C2SP transparency log (tlog-checkpoint, tlog-tiles) of consent entries.
//!
//! [`Ledger`] checks submitted entries, hands them to the [`sequencer`] thread, and reads
//! checkpoints, hash tiles and entry bundles from a [`storage::LogStorage`].

pub mod accesses;
pub mod cache;
pub mod http;
mod leaf_index;
pub mod maps;
pub mod memory;
pub mod revocations;
pub mod s3;
pub mod sequencer;
pub mod sqlite;
pub mod storage;

use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, RwLock};

use tokio::sync::oneshot;
use wasm_core::accessmap::{self, AccessKey, AccessMap};
use wasm_core::consent::{ConsentError, LogEntry};
use wasm_core::hash::Digest256;
use wasm_core::revmap::{root_from_checkpoint, MapKey, RevocationMap};
use wasm_core::tlog::checkpoint::{open_checkpoint, CheckpointError};
use wasm_core::tlog::merkle::leaf_hash;
use wasm_core::tlog::note::{NoteError, NoteSigner};
use wasm_core::tlog::tiles::{encode_entry_bundle, EntryBundleId, TileError, TilePath, TiledTree};

use accesses::{Accesses, AccessesError};
use revocations::{MapVersions, RevocationsError};
use sequencer::{sign_head, Added, Request, Sequencer, SequencerConfig, SequencerError};
use storage::{Batch, LogStorage, StorageError, StoredHead, StoredTiles};

/// Why the ledger refused or failed a request, or could not open.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The submitted entry is malformed or its signature does not verify.
    #[error("the entry was refused: {0}")]
    Entry(#[from] ConsentError),
    /// A tile path is not a C2SP tile path.
    #[error("{0}")]
    BadPath(TileError),
    /// The tile or bundle is not (yet) in the tree.
    #[error("{0} is not in the current tree; fetch /checkpoint for the tree size")]
    NotFound(String),
    /// The batch holding the entry failed; it was not added.
    #[error("the entry could not be added: {0}; try again later")]
    Integration(Arc<SequencerError>),
    /// Too many entries are waiting to be integrated.
    #[error("the ledger is busy; try again in a second")]
    Busy,
    /// The sequencer thread is gone.
    #[error("the ledger is shutting down; try again later")]
    Stopped,
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The stored tiles are inconsistent.
    #[error("the stored tiles are unusable: {0}; restore the data directory from a backup")]
    Tiles(#[from] TileError),
    /// The log key cannot sign with this origin.
    #[error("cannot sign checkpoints as {origin:?}: {source}; pick another origin")]
    Signer {
        /// The origin.
        origin: String,
        /// The underlying error.
        source: NoteError,
    },
    /// The stored checkpoint is not this log's.
    #[error("the stored checkpoint does not open with this log's key and origin ({0}): use the --key directory this data directory was made with")]
    ForeignCheckpoint(CheckpointError),
    /// The sequencer thread could not be started.
    #[error("cannot start the sequencer thread: {0}; the system is out of resources")]
    Thread(std::io::Error),
    /// The entry names another log.
    #[error("the entry is for the log {named:?}, not this one ({this:?}); submit it to the log it names")]
    WrongLog {
        /// The log the entry names.
        named: String,
        /// This log's origin.
        this: String,
    },
    /// The revocation map could not be rebuilt from the stored entries.
    #[error(transparent)]
    Revocations(#[from] RevocationsError),
    /// The access map could not be rebuilt, or a trail read, from the stored entries.
    #[error(transparent)]
    Accesses(#[from] AccessesError),
    /// The stored checkpoint's access map root is not the map of the stored entries.
    #[error("the stored checkpoint's access map root does not match the stored access events: the data directory is damaged; restore it from a backup")]
    AccessMapMismatch,
    /// The stored checkpoint's revocation map root is not the map of the stored entries.
    #[error("the stored checkpoint's revocation map root does not match the stored revocations: the data directory is damaged; restore it from a backup")]
    MapMismatch,
    /// The stored checkpoint disagrees with the stored tiles.
    #[error("the stored checkpoint's root does not match the stored tiles: the data directory is damaged; restore it from a backup")]
    RootMismatch,
}

/// A running log: cheap to clone, shared by every request handler. The sequencer thread stops
/// when the last clone is dropped.
#[derive(Clone)]
pub struct Ledger {
    origin: Arc<str>,
    verifier_key: Arc<str>,
    storage: Arc<dyn LogStorage>,
    head: Arc<RwLock<Arc<StoredHead>>>,
    requests: SyncSender<Request>,
    immutable: Arc<cache::ImmutableCache>,
    map_versions: MapVersions,
    accesses: Accesses,
}

/// Memory kept for recently served full tiles and entry bundles.
const IMMUTABLE_CACHE_BYTES: usize = 64 * 1024 * 1024;

impl Ledger {
    /// Opens the log in `storage`, signing checkpoints with `signer` (whose name is the log's
    /// origin), and starts the sequencer. A new log starts with a signed empty checkpoint; an
    /// existing one must open with `signer`'s key and match its stored tiles.
    pub fn open(
        storage: Arc<dyn LogStorage>,
        signer: NoteSigner,
        config: SequencerConfig,
    ) -> Result<Ledger, LedgerError> {
        let (head, map, (access_map, events)) = match storage.head()? {
            Some(head) => {
                let (checkpoint, _) =
                    open_checkpoint(head.note.as_bytes(), signer.name(), &[signer.verifier()])
                        .map_err(LedgerError::ForeignCheckpoint)?;
                let tiles = StoredTiles(&*storage);
                if checkpoint.size != head.size
                    || checkpoint.root != head.root
                    || TiledTree::new(head.size, &tiles).root()? != head.root
                {
                    return Err(LedgerError::RootMismatch);
                }
                let (map, access_map, events) = accesses::rebuild_both(&*storage, signer.name(), head.size)?;
                // A checkpoint signed before the map existed has no root to compare.
                match root_from_checkpoint(&checkpoint) {
                    Ok(None) => {}
                    Ok(Some(root)) if root == map.root() => {}
                    _ => return Err(LedgerError::MapMismatch),
                }
                match accessmap::root_from_checkpoint(&checkpoint) {
                    Ok(None) => {}
                    Ok(Some(root)) if root == access_map.root() => {}
                    _ => return Err(LedgerError::AccessMapMismatch),
                }
                (head, map, (access_map, events))
            }
            None => {
                let empty = wasm_core::tlog::merkle::empty_root();
                let map = RevocationMap::new(signer.name());
                let access_map = AccessMap::new();
                let head = sign_head(&signer, 0, empty, &map, &access_map)
                    .map_err(|source| LedgerError::Signer { origin: signer.name().to_owned(), source })?;
                storage.commit(&Batch { entries: Vec::new(), tiles: Vec::new(), head: head.clone() })?;
                (head, map, (access_map, Vec::new()))
            }
        };
        let map_versions = MapVersions::new(map.clone());
        let accesses = Accesses::new(access_map.clone(), events);
        let head = Arc::new(RwLock::new(Arc::new(head)));
        // Bounded: a flood of requests is refused with "busy" instead of filling memory.
        let (requests, queue) = std::sync::mpsc::sync_channel(config.max_batch.saturating_mul(4).max(1));
        let origin: Arc<str> = signer.name().into();
        let verifier_key: Arc<str> = signer.verifier_key().into();
        let sequencer = Sequencer {
            storage: Arc::clone(&storage),
            signer,
            head: Arc::clone(&head),
            config,
            map,
            map_versions: map_versions.clone(),
            access_map,
            accesses: accesses.clone(),
        };
        std::thread::Builder::new()
            .name("ledger-sequencer".into())
            .spawn(move || sequencer.run(queue))
            .map_err(LedgerError::Thread)?;
        let immutable = Arc::new(cache::ImmutableCache::new(IMMUTABLE_CACHE_BYTES));
        Ok(Ledger { origin, verifier_key, storage, head, requests, immutable, map_versions, accesses })
    }

    /// Checks `entry` and adds it (or finds it, if already there); returns once it is durably
    /// integrated, with its inclusion proof.
    pub async fn add(&self, entry: Vec<u8>) -> Result<Added, LedgerError> {
        let verified = LogEntry::verify(&entry)?;
        if let Some(named) = verified.log_origin() {
            if named != &*self.origin {
                return Err(LedgerError::WrongLog { named: named.to_owned(), this: self.origin.to_string() });
            }
        }
        let (reply, answer) = oneshot::channel();
        let leaf_hash = leaf_hash(&entry);
        self.requests.try_send(Request { entry, verified, leaf_hash, reply }).map_err(
            |error| match error {
                TrySendError::Full(_) => LedgerError::Busy,
                TrySendError::Disconnected(_) => LedgerError::Stopped,
            },
        )?;
        match answer.await {
            Ok(Ok(added)) => Ok(added),
            Ok(Err(error)) => Err(LedgerError::Integration(error)),
            Err(_) => Err(LedgerError::Stopped),
        }
    }

    /// The revocation map proof (encoded) for `key` in the map bound to the checkpoint of
    /// `size`, if that checkpoint is current or recent enough to be kept.
    pub fn revocation_proof(&self, size: u64, key: &MapKey) -> Result<Vec<u8>, LedgerError> {
        let current = self.head().size;
        if size > current {
            return Err(LedgerError::NotFound(format!("the checkpoint of size {size}")));
        }
        self.map_versions.prove(size, key).ok_or_else(|| {
            LedgerError::NotFound(format!(
                "the revocation map of size {size} (no longer kept; the log is at {current})"
            ))
        })
    }

    /// The trail answer (encoded, `wasm_core::accessmap`) for `key` in the access map bound to
    /// the checkpoint of `size`, with the events after `after`, if that checkpoint is current or
    /// recent enough to be kept. Blocks on storage: call from a blocking context.
    pub fn access_trail(
        &self,
        size: u64,
        key: &AccessKey,
        after: Option<u64>,
    ) -> Result<Vec<u8>, LedgerError> {
        let current = self.head().size;
        if size > current {
            return Err(LedgerError::NotFound(format!("the checkpoint of size {size}")));
        }
        self.accesses.trail(&*self.storage, size, key, after)?.ok_or_else(|| {
            LedgerError::NotFound(format!(
                "the access map of size {size} (no longer kept; the log is at {current})"
            ))
        })
    }

    /// The log's verifier key (`name+hash+base64`), which clients pin.
    pub fn verifier_key(&self) -> &str {
        &self.verifier_key
    }

    /// The latest signed checkpoint.
    pub fn head(&self) -> Arc<StoredHead> {
        match self.head.read() {
            Ok(head) => Arc::clone(&head),
            // The sequencer only ever swaps in a whole value, so a poisoned lock still holds one.
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// The consistency proof from the tree of `old_size` to the tree of `size` (at most the
    /// current size); empty when `old_size` is 0 or `size`, as witnesses expect. Blocks on
    /// storage: call from a blocking context.
    pub fn consistency_proof(&self, old_size: u64, size: u64) -> Result<Vec<Digest256>, LedgerError> {
        if size > self.head().size {
            return Err(LedgerError::NotFound(format!("the tree of size {size}")));
        }
        if old_size == 0 || old_size == size {
            return Ok(Vec::new());
        }
        Ok(TiledTree::new(size, &StoredTiles(&*self.storage)).consistency_proof(old_size)?)
    }

    /// The bytes of a hash tile or entry bundle (path without the leading `/`), if the current
    /// tree has it at least that wide. Blocks on storage: call from a blocking context.
    pub fn read(&self, path: &str) -> Result<(TilePath, Vec<u8>), LedgerError> {
        let parsed = TilePath::parse(path).map_err(LedgerError::BadPath)?;
        let full = match parsed {
            TilePath::Hashes(tile) => !tile.is_partial(),
            TilePath::Entries(bundle) => !bundle.is_partial(),
        };
        if full {
            if let Some(bytes) = self.immutable.get(path) {
                return Ok((parsed, bytes.to_vec()));
            }
        }
        let (parsed, bytes) = self.read_stored(parsed)?;
        if full {
            self.immutable.insert(path, bytes::Bytes::from(bytes.clone()));
        }
        Ok((parsed, bytes))
    }

    /// A full tile or bundle (path without the leading `/`) already served, from memory.
    pub fn cached(&self, path: &str) -> Option<bytes::Bytes> {
        self.immutable.get(path)
    }

    fn read_stored(&self, parsed: TilePath) -> Result<(TilePath, Vec<u8>), LedgerError> {
        let size = self.head().size;
        let not_found = || LedgerError::NotFound(parsed.path());
        match parsed {
            TilePath::Hashes(tile) => {
                tile.check_in_tree(size).map_err(|_| not_found())?;
                let tiles = StoredTiles(&*self.storage);
                let bytes = wasm_core::tlog::tiles::TileReader::read_tile(&tiles, tile)?;
                Ok((parsed, bytes.ok_or_else(not_found)?))
            }
            TilePath::Entries(bundle) => {
                let in_tree = EntryBundleId::in_tree(bundle.index(), size).map_err(|_| not_found())?;
                if bundle.width() > in_tree.width() {
                    return Err(not_found());
                }
                let start = bundle.index().checked_mul(256).ok_or_else(not_found)?;
                let entries = self.storage.entries(start, bundle.width())?;
                if entries.len() != usize::from(bundle.width()) {
                    return Err(not_found());
                }
                let slices: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
                Ok((parsed, encode_entry_bundle(&slices)?))
            }
        }
    }
}
