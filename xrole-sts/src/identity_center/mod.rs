//! IAM Identity Center on the embedded STS's endpoint, for the world's
//! instance (`identityCenter`): SSO OIDC (`oidc.rs`: RegisterClient,
//! StartDeviceAuthorization, CreateToken for the device-code,
//! authorization-code and refresh-token grants, and the browser's
//! `/authorize`) and the access portal (`portal.rs`: GetRoleCredentials,
//! ListAccounts, ListAccountRoles, Logout). Point the SDKs at it with
//! `AWS_ENDPOINT_URL_SSO_OIDC` and `AWS_ENDPOINT_URL_SSO`.
//!
//! What a person does in a browser, a test does through the harness: approve a
//! device code ([`EmbeddedSts::approve_device`](crate::EmbeddedSts::approve_device))
//! or be signed in to the portal when `/authorize` is opened
//! ([`EmbeddedSts::sign_in_browser`](crate::EmbeddedSts::sign_in_browser)).
//!
//! Every table is bounded ([`MAX_ENTRIES`]); expired entries go first.

mod oidc;
mod portal;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use hyper::body::Incoming;

use super::audit::AuditEntry;
use super::gateway;
use super::state::Inner;
use xrole_iam::keys;

/// The most clients, device codes, authorization codes and tokens kept each.
pub(crate) const MAX_ENTRIES: usize = 10_000;
/// The largest request body read: SSO OIDC's requests are a few hundred bytes.
const MAX_BODY_BYTES: usize = 64 * 1024;
/// How long an access token lasts unless the test says otherwise.
pub(crate) const TOKEN_LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// How long a registered client lasts (SSO OIDC's 90 days).
const CLIENT_LIFETIME: Duration = Duration::from_secs(90 * 86_400);
/// How long a device code or an authorization code waits for its approval.
const CODE_LIFETIME: Duration = Duration::from_secs(600);
/// The interval a device-code client must wait between polls.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// A registered client.
struct Client {
    secret: String,
    grants: Vec<String>,
    redirects: Vec<String>,
    scopes: Vec<String>,
    expires: SystemTime,
}

/// What became of a device code.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Approval {
    Pending,
    Approved(String),
    Denied,
}

/// A device authorization waiting for its user.
struct Device {
    client_id: String,
    user_code: String,
    expires: SystemTime,
    approval: Approval,
    last_poll: Option<SystemTime>,
}

/// An authorization code the browser's redirect carried.
struct Code {
    client_id: String,
    user: String,
    redirect_uri: String,
    challenge: String,
    expires: SystemTime,
}

/// An access token: whose, until when.
struct Token {
    user: String,
    expires: SystemTime,
}

/// A refresh token: for which client and user.
struct Refresh {
    client_id: String,
    user: String,
}

/// Identity Center's part of the server's state.
#[derive(Default)]
pub(crate) struct SsoState {
    clients: HashMap<String, Client>,
    devices: HashMap<String, Device>,
    codes: HashMap<String, Code>,
    tokens: HashMap<String, Token>,
    refresh: HashMap<String, Refresh>,
    /// Who is signed in to the portal in the test's "browser".
    browser_user: Option<String>,
    /// The access tokens' lifetime, when the test shortened it.
    token_lifetime: Option<Duration>,
    /// Who approves every device code as soon as it is issued.
    auto_approve: Option<String>,
}

/// Whether `table` has room for one more entry once the expired ones
/// (`expired`) are dropped.
fn room<V>(table: &mut HashMap<String, V>, expired: impl Fn(&V) -> bool) -> bool {
    if table.len() >= MAX_ENTRIES {
        table.retain(|_, v| !expired(v));
    }
    table.len() < MAX_ENTRIES
}

impl SsoState {
    pub(crate) fn token_lifetime(&self) -> Duration {
        self.token_lifetime.unwrap_or(TOKEN_LIFETIME)
    }

    pub(crate) fn set_token_lifetime(&mut self, lifetime: Option<Duration>) {
        self.token_lifetime = lifetime;
    }

    pub(crate) fn set_browser_user(&mut self, user: Option<String>) {
        self.browser_user = user;
    }

    pub(crate) fn set_auto_approve(&mut self, user: Option<String>) {
        self.auto_approve = user;
    }

    /// How a new device code starts: approved when someone approves them all.
    fn first_approval(&self) -> Approval {
        match &self.auto_approve {
            Some(user) => Approval::Approved(user.clone()),
            None => Approval::Pending,
        }
    }

    /// Approves (or denies) the device authorization whose user code is
    /// `user_code`, as `user` would in a browser; false when there is none.
    pub(crate) fn decide_device(&mut self, user_code: &str, approval: Option<String>) -> bool {
        match self.devices.values_mut().find(|d| d.user_code == user_code) {
            Some(device) => {
                device.approval = match approval {
                    Some(user) => Approval::Approved(user),
                    None => Approval::Denied,
                };
                true
            }
            None => false,
        }
    }

    /// A new access token (and refresh token) for `user`, registered.
    fn issue_token(
        &mut self,
        client_id: &str,
        user: &str,
        now: SystemTime,
    ) -> Option<(String, String, Duration)> {
        let lifetime = self.token_lifetime();
        if !room(&mut self.tokens, |t| t.expires <= now) {
            return None;
        }
        // A full table of refresh tokens gives one place: its holder signs in
        // again, rather than every sign-in being refused from then on.
        if self.refresh.len() >= MAX_ENTRIES
            && let Some(one) = self.refresh.keys().next().cloned()
        {
            self.refresh.remove(&one);
        }
        let access = format!("aoa{}", keys::secret_access_key());
        let refresh = format!("aor{}", keys::secret_access_key());
        self.tokens.insert(
            access.clone(),
            Token {
                user: user.to_owned(),
                expires: now + lifetime,
            },
        );
        self.refresh.insert(
            refresh.clone(),
            Refresh {
                client_id: client_id.to_owned(),
                user: user.to_owned(),
            },
        );
        Some((access, refresh, lifetime))
    }

    /// The user of a live access token.
    fn user_of(&self, token: &str, now: SystemTime) -> Option<&str> {
        self.tokens
            .get(token)
            .filter(|t| t.expires > now)
            .map(|t| t.user.as_str())
    }
}

/// The server's answer.
pub(crate) type Answer = hyper::Response<gateway::Body>;

/// An error of a restJson service: its name in `x-amzn-errortype`.
pub(super) fn error(status: u16, name: &str, body: serde_json::Value) -> Answer {
    let mut response = json(body);
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST);
    if let Ok(v) = http::HeaderValue::from_str(name) {
        response.headers_mut().insert("x-amzn-errortype", v);
    }
    response
}

/// A JSON answer.
pub(super) fn json(body: serde_json::Value) -> Answer {
    let mut response = hyper::Response::new(gateway::full(body.to_string()));
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// Which of Identity Center's operations a request is, by its method and path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operation {
    RegisterClient,
    StartDeviceAuthorization,
    CreateToken,
    Authorize,
    GetRoleCredentials,
    ListAccounts,
    ListAccountRoles,
    Logout,
}

impl Operation {
    /// The operation a request is, if it is one of Identity Center's.
    pub(crate) fn of(method: &http::Method, path: &str) -> Option<Self> {
        let post = method == http::Method::POST;
        let get = method == http::Method::GET;
        Some(match path {
            "/client/register" if post => Self::RegisterClient,
            "/device_authorization" if post => Self::StartDeviceAuthorization,
            "/token" if post => Self::CreateToken,
            "/authorize" if get => Self::Authorize,
            "/federation/credentials" if get => Self::GetRoleCredentials,
            "/assignment/accounts" if get => Self::ListAccounts,
            "/assignment/roles" if get => Self::ListAccountRoles,
            "/logout" if post => Self::Logout,
            _ => return None,
        })
    }

    /// Its name in the audit log (`sso-oauth:CreateToken`, `sso:Logout`).
    fn action(self) -> &'static str {
        match self {
            Self::RegisterClient => "sso-oauth:RegisterClient",
            Self::StartDeviceAuthorization => "sso-oauth:StartDeviceAuthorization",
            Self::CreateToken => "sso-oauth:CreateToken",
            Self::Authorize => "sso-oauth:Authorize",
            Self::GetRoleCredentials => "sso:GetRoleCredentials",
            Self::ListAccounts => "sso:ListAccounts",
            Self::ListAccountRoles => "sso:ListAccountRoles",
            Self::Logout => "sso:Logout",
        }
    }
}

/// Serves one of Identity Center's requests and records it.
pub(crate) async fn handle(
    shared: Arc<Inner>,
    parts: http::request::Parts,
    body: Incoming,
    operation: Operation,
) -> Answer {
    let inner: &Inner = &shared;
    let now = inner.clock.now();
    let mut entry = {
        let mut state = inner.state();
        state.calls += 1;
        AuditEntry::new(state.calls, now, keys::request_id())
    };
    entry.action = Some(operation.action().to_owned());
    let body: Bytes = match crate::http::read_body(body, MAX_BODY_BYTES, inner.limits.body_timeout)
        .await
    {
        Ok(b) => b,
        Err(_) => {
            entry.error = Some("InvalidRequestException".into());
            inner.state().audit.push(entry);
            return error(
                400,
                "InvalidRequestException",
                serde_json::json!({"error": "invalid_request",
                        "error_description": format!("the body is over {MAX_BODY_BYTES} bytes or late")}),
            );
        }
    };
    let answer = if inner.state().world.identity_center().is_none() {
        error(
            404,
            "ResourceNotFoundException",
            serde_json::json!({"message": "this world has no IAM Identity Center instance (identityCenter)"}),
        )
    } else {
        match operation {
            Operation::GetRoleCredentials
            | Operation::ListAccounts
            | Operation::ListAccountRoles
            | Operation::Logout => portal::handle(inner, &parts, operation, now, &mut entry),
            _ => oidc::handle(inner, &parts, &body, operation, now, &mut entry),
        }
    };
    if !answer.status().is_success() && !answer.status().is_redirection() {
        entry.error = answer
            .headers()
            .get("x-amzn-errortype")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
    }
    inner.state().audit.push(entry);
    answer
}

/// The body read as a JSON object (an empty body is an empty object).
pub(super) fn body_json(body: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Some(serde_json::Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A query string's parameters.
pub(super) fn query_of(parts: &http::request::Parts) -> HashMap<String, String> {
    form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}
