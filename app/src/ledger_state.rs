//! The ledger's records in IndexedDB: the gateway settings and, for each log key, the last
//! checkpoint the wallet verified. The worker verifies; this only reads and keeps what it
//! returned.

use crate::browser;
use crate::storage::{
    Replaced, StorageError, Store, LEDGER_CHECKPOINT_PREFIX, LEDGER_CONFIRMED_PREFIX, LEDGER_FORK_PREFIX,
    LEDGER_GATEWAYS_KEY,
};
use crate::vault_worker::{self, VerdictReport};
use crate::wallet::WalletError;

/// What is stored, as read before a check or a submission.
pub struct Stored {
    /// The gateway settings (JSON); empty when none are stored (the worker presets the local
    /// gateway).
    pub settings: String,
    /// The stored checkpoint of the settings' log, as stored.
    saved: Option<Vec<u8>>,
    /// When a gateway last served that checkpoint as its latest (Unix seconds), if known.
    pub confirmed_at: Option<u64>,
}

fn checkpoint_key(vkey: &str) -> String {
    format!("{LEDGER_CHECKPOINT_PREFIX}{vkey}")
}

impl Stored {
    /// Reads the settings and their log's last verified checkpoint.
    pub async fn load(store: &Store) -> Result<Stored, StorageError> {
        let settings = store.get(LEDGER_GATEWAYS_KEY).await?.and_then(|bytes| String::from_utf8(bytes).ok());
        let settings = settings.unwrap_or_default();
        let (saved, confirmed_at) = match vault_worker::settings_vkey(&settings) {
            Some(vkey) => (
                store.get(&checkpoint_key(&vkey)).await?,
                store.get_number(&format!("{LEDGER_CONFIRMED_PREFIX}{vkey}")).await?,
            ),
            None => (None, None),
        };
        Ok(Stored { settings, saved, confirmed_at })
    }

    /// The last verified checkpoint, or empty.
    pub fn saved_note(&self) -> String {
        self.saved.as_deref().map(String::from_utf8_lossy).unwrap_or_default().into_owned()
    }

    /// Keeps what a check or a submission used and verified: the settings, if none were stored
    /// (the preset), and `note` as the log's latest checkpoint, with the time a gateway served
    /// it (now, if it is new or `confirmed`: a gateway served it as its latest in this check).
    /// A write another tab got in first wins: its checkpoint was verified too.
    pub async fn keep(&self, store: &Store, settings_used: &str, note: &str, confirmed: bool) {
        if self.settings.is_empty() {
            let _ = store
                .compare_and_put(LEDGER_GATEWAYS_KEY, None, settings_used.as_bytes(), Replaced::Discard)
                .await;
        }
        let Some(vkey) = vault_worker::settings_vkey(settings_used) else { return };
        let unchanged = note.as_bytes() == self.saved.as_deref().unwrap_or_default();
        if !note.is_empty() && (confirmed || !unchanged) {
            let confirmed_key = format!("{LEDGER_CONFIRMED_PREFIX}{vkey}");
            let _ = store.put_number(&confirmed_key, browser::now_ms() / 1000).await;
        }
        if note.is_empty() || unchanged {
            return;
        }
        let key = checkpoint_key(&vkey);
        // The stored note is ours to replace only if it was read for this same log.
        let expected =
            if self.settings.is_empty() { store.get(&key).await.ok().flatten() } else { self.saved.clone() };
        let _ = store.compare_and_put(&key, expected.as_deref(), note.as_bytes(), Replaced::Discard).await;
    }
}

/// The origin of the log the gateway settings (JSON) are for: its key's name.
pub fn log_origin(settings_json: &str) -> Option<String> {
    let vkey = vault_worker::settings_vkey(settings_json)?;
    vkey.split_once('+').map(|(name, _)| name.to_owned())
}

/// The fork evidence to show for the log `vkey`: `found` by this check, kept (an earlier copy is
/// archived, never lost), or else what an earlier check stored.
pub async fn keep_fork(
    store: &Store,
    vkey: &str,
    found: Option<&str>,
) -> Result<Option<String>, StorageError> {
    let key = format!("{LEDGER_FORK_PREFIX}{vkey}");
    let stored = store.get(&key).await?.and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(found) = found else { return Ok(stored) };
    let replaced = Replaced::Archive { now_ms: browser::now_ms() };
    store.compare_and_put(&key, stored.as_deref().map(str::as_bytes), found.as_bytes(), replaced).await?;
    Ok(Some(found.to_owned()))
}

/// Verifies a consent code and its place on the ledger (in the worker), with the provider's
/// freshness window (`freshness_minutes`), and keeps what the check verified: the checkpoint, and fork evidence if the
/// gateways showed a fork.
pub async fn verify_on_ledger(
    text: &str,
    now: u64,
    audience: Option<&[u8; 32]>,
    freshness_minutes: u64,
) -> Result<VerdictReport, WalletError> {
    let store = Store::open().await?;
    let stored = Stored::load(&store).await?;
    let (verdict, kept) = vault_worker::verify_on_ledger(
        text,
        now,
        audience,
        &stored.settings,
        (&stored.saved_note(), stored.confirmed_at),
        freshness_minutes,
    )
    .await?;
    if let Some(vkey) = vault_worker::settings_vkey(&kept.settings) {
        stored.keep(&store, &kept.settings, &kept.note, kept.confirmed).await;
        keep_fork(&store, &vkey, kept.fork.as_deref()).await?;
    }
    Ok(verdict)
}
