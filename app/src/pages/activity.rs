//! The patient's access trail: who used which grant and when, checked complete against the
//! ledger, with hints on what looks wrong. The view is rendered in the vault worker; the page
//! places it and passes on the filters' changes and the download buttons' clicks.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{run, ErrorNotice};
use crate::browser;
use crate::vault_worker;
use crate::wallet::{Wallet, WalletStatus};

/// The activity page.
#[component]
pub fn Activity() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    view! {
        <h1>"Activity"</h1>
        <p>"Every time a provider opens your data with one of your grants, it records that on the ledger. Here is each access, checked against the ledger so that none can be hidden, and what looks wrong."</p>
        {move || if wallet.status.get() == WalletStatus::Unlocked {
            view! { <Trail /> }.into_any()
        } else {
            view! { <p class="notice" role="status">"Unlock your wallet on the " <a href="/">"Wallet page"</a> " to see who used your grants."</p> }.into_any()
        }}
    }
}

#[component]
fn Trail() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let html = RwSignal::new(
        "<p role=\"status\"><progress aria-label=\"Checking the ledger\"></progress> Checking the ledger for accesses to your grants…</p>".to_owned(),
    );
    let report = StoredValue::new(String::new());
    // Provider, grant, show: what the filters' selects named `provider`, `grant`, `show` hold.
    let filter = StoredValue::new([String::new(), String::new(), String::new()]);
    let outcome = RwSignal::new(Ok(()));
    run(outcome, async move {
        let (json, view) = wallet.access_trail().await?;
        report.set_value(json);
        let _ = html.try_set(view);
        Ok(())
    });
    let changed = move |event: leptos::ev::Event| {
        let name = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.get_attribute("name"));
        let Some(slot) = ["provider", "grant", "show"].iter().position(|n| Some(*n) == name.as_deref())
        else {
            return;
        };
        filter.update_value(|values| values[slot] = event_target_value(&event));
        run(outcome, async move {
            let view = vault_worker::render_trail(
                &report.get_value(),
                &filter.get_value(),
                browser::utc_offset_minutes(),
            )
            .await?;
            let _ = html.try_set(view);
            Ok(())
        });
    };
    let clicked = move |event: leptos::ev::MouseEvent| {
        let format = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|e| e.closest("[data-export]").ok().flatten())
            .and_then(|e| e.get_attribute("data-export"));
        let Some(format) = format else { return };
        run(outcome, async move {
            let text = vault_worker::export_trail(&report.get_value(), &format).await?;
            browser::download(text.as_bytes(), &format!("assent-access-trail.{format}"))
                .map_err(crate::wallet::WalletError::Download)
        });
    };
    view! {
        <ErrorNotice outcome test_id="trail-error" />
        <div class="trail" data-testid="trail" aria-live="polite" inner_html=html on:change=changed on:click=clicked></div>
    }
}
