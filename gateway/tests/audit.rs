//! `assent audit` against real `assent serve` processes over loopback: a clean log passes, a
//! later audit checks consistency with the stored one (rollback and fork are caught), and a
//! tampered hash tile served by a small proxy fails with a clear error, and so does a checkpoint
//! whose revocation map (or access map) root is not the map of the log's revocations (or access
//! events).

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;

use support::{entries, keygen, run_assent, serve, Process as Server, Run, ORIGIN};

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
    let proxy_addr = tampering_proxy(server.addr.clone(), |path, body| {
        if path == "/tile/0/000.p/40" {
            body[7] ^= 1;
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

/// A proxy in front of `upstream` that lets `tamper` change each answer's body (by path).
fn tampering_proxy(upstream: String, tamper: impl Fn(&str, &mut Vec<u8>) + Send + 'static) -> String {
    let proxy = TcpListener::bind("127.0.0.1:0").expect("bind");
    let proxy_addr = proxy.local_addr().expect("addr");
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
            tamper(&path, &mut body);
            let head =
                format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(&body));
        }
    });
    proxy_addr.to_string()
}

#[test]
fn a_revocation_map_root_not_derived_from_the_log_fails_the_audit() {
    use wasm_core::consent::{GrantCommitment, GrantDraft, LogEntry, Revocation};
    use wasm_core::revmap::checkpoint_extension;
    use wasm_core::tlog::checkpoint::Checkpoint;
    use wasm_core::tlog::note::NoteSigner;

    let root = tempfile::tempdir().expect("temp dir");
    let keys = root.path().join("keys");
    keygen(root.path(), &keys);
    let server = start(&root.path().join("log"), &keys);
    add_entries(&server, 5, 10);
    // Three grants, two of them revoked.
    let patient = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let mut rng = <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::seed_from_u64(6);
    for revoke in [true, false, true] {
        let grant = GrantDraft {
            audience: [9; 32],
            scopes: vec!["patient/Condition.rs".into()],
            purpose: "TREAT".into(),
            not_before: support::NOW,
            expires_at: support::NOW + 86_400,
            log_origin: ORIGIN.into(),
        }
        .sign(&patient, support::NOW, &mut rng)
        .expect("signs");
        let mut log = vec![LogEntry::Grant(GrantCommitment::sign(&grant, &patient).expect("commitment"))];
        if revoke {
            log.push(LogEntry::Revocation(
                Revocation::sign(&grant, &patient, support::NOW + 60).expect("revokes"),
            ));
        }
        for entry in log {
            let (status, body) = request(&server.addr, "POST", "/add", &entry.to_bytes());
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        }
    }
    let url = format!("http://{}", server.addr);
    let run = audit(root.path(), &url, &server.vkey, &root.path().join("s0"));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("(2 revoked), equal to the root the checkpoint signs"), "{}", run.stdout);

    // The operator signs, with the log's own key, a checkpoint of the right tree whose map root
    // leaves a revocation out: only recomputing the map from the entries shows it.
    let seed: [u8; 32] =
        std::fs::read(keys.join("log-key.seed")).expect("seed").try_into().expect("32 bytes");
    let signer = NoteSigner::new(ORIGIN, ed25519_dalek::SigningKey::from_bytes(&seed)).expect("signer");
    let (status, note) = request(&server.addr, "GET", "/checkpoint", b"");
    assert_eq!(status, 200);
    let note = String::from_utf8(note).expect("utf-8");
    let body = note.split_once("\n\n").map(|(body, _)| format!("{body}\n")).expect("a signed note");
    let mut checkpoint = Checkpoint::parse(&body).expect("checkpoint");
    checkpoint.extensions = vec![checkpoint_extension(&[0x55; 32])];
    let forged = signer.sign(&checkpoint.to_text()).expect("signs").into_bytes();
    let proxy = tampering_proxy(server.addr.clone(), move |path, body| {
        if path == "/checkpoint" {
            body.clone_from(&forged);
        }
    });
    let run = audit(root.path(), &format!("http://{proxy}"), &server.vkey, &root.path().join("s1"));
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("the gateway's map is not derived from its log"), "{}", run.stderr);
}

#[test]
fn an_access_map_root_not_derived_from_the_log_fails_the_audit() {
    use wasm_core::accessmap::{self, AccessMap};
    use wasm_core::consent::{AccessEvent, GrantCommitment, GrantDraft, LogEntry, Scope};
    use wasm_core::tlog::checkpoint::Checkpoint;
    use wasm_core::tlog::note::NoteSigner;
    use wasm_core::tlog::tiles::{decode_entry_bundle, EntryBundleId};

    let root = tempfile::tempdir().expect("temp dir");
    let keys = root.path().join("keys");
    keygen(root.path(), &keys);
    let server = start(&root.path().join("log"), &keys);
    add_entries(&server, 7, 5);
    // A grant to a provider, who records three accesses.
    let patient = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let provider = ed25519_dalek::SigningKey::from_bytes(&[8; 32]);
    let mut rng = <rand_chacha::ChaCha20Rng as rand_chacha::rand_core::SeedableRng>::seed_from_u64(8);
    let grant = GrantDraft {
        audience: provider.verifying_key().to_bytes(),
        scopes: vec!["patient/Condition.rs".into()],
        purpose: "TREAT".into(),
        not_before: support::NOW,
        expires_at: support::NOW + 86_400,
        log_origin: ORIGIN.into(),
    }
    .sign(&patient, support::NOW, &mut rng)
    .expect("signs");
    let mut log = vec![LogEntry::Grant(GrantCommitment::sign(&grant, &patient).expect("commitment"))];
    let scopes = [Scope::parse("patient/Condition.rs").expect("scope")];
    for at in 0..3 {
        let event =
            AccessEvent::sign(&grant, &scopes, &provider, support::NOW + at, &mut rng).expect("signs");
        log.push(LogEntry::Access(event));
    }
    for entry in log {
        let (status, body) = request(&server.addr, "POST", "/add", &entry.to_bytes());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }
    let url = format!("http://{}", server.addr);
    let run = audit(root.path(), &url, &server.vkey, &root.path().join("s0"));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("access map: recomputed from the log's entries (1 grant and provider pairs with access events), equal to the root the checkpoint signs"),
        "{}",
        run.stdout
    );

    // The operator signs, with the log's own key, a checkpoint of the right tree and the right
    // revocation map whose access map hides the last access: only recomputing the map from the
    // entries shows it.
    let (status, note) = request(&server.addr, "GET", "/checkpoint", b"");
    assert_eq!(status, 200);
    let note = String::from_utf8(note).expect("utf-8");
    let body = note.split_once("\n\n").map(|(body, _)| format!("{body}\n")).expect("a signed note");
    let mut checkpoint = Checkpoint::parse(&body).expect("checkpoint");
    let bundle = EntryBundleId::in_tree(0, checkpoint.size).expect("one bundle");
    let (status, bytes) = request(&server.addr, "GET", &format!("/{}", bundle.path()), b"");
    assert_eq!(status, 200);
    let entries = decode_entry_bundle(&bytes, usize::from(bundle.width())).expect("bundle");
    let mut hiding = AccessMap::new();
    hiding.fold_batch(0, &entries[..entries.len() - 1]).expect("in order");
    hiding.fold(entries.len() as u64 - 1, b"\x01 not an access").expect("in order");
    assert!(checkpoint.extensions.iter().any(|line| line.starts_with("revocation-map ")));
    checkpoint.extensions.retain(|line| !line.starts_with("access-map "));
    checkpoint.extensions.push(accessmap::checkpoint_extension(&hiding.root()));
    let seed: [u8; 32] =
        std::fs::read(keys.join("log-key.seed")).expect("seed").try_into().expect("32 bytes");
    let signer = NoteSigner::new(ORIGIN, ed25519_dalek::SigningKey::from_bytes(&seed)).expect("signer");
    let forged = signer.sign(&checkpoint.to_text()).expect("signs").into_bytes();
    let proxy = tampering_proxy(server.addr.clone(), move |path, body| {
        if path == "/checkpoint" {
            body.clone_from(&forged);
        }
    });
    let run = audit(root.path(), &format!("http://{proxy}"), &server.vkey, &root.path().join("s1"));
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("the gateway's access map is not derived from its log"), "{}", run.stderr);
}
