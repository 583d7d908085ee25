//! The pinned model `pima-logistic-v1`: its hash and everything the wallet needs to know about it.
//!
//! These constants are the wallet's source of truth. They are copied from `model/model.json`,
//! which `model/train.py` writes, and `wasm-core/tests/risk.rs` checks that they equal that file
//! and `public/model/pima-logistic-v1.json` exactly. Retraining means updating both, and the pin.

/// The model's id.
pub const MODEL_ID: &str = "pima-logistic-v1";
/// The model's version.
pub const MODEL_VERSION: &str = "v1";
/// SHA-256 of `public/model/pima-logistic-v1.onnx`, the only model the wallet runs:
/// `3a1f72da885d1f0bf2ab56d726ff6c2067d2ab2f5b5a124ac146c6eb8376e062`.
pub const MODEL_SHA256: [u8; 32] = [
    0x3a, 0x1f, 0x72, 0xda, 0x88, 0x5d, 0x1f, 0x0b, 0xf2, 0xab, 0x56, 0xd7, 0x26, 0xff, 0x6c, 0x20, 0x67,
    0xd2, 0xab, 0x2f, 0x5b, 0x5a, 0x12, 0x4a, 0xc1, 0x46, 0xc6, 0xeb, 0x83, 0x76, 0xe0, 0x62,
];
/// The publisher key that signs the model's release (`public/model/pima-logistic-v1.release`,
/// the ledger's `model` entry); its secret is kept offline by the maintainers:
/// `2b7b41c42e2635765f4776edd2acc2f25dd409305f0a6ae265cb9f8f67ee6c4d`.
pub const MODEL_PUBLISHER: [u8; 32] = [
    0x2b, 0x7b, 0x41, 0xc4, 0x2e, 0x26, 0x35, 0x76, 0x5f, 0x47, 0x76, 0xed, 0xd2, 0xac, 0xc2, 0xf2, 0x5d,
    0xd4, 0x09, 0x30, 0x5f, 0x0a, 0x6a, 0xe2, 0x65, 0xcb, 0x9f, 0x8f, 0x67, 0xee, 0x6c, 0x4d,
];
/// The model's input tensor (`float32 [N, 5]`, raw units, in [`FEATURES`] order).
pub const INPUT_NAME: &str = "features";
/// The model's output tensor (`float32 [N, 2]`: P(no diabetes), P(diabetes)).
pub const OUTPUT_NAME: &str = "probabilities";
/// The number of features.
pub const FEATURE_COUNT: usize = 5;
/// The intercept in raw units: `logit = INTERCEPT + Σ coefficient_i · x_i`.
pub const INTERCEPT: f64 = -9.058750947856947;
/// The logit with every feature at its training mean: `INTERCEPT + Σ coefficient_i · mean_i`.
pub const LOGIT_AT_REFERENCE: f64 = -0.9412660600623194;
/// The model applies to women only (FHIR administrative gender `female`).
pub const APPLICABLE_GENDER: &str = "female";
/// The model applies from this age (completed years) on.
pub const MIN_AGE_YEARS: u32 = 21;
/// What the wallet shows with every hint.
pub const CAVEAT: &str = "A hint, not a diagnosis. Trained on 200 Pima women aged >= 21 (1990s, Arizona).";

/// Where a feature's value comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FeatureSource {
    /// The latest usable Observation (or Observation component) with this LOINC code.
    Observation {
        /// The LOINC code, in the model's unit ([`FeatureSpec::ucum`]).
        loinc: &'static str,
        /// Other codes that measure the same thing in another unit.
        alternates: &'static [Alternate],
        /// Codes that must never be used instead (they measure something else).
        never_substitute: &'static [(&'static str, &'static str)],
        /// A count: an integer value, or a quantity with no unit, is accepted as well.
        count: bool,
    },
    /// Completed years from `Patient.birthDate` to the day the hint is computed.
    Age,
}

/// Another code for the same measurement, in another unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Alternate {
    /// The LOINC code.
    pub loinc: &'static str,
    /// Its UCUM unit.
    pub ucum: &'static str,
    /// Model unit = value × factor.
    pub factor: f64,
}

/// One model input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FeatureSpec {
    /// The Pima column name (`npreg`, `glu`, `bp`, `bmi`, `age`).
    pub id: &'static str,
    /// Its name for people.
    pub name: &'static str,
    /// Where the wallet finds it.
    pub source: FeatureSource,
    /// The model's unit (UCUM).
    pub ucum: &'static str,
    /// Log-odds per unit.
    pub coefficient: f64,
    /// The training mean: the reference of explanations.
    pub training_mean: f64,
    /// The smallest training value.
    pub training_min: f64,
    /// The largest training value.
    pub training_max: f64,
}

impl FeatureSpec {
    /// The LOINC code, for features read from Observations.
    pub fn loinc(&self) -> Option<&'static str> {
        match self.source {
            FeatureSource::Observation { loinc, .. } => Some(loinc),
            FeatureSource::Age => None,
        }
    }
}

const GLUCOSE_2H_MMOL: Alternate = Alternate { loinc: "14995-5", ucum: "mmol/L", factor: 18.016 };

/// The model's features, in input order.
pub const FEATURES: [FeatureSpec; FEATURE_COUNT] = [
    FeatureSpec {
        id: "npreg",
        name: "Number of pregnancies",
        source: FeatureSource::Observation {
            loinc: "11996-6",
            alternates: &[],
            never_substitute: &[],
            count: true,
        },
        ucum: "{#}",
        coefficient: 0.08500704311933795,
        training_mean: 3.57,
        training_min: 0.0,
        training_max: 14.0,
    },
    FeatureSpec {
        id: "glu",
        name: "Plasma glucose 2 h after a 75 g oral glucose load",
        source: FeatureSource::Observation {
            loinc: "1518-0",
            alternates: &[GLUCOSE_2H_MMOL],
            never_substitute: &[
                ("1558-6", "Fasting glucose"),
                ("2345-7", "Glucose, serum/plasma, timing unspecified"),
                ("2339-0", "Glucose, blood"),
                ("4548-4", "Hemoglobin A1c"),
                ("1507-3", "Glucose 1 h post 75 g"),
                ("20438-8", "Glucose 1 h post dose"),
            ],
            count: false,
        },
        ucum: "mg/dL",
        coefficient: 0.03166283843565088,
        training_mean: 123.97,
        training_min: 56.0,
        training_max: 199.0,
    },
    FeatureSpec {
        id: "bp",
        name: "Diastolic blood pressure",
        source: FeatureSource::Observation {
            loinc: "8462-4",
            alternates: &[],
            never_substitute: &[],
            count: false,
        },
        ucum: "mm[Hg]",
        coefficient: -0.0066457469667002,
        training_mean: 71.26,
        training_min: 38.0,
        training_max: 110.0,
    },
    FeatureSpec {
        id: "bmi",
        name: "Body mass index",
        source: FeatureSource::Observation {
            loinc: "39156-5",
            alternates: &[],
            never_substitute: &[],
            count: false,
        },
        ucum: "kg/m2",
        coefficient: 0.0964168848504604,
        training_mean: 32.31,
        training_min: 18.2,
        training_max: 47.9,
    },
    FeatureSpec {
        id: "age",
        name: "Age",
        source: FeatureSource::Age,
        ucum: "a",
        coefficient: 0.038838805428826895,
        training_mean: 32.11,
        training_min: 21.0,
        training_max: 63.0,
    },
];
