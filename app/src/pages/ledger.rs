//! The ledger page: what the wallet verified about the log, from which gateways, and whether any
//! of them lied; where the ledger holds each of this wallet's grants; and the gateway settings.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::share::{categories_in_words, ledger_words};
use crate::browser;
use crate::ledger_state::{self, Stored};
use crate::storage::{Replaced, Store, LEDGER_GATEWAYS_KEY};
use crate::vault_worker::{self, LedgerReport};
use crate::wallet::{Wallet, WalletStatus};

/// What the page shows about the log.
#[derive(Clone, Debug, PartialEq)]
struct LedgerView {
    report: LedgerReport,
    /// Fork evidence stored by this or an earlier check.
    fork: Option<String>,
    /// When this check finished (Unix seconds).
    checked_at: u64,
}

/// Reads the settings and the last verified checkpoint, asks the worker to check the gateways,
/// and stores what it verified (and any fork evidence).
async fn check() -> Result<LedgerView, String> {
    let store = Store::open().await.map_err(|e| e.to_string())?;
    let stored = Stored::load(&store).await.map_err(|e| e.to_string())?;
    let report = vault_worker::refresh_ledger(&stored.settings, &stored.saved_note())
        .await
        .map_err(|e| e.to_string())?;
    let latest_note = report.latest.as_ref().map(|latest| latest.note.as_str()).unwrap_or_default();
    let confirmed = report.gateways.iter().any(|gateway| gateway.outcome == "verified");
    stored.keep(&store, &report.settings, latest_note, confirmed).await;
    let fork = ledger_state::keep_fork(&store, &report.vkey, report.fork.as_deref())
        .await
        .map_err(|e| e.to_string())?;
    Ok(LedgerView { report, fork, checked_at: browser::now_ms() / 1000 })
}

/// The ledger page.
#[component]
pub fn Ledger() -> impl IntoView {
    let state: RwSignal<Option<Result<LedgerView, String>>> = RwSignal::new(None);
    let lines = RwSignal::new(String::new());
    let policy = RwSignal::new(String::new());
    let refresh = move || {
        state.set(None);
        spawn_local(async move {
            let checked = check().await;
            // The settings used (the preset, on a first visit) fill an untouched form.
            if let Ok(view) = &checked {
                if lines.try_get_untracked().is_some_and(|text| text.is_empty()) {
                    let _ = lines.try_set(view.report.settings_lines.clone());
                    let _ = policy.try_set(view.report.settings_policy.clone());
                }
            }
            let _ = state.try_set(Some(checked));
        });
    };
    refresh();
    view! {
        <h1>"Ledger"</h1>
        <p>
            "Grants and revocations go on a public transparency log. This wallet checks everything the gateways serve and trusts none of them."
        </p>
        {move || match state.get() {
            None => view! { <p role="status" data-testid="ledger-checking">"Checking the ledger…"</p> }.into_any(),
            Some(Err(reason)) => view! { <p class="error" role="alert" data-testid="ledger-error">{reason}</p> }.into_any(),
            Some(Ok(view)) => view! { <LedgerStatus view=view /> }.into_any(),
        }}
        <button type="button" on:click=move |_| refresh() data-testid="ledger-refresh">
            "Check again"
        </button>
        <GrantsOnLedger />
        <GatewaySettings lines=lines policy=policy on_saved=refresh />
    }
}

#[component]
fn LedgerStatus(view: LedgerView) -> impl IntoView {
    let report = view.report;
    let fork = view.fork.map(|evidence| {
        let download = move |_| {
            let _ = browser::download(evidence.as_bytes(), "assent-fork-evidence.json");
        };
        view! {
            <section class="alarm" role="alert" data-testid="fork-banner">
                <h2>"This log has forked"</h2>
                <p>
                    "Two checkpoints this log signed show different histories: a gateway or the log's operator is lying. Until this is resolved, do not rely on what the ledger shows. Send the evidence to the log's operator and witnesses."
                </p>
                <button type="button" on:click=download data-testid="fork-evidence">
                    "Download the evidence"
                </button>
            </section>
        }
    });
    let latest = match report.latest {
        Some(latest) => {
            let witnessed = match latest.newest_cosignature {
                Some(at) => format!(
                    "cosigned by {} ({}), newest cosignature {}",
                    latest.witnesses.join(", "),
                    latest.witnesses.len(),
                    browser::local_date(at)
                ),
                None => "none (the settings require none)".to_owned(),
            };
            view! {
                <dl class="tree-head">
                    <dt>"Log"</dt>
                    <dd data-testid="ledger-origin">{report.origin.clone()}</dd>
                    <dt>"Verified size"</dt>
                    <dd data-testid="ledger-size">{latest.size}</dd>
                    <dt>"Root hash"</dt>
                    <dd class="hash" data-testid="ledger-root">{latest.root}</dd>
                    <dt>"Checked"</dt>
                    <dd>{browser::local_date(view.checked_at)}</dd>
                    <dt>"Witnesses"</dt>
                    <dd data-testid="ledger-witnesses">{witnessed}</dd>
                </dl>
            }
            .into_any()
        }
        None => view! {
            <p class="error" role="alert" data-testid="ledger-unverified">
                "No checkpoint of this log could be verified yet: see why for each gateway below, then fix the gateway settings or check again later."
            </p>
        }
        .into_any(),
    };
    let gateways = report
        .gateways
        .into_iter()
        .map(|gateway| {
            let outcome = gateway.outcome.clone();
            view! {
                <tr data-testid="gateway-row" data-outcome=outcome>
                    <td>{gateway.url}</td>
                    <td>{gateway.outcome}</td>
                    <td>{gateway.detail}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        {fork}
        {report.notice.map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
        <section aria-labelledby="log-title">
            <h2 id="log-title">"What this wallet verified"</h2>
            {latest}
            <table>
                <caption>"Gateways asked"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Gateway"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col">"Details"</th>
                    </tr>
                </thead>
                <tbody>{gateways}</tbody>
            </table>
        </section>
    }
}

/// The gateway list and witness policy, stored in this browser (the form shows the settings the
/// last check used).
#[component]
fn GatewaySettings(
    lines: RwSignal<String>,
    policy: RwSignal<String>,
    on_saved: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let outcome: RwSignal<Option<Result<(), String>>> = RwSignal::new(None);
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let (lines, policy) = (lines.get(), policy.get());
        spawn_local(async move {
            let saved = async {
                let json =
                    vault_worker::settings_from_form(&lines, &policy).await.map_err(|e| e.to_string())?;
                let store = Store::open().await.map_err(|e| e.to_string())?;
                let current = store.get(LEDGER_GATEWAYS_KEY).await.map_err(|e| e.to_string())?;
                store
                    .compare_and_put(
                        LEDGER_GATEWAYS_KEY,
                        current.as_deref(),
                        json.as_bytes(),
                        Replaced::Discard,
                    )
                    .await
                    .map_err(|e| e.to_string())
            }
            .await;
            let ok = saved.is_ok();
            let _ = outcome.try_set(Some(saved));
            if ok {
                on_saved();
            }
        });
    };
    view! {
        <section aria-labelledby="gateways-title">
            <h2 id="gateways-title">"Gateways"</h2>
            <form on:submit=save>
                <label for="gateway-lines">
                    "Gateways of one log, one per line: URL, space, log key (name+hash+base64). Asked in this order."
                </label>
                <textarea
                    id="gateway-lines"
                    rows="3"
                    spellcheck="false"
                    prop:value=lines
                    on:input=move |event| lines.set(event_target_value(&event))
                ></textarea>
                <label for="witness-policy">
                    "Witness policy (C2SP tlog-policy), optional: checkpoints without its quorum are refused."
                </label>
                <textarea
                    id="witness-policy"
                    rows="3"
                    spellcheck="false"
                    prop:value=policy
                    on:input=move |event| policy.set(event_target_value(&event))
                ></textarea>
                <button type="submit" data-testid="gateways-save">"Save and check"</button>
            </form>
            {move || match outcome.get() {
                Some(Err(reason)) => Some(view! { <p class="error" role="alert" data-testid="gateways-error">{reason}</p> }.into_any()),
                Some(Ok(())) => Some(view! { <p role="status">"Saved."</p> }.into_any()),
                None => None,
            }}
        </section>
    }
}

/// Where the ledger holds each of this wallet's grants (while unlocked).
#[component]
fn GrantsOnLedger() -> impl IntoView {
    let wallet = expect_context::<Wallet>();
    move || {
        let grants = wallet.grants.get();
        (wallet.status.get() == WalletStatus::Unlocked && !grants.is_empty()).then(|| {
            view! {
                <section aria-labelledby="ledger-grants-title">
                    <h2 id="ledger-grants-title">"Your grants on the ledger"</h2>
                    <ul>
                        {grants.into_iter().rev().map(|grant| view! {
                            <li data-testid="ledger-grant">
                                <strong>{categories_in_words(&grant.scopes)}</strong> " — " {ledger_words(&grant)}
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        })
    }
}
