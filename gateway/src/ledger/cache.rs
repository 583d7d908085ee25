//! Full tiles and entry bundles never change once written, so the gateway keeps the recently
//! served ones in memory: reads of a busy log then cost a map lookup, not a database query.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use bytes::Bytes;

/// A byte-bounded cache of immutable responses, keyed by path; the oldest are evicted first.
pub struct ImmutableCache {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    by_path: HashMap<String, Bytes>,
    order: VecDeque<String>,
    bytes: usize,
}

impl ImmutableCache {
    /// A cache holding at most `budget` bytes of responses.
    pub fn new(budget: usize) -> ImmutableCache {
        ImmutableCache { budget, inner: Mutex::new(Inner::default()) }
    }

    /// The cached bytes for `path`, if any.
    pub fn get(&self, path: &str) -> Option<Bytes> {
        self.inner.lock().ok()?.by_path.get(path).cloned()
    }

    /// Keeps `bytes` for `path`, evicting the oldest entries to stay within the budget. Only
    /// call it for immutable responses (full tiles and bundles).
    pub fn insert(&self, path: &str, bytes: Bytes) {
        if bytes.len() > self.budget {
            return;
        }
        // A poisoned lock only means another reader panicked mid-insert; skip caching.
        let Ok(mut inner) = self.inner.lock() else { return };
        if inner.by_path.contains_key(path) {
            return;
        }
        while inner.bytes + bytes.len() > self.budget {
            let Some(oldest) = inner.order.pop_front() else { break };
            if let Some(evicted) = inner.by_path.remove(&oldest) {
                inner.bytes -= evicted.len();
            }
        }
        inner.bytes += bytes.len();
        inner.order.push_back(path.to_string());
        inner.by_path.insert(path.to_string(), bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_oldest_to_stay_within_its_budget() {
        let cache = ImmutableCache::new(10);
        cache.insert("a", Bytes::from(vec![0; 4]));
        cache.insert("b", Bytes::from(vec![0; 4]));
        cache.insert("c", Bytes::from(vec![0; 4]));
        assert!(cache.get("a").is_none(), "the oldest went first");
        assert_eq!(cache.get("b").map(|b| b.len()), Some(4));
        assert_eq!(cache.get("c").map(|b| b.len()), Some(4));
        cache.insert("huge", Bytes::from(vec![0; 11]));
        assert!(cache.get("huge").is_none(), "larger than the budget: not kept");
    }
}
