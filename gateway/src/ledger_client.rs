//! A ledger client for the command line: drives `wasm-core`'s `tlog::sync` machines over HTTP,
//! with a timeout per request, one retry for a busy gateway, and failover to the next gateway.
//! The wallet drives the same machines with the browser's `fetch`.

use std::time::Duration;

use wasm_core::accessmap::{TrailCheck, TrailCheckReport, TrailGrant};
use wasm_core::consent::ledger_check::{LedgerCheck, LedgerCheckReport};
use wasm_core::consent::revocation_check::{RevocationCheck, RevocationCheckReport};
use wasm_core::consent::SignedGrant;
use wasm_core::tlog::sync::{
    Fetch, InclusionReport, ProveInclusion, Refresh, RefreshReport, Submit, SubmitReport,
};
use wasm_core::tlog::view::{LogView, ViewError};

/// The largest answer read: a full entry bundle of maximal entries is about 1 MiB.
const MAX_ANSWER_BYTES: u64 = 2 * 1024 * 1024;
/// How long to wait before asking a busy gateway (429 or 503) again.
const RETRY_AFTER: Duration = Duration::from_millis(250);

/// The gateways of one log, in the order to ask them.
pub struct Gateways {
    agent: ureq::Agent,
    urls: Vec<String>,
}

impl Gateways {
    /// Gateways at the http:// URL prefixes `urls`; each request gives up after `timeout`.
    pub fn new(urls: Vec<String>, timeout: Duration) -> Gateways {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        let urls = urls.into_iter().map(|url| url.trim_end_matches('/').to_owned()).collect();
        Gateways { agent, urls }
    }

    /// The gateways' URL prefixes.
    pub fn urls(&self) -> &[String] {
        &self.urls
    }

    /// `GET` one path from one gateway (or `POST` the fetch's body): the body of a 2xx answer, or
    /// why there is none, in words (for a refused entry, the gateway's own message).
    pub fn get(&self, fetch: &Fetch) -> Result<Vec<u8>, String> {
        let base = self.urls.get(fetch.gateway).ok_or("no such gateway")?;
        let url = format!("{base}/{}", fetch.path);
        let mut retried = false;
        loop {
            let sent = match &fetch.body {
                Some(body) => self.agent.post(&url).send(&body[..]),
                None => self.agent.get(&url).call(),
            };
            let mut response = sent.map_err(|error| match error {
                ureq::Error::Timeout(_) => format!("{url}: no answer in time"),
                other => format!("{url}: {other}"),
            })?;
            let status = response.status();
            if (status == 429 || status == 503) && !retried {
                retried = true;
                std::thread::sleep(RETRY_AFTER);
                continue;
            }
            let body = response
                .body_mut()
                .with_config()
                .limit(MAX_ANSWER_BYTES)
                .read_to_vec()
                .map_err(|error| format!("{url}: {error}"))?;
            if !status.is_success() {
                let message = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|json| json["error"].as_str().map(str::to_owned));
                return Err(match message {
                    Some(message) => format!("{url}: HTTP {status}: {message}"),
                    None => format!("{url}: HTTP {status}"),
                });
            }
            return Ok(body);
        }
    }

    /// Brings `view` up to date from every gateway (see [`Refresh`]).
    pub fn refresh(&self, view: LogView) -> (LogView, RefreshReport) {
        let mut refresh = Refresh::new(view, self.urls.len());
        while let Some(fetch) = refresh.next_fetch() {
            refresh.receive(self.get(&fetch));
        }
        refresh.finish()
    }

    /// Submits `entry` to the first gateway that takes it and proves the answer (see [`Submit`]).
    pub fn submit(&self, view: LogView, entry: Vec<u8>) -> (LogView, SubmitReport) {
        let mut submit = Submit::new(view, entry, self.urls.len());
        while let Some(fetch) = submit.next_fetch() {
            submit.receive(self.get(&fetch));
        }
        submit.finish()
    }

    /// Proves `entry` is at `index` in `view`'s latest tree, from the first gateway whose tiles
    /// prove it; otherwise why each failed.
    pub fn prove_inclusion(
        &self,
        view: &LogView,
        entry: Vec<u8>,
        index: u64,
    ) -> Result<InclusionReport, ViewError> {
        let mut prove = ProveInclusion::new(view, entry, index, self.urls.len())?;
        while let Some(fetch) = prove.next_fetch() {
            prove.receive(self.get(&fetch));
        }
        Ok(prove.finish())
    }

    /// Checks that `grant` is at `index` (from its code, if it carries one) of the log `view`
    /// follows, refreshing the view first (see [`LedgerCheck`]).
    pub fn check_grant(&self, grant: &SignedGrant, index: Option<u64>, view: LogView) -> LedgerCheckReport {
        let mut check = LedgerCheck::new(grant, index, view, self.urls.len());
        while let Some(fetch) = check.next_fetch() {
            check.receive(self.get(&fetch));
        }
        check.finish()
    }

    /// Checks whether `grant` is revoked at `now`, with a checkpoint at most `freshness_secs`
    /// old, refreshing the view first (see [`RevocationCheck`]).
    pub fn check_revocation(
        &self,
        grant: &SignedGrant,
        view: LogView,
        now: u64,
        freshness_secs: u64,
    ) -> RevocationCheckReport {
        let mut check = RevocationCheck::new(grant, view, self.urls.len(), now, freshness_secs);
        while let Some(fetch) = check.next_fetch() {
            check.receive(self.get(&fetch));
        }
        check.finish()
    }

    /// Checks the access trails of `grants`, refreshing the view first (see [`TrailCheck`]).
    pub fn check_trails(&self, grants: &[TrailGrant], view: LogView) -> TrailCheckReport {
        let mut check = TrailCheck::new(grants, view, self.urls.len());
        while let Some(fetch) = check.next_fetch() {
            check.receive(self.get(&fetch));
        }
        check.finish()
    }
}
