//! The patient's health records: import a FHIR R4 bundle (file picker, or a synthetic sample), kept sealed in this browser; the view (summary, charts, timeline) is
//! rendered in the vault worker and placed here.

use leptos::prelude::*;
use web_sys::HtmlInputElement;

use super::{run, ErrorNotice};
use crate::vault_worker;
use crate::wallet::{RecordsSource, Wallet, WalletStatus};

/// The records page.
#[component]
pub fn Records() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    view! {
        <h1>"Records"</h1>
        <p>"Import your health records (a FHIR R4 bundle, JSON) and see them over time. They are stored sealed in this browser and never uploaded."</p>
        {move || if wallet.status.get() == WalletStatus::Unlocked {
            view! { <RecordsView /> }.into_any()
        } else {
            view! { <p class="notice" role="status">"Unlock your wallet on the " <a href="/">"Wallet page"</a> " to import and see your records."</p> }.into_any()
        }}
    }
}

#[component]
fn RecordsView() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let html = RwSignal::new(String::new());
    let outcome = RwSignal::new(Ok(()));
    // The records first, with a status line; then the risk hint above them, whose model loads
    // only now (it takes a moment); then whether the model's release is on the ledger.
    let load = move |source: RecordsSource| {
        run(outcome, async move {
            let Some(view) = wallet.records(source).await? else { return Ok(()) };
            let _ =
                html.try_set(format!("<p role=\"status\"><progress aria-label=\"Loading the risk model\"></progress> Loading the risk model (about 2 MB, once) and computing the hint on this device…</p>{view}"));
            let Some((hint, model_ran)) = vault_worker::risk_hint(&wallet.seed()?).await? else {
                return Ok(());
            };
            let section = |line: &str| {
                format!("<section class=\"risk\" data-testid=\"risk\">{hint}{line}</section>{view}")
            };
            if !model_ran {
                let _ = html.try_set(section(""));
                return Ok(());
            }
            let _ =
                html.try_set(section("<p role=\"status\">Checking the model's release on the ledger…</p>"));
            let line = vault_worker::model_on_ledger().await?;
            let _ = html.try_set(section(&line));
            Ok(())
        })
    };
    load(RecordsSource::Stored);
    let picked = move |event: leptos::ev::Event| {
        let file = event_target::<HtmlInputElement>(&event).files().and_then(|files| files.get(0));
        if let Some(file) = file {
            load(RecordsSource::File(file));
        }
    };
    view! {
        <section aria-labelledby="import-title">
            <h2 id="import-title">"Import"</h2>
            <label for="records-file">"A FHIR R4 bundle (JSON, up to 20 MB)"</label>
            <input id="records-file" type="file" accept=".json,application/json,application/fhir+json" on:change=picked />
            <label for="records-sample">"Or try a synthetic sample patient (made up, not a real person)"</label>
            <select id="records-sample" on:change=move |event| load(RecordsSource::Sample(event_target_value(&event)))>
                <option value="">"Choose a sample…"</option>
                <option value="a">"Sample A: every input of the risk hint"</option>
                <option value="b">"Sample B: every input, lower risk"</option>
                <option value="c">"Sample C: one input missing"</option>
            </select>
            <ErrorNotice outcome test_id="records-error" />
        </section>
        <div class="records" data-testid="records" aria-live="polite" inner_html=html></div>
    }
}
