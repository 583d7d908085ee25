//! The sequencer: the one thread that appends to the log. Requests queue on a channel; every
//! request waiting when the sequencer is free (up to [`SequencerConfig::max_batch`]) joins the
//! next batch, which is integrated, committed in one transaction and signed before any of its
//! requests is answered. An entry therefore waits at most for the batch ahead of it and its own.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;
use wasm_core::accessmap::{self, AccessMap, AccessMapError};
use wasm_core::consent::LogEntry;
use wasm_core::hash::Digest256;
use wasm_core::revmap::{checkpoint_extension, Folded, RevMapError, RevocationMap};
use wasm_core::tlog::checkpoint::Checkpoint;
use wasm_core::tlog::note::{NoteError, NoteSigner};
use wasm_core::tlog::proof::{inclusion_proof, Memoized};
use wasm_core::tlog::tiles::{append_leaves, TileError, TileId, TileReader, TiledTree};

use super::accesses::{self, Accesses};
use super::revocations::MapVersions;
use super::storage::{Batch, LogStorage, StorageError, StoredHead, StoredTiles};

/// Why a batch could not be integrated.
#[derive(Debug, thiserror::Error)]
pub enum SequencerError {
    /// The storage failed; the batch was not committed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The stored tiles could not be extended or read.
    #[error("cannot integrate the batch: {0}")]
    Tiles(#[from] TileError),
    /// The checkpoint could not be signed.
    #[error("cannot sign the checkpoint: {0}")]
    Sign(#[from] NoteError),
    /// The batch's revocations could not be folded into the revocation map.
    #[error("cannot update the revocation map: {0}")]
    Map(#[from] RevMapError),
    /// The batch's access events could not be folded into the access map.
    #[error("cannot update the access map: {0}")]
    AccessMap(#[from] AccessMapError),
}

/// How batches are formed.
#[derive(Clone, Copy, Debug)]
pub struct SequencerConfig {
    /// Most requests in one batch.
    pub max_batch: usize,
    /// How long the first request of a batch waits for others to join it. Zero integrates as
    /// soon as the sequencer is free (group commit); at most 500 ms keeps latency bounded.
    pub linger: Duration,
}

impl Default for SequencerConfig {
    fn default() -> Self {
        SequencerConfig { max_batch: 4096, linger: Duration::ZERO }
    }
}

/// An entry integrated in the log, with its proof in the checkpoint that first covers it (or
/// the current one, for an entry that was already there).
#[derive(Clone, Debug)]
pub struct Added {
    /// The entry's index.
    pub index: u64,
    /// Its RFC 6962 leaf hash.
    pub leaf_hash: Digest256,
    /// Its inclusion proof in `head`.
    pub proof: Vec<Digest256>,
    /// The signed checkpoint the proof is for.
    pub head: Arc<StoredHead>,
}

/// One queued entry, already verified, and where to send the answer.
pub(crate) struct Request {
    pub(crate) entry: Vec<u8>,
    /// The entry as verified on arrival, for the revocation and access maps.
    pub(crate) verified: LogEntry,
    pub(crate) leaf_hash: Digest256,
    pub(crate) reply: oneshot::Sender<Result<Added, Arc<SequencerError>>>,
}

/// What the sequencer thread owns.
pub(crate) struct Sequencer {
    pub(crate) storage: Arc<dyn LogStorage>,
    pub(crate) signer: NoteSigner,
    pub(crate) head: Arc<RwLock<Arc<StoredHead>>>,
    pub(crate) config: SequencerConfig,
    /// The revocation map of the log as of `head`.
    pub(crate) map: RevocationMap,
    /// Where the map's versions are published for proofs.
    pub(crate) map_versions: MapVersions,
    /// The access map of the log as of `head`.
    pub(crate) access_map: AccessMap,
    /// Where the access map's versions and event indices are published for trail answers.
    pub(crate) accesses: Accesses,
}

impl Sequencer {
    /// Runs until every sender is dropped.
    pub(crate) fn run(mut self, requests: Receiver<Request>) {
        while let Ok(first) = requests.recv() {
            let batch = self.collect(first, &requests);
            let current = match self.head.read() {
                Ok(head) => Arc::clone(&head),
                Err(_) => return,
            };
            match self.integrate(&current, &batch) {
                Ok((head, answers)) => {
                    if let Ok(mut published) = self.head.write() {
                        *published = Arc::clone(&head);
                    }
                    for (request, answer) in batch.into_iter().zip(answers) {
                        // The client may have gone away; its entry is in the log regardless.
                        let _ = request.reply.send(answer.map_err(Arc::new));
                    }
                }
                Err(error) => {
                    // The maps may hold the failed batch: rebuild them from what storage holds.
                    match accesses::rebuild_both(&*self.storage, self.signer.name(), current.size) {
                        Ok((map, access_map, _)) => {
                            self.map = map;
                            self.access_map = access_map;
                        }
                        Err(_) => return,
                    }
                    let error = Arc::new(error);
                    for request in batch {
                        let _ = request.reply.send(Err(Arc::clone(&error)));
                    }
                }
            }
        }
    }

    fn collect(&self, first: Request, requests: &Receiver<Request>) -> Vec<Request> {
        let deadline = Instant::now() + self.config.linger;
        let mut batch = vec![first];
        while batch.len() < self.config.max_batch {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(TryRecvError::Disconnected) => break,
                Err(TryRecvError::Empty) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    match requests.recv_timeout(left) {
                        Ok(request) => batch.push(request),
                        Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
                    }
                }
            }
        }
        batch
    }

    /// Appends the batch's new entries, commits, and makes each request's proof.
    #[allow(clippy::type_complexity)]
    fn integrate(
        &mut self,
        current: &StoredHead,
        batch: &[Request],
    ) -> Result<(Arc<StoredHead>, Vec<Result<Added, SequencerError>>), SequencerError> {
        let storage = &*self.storage;
        let mut pending: HashMap<Digest256, u64> = HashMap::new();
        let mut entries = Vec::new();
        let mut verified = Vec::new();
        let mut indices = Vec::with_capacity(batch.len());
        for request in batch {
            let index = match pending.get(&request.leaf_hash) {
                Some(&index) => index,
                None => match storage.find(&request.leaf_hash)? {
                    Some(index) => index,
                    None => {
                        let index = current.size + entries.len() as u64;
                        pending.insert(request.leaf_hash, index);
                        entries.push((request.leaf_hash, request.entry.clone()));
                        verified.push(request.verified.clone());
                        index
                    }
                },
            };
            indices.push(index);
        }

        let head = if entries.is_empty() {
            current.clone()
        } else {
            let hashes: Vec<Digest256> = entries.iter().map(|(hash, _)| *hash).collect();
            let appended = append_leaves(current.size, &hashes, &StoredTiles(storage))?;
            let folded = self.map.fold_verified(current.size, &verified)?;
            let accessed =
                accesses::accessed(current.size, &self.access_map.fold_verified(current.size, &verified)?);
            let head = sign_head(&self.signer, appended.size, appended.root, &self.map, &self.access_map)?;
            let batch = Batch { entries, tiles: appended.tiles, head };
            storage.commit(&batch)?;
            if folded.iter().any(|outcome| matches!(outcome, Folded::Revoked(_))) {
                self.map_versions.publish(self.map.clone());
            }
            if !accessed.is_empty() {
                self.accesses.publish(self.access_map.clone(), accessed);
            }
            batch.head
        };
        let head = Arc::new(head);

        let tiles = CachedTiles { inner: StoredTiles(storage), cache: RefCell::new(HashMap::new()) };
        let tiled = TiledTree::new(head.size, &tiles);
        // One batch's proofs share most nodes: compute each once.
        let tree = Memoized::new(&tiled);
        let answers = batch
            .iter()
            .zip(indices)
            .map(|(request, index)| {
                Ok(Added {
                    index,
                    leaf_hash: request.leaf_hash,
                    proof: inclusion_proof(index, head.size, &tree)?,
                    head: Arc::clone(&head),
                })
            })
            .collect();
        Ok((head, answers))
    }
}

/// Signs the checkpoint of a tree of `size` with `root`, binding the revocation and access maps
/// of the same entries (`revocation-map` and `access-map` extension lines).
pub(crate) fn sign_head(
    signer: &NoteSigner,
    size: u64,
    root: Digest256,
    map: &RevocationMap,
    access_map: &AccessMap,
) -> Result<StoredHead, NoteError> {
    let extensions =
        vec![checkpoint_extension(&map.root()), accessmap::checkpoint_extension(&access_map.root())];
    let text = Checkpoint { origin: signer.name().to_owned(), size, root, extensions }.to_text();
    Ok(StoredHead { size, root, note: signer.sign(&text)? })
}

/// Stored tiles read at most once per batch: proofs of neighbouring entries share tiles.
struct CachedTiles<'s> {
    inner: StoredTiles<'s>,
    cache: RefCell<HashMap<TileId, Option<Vec<u8>>>>,
}

impl TileReader for CachedTiles<'_> {
    fn read_tile(&self, tile: TileId) -> Result<Option<Vec<u8>>, TileError> {
        if let Some(bytes) = self.cache.borrow().get(&tile) {
            return Ok(bytes.clone());
        }
        let bytes = self.inner.read_tile(tile)?;
        self.cache.borrow_mut().insert(tile, bytes.clone());
        Ok(bytes)
    }
}
