//! FHIR R4 `date`, `dateTime` and `instant`, parsed by hand (no clock, no time-zone database).
//!
//! | type | forms accepted |
//! |---|---|
//! | `date` | `YYYY`, `YYYY-MM`, `YYYY-MM-DD` |
//! | `dateTime` | those, or `YYYY-MM-DDThh:mm:ss[.f…]` followed by `Z` or `±hh:mm` |
//! | `instant` | the last form only |
//!
//! Years run from 0001 to 9999, months 01–12, and the day must exist in that month (no
//! 30 February; 29 February only in leap years). Hours 00–23, minutes 00–59, seconds 00–60 (a
//! leap second), up to 9 fraction digits; offsets −14:00 to +14:00. FHIR requires a time zone
//! whenever a time is given, and none without one, so both are refused. Values keep their text
//! exactly; [`FhirDateTime::unix`] is the first second of the period they name, in UTC, for
//! sorting and charts (`2021` sorts as 2021-01-01T00:00:00Z).

use core::fmt;

use super::RecordsError;

const SECONDS_PER_DAY: i64 = 86_400;

/// How much of a date or dateTime is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// `YYYY`.
    Year,
    /// `YYYY-MM`.
    Month,
    /// `YYYY-MM-DD`.
    Day,
    /// A time of day with a time zone.
    Time,
}

/// A FHIR `date`: a calendar date, possibly only the year or the year and month.
/// Serialized as its text.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FhirDate {
    text: String,
    year: u16,
    month: Option<u8>,
    day: Option<u8>,
}

impl FhirDate {
    /// Parses a FHIR `date` (`YYYY`, `YYYY-MM` or `YYYY-MM-DD`), refusing dates that do not exist.
    pub fn parse(text: &str) -> Result<Self, RecordsError> {
        let mut cursor = Cursor::new(text);
        let date = cursor.date()?;
        if !cursor.is_empty() {
            return Err(date_error(match cursor.peek() {
                Some(b'T') => "a date has no time of day",
                _ => "unexpected characters after the date",
            }));
        }
        Ok(Self { text: text.to_string(), year: date.0, month: date.1, day: date.2 })
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The year (1–9999).
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1–12), if given.
    pub fn month(&self) -> Option<u8> {
        self.month
    }

    /// The day of the month, if given.
    pub fn day(&self) -> Option<u8> {
        self.day
    }

    /// How much of the date is given.
    pub fn precision(&self) -> Precision {
        match (self.month, self.day) {
            (None, _) => Precision::Year,
            (Some(_), None) => Precision::Month,
            (Some(_), Some(_)) => Precision::Day,
        }
    }

    /// Unix seconds of the first moment of the period this date names, in UTC.
    pub fn unix(&self) -> i64 {
        days_from_civil(i64::from(self.year), self.month.unwrap_or(1), self.day.unwrap_or(1))
            * SECONDS_PER_DAY
    }
}

impl fmt::Debug for FhirDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FhirDate({})", self.text)
    }
}

impl fmt::Display for FhirDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl TryFrom<String> for FhirDate {
    type Error = RecordsError;

    fn try_from(text: String) -> Result<Self, RecordsError> {
        Self::parse(&text)
    }
}

impl From<FhirDate> for String {
    fn from(date: FhirDate) -> String {
        date.text
    }
}

/// A FHIR `dateTime` (or `instant`): a date of any precision, or a time with a time zone.
/// Serialized as its text.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FhirDateTime {
    text: String,
    precision: Precision,
    unix: i64,
}

impl FhirDateTime {
    /// Parses a FHIR `dateTime`, refusing impossible dates and a time without a time zone.
    pub fn parse(text: &str) -> Result<Self, RecordsError> {
        let mut cursor = Cursor::new(text);
        let (year, month, day) = cursor.date()?;
        let date_unix =
            days_from_civil(i64::from(year), month.unwrap_or(1), day.unwrap_or(1)) * SECONDS_PER_DAY;
        let precision = match (month, day) {
            (None, _) => Precision::Year,
            (Some(_), None) => Precision::Month,
            (Some(_), Some(_)) => Precision::Day,
        };
        if cursor.is_empty() {
            return Ok(Self { text: text.to_string(), precision, unix: date_unix });
        }
        if cursor.peek() != Some(b'T') {
            return Err(date_error(match cursor.peek() {
                Some(b'Z' | b'+' | b'-') => "a time zone is only allowed after a time of day",
                _ => "unexpected characters after the date",
            }));
        }
        if precision != Precision::Day {
            return Err(date_error("a time of day needs a full date (YYYY-MM-DD) before it"));
        }
        cursor.advance(1);
        let seconds_of_day = cursor.time()?;
        let offset = cursor.zone()?;
        if !cursor.is_empty() {
            return Err(date_error("unexpected characters after the time zone"));
        }
        let unix = date_unix + seconds_of_day - offset;
        Ok(Self { text: text.to_string(), precision: Precision::Time, unix })
    }

    /// Parses a FHIR `instant`: a `dateTime` with a time of day and a time zone.
    pub fn parse_instant(text: &str) -> Result<Self, RecordsError> {
        let parsed = Self::parse(text)?;
        if parsed.precision != Precision::Time {
            return Err(date_error("an instant needs a time of day and a time zone"));
        }
        Ok(parsed)
    }

    /// The text as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// How much of the date and time is given.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Unix seconds (UTC) of the first moment of the period this value names; fractions of a
    /// second are dropped. Negative before 1970.
    pub fn unix(&self) -> i64 {
        self.unix
    }
}

impl fmt::Debug for FhirDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FhirDateTime({})", self.text)
    }
}

impl fmt::Display for FhirDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl TryFrom<String> for FhirDateTime {
    type Error = RecordsError;

    fn try_from(text: String) -> Result<Self, RecordsError> {
        Self::parse(&text)
    }
}

impl From<FhirDateTime> for String {
    fn from(date_time: FhirDateTime) -> String {
        date_time.text
    }
}

/// The UTC calendar date `(year, month, day)` of a Unix time.
pub fn utc_date(unix_seconds: i64) -> (i64, u8, u8) {
    civil_from_days(unix_seconds.div_euclid(SECONDS_PER_DAY))
}

/// Whether `year` has a 29 February (proleptic Gregorian calendar).
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// The number of days in `month` (1–12) of `year`; 0 for a month that does not exist.
pub fn days_in_month(year: i64, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

fn date_error(reason: &str) -> RecordsError {
    RecordsError::Date(reason.to_string())
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u8, day: u8) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month = i64::from(month);
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The UTC calendar date `(year, month, day)` of a count of days since 1970-01-01: the inverse
/// of [`days_from_civil`] (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u8, u8) {
    let days = days + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days - era * 146_097;
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // Both are in range by construction: day 1..=31, month 1..=12.
    (year, u8::try_from(month).unwrap_or(1), u8::try_from(day).unwrap_or(1))
}

/// A byte cursor over ASCII date text.
struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Self { bytes: text.as_bytes(), at: 0 }
    }

    fn is_empty(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn advance(&mut self, by: usize) {
        self.at += by;
    }

    /// Exactly `count` ASCII digits, as a number.
    fn digits(&mut self, count: usize, what: &str) -> Result<u32, RecordsError> {
        let Some(slice) = self.bytes.get(self.at..self.at + count) else {
            return Err(RecordsError::Date(format!("the {what} needs {count} digits")));
        };
        if !slice.iter().all(u8::is_ascii_digit) {
            return Err(RecordsError::Date(format!("the {what} needs {count} digits")));
        }
        self.at += count;
        Ok(slice.iter().fold(0, |acc, digit| acc * 10 + u32::from(digit - b'0')))
    }

    fn expect(&mut self, byte: u8, reason: &str) -> Result<(), RecordsError> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            Err(date_error(reason))
        }
    }

    /// `YYYY[-MM[-DD]]`.
    fn date(&mut self) -> Result<(u16, Option<u8>, Option<u8>), RecordsError> {
        let year = self.digits(4, "year")?;
        if year == 0 {
            return Err(date_error("there is no year 0000"));
        }
        let year = u16::try_from(year).map_err(|_| date_error("the year is out of range"))?;
        if self.peek() != Some(b'-') {
            return Ok((year, None, None));
        }
        self.advance(1);
        let month = self.digits(2, "month")?;
        if !(1..=12).contains(&month) {
            return Err(RecordsError::Date(format!("month {month:02} does not exist")));
        }
        let month = u8::try_from(month).map_err(|_| date_error("the month is out of range"))?;
        if self.peek() != Some(b'-') {
            return Ok((year, Some(month), None));
        }
        self.advance(1);
        let day = self.digits(2, "day")?;
        let last = days_in_month(i64::from(year), month);
        if day == 0 || day > u32::from(last) {
            return Err(RecordsError::Date(format!(
                "day {day:02} does not exist in {year:04}-{month:02}, which has {last} days"
            )));
        }
        let day = u8::try_from(day).map_err(|_| date_error("the day is out of range"))?;
        Ok((year, Some(month), Some(day)))
    }

    /// `hh:mm:ss[.f…]`, as seconds since midnight (the fraction is dropped).
    fn time(&mut self) -> Result<i64, RecordsError> {
        let hour = self.digits(2, "hour")?;
        self.expect(b':', "a time is written hh:mm:ss")?;
        let minute = self.digits(2, "minute")?;
        self.expect(b':', "a time is written hh:mm:ss, seconds included")?;
        let second = self.digits(2, "second")?;
        if hour > 23 || minute > 59 || second > 60 {
            return Err(RecordsError::Date(format!(
                "{hour:02}:{minute:02}:{second:02} is not a time of day"
            )));
        }
        if self.peek() == Some(b'.') {
            self.advance(1);
            let start = self.at;
            while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                self.advance(1);
            }
            let fraction_digits = self.at - start;
            if fraction_digits == 0 || fraction_digits > 9 {
                return Err(date_error("a fraction of a second has 1 to 9 digits"));
            }
        }
        Ok(i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
    }

    /// `Z` or `±hh:mm` (−14:00 to +14:00), as seconds east of UTC.
    fn zone(&mut self) -> Result<i64, RecordsError> {
        let sign = match self.peek() {
            Some(b'Z') => {
                self.advance(1);
                return Ok(0);
            }
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return Err(date_error("a time of day needs a time zone (Z or ±hh:mm)")),
        };
        self.advance(1);
        let hours = self.digits(2, "time zone hour")?;
        self.expect(b':', "a time zone is written ±hh:mm")?;
        let minutes = self.digits(2, "time zone minute")?;
        if minutes > 59 || hours > 14 || (hours == 14 && minutes != 0) {
            return Err(date_error("a time zone offset is between -14:00 and +14:00"));
        }
        Ok(sign * (i64::from(hours) * 3600 + i64::from(minutes) * 60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -719_468, -1, 0, 1, 59, 365, 10_957, 19_000, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(days_from_civil(year, month, day), days, "{year}-{month}-{day}");
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }
}
