//! `assent audit`: replays a whole log from its C2SP tlog-tiles API and checks that it is what
//! its checkpoint says. Every entry is fetched and verified, every leaf hash and hash tile is
//! recomputed and compared with the served ones, and the root with the checkpoint's; so are the
//! revocation and access maps the checkpoint binds (`revocation-map`, `access-map`). With a
//! state file, the last audited checkpoint is kept, so a later audit also catches a rollback
//! (a smaller tree) or a fork (another history for the same leaves).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use indicatif::{ProgressBar, ProgressStyle};
use wasm_core::accessmap::{self, AccessMap};
use wasm_core::consent::LogEntry;
use wasm_core::hash::Digest256;
use wasm_core::revmap::{root_from_checkpoint, RevocationMap};
use wasm_core::tlog::checkpoint::{open_checkpoint, Checkpoint, CheckpointError};
use wasm_core::tlog::merkle::leaf_hash;
use wasm_core::tlog::note::NoteVerifier;
use wasm_core::tlog::tiles::{
    append_leaves, decode_entry_bundle, EntryBundleId, TileError, TileSet, TiledTree,
};

/// The largest tile, bundle or checkpoint the audit reads (an entry bundle of 256 entries of at
/// most 64 KiB each, with their length prefixes).
const MAX_RESPONSE_BYTES: u64 = 256 * (65_535 + 2);

/// Why an audit could not run or found the log wrong.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// A resource could not be fetched.
    #[error("cannot fetch {url}: {reason}; check the --url and that the gateway is up")]
    Fetch {
        /// What was fetched.
        url: String,
        /// Why it failed.
        reason: String,
    },
    /// The checkpoint did not open or parse.
    #[error("the log's checkpoint is not valid: {0}")]
    Checkpoint(#[from] CheckpointError),
    /// An entry bundle did not decode.
    #[error("entry bundle {path} is malformed: {reason}")]
    Bundle {
        /// The bundle's path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// An entry does not verify.
    #[error("entry {index} does not verify: {reason}")]
    Entry {
        /// The entry's index.
        index: u64,
        /// What is wrong.
        reason: String,
    },
    /// The revocation map root a checkpoint binds is malformed or not the log's.
    #[error("the revocation map root in the checkpoint of size {size} is wrong: {reason}")]
    MapRoot {
        /// The checkpoint's size.
        size: u64,
        /// Why.
        reason: String,
    },
    /// The access map root a checkpoint binds is malformed or not the log's.
    #[error("the access map root in the checkpoint of size {size} is wrong: {reason}")]
    AccessMapRoot {
        /// The checkpoint's size.
        size: u64,
        /// Why.
        reason: String,
    },
    /// The root recomputed from the entries is not the checkpoint's.
    #[error("the root recomputed from the {size} entries is {computed}, but the checkpoint says {signed}: the log does not hold what it signed")]
    RootMismatch {
        /// The tree size.
        size: u64,
        /// The recomputed root (base64).
        computed: String,
        /// The checkpoint's root (base64).
        signed: String,
    },
    /// A served hash tile differs from the one recomputed from the entries.
    #[error("hash tile {path} served by the log differs from the one recomputed from its entries: the log's tiles are corrupt or tampered with")]
    TileMismatch {
        /// The tile's path.
        path: String,
    },
    /// The tiles could not be recomputed.
    #[error("cannot recompute the tiles: {0}")]
    Tiles(#[from] TileError),
    /// The log is smaller than at the last audit.
    #[error("rollback: the log now has {size} entries, but {stored} were audited before; keep both checkpoints as evidence:\n--- earlier ---\n{earlier}--- now ---\n{now}")]
    Rollback {
        /// The current size.
        size: u64,
        /// The size audited before.
        stored: u64,
        /// The earlier checkpoint note.
        earlier: String,
        /// The current checkpoint note.
        now: String,
    },
    /// The log's history differs from the one audited before.
    #[error("fork: the first {stored} entries no longer have the root audited before; keep both checkpoints as evidence:\n--- earlier ---\n{earlier}--- now ---\n{now}")]
    Fork {
        /// The size audited before.
        stored: u64,
        /// The earlier checkpoint note.
        earlier: String,
        /// The current checkpoint note.
        now: String,
    },
    /// The state file is unusable.
    #[error("audit state file {path}: {reason}; fix or move it (it is the memory of the last audit)")]
    State {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// What to audit.
#[derive(Debug)]
pub struct AuditConfig {
    /// The log's URL prefix, e.g. `http://127.0.0.1:8080`.
    pub url: String,
    /// The log's verifier keys; the first one's name is the origin. Without any, the checkpoint
    /// signature is not checked (and the summary says so).
    pub vkeys: Vec<NoteVerifier>,
    /// Where the last audited checkpoint is kept, if anywhere.
    pub state: Option<PathBuf>,
    /// Show a progress bar on standard error.
    pub progress: bool,
}

/// The result of a successful audit.
#[derive(Debug)]
pub struct AuditSummary {
    /// The audited checkpoint.
    pub checkpoint: Checkpoint,
    /// Whether its signature was checked.
    pub signature_checked: bool,
    /// Hash tiles compared.
    pub tiles: usize,
    /// Revoked grants in the recomputed revocation map, if the checkpoint binds a map root
    /// (which then matched).
    pub revoked: Option<usize>,
    /// Grant–provider pairs with access events in the recomputed access map, if the checkpoint
    /// binds an access map root (which then matched).
    pub accessed: Option<usize>,
    /// The size of the checkpoint audited before, if a state file held one.
    pub previous_size: Option<u64>,
    /// How long it took.
    pub elapsed: Duration,
}

impl std::fmt::Display for AuditSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let checkpoint = &self.checkpoint;
        writeln!(f, "audit passed: {} entries verified", checkpoint.size)?;
        writeln!(
            f,
            "checkpoint: {} size {} root {}",
            checkpoint.origin,
            checkpoint.size,
            BASE64.encode(checkpoint.root)
        )?;
        writeln!(f, "hash tiles compared: {}", self.tiles)?;
        match self.revoked {
            Some(revoked) => writeln!(
                f,
                "revocation map: recomputed from the log's entries ({revoked} revoked), equal to the root the checkpoint signs"
            )?,
            None => writeln!(f, "revocation map: the checkpoint binds none")?,
        }
        match self.accessed {
            Some(accessed) => writeln!(
                f,
                "access map: recomputed from the log's entries ({accessed} grant and provider pairs with access events), equal to the root the checkpoint signs"
            )?,
            None => writeln!(f, "access map: the checkpoint binds none")?,
        }
        if !self.signature_checked {
            writeln!(f, "warning: the checkpoint signature was NOT checked; pass --vkey to check it")?;
        }
        if let Some(previous) = self.previous_size {
            writeln!(f, "consistent with the checkpoint of size {previous} audited before")?;
        }
        write!(f, "time: {:.2}s", self.elapsed.as_secs_f64())
    }
}

/// A small blocking HTTP client for the log's read API.
struct Fetcher {
    agent: ureq::Agent,
    base: String,
}

impl Fetcher {
    fn get(&self, path: &str) -> Result<Vec<u8>, AuditError> {
        let url = format!("{}/{path}", self.base);
        let fail = |reason: String| AuditError::Fetch { url: url.clone(), reason };
        let mut response = self.agent.get(&url).call().map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(|e| fail(e.to_string()))?;
        if !status.is_success() {
            return Err(fail(format!("{status}: {}", String::from_utf8_lossy(&body).trim_end())));
        }
        Ok(body)
    }
}

/// Runs the audit.
pub fn audit(config: &AuditConfig) -> Result<AuditSummary, AuditError> {
    let started = Instant::now();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .into();
    let fetcher = Fetcher { agent, base: config.url.trim_end_matches('/').to_owned() };

    let note_bytes = fetcher.get("checkpoint")?;
    let note = String::from_utf8_lossy(&note_bytes).into_owned();
    let checkpoint = match config.vkeys.first() {
        Some(first) => open_checkpoint(&note_bytes, first.name(), &config.vkeys)?.0,
        None => {
            let text = note.split_once("\n\n").map(|(text, _)| format!("{text}\n")).unwrap_or_default();
            Checkpoint::parse(&text)?
        }
    };
    let previous = match &config.state {
        Some(path) => load_state(path, &checkpoint.origin)?,
        None => None,
    };
    if let Some((size, _, earlier)) = &previous {
        if checkpoint.size < *size {
            return Err(AuditError::Rollback {
                size: checkpoint.size,
                stored: *size,
                earlier: earlier.clone(),
                now: note,
            });
        }
    }

    let progress = if config.progress { ProgressBar::new(checkpoint.size) } else { ProgressBar::hidden() };
    progress.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} entries ({per_sec}, {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    progress.set_message("verifying entries");
    let mut leaves = Vec::with_capacity(usize::try_from(checkpoint.size).unwrap_or(0));
    // The revocation map the log's checkpoints bind, recomputed from its entries; and its root
    // when it held as many entries as the checkpoint audited before.
    let mut map = RevocationMap::new(&checkpoint.origin);
    let previous_size = previous.as_ref().map(|(size, _, _)| *size);
    let mut map_root_then = (previous_size == Some(0)).then(|| map.root());
    let mut access_map = AccessMap::new();
    let mut access_root_then = (previous_size == Some(0)).then(|| access_map.root());
    let mut bundle_index = 0u64;
    while (leaves.len() as u64) < checkpoint.size {
        let bundle = EntryBundleId::in_tree(bundle_index, checkpoint.size)?;
        let path = bundle.path();
        let bytes = fetcher.get(&path)?;
        let entries = decode_entry_bundle(&bytes, usize::from(bundle.width()))
            .map_err(|error| AuditError::Bundle { path: path.clone(), reason: error.to_string() })?;
        for entry in entries {
            let index = leaves.len() as u64;
            let verified = LogEntry::verify(entry)
                .map_err(|error| AuditError::Entry { index, reason: error.to_string() })?;
            if let Some(named) = verified.log_origin() {
                if named != checkpoint.origin {
                    let reason = format!("it names the log {named:?}, not {:?}", checkpoint.origin);
                    return Err(AuditError::Entry { index, reason });
                }
            }
            leaves.push(leaf_hash(entry));
            map.fold_verified(index, std::slice::from_ref(&verified))
                .map_err(|error| AuditError::Entry { index, reason: error.to_string() })?;
            access_map
                .fold_verified(index, std::slice::from_ref(&verified))
                .map_err(|error| AuditError::Entry { index, reason: error.to_string() })?;
            if previous_size == Some(index + 1) {
                map_root_then = Some(map.root());
                access_root_then = Some(access_map.root());
            }
        }
        progress.set_position(leaves.len() as u64);
        bundle_index += 1;
    }
    progress.finish_and_clear();

    let appended = append_leaves(0, &leaves, &TileSet::new())?;
    if appended.root != checkpoint.root {
        return Err(AuditError::RootMismatch {
            size: checkpoint.size,
            computed: BASE64.encode(appended.root),
            signed: BASE64.encode(checkpoint.root),
        });
    }
    let mut tiles = TileSet::new();
    for (tile, recomputed) in &appended.tiles {
        if fetcher.get(&tile.path())? != *recomputed {
            return Err(AuditError::TileMismatch { path: tile.path() });
        }
        tiles.insert(*tile, recomputed.clone())?;
    }
    let map_checked = check_map_root(&checkpoint, map.root())?;
    let access_checked = check_access_root(&checkpoint, access_map.root())?;
    if let Some((size, root, earlier)) = &previous {
        // All leaves are here, so recompute the earlier root: stronger than a consistency proof.
        let root_then = if *size == 0 { *root } else { TiledTree::new(*size, &tiles).root()? };
        if root_then != *root {
            return Err(AuditError::Fork { stored: *size, earlier: earlier.clone(), now: note });
        }
        // The earlier checkpoint's map root too, if it had one.
        let earlier_body = earlier.split_once("\n\n").map(|(body, _)| format!("{body}\n"));
        if let Some(Ok(earlier_checkpoint)) = earlier_body.as_deref().map(Checkpoint::parse) {
            if let Some(map_root) = map_root_then {
                check_map_root(&earlier_checkpoint, map_root)?;
            }
            if let Some(access_root) = access_root_then {
                check_access_root(&earlier_checkpoint, access_root)?;
            }
        }
    }
    if let Some(path) = &config.state {
        save_state(path, &checkpoint, &note)?;
    }
    Ok(AuditSummary {
        revoked: map_checked.then(|| map.len()),
        accessed: access_checked.then(|| access_map.len()),
        tiles: appended.tiles.len(),
        checkpoint,
        signature_checked: !config.vkeys.is_empty(),
        previous_size: previous.map(|(size, _, _)| size),
        elapsed: started.elapsed(),
    })
}

/// Compares the revocation map root `checkpoint` binds, if any, with `computed`: whether it had
/// one.
fn check_map_root(checkpoint: &Checkpoint, computed: Digest256) -> Result<bool, AuditError> {
    let signed = root_from_checkpoint(checkpoint)
        .map_err(|error| AuditError::MapRoot { size: checkpoint.size, reason: error.to_string() })?;
    match signed {
        None => Ok(false),
        Some(signed) if signed == computed => Ok(true),
        Some(signed) => Err(AuditError::MapRoot {
            size: checkpoint.size,
            reason: format!(
                "it signs {}, but the log's revocations give {}: the gateway's map is not derived from its log",
                BASE64.encode(signed),
                BASE64.encode(computed)
            ),
        }),
    }
}

/// Compares the access map root `checkpoint` binds, if any, with `computed`: whether it had one.
fn check_access_root(checkpoint: &Checkpoint, computed: Digest256) -> Result<bool, AuditError> {
    let signed = accessmap::root_from_checkpoint(checkpoint)
        .map_err(|error| AuditError::AccessMapRoot { size: checkpoint.size, reason: error.to_string() })?;
    match signed {
        None => Ok(false),
        Some(signed) if signed == computed => Ok(true),
        Some(signed) => Err(AuditError::AccessMapRoot {
            size: checkpoint.size,
            reason: format!(
                "it signs {}, but the log's access events give {}: the gateway's access map is not derived from its log",
                BASE64.encode(signed),
                BASE64.encode(computed)
            ),
        }),
    }
}

/// The checkpoint audited before, from the state file: size, root and note.
fn load_state(path: &Path, origin: &str) -> Result<Option<(u64, Digest256, String)>, AuditError> {
    let bad = |reason: String| AuditError::State { path: path.to_path_buf(), reason };
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(bad(error.to_string())),
    };
    let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    let stored_origin = json["origin"].as_str().ok_or_else(|| bad("no origin".into()))?;
    if stored_origin != origin {
        return Err(bad(format!("it is for the log {stored_origin:?}, not {origin:?}")));
    }
    let size = json["size"].as_u64().ok_or_else(|| bad("no size".into()))?;
    let root = json["root"]
        .as_str()
        .and_then(|root| BASE64.decode(root).ok())
        .and_then(|root| Digest256::try_from(root).ok())
        .ok_or_else(|| bad("no root".into()))?;
    let note = json["checkpoint"].as_str().unwrap_or_default().to_owned();
    Ok(Some((size, root, note)))
}

/// Replaces the state file atomically: temporary file, fsync, rename.
fn save_state(path: &Path, checkpoint: &Checkpoint, note: &str) -> Result<(), AuditError> {
    let bad =
        |error: std::io::Error| AuditError::State { path: path.to_path_buf(), reason: error.to_string() };
    let json = serde_json::json!({
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": BASE64.encode(checkpoint.root),
        "checkpoint": note,
    });
    let mut temp = path.as_os_str().to_owned();
    temp.push(".tmp");
    let temp = PathBuf::from(temp);
    let mut file = fs::File::create(&temp).map_err(bad)?;
    file.write_all(json.to_string().as_bytes()).and_then(|()| file.sync_all()).map_err(bad)?;
    fs::rename(&temp, path).map_err(bad)
}
