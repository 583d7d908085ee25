//! Every consent decoder on arbitrary input: the QR payload text, and raw bytes as a grant, a
//! revocation and an access event. None may panic; all must refuse what they cannot read.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_core::consent::{grant, payload, AccessEvent, Revocation, SignedGrant};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = payload::verify(text, 1_790_000_000, Some(&[7u8; 32]));
        let _ = payload::decode(text);
        let _ = payload::ledger_index(text);
    }
    let _ = SignedGrant::decode(data);
    let _ = grant::verify(data, 1_790_000_000, None);
    let _ = Revocation::verify(data);
    let _ = AccessEvent::verify(data);
});
