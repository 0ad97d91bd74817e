//! The gateway: every other service on the STS's own endpoint, for any program
//! that sets `AWS_ENDPOINT_URL`. Each call's SigV4 signature is verified with
//! the key this server issued ([`verify`]), the call classified and decided
//! with the session's whole chain ([`crate::authorize`]), and then refused in
//! the service's own error shape ([`crate::shapes`]) or sent on to the
//! [`Backend`], signed with the backend's credentials, its answer streamed back.
//! Bounded like the STS: a body limit per call, a budget for all the bodies
//! held at once, and the server's timeouts and connection limit.

mod backend;
mod chunked;
mod verify;

use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use tokio::sync::Semaphore;

pub use backend::{Backend, BackendError};

use crate::audit::AuditEntry;
use crate::authorize::{AuthorizeError, SignedBy, authorize_signed};
use crate::http::{BodyError, read_body};
use crate::shapes::{self, ErrorName, Shaped};
use crate::state::Inner;
use http::StatusCode;
use tokio::sync::SemaphorePermit;
use xrole_iam::eval::Decision;
use xrole_iam::keys;
use xrole_iam::services::HttpRequest;

/// The body of an answer: made in place, or the backend's, streamed.
pub(crate) type Body =
    http_body_util::combinators::BoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// A body made in place.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed()
}

/// One unit of the body budget: a kibibyte.
const BUDGET_UNIT: usize = 1024;

/// What the gateway of one server holds: where allowed calls go, and the budget
/// of the bodies it holds at once.
pub(crate) struct Gateway {
    pub(crate) backend: Option<Backend>,
    /// Kibibytes of request bodies held at once, across all calls.
    budget: Semaphore,
    budget_units: usize,
}

impl Gateway {
    pub(crate) fn new(backend: Option<Backend>, buffered_bytes: usize) -> Self {
        let units = buffered_bytes.div_ceil(BUDGET_UNIT).max(1);
        Self {
            backend,
            budget: Semaphore::new(units.min(Semaphore::MAX_PERMITS)),
            budget_units: units,
        }
    }
}

/// The service a request is signed for, when it is signed for one other than
/// STS: its `Authorization` header's credential scope, or a presigned URL's.
pub(crate) fn service_of(parts: &http::request::Parts) -> Option<String> {
    // S3's Signature Version 2 (`AWS KEY:SIG`, or `AWSAccessKeyId` and
    // `Signature` in a presigned URL) names no scope: S3's, to be refused there.
    if verify::is_sigv2(&parts.headers, parts.uri.query().unwrap_or_default()) {
        return Some("s3".to_owned());
    }
    let scope = match parts.headers.get(http::header::AUTHORIZATION) {
        Some(value) => value
            .to_str()
            .ok()?
            .split("Credential=")
            .nth(1)?
            .split([',', ' '])
            .next()?
            .to_owned(),
        None => form_urlencoded::parse(parts.uri.query()?.as_bytes())
            .find(|(name, _)| name == "X-Amz-Credential")?
            .1
            .into_owned(),
    };
    let service = scope.split('/').nth(3)?;
    (service != "sts").then(|| service.to_owned())
}

/// An answer made in place.
fn answer(shaped: Shaped) -> hyper::Response<Body> {
    let mut response = hyper::Response::new(full(shaped.body));
    *response.status_mut() = shaped.status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(shaped.content_type),
    );
    for (name, value) in shaped.headers {
        if let Ok(v) = http::HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    response
}

/// Why the gateway answers a call itself with an error, in the words the STS
/// uses for its own.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub(crate) status: StatusCode,
    pub(crate) name: ErrorName,
    pub(crate) message: String,
    /// The service it was signed for, when its scope says.
    pub(crate) service: Option<String>,
}

impl Refusal {
    pub(crate) fn new(status: StatusCode, name: ErrorName, message: String, service: &str) -> Self {
        Self {
            status,
            name,
            message,
            service: Some(service.to_owned()),
        }
    }
}

/// The service's error answer, recorded in the audit log.
fn refuse(inner: &Inner, mut entry: AuditEntry, refusal: Refusal) -> hyper::Response<Body> {
    let Refusal {
        status,
        name,
        message,
        service,
    } = refusal;
    let shaped = shapes::error(
        service.as_deref().and_then(shapes::model_of_service),
        status,
        name,
        &message,
        &entry.request_id,
    );
    entry.error = Some(name.code.to_owned());
    entry.detail = Some(message);
    inner.state().audit.push(entry);
    answer(shaped)
}

/// A call's body, read within the gateway's limit for one call and the
/// budget for all held at once; the permit holds its share of the budget.
async fn read_bounded<'a>(
    inner: &'a Inner,
    parts: &http::request::Parts,
    body: Incoming,
    service: &str,
) -> Result<(Bytes, SemaphorePermit<'a>), Refusal> {
    let limit = inner.limits.gateway_body_bytes;
    let timeout = inner.limits.body_timeout;
    let too_large = |message| {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorName::TOO_LARGE,
            message,
            service,
        )
    };
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large(format!(
            "The gateway takes request bodies of at most {limit} bytes."
        )));
    }
    // Hold a share of the budget for the body before reading it, for as long
    // as the call lasts: all the bodies held at once stay within the budget.
    let gateway = &inner.gateway;
    let units = declared
        .unwrap_or(limit)
        .div_ceil(BUDGET_UNIT)
        .clamp(1, gateway.budget_units);
    let acquire = gateway
        .budget
        .acquire_many(u32::try_from(units).unwrap_or(u32::MAX));
    let Ok(Ok(permit)) = tokio::time::timeout(timeout, acquire).await else {
        let message = "The gateway holds as many request bodies as it may; try again.";
        return Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorName::UNAVAILABLE,
            message.to_owned(),
            service,
        ));
    };
    match read_body(body, limit, timeout).await {
        Ok(bytes) => Ok((bytes, permit)),
        Err(BodyError::TooLarge) => Err(too_large(format!(
            "The request body is larger than the gateway's {limit} bytes, or unreadable."
        ))),
        Err(BodyError::Late) => {
            let message = format!("The request body did not arrive within {timeout:?}.");
            Err(Refusal::new(
                StatusCode::REQUEST_TIMEOUT,
                ErrorName::BAD_REQUEST,
                message,
                service,
            ))
        }
    }
}

/// Serves one call to a service other than STS, signed for `service`.
pub(crate) async fn handle(
    shared: Arc<Inner>,
    parts: http::request::Parts,
    body: Incoming,
    service: String,
) -> hyper::Response<Body> {
    let inner: &Inner = &shared;
    let now = inner.clock.now();
    let request_id = keys::request_id();
    let mut entry = AuditEntry::new(0, now, request_id.clone());
    entry.action = Some(format!("{service}:?"));
    let (body, _permit) = match read_bounded(inner, &parts, body, &service).await {
        Ok(read) => read,
        Err(refusal) => return refuse(inner, entry, refusal),
    };
    let uri = crate::http::addressed_uri(&parts);
    // Hashing a large body is work done off the async threads.
    let verified = if body.len() > 256 * 1024 {
        let (shared, method, headers, uri, body) = (
            shared.clone(),
            parts.method.clone(),
            parts.headers.clone(),
            uri.clone(),
            body.clone(),
        );
        tokio::task::spawn_blocking(move || {
            verify::verify(&shared, method.as_str(), &uri, &headers, &body, now)
        })
        .await
        .unwrap_or_else(|_| {
            let message = "The signature could not be checked.".to_owned();
            Err(Refusal::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorName::UNAVAILABLE,
                message,
                &service,
            ))
        })
    } else {
        verify::verify(
            inner,
            parts.method.as_str(),
            &uri,
            &parts.headers,
            &body,
            now,
        )
    };
    let verified = match verified {
        Ok(v) => v,
        Err(e) => {
            entry.access_key_id = None;
            return refuse(inner, entry, e);
        }
    };
    let mut headers: Vec<(&str, &str)> = parts
        .headers
        .iter()
        .filter_map(|(n, v)| Some((n.as_str(), v.to_str().ok()?)))
        .collect();
    // A presigned URL's time is in its query; the request's time is a condition value.
    if !parts.headers.contains_key("x-amz-date") {
        headers.push(("x-amz-date", &verified.time));
    }
    // Classified as signed: a presigned URL's parameters are how S3's
    // `s3:authType` and `s3:signatureversion` are read.
    let view = HttpRequest {
        method: parts.method.as_str(),
        url: &uri,
        headers: &headers,
        body: &verified.payload,
    };
    let signed = SignedBy {
        key_id: &verified.auth.key_id,
        token: verified.token.as_deref(),
        region: &verified.auth.region,
        service: &verified.auth.service,
    };
    let decided = match authorize_signed(inner, &view, signed) {
        Ok(a) => a,
        Err(e) => {
            entry.access_key_id = Some(verified.auth.key_id.clone());
            let status = match e {
                AuthorizeError::UnknownKey(_) => http::StatusCode::FORBIDDEN,
                _ => http::StatusCode::BAD_REQUEST,
            };
            // A call that cannot be decided is refused, never sent unjudged.
            let message = format!("xrole cannot decide this call, so it is refused: {e}");
            return refuse(
                inner,
                entry,
                Refusal::new(status, ErrorName::ACCESS_DENIED, message, &service),
            );
        }
    };
    let model = shapes::model_of(&decided);
    if decided.decision != Decision::Allowed {
        return answer(shapes::denied(&decided, model));
    }
    let Some(backend) = &inner.gateway.backend else {
        let message = format!(
            "xrole allowed {} ({}) but has no backend to send it to (xrole sts serve --backend URL).",
            decided.operation, decided.request_id
        );
        return answer(shapes::error(
            model,
            http::StatusCode::NOT_IMPLEMENTED,
            ErrorName::NOT_IMPLEMENTED,
            &message,
            &decided.request_id,
        ));
    };
    let service_model = decided.operation.split(':').next().unwrap_or(&service);
    match backend
        .forward(&parts.method, &parts.headers, &verified, service_model)
        .await
    {
        Ok(response) => response.map(|b| b.map_err(Into::into).boxed()),
        Err(e) => {
            let status = if matches!(e, backend::ForwardError::Timeout(..)) {
                http::StatusCode::GATEWAY_TIMEOUT
            } else {
                http::StatusCode::BAD_GATEWAY
            };
            answer(shapes::error(
                model,
                status,
                ErrorName::UNAVAILABLE,
                &format!("xrole allowed {} but {e}", decided.operation),
                &decided.request_id,
            ))
        }
    }
}
