//! `assent serve` as a C2SP transparency log, over real HTTP on loopback: adds, checkpoints,
//! proofs, tiles, restarts, hostile input and `kill -9`.

mod support;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use support::{
    check_added, entries, get, request, run_assent, serve, served_checkpoint, Process as Server, Response,
    NOW, ORIGIN,
};
use wasm_core::consent::entry::MAX_ENTRY_BYTES;
use wasm_core::consent::{GrantCommitment, GrantDraft, LogEntry};
use wasm_core::tlog::checkpoint::{open_checkpoint, Checkpoint};
use wasm_core::tlog::note::NoteVerifier;
use wasm_core::tlog::proof::verify_consistency;
use wasm_core::tlog::tiles::{decode_entry_bundle, tiles_for_size, TilePath, TileSet, TiledTree};

/// `assent serve` with its key in `root/keys` and `extra` arguments.
fn start_with(root: &Path, extra: &[&str]) -> Server {
    serve(root, &root.join("keys"), extra)
}

fn start(root: &Path) -> Server {
    start_with(root, &["--rate-limit", "0"])
}

/// A response: status, lower-cased header block, body.
fn post(addr: &str, entry: &[u8]) -> Response {
    request(addr, "POST", "/add", entry).expect("POST /add")
}

fn checkpoint(server: &Server) -> Checkpoint {
    served_checkpoint(&server.addr, &server.vkey)
}

/// Fetches every tile and bundle of the tree of `size`; returns the hash tiles and entries.
fn fetch_tree(addr: &str, size: u64) -> (TileSet, Vec<Vec<u8>>) {
    let mut tiles = TileSet::new();
    let mut all = Vec::new();
    for path in tiles_for_size(size) {
        let response = get(addr, &format!("/{}", path.path()));
        assert_eq!(response.status, 200, "{path}");
        assert!(response.head.contains("access-control-allow-origin: *"), "{path}: {}", response.head);
        assert!(response.head.contains("x-content-type-options: nosniff"), "{path}: {}", response.head);
        // Data, not a page: served as is, without the page headers.
        assert!(!response.head.contains("content-security-policy"), "{path}: {}", response.head);
        match path {
            TilePath::Hashes(tile) => {
                let cache = if tile.is_partial() {
                    "cache-control: no-cache"
                } else {
                    "cache-control: public, max-age=31536000, immutable"
                };
                assert!(response.head.contains(cache), "{path}: {}", response.head);
                tiles.insert(tile, response.body).expect("tile has its width");
            }
            TilePath::Entries(bundle) => {
                let decoded =
                    decode_entry_bundle(&response.body, usize::from(bundle.width())).expect("bundle decodes");
                all.extend(decoded.into_iter().map(<[u8]>::to_vec));
            }
        }
    }
    (tiles, all)
}

#[test]
fn adds_are_indexed_proved_and_served_as_tiles() {
    let root = tempfile::tempdir().expect("temp dir");
    let server = start(root.path());
    assert_eq!(checkpoint(&server).size, 0, "a new log starts with a signed empty checkpoint");

    let added = entries(1, 300);
    for (expected, entry) in added.iter().enumerate() {
        let response = post(&server.addr, entry);
        assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
        assert_eq!(check_added(&response.json(), entry, &server.vkey), expected as u64);
    }
    let again = post(&server.addr, &added[5]);
    assert_eq!(again.status, 200);
    assert_eq!(check_added(&again.json(), &added[5], &server.vkey), 5, "the same entry keeps its index");

    let head = checkpoint(&server);
    assert_eq!(head.size, 300);
    let response = get(&server.addr, "/checkpoint");
    assert!(response.head.contains("cache-control: no-cache"), "{}", response.head);
    assert!(response.head.contains("access-control-allow-origin: *"), "{}", response.head);

    // Read again, a full tile comes from memory, answered before routing: same bytes, same headers.
    for path in ["/tile/0/000", "/tile/entries/000"] {
        let (stored, cached) = (get(&server.addr, path), get(&server.addr, path));
        let headers = |head: &str| {
            let mut lines: Vec<String> =
                head.lines().filter(|line| !line.starts_with("date:")).map(str::to_owned).collect();
            lines.sort();
            lines
        };
        assert_eq!(headers(&cached.head), headers(&stored.head), "{path}");
        assert!(cached.status == 200 && cached.body == stored.body, "{path}");
    }

    let (tiles, served) = fetch_tree(&server.addr, head.size);
    assert_eq!(TiledTree::new(head.size, &tiles).root().expect("root from tiles"), head.root);
    assert_eq!(served, added, "entry bundles hold exactly the entries added");

    // Narrower copies of the partial tiles are prefixes of the current ones.
    assert_eq!(
        get(&server.addr, "/tile/0/001.p/3").body,
        tiles.get(wasm_core::tlog::tiles::TileId::new(0, 1, 3).expect("tile id")).expect("held").to_vec()
    );
    for beyond in [
        "/tile/0/002",
        "/tile/0/001",
        "/tile/0/001.p/45",
        "/tile/1/000",
        "/tile/entries/001",
        "/tile/2/000.p/1",
    ] {
        let response = get(&server.addr, beyond);
        assert_eq!(response.status, 404, "{beyond}");
        assert!(response.json()["error"].is_string(), "{beyond}");
    }
    for bad in ["/tile", "/tile/"] {
        assert_eq!(get(&server.addr, bad).status, 404, "{bad}");
    }
    for bad in ["/tile/0/1", "/tile/0/000.p/256", "/tile/x/000", "/tile/entries/x001", "/tile/0/000.p/0"] {
        let response = get(&server.addr, bad);
        assert_eq!(response.status, 400, "{bad}");
        assert!(response.json()["error"].is_string(), "{bad}");
    }

    // The app is still served beside the log, with its headers.
    let app = get(&server.addr, "/ledger");
    assert_eq!(app.status, 200);
    assert!(String::from_utf8_lossy(&app.body).contains("fixture"));
    assert!(app.head.contains("content-security-policy: default-src 'none'"), "{}", app.head);
    assert_eq!(get(&server.addr, "/healthz").body, b"ok\n");
    // The key the app presets for its local gateway: the one the server printed.
    assert_eq!(get(&server.addr, "/log-vkey").text().trim(), server.vkey);
}

#[test]
fn concurrent_adds_get_unique_gap_free_indices() {
    let root = tempfile::tempdir().expect("temp dir");
    let server = Arc::new(start(root.path()));
    let threads: Vec<_> = (0..8u64)
        .map(|task| {
            let server = Arc::clone(&server);
            std::thread::spawn(move || {
                entries(100 + task, 200)
                    .into_iter()
                    .map(|entry| {
                        let response = post(&server.addr, &entry);
                        assert_eq!(response.status, 200, "{}", String::from_utf8_lossy(&response.body));
                        (check_added(&response.json(), &entry, &server.vkey), entry)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut by_index = HashMap::new();
    for thread in threads {
        for (index, entry) in thread.join().expect("thread") {
            assert!(by_index.insert(index, entry).is_none(), "index {index} given twice");
        }
    }
    let size = by_index.len() as u64;
    assert_eq!(size, 1600);
    assert!((0..size).all(|index| by_index.contains_key(&index)), "indices have a gap");
    let head = checkpoint(&server);
    assert_eq!(head.size, size);
    let (tiles, served) = fetch_tree(&server.addr, size);
    assert_eq!(TiledTree::new(size, &tiles).root().expect("root"), head.root);
    for (index, entry) in served.iter().enumerate() {
        assert_eq!(Some(entry), by_index.get(&(index as u64)), "entry {index}");
    }
}

#[test]
fn a_restart_keeps_the_log_and_continues_it() {
    let root = tempfile::tempdir().expect("temp dir");
    let added = entries(2, 15);
    let (old_note, old) = {
        let server = start(root.path());
        for entry in &added[..10] {
            assert_eq!(post(&server.addr, entry).status, 200);
        }
        (get(&server.addr, "/checkpoint").body, checkpoint(&server))
    };
    let server = start(root.path());
    assert_eq!(get(&server.addr, "/checkpoint").body, old_note, "the stored checkpoint is served as is");
    assert_eq!(check_added(&post(&server.addr, &added[3]).json(), &added[3], &server.vkey), 3);
    for (expected, entry) in (10..).zip(&added[10..]) {
        assert_eq!(check_added(&post(&server.addr, entry).json(), entry, &server.vkey), expected);
    }
    let new = checkpoint(&server);
    assert_eq!(new.size, 15);
    let (tiles, served) = fetch_tree(&server.addr, new.size);
    assert_eq!(served, added);
    let proof = TiledTree::new(new.size, &tiles).consistency_proof(old.size).expect("consistency proof");
    verify_consistency(old.size, new.size, &proof, &old.root, &new.root).expect("consistent");
}

#[test]
fn hostile_input_gets_json_errors_and_the_server_stays_up() {
    let root = tempfile::tempdir().expect("temp dir");
    let server = start(root.path());
    let valid = entries(3, 1).remove(0);
    let mut forged = valid.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    let mut unknown_kind = valid.clone();
    unknown_kind[0] = 9;
    let patient = SigningKey::from_bytes(&[7; 32]);
    let elsewhere = GrantDraft {
        audience: [9; 32],
        scopes: vec!["patient/Condition.rs".into()],
        purpose: "TREAT".into(),
        not_before: NOW,
        expires_at: NOW + 86_400,
        log_origin: "other.example/log".into(),
    }
    .sign(&patient, NOW, &mut ChaCha20Rng::seed_from_u64(99))
    .expect("signs");
    let other_log =
        LogEntry::Grant(GrantCommitment::sign(&elsewhere, &patient).expect("commitment")).to_bytes();
    let cases: [(&str, Vec<u8>, u16); 7] = [
        ("another log's entry", other_log, 400),
        ("empty", Vec::new(), 400),
        ("garbage", b"hello, log".to_vec(), 400),
        ("bad signature", forged, 400),
        ("unknown kind", unknown_kind, 400),
        ("just over the cap", vec![1; MAX_ENTRY_BYTES + 1], 413),
        ("far over the cap", vec![1; 64 * 1024], 413),
    ];
    for (name, body, status) in cases {
        let response = post(&server.addr, &body);
        assert_eq!(response.status, status, "{name}: {}", String::from_utf8_lossy(&response.body));
        let message = response.json()["error"].as_str().expect("error message").to_owned();
        assert!(message.starts_with(|c: char| c.is_lowercase()), "{name}: {message}");
    }
    assert_eq!(get(&server.addr, "/add").status, 405);
    assert_eq!(get(&server.addr, "/healthz").body, b"ok\n");
    assert_eq!(check_added(&post(&server.addr, &valid).json(), &valid, &server.vkey), 0);
    assert_eq!(checkpoint(&server).size, 1, "refused entries never reach the log");
}

#[test]
fn each_client_is_rate_limited_with_a_json_429() {
    let root = tempfile::tempdir().expect("temp dir");
    let server = start_with(root.path(), &["--rate-limit", "1"]);
    let statuses: Vec<(u16, serde_json::Value)> = entries(4, 6)
        .iter()
        .map(|entry| {
            let response = post(&server.addr, entry);
            let json = response.json();
            (response.status, json)
        })
        .collect();
    assert_eq!(statuses[0].0, 200);
    let limited: Vec<_> = statuses.iter().filter(|(status, _)| *status == 429).collect();
    assert!(!limited.is_empty(), "{statuses:?}");
    assert!(limited.iter().all(|(_, json)| json["error"].as_str().is_some_and(|m| m.contains("try again"))));
}

#[test]
fn keygen_writes_a_private_key_once_and_serve_signs_with_its_origin() {
    let root = tempfile::tempdir().expect("temp dir");
    let run = run_assent(&["keygen", "--name", "example.com/log", "--out", "keys"], root.path(), "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let vkey = run.stdout.lines().last().expect("a last line").to_owned();
    let verifier = NoteVerifier::parse(&vkey).expect("Go note verifier key");
    assert_eq!(verifier.name(), "example.com/log");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let seed = root.path().join("keys/log-key.seed");
        let mode = std::fs::metadata(seed).expect("seed").permissions().mode();
        assert_eq!(mode & 0o077, 0, "mode {mode:o}");
    }
    let seed_before = std::fs::read(root.path().join("keys/log-key.seed")).expect("seed");
    let again = run_assent(&["keygen", "--name", "other/log", "--out", "keys"], root.path(), "");
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("never overwritten"), "{}", again.stderr);
    assert_eq!(std::fs::read(root.path().join("keys/log-key.seed")).expect("seed"), seed_before);

    let server = start(root.path());
    assert_eq!(server.vkey, vkey);
    let note = String::from_utf8(get(&server.addr, "/checkpoint").body).expect("utf-8");
    let (head, _) = open_checkpoint(note.as_bytes(), "example.com/log", &[verifier]).expect("opens");
    assert_eq!(head.size, 0);
    drop(server);

    let mismatch = run_assent(
        &[
            "serve",
            "--data",
            "data",
            "--key",
            "keys",
            "--app",
            "dist",
            "--origin",
            "x/log",
            "--listen",
            "127.0.0.1:0",
        ],
        root.path(),
        "",
    );
    assert_eq!(mismatch.code, 1);
    assert!(mismatch.stderr.contains("belongs to log \"example.com/log\""), "{}", mismatch.stderr);
}

#[test]
fn every_acknowledged_entry_survives_kill_9() {
    let root = tempfile::tempdir().expect("temp dir");
    let acknowledged: Arc<Mutex<HashMap<u64, Vec<u8>>>> = Arc::default();
    let mut previous: Option<Checkpoint> = None;
    let mut rng = ChaCha20Rng::seed_from_u64(99);
    for round in 0..20u64 {
        let mut server = start(root.path());
        let head = checkpoint(&server);
        if let Some(previous) = &previous {
            assert!(head.size >= previous.size, "round {round}: the log shrank");
            if previous.size > 0 && head.size > previous.size {
                let (tiles, _) = fetch_tree(&server.addr, head.size);
                let proof =
                    TiledTree::new(head.size, &tiles).consistency_proof(previous.size).expect("proof");
                verify_consistency(previous.size, head.size, &proof, &previous.root, &head.root)
                    .expect("each checkpoint is consistent with the next");
            } else if head.size == previous.size {
                assert_eq!(head.root, previous.root);
            }
        }
        let writers: Vec<_> = (0..4u64)
            .map(|writer| {
                let addr = server.addr.clone();
                let acknowledged = Arc::clone(&acknowledged);
                std::thread::spawn(move || {
                    for entry in entries(1000 * (round + 1) + writer, 60) {
                        let Ok(response) = request(&addr, "POST", "/add", &entry) else { return };
                        if response.status != 200 {
                            return;
                        }
                        // A reply cut short by the kill is no acknowledgment.
                        let Ok(reply) = serde_json::from_slice::<serde_json::Value>(&response.body) else {
                            return;
                        };
                        let index = reply["index"].as_u64().expect("index");
                        let mut acknowledged = acknowledged.lock().expect("lock");
                        assert!(acknowledged.insert(index, entry).is_none(), "index {index} reused");
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(20 + u64::from(rng.next_u32() % 250)));
        server.child.kill().expect("kill -9");
        let _ = server.child.wait();
        for writer in writers {
            writer.join().expect("writer");
        }
        drop(server);
        previous = Some(head);
    }

    let server = start(root.path());
    let head = checkpoint(&server);
    let (tiles, served) = fetch_tree(&server.addr, head.size);
    assert_eq!(TiledTree::new(head.size, &tiles).root().expect("root"), head.root);
    let acknowledged = acknowledged.lock().expect("lock");
    for (index, entry) in acknowledged.iter() {
        assert_eq!(served.get(*index as usize), Some(entry), "acknowledged entry {index} is lost");
    }
    let unique: HashSet<&Vec<u8>> = served.iter().collect();
    assert_eq!(unique.len(), served.len(), "an entry is in the log twice");
    assert!(acknowledged.len() > 100, "too few entries were added to test anything");
}

/// Go's tlog tile reader, answered over HTTP from the gateway: Go names tiles with their height
/// (`tile/8/L/N`, `tile/8/data/N`), C2SP without it.
struct HttpTiles<'a>(&'a str);

impl tlog_tiles::TileReader for HttpTiles<'_> {
    fn height(&self) -> u8 {
        8
    }

    fn read_tiles(&self, tiles: &[tlog_tiles::Tile]) -> Result<Vec<Vec<u8>>, tlog_tiles::Error> {
        Ok(tiles
            .iter()
            .map(|tile| {
                let path =
                    tile.path().replacen("tile/8/data/", "tile/entries/", 1).replacen("tile/8/", "tile/", 1);
                get(self.0, &format!("/{path}")).body
            })
            .collect())
    }

    fn save_tiles(&self, _tiles: &[tlog_tiles::Tile], _data: &[Vec<u8>]) {}
}

#[test]
fn the_served_checkpoint_and_tiles_verify_with_independent_code() {
    use signed_note::{Note, StandardVerifier, VerifierList};
    let root = tempfile::tempdir().expect("temp dir");
    let server = start(root.path());
    let added = entries(21, 300);
    for entry in &added {
        assert_eq!(post(&server.addr, entry).status, 200);
    }

    // The checkpoint opens with Cloudflare's port of Go's sumdb/note and the printed key.
    let note = get(&server.addr, "/checkpoint").body;
    let verifier = StandardVerifier::new(&server.vkey).expect("signed_note reads the verifier key");
    let (verified, _) = Note::from_bytes(&note)
        .expect("signed_note parses the checkpoint")
        .verify(&VerifierList::new(vec![Box::new(verifier)]))
        .expect("signed_note verifies the log's signature");
    assert_eq!(verified.len(), 1);
    let text = String::from_utf8(note).expect("utf-8");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(ORIGIN));
    let size: u64 = lines.next().and_then(|l| l.parse().ok()).expect("size line");
    let root_hash: [u8; 32] =
        BASE64.decode(lines.next().expect("root line")).expect("base64").try_into().expect("32 bytes");
    assert_eq!(size, 300);

    // Its port of Go's sumdb/tlog reads the served tiles, authenticates them against the
    // checkpoint, and proves records in it.
    let tiles = HttpTiles(&server.addr);
    let hashes = tlog_tiles::TileHashReader::new(size, tlog_tiles::Hash(root_hash), &tiles);
    assert_eq!(tlog_tiles::tree_hash(size, &hashes).expect("tree hash from tiles").0, root_hash);
    for index in [0u64, 1, 255, 256, 299] {
        let proof = tlog_tiles::prove_record(size, index, &hashes).expect("record proof from tiles");
        let leaf = tlog_tiles::record_hash(&added[index as usize]);
        tlog_tiles::check_record(&proof, size, tlog_tiles::Hash(root_hash), index, leaf)
            .expect("the record proof checks");
    }
}
