//! An in-memory signed log for unit tests: its entries, tiles and checkpoint, and the answers a
//! gateway serving it gives. One builder for the view, sync and ledger-check tests.

use ed25519_dalek::SigningKey;

use crate::accessmap::{self, parse_trail_path, AccessKey, AccessMap, TrailAnswer};
use crate::consent::LogEntry;
use crate::hash::Digest256;
use crate::revmap::{checkpoint_extension, MapKey, RevocationMap};
use crate::tlog::checkpoint::Checkpoint;
use crate::tlog::merkle::leaf_hash;
use crate::tlog::note::NoteSigner;
use crate::tlog::sync::CHECKPOINT_PATH;
use crate::tlog::tiles::{
    append_leaves, encode_entry_bundle, EntryBundleId, TileId, TilePath, TileSet, TiledTree, TILE_WIDTH,
};
use crate::tlog::view::LogTrust;

/// The origin of every test log.
pub const ORIGIN: &str = "example.com/log";

/// A log signed by a key made from one seed byte (logs with the same seed are the same log to
/// a client, whatever their entries: a way to make forks).
pub struct TestLog {
    pub signer: NoteSigner,
    pub size: u64,
    pub tiles: TileSet,
    pub entries: Vec<Vec<u8>>,
    /// Serves each tile only at the width its own tree has (no partial tiles of older sizes).
    pub static_mirror: bool,
    /// Binds the revocation map of its entries to its checkpoints and serves map proofs.
    pub revocation_map: bool,
    /// Binds the access map of its entries to its checkpoints and serves trail answers.
    pub access_map: bool,
}

impl TestLog {
    pub fn new(seed: u8) -> TestLog {
        let signer = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[seed; 32])).expect("valid name");
        TestLog {
            signer,
            size: 0,
            tiles: TileSet::new(),
            entries: Vec::new(),
            static_mirror: false,
            revocation_map: false,
            access_map: false,
        }
    }

    /// A log of seed 1 holding `entries`.
    pub fn of(entries: &[&str]) -> TestLog {
        let mut log = TestLog::new(1);
        log.append_entries(entries.iter().map(|entry| entry.as_bytes().to_vec()).collect());
        log
    }

    /// A log of seed 1 holding `entries`, binding their revocation map to its checkpoints.
    pub fn with_revocation_map(entries: Vec<Vec<u8>>) -> TestLog {
        let mut log = TestLog::new(1);
        log.revocation_map = true;
        log.append_entries(entries);
        log
    }

    /// A log of seed 1 holding `entries`, binding their access map to its checkpoints.
    pub fn with_access_map(entries: Vec<Vec<u8>>) -> TestLog {
        let mut log = TestLog::new(1);
        log.access_map = true;
        log.append_entries(entries);
        log
    }

    /// Appends `count` entries `"<tag> <index>"`.
    pub fn append(&mut self, count: usize, tag: &str) {
        let size = self.size as usize;
        self.append_entries((0..count).map(|i| format!("{tag} {}", size + i).into_bytes()).collect());
    }

    pub fn append_entries(&mut self, entries: Vec<Vec<u8>>) {
        let hashes: Vec<Digest256> = entries.iter().map(|entry| leaf_hash(entry)).collect();
        let appended = append_leaves(self.size, &hashes, &self.tiles).expect("append");
        self.tiles.apply(&appended).expect("tiles");
        self.size = appended.size;
        self.entries.extend(entries);
    }

    pub fn note(&self) -> String {
        let root = TiledTree::new(self.size, &self.tiles).root().expect("root");
        let mut extensions =
            if self.revocation_map { vec![checkpoint_extension(&self.map().root())] } else { vec![] };
        if self.access_map {
            extensions.push(accessmap::checkpoint_extension(&self.access_map().root()));
        }
        let text = Checkpoint { origin: ORIGIN.into(), size: self.size, root, extensions }.to_text();
        self.signer.sign(&text).expect("sign")
    }

    /// The revocation map of all its entries.
    pub fn map(&self) -> RevocationMap {
        let mut map = RevocationMap::new(ORIGIN);
        map.fold_batch(0, &self.entries).expect("entries in order");
        map
    }

    /// The access map of all its entries.
    pub fn access_map(&self) -> AccessMap {
        let mut map = AccessMap::new();
        map.fold_batch(0, &self.entries).expect("entries in order");
        map
    }

    /// The trail answer for `key` at its size: the events under the key after `after`.
    pub fn trail_answer(&self, key: &AccessKey, after: Option<u64>) -> TrailAnswer {
        let events = self.entries.iter().enumerate().filter_map(|(index, entry)| {
            let index = index as u64;
            let after_ok = after.is_none_or(|after| index > after);
            match LogEntry::verify(entry) {
                Ok(LogEntry::Access(event)) if after_ok && AccessKey::of_event(&event) == *key => {
                    Some((index, entry.clone()))
                }
                _ => None,
            }
        });
        TrailAnswer::page(self.access_map().prove(key), events)
    }

    pub fn trust(&self) -> LogTrust {
        LogTrust::new(&self.signer.verifier_key(), None).expect("trust")
    }

    /// What a client offline gets for `path`: never a checkpoint, and the answer it kept from
    /// earlier (as the app's service worker keeps tiles and proofs) only if `kept`.
    pub fn answer_offline(&self, path: &str, kept: bool) -> Result<Vec<u8>, String> {
        if kept && path != CHECKPOINT_PATH {
            self.answer(path)
        } else {
            Err("could not be reached".into())
        }
    }

    /// What a gateway serving this log answers for `path`.
    pub fn answer(&self, path: &str) -> Result<Vec<u8>, String> {
        let not_found = || "answered HTTP 404".to_owned();
        if path == CHECKPOINT_PATH {
            return Ok(self.note().into_bytes());
        }
        if let Some(rest) = path.strip_prefix("revocation/") {
            let (size, key) = rest.split_once('/').ok_or_else(not_found)?;
            let key: [u8; 32] =
                hex::decode(key).ok().and_then(|key| key.try_into().ok()).ok_or_else(not_found)?;
            if !self.revocation_map || size != self.size.to_string() {
                return Err(not_found());
            }
            return Ok(self.map().prove(&MapKey::from_bytes(key)).to_bytes());
        }
        if path.starts_with(accessmap::TRAIL_PATH_PREFIX) {
            let (size, key, after) = parse_trail_path(path).ok_or_else(not_found)?;
            if !self.access_map || size != self.size {
                return Err(not_found());
            }
            return Ok(self.trail_answer(&key, after).to_bytes());
        }
        match TilePath::parse(path) {
            Ok(TilePath::Hashes(tile)) => {
                if self.static_mirror
                    && TileId::in_tree(tile.level(), tile.index(), self.size).ok() != Some(tile)
                {
                    return Err(not_found());
                }
                self.tiles.get(tile).map(<[u8]>::to_vec).ok_or_else(not_found)
            }
            Ok(TilePath::Entries(bundle)) => {
                if self.static_mirror
                    && EntryBundleId::in_tree(bundle.index(), self.size).ok() != Some(bundle)
                {
                    return Err(not_found());
                }
                let start = usize::try_from(bundle.index() * u64::from(TILE_WIDTH)).expect("small test log");
                let entries =
                    self.entries.get(start..start + usize::from(bundle.width())).ok_or_else(not_found)?;
                let entries: Vec<&[u8]> = entries.iter().map(Vec::as_slice).collect();
                Ok(encode_entry_bundle(&entries).expect("bundle"))
            }
            Err(_) => Err(not_found()),
        }
    }
}
