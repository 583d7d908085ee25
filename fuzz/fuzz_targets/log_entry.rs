//! The gateway's `POST /add` body decoder on arbitrary input: it may only accept or refuse,
//! never panic, and what it accepts re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_core::consent::LogEntry;

fuzz_target!(|data: &[u8]| {
    if let Ok(entry) = LogEntry::verify(data) {
        assert_eq!(entry.to_bytes(), data, "an accepted entry is canonical");
    }
});
