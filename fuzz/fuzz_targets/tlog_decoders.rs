//! Every transparency-log decoder on arbitrary input: signed notes, checkpoints, witness
//! policies, tile paths, hash tiles and entry bundles. None may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_core::tlog::checkpoint::Checkpoint;
use wasm_core::tlog::note::{open_note, NoteVerifier};
use wasm_core::tlog::policy::Policy;
use wasm_core::tlog::tiles::{decode_entry_bundle, decode_hash_tile, TileId, TilePath};

/// Go's example verifier key, so signature lines naming it reach the verification path.
const VERIFIER: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

fuzz_target!(|data: &[u8]| {
    if let Ok(verifier) = NoteVerifier::parse(VERIFIER) {
        let _ = open_note(data, &[verifier]);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Checkpoint::parse(text);
        let _ = Policy::parse(text);
        let _ = TilePath::parse(text);
        let _ = NoteVerifier::parse(text);
    }
    let _ = decode_entry_bundle(data, usize::from(data.first().copied().unwrap_or(0)));
    if let Ok(tile) = TileId::new(0, 0, u16::from(data.first().copied().unwrap_or(1)).max(1)) {
        let _ = decode_hash_tile(tile, data);
    }
});
