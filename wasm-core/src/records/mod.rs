//! Health records: a FHIR R4 `Bundle` in JSON, imported into a [`RecordSet`] the wallet keeps
//! sealed and shows as a timeline and as charts.
//!
//! [`import`] reads Patient, Observation, Condition and MedicationStatement resources, checks the
//! fields the wallet relies on, and counts every other resource type as skipped. It refuses a
//! bundle over [`MAX_BUNDLE_BYTES`] before parsing, and names the JSON path of the first problem
//! it finds, e.g. `entry[3].resource.valueQuantity.value: expected a number`. It does not check
//! everything FHIR requires (profiles, terminology bindings, most invariants): it checks what the
//! wallet reads, so a value the wallet shows or computes with was there and well-formed.
//!
//! The records must be one patient's: at most one Patient, and every `subject` reference must
//! name that Patient (or, without a Patient, the same subject throughout).

mod bundle;
pub mod date;
mod series;

use std::collections::BTreeMap;

pub use bundle::{import, MAX_BUNDLE_BYTES};
pub use date::{FhirDate, FhirDateTime, Precision};
pub use series::{Point, Series, TimelineEvent, TimelineKind};

/// The LOINC code system.
pub const LOINC: &str = "http://loinc.org";
/// The UCUM code system (units of measure).
pub const UCUM: &str = "http://unitsofmeasure.org";

/// What to do about a bundle with a field that is missing, of the wrong type or invalid: the end
/// of every [`RecordsError::Invalid`] message.
pub const INVALID_ADVICE: &str = "fix it in the file, or export your records again as a FHIR R4 bundle";

/// Why a bundle could not be imported. Messages say where and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordsError {
    /// The file is larger than any bundle the wallet imports.
    #[error("the file is {len} bytes, more than the {max} bytes (20 MiB) a record bundle may have; export fewer records at a time")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The cap, [`MAX_BUNDLE_BYTES`].
        max: usize,
    },
    /// The file is not UTF-8 text.
    #[error("the file is not UTF-8 text; export the records as FHIR R4 JSON")]
    NotText,
    /// The file is not JSON.
    #[error("the file is not valid JSON (line {line}, column {column}): {reason}; export the records as FHIR R4 JSON")]
    Json {
        /// Line of the error, from 1.
        line: usize,
        /// Column of the error, from 1.
        column: usize,
        /// What the JSON parser found.
        reason: String,
    },
    /// A field is missing, of the wrong type or has an invalid value.
    #[error("{path}: {problem}; {INVALID_ADVICE}")]
    Invalid {
        /// The JSON path from the bundle, e.g. `entry[3].resource.status`.
        path: String,
        /// What is wrong and what was expected.
        problem: String,
    },
    /// A FHIR date or dateTime is malformed or does not exist (when parsed on its own; inside a
    /// bundle it is reported as [`RecordsError::Invalid`] with its path).
    #[error("not a valid FHIR date: {0}")]
    Date(String),
}

impl RecordsError {
    /// The JSON path of an [`RecordsError::Invalid`] error.
    pub fn path(&self) -> Option<&str> {
        match self {
            RecordsError::Invalid { path, .. } => Some(path),
            _ => None,
        }
    }
}

/// One patient's imported records. Serialized with serde (JSON) so the wallet can store it sealed.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecordSet {
    /// The patient, if the bundle has a Patient resource.
    pub patient: Option<Patient>,
    /// Observations (vital signs, laboratory results, …), in bundle order.
    pub observations: Vec<Observation>,
    /// Conditions (diagnoses, problems), in bundle order.
    pub conditions: Vec<Condition>,
    /// Medication statements, in bundle order.
    pub medications: Vec<MedicationStatement>,
    /// Resources of other types, not imported: how many of each `resourceType`.
    pub skipped: BTreeMap<String, usize>,
}

/// The Patient resource: who the records are about.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Patient {
    /// Index of the resource's entry in the bundle.
    pub entry: usize,
    /// `Patient.id`.
    pub id: Option<String>,
    /// `Patient.birthDate`.
    pub birth_date: FhirDate,
    /// `Patient.gender` (administrative gender).
    pub gender: Option<Gender>,
}

/// FHIR administrative gender.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    /// `male`.
    Male,
    /// `female`.
    Female,
    /// `other`.
    Other,
    /// `unknown`.
    Unknown,
}

impl Gender {
    /// The FHIR code.
    pub fn code(self) -> &'static str {
        match self {
            Gender::Male => "male",
            Gender::Female => "female",
            Gender::Other => "other",
            Gender::Unknown => "unknown",
        }
    }
}

/// A code from a code system (FHIR `Coding`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Coding {
    /// The code system's URI, e.g. [`LOINC`].
    pub system: Option<String>,
    /// The code.
    pub code: Option<String>,
    /// Its display text.
    pub display: Option<String>,
}

impl Coding {
    /// Whether this is `code` in `system`.
    pub fn is(&self, system: &str, code: &str) -> bool {
        self.system.as_deref() == Some(system) && self.code.as_deref() == Some(code)
    }
}

/// Codes and text for one concept (FHIR `CodeableConcept`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CodeableConcept {
    /// The codings, in the order given.
    pub coding: Vec<Coding>,
    /// Plain text.
    pub text: Option<String>,
}

impl CodeableConcept {
    /// Whether any coding is `code` in `system`.
    pub fn has(&self, system: &str, code: &str) -> bool {
        self.coding.iter().any(|coding| coding.is(system, code))
    }

    /// The LOINC code, if one coding is from LOINC.
    pub fn loinc(&self) -> Option<&str> {
        self.coding.iter().find(|coding| coding.system.as_deref() == Some(LOINC))?.code.as_deref()
    }

    /// The coding that identifies the concept for grouping: the first LOINC coding with a code,
    /// else the first coding with a code.
    pub fn primary(&self) -> Option<&Coding> {
        let coded = || self.coding.iter().filter(|coding| coding.code.is_some());
        coded().find(|coding| coding.system.as_deref() == Some(LOINC)).or_else(|| coded().next())
    }

    /// A label for people: the text, else the first display, else the first code.
    pub fn label(&self) -> String {
        self.text
            .clone()
            .or_else(|| self.coding.iter().find_map(|coding| coding.display.clone()))
            .or_else(|| self.coding.iter().find_map(|coding| coding.code.clone()))
            .unwrap_or_default()
    }
}

/// An Observation's status (FHIR `ObservationStatus`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObservationStatus {
    /// `registered`: no result yet.
    Registered,
    /// `preliminary`.
    Preliminary,
    /// `final`.
    Final,
    /// `amended`.
    Amended,
    /// `corrected`.
    Corrected,
    /// `cancelled`.
    Cancelled,
    /// `entered-in-error`.
    EnteredInError,
    /// `unknown`.
    Unknown,
}

impl ObservationStatus {
    /// Parses the FHIR code.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "registered" => Self::Registered,
            "preliminary" => Self::Preliminary,
            "final" => Self::Final,
            "amended" => Self::Amended,
            "corrected" => Self::Corrected,
            "cancelled" => Self::Cancelled,
            "entered-in-error" => Self::EnteredInError,
            "unknown" => Self::Unknown,
            _ => return None,
        })
    }

    /// The FHIR code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Registered => "registered",
            Self::Preliminary => "preliminary",
            Self::Final => "final",
            Self::Amended => "amended",
            Self::Corrected => "corrected",
            Self::Cancelled => "cancelled",
            Self::EnteredInError => "entered-in-error",
            Self::Unknown => "unknown",
        }
    }

    /// Whether the result is complete and verified: `final`, `amended` or `corrected`.
    pub fn is_complete(self) -> bool {
        matches!(self, Self::Final | Self::Amended | Self::Corrected)
    }

    /// Whether the observation should be shown at all: not `cancelled` or `entered-in-error`.
    pub fn is_shown(self) -> bool {
        !matches!(self, Self::Cancelled | Self::EnteredInError)
    }
}

/// A measured amount (FHIR `Quantity`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Quantity {
    /// The number.
    pub value: f64,
    /// `<`, `<=`, `>=`, `>` or `ad`: the value is a bound, not a measurement.
    pub comparator: Option<String>,
    /// The unit as written for people.
    pub unit: Option<String>,
    /// The unit's code system, usually [`UCUM`].
    pub system: Option<String>,
    /// The unit's code.
    pub code: Option<String>,
}

impl Quantity {
    /// The UCUM unit code, when the code system is UCUM.
    pub fn ucum(&self) -> Option<&str> {
        if self.system.as_deref() == Some(UCUM) {
            self.code.as_deref()
        } else {
            None
        }
    }

    /// The unit for display and grouping: the UCUM code, else the unit text, else the code.
    pub fn unit_label(&self) -> Option<&str> {
        self.ucum().or(self.unit.as_deref()).or(self.code.as_deref())
    }
}

/// An Observation's or component's `value[x]`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObservationValue {
    /// `valueQuantity`.
    Quantity(Quantity),
    /// `valueCodeableConcept`.
    CodeableConcept(CodeableConcept),
    /// `valueString`.
    String(String),
    /// `valueBoolean`.
    Boolean(bool),
    /// `valueInteger`.
    Integer(i64),
    /// `valueDateTime`.
    DateTime(FhirDateTime),
    /// Another `value[x]` type (Range, Ratio, SampledData, Time, Period), kept by name only.
    Other(String),
}

impl ObservationValue {
    /// The number and unit of a Quantity, or of an Integer (no unit).
    pub fn numeric(&self) -> Option<(f64, Option<&str>)> {
        match self {
            ObservationValue::Quantity(quantity) => Some((quantity.value, quantity.unit_label())),
            #[allow(clippy::cast_precision_loss)] // FHIR integers are 32-bit: exact in f64.
            ObservationValue::Integer(integer) => Some((*integer as f64, None)),
            _ => None,
        }
    }
}

/// An Observation (FHIR R4).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Observation {
    /// Index of the resource's entry in the bundle.
    pub entry: usize,
    /// `Observation.id`.
    pub id: Option<String>,
    /// `Observation.status`.
    pub status: ObservationStatus,
    /// The codings of every `Observation.category` (e.g. `vital-signs`, `laboratory`).
    pub category: Vec<Coding>,
    /// `Observation.code`: what was observed (e.g. LOINC 8462-4).
    pub code: CodeableConcept,
    /// `Observation.value[x]`.
    pub value: Option<ObservationValue>,
    /// Why there is no value (`Observation.dataAbsentReason`).
    pub data_absent_reason: Option<CodeableConcept>,
    /// `Observation.component` (e.g. systolic and diastolic in a blood pressure panel).
    pub components: Vec<Component>,
    /// `Observation.effective[x]`: `effectiveDateTime`, `effectiveInstant`, or the start (else
    /// the end) of `effectivePeriod`.
    pub effective: FhirDateTime,
}

impl Observation {
    /// Whether the category has `code` (any system), e.g. `vital-signs`.
    pub fn has_category(&self, code: &str) -> bool {
        self.category.iter().any(|coding| coding.code.as_deref() == Some(code))
    }
}

/// One part of a multi-part Observation (FHIR `Observation.component`).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Component {
    /// What the part measures.
    pub code: CodeableConcept,
    /// Its `value[x]`.
    pub value: Option<ObservationValue>,
    /// Why there is no value.
    pub data_absent_reason: Option<CodeableConcept>,
}

/// A Condition (FHIR R4): a diagnosis or problem.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Condition {
    /// Index of the resource's entry in the bundle.
    pub entry: usize,
    /// `Condition.id`.
    pub id: Option<String>,
    /// `Condition.code`.
    pub code: CodeableConcept,
    /// The code of `Condition.clinicalStatus` (e.g. `active`, `resolved`).
    pub clinical_status: Option<String>,
    /// The code of `Condition.verificationStatus` (e.g. `confirmed`).
    pub verification_status: Option<String>,
    /// The codings of every `Condition.category`.
    pub category: Vec<Coding>,
    /// `onsetDateTime`, or the start of `onsetPeriod`.
    pub onset: Option<FhirDateTime>,
    /// `abatementDateTime`, or the end of `abatementPeriod`.
    pub abatement: Option<FhirDateTime>,
    /// `Condition.recordedDate`.
    pub recorded: Option<FhirDateTime>,
}

/// A MedicationStatement's status (FHIR R4 codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MedicationStatus {
    /// `active`.
    Active,
    /// `completed`.
    Completed,
    /// `entered-in-error`.
    EnteredInError,
    /// `intended`.
    Intended,
    /// `stopped`.
    Stopped,
    /// `on-hold`.
    OnHold,
    /// `unknown`.
    Unknown,
    /// `not-taken`.
    NotTaken,
}

impl MedicationStatus {
    /// Parses the FHIR code.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code {
            "active" => Self::Active,
            "completed" => Self::Completed,
            "entered-in-error" => Self::EnteredInError,
            "intended" => Self::Intended,
            "stopped" => Self::Stopped,
            "on-hold" => Self::OnHold,
            "unknown" => Self::Unknown,
            "not-taken" => Self::NotTaken,
            _ => return None,
        })
    }
}

/// Which medication: `medicationCodeableConcept` or `medicationReference`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Medication {
    /// Coded (e.g. RxNorm) or as text.
    Concept(CodeableConcept),
    /// A reference to a Medication resource (not resolved), with its display text.
    Reference {
        /// The reference, e.g. `Medication/123`.
        reference: Option<String>,
        /// Its display text.
        display: Option<String>,
    },
}

impl Medication {
    /// A label for people.
    pub fn label(&self) -> String {
        match self {
            Medication::Concept(concept) => concept.label(),
            Medication::Reference { reference, display } => {
                display.clone().or_else(|| reference.clone()).unwrap_or_default()
            }
        }
    }
}

/// A MedicationStatement (FHIR R4): a medicine the patient takes or took.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MedicationStatement {
    /// Index of the resource's entry in the bundle.
    pub entry: usize,
    /// `MedicationStatement.id`.
    pub id: Option<String>,
    /// `MedicationStatement.status`.
    pub status: MedicationStatus,
    /// `medication[x]`.
    pub medication: Medication,
    /// `effectiveDateTime`, or the start of `effectivePeriod`.
    pub start: Option<FhirDateTime>,
    /// The end of `effectivePeriod`.
    pub end: Option<FhirDateTime>,
    /// `MedicationStatement.dateAsserted`.
    pub date_asserted: Option<FhirDateTime>,
    /// The `text` of each `dosage`.
    pub dosage: Vec<String>,
}
