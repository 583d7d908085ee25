//! The ledger's HTTP API, on the app's origin: `POST /add`, `GET /checkpoint`, the C2SP
//! tlog-tiles paths `GET /tile/<L>/<N>[.p/<W>]` and `GET /tile/entries/<N>[.p/<W>]`, and
//! `GET /log-vkey` (the log's verifier key, for the app served beside it), and
//! `GET /revocation/<size>/<key hex>`: the revocation map proof for a key in the map the
//! checkpoint of that size binds (`wasm_core::revmap`), and `GET /access/<size>/<key hex>`
//! (optionally `?after=<index>`): the access trail answer for a key in the access map that
//! checkpoint binds (`wasm_core::accessmap`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use wasm_core::consent::entry::MAX_ENTRY_BYTES;
use wasm_core::consent::ConsentError;
use wasm_core::tlog::bundle::ProofBundle;
use wasm_core::tlog::tiles::TilePath;

use super::sequencer::Added;
use super::{Ledger, LedgerError};
use crate::witness::Cosigned;

/// Full tiles never change: cache them for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Partial tiles and the checkpoint grow: revalidate every time.
const NO_CACHE: &str = "no-cache";
/// Most client addresses the rate limiter remembers before it forgets idle ones.
const MAX_TRACKED_CLIENTS: usize = 65_536;

/// A per-client-IP token bucket for `POST /add`.
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// Allows each client `per_second` entries a second on average, `burst` at once.
    pub fn new(per_second: f64, burst: f64) -> RateLimiter {
        RateLimiter { per_second, burst: burst.max(1.0), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes a token for `client`; false if its bucket is empty.
    pub fn allow(&self, client: IpAddr) -> bool {
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else { return true };
        if buckets.len() >= MAX_TRACKED_CLIENTS {
            // Forget clients whose bucket has refilled: they lose nothing.
            let (per_second, burst) = (self.per_second, self.burst);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_second < burst
            });
        }
        let (tokens, at) = buckets.entry(client).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Clone)]
struct Api {
    ledger: Ledger,
    limiter: Option<Arc<RateLimiter>>,
    cosigned: Option<Cosigned>,
}

/// The ledger routes, to merge into the app's router. Rate limiting needs the server to be run
/// with `into_make_service_with_connect_info::<SocketAddr>()`; without it, it is skipped.
pub fn routes(ledger: Ledger, limiter: Option<RateLimiter>) -> Router {
    witnessed_routes(ledger, limiter, None)
}

/// Like [`routes`], with `GET /checkpoint` serving the latest checkpoint the witnesses cosigned
/// (see [`crate::witness::spawn_cosigner`]), or the log-signed one until there is one.
pub fn witnessed_routes(ledger: Ledger, limiter: Option<RateLimiter>, cosigned: Option<Cosigned>) -> Router {
    Router::new()
        .route("/add", post(add).layer(DefaultBodyLimit::max(MAX_ENTRY_BYTES)))
        .route("/checkpoint", get(checkpoint))
        .route("/log-vkey", get(verifier_key))
        .route("/tile/{*path}", get(tile))
        .route("/revocation/{size}/{key}", get(revocation_proof))
        .route("/access/{size}/{key}", get(access_trail))
        // Not tiles, but under the log's prefix: answer as the API does, not with the app.
        .route("/tile", get(no_tile))
        .route("/tile/", get(no_tile))
        .with_state(Api { ledger, limiter: limiter.map(Arc::new), cosigned })
}

/// `{"error": message}` with `status`.
fn error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn ledger_error(failure: &LedgerError) -> Response {
    let status = match failure {
        LedgerError::Entry(ConsentError::TooLarge { .. }) => StatusCode::PAYLOAD_TOO_LARGE,
        LedgerError::Entry(_) | LedgerError::BadPath(_) | LedgerError::WrongLog { .. } => {
            StatusCode::BAD_REQUEST
        }
        LedgerError::NotFound(_) => StatusCode::NOT_FOUND,
        LedgerError::Integration(_) | LedgerError::Stopped | LedgerError::Busy => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error(status, &failure.to_string())
}

async fn add(
    State(api): State<Api>,
    client: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    if let (Some(limiter), Some(Extension(ConnectInfo(addr)))) = (&api.limiter, client) {
        if !limiter.allow(addr.ip()) {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                "too many entries from this address; wait a second and try again",
            );
        }
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                &format!(
                    "the entry is larger than {MAX_ENTRY_BYTES} bytes; a log entry is one signed object"
                ),
            )
        }
        Err(rejection) => {
            return error(
                rejection.status(),
                &format!("cannot read the request body ({rejection}); send it again"),
            )
        }
    };
    match api.ledger.add(body.to_vec()).await {
        Ok(added) => axum::Json(added_json(&added)).into_response(),
        Err(failure) => ledger_error(&failure),
    }
}

/// The answer to `POST /add`: the entry's index and leaf hash, and its proof as a C2SP
/// tlog-proof bundle (the inclusion proof and the checkpoint it leads to), verifiable offline.
#[derive(serde::Serialize)]
struct AddedAnswer {
    index: u64,
    leaf_hash: String,
    checkpoint_size: u64,
    proof_bundle: String,
}

fn added_json(added: &Added) -> AddedAnswer {
    AddedAnswer {
        index: added.index,
        leaf_hash: BASE64.encode(added.leaf_hash),
        checkpoint_size: added.head.size,
        proof_bundle: ProofBundle {
            extra: None,
            index: added.index,
            proof: added.proof.clone(),
            checkpoint_note: added.head.note.clone(),
        }
        .to_text(),
    }
}

/// `bytes` as `application/octet-stream`, with the read headers.
fn octet_stream(bytes: impl IntoResponse, cache: &'static str) -> Response {
    with_read_headers(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response(), cache)
}

fn with_read_headers(mut response: Response, cache: &'static str) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    response
}

async fn checkpoint(State(api): State<Api>) -> Response {
    let note = match api.cosigned.as_ref().and_then(Cosigned::latest) {
        Some(cosigned) => cosigned.to_string(),
        None => api.ledger.head().note.clone(),
    };
    with_read_headers(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response(), NO_CACHE)
}

/// The log's verifier key, so the app this gateway serves can preset it as its local gateway.
/// (A client that did not get the app from here should pin the key it was given instead.)
async fn verifier_key(State(api): State<Api>) -> Response {
    let body = format!("{}\n", api.ledger.verifier_key());
    with_read_headers(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response(), NO_CACHE)
}

async fn revocation_proof(State(api): State<Api>, Path((size, key)): Path<(String, String)>) -> Response {
    let key: Option<[u8; 32]> = hex::decode(&key).ok().and_then(|bytes| bytes.try_into().ok());
    let (Some(key), Ok(size)) = (key, size.parse::<u64>()) else {
        return with_read_headers(
            error(
                StatusCode::BAD_REQUEST,
                "a revocation proof path is /revocation/<checkpoint size>/<map key, 64 hex digits>",
            ),
            NO_CACHE,
        );
    };
    match api.ledger.revocation_proof(size, &wasm_core::revmap::MapKey::from_bytes(key)) {
        // The map bound to a checkpoint never changes, so neither does the proof.
        Ok(proof) => octet_stream(proof, IMMUTABLE),
        Err(failure) => with_read_headers(ledger_error(&failure), NO_CACHE),
    }
}

/// The page of events after `?after=<index>`, if asked: `Some(None)` for no query, `None` for
/// any other query.
fn after_query(query: Option<&str>) -> Option<Option<u64>> {
    let Some(query) = query else { return Some(None) };
    let digits = query.strip_prefix("after=")?;
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(Some)
}

async fn access_trail(
    State(api): State<Api>,
    Path((size, key)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let key: Option<[u8; 32]> = hex::decode(&key).ok().and_then(|bytes| bytes.try_into().ok());
    let (Some(key), Ok(size), Some(after)) = (key, size.parse::<u64>(), after_query(query.as_deref())) else {
        return with_read_headers(
            error(
                StatusCode::BAD_REQUEST,
                "an access trail path is /access/<checkpoint size>/<access key, 64 hex digits>, optionally with ?after=<log index>",
            ),
            NO_CACHE,
        );
    };
    let ledger = api.ledger.clone();
    let key = wasm_core::accessmap::AccessKey::from_bytes(key);
    let response = match tokio::task::spawn_blocking(move || ledger.access_trail(size, &key, after)).await {
        // The map bound to a checkpoint never changes, nor do the entries: neither does the answer.
        Ok(Ok(answer)) => {
            return octet_stream(answer, IMMUTABLE);
        }
        Ok(Err(failure)) => ledger_error(&failure),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "reading the access trail failed; try again"),
    };
    with_read_headers(response, NO_CACHE)
}

async fn no_tile() -> Response {
    with_read_headers(
        error(
            StatusCode::NOT_FOUND,
            "no tile here: tile paths are /tile/<level>/<index> or /tile/entries/<index>",
        ),
        NO_CACHE,
    )
}

/// The answer to `GET /tile/…` for a full tile or bundle already in memory, built without the
/// router: the same bytes and headers as [`tile`] gives it, for a fifth less CPU per read of an
/// entry bundle (BENCHMARKS.md). `None` for anything else, which the router answers.
pub fn cached_tile(ledger: &Ledger, request: &axum::extract::Request) -> Option<Response> {
    if request.method() != axum::http::Method::GET {
        return None;
    }
    let path = request.uri().path().strip_prefix('/').filter(|path| path.starts_with("tile/"))?;
    let bytes = ledger.cached(path)?;
    let mut response = octet_stream(bytes, IMMUTABLE);
    // The router's ledger layer adds this to the routed answer.
    response.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    Some(response)
}

async fn tile(State(api): State<Api>, Path(path): Path<String>) -> Response {
    let path = format!("tile/{path}");
    // A full tile served before comes from memory, without a trip to the blocking pool.
    if let Some(bytes) = api.ledger.cached(&path) {
        return octet_stream(bytes, IMMUTABLE);
    }
    let ledger = api.ledger.clone();
    let response = match tokio::task::spawn_blocking(move || ledger.read(&path)).await {
        Ok(Ok((parsed, bytes))) => {
            let partial = match parsed {
                TilePath::Hashes(tile) => tile.is_partial(),
                TilePath::Entries(bundle) => bundle.is_partial(),
            };
            return octet_stream(bytes, if partial { NO_CACHE } else { IMMUTABLE });
        }
        Ok(Err(failure)) => ledger_error(&failure),
        Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "reading the tile failed; try again"),
    };
    with_read_headers(response, NO_CACHE)
}
