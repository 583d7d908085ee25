//! The shell: navigation and the page for the current path. Each page lives in its own file under
//! `pages/`.
//!
//! Routing is a path signal, not a router crate: six fixed paths need no matching, and
//! `leptos_router` cost 44 KB gzip of the first load (BENCHMARKS.md). Same-origin links anywhere (the
//! navigation, links in pages, HTML the worker renders) change the page in place; a reload would
//! lock the wallet.

use leptos::prelude::*;

use crate::browser;
use crate::pages::{
    activity::Activity, ledger::Ledger, not_found::NotFound, provider::Provider, records::Records,
    share::Share, wallet::Wallet,
};
use crate::wallet::Wallet as WalletSession;

/// The pages in the navigation: path and name.
const PAGES: [(&str, &str); 6] = [
    ("/", "Wallet"),
    ("/records", "Records"),
    ("/share", "Share"),
    ("/activity", "Activity"),
    ("/ledger", "Ledger"),
    ("/provider", "Provider"),
];

/// The whole app: header with navigation, and the page for the current path.
#[component]
pub fn App() -> impl IntoView {
    let wallet = WalletSession::new();
    provide_context(wallet);
    leptos::task::spawn_local(wallet.load());
    // Any key or pointer use keeps the wallet unlocked; a timer locks it once idle too long.
    let _ = window_event_listener(leptos::ev::keydown, move |_| wallet.touch());
    let _ = window_event_listener(leptos::ev::pointerdown, move |_| wallet.touch());
    let _ = set_interval_with_handle(move || wallet.lock_if_idle(), std::time::Duration::from_secs(10));
    // Grants signed or revoked offline go on the ledger once the network is back.
    let _ = window_event_listener(leptos::ev::online, move |_| {
        leptos::task::spawn_local(wallet.publish_pending())
    });

    let path = RwSignal::new(browser::path());
    let _ = window_event_listener(leptos::ev::click, move |event| {
        if let Some(to) = browser::in_app_link(&event) {
            event.prevent_default();
            browser::push_path(&to);
            path.set(to);
        }
    });
    let _ = window_event_listener(leptos::ev::popstate, move |_| path.set(browser::path()));
    let page = Memo::new(move |_| PAGES.iter().position(|(href, _)| *href == path.get()));
    let update_ready = RwSignal::new(browser::update_ready());
    let _ = window_event_listener_untyped("assent-update-ready", move |_| update_ready.set(true));
    view! {
        <header class="shell-header">
            <a class="brand" href="/">"Assent"</a>
            <nav aria-label="Main">
                {PAGES.iter().enumerate().map(|(number, (href, name))| view! {
                    <a href=*href aria-current=move || (page.get() == Some(number)).then_some("page")>{*name}</a>
                }).collect_view()}
            </nav>
        </header>
        {move || update_ready.get().then(|| view! {
            <div class="notice update" role="status" data-testid="update-ready">
                "A new version of Assent is ready. Updating reloads the page and locks your wallet."
                <button type="button" on:click=|_| browser::apply_update()>"Update now"</button>
            </div>
        })}
        <main id="content">
            {move || match page.get() {
                Some(0) => view! { <Wallet /> }.into_any(),
                Some(1) => view! { <Records /> }.into_any(),
                Some(2) => view! { <Share /> }.into_any(),
                Some(3) => view! { <Activity /> }.into_any(),
                Some(4) => view! { <Ledger /> }.into_any(),
                Some(5) => view! { <Provider /> }.into_any(),
                _ => view! { <NotFound /> }.into_any(),
            }}
        </main>
        <footer class="shell-footer">
            <p>"Your health data stays in this browser. Only salted commitments reach the ledger."</p>
            <p data-testid="app-version">"Assent " {env!("CARGO_PKG_VERSION")} ", build " {browser::build_version()}</p>
        </footer>
    }
}
