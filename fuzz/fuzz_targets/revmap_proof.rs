//! Revocation-map proofs on arbitrary input: decoding may only accept or refuse, never panic;
//! what it accepts re-encodes to the same bytes; and a proof that verifies against the fixed
//! map's root for a key says exactly what the map holds for that key (soundness).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wasm_core::revmap::{MapKey, MapProof, MapStatus, RevocationMap, Revoked};

/// The map the seeds in fuzz/corpus/revmap_proof/ prove against (the same as `fuzz_map` in
/// wasm-core/tests/revmap.rs, which checks the seeds): five keys, two of them parting only at
/// the last bit, so proofs reach depth 256.
fn fixed_map() -> &'static (RevocationMap, Vec<MapKey>) {
    static MAP: OnceLock<(RevocationMap, Vec<MapKey>)> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut deep = [0xc0u8; 32];
        deep[31] = 0xc1;
        let keys = [[0x00u8; 32], [0x80; 32], [0x81; 32], [0xc0; 32], deep];
        let leaves = keys.iter().enumerate().map(|(i, key)| {
            let value = Revoked { log_index: i as u64 * 2 + 1, revoked_at: 1_700_000_000 + i as u64 };
            (MapKey::from_bytes(*key), value)
        });
        let map = RevocationMap::restore("example.com/log", 16, leaves).expect("distinct keys");
        // Present keys, and absent ones whose walks end in another leaf or an empty subtree.
        let queries =
            keys.iter().chain(&[[0x40; 32], [0xff; 32], [0x82; 32]]).map(|key| MapKey::from_bytes(*key));
        (map, queries.collect())
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(proof) = MapProof::decode(data) else { return };
    assert_eq!(proof.to_bytes(), data, "an accepted proof is canonical");
    let (map, queries) = fixed_map();
    let root = map.root();
    for key in queries {
        match proof.verify(&root, key) {
            Ok(MapStatus::Revoked(value)) => {
                assert_eq!(map.get(key), Some(value), "a forged revocation verified")
            }
            Ok(MapStatus::NotRevoked) => assert_eq!(map.get(key), None, "a forged non-revocation verified"),
            Err(_) => {}
        }
    }
});
