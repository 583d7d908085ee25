//! Access-map trail answers on arbitrary input: decoding may only accept or refuse, never panic;
//! what it accepts re-encodes to the same bytes; and an answer that verifies against the fixed
//! map's checkpoint for a key lists exactly as many events as the map counts for that key, with
//! the map's last index (soundness; the fixed map's present keys have made-up chains, so only
//! absent keys can verify, with no events).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wasm_core::accessmap::{checkpoint_extension, AccessKey, AccessMap, AccessTrail, TrailAnswer};
use wasm_core::tlog::checkpoint::Checkpoint;

/// The map the seeds in fuzz/corpus/access_trail/ come from (the same as `fuzz_map` in
/// wasm-core/src/accessmap/tests.rs, which writes and checks the seeds): five keys, two of them
/// parting only at the last bit, so proofs reach depth 256; and its checkpoint.
fn fixed() -> &'static (AccessMap, Checkpoint, Vec<AccessKey>) {
    static FIXED: OnceLock<(AccessMap, Checkpoint, Vec<AccessKey>)> = OnceLock::new();
    FIXED.get_or_init(|| {
        let mut deep = [0xc0u8; 32];
        deep[31] = 0xc1;
        let keys = [[0x00u8; 32], [0x80; 32], [0x81; 32], [0xc0; 32], deep];
        let leaves = keys.iter().enumerate().map(|(i, key)| {
            let trail = AccessTrail { count: i as u64 + 1, last_index: i as u64 * 2 + 5, chain: [i as u8; 32] };
            (AccessKey::from_bytes(*key), trail)
        });
        let map = AccessMap::restore(16, leaves).expect("possible trails, distinct keys");
        let text = Checkpoint {
            origin: "example.com/log".into(),
            size: 16,
            root: [3; 32],
            extensions: vec![checkpoint_extension(&map.root())],
        }
        .to_text();
        let checkpoint = Checkpoint::parse(&text).expect("a checkpoint this target writes parses");
        let queries = keys.iter().chain(&[[0x40; 32], [0xff; 32], [0x82; 32]]).map(|key| AccessKey::from_bytes(*key));
        (map, checkpoint, queries.collect())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(answer) = TrailAnswer::decode(data) else { return };
    assert_eq!(answer.to_bytes(), data, "an accepted answer is canonical");
    let (map, checkpoint, queries) = fixed();
    for key in queries {
        if let Ok(events) = answer.verify(checkpoint, key) {
            match map.get(key) {
                None => assert!(events.is_empty(), "events verified for a key without any"),
                Some(trail) => {
                    assert_eq!(events.len() as u64, trail.count, "a trail of the wrong length verified");
                    assert_eq!(events.last().map(|event| event.index), Some(trail.last_index));
                }
            }
        }
    }
});
