//! Consent grants: choose a provider, what they may read, why and until when; sign on this
//! device and show the grant as a QR code.

use leptos::prelude::*;
use wasm_core::consent::issued::{GrantStatus, IssuedGrant, OnLedger};
use wasm_core::consent::payload::PLACED_PREFIX;
use wasm_core::consent::{parse_provider_key, Purpose};

use super::{run, ErrorNotice};
use crate::browser;
use crate::ledger_state::{self, Stored};
use crate::scanner::QrScanner;
use crate::vault_worker::{self, GrantRequest, SignedCode};
use crate::wallet::{Wallet, WalletError, WalletStatus};

/// The log a grant names while no gateway settings are stored: the local gateway's default
/// origin. The first check or submission stores the settings, and later grants name their log.
pub const DEFAULT_LOG_ORIGIN: &str = "assent.local/log";

/// Record categories in plain words, and the SMART v2 scope each one grants.
pub const CATEGORIES: [(&str, &str); 6] = [
    ("Laboratory results", "patient/Observation.rs?category=laboratory"),
    ("Vital signs", "patient/Observation.rs?category=vital-signs"),
    ("Conditions and diagnoses", "patient/Condition.rs"),
    ("Medications", "patient/MedicationStatement.rs"),
    ("Allergies", "patient/AllergyIntolerance.rs"),
    ("Immunizations", "patient/Immunization.rs"),
];

/// The share page.
#[component]
pub fn Share() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    view! {
        <h1>"Share"</h1>
        <p>"Give a provider permission to read chosen parts of your records, for a purpose and until a date you pick. The grant is signed on this device."</p>
        {move || {
            if wallet.status.get() == WalletStatus::Unlocked {
                view! { <ShareForm /> <GrantList /> }.into_any()
            } else {
                view! { <p class="notice" role="status">"Unlock your wallet on the " <a href="/">"Wallet page"</a> " to sign a consent grant."</p> }.into_any()
            }
        }}
    }
}

#[component]
fn ShareForm() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let provider = RwSignal::new(String::new());
    let chosen = RwSignal::new([false; CATEGORIES.len()]);
    let purpose = RwSignal::new(Purpose::Treat.code().to_string());
    let days = RwSignal::new("30".to_string());
    let outcome = RwSignal::new(Ok(()));
    let signed = RwSignal::new(None::<SignedCode>);
    // Putting the grant on the ledger, after it is shown: its own outcome, so a ledger problem
    // never hides the form's.
    let published = RwSignal::new(Ok(()));

    let sign = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        signed.set(None);
        let (provider_text, days_text, choice, purpose_code) =
            (provider.get_untracked(), days.get_untracked(), chosen.get_untracked(), purpose.get_untracked());
        run(outcome, async move {
            let provider_key = parse_provider_key(&provider_text)?;
            let days = days_text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|d| (1..=3650).contains(d))
                .ok_or(WalletError::Days)?;
            let scopes: Vec<String> = CATEGORIES
                .iter()
                .zip(choice)
                .filter(|(_, on)| *on)
                .map(|((_, scope), _)| scope.to_string())
                .collect();
            // The seed goes to this page's own worker only, which derives the pairwise key.
            let seed = wallet.seed()?;
            let now = browser::now_ms() / 1_000;
            let settings = Stored::load(&wallet.store()?).await?.settings;
            let log_origin =
                ledger_state::log_origin(&settings).unwrap_or_else(|| DEFAULT_LOG_ORIGIN.to_owned());
            let code = vault_worker::sign_grant(GrantRequest {
                seed: &seed,
                provider_key: &provider_key,
                scopes: &scopes,
                purpose: &purpose_code,
                now,
                expires_at: now + days * 86_400,
                log_origin: &log_origin,
            })
            .await?;
            // Kept in the list before it is shown, so every code shown can be revoked.
            wallet.remember_grant(&code.entry_json).await?;
            let id = code.id.clone();
            let _ = signed.try_set(Some(code));
            // Then on the ledger; if the ledger cannot take it now, the list offers to try again.
            // Once it is there, the code shown carries its place.
            run(published, async move {
                wallet.publish_grant(&id).await?;
                let grants = wallet.grants.get_untracked();
                let Some(code) = grants.iter().find(|grant| grant.id == id && grant.ledger.is_some()) else {
                    return Ok(());
                };
                let (payload, svg) = (code.code(), vault_worker::render_qr(&code.code()).await?);
                let _ = signed.try_update(|shown| {
                    if let Some(shown) = shown.as_mut().filter(|shown| shown.id == id) {
                        (shown.payload, shown.svg) = (payload, svg);
                    }
                });
                Ok(())
            });
            Ok(())
        });
    };

    // A scanned provider code fills the id; anything else is refused with the reason.
    let scanned = Callback::new(move |text: String| {
        outcome.set(parse_provider_key(&text).map(|_| ()).map_err(WalletError::from));
        provider.set(text.trim().to_ascii_lowercase());
    });

    view! {
        <form on:submit=sign>
            <label for="provider-id">"Provider id (from the provider's page)"</label>
            <input id="provider-id" type="text" autocomplete="off" spellcheck="false" bind:value=provider />
            <QrScanner on_found=scanned image_label="Or an image of the provider's code (photo or screenshot)" id="provider-scan" />
            <fieldset>
                <legend>"What they may read"</legend>
                {CATEGORIES.iter().enumerate().map(|(index, (label, _))| view! {
                    <label>
                        <input type="checkbox" prop:checked=move || chosen.get()[index]
                            on:change=move |_| chosen.update(|c| c[index] = !c[index]) />
                        " " {*label}
                    </label>
                }).collect_view()}
            </fieldset>
            <label for="purpose">"Why"</label>
            <select id="purpose" on:change=move |event| purpose.set(event_target_value(&event))>
                {Purpose::ALL.iter().map(|p| view! {
                    <option value=p.code() selected=*p == Purpose::Treat>{p.plain_words()}</option>
                }).collect_view()}
            </select>
            <label for="days">"For how many days"</label>
            <input id="days" type="number" min="1" max="3650" bind:value=days />
            <button type="submit">"Sign and show the code"</button>
        </form>
        <ErrorNotice outcome test_id="share-error" />
        <ErrorNotice outcome=published test_id="publish-error" />
        {move || signed.get().map(|code| view! {
            <section aria-labelledby="code-title" class="grant-code">
                <h2 id="code-title">"Your consent code"</h2>
                <p>"Show this code to the provider. It contains no health data, only your permission."</p>
                {code.payload.starts_with(PLACED_PREFIX).then(|| view! {
                    <p data-testid="code-on-ledger">"It carries the grant's place on the ledger, so the provider can check it there."</p>
                })}
                <div class="qr" role="img" aria-label="QR code of your consent grant; its text is below" data-testid="grant-qr" inner_html=code.svg></div>
                <label for="grant-payload">"The same code as text"</label>
                <textarea id="grant-payload" rows="5" readonly data-testid="grant-payload" prop:value=code.payload></textarea>
                <button type="button" on:click=move |_| { if let Some(w) = web_sys::window() { let _ = w.print(); } }>"Print"</button>
            </section>
        })}
    }
}

/// The record categories a grant's scopes stand for, in plain words.
pub fn categories_in_words(scopes: &[String]) -> String {
    let words: Vec<&str> = scopes
        .iter()
        .map(|scope| CATEGORIES.iter().find(|(_, s)| s == scope).map_or(scope.as_str(), |(label, _)| label))
        .collect();
    words.join(", ")
}

/// Where the ledger holds a grant and its revocation, in words.
pub fn ledger_words(grant: &IssuedGrant) -> String {
    let on_ledger = |place: Option<OnLedger>, what: &str| match place {
        Some(place) => format!(
            "{what} on the ledger at index {}, verified against checkpoint size {}. ",
            place.index, place.checkpoint_size
        ),
        None => format!("{what} not on the ledger yet. "),
    };
    let mut words = on_ledger(grant.ledger, "Grant");
    if let Some(revocation) = &grant.revocation {
        words.push_str(&on_ledger(revocation.ledger, "Revocation"));
    }
    words
}

/// The grants this wallet signed, newest first, with their status, their code and a revoke
/// button.
#[component]
fn GrantList() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let outcome = RwSignal::new(Ok(()));
    // The grant whose code is shown, and its SVG.
    let shown = RwSignal::new(None::<(String, String)>);
    view! {
        <section aria-labelledby="grants-title">
            <h2 id="grants-title">"Your grants"</h2>
            {move || wallet.state_problem.get().map(|problem| view! {
                <p class="error" role="alert" data-testid="state-problem">
                    "Your stored grant list could not be read: " {problem} ". Continue as usual: the next grant you sign starts a new list, and the old one stays in the archive."
                </p>
            })}
            <ErrorNotice outcome test_id="grants-error" />
            {move || {
                let grants = wallet.grants.get();
                if grants.is_empty() {
                    return view! { <p>"You have not given any grants yet."</p> }.into_any();
                }
                let now = browser::now_ms() / 1_000;
                view! {
                    <ul class="grants">
                        {grants.into_iter().rev().map(|grant| view! { <GrantItem grant now outcome shown /> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
        </section>
    }
}

#[component]
fn GrantItem(
    grant: IssuedGrant,
    now: u64,
    outcome: RwSignal<Result<(), WalletError>>,
    shown: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    let status = grant.status(now);
    let id = grant.id.clone();
    let purpose = Purpose::from_code(&grant.purpose)
        .map_or_else(|| grant.purpose.clone(), |p| p.plain_words().to_string());
    let revoked = grant.revocation.as_ref().map(|r| format!(" on {}", browser::local_date(r.revoked_at)));
    let ledger = ledger_words(&grant);
    let pending = grant.awaits_ledger();
    let (show_id, revoke_id, svg_id, publish_id) = (id.clone(), id.clone(), id.clone(), id.clone());
    let publish = move |_| {
        let id = publish_id.clone();
        run(outcome, async move { wallet.publish_grant(&id).await });
    };
    let payload = grant.code();
    let show = move |_| {
        let (id, payload) = (show_id.clone(), payload.clone());
        run(outcome, async move {
            let svg = vault_worker::render_qr(&payload).await?;
            let _ = shown.try_set(Some((id, svg)));
            Ok(())
        });
    };
    let revoke = move |_| {
        if browser::confirm("Revoke this grant? This cannot be undone.") {
            let id = revoke_id.clone();
            run(outcome, async move {
                wallet.revoke_grant(&id).await?;
                wallet.publish_grant(&id).await
            });
        }
    };
    let revocable = matches!(status, GrantStatus::Active | GrantStatus::NotYetValid);
    // A revoked grant's code is not shown again, so it cannot be handed to a provider by mistake.
    let showable = !matches!(status, GrantStatus::Revoked | GrantStatus::Revoking);
    view! {
        <li data-testid="grant">
            <strong>{categories_in_words(&grant.scopes)}</strong>
            " — " {purpose} ", from " {browser::local_date(grant.not_before)} " until " {browser::local_date(grant.expires_at)}
            ". Provider " <code>{grant.provider_key.chars().take(8).collect::<String>()} "…"</code> ". "
            <span class=format!("status {}", status.word().replace(' ', "-")) data-testid="grant-status">{status.word()}</span>
            {revoked}
            <p class="ledger" data-testid="grant-ledger">{ledger}</p>
            <div class="actions">
                {pending.then(|| view! { <button type="button" class="secondary" on:click=publish data-testid="publish-grant">"Put on the ledger"</button> })}
                {showable.then(|| view! { <button type="button" class="secondary" on:click=show.clone()>"Show code"</button> })}
                {revocable.then(|| view! { <button type="button" class="danger" on:click=revoke>"Revoke"</button> })}
            </div>
            {move || shown.get().filter(|(shown_id, _)| showable && *shown_id == svg_id).map(|(_, svg)| view! {
                <div class="qr" role="img" aria-label="QR code of this grant" data-testid="grant-list-qr" inner_html=svg></div>
            })}
        </li>
    }
}
