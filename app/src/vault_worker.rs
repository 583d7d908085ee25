//! The page's side of the vault worker (`vault-worker.js`): starts it on first use, sends
//! requests and awaits their answers. Errors from the vault come back with the vault's message.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_core::consent::issued::{IssuedGrant, IssuedRevocation, OnLedger};
use wasm_core::vault::{MasterSeed, RecordKind, SEED_LEN};
use zeroize::Zeroizing;

/// What the page does about a vault error from the worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VaultFailureKind {
    /// The passphrase does not open the record (counts toward the back-off).
    WrongPassphrase,
    /// The record is damaged (the wallet shows its damaged state).
    Damaged,
    /// Anything else: shown as it is.
    Other,
}

/// Why a worker call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkerError {
    /// The vault refused (wrong passphrase, damaged record, …); the message is the vault's.
    #[error("{message}")]
    Vault {
        /// What the page does about it.
        kind: VaultFailureKind,
        /// The vault's message, which says what to do.
        message: String,
    },
    /// The worker could not run.
    #[error("the wallet's background worker failed ({0}); reload the page and try again")]
    Worker(String),
    /// An operation in the worker (scanning, signing, the ledger) failed; the reason says what
    /// happened and what to do.
    #[error("{0}")]
    Reason(String),
}

type Reply = Result<JsValue, String>;

struct Connection {
    worker: web_sys::Worker,
    pending: Rc<RefCell<HashMap<u32, oneshot::Sender<Reply>>>>,
    next_id: Cell<u32>,
    _on_message: Closure<dyn FnMut(web_sys::MessageEvent)>,
    _on_error: Closure<dyn FnMut(web_sys::Event)>,
}

thread_local! {
    static CONNECTION: RefCell<Option<Rc<Connection>>> = const { RefCell::new(None) };
}

fn connection() -> Result<Rc<Connection>, WorkerError> {
    if let Some(existing) = CONNECTION.with(|c| c.borrow().clone()) {
        return Ok(existing);
    }
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    let worker = web_sys::Worker::new_with_options("/vault-worker.js", &options)
        .map_err(|_| WorkerError::Worker("this browser cannot start it".into()))?;
    let pending: Rc<RefCell<HashMap<u32, oneshot::Sender<Reply>>>> = Rc::default();

    let replies = pending.clone();
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let data = event.data();
        let Some(id) = Reflect::get(&data, &"id".into()).ok().and_then(|v| v.as_f64()) else { return };
        let Some(sender) = replies.borrow_mut().remove(&(id as u32)) else { return };
        let error = Reflect::get(&data, &"error".into()).ok().filter(|e| !e.is_undefined());
        let reply = match error {
            Some(error) => Err(error.as_string().unwrap_or_else(|| "unknown error".into())),
            None => Ok(Reflect::get(&data, &"ok".into()).unwrap_or(JsValue::UNDEFINED)),
        };
        let _ = sender.send(reply);
    });
    let failed = pending.clone();
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_event: web_sys::Event| {
        for (_, sender) in failed.borrow_mut().drain() {
            let _ = sender.send(Err("worker: it could not start".into()));
        }
        // Start afresh on the next call.
        CONNECTION.with(|c| c.borrow_mut().take());
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let connection = Rc::new(Connection {
        worker,
        pending,
        next_id: Cell::new(1),
        _on_message: on_message,
        _on_error: on_error,
    });
    CONNECTION.with(|c| *c.borrow_mut() = Some(connection.clone()));
    Ok(connection)
}

/// Starts the worker now, so its module is loaded by the time the patient submits a
/// passphrase. Failing here is harmless: the first call reports the error.
pub fn prepare() {
    let _ = connection();
}

async fn call(op: &str, args: Array) -> Result<JsValue, WorkerError> {
    let connection = connection()?;
    let id = connection.next_id.get();
    connection.next_id.set(id.wrapping_add(1));
    let (sender, receiver) = oneshot::channel();
    connection.pending.borrow_mut().insert(id, sender);
    let message = js_sys::Object::new();
    let fields: [(&str, JsValue); 3] = [("id", id.into()), ("op", op.into()), ("args", args.into())];
    for (name, value) in fields {
        Reflect::set(&message, &name.into(), &value)
            .map_err(|_| WorkerError::Worker("bad message".into()))?;
    }
    connection
        .worker
        .post_message(&message)
        .map_err(|_| WorkerError::Worker("it did not take the request".into()))?;
    match receiver.await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(text)) => Err(vault_failure(&text).unwrap_or(WorkerError::Worker(text))),
        Err(_) => Err(WorkerError::Worker("it stopped".into())),
    }
}

/// A vault error as the worker writes it: `{"vault": KIND, "message": TEXT}`.
fn vault_failure(text: &str) -> Option<WorkerError> {
    let reply = js_sys::JSON::parse(text).ok()?;
    let kind = match field_text(&reply, "vault")?.as_str() {
        "wrong-passphrase" => VaultFailureKind::WrongPassphrase,
        "damaged" => VaultFailureKind::Damaged,
        _ => VaultFailureKind::Other,
    };
    Some(WorkerError::Vault { kind, message: field_text(&reply, "message")? })
}

fn field(object: &JsValue, name: &str) -> Result<JsValue, WorkerError> {
    Reflect::get(object, &name.into()).map_err(|_| WorkerError::Worker("unexpected reply".into()))
}

fn field_text(object: &JsValue, name: &str) -> Option<String> {
    field(object, name).ok()?.as_string()
}

fn field_number(object: &JsValue, name: &str) -> Result<u64, WorkerError> {
    field(object, name)?
        .as_f64()
        .map(|n| n as u64)
        .ok_or_else(|| WorkerError::Worker("unexpected reply".into()))
}

fn parse_reply(text: &str) -> Result<JsValue, WorkerError> {
    js_sys::JSON::parse(text).map_err(|_| WorkerError::Worker("unexpected reply".into()))
}

fn bytes(value: JsValue) -> Result<Vec<u8>, WorkerError> {
    value
        .dyn_into::<Uint8Array>()
        .map(|a| a.to_vec())
        .map_err(|_| WorkerError::Worker("unexpected reply".into()))
}

/// Seals `plaintext` as a record of `kind` under `passphrase`, in the worker.
pub async fn seal(kind: RecordKind, plaintext: &[u8], passphrase: &str) -> Result<Vec<u8>, WorkerError> {
    let args = Array::of3(&kind.to_byte().into(), &Uint8Array::from(plaintext), &passphrase.into());
    bytes(call("seal", args).await?)
}

/// Checks a stored record's header and checksum without opening it, in the worker.
pub async fn inspect(kind: RecordKind, record: &[u8]) -> Result<(), WorkerError> {
    call("inspect", Array::of2(&kind.to_byte().into(), &Uint8Array::from(record))).await.map(|_| ())
}

/// Opens a record of `kind` with `passphrase`, in the worker.
pub async fn open(
    kind: RecordKind,
    record: &[u8],
    passphrase: &str,
) -> Result<Zeroizing<Vec<u8>>, WorkerError> {
    let args = Array::of3(&kind.to_byte().into(), &Uint8Array::from(record), &passphrase.into());
    bytes(call("open", args).await?).map(Zeroizing::new)
}

/// A passphrase-strength estimate (zxcvbn).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Strength {
    /// 0 (very weak) to 4 (very strong).
    pub score: u8,
    /// The estimator's warning, or empty.
    pub warning: String,
    /// A suggestion, or empty.
    pub suggestion: String,
}

/// Estimates a passphrase's strength, in the worker.
pub async fn strength(passphrase: &str) -> Result<Strength, WorkerError> {
    let reply = parse_reply(&text_reply(call("strength", Array::of1(&passphrase.into())).await?)?)?;
    Ok(Strength {
        score: field_number(&reply, "score")?.min(4) as u8,
        warning: field_text(&reply, "warning").unwrap_or_default(),
        suggestion: field_text(&reply, "suggestion").unwrap_or_default(),
    })
}

/// A list of strings as a JS array of strings.
fn string_array(items: &[String]) -> Array {
    items.iter().map(|item| JsValue::from_str(item)).collect()
}

/// The strings of a JS array (non-strings skipped).
fn strings(value: JsValue) -> Vec<String> {
    value
        .dyn_into::<Array>()
        .map(|list| list.iter().filter_map(|item| item.as_string()).collect())
        .unwrap_or_default()
}

/// Errors from consent operations are reasons in words, not worker failures.
fn reason(error: WorkerError) -> WorkerError {
    match error {
        WorkerError::Worker(text) if !text.starts_with("worker:") => WorkerError::Reason(text),
        other => other,
    }
}

fn text_reply(reply: JsValue) -> Result<String, WorkerError> {
    reply.as_string().ok_or_else(|| WorkerError::Worker("unexpected reply".into()))
}

/// Finds and reads a QR code in RGBA pixels, in the worker (rqrr). The error is the reason.
pub async fn scan_qr(rgba: &[u8], width: usize, height: usize) -> Result<String, WorkerError> {
    let args = Array::of3(&Uint8Array::from(rgba), &(width as u32).into(), &(height as u32).into());
    text_reply(call("scan", args).await.map_err(reason)?)
}

/// A grant just signed: its QR payload, the code as SVG, and the wallet's entry for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCode {
    /// The `AS1:` text.
    pub payload: String,
    /// The QR code.
    pub svg: String,
    /// What the wallet keeps in its grant list, as JSON for the worker's state operations.
    pub entry_json: String,
    /// The grant's id (hex).
    pub id: String,
}

/// What the patient chose for a grant.
pub struct GrantRequest<'a> {
    /// The unlocked wallet's seed: the worker derives the pairwise key for this provider.
    pub seed: &'a MasterSeed,
    /// The provider's public key.
    pub provider_key: &'a [u8; 32],
    /// SMART v2 scopes.
    pub scopes: &'a [String],
    /// HL7 PurposeOfUse code.
    pub purpose: &'a str,
    /// Now (Unix seconds).
    pub now: u64,
    /// Expiry (Unix seconds).
    pub expires_at: u64,
    /// Log origin.
    pub log_origin: &'a str,
}

/// Signs a grant in the worker and renders its code.
pub async fn sign_grant(request: GrantRequest<'_>) -> Result<SignedCode, WorkerError> {
    let scopes: String = js_sys::JSON::stringify(&string_array(request.scopes))
        .map_err(|_| WorkerError::Worker("cannot encode the scopes".into()))?
        .into();
    let args = Array::new();
    for value in [
        Uint8Array::from(&request.seed.expose_bytes()[..]).into(),
        Uint8Array::from(&request.provider_key[..]).into(),
        JsValue::from_str(&scopes),
        JsValue::from_str(request.purpose),
        JsValue::from(request.now),
        JsValue::from(request.expires_at),
        JsValue::from_str(request.log_origin),
    ] {
        args.push(&value);
    }
    let reply = parse_reply(&text_reply(call("sign", args).await.map_err(reason)?)?)?;
    let text = |name| field_text(&reply, name).ok_or_else(|| WorkerError::Worker("unexpected reply".into()));
    let entry = js_sys::JSON::stringify(&field(&reply, "entry")?)
        .map_err(|_| WorkerError::Worker("unexpected reply".into()))?;
    let entry_object = field(&reply, "entry")?;
    let id = field_text(&entry_object, "id").ok_or_else(|| WorkerError::Worker("unexpected reply".into()))?;
    Ok(SignedCode { payload: text("payload")?, svg: text("svg")?, entry_json: entry.into(), id })
}

/// The wallet state's grants, read field by field from the worker's JSON (the page carries no
/// JSON decoder of its own for them).
fn grants_of(json: &str) -> Result<Vec<IssuedGrant>, WorkerError> {
    let list: Array =
        parse_reply(json)?.dyn_into().map_err(|_| WorkerError::Worker("unexpected reply".into()))?;
    list.iter()
        .map(|item| {
            let text =
                |name| field_text(&item, name).ok_or_else(|| WorkerError::Worker("unexpected reply".into()));
            let scopes: Array = field(&item, "scopes")?
                .dyn_into()
                .map_err(|_| WorkerError::Worker("unexpected reply".into()))?;
            let revocation = field(&item, "revocation")?;
            let revocation = if revocation.is_null() || revocation.is_undefined() {
                None
            } else {
                Some(IssuedRevocation {
                    revoked_at: field_number(&revocation, "revoked_at")?,
                    signed: field_text(&revocation, "signed").unwrap_or_default(),
                    ledger: on_ledger(&revocation),
                })
            };
            Ok(IssuedGrant {
                id: text("id")?,
                provider_key: text("provider_key")?,
                scopes: scopes.iter().filter_map(|s| s.as_string()).collect(),
                purpose: text("purpose")?,
                issued_at: field_number(&item, "issued_at")?,
                not_before: field_number(&item, "not_before")?,
                expires_at: field_number(&item, "expires_at")?,
                commitment: text("commitment")?,
                payload: text("payload")?,
                revocation,
                ledger: on_ledger(&item),
            })
        })
        .collect()
}

/// An entry's place on the ledger, if the object records one.
fn on_ledger(object: &JsValue) -> Option<OnLedger> {
    let ledger = field(object, "ledger").ok().filter(JsValue::is_object)?;
    Some(OnLedger {
        index: field_number(&ledger, "index").ok()?,
        checkpoint_size: field_number(&ledger, "checkpoint_size").ok()?,
    })
}

/// The seed's bytes for the worker, which derives every key from them.
fn seed_bytes(seed: &MasterSeed) -> Uint8Array {
    Uint8Array::from(&seed.expose_bytes()[..])
}

/// The grants of the stored wallet state (`record`: `None` when none is stored), opened in the
/// worker with the wallet's record key (derived there from `seed`).
pub async fn open_state(seed: &MasterSeed, record: Option<&[u8]>) -> Result<Vec<IssuedGrant>, WorkerError> {
    let args = Array::of2(&seed_bytes(seed), &Uint8Array::from(record.unwrap_or_default()));
    grants_of(&text_reply(call("openState", args).await?)?)
}

/// A changed wallet state: the sealed record to store and its grants.
pub struct StateChange {
    /// The new sealed record.
    pub sealed: Vec<u8>,
    /// Its grants.
    pub grants: Vec<IssuedGrant>,
}

fn state_change(reply: JsValue) -> Result<StateChange, WorkerError> {
    let parts: Array = reply.dyn_into().map_err(|_| WorkerError::Worker("unexpected reply".into()))?;
    Ok(StateChange { sealed: bytes(parts.get(0))?, grants: grants_of(&text_reply(parts.get(1))?)? })
}

/// Adds a signed grant's entry to the state in `record` (`None`: start a new list), in the worker.
pub async fn add_grant(
    seed: &MasterSeed,
    record: Option<&[u8]>,
    entry_json: &str,
) -> Result<StateChange, WorkerError> {
    let args =
        Array::of3(&seed_bytes(seed), &Uint8Array::from(record.unwrap_or_default()), &entry_json.into());
    state_change(call("addGrant", args).await?)
}

/// Revokes grant `id` in the state in `record`, signing with the pairwise key that signed it
/// (derived from `seed`), in the worker.
pub async fn revoke_grant(
    seed: &MasterSeed,
    record: Option<&[u8]>,
    id: &str,
    now: u64,
) -> Result<StateChange, WorkerError> {
    let args = Array::new();
    for value in [
        seed_bytes(seed).into(),
        Uint8Array::from(record.unwrap_or_default()).into(),
        JsValue::from_str(id),
        JsValue::from(now),
    ] {
        args.push(&value);
    }
    state_change(call("revokeGrant", args).await.map_err(reason)?)
}

/// One check of a verdict report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    /// `format`, `signature`, `audience`, `not_before`, `expiry`, `ledger` or `revocation`.
    pub check: String,
    /// `passed`, `failed`, `not_checked` or `offline` (proven only against the last checkpoint
    /// this browser verified, because no gateway answered).
    pub outcome: String,
    /// What was seen, or why it failed or was not checked.
    pub detail: String,
}

/// What a readable grant allows, for the verdict's summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantSummary {
    /// SMART v2 scopes.
    pub scopes: Vec<String>,
    /// The purpose, in words.
    pub purpose_words: String,
    /// The log the grant names.
    pub log_origin: String,
}

/// A verdict report (see `wasm_core::consent::report`), read field by field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerdictReport {
    /// The offline checks pass.
    pub valid: bool,
    /// The verdict in one sentence (`wasm_core::consent::report::headline`).
    pub headline: String,
    /// The grant's place on the ledger, if its code carries one.
    pub ledger_index: Option<u64>,
    /// Every check.
    pub checks: Vec<CheckReport>,
    /// The claims, when readable.
    pub grant: Option<GrantSummary>,
}

impl VerdictReport {
    /// Whether the ledger and revocation checks both passed: the grant stands, as verified.
    pub fn confirmed(&self) -> bool {
        ["ledger", "revocation"]
            .iter()
            .all(|name| self.checks.iter().any(|check| check.check == *name && check.outcome == "passed"))
    }

    /// Replaces the ledger check's outcome and detail.
    pub fn set_ledger(&mut self, outcome: &str, detail: String) {
        if let Some(check) = self.checks.iter_mut().find(|check| check.check == "ledger") {
            check.outcome = outcome.to_owned();
            check.detail = detail;
        }
    }
}

/// Verifies a consent code's text in the worker.
pub async fn verify_payload(
    text: &str,
    now: u64,
    audience: Option<&[u8; 32]>,
) -> Result<VerdictReport, WorkerError> {
    let args = Array::of3(&text.into(), &JsValue::from(now), &audience_bytes(audience));
    verdict_of(&parse_reply(&text_reply(call("verify", args).await?)?)?)
}

fn audience_bytes(audience: Option<&[u8; 32]>) -> Uint8Array {
    audience.map_or_else(|| Uint8Array::new_with_length(0), |key| Uint8Array::from(&key[..]))
}

/// What a ledger check used and verified, for the page to keep.
pub struct LedgerKept {
    /// The gateway settings used (JSON).
    pub settings: String,
    /// The latest verified checkpoint (empty: none).
    pub note: String,
    /// Fork evidence (JSON), if the gateways showed a fork.
    pub fork: Option<String>,
    /// A gateway served the latest verified checkpoint in this check.
    pub confirmed: bool,
}

/// Verifies a consent code's text in the worker and, if the offline checks pass, its place on
/// the ledger through the stored gateway settings (JSON; empty: the local gateway), from the
/// last verified checkpoint (empty: none) and when a gateway last confirmed it (`saved`);
/// "not revoked" needs a checkpoint at most `freshness_minutes` old.
pub async fn verify_on_ledger(
    text: &str,
    now: u64,
    audience: Option<&[u8; 32]>,
    settings: &str,
    (saved_note, confirmed_at): (&str, Option<u64>),
    freshness_minutes: u64,
) -> Result<(VerdictReport, LedgerKept), WorkerError> {
    let args = Array::of5(
        &text.into(),
        &JsValue::from(now),
        &audience_bytes(audience),
        &settings.into(),
        &saved_note.into(),
    );
    args.push(&JsValue::from(confirmed_at.unwrap_or_default()));
    args.push(&JsValue::from(freshness_minutes));
    let reply = parse_reply(&text_reply(call("verifyOnLedger", args).await.map_err(reason)?)?)?;
    let settings = js_sys::JSON::stringify(&field(&reply, "settings")?)
        .map_err(|_| WorkerError::Worker("unexpected reply".into()))?
        .into();
    let kept = LedgerKept {
        settings,
        note: field_text(&reply, "note").unwrap_or_default(),
        fork: field_text(&reply, "fork"),
        confirmed: field(&reply, "confirmed")?.as_bool().unwrap_or(false),
    };
    Ok((verdict_of(&reply)?, kept))
}

/// A verdict report read from the worker's JSON.
fn verdict_of(reply: &JsValue) -> Result<VerdictReport, WorkerError> {
    let unexpected = || WorkerError::Worker("unexpected reply".into());
    let checks: Array = field(reply, "checks")?.dyn_into().map_err(|_| unexpected())?;
    let checks = checks
        .iter()
        .map(|check| {
            let text = |name| field_text(&check, name).ok_or_else(unexpected);
            Ok(CheckReport { check: text("check")?, outcome: text("outcome")?, detail: text("detail")? })
        })
        .collect::<Result<_, WorkerError>>()?;
    let grant = field(reply, "grant")?;
    let grant = (grant.is_object()).then(|| GrantSummary {
        scopes: strings(field(&grant, "scopes").unwrap_or(JsValue::NULL)),
        purpose_words: field_text(&grant, "purpose_words").unwrap_or_default(),
        log_origin: field_text(&grant, "log_origin").unwrap_or_default(),
    });
    Ok(VerdictReport {
        valid: field(reply, "valid")?.as_bool().ok_or_else(unexpected)?,
        headline: field_text(reply, "headline").unwrap_or_default(),
        ledger_index: field_number(reply, "ledger_index").ok(),
        checks,
        grant,
    })
}

/// Records on the ledger that this wallet, as the provider, uses the grant in the consent code
/// `text` at `now`: an access event signed in the worker and its inclusion proven. Returns its
/// index and the size of the checkpoint it was proven in.
pub async fn record_access(seed: &MasterSeed, text: &str, now: u64) -> Result<(u64, u64), WorkerError> {
    let args = Array::of3(&seed_bytes(seed), &text.into(), &JsValue::from(now));
    let reply = parse_reply(&text_reply(call("recordAccess", args).await.map_err(reason)?)?)?;
    Ok((field_number(&reply, "index")?, field_number(&reply, "checkpoint_size")?))
}

/// The patient's access trail, checked in the worker (see `access_trail` there): the report
/// (JSON, kept for filtering and export) and its view (HTML).
pub async fn access_trail(
    seed: &MasterSeed,
    record: Option<&[u8]>,
    utc_offset_minutes: i32,
) -> Result<(String, String), WorkerError> {
    let args = Array::of3(
        &seed_bytes(seed),
        &Uint8Array::from(record.unwrap_or_default()),
        &JsValue::from(utc_offset_minutes),
    );
    let reply = parse_reply(&text_reply(call("accessTrail", args).await.map_err(reason)?)?)?;
    let report = js_sys::JSON::stringify(&field(&reply, "report")?)
        .map_err(|_| WorkerError::Worker("unexpected reply".into()))?
        .into();
    Ok((report, field_text(&reply, "html").unwrap_or_default()))
}

/// The trail's view under a filter: `name` (`provider`, `grant` or `show`) set to `value` in
/// `filter` (provider, grant, show).
pub async fn render_trail(
    report: &str,
    filter: &[String; 3],
    utc_offset_minutes: i32,
) -> Result<String, WorkerError> {
    let args = Array::of5(
        &report.into(),
        &filter[0].as_str().into(),
        &filter[1].as_str().into(),
        &filter[2].as_str().into(),
        &JsValue::from(utc_offset_minutes),
    );
    text_reply(call("renderTrail", args).await.map_err(reason)?)
}

/// The trail as a file's text: `csv` or `json`.
pub async fn export_trail(report: &str, format: &str) -> Result<String, WorkerError> {
    text_reply(call("exportTrail", Array::of2(&report.into(), &format.into())).await.map_err(reason)?)
}

/// Renders text as an SVG QR code in the worker.
pub async fn render_qr(text: &str) -> Result<String, WorkerError> {
    text_reply(call("render", Array::of1(&text.into())).await.map_err(reason)?)
}

/// The public keys of an unlocked wallet, as hex.
pub struct PublicKeys {
    /// The root key (shown on the wallet page; signs only wallet-internal records).
    pub root: String,
    /// The provider key: this wallet's provider id.
    pub provider: String,
}

/// The seed's public keys, computed in the worker (the page carries no Ed25519 code).
pub async fn public_keys(seed: &MasterSeed) -> Result<PublicKeys, WorkerError> {
    let reply = call("publicKeys", Array::of1(&seed_bytes(seed))).await?;
    let keys = parse_reply(&text_reply(reply)?)?;
    let text = |name| field_text(&keys, name).ok_or_else(|| WorkerError::Worker("unexpected reply".into()));
    Ok(PublicKeys { root: text("root")?, provider: text("provider")? })
}

/// The seed's 24 recovery words, computed in the worker.
pub async fn recovery_words(seed: &MasterSeed) -> Result<Zeroizing<Vec<String>>, WorkerError> {
    let reply = call("phrase", Array::of1(&seed_bytes(seed))).await?;
    let phrase = Zeroizing::new(text_reply(reply)?);
    Ok(Zeroizing::new(phrase.split(' ').map(str::to_string).collect()))
}

/// The seed of a recovery phrase, checked in the worker (checksum, unknown words named).
pub async fn seed_from_phrase(phrase: &str) -> Result<MasterSeed, WorkerError> {
    let bytes = Zeroizing::new(bytes(call("seed", Array::of1(&phrase.into())).await?)?);
    let seed: [u8; SEED_LEN] =
        bytes.as_slice().try_into().map_err(|_| WorkerError::Worker("unexpected reply".into()))?;
    Ok(MasterSeed::from_bytes(seed))
}

/// A gateway's part in a ledger refresh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayReport {
    /// Its URL prefix.
    pub url: String,
    /// `verified`, `behind` or `failed`.
    pub outcome: String,
    /// What happened, in words.
    pub detail: String,
}

/// The latest checkpoint the wallet verified for a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedLog {
    /// Entries in the tree.
    pub size: u64,
    /// The root hash, hex.
    pub root: String,
    /// The signed note, to keep.
    pub note: String,
    /// Names of the witnesses whose cosignatures verified.
    pub witnesses: Vec<String>,
    /// The newest witness timestamp (Unix seconds), if any witness cosigned.
    pub newest_cosignature: Option<u64>,
}

/// What a ledger refresh found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LedgerReport {
    /// The log's origin.
    pub origin: String,
    /// The latest verified checkpoint, if any.
    pub latest: Option<VerifiedLog>,
    /// Each gateway asked, in order.
    pub gateways: Vec<GatewayReport>,
    /// Fork evidence (JSON) when two checkpoints of the log contradict each other.
    pub fork: Option<String>,
    /// Something the patient should know, e.g. that the stored checkpoint was discarded.
    pub notice: Option<String>,
    /// The gateway list used (JSON), to store as the settings.
    pub settings: String,
    /// The log's verifier key, as configured.
    pub vkey: String,
    /// The settings as the form shows them: one `URL LOG-KEY` line per gateway.
    pub settings_lines: String,
    /// The witness policy in the settings, or empty.
    pub settings_policy: String,
}

/// The log verifier key of the first gateway in gateway settings (JSON), if any.
pub fn settings_vkey(settings_json: &str) -> Option<String> {
    let list: Array = js_sys::JSON::parse(settings_json).ok()?.dyn_into().ok()?;
    field_text(&list.get(0), "vkey")
}

/// Brings the ledger view up to date in the worker, from the stored gateway settings (JSON;
/// empty: the local gateway) and the last verified checkpoint (empty: none).
pub async fn refresh_ledger(gateways_json: &str, saved_note: &str) -> Result<LedgerReport, WorkerError> {
    let args = Array::of2(&gateways_json.into(), &saved_note.into());
    let reply = parse_reply(&text_reply(call("refreshLedger", args).await.map_err(reason)?)?)?;
    let unexpected = || WorkerError::Worker("unexpected reply".into());
    let optional_text = |object: &JsValue, name| field(object, name).ok().and_then(|value| value.as_string());
    let latest = field(&reply, "latest")?;
    let latest = if latest.is_null() || latest.is_undefined() {
        None
    } else {
        let witnesses: Array = field(&latest, "witnesses")?.dyn_into().map_err(|_| unexpected())?;
        Some(VerifiedLog {
            size: field_number(&latest, "size")?,
            root: field_text(&latest, "root").ok_or_else(unexpected)?,
            note: field_text(&latest, "note").ok_or_else(unexpected)?,
            witnesses: witnesses.iter().filter_map(|witness| field_text(&witness, "name")).collect(),
            newest_cosignature: field_number(&latest, "newest_cosignature").ok(),
        })
    };
    let gateways: Array = field(&reply, "gateways")?.dyn_into().map_err(|_| unexpected())?;
    let gateways = gateways
        .iter()
        .map(|gateway| {
            Ok(GatewayReport {
                url: field_text(&gateway, "url").ok_or_else(unexpected)?,
                outcome: field_text(&gateway, "outcome").ok_or_else(unexpected)?,
                detail: field_text(&gateway, "detail").ok_or_else(unexpected)?,
            })
        })
        .collect::<Result<_, WorkerError>>()?;
    let settings: String =
        js_sys::JSON::stringify(&field(&reply, "settings")?).map_err(|_| unexpected())?.into();
    Ok(LedgerReport {
        vkey: settings_vkey(&settings).ok_or_else(unexpected)?,
        settings_lines: field_text(&reply, "settings_lines").unwrap_or_default(),
        settings_policy: field_text(&reply, "settings_policy").unwrap_or_default(),
        origin: field_text(&reply, "origin").ok_or_else(unexpected)?,
        latest,
        gateways,
        fork: optional_text(&reply, "fork"),
        notice: optional_text(&reply, "notice"),
        settings,
    })
}

/// A grant's pending ledger entries submitted and proven: the changed state, and the ledger
/// settings used and the checkpoint verified (to store).
pub struct Published {
    /// The wallet state, with the entries' places.
    pub change: StateChange,
    /// The gateway settings used (JSON).
    pub settings: String,
    /// The latest verified checkpoint.
    pub note: String,
}

/// Submits grant `id`'s pending entries to the ledger (its commitment, then its revocation if
/// revoked), proves their inclusion, and records their places in the state in `record`, in the
/// worker. The error says why the ledger did not take them.
pub async fn publish_grant(
    seed: &MasterSeed,
    record: Option<&[u8]>,
    id: &str,
    settings: &str,
    saved_note: &str,
) -> Result<Published, WorkerError> {
    let args = Array::new();
    for value in [
        seed_bytes(seed).into(),
        Uint8Array::from(record.unwrap_or_default()).into(),
        JsValue::from_str(id),
        JsValue::from_str(settings),
        JsValue::from_str(saved_note),
    ] {
        args.push(&value);
    }
    let parts: Array = call("publishGrant", args)
        .await
        .map_err(reason)?
        .dyn_into()
        .map_err(|_| WorkerError::Worker("unexpected reply".into()))?;
    Ok(Published {
        change: StateChange { sealed: bytes(parts.get(0))?, grants: grants_of(&text_reply(parts.get(1))?)? },
        settings: text_reply(parts.get(2))?,
        note: text_reply(parts.get(3))?,
    })
}

/// Gateway settings (JSON) from the form's text, checked in the worker: one `URL LOG-KEY` line
/// per gateway, and an optional witness policy. The error says which line is wrong.
pub async fn settings_from_form(lines: &str, policy: &str) -> Result<String, WorkerError> {
    text_reply(call("settingsFromForm", Array::of2(&lines.into(), &policy.into())).await.map_err(reason)?)
}

/// The records page's content (escaped HTML), from the worker, which also reads and writes the
/// stored records: `source` is `stored`, `file` (`payload` the `File`) or `sample` (`payload` its
/// name). `None`: no records are stored. The error says what is wrong and where.
pub async fn records(
    seed: &MasterSeed,
    source: &str,
    payload: JsValue,
) -> Result<Option<String>, WorkerError> {
    let args = Array::of3(&seed_bytes(seed), &source.into(), &payload);
    let html = text_reply(call("records", args).await.map_err(reason)?)?;
    Ok((!html.is_empty()).then_some(html))
}

/// The records page's risk hint (escaped HTML) as of now, from the worker, which reads the
/// features from the stored records and loads the risk model's module only when a hint can be
/// computed. `None`: no records are stored.
pub async fn risk_hint(seed: &MasterSeed) -> Result<Option<(String, bool)>, WorkerError> {
    let reply: Array = call("riskHint", Array::of1(&seed_bytes(seed)))
        .await
        .map_err(reason)?
        .dyn_into()
        .map_err(|_| WorkerError::Worker("unexpected reply".into()))?;
    let html = text_reply(reply.get(0))?;
    Ok((!html.is_empty()).then(|| (html, reply.get(1).is_truthy())))
}

/// The risk hint's ledger line (escaped HTML): the model's release verified on the ledger, or
/// why not. The worker uses and keeps the stored gateway settings and checkpoint.
pub async fn model_on_ledger() -> Result<String, WorkerError> {
    text_reply(call("modelOnLedger", Array::new()).await.map_err(reason)?)
}
