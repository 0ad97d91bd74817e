//! The embedded STS: an in-process server on 127.0.0.1 that speaks the STS Query
//! protocol (`AssumeRole`, `GetCallerIdentity`, `GetSessionToken`) as the AWS SDKs
//! expect it, verifies SigV4 signatures, decides with the evaluator, validates
//! parameters as STS does, and issues credentials that work for further calls. At
//! `/federation` it also serves the sign-in service's federation endpoint
//! (`getSigninToken`, `login`) for the sessions it issued.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use xrole_sts::{EmbeddedSts, User, World};
//!
//! let mut world = World::new();
//! world.add_user(User::new("arn:aws:iam::111111111111:user/alice".parse()?)?)?;
//! let sts = EmbeddedSts::start(world).await?;
//! // Any SDK or the AWS CLI: AWS_ENDPOINT_URL_STS and alice's keys.
//! let keys = sts.credentials_for("arn:aws:iam::111111111111:user/alice")?;
//! println!("{} {}", sts.url(), keys.access_key_id());
//! // With the `sdk` feature, `sts.sdk_config_for(user)` is an `SdkConfig` on
//! // them, for aws_sdk_sts::Client::new(&config).
//! # Ok(()) }
//! ```

mod actions;
mod audit;
mod auth;
mod authorize;
mod caller;
mod clock;
#[cfg(feature = "sdk")]
mod enforce;
mod error;
mod faults;
mod federation;
mod gateway;
pub mod http;
mod identity_center;
mod limits;
mod ops;
mod query;
mod server;
mod shapes;
mod signin_tokens;
mod state;
mod web_identity;
mod xml;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_credential_types::Credentials;
#[cfg(feature = "sdk")]
use aws_credential_types::provider::SharedCredentialsProvider;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use xrole_core::PrincipalArn;

pub use audit::{AuditEntry, MAX_AUDITED_CHARS, MAX_AUDITED_DETAIL_CHARS, MAX_AUDITED_PARAMETERS};
pub use authorize::{Authorization, AuthorizeError, CheckDecision};
pub use clock::Clock;
pub use error::ErrorCode;
pub use xrole_iam::world::{
    AccessKey, Assignment, Group, IdentityCenter, MfaDevice, OidcProvider, PermissionSet,
    RESERVED_ROLE_PATH, Resource, ResourceKind, Role, User, Without, World, WorldError,
};

pub use gateway::{Backend, BackendError};

use faults::Faults;
use limits::Limits;
use state::{Inner, State};

/// Errors of the harness around the server (not STS answers).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// The server could not bind or serve (the source says why).
    #[error("embedded STS: the server cannot bind or serve")]
    Io(#[from] std::io::Error),
    /// The principal is not a user of the world (only users hold access keys).
    #[error("embedded STS: {0} is not a user of the world; only users hold access keys")]
    UnknownUser(String),
    /// The principal's text is not a principal (the rule it breaks is the
    /// message, not a cause behind it).
    #[error("embedded STS: {0}")]
    Principal(xrole_core::Error),
    /// The world was rejected.
    #[error(transparent)]
    World(#[from] WorldError),
    /// No IAM Identity Center sign-in waits for this user code, or the user
    /// is none of the instance's.
    #[error("embedded STS: {0}")]
    SignIn(String),
}

impl From<xrole_core::Error> for HarnessError {
    fn from(e: xrole_core::Error) -> Self {
        HarnessError::Principal(e)
    }
}

/// Refuses a name that is no user of the world's IAM Identity Center.
fn identity_center_user(world: &World, user: &str) -> Result<(), HarnessError> {
    let known = world
        .identity_center()
        .is_some_and(|c| c.users().iter().any(|u| u == user));
    if known {
        Ok(())
    } else {
        Err(HarnessError::SignIn(format!(
            "{user} is no user of the world's IAM Identity Center"
        )))
    }
}

/// How to start an [`EmbeddedSts`].
#[derive(Debug)]
pub struct EmbeddedStsBuilder {
    world: World,
    clock: Clock,
    port: u16,
    region: String,
    limits: Limits,
    backend: Option<Backend>,
}

impl EmbeddedStsBuilder {
    /// The clock shared with the code under test (default: the system clock).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
    /// The port on 127.0.0.1 (default: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
    /// The region the server says it serves ([`EmbeddedSts::region`]; what
    /// `sdk_config_for` configures), `us-east-1` by default.
    pub fn region(mut self, region: &str) -> Self {
        self.region = region.to_owned();
        self
    }
    /// How long a client may take to send a request's headers, and the longest a
    /// connection may stay idle between requests (default 10 s; real time, not the
    /// clock's).
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_timeout = timeout;
        self
    }
    /// How long a client may take to send a request's body (default 10 s).
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_timeout = timeout;
        self
    }
    /// How many connections are served at once (default 4096: a fleet of a thousand
    /// sessions, each with its own kept-alive connection, fits); further clients wait
    /// to be accepted.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.limits.max_connections = n;
        self
    }
    /// How many calls the audit log keeps (default 10,000); older entries are
    /// dropped and counted ([`EmbeddedSts::dropped_audit_entries`]), while
    /// [`EmbeddedSts::count`] and [`EmbeddedSts::count_errors`] stay exact.
    pub fn audit_capacity(mut self, entries: usize) -> Self {
        self.limits.audit_capacity = entries;
        self
    }
    /// How many issued sessions live at once (default 100,000). Expired sessions are
    /// dropped as new ones are issued; at the limit the one closest to expiry goes.
    pub fn max_sessions(mut self, n: usize) -> Self {
        self.limits.max_sessions = n;
        self
    }
    /// Where the gateway sends the calls to other services that it allows
    /// (default: none, and an allowed call is answered with the service's
    /// `NotImplemented`). Calls signed for any service but STS are verified
    /// with the keys this server issued, decided with the session's whole
    /// chain, refused in the service's own error shape, or sent on to the
    /// backend signed with its credentials.
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = Some(backend);
        self
    }
    /// The largest request body the gateway takes (default 16 MiB).
    pub fn gateway_body_limit(mut self, bytes: usize) -> Self {
        self.limits.gateway_body_bytes = bytes;
        self
    }
    /// How many bytes of request bodies the gateway holds at once, all calls
    /// together (default 256 MiB); a call waits for its share for as long as
    /// its body may take, then is answered with the service's 503.
    pub fn gateway_buffer_limit(mut self, bytes: usize) -> Self {
        self.limits.gateway_buffered_bytes = bytes;
        self
    }
    /// Binds 127.0.0.1 and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<EmbeddedSts, HarnessError> {
        let listener =
            TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.port)).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            clock: self.clock,
            state: Mutex::new(State::new(self.world, &self.limits)),
            gateway: gateway::Gateway::new(self.backend, self.limits.gateway_buffered_bytes),
            limits: self.limits,
        });
        let task = tokio::spawn(server::run(listener, inner.clone()));
        Ok(EmbeddedSts {
            inner,
            addr,
            region: self.region,
            task,
        })
    }
}

/// A running embedded STS. Dropping it stops the server.
pub struct EmbeddedSts {
    inner: Arc<Inner>,
    addr: SocketAddr,
    region: String,
    task: JoinHandle<()>,
}

impl std::fmt::Debug for EmbeddedSts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedSts")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl Drop for EmbeddedSts {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl EmbeddedSts {
    /// How to start one: clock, port, region.
    pub fn builder(world: World) -> EmbeddedStsBuilder {
        EmbeddedStsBuilder {
            world,
            clock: Clock::system(),
            port: 0,
            region: "us-east-1".into(),
            limits: Limits::default(),
            backend: None,
        }
    }

    /// Starts one on any free port with the system clock.
    pub async fn start(world: World) -> Result<Self, HarnessError> {
        Self::builder(world).start().await
    }

    /// The endpoint, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The clock the server reads (share it with the SDK clients under test).
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The long-term credentials of a user of the world (its first access key).
    pub fn credentials_for(&self, user: &str) -> Result<Credentials, HarnessError> {
        let arn = PrincipalArn::parse(user)?;
        let state = self.inner.state();
        let key = state
            .world
            .user(&arn)
            .and_then(|u| u.access_keys().first().cloned())
            .ok_or_else(|| HarnessError::UnknownUser(user.to_owned()))?;
        Ok(Credentials::new(
            &key.id,
            key.secret(),
            None,
            None,
            "xrole-embedded-sts",
        ))
    }

    #[cfg(feature = "sdk")]
    /// An `SdkConfig` pointing at this server with a user's credentials, the shared
    /// clock as time source and sleep, so any AWS SDK client works against it.
    pub async fn sdk_config_for(&self, user: &str) -> Result<aws_types::SdkConfig, HarnessError> {
        let credentials = self.credentials_for(user)?;
        Ok(self
            .sdk_config_with(SharedCredentialsProvider::new(credentials))
            .await)
    }

    #[cfg(feature = "sdk")]
    /// An `SdkConfig` pointing at this server on temporary credentials it issued
    /// (the `Credentials` of an AssumeRole, GetSessionToken or GetFederationToken
    /// answer).
    pub async fn sdk_config_for_session(
        &self,
        access_key_id: &str,
        secret_access_key: &str,
        session_token: &str,
    ) -> aws_types::SdkConfig {
        let credentials = aws_credential_types::Credentials::new(
            access_key_id,
            secret_access_key,
            Some(session_token.to_owned()),
            None,
            "embedded-sts-session",
        );
        self.sdk_config_with(SharedCredentialsProvider::new(credentials))
            .await
    }

    #[cfg(feature = "sdk")]
    /// An `SdkConfig` pointing at this server without credentials: for the unsigned
    /// `AssumeRoleWithWebIdentity`, or the web identity source of the runtime.
    pub async fn sdk_config_without_credentials(&self) -> aws_types::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_types::region::Region::new(self.region.clone()))
            .endpoint_url(self.url())
            .no_credentials()
            .time_source(self.inner.clock.clone())
            .sleep_impl(self.inner.clock.clone())
            .load()
            .await
    }

    #[cfg(feature = "sdk")]
    /// `config` (a session this server issued, or a world user's keys) with every
    /// request its clients send decided first, with the caller's whole chain
    /// ([`authorize_http`](Self::authorize_http)): a refused request never leaves
    /// the process and fails as the service fails it (its own AccessDenied
    /// error through the SDK, the message naming the check and its audit
    /// entry); an allowed one goes on to its endpoint unchanged, with the
    /// configuration's HTTP client (else the SDK's default, rustls on aws-lc).
    /// A request that cannot be decided (another key, an unknown operation)
    /// fails too.
    pub fn enforcing(&self, config: &aws_types::SdkConfig) -> aws_types::SdkConfig {
        use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
        let next = config.http_client().unwrap_or_else(|| {
            aws_smithy_http_client::Builder::new()
                .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                .build_https()
        });
        self.with_enforcement(config, enforce::Allowed::Send(next))
    }

    #[cfg(feature = "sdk")]
    /// Like [`enforcing`](Self::enforcing), for tests with no backend: nothing
    /// is sent. A refused request fails the same way; an allowed one is
    /// answered in place with the service's empty success (`{}` for the JSON
    /// protocols, an empty `OperationResult` for Query, no body for REST XML),
    /// which the SDK reads as an output with nothing set. The audit log holds
    /// every decision.
    pub fn deciding(&self, config: &aws_types::SdkConfig) -> aws_types::SdkConfig {
        self.with_enforcement(config, enforce::Allowed::Answer)
    }

    #[cfg(feature = "sdk")]
    fn with_enforcement(
        &self,
        config: &aws_types::SdkConfig,
        allowed: enforce::Allowed,
    ) -> aws_types::SdkConfig {
        use aws_smithy_runtime_api::client::http::SharedHttpClient;
        let mut builder = config.to_builder();
        builder.set_http_client(Some(SharedHttpClient::new(enforce::EnforcingClient {
            inner: self.inner.clone(),
            allowed,
        })));
        builder.build()
    }

    #[cfg(feature = "sdk")]
    /// An `SdkConfig` pointing at this server with any credentials provider.
    pub async fn sdk_config_with(
        &self,
        credentials: SharedCredentialsProvider,
    ) -> aws_types::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_types::region::Region::new(self.region.clone()))
            .endpoint_url(self.url())
            .credentials_provider(credentials)
            .time_source(self.inner.clock.clone())
            .sleep_impl(self.inner.clock.clone())
            .load()
            .await
    }

    /// The region the server serves, for clients' configuration.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Changes the world while the server runs.
    pub fn update_world<T>(&self, change: impl FnOnce(&mut World) -> T) -> T {
        change(&mut self.inner.state().world)
    }

    /// IAM Identity Center: approves the device sign-in showing `user_code` as
    /// `user` would in a browser (the client's next CreateToken gets its
    /// token).
    pub fn approve_device(&self, user_code: &str, user: &str) -> Result<(), HarnessError> {
        let mut state = self.inner.state();
        identity_center_user(&state.world, user)?;
        if !state.sso.decide_device(user_code, Some(user.to_owned())) {
            return Err(HarnessError::SignIn(format!(
                "no device sign-in waits for the code {user_code}"
            )));
        }
        Ok(())
    }

    /// IAM Identity Center: denies the device sign-in showing `user_code` (the
    /// client's next CreateToken gets AccessDeniedException).
    pub fn deny_device(&self, user_code: &str) -> Result<(), HarnessError> {
        if !self.inner.state().sso.decide_device(user_code, None) {
            return Err(HarnessError::SignIn(format!(
                "no device sign-in waits for the code {user_code}"
            )));
        }
        Ok(())
    }

    /// IAM Identity Center: who is signed in to the portal in the browser that
    /// opens `/authorize` (the authorization-code flow): that user approves
    /// and the browser is redirected with a code; `None`, no one (the page
    /// refuses).
    pub fn sign_in_browser(&self, user: Option<&str>) {
        self.inner
            .state()
            .sso
            .set_browser_user(user.map(str::to_owned));
    }

    /// IAM Identity Center: approves every sign-in from now on as `user` (a
    /// device code as soon as it is issued, the browser's authorization page
    /// as [`sign_in_browser`](Self::sign_in_browser) does), for a server
    /// that no test drives (`xrole sts serve --sign-in-as`); `None` stops.
    pub fn approve_every_sign_in(&self, user: Option<&str>) -> Result<(), HarnessError> {
        let mut state = self.inner.state();
        if let Some(user) = user {
            identity_center_user(&state.world, user)?;
        }
        state.sso.set_browser_user(user.map(str::to_owned));
        state.sso.set_auto_approve(user.map(str::to_owned));
        Ok(())
    }

    /// IAM Identity Center: makes every access token issued from now on live
    /// `lifetime` (on the server's clock); `None` restores eight hours.
    pub fn set_sso_token_lifetime(&self, lifetime: Option<Duration>) {
        self.inner.state().sso.set_token_lifetime(lifetime);
    }

    /// Makes every credential issued from now on live `lifetime` (on the server's
    /// clock) whatever the requested duration; `None` restores STS's behavior.
    pub fn set_credential_lifetime(&self, lifetime: Option<Duration>) {
        self.inner.state().lifetime_override = lifetime;
    }

    /// The address requests of `principal` (an ARN, as the caller is known) appear to
    /// come from, for `aws:SourceIp` (default: the TCP peer, 127.0.0.1).
    pub fn set_source_ip(&self, principal: &str, ip: IpAddr) {
        self.inner
            .state()
            .source_ips
            .insert(principal.to_owned(), ip);
    }

    /// Delays every answer by `latency` of the server's clock.
    pub fn set_latency(&self, latency: Duration) {
        self.inner.state().faults.latency = latency;
    }

    /// Switches a full outage on or off: every request gets `ServiceUnavailable`.
    pub fn set_outage(&self, down: bool) {
        self.inner.state().faults.outage = down;
    }

    /// Answers every request with a malformed body, or stops doing so.
    pub fn set_malformed(&self, malformed: bool) {
        self.inner.state().faults.malformed = malformed;
    }

    /// Accepts at most `rps` requests per second of the server's clock; the rest get
    /// `Throttling`. `None` lifts the limit.
    pub fn set_throttle(&self, rps: Option<f64>) {
        self.inner.state().faults.throttle(rps);
    }

    /// Fails that fraction (0 to 1) of requests, evenly spread, with `code`.
    pub fn fail_rate(&self, rate: f64, code: ErrorCode) {
        self.inner.state().faults.fail_rate = (rate > 0.0).then_some((rate.min(1.0), code));
    }

    /// Fails the requests with these numbers (1-based, counted from the start).
    pub fn fail_calls(&self, calls: impl IntoIterator<Item = u64>, code: ErrorCode) {
        let mut state = self.inner.state();
        state.faults.fail_calls = calls.into_iter().collect();
        state.faults.fail_calls_code = Some(code);
    }

    /// Lifts every fault.
    pub fn clear_faults(&self) {
        self.inner.state().faults = Faults::default();
    }

    /// Decides an HTTP request signed with credentials this server issued (or a
    /// world user's key) as the service it is sent to would: each check AWS
    /// makes for it (`xrole_services::classify`) judged with the session's
    /// whole chain (identity policies, boundary, session policies, SCPs, RCPs,
    /// the resource's policy from the world, the session's tags, source
    /// identity and MFA). The signature is not checked: the request is the
    /// in-process SDK's. Each decision goes to the audit log.
    pub fn authorize_http(
        &self,
        request: &xrole_iam::services::HttpRequest<'_>,
    ) -> Result<Authorization, AuthorizeError> {
        authorize::authorize(&self.inner, request)
    }

    /// Starts recording the checks of the calls [`authorize_http`](Self::authorize_http)
    /// decides (and so of every enforced or deciding client): each distinct
    /// check with its decision and how many calls made it, at most `limit`
    /// of them (`xrole_iam::recording::DEFAULT_LIMIT` is 100,000); a recording
    /// already under way starts again.
    pub fn start_recording(&self, limit: usize) {
        self.inner.state().recording = Some(xrole_iam::recording::Recording::with_limit(limit));
    }

    /// The recording so far, if one was started; it goes on.
    pub fn recording(&self) -> Option<xrole_iam::recording::Recording> {
        self.inner.state().recording.clone()
    }

    /// The calls the audit log keeps: the last ones, up to its capacity (see
    /// [`EmbeddedStsBuilder::audit_capacity`]).
    pub fn audit(&self) -> Vec<AuditEntry> {
        self.inner.state().audit.entries().cloned().collect()
    }

    /// The kept calls of `action` (`AssumeRole`, `getSigninToken`, ...), oldest first.
    pub fn audit_of(&self, action: &str) -> Vec<AuditEntry> {
        self.inner
            .state()
            .audit
            .entries()
            .filter(|e| e.action.as_deref() == Some(action))
            .cloned()
            .collect()
    }

    /// The last kept call of `action`.
    pub fn last_audit(&self, action: &str) -> Option<AuditEntry> {
        self.inner
            .state()
            .audit
            .entries()
            .rev()
            .find(|e| e.action.as_deref() == Some(action))
            .cloned()
    }

    /// The kept call answered with `request_id`: the embedded STS's own account of
    /// a refusal, next to the error the code got. The runtime's
    /// `xrole::AccessDenied` carries the request id (`request_id`), and its
    /// `cause()` the kind the evaluator found; the entry's `detail` holds the
    /// evaluator's whole explanation.
    pub fn audit_of_request(&self, request_id: &str) -> Option<AuditEntry> {
        self.inner
            .state()
            .audit
            .entries()
            .rev()
            .find(|e| e.request_id == request_id)
            .cloned()
    }

    /// How many calls of `action` there were (failed ones included), for the
    /// operations the server knows; exact whatever the audit log's capacity.
    pub fn count(&self, action: &str) -> usize {
        self.inner.state().audit.count_action(action) as usize
    }

    /// How many calls failed with `code`; exact whatever the audit log's capacity.
    pub fn count_errors(&self, code: ErrorCode) -> usize {
        self.inner.state().audit.count_error(code.as_str()) as usize
    }

    /// How many audit entries were dropped to keep the log within its capacity
    /// (entries, and 32 MiB).
    pub fn dropped_audit_entries(&self) -> u64 {
        self.inner.state().audit.dropped()
    }

    /// About how many bytes the audit log's entries hold: at most 32 MiB,
    /// whatever callers send (each entry bounded: 64 parameters, 256 characters a
    /// value, 8 KiB of detail).
    pub fn audit_bytes(&self) -> usize {
        self.inner.state().audit.bytes()
    }

    /// How many issued sessions the server holds.
    pub fn live_sessions(&self) -> usize {
        self.inner.state().sessions.len()
    }

    /// How many requests arrived.
    pub fn calls(&self) -> u64 {
        self.inner.state().calls
    }

    /// Forgets the audit log and its counts (the call numbering goes on).
    pub fn clear_audit(&self) {
        self.inner.state().audit.clear();
    }
}
