//! C2SP tlog-witness (<https://c2sp.org/tlog-witness>): `assent witness`, a witness server that
//! cosigns a log's checkpoints only when they are consistent with the last one it cosigned, and
//! the gateway's side, which submits each new checkpoint to its witnesses in the background and
//! serves the cosigned checkpoint at `GET /checkpoint`.
//!
//! The witness keeps, for each log, the size and root of the latest checkpoint it cosigned in a
//! JSON state file, replaced atomically (temporary file, fsync, rename, directory fsync) under a
//! lock held from the `old` size check to the write, so no two requests can roll it back.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use ed25519_dalek::SigningKey;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use wasm_core::hash::Digest256;
use wasm_core::tlog::checkpoint::{open_checkpoint, CheckpointError};
use wasm_core::tlog::note::{open_note, CosignatureSigner, NoteError, NoteVerifier, MAX_NOTE_BYTES};
use wasm_core::tlog::proof::verify_consistency;

use crate::ledger::Ledger;

/// File name of the witness's cosigning key seed inside its key directory.
pub const WITNESS_SEED_FILE: &str = "witness-key.seed";
/// File name of the witness's state inside its data directory.
pub const STATE_FILE: &str = "witness-state.json";
/// The most consistency proof lines a request may carry (the spec's limit).
pub const MAX_PROOF_LINES: usize = 63;
/// The largest `add-checkpoint` request body the witness reads.
const MAX_REQUEST_BYTES: usize = MAX_NOTE_BYTES + 64 * 1024;
/// The largest witness reply the gateway reads.
const MAX_REPLY_BYTES: usize = 64 * 1024;
/// How long the gateway waits for one witness.
const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the gateway looks for a new checkpoint to submit.
const POLL_INTERVAL: Duration = Duration::from_millis(100);
/// How long the gateway waits before submitting again after a witness failed.
const RETRY_DELAY: Duration = Duration::from_secs(1);

/// Why the witness (or the gateway's witness client) failed or refused a request.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    /// The key or state file could not be read or written.
    #[error("cannot use witness file {path}: {source}; check that the directory exists and is writable by this user")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The cosigning key could not be loaded or made.
    #[error("witness key: {0}")]
    KeyFile(#[from] crate::log_key::LogKeyError),
    /// The state file is not what this version writes.
    #[error("witness state file {path} is damaged ({reason}); restore it from a backup, never delete it (the witness would forget what it cosigned)")]
    CorruptState {
        /// The state file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A name or key is unusable.
    #[error("witness key: {0}")]
    Key(#[from] NoteError),
    /// A `--witness` or `--log` argument is malformed.
    #[error("{0}")]
    Usage(String),
    /// The request body is not `old N`, proof lines, an empty line and a checkpoint.
    #[error("malformed add-checkpoint request: {0}")]
    BadRequest(String),
    /// The checkpoint's origin is not a log this witness witnesses.
    #[error("this witness does not witness the log {0:?}: configure it with --log")]
    UnknownLog(String),
    /// No trusted log signature verifies.
    #[error("the checkpoint is not signed by the log's key: {0}")]
    Forbidden(CheckpointError),
    /// `old` is not the size of the latest cosigned checkpoint.
    #[error("old size does not match the latest cosigned size {0}")]
    Conflict(u64),
    /// Same size as the latest cosigned checkpoint, another root: a fork.
    #[error("the checkpoint has the size of the latest cosigned one but another root: the log has forked")]
    Fork(u64),
    /// The consistency proof does not verify.
    #[error("the consistency proof does not verify: {0}")]
    Inconsistent(String),
    /// The async runtime or server failed.
    #[error("witness server error: {0}")]
    Runtime(std::io::Error),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}; pick another address with --listen")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl WitnessError {
    /// The HTTP status the spec gives this refusal.
    fn status(&self) -> StatusCode {
        match self {
            WitnessError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WitnessError::UnknownLog(_) => StatusCode::NOT_FOUND,
            WitnessError::Forbidden(_) => StatusCode::FORBIDDEN,
            WitnessError::Conflict(_) | WitnessError::Fork(_) => StatusCode::CONFLICT,
            WitnessError::Inconsistent(_) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A parsed `add-checkpoint` request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the checkpoint the submitter believes the witness last cosigned.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size.
    pub proof: Vec<Digest256>,
    /// The signed checkpoint note.
    pub note: String,
}

impl AddCheckpoint {
    /// The request body: `old N`, the proof lines, an empty line, then the note.
    pub fn to_body(&self) -> String {
        let mut body = format!("old {}\n", self.old);
        for hash in &self.proof {
            body.push_str(&BASE64.encode(hash));
            body.push('\n');
        }
        body.push('\n');
        body.push_str(&self.note);
        body
    }

    /// Parses a request body strictly.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, WitnessError> {
        let bad = |why: &str| WitnessError::BadRequest(why.to_owned());
        let text = std::str::from_utf8(body).map_err(|_| bad("the body is not utf-8"))?;
        let (old_line, mut rest) = text.split_once('\n').ok_or_else(|| bad("no 'old <size>' line"))?;
        let digits =
            old_line.strip_prefix("old ").ok_or_else(|| bad("the first line is not 'old <size>'"))?;
        let canonical = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        let old =
            digits.parse().ok().filter(|_| canonical).ok_or_else(|| bad("the old size is not a decimal"))?;
        let mut proof = Vec::new();
        loop {
            let (line, after) =
                rest.split_once('\n').ok_or_else(|| bad("no empty line before the checkpoint"))?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(bad("more than 63 consistency proof lines"));
            }
            let hash = BASE64.decode(line).ok().and_then(|bytes| Digest256::try_from(bytes).ok());
            proof.push(hash.ok_or_else(|| bad("a proof line is not a base64 SHA-256 hash"))?);
        }
        Ok(AddCheckpoint { old, proof, note: rest.to_owned() })
    }
}

/// What the witness remembers about one log: its latest cosigned checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogState {
    /// The tree size.
    pub size: u64,
    /// The root hash.
    pub root: Digest256,
}

/// The witness's durable state: the latest cosigned checkpoint of each log, by origin.
#[derive(Debug)]
pub struct WitnessState {
    path: PathBuf,
    logs: BTreeMap<String, LogState>,
}

impl WitnessState {
    /// Loads the state from `dir` (creating the directory; a missing file is an empty state).
    pub fn open(dir: &Path) -> Result<WitnessState, WitnessError> {
        fs::create_dir_all(dir).map_err(|source| WitnessError::Io { path: dir.to_path_buf(), source })?;
        let path = dir.join(STATE_FILE);
        let corrupt = |reason: String| WitnessError::CorruptState { path: path.clone(), reason };
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(WitnessState { path, logs: BTreeMap::new() })
            }
            Err(source) => return Err(WitnessError::Io { path, source }),
        };
        let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
        let object = json.as_object().ok_or_else(|| corrupt("not a JSON object".into()))?;
        let mut logs = BTreeMap::new();
        for (origin, log) in object {
            let size = log["size"].as_u64().ok_or_else(|| corrupt(format!("{origin}: no size")))?;
            let root = log["root"]
                .as_str()
                .and_then(|root| BASE64.decode(root).ok())
                .and_then(|root| Digest256::try_from(root).ok())
                .ok_or_else(|| corrupt(format!("{origin}: no root")))?;
            logs.insert(origin.clone(), LogState { size, root });
        }
        Ok(WitnessState { path, logs })
    }

    /// The latest cosigned checkpoint of `origin`, if any.
    pub fn get(&self, origin: &str) -> Option<LogState> {
        self.logs.get(origin).copied()
    }

    /// Records `state` for `origin` durably: the file is replaced whole or not at all.
    pub fn set(&mut self, origin: &str, state: LogState) -> Result<(), WitnessError> {
        let mut logs = self.logs.clone();
        logs.insert(origin.to_owned(), state);
        let json: serde_json::Map<String, serde_json::Value> = logs
            .iter()
            .map(|(origin, log)| {
                let value = serde_json::json!({ "size": log.size, "root": BASE64.encode(log.root) });
                (origin.clone(), value)
            })
            .collect();
        let temp = self.path.with_extension("json.tmp");
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| WitnessError::Io { path, source }
        };
        let mut file = fs::File::create(&temp).map_err(io(&temp))?;
        file.write_all(serde_json::Value::Object(json).to_string().as_bytes()).map_err(io(&temp))?;
        file.sync_all().map_err(io(&temp))?;
        fs::rename(&temp, &self.path).map_err(io(&self.path))?;
        // The rename is durable only once the directory is synced.
        if let Some(dir) = self.path.parent() {
            fs::File::open(dir).and_then(|dir| dir.sync_all()).map_err(io(dir))?;
        }
        self.logs = logs;
        Ok(())
    }
}

/// Loads the witness's cosigning key seed from `dir`, or creates the directory and a new random
/// key (mode 0600). An existing file is never overwritten.
pub fn load_or_create_key(dir: &Path) -> Result<SigningKey, WitnessError> {
    Ok(crate::log_key::load_or_create_seed(dir, WITNESS_SEED_FILE)?)
}

/// A running witness's shared state.
struct Witness {
    signer: CosignatureSigner,
    /// Trusted log keys; a log's origin is its key's name.
    logs: Vec<NoteVerifier>,
    state: Mutex<WitnessState>,
}

impl Witness {
    /// Checks a request and, if it passes, records the checkpoint and returns the cosignature
    /// line. `now` is the cosignature time in Unix seconds.
    fn add_checkpoint(&self, body: &[u8], now: u64) -> Result<String, WitnessError> {
        let request = AddCheckpoint::parse(body)?;
        let origin = request.note.split('\n').next().unwrap_or_default();
        let verifiers: Vec<NoteVerifier> =
            self.logs.iter().filter(|log| log.name() == origin).cloned().collect();
        if verifiers.is_empty() {
            return Err(WitnessError::UnknownLog(origin.to_owned()));
        }
        let (checkpoint, opened) = match open_checkpoint(request.note.as_bytes(), origin, &verifiers) {
            Ok(opened) => opened,
            Err(
                error @ (CheckpointError::NotSignedByLog
                | CheckpointError::Note(
                    NoteError::NoKnownSignature
                    | NoteError::InvalidSignature { .. }
                    | NoteError::KeyIdMismatch { .. },
                )),
            ) => return Err(WitnessError::Forbidden(error)),
            Err(error) => return Err(WitnessError::BadRequest(error.to_string())),
        };
        if request.old > checkpoint.size {
            return Err(WitnessError::BadRequest(format!(
                "old size {} is larger than the checkpoint size {}",
                request.old, checkpoint.size
            )));
        }
        // Held from the check to the write: two requests cannot both pass against one state.
        let mut state =
            self.state.lock().map_err(|_| WitnessError::Runtime(std::io::Error::other("poisoned")))?;
        let stored = state.get(origin);
        let stored_size = stored.map_or(0, |log| log.size);
        if request.old != stored_size {
            return Err(WitnessError::Conflict(stored_size));
        }
        match stored {
            Some(stored) if stored.size == checkpoint.size => {
                if stored.root != checkpoint.root {
                    return Err(WitnessError::Fork(stored.size));
                }
                if !request.proof.is_empty() {
                    return Err(WitnessError::Inconsistent(
                        "the sizes are equal, so the proof must be empty".into(),
                    ));
                }
            }
            // Everything extends the empty tree; RFC 9162 has no proof for it.
            Some(stored) if stored.size > 0 => {
                verify_consistency(
                    stored.size,
                    checkpoint.size,
                    &request.proof,
                    &stored.root,
                    &checkpoint.root,
                )
                .map_err(|error| WitnessError::Inconsistent(error.to_string()))?;
            }
            _ if !request.proof.is_empty() => {
                return Err(WitnessError::Inconsistent(
                    "the old size is 0, so the proof must be empty".into(),
                ));
            }
            _ => {}
        }
        let line = self.signer.cosignature_line(opened.text(), now)?;
        state.set(origin, LogState { size: checkpoint.size, root: checkpoint.root })?;
        Ok(line)
    }
}

/// Seconds since the Unix epoch, from the system clock.
fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

async fn add_checkpoint(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let answer = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body, unix_now())).await;
    match answer {
        Ok(Ok(line)) => ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], line).into_response(),
        Ok(Err(WitnessError::Conflict(size))) => {
            (StatusCode::CONFLICT, [(header::CONTENT_TYPE, "text/x.tlog.size")], format!("{size}\n"))
                .into_response()
        }
        Ok(Err(error)) => {
            (error.status(), [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{error}\n"))
                .into_response()
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "the request failed; try again\n").into_response(),
    }
}

/// How to run `assent witness`.
#[derive(Debug)]
pub struct WitnessConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Directory of the state file.
    pub data: PathBuf,
    /// The cosigning key.
    pub signer: CosignatureSigner,
    /// The logs to witness (their origin is their key name).
    pub logs: Vec<NoteVerifier>,
}

/// Runs the witness until Ctrl-C or SIGTERM. Prints the URL once listening.
pub fn run(config: WitnessConfig) -> Result<(), WitnessError> {
    let state = WitnessState::open(&config.data)?;
    let witness = Arc::new(Witness { signer: config.signer, logs: config.logs, state: Mutex::new(state) });
    let app = Router::new()
        .route("/add-checkpoint", post(add_checkpoint).layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES)))
        .with_state(witness);
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(WitnessError::Runtime)?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| WitnessError::Bind { addr: config.listen, source })?;
        let bound = listener.local_addr().map_err(WitnessError::Runtime)?;
        println!("Assent witness is running at http://{bound}/");
        axum::serve(listener, app)
            .with_graceful_shutdown(crate::serve::shutdown_signal())
            .await
            .map_err(WitnessError::Runtime)
    })
}

/// Parses a `--log` verifier key: an Ed25519 log key, whose name is the log's origin.
pub fn parse_log_key(vkey: &str) -> Result<NoteVerifier, WitnessError> {
    let verifier = NoteVerifier::parse(vkey)?;
    if verifier.key_type() != wasm_core::tlog::note::KeyType::Ed25519 {
        return Err(WitnessError::Usage(format!(
            "--log {vkey}: not an ed25519 log key; pass the verifier key `assent serve` prints"
        )));
    }
    Ok(verifier)
}

/// A witness the gateway submits checkpoints to: `--witness URL=VKEY`.
#[derive(Clone, Debug)]
pub struct WitnessTarget {
    /// The `add-checkpoint` endpoint.
    pub endpoint: String,
    /// The witness's cosignature/v1 verifier key.
    pub verifier: NoteVerifier,
}

impl WitnessTarget {
    /// Parses `URL=VKEY`: an `http://` submission prefix and the witness's verifier key.
    pub fn parse(argument: &str) -> Result<WitnessTarget, WitnessError> {
        let usage = |why: &str| WitnessError::Usage(format!("--witness {argument}: {why}"));
        let (url, vkey) = argument.split_once('=').ok_or_else(|| usage("expected URL=VKEY"))?;
        if !url.starts_with("http://") {
            return Err(usage("the URL must start with http:// (put a TLS proxy in front for https)"));
        }
        let endpoint = format!("{}/add-checkpoint", url.trim_end_matches('/'));
        endpoint.parse::<hyper::Uri>().map_err(|_| usage("the URL is not valid"))?;
        let verifier = NoteVerifier::parse(vkey).map_err(|error| usage(&error.to_string()))?;
        if verifier.key_type() != wasm_core::tlog::note::KeyType::CosignatureV1 {
            return Err(usage(
                "the key is not a cosignature/v1 witness key; pass the key `assent witness` prints",
            ));
        }
        Ok(WitnessTarget { endpoint, verifier })
    }
}

/// The latest cosigned checkpoint note, shared between the witness task and `GET /checkpoint`.
#[derive(Clone, Debug, Default)]
pub struct Cosigned(Arc<RwLock<Option<Arc<str>>>>);

impl Cosigned {
    /// The latest checkpoint with its cosignatures, once any witness has cosigned one.
    pub fn latest(&self) -> Option<Arc<str>> {
        match self.0.read() {
            Ok(note) => note.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn publish(&self, note: String) {
        if let Ok(mut latest) = self.0.write() {
            *latest = Some(note.into());
        }
    }
}

/// Starts the background task that submits each new checkpoint of `ledger` to `witnesses` and
/// publishes the cosigned result in the returned [`Cosigned`]. It runs on the current Tokio
/// runtime, never on the append path: a slow or failing witness only delays cosignatures.
pub fn spawn_cosigner(ledger: Ledger, witnesses: Vec<WitnessTarget>) -> Cosigned {
    let cosigned = Cosigned::default();
    let published = cosigned.clone();
    tokio::spawn(async move {
        let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
        // What each witness last cosigned; 0 at first, the spec's way to learn it (409).
        let mut sizes = vec![0u64; witnesses.len()];
        let mut done = None;
        loop {
            tokio::time::sleep(POLL_INTERVAL).await;
            let head = ledger.head();
            // An empty log has nothing to witness yet.
            if head.size == 0 || done == Some((head.size, head.root)) {
                continue;
            }
            let mut note = head.note.clone();
            let mut all = true;
            for (witness, size) in witnesses.iter().zip(sizes.iter_mut()) {
                match submit(&client, &ledger, witness, size, &head.note, head.size).await {
                    Ok(line) => note.push_str(&line),
                    Err(reason) => {
                        all = false;
                        eprintln!(
                            "assent: witness {} did not cosign size {}: {reason}",
                            witness.endpoint, head.size
                        );
                    }
                }
            }
            if note.len() > head.note.len() {
                published.publish(note);
            }
            if all {
                done = Some((head.size, head.root));
            } else {
                tokio::time::sleep(RETRY_DELAY).await;
            }
        }
    });
    cosigned
}

/// Submits the checkpoint `note` of `size` to one witness, learning its size from a 409 once;
/// returns its verified cosignature line.
async fn submit(
    client: &Client<HttpConnector, Full<Bytes>>,
    ledger: &Ledger,
    witness: &WitnessTarget,
    known: &mut u64,
    note: &str,
    size: u64,
) -> Result<String, String> {
    for _ in 0..2 {
        if *known > size {
            return Err(format!("the witness has cosigned size {known}, larger than this log's {size}"));
        }
        let (old, ledger) = (*known, ledger.clone());
        let proof = tokio::task::spawn_blocking(move || ledger.consistency_proof(old, size))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        let body = AddCheckpoint { old, proof, note: note.to_owned() }.to_body();
        let request = hyper::Request::post(witness.endpoint.as_str())
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let exchange = async {
            let response = client.request(request).await.map_err(|e| e.to_string())?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_REPLY_BYTES)
                .collect()
                .await
                .map_err(|e| e.to_string())?
                .to_bytes();
            Ok::<_, String>((status, String::from_utf8_lossy(&body).into_owned()))
        };
        let (status, reply) =
            tokio::time::timeout(WITNESS_TIMEOUT, exchange).await.map_err(|_| "timed out".to_owned())??;
        if status == StatusCode::CONFLICT {
            if let Some(stored) = reply.strip_suffix('\n').and_then(|digits| digits.parse().ok()) {
                *known = stored;
                continue;
            }
        }
        if !status.is_success() {
            return Err(format!("{status}: {}", reply.trim_end()));
        }
        *known = size;
        // Keep only lines that verify as this witness's cosignature of this checkpoint.
        let line = reply.split_inclusive('\n').find(|line| {
            let cosigned = format!("{note}{line}");
            open_note(cosigned.as_bytes(), std::slice::from_ref(&witness.verifier))
                .is_ok_and(|opened| opened.signature_by(&witness.verifier).is_some())
        });
        return line.map(str::to_owned).ok_or_else(|| "its reply holds no valid cosignature".to_owned());
    }
    Err("the witness's size changed twice while submitting; will retry".to_owned())
}
