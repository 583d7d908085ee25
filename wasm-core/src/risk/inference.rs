//! Running the pinned ONNX model with tract (the `inference` feature).

use core::fmt;

use std::cell::RefCell;
use std::sync::Arc;

use tract_onnx::prelude::{
    tvec, DatumExt, Framework, InferenceModelExt, IntoRunnable, IntoTValue, TDim, Tensor, TypedRunnableModel,
};

use super::explain::{explain, Explanation};
use super::features::FeatureReport;
use super::spec::{CAVEAT, FEATURE_COUNT, MODEL_ID, MODEL_SHA256, MODEL_VERSION};
use super::RiskError;
use crate::hash::sha256;

/// The largest model file [`RiskModel::load`] hashes; the pinned one is 533 bytes.
pub const MAX_MODEL_BYTES: usize = 1024 * 1024;

/// Batches of at least this many rows get a plan made for their exact size: for 1,000 rows it
/// runs about 4× faster than the symbolic plan (shapes resolved once, not on every run), and
/// making it costs about one model load.
const CONCRETE_PLAN_MIN_ROWS: usize = 64;

/// The pinned model, loaded and ready to run on any number of rows: one plan, its batch
/// dimension symbolic (the model's input is `[N, 5]`), and a plan for the size of the last
/// large batch.
pub struct RiskModel {
    plan: Arc<TypedRunnableModel>,
    /// The model file, its hash checked: re-read for a batch's own plan.
    bytes: Vec<u8>,
    batch_plan: RefCell<Option<(usize, Arc<TypedRunnableModel>)>>,
}

/// The runnable plan of the model in `model_bytes`, its batch dimension given by `rows` (a
/// symbol for any size, or a number).
fn plan(
    model_bytes: &[u8],
    rows: impl FnOnce(&tract_onnx::prelude::InferenceModel) -> TDim,
) -> Result<Arc<TypedRunnableModel>, RiskError> {
    tract_onnx::onnx()
        .model_for_read(&mut &model_bytes[..])
        .and_then(|model| {
            let rows = rows(&model);
            model.with_input_fact(0, f32::fact([rows, TDim::from(FEATURE_COUNT)]).into())
        })
        .and_then(|model| model.into_optimized())
        .and_then(|model| model.into_runnable())
        .map_err(|error| RiskError::Model(format!("{error:#}")))
}

impl fmt::Debug for RiskModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RiskModel").field("model", &MODEL_ID).finish_non_exhaustive()
    }
}

/// A computed hint.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RiskResult {
    /// P(diabetes) from the model (tract, float32).
    pub probability: f64,
    /// Each feature's contribution to the log-odds.
    pub explanation: Explanation,
    /// The features it was computed from, with their sources.
    pub features: FeatureReport,
    /// The model's id ([`MODEL_ID`]).
    pub model: String,
    /// The model's version ([`MODEL_VERSION`]).
    pub model_version: String,
    /// The model's SHA-256, hex ([`MODEL_SHA256`]).
    pub model_sha256: String,
    /// What must be shown with it ([`CAVEAT`]).
    pub caveat: String,
}

impl RiskModel {
    /// Loads the model from its bytes. The SHA-256 is checked against [`MODEL_SHA256`] before
    /// anything parses them: any other model is refused with [`RiskError::ModelHash`].
    pub fn load(model_bytes: &[u8]) -> Result<Self, RiskError> {
        if model_bytes.len() > MAX_MODEL_BYTES {
            return Err(RiskError::ModelTooLarge { len: model_bytes.len(), max: MAX_MODEL_BYTES });
        }
        let digest = sha256(model_bytes);
        if digest != MODEL_SHA256 {
            return Err(RiskError::ModelHash {
                found: hex::encode(digest),
                expected: hex::encode(MODEL_SHA256),
            });
        }
        let plan = plan(model_bytes, |model| TDim::from(model.symbols.sym("N")))?;
        Ok(Self { plan, bytes: model_bytes.to_vec(), batch_plan: RefCell::new(None) })
    }

    /// The plan to run `count` rows with: the symbolic one, or for a large batch one made for
    /// exactly `count` rows (kept for the next batch of that size). If making it fails, the
    /// symbolic plan still gives the same answers.
    fn plan_for(&self, count: usize) -> Arc<TypedRunnableModel> {
        if count < CONCRETE_PLAN_MIN_ROWS {
            return Arc::clone(&self.plan);
        }
        if let Some((size, plan)) = self.batch_plan.borrow().as_ref() {
            if *size == count {
                return Arc::clone(plan);
            }
        }
        match plan(&self.bytes, |_| TDim::from(count)) {
            Ok(plan) => {
                *self.batch_plan.borrow_mut() = Some((count, Arc::clone(&plan)));
                plan
            }
            Err(_) => Arc::clone(&self.plan),
        }
    }

    /// P(diabetes) for `values` (raw units, input order), each cast to float32 as the model
    /// takes them.
    pub fn run(&self, values: &[f64; FEATURE_COUNT]) -> Result<f64, RiskError> {
        #[allow(clippy::cast_possible_truncation)] // The model's input is float32 by design.
        let input = values.map(|value| value as f32);
        let probabilities = self.run_batch(&input)?;
        probabilities
            .first()
            .copied()
            .map(f64::from)
            .ok_or_else(|| RiskError::Inference("no probability for the row".to_string()))
    }

    /// P(diabetes) for each of N rows in one run of the model: `rows` holds N × [`FEATURE_COUNT`]
    /// float32 values, row after row, each row in input order and raw units (as [`Self::run`]
    /// takes them after its cast). Returns N probabilities, in row order; no rows give none.
    /// A length that is not a multiple of [`FEATURE_COUNT`], or an output that is not N
    /// probabilities, is [`RiskError::Inference`].
    pub fn run_batch(&self, rows: &[f32]) -> Result<Vec<f32>, RiskError> {
        if !rows.len().is_multiple_of(FEATURE_COUNT) {
            return Err(RiskError::Inference(format!(
                "{} input values are not whole rows of {FEATURE_COUNT}; pass N × {FEATURE_COUNT} values",
                rows.len()
            )));
        }
        let count = rows.len() / FEATURE_COUNT;
        if count == 0 {
            return Ok(Vec::new());
        }
        let tensor = Tensor::from_shape(&[count, FEATURE_COUNT], rows)
            .map_err(|error| RiskError::Inference(format!("{error:#}")))?;
        let outputs = self
            .plan_for(count)
            .run(tvec!(tensor.into_tvalue()))
            .map_err(|error| RiskError::Inference(format!("{error:#}")))?;
        let output = outputs.first().ok_or_else(|| RiskError::Inference("no output".to_string()))?;
        if output.shape() != [count, 2] {
            return Err(RiskError::Inference(format!(
                "output shape {:?}, expected [{count}, 2]",
                output.shape()
            )));
        }
        let view = output
            .to_plain_array_view::<f32>()
            .map_err(|error| RiskError::Inference(format!("{error:#}")))?;
        // Row-major [N, 2]: column 1 is P(diabetes), column 0 its complement.
        let probabilities: Vec<f32> = view.iter().skip(1).step_by(2).copied().collect();
        if let Some(bad) = probabilities.iter().find(|p| !(0.0..=1.0).contains(*p)) {
            return Err(RiskError::Inference(format!("P(diabetes) = {bad} is not a probability")));
        }
        Ok(probabilities)
    }

    /// The hint for a patient: refuses, with every reason, when a feature is missing or the
    /// model does not apply ([`RiskError::CannotCompute`]); otherwise runs the model and explains
    /// the result.
    pub fn predict(&self, features: &FeatureReport) -> Result<RiskResult, RiskError> {
        let values = features.values()?;
        let probability = self.run(&values)?;
        Ok(RiskResult {
            probability,
            explanation: explain(&values),
            features: features.clone(),
            model: MODEL_ID.to_string(),
            model_version: MODEL_VERSION.to_string(),
            model_sha256: hex::encode(MODEL_SHA256),
            caveat: CAVEAT.to_string(),
        })
    }
}
