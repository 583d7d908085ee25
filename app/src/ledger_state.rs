//! The ledger's records in IndexedDB: the gateway settings and, for each log key, the last
//! checkpoint the wallet verified. The worker verifies; this only reads and keeps what it
//! returned.

use crate::storage::{Replaced, StorageError, Store, LEDGER_CHECKPOINT_PREFIX, LEDGER_GATEWAYS_KEY};
use crate::vault_worker;

/// What is stored, as read before a check or a submission.
pub struct Stored {
    /// The gateway settings (JSON); empty when none are stored (the worker presets the local
    /// gateway).
    pub settings: String,
    /// The stored checkpoint of the settings' log, as stored.
    saved: Option<Vec<u8>>,
}

fn checkpoint_key(vkey: &str) -> String {
    format!("{LEDGER_CHECKPOINT_PREFIX}{vkey}")
}

impl Stored {
    /// Reads the settings and their log's last verified checkpoint.
    pub async fn load(store: &Store) -> Result<Stored, StorageError> {
        let settings = store.get(LEDGER_GATEWAYS_KEY).await?.and_then(|bytes| String::from_utf8(bytes).ok());
        let settings = settings.unwrap_or_default();
        let saved = match vault_worker::settings_vkey(&settings) {
            Some(vkey) => store.get(&checkpoint_key(&vkey)).await?,
            None => None,
        };
        Ok(Stored { settings, saved })
    }

    /// The last verified checkpoint, or empty.
    pub fn saved_note(&self) -> String {
        self.saved.as_deref().map(String::from_utf8_lossy).unwrap_or_default().into_owned()
    }

    /// Keeps what a check or a submission used and verified: the settings, if none were stored
    /// (the preset), and `note` as the log's latest checkpoint. A write another tab got in
    /// first wins: its checkpoint was verified too.
    pub async fn keep(&self, store: &Store, settings_used: &str, note: &str) {
        if self.settings.is_empty() {
            let _ = store
                .compare_and_put(LEDGER_GATEWAYS_KEY, None, settings_used.as_bytes(), Replaced::Discard)
                .await;
        }
        let Some(vkey) = vault_worker::settings_vkey(settings_used) else { return };
        if note.is_empty() || note.as_bytes() == self.saved.as_deref().unwrap_or_default() {
            return;
        }
        let key = checkpoint_key(&vkey);
        // The stored note is ours to replace only if it was read for this same log.
        let expected =
            if self.settings.is_empty() { store.get(&key).await.ok().flatten() } else { self.saved.clone() };
        let _ = store.compare_and_put(&key, expected.as_deref(), note.as_bytes(), Replaced::Discard).await;
    }
}
