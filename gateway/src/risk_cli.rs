//! `assent risk`: the on-device risk hint from the command line, with the same `wasm-core` code
//! (feature extraction, the pinned model through tract) the wallet runs in the browser.

use std::path::{Path, PathBuf};

use serde_json::json;
use wasm_core::records::{self, RecordsError};
use wasm_core::risk::{self, RiskError, RiskModel, FEATURES, FEATURE_COUNT};

/// The pinned model, as shipped in `public/model/` (used when no `--model` is given).
const SHIPPED_MODEL: &[u8] = include_bytes!("../../public/model/pima-logistic-v1.onnx");

/// Why `assent risk` failed. Messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum RiskCliError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}; check the path")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The bundle was refused.
    #[error("the bundle was refused: {0}")]
    Bundle(#[from] RecordsError),
    /// The model was refused, or the hint cannot be computed.
    #[error("{0}")]
    Risk(#[from] RiskError),
    /// The CSV is not the model's features.
    #[error("the CSV is not usable: {0}")]
    Csv(String),
}

fn read(path: &Path) -> Result<Vec<u8>, RiskCliError> {
    std::fs::read(path).map_err(|source| RiskCliError::Read { path: path.to_owned(), source })
}

fn load_model(model: Option<&Path>) -> Result<RiskModel, RiskCliError> {
    let bytes = match model {
        Some(path) => read(path)?,
        None => SHIPPED_MODEL.to_vec(),
    };
    Ok(RiskModel::load(&bytes)?)
}

/// The hint for a FHIR R4 bundle at `now` (Unix seconds), as JSON: the probability, the
/// features used (with their sources), the missing ones, and the model's hash; and whether a
/// hint could be computed (when not, `probability` is null and `missing` says why).
pub fn bundle(
    path: &Path,
    model: Option<&Path>,
    now: u64,
) -> Result<(serde_json::Value, bool), RiskCliError> {
    let records = records::import(&read(path)?)?;
    let features = risk::features(&records, now);
    let model = load_model(model)?;
    match model.predict(&features) {
        Ok(result) => Ok((
            json!({
                "probability": result.probability,
                "model_sha256": result.model_sha256,
                "model_version": result.model_version,
                "explanation": result.explanation,
                "features": result.features,
                "missing": [],
                "caveat": result.caveat,
            }),
            true,
        )),
        Err(RiskError::CannotCompute(reasons)) => Ok((
            json!({
                "probability": null,
                "model_sha256": hex::encode(risk::MODEL_SHA256),
                "model_version": risk::MODEL_VERSION,
                "features": features,
                "missing": reasons,
            }),
            false,
        )),
        Err(error) => Err(error.into()),
    }
}

/// Probabilities for the rows of a CSV whose header names the model's features (other columns
/// are ignored): the same CSV with a `probability` column added, rows in order.
pub fn csv(path: &Path, model: Option<&Path>) -> Result<String, RiskCliError> {
    let text =
        String::from_utf8(read(path)?).map_err(|_| RiskCliError::Csv("it is not UTF-8 text".into()))?;
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let header = lines.next().ok_or_else(|| RiskCliError::Csv("it is empty".into()))?;
    let columns: Vec<&str> = header.split(',').map(str::trim).collect();
    let mut positions = [0usize; FEATURE_COUNT];
    for (position, feature) in positions.iter_mut().zip(FEATURES.iter()) {
        *position = columns.iter().position(|column| *column == feature.id).ok_or_else(|| {
            let names: Vec<&str> = FEATURES.iter().map(|feature| feature.id).collect();
            RiskCliError::Csv(format!(
                "the header has no {} column (it needs {})",
                feature.id,
                names.join(",")
            ))
        })?;
    }
    let model = load_model(model)?;
    let mut out = format!("{header},probability\n");
    for (number, line) in lines.enumerate() {
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        let mut values = [0f64; FEATURE_COUNT];
        for ((value, &position), feature) in values.iter_mut().zip(&positions).zip(FEATURES.iter()) {
            let cell = cells.get(position).copied().unwrap_or_default();
            *value = cell.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(|| {
                RiskCliError::Csv(format!("row {} has {cell:?} for {}, not a number", number + 1, feature.id))
            })?;
        }
        out.push_str(&format!("{line},{}\n", model.run(&values)?));
    }
    Ok(out)
}
