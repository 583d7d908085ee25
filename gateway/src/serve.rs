//! `assent serve`: the wallet app and the ledger API, from one origin.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use wasm_core::tlog::note::NoteSigner;

use crate::ledger::http::RateLimiter;
use crate::ledger::s3::S3Storage;
use crate::ledger::sequencer::SequencerConfig;
use crate::ledger::sqlite::SqliteStorage;
use crate::ledger::storage::{LogStorage, StorageError};
use crate::ledger::{http, Ledger, LedgerError};
use crate::witness::WitnessTarget;

/// The page's Content-Security-Policy: our own scripts and wasm only, no inline script or
/// style, no plugins, never framed. Requests go to this origin or to the HTTPS ledger gateways
/// the patient configures.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data: blob:; connect-src 'self' https:; font-src 'self'; manifest-src 'self'; \
worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Where and what to serve.
#[derive(Debug)]
pub struct ServeConfig {
    /// The ledger's data directory.
    pub data: PathBuf,
    /// Keep the log in an S3 bucket, `s3://BUCKET[/PREFIX]` (`--storage`), instead of SQLite
    /// under `data`.
    pub s3_url: Option<String>,
    /// The built app (Trunk's `dist/`).
    pub app: PathBuf,
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Signs the log's checkpoints; its name is the log's origin.
    pub signer: NoteSigner,
    /// `POST /add` requests allowed per client IP and second (burst: twice that); 0 is no limit.
    pub rate_limit: u32,
    /// Witnesses to submit each new checkpoint to (`--witness URL=VKEY`); none turns it off.
    pub witnesses: Vec<WitnessTarget>,
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The app has not been built.
    #[error("no built app at {0}: build it first with `make app` (or pass --app DIR)")]
    AppMissing(PathBuf),
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}; pick another address with --listen")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The ledger database could not be opened.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The ledger could not be opened.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The async runtime or the server failed.
    #[error("server error: {0}")]
    Runtime(std::io::Error),
}

/// Builds the HTTP routes: `ledger` (see [`http::routes`]), `/healthz`, and the app for
/// everything else. Every page and app file carries the security headers; ledger answers carry
/// `nosniff` and their own CORS and cache headers.
pub fn router(app_dir: &Path, ledger: Router) -> Router {
    let index = app_dir.join("index.html");
    // Paths without a file extension are app routes (/, /ledger, …): the app's router takes them.
    // Missing files with an extension stay 404, so a missing .wasm is never answered with HTML.
    let app_files = ServeDir::new(app_dir).fallback(axum::routing::any(move |request: Request<Body>| {
        let index = index.clone();
        async move {
            let last_segment = request.uri().path().rsplit('/').next().unwrap_or_default();
            if last_segment.contains('.') {
                StatusCode::NOT_FOUND.into_response()
            } else {
                match tower::ServiceExt::oneshot(ServeFile::new(index), request).await {
                    Ok(response) => response.into_response(),
                    Err(never) => match never {},
                }
            }
        }
    }));
    let app = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .fallback_service(app_files)
        .layer(header_layer(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_layer(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header_layer(header::REFERRER_POLICY, "no-referrer"))
        .layer(header_layer(header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin"))
        // App files keep stable names, so browsers must revalidate them to never mix versions.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        // Brotli or gzip, as the browser accepts: the wasm shrinks to about a third.
        .layer(CompressionLayer::new());
    // The ledger's answers are data, not pages, and mostly incompressible hashes: they skip the
    // page headers and the compression layer, which cost a third of a read's time.
    ledger.layer(header_layer(header::X_CONTENT_TYPE_OPTIONS, "nosniff")).merge(app)
}

fn header_layer(name: header::HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// Starts the server and blocks until Ctrl-C or SIGTERM. Prints the URL once listening.
pub fn run(config: ServeConfig) -> Result<(), ServeError> {
    if !config.app.join("index.html").is_file() {
        return Err(ServeError::AppMissing(config.app));
    }
    let mut s3 = None;
    let storage: Arc<dyn LogStorage> = match &config.s3_url {
        Some(url) => {
            let storage = Arc::new(S3Storage::open(url).map_err(StorageError::from)?);
            s3 = Some(Arc::clone(&storage));
            storage
        }
        None => {
            std::fs::create_dir_all(&config.data)
                .map_err(|source| ServeError::DataDir { path: config.data.clone(), source })?;
            Arc::new(SqliteStorage::open(&config.data)?)
        }
    };
    let ledger = Ledger::open(storage, config.signer, SequencerConfig::default())?;
    let limiter = (config.rate_limit > 0)
        .then(|| RateLimiter::new(f64::from(config.rate_limit), 2.0 * f64::from(config.rate_limit)));
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(ServeError::Runtime)?;
    // Off the append path: a background task on this runtime talks to the witnesses.
    let cosigned = (!config.witnesses.is_empty()).then(|| {
        let _runtime = runtime.enter();
        crate::witness::spawn_cosigner(ledger.clone(), config.witnesses)
    });
    let app = router(&config.app, http::witnessed_routes(ledger.clone(), limiter, cosigned));
    // Full tiles already in memory are answered before routing: most reads of a busy log.
    let app = tower::service_fn(move |request: Request<Body>| {
        let cached = http::cached_tile(&ledger, &request);
        let app = app.clone();
        async move {
            match cached {
                Some(response) => Ok(response),
                None => tower::ServiceExt::oneshot(app, request).await,
            }
        }
    });
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| ServeError::Bind { addr: config.listen, source })?;
        let bound = listener.local_addr().map_err(ServeError::Runtime)?;
        println!("Assent is running at http://{bound}/");
        // Answers are written whole: do not hold a tile's last segment back waiting for an ACK.
        let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
            // Best effort: without it, answers are only a little slower.
            let _ = stream.set_nodelay(true);
        });
        axum::serve(listener, axum::ServiceExt::into_make_service_with_connect_info::<SocketAddr>(app))
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(ServeError::Runtime)
    });
    // Stopped cleanly: let the next gateway take the bucket's lock without waiting for it to expire.
    if let Some(s3) = s3 {
        if let Err(error) = s3.release() {
            eprintln!("warning: {error}");
        }
    }
    served
}

/// Resolves on Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        // If the handler cannot be installed, fall back to waiting on SIGTERM only.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
