//! Where the gateway sends the calls it allows: a backend endpoint (moto,
//! LocalStack, a service's own endpoint), each call signed again there with the
//! backend's credentials, its answer streamed back as it comes.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sigv4::http_request::{PayloadChecksumKind, SignableBody, SignableRequest, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::verify::{Verified, is_s3, settings_for};

/// How long the backend has to start its answer, by default.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Headers of one hop, or of the client's signature and framing: never sent on
/// (the backend's signature and framing replace them).
const NOT_FORWARDED: [&str; 15] = [
    "host",
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "content-length",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
];

/// Headers of an `aws-chunked` body's framing: its payload goes on whole.
const CHUNKED_FRAMING: [&str; 2] = ["x-amz-decoded-content-length", "x-amz-trailer"];

/// An answer's headers of one hop, not passed back.
const HOP_BY_HOP: [&str; 6] = [
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
];

/// A backend the gateway forwards allowed calls to: where (one URL, or each
/// service's own endpoint in AWS), and the credentials calls are signed with
/// there.
#[derive(Clone)]
pub struct Backend {
    target: Target,
    credentials: SharedCredentialsProvider,
    timeout: Duration,
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// Where the calls go.
#[derive(Clone, Debug)]
enum Target {
    /// One endpoint for every service (moto, LocalStack).
    Url(http::Uri),
    /// Each call to its service's endpoint in its region, in AWS.
    Aws,
}

impl fmt::Debug for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Backend")
            .field("target", &self.target)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// Why a backend cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// The URL is not `http://HOST[:PORT]` or `https://HOST[:PORT]`.
    #[error("the backend URL {0:?} is not http(s)://HOST[:PORT]")]
    Url(String),
    /// The system's certificate roots cannot be read.
    #[error("the backend's TLS roots cannot be read")]
    Tls(#[source] std::io::Error),
}

/// Why a call could not be sent on, or its answer not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ForwardError {
    #[error("the backend's credentials cannot be resolved: {0}")]
    Credentials(String),
    #[error("the call cannot be signed for the backend: {0}")]
    Sign(String),
    #[error("the backend at {0} cannot be reached: {1}")]
    Unreachable(String, String),
    #[error("the backend at {0} did not answer within {1:?}")]
    Timeout(String, Duration),
    #[error("no endpoint of {0} in {1} is known")]
    NoEndpoint(String, String),
}

impl Backend {
    /// A backend at `url` (`http://127.0.0.1:5000`, `https://s3.amazonaws.com`),
    /// whose calls are signed with `credentials` (the gateway process's default
    /// chain, for the `xrole` command).
    pub fn new(
        url: &str,
        credentials: impl ProvideCredentials + 'static,
    ) -> Result<Self, BackendError> {
        let bad = || BackendError::Url(url.chars().take(200).collect());
        let base: http::Uri = url.trim_end_matches('/').parse().map_err(|_| bad())?;
        let plain_path = base.path().is_empty() || base.path() == "/";
        if !matches!(base.scheme_str(), Some("http" | "https"))
            || base.authority().is_none()
            || !plain_path
            || base.query().is_some()
        {
            return Err(bad());
        }
        Self::to(Target::Url(base), credentials)
    }

    /// AWS itself: each call sent to its service's endpoint in the region it
    /// was signed for (`https://dynamodb.eu-west-1.amazonaws.com`, S3
    /// path-style), signed with `credentials`.
    pub fn aws(credentials: impl ProvideCredentials + 'static) -> Result<Self, BackendError> {
        Self::to(Target::Aws, credentials)
    }

    fn to(
        target: Target,
        credentials: impl ProvideCredentials + 'static,
    ) -> Result<Self, BackendError> {
        // Small writes go at once: a request's headers and body are two.
        let mut http = HttpConnector::new();
        http.set_nodelay(true);
        http.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
            .map_err(BackendError::Tls)?
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(Self {
            target,
            credentials: SharedCredentialsProvider::new(credentials),
            timeout: DEFAULT_TIMEOUT,
            client,
        })
    }

    /// How long the backend has to start each answer (default 60 s); a call it
    /// does not answer in time is answered with the service's 503.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The backend's URL; `None` for AWS's own endpoints.
    pub fn url(&self) -> Option<String> {
        match &self.target {
            Target::Url(base) => Some(base.to_string().trim_end_matches('/').to_owned()),
            Target::Aws => None,
        }
    }

    /// Where a call to `service` (botocore's name) signed for `region` goes.
    fn base_for(&self, service: &str, region: &str) -> Result<String, ForwardError> {
        match &self.target {
            Target::Url(base) => Ok(base.to_string().trim_end_matches('/').to_owned()),
            Target::Aws => xrole_iam::services::data()
                .ok()
                .and_then(|data| xrole_iam::services::endpoint(data, service, region))
                .ok_or_else(|| ForwardError::NoEndpoint(service.to_owned(), region.to_owned())),
        }
    }

    /// Sends `verified` (its method and headers as the client sent them), a
    /// call to `service` (botocore's name), on, signed with the backend's
    /// credentials, and returns the answer as it starts.
    pub(crate) async fn forward(
        &self,
        method: &http::Method,
        headers: &HeaderMap,
        verified: &Verified,
        service_model: &str,
    ) -> Result<http::Response<Incoming>, ForwardError> {
        let path = verified
            .uri
            .split_once("://")
            .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
            .unwrap_or("/");
        let target = self.base_for(service_model, &verified.auth.region)?;
        let uri = format!("{target}{path}");
        let mut sent = HeaderMap::new();
        for (name, value) in headers {
            let name_text = name.as_str();
            if NOT_FORWARDED.contains(&name_text)
                || (verified.chunked && CHUNKED_FRAMING.contains(&name_text))
            {
                continue;
            }
            if verified.chunked && name == http::header::CONTENT_ENCODING {
                // `aws-chunked` was the framing, read here; any other coding stays.
                let rest: Vec<&str> = value
                    .to_str()
                    .unwrap_or_default()
                    .split(',')
                    .map(str::trim)
                    .filter(|c| !c.is_empty() && !c.eq_ignore_ascii_case("aws-chunked"))
                    .collect();
                if let Ok(v) = HeaderValue::from_str(&rest.join(","))
                    && !rest.is_empty()
                {
                    sent.append(name.clone(), v);
                }
                continue;
            }
            sent.append(name.clone(), value.clone());
        }
        // The trailing checksum of a chunked body travels as a header.
        for (name, value) in &verified.trailers {
            if let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                sent.insert(n, v);
            }
        }
        let credentials = self
            .credentials
            .provide_credentials()
            .await
            .map_err(|e| ForwardError::Credentials(e.to_string()))?;
        let service = verified.auth.service.as_str();
        let mut settings = settings_for(service);
        if is_s3(service) {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let identity: Identity = credentials.into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&verified.auth.region)
            .name(service)
            // The backend checks the wall clock, not the one a test may set.
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| ForwardError::Sign(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            method.as_str(),
            &uri,
            sent.iter()
                .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?))),
            SignableBody::Bytes(&verified.payload),
        )
        .map_err(|e| ForwardError::Sign(e.to_string()))?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| ForwardError::Sign(e.to_string()))?
            .into_parts();
        let mut request = http::Request::builder()
            .method(method.clone())
            .uri(&uri)
            .body(Full::new(verified.payload.clone()))
            .map_err(|e| ForwardError::Sign(e.to_string()))?;
        *request.headers_mut() = sent;
        instructions.apply_to_request_http1x(&mut request);
        match tokio::time::timeout(self.timeout, self.client.request(request)).await {
            Ok(Ok(mut response)) => {
                for name in HOP_BY_HOP {
                    response.headers_mut().remove(name);
                }
                Ok(response)
            }
            Ok(Err(e)) => Err(ForwardError::Unreachable(target, error_chain(&e))),
            Err(_) => Err(ForwardError::Timeout(target, self.timeout)),
        }
    }
}

/// An error with its sources, for one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
