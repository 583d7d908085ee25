//! The provider's page: its provider id, and verifying a patient's consent code from pasted
//! text, an image (a photo or screenshot of the QR code) or the camera.

use leptos::prelude::*;

use super::{run, save_minutes, ErrorNotice, SavedNotice};
use crate::browser;
use crate::ledger_state;
use crate::scanner::QrScanner;
use crate::vault_worker::{self, VerdictReport};
use crate::wallet::{MinutesSetting, Wallet, WalletStatus};
use wasm_core::consent::parse_provider_key;

/// The provider page.
#[component]
pub fn Provider() -> impl IntoView {
    view! {
        <h1>"Provider"</h1>
        <p>"Check a patient's consent code: its signature, that it was given to you, and its dates (these checks work offline), that the grant is on the ledger, and that it is not revoked."</p>
        <ProviderIdentity />
        <VerifyConsent />
    }
}

/// This wallet's provider id, for patients to grant to.
#[component]
fn ProviderIdentity() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    move || {
        if wallet.status.get() != WalletStatus::Unlocked {
            return view! {
                <p class="notice" role="status">"Unlock your wallet on the " <a href="/">"Wallet page"</a> " to show your provider id and check that codes were given to you."</p>
            }
            .into_any();
        }
        let Some(id) = wallet.provider_key.get() else {
            return view! { <p role="status">"Computing your provider id…"</p> }.into_any();
        };
        let upper = id.to_uppercase();
        let svg = LocalResource::new(move || {
            let text = upper.clone();
            async move { vault_worker::render_qr(&text).await.unwrap_or_default() }
        });
        view! {
            <section aria-labelledby="identity-title">
                <h2 id="identity-title">"Your provider id"</h2>
                <p>"Patients enter or scan this id when they give you consent."</p>
                <code class="hash" data-testid="provider-id">{id}</code>
                <div class="qr small" role="img" aria-label="QR code of your provider id, shown as text above" data-testid="provider-qr" inner_html=move || svg.get().unwrap_or_default()></div>
            </section>
        }
        .into_any()
    }
}

/// Plain words for a check named in a verdict report.
fn check_label(name: &str) -> &'static str {
    match name {
        "format" => "Readable Assent consent code",
        "signature" => "Patient's signature",
        "audience" => "Given to you",
        "not_before" => "Already valid",
        "expiry" => "Not expired",
        "ledger" => "On the ledger",
        "revocation" => "Not revoked",
        _ => "Other check",
    }
}

/// Verify a consent code: scan it with the camera, upload an image of it, or paste its text.
#[component]
fn VerifyConsent() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let text = RwSignal::new(String::new());
    let verdict = RwSignal::new(None::<VerdictReport>);
    // How many checks have completed: lets a reader (and the e2e test) tell a new verdict from
    // the previous one.
    let completed = RwSignal::new(0u32);
    let outcome = RwSignal::new(Ok(()));

    // Checks run in the worker; the page only shows the report. The offline verdict shows at
    // once; the ledger line follows when the gateways have answered.
    // The code the verdict is about (the text box may change after).
    let checked = RwSignal::new(String::new());
    let check = move |payload_text: String| {
        verdict.set(None);
        checked.set(payload_text.clone());
        run(outcome, async move {
            let own_key = wallet.provider_key.get_untracked().and_then(|key| parse_provider_key(&key).ok());
            let now = browser::now_ms() / 1_000;
            let mut report = vault_worker::verify_payload(&payload_text, now, own_key.as_ref()).await?;
            let check_ledger = report.valid;
            if check_ledger {
                report.set_ledger("not_checked", "checking the ledger…".into());
            }
            let _ = verdict.try_set(Some(report));
            if check_ledger {
                match ledger_state::verify_on_ledger(
                    &payload_text,
                    now,
                    own_key.as_ref(),
                    wallet.freshness_minutes.get_untracked(),
                )
                .await
                {
                    Ok(report) => _ = verdict.try_set(Some(report)),
                    Err(error) => {
                        _ = verdict.try_update(|shown| {
                            if let Some(shown) = shown {
                                shown.set_ledger("not_checked", error.to_string());
                            }
                        })
                    }
                }
            }
            let _ = completed.try_update(|n| *n += 1);
            Ok(())
        });
    };
    let scanned = Callback::new(move |found: String| {
        text.set(found.clone());
        check(found);
    });

    view! {
        <section aria-labelledby="verify-title">
            <h2 id="verify-title">"Check a consent code"</h2>
            <QrScanner on_found=scanned image_label="Image of the code (photo or screenshot)" id="code-scan" />
            <form on:submit=move |event: leptos::ev::SubmitEvent| { event.prevent_default(); check(text.get_untracked()); }>
                <label for="code-text">"Or paste the code's text"</label>
                <textarea id="code-text" rows="4" spellcheck="false" bind:value=text></textarea>
                <button type="submit">"Check"</button>
            </form>
            <FreshnessSetting />
            <ErrorNotice outcome test_id="verify-error" />
            <div data-testid="verdict" data-checks-completed=move || completed.get().to_string()>
                {move || verdict.get().map(|verdict| {
                    let confirmed = verdict.confirmed();
                    view! {
                        <VerdictPanel verdict />
                        {confirmed.then(|| view! { <RecordAccess payload=checked.get_untracked() /> })}
                    }
                })}
            </div>
        </section>
    }
}

/// Opening a confirmed grant's data records the access on the ledger, where the patient sees it.
#[component]
fn RecordAccess(payload: String) -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let recorded = RwSignal::new(None::<(u64, u64)>);
    let outcome = RwSignal::new(Ok(()));
    let record = move |_| {
        let payload = payload.clone();
        run(outcome, async move {
            let place =
                vault_worker::record_access(&wallet.seed()?, &payload, browser::now_ms() / 1_000).await?;
            let _ = recorded.try_set(Some(place));
            Ok(())
        });
    };
    view! {
        <p>"Opening the patient's data records your access on the ledger, where the patient sees it."</p>
        <button type="button" on:click=record>"Open the data (records your access)"</button>
        <ErrorNotice outcome test_id="access-error" />
        {move || recorded.get().map(|(index, size)| view! {
            <p class="notice" role="status" data-testid="access-recorded">
                {format!("Your access is on the ledger at index {index}, verified against checkpoint size {size}.")}
            </p>
        })}
    }
}

/// How old a checkpoint may be for "not revoked" to pass; stored in this browser.
#[component]
fn FreshnessSetting() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let outcome = RwSignal::new(Ok(()));
    let saved = RwSignal::new(false);
    let save = move |event: leptos::ev::Event| {
        let minutes = event_target_value(&event).parse::<u64>().unwrap_or(0);
        save_minutes(wallet, outcome, saved, MinutesSetting::Freshness, minutes);
    };
    view! {
        <label for="freshness-minutes">"“Not revoked” needs a ledger checkpoint at most this many minutes old"</label>
        <input id="freshness-minutes" type="number" min="1" max="1440" prop:value=move || wallet.freshness_minutes.get().to_string() on:change=save />
        <SavedNotice saved test_id="freshness-saved" />
        <ErrorNotice outcome test_id="freshness-error" />
    }
}

/// Every check, one per line; never a green "valid" for what was not checked.
#[component]
fn VerdictPanel(verdict: VerdictReport) -> impl IntoView {
    let headline = verdict.headline.clone();
    let summary = verdict.grant.as_ref().map(|grant| {
        format!(
            "Scopes granted: {}. Purpose: {}. Ledger: {}.",
            grant.scopes.join(", "),
            grant.purpose_words,
            grant.log_origin
        )
    });
    view! {
        <div class="verdict" aria-live="polite">
            <p class=if verdict.valid { "notice" } else { "error" } role="status" data-testid="verdict-headline">{headline}</p>
            <ul class="checks">
                {verdict.checks.into_iter().map(|check| {
                    let class = match check.outcome.as_str() {
                        "passed" => "passed",
                        "failed" => "failed",
                        "offline" => "offline",
                        _ => "not-checked",
                    };
                    // An offline result says so itself ("offline, as of checkpoint …").
                    let outcome = match check.outcome.as_str() {
                        "offline" => String::new(),
                        other => format!("{} — ", other.replace('_', " ")),
                    };
                    view! {
                        <li class=class data-testid=format!("check-{}", check.check)>
                            <strong>{check_label(&check.check)}</strong>": " {outcome} {check.detail}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {summary.map(|text| view! { <p data-testid="granted-scopes">{text}</p> })}
        </div>
    }
}
