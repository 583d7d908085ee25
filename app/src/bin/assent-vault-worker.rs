//! The vault worker: the slow and large parts of the wallet — Argon2id sealing and opening, the
//! passphrase-strength estimator, and QR scanning — built as a separate wasm module that `vault-worker.js`
//! runs in a Web Worker. The page's main thread never freezes on a key derivation, and none of
//! this is on the page's first load.
#![forbid(unsafe_code)]

use wasm_bindgen::prelude::*;
use wasm_core::consent::issued::IssuedGrant;
use wasm_core::vault::{self, DamageCheck, KdfParams, RecordKind, VaultError, WalletState};

/// Nothing to start: the worker script calls the exports below.
fn main() {}

/// A `VaultError` for the page: `{"vault": KIND, "message": TEXT}` as JSON text, where KIND is
/// what the page acts on (`wrong-passphrase`, `damaged` or `other`) and TEXT is the message to show.
fn error_json(error: &VaultError) -> JsValue {
    let kind = match error {
        VaultError::WrongPassphrase => "wrong-passphrase",
        VaultError::Damaged { .. } => "damaged",
        _ => "other",
    };
    JsValue::from_str(&serde_json::json!({ "vault": kind, "message": error.to_string() }).to_string())
}

fn kind_of(byte: u8) -> Result<RecordKind, JsValue> {
    RecordKind::from_byte(byte).ok_or_else(|| {
        error_json(&VaultError::Damaged { record: RecordKind::MasterSeed, check: DamageCheck::Kind })
    })
}

/// Seals `plaintext` as a record of kind `kind` (its format byte) with the default parameters.
#[wasm_bindgen]
pub fn seal_record(kind: u8, plaintext: &[u8], passphrase: &str) -> Result<Vec<u8>, JsValue> {
    vault::seal(kind_of(kind)?, plaintext, passphrase, KdfParams::DEFAULT, &mut getrandom::SysRng)
        .map_err(|error| error_json(&error))
}

/// Checks a stored record's length, checksum, magic, version and kind without opening it: the
/// page tells a damaged wallet from a locked one this way, before any passphrase.
#[wasm_bindgen]
pub fn inspect_record(kind: u8, record: &[u8]) -> Result<(), JsValue> {
    vault::inspect(kind_of(kind)?, record).map(|_| ()).map_err(|error| error_json(&error))
}

/// Opens a record of kind `kind`.
#[wasm_bindgen]
pub fn open_record(kind: u8, record: &[u8], passphrase: &str) -> Result<Vec<u8>, JsValue> {
    vault::open(kind_of(kind)?, record, passphrase)
        .map(|plaintext| plaintext.to_vec())
        .map_err(|error| error_json(&error))
}

/// Opens the wallet state (`record` empty: none stored yet) and returns its grants as JSON.
#[wasm_bindgen]
pub fn open_wallet_state(seed: &[u8], record: &[u8]) -> Result<String, JsValue> {
    let state = read_state(seed, record)?;
    serde_json::to_string(&state.grants).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// Adds a grant entry (JSON, as `sign_grant` returned it) to the wallet state held in `record`
/// (empty: start a new list); returns `[sealed record, grants JSON]`.
#[wasm_bindgen]
pub fn add_grant_to_state(seed: &[u8], record: &[u8], entry_json: &str) -> Result<js_sys::Array, JsValue> {
    let mut state = read_state(seed, record)?;
    let entry: IssuedGrant =
        serde_json::from_str(entry_json).map_err(|e| JsValue::from_str(&e.to_string()))?;
    state.grants.push(entry);
    seal_state(seed, &state)
}

/// Revokes the grant `id` of the wallet state in `record` with the pairwise key that signed it
/// (derived from the seed), at `now`; returns `[sealed record, grants JSON]`. Errors are the
/// reason in words.
#[wasm_bindgen]
pub fn revoke_grant_in_state(
    seed: &[u8],
    record: &[u8],
    id: &str,
    now: u64,
) -> Result<js_sys::Array, JsValue> {
    let words = |text: String| JsValue::from_str(&text);
    let mut state = read_state(seed, record)?;
    let grant = state
        .grants
        .iter_mut()
        .find(|grant| grant.id == id)
        .ok_or_else(|| words("that grant is no longer in this wallet's list; reload the page".into()))?;
    let signing_key = grant_key(seed, &grant.provider_key)?;
    grant.revocation = Some(grant.revoke(&signing_key, now).map_err(|e| words(e.to_string()))?);
    seal_state(seed, &state)
}

fn read_state(seed: &[u8], record: &[u8]) -> Result<WalletState, JsValue> {
    if record.is_empty() {
        return Ok(WalletState::default());
    }
    let plaintext = vault::open_with_key(RecordKind::WalletState, record, &record_key(seed)?)
        .map_err(|error| error_json(&error))?;
    WalletState::from_bytes(&plaintext).map_err(|error| error_json(&error))
}

fn seal_state(seed: &[u8], state: &WalletState) -> Result<js_sys::Array, JsValue> {
    let sealed = vault::seal_with_key(
        RecordKind::WalletState,
        &state.to_bytes(),
        &record_key(seed)?,
        &mut getrandom::SysRng,
    )
    .map_err(|error| error_json(&error))?;
    let grants = serde_json::to_string(&state.grants).map_err(|e| JsValue::from_str(&e.to_string()))?;
    Ok(js_sys::Array::of2(&js_sys::Uint8Array::from(sealed.as_slice()), &JsValue::from_str(&grants)))
}

// The page passes the unlocked seed; every key is derived here, so the page's first load
// carries no HKDF or SHA-2 code.
fn seed_of(bytes: &[u8]) -> Result<vault::MasterSeed, JsValue> {
    let bytes: [u8; vault::SEED_LEN] = bytes.try_into().map_err(|_| error_json(&VaultError::OtherWallet))?;
    Ok(vault::MasterSeed::from_bytes(bytes))
}

/// The wallet state's record key.
fn record_key(seed: &[u8]) -> Result<vault::RecordKey, JsValue> {
    Ok(seed_of(seed)?.record_key(RecordKind::WalletState))
}

/// The pairwise key this wallet uses with the provider whose public key is `provider_hex`.
fn grant_key(seed: &[u8], provider_hex: &str) -> Result<ed25519_dalek::SigningKey, JsValue> {
    let provider = wasm_core::consent::parse_provider_key(provider_hex)
        .map_err(|error| JsValue::from_str(&error.to_string()))?;
    Ok(seed_of(seed)?.pairwise_key(&provider))
}

/// Signs a consent grant with the patient's pairwise key for this provider (derived from the
/// seed); returns
/// `{"payload": "AS1:…", "svg": "<svg…", "entry": {…}}`, the entry being what the wallet keeps
/// in its grant list. Errors are the reason in words.
#[wasm_bindgen]
pub fn sign_grant(
    seed: &[u8],
    provider_key: &[u8],
    scopes_json: &str,
    purpose: &str,
    now: u64,
    expires_at: u64,
    log_origin: &str,
) -> Result<String, JsValue> {
    let words = |text: String| JsValue::from_str(&text);
    let audience: [u8; 32] =
        provider_key.try_into().map_err(|_| words("the provider id is not 32 bytes".into()))?;
    let scopes: Vec<String> = serde_json::from_str(scopes_json).map_err(|e| words(e.to_string()))?;
    let draft = wasm_core::consent::GrantDraft {
        audience,
        scopes,
        purpose: purpose.to_string(),
        not_before: now,
        expires_at,
        log_origin: log_origin.to_string(),
    };
    let key = seed_of(seed)?.pairwise_key(&audience);
    let grant = draft.sign(&key, now, &mut getrandom::SysRng).map_err(|e| words(e.to_string()))?;
    let text = wasm_core::consent::payload::encode(grant.bytes());
    let svg = wasm_core::consent::qr::render_svg(&text).map_err(|e| words(e.to_string()))?;
    let entry = IssuedGrant::new(&grant, &audience, text.clone());
    Ok(serde_json::json!({ "payload": text, "svg": svg, "entry": entry }).to_string())
}

/// Verifies a consent code's text at `now`, against `audience` (the provider's public key) when
/// given (empty: not checked); returns the verdict report as JSON, with the code's
/// `ledger_index` (or null).
#[wasm_bindgen]
pub fn verify_payload(text: &str, now: u64, audience: &[u8]) -> String {
    let audience: Option<[u8; 32]> = audience.try_into().ok();
    let verdict = wasm_core::consent::payload::verify(text, now, audience.as_ref());
    let mut report = wasm_core::consent::report::verdict_json(&verdict);
    report["ledger_index"] = wasm_core::consent::payload::ledger_index(text).ok().flatten().into();
    report.to_string()
}

/// Like [`verify_payload`], and then, if the offline checks pass, checks the grant's place on the
/// ledger and its revocation status (a verified revocation map proof, from a checkpoint at most
/// `freshness_minutes` old) through the gateways in `gateways_json` (empty: the local gateway)
/// from the view of `saved_note` (empty: none), which a gateway last confirmed at `confirmed_at`
/// (Unix seconds; 0: unknown), what dates the checks when no gateway answers. The report adds
/// `settings` (the gateways used), `note` (the latest verified checkpoint, to keep), `confirmed`
/// (a gateway served it in this check) and `fork` (evidence, if the gateways showed a fork).
#[wasm_bindgen]
pub async fn verify_payload_on_ledger(
    text: String,
    now: u64,
    audience: Vec<u8>,
    gateways_json: String,
    saved_note: String,
    confirmed_at: u64,
    freshness_minutes: u64,
) -> Result<String, JsValue> {
    use assent_app::ledger_client;
    use wasm_core::consent::ledger_check::CheckpointClock;
    use wasm_core::consent::{payload, report, CheckName};
    let audience: Option<[u8; 32]> = audience.as_slice().try_into().ok();
    let mut verdict = payload::verify(&text, now, audience.as_ref());
    let clock = CheckpointClock { now, confirmed_at: (confirmed_at > 0).then_some(confirmed_at) };
    let (mut settings, mut note, mut fork) = (serde_json::Value::Null, String::new(), None);
    let mut confirmed = false;
    if let Some(grant) = verdict.grant.clone().filter(|_| verdict.offline_checks_pass()) {
        let gateways = ledger_client::gateways(&gateways_json).await.map_err(|e| JsValue::from_str(&e))?;
        let saved = (!saved_note.is_empty()).then_some(saved_note.as_str());
        let index = payload::ledger_index(&text).ok().flatten();
        let checked = ledger_client::check_grant(&gateways, saved, &grant, index, clock)
            .await
            .map_err(|e| JsValue::from_str(&e))?;
        confirmed = checked.refresh.any_verified();
        verdict.set(CheckName::Ledger, checked.outcome);
        fork = checked.refresh.fork.map(|evidence| evidence.to_json());
        let revocation = ledger_client::check_revocation(
            &gateways,
            checked.view,
            &grant,
            clock,
            wasm_core::consent::revocation_check::freshness_secs(freshness_minutes),
        )
        .await;
        confirmed |= revocation.refresh.any_verified();
        verdict.set(CheckName::Revocation, revocation.outcome);
        fork = fork.or_else(|| revocation.refresh.fork.map(|evidence| evidence.to_json()));
        settings = serde_json::json!(gateways);
        note = revocation.view.saved_note().unwrap_or_default().to_owned();
    }
    let mut reply = report::verdict_json(&verdict);
    reply["settings"] = settings;
    reply["note"] = note.into();
    reply["confirmed"] = confirmed.into();
    reply["fork"] = fork.into();
    Ok(reply.to_string())
}

/// Imports a FHIR R4 bundle (JSON bytes): validated (`wasm_core::records::import`, 20 MB cap),
/// then sealed with the wallet's health-records key. Returns `[sealed record, view HTML]`. The
/// error names what is wrong and where (a JSON path); nothing is stored by the worker.
fn import_records(seed: &[u8], bundle: &[u8]) -> Result<js_sys::Array, JsValue> {
    let records =
        wasm_core::records::import(bundle).map_err(|error| JsValue::from_str(&error.to_string()))?;
    let plaintext = serde_json::to_vec(&records).map_err(|e| JsValue::from_str(&e.to_string()))?;
    let key = seed_of(seed)?.record_key(RecordKind::HealthRecords);
    let sealed = vault::seal_with_key(RecordKind::HealthRecords, &plaintext, &key, &mut getrandom::SysRng)
        .map_err(|error| error_json(&error))?;
    let html = assent_app::records_view::render(&records);
    Ok(js_sys::Array::of2(&js_sys::Uint8Array::from(sealed.as_slice()), &JsValue::from_str(&html)))
}

/// Fetches one of the app's synthetic sample bundles (`/samples/<name>.json`, same origin) and
/// imports it as [`import_records`] does.
async fn import_sample(seed: Vec<u8>, name: String) -> Result<js_sys::Array, JsValue> {
    if !name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
        return Err(JsValue::from_str("there is no such sample"));
    }
    let bundle = assent_app::ledger_client::get(&format!("/samples/{name}.json"))
        .await
        .map_err(|reason| JsValue::from_str(&format!("the sample could not be loaded: {reason}")))?;
    import_records(&seed, &bundle)
}

/// The records page's content, with the storage done here so the page carries none of it:
/// `source` `stored` (the records kept, if any), `file` (`payload` a `File`, read here and
/// imported; at most 20 MB) or `sample` (`payload` a sample's name). Imported records replace
/// the stored ones, which are archived; a refused bundle changes nothing. Returns the HTML, or
/// an empty string when no records are stored. Errors are the reason in words.
#[wasm_bindgen]
pub async fn records(seed: Vec<u8>, source: String, payload: JsValue) -> Result<String, JsValue> {
    use assent_app::storage::{Replaced, Store, HEALTH_RECORDS_KEY};
    use wasm_bindgen::JsCast;
    let words = |text: String| JsValue::from_str(&text);
    let store = Store::open().await.map_err(|e| words(e.to_string()))?;
    let stored = store.get(HEALTH_RECORDS_KEY).await.map_err(|e| words(e.to_string()))?;
    let imported = match source.as_str() {
        "file" => {
            let file: web_sys::Blob = payload.dyn_into().map_err(|_| words("choose a file first".into()))?;
            let megabytes = file.size() / 1_048_576.0;
            if megabytes > 20.0 {
                return Err(words(format!(
                    "the file is {} MB; a records bundle may be at most 20 MB: export fewer records",
                    megabytes.ceil()
                )));
            }
            let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
                .await
                .map_err(|_| words("the browser could not read that file; choose it again".into()))?;
            import_records(&seed, &js_sys::Uint8Array::new(&buffer).to_vec())?
        }
        "sample" => match payload.as_string().filter(|name| !name.is_empty()) {
            Some(name) => import_sample(seed.clone(), format!("synthetic-patient-{name}")).await?,
            None => return Ok(String::new()),
        },
        _ => {
            return match stored {
                Some(sealed) => open_records(&seed, &sealed),
                None => Ok(String::new()),
            }
        }
    };
    let sealed = js_sys::Uint8Array::new(&imported.get(0)).to_vec();
    let archive = Replaced::Archive { now_ms: js_sys::Date::now() as u64 };
    store
        .compare_and_put(HEALTH_RECORDS_KEY, stored.as_deref(), &sealed, archive)
        .await
        .map_err(|e| words(e.to_string()))?;
    Ok(imported.get(1).as_string().unwrap_or_default())
}

/// The risk hint's features from the stored records at `now` (Unix seconds), as
/// `{"features": FeatureReport JSON, "computable": bool}`, or an empty string when no records
/// are stored. Errors are the reason in words.
#[wasm_bindgen]
pub async fn risk_features(seed: Vec<u8>, now: u64) -> Result<String, JsValue> {
    use assent_app::storage::{Store, HEALTH_RECORDS_KEY};
    let words = |text: String| JsValue::from_str(&text);
    let store = Store::open().await.map_err(|e| words(e.to_string()))?;
    let Some(sealed) = store.get(HEALTH_RECORDS_KEY).await.map_err(|e| words(e.to_string()))? else {
        return Ok(String::new());
    };
    let report = wasm_core::risk::features(&open_record_set(&seed, &sealed)?, now);
    let computable = report.reasons().is_empty();
    Ok(serde_json::json!({ "features": report, "computable": computable }).to_string())
}

/// The risk hint's HTML: `result_json` (the risk module's answer; empty: none, because the
/// features say it cannot be computed) for the features in `features_json`.
#[wasm_bindgen]
pub fn risk_html(features_json: &str, result_json: &str) -> Result<String, JsValue> {
    let words = |text: String| JsValue::from_str(&text);
    let report: wasm_core::risk::FeatureReport =
        serde_json::from_str(features_json).map_err(|e| words(e.to_string()))?;
    let result: Option<serde_json::Value> = (!result_json.is_empty())
        .then(|| serde_json::from_str(result_json))
        .transpose()
        .map_err(|e| words(e.to_string()))?;
    Ok(assent_app::records_view::risk_html(&report, result.as_ref()))
}

/// Opens the stored health records (sealed by [`import_records`]).
fn open_record_set(seed: &[u8], sealed: &[u8]) -> Result<wasm_core::records::RecordSet, JsValue> {
    let key = seed_of(seed)?.record_key(RecordKind::HealthRecords);
    let plaintext =
        vault::open_with_key(RecordKind::HealthRecords, sealed, &key).map_err(|error| error_json(&error))?;
    serde_json::from_slice(&plaintext)
        .map_err(|_| JsValue::from_str("the stored records are not readable; import them again"))
}

/// Opens the stored health records and renders them as HTML.
fn open_records(seed: &[u8], sealed: &[u8]) -> Result<String, JsValue> {
    Ok(assent_app::records_view::render(&open_record_set(seed, sealed)?))
}

/// Renders text as an SVG QR code.
#[wasm_bindgen]
pub fn render_qr(text: &str) -> Result<String, JsValue> {
    wasm_core::consent::qr::render_svg(text).map_err(|error| JsValue::from_str(&error.to_string()))
}

/// Finds and reads a QR code in RGBA pixels; errors are the reason in words.
#[wasm_bindgen]
pub fn scan_qr(rgba: &[u8], width: usize, height: usize) -> Result<String, JsValue> {
    wasm_core::consent::qr::scan_rgba(rgba, width, height)
        .map_err(|error| JsValue::from_str(&error.to_string()))
}

/// The public keys of a seed: `{"root": HEX, "provider": HEX}`.
#[wasm_bindgen]
pub fn public_keys(seed: &[u8]) -> Result<String, JsValue> {
    let bytes: [u8; vault::SEED_LEN] =
        seed.try_into().map_err(|_| error_json(&VaultError::PhraseLength { found: 0 }))?;
    let seed = vault::MasterSeed::from_bytes(bytes);
    let hex_of = |key: ed25519_dalek::SigningKey| hex::encode(key.verifying_key().as_bytes());
    Ok(serde_json::json!({ "root": hex_of(seed.root_key()), "provider": hex_of(seed.provider_key()) })
        .to_string())
}

/// The 24-word recovery phrase of a seed.
#[wasm_bindgen]
pub fn recovery_phrase(seed: &[u8]) -> Result<String, JsValue> {
    let bytes: [u8; vault::SEED_LEN] =
        seed.try_into().map_err(|_| error_json(&VaultError::PhraseLength { found: 0 }))?;
    Ok(vault::MasterSeed::from_bytes(bytes).recovery_phrase().expose().to_string())
}

/// The seed of a 24-word recovery phrase; errors are a JSON `VaultError` naming the problem.
#[wasm_bindgen]
pub fn seed_from_phrase(phrase: &str) -> Result<Vec<u8>, JsValue> {
    vault::MasterSeed::from_recovery_phrase(phrase)
        .map(|seed| seed.expose_bytes().to_vec())
        .map_err(|error| error_json(&error))
}

/// Brings the ledger view up to date. `gateways_json` is the configured gateway list (empty:
/// the local gateway that served the app); `saved_note` the last verified checkpoint (empty:
/// none). Returns the report as JSON, with the gateway list used as `settings`. Errors are the
/// reason in words.
#[wasm_bindgen]
pub async fn refresh_ledger(gateways_json: String, saved_note: String) -> Result<String, JsValue> {
    use assent_app::ledger_client;
    let gateways = ledger_client::gateways(&gateways_json).await.map_err(|e| JsValue::from_str(&e))?;
    let saved = (!saved_note.is_empty()).then_some(saved_note.as_str());
    let mut report = ledger_client::refresh(&gateways, saved).await.map_err(|e| JsValue::from_str(&e))?;
    report["settings"] = serde_json::json!(gateways);
    let (lines, policy) = ledger_client::settings_form(&gateways);
    report["settings_lines"] = lines.into();
    report["settings_policy"] = policy.into();
    Ok(report.to_string())
}

/// Gateway settings (JSON) from the settings form's text; errors name the wrong line.
#[wasm_bindgen]
pub fn settings_from_form(lines: &str, policy: &str) -> Result<String, JsValue> {
    let gateways =
        assent_app::ledger_client::settings_from_form(lines, policy).map_err(|e| JsValue::from_str(&e))?;
    serde_json::to_string(&gateways).map_err(|e| JsValue::from_str(&e.to_string()))
}

/// Submits the grant `id`'s pending ledger entries (its commitment, then its revocation if it is
/// revoked) through the gateways in `gateways_json` (empty: the local gateway), proves their
/// inclusion against the view from `saved_note`, and records their places in the wallet state
/// in `record`. Returns `[sealed record, grants JSON, settings JSON, latest checkpoint note]`.
/// Errors are the reason in words.
#[wasm_bindgen]
pub async fn publish_grant(
    seed: Vec<u8>,
    record: Vec<u8>,
    id: String,
    gateways_json: String,
    saved_note: String,
) -> Result<js_sys::Array, JsValue> {
    use assent_app::ledger_client;
    use wasm_core::consent::issued::OnLedger;
    let words = |text: String| JsValue::from_str(&text);
    let mut state = read_state(&seed, &record)?;
    let gateways = ledger_client::gateways(&gateways_json).await.map_err(words)?;
    let saved = (!saved_note.is_empty()).then_some(saved_note.as_str());
    let (mut view, _) = ledger_client::view_of(&gateways, saved).map_err(words)?;
    let grant = state
        .grants
        .iter_mut()
        .find(|grant| grant.id == id)
        .ok_or_else(|| words("that grant is no longer in this wallet's list; reload the page".into()))?;
    let signing_key = grant_key(&seed, &grant.provider_key)?;
    // The grant's commitment first, then its revocation: a revocation names a logged grant.
    let mut pending = Vec::new();
    if grant.ledger.is_none() {
        pending.push((true, grant.log_entry(&signing_key).map_err(|e| words(e.to_string()))?));
    }
    if let Some(revocation) = grant.revocation.as_ref().filter(|revocation| revocation.ledger.is_none()) {
        pending.push((false, revocation.log_entry().map_err(|e| words(e.to_string()))?));
    }
    for (is_grant, entry) in pending {
        let (next, report) = ledger_client::submit(&gateways, view, entry).await;
        view = next;
        let Some(submitted) = report.submitted else {
            return Err(words(format!(
                "the ledger did not take it: {}; it stays in your list: check your connection and the gateways on the Ledger page, then choose “Put on the ledger” to try again",
                report.failure_reasons()
            )));
        };
        let place = Some(OnLedger { index: submitted.index, checkpoint_size: submitted.checkpoint_size });
        match grant.revocation.as_mut() {
            Some(revocation) if !is_grant => revocation.ledger = place,
            _ => grant.ledger = place,
        }
    }
    let note = view.saved_note().unwrap_or_default().to_owned();
    let reply = seal_state(&seed, &state)?;
    let settings = serde_json::to_string(&gateways).map_err(|e| words(e.to_string()))?;
    reply.push(&JsValue::from_str(&settings));
    reply.push(&JsValue::from_str(&note));
    Ok(reply)
}

/// Where the wallet fetches the release of the model it pins (same origin as the app).
const MODEL_RELEASE_PATH: &str = "/model/pima-logistic-v1.release";

/// What the wallet keeps of the ledger, opened in the worker: the stored settings and checkpoint,
/// the gateways they name (the local one when none), and the view from that checkpoint.
struct StoredLedger {
    store: assent_app::storage::Store,
    stored: assent_app::ledger_state::Stored,
    gateways: Vec<assent_app::ledger_client::GatewayConfig>,
    view: wasm_core::tlog::view::LogView,
}

impl StoredLedger {
    /// Opens the stored settings and checkpoint. `Ok(Err(reason))`: the gateways or the view
    /// could not be set up (no local gateway key, damaged settings), in words for the page.
    async fn open() -> Result<Result<StoredLedger, String>, JsValue> {
        use assent_app::{ledger_client, ledger_state::Stored, storage::Store};
        let words = |text: String| JsValue::from_str(&text);
        let store = Store::open().await.map_err(|e| words(e.to_string()))?;
        let stored = Stored::load(&store).await.map_err(|e| words(e.to_string()))?;
        let ready = async {
            let gateways = ledger_client::gateways(&stored.settings).await?;
            let saved = stored.saved_note();
            let (view, _) = ledger_client::view_of(&gateways, (!saved.is_empty()).then_some(saved.as_str()))?;
            Ok::<_, String>((gateways, view))
        };
        Ok(ready.await.map(|(gateways, view)| StoredLedger { store, stored, gateways, view }))
    }

    /// Like [`StoredLedger::open`], with a setup failure as the error.
    async fn opened() -> Result<StoredLedger, JsValue> {
        StoredLedger::open().await?.map_err(|reason| JsValue::from_str(&reason))
    }

    /// Keeps what a check or a submission verified: the settings used, `view`'s checkpoint
    /// (`confirmed`: a gateway served it as its latest in this check), and fork evidence.
    async fn keep(
        &self,
        view: &wasm_core::tlog::view::LogView,
        confirmed: bool,
        fork: Option<&wasm_core::tlog::view::ForkEvidence>,
    ) -> Result<(), JsValue> {
        let words = |text: String| JsValue::from_str(&text);
        let settings = serde_json::to_string(&self.gateways).map_err(|e| words(e.to_string()))?;
        self.stored.keep(&self.store, &settings, view.saved_note().unwrap_or_default(), confirmed).await;
        if let (Some(fork), Some(first)) = (fork, self.gateways.first()) {
            assent_app::ledger_state::keep_fork(&self.store, &first.vkey, Some(&fork.to_json()))
                .await
                .map_err(|e| words(e.to_string()))?;
        }
        Ok(())
    }

    /// Submits `entry` from the stored view and keeps what the submission verified.
    async fn submit(self, entry: Vec<u8>) -> Result<wasm_core::tlog::sync::SubmitReport, JsValue> {
        let view = self.view.clone();
        let (view, report) = assent_app::ledger_client::submit(&self.gateways, view, entry).await;
        self.keep(&view, false, report.fork.as_deref()).await?;
        Ok(report)
    }
}

/// Records on the ledger that this wallet, as the provider, uses the grant in the consent code
/// `text` at `now` (Unix seconds): an access event for all the grant's scopes, signed with the
/// provider key, submitted through the stored gateway settings, its inclusion proven. Returns
/// `{"index": N, "checkpoint_size": S}`; the error says why nothing was recorded.
#[wasm_bindgen]
pub async fn record_access(seed: Vec<u8>, text: String, now: u64) -> Result<String, JsValue> {
    use wasm_core::consent::{payload, AccessEvent, LogEntry};
    let words = |text: String| JsValue::from_str(&text);
    let provider = seed_of(&seed)?.provider_key();
    let verdict = payload::verify(&text, now, Some(&provider.verifying_key().to_bytes()));
    let passes = verdict.offline_checks_pass();
    let Some(grant) = verdict.grant.filter(|_| passes) else {
        return Err(words(
            "this consent code does not pass its checks, so its use is not recorded; check it again".into(),
        ));
    };
    let event = AccessEvent::sign(&grant, &grant.claims().scopes, &provider, now, &mut getrandom::SysRng)
        .map_err(|e| words(e.to_string()))?;
    let report = StoredLedger::opened().await?.submit(LogEntry::Access(event).to_bytes()).await?;
    let Some(placed) = report.submitted else {
        return Err(words(format!(
            "the ledger did not record your access ({}); try again when a gateway answers",
            report.failure_reasons()
        )));
    };
    Ok(serde_json::json!({ "index": placed.index, "checkpoint_size": placed.checkpoint_size }).to_string())
}

/// The patient's access trail: for each grant in the wallet state `record`, every access event the
/// log holds for it, verified complete against the access map of a checkpoint verified through
/// the stored gateway settings (which is kept, with any fork evidence), each event's inclusion
/// proven; then the hints, with local times `utc_offset_minutes` from UTC. Returns
/// `{"report": {…}, "html": "…"}`: the report (`wasm_core::trail::report`, also the JSON export)
/// and the Activity page's view of it, unfiltered.
#[wasm_bindgen]
pub async fn access_trail(
    seed: Vec<u8>,
    record: Vec<u8>,
    utc_offset_minutes: i32,
) -> Result<String, JsValue> {
    use assent_app::ledger_client;
    use assent_app::trail_view::{render, TrailFilter};
    use wasm_core::trail::report::TrailRequest;
    use wasm_core::trail::HintParams;
    let state = read_state(&seed, &record)?;
    let ledger = StoredLedger::opened().await?;
    let request = TrailRequest::new(&state.grants, ledger.view.trust().origin());
    let checked =
        ledger_client::check_trails(&ledger.gateways, ledger.view.clone(), &request.grants_to_check()).await;
    ledger.keep(&checked.view, checked.refresh.any_verified(), checked.refresh.fork.as_deref()).await?;
    let params = HintParams { utc_offset_minutes, ..HintParams::default() };
    let report = request.report(state.grants, checked.grants, &params);
    let html = render(&report, &TrailFilter::default(), utc_offset_minutes);
    Ok(serde_json::json!({ "report": report.to_json(), "html": html }).to_string())
}

/// The Activity page's view of a trail report (JSON, from [`access_trail`]) under a filter: a
/// provider id and a grant id (empty: all) and `show` (`flagged`: only accesses with a hint).
#[wasm_bindgen]
pub fn render_trail(
    report_json: String,
    provider: String,
    grant: String,
    show: String,
    utc_offset_minutes: i32,
) -> Result<String, JsValue> {
    use assent_app::trail_view::{render, TrailFilter};
    let report = wasm_core::trail::report::TrailReport::from_json(&report_json)
        .map_err(|_| JsValue::from_str("the trail could not be read; reload the page"))?;
    let filter = TrailFilter { provider, grant, flagged_only: show == "flagged" };
    Ok(render(&report, &filter, utc_offset_minutes))
}

/// A trail report (JSON, from [`access_trail`]) as a file to download: `csv` or `json`.
#[wasm_bindgen]
pub fn export_trail(report_json: String, format: String) -> Result<String, JsValue> {
    let report = wasm_core::trail::report::TrailReport::from_json(&report_json)
        .map_err(|_| JsValue::from_str("the trail could not be read; reload the page"))?;
    Ok(match format.as_str() {
        "csv" => report.to_csv(),
        _ => serde_json::to_string_pretty(&report.to_json()).unwrap_or_default(),
    })
}

/// The risk hint's ledger line (HTML): the release of the pinned model, checked against the pins,
/// is submitted through the stored gateway settings (a gateway that has it gives its index back)
/// and its inclusion proven against the wallet's verified view, which is kept with any fork
/// evidence. Not verified: an amber notice with the reason.
#[wasm_bindgen]
pub async fn model_on_ledger() -> Result<String, JsValue> {
    use assent_app::{ledger_client, records_view};
    let ledger = match StoredLedger::open().await? {
        Ok(ledger) => ledger,
        Err(reason) => return Ok(records_view::model_ledger_html(Err(reason))),
    };
    let release = async {
        let bytes = ledger_client::get(MODEL_RELEASE_PATH)
            .await
            .map_err(|reason| format!("its release could not be loaded ({reason})"))?;
        wasm_core::risk::pinned_release(&bytes).map_err(|error| error.to_string())?;
        Ok::<_, String>(bytes)
    };
    let bytes = match release.await {
        Ok(bytes) => bytes,
        Err(reason) => return Ok(records_view::model_ledger_html(Err(reason))),
    };
    let report = ledger.submit(bytes).await?;
    let on_ledger = report
        .submitted
        .as_ref()
        .map(|placed| (placed.index, placed.checkpoint_size))
        .ok_or_else(|| report.failure_reasons());
    Ok(records_view::model_ledger_html(on_ledger))
}

/// A ledger check as a client makes it — a checkpoint under a witness policy, an inclusion proof
/// and a consistency proof — held ready to verify again and again (for `bench/tlog-verify.mjs`,
/// which times it against the native figure).
#[wasm_bindgen]
pub struct LedgerCheck {
    trust: wasm_core::tlog::view::LogTrust,
    note: String,
    leaf: wasm_core::hash::Digest256,
    index: u64,
    inclusion: Vec<wasm_core::hash::Digest256>,
    size1: u64,
    root1: wasm_core::hash::Digest256,
    consistency: Vec<wasm_core::hash::Digest256>,
}

#[wasm_bindgen]
impl LedgerCheck {
    /// Reads the check from the JSON `cargo bench -p wasm-core --bench tlog_verify` writes.
    #[wasm_bindgen(constructor)]
    pub fn new(fixture_json: &str) -> Result<LedgerCheck, JsValue> {
        use base64::Engine as _;
        let words = |text: &str| JsValue::from_str(text);
        let fixture: serde_json::Value = serde_json::from_str(fixture_json).map_err(|_| words("not JSON"))?;
        let hash = |value: &serde_json::Value| -> Result<wasm_core::hash::Digest256, JsValue> {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(value.as_str().unwrap_or_default())
                .map_err(|_| words("a hash is not base64"))?;
            bytes.try_into().map_err(|_| words("a hash is not 32 bytes"))
        };
        let hashes = |value: &serde_json::Value| -> Result<Vec<wasm_core::hash::Digest256>, JsValue> {
            value.as_array().ok_or_else(|| words("a proof is not a list"))?.iter().map(hash).collect()
        };
        let text = |name: &str| fixture[name].as_str().map(str::to_owned).ok_or_else(|| words(name));
        let number = |name: &str| fixture[name].as_u64().ok_or_else(|| words(name));
        let trust = wasm_core::tlog::view::LogTrust::new(&text("vkey")?, Some(&text("policy")?))
            .map_err(|error| words(&error.to_string()))?;
        Ok(LedgerCheck {
            trust,
            note: text("note")?,
            leaf: hash(&fixture["leaf"])?,
            index: number("index")?,
            inclusion: hashes(&fixture["inclusion"])?,
            size1: number("size1")?,
            root1: hash(&fixture["root1"])?,
            consistency: hashes(&fixture["consistency"])?,
        })
    }

    /// Verifies the checkpoint (log signature, witness quorum), then both proofs.
    pub fn verify(&self) -> Result<(), JsValue> {
        use wasm_core::tlog::proof::{verify_consistency, verify_inclusion};
        let error = |error: &dyn std::fmt::Display| JsValue::from_str(&error.to_string());
        let checkpoint = self.trust.open(self.note.as_bytes()).map_err(|e| error(&e))?;
        verify_inclusion(&self.leaf, self.index, checkpoint.size(), &self.inclusion, checkpoint.root())
            .map_err(|e| error(&e))?;
        verify_consistency(self.size1, checkpoint.size(), &self.consistency, &self.root1, checkpoint.root())
            .map_err(|e| error(&e))
    }
}

/// Decodes and verifies a revocation map proof for `key` against `root` (for
/// `bench/tlog-verify.mjs`, which times it against the native figure): whether it verified.
#[wasm_bindgen]
pub fn revmap_verify(proof: &[u8], root: &[u8], key: &[u8]) -> bool {
    let (Ok(root), Ok(key)) = (<[u8; 32]>::try_from(root), <[u8; 32]>::try_from(key)) else { return false };
    wasm_core::revmap::MapProof::decode(proof)
        .and_then(|proof| proof.verify(&root, &wasm_core::revmap::MapKey::from_bytes(key)))
        .is_ok()
}

/// Verifies an Ed25519 signature exactly as everything in Assent does (`ed25519::verify`); for the
/// benchmark against WebCrypto and @noble/ed25519.
#[wasm_bindgen]
pub fn ed25519_verify(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    key_and_signature(public_key, signature)
        .is_some_and(|(key, signature)| wasm_core::ed25519::verify(&key, message, &signature))
}

/// The same check with the key's table kept (`ed25519::verify_with_kept_key`, as log and witness
/// keys are checked); for the benchmark.
#[wasm_bindgen]
pub fn ed25519_verify_kept_key(public_key: &[u8], message: &[u8], signature: &[u8]) -> bool {
    key_and_signature(public_key, signature)
        .is_some_and(|(key, signature)| wasm_core::ed25519::verify_with_kept_key(&key, message, &signature))
}

/// An Ed25519 key and signature at their fixed lengths; `None` if either is another length.
fn key_and_signature(public_key: &[u8], signature: &[u8]) -> Option<([u8; 32], [u8; 64])> {
    Some((public_key.try_into().ok()?, signature.try_into().ok()?))
}

/// The zxcvbn estimate of a passphrase: `{"score":0-4,"warning":"…","suggestion":"…"}`.
#[wasm_bindgen]
pub fn passphrase_strength(passphrase: &str) -> String {
    let estimate = zxcvbn::zxcvbn(passphrase, &["assent", "wallet", "health"]);
    let feedback = estimate.feedback();
    serde_json::json!({
        "score": estimate.score() as u8,
        "warning": feedback.and_then(|f| f.warning()).map(|w| w.to_string()).unwrap_or_default(),
        "suggestion": feedback.and_then(|f| f.suggestions().first()).map(ToString::to_string).unwrap_or_default(),
    })
    .to_string()
}
