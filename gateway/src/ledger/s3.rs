//! A [`LogStorage`] on any S3-compatible object store (AWS S3, R2, MinIO, Garage, ...), through
//! the `object_store` crate.
//!
//! The bucket mirrors the log's HTTP paths, so a CDN or static server can serve it directly:
//! `checkpoint`, `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`. Every tile and bundle is
//! written at the width of the checkpoint that covers it and never changes afterwards. Beside
//! them, `dedup/<hex leaf hash>` holds the index of each entry (for de-duplication) and `lock`
//! the sequencer's lease.
//!
//! A batch writes its bundles, tiles and dedup records first and the checkpoint last: a crash
//! in between leaves the old checkpoint as the truth, and the next batch rewrites the objects
//! beyond it. Only one gateway may append: it holds `lock`, a lease taken with a conditional
//! create (`If-None-Match: *`) and renewed with compare-and-swap (`If-Match`), and every
//! checkpoint write is a compare-and-swap against the checkpoint this gateway last wrote, so
//! two writers can never both advance the log.
//!
//! [`LogStorage`] is synchronous; every request runs on a small tokio runtime owned by the
//! storage, and the calling thread waits on a channel, so it is safe from any thread.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{
    Attribute, Attributes, ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload, RetryConfig,
    UpdateVersion,
};
use tokio::task::JoinSet;
use wasm_core::hash::Digest256;
use wasm_core::tlog::checkpoint::Checkpoint;
use wasm_core::tlog::merkle::leaf_hash;
use wasm_core::tlog::tiles::{decode_entry_bundle, encode_entry_bundle, EntryBundleId, TileId};

use super::storage::{Batch, LogStorage, StorageError, StoredHead};

/// Object holding the signed checkpoint.
pub const CHECKPOINT: &str = "checkpoint";
/// Object holding the sequencer's lease.
pub const LOCK: &str = "lock";
/// Environment variable overriding the lease's length in seconds (default 10).
pub const LOCK_TTL_ENV: &str = "ASSENT_S3_LOCK_TTL_SECS";
const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(10);
/// Writes in flight at once during a commit.
const PARALLEL_WRITES: usize = 32;
/// Full tiles and bundles never change.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The checkpoint and partial tiles are replaced as the log grows.
const NO_CACHE: &str = "no-cache";

/// Why the S3 storage failed.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    /// The storage argument is not `s3://BUCKET[/PREFIX]`.
    #[error("storage {0:?} is not s3://BUCKET or s3://BUCKET/PREFIX; pass --storage s3://BUCKET, or leave it out for SQLite under --data")]
    BadUrl(String),
    /// The client could not be configured.
    #[error("cannot configure the S3 client: {0}; set AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION (and AWS_ALLOW_HTTP=true for an http:// endpoint)")]
    Config(object_store::Error),
    /// The lease length in the environment is not a number of seconds.
    #[error("{LOCK_TTL_ENV}={0:?} is not a whole number of seconds (at least 1); fix or unset it")]
    BadTtl(String),
    /// The runtime for the S3 client could not start.
    #[error("cannot start the S3 client's threads: {0}; the system is out of resources")]
    Runtime(std::io::Error),
    /// The runtime for the S3 client is gone.
    #[error("the S3 client has stopped; restart the server")]
    Stopped,
    /// A request failed.
    #[error("S3 request for {path} failed: {source}; check the endpoint, the credentials and that the bucket exists")]
    Request {
        /// The object.
        path: String,
        /// The underlying error.
        source: object_store::Error,
    },
    /// Another gateway holds the bucket's sequencer lease.
    #[error("the bucket is in use by another gateway ({holder}); only one may append to a log. Stop the other gateway; if it crashed, its lock expires in {expires_in} s")]
    Locked {
        /// Who holds the lease.
        holder: String,
        /// Seconds until the lease runs out unless renewed.
        expires_in: u64,
    },
    /// This gateway's lease ran out or was taken over.
    #[error("this gateway no longer holds the bucket's sequencer lock (it expired or another gateway took it); restart it")]
    LostLock,
    /// The checkpoint was replaced by someone else.
    #[error(
        "the bucket's checkpoint was changed by another writer; stop the other gateway and restart this one"
    )]
    CheckpointRaced,
    /// The stored objects are not what this version writes.
    #[error("the log in the bucket is damaged: {0}; restore the bucket from a backup")]
    Corrupt(String),
}

impl From<S3Error> for StorageError {
    fn from(error: S3Error) -> Self {
        StorageError::Backend(Box::new(error))
    }
}

/// Checks a storage URL, `s3://BUCKET` or `s3://BUCKET/PREFIX` (the log's objects then live
/// under `PREFIX/`), and returns it as given.
pub fn parse_storage_url(url: &str) -> Result<String, S3Error> {
    split_storage_url(url).map(|_| url.to_owned())
}

/// The bucket and prefix of a storage URL.
fn split_storage_url(url: &str) -> Result<(String, Option<String>), S3Error> {
    let bad = || S3Error::BadUrl(url.to_owned());
    let rest = url.strip_prefix("s3://").ok_or_else(bad)?;
    let (bucket, prefix) = match rest.split_once('/') {
        Some((bucket, prefix)) => (bucket, Some(prefix.trim_end_matches('/'))),
        None => (rest, None),
    };
    let valid_bucket =
        !bucket.is_empty() && bucket.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    let prefix = prefix.filter(|prefix| !prefix.is_empty());
    let valid_prefix = prefix.is_none_or(|prefix| {
        prefix.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        })
    });
    if !valid_bucket || !valid_prefix {
        return Err(bad());
    }
    Ok((bucket.to_owned(), prefix.map(str::to_owned)))
}

/// The sequencer lease as this gateway last wrote it.
struct Lease {
    /// ETag of our lock object; compare-and-swap renews and releases it.
    e_tag: Option<String>,
    /// Until when we certainly hold the lease (measured before the renewing request was sent).
    valid_until: Instant,
    /// Someone else took the lease.
    lost: bool,
}

/// What a commit needs from the last commit.
struct State {
    head: Option<StoredHead>,
    /// ETag of the checkpoint object we last read or wrote.
    checkpoint_e_tag: Option<String>,
}

/// The log in an S3 bucket. See the module documentation for the layout.
pub struct S3Storage {
    store: Arc<dyn ObjectStore>,
    runtime: Option<tokio::runtime::Runtime>,
    holder: String,
    ttl: Duration,
    lease: Arc<Mutex<Lease>>,
    state: Mutex<State>,
    renewer: Option<tokio::task::AbortHandle>,
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

fn request_error(path: &Path) -> impl FnOnce(object_store::Error) -> S3Error + '_ {
    move |source| S3Error::Request { path: path.to_string(), source }
}

/// The lock object's text: who holds it, and until when (Unix seconds).
fn lock_record(holder: &str, expires: u64) -> String {
    format!("assent sequencer lock\nholder {holder}\nexpires {expires}\n")
}

fn parse_lock_record(text: &str) -> Option<(String, u64)> {
    let mut holder = None;
    let mut expires = None;
    for line in text.lines() {
        if let Some(value) = line.strip_prefix("holder ") {
            holder = Some(value.to_owned());
        } else if let Some(value) = line.strip_prefix("expires ") {
            expires = value.parse().ok();
        }
    }
    Some((holder?, expires?))
}

fn put_options(mode: PutMode, cache: &'static str, content_type: &'static str) -> PutOptions {
    let mut attributes = Attributes::new();
    attributes.insert(Attribute::CacheControl, cache.into());
    attributes.insert(Attribute::ContentType, content_type.into());
    PutOptions { mode, attributes, ..PutOptions::default() }
}

fn lock_ttl() -> Result<Duration, S3Error> {
    match std::env::var(LOCK_TTL_ENV) {
        Err(_) => Ok(DEFAULT_LOCK_TTL),
        Ok(value) => match value.parse::<u64>() {
            Ok(secs) if secs >= 1 => Ok(Duration::from_secs(secs)),
            _ => Err(S3Error::BadTtl(value)),
        },
    }
}

/// The head a signed checkpoint note describes.
fn head_from_note(note: String) -> Result<StoredHead, S3Error> {
    let text = note
        .split_once("\n\n")
        .map(|(text, _)| format!("{text}\n"))
        .ok_or_else(|| S3Error::Corrupt("the checkpoint object is not a signed note".into()))?;
    let checkpoint = Checkpoint::parse(&text)
        .map_err(|error| S3Error::Corrupt(format!("the checkpoint object: {error}")))?;
    Ok(StoredHead { size: checkpoint.size, root: checkpoint.root, note })
}

impl S3Storage {
    /// Connects to the bucket of `url` (`s3://BUCKET[/PREFIX]`) with the endpoint and
    /// credentials of the standard `AWS_*` environment variables, takes the sequencer lease
    /// (failing with [`S3Error::Locked`] if another gateway holds it) and reads the checkpoint.
    pub fn open(url: &str) -> Result<S3Storage, S3Error> {
        let (bucket, prefix) = split_storage_url(url)?;
        let retry =
            RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(20), ..RetryConfig::default() };
        let store = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(retry)
            .build()
            .map_err(S3Error::Config)?;
        let store: Arc<dyn ObjectStore> = match prefix {
            Some(prefix) => Arc::new(PrefixStore::new(store, prefix)),
            None => Arc::new(store),
        };
        S3Storage::with_store(store, lock_ttl()?)
    }

    /// Uses `store` (any [`ObjectStore`] with conditional puts) as the bucket.
    pub fn with_store(store: Arc<dyn ObjectStore>, ttl: Duration) -> Result<S3Storage, S3Error> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("s3-storage")
            .enable_all()
            .build()
            .map_err(S3Error::Runtime)?;
        let mut nonce = [0u8; 8];
        // Only tells holders apart in messages and lock records; a clock-based fallback will do.
        if getrandom::fill(&mut nonce).is_err() {
            nonce = u64::from(std::process::id()).to_le_bytes();
        }
        let holder = format!("pid {} started {} id {}", std::process::id(), now_secs(), hex::encode(nonce));
        let lease = Arc::new(Mutex::new(Lease { e_tag: None, valid_until: Instant::now(), lost: false }));
        let mut storage = S3Storage {
            store,
            runtime: Some(runtime),
            holder,
            ttl,
            lease,
            state: Mutex::new(State { head: None, checkpoint_e_tag: None }),
            renewer: None,
        };
        storage.acquire()?;
        storage.renewer = Some(storage.spawn_renewer()?);
        storage.load_head()?;
        Ok(storage)
    }

    /// Runs `future` on the storage's runtime and waits for it on this thread.
    fn run<T: Send + 'static>(&self, future: impl Future<Output = T> + Send + 'static) -> Result<T, S3Error> {
        let runtime = self.runtime.as_ref().ok_or(S3Error::Stopped)?;
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let _ = send.send(future.await);
        });
        receive.recv().map_err(|_| S3Error::Stopped)
    }

    /// Takes the lease: create the lock object, or take over one that has expired.
    fn acquire(&self) -> Result<(), S3Error> {
        let store = Arc::clone(&self.store);
        let holder = self.holder.clone();
        let ttl = self.ttl;
        let (e_tag, started) = self.run(async move {
            let path = Path::from(LOCK);
            // Twice: the lock may be released between our create and our read.
            for _ in 0..2 {
                let started = Instant::now();
                let record = lock_record(&holder, now_secs() + ttl.as_secs());
                let options = put_options(PutMode::Create, NO_CACHE, "text/plain; charset=utf-8");
                match store.put_opts(&path, record.into(), options).await {
                    Ok(put) => return Ok((put.e_tag, started)),
                    Err(object_store::Error::AlreadyExists { .. }) => {}
                    Err(source) => return Err(request_error(&path)(source)),
                }
                let current = match store.get(&path).await {
                    Ok(current) => current,
                    Err(object_store::Error::NotFound { .. }) => continue,
                    Err(source) => return Err(request_error(&path)(source)),
                };
                let version = UpdateVersion { e_tag: current.meta.e_tag.clone(), version: None };
                let bytes = current.bytes().await.map_err(request_error(&path))?;
                let text = String::from_utf8_lossy(&bytes);
                let (other, expires) = parse_lock_record(&text)
                    .ok_or_else(|| S3Error::Corrupt(format!("the {LOCK} object is not a lock record")))?;
                let now = now_secs();
                if expires > now {
                    return Err(S3Error::Locked { holder: other, expires_in: expires - now });
                }
                let record = lock_record(&holder, now + ttl.as_secs());
                let options = put_options(PutMode::Update(version), NO_CACHE, "text/plain; charset=utf-8");
                return match store.put_opts(&path, record.into(), options).await {
                    Ok(put) => Ok((put.e_tag, started)),
                    Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => {
                        Err(S3Error::Locked {
                            holder: "a gateway that just took over the lock".into(),
                            expires_in: ttl.as_secs(),
                        })
                    }
                    Err(source) => Err(request_error(&path)(source)),
                };
            }
            Err(S3Error::Locked {
                holder: "a gateway starting at the same time".into(),
                expires_in: ttl.as_secs(),
            })
        })??;
        let mut lease = self.lease.lock().map_err(|_| S3Error::Stopped)?;
        *lease = Lease { e_tag, valid_until: started + ttl, lost: false };
        Ok(())
    }

    /// Renews the lease every third of its length, with compare-and-swap on our lock object.
    fn spawn_renewer(&self) -> Result<tokio::task::AbortHandle, S3Error> {
        let runtime = self.runtime.as_ref().ok_or(S3Error::Stopped)?;
        let (store, lease, holder, ttl) =
            (Arc::clone(&self.store), Arc::clone(&self.lease), self.holder.clone(), self.ttl);
        let task = runtime.spawn(async move {
            let path = Path::from(LOCK);
            loop {
                tokio::time::sleep(ttl / 3).await;
                let Some(e_tag) = lease.lock().ok().and_then(|lease| lease.e_tag.clone()) else { return };
                let started = Instant::now();
                let record = lock_record(&holder, now_secs() + ttl.as_secs());
                let version = UpdateVersion { e_tag: Some(e_tag), version: None };
                let options = put_options(PutMode::Update(version), NO_CACHE, "text/plain; charset=utf-8");
                let result = store.put_opts(&path, record.into(), options).await;
                let Ok(mut lease) = lease.lock() else { return };
                match result {
                    Ok(put) => {
                        lease.e_tag = put.e_tag;
                        lease.valid_until = started + ttl;
                    }
                    Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => {
                        lease.lost = true;
                        return;
                    }
                    // A passing failure: try again; commits stop once the lease runs out.
                    Err(_) => {}
                }
            }
        });
        Ok(task.abort_handle())
    }

    /// Fails unless the lease is certainly still ours, with time to spare for the commit.
    fn check_lease(&self) -> Result<(), S3Error> {
        let lease = self.lease.lock().map_err(|_| S3Error::Stopped)?;
        let margin = (self.ttl / 4).min(Duration::from_secs(1));
        if lease.lost || Instant::now() + margin >= lease.valid_until {
            return Err(S3Error::LostLock);
        }
        Ok(())
    }

    fn load_head(&self) -> Result<(), S3Error> {
        let store = Arc::clone(&self.store);
        let found = self.run(async move {
            let path = Path::from(CHECKPOINT);
            match store.get(&path).await {
                Ok(result) => {
                    let e_tag = result.meta.e_tag.clone();
                    let bytes = result.bytes().await.map_err(request_error(&path))?;
                    Ok(Some((bytes.to_vec(), e_tag)))
                }
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(source) => Err(request_error(&path)(source)),
            }
        })??;
        let mut state = self.state.lock().map_err(|_| S3Error::Stopped)?;
        *state = match found {
            None => State { head: None, checkpoint_e_tag: None },
            Some((bytes, e_tag)) => {
                let note = String::from_utf8(bytes)
                    .map_err(|_| S3Error::Corrupt("the checkpoint object is not UTF-8".into()))?;
                State { head: Some(head_from_note(note)?), checkpoint_e_tag: e_tag }
            }
        };
        Ok(())
    }

    fn size(&self) -> Result<u64, S3Error> {
        let state = self.state.lock().map_err(|_| S3Error::Stopped)?;
        Ok(state.head.as_ref().map_or(0, |head| head.size))
    }

    /// The object at `path`, or `None` if there is none.
    fn get(&self, path: String) -> Result<Option<Vec<u8>>, S3Error> {
        let store = Arc::clone(&self.store);
        self.run(async move {
            let path = Path::from(path);
            match store.get(&path).await {
                Ok(result) => Ok(Some(result.bytes().await.map_err(request_error(&path))?.to_vec())),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(source) => Err(request_error(&path)(source)),
            }
        })?
    }

    /// The entries of bundle `index` in a tree of `size`.
    fn bundle(&self, index: u64, size: u64) -> Result<Vec<Vec<u8>>, S3Error> {
        let Ok(id) = EntryBundleId::in_tree(index, size) else { return Ok(Vec::new()) };
        let bytes =
            self.get(id.path())?.ok_or_else(|| S3Error::Corrupt(format!("{} is missing", id.path())))?;
        let entries = decode_entry_bundle(&bytes, usize::from(id.width()))
            .map_err(|error| S3Error::Corrupt(format!("{}: {error}", id.path())))?;
        Ok(entries.into_iter().map(<[u8]>::to_vec).collect())
    }

    /// Gives up the lease at once, so another gateway can start without waiting for it to
    /// expire. Later commits fail.
    pub fn release(&self) -> Result<(), S3Error> {
        if let Some(renewer) = &self.renewer {
            renewer.abort();
        }
        let e_tag = {
            let mut lease = self.lease.lock().map_err(|_| S3Error::Stopped)?;
            lease.lost = true;
            lease.e_tag.take()
        };
        let store = Arc::clone(&self.store);
        let holder = self.holder.clone();
        self.run(async move {
            let path = Path::from(LOCK);
            let version = UpdateVersion { e_tag, version: None };
            let options = put_options(PutMode::Update(version), NO_CACHE, "text/plain; charset=utf-8");
            match store.put_opts(&path, lock_record(&holder, 0).into(), options).await {
                // Someone else holds it already: nothing of ours to release.
                Ok(_)
                | Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => {
                    Ok(())
                }
                Err(source) => Err(request_error(&path)(source)),
            }
        })?
    }

    fn commit_batch(&self, batch: &Batch) -> Result<(), S3Error> {
        self.check_lease()?;
        let (size, checkpoint_e_tag) = {
            let state = self.state.lock().map_err(|_| S3Error::Stopped)?;
            (state.head.as_ref().map_or(0, |head| head.size), state.checkpoint_e_tag.clone())
        };
        let first = batch.first_index();
        if first != size {
            return Err(S3Error::Corrupt(format!(
                "a batch starting at index {first} does not continue a log of {size} entries"
            )));
        }

        // Bundles, tiles and dedup records first, all at paths beyond the current checkpoint.
        let mut objects: Vec<(String, Vec<u8>, &'static str)> = Vec::new();
        if let Some(last) = batch.head.size.checked_sub(1).filter(|_| !batch.entries.is_empty()) {
            let mut bundle_index = first / 256;
            let mut bundle = self.bundle(bundle_index, size)?;
            for (offset, (_, entry)) in batch.entries.iter().enumerate() {
                bundle.push(entry.clone());
                let index = first + offset as u64;
                if bundle.len() == 256 || index == last {
                    let width = u16::try_from(bundle.len())
                        .map_err(|_| S3Error::Corrupt("a bundle of more than 256 entries".into()))?;
                    let id = EntryBundleId::new(bundle_index, width)
                        .map_err(|error| S3Error::Corrupt(error.to_string()))?;
                    let slices: Vec<&[u8]> = bundle.iter().map(Vec::as_slice).collect();
                    let bytes =
                        encode_entry_bundle(&slices).map_err(|error| S3Error::Corrupt(error.to_string()))?;
                    objects.push((id.path(), bytes, if id.is_partial() { NO_CACHE } else { IMMUTABLE }));
                    bundle.clear();
                    bundle_index += 1;
                }
            }
        }
        for (id, bytes) in &batch.tiles {
            objects.push((id.path(), bytes.clone(), if id.is_partial() { NO_CACHE } else { IMMUTABLE }));
        }
        for (offset, (hash, _)) in batch.entries.iter().enumerate() {
            let index = first + offset as u64;
            objects.push((format!("dedup/{}", hex::encode(hash)), index.to_string().into_bytes(), NO_CACHE));
        }
        let store = Arc::clone(&self.store);
        self.run(async move {
            let mut writes = JoinSet::new();
            let mut objects = objects.into_iter();
            loop {
                while writes.len() < PARALLEL_WRITES {
                    let Some((path, bytes, cache)) = objects.next() else { break };
                    let store = Arc::clone(&store);
                    writes.spawn(async move {
                        let path = Path::from(path);
                        let options = put_options(PutMode::Overwrite, cache, "application/octet-stream");
                        store
                            .put_opts(&path, PutPayload::from(bytes), options)
                            .await
                            .map_err(request_error(&path))
                    });
                }
                match writes.join_next().await {
                    None => return Ok(()),
                    Some(Ok(Ok(_))) => {}
                    Some(Ok(Err(error))) => return Err(error),
                    Some(Err(_)) => return Err(S3Error::Stopped),
                }
            }
        })??;

        // The checkpoint last, and only over the one we wrote (or read) before.
        self.check_lease()?;
        let store = Arc::clone(&self.store);
        let note = batch.head.note.clone();
        let mode = match checkpoint_e_tag {
            None => PutMode::Create,
            e_tag => PutMode::Update(UpdateVersion { e_tag, version: None }),
        };
        let put = self.run(async move {
            let path = Path::from(CHECKPOINT);
            let options = put_options(mode, NO_CACHE, "text/plain; charset=utf-8");
            match store.put_opts(&path, note.into(), options).await {
                Ok(put) => Ok(put),
                Err(
                    object_store::Error::AlreadyExists { .. }
                    | object_store::Error::Precondition { .. }
                    | object_store::Error::NotFound { .. },
                ) => Err(S3Error::CheckpointRaced),
                Err(source) => Err(request_error(&path)(source)),
            }
        })??;
        let mut state = self.state.lock().map_err(|_| S3Error::Stopped)?;
        *state = State { head: Some(batch.head.clone()), checkpoint_e_tag: put.e_tag };
        Ok(())
    }
}

impl Drop for S3Storage {
    fn drop(&mut self) {
        if let Some(renewer) = &self.renewer {
            renewer.abort();
        }
        // Dropping a runtime blocks, which panics inside another runtime: let it wind down.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl LogStorage for S3Storage {
    fn head(&self) -> Result<Option<StoredHead>, StorageError> {
        let state = self.state.lock().map_err(|_| StorageError::Poisoned)?;
        Ok(state.head.clone())
    }

    fn tile(&self, level: u8, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        // The widest copy is the one the current checkpoint covers.
        let Ok(id) = TileId::in_tree(level, index, self.size()?) else { return Ok(None) };
        Ok(self.get(id.path())?)
    }

    fn entries(&self, start: u64, count: u16) -> Result<Vec<Vec<u8>>, StorageError> {
        let size = self.size()?;
        let end = start.saturating_add(u64::from(count)).min(size);
        let mut entries = Vec::new();
        let mut index = start;
        while index < end {
            let bundle = self.bundle(index / 256, size)?;
            let offset = usize::try_from(index % 256).unwrap_or(usize::MAX);
            let take = usize::try_from(end - index).unwrap_or(usize::MAX);
            let found: Vec<Vec<u8>> = bundle.into_iter().skip(offset).take(take).collect();
            if found.is_empty() {
                return Err(S3Error::Corrupt(format!(
                    "bundle {} is shorter than the checkpoint",
                    index / 256
                ))
                .into());
            }
            index += found.len() as u64;
            entries.extend(found);
        }
        Ok(entries)
    }

    fn find(&self, hash: &Digest256) -> Result<Option<u64>, StorageError> {
        let Some(bytes) = self.get(format!("dedup/{}", hex::encode(hash)))? else { return Ok(None) };
        let index: u64 = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or_else(|| S3Error::Corrupt(format!("dedup/{} is not an index", hex::encode(hash))))?;
        // A record left by a batch that crashed before its checkpoint may point past the log,
        // or at an index a later batch gave to another entry.
        if index >= self.size()? {
            return Ok(None);
        }
        let entry = self.entries(index, 1)?;
        Ok(entry.first().filter(|entry| leaf_hash(entry) == *hash).map(|_| index))
    }

    fn commit(&self, batch: &Batch) -> Result<(), StorageError> {
        Ok(self.commit_batch(batch)?)
    }
}
