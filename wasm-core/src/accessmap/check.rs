//! The wallet's access trail check: which access events does the log hold for my grants, all
//! of them, as of a checkpoint this client verified? Sans-IO, like
//! [`crate::consent::revocation_check`]: a [`TrailCheck`] says what to fetch next, and the
//! browser's worker and the CLI drive it the same way.
//!
//! It refreshes the client's view of the log from every gateway first (a stale or forked gateway
//! is caught), then, for each grant, asks the gateways in turn for the trail answer of the
//! grant's key at the latest verified checkpoint (`GET access/<size>/<key hex>`, then
//! `?after=<index>` pages) and verifies it against the access map root that checkpoint signs
//! ([`TrailVerifier`]): a gateway cannot hide or add an event. Last, it proves the events'
//! inclusion in that checkpoint's tree from the gateways' tiles ([`ProveInclusion`]), the newest
//! first, up to a limit.

use super::{answer::trail_path, root_from_checkpoint};
use super::{AccessKey, AccessMapError, TrailAnswer, TrailVerifier};
use crate::consent::{AccessEvent, LogEntry};
use crate::hash::Digest256;
use crate::tlog::sync::{Fetch, ProveInclusion, Refresh, RefreshReport};
use crate::tlog::tiles::TileSet;
use crate::tlog::view::LogView;

/// How many events' inclusion a check proves unless told otherwise (the newest first).
pub const DEFAULT_INCLUSION_PROOFS: usize = 100;
/// The longest trail a check reads: a key with more events is reported, not fetched.
pub const MAX_TRAIL_CHECK_EVENTS: u64 = 10_000;

/// A grant whose trail to check: its commitment and the provider it was granted to (the
/// provider's full public key, which the wallet keeps; the grant itself names only its id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrailGrant {
    /// The grant's commitment, as on the log.
    pub commitment: Digest256,
    /// The provider's Ed25519 public key.
    pub provider: [u8; 32],
}

impl TrailGrant {
    /// The grant from the hex a wallet stores (`IssuedGrant::commitment`, `provider_key`).
    pub fn from_hex(commitment: &str, provider_key: &str) -> Result<TrailGrant, AccessMapError> {
        let bytes = |text: &str, field| -> Result<[u8; 32], AccessMapError> {
            hex::decode(text.trim())
                .ok()
                .and_then(|bytes| bytes.try_into().ok())
                .ok_or(AccessMapError::GrantField { field })
        };
        Ok(TrailGrant {
            commitment: bytes(commitment, "commitment")?,
            provider: bytes(provider_key, "provider key")?,
        })
    }

    /// The key its events are filed under.
    pub fn key(&self) -> AccessKey {
        AccessKey::new(&self.commitment, &self.provider)
    }
}

/// One verified event of a grant's trail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedAccess {
    /// Its log index.
    pub index: u64,
    /// The event, its signature by the provider checked.
    pub event: AccessEvent,
    /// The RFC 6962 leaf hash of its entry.
    pub leaf_hash: Digest256,
    /// Whether its inclusion in the checkpoint's tree was proven from tiles.
    pub inclusion_verified: bool,
    /// Why not, when it was not; `None` when it was.
    pub inclusion_note: Option<String>,
}

/// What the check found for one grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrailOutcome {
    /// The trail verified against the checkpoint's access map: these are all the events the
    /// log holds for the grant by its provider, in log order (none: the provider recorded none).
    Verified {
        /// The checkpoint the trail is complete as of.
        checkpoint_size: u64,
        /// The events.
        events: Vec<CheckedAccess>,
    },
    /// The trail could not be verified (show it amber): why, in words for a person.
    NotVerified {
        /// Why.
        reason: String,
    },
}

/// One grant's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantTrail {
    /// The grant asked about.
    pub grant: TrailGrant,
    /// Its key in the access map.
    pub key: AccessKey,
    /// What was found.
    pub outcome: TrailOutcome,
}

/// The end of a [`TrailCheck`].
#[derive(Debug)]
pub struct TrailCheckReport {
    /// Each grant's result, in the order given.
    pub grants: Vec<GrantTrail>,
    /// The view, moved on as far as the gateways proved (to keep).
    pub view: LogView,
    /// What each gateway did in the refresh, and fork evidence if one was found.
    pub refresh: RefreshReport,
}

/// Checks the access trails of a wallet's grants through `gateway_count` gateways of its log.
#[derive(Debug)]
pub struct TrailCheck {
    grants: Vec<TrailGrant>,
    gateway_count: usize,
    inclusion_limit: usize,
    outcomes: Vec<Option<TrailOutcome>>,
    /// Always set between calls; taken only while moving to the next stage.
    stage: Option<Stage>,
}

#[derive(Debug)]
enum Stage {
    Refresh(Refresh),
    Trail {
        view: LogView,
        refresh: RefreshReport,
        grant: usize,
        gateway: usize,
        /// Set once the first page of this gateway's answer verified.
        verifier: Option<TrailVerifier>,
        failures: Vec<String>,
    },
    Prove {
        view: LogView,
        refresh: RefreshReport,
        /// The events left to prove, as (grant, position in its events); the next one last.
        queue: Vec<(usize, usize)>,
        current: (usize, usize),
        prove: Box<ProveInclusion>,
    },
    Done {
        view: LogView,
        refresh: RefreshReport,
    },
}

impl TrailCheck {
    /// Starts checking the trails of `grants` in the log `view` follows.
    pub fn new(grants: &[TrailGrant], view: LogView, gateway_count: usize) -> TrailCheck {
        TrailCheck {
            grants: grants.to_vec(),
            gateway_count,
            inclusion_limit: DEFAULT_INCLUSION_PROOFS,
            outcomes: vec![None; grants.len()],
            stage: Some(Stage::Refresh(Refresh::new(view, gateway_count))),
        }
    }

    /// Proves the inclusion of at most `limit` events (the newest first; 0: none), instead of
    /// [`DEFAULT_INCLUSION_PROOFS`]. Set it before the first fetch.
    pub fn with_inclusion_limit(mut self, limit: usize) -> TrailCheck {
        self.inclusion_limit = limit;
        self
    }

    /// The next request to make, or `None` when the check is over.
    pub fn next_fetch(&self) -> Option<Fetch> {
        match self.stage.as_ref()? {
            Stage::Refresh(refresh) => refresh.next_fetch(),
            Stage::Trail { view, grant, gateway, verifier, .. } => {
                let size = view.latest()?.size();
                let key = self.grants.get(*grant)?.key();
                let after = verifier.as_ref().and_then(TrailVerifier::next_after);
                Some(Fetch { gateway: *gateway, path: trail_path(size, &key, after), body: None })
            }
            Stage::Prove { prove, .. } => prove.next_fetch(),
            Stage::Done { .. } => None,
        }
    }

    /// Hands in the answer to the last [`TrailCheck::next_fetch`]: the body, or why there is
    /// none, in words.
    pub fn receive(&mut self, answer: Result<Vec<u8>, String>) {
        let Some(stage) = self.stage.take() else { return };
        let next = match stage {
            Stage::Refresh(mut refresh) => {
                refresh.receive(answer);
                if refresh.next_fetch().is_some() {
                    Stage::Refresh(refresh)
                } else {
                    let (view, report) = refresh.finish();
                    self.after_refresh(view, report)
                }
            }
            Stage::Trail { view, refresh, grant, gateway, verifier, mut failures } => {
                match self.take_page(&view, grant, verifier, answer) {
                    Ok(verifier) if verifier.next_after().is_some() => {
                        Stage::Trail { view, refresh, grant, gateway, verifier: Some(verifier), failures }
                    }
                    Ok(verifier) => {
                        self.trail_verified(&view, grant, verifier);
                        self.start_trail(view, refresh, grant + 1)
                    }
                    Err(reason) => {
                        failures.push(reason);
                        if gateway + 1 < self.gateway_count {
                            let gateway = gateway + 1;
                            Stage::Trail { view, refresh, grant, gateway, verifier: None, failures }
                        } else {
                            let reason = format!(
                                "no gateway gave a verifiable access trail ({}); check again later",
                                failures.join("; ")
                            );
                            self.set(grant, TrailOutcome::NotVerified { reason });
                            self.start_trail(view, refresh, grant + 1)
                        }
                    }
                }
            }
            Stage::Prove { view, refresh, queue, current, mut prove } => {
                prove.receive(answer);
                if prove.next_fetch().is_some() {
                    Stage::Prove { view, refresh, queue, current, prove }
                } else {
                    let report = prove.finish();
                    let note = match report.included {
                        Some(_) => None,
                        None => Some(inclusion_failure(&report.failures)),
                    };
                    self.set_inclusion(current, note);
                    self.prove_next(view, refresh, queue)
                }
            }
            done @ Stage::Done { .. } => done,
        };
        self.stage = Some(next);
    }

    /// The results, and the view to keep. Stopped early by the caller, it ends with what was
    /// verified so far; the rest is reported not verified.
    pub fn finish(mut self) -> TrailCheckReport {
        let mut stage = self.stage.take().expect("invariant: a stage is always set between calls");
        loop {
            stage = match stage {
                Stage::Refresh(refresh) => {
                    let (view, refresh) = refresh.finish();
                    self.after_refresh(view, refresh)
                }
                Stage::Trail { view, refresh, .. } => Stage::Done { view, refresh },
                Stage::Prove { view, refresh, .. } => Stage::Done { view, refresh },
                Stage::Done { view, refresh } => {
                    let stopped = "the check stopped before this trail was verified; check again".to_owned();
                    let grants = self
                        .grants
                        .iter()
                        .zip(self.outcomes)
                        .map(|(grant, outcome)| GrantTrail {
                            grant: *grant,
                            key: grant.key(),
                            outcome: outcome
                                .unwrap_or_else(|| TrailOutcome::NotVerified { reason: stopped.clone() }),
                        })
                        .collect();
                    return TrailCheckReport { grants, view, refresh };
                }
            };
        }
    }

    fn set(&mut self, grant: usize, outcome: TrailOutcome) {
        if let Some(slot) = self.outcomes.get_mut(grant) {
            *slot = Some(outcome);
        }
    }

    /// Every grant not yet decided gets `reason`.
    fn all_not_verified(&mut self, reason: &str) {
        for slot in self.outcomes.iter_mut().filter(|slot| slot.is_none()) {
            *slot = Some(TrailOutcome::NotVerified { reason: reason.to_owned() });
        }
    }

    fn after_refresh(&mut self, view: LogView, refresh: RefreshReport) -> Stage {
        let why = if refresh.fork.is_some() {
            "the gateways serve a forked log (two checkpoints it signed disagree): do not rely on it; the evidence is kept".to_owned()
        } else if let Some(latest) = view.latest() {
            match root_from_checkpoint(latest.checkpoint()) {
                Ok(Some(_)) if self.gateway_count > 0 => return self.start_trail(view, refresh, 0),
                Ok(Some(_)) => "no gateway is configured; add one to check access trails".to_owned(),
                Ok(None) => format!(
                    "the log's checkpoint of size {} binds no access map, so no gateway can prove a complete access trail",
                    latest.size()
                ),
                Err(error) => format!("the log's checkpoint of size {}: {error}", latest.size()),
            }
        } else {
            format!(
                "no gateway gave a valid checkpoint ({}); check again when online",
                refresh.failure_reasons()
            )
        };
        self.all_not_verified(&why);
        Stage::Done { view, refresh }
    }

    /// Fetches the trail of `grant`, or proves the events once every grant's trail is in.
    fn start_trail(&mut self, view: LogView, refresh: RefreshReport, grant: usize) -> Stage {
        if grant < self.grants.len() {
            return Stage::Trail { view, refresh, grant, gateway: 0, verifier: None, failures: Vec::new() };
        }
        let mut events: Vec<(u64, (usize, usize))> = Vec::new();
        for (grant, outcome) in self.outcomes.iter().enumerate() {
            if let Some(TrailOutcome::Verified { events: checked, .. }) = outcome {
                events.extend(
                    checked.iter().enumerate().map(|(position, event)| (event.index, (grant, position))),
                );
            }
        }
        // The newest first; those past the limit are not proven.
        events.sort_unstable_by(|a, b| b.cmp(a));
        let skipped = events.split_off(events.len().min(self.inclusion_limit));
        for (_, at) in skipped {
            let note =
                format!("not proven: a check proves the newest {} events' inclusion", self.inclusion_limit);
            self.set_inclusion(at, Some(note));
        }
        // `prove_next` pops from the end.
        let queue = events.into_iter().rev().map(|(_, at)| at).collect();
        self.prove_next(view, refresh, queue)
    }

    /// Starts proving the next queued event's inclusion (those needing no fetch at once).
    fn prove_next(&mut self, view: LogView, refresh: RefreshReport, mut queue: Vec<(usize, usize)>) -> Stage {
        while let Some(current) = queue.pop() {
            let Some(event) = self.event(current) else { continue };
            let (index, entry) = (event.index, LogEntry::Access(event.event.clone()).to_bytes());
            match ProveInclusion::new(&view, entry.clone(), index, self.gateway_count) {
                Ok(prove) if prove.next_fetch().is_some() => {
                    return Stage::Prove { view, refresh, queue, current, prove: Box::new(prove) };
                }
                // No tile to fetch: the proof is computed from the checkpoint alone.
                Ok(_) => {
                    let note = view
                        .verify_inclusion(&entry, index, &TileSet::new())
                        .err()
                        .map(|error| format!("not proven: {error}"));
                    self.set_inclusion(current, note);
                }
                Err(error) => self.set_inclusion(current, Some(format!("not proven: {error}"))),
            }
        }
        Stage::Done { view, refresh }
    }

    fn event(&self, (grant, position): (usize, usize)) -> Option<&CheckedAccess> {
        match self.outcomes.get(grant)?.as_ref()? {
            TrailOutcome::Verified { events, .. } => events.get(position),
            TrailOutcome::NotVerified { .. } => None,
        }
    }

    fn set_inclusion(&mut self, (grant, position): (usize, usize), note: Option<String>) {
        if let Some(Some(TrailOutcome::Verified { events, .. })) = self.outcomes.get_mut(grant) {
            if let Some(event) = events.get_mut(position) {
                event.inclusion_verified = note.is_none();
                event.inclusion_note = note;
            }
        }
    }

    /// Verifies one page of `grant`'s trail: the first (no verifier yet) or the next.
    fn take_page(
        &self,
        view: &LogView,
        grant: usize,
        verifier: Option<TrailVerifier>,
        answer: Result<Vec<u8>, String>,
    ) -> Result<TrailVerifier, String> {
        let latest = view.latest().ok_or("no verified checkpoint")?;
        let key = self.grants.get(grant).ok_or("no such grant")?.key();
        let page = TrailAnswer::decode(&answer?).map_err(|error| error.to_string())?;
        match verifier {
            None => {
                let verifier =
                    TrailVerifier::new(latest.checkpoint(), key, &page).map_err(|error| error.to_string())?;
                verifier.check_length(MAX_TRAIL_CHECK_EVENTS).map_err(|error| error.to_string())?;
                Ok(verifier)
            }
            Some(mut verifier) => {
                verifier.add_page(&page).map_err(|error| error.to_string())?;
                Ok(verifier)
            }
        }
    }

    fn trail_verified(&mut self, view: &LogView, grant: usize, verifier: TrailVerifier) {
        let checkpoint_size = view.latest().map_or(0, |latest| latest.size());
        let outcome = match verifier.finish() {
            Ok(events) => TrailOutcome::Verified {
                checkpoint_size,
                events: events
                    .into_iter()
                    .map(|event| CheckedAccess {
                        index: event.index,
                        event: event.event,
                        leaf_hash: event.leaf_hash,
                        inclusion_verified: false,
                        inclusion_note: Some("not proven yet".to_owned()),
                    })
                    .collect(),
            },
            // Not reached: the verifier is complete when this is called.
            Err(error) => TrailOutcome::NotVerified { reason: error.to_string() },
        };
        self.set(grant, outcome);
    }
}

/// Why no gateway proved an event's inclusion.
fn inclusion_failure(failures: &[(usize, String)]) -> String {
    let reasons: Vec<&str> = failures.iter().map(|(_, reason)| reason.as_str()).collect();
    if reasons.is_empty() {
        "not proven: no gateway was asked".to_owned()
    } else {
        format!("not proven: {}", reasons.join("; "))
    }
}
