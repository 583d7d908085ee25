//! The wallet session: what is stored, whether it is unlocked, and the operations on it. The
//! master seed lives only in memory while unlocked and is zeroized when the wallet locks.

use leptos::prelude::*;
use wasm_core::consent::issued::IssuedGrant;
use wasm_core::vault::{IdleLock, MasterSeed, RecordKind, UnlockThrottle, VaultError};

use crate::browser;
use crate::ledger_state::Stored;
use crate::storage::{
    Replaced, StorageError, Store, FRESHNESS_MINUTES_KEY, IDLE_MINUTES_KEY, MASTER_SEED_KEY, WALLET_STATE_KEY,
};
use crate::vault_worker::{self, VaultFailureKind, WorkerError};
use wasm_core::consent::revocation_check::{freshness_secs, DEFAULT_FRESHNESS_SECS};

/// Where the wallet stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalletStatus {
    /// Reading storage.
    Loading,
    /// No wallet yet on this device.
    Empty,
    /// A wallet is stored and locked.
    Locked,
    /// Unlocked: the keys are in memory.
    Unlocked,
    /// The stored wallet is damaged; the message says how.
    Damaged(String),
    /// Storage cannot be used; the message says why and what to do.
    Unavailable(String),
}

/// Why a wallet operation failed. Messages say what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    /// From the vault.
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// From the vault, reported by the worker.
    #[error("{message}")]
    VaultInWorker {
        /// What the page does about it.
        kind: VaultFailureKind,
        /// The vault's message.
        message: String,
    },
    /// From storage.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Too many wrong passphrases.
    #[error("too many wrong passphrases: wait {seconds} s, then try again")]
    Throttled {
        /// Seconds to wait.
        seconds: u64,
    },
    /// The two passphrase fields differ.
    #[error("the two passphrases differ; type the same passphrase in both fields")]
    PassphraseMismatch,
    /// The passphrase is too easy to guess.
    #[error("this passphrase is too easy to guess{reason}; use four or more unrelated words")]
    WeakPassphrase {
        /// The estimator's warning, if any, starting with ": ".
        reason: String,
    },
    /// A confirmation word is wrong.
    #[error("word {position} does not match your recovery phrase; check the copy you wrote down")]
    ConfirmationMismatch {
        /// 1-based position.
        position: usize,
    },
    /// No backup file chosen.
    #[error("choose your backup file first")]
    NoFile,
    /// The file could not be read.
    #[error("the browser could not read that file ({0}); choose it again")]
    FileRead(String),
    /// The wallet is locked.
    #[error("your wallet is locked; unlock it first")]
    Locked,
    /// A download failed.
    #[error("the browser did not start the download ({0}); try again")]
    Download(String),
    /// The vault worker failed.
    #[error("the wallet's background worker failed ({0}); reload the page and try again")]
    Worker(String),
    /// A provider id that is not one.
    #[error(transparent)]
    ProviderKey(#[from] wasm_core::consent::ProviderKeyError),
    /// An operation in the worker (scanning, signing, the ledger) failed; the reason says what
    /// happened and what to do.
    #[error("{0}")]
    Reason(String),
    /// The number of days is out of range.
    #[error("choose between 1 and 3650 days")]
    Days,
}

impl From<WorkerError> for WalletError {
    fn from(error: WorkerError) -> Self {
        match error {
            WorkerError::Vault { kind, message } => WalletError::VaultInWorker { kind, message },
            WorkerError::Worker(message) => WalletError::Worker(message),
            WorkerError::Reason(reason) => WalletError::Reason(reason),
        }
    }
}

/// Where the records page's records come from.
pub enum RecordsSource {
    /// The records already stored.
    Stored,
    /// A file the patient chose or dropped.
    File(web_sys::File),
    /// A synthetic sample patient of the app (`a`, `b` or `c`; empty: none chosen).
    Sample(String),
}

/// A setting kept in minutes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinutesSetting {
    /// Idle time before the wallet locks.
    IdleLock,
    /// How old a checkpoint may be for a provider's "not revoked" to pass.
    Freshness,
}

impl MinutesSetting {
    fn key(self) -> &'static str {
        match self {
            MinutesSetting::IdleLock => IDLE_MINUTES_KEY,
            MinutesSetting::Freshness => FRESHNESS_MINUTES_KEY,
        }
    }
}

/// The wallet session, shared through the context.
#[derive(Clone, Copy)]
pub struct Wallet {
    /// Where the wallet stands.
    pub status: RwSignal<WalletStatus>,
    /// The root public key (hex) while unlocked.
    pub public_key: RwSignal<Option<String>>,
    /// The provider key (hex) while unlocked: this wallet's provider id.
    pub provider_key: RwSignal<Option<String>>,
    /// A progress message while a long step runs.
    pub busy: RwSignal<Option<&'static str>>,
    /// Minutes of inactivity before the wallet locks.
    pub idle_minutes: RwSignal<u64>,
    /// The provider's freshness window for "not revoked", in minutes.
    pub freshness_minutes: RwSignal<u64>,
    /// The grants this wallet signed (empty while locked).
    pub grants: RwSignal<Vec<IssuedGrant>>,
    /// Why the stored grant list could not be read; it is archived, not lost, on the next write.
    pub state_problem: RwSignal<Option<String>>,
    /// The stored state's bytes as last read or written, for compare-and-put; and whether they
    /// opened (a copy that did not is archived when replaced).
    state_bytes: StoredValue<(Option<Vec<u8>>, bool)>,
    seed: StoredValue<Option<MasterSeed>>,
    stored: StoredValue<Option<Vec<u8>>>,
    store: StoredValue<Option<Store>, LocalStorage>,
    throttle: StoredValue<UnlockThrottle>,
    idle: StoredValue<IdleLock>,
}

/// Minimum zxcvbn score (0–4) for a new passphrase.
const MIN_PASSPHRASE_SCORE: u8 = 3;

/// Checks a new passphrase: both fields equal, and strong enough (zxcvbn, in the worker).
pub async fn check_new_passphrase(passphrase: &str, confirmation: &str) -> Result<(), WalletError> {
    if passphrase != confirmation {
        return Err(WalletError::PassphraseMismatch);
    }
    let estimate = vault_worker::strength(passphrase).await?;
    if estimate.score < MIN_PASSPHRASE_SCORE {
        let warning = estimate.warning.trim_end_matches('.').to_ascii_lowercase();
        let reason = if warning.is_empty() { String::new() } else { format!(": {warning}") };
        return Err(WalletError::WeakPassphrase { reason });
    }
    Ok(())
}

impl Wallet {
    /// A session that has not read storage yet.
    pub fn new() -> Self {
        let now = browser::now_ms();
        Wallet {
            status: RwSignal::new(WalletStatus::Loading),
            public_key: RwSignal::new(None),
            provider_key: RwSignal::new(None),
            busy: RwSignal::new(None),
            idle_minutes: RwSignal::new(IdleLock::DEFAULT_TIMEOUT_MS / 60_000),
            freshness_minutes: RwSignal::new(DEFAULT_FRESHNESS_SECS / 60),
            grants: RwSignal::new(Vec::new()),
            state_problem: RwSignal::new(None),
            state_bytes: StoredValue::new((None, true)),
            seed: StoredValue::new(None),
            stored: StoredValue::new(None),
            store: StoredValue::new_local(None),
            throttle: StoredValue::new(UnlockThrottle::default()),
            idle: StoredValue::new(IdleLock::new(IdleLock::DEFAULT_TIMEOUT_MS, now)),
        }
    }

    /// Reads storage and settles the status.
    pub async fn load(self) {
        let outcome = async {
            let store = Store::open().await?;
            self.store.set_value(Some(store.clone()));
            for setting in [MinutesSetting::IdleLock, MinutesSetting::Freshness] {
                if let Some(minutes) = store.get_number(setting.key()).await? {
                    self.apply_minutes(setting, minutes);
                }
            }
            store.get(MASTER_SEED_KEY).await
        }
        .await;
        match outcome {
            Err(error) => self.status.set(WalletStatus::Unavailable(error.to_string())),
            Ok(None) => self.status.set(WalletStatus::Empty),
            Ok(Some(bytes)) => {
                // Checked in the worker (SHA-256 stays off the first load); the unlock form needs
                // the worker next anyway.
                let status = match vault_worker::inspect(RecordKind::MasterSeed, &bytes).await {
                    Ok(()) => WalletStatus::Locked,
                    Err(WorkerError::Worker(reason)) => WalletStatus::Unavailable(reason),
                    Err(error) => WalletStatus::Damaged(error.to_string()),
                };
                self.stored.set_value(Some(bytes));
                self.status.set(status);
            }
        }
    }

    /// The wallet's IndexedDB store, once opened.
    pub fn store(self) -> Result<Store, WalletError> {
        self.store.get_value().ok_or(WalletError::Storage(StorageError::Unavailable))
    }

    /// Shows a progress message while a long step (in the worker) runs.
    async fn with_progress<T>(self, message: &'static str, work: impl std::future::Future<Output = T>) -> T {
        self.busy.set(Some(message));
        let result = work.await;
        self.busy.set(None);
        result
    }

    /// Opens a sealed wallet key (in the worker) with a progress message.
    async fn open_seed(
        self,
        message: &'static str,
        record: &[u8],
        passphrase: &str,
    ) -> Result<MasterSeed, WalletError> {
        let contents = self
            .with_progress(message, vault_worker::open(RecordKind::MasterSeed, record, passphrase))
            .await?;
        Ok(MasterSeed::from_record_contents(&contents)?)
    }

    /// Seals `seed` under `passphrase` and stores it, replacing (and archiving) whatever the
    /// store held when this tab last read it.
    async fn save(self, seed: &MasterSeed, passphrase: &str) -> Result<(), WalletError> {
        let sealed = self
            .with_progress(
                "Sealing your wallet key…",
                vault_worker::seal(RecordKind::MasterSeed, seed.expose_bytes(), passphrase),
            )
            .await?;
        self.put(sealed).await?;
        Ok(())
    }

    async fn put(self, sealed: Vec<u8>) -> Result<(), WalletError> {
        let expected = self.stored.get_value();
        self.store()?
            .compare_and_put(
                MASTER_SEED_KEY,
                expected.as_deref(),
                &sealed,
                Replaced::Archive { now_ms: browser::now_ms() },
            )
            .await?;
        self.stored.set_value(Some(sealed));
        Ok(())
    }

    fn settle_unlocked(self, seed: MasterSeed) {
        self.seed.set_value(Some(seed));
        self.idle.update_value(|idle| idle.touch(browser::now_ms()));
        // Setting an equal status would rebuild the unlocked page under the user's hands.
        if self.status.get_untracked() != WalletStatus::Unlocked {
            self.status.set(WalletStatus::Unlocked);
        }
        leptos::task::spawn_local(self.load_state());
        leptos::task::spawn_local(self.load_public_keys());
    }

    /// Computes the public keys (in the worker) for the pages that show them.
    async fn load_public_keys(self) {
        let Some(seed) = self.with_seed(|seed| MasterSeed::from_bytes(*seed.expose_bytes())) else { return };
        if let Ok(keys) = vault_worker::public_keys(&seed).await {
            let _ = self.public_key.try_set(Some(keys.root));
            let _ = self.provider_key.try_set(Some(keys.provider));
        }
    }

    /// A copy of the unlocked seed (zeroized on drop), for the worker, which derives every key.
    pub fn seed(self) -> Result<MasterSeed, WalletError> {
        self.with_seed(|seed| MasterSeed::from_bytes(*seed.expose_bytes())).ok_or(WalletError::Locked)
    }

    /// Reads the grant list. A list that cannot be read is reported and kept, never
    /// overwritten unarchived.
    async fn load_state(self) {
        let outcome = async {
            let key = self.seed()?;
            let stored = self.store()?.get(WALLET_STATE_KEY).await?;
            let grants = vault_worker::open_state(&key, stored.as_deref()).await.map_err(WalletError::from);
            self.state_bytes.set_value((stored, grants.is_ok()));
            grants
        }
        .await;
        let (grants, problem) = match outcome {
            Ok(grants) => (grants, None),
            Err(error) => (Vec::new(), Some(error.to_string())),
        };
        let _ = self.grants.try_set(grants);
        let _ = self.state_problem.try_set(problem);
        self.publish_pending().await;
    }

    /// Puts the grants still waiting for the ledger (signed or revoked offline) on it, in turn,
    /// on unlocking and when the browser comes back online. Quietly: one that fails keeps
    /// waiting, with its "Put on the ledger" button, and the rest wait for the next chance.
    pub async fn publish_pending(self) {
        let waiting: Vec<String> = self
            .grants
            .get_untracked()
            .iter()
            .filter(|grant| grant.awaits_ledger())
            .map(|grant| grant.id.clone())
            .collect();
        for id in waiting {
            if self.publish_grant(&id).await.is_err() {
                return;
            }
        }
    }

    /// Stores a state change made by the worker, refusing if another tab changed the stored
    /// state since this tab read it. A stored state that could not be read is archived.
    async fn store_state(self, change: vault_worker::StateChange) -> Result<(), WalletError> {
        let (expected, readable) = self.state_bytes.get_value();
        let replaced =
            if readable { Replaced::Discard } else { Replaced::Archive { now_ms: browser::now_ms() } };
        self.store()?
            .compare_and_put(WALLET_STATE_KEY, expected.as_deref(), &change.sealed, replaced)
            .await?;
        self.state_bytes.set_value((Some(change.sealed), true));
        let _ = self.grants.try_set(change.grants);
        let _ = self.state_problem.try_set(None);
        Ok(())
    }

    /// The stored state to change: its bytes when they opened, `None` to start a new list.
    fn readable_state(self) -> Option<Vec<u8>> {
        let (bytes, readable) = self.state_bytes.get_value();
        bytes.filter(|_| readable)
    }

    /// The records view (HTML from the worker, which keeps the records): of the records stored,
    /// or of new ones imported from `source` (replacing, and archiving, any before). `None`: none
    /// stored. A bundle the worker refuses changes nothing stored.
    pub async fn records(self, source: RecordsSource) -> Result<Option<String>, WalletError> {
        let seed = self.seed()?;
        let (kind, payload) = match source {
            RecordsSource::Stored => ("stored", wasm_bindgen::JsValue::NULL),
            RecordsSource::File(file) => ("file", file.into()),
            RecordsSource::Sample(name) => ("sample", name.into()),
        };
        Ok(vault_worker::records(&seed, kind, payload).await?)
    }

    /// The access trail of this wallet's grants, checked in the worker: the report (JSON) and its
    /// view (HTML), times in the browser's time zone.
    pub async fn access_trail(self) -> Result<(String, String), WalletError> {
        Ok(vault_worker::access_trail(
            &self.seed()?,
            self.readable_state().as_deref(),
            browser::utc_offset_minutes(),
        )
        .await?)
    }

    /// Adds a grant just signed (its entry as the worker returned it) to the list.
    pub async fn remember_grant(self, entry_json: &str) -> Result<(), WalletError> {
        let change =
            vault_worker::add_grant(&self.seed()?, self.readable_state().as_deref(), entry_json).await?;
        self.store_state(change).await
    }

    /// Revokes the grant with this id: signs the revocation (in the worker) and stores it.
    pub async fn revoke_grant(self, id: &str) -> Result<(), WalletError> {
        let now = browser::now_ms() / 1_000;
        let change =
            vault_worker::revoke_grant(&self.seed()?, self.readable_state().as_deref(), id, now).await?;
        self.store_state(change).await
    }

    /// Submits grant `id`'s pending ledger entries (its commitment; its revocation, once revoked)
    /// through the worker, which proves their inclusion; stores their places in the list.
    pub async fn publish_grant(self, id: &str) -> Result<(), WalletError> {
        let store = self.store()?;
        let stored = Stored::load(&store).await?;
        let published = vault_worker::publish_grant(
            &self.seed()?,
            self.readable_state().as_deref(),
            id,
            &stored.settings,
            &stored.saved_note(),
        )
        .await?;
        self.store_state(published.change).await?;
        stored.keep(&store, &published.settings, &published.note, false).await;
        Ok(())
    }

    /// Stores a new wallet made during onboarding and unlocks it.
    pub async fn create(self, seed: MasterSeed, passphrase: &str) -> Result<(), WalletError> {
        self.save(&seed, passphrase).await?;
        self.settle_unlocked(seed);
        Ok(())
    }

    /// Opens the stored wallet with `passphrase`, subject to the back-off.
    pub async fn unlock(self, passphrase: &str) -> Result<(), WalletError> {
        if let Some(wait) = self.throttle.get_value().wait_ms(browser::now_ms()) {
            return Err(WalletError::Throttled { seconds: wait.div_ceil(1_000) });
        }
        let stored = self.stored.get_value().ok_or(WalletError::Locked)?;
        match self.open_seed("Unlocking…", &stored, passphrase).await {
            Ok(seed) => {
                self.throttle.update_value(UnlockThrottle::record_success);
                self.settle_unlocked(seed);
                Ok(())
            }
            Err(error @ WalletError::VaultInWorker { kind: VaultFailureKind::WrongPassphrase, .. }) => {
                self.throttle.update_value(|t| t.record_failure(browser::now_ms()));
                Err(error)
            }
            Err(damage @ WalletError::VaultInWorker { kind: VaultFailureKind::Damaged, .. }) => {
                self.status.set(WalletStatus::Damaged(damage.to_string()));
                Err(damage)
            }
            Err(other) => Err(other),
        }
    }

    /// Forgets the keys in memory.
    pub fn lock(self) {
        self.seed.set_value(None);
        self.public_key.set(None);
        self.provider_key.set(None);
        self.grants.set(Vec::new());
        self.state_bytes.set_value((None, true));
        if self.status.get_untracked() == WalletStatus::Unlocked {
            self.status.set(WalletStatus::Locked);
        }
    }

    /// Re-seals the wallet under a new passphrase, after checking the current one.
    pub async fn change_passphrase(self, current: &str, new: &str, confirm: &str) -> Result<(), WalletError> {
        check_new_passphrase(new, confirm).await?;
        let stored = self.stored.get_value().ok_or(WalletError::Locked)?;
        let seed = self.open_seed("Checking your current passphrase…", &stored, current).await?;
        self.save(&seed, new).await?;
        self.settle_unlocked(seed);
        Ok(())
    }

    /// Restores from a 24-word phrase, sealing under a new passphrase.
    pub async fn restore_from_phrase(
        self,
        phrase: &str,
        passphrase: &str,
        confirm: &str,
    ) -> Result<(), WalletError> {
        let seed = vault_worker::seed_from_phrase(phrase).await?;
        check_new_passphrase(passphrase, confirm).await?;
        self.save(&seed, passphrase).await?;
        self.settle_unlocked(seed);
        Ok(())
    }

    /// Restores from a backup file (a sealed wallet key) and the passphrase it was sealed with.
    pub async fn restore_from_backup(self, backup: Vec<u8>, passphrase: &str) -> Result<(), WalletError> {
        let seed = self.open_seed("Opening your backup…", &backup, passphrase).await?;
        self.put(backup).await?;
        self.settle_unlocked(seed);
        Ok(())
    }

    /// Offers the stored record as a download: the backup file when sound, the damaged bytes
    /// when not.
    pub fn download_stored(self, file_name: &str) -> Result<(), WalletError> {
        let bytes = self.stored.get_value().ok_or(WalletError::Locked)?;
        browser::download(&bytes, file_name).map_err(WalletError::Download)
    }

    /// Runs `f` with the master seed while the wallet is unlocked; `None` when locked.
    pub fn with_seed<T>(self, f: impl FnOnce(&MasterSeed) -> T) -> Option<T> {
        self.seed.with_value(|seed| seed.as_ref().map(f))
    }

    /// Records activity (keeps the wallet unlocked).
    pub fn touch(self) {
        self.idle.update_value(|idle| idle.touch(browser::now_ms()));
    }

    /// Locks the wallet if it has been idle too long.
    pub fn lock_if_idle(self) {
        if self.status.get_untracked() == WalletStatus::Unlocked
            && self.idle.with_value(|idle| idle.should_lock(browser::now_ms()))
        {
            self.lock();
        }
    }

    /// Applies a setting now, brought into its range; returns the minutes applied.
    fn apply_minutes(self, setting: MinutesSetting, minutes: u64) -> u64 {
        match setting {
            MinutesSetting::IdleLock => {
                let timeout = IdleLock::clamp(minutes.saturating_mul(60_000));
                self.idle.set_value(IdleLock::new(timeout, browser::now_ms()));
                self.idle_minutes.set(timeout / 60_000);
                timeout / 60_000
            }
            MinutesSetting::Freshness => {
                let applied = freshness_secs(minutes) / 60;
                self.freshness_minutes.set(applied);
                applied
            }
        }
    }

    /// Sets and stores a setting in minutes.
    pub async fn set_minutes(self, setting: MinutesSetting, minutes: u64) -> Result<(), WalletError> {
        let applied = self.apply_minutes(setting, minutes);
        self.store()?.put_number(setting.key(), applied).await?;
        Ok(())
    }
}
