//! `assent bench-append`: submits freshly signed entries to a running gateway and measures
//! throughput and latency, as a client sees them. Entries are signed before the clock starts,
//! so the figures are the gateway's, not the signer's.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rand_core::TryRng;
use wasm_core::consent::{GrantCommitment, GrantDraft, LogEntry};

/// Why the benchmark stopped.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The URL is not an http:// URL the client can use.
    #[error("cannot use {0} as the gateway URL; give it as http://HOST:PORT")]
    Url(String),
    /// The gateway refused an entry or could not be reached.
    #[error("entry {index} was not acknowledged: {reason}; is the gateway running (with --rate-limit 0 for a benchmark)?")]
    Refused {
        /// Which entry.
        index: usize,
        /// What went wrong.
        reason: String,
    },
    /// Signing the entries failed.
    #[error("cannot sign the benchmark's entries: {0}")]
    Sign(String),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// Percentiles of a set of durations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Percentiles {
    /// Median.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// The slowest.
    pub max: Duration,
}

impl Percentiles {
    /// The percentiles of `samples` (sorted here); `None` when empty.
    pub fn of(samples: &mut [Duration]) -> Option<Percentiles> {
        samples.sort_unstable();
        let at = |q: f64| {
            let last = samples.len().checked_sub(1)?;
            samples.get(((last as f64) * q).round() as usize).copied()
        };
        Some(Percentiles { p50: at(0.5)?, p90: at(0.9)?, p99: at(0.99)?, max: at(1.0)? })
    }
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct BenchReport {
    /// Entries acknowledged.
    pub entries: usize,
    /// Wall time from the first request to the last acknowledgment.
    pub elapsed: Duration,
    /// Request to acknowledgment (which the gateway sends only after integration).
    pub acknowledgment: Percentiles,
    /// CPU time the load generator's one thread used between the first request and the last
    /// acknowledgment, where the system reports it (Linux): its share of a shared machine.
    pub client_cpu: Option<Duration>,
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let rate = self.entries as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON);
        let a = self.acknowledgment;
        writeln!(
            f,
            "entries: {} in {:.2} s: {:.0} entries/s",
            self.entries,
            self.elapsed.as_secs_f64(),
            rate
        )?;
        writeln!(
            f,
            "acknowledgment latency (ms): p50 {:.1}, p90 {:.1}, p99 {:.1}, max {:.1}",
            ms(a.p50),
            ms(a.p90),
            ms(a.p99),
            ms(a.max)
        )?;
        if let Some(cpu) = self.client_cpu {
            let per_entry = cpu.as_secs_f64() * 1e6 / (self.entries.max(1) as f64);
            writeln!(
                f,
                "load generator CPU: {:.2} s, {per_entry:.0} µs per entry (one thread)",
                cpu.as_secs_f64()
            )?;
        }
        write!(
            f,
            "integration latency: the same — each acknowledgment carries its inclusion proof in a committed checkpoint"
        )
    }
}

/// `count` valid grant-commitment entries for `origin`, each from a freshly signed grant under
/// a random patient key (signed on all cores, before any timing).
pub fn signed_entries(count: usize, origin: &str) -> Result<Vec<Vec<u8>>, BenchError> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from).max(1);
    let per_thread = count.div_ceil(threads);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| BenchError::Sign(e.to_string()))?
        .as_secs();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let share = per_thread.min(count.saturating_sub(worker * per_thread));
                scope.spawn(move || -> Result<Vec<Vec<u8>>, BenchError> {
                    let mut rng = getrandom::SysRng;
                    (0..share)
                        .map(|_| {
                            let mut secret = [0u8; 32];
                            rng.try_fill_bytes(&mut secret).map_err(|e| BenchError::Sign(e.to_string()))?;
                            let patient = ed25519_dalek::SigningKey::from_bytes(&secret);
                            let grant = GrantDraft {
                                audience: [7; 32],
                                scopes: vec!["patient/Observation.rs?category=laboratory".into()],
                                purpose: "TREAT".into(),
                                not_before: now,
                                expires_at: now + 86_400,
                                log_origin: origin.to_string(),
                            }
                            .sign(&patient, now, &mut rng)
                            .map_err(|e| BenchError::Sign(e.to_string()))?;
                            let statement = GrantCommitment::sign(&grant, &patient)
                                .map_err(|e| BenchError::Sign(e.to_string()))?;
                            Ok(LogEntry::Grant(statement).to_bytes())
                        })
                        .collect()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(count);
        for worker in workers {
            all.extend(worker.join().map_err(|_| BenchError::Sign("a signing thread failed".into()))??);
        }
        Ok(all)
    })
}

/// Submits `entries` to `url` over `concurrency` keep-alive connections and measures them.
///
/// The load generator shares the machine with the gateway in a benchmark, so it is kept lean,
/// as `wrk` is: one thread, and each worker owns one HTTP/1.1 connection (no pool to check
/// connections in and out of).
pub fn run(url: &str, entries: Vec<Vec<u8>>, concurrency: usize) -> Result<BenchReport, BenchError> {
    let endpoint: hyper::Uri =
        format!("{}/add", url.trim_end_matches('/')).parse().map_err(|_| BenchError::Url(url.to_string()))?;
    let (Some("http"), Some(authority)) = (endpoint.scheme_str(), endpoint.authority().cloned()) else {
        return Err(BenchError::Url(url.to_string()));
    };
    let address = format!("{}:{}", authority.host(), authority.port_u16().unwrap_or(80));
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(BenchError::Runtime)?;
    runtime.block_on(async move {
        let entries: Arc<Vec<Bytes>> = Arc::new(entries.into_iter().map(Bytes::from).collect());
        let next = Arc::new(AtomicUsize::new(0));
        let cpu_before = this_thread_cpu_time();
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency.max(1))
            .map(|_| {
                let (entries, next, address, host) =
                    (Arc::clone(&entries), Arc::clone(&next), address.clone(), authority.to_string());
                tokio::spawn(async move {
                    let stream = tokio::net::TcpStream::connect(&address).await.map_err(|e| refused(0, e))?;
                    // Best effort, as the gateway does: requests are written whole.
                    let _ = stream.set_nodelay(true);
                    let (mut sender, connection) =
                        hyper::client::conn::http1::handshake(TokioIo::new(stream))
                            .await
                            .map_err(|e| refused(0, e))?;
                    // Ends when the sender is dropped, i.e. when this worker is done.
                    tokio::spawn(connection);
                    let mut latencies = Vec::new();
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(body) = entries.get(index) else { return Ok(latencies) };
                        let request = hyper::Request::post("/add")
                            .header(hyper::header::HOST, host.as_str())
                            .body(Full::new(body.clone()))
                            .map_err(|e| refused(index, e))?;
                        let sent = Instant::now();
                        sender.ready().await.map_err(|e| refused(index, e))?;
                        let response = sender.send_request(request).await.map_err(|e| refused(index, e))?;
                        let status = response.status();
                        let reply =
                            response.into_body().collect().await.map_err(|e| refused(index, e))?.to_bytes();
                        if !status.is_success() {
                            let reason = format!("{status}: {}", String::from_utf8_lossy(&reply));
                            return Err(BenchError::Refused { index, reason });
                        }
                        latencies.push(sent.elapsed());
                    }
                })
            })
            .collect();
        let mut latencies = Vec::with_capacity(entries.len());
        for worker in workers {
            let done = worker.await.map_err(|e| refused(0, e))?;
            latencies.extend(done?);
        }
        let elapsed = started.elapsed();
        let client_cpu =
            this_thread_cpu_time().zip(cpu_before).map(|(after, before)| after.saturating_sub(before));
        let acknowledgment =
            Percentiles::of(&mut latencies).ok_or_else(|| refused(0, "no entries to send"))?;
        Ok(BenchReport { entries: latencies.len(), elapsed, acknowledgment, client_cpu })
    })
}

/// Entry `index` was not acknowledged, for `reason`.
fn refused(index: usize, reason: impl std::fmt::Display) -> BenchError {
    BenchError::Refused { index, reason: reason.to_string() }
}

/// The CPU time the calling thread has used, from Linux's `/proc/thread-self/schedstat`; `None`
/// elsewhere. The runtime is single-threaded, so this thread runs every request.
fn this_thread_cpu_time() -> Option<Duration> {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanoseconds))
}
