//! The embedded STS: an in-process server on 127.0.0.1 that speaks the STS Query
//! protocol (`AssumeRole`, `GetCallerIdentity`, `GetSessionToken`) as the AWS SDKs
//! expect it, verifies SigV4 signatures, decides with the evaluator, validates
//! parameters as STS does, and issues credentials that work for further calls.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use xrole_test::sts::{EmbeddedSts, User, World};
//!
//! let mut world = World::new();
//! world.add_user(User::new("arn:aws:iam::111111111111:user/alice")?)?;
//! let sts = EmbeddedSts::start(world).await?;
//! let config = sts.sdk_config_for("arn:aws:iam::111111111111:user/alice").await?;
//! // aws_sdk_sts::Client::new(&config).get_caller_identity().send().await?;
//! # Ok(()) }
//! ```

mod audit;
mod auth;
mod clock;
mod error;
mod faults;
mod keys;
mod world;
mod xml;

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use xrole_core::policy::{PolicyDocument, PolicyKind};
use xrole_core::{
    AccountId, ExternalId, MfaSerial, PolicyArn, PrincipalArn, RoleArn, SessionDuration,
    SessionName, SessionTag, SessionTags, SourceIdentity, TokenCode,
};

pub use audit::AuditEntry;
pub use clock::Clock;
pub use error::ErrorCode;
pub use world::{AccessKey, Group, MfaDevice, Role, User, World, WorldError};

use crate::eval::{
    AssumeRoleCall, Caller, CompiledPolicy, Decision, Mfa, PolicySet, evaluate_assume_role,
};
use error::StsError;
use faults::{Fault, Faults};

/// Temporary credentials issued by the server.
#[derive(Clone)]
struct Session {
    secret: String,
    token: String,
    expiration: SystemTime,
    /// The session's ARN: `assumed-role/...` for a role, the user's ARN for
    /// GetSessionToken.
    arn: PrincipalArn,
    user_id: String,
    /// The role of an assumed-role session.
    role: Option<RoleArn>,
    mfa_at: Option<SystemTime>,
    source_identity: Option<String>,
    /// Principal tags: the role's tags overridden by session tags.
    tags: Vec<(String, String)>,
    /// Tags that pass on to sessions chained from this one.
    transitive: Vec<(String, String)>,
    session_policies: Vec<CompiledPolicy>,
}

#[derive(Default)]
struct State {
    world: World,
    sessions: HashMap<String, Session>,
    faults: Faults,
    audit: Vec<AuditEntry>,
    calls: u64,
    lifetime_override: Option<Duration>,
    source_ips: HashMap<String, IpAddr>,
}

struct Inner {
    clock: Clock,
    state: Mutex<State>,
}

impl Inner {
    /// The state; a panic elsewhere while holding the lock leaves usable data behind.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Errors of the harness around the server (not STS answers).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// The server could not bind or serve.
    #[error("embedded STS: {0}")]
    Io(#[from] std::io::Error),
    /// The principal is not a user of the world (only users hold access keys).
    #[error("embedded STS: {0} is not a user of the world; only users hold access keys")]
    UnknownUser(String),
    /// The principal's text is not a principal.
    #[error("embedded STS: {0}")]
    Principal(#[from] xrole_core::Error),
    /// The world was rejected.
    #[error(transparent)]
    World(#[from] WorldError),
}

/// How to start an [`EmbeddedSts`].
#[derive(Debug)]
pub struct EmbeddedStsBuilder {
    world: World,
    clock: Clock,
    port: u16,
    region: String,
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
    /// The region [`EmbeddedSts::sdk_config_for`] configures (default `us-east-1`).
    pub fn region(mut self, region: &str) -> Self {
        self.region = region.to_owned();
        self
    }
    /// Binds 127.0.0.1 and starts serving on the current tokio runtime.
    pub async fn start(self) -> Result<EmbeddedSts, HarnessError> {
        let listener =
            TcpListener::bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.port)).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            clock: self.clock,
            state: Mutex::new(State {
                world: self.world,
                ..State::default()
            }),
        });
        let serving = inner.clone();
        let task = tokio::spawn(async move {
            // Connections live in this set: aborting the accept task aborts them all.
            let mut connections = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, peer)) = listener.accept().await else {
                    continue;
                };
                let inner = serving.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let inner = inner.clone();
                        async move { Ok::<_, Infallible>(handle(&inner, req, peer).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        });
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

    /// An `SdkConfig` pointing at this server with a user's credentials, the shared
    /// clock as time source and sleep, so any AWS SDK client works against it.
    pub async fn sdk_config_for(&self, user: &str) -> Result<aws_types::SdkConfig, HarnessError> {
        let credentials = self.credentials_for(user)?;
        Ok(self
            .sdk_config_with(SharedCredentialsProvider::new(credentials))
            .await)
    }

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

    /// Changes the world while the server runs.
    pub fn update_world<T>(&self, change: impl FnOnce(&mut World) -> T) -> T {
        change(&mut self.inner.state().world)
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

    /// Every call so far.
    pub fn audit(&self) -> Vec<AuditEntry> {
        self.inner.state().audit.clone()
    }

    /// How many calls of `action` there were (failed ones included).
    pub fn count(&self, action: &str) -> usize {
        self.inner
            .state()
            .audit
            .iter()
            .filter(|e| e.action.as_deref() == Some(action))
            .count()
    }

    /// How many calls failed with `code`.
    pub fn count_errors(&self, code: ErrorCode) -> usize {
        self.inner
            .state()
            .audit
            .iter()
            .filter(|e| e.error.as_deref() == Some(code.as_str()))
            .count()
    }

    /// How many requests arrived.
    pub fn calls(&self) -> u64 {
        self.inner.state().calls
    }

    /// Forgets the audit log (the call numbering goes on).
    pub fn clear_audit(&self) {
        self.inner.state().audit.clear();
    }
}

type Answer = hyper::Response<Full<Bytes>>;

fn answer(status: http::StatusCode, body: String, now: SystemTime) -> Answer {
    let mut response = hyper::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/xml"),
    );
    // The SDKs correct their clock skew from this header: it must tell the server's
    // clock (shared with the test), not the wall clock hyper would write.
    if let Ok(date) =
        aws_smithy_types::DateTime::from(now).fmt(aws_smithy_types::date_time::Format::HttpDate)
        && let Ok(value) = http::HeaderValue::from_str(&date)
    {
        headers.insert(http::header::DATE, value);
    }
    response
}

/// Serves one request and records it.
async fn handle(inner: &Inner, req: hyper::Request<Incoming>, peer: SocketAddr) -> Answer {
    let request_id = keys::request_id();
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, 1 << 20).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let e = StsError::new(
                ErrorCode::ValidationError,
                "Request body too large or unreadable",
            );
            return answer(
                e.code.status(),
                xml::error(&e, &request_id),
                inner.clock.now(),
            );
        }
    };
    let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (call, latency, fault, now) = {
        let mut state = inner.state();
        state.calls += 1;
        let n = state.calls;
        let now = inner.clock.now();
        let fault = state.faults.decide(n, now);
        (n, state.faults.latency, fault, now)
    };
    if !latency.is_zero() {
        inner.clock.sleep(latency).await;
    }
    let mut entry = AuditEntry {
        call,
        time: now,
        request_id: request_id.clone(),
        action: param("Action").map(str::to_owned),
        caller: None,
        access_key_id: None,
        parameters: params
            .iter()
            .filter(|(k, _)| k != "Action" && k != "Version")
            .map(|(k, v)| {
                (
                    k.clone(),
                    if k == "TokenCode" {
                        "******".to_owned()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect(),
        decision: None,
        error: None,
        detail: None,
    };
    let result = match fault {
        Some(Fault::Malformed) => {
            entry.detail = Some("injected: malformed answer".into());
            inner.state().audit.push(entry);
            return answer(
                http::StatusCode::OK,
                "<AssumeRoleResponse><AssumeRoleResult><Credentials>".into(),
                inner.clock.now(),
            );
        }
        Some(Fault::Fail(code)) => {
            entry.detail = Some("injected fault".into());
            Err(StsError::of(code))
        }
        None => {
            let host = parts
                .headers
                .get(http::header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("127.0.0.1");
            let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let uri = format!("http://{host}{path}");
            let request = auth::HttpRequest {
                method: parts.method.as_str(),
                uri: &uri,
                headers: &parts.headers,
                body: &body,
                peer,
            };
            serve(inner, &request, &params, &mut entry)
        }
    };
    let (status, text) = match result {
        Ok(xml) => (http::StatusCode::OK, xml),
        Err(e) => {
            entry.error = Some(e.code.as_str().to_owned());
            if entry.detail.is_none() {
                entry.detail = Some(e.message.clone());
            }
            (e.code.status(), xml::error(&e, &request_id))
        }
    };
    let text = text.replace(REQUEST_ID_SLOT, &request_id);
    inner.state().audit.push(entry);
    answer(status, text, inner.clock.now())
}

/// Answers are built before the request id is known to them; this marks its place.
const REQUEST_ID_SLOT: &str = "\u{1}request-id\u{1}";

/// Who signed a request.
struct Principal {
    caller: Caller,
    arn: PrincipalArn,
    user_id: String,
    account: AccountId,
    policies: PolicySet,
    tags: Vec<(String, String)>,
    transitive: Vec<(String, String)>,
    mfa: Mfa,
    /// An assumed-role session: AssumeRole with it is role chaining.
    chained: bool,
    source_identity: Option<String>,
    /// The user behind long-term keys (GetSessionToken and MFA need one).
    user: Option<User>,
    long_term: bool,
}

fn authenticate(
    inner: &Inner,
    req: &auth::HttpRequest<'_>,
    now: SystemTime,
) -> Result<Principal, StsError> {
    let auth = auth::parse_authorization(req.headers)?;
    let token = req
        .headers
        .get("x-amz-security-token")
        .and_then(|v| v.to_str().ok());
    let state = inner.state();
    let principal = if let Some(session) = state.sessions.get(&auth.key_id) {
        if token != Some(session.token.as_str()) {
            return Err(StsError::of(ErrorCode::InvalidClientTokenId));
        }
        auth::verify(&auth, req, &session.secret, token, now)?;
        if now >= session.expiration {
            return Err(StsError::of(ErrorCode::ExpiredTokenException));
        }
        let account = session
            .arn
            .account()
            .ok_or_else(|| StsError::of(ErrorCode::InternalFailure))?;
        let (caller, policies, chained, user) = match &session.role {
            Some(role_arn) => {
                let (_, _, compiled) = state
                    .world
                    .role_compiled(role_arn)
                    .ok_or_else(|| StsError::of(ErrorCode::InvalidClientTokenId))?;
                let policies = PolicySet {
                    identity: compiled.identity.clone(),
                    resource: None,
                    session: session.session_policies.clone(),
                    boundaries: compiled.boundary.iter().cloned().collect(),
                };
                (
                    Caller::new(session.arn.clone()).with_role(role_arn.clone()),
                    policies,
                    true,
                    None,
                )
            }
            None => {
                let (user, compiled) = state
                    .world
                    .user_compiled(&session.arn)
                    .ok_or_else(|| StsError::of(ErrorCode::InvalidClientTokenId))?;
                let policies = PolicySet {
                    identity: compiled.identity.clone(),
                    boundaries: compiled.boundary.iter().cloned().collect(),
                    ..PolicySet::default()
                };
                (
                    Caller::new(session.arn.clone()),
                    policies,
                    false,
                    Some(user.clone()),
                )
            }
        };
        Principal {
            caller,
            arn: session.arn.clone(),
            user_id: session.user_id.clone(),
            account,
            policies,
            tags: session.tags.clone(),
            transitive: session.transitive.clone(),
            mfa: match session.mfa_at {
                Some(at) => Mfa::Present {
                    age_secs: now.duration_since(at).map_or(0, |d| d.as_secs()),
                },
                None => Mfa::Absent,
            },
            chained,
            source_identity: session.source_identity.clone(),
            user,
            long_term: false,
        }
    } else if let Some((user, compiled)) = state.world.user_by_key(&auth.key_id) {
        if token.is_some() {
            return Err(StsError::of(ErrorCode::InvalidClientTokenId));
        }
        let key = user
            .access_keys()
            .iter()
            .find(|k| k.id == auth.key_id)
            .ok_or_else(|| StsError::of(ErrorCode::InvalidClientTokenId))?;
        auth::verify(&auth, req, key.secret(), None, now)?;
        let account = user
            .arn()
            .account()
            .ok_or_else(|| StsError::of(ErrorCode::InternalFailure))?;
        Principal {
            caller: Caller::new(user.arn().clone()),
            arn: user.arn().clone(),
            user_id: user_id_of(user),
            account,
            policies: PolicySet {
                identity: compiled.identity.clone(),
                boundaries: compiled.boundary.iter().cloned().collect(),
                ..PolicySet::default()
            },
            tags: user.tags().to_vec(),
            transitive: Vec::new(),
            mfa: Mfa::LongTermKeys,
            chained: false,
            source_identity: None,
            user: Some(user.clone()),
            long_term: true,
        }
    } else {
        return Err(StsError::of(ErrorCode::InvalidClientTokenId));
    };
    if auth.service != "sts" {
        return Err(StsError::new(
            ErrorCode::SignatureDoesNotMatch,
            format!(
                "Credential should be scoped to correct service: 'sts', not '{}'.",
                auth.service
            ),
        ));
    }
    if state.world.region_disabled(principal.account, &auth.region) {
        return Err(StsError::new(
            ErrorCode::RegionDisabledException,
            format!(
                "STS is not activated in this region for account:{}. Your account administrator can activate STS in this region using the IAM Console.",
                principal.account
            ),
        ));
    }
    Ok(principal)
}

/// A stable user id (`AIDA...`) per user, derived from its ARN.
fn user_id_of(user: &User) -> String {
    let digest: u64 = user
        .arn()
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    format!("AIDA{digest:017X}")
}

/// A stable role id (`AROA...`) per role.
fn role_id_of(role: &RoleArn) -> String {
    let digest: u64 = role.as_str().bytes().fold(0x8422_2325_cbf2_9ce4, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("AROA{digest:017X}")
}

fn serve(
    inner: &Inner,
    req: &auth::HttpRequest<'_>,
    params: &[(String, String)],
    entry: &mut AuditEntry,
) -> Result<String, StsError> {
    let now = inner.clock.now();
    let action = entry.action.clone().unwrap_or_default();
    if !matches!(
        action.as_str(),
        "AssumeRole" | "GetCallerIdentity" | "GetSessionToken"
    ) {
        return Err(StsError::new(
            ErrorCode::InvalidAction,
            format!("Could not find operation {action} for version 2011-06-15"),
        ));
    }
    if let Some(version) = params
        .iter()
        .find(|(k, _)| k == "Version")
        .map(|(_, v)| v.as_str())
        && version != "2011-06-15"
    {
        return Err(StsError::new(
            ErrorCode::InvalidAction,
            format!("Could not find operation {action} for version {version}"),
        ));
    }
    let principal = authenticate(inner, req, now)?;
    entry.caller = Some(principal.arn.to_string());
    entry.access_key_id = auth::parse_authorization(req.headers)
        .ok()
        .map(|a| a.key_id);
    match action.as_str() {
        "GetCallerIdentity" => Ok(xml::response("GetCallerIdentity", REQUEST_ID_SLOT, |x| {
            x.text("Arn", principal.arn.as_str())
                .text("UserId", &principal.user_id)
                .text("Account", principal.account.as_str());
        })),
        "GetSessionToken" => get_session_token(inner, &principal, params, now),
        _ => assume_role(inner, &principal, params, now, req.peer.ip(), entry),
    }
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `Tags.member.N.Key` / `.Value`, in N order.
fn member_pairs(params: &[(String, String)], prefix: &str) -> Vec<(String, String)> {
    let mut by_index: std::collections::BTreeMap<u32, (String, String)> =
        std::collections::BTreeMap::new();
    for (k, v) in params {
        let Some(rest) = k.strip_prefix(prefix) else {
            continue;
        };
        let Some((n, field)) = rest.split_once('.') else {
            continue;
        };
        let Ok(n) = n.parse::<u32>() else { continue };
        let slot = by_index.entry(n).or_default();
        match field {
            "Key" => slot.0 = v.clone(),
            "Value" => slot.1 = v.clone(),
            _ => {}
        }
    }
    by_index.into_values().collect()
}

/// `Name.member.N` (or `.member.N.arn` for policy ARNs), in N order.
fn member_values(params: &[(String, String)], prefix: &str, suffix: &str) -> Vec<String> {
    let mut by_index: std::collections::BTreeMap<u32, String> = std::collections::BTreeMap::new();
    for (k, v) in params {
        let Some(rest) = k.strip_prefix(prefix) else {
            continue;
        };
        let rest = rest.strip_suffix(suffix).unwrap_or(rest);
        if let Ok(n) = rest.parse::<u32>() {
            by_index.insert(n, v.clone());
        }
    }
    by_index.into_values().collect()
}

fn constraint(value: &str, field: &str, e: &xrole_core::Error) -> String {
    format!(
        "Value '{value}' at '{field}' failed to satisfy constraint: {}",
        e.message()
    )
}

fn format_time(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    time::OffsetDateTime::from_unix_timestamp(secs as i64)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Issues credentials, records the session, and writes `<Credentials>`.
fn issue(inner: &Inner, session: Session, x: &mut xml::Xml, key_id: &str) {
    x.open("Credentials")
        .text("AccessKeyId", key_id)
        .text("SecretAccessKey", &session.secret)
        .text("SessionToken", &session.token)
        .text("Expiration", &format_time(session.expiration))
        .close("Credentials");
    inner.state().sessions.insert(key_id.to_owned(), session);
}

fn lifetime(inner: &Inner, requested: u64) -> Duration {
    inner
        .state()
        .lifetime_override
        .unwrap_or(Duration::from_secs(requested))
}

/// Whole seconds: credentials expire on a second boundary, as STS's do.
fn whole_seconds(t: SystemTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()))
}

fn check_mfa(
    principal: &Principal,
    params: &[(String, String)],
    problems: &mut Vec<String>,
) -> Result<bool, StsError> {
    let Some(serial) = param(params, "SerialNumber") else {
        return Ok(false);
    };
    if let Err(e) = MfaSerial::parse(serial) {
        problems.push(constraint(serial, "serialNumber", &e));
    }
    let code = param(params, "TokenCode");
    if let Some(c) = code
        && let Err(e) = TokenCode::parse(c)
    {
        problems.push(format!(
            "Value at 'tokenCode' failed to satisfy constraint: {}",
            e.message()
        ));
    }
    if !problems.is_empty() {
        return Ok(false);
    }
    let failed = || {
        StsError::new(
            ErrorCode::AccessDenied,
            "MultiFactorAuthentication failed with invalid MFA one time pass code. ",
        )
    };
    let device = principal
        .user
        .as_ref()
        .and_then(|u| u.mfa_device_for(serial))
        .ok_or_else(failed)?;
    match code {
        Some(c) if device.accepts(c) => Ok(true),
        _ => Err(failed()),
    }
}

fn get_session_token(
    inner: &Inner,
    principal: &Principal,
    params: &[(String, String)],
    now: SystemTime,
) -> Result<String, StsError> {
    if !principal.long_term {
        return Err(StsError::new(
            ErrorCode::AccessDenied,
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    let mut problems = Vec::new();
    let duration = match param(params, "DurationSeconds") {
        None => 43_200,
        Some(text) => match text.parse::<u64>() {
            Ok(n) if (900..=129_600).contains(&n) => n,
            _ => {
                problems.push(format!("Value '{text}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 129600"));
                0
            }
        },
    };
    let with_mfa = check_mfa(principal, params, &mut problems)?;
    if !problems.is_empty() {
        return Err(StsError::validation(&problems));
    }
    let key_id = keys::access_key_id("ASIA");
    let session = Session {
        secret: keys::secret_access_key(),
        token: keys::session_token(),
        expiration: whole_seconds(now + lifetime(inner, duration)),
        arn: principal.arn.clone(),
        user_id: principal.user_id.clone(),
        role: None,
        mfa_at: with_mfa.then_some(now),
        source_identity: None,
        tags: principal.tags.clone(),
        transitive: Vec::new(),
        session_policies: Vec::new(),
    };
    Ok(xml::response("GetSessionToken", REQUEST_ID_SLOT, |x| {
        issue(inner, session, x, &key_id)
    }))
}

/// How full the packed session policies and tags are, in percent. STS packs them in
/// a compressed binary form it does not document; this counts their characters
/// against a 4096-character budget, so a maximal inline policy plus a few tags fits.
fn packed_percent(policy: Option<&str>, policy_arns: &[String], tags: &[(String, String)]) -> u64 {
    let chars = policy.map_or(0, |p| p.chars().filter(|c| !c.is_whitespace()).count())
        + policy_arns.iter().map(|a| a.len()).sum::<usize>()
        + tags
            .iter()
            .map(|(k, v)| k.chars().count() + v.chars().count())
            .sum::<usize>();
    (chars as u64 * 100).div_ceil(4096)
}

fn assume_role(
    inner: &Inner,
    principal: &Principal,
    params: &[(String, String)],
    now: SystemTime,
    peer: IpAddr,
    entry: &mut AuditEntry,
) -> Result<String, StsError> {
    let mut problems = Vec::new();
    let role_text = param(params, "RoleArn");
    let role = match role_text {
        None => {
            problems.push(
                "Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
                    .to_owned(),
            );
            None
        }
        Some(t) => RoleArn::parse(t)
            .map_err(|e| problems.push(constraint(t, "roleArn", &e)))
            .ok(),
    };
    let session_name = match param(params, "RoleSessionName") {
        None => {
            problems.push("Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null".to_owned());
            None
        }
        Some(t) => SessionName::parse(t)
            .map_err(|e| problems.push(constraint(t, "roleSessionName", &e)))
            .ok(),
    };
    let duration = match param(params, "DurationSeconds") {
        None => Some(SessionDuration::DEFAULT),
        Some(t) => match t.parse::<u64>() {
            Ok(n) => SessionDuration::from_secs(n)
                .map_err(|e| problems.push(constraint(t, "durationSeconds", &e)))
                .ok(),
            Err(_) => {
                problems.push(format!("Value '{t}' at 'durationSeconds' failed to satisfy constraint: Member must be a number"));
                None
            }
        },
    };
    let external_id = param(params, "ExternalId");
    if let Some(t) = external_id
        && let Err(e) = ExternalId::parse(t)
    {
        problems.push(constraint(t, "externalId", &e));
    }
    let source_identity = param(params, "SourceIdentity");
    if let Some(t) = source_identity
        && let Err(e) = SourceIdentity::parse(t)
    {
        problems.push(constraint(t, "sourceIdentity", &e));
    }
    let tags = member_pairs(params, "Tags.member.");
    let parsed_tags: Vec<SessionTag> = tags
        .iter()
        .filter_map(|(k, v)| {
            SessionTag::new(k, v)
                .map_err(|e| {
                    problems.push(format!("Value at 'tags' failed to satisfy constraint: {e}"))
                })
                .ok()
        })
        .collect();
    if let Err(e) = SessionTags::new(parsed_tags) {
        problems.push(format!(
            "Value at 'tags' failed to satisfy constraint: {}",
            e.message()
        ));
    }
    let transitive_keys = member_values(params, "TransitiveTagKeys.member.", "");
    for key in &transitive_keys {
        if !tags.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)) {
            problems.push(format!("Value '{key}' at 'transitiveTagKeys' failed to satisfy constraint: each transitive tag key must be the key of a session tag of this call"));
        }
    }
    let policy_arns = member_values(params, "PolicyArns.member.", ".arn");
    if policy_arns.len() > 10 {
        problems.push(format!("Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10, found {}", policy_arns.len()));
    }
    let policy_text = param(params, "Policy");
    if let Some(p) = policy_text
        && p.chars().count() > 2048
    {
        problems.push("Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048".to_owned());
    }
    let with_mfa = check_mfa(principal, params, &mut problems)?;
    if !problems.is_empty() {
        return Err(StsError::validation(&problems));
    }
    let (Some(role_arn), Some(session_name), Some(duration)) = (role, session_name, duration)
    else {
        return Err(StsError::of(ErrorCode::InternalFailure));
    };

    let denied = |action: &str| {
        StsError::new(
            ErrorCode::AccessDenied,
            format!(
                "User: {} is not authorized to perform: {action} on resource: {role_arn}",
                principal.arn
            ),
        )
    };
    // Session policies: the inline document and the managed ARNs.
    let mut session_policies = Vec::new();
    if let Some(p) = policy_text {
        let doc = PolicyDocument::from_json(p)
            .map_err(|e| StsError::new(ErrorCode::MalformedPolicyDocument, e.to_string()))?;
        session_policies.push(
            CompiledPolicy::new("session policy", &doc, PolicyKind::Session)
                .map_err(|e| StsError::new(ErrorCode::MalformedPolicyDocument, e.to_string()))?,
        );
    }
    let (role_max, role_tags, trust, role_path_arn) = {
        let state = inner.state();
        for arn in &policy_arns {
            let valid = PolicyArn::parse(arn).is_ok();
            match state.world.managed(arn) {
                Some(c) if valid => session_policies.push(c.clone()),
                _ => {
                    return Err(StsError::new(
                        ErrorCode::InvalidParameterValue,
                        format!("Policy {arn} does not exist or is not attachable."),
                    ));
                }
            }
        }
        match state.world.role_compiled(&role_arn) {
            Some((r, trust, _)) => (
                r.max_session_secs(),
                r.tags().to_vec(),
                Some(trust.clone()),
                r.arn().clone(),
            ),
            // Unknown roles are denied like forbidden ones: STS does not say which.
            None => (3600, Vec::new(), None, role_arn.clone()),
        }
    };
    let Some(trust) = trust else {
        entry.decision = Some(Decision::ImplicitlyDenied);
        let err = denied("sts:AssumeRole");
        entry.detail = Some(format!(
            "{}\n{role_arn} does not exist in the world",
            err.message
        ));
        return Err(err);
    };
    if principal.chained && duration.check_chained().is_err() {
        return Err(StsError::validation(&["The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.".to_owned()]));
    }
    if duration.as_secs() > role_max {
        return Err(StsError::validation(&[
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
                .to_owned(),
        ]));
    }
    // Transitive tags of the caller's session pass on and cannot be overridden.
    for (k, _) in &tags {
        if principal
            .transitive
            .iter()
            .any(|(t, _)| t.eq_ignore_ascii_case(k))
        {
            return Err(StsError::new(
                ErrorCode::InvalidParameterValue,
                format!(
                    "One or more tags could not be set because they override transitive tag key {k} of the calling session"
                ),
            ));
        }
    }
    if let (Some(inherited), Some(requested)) = (&principal.source_identity, source_identity)
        && inherited != requested
    {
        return Err(StsError::new(
            ErrorCode::AccessDenied,
            format!(
                "SourceIdentity {inherited} of the calling session cannot be changed to {requested}"
            ),
        ));
    }
    let percent = packed_percent(policy_text, &policy_arns, &tags);
    if percent > 100 {
        return Err(StsError::new(
            ErrorCode::PackedPolicyTooLarge,
            format!(
                "Packed policy consumes {percent}% of allotted space, please use smaller policy."
            ),
        ));
    }

    // Authorization: the trust policy and the caller's identity policies, with the
    // context STS builds for each needed action.
    let source_ip = inner
        .state()
        .source_ips
        .get(principal.arn.as_str())
        .copied()
        .unwrap_or(peer);
    let now_unix = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let mfa = if with_mfa {
        Mfa::Present { age_secs: 0 }
    } else {
        principal.mfa
    };
    let mut call = AssumeRoleCall::new(
        principal.caller.clone(),
        role_path_arn.clone(),
        session_name.as_str(),
        now_unix,
    )
    .mfa(mfa)
    .source_ip(source_ip)
    .secure_transport(true);
    if let Some(id) = external_id {
        call = call.external_id(id);
    }
    for (k, v) in &principal.tags {
        call = call.principal_tag(k, v);
    }
    for (k, v) in &tags {
        call = call.tag(k, v);
    }
    for k in &transitive_keys {
        call = call.transitive_tag_key(k);
    }
    if let Some(si) = source_identity {
        call = call.source_identity(si);
    }
    let mut policies = principal.policies.clone();
    policies.resource = Some(trust);
    let evaluation = evaluate_assume_role(&call, &policies);
    entry.decision = Some(evaluation.decision);
    if let Some((action, e)) = evaluation.first_refusal() {
        let err = denied(action);
        entry.detail = Some(format!("{}\n{e}", err.message));
        return Err(err);
    }

    // Issue the session.
    let inherited_source = principal
        .source_identity
        .clone()
        .or_else(|| source_identity.map(str::to_owned));
    let mut principal_tags: Vec<(String, String)> = role_tags;
    let mut session_tags: Vec<(String, String)> = principal.transitive.clone();
    session_tags.extend(tags.iter().cloned());
    for (k, v) in &session_tags {
        principal_tags.retain(|(t, _)| !t.eq_ignore_ascii_case(k));
        principal_tags.push((k.clone(), v.clone()));
    }
    let mut transitive = principal.transitive.clone();
    transitive.extend(
        tags.iter()
            .filter(|(k, _)| transitive_keys.iter().any(|t| t.eq_ignore_ascii_case(k)))
            .cloned(),
    );
    let assumed = PrincipalArn::parse(&format!(
        "arn:{}:sts::{}:assumed-role/{}/{}",
        role_arn.partition(),
        role_arn.account(),
        role_arn.name(),
        session_name
    ))
    .map_err(|_| StsError::of(ErrorCode::InternalFailure))?;
    let user_id = format!("{}:{session_name}", role_id_of(&role_path_arn));
    let key_id = keys::access_key_id("ASIA");
    let session = Session {
        secret: keys::secret_access_key(),
        token: keys::session_token(),
        expiration: whole_seconds(now + lifetime(inner, u64::from(duration.as_secs()))),
        arn: assumed.clone(),
        user_id: user_id.clone(),
        role: Some(role_path_arn),
        // MFA carries over to chained sessions from the session it came from.
        mfa_at: match mfa {
            Mfa::Present { age_secs } => Some(now - Duration::from_secs(age_secs)),
            _ => None,
        },
        source_identity: inherited_source.clone(),
        tags: principal_tags,
        transitive,
        session_policies,
    };
    let report_packed = policy_text.is_some() || !policy_arns.is_empty() || !tags.is_empty();
    Ok(xml::response("AssumeRole", REQUEST_ID_SLOT, |x| {
        if let Some(si) = &inherited_source {
            x.text("SourceIdentity", si);
        }
        x.open("AssumedRoleUser")
            .text("Arn", assumed.as_str())
            .text("AssumedRoleId", &user_id)
            .close("AssumedRoleUser");
        issue(inner, session, x, &key_id);
        if report_packed {
            x.text("PackedPolicySize", &percent.to_string());
        }
    }))
}
