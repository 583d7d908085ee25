//! The ledger library over the in-memory storage: batching, de-duplication, recovery checks,
//! and the router on a real loopback listener.

use std::sync::Arc;

use assent_gateway::ledger::memory::MemoryStorage;
use assent_gateway::ledger::sequencer::SequencerConfig;
use assent_gateway::ledger::storage::{LogStorage, StoredTiles};
use assent_gateway::ledger::{Ledger, LedgerError};
use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wasm_core::consent::{GrantCommitment, GrantDraft, LogEntry};
use wasm_core::tlog::checkpoint::open_checkpoint;
use wasm_core::tlog::merkle::leaf_hash;
use wasm_core::tlog::note::NoteSigner;
use wasm_core::tlog::proof::verify_inclusion;
use wasm_core::tlog::tiles::{decode_entry_bundle, TiledTree};

const NOW: u64 = 1_790_000_000;

fn entries(seed: u64, count: usize) -> Vec<Vec<u8>> {
    let patient = SigningKey::from_bytes(&[5; 32]);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            let grant = GrantDraft {
                audience: [3; 32],
                scopes: vec!["patient/Condition.rs".into()],
                purpose: "TREAT".into(),
                not_before: NOW,
                expires_at: NOW + 86_400,
                log_origin: "test.example/log".into(),
            }
            .sign(&patient, NOW, &mut rng)
            .expect("signs");
            LogEntry::Grant(GrantCommitment::sign(&grant, &patient).expect("commitment")).to_bytes()
        })
        .collect()
}

fn signer(seed: u8) -> NoteSigner {
    NoteSigner::new("test.example/log", SigningKey::from_bytes(&[seed; 32])).expect("signer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_deduplicate_and_reopen_from_storage() {
    let storage = Arc::new(MemoryStorage::new());
    // The queue holds 4 × max_batch: room for all 350 at once, so none is shed as busy.
    let config = SequencerConfig { max_batch: 128, linger: std::time::Duration::from_millis(20) };
    let ledger = Ledger::open(storage.clone(), signer(1), config).expect("opens");
    let added = entries(1, 300);

    // Many at once, with duplicates inside one batch: each entry gets one index.
    let tasks: Vec<_> = added
        .iter()
        .chain(added.iter().take(50))
        .cloned()
        .map(|entry| {
            let ledger = ledger.clone();
            tokio::spawn(async move { (ledger.add(entry.clone()).await.expect("added"), entry) })
        })
        .collect();
    let mut indices = std::collections::HashMap::new();
    for task in tasks {
        let (added, entry) = task.await.expect("task");
        verify_inclusion(&leaf_hash(&entry), added.index, added.head.size, &added.proof, &added.head.root)
            .expect("proof verifies");
        assert!(added.head.size <= 300);
        let previous = indices.insert(entry, added.index);
        assert!(previous.is_none_or(|index| index == added.index), "an entry got two indices");
    }
    assert_eq!(indices.len(), 300);
    let head = ledger.head();
    assert_eq!(head.size, 300);
    let tiles = StoredTiles(&*storage);
    assert_eq!(TiledTree::new(300, &tiles).root().expect("root"), head.root);
    let (_, bundle) = ledger.read("tile/entries/001.p/44").expect("bundle");
    let bundle = decode_entry_bundle(&bundle, 44).expect("decodes");
    for (offset, entry) in bundle.iter().enumerate() {
        assert_eq!(indices[*entry], 256 + offset as u64);
    }
    assert!(matches!(ledger.read("tile/0/001"), Err(LedgerError::NotFound(_))));
    assert!(matches!(ledger.read("tile/0/01"), Err(LedgerError::BadPath(_))));
    assert!(matches!(ledger.add(b"junk".to_vec()).await, Err(LedgerError::Entry(_))));
    drop(ledger);

    // Reopening: the stored checkpoint is the truth, and only its key may continue it.
    let reopened = Ledger::open(storage.clone(), signer(1), SequencerConfig::default()).expect("reopens");
    assert_eq!(reopened.head().note, head.note);
    let next = reopened.add(entries(2, 1).remove(0)).await.expect("added");
    assert_eq!(next.index, 300);
    let (checkpoint, _) =
        open_checkpoint(next.head.note.as_bytes(), "test.example/log", &[signer(1).verifier()])
            .expect("opens");
    assert_eq!(checkpoint.size, 301);
    drop(reopened);
    assert!(matches!(
        Ledger::open(storage.clone(), signer(2), SequencerConfig::default()),
        Err(LedgerError::ForeignCheckpoint(_))
    ));
    assert_eq!(storage.head().expect("head").expect("stored").size, 301);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_router_serves_the_log_on_a_real_listener() {
    let ledger =
        Ledger::open(Arc::new(MemoryStorage::new()), signer(1), SequencerConfig::default()).expect("opens");
    let app_dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(app_dir.path().join("index.html"), "<title>app</title>").expect("index");
    let router =
        assent_gateway::serve::router(app_dir.path(), assent_gateway::ledger::http::routes(ledger, None));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, router).await });

    let entry = entries(3, 1).remove(0);
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /add HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        entry.len()
    );
    stream.write_all(head.as_bytes()).await.expect("send");
    stream.write_all(&entry).await.expect("send body");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"index\":0"), "{response}");
}
