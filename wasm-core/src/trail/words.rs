//! Plain words for hints: local dates and clock times, and what a scope lets a provider see.

use crate::consent::Scope;
use crate::records::date::civil_from_days;

const SECONDS_PER_DAY: i64 = 86_400;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "14 March 2025" for a local time (seconds since local 1970-01-01 00:00).
pub(super) fn date(local: i64) -> String {
    let (year, month, day) = civil_from_days(local.div_euclid(SECONDS_PER_DAY));
    let month = MONTHS.get(usize::from(month).saturating_sub(1)).copied().unwrap_or("?");
    format!("{day} {month} {year}")
}

/// "03:12" for a local time.
pub(super) fn clock(local: i64) -> String {
    minute_of_day(local.rem_euclid(SECONDS_PER_DAY) / 60)
}

/// "14 March 2025 at 03:12".
pub(super) fn when(local: i64) -> String {
    format!("{} at {}", date(local), clock(local))
}

/// "09:00" for a minute of the day (taken modulo 24 hours).
pub(super) fn minute_of_day(minute: i64) -> String {
    let minute = minute.rem_euclid(24 * 60);
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// What a list of scopes gives access to, and whether any of them changes records:
/// ("your medications and your test results and measurements (laboratory)", false).
pub(super) fn scopes(texts: &[&str]) -> (String, bool) {
    let mut parts: Vec<String> = Vec::new();
    let mut writes = false;
    for text in texts {
        let part = match Scope::parse(text) {
            Some(scope) => {
                let permissions = permissions(scope.as_str());
                writes |= permissions.contains(['c', 'u', 'd']);
                let what = match scope.resource_type() {
                    Some("*") | None => "all your records".to_string(),
                    Some(resource) => format!("your {}", resource_words(resource)),
                };
                match category(scope.as_str()) {
                    Some(category) => format!("{what} ({category})"),
                    None => what,
                }
            }
            None => format!("records of a kind your wallet does not recognise (\"{text}\")"),
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    (join(&parts), writes)
}

fn permissions(scope: &str) -> &str {
    let head = scope.split_once('?').map_or(scope, |(head, _)| head);
    head.rsplit_once('.').map_or("", |(_, permissions)| permissions)
}

fn category(scope: &str) -> Option<&str> {
    let (_, query) = scope.split_once('?')?;
    query.split('&').find_map(|pair| pair.strip_prefix("category=")).filter(|value| !value.is_empty())
}

fn resource_words(resource: &str) -> String {
    match resource {
        "Observation" => "test results and measurements".to_string(),
        "Condition" => "conditions and diagnoses".to_string(),
        "MedicationStatement" | "MedicationRequest" | "Medication" | "MedicationDispense" => {
            "medications".to_string()
        }
        "AllergyIntolerance" => "allergies".to_string(),
        "Immunization" => "vaccinations".to_string(),
        "Procedure" => "procedures".to_string(),
        "DiagnosticReport" => "medical reports".to_string(),
        "DocumentReference" => "documents".to_string(),
        "Encounter" => "visits".to_string(),
        "Patient" => "personal details".to_string(),
        "CarePlan" => "care plans".to_string(),
        other => format!("{other} records"),
    }
}

/// "a", "a and b", "a, b and c".
fn join(parts: &[String]) -> String {
    match parts {
        [] => "your records".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_clocks() {
        // 2025-03-14T03:12:00 local.
        let local = 1_741_921_920;
        assert_eq!(when(local), "14 March 2025 at 03:12");
        assert_eq!(minute_of_day(-60), "23:00");
        assert_eq!(minute_of_day(24 * 60 + 5), "00:05");
    }

    #[test]
    fn scopes_in_words() {
        let (words, writes) = scopes(&["patient/Observation.rs?category=laboratory", "patient/Condition.rs"]);
        assert_eq!(
            words,
            "your test results and measurements (laboratory) and your conditions and diagnoses"
        );
        assert!(!writes);
        let (words, writes) = scopes(&["patient/*.cruds"]);
        assert_eq!(words, "all your records");
        assert!(writes);
        assert!(scopes(&["nonsense"]).0.contains("\"nonsense\""));
    }
}
