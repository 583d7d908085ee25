//! Native cost of integrating entries into tiles (the gateway sequencer's inner loop): one
//! million leaf hashes appended in batches of 1,000 and 4,000, reading back only the right-edge
//! tiles written before. Prints appends per second.
//!
//! Run: `cargo bench -p wasm-core --bench tlog_append`

use std::time::Instant;

use wasm_core::tlog::merkle::leaf_hash;
use wasm_core::tlog::tiles::{append_leaves, TileSet};

fn main() {
    let leaves: Vec<_> = (0u32..1_000_000).map(|i| leaf_hash(&i.to_be_bytes())).collect();
    for batch in [1_000usize, 4_000] {
        let mut tiles = TileSet::new();
        let started = Instant::now();
        let mut size = 0u64;
        for chunk in leaves.chunks(batch) {
            let appended = append_leaves(size, chunk, &tiles).expect("appending to tiles just written works");
            tiles.apply(&appended).expect("tiles from append_leaves apply");
            size = appended.size;
        }
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "batches of {batch}: {:.0} appends/s ({} tiles)",
            leaves.len() as f64 / seconds,
            tiles.len()
        );
    }
}
