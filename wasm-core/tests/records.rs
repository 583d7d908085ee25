//! FHIR R4 bundle import: the synthetic sample patients, dates, series and timeline, and every
//! kind of malformed input with the JSON path its error names.
//! These run natively and, through wasm-bindgen-test, in headless Chromium.
//!
//! Data: `public/samples/synthetic-patient-{a,b,c}.json`, synthetic FHIR R4 bundles written by
//! `model/make_samples.py` (their provenance is in `public/samples/README.md`); the malformed
//! bundles are built in this file.

use serde_json::{json, Value};
use wasm_core::records::{
    import, FhirDate, FhirDateTime, Gender, ObservationStatus, ObservationValue, Precision, RecordSet,
    RecordsError, TimelineKind, INVALID_ADVICE, MAX_BUNDLE_BYTES,
};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const SAMPLE_A: &str = include_str!("../../public/samples/synthetic-patient-a.json");
const SAMPLE_B: &str = include_str!("../../public/samples/synthetic-patient-b.json");
const SAMPLE_C: &str = include_str!("../../public/samples/synthetic-patient-c.json");

fn patient() -> Value {
    json!({"fullUrl": "urn:uuid:p1", "resource": {
        "resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1980-05-17"}})
}

fn observation() -> Value {
    json!({"fullUrl": "urn:uuid:o1", "resource": {
        "resourceType": "Observation", "id": "o1", "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                  "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5"}], "text": "BMI"},
        "subject": {"reference": "urn:uuid:p1"},
        "effectiveDateTime": "2024-03-05T10:15:00+01:00",
        "valueQuantity": {"value": 27.5, "unit": "kg/m2", "system": "http://unitsofmeasure.org", "code": "kg/m2"}}})
}

fn bundle(entries: Vec<Value>) -> Vec<u8> {
    serde_json::to_vec(&json!({"resourceType": "Bundle", "type": "collection", "entry": entries}))
        .expect("a JSON value serializes")
}

/// An entry with its resource changed by `edit`.
fn edited(entry: Value, edit: impl FnOnce(&mut Value)) -> Value {
    let mut entry = entry;
    edit(&mut entry["resource"]);
    entry
}

/// A bundle of the test patient and one entry changed by `edit`.
fn with(entry: Value, edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    bundle(vec![patient(), edited(entry, edit)])
}

/// `import(input)` fails with exactly the `expected` message (path first; a message with a path
/// ends with what to do, the same for every path).
fn check(input: &[u8], expected: &str) {
    match import(input) {
        Ok(records) => panic!("accepted, expected {expected:?}: {records:?}"),
        Err(error) if error.path().is_some() => {
            assert_eq!(error.to_string(), format!("{expected}; {INVALID_ADVICE}"));
        }
        Err(error) => assert_eq!(error.to_string(), expected),
    }
}

#[test]
fn samples_import_with_every_resource() {
    for (text, observations, conditions, medications) in
        [(SAMPLE_A, 48, 2, 1), (SAMPLE_B, 34, 1, 1), (SAMPLE_C, 33, 2, 2)]
    {
        let records = import(text.as_bytes()).expect("the sample imports");
        assert_eq!(records.observations.len(), observations);
        assert_eq!(records.conditions.len(), conditions);
        assert_eq!(records.medications.len(), medications);
        assert!(records.skipped.is_empty());
        let patient = records.patient.as_ref().expect("each sample has a Patient");
        assert_eq!(patient.gender, Some(Gender::Female));
        assert_eq!(patient.birth_date.precision(), Precision::Day);
        assert!(records
            .observations
            .iter()
            .all(|observation| observation.status == ObservationStatus::Final));
    }
    let a = import(SAMPLE_A.as_bytes()).expect("sample A imports");
    assert_eq!(a.patient.expect("a Patient").birth_date.as_str(), "1979-04-12");
}

#[test]
fn record_set_round_trips_through_json() {
    let records = import(SAMPLE_A.as_bytes()).expect("sample A imports");
    let stored = serde_json::to_vec(&records).expect("a record set serializes");
    let back: RecordSet = serde_json::from_slice(&stored).expect("and deserializes");
    assert_eq!(back, records);
    assert!(stored.len() < SAMPLE_A.len(), "the stored form is smaller than the bundle");
}

#[test]
fn series_group_by_code_sorted_by_time_with_units() {
    let records = import(SAMPLE_A.as_bytes()).expect("sample A imports");
    let series = records.series();
    let bmi = series.iter().find(|one| one.code.code.as_deref() == Some("39156-5")).expect("a BMI series");
    assert_eq!(bmi.unit.as_deref(), Some("kg/m2"));
    assert_eq!(bmi.points.len(), 7);
    assert!(bmi.points.windows(2).all(|pair| pair[0].time <= pair[1].time));
    assert_eq!(bmi.points.last().map(|point| point.value), Some(31.0));
    assert_eq!(bmi.points.last().map(|point| point.effective.as_str()), Some("2025-04-22T09:30:00Z"));
    let glucose = series.iter().find(|one| one.code.code.as_deref() == Some("1518-0")).expect("2-h glucose");
    assert_eq!(glucose.unit.as_deref(), Some("mg/dL"));
    assert_eq!(glucose.points.iter().map(|point| point.value).collect::<Vec<_>>(), [128.0, 135.0]);
    let labels: Vec<&str> = series.iter().map(|one| one.label.as_str()).collect();
    let mut sorted = labels.clone();
    sorted.sort_unstable();
    assert_eq!(labels, sorted, "series are sorted by label");
}

#[test]
fn blood_pressure_panel_components_become_series() {
    let panel = json!({"resource": {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "85354-9"}], "text": "Blood pressure panel"},
        "effectiveDateTime": "2023-06-01",
        "component": [
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8480-6", "display": "Systolic"}]},
             "valueQuantity": {"value": 121, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}},
            {"code": {"coding": [{"system": "http://loinc.org", "code": "8462-4", "display": "Diastolic"}]},
             "valueQuantity": {"value": 79, "system": "http://unitsofmeasure.org", "code": "mm[Hg]"}}]}});
    let records = import(&bundle(vec![patient(), panel, observation()])).expect("imports");
    assert_eq!(records.observations[0].components.len(), 2);
    let series = records.series();
    let diastolic = series.iter().find(|one| one.code.code.as_deref() == Some("8462-4")).expect("diastolic");
    assert_eq!(diastolic.points[0].value, 79.0);
    assert_eq!(diastolic.unit.as_deref(), Some("mm[Hg]"));
    assert_eq!(diastolic.points[0].time, 1_685_577_600, "2023-06-01 sorts as its first second, UTC");
    assert!(series.iter().all(|one| one.code.code.as_deref() != Some("85354-9")), "the panel has no value");
}

#[test]
fn timeline_is_sorted_and_covers_every_kind() {
    let records = import(SAMPLE_C.as_bytes()).expect("sample C imports");
    let timeline = records.timeline();
    assert!(timeline.windows(2).all(|pair| pair[0].time <= pair[1].time));
    assert_eq!(timeline.iter().filter(|event| event.kind == TimelineKind::Observation).count(), 33);
    assert!(timeline.iter().any(|event| event.kind == TimelineKind::ConditionOnset));
    assert!(timeline.iter().any(|event| event.kind == TimelineKind::MedicationStart));
}

#[test]
fn other_resources_are_counted_as_skipped() {
    let encounter = json!({"resource": {"resourceType": "Encounter", "status": "finished"}});
    let records = import(&bundle(vec![
        patient(),
        encounter.clone(),
        encounter,
        json!({"resource": {"resourceType": "Immunization"}}),
    ]))
    .expect("imports");
    assert_eq!(records.skipped.get("Encounter"), Some(&2));
    assert_eq!(records.skipped.get("Immunization"), Some(&1));
    let empty = import(br#"{"resourceType": "Bundle"}"#).expect("an empty bundle imports");
    assert_eq!(empty, RecordSet::default());
}

#[test]
fn observation_values_of_every_kind() {
    let records = import(&bundle(vec![
        patient(),
        edited(observation(), |resource| {
            let map = resource.as_object_mut().expect("an object");
            map.remove("valueQuantity");
            map.insert("valueInteger".into(), json!(3));
            map.insert("effectiveInstant".into(), json!("2024-03-05T10:15:00.123Z"));
            map.remove("effectiveDateTime");
        }),
        edited(observation(), |resource| {
            let map = resource.as_object_mut().expect("an object");
            map.remove("valueQuantity");
            map.insert("dataAbsentReason".into(), json!({"text": "patient refused"}));
            map.remove("effectiveDateTime");
            map.insert("effectivePeriod".into(), json!({"start": "2024-03", "end": "2024-04"}));
        }),
        edited(observation(), |resource| {
            resource["valueQuantity"] = json!({"value": 400, "comparator": ">", "unit": "mg/dL"});
        }),
    ]))
    .expect("imports");
    assert_eq!(records.observations[0].value, Some(ObservationValue::Integer(3)));
    assert_eq!(records.observations[0].effective.unix(), 1_709_633_700);
    assert!(records.observations[1].value.is_none());
    assert_eq!(records.observations[1].effective.precision(), Precision::Month);
    let ObservationValue::Quantity(bound) = records.observations[2].value.clone().expect("a value") else {
        panic!("a quantity")
    };
    assert_eq!(bound.comparator.as_deref(), Some(">"));
    assert_eq!(bound.ucum(), None, "no UCUM system, so no UCUM code");
    assert_eq!(bound.unit_label(), Some("mg/dL"));
}

#[test]
fn fhir_dates_of_every_precision() {
    let cases: [(&str, Precision, i64); 7] = [
        ("1970", Precision::Year, 0),
        ("2021", Precision::Year, 1_609_459_200),
        ("2021-03", Precision::Month, 1_614_556_800),
        ("2024-02-29", Precision::Day, 1_709_164_800),
        ("1970-01-01T00:00:00Z", Precision::Time, 0),
        ("2000-01-01T00:00:00+01:00", Precision::Time, 946_681_200),
        ("1969-12-31T23:59:59.999999999-00:00", Precision::Time, -1),
    ];
    for (text, precision, unix) in cases {
        let parsed = FhirDateTime::parse(text).unwrap_or_else(|error| panic!("{text}: {error}"));
        assert_eq!((parsed.precision(), parsed.unix(), parsed.as_str()), (precision, unix, text));
    }
    assert_eq!(FhirDate::parse("1979-04-12").expect("a date").unix(), 292_723_200);
    assert_eq!(FhirDateTime::parse("2010-06-30T23:59:60Z").expect("a leap second").unix(), 1_277_942_400);
    assert_eq!(FhirDateTime::parse("2021-12-31T20:00:00-14:00").expect("UTC-14").unix(), 1_641_031_200);
}

#[test]
fn impossible_or_malformed_dates_are_refused() {
    let cases = [
        ("2021-13-01", "month 13 does not exist"),
        ("2023-02-29", "day 29 does not exist in 2023-02, which has 28 days"),
        ("2024-02-30", "day 30 does not exist in 2024-02, which has 29 days"),
        ("2024-04-31", "day 31 does not exist in 2024-04, which has 30 days"),
        ("2024-00", "month 00 does not exist"),
        ("2024-01-00", "day 00 does not exist in 2024-01, which has 31 days"),
        ("0000", "there is no year 0000"),
        ("21", "the year needs 4 digits"),
        ("2021-1-01", "the month needs 2 digits"),
        ("2021-01-01T10:00:00", "a time of day needs a time zone (Z or ±hh:mm)"),
        ("2021-01-01T10:00Z", "a time is written hh:mm:ss, seconds included"),
        ("2021-01-01T24:00:00Z", "24:00:00 is not a time of day"),
        ("2021-01-01T10:00:00+15:00", "a time zone offset is between -14:00 and +14:00"),
        ("2021-01-01T10:00:00.Z", "a fraction of a second has 1 to 9 digits"),
        ("2021-01T10:00:00Z", "a time of day needs a full date (YYYY-MM-DD) before it"),
        ("2021-01-01Z", "a time zone is only allowed after a time of day"),
        ("2021-01-01 ", "unexpected characters after the date"),
        ("2021-01-01T10:00:00Zx", "unexpected characters after the time zone"),
        ("", "the year needs 4 digits"),
    ];
    for (text, reason) in cases {
        assert_eq!(FhirDateTime::parse(text), Err(RecordsError::Date(reason.to_string())), "{text:?}");
    }
    assert_eq!(
        FhirDate::parse("2021-01-01T10:00:00Z"),
        Err(RecordsError::Date("a date has no time of day".into()))
    );
    assert_eq!(
        FhirDateTime::parse_instant("2021-01-01"),
        Err(RecordsError::Date("an instant needs a time of day and a time zone".into()))
    );
    let stored: Result<FhirDate, _> = serde_json::from_str("\"2023-02-29\"");
    assert!(stored.is_err(), "a stored date is parsed again, so it cannot be impossible");
}

#[test]
fn size_cap_is_checked_before_parsing() {
    let mut at_cap = br#"{"resourceType": "Bundle"}"#.to_vec();
    at_cap.resize(MAX_BUNDLE_BYTES, b' ');
    assert!(import(&at_cap).is_ok(), "a bundle of exactly 20 MiB is read");
    at_cap.push(b' ');
    check(
        &at_cap,
        "the file is 20971521 bytes, more than the 20971520 bytes (20 MiB) a record bundle may have; export fewer records at a time",
    );
    // Not even valid JSON: the size is what is refused.
    assert_eq!(
        import(&vec![0xff; MAX_BUNDLE_BYTES + 1]),
        Err(RecordsError::TooLarge { len: MAX_BUNDLE_BYTES + 1, max: MAX_BUNDLE_BYTES })
    );
}

#[test]
fn malformed_files_are_refused() {
    check(b"\xff\xfe{}", "the file is not UTF-8 text; export the records as FHIR R4 JSON");
    check(
        b"{\"resourceType\": \"Bundle\",\n \"entry\": [}",
        "the file is not valid JSON (line 2, column 12): expected value; export the records as FHIR R4 JSON",
    );
    check(b"", "the file is not valid JSON (line 1, column 0): EOF while parsing a value; export the records as FHIR R4 JSON");
    check(b"[]", "(top level): expected a JSON object: a FHIR Bundle");
    check(b"{}", "resourceType: missing; a FHIR Bundle has resourceType \"Bundle\"");
    check(br#"{"resourceType": "Patient"}"#, "resourceType: expected \"Bundle\", found \"Patient\"");
    check(br#"{"resourceType": 7}"#, "resourceType: expected a string");
    check(br#"{"resourceType": "Bundle", "entry": {}}"#, "entry: expected an array");
    check(br#"{"resourceType": "Bundle", "entry": [7]}"#, "entry[0]: expected an object");
    check(
        br#"{"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}"#,
        "entry[0].resource: missing; every entry of an imported bundle holds a resource",
    );
    check(
        br#"{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "observation"}}]}"#,
        "entry[0].resource.resourceType: expected a FHIR resource type, e.g. \"Observation\"",
    );
    assert!(import("\u{feff}{\"resourceType\": \"Bundle\"}".as_bytes()).is_ok(), "a UTF-8 BOM is allowed");
}

#[test]
fn malformed_resources_name_their_path() {
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            with(observation(), |r| r["valueQuantity"]["value"] = json!("27.5")),
            "entry[1].resource.valueQuantity.value: expected a number",
        ),
        (
            with(observation(), |r| r["valueQuantity"] = json!({"unit": "kg/m2"})),
            "entry[1].resource.valueQuantity.value: missing; a quantity needs a number",
        ),
        (
            with(observation(), |r| r["valueQuantity"]["comparator"] = json!("~")),
            "entry[1].resource.valueQuantity.comparator: expected <, <=, >=, > or ad",
        ),
        (
            with(observation(), |r| r["valueString"] = json!("high")),
            "entry[1].resource.valueString: a second value[x] after valueQuantity; only one is allowed",
        ),
        (
            with(observation(), |r| r["valueInteger"] = json!(2)),
            "entry[1].resource.valueQuantity: a second value[x] after valueInteger; only one is allowed",
        ),
        (
            with(observation(), |r| {
                r.as_object_mut().expect("an object").remove("valueQuantity");
                r["valueInteger"] = json!(1.5);
            }),
            "entry[1].resource.valueInteger: expected a whole number (32-bit)",
        ),
        (
            with(observation(), |r| {
                r.as_object_mut().expect("an object").remove("status");
            }),
            "entry[1].resource.status: missing",
        ),
        (
            with(observation(), |r| r["status"] = json!("done")),
            "entry[1].resource.status: expected registered, preliminary, final, amended, corrected, cancelled, entered-in-error or unknown",
        ),
        (
            with(observation(), |r| r["status"] = json!("")),
            "entry[1].resource.status: expected a non-empty string",
        ),
        (
            with(observation(), |r| {
                r.as_object_mut().expect("an object").remove("code");
            }),
            "entry[1].resource.code: missing; expected a CodeableConcept with a coding, e.g. a LOINC code",
        ),
        (
            with(observation(), |r| r["code"] = json!({"text": "BMI"})),
            "entry[1].resource.code.coding: missing; expected at least one coding, e.g. a LOINC code",
        ),
        (
            with(observation(), |r| r["code"]["coding"] = json!({"code": "x"})),
            "entry[1].resource.code.coding: expected an array",
        ),
        (
            with(observation(), |r| r["code"]["coding"] = json!([{"system": "http://loinc.org"}])),
            "entry[1].resource.code.coding: expected at least one coding with a code",
        ),
        (
            with(observation(), |r| r["code"]["coding"][0]["code"] = json!(39156)),
            "entry[1].resource.code.coding[0].code: expected a string",
        ),
        (
            with(observation(), |r| r["category"][0]["coding"][0] = json!("vital-signs")),
            "entry[1].resource.category[0].coding[0]: expected an object",
        ),
        (
            with(observation(), |r| {
                r.as_object_mut().expect("an object").remove("valueQuantity");
            }),
            "entry[1].resource.value[x]: missing; an Observation needs a value[x], a component or a dataAbsentReason",
        ),
        (
            with(observation(), |r| {
                r.as_object_mut().expect("an object").remove("effectiveDateTime");
            }),
            "entry[1].resource.effective[x]: missing; an Observation needs the date it was made (effectiveDateTime)",
        ),
        (
            with(observation(), |r| r["effectiveDateTime"] = json!("2023-02-30")),
            "entry[1].resource.effectiveDateTime: expected a dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone): day 30 does not exist in 2023-02, which has 28 days",
        ),
        (
            with(observation(), |r| r["effectiveDateTime"] = json!("2021-13")),
            "entry[1].resource.effectiveDateTime: expected a dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone): month 13 does not exist",
        ),
        (
            with(observation(), |r| {
                r.as_object_mut().expect("an object").remove("effectiveDateTime");
                r["effectivePeriod"] = json!({"start": "2024-02-01", "end": "2024-01-01"});
            }),
            "entry[1].resource.effectivePeriod: the period ends before it starts",
        ),
        (
            with(observation(), |r| {
                r.as_object_mut().expect("an object").remove("effectiveDateTime");
                r["effectiveInstant"] = json!("2024-02-01");
            }),
            "entry[1].resource.effectiveInstant: expected an instant: an instant needs a time of day and a time zone",
        ),
        (
            with(observation(), |r| {
                r.as_object_mut().expect("an object").remove("effectiveDateTime");
                r["effectiveTiming"] = json!({});
            }),
            "entry[1].resource.effectiveTiming: not supported; the wallet needs effectiveDateTime, effectiveInstant or effectivePeriod",
        ),
        (
            with(observation(), |r| r["component"] = json!([{"code": {"coding": [{"code": "x"}]}}, {"valueInteger": 1}])),
            "entry[1].resource.component[1].code: missing; expected a CodeableConcept with a coding, e.g. a LOINC code",
        ),
        (
            with(observation(), |r| r["subject"] = json!({"reference": "Patient/someone-else"})),
            "entry[1].resource.subject.reference: names another patient than the bundle's Patient (entry[0]); import one patient's records at a time",
        ),
        (
            with(patient(), |r| r["birthDate"] = json!("1980-02-30")),
            "entry[1].resource: a second Patient (the first is entry[0]); import one patient's records at a time",
        ),
        (
            bundle(vec![edited(patient(), |r| r["birthDate"] = json!("1980-02-30"))]),
            "entry[0].resource.birthDate: expected a date (YYYY, YYYY-MM or YYYY-MM-DD): day 30 does not exist in 1980-02, which has 29 days",
        ),
        (
            bundle(vec![edited(patient(), |r| r["birthDate"] = json!("1980-02-03T10:00:00Z"))]),
            "entry[0].resource.birthDate: expected a date (YYYY, YYYY-MM or YYYY-MM-DD): a date has no time of day",
        ),
        (
            bundle(vec![edited(patient(), |r| {
                r.as_object_mut().expect("an object").remove("birthDate");
            })]),
            "entry[0].resource.birthDate: missing; the wallet needs the patient's birth date",
        ),
        (
            bundle(vec![edited(patient(), |r| r["gender"] = json!("F"))]),
            "entry[0].resource.gender: expected male, female, other or unknown",
        ),
        (
            with(json!({"resource": {"resourceType": "Condition", "subject": {"reference": "Patient/p1"}}}), |_| {}),
            "entry[1].resource.code: missing; a Condition needs a code or text",
        ),
        (
            with(json!({"resource": {"resourceType": "Condition", "code": {"coding": []}}}), |_| {}),
            "entry[1].resource.code: expected a coding with a code, or text",
        ),
        (
            with(json!({"resource": {"resourceType": "Condition", "code": {"text": "Asthma"},
                                     "onsetDateTime": "2019-02-29"}}), |_| {}),
            "entry[1].resource.onsetDateTime: expected a dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone): day 29 does not exist in 2019-02, which has 28 days",
        ),
        (
            with(json!({"resource": {"resourceType": "MedicationStatement",
                                     "medicationCodeableConcept": {"text": "metformin"}}}), |_| {}),
            "entry[1].resource.status: missing",
        ),
        (
            with(json!({"resource": {"resourceType": "MedicationStatement", "status": "taking",
                                     "medicationCodeableConcept": {"text": "metformin"}}}), |_| {}),
            "entry[1].resource.status: expected active, completed, entered-in-error, intended, stopped, on-hold, unknown or not-taken",
        ),
        (
            with(json!({"resource": {"resourceType": "MedicationStatement", "status": "active"}}), |_| {}),
            "entry[1].resource.medication[x]: missing; a MedicationStatement needs medicationCodeableConcept or medicationReference",
        ),
        (
            with(json!({"resource": {"resourceType": "MedicationStatement", "status": "active",
                                     "medicationReference": {}}}), |_| {}),
            "entry[1].resource.medicationReference: expected a reference or a display",
        ),
        (
            with(json!({"resource": {"resourceType": "MedicationStatement", "status": "active",
                                     "medicationCodeableConcept": {"text": "metformin"},
                                     "effectivePeriod": {"start": "2020-07-15T08:00"}}}), |_| {}),
            "entry[1].resource.effectivePeriod.start: expected a dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone): a time is written hh:mm:ss, seconds included",
        ),
    ];
    for (input, expected) in cases {
        check(&input, expected);
    }
}

#[test]
fn subjects_must_be_one_patient() {
    let by_id = with(observation(), |r| {
        r["subject"] = json!({"reference": "https://ehr.example/fhir/Patient/p1/_history/3"})
    });
    assert!(import(&by_id).is_ok(), "an absolute, versioned reference to the Patient's id");
    let other = |reference: &str| {
        let mut entry = observation();
        entry["resource"]["subject"]["reference"] = json!(reference);
        entry
    };
    // Without a Patient, every subject must be the same one.
    assert!(import(&bundle(vec![other("Patient/x"), other("Patient/x")])).is_ok());
    check(
        &bundle(vec![other("Patient/x"), other("Patient/y")]),
        "entry[1].resource.subject.reference: names another patient than entry[0].resource.subject.reference; import one patient's records at a time",
    );
}

#[test]
fn deep_nesting_is_refused_without_a_crash() {
    let mut deep = String::from(r#"{"resourceType": "Bundle", "entry": [{"resource": "#);
    deep.push_str(&"[".repeat(10_000));
    deep.push_str(&"]".repeat(10_000));
    deep.push_str("}]}");
    assert!(import(deep.as_bytes()).is_err());
}
