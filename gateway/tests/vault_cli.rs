//! `assent vault open` as a user runs it: a real backup file, the passphrase on stdin.

mod support;

use std::path::Path;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use wasm_core::vault::{seal, KdfParams, MasterSeed, RecordKind};

use support::run_assent;
const PASSPHRASE: &str = "a long passphrase for the test";

/// Runs `assent` with `stdin`; returns the exit code, stdout and stderr.
fn assent(args: &[&str], stdin: &str) -> (i32, String, String) {
    let run = run_assent(args, Path::new("."), stdin);
    (run.code, run.stdout, run.stderr)
}

fn backup(dir: &std::path::Path) -> (MasterSeed, String) {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let seed = MasterSeed::generate(&mut rng).expect("seeded RNG");
    let record = seal(RecordKind::MasterSeed, seed.expose_bytes(), PASSPHRASE, KdfParams::DEFAULT, &mut rng)
        .expect("seal backup");
    let path = dir.join("wallet.assent-backup");
    std::fs::write(&path, record).expect("write backup");
    (seed, path.display().to_string())
}

#[test]
fn opens_a_backup_and_prints_only_public_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (seed, file) = backup(dir.path());
    let (code, stdout, stderr) =
        assent(&["vault", "open", "--file", &file, "--provider", "clinic-a"], &format!("{PASSPHRASE}\n"));
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("stdout is JSON");
    assert_eq!(json["root_public_key"], hex::encode(seed.root_key().verifying_key().as_bytes()));
    assert_eq!(
        json["pairwise_public_keys"]["clinic-a"],
        hex::encode(seed.pairwise_key(b"clinic-a").verifying_key().as_bytes())
    );
    assert_eq!(json["kdf"]["memory_kib"], KdfParams::DEFAULT.memory_kib);
    for secret in [hex::encode(seed.expose_bytes()), hex::encode(seed.root_key().to_bytes())] {
        assert!(!stdout.contains(&secret) && !stderr.contains(&secret));
    }
    let first_word = seed.recovery_phrase().words().next().map(str::to_owned).expect("24 words");
    assert!(!stdout.contains(&format!("\"{first_word}")));
}

#[test]
fn wrong_passphrase_damage_and_usage_errors_have_their_exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_, file) = backup(dir.path());

    let (code, stdout, stderr) = assent(&["vault", "open", "--file", &file], "not the passphrase\n");
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(stderr.contains("wrong passphrase"), "{stderr}");

    let mut bytes = std::fs::read(&file).expect("read backup");
    bytes[40] ^= 0x80;
    let damaged = dir.path().join("damaged.assent-backup");
    std::fs::write(&damaged, &bytes).expect("write damaged");
    let (code, _, stderr) =
        assent(&["vault", "open", "--file", damaged.to_str().expect("utf-8 path")], PASSPHRASE);
    assert_eq!(code, 1);
    assert!(stderr.contains("the stored wallet key is damaged: its checksum does not match"), "{stderr}");

    let (code, _, stderr) = assent(&["vault", "open", "--file", &file], "");
    assert_eq!(code, 1);
    assert!(stderr.contains("no passphrase on standard input"), "{stderr}");

    let (code, _, stderr) = assent(&["vault", "open", "--file", "/nonexistent/backup"], PASSPHRASE);
    assert_eq!(code, 1);
    assert!(stderr.contains("cannot read backup file /nonexistent/backup"), "{stderr}");

    let (code, _, stderr) = assent(&["vault", "open"], PASSPHRASE);
    assert_eq!(code, 2, "a usage error exits 2: {stderr}");
}
