//! Native cost of opening a sealed wallet key at the default Argon2id parameters: the figure the
//! browser's unlock time is compared with (BENCHMARKS.md). Prints the median of several runs.
//!
//! Run: `cargo bench -p wasm-core --bench vault_unlock`

use std::time::Instant;

use rand_chacha::rand_core::SeedableRng;
use wasm_core::vault::{open, seal, KdfParams, RecordKind};

const RUNS: usize = 9;

fn main() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let record = seal(RecordKind::MasterSeed, &[7u8; 32], "bench passphrase", KdfParams::DEFAULT, &mut rng)
        .expect("sealing with default parameters works");
    let mut millis: Vec<f64> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            let opened = open(RecordKind::MasterSeed, &record, "bench passphrase").expect("opens");
            let elapsed = start.elapsed().as_secs_f64() * 1e3;
            assert_eq!(opened.len(), 32);
            elapsed
        })
        .collect();
    millis.sort_by(f64::total_cmp);
    println!(
        "native open at {}: median {:.1} ms (min {:.1}, max {:.1}, {RUNS} runs)",
        KdfParams::DEFAULT,
        millis[RUNS / 2],
        millis[0],
        millis[RUNS - 1]
    );
}
