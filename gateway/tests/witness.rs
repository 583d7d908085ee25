//! `assent witness` (C2SP tlog-witness) and `assent serve --witness`, as real processes over
//! loopback: cosigning, refusals of rollbacks and forks, state across restarts, a gateway that
//! serves cosigned checkpoints and keeps appending while its witness is down, and the
//! tlog-proof bundle in each `/add` reply.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use ed25519_dalek::SigningKey;
use support::{entries, keygen, run_assent, serve, spawn_listening, Process, Response, ASSENT, ORIGIN};
use wasm_core::hash::Digest256;
use wasm_core::tlog::bundle::ProofBundle;
use wasm_core::tlog::checkpoint::{open_checkpoint, Checkpoint};
use wasm_core::tlog::merkle::leaf_hash;
use wasm_core::tlog::note::{open_note, NoteSigner, NoteVerifier};
use wasm_core::tlog::tiles::{append_leaves, TileSet, TiledTree};

fn start_witness(root: &Path, logs: &[&str]) -> Process {
    let mut command = Command::new(ASSENT);
    command
        .args(["witness", "--listen", "127.0.0.1:0", "--name", "witness.test/w1"])
        .arg("--data")
        .arg(root.join("witness-data"))
        .arg("--key")
        .arg(root.join("witness-key"));
    for log in logs {
        command.args(["--log", log]);
    }
    spawn_listening(command, "witness verifier key: ", "Assent witness is running at http://")
}

fn start_gateway(root: &Path, witnesses: &[String]) -> Process {
    let mut extra = vec!["--rate-limit", "0"];
    for witness in witnesses {
        extra.extend(["--witness", witness]);
    }
    serve(root, &root.join("keys"), &extra)
}

/// One HTTP/1.1 request on its own connection.
fn request(addr: &str, method: &str, path: &str, body: &[u8]) -> Response {
    let response = support::request(addr, method, path, body).expect("request");
    assert!(!response.head.contains("transfer-encoding: chunked"), "small answers have a length");
    response
}

/// Polls `check` every 50 ms until it returns a value, or fails after 30 s.
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

// ---------------------------------------------------------------------------------------------
// A witness driven directly, with a log the test signs itself

/// A log the test controls: its signer and every leaf so far.
struct TestLog {
    signer: NoteSigner,
    leaves: Vec<Digest256>,
}

impl TestLog {
    fn new(seed: u8) -> TestLog {
        TestLog {
            signer: NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[seed; 32])).expect("name"),
            leaves: vec![],
        }
    }

    fn grow(&mut self, to: usize, salt: &str) {
        while self.leaves.len() < to {
            self.leaves.push(leaf_hash(format!("{salt} {}", self.leaves.len()).as_bytes()));
        }
    }

    fn tiles(&self) -> TileSet {
        let mut tiles = TileSet::new();
        let appended = append_leaves(0, &self.leaves, &tiles).expect("append");
        tiles.apply(&appended).expect("apply");
        tiles
    }

    /// The signed checkpoint of the first `size` leaves.
    fn note(&self, size: u64) -> String {
        let tiles = self.tiles();
        let root = TiledTree::new(size, &tiles).root().expect("root");
        let text = Checkpoint { origin: ORIGIN.into(), size, root, extensions: vec![] }.to_text();
        self.signer.sign(&text).expect("sign")
    }

    /// The add-checkpoint body from `old` to `size` with a correct proof.
    fn body(&self, old: u64, size: u64) -> String {
        let tiles = self.tiles();
        let proof = if old == 0 || old == size {
            vec![]
        } else {
            TiledTree::new(size, &tiles).consistency_proof(old).expect("proof")
        };
        body(old, &proof, &self.note(size))
    }
}

fn body(old: u64, proof: &[Digest256], note: &str) -> String {
    let lines: String = proof.iter().map(|hash| format!("{}\n", BASE64.encode(hash))).collect();
    format!("old {old}\n{lines}\n{note}")
}

fn add_checkpoint(witness: &Process, body: &str) -> Response {
    request(&witness.addr, "POST", "/add-checkpoint", body.as_bytes())
}

/// Checks a 200 reply: one cosignature line that verifies on `note` with the witness key.
fn assert_cosigned(witness: &Process, reply: &Response, note: &str) {
    assert_eq!(reply.status, 200, "{}", reply.text());
    let verifier = NoteVerifier::parse(&witness.vkey).expect("witness key");
    let opened = open_note(format!("{note}{}", reply.text()).as_bytes(), std::slice::from_ref(&verifier))
        .expect("opens");
    assert!(opened.signature_by(&verifier).is_some(), "cosigned by the witness");
    assert_eq!(reply.text().lines().count(), 1);
}

#[test]
fn witness_cosigns_consistent_checkpoints_and_refuses_the_rest() {
    let root = tempfile::tempdir().expect("temp dir");
    let mut log = TestLog::new(5);
    let vkey = log.signer.verifier_key();
    let witness = start_witness(root.path(), &[&vkey]);
    assert!(witness.vkey.starts_with("witness.test/w1+"), "{}", witness.vkey);
    assert_eq!(NoteVerifier::parse(&witness.vkey).expect("parses").name(), "witness.test/w1");

    // The empty tree first: every tree extends it, with no proof.
    assert_cosigned(&witness, &add_checkpoint(&witness, &log.body(0, 0)), &log.note(0));
    log.grow(10, "a");
    let reply = add_checkpoint(&witness, &log.body(0, 10));
    assert_cosigned(&witness, &reply, &log.note(10));

    // A stale old size: 409 with the stored size.
    let stale = add_checkpoint(&witness, &log.body(0, 5));
    assert_eq!(stale.status, 409, "{}", stale.text());
    assert!(stale.head.contains("content-type: text/x.tlog.size"), "{}", stale.head);
    assert_eq!(stale.text(), "10\n");
    // A rollback: old larger than the checkpoint.
    assert_eq!(add_checkpoint(&witness, &body(10, &[], &log.note(5))).status, 400);
    // A fork at the same size.
    let mut fork = TestLog::new(5);
    fork.grow(10, "fork");
    let forked = add_checkpoint(&witness, &fork.body(10, 10));
    assert_eq!(forked.status, 409, "{}", forked.text());
    // A fork at a larger size: the proof cannot lead back to the cosigned root.
    fork.grow(20, "fork");
    assert_eq!(add_checkpoint(&witness, &fork.body(10, 20)).status, 422);
    log.grow(20, "a");
    // A wrong proof for the right checkpoint.
    let tiles = log.tiles();
    let mut proof = TiledTree::new(20, &tiles).consistency_proof(10).expect("proof");
    proof[0][0] ^= 1;
    assert_eq!(add_checkpoint(&witness, &body(10, &proof, &log.note(20))).status, 422);
    // Another key for the same origin, an unknown origin, and garbage.
    let impostor =
        TestLog { signer: NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[6; 32])).expect("name"), ..fork };
    assert_eq!(add_checkpoint(&witness, &impostor.body(10, 20)).status, 403);
    let other = NoteSigner::new("other.test/log", SigningKey::from_bytes(&[5; 32])).expect("name");
    let text =
        Checkpoint { origin: "other.test/log".into(), size: 1, root: [0; 32], extensions: vec![] }.to_text();
    assert_eq!(add_checkpoint(&witness, &body(0, &[], &other.sign(&text).expect("sign"))).status, 404);
    for garbage in ["", "old 1\n", "old 01\n\nx\n", "new 0\n\n", "old 0\nnot-base64\n\n"] {
        assert_eq!(add_checkpoint(&witness, garbage).status, 400, "{garbage:?}");
    }
    // Nothing above moved the witness: the consistent extension is cosigned.
    let reply = add_checkpoint(&witness, &log.body(10, 20));
    assert_cosigned(&witness, &reply, &log.note(20));
    // The same checkpoint again is cosigned again.
    assert_cosigned(&witness, &add_checkpoint(&witness, &log.body(20, 20)), &log.note(20));
}

#[test]
fn witness_state_and_key_survive_a_restart() {
    let root = tempfile::tempdir().expect("temp dir");
    let mut log = TestLog::new(5);
    let vkey = log.signer.verifier_key();
    log.grow(30, "a");
    let first_key = {
        let witness = start_witness(root.path(), &[&vkey]);
        assert_cosigned(&witness, &add_checkpoint(&witness, &log.body(0, 30)), &log.note(30));
        witness.vkey.clone()
        // Killed with SIGKILL here: the state must already be durable.
    };
    let witness = start_witness(root.path(), &[&vkey]);
    assert_eq!(witness.vkey, first_key, "the key is kept");
    let stale = add_checkpoint(&witness, &log.body(0, 10));
    assert_eq!((stale.status, stale.text().as_str()), (409, "30\n"), "the state is kept");
    log.grow(31, "a");
    assert_cosigned(&witness, &add_checkpoint(&witness, &log.body(30, 31)), &log.note(31));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            std::fs::metadata(root.path().join("witness-key/witness-key.seed")).expect("seed").permissions();
        assert_eq!(mode.mode() & 0o777, 0o600);
    }
}

// ---------------------------------------------------------------------------------------------
// The gateway with witnesses

/// Makes the gateway's key directory first, so the witness can be told its key.
fn log_vkey(root: &Path) -> String {
    keygen(root, &root.join("keys"))
}

/// Waits until the gateway serves a checkpoint of `want` entries cosigned by `cosigner`, and
/// checks that the log's signature and the cosignature verify together.
fn wait_for_cosigned(gateway: &Process, log: &NoteVerifier, cosigner: &NoteVerifier, want: u64) {
    let note = wait_for("a cosigned checkpoint", || {
        let note = request(&gateway.addr, "GET", "/checkpoint", b"").text();
        let opened = open_note(note.as_bytes(), std::slice::from_ref(cosigner)).ok()?;
        opened.signature_by(cosigner)?;
        (Checkpoint::parse(opened.text()).ok()?.size == want).then_some(note)
    });
    let (checkpoint, opened) =
        open_checkpoint(note.as_bytes(), ORIGIN, &[log.clone(), cosigner.clone()]).expect("opens");
    assert_eq!(checkpoint.size, want);
    assert!(opened.signature_by(log).is_some() && opened.signature_by(cosigner).is_some());
}

fn add_all(gateway: &Process, entries: &[Vec<u8>]) {
    for entry in entries {
        let reply = request(&gateway.addr, "POST", "/add", entry);
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
}

#[test]
fn gateway_serves_checkpoints_cosigned_by_its_witness() {
    let root = tempfile::tempdir().expect("temp dir");
    let vkey = log_vkey(root.path());
    let witness = start_witness(root.path(), &[&vkey]);
    let target = format!("http://{}={}", witness.addr, witness.vkey);
    let log = NoteVerifier::parse(&vkey).expect("log key");
    let cosigner = NoteVerifier::parse(&witness.vkey).expect("witness key");
    {
        let gateway = start_gateway(root.path(), std::slice::from_ref(&target));
        assert_eq!(gateway.vkey, vkey);
        add_all(&gateway, &entries(1, 20));
        wait_for_cosigned(&gateway, &log, &cosigner, 20);
        add_all(&gateway, &entries(2, 7));
        wait_for_cosigned(&gateway, &log, &cosigner, 27);
    }
    // A restarted gateway starts from old size 0, learns the witness's size from its 409 and
    // proves consistency from there.
    let gateway = start_gateway(root.path(), &[target]);
    add_all(&gateway, &entries(3, 5));
    wait_for_cosigned(&gateway, &log, &cosigner, 32);
}

#[test]
fn a_failing_witness_never_stops_appends() {
    let root = tempfile::tempdir().expect("temp dir");
    // A witness key with no witness behind the address: nothing listens on a port just freed.
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let absent =
        wasm_core::tlog::note::CosignatureSigner::new("absent.test/w", SigningKey::from_bytes(&[3; 32]))
            .expect("name")
            .verifier_key();
    let gateway = start_gateway(root.path(), &[format!("http://{free}={absent}")]);
    let log = NoteVerifier::parse(&gateway.vkey).expect("log key");
    let added = entries(9, 40);
    for entry in &added {
        let reply = request(&gateway.addr, "POST", "/add", entry);
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    // The log-signed checkpoint is served until a witness cosigns one.
    let note = request(&gateway.addr, "GET", "/checkpoint", b"").text();
    let (checkpoint, _) = open_checkpoint(note.as_bytes(), ORIGIN, &[log]).expect("opens");
    assert_eq!(checkpoint.size, 40);
}

#[test]
fn bad_witness_arguments_are_usage_errors() {
    let root = tempfile::tempdir().expect("temp dir");
    let cosigner =
        wasm_core::tlog::note::CosignatureSigner::new("w.test/w", SigningKey::from_bytes(&[3; 32]))
            .expect("name")
            .verifier_key();
    let log = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[3; 32])).expect("name").verifier_key();
    for witness in [
        format!("https://w.test={cosigner}"),
        "http://w.test".to_owned(),
        format!("http://w.test={log}"),
        "http://w.test=garbage".to_owned(),
    ] {
        let run = run_assent(&["serve", "--data", "d", "--key", "k", "--witness", &witness], root.path(), "");
        assert_eq!(run.code, 2, "{witness}: {}", run.stderr);
        assert!(run.stderr.contains("--witness"), "{}", run.stderr);
    }
    let run = run_assent(&["witness", "--data", "d", "--key", "k", "--log", &cosigner], root.path(), "");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = run_assent(&["witness", "--data", "d", "--key", "k"], root.path(), "");
    assert_eq!(run.code, 2, "a witness needs a log: {}", run.stderr);
}

// ---------------------------------------------------------------------------------------------
// Proof bundles from the gateway

#[test]
fn add_replies_carry_a_proof_bundle_that_verifies_offline() {
    let root = tempfile::tempdir().expect("temp dir");
    let gateway = start_gateway(root.path(), &[]);
    let log = NoteVerifier::parse(&gateway.vkey).expect("log key");
    let added = entries(4, 300);
    let mut bundles = Vec::new();
    for entry in &added {
        let reply = request(&gateway.addr, "POST", "/add", entry);
        assert_eq!(reply.status, 200, "{}", reply.text());
        let json: serde_json::Value = serde_json::from_slice(&reply.body).expect("json");
        let text = json["proof_bundle"].as_str().expect("proof_bundle").to_owned();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nindex "), "{text}");
        let bundle = ProofBundle::parse(&text).expect("parses");
        assert_eq!(bundle.index, json["index"].as_u64().expect("index"));
        assert!(bundle.checkpoint_note.starts_with(&format!("{ORIGIN}\n{}\n", json["checkpoint_size"])));
        assert_eq!(bundle.to_text(), text);
        bundles.push(bundle);
    }
    for (entry, bundle) in added.iter().zip(&bundles) {
        let checkpoint =
            bundle.verify_entry(entry, ORIGIN, std::slice::from_ref(&log)).expect("bundle verifies");
        assert!(checkpoint.size > bundle.index);
    }
    // A bundle does not prove another entry.
    assert!(bundles[0].verify_entry(&added[1], ORIGIN, &[log]).is_err());
}
