//! The on-device risk hint: a small logistic model (`pima-logistic-v1`, see `model/MODEL_CARD.md`)
//! that says how a patient's measurements resemble those of women who had diabetes in the Pima
//! study. **A hint, not a diagnosis.**
//!
//! - [`features`] reads the model's inputs from a [`crate::records::RecordSet`] by LOINC code,
//!   says where each value came from, names each missing one and never invents one, and reports
//!   when the model does not apply (it was trained on women aged 21 or over).
//! - [`explain`] splits the log-odds into per-feature contributions.
//! - With the `inference` feature, `RiskModel` runs the ONNX model with tract, after checking
//!   that its SHA-256 is [`MODEL_SHA256`].
//!
//! The model's metadata are constants here ([`spec`]), tested to equal `model/model.json`.

mod explain;
mod features;
#[cfg(feature = "inference")]
mod inference;
pub mod spec;

pub use explain::{explain, Contribution, Explanation};
pub use features::{
    features, ApplicabilityProblem, FeatureOutcome, FeatureReport, FeatureStatus, FeatureValue,
    ObservationRef, PassedOver, ValueSource,
};
#[cfg(feature = "inference")]
pub use inference::{RiskModel, RiskResult, MAX_MODEL_BYTES};
pub use spec::{
    FeatureSpec, CAVEAT, FEATURES, FEATURE_COUNT, MODEL_ID, MODEL_PUBLISHER, MODEL_SHA256, MODEL_VERSION,
};

/// Reads `bytes` as a ledger entry and checks that it is the release of the pinned model
/// ([`MODEL_ID`], [`MODEL_SHA256`]) by the pinned publisher ([`MODEL_PUBLISHER`]): the entry
/// the wallet submits and then proves on the ledger.
pub fn pinned_release(bytes: &[u8]) -> Result<crate::consent::ModelRelease, RiskError> {
    use crate::consent::LogEntry;
    match LogEntry::verify(bytes) {
        Ok(LogEntry::Model(release)) if release.releases(&MODEL_SHA256, MODEL_ID, &MODEL_PUBLISHER) => {
            Ok(release)
        }
        Ok(_) => Err(RiskError::Release("it is not the release of this app's model by its publisher".into())),
        Err(error) => Err(RiskError::Release(error.to_string())),
    }
}

/// Why a hint could not be computed. Messages say what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RiskError {
    /// A feature is missing or unusable, or the model does not apply to this patient.
    #[error("cannot compute the hint: {}", .0.join("; "))]
    CannotCompute(Vec<String>),
    /// The model file is far larger than the pinned one.
    #[error(
        "the model file is {len} bytes, more than the {max} a risk model may have; it is not Assent's model"
    )]
    ModelTooLarge {
        /// Its length.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// The model's hash is not the pinned one.
    #[error("refused the risk model: its SHA-256 is {found}, not the pinned {expected}; reload the app to fetch the published model")]
    ModelHash {
        /// The hash of the bytes given (hex).
        found: String,
        /// The pinned hash (hex).
        expected: String,
    },
    /// The pinned model could not be prepared (a bug: the bytes are the pinned ones).
    #[error("the risk model could not be loaded ({0}); please report this bug")]
    Model(String),
    /// The model's release statement is not the pinned model's, by the pinned publisher.
    #[error("the model's release statement is refused ({0}); reload the app to fetch the published one")]
    Release(String),
    /// Running the model failed or gave a malformed output (a bug).
    #[error("the risk model failed to run ({0}); please report this bug")]
    Inference(String),
}
