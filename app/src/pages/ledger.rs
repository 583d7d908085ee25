//! The ledger page: what the wallet verified about the log, from which gateways, and whether any
//! of them lied; the gateway settings; and a Merkle tree calculator that hashes entries with the
//! same RFC 6962 code the gateway and the verifier use.

use js_sys::{Array, Object, Reflect};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::{JsCast, JsValue};

use crate::browser;
use crate::storage::{Replaced, Store, LEDGER_CHECKPOINT_PREFIX, LEDGER_FORK_PREFIX, LEDGER_GATEWAYS_KEY};
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
    let settings = text(store.get(LEDGER_GATEWAYS_KEY).await.map_err(|e| e.to_string())?).unwrap_or_default();
    let checkpoint_key = |vkey: &str| format!("{LEDGER_CHECKPOINT_PREFIX}{vkey}");
    let saved = match vault_worker::settings_vkey(&settings) {
        Some(vkey) => store.get(&checkpoint_key(&vkey)).await.map_err(|e| e.to_string())?,
        None => None,
    };
    let saved_note = text(saved.clone()).unwrap_or_default();
    let report = vault_worker::refresh_ledger(&settings, &saved_note).await.map_err(|e| e.to_string())?;
    if settings.is_empty() {
        // The preset (the gateway that served this app) becomes the stored setting.
        let _ = store
            .compare_and_put(LEDGER_GATEWAYS_KEY, None, report.settings.as_bytes(), Replaced::Discard)
            .await;
    }
    if let Some(latest) = &report.latest {
        if latest.note != saved_note {
            // Another tab may have moved on meanwhile; its view is as good as this one.
            let key = checkpoint_key(&report.vkey);
            let _ = store
                .compare_and_put(&key, saved.as_deref(), latest.note.as_bytes(), Replaced::Discard)
                .await;
        }
    }
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

/// Gateway settings as JSON from the form: one gateway per line (`URL LOG-KEY`), one policy.
fn settings_json(lines: &str, policy: &str) -> Result<String, String> {
    let list = Array::new();
    for (number, line) in lines.lines().map(str::trim).enumerate().filter(|(_, line)| !line.is_empty()) {
        let mut parts = line.split_whitespace();
        let (Some(url), Some(vkey), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "line {} should be a gateway's URL, a space, and its log key (name+hash+base64)",
                number + 1
            ));
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("line {}: the URL should start with https://", number + 1));
        }
        let gateway = Object::new();
        let policy = if policy.trim().is_empty() { JsValue::NULL } else { JsValue::from_str(policy) };
        for (name, value) in
            [("url", url.trim_end_matches('/').into()), ("vkey", vkey.into()), ("policy", policy)]
        {
            Reflect::set(&gateway, &name.into(), &value)
                .map_err(|_| "cannot build the settings".to_owned())?;
        }
        list.push(&gateway);
    }
    if list.length() == 0 {
        return Err("add at least one gateway".to_owned());
    }
    js_sys::JSON::stringify(&list).map(String::from).map_err(|_| "cannot build the settings".to_owned())
}

/// The form's text for stored settings: gateway lines and the policy.
fn settings_text(settings_json: &str) -> (String, String) {
    let Ok(list) = js_sys::JSON::parse(settings_json).and_then(|list| list.dyn_into::<Array>()) else {
        return (String::new(), String::new());
    };
    let get = |item: &JsValue, name: &str| Reflect::get(item, &name.into()).ok().and_then(|v| v.as_string());
    let lines = list
        .iter()
        .map(|item| {
            format!("{} {}", get(&item, "url").unwrap_or_default(), get(&item, "vkey").unwrap_or_default())
        })
        .collect::<Vec<_>>()
        .join("\n");
    (lines, get(&list.get(0), "policy").unwrap_or_default())
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
                    let (gateways, witness_policy) = settings_text(&view.report.settings);
                    let _ = lines.try_set(gateways);
                    let _ = policy.try_set(witness_policy);
                }
            }
            let _ = state.try_set(Some(checked));
        });
    };
    refresh();
    view! {
        <h1>"Ledger"</h1>
        <p>
            "Grants and revocations are recorded on a public transparency log. This wallet checks every checkpoint, proof and tile the gateways serve, and trusts none of them."
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
            <section class="danger" role="alert" data-testid="fork-banner">
                <h2>"This log has forked"</h2>
                <p>
                    "Two checkpoints signed by this log describe different histories, so at least one gateway or the log's operator is not telling the truth. Grants shown as on the ledger cannot be relied on until this is resolved. Download the evidence and send it to the log's operator and witnesses."
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
                None => "no witness cosignatures (none are required by the settings)".to_owned(),
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
        let json = match settings_json(&lines.get(), &policy.get()) {
            Ok(json) => json,
            Err(reason) => return outcome.set(Some(Err(reason))),
        };
        spawn_local(async move {
            let saved = async {
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
                    "Gateways of the log, one per line: the URL, a space, and the log's key (name+hash+base64). They are asked in this order; all must serve the same log."
                </label>
                <textarea
                    id="gateway-lines"
                    rows="3"
                    spellcheck="false"
                    prop:value=lines
                    on:input=move |event| lines.set(event_target_value(&event))
                ></textarea>
                <label for="witness-policy">
                    "Witness policy (C2SP tlog-policy), optional: checkpoints without the quorum of cosignatures it asks for are refused."
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
                "Type log entries, one per line, to see the tree head a transparency log would sign for them (RFC 6962 hashing, computed in this browser)."
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
