//! Synthetic access trails with planted, labelled anomalies, and scoring hints against them: for
//! tests, for measuring precision and recall, and for a demonstration trail.
//!
//! [`generate`] is deterministic for a given random number generator state (pass a seeded one,
//! e.g. `ChaCha8Rng::seed_from_u64(seed)`); like everything in this crate it draws no randomness
//! of its own. A trail covers [`SyntheticConfig::days`] days from Monday 6 January 2025 (the
//! patient's local time) and has [`SyntheticConfig::providers`] providers, each with:
//! - its own hours: a day shift (starting 06:00–11:00, 6–10 hours long), a night shift (starting
//!   18:00–22:00, 6–9 hours, across midnight) or round the clock; the first two providers always
//!   work day shifts;
//! - weekdays only (60%) or every day;
//! - a mean daily volume between 1 and 12 accesses (2 to 12 for the first two), each day's
//!   Poisson mean varied by ±30%; 2% of a shift provider's accesses fall up to an hour before or
//!   after its shift (normal, not to be flagged);
//! - a grant valid for the whole trail with 2–4 scopes; each access uses one or two of them.
//!
//! Three more grants test the windows' edges: one revoked part-way through, one that expires
//! part-way through and one that starts part-way through, each used normally only while valid.
//!
//! With [`SyntheticConfig::plant_anomalies`], it plants and labels ([`Planted`]), in this order:
//! one access after the revocation, one after the expiry, one before the start, one with a scope
//! not granted, one by another provider (half the time a stranger, half the time another of the
//! patient's providers), then two accesses at unusual hours (in the middle of the provider's off
//! hours, on a day in the second half of the trail), one day with `20 + 3 × mean` extra accesses
//! spread over the provider's hours (second half of the trail), and one burst (12–30 accesses
//! within 1–8 minutes, from the second week on). The amber anomalies are planted only on
//! providers with a mean of at least 2 accesses a day (the unusual hours only on shift workers),
//! so that each has the history the model needs; no two anomalies share a provider's day.

use std::collections::BTreeSet;

use rand_core::Rng;

use super::{AccessRecord, GrantTerms, Hint, HintKind, HintParams};

/// Monday 6 January 2025, 00:00 in the patient's local time (seconds since local 1970-01-01).
const LOCAL_EPOCH: i64 = 1_736_121_600;
const DAY: i64 = 86_400;
const MINUTES_PER_DAY: i64 = 24 * 60;

const SCOPES: [&str; 7] = [
    "patient/Observation.rs?category=laboratory",
    "patient/Observation.rs?category=vital-signs",
    "patient/Condition.rs",
    "patient/MedicationStatement.rs",
    "patient/AllergyIntolerance.rs",
    "patient/Immunization.rs",
    "patient/DocumentReference.rs",
];

const NAMES: [&str; 8] = [
    "Dr Rossi",
    "Dr Okafor",
    "Riverside Lab",
    "Dr Lindqvist",
    "Northside Pharmacy",
    "Dr Nakamura",
    "City Hospital",
    "Dr Haddad",
];

/// What trail to make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntheticConfig {
    /// Days covered (at least 14). Default 60.
    pub days: u32,
    /// Providers (2 to 8). Default 5.
    pub providers: usize,
    /// The patient's offset from UTC in minutes. Default 0.
    pub utc_offset_minutes: i32,
    /// Whether to plant anomalies; without them, the trail should raise no hint. Default true.
    pub plant_anomalies: bool,
    /// Whether the amber anomalies are subtle, near the edge of what the model can tell: unusual
    /// hours 2½ to 4 hours before or after the shift, unusual days with `6 + 2 × mean` extra
    /// accesses, bursts of 10 to 14 accesses within 6 to 10 minutes. Default false.
    pub subtle: bool,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        SyntheticConfig {
            days: 60,
            providers: 5,
            utc_offset_minutes: 0,
            plant_anomalies: true,
            subtle: false,
        }
    }
}

/// A planted anomaly: the hint it should raise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planted {
    /// The kind of hint it should raise.
    pub kind: HintKind,
    /// The provider id (hex) that made the access events.
    pub provider: String,
    /// The log indices of its access events (for an unusual day: all of that provider's events of
    /// that day).
    pub events: Vec<u64>,
}

/// A synthetic trail and its ground truth.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticTrail {
    /// The patient's grants.
    pub grants: Vec<GrantTerms>,
    /// The access events, in log order.
    pub events: Vec<AccessRecord>,
    /// The planted anomalies.
    pub planted: Vec<Planted>,
    /// The patient's offset from UTC (minutes) the trail was made for.
    pub utc_offset_minutes: i32,
}

impl SyntheticTrail {
    /// The default parameters with this trail's UTC offset.
    pub fn params(&self) -> HintParams {
        HintParams { utc_offset_minutes: self.utc_offset_minutes, ..HintParams::default() }
    }
}

/// How well the hints of one kind match the planted anomalies of that kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KindScore {
    /// The kind.
    pub kind: HintKind,
    /// Anomalies planted.
    pub planted: usize,
    /// Planted anomalies that a hint of this kind found (recall's numerator).
    pub found: usize,
    /// Hints raised.
    pub hints: usize,
    /// Hints that match a planted anomaly (precision's numerator).
    pub true_hints: usize,
}

impl KindScore {
    /// The fraction of hints that match a planted anomaly (1 when there are no hints).
    pub fn precision(&self) -> f64 {
        if self.hints == 0 {
            1.0
        } else {
            self.true_hints as f64 / self.hints as f64
        }
    }

    /// The fraction of planted anomalies found (1 when none were planted).
    pub fn recall(&self) -> f64 {
        if self.planted == 0 {
            1.0
        } else {
            self.found as f64 / self.planted as f64
        }
    }

    /// Adds another trail's counts for the same kind.
    pub fn add(&mut self, other: &KindScore) {
        self.planted += other.planted;
        self.found += other.found;
        self.hints += other.hints;
        self.true_hints += other.true_hints;
    }
}

/// Scores hints against the planted anomalies, one [`KindScore`] per kind in [`HintKind::ALL`]
/// order. A hint matches an anomaly of its kind when it is about the same provider and shares
/// at least one access event with it.
pub fn score(planted: &[Planted], hints: &[Hint]) -> Vec<KindScore> {
    let matches = |hint: &Hint, anomaly: &Planted| {
        hint.kind == anomaly.kind
            && hint.provider == anomaly.provider
            && hint.events.iter().any(|index| anomaly.events.contains(index))
    };
    HintKind::ALL
        .iter()
        .map(|&kind| {
            let anomalies: Vec<&Planted> = planted.iter().filter(|anomaly| anomaly.kind == kind).collect();
            let raised: Vec<&Hint> = hints.iter().filter(|hint| hint.kind == kind).collect();
            KindScore {
                kind,
                planted: anomalies.len(),
                found: anomalies
                    .iter()
                    .filter(|anomaly| raised.iter().any(|hint| matches(hint, anomaly)))
                    .count(),
                hints: raised.len(),
                true_hints: raised
                    .iter()
                    .filter(|hint| anomalies.iter().any(|anomaly| matches(hint, anomaly)))
                    .count(),
            }
        })
        .collect()
}

/// The scores as a Markdown table (kind, planted, hints, precision, recall).
pub fn table(scores: &[KindScore]) -> String {
    let mut text =
        String::from("| kind | planted | hints | precision | recall |\n|---|---:|---:|---:|---:|\n");
    for score in scores {
        text.push_str(&format!(
            "| {} | {} | {} | {:.3} | {:.3} |\n",
            score.kind.label(),
            score.planted,
            score.hints,
            score.precision(),
            score.recall()
        ));
    }
    text
}

/// Makes a synthetic trail (see the module docs), deterministic for the state of `rng`.
pub fn generate<R: Rng + ?Sized>(rng: &mut R, config: &SyntheticConfig) -> SyntheticTrail {
    let mut maker = Maker {
        rng,
        offset: i64::from(config.utc_offset_minutes),
        days: i64::from(config.days.max(14)),
        providers: Vec::new(),
        grants: Vec::new(),
        side: Vec::new(),
        drafts: Vec::new(),
        labels: Vec::new(),
        used_days: BTreeSet::new(),
        subtle: config.subtle,
    };
    for number in 0..config.providers.clamp(2, NAMES.len()) {
        maker.add_provider(number);
    }
    maker.add_side_grants();
    maker.normal_events();
    if config.plant_anomalies {
        maker.plant();
    }
    maker.finish(config.utc_offset_minutes)
}

/// A provider's habits.
struct Provider {
    id: String,
    /// First minute of its shift (local).
    shift_start: i64,
    /// Length of its shift in minutes; a whole day for round the clock.
    shift_length: i64,
    weekdays_only: bool,
    /// Mean accesses a working day.
    rate: f64,
    /// Its grant valid for the whole trail.
    main_grant: usize,
}

impl Provider {
    fn round_the_clock(&self) -> bool {
        self.shift_length >= MINUTES_PER_DAY
    }
}

/// A grant that is valid for part of the trail, and whose provider uses it only then.
struct SideGrant {
    grant: usize,
    provider: usize,
}

/// An access event before it has a log index.
struct Draft {
    local: i64,
    provider: String,
    grant: usize,
    scopes: Vec<String>,
    label: Option<usize>,
}

/// A planted anomaly before its events have log indices.
struct Label {
    kind: HintKind,
    provider: String,
    /// For an unusual day: the local day whose events are all labelled.
    day: Option<i64>,
}

struct Maker<'r, R: Rng + ?Sized> {
    rng: &'r mut R,
    offset: i64,
    days: i64,
    providers: Vec<Provider>,
    grants: Vec<GrantTerms>,
    side: Vec<SideGrant>,
    drafts: Vec<Draft>,
    labels: Vec<Label>,
    /// (provider, day) pairs that already hold a planted anomaly.
    used_days: BTreeSet<(usize, i64)>,
    subtle: bool,
}

impl<R: Rng + ?Sized> Maker<'_, R> {
    /// A uniform number in `0..n` (0 for n ≤ 1).
    fn below(&mut self, n: i64) -> i64 {
        match u64::try_from(n) {
            Ok(n) if n > 1 => i64::try_from(self.rng.next_u64() % n).unwrap_or(0),
            _ => 0,
        }
    }

    /// A uniform number in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.unit() < probability
    }

    /// A Poisson draw (Knuth's method; the means here are small).
    fn poisson(&mut self, mean: f64) -> i64 {
        let limit = (-mean).exp();
        let mut product = self.unit();
        let mut count = 0;
        while product > limit && count < 1000 {
            product *= self.unit();
            count += 1;
        }
        count
    }

    fn hex(&mut self, bytes: usize) -> String {
        let mut buffer = vec![0u8; bytes];
        self.rng.fill_bytes(&mut buffer);
        hex::encode(buffer)
    }

    /// `count` distinct items of `from` (all of them if fewer), in `from`'s order.
    fn pick(&mut self, from: &[String], count: usize) -> Vec<String> {
        let mut chosen: Vec<usize> = Vec::new();
        while chosen.len() < count.min(from.len()) {
            let candidate = usize::try_from(self.below(i64::try_from(from.len()).unwrap_or(1))).unwrap_or(0);
            if !chosen.contains(&candidate) {
                chosen.push(candidate);
            }
        }
        chosen.sort_unstable();
        chosen.into_iter().filter_map(|index| from.get(index).cloned()).collect()
    }

    /// One or two of a grant's scopes.
    fn used_scopes(&mut self, grant: usize) -> Vec<String> {
        let count = 1 + usize::from(self.chance(0.3));
        let scopes = self.grants[grant].scopes.clone();
        self.pick(&scopes, count)
    }

    fn utc(&self, local: i64) -> u64 {
        u64::try_from(local - self.offset * 60).unwrap_or(0)
    }

    fn day_start(day: i64) -> i64 {
        LOCAL_EPOCH + day * DAY
    }

    fn is_weekend(day: i64) -> bool {
        day.rem_euclid(7) >= 5
    }

    fn add_provider(&mut self, number: usize) {
        let shape = if number < 2 { 0.0 } else { self.unit() };
        let (shift_start, shift_length) = if shape < 0.6 {
            (6 * 60 + 30 * self.below(11), 6 * 60 + 30 * self.below(9))
        } else if shape < 0.85 {
            (18 * 60 + 30 * self.below(9), 6 * 60 + 30 * self.below(7))
        } else {
            (0, MINUTES_PER_DAY)
        };
        let weekdays_only = self.chance(0.6);
        let rate = if number < 2 { 2.0 + 10.0 * self.unit() } else { 1.0 + 11.0 * self.unit() };
        let id = self.hex(16);
        let all: Vec<String> = SCOPES.iter().map(|scope| scope.to_string()).collect();
        let count = 2 + usize::try_from(self.below(3)).unwrap_or(0);
        let scopes = self.pick(&all, count);
        let grant = GrantTerms {
            grant: self.hex(32),
            provider: id.clone(),
            provider_name: Some(NAMES[number].to_string()),
            scopes,
            not_before: self.utc(LOCAL_EPOCH - 30 * DAY),
            expires_at: self.utc(Self::day_start(self.days + 30)),
            revoked_at: None,
        };
        self.grants.push(grant);
        self.providers.push(Provider {
            id,
            shift_start,
            shift_length,
            weekdays_only,
            rate,
            main_grant: self.grants.len() - 1,
        });
    }

    fn random_provider(&mut self) -> usize {
        usize::try_from(self.below(i64::try_from(self.providers.len()).unwrap_or(1))).unwrap_or(0)
    }

    /// A grant revoked part-way, one that expires part-way and one that starts part-way, each for
    /// a random provider: in this order in `side`.
    fn add_side_grants(&mut self) {
        let days = self.days;
        for part in 0..3 {
            let provider = self.random_provider();
            let mut grant = self.grants[self.providers[provider].main_grant].clone();
            grant.grant = self.hex(32);
            match part {
                0 => {
                    let day = days / 3 + self.below(days / 2 - days / 3 + 1);
                    let minute = self.below(MINUTES_PER_DAY - 60);
                    grant.revoked_at = Some(self.utc(Self::day_start(day) + minute * 60));
                }
                1 => {
                    let day = days / 3 + self.below(days / 2 - days / 3 + 1);
                    let second = self.below(DAY);
                    grant.expires_at = self.utc(Self::day_start(day) + second);
                }
                _ => {
                    let day = days / 2 + self.below(2 * days / 3 - days / 2 + 1);
                    let second = self.below(DAY);
                    grant.not_before = self.utc(Self::day_start(day) + second);
                }
            }
            self.grants.push(grant);
            self.side.push(SideGrant { grant: self.grants.len() - 1, provider });
        }
    }

    /// A local time in the provider's usual hours: on `day` if it works round the clock or if
    /// `same_day`, otherwise in the shift that starts on `day` (which may end the next day).
    fn usual_time(&mut self, provider: usize, day: i64, same_day: bool) -> i64 {
        let (start, length) = (self.providers[provider].shift_start, self.providers[provider].shift_length);
        let mut minute = start + self.below(length);
        if same_day {
            minute = minute.rem_euclid(MINUTES_PER_DAY);
        }
        Self::day_start(day) + minute * 60 + self.below(60)
    }

    /// The provider's grants usable at `utc`: its main grant and its side grants then valid.
    fn usable_grants(&self, provider: usize, utc: u64) -> Vec<usize> {
        let mut usable = vec![self.providers[provider].main_grant];
        for side in self.side.iter().filter(|side| side.provider == provider) {
            let grant = &self.grants[side.grant];
            let revoked = grant.revoked_at.is_some_and(|revoked_at| utc >= revoked_at);
            if !revoked && utc >= grant.not_before && utc < grant.expires_at {
                usable.push(side.grant);
            }
        }
        usable
    }

    fn normal_events(&mut self) {
        for provider in 0..self.providers.len() {
            for day in 0..self.days {
                if self.providers[provider].weekdays_only && Self::is_weekend(day) {
                    continue;
                }
                let mean = self.providers[provider].rate * (0.7 + 0.6 * self.unit());
                for _ in 0..self.poisson(mean) {
                    let mut local = self.usual_time(provider, day, false);
                    if !self.providers[provider].round_the_clock() && self.chance(0.02) {
                        let (start, length) =
                            (self.providers[provider].shift_start, self.providers[provider].shift_length);
                        let minute = if self.chance(0.5) {
                            start - 1 - self.below(60)
                        } else {
                            start + length + self.below(60)
                        };
                        local = Self::day_start(day) + minute * 60 + self.below(60);
                    }
                    let usable = self.usable_grants(provider, self.utc(local));
                    let grant = usable[usize::try_from(self.below(usable.len() as i64)).unwrap_or(0)];
                    self.push(local, provider, grant, None);
                }
            }
        }
    }

    fn push(&mut self, local: i64, provider: usize, grant: usize, label: Option<usize>) {
        let scopes = self.used_scopes(grant);
        let provider = self.providers[provider].id.clone();
        self.drafts.push(Draft { local, provider, grant, scopes, label });
    }

    fn label(&mut self, kind: HintKind, provider: String, day: Option<i64>) -> usize {
        self.labels.push(Label { kind, provider, day });
        self.labels.len() - 1
    }

    /// A working day of the provider in `first..=last` without a planted anomaly yet, marked used.
    fn free_day(&mut self, provider: usize, first: i64, last: i64) -> Option<i64> {
        let (first, last) = (first.max(0), last.min(self.days - 1));
        if last < first {
            return None;
        }
        for _ in 0..200 {
            let day = first + self.below(last - first + 1);
            let off = self.providers[provider].weekdays_only && Self::is_weekend(day);
            if !off && self.used_days.insert((provider, day)) {
                return Some(day);
            }
        }
        None
    }

    /// One access at usual hours on a free day in `first..=last`, with `grant`, labelled `kind`.
    fn plant_one(&mut self, kind: HintKind, provider: usize, grant: usize, first: i64, last: i64) {
        if let Some(day) = self.free_day(provider, first, last) {
            let local = self.usual_time(provider, day, true);
            let id = self.providers[provider].id.clone();
            let label = self.label(kind, id, None);
            self.push(local, provider, grant, Some(label));
        }
    }

    /// A provider for an amber anomaly: a mean of at least 2 a day (and a shift, if `shift`).
    fn amber_provider(&mut self, shift: bool) -> usize {
        let eligible: Vec<usize> = (0..self.providers.len())
            .filter(|&p| self.providers[p].rate >= 2.0 && !(shift && self.providers[p].round_the_clock()))
            .collect();
        // Providers 0 and 1 always qualify.
        eligible[usize::try_from(self.below(eligible.len() as i64)).unwrap_or(0)]
    }

    fn plant(&mut self) {
        let days = self.days;
        // Red: one each.
        let revoked = &self.side[0];
        let (grant, provider) = (revoked.grant, revoked.provider);
        let day = self.local_day(self.grants[grant].revoked_at.unwrap_or(0));
        self.plant_one(HintKind::AfterRevocation, provider, grant, day + 1, day + 10);

        let expired = &self.side[1];
        let (grant, provider) = (expired.grant, expired.provider);
        let day = self.local_day(self.grants[grant].expires_at);
        self.plant_one(HintKind::AfterExpiry, provider, grant, day + 1, day + 10);

        let future = &self.side[2];
        let (grant, provider) = (future.grant, future.provider);
        let day = self.local_day(self.grants[grant].not_before);
        self.plant_one(HintKind::BeforeStart, provider, grant, day - 10, day - 1);

        let provider = self.random_provider();
        let main = self.providers[provider].main_grant;
        if let Some(day) = self.free_day(provider, 3, days - 1) {
            let local = self.usual_time(provider, day, true);
            let granted = self.grants[main].scopes.clone();
            let others: Vec<String> = SCOPES
                .iter()
                .map(|scope| scope.to_string())
                .filter(|scope| !granted.contains(scope))
                .collect();
            let mut scopes = self.pick(&others, 1);
            if self.chance(0.5) {
                scopes.extend(self.pick(&granted, 1));
            }
            let id = self.providers[provider].id.clone();
            let label = self.label(HintKind::ScopeNotGranted, id.clone(), None);
            self.drafts.push(Draft { local, provider: id, grant: main, scopes, label: Some(label) });
        }

        let target = self.random_provider();
        let main = self.providers[target].main_grant;
        let other = (target + 1 + self.random_provider() % (self.providers.len() - 1)) % self.providers.len();
        if self.chance(0.5) {
            let local = Self::day_start(3 + self.below(days - 3)) + self.below(DAY);
            let stranger = self.hex(16);
            let label = self.label(HintKind::WrongProvider, stranger.clone(), None);
            let scopes = self.used_scopes(main);
            self.drafts.push(Draft { local, provider: stranger, grant: main, scopes, label: Some(label) });
        } else {
            self.plant_one(HintKind::WrongProvider, other, main, 3, days - 1);
        }

        // Amber: two unusual hours, one unusual day, one burst.
        for _ in 0..2 {
            let provider = self.amber_provider(true);
            if let Some(day) = self.free_day(provider, days / 2, days - 1) {
                let (start, length) =
                    (self.providers[provider].shift_start, self.providers[provider].shift_length);
                let off = MINUTES_PER_DAY - length;
                let minute = if self.subtle {
                    let outside = 150 + self.below(91);
                    if self.chance(0.5) {
                        start - outside
                    } else {
                        start + length + outside
                    }
                } else {
                    start + length + off / 4 + self.below(off / 2 + 1)
                }
                .rem_euclid(MINUTES_PER_DAY);
                let local = Self::day_start(day) + minute * 60 + self.below(60);
                let id = self.providers[provider].id.clone();
                let label = self.label(HintKind::UnusualHour, id, None);
                let main = self.providers[provider].main_grant;
                self.push(local, provider, main, Some(label));
            }
        }

        let provider = self.amber_provider(false);
        if let Some(day) = self.free_day(provider, days / 2, days - 1) {
            let rate = self.providers[provider].rate;
            let extra = if self.subtle { 6.0 + 2.0 * rate } else { 20.0 + 3.0 * rate }.round() as i64;
            let main = self.providers[provider].main_grant;
            for _ in 0..extra {
                let local = self.usual_time(provider, day, true);
                self.push(local, provider, main, None);
            }
            let id = self.providers[provider].id.clone();
            self.label(HintKind::UnusualVolume, id, Some(day));
        }

        let provider = self.amber_provider(false);
        if let Some(day) = self.free_day(provider, 7, days - 1) {
            let start = self.usual_time(provider, day, true);
            let (count, span) = if self.subtle {
                (10 + self.below(5), 360 + self.below(240))
            } else {
                (12 + self.below(19), 60 + self.below(421))
            };
            let id = self.providers[provider].id.clone();
            let label = self.label(HintKind::Burst, id, None);
            let main = self.providers[provider].main_grant;
            for _ in 0..count {
                let local = start + self.below(span + 1);
                self.push(local, provider, main, Some(label));
            }
        }
    }

    fn local_day(&self, utc: u64) -> i64 {
        let local = i64::try_from(utc).unwrap_or(i64::MAX) + self.offset * 60;
        (local - LOCAL_EPOCH).div_euclid(DAY)
    }

    /// Log indices in time order (with gaps: other patients' entries), then the ground truth.
    fn finish(mut self, utc_offset_minutes: i32) -> SyntheticTrail {
        let mut drafts = std::mem::take(&mut self.drafts);
        drafts.sort_by_key(|draft| draft.local);
        let mut index = 1_000 + u64::try_from(self.below(1_000)).unwrap_or(0);
        let mut events = Vec::with_capacity(drafts.len());
        for draft in &drafts {
            index += 1 + u64::try_from(self.below(40)).unwrap_or(0);
            events.push(AccessRecord {
                index,
                grant: self.grants[draft.grant].grant.clone(),
                provider: draft.provider.clone(),
                scopes: draft.scopes.clone(),
                accessed_at: self.utc(draft.local),
            });
        }
        let planted = self
            .labels
            .iter()
            .enumerate()
            .map(|(number, label)| Planted {
                kind: label.kind,
                provider: label.provider.clone(),
                events: drafts
                    .iter()
                    .zip(&events)
                    .filter(|(draft, _)| match label.day {
                        Some(day) => {
                            draft.provider == label.provider
                                && (draft.local - LOCAL_EPOCH).div_euclid(DAY) == day
                        }
                        None => draft.label == Some(number),
                    })
                    .map(|(_, event)| event.index)
                    .collect(),
            })
            .collect();
        SyntheticTrail { grants: self.grants, events, planted, utc_offset_minutes }
    }
}
