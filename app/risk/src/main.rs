//! The risk model's wasm module: tract-onnx and the pinned model. `vault-worker.js` imports it
//! only when the records page has records whose hint can be computed, so neither the page's
//! first load nor the vault worker carries tract (about 1.9 MB gzip). It sees only the five
//! feature values, never the records.
#![forbid(unsafe_code)]

use wasm_bindgen::prelude::*;
use wasm_core::risk::{FeatureReport, RiskModel};

fn main() {}

/// The hint for `features_json` (a `wasm_core::risk::FeatureReport` as JSON) with the model
/// `model` (its bytes, checked against the pinned SHA-256 before tract parses them): a
/// `RiskResult` as JSON. Errors are the reason in words.
#[wasm_bindgen]
pub fn predict(features_json: &str, model: &[u8]) -> Result<String, JsValue> {
    let words = |text: String| JsValue::from_str(&text);
    let features: FeatureReport = serde_json::from_str(features_json)
        .map_err(|e| words(format!("the features are not readable: {e}")))?;
    let model = RiskModel::load(model).map_err(|e| words(e.to_string()))?;
    let result = model.predict(&features).map_err(|e| words(e.to_string()))?;
    serde_json::to_string(&result).map_err(|e| words(e.to_string()))
}
