//! The wallet's ledger client. It runs in the vault worker, and every request the wallet makes
//! to a gateway is here. It fetches checkpoints and tiles from the configured gateways, with a
//! timeout per request, one retry for a busy gateway and failover to the next. It drives
//! `wasm-core`'s `tlog::sync` machines (the ones `assent` runs on the command line), so the page
//! only ever shows what was verified.

use js_sys::{Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_core::accessmap::{TrailCheck, TrailCheckReport, TrailGrant};
use wasm_core::consent::ledger_check::{CheckpointClock, LedgerCheck, LedgerCheckReport};
use wasm_core::consent::revocation_check::{RevocationCheck, RevocationCheckReport};
use wasm_core::consent::SignedGrant;
use wasm_core::tlog::sync::{Fetch, GatewayOutcome, Refresh, RefreshReport, Submit, SubmitReport};
use wasm_core::tlog::view::{LogTrust, LogView};

/// How long one request may take before the next gateway is asked.
pub const REQUEST_TIMEOUT_MS: u32 = 5_000;
/// The path, on the app's own origin, of the local gateway's log verifier key.
pub const LOCAL_VKEY_PATH: &str = "/log-vkey";

/// One gateway of a log, as the patient configured it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayConfig {
    /// The URL prefix its log paths are under, e.g. `https://ledger.example` (no trailing slash).
    pub url: String,
    /// The log's verifier key, `name+hash+base64`.
    pub vkey: String,
    /// A C2SP tlog-policy of witnesses every checkpoint must meet, if any.
    #[serde(default)]
    pub policy: Option<String>,
}

/// `GET url`: the body of a 2xx answer, or why there is none, in words.
pub async fn get(url: &str) -> Result<Vec<u8>, String> {
    let mut retried = false;
    loop {
        let (status, body) = request("GET", url, None).await?;
        if (status == 429 || status == 503) && !retried {
            retried = true;
            sleep(250).await;
            continue;
        }
        if !(200..300).contains(&status) {
            return Err(format!("{url} answered HTTP {status}"));
        }
        return Ok(body);
    }
}

/// One request with the timeout: the status and body.
pub async fn request(method: &str, url: &str, body: Option<&[u8]>) -> Result<(u16, Vec<u8>), String> {
    let scope: web_sys::WorkerGlobalScope =
        js_sys::global().dyn_into().map_err(|_| "requests are made from the wallet's worker".to_owned())?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_signal(Some(&web_sys::AbortSignal::timeout_with_u32(REQUEST_TIMEOUT_MS)));
    if let Some(body) = body {
        init.set_body(&Uint8Array::from(body));
    }
    let unreachable = |error: JsValue| {
        let timed_out = Reflect::get(&error, &"name".into())
            .ok()
            .and_then(|name| name.as_string())
            .is_some_and(|name| name == "TimeoutError");
        if timed_out {
            format!("{url} did not answer within {} seconds", REQUEST_TIMEOUT_MS / 1000)
        } else {
            format!("{url} could not be reached: check your connection, and the gateway's address on the Ledger page")
        }
    };
    let response: web_sys::Response = JsFuture::from(scope.fetch_with_str_and_init(url, &init))
        .await
        .map_err(unreachable)?
        .unchecked_into();
    let buffer = response.array_buffer().map_err(unreachable)?;
    let bytes = JsFuture::from(buffer).await.map_err(unreachable)?;
    Ok((response.status(), Uint8Array::new(&bytes).to_vec()))
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Ok(scope) = js_sys::global().dyn_into::<web_sys::WorkerGlobalScope>() {
            let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The gateways of the stored settings (JSON; empty: none stored), or else the local gateway
/// (see [`gateways_or_local`]).
pub async fn gateways(settings_json: &str) -> Result<Vec<GatewayConfig>, String> {
    let configured = if settings_json.trim().is_empty() {
        Vec::new()
    } else {
        serde_json::from_str(settings_json).map_err(|_| {
            "the stored gateway settings are damaged; enter them again on the Ledger page".to_owned()
        })?
    };
    gateways_or_local(configured).await
}

/// The gateways to use: `configured`, or else the local gateway that served this app (its key
/// read from [`LOCAL_VKEY_PATH`] on the same origin, as trustworthy as the app's own code).
pub async fn gateways_or_local(configured: Vec<GatewayConfig>) -> Result<Vec<GatewayConfig>, String> {
    if !configured.is_empty() {
        return Ok(configured);
    }
    let scope: web_sys::WorkerGlobalScope =
        js_sys::global().dyn_into().map_err(|_| "requests are made from the wallet's worker".to_owned())?;
    let origin = scope.location().origin();
    let vkey = get(&format!("{origin}{LOCAL_VKEY_PATH}")).await?;
    let vkey = String::from_utf8(vkey).map_err(|_| "the local gateway's log key is not text".to_owned())?;
    Ok(vec![GatewayConfig { url: origin, vkey: vkey.trim().to_owned(), policy: None }])
}

/// The view of the log the `gateways` serve (all must be of one log: one key, one policy),
/// from `saved_note`, the last checkpoint verified, if it still verifies; and a notice if it
/// did not.
pub fn view_of(
    gateways: &[GatewayConfig],
    saved_note: Option<&str>,
) -> Result<(LogView, Option<String>), String> {
    let first = gateways.first().ok_or("no gateway is configured: add one in the ledger settings")?;
    if gateways.iter().any(|gateway| gateway.vkey != first.vkey || gateway.policy != first.policy) {
        return Err("these gateways are for different logs: give each log its own list".to_owned());
    }
    let trust = LogTrust::new(&first.vkey, first.policy.as_deref()).map_err(|error| error.to_string())?;
    Ok(match saved_note {
        Some(note) => match LogView::restore(trust.clone(), note) {
            Ok(view) => (view, None),
            Err(error) => (
                LogView::new(trust),
                Some(format!(
                    "the stored checkpoint did not verify ({error}); starting again from the gateways"
                )),
            ),
        },
        None => (LogView::new(trust), None),
    })
}

/// One request of a machine, to the gateway it names.
async fn answer(gateways: &[GatewayConfig], fetch: &Fetch) -> Result<Vec<u8>, String> {
    let base = &gateways.get(fetch.gateway).ok_or("no such gateway")?.url;
    let url = format!("{base}/{}", fetch.path);
    let Some(body) = &fetch.body else { return get(&url).await };
    let (status, reply) = request("POST", &url, Some(body)).await?;
    if (200..300).contains(&status) {
        return Ok(reply);
    }
    // The gateway's reason, when it gives one as {"error": "..."}.
    let reason = serde_json::from_slice::<serde_json::Value>(&reply)
        .ok()
        .and_then(|json| json["error"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("HTTP {status}"));
    Err(format!("{url} refused the entry: {reason}"))
}

/// Brings the view of the log the `gateways` serve up to date, from `saved_note` (the last
/// checkpoint verified, if any).
pub async fn refresh(
    gateways: &[GatewayConfig],
    saved_note: Option<&str>,
) -> Result<serde_json::Value, String> {
    let (view, notice) = view_of(gateways, saved_note)?;
    let mut machine = Refresh::new(view, gateways.len());
    while let Some(fetch) = machine.next_fetch() {
        machine.receive(answer(gateways, &fetch).await);
    }
    let (view, report) = machine.finish();
    Ok(report_json(gateways, &view, &report, notice))
}

/// Submits `entry` through the `gateways` and proves its inclusion (see [`Submit`]).
pub async fn submit(gateways: &[GatewayConfig], view: LogView, entry: Vec<u8>) -> (LogView, SubmitReport) {
    let mut machine = Submit::new(view, entry, gateways.len());
    while let Some(fetch) = machine.next_fetch() {
        machine.receive(answer(gateways, &fetch).await);
    }
    machine.finish()
}

/// Checks that `grant` is at `index` (from its code) of the log the `gateways` serve, from the
/// view of `saved_note`, an offline result dated by `clock` (see [`LedgerCheck`]).
pub async fn check_grant(
    gateways: &[GatewayConfig],
    saved_note: Option<&str>,
    grant: &SignedGrant,
    index: Option<u64>,
    clock: CheckpointClock,
) -> Result<LedgerCheckReport, String> {
    let (view, _) = view_of(gateways, saved_note)?;
    let mut machine = LedgerCheck::new(grant, index, view, gateways.len()).dated(clock);
    while let Some(fetch) = machine.next_fetch() {
        machine.receive(answer(gateways, &fetch).await);
    }
    Ok(machine.finish())
}

/// Checks whether `grant` is revoked at `clock.now` in the log the `gateways` serve, from
/// `view`, with the provider's freshness window (see [`RevocationCheck`]).
pub async fn check_revocation(
    gateways: &[GatewayConfig],
    view: LogView,
    grant: &SignedGrant,
    clock: CheckpointClock,
    freshness_secs: u64,
) -> RevocationCheckReport {
    let mut machine = RevocationCheck::new(grant, view, gateways.len(), clock.now, freshness_secs)
        .confirmed_at(clock.confirmed_at);
    while let Some(fetch) = machine.next_fetch() {
        machine.receive(answer(gateways, &fetch).await);
    }
    machine.finish()
}

/// Checks the access trails of `grants` in the log the `gateways` serve, from `view` (see
/// [`TrailCheck`]).
pub async fn check_trails(
    gateways: &[GatewayConfig],
    view: LogView,
    grants: &[TrailGrant],
) -> TrailCheckReport {
    let mut machine = TrailCheck::new(grants, view, gateways.len());
    while let Some(fetch) = machine.next_fetch() {
        machine.receive(answer(gateways, &fetch).await);
    }
    machine.finish()
}

fn report_json(
    gateways: &[GatewayConfig],
    view: &LogView,
    report: &RefreshReport,
    notice: Option<String>,
) -> serde_json::Value {
    let outcomes: Vec<serde_json::Value> = report
        .gateways
        .iter()
        .map(|(index, outcome)| {
            let (kind, detail) = match outcome {
                GatewayOutcome::First { size } => {
                    ("verified", format!("first checkpoint seen: {size} entries"))
                }
                GatewayOutcome::Current { size } => ("verified", format!("up to date: {size} entries")),
                GatewayOutcome::Advanced { from, to } => {
                    ("verified", format!("grew from {from} to {to} entries, consistency proven"))
                }
                GatewayOutcome::Behind { verified, offered } => (
                    "behind",
                    format!("serves {offered} entries, older than the {verified} already verified: stale"),
                ),
                GatewayOutcome::Failed { reason } => ("failed", reason.clone()),
            };
            let url = gateways.get(*index).map(|gateway| gateway.url.clone()).unwrap_or_default();
            serde_json::json!({ "url": url, "outcome": kind, "detail": detail })
        })
        .collect();
    let latest = view.latest().map(|latest| {
        serde_json::json!({
            "size": latest.size(),
            "root": hex::encode(latest.root()),
            "note": latest.note(),
            "witnesses": latest.witnesses(),
            "newest_cosignature": latest.newest_cosignature(),
        })
    });
    serde_json::json!({
        "origin": view.trust().origin(),
        "latest": latest,
        "gateways": outcomes,
        "fork": report.fork.as_ref().map(|evidence| evidence.to_json()),
        "notice": notice,
    })
}

/// Gateway settings from the settings form: one gateway per line (`URL LOG-KEY`), and one
/// witness policy (empty: none) for the log. Every key and the policy must parse.
pub fn settings_from_form(lines: &str, policy: &str) -> Result<Vec<GatewayConfig>, String> {
    let policy = (!policy.trim().is_empty()).then(|| policy.to_owned());
    let mut gateways = Vec::new();
    for (number, line) in lines.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let line_number = number + 1;
        let mut parts = line.split_whitespace();
        let (Some(url), Some(vkey), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!(
                "line {line_number}: enter a gateway's URL, a space, and the log's key (name+hash+base64)"
            ));
        };
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!(
                "line {line_number}: the URL does not start with https://; enter the gateway's full address"
            ));
        }
        LogTrust::new(vkey, policy.as_deref()).map_err(|error| format!("line {line_number}: {error}"))?;
        gateways.push(GatewayConfig {
            url: url.trim_end_matches('/').to_owned(),
            vkey: vkey.to_owned(),
            policy: policy.clone(),
        });
    }
    if gateways.is_empty() {
        return Err("add at least one gateway".to_owned());
    }
    Ok(gateways)
}

/// The settings form's text for `gateways`: the gateway lines and the policy.
pub fn settings_form(gateways: &[GatewayConfig]) -> (String, String) {
    let lines: Vec<String> =
        gateways.iter().map(|gateway| format!("{} {}", gateway.url, gateway.vkey)).collect();
    let policy = gateways.first().and_then(|gateway| gateway.policy.clone()).unwrap_or_default();
    (lines.join("\n"), policy)
}
