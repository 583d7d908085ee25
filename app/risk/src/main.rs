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

/// The pinned model, checked and loaded once, then run on rows of raw feature values (the
/// benchmark against onnxruntime-web, `bench/risk-inference.mjs`, and any caller with many rows).
#[wasm_bindgen]
pub struct RiskRunner {
    model: RiskModel,
}

#[wasm_bindgen]
impl RiskRunner {
    /// Checks `model` against the pinned SHA-256 and loads it with tract. Errors are the
    /// reason in words.
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8]) -> Result<RiskRunner, JsValue> {
        let model = RiskModel::load(model).map_err(|e| JsValue::from_str(&e.to_string()))?;
        Ok(Self { model })
    }

    /// P(diabetes) for each row of `rows`: N × 5 float32 values, row after row, each in the
    /// model's input order and raw units. Errors are the reason in words.
    pub fn run(&self, rows: &[f32]) -> Result<Vec<f32>, JsValue> {
        self.model.run_batch(rows).map_err(|e| JsValue::from_str(&e.to_string()))
    }
}
