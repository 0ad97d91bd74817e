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
use xrole_iam::eval::Decision;
use xrole_iam::services;

use super::authorize::authorize;
use super::shapes::{self, Shaped};
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
        let model = decided.as_ref().ok().and_then(shapes::model_of);
        match decided {
            Ok(a) if a.decision == Decision::Allowed => match &self.next {
                Some(next) => next.call(request),
                None => HttpConnectorFuture::ready(Ok(response(shapes::empty_success(&a, model)))),
            },
            Ok(a) => HttpConnectorFuture::ready(Ok(response(shapes::denied(&a, model)))),
            Err(e) => HttpConnectorFuture::ready(Err(ConnectorError::other(
                format!("xrole enforcement cannot decide the request: {e}").into(),
                None,
            ))),
        }
    }
}

/// A shaped answer as the SDK's response.
fn response(shaped: Shaped) -> HttpResponse {
    let mut response = HttpResponse::new(StatusCode::from(shaped.status), shaped.body.into());
    response
        .headers_mut()
        .insert("content-type", shaped.content_type);
    for (name, value) in shaped.headers {
        response.headers_mut().insert(name, value);
    }
    response
}
