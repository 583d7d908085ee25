//! What a client verifies for one ledger check, natively: a checkpoint of a tree of 2^32
//! entries signed by the log and cosigned by 3 witnesses under a 3-of-3 tlog-policy, an
//! inclusion proof in it, and a consistency proof from an older checkpoint. Prints the median.
//!
//! The tree is virtual: every node is a pseudo-random hash except the ancestors of the leaves
//! the proofs touch, which are computed from their children, so the proofs and roots are real
//! RFC 9162 ones without building 2^32 leaves.
//!
//! It also writes the check as JSON to `target/bench/tlog-fixture.json`, for the same check in
//! wasm in Chromium (`bench/tlog-verify.mjs`).
//!
//! Run: `cargo bench -p wasm-core --bench tlog_verify`

use std::collections::HashMap;
use std::time::Instant;

use ed25519_dalek::SigningKey;
use wasm_core::hash::{sha256, Digest256};
use wasm_core::tlog::checkpoint::Checkpoint;
use wasm_core::tlog::merkle::node_hash;
use wasm_core::tlog::note::{CosignatureSigner, NoteSigner};
use wasm_core::tlog::proof::{
    consistency_proof, inclusion_proof, tree_root, verify_consistency, verify_inclusion, HashSource,
    ProofError,
};
use wasm_core::tlog::view::LogTrust;

const RUNS: usize = 201;
const ORIGIN: &str = "bench.example/log";

/// Nodes are pseudo-random unless they lie on the path of a touched leaf.
struct VirtualTree {
    touched: Vec<u64>,
    memo: std::cell::RefCell<HashMap<(u8, u64), Digest256>>,
}

#[derive(Debug)]
struct NeverFails;

impl From<ProofError> for NeverFails {
    fn from(_: ProofError) -> Self {
        NeverFails
    }
}

impl HashSource for VirtualTree {
    type Error = NeverFails;

    fn subtree_hash(&self, level: u8, index: u64) -> Result<Digest256, NeverFails> {
        if let Some(hash) = self.memo.borrow().get(&(level, index)) {
            return Ok(*hash);
        }
        let on_path = self.touched.iter().any(|leaf| leaf >> level == index);
        let hash = if level == 0 || !on_path {
            sha256(format!("virtual node {level} {index}").as_bytes())
        } else {
            node_hash(
                &self.subtree_hash(level - 1, 2 * index)?,
                &self.subtree_hash(level - 1, 2 * index + 1)?,
            )
        };
        self.memo.borrow_mut().insert((level, index), hash);
        Ok(hash)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (size1, size2, index) = (u64::pow(2, 32) - 1000, u64::pow(2, 32), 3_000_000_001u64);
    let tree = VirtualTree { touched: vec![index, size1 - 1], memo: Default::default() };
    let unwrap = |result: Result<Digest256, NeverFails>| result.map_err(|_| "virtual tree");
    let (root1, root2) = (unwrap(tree_root(size1, &tree))?, unwrap(tree_root(size2, &tree))?);
    let leaf = unwrap(tree.subtree_hash(0, index))?;
    let inclusion = inclusion_proof(index, size2, &tree).map_err(|_| "inclusion proof")?;
    let consistency = consistency_proof(size1, size2, &tree).map_err(|_| "consistency proof")?;

    let log = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[1; 32]))?;
    let witnesses: Vec<CosignatureSigner> = (0..3u8)
        .map(|i| {
            CosignatureSigner::new(&format!("w{i}.example/witness"), SigningKey::from_bytes(&[10 + i; 32]))
        })
        .collect::<Result<_, _>>()?;
    let text = Checkpoint { origin: ORIGIN.into(), size: size2, root: root2, extensions: vec![] }.to_text();
    let mut note = log.sign(&text)?;
    for witness in &witnesses {
        note = witness.cosign(&note, 1_790_000_000)?;
    }
    let mut policy = format!("log {}\n", log.verifier_key());
    for (i, witness) in witnesses.iter().enumerate() {
        policy.push_str(&format!("witness w{i} {}\n", witness.verifier_key()));
    }
    policy.push_str("group all-three all w0 w1 w2\nquorum all-three\n");
    let trust = LogTrust::new(&log.verifier_key(), Some(&policy))?;

    let b64 = |hash: &Digest256| base64::Engine::encode(&base64::engine::general_purpose::STANDARD, hash);
    let fixture = serde_json::json!({
        "vkey": log.verifier_key(),
        "policy": policy,
        "note": note,
        "leaf": b64(&leaf),
        "index": index,
        "inclusion": inclusion.iter().map(b64).collect::<Vec<_>>(),
        "size1": size1,
        "root1": b64(&root1),
        "consistency": consistency.iter().map(b64).collect::<Vec<_>>(),
    });
    let out = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/bench");
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("tlog-fixture.json"), fixture.to_string())?;

    let check = || -> Result<(), Box<dyn std::error::Error>> {
        let checkpoint = trust.open(note.as_bytes())?;
        verify_inclusion(&leaf, index, checkpoint.size(), &inclusion, checkpoint.root())?;
        verify_consistency(size1, checkpoint.size(), &consistency, &root1, checkpoint.root())?;
        Ok(())
    };
    // The first check also builds the base point's and the four keys' tables (ed25519::PreparedKey).
    let first_start = Instant::now();
    check()?;
    let first = first_start.elapsed().as_secs_f64() * 1e3;
    let mut times: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let outcome = check();
            let elapsed = start.elapsed().as_secs_f64() * 1e3;
            outcome.map(|()| elapsed)
        })
        .collect::<Result<_, _>>()?;
    times.sort_by(f64::total_cmp);
    println!(
        "checkpoint (log + 3 cosignatures, 3-of-3 policy) + inclusion ({} hashes) + consistency ({} hashes), tree of 2^32: median {:.3} ms over {RUNS} runs",
        inclusion.len(),
        consistency.len(),
        times[RUNS / 2]
    );
    println!("the first check of a process, building the key tables: {first:.3} ms");
    Ok(())
}
