//! The `assent` binary as a user runs it: a real process, a real socket, real files.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod support;

use support::{run_assent, ASSENT};

/// A running `assent serve`, killed on drop.
struct Server {
    child: Child,
    addr: String,
    key_line: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn app_fixture(dir: &Path) {
    std::fs::create_dir_all(dir).expect("create app dir");
    std::fs::write(dir.join("index.html"), "<!DOCTYPE html><title>fixture</title>").expect("write index");
    std::fs::write(dir.join("boot.js"), "export {};").expect("write js");
    std::fs::write(dir.join("big.js"), "export const x = 1;\n".repeat(500)).expect("write js");
}

fn start(root: &Path) -> Server {
    let mut child = Command::new(ASSENT)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--data")
        .arg(root.join("data"))
        .arg("--key")
        .arg(root.join("keys"))
        .arg("--app")
        .arg(root.join("dist"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn assent serve");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
    let mut key_line = String::new();
    stdout.read_line(&mut key_line).expect("read key line");
    let mut vkey_line = String::new();
    stdout.read_line(&mut vkey_line).expect("read verifier key line");
    assert!(vkey_line.starts_with("log verifier key: assent.local/log+"), "{vkey_line}");
    let mut url_line = String::new();
    stdout.read_line(&mut url_line).expect("read url line");
    let addr = url_line
        .trim()
        .strip_prefix("Assent is running at http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("unexpected first lines: {key_line:?} {url_line:?}"))
        .to_string();
    Server { child, addr, key_line }
}

/// A plain HTTP/1.1 GET; returns the status code, the lower-cased header block and the body.
fn get(addr: &str, path: &str) -> (u16, String, String) {
    get_with(addr, path, "")
}

/// A plain HTTP/1.1 GET with extra header lines (each ending in CRLF).
fn get_with(addr: &str, path: &str, extra_headers: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to server");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("set timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{extra_headers}Connection: close\r\n\r\n")
        .expect("send request");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).expect("read response");
    let response = String::from_utf8_lossy(&bytes);
    let (head, body) = response.split_once("\r\n\r\n").expect("response has a header block");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status code");
    (status, head.to_ascii_lowercase(), body.to_string())
}

#[test]
fn serve_answers_app_routes_with_index_and_strict_headers() {
    let root = tempfile::tempdir().expect("temp dir");
    app_fixture(&root.path().join("dist"));
    let server = start(root.path());

    for route in ["/", "/ledger", "/provider", "/no/such/page"] {
        let (status, head, body) = get(&server.addr, route);
        assert_eq!(status, 200, "{route}");
        assert!(body.contains("<title>fixture</title>"), "{route} serves index.html");
        assert!(head.contains("content-type: text/html"), "{route}: {head}");
        for expected in [
            "content-security-policy: default-src 'none'; script-src 'self' 'wasm-unsafe-eval';",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "x-content-type-options: nosniff",
            "x-frame-options: deny",
            "referrer-policy: no-referrer",
            "cache-control: no-cache",
        ] {
            assert!(head.contains(expected), "{route} lacks {expected}: {head}");
        }
        assert!(!head.contains("unsafe-inline"), "{route}: {head}");
    }

    let (status, head, body) = get(&server.addr, "/boot.js");
    assert_eq!(status, 200);
    assert!(head.contains("content-type: text/javascript"), "{head}");
    assert_eq!(body, "export {};");

    let (status, head, _) = get_with(&server.addr, "/big.js", "Accept-Encoding: br\r\n");
    assert_eq!(status, 200);
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(head.contains("content-security-policy:"), "{head}");

    let (status, _, body) = get(&server.addr, "/missing_bg.wasm");
    assert_eq!(status, 404, "a missing file must not be answered with the page");
    assert!(!body.contains("fixture"));

    let (status, _, body) = get(&server.addr, "/healthz");
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    assert!(root.path().join("data").is_dir(), "data directory is created");
}

#[test]
fn log_key_is_created_once_kept_private_and_reused() {
    let root = tempfile::tempdir().expect("temp dir");
    app_fixture(&root.path().join("dist"));
    let first = start(root.path()).key_line.clone();
    let second = start(root.path()).key_line.clone();
    assert!(first.starts_with("log public key (ed25519, hex): "), "{first}");
    assert_eq!(first, second, "a restart must reuse the key, not make a new one");
    let seed = root.path().join("keys/log-key.seed");
    assert_eq!(std::fs::read(&seed).expect("seed file").len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&seed).expect("seed metadata").permissions().mode();
        assert_eq!(mode & 0o077, 0, "seed must be private to its owner, mode {mode:o}");
    }
}

#[test]
fn damaged_key_or_missing_app_fail_with_clear_errors_and_nothing_is_overwritten() {
    let root = tempfile::tempdir().expect("temp dir");
    let serve = ["serve", "--data", "data", "--key", "keys", "--listen", "127.0.0.1:0", "--app", "dist"];

    let support::Run { code, stderr, .. } = run_assent(&serve, root.path(), "");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("no built app at dist: build it first"), "{stderr}");

    app_fixture(&root.path().join("dist"));
    std::fs::create_dir_all(root.path().join("keys")).expect("key dir");
    std::fs::write(root.path().join("keys/log-key.seed"), b"short").expect("write damaged seed");
    let support::Run { code, stderr, .. } = run_assent(&serve, root.path(), "");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("is 5 bytes, not 32: it is damaged"), "{stderr}");
    assert_eq!(std::fs::read(root.path().join("keys/log-key.seed")).expect("seed"), b"short");
}

#[test]
fn tree_head_matches_the_rfc6962_reference_tree() {
    let root = tempfile::tempdir().expect("temp dir");
    let lines = "\n00\n10\n2021\n3031\n40414243\n5051525354555657\n606162636465666768696a6b6c6d6e6f\n";
    let support::Run { code, stdout, stderr } = run_assent(&["tree-head", "--hex"], root.path(), lines);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout.trim(),
        r#"{"size":8,"root_hex":"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328","root_base64":"XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg="}"#
    );
    let support::Run { code, stderr, .. } = run_assent(&["tree-head", "--hex"], root.path(), "00\nnot hex\n");
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("line 2 is not hexadecimal"), "{stderr}");
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    // `assent tree-head | head -0`: the reader closes its end before anything is printed.
    let mut child = Command::new(ASSENT)
        .args(["tree-head", "--hex"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("assent starts");
    drop(child.stdout.take());
    child.stdin.take().expect("stdin is piped").write_all(b"00\n10\n").expect("writes the leaves");
    let output = child.wait_with_output().expect("assent ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(stderr.is_empty(), "no panic, no error: {stderr}");
}

#[test]
fn every_subcommand_has_help() {
    let root = tempfile::tempdir().expect("temp dir");
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["keygen", "--help"],
        &["tree-head", "--help"],
        &["vault", "--help"],
        &["vault", "open", "--help"],
        &["grant", "--help"],
        &["grant", "verify", "--help"],
        &["grant", "decode", "--help"],
    ] {
        let support::Run { code, stdout, stderr } = run_assent(args, root.path(), "");
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(stdout.contains("Usage: assent"), "{args:?}: {stdout}");
    }
}
