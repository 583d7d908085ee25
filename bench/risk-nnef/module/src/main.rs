//! Benchmark only (issue 8): the pinned risk model converted to NNEF at build time
//! (`assent-risk-nnef-convert`) and run with tract-nnef alone, without tract-onnx, to weigh its
//! wasm size and start-up against the shipped module (`app/risk`). The same interface as that
//! module's `RiskRunner`, so `bench/risk-inference.mjs` drives both alike. Never shipped: it
//! does not check the model's hash, which the shipped module does before parsing.
#![forbid(unsafe_code)]

use tract_nnef::prelude::{
    tvec, Framework, IntoRunnable, IntoTValue, Tensor, TractResult, TypedRunnableModel,
};
use wasm_bindgen::prelude::*;

/// The model's input width: five features.
const FEATURES: usize = 5;

fn main() {}

/// The NNEF model, loaded once, then run on rows of raw feature values.
#[wasm_bindgen]
pub struct RiskRunner {
    plan: std::sync::Arc<TypedRunnableModel>,
}

fn words(error: impl std::fmt::Display) -> JsValue {
    JsValue::from_str(&error.to_string())
}

#[wasm_bindgen]
impl RiskRunner {
    /// Loads `model`, an NNEF tar archive, and optimizes it for this machine. Errors are the
    /// reason in words.
    #[wasm_bindgen(constructor)]
    pub fn new(model: &[u8]) -> Result<RiskRunner, JsValue> {
        let load = || -> TractResult<_> {
            tract_nnef::nnef().model_for_read(&mut &model[..])?.into_optimized()?.into_runnable()
        };
        Ok(Self { plan: load().map_err(|e| words(format!("the NNEF model could not be loaded: {e:#}")))? })
    }

    /// P(diabetes) for each row of `rows`: N × 5 float32 values, row after row. Errors are the
    /// reason in words.
    pub fn run(&self, rows: &[f32]) -> Result<Vec<f32>, JsValue> {
        if !rows.len().is_multiple_of(FEATURES) {
            return Err(words(format!("{} values are not whole rows of {FEATURES}", rows.len())));
        }
        let input = Tensor::from_shape(&[rows.len() / FEATURES, FEATURES], rows).map_err(words)?;
        let outputs = self.plan.run(tvec!(input.into_tvalue())).map_err(words)?;
        let output = outputs.first().ok_or_else(|| words("the model gave no output"))?;
        let view = output.to_plain_array_view::<f32>().map_err(words)?;
        // Row-major [N, 2]: column 1 is P(diabetes).
        Ok(view.iter().skip(1).step_by(2).copied().collect())
    }
}
