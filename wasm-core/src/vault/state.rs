//! The wallet state: what the unlocked wallet keeps besides its key — the grants it signed.
//! Stored as JSON in a [`RecordKind::WalletState`](super::RecordKind) record sealed with the
//! wallet's record key.

use serde::{Deserialize, Serialize};

use super::{DamageCheck, RecordKind, VaultError};
use crate::consent::issued::IssuedGrant;

/// The state format this version writes and reads.
pub const STATE_VERSION: u32 = 1;

/// The wallet state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletState {
    /// Format version ([`STATE_VERSION`]).
    pub version: u32,
    /// Grants signed by this wallet, oldest first.
    pub grants: Vec<IssuedGrant>,
}

impl Default for WalletState {
    fn default() -> Self {
        WalletState { version: STATE_VERSION, grants: Vec::new() }
    }
}

impl WalletState {
    /// The state as the bytes to seal.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("invariant: the state holds only strings, numbers and lists")
    }

    /// Reads opened state bytes: a newer version or malformed contents are distinct errors.
    pub fn from_bytes(bytes: &[u8]) -> Result<WalletState, VaultError> {
        #[derive(Deserialize)]
        struct Version {
            version: u32,
        }
        let damaged = VaultError::Damaged { record: RecordKind::WalletState, check: DamageCheck::Contents };
        let Version { version } = serde_json::from_slice(bytes).map_err(|_| damaged.clone())?;
        if version != STATE_VERSION {
            let found = u8::try_from(version).unwrap_or(u8::MAX);
            return Err(VaultError::UnsupportedVersion { record: RecordKind::WalletState, found });
        }
        serde_json::from_slice(bytes).map_err(|_| damaged)
    }
}
