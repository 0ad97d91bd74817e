//! The refresh engine: one per role session.
//!
//! Callers read cached credentials under a read lock and never wait on STS once the
//! first credentials are in. One background tokio task per session refreshes ahead
//! of expiry, with a window that scales with the credentials' lifetime and is
//! jittered so fleets do not stampede. While STS fails, still-valid credentials keep
//! being served and the task retries with jittered backoff, one attempt at a time.
//! Expired credentials are never handed out: after expiry, callers get
//! [`Error::CredentialsExpired`] at once, with the last STS error.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, Weak};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::{self, ProvideCredentials, error::CredentialsError};
use aws_smithy_async::rt::sleep::{AsyncSleep, SharedAsyncSleep};
use aws_smithy_async::time::SharedTimeSource;
use aws_smithy_runtime_api::client::identity::{
    Identity, IdentityCachePartition, IdentityFuture, ResolveCachedIdentity, ResolveIdentity,
    SharedIdentityResolver,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use xrole_core::{RoleArn, SessionName};

use crate::Error;

/// A boxed, sendable future.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Fetches fresh credentials (one STS call per invocation).
pub(crate) type Fetch = Arc<dyn Fn() -> BoxFuture<Result<Credentials, Error>> + Send + Sync>;

/// How far ahead of expiry a session refreshes: a fifteenth of the lifetime (4
/// minutes for an hour), at least 30 seconds, at most 15 minutes, and never more
/// than half the lifetime (STS issues 15 minutes at least, a test server less: a
/// window as long as the lifetime would refresh without pause). Caches outside the
/// process (the `xrole` command's) use the same rule.
pub fn refresh_window(lifetime: Duration) -> Duration {
    (lifetime / 15)
        .clamp(Duration::from_secs(30), Duration::from_secs(15 * 60))
        .min(lifetime / 2)
}

/// Credentials are not handed out in their last moments: a hundredth of the
/// lifetime, at most 10 seconds, so a request signed now still lands in time.
fn expiry_buffer(lifetime: Duration) -> Duration {
    (lifetime / 100).min(Duration::from_secs(10))
}

/// The longest wait between two failed attempts: a sixtieth of the lifetime, between
/// 1 and 30 seconds. Recovery after STS returns takes at most one such step.
fn backoff_cap(lifetime: Duration) -> Duration {
    (lifetime / 60).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

/// The wait before retry `attempt` (0-based): exponential from 200 ms, capped, with
/// full jitter in its upper half.
fn backoff(attempt: u32, cap: Duration) -> Duration {
    let base = Duration::from_millis(200).saturating_mul(1u32 << attempt.min(16));
    let d = base.min(cap);
    d.mul_f64(0.5 + fastrand::f64() * 0.5)
}

#[derive(Clone)]
struct Cached {
    credentials: Credentials,
    /// The same credentials as the SDK's signers take them, converted once per
    /// refresh instead of once per request.
    identity: Identity,
    expiry: SystemTime,
    lifetime: Duration,
}

/// Refresh statistics of a session.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Stats {
    /// STS calls made (attempts, failed ones included).
    pub sts_calls: u64,
    /// Failed STS calls.
    pub failures: u64,
    /// When credentials were last obtained.
    pub last_refresh: Option<SystemTime>,
    /// When the current credentials expire.
    pub expiry: Option<SystemTime>,
}

#[derive(Default)]
struct Status {
    last_error: Option<Arc<Error>>,
    last_refresh: Option<SystemTime>,
    /// A refresh has failed since the credentials were last obtained.
    failing: bool,
    task: Option<tokio::task::AbortHandle>,
}

pub(crate) struct EngineInner {
    role: RoleArn,
    session_name: SessionName,
    fetch: Fetch,
    time: SharedTimeSource,
    sleep: SharedAsyncSleep,
    cache: RwLock<Option<Cached>>,
    load: tokio::sync::Mutex<()>,
    status: Mutex<Status>,
    sts_calls: AtomicU64,
    failures: AtomicU64,
    /// Told when STS rejects the credentials this session was fetched with.
    on_source_expired: Option<Arc<dyn Fn() + Send + Sync>>,
}

impl Drop for EngineInner {
    fn drop(&mut self) {
        if let Some(task) = self.status().task.take() {
            task.abort();
        }
    }
}

/// A handle on one session's engine; cheap to clone. The background task stops
/// when the last handle is dropped.
#[derive(Clone)]
pub(crate) struct Engine {
    inner: Arc<EngineInner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("role", &self.inner.role.as_str())
            .field("session_name", &self.inner.session_name)
            .field("stats", &self.stats())
            .finish()
    }
}

impl EngineInner {
    fn status(&self) -> MutexGuard<'_, Status> {
        self.status.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn cached(&self) -> Option<Cached> {
        self.cache.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Usable credentials, if the cache holds some.
    fn fresh(&self, now: SystemTime) -> Option<Credentials> {
        self.fresh_with(now, |c| c.credentials.clone())
    }

    /// Usable credentials as the SDK's identity, if the cache holds some.
    fn fresh_identity(&self, now: SystemTime) -> Option<Identity> {
        self.fresh_with(now, |c| c.identity.clone())
    }

    /// One rule for "usable": not within the expiry buffer.
    fn fresh_with<T>(&self, now: SystemTime, take: impl FnOnce(&Cached) -> T) -> Option<T> {
        let guard = self.cache.read().unwrap_or_else(|p| p.into_inner());
        let c = guard.as_ref()?;
        (now + expiry_buffer(c.lifetime) < c.expiry).then(|| take(c))
    }

    /// One STS call, recorded.
    async fn fetch_once(&self) -> Result<(), Arc<Error>> {
        self.sts_calls.fetch_add(1, Ordering::Relaxed);
        let started = self.time.now();
        match (self.fetch)().await {
            Ok(credentials) => {
                let expiry = credentials
                    .expiry()
                    .unwrap_or(started + Duration::from_secs(3600));
                let lifetime = expiry
                    .duration_since(started)
                    .unwrap_or(Duration::from_secs(1));
                *self.cache.write().unwrap_or_else(|p| p.into_inner()) = Some(Cached {
                    identity: Identity::from(credentials.clone()),
                    credentials,
                    expiry,
                    lifetime,
                });
                let mut status = self.status();
                status.last_refresh = Some(started);
                status.failing = false;
                status.last_error = None;
                tracing::info!(
                    role_arn = %self.role,
                    session_name = %self.session_name,
                    expiry = %crate::error::format_time(expiry),
                    "xrole: credentials refreshed"
                );
                Ok(())
            }
            Err(e) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                if e.is_expired_token()
                    && let Some(notify) = &self.on_source_expired
                {
                    notify();
                }
                let e = Arc::new(e);
                let mut status = self.status();
                status.failing = true;
                status.last_error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// When the background task should refresh next.
    fn next_refresh(&self) -> Option<SystemTime> {
        let c = self.cached()?;
        let window = refresh_window(c.lifetime);
        // Jitter: up to a fifth of the window earlier, so sessions spread out.
        let jitter = window.mul_f64(fastrand::f64() * 0.2);
        Some(c.expiry.checked_sub(window + jitter).unwrap_or(c.expiry))
    }
}

impl Engine {
    pub(crate) fn new(
        role: RoleArn,
        session_name: SessionName,
        fetch: Fetch,
        time: SharedTimeSource,
        sleep: SharedAsyncSleep,
        on_source_expired: Option<Arc<dyn Fn() + Send + Sync>>,
    ) -> Self {
        Self {
            inner: Arc::new(EngineInner {
                role,
                session_name,
                fetch,
                time,
                sleep,
                cache: RwLock::new(None),
                load: tokio::sync::Mutex::new(()),
                status: Mutex::new(Status::default()),
                sts_calls: AtomicU64::new(0),
                failures: AtomicU64::new(0),
                on_source_expired,
            }),
        }
    }

    /// Credentials for a caller: cached ones at once; the first ones (or after an
    /// invalidation) through one STS call shared by all waiting callers; after a
    /// failed refresh past expiry, `CredentialsExpired` at once.
    pub(crate) async fn credentials(&self) -> Result<Credentials, Arc<Error>> {
        let inner = &self.inner;
        if let Some(c) = inner.fresh(inner.time.now()) {
            return Ok(c);
        }
        if let Some(err) = self.expired_error() {
            return Err(err);
        }
        let _single_flight = inner.load.lock().await;
        if let Some(c) = inner.fresh(inner.time.now()) {
            return Ok(c);
        }
        if let Some(err) = self.expired_error() {
            return Err(err);
        }
        // A first load retries what can pass (throttling, outages) a few times.
        let mut attempt = 0;
        loop {
            match inner.fetch_once().await {
                Ok(()) => break,
                Err(e) if e.is_retryable() && attempt < 5 => {
                    let wait = backoff(attempt, Duration::from_secs(5));
                    tracing::warn!(role_arn = %inner.role, session_name = %inner.session_name, attempt, error = %e.report(), "xrole: first load failed, retrying in {wait:?}");
                    inner.sleep.sleep(wait).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
        self.ensure_task();
        inner.fresh(inner.time.now()).ok_or_else(|| {
            Arc::new(Error::Sts {
                role: inner.role.clone(),
                operation: "AssumeRole",
                status: None,
                code: None,
                message: Some("STS returned credentials that are already expired".into()),
                source: None,
            })
        })
    }

    /// `CredentialsExpired` if the cached credentials expired while refreshing failed.
    fn expired_error(&self) -> Option<Arc<Error>> {
        let inner = &self.inner;
        let cached = inner.cached()?;
        let status = inner.status();
        status.failing.then(|| {
            tracing::error!(role_arn = %inner.role, session_name = %inner.session_name, "xrole: credentials expired while refreshing fails");
            Arc::new(Error::CredentialsExpired {
                role: inner.role.clone(),
                expired_at: cached.expiry,
                last_error: status.last_error.clone(),
            })
        })
    }

    /// Drops the cached credentials (STS or a service rejected them as expired): the
    /// next caller fetches new ones.
    pub(crate) fn invalidate(&self) {
        *self.inner.cache.write().unwrap_or_else(|p| p.into_inner()) = None;
        self.inner.status().failing = false;
        tracing::warn!(role_arn = %self.inner.role, session_name = %self.inner.session_name, "xrole: cached credentials invalidated");
    }

    pub(crate) fn stats(&self) -> Stats {
        let status = self.inner.status();
        Stats {
            sts_calls: self.inner.sts_calls.load(Ordering::Relaxed),
            failures: self.inner.failures.load(Ordering::Relaxed),
            last_refresh: status.last_refresh,
            expiry: self.inner.cached().map(|c| c.expiry),
        }
    }

    pub(crate) fn role(&self) -> &RoleArn {
        &self.inner.role
    }

    pub(crate) fn session_name(&self) -> &SessionName {
        &self.inner.session_name
    }

    /// Starts the background task once.
    fn ensure_task(&self) {
        let mut status = self.inner.status();
        if status.task.as_ref().is_some_and(|t| !t.is_finished()) {
            return;
        }
        let weak = Arc::downgrade(&self.inner);
        let sleep = self.inner.sleep.clone();
        let time = self.inner.time.clone();
        let handle = tokio::spawn(refresh_loop(weak, sleep, time));
        status.task = Some(handle.abort_handle());
    }
}

/// The background task: sleep until the refresh time, refresh (retrying with
/// backoff, one attempt at a time), repeat. It holds the engine only weakly while
/// it sleeps, so dropping the last handle ends it.
async fn refresh_loop(weak: Weak<EngineInner>, sleep: SharedAsyncSleep, time: SharedTimeSource) {
    loop {
        let delay = {
            let Some(inner) = weak.upgrade() else { return };
            inner
                .next_refresh()
                .and_then(|at| at.duration_since(time.now()).ok())
                .unwrap_or_default()
        };
        if !delay.is_zero() {
            sleep.sleep(delay).await;
        }
        let mut attempt = 0u32;
        loop {
            let Some(inner) = weak.upgrade() else { return };
            match inner.fetch_once().await {
                Ok(()) => break,
                Err(e) => {
                    let lifetime = inner
                        .cached()
                        .map_or(Duration::from_secs(3600), |c| c.lifetime);
                    let wait = if e.is_expired_token() && attempt == 0 {
                        // The source was told to refresh; try again right away.
                        Duration::ZERO
                    } else {
                        backoff(attempt, backoff_cap(lifetime))
                    };
                    tracing::warn!(
                        role_arn = %inner.role,
                        session_name = %inner.session_name,
                        attempt,
                        error = %e.report(),
                        "xrole: refresh failed, retrying in {wait:?}"
                    );
                    drop(inner);
                    attempt = attempt.saturating_add(1);
                    sleep.sleep(wait).await;
                }
            }
        }
    }
}

/// The engine as the SDK's credentials provider.
#[derive(Clone, Debug)]
pub(crate) struct EngineProvider(pub(crate) Engine);

impl ProvideCredentials for EngineProvider {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        // The hot path: fresh credentials are returned ready, with no future to box
        // and no lock beyond the cache's read lock.
        let inner = &self.0.inner;
        if let Some(c) = inner.fresh(inner.time.now()) {
            return provider::future::ProvideCredentials::ready(Ok(c));
        }
        provider::future::ProvideCredentials::new(async move {
            self.0
                .credentials()
                .await
                .map_err(|e| CredentialsError::provider_error(ArcError(e)))
        })
    }
}

/// The identity cache of a session's clients: the engine already caches, so a
/// request for the session's own credentials gets the engine's identity ready (no
/// future to box, no conversion, no partition map to search). Any other resolver
/// (another provider set on a client, another kind of identity) is resolved
/// uncached, as `IdentityCache::no_cache()` would.
#[derive(Debug)]
pub(crate) struct SessionIdentityCache {
    engine: Engine,
    /// The partition of the session's own credentials provider.
    partition: IdentityCachePartition,
}

impl SessionIdentityCache {
    /// The cache for `engine`, whose credentials `provider` supplies.
    pub(crate) fn new(engine: Engine, provider: &provider::SharedCredentialsProvider) -> Self {
        Self {
            engine,
            partition: provider
                .cache_partition()
                .unwrap_or_else(IdentityCachePartition::new),
        }
    }
}

impl ResolveCachedIdentity for SessionIdentityCache {
    fn resolve_cached_identity<'a>(
        &'a self,
        resolver: SharedIdentityResolver,
        runtime_components: &'a RuntimeComponents,
        config_bag: &'a ConfigBag,
    ) -> IdentityFuture<'a> {
        if resolver.cache_partition() == self.partition {
            let inner = &self.engine.inner;
            if let Some(identity) = inner.fresh_identity(inner.time.now()) {
                return IdentityFuture::ready(Ok(identity));
            }
        }
        IdentityFuture::new(async move {
            resolver
                .resolve_identity(runtime_components, config_bag)
                .await
        })
    }
}

/// Lets an `Arc<Error>` be an error source.
#[derive(Debug)]
pub(crate) struct ArcError(pub(crate) Arc<Error>);

impl std::fmt::Display for ArcError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

impl std::error::Error for ArcError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_scale_with_lifetime() {
        assert_eq!(
            refresh_window(Duration::from_secs(3600)),
            Duration::from_secs(240)
        );
        assert_eq!(
            refresh_window(Duration::from_secs(900)),
            Duration::from_secs(60)
        );
        assert_eq!(
            refresh_window(Duration::from_secs(43_200)),
            Duration::from_secs(900)
        );
        // Shorter than STS gives: half the lifetime, so refreshes pause between.
        assert_eq!(
            refresh_window(Duration::from_secs(60)),
            Duration::from_secs(30)
        );
        assert_eq!(
            refresh_window(Duration::from_secs(30)),
            Duration::from_secs(15)
        );
        assert_eq!(
            expiry_buffer(Duration::from_secs(3600)),
            Duration::from_secs(10)
        );
        assert_eq!(
            backoff_cap(Duration::from_secs(3600)),
            Duration::from_secs(30)
        );
        for attempt in 0..40 {
            let b = backoff(attempt, Duration::from_secs(30));
            assert!(
                b <= Duration::from_secs(30) && b >= Duration::from_millis(100),
                "{b:?}"
            );
        }
    }
}
