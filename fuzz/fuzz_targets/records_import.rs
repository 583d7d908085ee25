//! The FHIR R4 bundle importer on arbitrary input: `records::import` may not panic, and what it
//! accepts must feed the records page's views and the risk hint's feature reader without a panic.
//! Every date it accepts must parse again from its text, as it does when the wallet reads a
//! stored record set back (dates are stored as text and parsed on deserialization).
//!
//! Good seeds are the synthetic sample bundles in `public/samples/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wasm_core::records::{import, FhirDate, FhirDateTime, ObservationValue};
use wasm_core::risk::features;

/// 2026-01-15T00:00:00Z.
const NOW: u64 = 1_768_435_200;

fn reparses(date_time: &FhirDateTime) {
    assert_eq!(
        FhirDateTime::parse(date_time.as_str()).as_ref(),
        Ok(date_time),
        "a stored dateTime reads back"
    );
}

fuzz_target!(|data: &[u8]| {
    let records = match import(data) {
        Ok(records) => records,
        Err(error) => {
            let _ = error.to_string();
            return;
        }
    };
    if let Some(patient) = &records.patient {
        let birth_date = &patient.birth_date;
        assert_eq!(FhirDate::parse(birth_date.as_str()).as_ref(), Ok(birth_date), "a stored date reads back");
    }
    for observation in &records.observations {
        reparses(&observation.effective);
        if let Some(ObservationValue::DateTime(value)) = &observation.value {
            reparses(value);
        }
    }
    for condition in &records.conditions {
        condition.onset.iter().chain(&condition.abatement).chain(&condition.recorded).for_each(reparses);
    }
    for medication in &records.medications {
        medication.start.iter().chain(&medication.end).chain(&medication.date_asserted).for_each(reparses);
    }
    for series in records.series() {
        assert!(series.points.windows(2).all(|pair| pair[0].time <= pair[1].time));
    }
    let timeline = records.timeline();
    assert!(timeline.windows(2).all(|pair| pair[0].time <= pair[1].time));
    let _ = features(&records, NOW).values();
    let _ = features(&records, 0).reasons();
    let _ = features(&records, u64::MAX).reasons();
});
