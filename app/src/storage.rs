//! The wallet's persistent storage: one IndexedDB database, one object store of byte records.
//!
//! Every write is a single read-compare-write transaction, so two tabs cannot silently lose each
//! other's writes; and a record whose loss would lose data is archived when replaced.

use idb::{Database, DatabaseEvent, Factory, ObjectStoreParams, TransactionMode};
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};

const DATABASE: &str = "assent";
const DATABASE_VERSION: u32 = 1;
const RECORDS: &str = "records";

/// Key of the sealed master seed (the wallet key); its bytes are also the backup file.
pub const MASTER_SEED_KEY: &str = "vault/master-seed";
/// Key of the wallet state (its grant list), sealed with the wallet's record key.
pub const WALLET_STATE_KEY: &str = "wallet/state";
/// Key of the patient's imported health records, sealed with the records key.
pub const HEALTH_RECORDS_KEY: &str = "records/health";
/// Key of the idle-lock setting, in minutes, as decimal text.
pub const IDLE_MINUTES_KEY: &str = "settings/idle-lock-minutes";
/// Key of the provider's freshness window for "not revoked", in minutes, as decimal text.
pub const FRESHNESS_MINUTES_KEY: &str = "settings/freshness-minutes";
/// The ledger's gateways (JSON list of URL, log key and witness policy).
pub const LEDGER_GATEWAYS_KEY: &str = "settings/ledger-gateways";
/// Followed by a log's verifier key: the last checkpoint of that log the wallet verified.
pub const LEDGER_CHECKPOINT_PREFIX: &str = "ledger/checkpoint/";
/// Followed by a log's verifier key: when a gateway last served that checkpoint as its latest,
/// in Unix seconds as decimal text (what dates an offline check).
pub const LEDGER_CONFIRMED_PREFIX: &str = "ledger/confirmed-at/";
/// Followed by a log's verifier key: evidence of a fork of that log (JSON), once one is seen.
pub const LEDGER_FORK_PREFIX: &str = "ledger/fork/";
/// Prefix of records kept aside when they were replaced (damaged or not).
pub const ARCHIVE_PREFIX: &str = "archive/";

/// Why storage failed. Messages say what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// IndexedDB is missing or refused (private mode, disabled site data).
    #[error("this browser does not let Assent store data for this site (private window or blocked site data); open Assent in a normal window and allow site data")]
    Unavailable,
    /// The browser's storage quota is full.
    #[error(
        "the browser's storage for this site is full; free some space (remove other site data) and try again"
    )]
    QuotaExceeded,
    /// Another tab changed the record in the meantime.
    #[error("another tab changed your wallet while this one was working; reload this page and try again")]
    Conflict,
    /// A stored value is not bytes.
    #[error("a stored record is not in the expected form; export it from the wallet page before restoring")]
    UnexpectedValue,
    /// Any other storage failure.
    #[error("the browser's storage failed ({0}); reload the page and try again")]
    Failed(String),
}

impl From<idb::Error> for StorageError {
    fn from(error: idb::Error) -> Self {
        let text = error.to_string();
        if text.contains("QuotaExceeded") {
            StorageError::QuotaExceeded
        } else if matches!(error, idb::Error::IndexedDbNotFound(_) | idb::Error::IndexedDbOpenFailed(_)) {
            StorageError::Unavailable
        } else {
            StorageError::Failed(text)
        }
    }
}

/// What happens to the value a write replaces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replaced {
    /// Kept under [`ARCHIVE_PREFIX`]`key/now_ms`: for records whose loss would lose data.
    Archive {
        /// Now, in milliseconds: names the archived copy.
        now_ms: u64,
    },
    /// Dropped: for settings, and for records the new value carries forward in full.
    Discard,
}

/// The open database.
#[derive(Clone)]
pub struct Store {
    database: std::rc::Rc<Database>,
}

impl Store {
    /// Opens (creating if needed) the wallet's database.
    pub async fn open() -> Result<Store, StorageError> {
        let factory = Factory::new().map_err(|_| StorageError::Unavailable)?;
        let mut request =
            factory.open(DATABASE, Some(DATABASE_VERSION)).map_err(|_| StorageError::Unavailable)?;
        request.on_upgrade_needed(|event| {
            if let Ok(database) = event.database() {
                if !database.store_names().iter().any(|name| name == RECORDS) {
                    // An error here aborts the upgrade, which the awaited open reports.
                    let _ = database.create_object_store(RECORDS, ObjectStoreParams::new());
                }
            }
        });
        let database = request.await?;
        Ok(Store { database: std::rc::Rc::new(database) })
    }

    /// Reads one record.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let transaction = self.database.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
        let value = transaction.object_store(RECORDS)?.get(JsValue::from_str(key))?.await?;
        transaction.await?;
        value.map(bytes_of).transpose()
    }

    /// Writes `new` under `key` only if the stored value still equals `expected` (`None`: absent),
    /// in one transaction. If a different value is stored, nothing changes and
    /// [`StorageError::Conflict`] is returned. The replaced value is archived or dropped as
    /// `replaced` says.
    pub async fn compare_and_put(
        &self,
        key: &str,
        expected: Option<&[u8]>,
        new: &[u8],
        replaced: Replaced,
    ) -> Result<(), StorageError> {
        let transaction = self.database.transaction(&[RECORDS], TransactionMode::ReadWrite)?;
        let store = transaction.object_store(RECORDS)?;
        let current = store.get(JsValue::from_str(key))?.await?.map(bytes_of).transpose()?;
        if current.as_deref() != expected {
            transaction.abort()?.await.ok();
            return Err(StorageError::Conflict);
        }
        let archive = match replaced {
            Replaced::Archive { now_ms } => {
                current.filter(|old| old.as_slice() != new).map(|old| (old, now_ms))
            }
            Replaced::Discard => None,
        };
        if let Some((old, now_ms)) = archive {
            let archive_key = format!("{ARCHIVE_PREFIX}{key}/{now_ms}");
            store
                .put(&Uint8Array::from(old.as_slice()).into(), Some(&JsValue::from_str(&archive_key)))?
                .await?;
        }
        store.put(&Uint8Array::from(new).into(), Some(&JsValue::from_str(key)))?.await?;
        transaction.commit()?.await?;
        Ok(())
    }

    /// Reads a setting stored as decimal text; `None` if absent or unreadable.
    pub async fn get_number(&self, key: &str) -> Result<Option<u64>, StorageError> {
        Ok(self.get(key).await?.and_then(|bytes| String::from_utf8(bytes).ok()?.parse().ok()))
    }

    /// Stores a setting as decimal text, replacing what is stored.
    pub async fn put_number(&self, key: &str, value: u64) -> Result<(), StorageError> {
        let current = self.get(key).await?;
        self.compare_and_put(key, current.as_deref(), value.to_string().as_bytes(), Replaced::Discard).await
    }

    /// Keys of archived records, oldest first.
    pub async fn archived_keys(&self) -> Result<Vec<String>, StorageError> {
        let transaction = self.database.transaction(&[RECORDS], TransactionMode::ReadOnly)?;
        let keys = transaction.object_store(RECORDS)?.get_all_keys(None, None)?.await?;
        transaction.await?;
        Ok(keys.into_iter().filter_map(|k| k.as_string()).filter(|k| k.starts_with(ARCHIVE_PREFIX)).collect())
    }
}

fn bytes_of(value: JsValue) -> Result<Vec<u8>, StorageError> {
    value.dyn_into::<Uint8Array>().map(|array| array.to_vec()).map_err(|_| StorageError::UnexpectedValue)
}
