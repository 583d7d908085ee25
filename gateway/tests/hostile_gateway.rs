//! A gateway may lie. A real `assent serve` holds the log; small hostile servers in front of it
//! (or beside it, with a forked copy signed by the same log key) lie in one way each, and the
//! client (`ledger_client`, driving wasm-core's `tlog::sync`) must catch every lie with the right
//! error, and fail over to an honest gateway where there is one.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use assent_gateway::ledger_client::Gateways;
use ed25519_dalek::SigningKey;
use support::{entries, get, request, serve, ORIGIN};
use wasm_core::hash::Digest256;
use wasm_core::tlog::bundle::ProofBundle;
use wasm_core::tlog::checkpoint::Checkpoint;
use wasm_core::tlog::merkle::leaf_hash;
use wasm_core::tlog::note::{CosignatureSigner, NoteSigner};
use wasm_core::tlog::sync::GatewayOutcome;
use wasm_core::tlog::tiles::{append_leaves, TilePath, TileReader, TileSet, TiledTree};
use wasm_core::tlog::view::{LogTrust, LogView};

/// Each request gives up after this long; the slow gateway takes longer.
const TIMEOUT: Duration = Duration::from_millis(700);
/// A submission waits for its batch to be integrated (up to 500 ms) and made durable: it gets more
/// time than a read, or a loaded machine fails the test for being slow rather than wrong.
const SUBMIT_TIMEOUT: Duration = Duration::from_secs(5);

/// How a hostile server answers.
#[derive(Clone)]
enum Lie {
    /// Passes everything through.
    Nothing,
    /// Flips a bit in every hash of every level-0 tile.
    WrongHashes,
    /// Serves this (older, genuinely signed) checkpoint.
    StaleCheckpoint(String),
    /// Serves another tree under the log's own signature.
    Fork(Arc<Model>),
    /// Flips a character in the log's signature.
    BadLogSignature,
    /// Adds a cosignature by this witness (a genuine one).
    Cosigned(Arc<CosignatureSigner>),
    /// Adds a cosignature line in this witness's name and key id, signed with another key.
    ForgedCosignature(Arc<CosignatureSigner>),
    /// Cuts the last byte off every tile.
    TruncatedTiles,
    /// Appends a hash to every tile.
    OversizedTiles,
    /// Answers a partial tile with the full one: a tile of a larger tree than the checkpoint.
    TilesBeyondCheckpoint,
    /// Answers only after this long.
    Slow(Duration),
    /// Passes submissions through but flips a bit of the inclusion proof in the answer.
    WrongProofInAnswer,
}

/// A log held in memory: a forked copy signed with the real log key.
struct Model {
    note: String,
    tiles: TileSet,
}

impl Model {
    fn new(signer: &NoteSigner, entries: &[Vec<u8>]) -> Model {
        let hashes: Vec<Digest256> = entries.iter().map(|entry| leaf_hash(entry)).collect();
        let mut tiles = TileSet::new();
        let appended = append_leaves(0, &hashes, &tiles).expect("append");
        tiles.apply(&appended).expect("tiles");
        let root = TiledTree::new(appended.size, &tiles).root().expect("root");
        let text =
            Checkpoint { origin: ORIGIN.into(), size: appended.size, root, extensions: vec![] }.to_text();
        Model { note: signer.sign(&text).expect("sign"), tiles }
    }

    fn answer(&self, path: &str) -> (u16, Vec<u8>) {
        if path == "checkpoint" {
            return (200, self.note.clone().into_bytes());
        }
        match TilePath::parse(path) {
            Ok(TilePath::Hashes(tile)) => match self.tiles.read_tile(tile) {
                Ok(Some(bytes)) => (200, bytes),
                _ => (404, b"not found".to_vec()),
            },
            _ => (404, b"not found".to_vec()),
        }
    }
}

/// Starts a hostile server in front of the gateway at `upstream`; returns its URL.
fn hostile(lie: Lie, upstream: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let upstream = upstream.to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (lie, upstream) = (lie.clone(), upstream.clone());
            std::thread::spawn(move || answer(stream, &lie, &upstream));
        }
    });
    url
}

fn answer(stream: TcpStream, lie: &Lie, upstream: &str) {
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0;
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {
                if let Some((name, value)) = header.split_once(':') {
                    if name.eq_ignore_ascii_case("content-length") {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
            }
        }
    }
    let mut request_body = vec![0; length];
    if std::io::Read::read_exact(&mut reader, &mut request_body).is_err() {
        return;
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/').to_owned();
    let (status, body) = if request_line.starts_with("POST") {
        submit_through(lie, upstream, &path, &request_body)
    } else {
        lie_about(lie, upstream, &path)
    };
    let head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
    let mut stream = &stream;
    let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
}

/// A submission, passed to the real gateway, its answer altered as `lie` says.
fn submit_through(lie: &Lie, upstream: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let response = request(upstream, "POST", &format!("/{path}"), body).expect("POST upstream");
    if !matches!(lie, Lie::WrongProofInAnswer) || response.status != 200 {
        return (response.status, response.body);
    }
    let mut answer = response.json();
    let mut bundle =
        ProofBundle::parse(answer["proof_bundle"].as_str().expect("bundle")).expect("bundle parses");
    if let Some(first) = bundle.proof.first_mut() {
        first[0] ^= 1;
    }
    answer["proof_bundle"] = bundle.to_text().into();
    (200, answer.to_string().into_bytes())
}

fn lie_about(lie: &Lie, upstream: &str, path: &str) -> (u16, Vec<u8>) {
    let honest = || {
        let response = get(upstream, &format!("/{path}"));
        (response.status, response.body)
    };
    let is_tile = path.starts_with("tile/");
    match lie {
        Lie::Nothing => honest(),
        Lie::WrongHashes if path.starts_with("tile/0/") => {
            let (status, mut body) = honest();
            body.iter_mut().step_by(32).for_each(|byte| *byte ^= 1);
            (status, body)
        }
        Lie::StaleCheckpoint(note) if path == "checkpoint" => (200, note.clone().into_bytes()),
        Lie::Fork(model) => model.answer(path),
        Lie::BadLogSignature if path == "checkpoint" => {
            let (status, body) = honest();
            let mut note = String::from_utf8(body).expect("note is text");
            // A character well inside the signature, past the key id.
            let at = note.rfind(' ').expect("signature line") + 20;
            let flipped = if &note[at..at + 1] == "A" { "B" } else { "A" };
            note.replace_range(at..at + 1, flipped);
            (status, note.into_bytes())
        }
        Lie::Cosigned(witness) if path == "checkpoint" => {
            let (status, body) = honest();
            let note = String::from_utf8(body).expect("note is text");
            (status, witness.cosign(&note, 1_790_000_000).expect("cosign").into_bytes())
        }
        Lie::ForgedCosignature(witness) if path == "checkpoint" => {
            let (status, body) = honest();
            let note = String::from_utf8(body).expect("note is text");
            let forger =
                CosignatureSigner::new(witness.name(), SigningKey::from_bytes(&[66; 32])).expect("name");
            let forged = forger.cosign(&note, 1_790_000_000).expect("cosign");
            // Same name, the real witness's key id, the forger's signature.
            let line = forged.lines().last().expect("cosignature line");
            let genuine = witness.cosign(&note, 1_790_000_000).expect("cosign");
            let genuine_line = genuine.lines().last().expect("cosignature line");
            let real_id = &genuine_line.split(' ').nth(2).expect("signature")[..8];
            let forged_sig = line.split(' ').nth(2).expect("signature");
            let forged_line = format!("— {} {}{}", witness.name(), real_id, &forged_sig[8..]);
            (status, format!("{note}{forged_line}\n").into_bytes())
        }
        Lie::TruncatedTiles if is_tile => {
            let (status, mut body) = honest();
            body.pop();
            (status, body)
        }
        Lie::OversizedTiles if is_tile => {
            let (status, mut body) = honest();
            body.extend_from_slice(&[0; 32]);
            (status, body)
        }
        Lie::TilesBeyondCheckpoint if is_tile => {
            let full = path.split_once(".p/").map_or(path, |(full, _)| full);
            let response = get(upstream, &format!("/{full}"));
            (response.status, response.body)
        }
        Lie::Slow(delay) => {
            std::thread::sleep(*delay);
            honest()
        }
        _ => honest(),
    }
}

fn add_all(addr: &str, all: &[Vec<u8>]) {
    for entry in all {
        let response = request(addr, "POST", "/add", entry).expect("POST /add");
        assert_eq!(response.status, 200, "{}", response.text());
    }
}

fn refresh(
    trust: &LogTrust,
    view: Option<LogView>,
    urls: &[&str],
) -> (LogView, wasm_core::tlog::sync::RefreshReport) {
    let gateways = Gateways::new(urls.iter().map(|url| url.to_string()).collect(), TIMEOUT);
    gateways.refresh(view.unwrap_or_else(|| LogView::new(trust.clone())))
}

fn failed(outcome: &GatewayOutcome, expected: &str) {
    match outcome {
        GatewayOutcome::Failed { reason } => {
            assert!(reason.contains(expected), "{reason:?} lacks {expected:?}")
        }
        other => panic!("expected a failure with {expected:?}, got {other:?}"),
    }
}

#[test]
fn every_lie_is_caught_and_an_honest_gateway_takes_over() {
    let root = tempfile::tempdir().expect("temp dir");
    let keys = root.path().join("keys");
    let signer = assent_gateway::keygen::load_or_create(&keys, Some(ORIGIN)).expect("log key");
    let server = serve(root.path(), &keys, &["--rate-limit", "0"]);
    let honest = format!("http://{}", server.addr);
    let trust = LogTrust::new(&server.vkey, None).expect("trust");
    let all = entries(1, 300);
    add_all(&server.addr, &all[..200]);
    let stale_note = get(&server.addr, "/checkpoint").text();
    let (at_200, report) = refresh(&trust, None, &[&honest]);
    assert_eq!(report.gateways, vec![(0, GatewayOutcome::First { size: 200 })]);
    add_all(&server.addr, &all[200..]);

    // Tiles that do not lead to the signed root: refused, the next gateway serves good ones.
    let liar = hostile(Lie::WrongHashes, &server.addr);
    let (view, report) = refresh(&trust, Some(at_200.clone()), &[&liar, &honest]);
    failed(&report.gateways[0].1, "tiles do not match its signed checkpoint");
    assert_eq!(report.gateways[1], (1, GatewayOutcome::Advanced { from: 200, to: 300 }));
    let at_300 = view;
    // A wrong inclusion proof (from wrong tiles): refused; the honest gateway proves it.
    let gateways = Gateways::new(vec![liar.clone(), honest.clone()], TIMEOUT);
    let report = gateways.prove_inclusion(&at_300, all[7].clone(), 7).expect("in tree");
    assert_eq!(report.included.map(|proof| proof.checkpoint_size), Some(300));
    assert_eq!(report.failures.len(), 1, "{report:?}");
    assert!(report.failures[0].1.contains("not proven to be in the log"), "{report:?}");
    let only_liar = Gateways::new(vec![liar], TIMEOUT);
    assert_eq!(only_liar.prove_inclusion(&at_300, all[7].clone(), 7).expect("in tree").included, None);

    // A stale checkpoint: the view does not go back.
    let stale = hostile(Lie::StaleCheckpoint(stale_note.clone()), &server.addr);
    let (view, report) = refresh(&trust, Some(at_300.clone()), &[&stale]);
    assert_eq!(report.gateways, vec![(0, GatewayOutcome::Behind { verified: 300, offered: 200 })]);
    assert_eq!(view.latest().map(|latest| latest.size()), Some(300));

    // A forked tree under the log's own key, larger and of the same size: evidence, and a stop.
    let mut other = all[..150].to_vec();
    other.extend(entries(2, 250));
    for fork_size in [300, 400] {
        let fork = hostile(Lie::Fork(Arc::new(Model::new(&signer, &other[..fork_size]))), &server.addr);
        let (view, report) = refresh(&trust, Some(at_300.clone()), &[&fork, &honest]);
        let evidence = report.fork.expect("fork caught");
        evidence.verify(&trust).expect("evidence stands on its own");
        assert_eq!(report.gateways.len(), 1, "a fork stops the refresh");
        failed(&report.gateways[0].1, "the log has forked");
        assert_eq!(view.latest().map(|latest| latest.size()), Some(300));
    }

    // A bad log signature.
    let forged = hostile(Lie::BadLogSignature, &server.addr);
    let (_, report) = refresh(&trust, None, &[&forged, &honest]);
    failed(&report.gateways[0].1, "checkpoint is not valid");
    assert_eq!(report.gateways[1], (1, GatewayOutcome::First { size: 300 }));

    // Witnesses: missing, forged, genuine.
    let witness = Arc::new(
        CosignatureSigner::new("witness.example/w1", SigningKey::from_bytes(&[5; 32])).expect("name"),
    );
    let policy = format!("log {}\nwitness w1 {}\nquorum w1\n", server.vkey, witness.verifier_key());
    let witnessed = LogTrust::new(&server.vkey, Some(&policy)).expect("policy");
    let cosigned = hostile(Lie::Cosigned(Arc::clone(&witness)), &server.addr);
    let forged_cosignature = hostile(Lie::ForgedCosignature(Arc::clone(&witness)), &server.addr);
    let (view, report) = refresh(&witnessed, None, &[&honest, &forged_cosignature, &cosigned]);
    failed(&report.gateways[0].1, "not witnessed as the policy requires");
    failed(&report.gateways[1].1, "checkpoint is not valid");
    assert_eq!(report.gateways[2], (2, GatewayOutcome::First { size: 300 }));
    assert_eq!(view.latest().and_then(|latest| latest.newest_cosignature()), Some(1_790_000_000));

    // Truncated and oversized tiles, when extending the view and when proving an entry.
    for lie in [Lie::TruncatedTiles, Lie::OversizedTiles, Lie::TilesBeyondCheckpoint] {
        let liar = hostile(lie.clone(), &server.addr);
        if !matches!(lie, Lie::TilesBeyondCheckpoint) {
            let (view, report) = refresh(&trust, Some(at_200.clone()), &[&liar, &honest]);
            failed(&report.gateways[0].1, "truncated or oversized");
            assert_eq!(report.gateways[1], (1, GatewayOutcome::Advanced { from: 200, to: 300 }));
            assert_eq!(view.latest().map(|latest| latest.size()), Some(300));
        }
        // Proving an entry of the 200-entry view: the too-wide liar answers tile/0/000.p/200
        // with the full tile of the 300-entry tree.
        let gateways = Gateways::new(vec![liar, honest.clone()], TIMEOUT);
        let report = gateways.prove_inclusion(&at_200, all[199].clone(), 199).expect("in tree");
        assert_eq!(report.included.map(|proof| proof.checkpoint_size), Some(200));
        let failures = &report.failures;
        assert!(failures.len() == 1 && failures[0].1.contains("truncated or oversized"), "{failures:?}");
    }

    // A slow gateway: timed out, then the next one answers.
    let slow = hostile(Lie::Slow(TIMEOUT * 3), &server.addr);
    let (_, report) = refresh(&trust, None, &[&slow, &honest]);
    failed(&report.gateways[0].1, "no answer in time");
    assert_eq!(report.gateways[1], (1, GatewayOutcome::First { size: 300 }));

    // Submission: an answer whose proof does not lead to its checkpoint is refused, and the
    // honest gateway's answer is proven; the view moves to its checkpoint.
    let more = entries(3, 2);
    let proof_liar = hostile(Lie::WrongProofInAnswer, &server.addr);
    let gateways = Gateways::new(vec![proof_liar, honest.clone()], SUBMIT_TIMEOUT);
    let (view, report) = gateways.submit(at_200.clone(), more[0].clone());
    assert_eq!(
        report.submitted.map(|submitted| (submitted.index, submitted.checkpoint_size)),
        Some((300, 301))
    );
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert!(report.failures[0].1.contains("not proven to be in the log"), "{:?}", report.failures);
    assert_eq!(view.latest().map(|latest| latest.size()), Some(301));
    // The same entry again keeps its index; a refused entry names the gateway's reason.
    let (_, again) = gateways.submit(view.clone(), more[0].clone());
    assert_eq!(again.submitted.map(|submitted| submitted.index), Some(300));
    let (_, refused) =
        Gateways::new(vec![honest.clone()], SUBMIT_TIMEOUT).submit(view, b"not an entry".to_vec());
    assert_eq!(refused.submitted, None);
    assert!(refused.failures[0].1.contains("HTTP 400"), "{:?}", refused.failures);

    // And the pass-through server, as a control: the harness itself tells the truth.
    let relay = hostile(Lie::Nothing, &server.addr);
    let (_, report) = refresh(&trust, Some(at_200), &[&relay]);
    assert_eq!(report.gateways, vec![(0, GatewayOutcome::Advanced { from: 200, to: 301 })]);
}
