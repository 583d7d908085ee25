//! The provider's revocation check: is the grant revoked, as of a checkpoint this client
//! verified? Sans-IO, like [`super::ledger_check`]: a [`RevocationCheck`] says what to fetch
//! next, and the browser's worker and `assent grant status` drive it the same way.
//!
//! It refreshes the client's view of the log from every gateway first (a stale or forked gateway
//! is caught), then asks the gateways in turn for the revocation map proof of the grant's key at
//! the latest verified checkpoint (`GET revocation/<size>/<key hex>`) and verifies it against the
//! map root that checkpoint signs ([`crate::revmap`]). A gateway cannot answer "not revoked" for
//! a revoked grant without a proof against a root the log signed.
//!
//! "Not revoked" passes only while the checkpoint is fresh: witnessed within `freshness_secs`
//! of `now`, or, for a log without witnesses, fetched from a gateway in this very check. When no
//! gateway answers, a proof the client still has (the app's service worker keeps them) is shown
//! "offline, as of checkpoint S, N minutes old", never as passed; a proven revocation still fails.

use super::ledger_check::CheckpointClock;
use super::{CheckOutcome, SignedGrant};
use crate::revmap::{root_from_checkpoint, verify_at_checkpoint, MapKey, MapProof, MapStatus};
use crate::tlog::sync::{Fetch, Refresh, RefreshReport};
use crate::tlog::view::{LogView, VerifiedCheckpoint};

/// The freshness window a provider gets unless it sets one: 10 minutes.
pub const DEFAULT_FRESHNESS_SECS: u64 = 600;

/// The freshness windows a provider may set, in minutes: a minute to a day. Shorter would fail
/// between two witness rounds; longer would let a day-old view say "not revoked".
pub const FRESHNESS_MINUTES_RANGE: std::ops::RangeInclusive<u64> = 1..=1440;

/// The freshness window for a provider's setting of `minutes`, brought into
/// [`FRESHNESS_MINUTES_RANGE`], in seconds.
pub fn freshness_secs(minutes: u64) -> u64 {
    minutes.clamp(*FRESHNESS_MINUTES_RANGE.start(), *FRESHNESS_MINUTES_RANGE.end()) * 60
}

/// Checks one grant's revocation status through `gateway_count` gateways of its log.
#[derive(Debug)]
pub struct RevocationCheck {
    key: MapKey,
    clock: CheckpointClock,
    freshness_secs: u64,
    gateway_count: usize,
    /// Always set between calls; taken only while moving to the next stage.
    stage: Option<Stage>,
}

#[derive(Debug)]
enum Stage {
    Refresh(Refresh),
    Prove { view: LogView, refresh: RefreshReport, gateway: usize, failures: Vec<String> },
    Done { view: LogView, refresh: RefreshReport, outcome: CheckOutcome },
}

/// The end of a [`RevocationCheck`].
#[derive(Debug)]
pub struct RevocationCheckReport {
    /// The revocation check's outcome, for the verdict.
    pub outcome: CheckOutcome,
    /// The view, moved on as far as the gateways proved (to keep).
    pub view: LogView,
    /// What each gateway did in the refresh, and fork evidence if one was found.
    pub refresh: RefreshReport,
}

impl RevocationCheck {
    /// Starts checking whether `grant` is revoked, at `now` (Unix seconds), in the log `view`
    /// follows; "not revoked" needs a checkpoint at most `freshness_secs` old.
    pub fn new(
        grant: &SignedGrant,
        view: LogView,
        gateway_count: usize,
        now: u64,
        freshness_secs: u64,
    ) -> RevocationCheck {
        let origin = &grant.claims().log_origin;
        let stage = if origin == view.trust().origin() {
            Stage::Refresh(Refresh::new(view, gateway_count))
        } else {
            let why = format!(
                "the grant names the log {origin}, and your gateway settings are for {}; add a gateway of that log to check it",
                view.trust().origin()
            );
            let refresh = RefreshReport { gateways: Vec::new(), fork: None };
            Stage::Done { view, refresh, outcome: CheckOutcome::NotChecked(why) }
        };
        RevocationCheck {
            key: MapKey::of_grant(grant),
            clock: CheckpointClock { now, confirmed_at: None },
            freshness_secs,
            gateway_count,
            stage: Some(stage),
        }
    }

    /// Dates an offline result: `confirmed_at` is when a gateway last served the stored
    /// checkpoint as its latest (see [`CheckpointClock`]).
    pub fn confirmed_at(mut self, confirmed_at: Option<u64>) -> RevocationCheck {
        self.clock.confirmed_at = confirmed_at;
        self
    }

    /// The next request to make, or `None` when the check is over.
    pub fn next_fetch(&self) -> Option<Fetch> {
        match self.stage.as_ref()? {
            Stage::Refresh(refresh) => refresh.next_fetch(),
            Stage::Prove { view, gateway, .. } => {
                let size = view.latest()?.size();
                let path = format!("revocation/{size}/{}", hex::encode(self.key.as_bytes()));
                Some(Fetch { gateway: *gateway, path, body: None })
            }
            Stage::Done { .. } => None,
        }
    }

    /// Hands in the answer to the last [`RevocationCheck::next_fetch`]: the body, or why there
    /// is none, in words.
    pub fn receive(&mut self, answer: Result<Vec<u8>, String>) {
        let Some(stage) = self.stage.take() else { return };
        self.stage = Some(match stage {
            Stage::Refresh(mut refresh) => {
                refresh.receive(answer);
                if refresh.next_fetch().is_some() {
                    Stage::Refresh(refresh)
                } else {
                    let (view, report) = refresh.finish();
                    self.after_refresh(view, report)
                }
            }
            Stage::Prove { view, refresh, gateway, mut failures } => {
                match self.proof_outcome(&view, &refresh, answer) {
                    Ok(outcome) => Stage::Done { view, refresh, outcome },
                    Err(reason) => {
                        failures.push(reason);
                        if gateway + 1 < self.gateway_count {
                            Stage::Prove { view, refresh, gateway: gateway + 1, failures }
                        } else {
                            let why = match view.latest().filter(|_| !refresh.any_verified()) {
                                Some(latest) => format!(
                                    "{}: the revocation status could not be read without a gateway; check again online",
                                    self.clock.offline_as_of(latest)
                                ),
                                None => format!(
                                    "no gateway gave a valid revocation proof ({}); check again later",
                                    failures.join("; ")
                                ),
                            };
                            Stage::Done { view, refresh, outcome: CheckOutcome::NotChecked(why) }
                        }
                    }
                }
            }
            done @ Stage::Done { .. } => done,
        });
    }

    fn after_refresh(&self, view: LogView, refresh: RefreshReport) -> Stage {
        if refresh.fork.is_some() {
            let why = "the gateways serve a forked log (two checkpoints it signed disagree): do not rely on it; the evidence is kept".to_owned();
            return Stage::Done { view, refresh, outcome: CheckOutcome::Failed(why) };
        }
        let Some(latest) = view.latest() else {
            let why = format!(
                "no gateway gave a valid checkpoint ({}); check again when online",
                refresh.failure_reasons()
            );
            return Stage::Done { view, refresh, outcome: CheckOutcome::NotChecked(why) };
        };
        match root_from_checkpoint(latest.checkpoint()) {
            Ok(Some(_)) if self.gateway_count > 0 => {
                Stage::Prove { view, refresh, gateway: 0, failures: Vec::new() }
            }
            Ok(Some(_)) => {
                let why = "no gateway is configured; add one to check revocation".to_owned();
                Stage::Done { view, refresh, outcome: CheckOutcome::NotChecked(why) }
            }
            Ok(None) => {
                let why = format!(
                    "the log's checkpoint of size {} binds no revocation map, so no gateway can prove the grant is not revoked",
                    latest.size()
                );
                Stage::Done { view, refresh, outcome: CheckOutcome::NotChecked(why) }
            }
            Err(error) => {
                let why = format!("the log's checkpoint of size {}: {error}", latest.size());
                Stage::Done { view, refresh, outcome: CheckOutcome::Failed(why) }
            }
        }
    }

    /// The outcome from one gateway's proof, or why it gave none.
    fn proof_outcome(
        &self,
        view: &LogView,
        refresh: &RefreshReport,
        answer: Result<Vec<u8>, String>,
    ) -> Result<CheckOutcome, String> {
        let latest = view.latest().ok_or("no verified checkpoint")?;
        let proof = MapProof::decode(&answer?).map_err(|error| error.to_string())?;
        let status = verify_at_checkpoint(latest.checkpoint(), &proof, &self.key)
            .map_err(|error| error.to_string())?;
        Ok(self.status_outcome(latest, refresh.any_verified(), status))
    }

    fn status_outcome(
        &self,
        latest: &VerifiedCheckpoint,
        fetched_now: bool,
        status: MapStatus,
    ) -> CheckOutcome {
        let size = latest.size();
        let revoked = match status {
            MapStatus::Revoked(revoked) => revoked,
            MapStatus::NotRevoked if !fetched_now => {
                return CheckOutcome::Offline {
                    as_of: self.clock.offline_as_of(latest),
                    result: "not revoked then; check again online".into(),
                };
            }
            MapStatus::NotRevoked => {
                let minutes = |seconds: u64| seconds / 60;
                return match latest.newest_cosignature().map(|time| self.clock.now.saturating_sub(time)) {
                    Some(age) if age <= self.freshness_secs => CheckOutcome::Passed(format!(
                        "not revoked as of checkpoint {size}, {} minutes old (witnessed)",
                        minutes(age)
                    )),
                    Some(age) => CheckOutcome::NotChecked(format!(
                        "not revoked as of checkpoint {size}, but it is {} minutes old, more than the {}-minute window; check again online",
                        minutes(age),
                        minutes(self.freshness_secs)
                    )),
                    None => CheckOutcome::Passed(format!(
                        "not revoked as of checkpoint {size}, fetched from the gateway now (no witness vouches for its time)"
                    )),
                };
            }
        };
        CheckOutcome::Failed(format!(
            "revoked by the patient on {} (ledger entry {}), as of checkpoint {size}",
            super::fhir::rfc3339(revoked.revoked_at),
            revoked.log_index
        ))
    }

    /// The outcome, and the view to keep. Stopped early by the caller, it ends with what was
    /// proven so far.
    pub fn finish(mut self) -> RevocationCheckReport {
        let mut stage = self.stage.take().expect("invariant: a stage is always set between calls");
        loop {
            stage = match stage {
                Stage::Done { view, refresh, outcome } => {
                    return RevocationCheckReport { outcome, view, refresh };
                }
                Stage::Prove { view, refresh, failures, .. } => {
                    let why = format!(
                        "the check stopped before a gateway gave a valid revocation proof ({}); check again",
                        failures.join("; ")
                    );
                    return RevocationCheckReport { outcome: CheckOutcome::NotChecked(why), view, refresh };
                }
                Stage::Refresh(refresh) => {
                    let (view, refresh) = refresh.finish();
                    self.after_refresh(view, refresh)
                }
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::{GrantCommitment, GrantDraft, LogEntry, Revocation};
    use crate::tlog::test_log::{TestLog, ORIGIN};
    use ed25519_dalek::SigningKey;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    const NOW: u64 = 1_790_000_000;

    fn patient() -> SigningKey {
        SigningKey::from_bytes(&[9; 32])
    }

    fn grant(seed: u64) -> (SignedGrant, Vec<u8>) {
        let draft = GrantDraft {
            audience: [7; 32],
            scopes: vec!["patient/Observation.rs".into()],
            purpose: "TREAT".into(),
            not_before: NOW,
            expires_at: NOW + 86_400,
            log_origin: ORIGIN.into(),
        };
        let grant = draft.sign(&patient(), NOW, &mut ChaCha20Rng::seed_from_u64(seed)).expect("sign");
        let entry = LogEntry::Grant(GrantCommitment::sign(&grant, &patient()).expect("statement")).to_bytes();
        (grant, entry)
    }

    fn revocation(grant: &SignedGrant) -> Vec<u8> {
        LogEntry::Revocation(Revocation::sign(grant, &patient(), NOW + 5).expect("revokes")).to_bytes()
    }

    /// Runs a check against gateways answering with `answer(gateway, path)`.
    fn check_with(
        grant: &SignedGrant,
        trust_of: &TestLog,
        gateways: usize,
        answer: impl Fn(usize, &str) -> Result<Vec<u8>, String>,
    ) -> CheckOutcome {
        let view = LogView::new(trust_of.trust());
        let mut check = RevocationCheck::new(grant, view, gateways, NOW + 10, DEFAULT_FRESHNESS_SECS);
        while let Some(fetch) = check.next_fetch() {
            check.receive(answer(fetch.gateway, &fetch.path));
        }
        check.finish().outcome
    }

    fn check(grant: &SignedGrant, logs: &[&TestLog]) -> CheckOutcome {
        check_with(grant, logs[0], logs.len(), |gateway, path| logs[gateway].answer(path))
    }

    #[test]
    fn freshness_setting_is_kept_within_a_minute_and_a_day() {
        for (minutes, secs) in
            [(0, 60), (1, 60), (10, DEFAULT_FRESHNESS_SECS), (1440, 86_400), (u64::MAX, 86_400)]
        {
            assert_eq!(freshness_secs(minutes), secs, "{minutes} minutes");
        }
    }

    #[test]
    fn a_standing_grant_passes_and_a_revoked_one_fails_from_verified_proofs() {
        let (ours, our_entry) = grant(1);
        let (other, other_entry) = grant(2);
        let log = TestLog::with_revocation_map(vec![our_entry, other_entry.clone(), revocation(&other)]);
        let outcome = check(&ours, &[&log]);
        assert!(matches!(outcome, CheckOutcome::Passed(_)), "{outcome:?}");
        assert!(outcome.detail().starts_with("not revoked as of checkpoint 3, fetched from the gateway now"));
        let outcome = check(&other, &[&log]);
        assert!(matches!(outcome, CheckOutcome::Failed(_)), "{outcome:?}");
        assert!(outcome.detail().contains("revoked by the patient on 2026-09-21T"), "{outcome:?}");
        assert!(outcome.detail().contains("(ledger entry 2)"), "{outcome:?}");
    }

    #[test]
    fn a_lying_gateway_cannot_hide_a_revocation_and_the_next_gateway_is_asked() {
        let (ours, our_entry) = grant(3);
        let mut log = TestLog::with_revocation_map(vec![our_entry.clone()]);
        let before = log.map();
        log.append_entries(vec![revocation(&ours)]);
        let key = MapKey::of_grant(&ours);
        // The liar answers with the proof from before the revocation, or with junk.
        let stale_proof = before.prove(&key).to_bytes();
        let liar = |gateway: usize, path: &str| {
            if gateway == 0 && path.starts_with("revocation/") {
                Ok(stale_proof.clone())
            } else if gateway == 1 && path.starts_with("revocation/") {
                Ok(vec![2, 0, 0])
            } else {
                log.answer(path)
            }
        };
        let outcome = check_with(&ours, &log, 2, liar);
        assert!(matches!(outcome, CheckOutcome::NotChecked(_)), "{outcome:?}");
        assert!(outcome.detail().contains("no gateway gave a valid revocation proof"), "{outcome:?}");
        // With an honest gateway third, the revocation is found.
        let outcome = check_with(&ours, &log, 3, liar);
        assert!(matches!(outcome, CheckOutcome::Failed(_)), "{outcome:?}");
    }

    #[test]
    fn without_a_map_offline_or_for_another_log_it_is_not_checked() {
        let (ours, our_entry) = grant(4);
        let mut log = TestLog::new(1);
        log.append_entries(vec![our_entry]);
        let outcome = check(&ours, &[&log]);
        assert!(outcome.detail().contains("binds no revocation map"), "{outcome:?}");
        let outcome = check_with(&ours, &log, 1, |_, _| Err("connection refused".into()));
        assert!(matches!(outcome, CheckOutcome::NotChecked(_)), "{outcome:?}");
        assert!(outcome.detail().contains("check again when online"), "{outcome:?}");

        let other = crate::tlog::note::NoteSigner::new("other.example/log", SigningKey::from_bytes(&[3; 32]))
            .expect("valid name");
        let trust = crate::tlog::view::LogTrust::new(&other.verifier_key(), None).expect("trust");
        let outcome =
            RevocationCheck::new(&ours, LogView::new(trust), 1, NOW, DEFAULT_FRESHNESS_SECS).finish().outcome;
        assert!(outcome.detail().contains("your gateway settings are for other.example/log"), "{outcome:?}");
    }

    #[test]
    fn not_revoked_passes_only_while_the_witnessed_checkpoint_is_fresh() {
        use crate::tlog::note::CosignatureSigner;
        use crate::tlog::sync::CHECKPOINT_PATH;
        let (ours, our_entry) = grant(5);
        let log = TestLog::with_revocation_map(vec![our_entry]);
        let witness =
            CosignatureSigner::new("witness.example/w0", SigningKey::from_bytes(&[4; 32])).expect("name");
        let witnessed_at = NOW;
        let cosigned = witness.cosign(&log.note(), witnessed_at).expect("cosigns");
        let policy =
            format!("log {}\nwitness w0 {}\nquorum w0\n", log.signer.verifier_key(), witness.verifier_key());
        let trust =
            crate::tlog::view::LogTrust::new(&log.signer.verifier_key(), Some(&policy)).expect("trust");
        let outcome_at = |now: u64| {
            let mut check =
                RevocationCheck::new(&ours, LogView::new(trust.clone()), 1, now, DEFAULT_FRESHNESS_SECS);
            while let Some(fetch) = check.next_fetch() {
                let answer = if fetch.path == CHECKPOINT_PATH {
                    Ok(cosigned.clone().into_bytes())
                } else {
                    log.answer(&fetch.path)
                };
                check.receive(answer);
            }
            check.finish().outcome
        };
        let fresh = outcome_at(witnessed_at + 5 * 60);
        assert_eq!(
            fresh,
            CheckOutcome::Passed("not revoked as of checkpoint 1, 5 minutes old (witnessed)".into())
        );
        let stale = outcome_at(witnessed_at + 30 * 60);
        assert!(matches!(stale, CheckOutcome::NotChecked(_)), "{stale:?}");
        assert!(stale.detail().contains("30 minutes old, more than the 10-minute window"), "{stale:?}");
    }

    #[test]
    fn offline_a_kept_proof_is_dated_and_never_passes_and_a_revocation_still_fails() {
        let (ours, our_entry) = grant(6);
        let (other, other_entry) = grant(7);
        let log = TestLog::with_revocation_map(vec![our_entry, other_entry, revocation(&other)]);
        let stored = LogView::restore(log.trust(), &log.note()).expect("the stored checkpoint verifies");
        // No gateway serves a checkpoint; `proofs` says whether proofs kept from earlier remain.
        let offline = |grant: &SignedGrant, proofs: bool| {
            let mut check =
                RevocationCheck::new(grant, stored.clone(), 1, NOW + 12 * 60, DEFAULT_FRESHNESS_SECS)
                    .confirmed_at(Some(NOW));
            while let Some(fetch) = check.next_fetch() {
                check.receive(log.answer_offline(&fetch.path, proofs));
            }
            check.finish().outcome
        };
        assert_eq!(
            offline(&ours, true),
            CheckOutcome::Offline {
                as_of: "offline, as of checkpoint 3, 12 minutes old".into(),
                result: "not revoked then; check again online".into()
            }
        );
        assert_eq!(
            offline(&ours, false),
            CheckOutcome::NotChecked(
                "offline, as of checkpoint 3, 12 minutes old: the revocation status could not be read without a gateway; check again online".into()
            )
        );
        let outcome = offline(&other, true);
        assert!(matches!(outcome, CheckOutcome::Failed(_)), "{outcome:?}");
    }
}
