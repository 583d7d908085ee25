//! `assent audit` against real `assent serve` processes over loopback: a clean log passes, a
//! later audit checks consistency with the stored one (rollback and fork are caught), and a
//! tampered hash tile served by a small proxy fails with a clear error.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

use support::{entries, run_assent, serve, Process as Server, Run, ORIGIN};

/// Starts a gateway with its data in `root/data` and its key in `keys`.
fn start(root: &Path, keys: &Path) -> Server {
    serve(root, keys, &["--rate-limit", "0"])
}

/// One HTTP/1.1 request on its own connection: status and body.
fn request(addr: &str, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let response = support::request(addr, method, path, body).expect("request");
    assert!(!response.head.contains("transfer-encoding: chunked"), "tiles and bundles have a length");
    (response.status, response.body)
}

/// Adds `count` distinct valid entries (distinct per `seed`).
fn add_entries(server: &Server, seed: u64, count: usize) {
    for entry in entries(seed, count) {
        let (status, body) = request(&server.addr, "POST", "/add", &entry);
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }
}

fn audit(root: &Path, url: &str, vkey: &str, state: &Path) -> Run {
    let state = state.to_str().expect("utf-8 path");
    run_assent(&["audit", "--url", url, "--vkey", vkey, "--state", state], root, "")
}

/// Makes a log identity in `dir`.
fn keygen(root: &Path, dir: &Path) {
    let run = run_assent(&["keygen", "--name", ORIGIN, "--out", dir.to_str().expect("utf-8")], root, "");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn audit_passes_on_a_real_log_and_catches_rollback_and_fork() {
    let root = tempfile::tempdir().expect("temp dir");
    let keys = root.path().join("keys");
    keygen(root.path(), &keys);
    let (log_a, log_b) = (root.path().join("a"), root.path().join("b"));
    let server = start(&log_a, &keys);
    add_entries(&server, 1, 300);
    let url = format!("http://{}", server.addr);
    let state = root.path().join("audit-state.json");

    let run = audit(root.path(), &url, &server.vkey, &state);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("audit passed: 300 entries verified"), "{}", run.stdout);
    assert!(run.stdout.contains("checkpoint: assent.local/log size 300 root "), "{}", run.stdout);
    assert!(!run.stdout.contains("NOT checked"), "{}", run.stdout);

    add_entries(&server, 2, 20);
    let run = audit(root.path(), &url, &server.vkey, &state);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("consistent with the checkpoint of size 300"), "{}", run.stdout);

    // The same key and origin with another history: what a misbehaving operator could serve.
    let other = start(&log_b, &keys);
    add_entries(&other, 3, 5);
    let other_url = format!("http://{}", other.addr);
    let run = audit(root.path(), &other_url, &other.vkey, &state);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("rollback: the log now has 5 entries, but 320"), "{}", run.stderr);

    let fresh = root.path().join("fresh-state.json");
    assert_eq!(audit(root.path(), &other_url, &other.vkey, &fresh).code, 0);
    let run = audit(root.path(), &url, &server.vkey, &fresh);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("fork: the first 5 entries"), "{}", run.stderr);

    // Usage errors exit 2.
    assert_eq!(run_assent(&["audit", "--url", "ftp://x"], root.path(), "").code, 2);
    assert_eq!(run_assent(&["audit", "--url", &url, "--vkey", "garbage"], root.path(), "").code, 2);
    assert_eq!(run_assent(&["audit"], root.path(), "").code, 2);
}

#[test]
fn a_tampered_tile_fails_the_audit() {
    let root = tempfile::tempdir().expect("temp dir");
    let keys = root.path().join("keys");
    keygen(root.path(), &keys);
    let server = start(&root.path().join("log"), &keys);
    add_entries(&server, 4, 40);

    // A proxy that serves the gateway's answers, with one bit of tile/0/000.p/40 flipped.
    let proxy = TcpListener::bind("127.0.0.1:0").expect("bind");
    let proxy_addr = proxy.local_addr().expect("addr");
    let upstream = server.addr.clone();
    std::thread::spawn(move || {
        for stream in proxy.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).map_or(true, |n| n == 0) || header == "\r\n" {
                    break;
                }
            }
            let (status, mut body) = request(&upstream, "GET", &path, b"");
            if path == "/tile/0/000.p/40" {
                body[7] ^= 1;
            }
            let head =
                format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });

    let state = root.path().join("state.json");
    let direct =
        audit(root.path(), &format!("http://{}", server.addr), &server.vkey, &root.path().join("s0"));
    assert_eq!(direct.code, 0, "{}{}", direct.stdout, direct.stderr);
    let run = audit(root.path(), &format!("http://{proxy_addr}"), &server.vkey, &state);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("hash tile tile/0/000.p/40 served by the log differs from the one recomputed"),
        "{}",
        run.stderr
    );
    assert!(!state.exists(), "a failed audit records nothing");
}
