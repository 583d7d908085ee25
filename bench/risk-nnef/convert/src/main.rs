//! Converts the pinned ONNX risk model to an NNEF archive (tar, deterministic) at build time,
//! for `assent-risk-nnef`, the benchmark's tract-nnef-only module (BENCHMARKS.md, issue 8).
//! The batch dimension stays symbolic (`N`). Before writing, both models run every row of
//! `model/reference-predictions.json` and must agree within 1e-6.
//!
//! Usage: `assent-risk-nnef-convert MODEL.onnx REFERENCE.json OUT.nnef.tar`
#![forbid(unsafe_code)]

use std::process::ExitCode;

use tract_onnx::prelude::{
    tvec, DatumExt, Framework, InferenceModelExt, IntoRunnable, IntoTValue, TDim, Tensor, TractResult,
    TypedModel,
};
use tract_onnx::tract_core::internal::{bail, format_err};

/// The model's input width: five features.
const FEATURES: usize = 5;
/// How far the NNEF model's probabilities may be from the ONNX model's.
const TOLERANCE: f32 = 1e-6;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [onnx, reference, out] = args.as_slice() else {
        eprintln!("usage: assent-risk-nnef-convert MODEL.onnx REFERENCE.json OUT.nnef.tar");
        return ExitCode::from(2);
    };
    match convert(onnx, reference, out) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn convert(onnx: &str, reference: &str, out: &str) -> TractResult<String> {
    let mut model = tract_onnx::onnx().model_for_path(onnx)?;
    let rows = TDim::from(model.symbols.sym("N"));
    model = model.with_input_fact(0, f32::fact([rows, TDim::from(FEATURES)]).into())?;
    // NNEF stores the decluttered typed model; each loader optimizes it for its own machine.
    let typed = model.into_typed()?.into_decluttered()?;
    let archive = tract_nnef::nnef().write_to_tar_with_config(&typed, Vec::new(), false, true)?;
    let reloaded = tract_nnef::nnef().model_for_read(&mut &archive[..])?;

    let rows = reference_rows(&std::fs::read_to_string(reference)?)?;
    let from_onnx = run(typed, &rows)?;
    let from_nnef = run(reloaded, &rows)?;
    let worst = from_onnx.iter().zip(&from_nnef).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    if from_onnx.len() != rows.len() / FEATURES || from_nnef.len() != from_onnx.len() || worst > TOLERANCE {
        bail!("the NNEF model does not reproduce the ONNX model (max diff {worst:e})");
    }
    std::fs::write(out, &archive)?;
    Ok(format!(
        "{out}: {} bytes; {} reference rows, max |onnx - nnef| = {worst:e}",
        archive.len(),
        rows.len() / FEATURES
    ))
}

/// The reference file's feature rows, flat and float32 as the model takes them.
fn reference_rows(json: &str) -> TractResult<Vec<f32>> {
    let reference: serde_json::Value = serde_json::from_str(json)?;
    let mut flat = Vec::new();
    for row in reference["rows"].as_array().into_iter().flatten() {
        for value in row["features"].as_array().into_iter().flatten() {
            let value = value.as_f64().ok_or_else(|| format_err!("not a number"))?;
            #[allow(clippy::cast_possible_truncation)] // The model's input is float32 by design.
            flat.push(value as f32);
        }
    }
    Ok(flat)
}

/// P(diabetes) for every row, in one batch.
fn run(model: TypedModel, rows: &[f32]) -> TractResult<Vec<f32>> {
    let plan = model.into_optimized()?.into_runnable()?;
    let input = Tensor::from_shape(&[rows.len() / FEATURES, FEATURES], rows)?;
    let outputs = plan.run(tvec!(input.into_tvalue()))?;
    let output = outputs.first().ok_or_else(|| format_err!("no output"))?;
    let view = output.to_plain_array_view::<f32>()?;
    Ok(view.iter().skip(1).step_by(2).copied().collect())
}
