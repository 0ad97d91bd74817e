//! Fault injection: latency, throttling, errors by rate or by call number, outages,
//! malformed answers.

use std::collections::BTreeSet;
use std::time::{Duration, SystemTime};

use super::error::ErrorCode;

/// What to do to one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fault {
    Fail(ErrorCode),
    Malformed,
}

/// The faults in force.
#[derive(Clone, Debug, Default)]
pub(crate) struct Faults {
    pub(crate) latency: Duration,
    pub(crate) outage: bool,
    pub(crate) malformed: bool,
    /// `(rate, code)`: that fraction of requests fails, evenly spread.
    pub(crate) fail_rate: Option<(f64, ErrorCode)>,
    /// Requests (1-based, counted since start) that fail, and how.
    pub(crate) fail_calls: BTreeSet<u64>,
    pub(crate) fail_calls_code: Option<ErrorCode>,
    /// Requests per second STS accepts (a token bucket of one second's burst).
    pub(crate) throttle_rps: Option<f64>,
    bucket: f64,
    bucket_at: Option<SystemTime>,
}

impl Faults {
    /// Decides the fault for request number `n` (1-based) arriving at `now`.
    pub(crate) fn decide(&mut self, n: u64, now: SystemTime) -> Option<Fault> {
        if self.outage {
            return Some(Fault::Fail(ErrorCode::ServiceUnavailable));
        }
        if self.malformed {
            return Some(Fault::Malformed);
        }
        if self.fail_calls.contains(&n) {
            return Some(Fault::Fail(
                self.fail_calls_code.unwrap_or(ErrorCode::InternalFailure),
            ));
        }
        if let Some((rate, code)) = self.fail_rate {
            // Deterministic spread: request n fails when the running count of failures
            // due (n × rate) steps up.
            let due = |k: u64| (k as f64 * rate).floor();
            if due(n) > due(n - 1) {
                return Some(Fault::Fail(code));
            }
        }
        if let Some(rps) = self.throttle_rps {
            let elapsed = self
                .bucket_at
                .and_then(|t| now.duration_since(t).ok())
                .map_or(rps, |d| d.as_secs_f64() * rps);
            self.bucket = (self.bucket + elapsed).min(rps.max(1.0));
            self.bucket_at = Some(now);
            if self.bucket < 1.0 {
                return Some(Fault::Fail(ErrorCode::Throttling));
            }
            self.bucket -= 1.0;
        }
        None
    }

    /// Sets a throttle, starting with a full bucket.
    pub(crate) fn throttle(&mut self, rps: Option<f64>) {
        self.throttle_rps = rps.filter(|r| *r > 0.0);
        self.bucket = 0.0;
        self.bucket_at = None;
    }
}
