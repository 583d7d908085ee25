//! The model's inputs, read from a patient's records: every value with where it came from, every
//! missing one by name, and every reason the model does not apply to this patient.

use core::fmt;

use super::spec::{
    FeatureSource, FeatureSpec, APPLICABLE_GENDER, FEATURES, FEATURE_COUNT, MIN_AGE_YEARS, MODEL_ID,
};
use super::RiskError;
use crate::records::date::{days_in_month, utc_date};
use crate::records::{CodeableConcept, Gender, Observation, ObservationValue, Patient, RecordSet, LOINC};

/// The features for one patient on one day, as [`features`] found them.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureReport {
    /// The model the features are for ([`super::MODEL_ID`]).
    pub model: String,
    /// The time the report is for (Unix seconds); age is counted to its UTC date, and later
    /// observations are not used.
    pub as_of: u64,
    /// One entry per model feature, in input order.
    pub features: Vec<FeatureStatus>,
    /// Why the model does not apply to this patient; empty when it does.
    pub applicability: Vec<ApplicabilityProblem>,
}

/// One feature: its value and source, or why there is none.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureStatus {
    /// The feature's id (`npreg`, `glu`, …).
    pub id: String,
    /// Its name for people.
    pub name: String,
    /// The LOINC code it is read from (`None` for age).
    pub loinc: Option<String>,
    /// The model's unit (UCUM).
    pub unit: String,
    /// The value, or why there is none.
    pub outcome: FeatureOutcome,
    /// Newer observations of the feature's codes that were not used, and why.
    pub passed_over: Vec<PassedOver>,
    /// Observations of related codes the model must never use in its place (e.g. a fasting
    /// glucose when the feature is the 2-hour value), so the page can say they were not used.
    pub not_substitutes: Vec<ObservationRef>,
}

/// A feature's value, or why there is none.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum FeatureOutcome {
    /// Found and usable.
    Found(FeatureValue),
    /// Nothing in the records.
    Missing {
        /// What was looked for.
        reason: String,
    },
    /// Found, but the latest value cannot be used as it is.
    Unusable {
        /// Why.
        reason: String,
        /// The value that cannot be used.
        source: ValueSource,
    },
}

/// A feature's value in the model's unit, and where it came from.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FeatureValue {
    /// The value, in the model's unit.
    pub value: f64,
    /// Where it came from.
    pub source: ValueSource,
    /// Outside the training range: the model extrapolates.
    pub outside_training_range: bool,
}

/// Where a value came from.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ValueSource {
    /// An Observation (or one of its components).
    Observation {
        /// Which one.
        observation: ObservationRef,
        /// The value as recorded, when it is a number.
        recorded_value: Option<f64>,
        /// The unit as recorded.
        recorded_unit: Option<String>,
        /// The conversion applied, e.g. `mmol/L × 18.016`.
        converted: Option<String>,
    },
    /// `Patient.birthDate`.
    BirthDate {
        /// The birth date as recorded.
        birth_date: String,
        /// The entry index of the Patient.
        entry: usize,
    },
}

/// An Observation the report refers to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ObservationRef {
    /// Its entry index in the imported bundle.
    pub entry: usize,
    /// `Observation.id`.
    pub id: Option<String>,
    /// The LOINC code that matched.
    pub loinc: String,
    /// The code's label.
    pub label: String,
    /// `effective[x]` as recorded.
    pub effective: String,
    /// `effective[x]` as Unix seconds.
    pub time: i64,
    /// The value is a component of the Observation (e.g. of a blood pressure panel).
    pub component: bool,
}

/// An observation of a feature's code that was not used.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PassedOver {
    /// Which one.
    pub observation: ObservationRef,
    /// Why it was not used.
    pub reason: String,
}

/// Why the model does not apply to this patient.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ApplicabilityProblem {
    /// The records have no Patient, so sex and age are unknown.
    NoPatient,
    /// `Patient.gender` is absent or `unknown`.
    SexNotRecorded,
    /// `Patient.gender` is not `female`.
    NotFemale {
        /// The recorded gender.
        gender: String,
    },
    /// Younger than [`MIN_AGE_YEARS`].
    TooYoung {
        /// Completed years (the largest possible, for a partial birth date).
        age: u32,
    },
}

impl fmt::Display for ApplicabilityProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPatient => write!(
                f,
                "the records have no Patient, so it is not known whether the model applies (women aged {MIN_AGE_YEARS} or over)"
            ),
            Self::SexNotRecorded => {
                write!(f, "the records do not say the patient is female; the model was trained on women only")
            }
            Self::NotFemale { gender } => {
                write!(f, "the patient's recorded gender is {gender}; the model was trained on women only")
            }
            Self::TooYoung { age } => write!(
                f,
                "the patient is {age}; the model was trained on women aged {MIN_AGE_YEARS} or over only"
            ),
        }
    }
}

impl FeatureReport {
    /// The features that have no usable value.
    pub fn missing(&self) -> impl Iterator<Item = &FeatureStatus> {
        self.features.iter().filter(|feature| !matches!(feature.outcome, FeatureOutcome::Found(_)))
    }

    /// Why no hint can be computed: each missing or unusable feature, then each applicability
    /// problem. Empty when the hint can be computed.
    pub fn reasons(&self) -> Vec<String> {
        let mut reasons: Vec<String> = self
            .features
            .iter()
            .filter_map(|feature| match &feature.outcome {
                FeatureOutcome::Found(_) => None,
                FeatureOutcome::Missing { .. } => Some(format!("missing {}", feature.label())),
                FeatureOutcome::Unusable { reason, .. } => {
                    Some(format!("cannot use {}: {reason}", feature.label()))
                }
            })
            .collect();
        reasons.extend(self.applicability.iter().map(ToString::to_string));
        reasons
    }

    /// The model's input in raw units, or [`RiskError::CannotCompute`] with every reason.
    pub fn values(&self) -> Result<[f64; FEATURE_COUNT], RiskError> {
        let reasons = self.reasons();
        if !reasons.is_empty() {
            return Err(RiskError::CannotCompute(reasons));
        }
        let mut values = [0.0; FEATURE_COUNT];
        if self.model != MODEL_ID || self.features.len() != FEATURE_COUNT {
            return Err(RiskError::CannotCompute(vec![format!(
                "the features were read for {}, not {MODEL_ID}; read them again",
                self.model
            )]));
        }
        for (slot, feature) in values.iter_mut().zip(&self.features) {
            if let FeatureOutcome::Found(found) = &feature.outcome {
                *slot = found.value;
            }
        }
        Ok(values)
    }

    /// The features whose value is outside the training range (the model extrapolates).
    pub fn extrapolated(&self) -> impl Iterator<Item = &FeatureStatus> {
        self.features.iter().filter(|feature| {
            matches!(&feature.outcome, FeatureOutcome::Found(found) if found.outside_training_range)
        })
    }
}

impl FeatureStatus {
    /// The name and where it is found, e.g. `Body mass index (LOINC 39156-5)`.
    pub fn label(&self) -> String {
        match &self.loinc {
            Some(code) => format!("{} (LOINC {code})", self.name),
            None => format!("{} (Patient.birthDate)", self.name),
        }
    }
}

/// Reads the model's features from `records` as of `now` (Unix seconds): the latest usable
/// value of each code, converted to the model's unit where the model card allows it, and the age
/// in completed years on `now`'s UTC date. Nothing is imputed: a feature without a usable value
/// is reported, by name and code, as missing or unusable. Observations after `now`, and those not
/// `final`, `amended` or `corrected`, are passed over.
pub fn features(records: &RecordSet, now: u64) -> FeatureReport {
    let now_seconds = i64::try_from(now).unwrap_or(i64::MAX);
    let mut applicability = Vec::new();
    let mut statuses = Vec::with_capacity(FEATURE_COUNT);
    for spec in &FEATURES {
        let status = match spec.source {
            FeatureSource::Observation { .. } => observed(spec, records, now_seconds),
            FeatureSource::Age => age(spec, records.patient.as_ref(), now_seconds, &mut applicability),
        };
        statuses.push(status);
    }
    match &records.patient {
        None => applicability.insert(0, ApplicabilityProblem::NoPatient),
        Some(patient) => match patient.gender {
            Some(gender) if gender.code() == APPLICABLE_GENDER => {}
            None | Some(Gender::Unknown) => applicability.insert(0, ApplicabilityProblem::SexNotRecorded),
            Some(other) => {
                applicability.insert(0, ApplicabilityProblem::NotFemale { gender: other.code().to_string() })
            }
        },
    }
    FeatureReport { model: MODEL_ID.to_string(), as_of: now, features: statuses, applicability }
}

fn status(spec: &FeatureSpec, outcome: FeatureOutcome) -> FeatureStatus {
    FeatureStatus {
        id: spec.id.to_string(),
        name: spec.name.to_string(),
        loinc: spec.loinc().map(str::to_string),
        unit: spec.ucum.to_string(),
        outcome,
        passed_over: Vec::new(),
        not_substitutes: Vec::new(),
    }
}

fn found(spec: &FeatureSpec, value: f64, source: ValueSource) -> FeatureOutcome {
    let outside_training_range = !(spec.training_min..=spec.training_max).contains(&value);
    FeatureOutcome::Found(FeatureValue { value, source, outside_training_range })
}

/// A value of one of a feature's codes, at the top level of an Observation or in a component.
struct Candidate<'r> {
    reference: ObservationRef,
    observation: &'r Observation,
    value: Option<&'r ObservationValue>,
}

/// Every place in `observation` (its code, its components) coded with one of `codes`.
fn sites<'r>(observation: &'r Observation, codes: &[&str]) -> Vec<Candidate<'r>> {
    let mut found = Vec::new();
    let mut visit = |concept: &CodeableConcept, value: Option<&'r ObservationValue>, component: bool| {
        for code in codes {
            if concept.has(LOINC, code) {
                found.push(Candidate {
                    reference: ObservationRef {
                        entry: observation.entry,
                        id: observation.id.clone(),
                        loinc: (*code).to_string(),
                        label: concept.label(),
                        effective: observation.effective.to_string(),
                        time: observation.effective.unix(),
                        component,
                    },
                    observation,
                    value,
                });
                return;
            }
        }
    };
    visit(&observation.code, observation.value.as_ref(), false);
    for component in &observation.components {
        visit(&component.code, component.value.as_ref(), true);
    }
    found
}

fn observed(spec: &FeatureSpec, records: &RecordSet, now: i64) -> FeatureStatus {
    let FeatureSource::Observation { loinc, alternates, never_substitute, count } = spec.source else {
        return status(spec, FeatureOutcome::Missing { reason: "not an observed feature".to_string() });
    };
    let mut codes = vec![loinc];
    codes.extend(alternates.iter().map(|alternate| alternate.loinc));
    let mut candidates: Vec<Candidate<'_>> =
        records.observations.iter().flat_map(|observation| sites(observation, &codes)).collect();
    // Newest first; for the same time, the later entry first.
    candidates
        .sort_by_key(|candidate| core::cmp::Reverse((candidate.reference.time, candidate.reference.entry)));

    let never: Vec<&str> = never_substitute.iter().map(|(code, _)| *code).collect();
    let not_substitutes = records
        .observations
        .iter()
        .flat_map(|observation| sites(observation, &never))
        .map(|candidate| candidate.reference)
        .collect();

    let mut passed_over = Vec::new();
    let mut outcome = None;
    for candidate in candidates {
        let skip = if candidate.reference.time > now {
            Some("dated after the day of the hint".to_string())
        } else if !candidate.observation.status.is_complete() {
            Some(format!(
                "its status is {}, not final, amended or corrected",
                candidate.observation.status.code()
            ))
        } else if candidate.value.is_none() {
            Some("it has no value".to_string())
        } else {
            None
        };
        if let Some(reason) = skip {
            passed_over.push(PassedOver { observation: candidate.reference, reason });
            continue;
        }
        outcome = Some(convert(spec, &candidate, alternates, count));
        break;
    }
    let outcome = outcome.unwrap_or_else(|| FeatureOutcome::Missing {
        reason: format!("no usable observation with LOINC {}", codes.join(" or ")),
    });
    FeatureStatus { passed_over, not_substitutes, ..status(spec, outcome) }
}

/// The candidate's value in the model's unit, or why it cannot be used.
fn convert(
    spec: &FeatureSpec,
    candidate: &Candidate<'_>,
    alternates: &[super::spec::Alternate],
    count: bool,
) -> FeatureOutcome {
    let (recorded_value, recorded_unit, comparator) = match candidate.value {
        Some(ObservationValue::Quantity(quantity)) => {
            (quantity.value, quantity.unit_label().map(str::to_string), quantity.comparator.clone())
        }
        #[allow(clippy::cast_precision_loss)] // FHIR integers are 32-bit: exact in f64.
        Some(ObservationValue::Integer(integer)) => (*integer as f64, None, None),
        _ => {
            return FeatureOutcome::Unusable {
                reason: "its value is not a number".to_string(),
                source: observation_source(candidate, None, None, None),
            }
        }
    };
    let unusable = |reason: String| FeatureOutcome::Unusable {
        reason,
        source: observation_source(candidate, Some(recorded_value), recorded_unit.clone(), None),
    };
    if let Some(comparator) = comparator {
        return unusable(format!("the value is a bound ({comparator} {recorded_value}), not a measurement"));
    }
    let alternate = alternates.iter().find(|alternate| alternate.loinc == candidate.reference.loinc);
    let (expected_unit, factor, converted) = match alternate {
        Some(alternate) => {
            (alternate.ucum, alternate.factor, Some(format!("{} × {}", alternate.ucum, alternate.factor)))
        }
        None => (spec.ucum, 1.0, None),
    };
    let unit_ok = match recorded_unit.as_deref() {
        Some(unit) => unit == expected_unit,
        None => count,
    };
    if !unit_ok {
        return unusable(match recorded_unit.as_deref() {
            Some(unit) => {
                format!("its unit is {unit}, and LOINC {} needs {expected_unit}", candidate.reference.loinc)
            }
            None => format!("it has no unit, and LOINC {} needs {expected_unit}", candidate.reference.loinc),
        });
    }
    if recorded_value < 0.0 {
        return unusable("a negative value cannot be right".to_string());
    }
    if count && recorded_value.fract() != 0.0 {
        return unusable("a count must be a whole number".to_string());
    }
    let value = recorded_value * factor;
    found(spec, value, observation_source(candidate, Some(recorded_value), recorded_unit, converted))
}

fn observation_source(
    candidate: &Candidate<'_>,
    recorded_value: Option<f64>,
    recorded_unit: Option<String>,
    converted: Option<String>,
) -> ValueSource {
    ValueSource::Observation {
        observation: candidate.reference.clone(),
        recorded_value,
        recorded_unit,
        converted,
    }
}

/// Completed years from the birth date to `now`'s UTC date; for a partial birth date, only when
/// every possible birthday gives the same age.
fn age(
    spec: &FeatureSpec,
    patient: Option<&Patient>,
    now: i64,
    applicability: &mut Vec<ApplicabilityProblem>,
) -> FeatureStatus {
    let Some(patient) = patient else {
        return status(spec, FeatureOutcome::Missing { reason: "the records have no Patient".to_string() });
    };
    let birth = &patient.birth_date;
    let source = ValueSource::BirthDate { birth_date: birth.to_string(), entry: patient.entry };
    let today = utc_date(now);
    let year = i64::from(birth.year());
    // The earliest and the latest day the birth date could stand for.
    let earliest = (year, birth.month().unwrap_or(1), birth.day().unwrap_or(1));
    let latest_month = birth.month().unwrap_or(12);
    let latest = (year, latest_month, birth.day().unwrap_or_else(|| days_in_month(year, latest_month)));
    if earliest > today {
        return status(
            spec,
            FeatureOutcome::Unusable {
                reason: "the birth date is after the day of the hint".to_string(),
                source,
            },
        );
    }
    let oldest = completed_years(earliest, today);
    let youngest = completed_years(latest, today).max(0);
    if oldest < i64::from(MIN_AGE_YEARS) {
        applicability.push(ApplicabilityProblem::TooYoung { age: u32::try_from(oldest).unwrap_or(0) });
    }
    if oldest != youngest {
        return status(
            spec,
            FeatureOutcome::Unusable {
                reason: format!(
                    "the birth date ({birth}) is not a full date, so the age could be {youngest} to {oldest}"
                ),
                source,
            },
        );
    }
    #[allow(clippy::cast_precision_loss)] // An age in years is far below 2^52.
    let value = oldest as f64;
    status(spec, found(spec, value, source))
}

fn completed_years(birth: (i64, u8, u8), today: (i64, u8, u8)) -> i64 {
    let years = today.0 - birth.0;
    if (today.1, today.2) < (birth.1, birth.2) {
        years - 1
    } else {
        years
    }
}
