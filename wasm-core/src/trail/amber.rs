//! Amber rules: accesses unusual for the provider that made them (model in the module docs).

use super::{words, AccessRecord, Context, Hint, HintKind};

const MINUTES_PER_DAY: usize = 24 * 60;
const SECONDS_PER_DAY: i64 = 86_400;
/// The hour model's resolution: accesses are counted in 5-minute bins of the clock.
const BIN_MINUTES: usize = 5;
const BINS: usize = MINUTES_PER_DAY / BIN_MINUTES;

/// Adds the amber hints for one provider's events (sorted by time).
pub(super) fn check(context: &Context<'_>, provider: &str, events: &[&AccessRecord], out: &mut Vec<Hint>) {
    let local: Vec<i64> = events.iter().map(|event| context.params.local(event.accessed_at)).collect();
    let bursts = bursts(context, provider, events, &local, out);
    unusual_hours(context, provider, events, &local, out);
    unusual_days(context, provider, events, &local, &bursts, out);
}

fn hint(kind: HintKind, provider: &str, events: &[&AccessRecord], words: String) -> Hint {
    Hint {
        severity: kind.severity(),
        kind,
        events: events.iter().map(|event| event.index).collect(),
        at: events.first().map_or(0, |event| event.accessed_at),
        provider: provider.to_string(),
        words,
    }
}

/// Finds the bursts (maximal runs of overlapping windows of `burst_window_minutes` holding at
/// least `burst_count` events), adds a hint for each, and returns each event's burst number.
fn bursts(
    context: &Context<'_>,
    provider: &str,
    events: &[&AccessRecord],
    local: &[i64],
    out: &mut Vec<Hint>,
) -> Vec<Option<usize>> {
    let params = context.params;
    let count = params.burst_count.max(2);
    let window = u64::from(params.burst_window_minutes).saturating_mul(60).max(1);
    let mut runs: Vec<(usize, usize)> = Vec::new(); // [first, end) in `events`
    let mut end = 0;
    for first in 0..events.len() {
        let limit = events[first].accessed_at.saturating_add(window);
        end = end.max(first);
        while end < events.len() && events[end].accessed_at < limit {
            end += 1;
        }
        if end - first >= count {
            match runs.last_mut() {
                Some(run) if first < run.1 => run.1 = end,
                _ => runs.push((first, end)),
            }
        }
    }
    let mut member = vec![None; events.len()];
    for (number, &(first, end)) in runs.iter().enumerate() {
        member[first..end].iter_mut().for_each(|slot| *slot = Some(number));
        let run = &events[first..end];
        let seconds = run.last().map_or(0, |last| last.accessed_at) - run[0].accessed_at;
        let minutes = seconds.div_ceil(60).max(1);
        let span = if minutes == 1 { "1 minute".to_string() } else { format!("{minutes} minutes") };
        let words = format!(
            "{} opened your records {} times within {span} on {}, starting at {}; so many in so short a \
             time is unusual.",
            context.who(provider, true),
            run.len(),
            words::date(local[first]),
            words::clock(local[first]),
        );
        out.push(hint(HintKind::Burst, provider, run, words));
    }
    member
}

/// Flags accesses far outside the provider's usual hours (the shortest arc of the clock holding
/// its earlier accesses but a trimmed few).
fn unusual_hours(
    context: &Context<'_>,
    provider: &str,
    events: &[&AccessRecord],
    local: &[i64],
    out: &mut Vec<Hint>,
) {
    let params = context.params;
    let trim = if params.hour_trim.is_nan() { 0.0 } else { params.hour_trim.clamp(0.0, 0.5) };
    let min_history = params.hour_min_history.max(2);
    let margin = usize::try_from(params.hour_margin_minutes).unwrap_or(usize::MAX);
    let mut histogram = vec![0u32; BINS];
    let mut flagged = 0;
    for (seen, (event, &at)) in events.iter().zip(local).enumerate() {
        let bin = minute_of_day(at) / BIN_MINUTES;
        if seen >= min_history {
            // Leave out the trimmed fraction or, if more, the accesses already flagged (up to a
            // tenth): a flagged access does not make its hour usual at once.
            let trimmed = ((trim * seen as f64).floor() as usize).max(flagged.min(seen / 10));
            let kept = seen - trimmed;
            let (start, length) = shortest_arc(&histogram, kept);
            if distance_outside(bin, start, length, BINS).saturating_mul(BIN_MINUTES) > margin
                && any_hour_chance(kept, (BINS - length - 1) * BIN_MINUTES) < params.hour_any_hour_p
            {
                flagged += 1;
                let (from, until) = rounded_hours(start, length);
                let words = format!(
                    "{} opened your records at {} on {}, and they usually do so between {from} and {until}.",
                    context.who(provider, true),
                    words::clock(at),
                    words::date(at),
                );
                out.push(hint(HintKind::UnusualHour, provider, &[*event], words));
            }
        }
        histogram[bin] += 1;
    }
}

/// The chance that `n` accesses at uniformly random hours leave a gap of `off` minutes or more
/// somewhere on the clock: about `n (1 − off/day)^(n−1)` (the union bound over the gaps, which
/// is tight when the chance is small). Small: the provider keeps hours.
fn any_hour_chance(n: usize, off: usize) -> f64 {
    let share = 1.0 - off as f64 / MINUTES_PER_DAY as f64;
    (n as f64 * share.powf(n.saturating_sub(1) as f64)).min(1.0)
}

fn minute_of_day(local: i64) -> usize {
    usize::try_from(local.rem_euclid(SECONDS_PER_DAY) / 60).unwrap_or(0)
}

/// The shortest arc `(first bin, length in bins)` of the circular histogram holding at least
/// `keep` events; its last bin is `first + length` (modulo the histogram's size).
fn shortest_arc(histogram: &[u32], keep: usize) -> (usize, usize) {
    let size = histogram.len();
    let keep = u64::try_from(keep.max(1)).unwrap_or(u64::MAX);
    let mut best = (0, size.saturating_sub(1));
    let mut end = 0; // exclusive, on the doubled circle
    let mut sum = 0u64;
    for start in 0..size {
        if end <= start {
            end = start;
            sum = 0;
        }
        while sum < keep && end < start + size {
            sum += u64::from(histogram[end % size]);
            end += 1;
        }
        if sum >= keep && end - 1 - start < best.1 {
            best = (start, end - 1 - start);
        }
        if end > start {
            sum -= u64::from(histogram[start]);
        }
    }
    best
}

/// How many bins `bin` lies outside the arc (0 inside it), around the clock of `size` bins
/// either way.
fn distance_outside(bin: usize, start: usize, length: usize, size: usize) -> usize {
    let offset = (bin + size - start) % size;
    if offset <= length {
        0
    } else {
        (offset - length).min(size - offset)
    }
}

/// The arc's ends for people: start rounded down and end rounded up to the quarter hour.
fn rounded_hours(start: usize, length: usize) -> (String, String) {
    let from = start * BIN_MINUTES / 15 * 15;
    let until = ((start + length + 1) * BIN_MINUTES).div_ceil(15) * 15;
    let as_minute = |minute: usize| i64::try_from(minute).unwrap_or(0);
    (words::minute_of_day(as_minute(from)), words::minute_of_day(as_minute(until)))
}

/// Flags days with far more accesses than the provider's earlier active days: a Poisson tail
/// below `volume_p` for a mean set to the upper quartile of the earlier days' counts.
fn unusual_days(
    context: &Context<'_>,
    provider: &str,
    events: &[&AccessRecord],
    local: &[i64],
    bursts: &[Option<usize>],
    out: &mut Vec<Hint>,
) {
    let params = context.params;
    let mut history: Vec<u64> = Vec::new(); // sorted
    let mut first = 0;
    while first < events.len() {
        let day = local[first].div_euclid(SECONDS_PER_DAY);
        let mut end = first;
        while end < events.len() && local[end].div_euclid(SECONDS_PER_DAY) == day {
            end += 1;
        }
        // A burst counts as one access: it has its own hint.
        let mut seen_bursts: Vec<usize> = Vec::new();
        let mut count = 0u64;
        for burst in &bursts[first..end] {
            match burst {
                Some(number) if seen_bursts.contains(number) => {}
                Some(number) => {
                    seen_bursts.push(*number);
                    count += 1;
                }
                None => count += 1,
            }
        }
        if history.len() >= params.volume_min_history_days.max(1) {
            let mean = quantile(&history, 0.75).max(1.0);
            if poisson_tail(mean, count) < params.volume_p {
                let usual = quantile(&history, 0.5).round();
                let usual = if usual <= 1.0 { "once".to_string() } else { format!("about {usual} times") };
                let words = format!(
                    "{} opened your records {} times on {}; on a usual day they do so {usual}.",
                    context.who(provider, true),
                    end - first,
                    words::date(local[first]),
                );
                out.push(hint(HintKind::UnusualVolume, provider, &events[first..end], words));
            }
        }
        history.insert(history.partition_point(|&earlier| earlier <= count), count);
        first = end;
    }
}

/// The `q` quantile of sorted counts, interpolated between neighbours (0 for none).
fn quantile(sorted: &[u64], q: f64) -> f64 {
    let Some(last) = sorted.len().checked_sub(1) else { return 0.0 };
    let position = q.clamp(0.0, 1.0) * last as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(last);
    let fraction = position - below as f64;
    sorted[below] as f64 * (1.0 - fraction) + sorted[above] as f64 * fraction
}

/// P(X ≥ x) for X Poisson with mean `mean` (> 0), summed from `x` up, the first term in log
/// space. Only a count above the mean can be unusual: at or below it the answer is 1.
fn poisson_tail(mean: f64, x: u64) -> f64 {
    if x as f64 <= mean || mean.is_nan() {
        return 1.0;
    }
    let ln_factorial: f64 = (2..=x).map(|k| (k as f64).ln()).sum();
    let mut term = (-mean + x as f64 * mean.ln() - ln_factorial).exp();
    let mut sum = 0.0;
    let mut k = x;
    while term > sum * 1e-17 && k < x + 100_000 {
        sum += term;
        k += 1;
        term *= mean / k as f64;
    }
    sum.min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortest_arc_wraps_around_midnight() {
        let hour = 60 / BIN_MINUTES;
        let mut histogram = vec![0u32; BINS];
        for bin in [22 * hour, 23 * hour + hour / 2, hour, 5 * hour] {
            histogram[bin] += 1;
        }
        assert_eq!(shortest_arc(&histogram, 4), (22 * hour, 7 * hour));
        // Dropping one: the three closest together.
        assert_eq!(shortest_arc(&histogram, 3), (22 * hour, 3 * hour));
        assert_eq!(distance_outside(12 * hour, 22 * hour, 7 * hour, BINS), 7 * hour);
        assert_eq!(distance_outside(21 * hour, 22 * hour, 7 * hour, BINS), hour);
        assert_eq!(distance_outside(3 * hour, 22 * hour, 7 * hour, BINS), 0);
        // 09:00 to 16:55–16:59.
        assert_eq!(rounded_hours(9 * hour, 8 * hour - 1), ("09:00".to_string(), "17:00".to_string()));
        assert_eq!(rounded_hours(9 * hour + 1, 8 * hour - 2), ("09:00".to_string(), "17:00".to_string()));
        // 30 accesses within 8 hours: no chance they came at any hour; 10 within 16 hours: likely.
        assert!(any_hour_chance(30, 16 * 60) < 1e-4);
        assert!(any_hour_chance(10, 8 * 60) > 0.1);
    }

    #[test]
    fn quantiles_and_poisson_tails() {
        assert_eq!(quantile(&[1, 2, 3, 4, 5], 0.75), 4.0);
        assert_eq!(quantile(&[1, 2, 3, 4], 0.5), 2.5);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(poisson_tail(3.0, 0), 1.0);
        assert_eq!(poisson_tail(1_000.0, 1), 1.0);
        // P(X ≥ 4) = 1 − P(X ≤ 3) for mean 3; P(X ≥ 10) for mean 3 is 0.0011025 (tables).
        let at_most_3: f64 = (-3.0f64).exp() * (1.0 + 3.0 + 9.0 / 2.0 + 27.0 / 6.0);
        assert!((poisson_tail(3.0, 4) - (1.0 - at_most_3)).abs() < 1e-12);
        assert!((poisson_tail(3.0, 10) - 0.001_102_5).abs() < 1e-6);
        assert!(poisson_tail(1.0, 5_000) < 1e-300);
    }
}
