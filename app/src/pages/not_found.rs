//! The page for an address the app does not know.

use leptos::prelude::*;

/// Shown for an unknown route.
#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <h1>"Page not found"</h1>
        <p>"There is no page at this address. Use the menu above to go to your wallet."</p>
    }
}
