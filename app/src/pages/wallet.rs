//! The patient's wallet: keys, unlock and lock.

use leptos::prelude::*;

use super::NotYetAvailable;

/// The wallet home page.
#[component]
pub fn Wallet() -> impl IntoView {
    view! {
        <h1>"Wallet"</h1>
        <p>"Your wallet holds the keys that sign your consent grants. They are made in this browser and sealed with your passphrase."</p>
        <NotYetAvailable what="creating, unlocking and restoring a wallet." />
    }
}
