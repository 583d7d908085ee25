//! `assent tree-head`: the RFC 6962 tree head of a list of entries, as the Ledger page shows it.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine as _};
use wasm_core::tlog::merkle::TreeHead;

/// One-line JSON: `{"size":N,"root_hex":"…","root_base64":"…"}`.
pub fn to_json(head: &TreeHead) -> String {
    format!(
        "{{\"size\":{},\"root_hex\":\"{}\",\"root_base64\":\"{}\"}}",
        head.size,
        hex::encode(head.root),
        BASE64.encode(head.root)
    )
}
