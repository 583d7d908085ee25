//! The sealed-record decoder on arbitrary input: `inspect` and `open` may not panic, and refuse
//! anything that is not a sound record (the checksum gate comes before any key derivation).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_core::vault::{inspect, open, RecordKind};

fuzz_target!(|data: &[u8]| {
    let _ = inspect(RecordKind::MasterSeed, data);
    let _ = open(RecordKind::MasterSeed, data, "fuzz passphrase");
});
