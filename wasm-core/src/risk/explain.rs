//! Why the model gives the probability it gives: each feature's share of the log-odds.

use super::spec::{FEATURES, FEATURE_COUNT, LOGIT_AT_REFERENCE};

/// One feature's contribution to the log-odds.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Contribution {
    /// The feature's id.
    pub id: String,
    /// Its name for people.
    pub name: String,
    /// The patient's value, in the model's unit.
    pub value: f64,
    /// The training mean it is compared with.
    pub training_mean: f64,
    /// Log-odds per unit.
    pub coefficient: f64,
    /// `coefficient × (value − training_mean)`, in log-odds: positive raises the probability.
    pub log_odds: f64,
}

/// The log-odds split by feature: `logit = logit_at_reference + Σ contributions`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Explanation {
    /// The log-odds of someone with every feature at its training mean.
    pub logit_at_reference: f64,
    /// Every feature's contribution, largest magnitude first.
    pub contributions: Vec<Contribution>,
}

impl Explanation {
    /// The log-odds the explanation adds up to.
    pub fn logit(&self) -> f64 {
        self.logit_at_reference
            + self.contributions.iter().map(|contribution| contribution.log_odds).sum::<f64>()
    }
}

/// Splits the model's log-odds for `values` (raw units, input order) into per-feature
/// contributions `coefficient × (value − training mean)`, sorted by magnitude (ties keep the
/// input order). Computed in f64 from the pinned coefficients.
pub fn explain(values: &[f64; FEATURE_COUNT]) -> Explanation {
    let mut contributions: Vec<Contribution> = FEATURES
        .iter()
        .zip(values)
        .map(|(spec, &value)| Contribution {
            id: spec.id.to_string(),
            name: spec.name.to_string(),
            value,
            training_mean: spec.training_mean,
            coefficient: spec.coefficient,
            log_odds: spec.coefficient * (value - spec.training_mean),
        })
        .collect();
    contributions.sort_by(|a, b| b.log_odds.abs().total_cmp(&a.log_odds.abs()));
    Explanation { logit_at_reference: LOGIT_AT_REFERENCE, contributions }
}
