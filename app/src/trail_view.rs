//! The Activity page's content, rendered in the vault worker from a verified trail report
//! (`wasm_core::trail::report`): the hints, filters, the accesses newest first and the export
//! buttons. The page only places the HTML and passes on changes of the filters and clicks on the
//! buttons, so none of this is on its first load. Every text is escaped ([`escape`]).

use wasm_core::trail::report::{EventReport, GrantReport, TrailReport};
use wasm_core::trail::{local_when, scopes_in_words, Severity};

use crate::records_view::escape;

/// Which accesses to show: a provider id and a grant id (empty: all), and whether only flagged
/// ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrailFilter {
    /// Only this provider's accesses (its provider id), if not empty.
    pub provider: String,
    /// Only this grant's accesses (its id), if not empty.
    pub grant: String,
    /// Only accesses a hint is about.
    pub flagged_only: bool,
}

/// A provider id as the page shows it: its first 8 hex digits.
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// The whole view.
pub fn render(report: &TrailReport, filter: &TrailFilter, utc_offset_minutes: i32) -> String {
    let mut html =
        String::from("<section aria-labelledby=\"hints-title\"><h2 id=\"hints-title\">What looks wrong</h2>");
    if report.hints.is_empty() {
        html.push_str("<p class=\"verified\" role=\"status\" data-testid=\"no-hints\">Nothing looks wrong: every access was within its grant, at the provider's usual hours and volume.</p>");
    } else {
        html.push_str("<ul class=\"hints\">");
        for hint in &report.hints {
            let (class, level) = match hint.severity {
                Severity::Red => ("error", "Violation"),
                Severity::Amber => ("notice", "Unusual"),
            };
            html.push_str(&format!(
                "<li class=\"{class}\" data-testid=\"hint\" data-kind=\"{}\"><strong>{level}:</strong> {}</li>",
                escape(hint.kind.label()),
                escape(&hint.words)
            ));
        }
        html.push_str("</ul>");
    }
    html.push_str("</section>");
    for grant in report.grants.iter().filter(|grant| !grant.verified) {
        html.push_str(&format!(
            "<p class=\"notice\" role=\"status\" data-testid=\"trail-unverified\">The accesses to your grant of {} to provider {} could not be checked: {}.</p>",
            escape(&scopes_in_words(&grant.scopes)),
            escape(short(&grant.provider_id)),
            escape(grant.reason.as_deref().unwrap_or("no reason given"))
        ));
    }
    html.push_str(&filters(report, filter));
    html.push_str(&table(report, filter, utc_offset_minutes));
    html.push_str("<p><button type=\"button\" data-export=\"csv\">Download as CSV</button> <button type=\"button\" data-export=\"json\">Download as JSON</button></p>");
    html
}

fn option(value: &str, label: &str, selected: bool) -> String {
    let selected = if selected { " selected" } else { "" };
    format!("<option value=\"{}\"{selected}>{}</option>", escape(value), escape(label))
}

fn filters(report: &TrailReport, filter: &TrailFilter) -> String {
    let mut providers: Vec<&str> = report.grants.iter().map(|grant| grant.provider_id.as_str()).collect();
    providers.sort_unstable();
    providers.dedup();
    let mut html = String::from("<form class=\"filters\" data-testid=\"trail-filters\"><div><label for=\"trail-provider\">Provider</label><select id=\"trail-provider\" name=\"provider\">");
    html.push_str(&option("", "All providers", filter.provider.is_empty()));
    for provider in providers {
        html.push_str(&option(
            provider,
            &format!("Provider {}", short(provider)),
            filter.provider == provider,
        ));
    }
    html.push_str(
        "</select></div><div><label for=\"trail-grant\">Grant</label><select id=\"trail-grant\" name=\"grant\">",
    );
    html.push_str(&option("", "All grants", filter.grant.is_empty()));
    for grant in &report.grants {
        let label = format!("{} (provider {})", scopes_in_words(&grant.scopes), short(&grant.provider_id));
        html.push_str(&option(&grant.grant_id, &label, filter.grant == grant.grant_id));
    }
    html.push_str(
        "</select></div><div><label for=\"trail-show\">Show</label><select id=\"trail-show\" name=\"show\">",
    );
    html.push_str(&option("all", "Every access", !filter.flagged_only));
    html.push_str(&option("flagged", "Only accesses with a hint", filter.flagged_only));
    html.push_str("</select></div></form>");
    html
}

fn table(report: &TrailReport, filter: &TrailFilter, utc_offset_minutes: i32) -> String {
    let mut rows: Vec<(&GrantReport, &EventReport)> = report
        .grants
        .iter()
        .filter(|grant| filter.provider.is_empty() || grant.provider_id == filter.provider)
        .filter(|grant| filter.grant.is_empty() || grant.grant_id == filter.grant)
        .flat_map(|grant| grant.events.iter().map(move |event| (grant, event)))
        .filter(|(_, event)| !filter.flagged_only || !event.flags.is_empty())
        .collect();
    rows.sort_by_key(|(_, event)| std::cmp::Reverse((event.accessed_at, event.index)));
    if rows.is_empty() {
        let why = if *filter == TrailFilter::default() {
            "no provider has recorded using these grants"
        } else {
            "none matches these filters"
        };
        return format!("<p role=\"status\" data-testid=\"no-accesses\">No accesses to show: {why}.</p>");
    }
    // Each cell names its column (`data-label`): on a narrow screen the stylesheet shows the rows
    // as stacked cards, each value under its column's name.
    let mut html = String::from("<table class=\"trail\"><caption>Accesses, newest first</caption><thead><tr><th scope=\"col\">When</th><th scope=\"col\">Provider</th><th scope=\"col\">What they saw</th><th scope=\"col\">Ledger</th><th scope=\"col\">Hints</th></tr></thead><tbody>");
    for (grant, event) in rows {
        let ledger = if event.inclusion_verified {
            format!("verified, index {}", event.index)
        } else {
            format!(
                "index {}, inclusion not checked ({})",
                event.index,
                event.inclusion_note.as_deref().unwrap_or("not proven")
            )
        };
        let flags = if event.flags.is_empty() { "none".to_owned() } else { event.flags.join(", ") };
        let class = if event.flags.is_empty() { "" } else { " class=\"flagged\"" };
        html.push_str(&format!(
            "<tr data-testid=\"access-event\"{class}><td data-label=\"When\">{}</td><td data-label=\"Provider\">{}</td><td data-label=\"What they saw\">{}</td><td data-label=\"Ledger\" data-testid=\"access-ledger\">{}</td><td data-label=\"Hints\">{}</td></tr>",
            escape(&local_when(event.accessed_at, utc_offset_minutes)),
            escape(short(&grant.provider_id)),
            escape(&scopes_in_words(&event.scopes)),
            escape(&ledger),
            escape(&flags)
        ));
    }
    html.push_str("</tbody></table>");
    html
}
