//! One clock for the embedded STS and the code under test.
//!
//! The SDK takes a `TimeSource` (for signing and expiry checks) and an `AsyncSleep`
//! (for retries and refresh timers); [`Clock`] is both. A system clock follows real
//! time; a manual clock moves only when a test advances it, so credentials that live
//! an hour can expire in a millisecond of real time.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_smithy_async::rt::sleep::{AsyncSleep, Sleep};
use aws_smithy_async::time::TimeSource;
use tokio::sync::watch;

#[derive(Debug)]
enum Source {
    System,
    /// The current time; sleepers wait for it to pass their deadline.
    Manual(watch::Sender<SystemTime>),
}

/// A clock shared by the embedded STS and the SDK clients under test.
#[derive(Clone, Debug)]
pub struct Clock {
    source: Arc<Source>,
}

impl Clock {
    /// Real time.
    pub fn system() -> Self {
        Self {
            source: Arc::new(Source::System),
        }
    }

    /// A clock that starts at `start` and moves only with [`advance`](Self::advance)
    /// or [`set`](Self::set).
    pub fn manual(start: SystemTime) -> Self {
        Self {
            source: Arc::new(Source::Manual(watch::Sender::new(start))),
        }
    }

    /// The current time.
    pub fn now(&self) -> SystemTime {
        match &*self.source {
            Source::System => SystemTime::now(),
            Source::Manual(tx) => *tx.borrow(),
        }
    }

    /// Moves a manual clock forward, waking the sleeps that are due. A system clock
    /// cannot be moved; it is left as it is.
    pub fn advance(&self, by: Duration) {
        if let Source::Manual(tx) = &*self.source {
            tx.send_modify(|t| *t += by);
        }
    }

    /// Sets a manual clock to `to` (never backwards).
    pub fn set(&self, to: SystemTime) {
        if let Source::Manual(tx) = &*self.source {
            tx.send_if_modified(|t| {
                let later = to > *t;
                if later {
                    *t = to;
                }
                later
            });
        }
    }

    /// Whether the clock moves only when advanced.
    pub fn is_manual(&self) -> bool {
        matches!(&*self.source, Source::Manual(_))
    }

    /// Waits `duration` of this clock's time.
    pub async fn sleep(&self, duration: Duration) {
        match &*self.source {
            Source::System => tokio::time::sleep(duration).await,
            Source::Manual(tx) => {
                let deadline = *tx.borrow() + duration;
                let mut rx = tx.subscribe();
                // `wait_for` returns at once if the deadline has passed, and on a closed
                // channel; the sender lives as long as this clock.
                let _ = rx.wait_for(|now| *now >= deadline).await;
            }
        }
    }
}

impl TimeSource for Clock {
    fn now(&self) -> SystemTime {
        Clock::now(self)
    }
}

impl AsyncSleep for Clock {
    fn sleep(&self, duration: Duration) -> Sleep {
        let clock = self.clone();
        Sleep::new(async move { clock.sleep(duration).await })
    }
}
