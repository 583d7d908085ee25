//! Consent grants: choose a provider, what they may read, why and until when.

use leptos::prelude::*;

use super::NotYetAvailable;

/// The share page.
#[component]
pub fn Share() -> impl IntoView {
    view! {
        <h1>"Share"</h1>
        <p>"Give a provider permission to read chosen parts of your records, for a purpose and until a date you pick. You can revoke it at any time."</p>
        <NotYetAvailable what="signing consent grants and showing them as QR codes." />
    }
}
