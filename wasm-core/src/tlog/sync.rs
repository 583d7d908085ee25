//! Following one log through several gateways, sans-IO.
//!
//! A machine here says what to fetch next and from which gateway ([`Fetch`]); the caller fetches
//! it with its own timeouts and retries and hands back the bytes or why it failed. The browser
//! (with `fetch`) and the CLI (with a blocking client) drive the same machines, so both accept and
//! refuse exactly the same things.
//!
//! - [`Refresh`] asks every gateway for its checkpoint and moves the [`LogView`] forward
//!   through the consistency proof each one's tiles give. Every gateway is asked, so gateways
//!   that disagree are caught; a fork stops everything and keeps the evidence.
//! - [`ProveInclusion`] proves one entry is in the view's latest tree from the tiles of the
//!   first gateway that serves good ones.
//! - [`Submit`] posts an entry and proves the answer: its checkpoint extends the view, and its
//!   inclusion proof leads there.

use crate::tlog::bundle::ProofBundle;
use crate::tlog::tiles::{TileId, TileSet};
use crate::tlog::view::{Advance, ForkEvidence, Included, LogView, VerifiedCheckpoint, ViewError};

/// The path of a log's checkpoint, relative to a gateway's URL prefix.
pub const CHECKPOINT_PATH: &str = "checkpoint";

/// The path, relative to a gateway's URL prefix, that log entries are submitted to.
pub const ADD_PATH: &str = "add";

/// One request to make: `GET <gateway's URL prefix>/<path>`, or a `POST` of `body`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetch {
    /// The gateway's position in the caller's list.
    pub gateway: usize,
    /// The path under the gateway's prefix, e.g. `checkpoint` or `tile/0/000.p/5`.
    pub path: String,
    /// For a `POST`, the body; `None` for a `GET`.
    pub body: Option<Vec<u8>>,
}

/// What became of one gateway during a [`Refresh`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GatewayOutcome {
    /// Its checkpoint was the first the view verified.
    First {
        /// The tree size.
        size: u64,
    },
    /// It serves the tree the view already had.
    Current {
        /// The tree size.
        size: u64,
    },
    /// It served a larger tree, proven consistent: the view moved on.
    Advanced {
        /// The size before.
        from: u64,
        /// The size now.
        to: u64,
    },
    /// It served an older tree than the view has: stale, or rolling the log back.
    Behind {
        /// The view's size.
        verified: u64,
        /// The size it served.
        offered: u64,
    },
    /// It could not be reached, or what it served did not verify.
    Failed {
        /// Why, in words for a person.
        reason: String,
    },
}

/// The end of a [`Refresh`].
#[derive(Clone, Debug)]
pub struct RefreshReport {
    /// Each gateway asked, in order, and what became of it.
    pub gateways: Vec<(usize, GatewayOutcome)>,
    /// Set when two checkpoints of the log contradict each other: the refresh stopped there.
    pub fork: Option<Box<ForkEvidence>>,
}

impl RefreshReport {
    /// Whether at least one gateway served a verified checkpoint the view now agrees with.
    pub fn any_verified(&self) -> bool {
        self.gateways.iter().any(|(_, outcome)| {
            matches!(
                outcome,
                GatewayOutcome::First { .. }
                    | GatewayOutcome::Current { .. }
                    | GatewayOutcome::Advanced { .. }
            )
        })
    }
}

#[derive(Debug)]
enum RefreshState {
    Checkpoint,
    Tiles { offered: VerifiedCheckpoint, wanted: Vec<TileId>, fetched: TileSet },
    Done,
}

/// Brings a [`LogView`] up to date from every gateway of the log, in order.
#[derive(Debug)]
pub struct Refresh {
    view: LogView,
    gateway_count: usize,
    gateway: usize,
    state: RefreshState,
    report: RefreshReport,
}

impl Refresh {
    /// Starts a refresh of `view` over `gateway_count` gateways.
    pub fn new(view: LogView, gateway_count: usize) -> Refresh {
        let state = if gateway_count == 0 { RefreshState::Done } else { RefreshState::Checkpoint };
        Refresh {
            view,
            gateway_count,
            gateway: 0,
            state,
            report: RefreshReport { gateways: Vec::new(), fork: None },
        }
    }

    /// The next request to make, or `None` when the refresh is over.
    pub fn next_fetch(&self) -> Option<Fetch> {
        let path = match &self.state {
            RefreshState::Checkpoint => CHECKPOINT_PATH.to_owned(),
            RefreshState::Tiles { wanted, fetched, .. } => wanted.get(fetched.len())?.path(),
            RefreshState::Done => return None,
        };
        Some(Fetch { gateway: self.gateway, path, body: None })
    }

    /// Hands in the answer to the last [`Refresh::next_fetch`]: the body, or why there is none
    /// (a timeout, an HTTP error status, a network error), in words.
    pub fn receive(&mut self, answer: Result<Vec<u8>, String>) {
        let state = std::mem::replace(&mut self.state, RefreshState::Done);
        let body = match answer {
            Ok(body) => body,
            Err(reason) => return self.gateway_done(GatewayOutcome::Failed { reason }),
        };
        match state {
            RefreshState::Checkpoint => match self.view.trust().open(&body) {
                Ok(offered) => match self.view.tiles_to_extend(&offered) {
                    Ok(wanted) => {
                        self.state = RefreshState::Tiles { offered, wanted, fetched: TileSet::new() };
                        self.try_advance();
                    }
                    Err(error) => self.refused(error),
                },
                Err(error) => self.refused(error),
            },
            RefreshState::Tiles { offered, wanted, mut fetched } => {
                if let Err(error) = insert_next(&mut fetched, &wanted, body) {
                    return self.refused(error);
                }
                self.state = RefreshState::Tiles { offered, wanted, fetched };
                self.try_advance();
            }
            RefreshState::Done => {}
        }
    }

    /// Advances the view once every wanted tile is in.
    fn try_advance(&mut self) {
        let RefreshState::Tiles { wanted, fetched, .. } = &self.state else { return };
        if fetched.len() < wanted.len() {
            return;
        }
        let RefreshState::Tiles { offered, fetched, .. } =
            std::mem::replace(&mut self.state, RefreshState::Done)
        else {
            return;
        };
        let size = offered.size();
        match self.view.advance(offered, &fetched) {
            Ok(Advance::First) => self.gateway_done(GatewayOutcome::First { size }),
            Ok(Advance::Unchanged) => self.gateway_done(GatewayOutcome::Current { size }),
            Ok(Advance::Extended { from }) => self.gateway_done(GatewayOutcome::Advanced { from, to: size }),
            Err(error) => self.refused(error),
        }
    }

    fn refused(&mut self, error: ViewError) {
        let reason = error.to_string();
        match error {
            ViewError::Fork(evidence) => {
                self.report.gateways.push((self.gateway, GatewayOutcome::Failed { reason }));
                self.report.fork = Some(evidence);
                self.state = RefreshState::Done;
            }
            ViewError::Rollback { verified, offered } => {
                self.gateway_done(GatewayOutcome::Behind { verified, offered })
            }
            _ => self.gateway_done(GatewayOutcome::Failed { reason }),
        }
    }

    fn gateway_done(&mut self, outcome: GatewayOutcome) {
        self.report.gateways.push((self.gateway, outcome));
        self.gateway += 1;
        self.state =
            if self.gateway < self.gateway_count { RefreshState::Checkpoint } else { RefreshState::Done };
    }

    /// The view, moved on as far as the gateways proved, and what each gateway did.
    pub fn finish(self) -> (LogView, RefreshReport) {
        (self.view, self.report)
    }
}

/// The end of a [`ProveInclusion`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InclusionReport {
    /// The proof, if a gateway's tiles gave one.
    pub included: Option<Included>,
    /// Each gateway that failed before, and why, in words for a person.
    pub failures: Vec<(usize, String)>,
}

/// Proves that one entry is at an index of a view's latest tree, from the first gateway whose
/// tiles prove it.
#[derive(Debug)]
pub struct ProveInclusion {
    view: LogView,
    entry: Vec<u8>,
    index: u64,
    wanted: Vec<TileId>,
    gateway_count: usize,
    gateway: usize,
    fetched: TileSet,
    failures: Vec<(usize, String)>,
    included: Option<Included>,
}

impl ProveInclusion {
    /// Starts proving that `entry` is at `index` in `view`'s latest tree.
    pub fn new(
        view: &LogView,
        entry: Vec<u8>,
        index: u64,
        gateway_count: usize,
    ) -> Result<ProveInclusion, ViewError> {
        let wanted = view.tiles_for_inclusion(index)?;
        Ok(ProveInclusion {
            view: view.clone(),
            entry,
            index,
            wanted,
            gateway_count,
            gateway: 0,
            fetched: TileSet::new(),
            failures: Vec::new(),
            included: None,
        })
    }

    /// The tiles one gateway must serve for the proof.
    pub fn tiles(&self) -> &[TileId] {
        &self.wanted
    }

    /// The next request to make, or `None` when done.
    pub fn next_fetch(&self) -> Option<Fetch> {
        if self.included.is_some() || self.gateway >= self.gateway_count {
            return None;
        }
        let tile = self.wanted.get(self.fetched.len())?;
        Some(Fetch { gateway: self.gateway, path: tile.path(), body: None })
    }

    /// Hands in the answer to the last [`ProveInclusion::next_fetch`].
    pub fn receive(&mut self, answer: Result<Vec<u8>, String>) {
        if self.next_fetch().is_none() {
            return;
        }
        let inserted = answer.and_then(|body| {
            insert_next(&mut self.fetched, &self.wanted, body).map_err(|error| error.to_string())
        });
        if let Err(reason) = inserted {
            return self.next_gateway(reason);
        }
        if self.fetched.len() == self.wanted.len() {
            match self.view.verify_inclusion(&self.entry, self.index, &self.fetched) {
                Ok(included) => self.included = Some(included),
                Err(error) => self.next_gateway(error.to_string()),
            }
        }
    }

    fn next_gateway(&mut self, reason: String) {
        self.failures.push((self.gateway, reason));
        self.gateway += 1;
        self.fetched = TileSet::new();
    }

    /// The proof's result, and why each gateway tried before failed.
    pub fn finish(self) -> InclusionReport {
        InclusionReport { included: self.included, failures: self.failures }
    }
}

/// An entry submitted, and proven to be in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// The entry's index.
    pub index: u64,
    /// The size of the verified checkpoint its inclusion was proven in.
    pub checkpoint_size: u64,
}

/// The end of a [`Submit`].
#[derive(Clone, Debug)]
pub struct SubmitReport {
    /// The entry's place, once a gateway took it and its inclusion was proven.
    pub submitted: Option<Submitted>,
    /// Each gateway that failed, and why, in words for a person.
    pub failures: Vec<(usize, String)>,
    /// Set when the gateway's checkpoint contradicts the view: the submission stopped there.
    pub fork: Option<Box<ForkEvidence>>,
}

#[derive(Debug)]
enum SubmitState {
    Post,
    /// Extending the view to the checkpoint of the gateway's answer, then checking its proof.
    Extend {
        offered: VerifiedCheckpoint,
        wanted: Vec<TileId>,
        fetched: TileSet,
        index: u64,
        proof: Vec<crate::hash::Digest256>,
    },
    /// The answer's checkpoint is older than the view: proving inclusion from tiles instead.
    Prove {
        index: u64,
        wanted: Vec<TileId>,
        fetched: TileSet,
    },
    Done,
}

/// Submits one entry to the first gateway that takes it (`POST add`), and proves the answer:
/// the checkpoint it came with must verify and extend the view (by a consistency proof from that
/// gateway's tiles), and the inclusion proof must lead to it. A gateway whose answer does not
/// prove out is treated as failed and the next one is tried (the log keeps one copy of an entry,
/// so submitting it again is harmless).
#[derive(Debug)]
pub struct Submit {
    view: LogView,
    entry: Vec<u8>,
    gateway_count: usize,
    gateway: usize,
    state: SubmitState,
    report: SubmitReport,
}

impl Submit {
    /// Starts submitting `entry` (a log entry's bytes) through `gateway_count` gateways.
    pub fn new(view: LogView, entry: Vec<u8>, gateway_count: usize) -> Submit {
        let state = if gateway_count == 0 { SubmitState::Done } else { SubmitState::Post };
        Submit {
            view,
            entry,
            gateway_count,
            gateway: 0,
            state,
            report: SubmitReport { submitted: None, failures: Vec::new(), fork: None },
        }
    }

    /// The next request to make, or `None` when done.
    pub fn next_fetch(&self) -> Option<Fetch> {
        let (path, body) = match &self.state {
            SubmitState::Post => (ADD_PATH.to_owned(), Some(self.entry.clone())),
            SubmitState::Extend { wanted, fetched, .. } | SubmitState::Prove { wanted, fetched, .. } => {
                (wanted.get(fetched.len())?.path(), None)
            }
            SubmitState::Done => return None,
        };
        Some(Fetch { gateway: self.gateway, path, body })
    }

    /// Hands in the answer to the last [`Submit::next_fetch`]: the body of a 2xx answer, or why
    /// there is none (for a refused entry, the gateway's message), in words.
    pub fn receive(&mut self, answer: Result<Vec<u8>, String>) {
        let state = std::mem::replace(&mut self.state, SubmitState::Done);
        let body = match answer {
            Ok(body) => body,
            Err(reason) => return self.next_gateway(reason),
        };
        match state {
            SubmitState::Post => match self.read_answer(&body) {
                Ok(state) => {
                    self.state = state;
                    self.try_finish();
                }
                Err(error) => self.refused(error),
            },
            SubmitState::Extend { offered, wanted, mut fetched, index, proof } => {
                if let Err(error) = insert_next(&mut fetched, &wanted, body) {
                    return self.refused(error);
                }
                self.state = SubmitState::Extend { offered, wanted, fetched, index, proof };
                self.try_finish();
            }
            SubmitState::Prove { index, wanted, mut fetched } => {
                if let Err(error) = insert_next(&mut fetched, &wanted, body) {
                    return self.refused(error);
                }
                self.state = SubmitState::Prove { index, wanted, fetched };
                self.try_finish();
            }
            SubmitState::Done => {}
        }
    }

    /// Reads a `POST add` answer: `{"index": N, "proof_bundle": "…"}` (other fields ignored).
    fn read_answer(&self, body: &[u8]) -> Result<SubmitState, ViewError> {
        let bad = |what: &str| ViewError::BadAnswer(what.to_owned());
        let answer: serde_json::Value =
            serde_json::from_slice(body).map_err(|_| bad("the answer to the submission is not JSON"))?;
        let index = answer["index"].as_u64().ok_or_else(|| bad("the answer has no entry index"))?;
        let bundle = answer["proof_bundle"].as_str().ok_or_else(|| bad("the answer has no proof bundle"))?;
        let bundle = ProofBundle::parse(bundle).map_err(|error| ViewError::BadAnswer(error.to_string()))?;
        if bundle.index != index {
            return Err(bad("the proof bundle is for another index than the answer gives"));
        }
        let offered = self.view.trust().open(bundle.checkpoint_note.as_bytes())?;
        match self.view.tiles_to_extend(&offered) {
            Ok(wanted) => Ok(SubmitState::Extend {
                offered,
                wanted,
                fetched: TileSet::new(),
                index,
                proof: bundle.proof,
            }),
            // An older checkpoint than the view (another gateway is ahead): prove the entry in
            // the view's tree from this gateway's tiles instead.
            Err(ViewError::Rollback { .. }) => Ok(SubmitState::Prove {
                index,
                wanted: self.view.tiles_for_inclusion(index)?,
                fetched: TileSet::new(),
            }),
            Err(error) => Err(error),
        }
    }

    fn try_finish(&mut self) {
        let ready = match &self.state {
            SubmitState::Extend { wanted, fetched, .. } | SubmitState::Prove { wanted, fetched, .. } => {
                fetched.len() == wanted.len()
            }
            _ => false,
        };
        if !ready {
            return;
        }
        let result = match std::mem::replace(&mut self.state, SubmitState::Done) {
            SubmitState::Extend { offered, fetched, index, proof, .. } => {
                let size = offered.size();
                // The view moves only if the proof holds too: a bad proof leaves it as it was.
                let mut extended = self.view.clone();
                extended.advance(offered, &fetched).and_then(|_| {
                    let included = extended.verify_inclusion_proof(&self.entry, index, size, &proof)?;
                    self.view = extended;
                    Ok(included)
                })
            }
            SubmitState::Prove { index, fetched, .. } => {
                self.view.verify_inclusion(&self.entry, index, &fetched)
            }
            other => {
                self.state = other;
                return;
            }
        };
        match result {
            Ok(included) => {
                self.report.submitted =
                    Some(Submitted { index: included.index, checkpoint_size: included.checkpoint_size });
            }
            Err(error) => self.refused(error),
        }
    }

    fn refused(&mut self, error: ViewError) {
        let reason = error.to_string();
        if let ViewError::Fork(evidence) = error {
            self.report.failures.push((self.gateway, reason));
            self.report.fork = Some(evidence);
            self.state = SubmitState::Done;
        } else {
            self.next_gateway(reason);
        }
    }

    fn next_gateway(&mut self, reason: String) {
        self.report.failures.push((self.gateway, reason));
        self.gateway += 1;
        self.state = if self.gateway < self.gateway_count { SubmitState::Post } else { SubmitState::Done };
    }

    /// The view (moved on to the answer's checkpoint when it was proven), and the result.
    pub fn finish(self) -> (LogView, SubmitReport) {
        (self.view, self.report)
    }
}

/// Adds the answer for the next wanted tile. It must have exactly the width asked for: a
/// truncated tile, or a wider one from a larger tree than the checkpoint, is refused.
fn insert_next(fetched: &mut TileSet, wanted: &[TileId], body: Vec<u8>) -> Result<(), ViewError> {
    let tile =
        *wanted.get(fetched.len()).ok_or_else(|| ViewError::BadAnswer("an answer to no request".into()))?;
    fetched.insert(tile, body).map_err(ViewError::BadTiles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::Digest256;
    use crate::tlog::checkpoint::Checkpoint;
    use crate::tlog::merkle::leaf_hash;
    use crate::tlog::note::NoteSigner;
    use crate::tlog::tiles::{append_leaves, TileReader, TiledTree};
    use crate::tlog::view::LogTrust;
    use ed25519_dalek::SigningKey;

    /// A gateway as data: its checkpoint note and tiles.
    struct Served {
        note: String,
        tiles: TileSet,
    }

    fn log(entries: &[&str]) -> (NoteSigner, Served) {
        let signer = NoteSigner::new("example.com/log", SigningKey::from_bytes(&[1; 32])).expect("name");
        let hashes: Vec<Digest256> = entries.iter().map(|entry| leaf_hash(entry.as_bytes())).collect();
        let mut tiles = TileSet::new();
        let appended = append_leaves(0, &hashes, &tiles).expect("append");
        tiles.apply(&appended).expect("tiles");
        let root = TiledTree::new(appended.size, &tiles).root().expect("root");
        let text =
            Checkpoint { origin: "example.com/log".into(), size: appended.size, root, extensions: vec![] }
                .to_text();
        let note = signer.sign(&text).expect("sign");
        (signer, Served { note, tiles })
    }

    fn answer(served: &Served, path: &str) -> Result<Vec<u8>, String> {
        if path == CHECKPOINT_PATH {
            return Ok(served.note.clone().into_bytes());
        }
        let tile = match crate::tlog::tiles::TilePath::parse(path) {
            Ok(crate::tlog::tiles::TilePath::Hashes(tile)) => tile,
            _ => return Err("404".into()),
        };
        served.tiles.read_tile(tile).ok().flatten().ok_or_else(|| "404".into())
    }

    #[test]
    fn refresh_asks_every_gateway_and_reports_each() {
        let entries: Vec<String> = (0..300).map(|i| format!("entry {i}")).collect();
        let refs: Vec<&str> = entries.iter().map(String::as_str).collect();
        let (signer, old) = log(&refs[..10]);
        let (_, new) = log(&refs);
        let trust = LogTrust::new(&signer.verifier_key(), None).expect("trust");
        let gateways = [None, Some(&old), Some(&new), Some(&old)];
        let mut refresh = Refresh::new(LogView::new(trust), gateways.len());
        while let Some(fetch) = refresh.next_fetch() {
            let reply = match gateways[fetch.gateway] {
                Some(served) => answer(served, &fetch.path),
                None => Err("timed out after 5 s".to_owned()),
            };
            refresh.receive(reply);
        }
        let (view, report) = refresh.finish();
        assert!(report.fork.is_none());
        assert_eq!(
            report.gateways,
            vec![
                (0, GatewayOutcome::Failed { reason: "timed out after 5 s".into() }),
                (1, GatewayOutcome::First { size: 10 }),
                (2, GatewayOutcome::Advanced { from: 10, to: 300 }),
                (3, GatewayOutcome::Behind { verified: 300, offered: 10 }),
            ]
        );
        assert_eq!(view.latest().map(|latest| latest.size()), Some(300));

        let mut prove = ProveInclusion::new(&view, b"entry 299".to_vec(), 299, 2).expect("in tree");
        let mut calls = 0;
        while let Some(fetch) = prove.next_fetch() {
            calls += 1;
            // The first gateway serves the old tree's tiles: the wrong width for this tree.
            let served = if fetch.gateway == 0 { &old } else { &new };
            prove.receive(answer(served, &fetch.path));
        }
        let report = prove.finish();
        assert_eq!(report.included, Some(Included { index: 299, checkpoint_size: 300 }));
        assert_eq!(report.failures.len(), 1, "{report:?}");
        assert!(calls <= 1 + 5);
    }
}
