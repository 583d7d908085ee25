//! Unlock policy: back-off after repeated wrong passphrases, and locking after idle time. Time
//! is passed in (milliseconds since the Unix epoch), never read here.

/// Wrong passphrases allowed before the back-off starts.
const FREE_ATTEMPTS: u32 = 3;
/// First back-off delay; it doubles with each further failure.
const FIRST_DELAY_MS: u64 = 1_000;
/// Longest back-off delay.
const MAX_DELAY_MS: u64 = 5 * 60 * 1_000;

/// Counts wrong passphrases and says when the next attempt is allowed: three free tries, then
/// 1 s, 2 s, 4 s, … up to 5 minutes between attempts. A success resets it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnlockThrottle {
    failures: u32,
    next_attempt_at_ms: u64,
}

impl UnlockThrottle {
    /// How long to wait before an attempt at `now_ms` is allowed; `None` if it is allowed now.
    pub fn wait_ms(&self, now_ms: u64) -> Option<u64> {
        (now_ms < self.next_attempt_at_ms).then(|| self.next_attempt_at_ms - now_ms)
    }

    /// Records a wrong passphrase at `now_ms`.
    pub fn record_failure(&mut self, now_ms: u64) {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= FREE_ATTEMPTS {
            let doublings = (self.failures - FREE_ATTEMPTS).min(20);
            let delay = FIRST_DELAY_MS.saturating_mul(1 << doublings).min(MAX_DELAY_MS);
            self.next_attempt_at_ms = now_ms.saturating_add(delay);
        }
    }

    /// Records a successful unlock.
    pub fn record_success(&mut self) {
        *self = UnlockThrottle::default();
    }

    /// Wrong passphrases since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }
}

/// Locks the wallet after a configurable idle time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IdleLock {
    timeout_ms: u64,
    last_activity_ms: u64,
}

impl IdleLock {
    /// The default idle time before locking: 5 minutes.
    pub const DEFAULT_TIMEOUT_MS: u64 = 5 * 60 * 1_000;
    /// Shortest idle time a patient may set: 1 minute.
    pub const MIN_TIMEOUT_MS: u64 = 60 * 1_000;
    /// Longest idle time a patient may set: 1 hour.
    pub const MAX_TIMEOUT_MS: u64 = 60 * 60 * 1_000;

    /// Starts timing at `now_ms`, with `timeout_ms` clamped to the allowed range.
    pub fn new(timeout_ms: u64, now_ms: u64) -> Self {
        IdleLock { timeout_ms: Self::clamp(timeout_ms), last_activity_ms: now_ms }
    }

    /// Clamps an idle time to [`Self::MIN_TIMEOUT_MS`]..=[`Self::MAX_TIMEOUT_MS`].
    pub fn clamp(timeout_ms: u64) -> u64 {
        timeout_ms.clamp(Self::MIN_TIMEOUT_MS, Self::MAX_TIMEOUT_MS)
    }

    /// The patient did something at `now_ms`.
    pub fn touch(&mut self, now_ms: u64) {
        self.last_activity_ms = self.last_activity_ms.max(now_ms);
    }

    /// Whether the wallet should lock at `now_ms`.
    pub fn should_lock(&self, now_ms: u64) -> bool {
        now_ms.saturating_sub(self.last_activity_ms) >= self.timeout_ms
    }

    /// The configured idle time.
    pub fn timeout_ms(&self) -> u64 {
        self.timeout_ms
    }
}
