//! The console sign-in tokens the federation endpoint issued: each valid once,
//! within its lifetime, at most a bounded number kept.

use std::collections::{HashMap, VecDeque};
use std::time::SystemTime;

/// The sign-in tokens issued and not yet expired, at most `capacity` (the oldest
/// makes room).
pub(crate) struct SigninTokens {
    expiry: HashMap<String, SystemTime>,
    order: VecDeque<String>,
    capacity: usize,
}

impl SigninTokens {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            expiry: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub(crate) fn insert(&mut self, token: String, expires: SystemTime) {
        while self.order.len() >= self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.expiry.remove(&old);
            }
        }
        self.order.push_back(token.clone());
        self.expiry.insert(token, expires);
    }

    /// Redeems `token`: valid once, within its lifetime (a sign-in URL is
    /// followed once; a second use is refused).
    pub(crate) fn redeem(&mut self, token: &str, now: SystemTime) -> bool {
        let valid = self.expiry.get(token).is_some_and(|at| now < *at);
        if valid {
            // Its place in `order` goes when it comes first: a redeemed token
            // left there is harmless, and nothing is searched.
            self.expiry.remove(token);
        }
        valid
    }
}
