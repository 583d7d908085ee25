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
//!   first gateway that serves good ones; given only an index, it reads the entry from the
//!   gateway's entry bundle first ([`ProveInclusion::read_entry`]).
//!
//! A partial tile or bundle a gateway does not serve is asked for once more at full width:
//! tlog-tiles lets a server drop partial tiles once the full one exists (a static mirror may),
//! and the first hashes or entries of the full tile are the partial one's.
//! - [`Submit`] posts an entry and proves the answer: its checkpoint extends the view, and its
//!   inclusion proof leads there.

use crate::tlog::bundle::ProofBundle;
use crate::tlog::tiles::{decode_entry_bundle, EntryBundleId, TileId, TileSet, TILE_WIDTH};
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

    /// Why the gateways that failed did, joined with "; ".
    pub fn failure_reasons(&self) -> String {
        let reasons: Vec<&str> = self
            .gateways
            .iter()
            .filter_map(|(_, outcome)| match outcome {
                GatewayOutcome::Failed { reason } => Some(reason.as_str()),
                _ => None,
            })
            .collect();
        reasons.join("; ")
    }
}

#[derive(Debug)]
enum RefreshState {
    Checkpoint,
    Tiles { offered: VerifiedCheckpoint, tiles: TileFetch },
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
            RefreshState::Tiles { tiles, .. } => tiles.next_path()?,
            RefreshState::Done => return None,
        };
        Some(Fetch { gateway: self.gateway, path, body: None })
    }

    /// Hands in the answer to the last [`Refresh::next_fetch`]: the body, or why there is none
    /// (a timeout, an HTTP error status, a network error), in words.
    pub fn receive(&mut self, answer: Result<Vec<u8>, String>) {
        match std::mem::replace(&mut self.state, RefreshState::Done) {
            RefreshState::Checkpoint => {
                let body = match answer {
                    Ok(body) => body,
                    Err(reason) => return self.gateway_done(GatewayOutcome::Failed { reason }),
                };
                match self.view.trust().open(&body) {
                    Ok(offered) => match self.view.tiles_to_extend(&offered) {
                        Ok(wanted) => {
                            self.state = RefreshState::Tiles { offered, tiles: TileFetch::new(wanted) };
                            self.try_advance();
                        }
                        Err(error) => self.refused(error),
                    },
                    Err(error) => self.refused(error),
                }
            }
            RefreshState::Tiles { offered, mut tiles } => match tiles.receive(answer) {
                Ok(()) => {
                    self.state = RefreshState::Tiles { offered, tiles };
                    self.try_advance();
                }
                Err(TileFailure::Unanswered(reason)) => self.gateway_done(GatewayOutcome::Failed { reason }),
                Err(TileFailure::Refused(error)) => self.refused(error),
            },
            RefreshState::Done => {}
        }
    }

    /// Advances the view once every wanted tile is in.
    fn try_advance(&mut self) {
        let RefreshState::Tiles { tiles, .. } = &self.state else { return };
        if !tiles.is_complete() {
            return;
        }
        let RefreshState::Tiles { offered, tiles } = std::mem::replace(&mut self.state, RefreshState::Done)
        else {
            return;
        };
        let size = offered.size();
        match self.view.advance(offered, &tiles.fetched) {
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
    /// The entry proven (as read from the gateway's entry bundle, for
    /// [`ProveInclusion::read_entry`]).
    pub entry: Option<Vec<u8>>,
    /// Each gateway that failed before, and why, in words for a person.
    pub failures: Vec<(usize, String)>,
}

/// Proves that one entry is at an index of a view's latest tree, from the first gateway whose
/// tiles prove it.
#[derive(Debug)]
pub struct ProveInclusion {
    view: LogView,
    /// The entry, when the caller knows it; otherwise read from each gateway's entry bundle.
    known_entry: Option<Vec<u8>>,
    index: u64,
    wanted: Vec<TileId>,
    gateway_count: usize,
    gateway: usize,
    entry: EntryRead,
    tiles: TileFetch,
    failures: Vec<(usize, String)>,
    included: Option<Included>,
}

/// Where the entry being proven stands with the current gateway.
#[derive(Debug)]
enum EntryRead {
    /// Read from its bundle at the width the view's tree has; `full_instead`: at full width.
    Reading {
        bundle: EntryBundleId,
        full_instead: bool,
    },
    Read(Vec<u8>),
}

impl ProveInclusion {
    /// Starts proving that `entry` is at `index` in `view`'s latest tree.
    pub fn new(
        view: &LogView,
        entry: Vec<u8>,
        index: u64,
        gateway_count: usize,
    ) -> Result<ProveInclusion, ViewError> {
        ProveInclusion::start(view, Some(entry), index, gateway_count)
    }

    /// Starts reading the entry at `index` of `view`'s latest tree from a gateway's entry bundle
    /// and proving it is there. The bundle needs no trust: an entry that is not the one the tree
    /// holds fails the proof, and the next gateway is asked.
    pub fn read_entry(view: &LogView, index: u64, gateway_count: usize) -> Result<ProveInclusion, ViewError> {
        ProveInclusion::start(view, None, index, gateway_count)
    }

    fn start(
        view: &LogView,
        known_entry: Option<Vec<u8>>,
        index: u64,
        gateway_count: usize,
    ) -> Result<ProveInclusion, ViewError> {
        let wanted = view.tiles_for_inclusion(index)?;
        let mut prove = ProveInclusion {
            view: view.clone(),
            known_entry,
            index,
            tiles: TileFetch::new(wanted.clone()),
            wanted,
            gateway_count,
            gateway: 0,
            entry: EntryRead::Read(Vec::new()),
            failures: Vec::new(),
            included: None,
        };
        prove.entry = prove.entry_to_read()?;
        Ok(prove)
    }

    /// The entry as the proof starts with each gateway: known, or to be read from its bundle.
    fn entry_to_read(&self) -> Result<EntryRead, ViewError> {
        if let Some(entry) = &self.known_entry {
            return Ok(EntryRead::Read(entry.clone()));
        }
        let size = self.view.latest().map_or(0, |latest| latest.size());
        let bundle =
            EntryBundleId::in_tree(self.index / u64::from(TILE_WIDTH), size).map_err(ViewError::BadTiles)?;
        Ok(EntryRead::Reading { bundle, full_instead: false })
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
        let path = match self.entry {
            EntryRead::Reading { bundle, full_instead: false } => bundle.path(),
            EntryRead::Reading { bundle, full_instead: true } => full_bundle(bundle).path(),
            EntryRead::Read(_) => self.tiles.next_path()?,
        };
        Some(Fetch { gateway: self.gateway, path, body: None })
    }

    /// Hands in the answer to the last [`ProveInclusion::next_fetch`].
    pub fn receive(&mut self, answer: Result<Vec<u8>, String>) {
        if self.next_fetch().is_none() {
            return;
        }
        if let EntryRead::Reading { bundle, full_instead } = self.entry {
            match (answer, full_instead) {
                (Ok(body), _) => match self.entry_of_bundle(bundle, full_instead, &body) {
                    Ok(entry) => self.entry = EntryRead::Read(entry),
                    Err(error) => self.next_gateway(error.to_string()),
                },
                (Err(_), false) if bundle.is_partial() => {
                    self.entry = EntryRead::Reading { bundle, full_instead: true }
                }
                (Err(reason), _) => self.next_gateway(reason),
            }
            return self.try_prove();
        }
        match self.tiles.receive(answer) {
            Ok(()) => self.try_prove(),
            Err(TileFailure::Unanswered(reason)) => self.next_gateway(reason),
            Err(TileFailure::Refused(error)) => self.next_gateway(error.to_string()),
        }
    }

    /// The entry at the index, from its bundle (cut from the full bundle if that was fetched).
    fn entry_of_bundle(&self, bundle: EntryBundleId, full: bool, body: &[u8]) -> Result<Vec<u8>, ViewError> {
        let count = if full { TILE_WIDTH } else { bundle.width() };
        let entries = decode_entry_bundle(body, usize::from(count)).map_err(ViewError::BadTiles)?;
        let position = usize::try_from(self.index % u64::from(TILE_WIDTH))
            .expect("invariant: a position within a bundle is below 256");
        let entry = entries.get(position).ok_or_else(|| {
            ViewError::BadAnswer(format!("the entry bundle {bundle} does not hold entry {}", self.index))
        })?;
        Ok(entry.to_vec())
    }

    /// Verifies the proof once the entry and every tile are in.
    fn try_prove(&mut self) {
        let EntryRead::Read(entry) = &self.entry else { return };
        if self.included.is_some() || !self.tiles.is_complete() || self.gateway >= self.gateway_count {
            return;
        }
        match self.view.verify_inclusion(entry, self.index, &self.tiles.fetched) {
            Ok(included) => self.included = Some(included),
            Err(error) => self.next_gateway(error.to_string()),
        }
    }

    fn next_gateway(&mut self, reason: String) {
        self.failures.push((self.gateway, reason));
        self.gateway += 1;
        self.tiles = TileFetch::new(self.wanted.clone());
        match self.entry_to_read() {
            Ok(entry) => self.entry = entry,
            // Not reached: the first call in `start` succeeded with the same view and index.
            Err(error) => {
                self.failures.push((self.gateway, error.to_string()));
                self.gateway = self.gateway_count;
            }
        }
    }

    /// The proof's result, and why each gateway tried before failed.
    pub fn finish(self) -> InclusionReport {
        let entry = match (&self.included, self.entry) {
            (Some(_), EntryRead::Read(entry)) => Some(entry),
            _ => None,
        };
        InclusionReport { included: self.included, entry, failures: self.failures }
    }
}

/// The full-width bundle a partial one is the start of.
fn full_bundle(bundle: EntryBundleId) -> EntryBundleId {
    EntryBundleId::new(bundle.index(), TILE_WIDTH).expect("invariant: 256 is a valid bundle width")
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

impl SubmitReport {
    /// Why the gateways that failed did, joined with "; ".
    pub fn failure_reasons(&self) -> String {
        let reasons: Vec<&str> = self.failures.iter().map(|(_, reason)| reason.as_str()).collect();
        reasons.join("; ")
    }
}

#[derive(Debug)]
enum SubmitState {
    Post,
    /// Extending the view to the checkpoint of the gateway's answer, then checking its proof.
    Extend {
        offered: VerifiedCheckpoint,
        tiles: TileFetch,
        index: u64,
        proof: Vec<crate::hash::Digest256>,
    },
    /// The answer's checkpoint is older than the view: proving inclusion from tiles instead.
    Prove {
        index: u64,
        tiles: TileFetch,
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
            SubmitState::Extend { tiles, .. } | SubmitState::Prove { tiles, .. } => {
                (tiles.next_path()?, None)
            }
            SubmitState::Done => return None,
        };
        Some(Fetch { gateway: self.gateway, path, body })
    }

    /// Hands in the answer to the last [`Submit::next_fetch`]: the body of a 2xx answer, or why
    /// there is none (for a refused entry, the gateway's message), in words.
    pub fn receive(&mut self, answer: Result<Vec<u8>, String>) {
        let state = std::mem::replace(&mut self.state, SubmitState::Done);
        let received = match state {
            SubmitState::Post => match answer {
                Ok(body) => self.read_answer(&body).map_err(TileFailure::Refused),
                Err(reason) => Err(TileFailure::Unanswered(reason)),
            },
            SubmitState::Extend { offered, mut tiles, index, proof } => {
                tiles.receive(answer).map(|()| SubmitState::Extend { offered, tiles, index, proof })
            }
            SubmitState::Prove { index, mut tiles } => {
                tiles.receive(answer).map(|()| SubmitState::Prove { index, tiles })
            }
            SubmitState::Done => return,
        };
        match received {
            Ok(state) => {
                self.state = state;
                self.try_finish();
            }
            Err(TileFailure::Unanswered(reason)) => self.next_gateway(reason),
            Err(TileFailure::Refused(error)) => self.refused(error),
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
            Ok(wanted) => {
                Ok(SubmitState::Extend { offered, tiles: TileFetch::new(wanted), index, proof: bundle.proof })
            }
            // An older checkpoint than the view (another gateway is ahead): prove the entry in
            // the view's tree from this gateway's tiles instead.
            Err(ViewError::Rollback { .. }) => {
                Ok(SubmitState::Prove { index, tiles: TileFetch::new(self.view.tiles_for_inclusion(index)?) })
            }
            Err(error) => Err(error),
        }
    }

    fn try_finish(&mut self) {
        let ready = match &self.state {
            SubmitState::Extend { tiles, .. } | SubmitState::Prove { tiles, .. } => tiles.is_complete(),
            _ => false,
        };
        if !ready {
            return;
        }
        let result = match std::mem::replace(&mut self.state, SubmitState::Done) {
            SubmitState::Extend { offered, tiles, index, proof } => {
                let size = offered.size();
                // The view moves only if the proof holds too: a bad proof leaves it as it was.
                let mut extended = self.view.clone();
                extended.advance(offered, &tiles.fetched).and_then(|_| {
                    let included = extended.verify_inclusion_proof(&self.entry, index, size, &proof)?;
                    self.view = extended;
                    Ok(included)
                })
            }
            SubmitState::Prove { index, tiles } => {
                self.view.verify_inclusion(&self.entry, index, &tiles.fetched)
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

/// Why a gateway's tile answer ended the attempt with it.
#[derive(Debug)]
enum TileFailure {
    /// No answer: a timeout, an HTTP error status, a network error (in words).
    Unanswered(String),
    /// An answer that cannot be right.
    Refused(ViewError),
}

/// The hash tiles one gateway is asked for, in order, each at the width the tree implies. A
/// partial tile not served is asked for once more at full width (see the module notes).
#[derive(Debug)]
struct TileFetch {
    wanted: Vec<TileId>,
    fetched: TileSet,
    next: usize,
    full_instead: bool,
}

impl TileFetch {
    fn new(wanted: Vec<TileId>) -> TileFetch {
        TileFetch { wanted, fetched: TileSet::new(), next: 0, full_instead: false }
    }

    fn is_complete(&self) -> bool {
        self.next >= self.wanted.len()
    }

    /// The path of the next tile to fetch.
    fn next_path(&self) -> Option<String> {
        let tile = *self.wanted.get(self.next)?;
        Some(if self.full_instead { full_tile(tile).path() } else { tile.path() })
    }

    /// Takes the answer for [`TileFetch::next_path`]. It must have exactly the width asked for:
    /// a truncated tile, or a wider one from a larger tree than the checkpoint, is refused.
    fn receive(&mut self, answer: Result<Vec<u8>, String>) -> Result<(), TileFailure> {
        let tile = *self
            .wanted
            .get(self.next)
            .ok_or_else(|| TileFailure::Refused(ViewError::BadAnswer("an answer to no request".into())))?;
        match answer {
            Ok(body) => {
                let asked = if self.full_instead { full_tile(tile) } else { tile };
                self.fetched
                    .insert(asked, body)
                    .map_err(|error| TileFailure::Refused(ViewError::BadTiles(error)))?;
                self.next += 1;
                self.full_instead = false;
                Ok(())
            }
            Err(_) if tile.is_partial() && !self.full_instead => {
                self.full_instead = true;
                Ok(())
            }
            Err(reason) => Err(TileFailure::Unanswered(reason)),
        }
    }
}

/// The full-width tile a partial one is the start of.
fn full_tile(tile: TileId) -> TileId {
    TileId::new(tile.level(), tile.index(), TILE_WIDTH).expect("invariant: 256 is a valid tile width")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::test_log::TestLog;

    fn answer(served: &TestLog, path: &str) -> Result<Vec<u8>, String> {
        served.answer(path)
    }

    #[test]
    fn refresh_asks_every_gateway_and_reports_each() {
        let entries: Vec<String> = (0..300).map(|i| format!("entry {i}")).collect();
        let refs: Vec<&str> = entries.iter().map(String::as_str).collect();
        let (old, new) = (TestLog::of(&refs[..10]), TestLog::of(&refs));
        let trust = old.trust();
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

    #[test]
    fn an_entry_is_read_by_index_and_proven_and_a_wrong_bundle_fails_over() {
        let entries: Vec<String> = (0..300).map(|i| format!("entry {i}")).collect();
        let refs: Vec<&str> = entries.iter().map(String::as_str).collect();
        let (honest, mut lying) = (TestLog::of(&refs), TestLog::of(&refs));
        // The liar's bundles hold other entries than its tree (same tiles and checkpoint).
        lying.entries.iter_mut().for_each(|entry| entry.extend_from_slice(b" (altered)"));
        let mut refresh = Refresh::new(LogView::new(honest.trust()), 1);
        while let Some(fetch) = refresh.next_fetch() {
            refresh.receive(answer(&honest, &fetch.path));
        }
        let (view, _) = refresh.finish();

        for index in [0, 255, 256, 299] {
            let mut prove = ProveInclusion::read_entry(&view, index, 2).expect("in tree");
            while let Some(fetch) = prove.next_fetch() {
                let served = if fetch.gateway == 0 { &lying } else { &honest };
                prove.receive(answer(served, &fetch.path));
            }
            let report = prove.finish();
            assert_eq!(report.included, Some(Included { index, checkpoint_size: 300 }));
            assert_eq!(report.entry, Some(format!("entry {index}").into_bytes()));
            assert_eq!(report.failures.len(), 1, "{report:?}");
            assert!(report.failures[0].1.contains("not proven"), "{report:?}");
        }
        let beyond = ProveInclusion::read_entry(&view, 300, 1).map(|_| ()).expect_err("beyond the tree");
        assert!(matches!(beyond, ViewError::NotIncluded(_)), "{beyond:?}");
    }

    #[test]
    fn a_static_mirror_that_dropped_partial_tiles_is_read_at_full_width() {
        let entries: Vec<String> = (0..600).map(|i| format!("entry {i}")).collect();
        let refs: Vec<&str> = entries.iter().map(String::as_str).collect();
        let (old, mut grown) = (TestLog::of(&refs[..10]), TestLog::of(&refs));
        grown.static_mirror = true;
        // The view is at 10 entries: its tiles are partial (width 10); the mirror has only the
        // full tiles of its 600-entry tree.
        let mut refresh = Refresh::new(LogView::new(old.trust()), 1);
        while let Some(fetch) = refresh.next_fetch() {
            refresh.receive(answer(&old, &fetch.path));
        }
        let (view, _) = refresh.finish();
        let mut prove = ProveInclusion::read_entry(&view, 7, 1).expect("in tree");
        let mut paths = Vec::new();
        while let Some(fetch) = prove.next_fetch() {
            paths.push(fetch.path.clone());
            prove.receive(answer(&grown, &fetch.path));
        }
        let report = prove.finish();
        assert_eq!(report.included, Some(Included { index: 7, checkpoint_size: 10 }), "{report:?} {paths:?}");
        assert_eq!(report.entry.as_deref(), Some(&b"entry 7"[..]));
        assert_eq!(paths, ["tile/entries/000.p/10", "tile/entries/000", "tile/0/000.p/10", "tile/0/000"]);

        // Growing the view from 10 to 600 reads the mirror's full tiles the same way.
        let mut refresh = Refresh::new(view, 1);
        while let Some(fetch) = refresh.next_fetch() {
            refresh.receive(answer(&grown, &fetch.path));
        }
        let (view, report) = refresh.finish();
        assert_eq!(report.gateways, vec![(0, GatewayOutcome::Advanced { from: 10, to: 600 })]);
        assert_eq!(view.latest().map(|latest| latest.size()), Some(600));
    }
}
