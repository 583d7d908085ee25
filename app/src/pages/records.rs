//! The patient's health records.

use leptos::prelude::*;

use super::NotYetAvailable;

/// The records page.
#[component]
pub fn Records() -> impl IntoView {
    view! {
        <h1>"Records"</h1>
        <p>"Import your health records (FHIR R4) and see them over time. They are stored sealed in this browser and never uploaded."</p>
        <NotYetAvailable what="importing and viewing records, and on-device risk hints." />
    }
}
