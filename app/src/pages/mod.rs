//! One file per page.

pub mod ledger;
pub mod not_found;
pub mod provider;
pub mod records;
pub mod share;
pub mod wallet;

use leptos::prelude::*;

/// The notice a page shows while its feature has not been built yet: says so plainly.
#[component]
fn NotYetAvailable(what: &'static str) -> impl IntoView {
    view! {
        <p class="notice" role="status">
            "Not available yet: " {what} " This version of Assent can already compute ledger tree hashes on the Ledger page."
        </p>
    }
}
