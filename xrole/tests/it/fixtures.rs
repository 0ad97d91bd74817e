//! What the runtime's tests share: documents from JSON, the manual clock's start
//! and its advance in steps that let background refreshes run.

use std::time::{Duration, SystemTime};

use xrole_core::PolicyDocument;
use xrole_test::sts::Clock;

/// A policy document from its JSON (the tests' documents are valid).
pub(crate) fn doc(json: &str) -> PolicyDocument {
    json.parse().unwrap()
}

/// Where the tests' manual clocks start.
pub(crate) fn start_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000)
}

/// Advances the clock step by step, letting background tasks run between steps.
pub(crate) async fn advance(clock: &Clock, total: Duration, step: Duration) {
    let mut done = Duration::ZERO;
    while done < total {
        clock.advance(step);
        done += step;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}
