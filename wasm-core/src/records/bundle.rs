//! Reading a FHIR R4 `Bundle` (JSON) into a [`RecordSet`], with the JSON path of every problem.
//!
//! The bundle's top level and its `entry` array are read as raw JSON slices, and each entry is
//! parsed on its own, so a 20 MB bundle never exists as one `serde_json::Value` tree.

use std::collections::HashMap;

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::{
    CodeableConcept, Coding, Component, Condition, FhirDate, FhirDateTime, Gender, Medication,
    MedicationStatement, MedicationStatus, Observation, ObservationStatus, ObservationValue, Patient,
    Quantity, RecordSet, RecordsError,
};

/// The largest bundle [`import`] reads: 20 MiB.
pub const MAX_BUNDLE_BYTES: usize = 20 * 1024 * 1024;

const DATE_FORMS: &str = "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone";

/// Imports a FHIR R4 `Bundle` in JSON: its Patient, Observations, Conditions and
/// MedicationStatements. Other resource types are counted in [`RecordSet::skipped`].
///
/// Refuses input over [`MAX_BUNDLE_BYTES`] before parsing it. Every other error names the JSON
/// path that failed ([`RecordsError::Invalid`]).
pub fn import(bytes: &[u8]) -> Result<RecordSet, RecordsError> {
    if bytes.len() > MAX_BUNDLE_BYTES {
        return Err(RecordsError::TooLarge { len: bytes.len(), max: MAX_BUNDLE_BYTES });
    }
    let text = core::str::from_utf8(bytes).map_err(|_| RecordsError::NotText)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let top: HashMap<String, &RawValue> = match serde_json::from_str::<&RawValue>(text).map_err(json_error)? {
        raw if raw.get().starts_with('{') => serde_json::from_str(raw.get()).map_err(json_error)?,
        _ => return Err(invalid("(top level)", "expected a JSON object: a FHIR Bundle")),
    };

    match top.get("resourceType").map(|raw| serde_json::from_str::<Value>(raw.get())).transpose() {
        Ok(Some(Value::String(kind))) if kind == "Bundle" => {}
        Ok(Some(Value::String(kind))) => {
            return Err(invalid("resourceType", format!("expected \"Bundle\", found \"{}\"", clip(&kind))))
        }
        Ok(Some(_)) => return Err(invalid("resourceType", "expected a string")),
        Ok(None) => {
            return Err(invalid("resourceType", "missing; a FHIR Bundle has resourceType \"Bundle\""))
        }
        Err(error) => return Err(json_error(error)),
    }

    let entries: Vec<&RawValue> = match top.get("entry") {
        None => Vec::new(),
        Some(raw) if raw.get().starts_with('[') => serde_json::from_str(raw.get()).map_err(json_error)?,
        Some(_) => return Err(invalid("entry", "expected an array")),
    };

    let mut records = RecordSet::default();
    let mut subjects: Vec<(String, String)> = Vec::new();
    let mut patient_url: Option<String> = None;
    for (index, raw) in entries.iter().enumerate() {
        let path = format!("entry[{index}]");
        // The bundle was parsed already, so this fails only past serde_json's nesting limit.
        let entry: Value = serde_json::from_str(raw.get())
            .map_err(|error| invalid(&path, format!("cannot be read: {}", json_reason(&error))))?;
        let entry = object(&entry, &path)?;
        let full_url = optional_string(entry, "fullUrl", &path)?;
        let path = format!("{path}.resource");
        let Some(resource) = entry.get("resource") else {
            return Err(invalid(&path, "missing; every entry of an imported bundle holds a resource"));
        };
        let resource = object(resource, &path)?;
        let kind = required_string(resource, "resourceType", &path)?;
        if !is_resource_type(kind) {
            return Err(invalid(
                &child(&path, "resourceType"),
                "expected a FHIR resource type, e.g. \"Observation\"",
            ));
        }
        let reader = Reader { resource, path: &path };
        match kind {
            "Patient" => {
                if let Some(first) = &records.patient {
                    return Err(invalid(
                        &path,
                        format!(
                            "a second Patient (the first is entry[{}]); import one patient's records at a time",
                            first.entry
                        ),
                    ));
                }
                records.patient = Some(reader.patient(index)?);
                patient_url = full_url.map(str::to_string);
            }
            "Observation" => {
                records.observations.push(reader.observation(index)?);
                reader.subject(&mut subjects)?;
            }
            "Condition" => {
                records.conditions.push(reader.condition(index)?);
                reader.subject(&mut subjects)?;
            }
            "MedicationStatement" => {
                records.medications.push(reader.medication_statement(index)?);
                reader.subject(&mut subjects)?;
            }
            other => *records.skipped.entry(other.to_string()).or_default() += 1,
        }
    }
    check_subjects(&records, patient_url.as_deref(), &subjects)?;
    Ok(records)
}

/// Every `subject` must name the bundle's Patient; without a Patient, all must name the same one.
fn check_subjects(
    records: &RecordSet,
    patient_url: Option<&str>,
    subjects: &[(String, String)],
) -> Result<(), RecordsError> {
    match &records.patient {
        Some(patient) => {
            for (path, reference) in subjects {
                let by_url = patient_url == Some(reference.as_str());
                let by_id = patient.id.as_deref().is_some_and(|id| names_patient(reference, id));
                if !(by_url || by_id) {
                    return Err(invalid(
                        path,
                        format!(
                            "names another patient than the bundle's Patient (entry[{}]); import one patient's records at a time",
                            patient.entry
                        ),
                    ));
                }
            }
        }
        None => {
            if let Some((first_path, first)) = subjects.first() {
                if let Some((path, _)) = subjects.iter().find(|(_, reference)| reference != first) {
                    return Err(invalid(
                        path,
                        format!(
                            "names another patient than {first_path}; import one patient's records at a time"
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether `reference` is `Patient/<id>`, possibly absolute or with a `_history` version.
fn names_patient(reference: &str, id: &str) -> bool {
    let relative = format!("Patient/{id}");
    let unversioned = reference.split("/_history/").next().unwrap_or(reference);
    unversioned == relative || unversioned.ends_with(&format!("/{relative}"))
}

/// One resource being read, and its path.
struct Reader<'a> {
    resource: &'a Map<String, Value>,
    path: &'a str,
}

impl Reader<'_> {
    fn at(&self, key: &str) -> String {
        child(self.path, key)
    }

    fn patient(&self, entry: usize) -> Result<Patient, RecordsError> {
        let id = optional_string(self.resource, "id", self.path)?.map(str::to_string);
        let birth_date = match optional_string(self.resource, "birthDate", self.path)? {
            Some(text) => date(text, &self.at("birthDate"))?,
            None => {
                return Err(invalid(
                    &self.at("birthDate"),
                    "missing; the wallet needs the patient's birth date",
                ))
            }
        };
        let gender = match optional_string(self.resource, "gender", self.path)? {
            None => None,
            Some("male") => Some(Gender::Male),
            Some("female") => Some(Gender::Female),
            Some("other") => Some(Gender::Other),
            Some("unknown") => Some(Gender::Unknown),
            Some(_) => return Err(invalid(&self.at("gender"), "expected male, female, other or unknown")),
        };
        Ok(Patient { entry, id, birth_date, gender })
    }

    fn observation(&self, entry: usize) -> Result<Observation, RecordsError> {
        let resource = self.resource;
        let path = self.path;
        let id = optional_string(resource, "id", path)?.map(str::to_string);
        let status = required_string(resource, "status", path)?;
        let status = ObservationStatus::from_code(status).ok_or_else(|| {
            invalid(
                &self.at("status"),
                "expected registered, preliminary, final, amended, corrected, cancelled, entered-in-error or unknown",
            )
        })?;
        let mut category = Vec::new();
        for (index, concept) in optional_array(resource, "category", path)?.iter().enumerate() {
            category.extend(codeable_concept(concept, &format!("{}[{index}]", self.at("category")))?.coding);
        }
        let code = coded_concept(resource, "code", path)?;
        let value = value_x(resource, path)?;
        let data_absent_reason = optional_concept(resource, "dataAbsentReason", path)?;
        let mut components = Vec::new();
        for (index, component) in optional_array(resource, "component", path)?.iter().enumerate() {
            let component_path = format!("{}[{index}]", self.at("component"));
            let component = object(component, &component_path)?;
            components.push(Component {
                code: coded_concept(component, "code", &component_path)?,
                value: value_x(component, &component_path)?,
                data_absent_reason: optional_concept(component, "dataAbsentReason", &component_path)?,
            });
        }
        if value.is_none() && components.is_empty() && data_absent_reason.is_none() {
            return Err(invalid(
                &self.at("value[x]"),
                "missing; an Observation needs a value[x], a component or a dataAbsentReason",
            ));
        }
        let effective = self.effective()?;
        Ok(Observation {
            entry,
            id,
            status,
            category,
            code,
            value,
            data_absent_reason,
            components,
            effective,
        })
    }

    /// `effective[x]`: `effectiveDateTime`, `effectiveInstant`, or `effectivePeriod`'s start (else end).
    fn effective(&self) -> Result<FhirDateTime, RecordsError> {
        if let Some(text) = optional_string(self.resource, "effectiveDateTime", self.path)? {
            return date_time(text, &self.at("effectiveDateTime"));
        }
        if let Some(text) = optional_string(self.resource, "effectiveInstant", self.path)? {
            let path = self.at("effectiveInstant");
            return FhirDateTime::parse_instant(text)
                .map_err(|error| date_problem(&path, "an instant", error));
        }
        if let Some(period) = self.resource.get("effectivePeriod") {
            let (start, end) = period_bounds(period, &self.at("effectivePeriod"))?;
            if let Some(when) = start.or(end) {
                return Ok(when);
            }
            return Err(invalid(&self.at("effectivePeriod"), "expected a start or an end"));
        }
        if self.resource.contains_key("effectiveTiming") {
            return Err(invalid(
                &self.at("effectiveTiming"),
                "not supported; the wallet needs effectiveDateTime, effectiveInstant or effectivePeriod",
            ));
        }
        Err(invalid(
            &self.at("effective[x]"),
            "missing; an Observation needs the date it was made (effectiveDateTime)",
        ))
    }

    fn condition(&self, entry: usize) -> Result<Condition, RecordsError> {
        let (resource, path) = (self.resource, self.path);
        let id = optional_string(resource, "id", path)?.map(str::to_string);
        let code = match resource.get("code") {
            None => return Err(invalid(&self.at("code"), "missing; a Condition needs a code or text")),
            Some(code) => codeable_concept(code, &self.at("code"))?,
        };
        if code.text.is_none() && !code.coding.iter().any(|coding| coding.code.is_some()) {
            return Err(invalid(&self.at("code"), "expected a coding with a code, or text"));
        }
        let status_code = |key: &str| -> Result<Option<String>, RecordsError> {
            Ok(optional_concept(resource, key, path)?
                .and_then(|concept| concept.coding.into_iter().find_map(|coding| coding.code)))
        };
        let clinical_status = status_code("clinicalStatus")?;
        let verification_status = status_code("verificationStatus")?;
        let mut category = Vec::new();
        for (index, concept) in optional_array(resource, "category", path)?.iter().enumerate() {
            category.extend(codeable_concept(concept, &format!("{}[{index}]", self.at("category")))?.coding);
        }
        let onset = match optional_string(resource, "onsetDateTime", path)? {
            Some(text) => Some(date_time(text, &self.at("onsetDateTime"))?),
            None => match resource.get("onsetPeriod") {
                Some(period) => period_bounds(period, &self.at("onsetPeriod"))?.0,
                None => None,
            },
        };
        let abatement = match optional_string(resource, "abatementDateTime", path)? {
            Some(text) => Some(date_time(text, &self.at("abatementDateTime"))?),
            None => match resource.get("abatementPeriod") {
                Some(period) => period_bounds(period, &self.at("abatementPeriod"))?.1,
                None => None,
            },
        };
        let recorded = optional_string(resource, "recordedDate", path)?
            .map(|text| date_time(text, &self.at("recordedDate")))
            .transpose()?;
        Ok(Condition {
            entry,
            id,
            code,
            clinical_status,
            verification_status,
            category,
            onset,
            abatement,
            recorded,
        })
    }

    fn medication_statement(&self, entry: usize) -> Result<MedicationStatement, RecordsError> {
        let (resource, path) = (self.resource, self.path);
        let id = optional_string(resource, "id", path)?.map(str::to_string);
        let status = required_string(resource, "status", path)?;
        let status = MedicationStatus::from_code(status).ok_or_else(|| {
            invalid(
                &self.at("status"),
                "expected active, completed, entered-in-error, intended, stopped, on-hold, unknown or not-taken",
            )
        })?;
        let medication =
            match (resource.get("medicationCodeableConcept"), resource.get("medicationReference")) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        &self.at("medication[x]"),
                        "both medicationCodeableConcept and medicationReference; only one is allowed",
                    ))
                }
                (Some(concept), None) => {
                    let concept_path = self.at("medicationCodeableConcept");
                    let concept = codeable_concept(concept, &concept_path)?;
                    if concept.text.is_none() && !concept.coding.iter().any(|coding| coding.code.is_some()) {
                        return Err(invalid(&concept_path, "expected a coding with a code, or text"));
                    }
                    Medication::Concept(concept)
                }
                (None, Some(reference)) => {
                    let reference_path = self.at("medicationReference");
                    let reference = object(reference, &reference_path)?;
                    let display = optional_string(reference, "display", &reference_path)?.map(str::to_string);
                    let target =
                        optional_string(reference, "reference", &reference_path)?.map(str::to_string);
                    if display.is_none() && target.is_none() {
                        return Err(invalid(&reference_path, "expected a reference or a display"));
                    }
                    Medication::Reference { reference: target, display }
                }
                (None, None) => return Err(invalid(
                    &self.at("medication[x]"),
                    "missing; a MedicationStatement needs medicationCodeableConcept or medicationReference",
                )),
            };
        let (start, end) = match optional_string(resource, "effectiveDateTime", path)? {
            Some(text) => (Some(date_time(text, &self.at("effectiveDateTime"))?), None),
            None => match resource.get("effectivePeriod") {
                Some(period) => period_bounds(period, &self.at("effectivePeriod"))?,
                None => (None, None),
            },
        };
        let date_asserted = optional_string(resource, "dateAsserted", path)?
            .map(|text| date_time(text, &self.at("dateAsserted")))
            .transpose()?;
        let mut dosage = Vec::new();
        for (index, item) in optional_array(resource, "dosage", path)?.iter().enumerate() {
            let item_path = format!("{}[{index}]", self.at("dosage"));
            if let Some(text) = optional_string(object(item, &item_path)?, "text", &item_path)? {
                dosage.push(text.to_string());
            }
        }
        Ok(MedicationStatement { entry, id, status, medication, start, end, date_asserted, dosage })
    }

    /// Notes `subject.reference`, if any, to check once the Patient is known.
    fn subject(&self, subjects: &mut Vec<(String, String)>) -> Result<(), RecordsError> {
        let Some(subject) = self.resource.get("subject") else { return Ok(()) };
        let path = self.at("subject");
        let subject = object(subject, &path)?;
        if let Some(reference) = optional_string(subject, "reference", &path)? {
            subjects.push((child(&path, "reference"), reference.to_string()));
        }
        Ok(())
    }
}

/// The `value[x]` of an Observation or component: at most one.
fn value_x(map: &Map<String, Value>, path: &str) -> Result<Option<ObservationValue>, RecordsError> {
    const OTHERS: [&str; 6] =
        ["valueRange", "valueRatio", "valueSampledData", "valueTime", "valuePeriod", "valueReference"];
    let mut found: Option<(String, ObservationValue)> = None;
    for (key, value) in map {
        let at = child(path, key);
        let parsed = match key.as_str() {
            "valueQuantity" => ObservationValue::Quantity(quantity(value, &at)?),
            "valueCodeableConcept" => ObservationValue::CodeableConcept(codeable_concept(value, &at)?),
            "valueString" => ObservationValue::String(string(value, &at)?.to_string()),
            "valueBoolean" => ObservationValue::Boolean(
                value.as_bool().ok_or_else(|| invalid(&at, "expected true or false"))?,
            ),
            "valueInteger" => ObservationValue::Integer(
                value
                    .as_i64()
                    .filter(|integer| i32::try_from(*integer).is_ok())
                    .ok_or_else(|| invalid(&at, "expected a whole number (32-bit)"))?,
            ),
            "valueDateTime" => ObservationValue::DateTime(date_time(string(value, &at)?, &at)?),
            other if OTHERS.contains(&other) => ObservationValue::Other(other["value".len()..].to_string()),
            _ => continue,
        };
        if let Some((first, _)) = &found {
            return Err(invalid(&at, format!("a second value[x] after {first}; only one is allowed")));
        }
        found = Some((key.clone(), parsed));
    }
    Ok(found.map(|(_, value)| value))
}

fn quantity(value: &Value, path: &str) -> Result<Quantity, RecordsError> {
    let map = object(value, path)?;
    let number = match map.get("value") {
        None => return Err(invalid(&child(path, "value"), "missing; a quantity needs a number")),
        Some(number) => number.as_f64().ok_or_else(|| invalid(&child(path, "value"), "expected a number"))?,
    };
    let comparator = optional_string(map, "comparator", path)?;
    if comparator.is_some_and(|comparator| !["<", "<=", ">=", ">", "ad"].contains(&comparator)) {
        return Err(invalid(&child(path, "comparator"), "expected <, <=, >=, > or ad"));
    }
    Ok(Quantity {
        value: number,
        comparator: comparator.map(str::to_string),
        unit: optional_string(map, "unit", path)?.map(str::to_string),
        system: optional_string(map, "system", path)?.map(str::to_string),
        code: optional_string(map, "code", path)?.map(str::to_string),
    })
}

/// A CodeableConcept whose `coding` is present and has at least one code (Observation codes).
fn coded_concept(map: &Map<String, Value>, key: &str, path: &str) -> Result<CodeableConcept, RecordsError> {
    let at = child(path, key);
    let Some(value) = map.get(key) else {
        return Err(invalid(&at, "missing; expected a CodeableConcept with a coding, e.g. a LOINC code"));
    };
    let concept = codeable_concept(value, &at)?;
    let coding_path = child(&at, "coding");
    if !object(value, &at)?.contains_key("coding") {
        return Err(invalid(&coding_path, "missing; expected at least one coding, e.g. a LOINC code"));
    }
    if !concept.coding.iter().any(|coding| coding.code.is_some()) {
        return Err(invalid(&coding_path, "expected at least one coding with a code"));
    }
    Ok(concept)
}

fn optional_concept(
    map: &Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<CodeableConcept>, RecordsError> {
    map.get(key).map(|value| codeable_concept(value, &child(path, key))).transpose()
}

fn codeable_concept(value: &Value, path: &str) -> Result<CodeableConcept, RecordsError> {
    let map = object(value, path)?;
    let mut coding = Vec::new();
    for (index, item) in optional_array(map, "coding", path)?.iter().enumerate() {
        let item_path = format!("{}[{index}]", child(path, "coding"));
        let item = object(item, &item_path)?;
        coding.push(Coding {
            system: optional_string(item, "system", &item_path)?.map(str::to_string),
            code: optional_string(item, "code", &item_path)?.map(str::to_string),
            display: optional_string(item, "display", &item_path)?.map(str::to_string),
        });
    }
    let text = optional_string(map, "text", path)?.map(str::to_string);
    Ok(CodeableConcept { coding, text })
}

/// A Period's `start` and `end`, each a dateTime; the start may not be after the end.
fn period_bounds(
    value: &Value,
    path: &str,
) -> Result<(Option<FhirDateTime>, Option<FhirDateTime>), RecordsError> {
    let map = object(value, path)?;
    let start = optional_string(map, "start", path)?
        .map(|text| date_time(text, &child(path, "start")))
        .transpose()?;
    let end =
        optional_string(map, "end", path)?.map(|text| date_time(text, &child(path, "end"))).transpose()?;
    if let (Some(start), Some(end)) = (&start, &end) {
        if start.unix() > end.unix() {
            return Err(invalid(path, "the period ends before it starts"));
        }
    }
    Ok((start, end))
}

fn date(text: &str, path: &str) -> Result<FhirDate, RecordsError> {
    FhirDate::parse(text).map_err(|error| date_problem(path, "a date (YYYY, YYYY-MM or YYYY-MM-DD)", error))
}

fn date_time(text: &str, path: &str) -> Result<FhirDateTime, RecordsError> {
    FhirDateTime::parse(text)
        .map_err(|error| date_problem(path, &format!("a dateTime ({DATE_FORMS})"), error))
}

fn date_problem(path: &str, expected: &str, error: RecordsError) -> RecordsError {
    let reason = match error {
        RecordsError::Date(reason) => reason,
        other => other.to_string(),
    };
    invalid(path, format!("expected {expected}: {reason}"))
}

fn object<'v>(value: &'v Value, path: &str) -> Result<&'v Map<String, Value>, RecordsError> {
    value.as_object().ok_or_else(|| invalid(path, "expected an object"))
}

fn string<'v>(value: &'v Value, path: &str) -> Result<&'v str, RecordsError> {
    match value.as_str() {
        Some("") => Err(invalid(path, "expected a non-empty string")),
        Some(text) => Ok(text),
        None => Err(invalid(path, "expected a string")),
    }
}

fn optional_string<'v>(
    map: &'v Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'v str>, RecordsError> {
    map.get(key).map(|value| string(value, &child(path, key))).transpose()
}

fn required_string<'v>(map: &'v Map<String, Value>, key: &str, path: &str) -> Result<&'v str, RecordsError> {
    optional_string(map, key, path)?.ok_or_else(|| invalid(&child(path, key), "missing"))
}

fn optional_array<'v>(
    map: &'v Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<&'v [Value], RecordsError> {
    match map.get(key) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(invalid(&child(path, key), "expected an array")),
    }
}

/// FHIR resource type names: an upper-case ASCII letter, then ASCII letters.
fn is_resource_type(kind: &str) -> bool {
    let mut bytes = kind.bytes();
    bytes.next().is_some_and(|first| first.is_ascii_uppercase())
        && bytes.all(|byte| byte.is_ascii_alphabetic())
        && kind.len() <= 64
}

fn child(path: &str, key: &str) -> String {
    format!("{path}.{key}")
}

fn invalid(path: &str, problem: impl Into<String>) -> RecordsError {
    RecordsError::Invalid { path: path.to_string(), problem: problem.into() }
}

fn json_error(error: serde_json::Error) -> RecordsError {
    RecordsError::Json { line: error.line(), column: error.column(), reason: json_reason(&error) }
}

/// serde_json's message without its " at line … column …" suffix.
fn json_reason(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    }
}

/// At most 40 characters of a value echoed in an error.
fn clip(text: &str) -> String {
    let mut clipped: String = text.chars().take(40).collect();
    if clipped.len() < text.len() {
        clipped.push('…');
    }
    clipped
}
