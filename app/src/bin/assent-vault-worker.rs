//! The vault worker: the slow and large parts of the vault — Argon2id sealing and opening, and
//! the passphrase-strength estimator — built as a separate wasm module that `vault-worker.js`
//! runs in a Web Worker. The page's main thread never freezes on a key derivation, and none of
//! this is on the page's first load.
#![forbid(unsafe_code)]

use wasm_bindgen::prelude::*;
use wasm_core::vault::{self, DamageCheck, KdfParams, RecordKind, VaultError};

/// Nothing to start: the worker script calls the exports below.
fn main() {}

/// A `VaultError` as JSON, for the page to turn back into the same error.
fn error_json(error: &VaultError) -> JsValue {
    JsValue::from_str(&serde_json::to_string(error).unwrap_or_else(|_| "\"Random\"".to_string()))
}

fn kind_of(byte: u8) -> Result<RecordKind, JsValue> {
    RecordKind::from_byte(byte).ok_or_else(|| {
        error_json(&VaultError::Damaged { record: RecordKind::MasterSeed, check: DamageCheck::Kind })
    })
}

/// Seals `plaintext` as a record of kind `kind` (its format byte) with the default parameters.
#[wasm_bindgen]
pub fn seal_record(kind: u8, plaintext: &[u8], passphrase: &str) -> Result<Vec<u8>, JsValue> {
    vault::seal(kind_of(kind)?, plaintext, passphrase, KdfParams::DEFAULT, &mut getrandom::SysRng)
        .map_err(|error| error_json(&error))
}

/// Opens a record of kind `kind`.
#[wasm_bindgen]
pub fn open_record(kind: u8, record: &[u8], passphrase: &str) -> Result<Vec<u8>, JsValue> {
    vault::open(kind_of(kind)?, record, passphrase)
        .map(|plaintext| plaintext.to_vec())
        .map_err(|error| error_json(&error))
}

/// The zxcvbn estimate of a passphrase: `{"score":0-4,"warning":"…","suggestion":"…"}`.
#[wasm_bindgen]
pub fn passphrase_strength(passphrase: &str) -> String {
    let estimate = zxcvbn::zxcvbn(passphrase, &["assent", "wallet", "health"]);
    let feedback = estimate.feedback();
    serde_json::json!({
        "score": estimate.score() as u8,
        "warning": feedback.and_then(|f| f.warning()).map(|w| w.to_string()).unwrap_or_default(),
        "suggestion": feedback.and_then(|f| f.suggestions().first()).map(ToString::to_string).unwrap_or_default(),
    })
    .to_string()
}
