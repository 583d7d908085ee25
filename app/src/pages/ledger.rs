//! The ledger page: what the wallet verified about the log, from which gateways, and whether any
//! of them lied; the gateway settings; and a Merkle tree calculator that hashes entries with the
//! same RFC 6962 code the gateway and the verifier use.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;
use crate::ledger_state::Stored;
use crate::storage::{Replaced, Store, LEDGER_FORK_PREFIX, LEDGER_GATEWAYS_KEY};
use crate::vault_worker::{self, LedgerReport, TreeHeadReport, WorkerError};

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
    let text = |bytes: Option<Vec<u8>>| bytes.and_then(|bytes| String::from_utf8(bytes).ok());
    let stored = Stored::load(&store).await.map_err(|e| e.to_string())?;
    let report = vault_worker::refresh_ledger(&stored.settings, &stored.saved_note())
        .await
        .map_err(|e| e.to_string())?;
    let latest_note = report.latest.as_ref().map(|latest| latest.note.as_str()).unwrap_or_default();
    stored.keep(&store, &report.settings, latest_note).await;
    let fork_key = format!("{LEDGER_FORK_PREFIX}{}", report.vkey);
    let stored_fork = text(store.get(&fork_key).await.map_err(|e| e.to_string())?);
    let fork = match (&report.fork, stored_fork) {
        (Some(found), stored) => {
            // Evidence is never lost: an earlier copy is archived.
            let replaced = Replaced::Archive { now_ms: browser::now_ms() };
            store
                .compare_and_put(&fork_key, stored.as_deref().map(str::as_bytes), found.as_bytes(), replaced)
                .await
                .map_err(|e| e.to_string())?;
            Some(found.clone())
        }
        (None, stored) => stored,
    };
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
        <GatewaySettings lines=lines policy=policy on_saved=refresh />
        <Calculator />
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
                "No checkpoint of this log could be verified yet: see each gateway below."
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

/// Hashes entries into a tree head, as a log would (in the worker, with the same code as
/// `assent tree-head`).
#[component]
fn Calculator() -> impl IntoView {
    let (entries, set_entries) = signal(String::new());
    let hex_lines = RwSignal::new(false);
    let head: RwSignal<Option<Result<TreeHeadReport, WorkerError>>> = RwSignal::new(None);
    // The worker answers in order, so the last answer is for the latest input.
    Effect::new(move |_| {
        let (lines, hex) = (entries.get(), hex_lines.get());
        spawn_local(async move {
            let _ = head.try_set(Some(vault_worker::tree_head(&lines, hex).await));
        });
    });
    let shown = move || {
        head.get().map(|result| {
            result.map(|head| {
                view! {
                    <dl class="tree-head">
                        <dt>"Tree size"</dt>
                        <dd data-testid="tree-size">{head.size}</dd>
                        <dt>"Root hash (hex)"</dt>
                        <dd data-testid="tree-root-hex" class="hash">{head.hex}</dd>
                        <dt>"Root hash (base64, as in a checkpoint)"</dt>
                        <dd data-testid="tree-root-base64" class="hash">{head.base64}</dd>
                    </dl>
                }
            })
        })
    };
    view! {
        <section aria-labelledby="calculator-title">
            <h2 id="calculator-title">"Merkle tree calculator"</h2>
            <p>
                "Type log entries, one per line, to see the tree head a log would sign for them (RFC 6962)."
            </p>
            <label for="entries">"Entries, one per line"</label>
            <textarea
                id="entries"
                rows="6"
                spellcheck="false"
                prop:value=entries
                on:input=move |event| set_entries.set(event_target_value(&event))
            ></textarea>
            <fieldset>
                <legend>"Read each line as"</legend>
                <label>
                    <input
                        type="radio"
                        name="encoding"
                        value="text"
                        prop:checked=move || !hex_lines.get()
                        on:change=move |_| hex_lines.set(false)
                    />
                    " text (UTF-8)"
                </label>
                <label>
                    <input
                        type="radio"
                        name="encoding"
                        value="hex"
                        prop:checked=move || hex_lines.get()
                        on:change=move |_| hex_lines.set(true)
                    />
                    " hexadecimal bytes"
                </label>
            </fieldset>
            <ErrorBoundary fallback=|errors| {
                view! {
                    <p class="error" role="alert" data-testid="calculator-error">
                        {move || {
                            errors.get().into_iter().map(|(_, error)| error.to_string()).collect::<Vec<_>>().join("; ")
                        }}
                    </p>
                }
            }>{shown}</ErrorBoundary>
        </section>
    }
}
