//! Enforcement for Rust code: an HTTP client, put on a session's `SdkConfig`,
//! that has every request decided ([`authorize`](super::authorize)) before it
//! is sent. A refused request never leaves the process: it fails the way the
//! service fails it, with the service's own AccessDenied error (so the code's
//! error handling runs), its message naming the check and the audit entry that
//! explains it. An allowed request goes on to its endpoint unchanged, or, in
//! the mode that decides without sending, is answered with the service's empty
//! success.

use std::sync::Arc;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use xrole_iam::eval::Decision;
use xrole_iam::services;

use super::authorize::{Authorization, authorize};
use super::state::Inner;

/// The client that decides each request before the next one sends it.
#[derive(Clone)]
pub(crate) struct EnforcingClient {
    pub(crate) inner: Arc<Inner>,
    pub(crate) allowed: Allowed,
}

/// What becomes of an allowed request.
#[derive(Clone)]
pub(crate) enum Allowed {
    /// Sent on with this client.
    Send(SharedHttpClient),
    /// Answered in place with the service's empty success.
    Answer,
}

impl std::fmt::Debug for EnforcingClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnforcingClient").finish_non_exhaustive()
    }
}

impl HttpClient for EnforcingClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(EnforcingConnector {
            inner: self.inner.clone(),
            next: match &self.allowed {
                Allowed::Send(client) => Some(client.http_connector(settings, components)),
                Allowed::Answer => None,
            },
        })
    }
}

struct EnforcingConnector {
    inner: Arc<Inner>,
    /// `None`: allowed requests are answered in place.
    next: Option<SharedHttpConnector>,
}

impl std::fmt::Debug for EnforcingConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnforcingConnector").finish_non_exhaustive()
    }
}

impl HttpConnector for EnforcingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let headers: Vec<(&str, &str)> = request.headers().iter().collect();
        let body = request.body().bytes().unwrap_or_default();
        let view = services::HttpRequest {
            method: request.method(),
            url: request.uri(),
            headers: &headers,
            body,
        };
        // A request that cannot be decided fails, never passes unjudged.
        let decided = authorize(&self.inner, &view);
        let protocol = decided.as_ref().ok().and_then(protocol_of);
        match decided {
            Ok(a) if a.decision == Decision::Allowed => match &self.next {
                Some(next) => next.call(request),
                None => HttpConnectorFuture::ready(Ok(empty_success(&a, protocol.as_deref()))),
            },
            Ok(a) => HttpConnectorFuture::ready(Ok(denied(&a, protocol.as_deref()))),
            Err(e) => HttpConnectorFuture::ready(Err(ConnectorError::other(
                format!("xrole enforcement cannot decide the request: {e}").into(),
                None,
            ))),
        }
    }
}

/// The protocol of the decided request's service.
fn protocol_of(a: &Authorization) -> Option<String> {
    let service = a.operation.split(':').next()?;
    services::data().ok()?.model(service)?.protocol.clone()
}

/// The words of a refusal: AWS's, then xrole's (the check and where the
/// explanation is).
fn message(a: &Authorization) -> String {
    let (action, resource, why) = a.refusal().map_or(("", "", String::new()), |c| {
        let first = c
            .evaluation
            .explanation
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        (c.check.action.as_str(), c.resource.as_str(), first)
    });
    format!(
        "User: {} is not authorized to perform: {action} on resource: {resource} (xrole: {why}; EmbeddedSts::audit_of_request(\"{}\") explains it)",
        a.caller, a.request_id
    )
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The service's answer to an allowed call that was not sent: a success with
/// nothing in it, in its protocol.
fn empty_success(a: &Authorization, protocol: Option<&str>) -> HttpResponse {
    let id = &a.request_id;
    let operation = a.operation.split_once(':').map_or("", |(_, o)| o);
    let (content_type, body): (&str, Vec<u8>) = match protocol {
        Some("json") => ("application/x-amz-json-1.0", b"{}".to_vec()),
        Some("rest-json") => ("application/json", b"{}".to_vec()),
        Some("rest-xml") => ("application/xml", Vec::new()),
        // An empty CBOR map.
        Some("smithy-rpc-v2-cbor") => ("application/cbor", vec![0xa0]),
        // Query and EC2: the operation's response and result elements.
        _ => (
            "text/xml",
            format!(
                "<{operation}Response><{operation}Result/><ResponseMetadata><RequestId>{id}</RequestId></ResponseMetadata></{operation}Response>"
            )
            .into_bytes(),
        ),
    };
    answer(http::StatusCode::OK, content_type, body, id)
}

/// A response answered in place: its status, type and body, and the request id
/// under the names each protocol reads it by.
fn answer(
    status: http::StatusCode,
    content_type: &'static str,
    body: impl Into<SdkBody>,
    id: &str,
) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::from(status), body.into());
    response.headers_mut().insert("content-type", content_type);
    response
        .headers_mut()
        .insert("x-amzn-requestid", id.to_owned());
    response
        .headers_mut()
        .insert("x-amz-request-id", id.to_owned());
    response
}

/// The service's own AccessDenied answer, in its protocol.
fn denied(a: &Authorization, protocol: Option<&str>) -> HttpResponse {
    let message = message(a);
    let id = &a.request_id;
    let (status, content_type, body, extra): (
        http::StatusCode,
        &str,
        String,
        Option<(&str, &str)>,
    ) = match protocol {
        Some("rest-xml") => (
            http::StatusCode::FORBIDDEN,
            "application/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>{}</Message><RequestId>{id}</RequestId></Error>",
                xml_escape(&message)
            ),
            None,
        ),
        Some("json") => (
            http::StatusCode::BAD_REQUEST,
            "application/x-amz-json-1.0",
            serde_json::json!({"__type": "AccessDeniedException", "message": message}).to_string(),
            Some(("x-amzn-query-error", "AccessDenied;Sender")),
        ),
        Some("rest-json") => (
            http::StatusCode::FORBIDDEN,
            "application/json",
            serde_json::json!({"message": message}).to_string(),
            Some(("x-amzn-errortype", "AccessDeniedException")),
        ),
        // Query and EC2, and anything else: the Query protocol's error.
        _ => (
            http::StatusCode::FORBIDDEN,
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{}</Message></Error><RequestId>{id}</RequestId></ErrorResponse>",
                xml_escape(&message)
            ),
            None,
        ),
    };
    let mut response = answer(status, content_type, body, id);
    if let Some((name, value)) = extra {
        response.headers_mut().insert(name, value);
    }
    response
}
