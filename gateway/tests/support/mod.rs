//! Shared by the gateway's integration tests: run the real `assent` binary, talk HTTP to it,
//! and make valid log entries. Each test crate uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use wasm_core::consent::{GrantCommitment, GrantDraft, LogEntry};
use wasm_core::hash::Digest256;
use wasm_core::tlog::bundle::ProofBundle;
use wasm_core::tlog::checkpoint::{open_checkpoint, Checkpoint};
use wasm_core::tlog::merkle::leaf_hash;
use wasm_core::tlog::note::NoteVerifier;
use wasm_core::tlog::proof::verify_inclusion;

/// The time the test entries are signed at.
pub const NOW: u64 = 1_790_000_000;
/// The origin `assent serve` uses by default.
pub const ORIGIN: &str = "assent.local/log";

/// Path of the binary under test.
pub const ASSENT: &str = env!("CARGO_BIN_EXE_assent");

/// What one run of `assent` did.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `assent ARGS` in `cwd` with `stdin` and waits for it.
pub fn run_assent(args: &[&str], cwd: &Path, stdin: &str) -> Run {
    let mut child = Command::new(ASSENT)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn assent");
    // A run that fails early (bad usage) may exit before reading its input: not a test error.
    match child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes()) {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => panic!("write stdin: {error}"),
        _ => {}
    }
    let output = child.wait_with_output().expect("wait for assent");
    Run {
        code: output.status.code().expect("assent exited normally, not by a signal"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// An HTTP response: status, lower-cased head, body (de-chunked).
pub struct Response {
    /// Status code.
    pub status: u16,
    /// The status line and headers, lower-cased.
    pub head: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as UTF-8 text.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One HTTP/1.1 request on its own connection.
pub fn request(addr: &str, method: &str, path: &str, body: &[u8]) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    // The server may refuse an oversized body before reading it; its answer still follows.
    let _ = stream.write_all(body);
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes)?;
    let split = bytes
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header block"))?;
    let head = String::from_utf8_lossy(&bytes[..split]).to_ascii_lowercase();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let mut body = bytes[split + 4..].to_vec();
    if head.contains("transfer-encoding: chunked") {
        body = dechunk(&body);
    }
    Ok(Response { status, head, body })
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n").expect("chunk size line");
        let size = usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).expect("ascii"), 16)
            .expect("hex chunk size");
        if size == 0 {
            return body;
        }
        body.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
        rest = &rest[line_end + 2 + size + 2..];
    }
}

/// `GET path`.
pub fn get(addr: &str, path: &str) -> Response {
    request(addr, "GET", path, b"").expect("GET")
}

/// `count` distinct valid grant-commitment entries; `seed` keeps different calls distinct.
pub fn entries(seed: u64, count: usize) -> Vec<Vec<u8>> {
    let patient = SigningKey::from_bytes(&[7; 32]);
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            let grant = GrantDraft {
                audience: [9; 32],
                scopes: vec!["patient/Observation.rs?category=laboratory".into()],
                purpose: "TREAT".into(),
                not_before: NOW,
                expires_at: NOW + 86_400,
                log_origin: ORIGIN.into(),
            }
            .sign(&patient, NOW, &mut rng)
            .expect("signs");
            LogEntry::Grant(GrantCommitment::sign(&grant, &patient).expect("commitment")).to_bytes()
        })
        .collect()
}

/// A grant of `patient/Observation.rs` for treatment, valid for a day from [`NOW`], from
/// `patient` to `provider`, naming the log `origin`.
pub fn grant_to(
    patient: &SigningKey,
    provider: &SigningKey,
    origin: &str,
    rng: &mut ChaCha20Rng,
) -> wasm_core::consent::SignedGrant {
    GrantDraft {
        audience: provider.verifying_key().to_bytes(),
        scopes: vec!["patient/Observation.rs".into()],
        purpose: "TREAT".into(),
        not_before: NOW,
        expires_at: NOW + 86_400,
        log_origin: origin.into(),
    }
    .sign(patient, NOW, rng)
    .expect("signs")
}

/// A running `assent` server (`serve` or `witness`), killed (SIGKILL) on drop.
pub struct Process {
    /// The process.
    pub child: Child,
    /// `HOST:PORT` it listens on.
    pub addr: String,
    /// The verifier key it printed.
    pub vkey: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Spawns `command` (an `assent` server) and waits for its "running at" line; `key_prefix`
/// names the line that carries its verifier key.
pub fn spawn_listening(mut command: Command, key_prefix: &str, running_prefix: &str) -> Process {
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("spawn assent");
    let stdout = child.stdout.take();
    // Owned by `Process` from here, so a failed start still kills the process.
    let mut process = Process { child, addr: String::new(), vkey: String::new() };
    let mut stdout = BufReader::new(stdout.expect("stdout is piped"));
    loop {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).expect("read stdout") > 0, "assent exited before listening");
        if let Some(key) = line.trim().strip_prefix(key_prefix) {
            process.vkey = key.to_owned();
        }
        if let Some(rest) = line.trim().strip_prefix(running_prefix) {
            process.addr = rest.trim_end_matches('/').to_owned();
            return process;
        }
    }
}

/// A one-page app for `assent serve --app` in `root/dist`.
pub fn app_fixture(root: &Path) -> PathBuf {
    let dist = root.join("dist");
    std::fs::create_dir_all(&dist).expect("create app dir");
    std::fs::write(dist.join("index.html"), "<!DOCTYPE html><title>fixture</title>").expect("write index");
    dist
}

/// Starts `assent serve` on loopback with its data in `root/data`, its key in `keys`, the app
/// fixture, and `extra` arguments.
pub fn serve(root: &Path, keys: &Path, extra: &[&str]) -> Process {
    let mut command = Command::new(ASSENT);
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--data")
        .arg(root.join("data"))
        .arg("--key")
        .arg(keys)
        .arg("--app")
        .arg(app_fixture(root))
        .args(extra);
    spawn_listening(command, "log verifier key: ", "Assent is running at http://")
}

/// A base64 hash field of a JSON reply.
pub fn b64_hash(value: &serde_json::Value) -> Digest256 {
    BASE64.decode(value.as_str().expect("base64 string")).expect("base64").try_into().expect("32 bytes")
}

/// Opens a checkpoint note of [`ORIGIN`] with the log's verifier key.
pub fn open(note: &str, vkey: &str) -> Checkpoint {
    let verifier = NoteVerifier::parse(vkey).expect("verifier key");
    open_checkpoint(note.as_bytes(), ORIGIN, &[verifier]).expect("checkpoint opens with the log key").0
}

/// The checkpoint the gateway at `addr` serves, opened with its key.
pub fn served_checkpoint(addr: &str, vkey: &str) -> Checkpoint {
    let response = get(addr, "/checkpoint");
    assert_eq!(response.status, 200);
    open(&String::from_utf8(response.body).expect("utf-8"), vkey)
}

/// Makes a log identity of [`ORIGIN`] in `dir` with `assent keygen`; returns the verifier key
/// it prints.
pub fn keygen(root: &Path, dir: &Path) -> String {
    let run = run_assent(&["keygen", "--name", ORIGIN, "--out", dir.to_str().expect("utf-8")], root, "");
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.lines().last().expect("verifier key line").to_owned()
}

/// `POST /add`s `entry`, checks the reply's proof (see [`check_added`]) and returns its index.
pub fn add(addr: &str, vkey: &str, entry: &[u8]) -> u64 {
    let response = request(addr, "POST", "/add", entry).expect("POST /add");
    assert_eq!(response.status, 200, "{}", response.text());
    check_added(&response.json(), entry, vkey)
}

/// Checks an `/add` reply: its proof verifies against its own signed checkpoint. Returns the index.
pub fn check_added(reply: &serde_json::Value, entry: &[u8], vkey: &str) -> u64 {
    let index = reply["index"].as_u64().expect("index");
    let size = reply["checkpoint_size"].as_u64().expect("checkpoint_size");
    let bundle = ProofBundle::parse(reply["proof_bundle"].as_str().expect("proof_bundle")).expect("bundle");
    assert_eq!(bundle.index, index);
    let head = open(&bundle.checkpoint_note, vkey);
    assert_eq!(head.size, size);
    assert_eq!(b64_hash(&reply["leaf_hash"]), leaf_hash(entry));
    verify_inclusion(&leaf_hash(entry), index, size, &bundle.proof, &head.root)
        .expect("inclusion proof verifies");
    index
}
