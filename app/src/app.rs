//! The shell: navigation and the router. Each page lives in its own file under `pages/`.

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes, A};
use leptos_router::path;

use crate::pages::{
    ledger::Ledger, not_found::NotFound, provider::Provider, records::Records, share::Share, wallet::Wallet,
};
use crate::wallet::Wallet as WalletSession;

/// The whole app: header with navigation, and the routed page.
#[component]
pub fn App() -> impl IntoView {
    let wallet = WalletSession::new();
    provide_context(wallet);
    leptos::task::spawn_local(wallet.load());
    // Any key or pointer use keeps the wallet unlocked; a timer locks it once idle too long.
    let _ = window_event_listener(leptos::ev::keydown, move |_| wallet.touch());
    let _ = window_event_listener(leptos::ev::pointerdown, move |_| wallet.touch());
    let _ = set_interval_with_handle(move || wallet.lock_if_idle(), std::time::Duration::from_secs(10));
    view! {
        <Router>
            <header class="shell-header">
                <a class="brand" href="/">"Assent"</a>
                <nav aria-label="Main">
                    <A href="/">"Wallet"</A>
                    <A href="/records">"Records"</A>
                    <A href="/share">"Share"</A>
                    <A href="/ledger">"Ledger"</A>
                    <A href="/provider">"Provider"</A>
                </nav>
            </header>
            <main id="content">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Wallet />
                    <Route path=path!("/records") view=Records />
                    <Route path=path!("/share") view=Share />
                    <Route path=path!("/ledger") view=Ledger />
                    <Route path=path!("/provider") view=Provider />
                </Routes>
            </main>
            <footer class="shell-footer">
                <p>"Your health data stays in this browser. Only salted commitments reach the ledger."</p>
            </footer>
        </Router>
    }
}
