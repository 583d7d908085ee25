//! Views of a [`RecordSet`] for the records page: numeric series for charts, and a timeline.

use std::collections::BTreeMap;

use super::{CodeableConcept, Coding, FhirDateTime, ObservationValue, RecordSet};

/// One observed quantity over time: every numeric value of one code, oldest first.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Series {
    /// The code the values share (see [`CodeableConcept::primary`]).
    pub code: Coding,
    /// A label for people (the first observation's text or display).
    pub label: String,
    /// The unit, when every point has the same one; `None` when units differ or are absent
    /// (each point keeps its own).
    pub unit: Option<String>,
    /// The values, sorted by time (then by bundle order).
    pub points: Vec<Point>,
}

/// One value in a [`Series`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    /// When, as Unix seconds (UTC); see [`super::FhirDateTime::unix`].
    pub time: i64,
    /// When, as written in the record.
    pub effective: String,
    /// The number.
    pub value: f64,
    /// Its unit (see [`super::Quantity::unit_label`]).
    pub unit: Option<String>,
    /// A comparator (`<`, `>`, …) when the value is a bound rather than a measurement.
    pub comparator: Option<String>,
    /// The entry index of the Observation it comes from.
    pub entry: usize,
}

/// What a [`TimelineEvent`] marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimelineKind {
    /// An Observation was made ([`RecordSet::observations`]).
    Observation,
    /// A Condition began ([`RecordSet::conditions`]).
    ConditionOnset,
    /// A Condition ended.
    ConditionAbatement,
    /// A medication was started ([`RecordSet::medications`]).
    MedicationStart,
    /// A medication was stopped.
    MedicationEnd,
}

/// One dated event of the records.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimelineEvent {
    /// When, as Unix seconds (UTC).
    pub time: i64,
    /// When, as written in the record.
    pub date: String,
    /// What happened.
    pub kind: TimelineKind,
    /// Index into the list [`TimelineEvent::kind`] names.
    pub index: usize,
    /// A label for people.
    pub label: String,
}

impl RecordSet {
    /// Numeric observations (Quantity or Integer values, components included, e.g. the systolic
    /// and diastolic parts of a blood pressure panel) grouped by code and sorted by time.
    /// Cancelled and entered-in-error observations are left out. Series are sorted by label.
    pub fn series(&self) -> Vec<Series> {
        let mut groups: BTreeMap<(Option<String>, String), Series> = BTreeMap::new();
        let mut add = |concept: &CodeableConcept,
                       value: &ObservationValue,
                       entry: usize,
                       time: i64,
                       effective: &str| {
            let (Some(coding), Some((number, unit))) = (concept.primary(), value.numeric()) else { return };
            let Some(code) = coding.code.clone() else { return };
            let comparator = match value {
                ObservationValue::Quantity(quantity) => quantity.comparator.clone(),
                _ => None,
            };
            let series = groups.entry((coding.system.clone(), code)).or_insert_with(|| Series {
                code: coding.clone(),
                label: concept.label(),
                unit: None,
                points: Vec::new(),
            });
            series.points.push(Point {
                time,
                effective: effective.to_string(),
                value: number,
                unit: unit.map(str::to_string),
                comparator,
                entry,
            });
        };
        for observation in self.observations.iter().filter(|observation| observation.status.is_shown()) {
            let (time, effective) = (observation.effective.unix(), observation.effective.as_str());
            if let Some(value) = &observation.value {
                add(&observation.code, value, observation.entry, time, effective);
            }
            for component in &observation.components {
                if let Some(value) = &component.value {
                    add(&component.code, value, observation.entry, time, effective);
                }
            }
        }
        let mut series: Vec<Series> = groups.into_values().collect();
        for one in &mut series {
            one.points.sort_by_key(|point| (point.time, point.entry));
            let first = one.points.first().and_then(|point| point.unit.clone());
            if first.is_some() && one.points.iter().all(|point| point.unit == first) {
                one.unit = first;
            }
        }
        series.sort_by(|a, b| a.label.cmp(&b.label).then_with(|| a.code.code.cmp(&b.code.code)));
        series
    }

    /// Every dated event, oldest first: observations, condition onsets and abatements,
    /// medication starts and ends. Cancelled and entered-in-error records are left out.
    pub fn timeline(&self) -> Vec<TimelineEvent> {
        let mut events = Vec::new();
        for (index, observation) in self.observations.iter().enumerate() {
            if observation.status.is_shown() {
                events.push(TimelineEvent {
                    time: observation.effective.unix(),
                    date: observation.effective.to_string(),
                    kind: TimelineKind::Observation,
                    index,
                    label: observation.code.label(),
                });
            }
        }
        // Conditions and medications each mark a start and an end, when known.
        let mut add_span = |index: usize, label: String, ends: [(&Option<FhirDateTime>, TimelineKind); 2]| {
            for (when, kind) in ends {
                if let Some(when) = when {
                    events.push(TimelineEvent {
                        time: when.unix(),
                        date: when.to_string(),
                        kind,
                        index,
                        label: label.clone(),
                    });
                }
            }
        };
        for (index, condition) in self.conditions.iter().enumerate() {
            if condition.verification_status.as_deref() != Some("entered-in-error") {
                add_span(
                    index,
                    condition.code.label(),
                    [
                        (&condition.onset, TimelineKind::ConditionOnset),
                        (&condition.abatement, TimelineKind::ConditionAbatement),
                    ],
                );
            }
        }
        for (index, medication) in self.medications.iter().enumerate() {
            if medication.status != super::MedicationStatus::EnteredInError {
                add_span(
                    index,
                    medication.medication.label(),
                    [
                        (&medication.start, TimelineKind::MedicationStart),
                        (&medication.end, TimelineKind::MedicationEnd),
                    ],
                );
            }
        }
        events.sort_by_key(|event| event.time);
        events
    }
}
