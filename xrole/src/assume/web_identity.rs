//! The web identity source ([`WebIdentity`]): a token read again at every refresh,
//! from a file (`AWS_WEB_IDENTITY_TOKEN_FILE`, which Kubernetes rotates), from the
//! GitHub Actions token endpoint, or from any [`IdentityTokenProvider`], traded for
//! the role's credentials with the unsigned `AssumeRoleWithWebIdentity`.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_types::SdkConfig;
use xrole_core::{RoleArn, STS_AUDIENCE};

use super::mfa::TokenError;
use crate::error::SharedSource;
use crate::https::BoundedGet;
use crate::refresh::BoxFuture;
use crate::{EnvProblem, Error};

/// STS's longest `WebIdentityToken`: a longer file or answer is refused unread.
const MAX_TOKEN_BYTES: usize = *xrole_core::WEB_IDENTITY_TOKEN_CHARS.end();
/// The most the GitHub endpoint's JSON answer may hold.
const MAX_ANSWER_BYTES: usize = 64 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// Supplies web identity tokens (OIDC ID tokens), asked at every refresh.
pub trait IdentityTokenProvider: Send + Sync {
    /// A current token.
    fn token(&self) -> BoxFuture<Result<String, TokenError>>;
}

/// Any function or closure returning a future of a token, with any error that
/// converts into [`TokenError`].
impl<F, Fut, E> IdentityTokenProvider for F
where
    F: Fn() -> Fut + Send + Sync,
    Fut: std::future::Future<Output = Result<String, E>> + Send + 'static,
    E: Into<TokenError>,
{
    fn token(&self) -> BoxFuture<Result<String, TokenError>> {
        let token = self();
        Box::pin(async move { token.await.map_err(Into::into) })
    }
}

/// Where the tokens come from.
#[derive(Clone)]
enum TokenFrom {
    File(PathBuf),
    GitHubActions {
        request_url: String,
        /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`: a secret, never shown.
        request_token: String,
        audience: String,
        client: Arc<OnceLock<BoundedGet>>,
    },
    Provider(Arc<dyn IdentityTokenProvider>),
    /// One token for every refresh (a secret, never shown).
    Fixed(Arc<str>),
}

/// What makes two web identity sources the same, as typed values: the registry
/// shares sessions on the same file or endpoint and audience (a custom provider
/// is never shared: nothing proves two are the same).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum WebIdentityKey {
    File(PathBuf),
    GitHubActions {
        request_url: String,
        audience: String,
    },
}

/// A web identity source for [`AssumeRole::assume`](crate::AssumeRole::assume):
/// the role is assumed with `AssumeRoleWithWebIdentity` (unsigned: the token is the
/// credential), and every refresh reads a new token, so rotated tokens and long
/// jobs are served by the same refresh engine, window and outage behaviour as any
/// session. Chain from the session it gives like from any other.
///
/// ```no_run
/// # async fn demo() -> Result<(), xrole::Error> {
/// use xrole::{AssumeRole, WebIdentity};
///
/// // In a GitHub Actions job with `permissions: id-token: write`:
/// let source = WebIdentity::github_actions(xrole::STS_AUDIENCE)?;
/// let deploy = AssumeRole::new("arn:aws:iam::222222222222:role/Deploy".parse()?)
///     .session_name("gha-deploy".parse()?)
///     .assume(&source)
///     .await?;
/// # let _ = deploy; Ok(()) }
/// ```
#[derive(Clone)]
pub struct WebIdentity {
    from: TokenFrom,
    base: Option<Arc<SdkConfig>>,
}

impl fmt::Debug for WebIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentity")
            .field("from", &self.describe())
            .finish_non_exhaustive()
    }
}

impl WebIdentity {
    /// Tokens read from `path` at every refresh (as Kubernetes projects and rotates
    /// a service account token).
    pub fn token_file(path: impl Into<PathBuf>) -> Self {
        Self::of(TokenFrom::File(path.into()))
    }

    /// Tokens fetched at every refresh from the GitHub Actions token endpoint, for
    /// `audience` (`sts.amazonaws.com` for AWS): the endpoint and its bearer are
    /// read now from `ACTIONS_ID_TOKEN_REQUEST_URL` and
    /// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, which GitHub sets in jobs granted
    /// `id-token: write`.
    pub fn github_actions(audience: &str) -> Result<Self, Error> {
        let var = |name: &str| {
            std::env::var(name).map_err(|_| Error::Env {
                variable: name.to_owned(),
                key: "web_identity",
                problem: EnvProblem::NotSet {
                    help: Some(
                        "the job needs `permissions: id-token: write` to request OIDC tokens",
                    ),
                },
            })
        };
        Ok(Self::github_actions_endpoint(
            &var("ACTIONS_ID_TOKEN_REQUEST_URL")?,
            &var("ACTIONS_ID_TOKEN_REQUEST_TOKEN")?,
            audience,
        ))
    }

    /// Tokens fetched from a GitHub Actions token endpoint given explicitly: `GET
    /// request_url&audience=AUDIENCE` with `Authorization: Bearer request_token`,
    /// answering `{"value": "TOKEN"}`.
    pub fn github_actions_endpoint(request_url: &str, request_token: &str, audience: &str) -> Self {
        Self::of(TokenFrom::GitHubActions {
            request_url: request_url.to_owned(),
            request_token: request_token.to_owned(),
            audience: audience.to_owned(),
            client: Arc::new(OnceLock::new()),
        })
    }

    /// The source the environment names, as AWS's SDKs and GitHub's actions read
    /// it: the file of `AWS_WEB_IDENTITY_TOKEN_FILE` when set (EKS, any
    /// Kubernetes), else the GitHub Actions endpoint with the audience
    /// `sts.amazonaws.com`.
    pub fn from_env() -> Result<Self, Error> {
        match std::env::var_os("AWS_WEB_IDENTITY_TOKEN_FILE") {
            Some(path) if !path.is_empty() => Ok(Self::token_file(path)),
            _ => Self::github_actions(STS_AUDIENCE),
        }
    }

    /// One fixed token, sent at every refresh: for tests and jobs shorter than
    /// the token's life. Once it expires, refreshes fail with STS's
    /// `ExpiredTokenException`; a rotating source (a file, GitHub's endpoint, a
    /// provider) is what long runs need.
    pub fn token(token: impl Into<String>) -> Self {
        Self::of(TokenFrom::Fixed(token.into().into()))
    }

    /// Tokens from any provider (a function returning a future of the token).
    pub fn provider(provider: impl IdentityTokenProvider + 'static) -> Self {
        Self::of(TokenFrom::Provider(Arc::new(provider)))
    }

    /// The region, STS endpoint, clock and HTTP client to call STS with (default:
    /// the process's base configuration). Its credentials are not used: the call
    /// is unsigned.
    pub fn config(mut self, base: &SdkConfig) -> Self {
        self.base = Some(Arc::new(base.clone()));
        self
    }

    fn of(from: TokenFrom) -> Self {
        Self { from, base: None }
    }

    pub(crate) fn base(&self) -> Option<&SdkConfig> {
        self.base.as_deref()
    }

    pub(crate) fn key(&self) -> Option<WebIdentityKey> {
        match &self.from {
            TokenFrom::File(p) => Some(WebIdentityKey::File(p.clone())),
            TokenFrom::GitHubActions {
                request_url,
                audience,
                ..
            } => Some(WebIdentityKey::GitHubActions {
                request_url: request_url.clone(),
                audience: audience.clone(),
            }),
            // Nothing proves two providers the same; a fixed token is a secret,
            // kept out of keys.
            TokenFrom::Provider(_) | TokenFrom::Fixed(_) => None,
        }
    }

    /// Where the tokens come from, in words (no secret).
    pub(crate) fn describe(&self) -> String {
        match &self.from {
            TokenFrom::File(p) => format!("the token file {}", p.display()),
            TokenFrom::GitHubActions { audience, .. } => {
                format!("the GitHub Actions token endpoint (audience {audience})")
            }
            TokenFrom::Provider(_) => "the identity token provider".to_owned(),
            TokenFrom::Fixed(_) => "the token given".to_owned(),
        }
    }

    /// A current token, read now.
    pub(crate) async fn read_token(&self, role: &RoleArn) -> Result<String, Error> {
        let failed = |source: TokenError| Error::WebIdentityToken {
            role: role.clone(),
            from: self.describe(),
            source: SharedSource::from_boxed(source),
        };
        let token = match &self.from {
            TokenFrom::File(path) => read_token_file(path.clone()).await,
            TokenFrom::GitHubActions {
                request_url,
                request_token,
                audience,
                client,
            } => fetch_github_token(request_url, request_token, audience, client).await,
            TokenFrom::Provider(p) => p.token().await,
            TokenFrom::Fixed(token) => Ok(token.to_string()),
        }
        .map_err(failed)?;
        let token = token.trim().to_owned();
        if token.is_empty() || token.len() > MAX_TOKEN_BYTES {
            return Err(failed(
                format!(
                    "a token must be 1 to {MAX_TOKEN_BYTES} characters, found {}",
                    token.len()
                )
                .into(),
            ));
        }
        Ok(token)
    }
}

/// The file's token, at most [`MAX_TOKEN_BYTES`], read off the async threads.
async fn read_token_file(path: PathBuf) -> Result<String, TokenError> {
    let read = move || -> Result<String, TokenError> {
        let file = std::fs::File::open(&path)?;
        let mut text = String::new();
        file.take(MAX_TOKEN_BYTES as u64 + 1)
            .read_to_string(&mut text)?;
        if text.len() > MAX_TOKEN_BYTES {
            return Err(format!("the file holds more than {MAX_TOKEN_BYTES} bytes").into());
        }
        Ok(text)
    };
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle
            .spawn_blocking(read)
            .await
            .map_err(|e| TokenError::from(e.to_string()))?,
        Err(_) => read(),
    }
}

/// GitHub's answer: `{"value": "TOKEN"}` (other fields ignored).
#[derive(serde::Deserialize)]
struct GitHubAnswer {
    value: String,
}

/// `GET request_url&audience=AUDIENCE` with the bearer, within bounds of time and
/// size; errors never repeat the bearer.
async fn fetch_github_token(
    request_url: &str,
    request_token: &str,
    audience: &str,
    client: &OnceLock<BoundedGet>,
) -> Result<String, TokenError> {
    let separator = if request_url.contains('?') { '&' } else { '?' };
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("audience", audience)
        .finish();
    let url = format!("{request_url}{separator}{query}");
    let client =
        client.get_or_init(|| BoundedGet::new(CONNECT_TIMEOUT, ANSWER_TIMEOUT, MAX_ANSWER_BYTES));
    let bearer = format!("Bearer {request_token}");
    let answer = client
        .get(
            &url,
            &[
                ("authorization", &bearer),
                ("accept", "application/json; api-version=2.0"),
            ],
        )
        .await?;
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "the endpoint refused ({}): {}",
            answer.status,
            answer.reason()
        )
        .into());
    }
    let body = answer.body;
    let answer: GitHubAnswer = serde_json::from_slice(&body)
        .map_err(|e| format!("the answer is not {{\"value\": TOKEN}}: {e}"))?;
    Ok(answer.value)
}

/// What a web identity token says of itself: its issuer, subject and audiences,
/// read from its payload without verifying it (STS verifies; this only explains
/// a refusal). Claims are no secret; the token is never kept.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenClaims {
    /// `iss`.
    pub issuer: Option<String>,
    /// `sub`.
    pub subject: Option<String>,
    /// `aud` (one or several).
    pub audiences: Vec<String>,
}

/// The claims a token's payload is read for, each value bounded.
#[derive(serde::Deserialize)]
struct Payload {
    iss: Option<String>,
    sub: Option<String>,
    #[serde(default)]
    aud: Audience,
}

#[derive(serde::Deserialize, Default)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
    #[default]
    None,
}

/// Longest claim value kept for an explanation.
const MAX_CLAIM_CHARS: usize = 256;

impl TokenClaims {
    /// The claims of `token` (`HEADER.PAYLOAD.SIGNATURE`, base64url), unverified;
    /// `None` when it is not a JWT.
    pub fn read_unverified(token: &str) -> Option<Self> {
        use base64::Engine;
        let payload = token.split('.').nth(1)?;
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        let p: Payload = serde_json::from_slice(&json).ok()?;
        let bound = |v: String| v.chars().take(MAX_CLAIM_CHARS).collect::<String>();
        Some(Self {
            issuer: p.iss.map(bound),
            subject: p.sub.map(bound),
            audiences: match p.aud {
                Audience::One(a) => vec![bound(a)],
                Audience::Many(list) => list.into_iter().take(16).map(bound).collect(),
                Audience::None => Vec::new(),
            },
        })
    }
}
