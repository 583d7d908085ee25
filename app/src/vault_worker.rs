//! The page's side of the vault worker (`vault-worker.js`): starts it on first use, sends
//! requests and awaits their answers. Errors from the vault come back as the same `VaultError`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Array, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_core::vault::{MasterSeed, RecordKind, VaultError, SEED_LEN};
use zeroize::Zeroizing;

/// Why a worker call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WorkerError {
    /// The vault refused (wrong passphrase, damaged record, …).
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// The worker could not run.
    #[error("the wallet's background worker failed ({0}); reload the page and try again")]
    Worker(String),
    /// A QR code could not be scanned; the reason says what to do.
    #[error("{0}")]
    Scan(String),
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
        Ok(Err(text)) => Err(match serde_json::from_str::<VaultError>(&text) {
            Ok(vault_error) => WorkerError::Vault(vault_error),
            Err(_) => WorkerError::Worker(text),
        }),
        Err(_) => Err(WorkerError::Worker("it stopped".into())),
    }
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
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
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
    let reply = call("strength", Array::of1(&passphrase.into())).await?;
    let text = reply.as_string().ok_or_else(|| WorkerError::Worker("unexpected reply".into()))?;
    serde_json::from_str(&text).map_err(|error| WorkerError::Worker(error.to_string()))
}

/// Errors from consent operations are reasons in words, not worker failures.
fn reason(error: WorkerError) -> WorkerError {
    match error {
        WorkerError::Worker(text) if !text.starts_with("worker:") => WorkerError::Scan(text),
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

/// A grant just signed: its QR payload and the code as SVG.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct SignedCode {
    /// The `AS1:` text.
    pub payload: String,
    /// The QR code.
    pub svg: String,
}

/// What the patient chose for a grant.
pub struct GrantRequest<'a> {
    /// The patient's pairwise secret key for this provider (stays in this browser).
    pub pairwise_secret: &'a [u8; 32],
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
    let scopes = serde_json::to_string(request.scopes).map_err(|e| WorkerError::Worker(e.to_string()))?;
    let args = Array::new();
    for value in [
        Uint8Array::from(&request.pairwise_secret[..]).into(),
        Uint8Array::from(&request.provider_key[..]).into(),
        JsValue::from_str(&scopes),
        JsValue::from_str(request.purpose),
        JsValue::from(request.now),
        JsValue::from(request.expires_at),
        JsValue::from_str(request.log_origin),
    ] {
        args.push(&value);
    }
    let reply = text_reply(call("sign", args).await.map_err(reason)?)?;
    serde_json::from_str(&reply).map_err(|e| WorkerError::Worker(e.to_string()))
}

/// One check of a verdict report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct CheckReport {
    /// `format`, `signature`, `audience`, `not_before`, `expiry`, `ledger` or `revocation`.
    pub check: String,
    /// `passed`, `failed` or `not_checked`.
    pub outcome: String,
    /// What was seen, or why it failed or was not checked.
    pub detail: String,
}

/// A verdict report (see `wasm_core::consent::report`).
#[derive(Clone, Debug, PartialEq, serde::Deserialize)]
pub struct VerdictReport {
    /// The offline checks pass.
    pub valid: bool,
    /// Every check.
    pub checks: Vec<CheckReport>,
    /// The claims, when readable.
    pub grant: Option<serde_json::Value>,
}

/// Verifies a consent code's text in the worker.
pub async fn verify_payload(
    text: &str,
    now: u64,
    audience: Option<&[u8; 32]>,
) -> Result<VerdictReport, WorkerError> {
    let audience = audience.map_or_else(|| Uint8Array::new_with_length(0), |key| Uint8Array::from(&key[..]));
    let args = Array::of3(&text.into(), &JsValue::from(now), &audience);
    let reply = text_reply(call("verify", args).await?)?;
    serde_json::from_str(&reply).map_err(|e| WorkerError::Worker(e.to_string()))
}

/// Renders text as an SVG QR code in the worker.
pub async fn render_qr(text: &str) -> Result<String, WorkerError> {
    text_reply(call("render", Array::of1(&text.into())).await.map_err(reason)?)
}

/// The seed's 24 recovery words, computed in the worker.
pub async fn recovery_words(seed: &MasterSeed) -> Result<Zeroizing<Vec<String>>, WorkerError> {
    let reply = call("phrase", Array::of1(&Uint8Array::from(&seed.expose_bytes()[..]))).await?;
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
