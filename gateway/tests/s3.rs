//! `assent serve --storage s3://…` against a real S3-compatible server on loopback (s3s-fs,
//! started by `scripts/s3-server.sh`): adds over HTTP, de-duplication, restarts, the
//! single-sequencer lock, a bucket a CDN can serve as is, and `kill -9`.
//!
//! Start the server first:
//! `eval "$(bash scripts/s3-server.sh start)" && cargo test -p gateway --test s3`.

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path as FsPath;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, UpdateVersion};
use support::{app_fixture, check_added, entries, get, request, served_checkpoint, ASSENT};
use wasm_core::tlog::checkpoint::Checkpoint;
use wasm_core::tlog::merkle::leaf_hash;
use wasm_core::tlog::tiles::{decode_entry_bundle, tiles_for_size, TilePath, TileSet, TiledTree};

/// Short leases, so a test restarting after `kill -9` waits seconds, not the default ten; not
/// shorter, since a renewal every third of it must get through on a loaded 2-core machine (at
/// 2 s a late renewal made an add fail in CI with "no longer holds the bucket's sequencer lock").
const LOCK_TTL_SECS: u64 = 5;

/// The bucket from the environment `scripts/s3-server.sh start` prints; fails loudly without it.
fn bucket() -> String {
    let missing: Vec<&str> =
        ["AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ASSENT_S3_BUCKET"]
            .into_iter()
            .filter(|name| std::env::var(name).map_or(true, |value| value.is_empty()))
            .collect();
    assert!(
        missing.is_empty(),
        "the S3 tests need a running S3-compatible server, and {missing:?} are not set. Start one with \
         `eval \"$(bash scripts/s3-server.sh start)\"` (stop it with `bash scripts/s3-server.sh stop`), \
         then run the tests again in that shell"
    );
    std::env::var("ASSENT_S3_BUCKET").expect("checked above")
}

/// A fresh `s3://BUCKET/PREFIX` for one test, and its prefix.
fn fresh_log(name: &str) -> (String, String) {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_nanos();
    let prefix = format!("{name}-{}-{nanos}", std::process::id());
    (format!("s3://{}/{prefix}", bucket()), prefix)
}

/// Reads objects straight from the bucket, as a CDN would.
struct Bucket {
    store: object_store::aws::AmazonS3,
    runtime: tokio::runtime::Runtime,
    prefix: String,
}

impl Bucket {
    fn new(prefix: &str) -> Bucket {
        let store =
            AmazonS3Builder::from_env().with_bucket_name(bucket()).build().expect("S3 client from AWS_* env");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        Bucket { store, runtime, prefix: prefix.to_owned() }
    }

    fn get(&self, path: &str) -> Option<Vec<u8>> {
        let location = Path::from(format!("{}/{path}", self.prefix));
        self.runtime.block_on(async {
            match self.store.get(&location).await {
                Ok(result) => Some(result.bytes().await.expect("object body").to_vec()),
                Err(object_store::Error::NotFound { .. }) => None,
                Err(error) => panic!("GET {location}: {error}"),
            }
        })
    }
}

/// A running `assent serve`, killed (SIGKILL) on drop.
struct Server {
    child: Child,
    addr: String,
    vkey: String,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Stops the server with SIGTERM, as an operator would, and waits for it to exit.
    fn stop(mut self) {
        let status =
            Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("run kill");
        assert!(status.success());
        let exit = self.child.wait().expect("wait for serve");
        assert!(exit.success(), "serve exited with {exit}: {}", self.stderr.lock().expect("lock"));
    }
}

/// Starts `assent serve` on the S3 log at `url`; the stderr of a server that exits first.
fn try_start(root: &FsPath, url: &str) -> Result<Server, String> {
    let dist = app_fixture(root);
    let mut child = Command::new(ASSENT)
        .args(["serve", "--listen", "127.0.0.1:0", "--rate-limit", "0", "--storage", url])
        .arg("--key")
        .arg(root.join("keys"))
        .arg("--app")
        .arg(&dist)
        .env("ASSENT_S3_LOCK_TTL_SECS", LOCK_TTL_SECS.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn assent serve");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut stderr_pipe = child.stderr.take().expect("stderr is piped");
    let stderr = Arc::new(Mutex::new(String::new()));
    let collected = Arc::clone(&stderr);
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        collected.lock().expect("lock").push_str(&text);
    });
    let mut server = Server { child, addr: String::new(), vkey: String::new(), stderr };
    let mut stdout = BufReader::new(stdout);
    loop {
        let mut line = String::new();
        if stdout.read_line(&mut line).expect("read stdout") == 0 {
            let _ = server.child.wait();
            let _ = reader.join();
            let text = server.stderr.lock().expect("lock").clone();
            return Err(text);
        }
        if let Some(key) = line.trim().strip_prefix("log verifier key: ") {
            server.vkey = key.to_owned();
        }
        if let Some(rest) = line.trim().strip_prefix("Assent is running at http://") {
            server.addr = rest.trim_end_matches('/').to_owned();
            return Ok(server);
        }
    }
}

fn start(root: &FsPath, url: &str) -> Server {
    try_start(root, url).unwrap_or_else(|stderr| panic!("serve did not start: {stderr}"))
}

/// Starts the server, waiting for a dead predecessor's lock to expire.
fn start_after_crash(root: &FsPath, url: &str) -> Server {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match try_start(root, url) {
            Ok(server) => return server,
            Err(stderr) if stderr.contains("in use by another gateway") && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(300));
            }
            Err(stderr) => panic!("serve did not start: {stderr}"),
        }
    }
}

/// Adds `entry`; returns its index after checking the proof.
fn add(server: &Server, entry: &[u8]) -> u64 {
    let response = request(&server.addr, "POST", "/add", entry).expect("POST /add");
    assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
    check_added(&response.json(), entry, &server.vkey)
}

fn checkpoint(server: &Server) -> Checkpoint {
    served_checkpoint(&server.addr, &server.vkey)
}

/// Every tile and bundle of the tree of `size` over HTTP: checks the root, returns the entries.
fn fetch_entries(server: &Server) -> Vec<Vec<u8>> {
    let head = checkpoint(server);
    let mut tiles = TileSet::new();
    let mut all = Vec::new();
    for path in tiles_for_size(head.size) {
        let response = get(&server.addr, &format!("/{}", path.path()));
        assert_eq!(response.status, 200, "{path}");
        match path {
            TilePath::Hashes(tile) => tiles.insert(tile, response.body).expect("tile has its width"),
            TilePath::Entries(bundle) => {
                let decoded =
                    decode_entry_bundle(&response.body, usize::from(bundle.width())).expect("bundle decodes");
                all.extend(decoded.into_iter().map(<[u8]>::to_vec));
            }
        }
    }
    assert_eq!(TiledTree::new(head.size, &tiles).root().expect("root from tiles"), head.root);
    all
}

#[test]
fn adds_are_deduplicated_and_the_bucket_serves_the_same_bytes() {
    let (url, prefix) = fresh_log("bytes");
    let root = tempfile::tempdir().expect("temp dir");
    let server = start(root.path(), &url);
    assert_eq!(checkpoint(&server).size, 0, "a new log starts with a signed empty checkpoint");

    // Past one full bundle and tile, in a few batches.
    let added = entries(1, 300);
    for (expected, entry) in added.iter().enumerate() {
        assert_eq!(add(&server, entry), expected as u64);
    }
    assert_eq!(add(&server, &added[5]), 5, "the same entry keeps its index");
    assert_eq!(add(&server, &added[299]), 299, "the same entry keeps its index");
    assert_eq!(checkpoint(&server).size, 300);
    assert_eq!(fetch_entries(&server), added);

    // A CDN in front of the bucket serves exactly what the gateway serves.
    let bucket = Bucket::new(&prefix);
    let served = get(&server.addr, "/checkpoint").body;
    assert_eq!(bucket.get("checkpoint").as_deref(), Some(&served[..]), "checkpoint");
    for path in tiles_for_size(300) {
        let path = path.path();
        let served = get(&server.addr, &format!("/{path}"));
        assert_eq!(served.status, 200, "{path}");
        assert_eq!(bucket.get(&path).as_deref(), Some(&served.body[..]), "{path}");
    }
}

#[test]
fn a_restart_continues_the_log() {
    let (url, _) = fresh_log("restart");
    let root = tempfile::tempdir().expect("temp dir");
    let added = entries(2, 20);
    let note = {
        let server = start(root.path(), &url);
        for (expected, entry) in added[..10].iter().enumerate() {
            assert_eq!(add(&server, entry), expected as u64);
        }
        let note = get(&server.addr, "/checkpoint").body;
        // A clean stop releases the lock, so the restart need not wait for it to expire.
        server.stop();
        note
    };
    let server = start(root.path(), &url);
    assert_eq!(get(&server.addr, "/checkpoint").body, note, "the stored checkpoint is served as is");
    assert_eq!(add(&server, &added[3]), 3, "entries from before the restart are found");
    for (expected, entry) in (10..).zip(&added[10..]) {
        assert_eq!(add(&server, entry), expected);
    }
    assert_eq!(fetch_entries(&server), added);
}

#[test]
fn objects_left_beyond_the_checkpoint_by_a_crash_are_rewritten() {
    let (url, prefix) = fresh_log("leftovers");
    let root = tempfile::tempdir().expect("temp dir");
    let added = entries(6, 6);
    let server = start(root.path(), &url);
    for (expected, entry) in added[..4].iter().enumerate() {
        assert_eq!(add(&server, entry), expected as u64);
    }
    server.stop();

    // What a batch that crashed before its checkpoint leaves behind: a wider bundle and tile,
    // and a dedup record claiming index 4 for an entry that never made it into the log.
    let bucket = Bucket::new(&prefix);
    let put = |path: &str, bytes: Vec<u8>| {
        let location = Path::from(format!("{prefix}/{path}"));
        bucket.runtime.block_on(bucket.store.put(&location, bytes.into())).expect("put leftover");
    };
    put("tile/entries/000.p/5", b"garbage".to_vec());
    put("tile/0/000.p/5", vec![0xAA; 5 * 32]);
    put(&format!("dedup/{}", hex::encode(leaf_hash(&added[5]))), b"4".to_vec());

    let server = start(root.path(), &url);
    assert_eq!(checkpoint(&server).size, 4, "the checkpoint is the truth");
    assert_eq!(add(&server, &added[4]), 4, "the next batch takes index 4 over");
    assert_eq!(add(&server, &added[5]), 5, "a stale dedup record does not hide a new entry");
    assert_eq!(add(&server, &added[5]), 5);
    assert_eq!(fetch_entries(&server), added);
    for path in ["tile/entries/000.p/5", "tile/0/000.p/5", "tile/0/000.p/6"] {
        let served = get(&server.addr, &format!("/{path}"));
        assert_eq!(bucket.get(path).as_deref(), Some(&served.body[..]), "{path}");
    }
}

#[test]
fn a_second_gateway_on_the_same_bucket_is_refused() {
    let (url, _) = fresh_log("lock");
    let first_root = tempfile::tempdir().expect("temp dir");
    let first = start(first_root.path(), &url);
    let added = entries(3, 3);
    assert_eq!(add(&first, &added[0]), 0);

    // Another gateway (even with the same key) must not append to the same log.
    let refused = try_start(first_root.path(), &url).err().expect("a second gateway must be refused");
    assert!(refused.contains("in use by another gateway"), "{refused}");
    // Still refused after the first gateway's lease would have expired without renewal.
    std::thread::sleep(Duration::from_secs(LOCK_TTL_SECS + 1));
    let refused = try_start(first_root.path(), &url).err().expect("a second gateway must be refused");
    assert!(refused.contains("in use by another gateway"), "{refused}");
    assert_eq!(add(&first, &added[1]), 1, "the first gateway keeps appending");

    first.stop();
    let second = start(first_root.path(), &url);
    assert_eq!(add(&second, &added[2]), 2, "once the first stops, another may take over");
    assert_eq!(fetch_entries(&second), added);
}

#[test]
fn kill_9_mid_append_loses_no_acknowledged_entry() {
    let (url, _) = fresh_log("kill9");
    let root = tempfile::tempdir().expect("temp dir");
    let acknowledged: Arc<Mutex<HashMap<u64, Vec<u8>>>> = Arc::default();
    for round in 0..3u64 {
        let server = Arc::new(start_after_crash(root.path(), &url));
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..4u64)
            .map(|writer| {
                let (server, stop, acknowledged) =
                    (Arc::clone(&server), Arc::clone(&stop), Arc::clone(&acknowledged));
                std::thread::spawn(move || {
                    for entry in entries(1000 + round * 10 + writer, 200) {
                        if stop.load(Ordering::Relaxed) {
                            return;
                        }
                        // After the kill the request fails: that entry was never acknowledged.
                        let Ok(response) = request(&server.addr, "POST", "/add", &entry) else { return };
                        if response.status != 200 {
                            return;
                        }
                        let index = check_added(&response.json(), &entry, &server.vkey);
                        let previous = acknowledged.lock().expect("lock").insert(index, entry);
                        assert!(previous.is_none(), "index {index} acknowledged twice");
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(300 + 200 * round));
        // SIGKILL while the writers are still adding.
        let killed = Command::new("kill").args(["-KILL", &server.child.id().to_string()]).status();
        assert!(killed.expect("run kill").success());
        stop.store(true, Ordering::Relaxed);
        for writer in writers {
            writer.join().expect("writer thread");
        }
    }

    let server = start_after_crash(root.path(), &url);
    let stored = fetch_entries(&server);
    let acknowledged = acknowledged.lock().expect("lock");
    assert!(!acknowledged.is_empty(), "the writers added nothing before the kills");
    for (index, entry) in acknowledged.iter() {
        let at = usize::try_from(*index).expect("index fits");
        assert_eq!(stored.get(at), Some(entry), "acknowledged entry {index} is in the log at its index");
    }
    // No gaps and no duplicates: every stored entry appears once.
    let unique: std::collections::HashSet<&Vec<u8>> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "an entry is in the log twice");
}

#[test]
fn the_server_honours_conditional_writes() {
    // The lock and the checkpoint rely on these; a server that ignores them (as Garage 2.5 does
    // on PutObject) would let two gateways append to one log.
    let (_, prefix) = fresh_log("conditional");
    let bucket = Bucket::new(&prefix);
    let path = Path::from(format!("{prefix}/object"));
    let create = || PutOptions { mode: PutMode::Create, ..PutOptions::default() };
    bucket.runtime.block_on(async {
        let first = bucket.store.put_opts(&path, "one".into(), create()).await.expect("create");
        let again = bucket.store.put_opts(&path, "two".into(), create()).await;
        assert!(matches!(again, Err(object_store::Error::AlreadyExists { .. })), "{again:?}");
        let stale =
            UpdateVersion { e_tag: Some("\"0123456789abcdef0123456789abcdef\"".into()), version: None };
        let update = |version| PutOptions { mode: PutMode::Update(version), ..PutOptions::default() };
        let wrong = bucket.store.put_opts(&path, "two".into(), update(stale)).await;
        assert!(matches!(wrong, Err(object_store::Error::Precondition { .. })), "{wrong:?}");
        let current = UpdateVersion { e_tag: first.e_tag, version: None };
        bucket.store.put_opts(&path, "two".into(), update(current.clone())).await.expect("swap");
        let replayed = bucket.store.put_opts(&path, "three".into(), update(current)).await;
        assert!(matches!(replayed, Err(object_store::Error::Precondition { .. })), "{replayed:?}");
    });
    assert_eq!(bucket.get("object").as_deref(), Some(&b"two"[..]));
}

#[test]
fn a_checkpoint_written_behind_the_sequencers_back_stops_it() {
    let (url, prefix) = fresh_log("cas");
    let root = tempfile::tempdir().expect("temp dir");
    let server = start(root.path(), &url);
    let added = entries(5, 3);
    assert_eq!(add(&server, &added[0]), 0);
    // A writer that ignored the lock replaces the checkpoint.
    let bucket = Bucket::new(&prefix);
    let path = Path::from(format!("{prefix}/checkpoint"));
    let note = bucket.get("checkpoint").expect("checkpoint object");
    let mut rogue = note.clone();
    rogue.extend_from_slice(b"\n");
    bucket.runtime.block_on(bucket.store.put(&path, rogue.into())).expect("overwrite checkpoint");

    let response = request(&server.addr, "POST", "/add", &added[1]).expect("POST /add");
    assert_eq!(response.status, 503, "{}", String::from_utf8_lossy(&response.body));
    let body = String::from_utf8_lossy(&response.body);
    assert!(body.contains("changed by another writer"), "{body}");
    assert_eq!(checkpoint(&server).size, 1, "the refused batch was not published");
}

#[test]
fn bad_storage_urls_are_refused_with_usage() {
    let root = tempfile::tempdir().expect("temp dir");
    for bad in ["s3://", "gs://bucket", "s3://bucket/../x", "bucket"] {
        let output = Command::new(ASSENT)
            .args(["serve", "--listen", "127.0.0.1:0", "--storage", bad])
            .arg("--key")
            .arg(root.path().join("keys"))
            .output()
            .expect("run assent");
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("s3://BUCKET"), "{bad}: {stderr}");
    }
}
