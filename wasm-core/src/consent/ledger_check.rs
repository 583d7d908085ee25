//! The provider's ledger check: is the grant's commitment at the index its code names, in the log
//! as this client verified it? Sans-IO, like [`crate::tlog::sync`]: a [`LedgerCheck`] says what
//! to fetch next, and the browser's worker and `assent grant verify` drive it the same way.
//!
//! It refreshes the client's view of the log from every gateway first (so a stale or forked
//! gateway is caught), then reads the entry at the index from an entry bundle and proves it is in
//! the verified tree. The entry must be this grant's signed commitment statement: the index in
//! the code is an unsigned hint, so a wrong one fails here and never passes.
//!
//! When no gateway answers (the provider is offline), the check rests on the last checkpoint the
//! client verified: inclusion proven from tiles it still has (the app's service worker keeps
//! them) is shown "offline, as of checkpoint S, N minutes old", never as passed, because a
//! stored view cannot show a fork or a newer state made since.

use super::{CheckOutcome, LogEntry, SignedGrant};
use crate::tlog::sync::{Fetch, ProveInclusion, Refresh, RefreshReport};
use crate::tlog::view::{LogView, VerifiedCheckpoint};

/// How every offline result begins: [`CheckpointClock::offline_as_of`].
const OFFLINE_AS_OF: &str = "offline, as of checkpoint";

/// The time of a check and when a gateway last confirmed the client's stored checkpoint: what
/// dates a result that rests on that checkpoint because no gateway answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckpointClock {
    /// Now, in Unix seconds.
    pub now: u64,
    /// When a gateway last served the stored checkpoint as its latest (Unix seconds), if known.
    pub confirmed_at: Option<u64>,
}

impl CheckpointClock {
    /// "offline, as of checkpoint S, N minutes old": its age from the later of its newest
    /// witness cosignature and the last time a gateway confirmed it.
    pub fn offline_as_of(&self, latest: &VerifiedCheckpoint) -> String {
        let size = latest.size();
        match latest.newest_cosignature().into_iter().chain(self.confirmed_at).max() {
            Some(time) => {
                format!("{OFFLINE_AS_OF} {size}, {} minutes old", self.now.saturating_sub(time) / 60)
            }
            None => format!("{OFFLINE_AS_OF} {size}, of unknown age"),
        }
    }
}

/// Checks one grant against the log, through `gateway_count` gateways of it.
#[derive(Debug)]
pub struct LedgerCheck {
    grant: SignedGrant,
    index: u64,
    gateway_count: usize,
    clock: CheckpointClock,
    /// Always set between calls; taken only while moving to the next stage.
    stage: Option<Stage>,
}

#[derive(Debug)]
enum Stage {
    Refresh(Refresh),
    /// `offline`: no gateway served a checkpoint, so the proof is against the stored one.
    Prove {
        view: LogView,
        refresh: RefreshReport,
        prove: Box<ProveInclusion>,
        offline: bool,
    },
    Done {
        view: LogView,
        refresh: RefreshReport,
        outcome: CheckOutcome,
    },
}

/// The end of a [`LedgerCheck`].
#[derive(Debug)]
pub struct LedgerCheckReport {
    /// The ledger check's outcome, for the verdict.
    pub outcome: CheckOutcome,
    /// The view, moved on as far as the gateways proved (to keep).
    pub view: LogView,
    /// What each gateway did in the refresh, and fork evidence if one was found.
    pub refresh: RefreshReport,
}

impl LedgerCheck {
    /// Starts checking that `grant` is at `index` (from its code, if it carries one) of the log
    /// `view` follows.
    pub fn new(grant: &SignedGrant, index: Option<u64>, view: LogView, gateway_count: usize) -> LedgerCheck {
        let done = |view, why: String| Stage::Done {
            view,
            refresh: RefreshReport { gateways: Vec::new(), fork: None },
            outcome: CheckOutcome::NotChecked(why),
        };
        let origin = &grant.claims().log_origin;
        let stage = match index {
            None => done(
                view,
                "the code does not say where the grant is on the ledger; ask the patient to show it again from their list of grants once it is on the ledger".into(),
            ),
            Some(_) if origin != view.trust().origin() => {
                let why = format!(
                    "the grant names the log {origin}, and your gateway settings are for {}; add a gateway of that log on the Ledger page to check it",
                    view.trust().origin()
                );
                done(view, why)
            }
            Some(_) => Stage::Refresh(Refresh::new(view, gateway_count)),
        };
        LedgerCheck {
            grant: grant.clone(),
            index: index.unwrap_or_default(),
            gateway_count,
            clock: CheckpointClock::default(),
            stage: Some(stage),
        }
    }

    /// Dates an offline result (see [`CheckpointClock`]); without it, its age is unknown.
    pub fn dated(mut self, clock: CheckpointClock) -> LedgerCheck {
        self.clock = clock;
        self
    }

    /// The next request to make, or `None` when the check is over.
    pub fn next_fetch(&self) -> Option<Fetch> {
        match self.stage.as_ref()? {
            Stage::Refresh(refresh) => refresh.next_fetch(),
            Stage::Prove { prove, .. } => prove.next_fetch(),
            Stage::Done { .. } => None,
        }
    }

    /// Hands in the answer to the last [`LedgerCheck::next_fetch`]: the body, or why there is
    /// none, in words.
    pub fn receive(&mut self, answer: Result<Vec<u8>, String>) {
        match &mut self.stage {
            None => return,
            Some(Stage::Refresh(refresh)) => {
                refresh.receive(answer);
                if refresh.next_fetch().is_some() {
                    return;
                }
            }
            Some(Stage::Prove { prove, .. }) => {
                prove.receive(answer);
                if prove.next_fetch().is_some() {
                    return;
                }
            }
            Some(Stage::Done { .. }) => return,
        }
        self.stage = self.stage.take().map(|stage| self.next_stage(stage));
    }

    /// The stage after `stage`, once its machine has nothing more to fetch.
    fn next_stage(&self, stage: Stage) -> Stage {
        match stage {
            Stage::Refresh(refresh) => {
                let (view, refresh) = refresh.finish();
                self.after_refresh(view, refresh)
            }
            Stage::Prove { view, refresh, prove, offline } => {
                let as_of = view.latest().filter(|_| offline).map(|latest| self.clock.offline_as_of(latest));
                let outcome = self.entry_outcome(prove, as_of);
                Stage::Done { view, refresh, outcome }
            }
            done @ Stage::Done { .. } => done,
        }
    }

    fn after_refresh(&self, view: LogView, refresh: RefreshReport) -> Stage {
        if refresh.fork.is_some() {
            let why = "the gateways serve a forked log (two checkpoints it signed disagree): do not rely on it; the Ledger page keeps the evidence".to_owned();
            return Stage::Done { view, refresh, outcome: CheckOutcome::Failed(why) };
        }
        let Some(size) = view.latest().map(|latest| latest.size()) else {
            let why = format!(
                "no gateway gave a valid checkpoint ({}); check again when online",
                refresh.failure_reasons()
            );
            return Stage::Done { view, refresh, outcome: CheckOutcome::NotChecked(why) };
        };
        let offline = !refresh.any_verified();
        if self.index >= size {
            let why = match view.latest().filter(|_| offline) {
                Some(latest) => format!(
                    "{}, which holds {size} entries, not yet entry {}; check again online",
                    self.clock.offline_as_of(latest),
                    self.index
                ),
                None => format!(
                    "the latest verified checkpoint holds {size} entries, not yet entry {}; check again in a moment",
                    self.index
                ),
            };
            return Stage::Done { view, refresh, outcome: CheckOutcome::NotChecked(why) };
        }
        match ProveInclusion::read_entry(&view, self.index, self.gateway_count) {
            Ok(prove) => Stage::Prove { view, refresh, prove: Box::new(prove), offline },
            Err(error) => Stage::Done { view, refresh, outcome: CheckOutcome::NotChecked(error.to_string()) },
        }
    }

    /// The outcome once the entry at the index was read and its inclusion proven (or not);
    /// `as_of` words an offline result.
    fn entry_outcome(&self, prove: Box<ProveInclusion>, as_of: Option<String>) -> CheckOutcome {
        let report = prove.finish();
        let (Some(included), Some(entry)) = (report.included, report.entry) else {
            let reasons: Vec<String> = report.failures.into_iter().map(|(_, reason)| reason).collect();
            return CheckOutcome::NotChecked(match as_of {
                Some(as_of) => format!(
                    "{as_of}: entry {} could not be proven without a gateway; check again online",
                    self.index
                ),
                None => format!(
                    "no gateway proved entry {} ({}); check again later",
                    self.index,
                    reasons.join("; ")
                ),
            });
        };
        match LogEntry::verify(&entry) {
            Ok(LogEntry::Grant(statement)) if statement.matches(&self.grant) => match as_of {
                Some(as_of) => CheckOutcome::Offline {
                    as_of,
                    result: format!(
                        "on the ledger at index {}, verified against that checkpoint; check again online",
                        included.index
                    ),
                },
                None => CheckOutcome::Passed(format!(
                    "on the ledger at index {}, verified against checkpoint size {}",
                    included.index, included.checkpoint_size
                )),
            },
            _ => CheckOutcome::Failed(format!(
                "the ledger's entry {} is not this grant's: the code's ledger place is wrong or was altered, so the grant is not shown to be on the ledger; ask the patient for the code again",
                included.index
            )),
        }
    }

    /// The outcome, and the view to keep.
    /// Stopped early by the caller, it ends with what was proven so far.
    pub fn finish(mut self) -> LedgerCheckReport {
        let mut stage = self.stage.take().expect("invariant: a stage is always set between calls");
        loop {
            stage = match stage {
                Stage::Done { view, refresh, outcome } => {
                    return LedgerCheckReport { outcome, view, refresh }
                }
                other => self.next_stage(other),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::{GrantCommitment, GrantDraft};
    use crate::tlog::test_log::{TestLog, ORIGIN};
    use ed25519_dalek::SigningKey;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    const NOW: u64 = 1_790_000_000;

    fn grant(seed: u64, origin: &str) -> (SignedGrant, Vec<u8>) {
        let patient = SigningKey::from_bytes(&[9; 32]);
        let draft = GrantDraft {
            audience: [7; 32],
            scopes: vec!["patient/Observation.rs".into()],
            purpose: "TREAT".into(),
            not_before: NOW,
            expires_at: NOW + 86_400,
            log_origin: origin.into(),
        };
        let grant = draft.sign(&patient, NOW, &mut ChaCha20Rng::seed_from_u64(seed)).expect("sign");
        let entry = LogEntry::Grant(GrantCommitment::sign(&grant, &patient).expect("statement")).to_bytes();
        (grant, entry)
    }

    /// Runs a check against gateways serving `logs`; returns the outcome and the failures' count.
    fn check(
        grant: &SignedGrant,
        index: Option<u64>,
        logs: &[&TestLog],
    ) -> (CheckOutcome, LedgerCheckReport) {
        let mut check = LedgerCheck::new(grant, index, LogView::new(logs[0].trust()), logs.len());
        while let Some(fetch) = check.next_fetch() {
            check.receive(logs[fetch.gateway].answer(&fetch.path));
        }
        let report = check.finish();
        (report.outcome.clone(), report)
    }

    #[test]
    fn a_logged_grant_passes_and_a_wrong_place_or_log_does_not() {
        let (ours, our_entry) = grant(1, ORIGIN);
        let (other, other_entry) = grant(2, ORIGIN);
        let mut log = TestLog::new(1);
        log.append(3, "noise");
        log.append_entries(vec![our_entry, other_entry]);
        log.append(300, "noise");

        let (outcome, report) = check(&ours, Some(3), &[&log]);
        assert_eq!(
            outcome,
            CheckOutcome::Passed("on the ledger at index 3, verified against checkpoint size 305".into())
        );
        assert_eq!(report.view.latest().map(|latest| latest.size()), Some(305));

        // The index is a hint outside the signature: another grant's entry, or no grant's, fails.
        for wrong in [4, 0] {
            let (outcome, _) = check(&ours, Some(wrong), &[&log]);
            assert!(matches!(outcome, CheckOutcome::Failed(_)), "{outcome:?}");
            assert!(outcome.detail().contains(&format!("entry {wrong} is not this grant's")), "{outcome:?}");
        }
        assert!(matches!(check(&other, Some(4), &[&log]).0, CheckOutcome::Passed(_)));

        let (outcome, _) = check(&ours, Some(305), &[&log]);
        assert!(outcome.detail().contains("not yet entry 305"), "{outcome:?}");
        let (outcome, _) = check(&ours, None, &[&log]);
        assert!(matches!(outcome, CheckOutcome::NotChecked(_)), "{outcome:?}");

        let (elsewhere, _) = grant(3, "other.example/log");
        let (outcome, _) = check(&elsewhere, Some(3), &[&log]);
        assert!(outcome.detail().contains("names the log other.example/log"), "{outcome:?}");
    }

    #[test]
    fn lying_gateways_never_make_it_pass() {
        let (ours, our_entry) = grant(1, ORIGIN);
        let mut honest = TestLog::new(1);
        honest.append_entries(vec![our_entry.clone()]);
        honest.append(10, "noise");

        // A gateway whose bundle is not its tree's (entries 0 and 1 swapped): the proof fails.
        let mut lying = TestLog::new(1);
        lying.append_entries(honest.entries.clone());
        lying.entries.swap(0, 1);
        let (outcome, _) = check(&ours, Some(1), &[&lying]);
        assert!(outcome.detail().contains("no gateway proved entry 1"), "{outcome:?}");
        let (outcome, report) = check(&ours, Some(0), &[&lying, &honest]);
        assert!(matches!(outcome, CheckOutcome::Passed(_)), "the honest gateway proves it: {outcome:?}");
        assert!(report.refresh.fork.is_none());

        // Another history under the same key, with the grant's entry at index 1.
        let mut swapped = TestLog::new(1);
        swapped.append(1, "noise");
        swapped.append_entries(vec![our_entry]);
        swapped.append(9, "noise");
        // Another history under the same key: a fork, reported with evidence.
        let (outcome, report) = check(&ours, Some(0), &[&honest, &swapped]);
        assert!(outcome.detail().contains("forked"), "{outcome:?}");
        assert!(report.refresh.fork.is_some());

        // Unreachable gateways: not checked, with the reason.
        let mut offline = LedgerCheck::new(&ours, Some(0), LogView::new(honest.trust()), 1);
        while offline.next_fetch().is_some() {
            offline.receive(Err("could not be reached".into()));
        }
        let outcome = offline.finish().outcome;
        assert!(matches!(&outcome, CheckOutcome::NotChecked(why) if why.contains("could not be reached")));
    }

    #[test]
    fn offline_it_rests_on_the_stored_checkpoint_dated_and_never_passes() {
        let (ours, our_entry) = grant(1, ORIGIN);
        let mut log = TestLog::new(1);
        log.append(2, "noise");
        log.append_entries(vec![our_entry]);
        let stored = LogView::restore(log.trust(), &log.note()).expect("the stored checkpoint verifies");
        let clock = CheckpointClock { now: NOW + 7 * 60, confirmed_at: Some(NOW) };
        // No gateway serves a checkpoint; `tiles` says whether tiles kept from earlier remain.
        let offline = |index: u64, tiles: bool| {
            let mut check = LedgerCheck::new(&ours, Some(index), stored.clone(), 1).dated(clock);
            while let Some(fetch) = check.next_fetch() {
                check.receive(log.answer_offline(&fetch.path, tiles));
            }
            check.finish().outcome
        };
        assert_eq!(
            offline(2, true),
            CheckOutcome::Offline {
                as_of: "offline, as of checkpoint 3, 7 minutes old".into(),
                result: "on the ledger at index 2, verified against that checkpoint; check again online"
                    .into()
            }
        );
        assert_eq!(
            offline(2, false),
            CheckOutcome::NotChecked(
                "offline, as of checkpoint 3, 7 minutes old: entry 2 could not be proven without a gateway; check again online".into()
            )
        );
        assert!(offline(3, true).detail().contains("which holds 3 entries, not yet entry 3"));
        // A wrong place is still a failure offline: the proof shows another entry there.
        assert!(matches!(offline(0, true), CheckOutcome::Failed(_)));

        // Undated: no witness and no confirmation time.
        let mut check = LedgerCheck::new(&ours, Some(2), stored, 1);
        while check.next_fetch().is_some() {
            check.receive(Err("could not be reached".into()));
        }
        assert!(check.finish().outcome.detail().starts_with("offline, as of checkpoint 3, of unknown age:"));
    }
}
