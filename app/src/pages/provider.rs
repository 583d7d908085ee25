//! The provider's page: scan a consent QR code and verify it.

use leptos::prelude::*;

use super::NotYetAvailable;

/// The provider page.
#[component]
pub fn Provider() -> impl IntoView {
    view! {
        <h1>"Provider"</h1>
        <p>"Scan a patient's consent QR code to check its signature, expiry, audience and ledger status."</p>
        <NotYetAvailable what="provider keys and scanning consent codes." />
    }
}
