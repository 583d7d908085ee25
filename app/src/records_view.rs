//! The records page's content, rendered in the vault worker from the opened records: a summary,
//! one SVG chart per measured quantity (drawn with `plotters`), and the timeline. The page only
//! places the HTML, so none of this code is on its first load.
//!
//! Every text from a record is escaped here ([`escape`]); the charts carry no text at all (their
//! labels are HTML around them), so nothing a bundle says can become markup. The CSP forbids
//! inline script in any case.

use plotters::prelude::*;
use wasm_core::records::{RecordSet, Series, TimelineKind};
use wasm_core::risk::FeatureReport;

/// Chart size in SVG user units (the page scales it to the column).
const CHART_SIZE: (u32, u32) = (640, 200);
/// Most timeline events shown (newest first); the rest are counted.
const MAX_TIMELINE: usize = 200;

/// Text safe to place in HTML content or a quoted attribute.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// The whole records view as HTML.
pub fn render(records: &RecordSet) -> String {
    let mut html = String::new();
    html.push_str(&summary(records));
    let series = records.series();
    if !series.is_empty() {
        html.push_str("<h2>Measurements over time</h2>");
        for one in &series {
            html.push_str(&chart(one));
        }
    }
    html.push_str(&timeline(records));
    html
}

fn summary(records: &RecordSet) -> String {
    let mut text = format!(
        "{} observations, {} conditions, {} medications.",
        records.observations.len(),
        records.conditions.len(),
        records.medications.len()
    );
    if let Some(patient) = &records.patient {
        text.push_str(&format!(" Born {}", patient.birth_date.as_str()));
        if let Some(gender) = patient.gender {
            text.push_str(&format!(", gender {}", gender.code()));
        }
        text.push('.');
    }
    if !records.skipped.is_empty() {
        let skipped: Vec<String> =
            records.skipped.iter().map(|(kind, count)| format!("{count} {kind}")).collect();
        text.push_str(&format!(" Not shown (other kinds of record): {}.", skipped.join(", ")));
    }
    format!("<p data-testid=\"records-summary\">{}</p>", escape(&text))
}

/// One series: a caption with its label, unit and range in HTML, and the line as SVG.
fn chart(series: &Series) -> String {
    let unit = series.unit.as_deref().unwrap_or("mixed or no units");
    let (low, high) = value_range(series);
    let (first, last) = match (series.points.first(), series.points.last()) {
        (Some(first), Some(last)) => (first.effective.as_str(), last.effective.as_str()),
        _ => ("", ""),
    };
    let latest = series.points.last().map(|point| number(point.value)).unwrap_or_default();
    let caption = format!(
        "{} ({unit}): latest {latest}; {} values from {first} to {last}, between {} and {}",
        series.label,
        series.points.len(),
        number(low),
        number(high)
    );
    let svg = line_svg(series, (low, high)).unwrap_or_default();
    format!(
        "<figure class=\"chart\" data-testid=\"chart\"><figcaption>{}</figcaption><div role=\"img\" aria-label=\"{}\">{svg}</div></figure>",
        escape(&caption),
        escape(&format!("Chart of {}", series.label))
    )
}

/// A number as people read it: up to two decimals, no trailing zeros.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The smallest and largest value of a series.
fn value_range(series: &Series) -> (f64, f64) {
    let values = series.points.iter().map(|point| point.value);
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)))
}

/// The series as a line with points, on light horizontal guides at its minimum, middle and
/// maximum (`low`, `high`: [`value_range`]). Drawn without text, so it needs no font.
fn line_svg(series: &Series, (low, high): (f64, f64)) -> Result<String, String> {
    let points: Vec<(f64, f64)> =
        series.points.iter().map(|point| (point.time as f64, point.value)).collect();
    let (Some(&(x_first, _)), Some(&(x_last, _))) = (points.first(), points.last()) else {
        return Ok(String::new());
    };
    // A flat or single-point series still gets a visible range.
    let pad_y = if high > low { (high - low) * 0.1 } else { low.abs().max(1.0) * 0.1 };
    let pad_x = if x_last > x_first { (x_last - x_first) * 0.03 } else { 86_400.0 };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, CHART_SIZE).into_drawing_area();
        let fail = |error: &dyn std::fmt::Display| error.to_string();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let mut chart = ChartBuilder::on(&root)
            .margin(12)
            .build_cartesian_2d(x_first - pad_x..x_last + pad_x, low - pad_y..high + pad_y)
            .map_err(|e| fail(&e))?;
        let guide = RGBColor(200, 200, 200);
        for level in [low, (low + high) / 2.0, high] {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(x_first - pad_x, level), (x_last + pad_x, level)],
                    guide,
                )))
                .map_err(|e| fail(&e))?;
        }
        let line = RGBColor(11, 87, 164);
        chart
            .draw_series(LineSeries::new(points.iter().copied(), line.stroke_width(2)))
            .map_err(|e| fail(&e))?;
        chart
            .draw_series(points.iter().map(|&point| Circle::new(point, 3, line.filled())))
            .map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(svg)
}

fn timeline(records: &RecordSet) -> String {
    let events = records.timeline();
    if events.is_empty() {
        return "<p>No dated records.</p>".to_owned();
    }
    let mut html = String::from("<h2>Timeline</h2><ol class=\"timeline\" data-testid=\"timeline\">");
    for event in events.iter().rev().take(MAX_TIMELINE) {
        let what = match event.kind {
            TimelineKind::Observation => "Measured",
            TimelineKind::ConditionOnset => "Condition began",
            TimelineKind::ConditionAbatement => "Condition ended",
            TimelineKind::MedicationStart => "Medication started",
            TimelineKind::MedicationEnd => "Medication stopped",
        };
        let value = match event.kind {
            TimelineKind::Observation => records
                .observations
                .get(event.index)
                .and_then(|observation| observation.value.as_ref())
                .and_then(|value| value.numeric())
                .map(|(number_value, unit)| {
                    format!(": {} {}", number(number_value), unit.unwrap_or_default())
                })
                .unwrap_or_default(),
            _ => String::new(),
        };
        html.push_str(&format!(
            "<li><time>{}</time> {} — {}{}</li>",
            escape(&event.date),
            what,
            escape(&event.label),
            escape(value.trim_end())
        ));
    }
    html.push_str("</ol>");
    if events.len() > MAX_TIMELINE {
        html.push_str(&format!("<p>And {} older events.</p>", events.len() - MAX_TIMELINE));
    }
    html
}

/// The risk hint's section: `result` (a `RiskResult` as JSON, from the risk module) for the
/// `report`'s features, or why none can be computed when `result` is `None`.
pub fn risk_html(report: &FeatureReport, result: Option<&serde_json::Value>) -> String {
    let mut html = String::from("<h2>Risk hint: type 2 diabetes</h2>");
    let Some(result) = result else {
        let reasons: Vec<String> = report.reasons().iter().map(|reason| escape(reason)).collect();
        html.push_str(&format!(
            "<p class=\"notice\" data-testid=\"risk-missing\">No hint: {}. Nothing is guessed in its place.</p>",
            reasons.join("; ")
        ));
        return html;
    };
    let probability = result["probability"].as_f64().unwrap_or(f64::NAN);
    let percent = (probability * 100.0).round();
    html.push_str(&format!(
        "<p data-testid=\"risk-probability\" data-probability=\"{probability}\"><strong>{percent}%</strong> chance of diabetes by this model.</p><meter min=\"0\" max=\"1\" value=\"{probability}\" aria-label=\"Risk hint: {percent} percent\"></meter>"
    ));
    html.push_str("<p>What moved it most (compared with the average person it was trained on):</p><ul>");
    if let Some(contributions) = result["explanation"]["contributions"].as_array() {
        for contribution in contributions.iter().take(3) {
            let log_odds = contribution["log_odds"].as_f64().unwrap_or_default();
            let direction = if log_odds >= 0.0 { "raised" } else { "lowered" };
            html.push_str(&format!(
                "<li>{} {} ({direction} it, {:+.2} log-odds)</li>",
                escape(contribution["name"].as_str().unwrap_or_default()),
                number(contribution["value"].as_f64().unwrap_or_default()),
                log_odds
            ));
        }
    }
    html.push_str("</ul>");
    let text = |key: &str| escape(result[key].as_str().unwrap_or_default());
    html.push_str(&format!(
        "<p>{}</p><p data-testid=\"risk-local\">Computed on this device: no record left it.</p><p data-testid=\"risk-model\">Model {} (SHA-256 {}) matches the hash built into this app.</p>",
        text("caveat"),
        text("model_version"),
        text("model_sha256")
    ));
    html
}

/// The risk hint's ledger line: the model's release `on_ledger` at (index, checkpoint size), or
/// why it is not verified there (an amber notice).
pub fn model_ledger_html(on_ledger: Result<(u64, u64), String>) -> String {
    match on_ledger {
        Ok((index, size)) => format!(
            "<p class=\"verified\" data-testid=\"risk-ledger\" data-index=\"{index}\">Model verified on the ledger at index {index} (checkpoint size {size}): its publisher's release of this model is in the log this wallet verified.</p>"
        ),
        Err(reason) => format!(
            "<p class=\"notice\" data-testid=\"risk-ledger\">Model not verified on the ledger: {}. Its hash matches this app's, but its release is not proven on the log; the hint may still be used with care.</p>",
            escape(&reason)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<img src=x onerror="a">&'"#),
            "&lt;img src=x onerror=&quot;a&quot;&gt;&amp;&#39;"
        );
    }
}
