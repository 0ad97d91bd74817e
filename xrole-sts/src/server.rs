//! The HTTP side: the shared bounded loop ([`crate::http`]) with the server's
//! limits, and each request read within bounds (body timeout, size), decoded,
//! answered and recorded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http_body_util::BodyExt;

use crate::http::BodyError;
use hyper::body::Incoming;
use tokio::net::TcpListener;
use xrole_core::FederationEndpoint;

use super::actions;
use super::audit::AuditEntry;
use super::auth;
use super::error::{ErrorCode, StsError};
use super::faults::Fault;
use super::federation;
use super::gateway;
use super::identity_center;
use super::ops::{self, REQUEST_ID_SLOT};
use super::query::{MAX_BODY_BYTES, Query, echo};
use super::state::Inner;
use super::xml;
use xrole_iam::keys;

/// Time a new connection has to start its first request (at most the header
/// timeout): an SDK sends as soon as it connects.
const FIRST_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves connections until the task is aborted, within the server's limits.
pub(crate) async fn run(listener: TcpListener, inner: Arc<Inner>) {
    let bounds = crate::http::Bounds {
        max_connections: inner.limits.max_connections,
        header_timeout: inner.limits.header_timeout,
        first_request_timeout: inner.limits.header_timeout.min(FIRST_REQUEST_TIMEOUT),
    };
    crate::http::serve(listener, bounds, move |req, peer| {
        let inner = inner.clone();
        async move { handle(inner, req, peer).await }
    })
    .await;
}

type Answer = hyper::Response<gateway::Body>;

fn answer(status: http::StatusCode, body: String, now: SystemTime) -> Answer {
    let mut response = hyper::Response::new(gateway::full(body));
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

/// An error answer for a request that could not be read: the connection closes.
fn unreadable(inner: &Inner, e: &StsError, request_id: &str) -> Answer {
    let mut response = answer(
        e.code.status(),
        xml::error(e, request_id),
        inner.clock.now(),
    );
    response.headers_mut().insert(
        http::header::CONNECTION,
        http::HeaderValue::from_static("close"),
    );
    response
}

/// Serves one request and records it.
async fn handle(shared: Arc<Inner>, req: hyper::Request<Incoming>, peer: SocketAddr) -> Answer {
    let inner: &Inner = &shared;
    let request_id = keys::request_id();
    let (parts, body) = req.into_parts();
    if parts.uri.path() == FederationEndpoint::PATH {
        return federation::handle(inner, &parts.method, parts.uri.query())
            .map(|b| b.map_err(|never| match never {}).boxed());
    }
    // Signed for another service: the gateway's.
    if let Some(service) = gateway::service_of(&parts) {
        return gateway::handle(shared, parts, body, service).await;
    }
    // IAM Identity Center's unsigned calls, by their paths.
    if let Some(operation) = identity_center::Operation::of(&parts.method, parts.uri.path()) {
        return identity_center::handle(shared, parts, body, operation).await;
    }
    let body = match crate::http::read_body(body, MAX_BODY_BYTES, inner.limits.body_timeout).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            let e = StsError::new(
                ErrorCode::ValidationError,
                format!("The request body is larger than {MAX_BODY_BYTES} bytes, or unreadable."),
            );
            return unreadable(inner, &e, &request_id);
        }
        Err(BodyError::Late) => {
            let e = StsError::new(
                ErrorCode::ValidationError,
                "The request body did not arrive in time.",
            );
            return unreadable(inner, &e, &request_id);
        }
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
    let query = Query::decode(parts.uri.query(), &body);
    // Until the caller is authenticated the log keeps a summary of the request, never
    // its parameters: an anonymous sender cannot grow the server.
    let mut entry = AuditEntry::new(call, now, request_id.clone());
    entry.action = query
        .as_ref()
        .ok()
        .and_then(|q| q.get("Action"))
        .map(|a| echo(a).into_owned());
    let result = match (fault, query) {
        (Some(Fault::Malformed), _) => {
            entry.detail = Some("injected: malformed answer".into());
            inner.state().audit.push(entry);
            return answer(
                http::StatusCode::OK,
                "<AssumeRoleResponse><AssumeRoleResult><Credentials>".into(),
                inner.clock.now(),
            );
        }
        (Some(Fault::Fail(code)), _) => {
            entry.detail = Some("injected fault".into());
            Err(StsError::of(code))
        }
        (None, Err(e)) => Err(e),
        (None, Ok(query)) => {
            let parameters = query.len();
            let uri = crate::http::addressed_uri(&parts);
            let served = if query.get("Action") == Some(actions::UNSIGNED_ACTION) {
                // Its token's signature is checked with an RSA or EC key: work
                // done off the async threads, so that a flood of bad tokens
                // delays no other caller.
                let (shared, method, headers, body, uri) = (
                    shared.clone(),
                    parts.method.clone(),
                    parts.headers.clone(),
                    body.clone(),
                    uri.clone(),
                );
                let mut moved =
                    std::mem::replace(&mut entry, AuditEntry::new(0, now, String::new()));
                let blocking = tokio::task::spawn_blocking(move || {
                    let request = auth::HttpRequest {
                        method: method.as_str(),
                        uri: &uri,
                        headers: &headers,
                        body: &body,
                        peer,
                    };
                    let served = ops::serve(&shared, &request, &query, &mut moved);
                    (served, moved)
                })
                .await;
                match blocking {
                    Ok((served, back)) => {
                        entry = back;
                        served
                    }
                    Err(_) => Err(StsError::of(ErrorCode::InternalFailure)),
                }
            } else {
                let request = auth::HttpRequest {
                    method: parts.method.as_str(),
                    uri: &uri,
                    headers: &parts.headers,
                    body: &body,
                    peer,
                };
                ops::serve(inner, &request, &query, &mut entry)
            };
            served.inspect_err(|e| {
                if entry.caller.is_none() {
                    entry.detail = Some(format!(
                        "{} (not authenticated: {} {}, {} body bytes, {} parameters)",
                        e.message,
                        parts.method,
                        echo(parts.uri.path()),
                        body.len(),
                        parameters
                    ));
                }
            })
        }
    };
    let (status, text, denial) = match result {
        Ok(xml) => (http::StatusCode::OK, xml, None),
        Err(e) => {
            entry.error = Some(e.code.as_str().to_owned());
            if entry.detail.is_none() {
                entry.detail = Some(e.message.clone());
            }
            let xml = xml::error(&e, &request_id);
            (e.code.status(), xml, Some((e.denial, e.denial_policy)))
        }
    };
    let text = text.replace(REQUEST_ID_SLOT, &request_id);
    inner.state().audit.push(entry);
    let mut response = answer(status, text, inner.clock.now());
    // As STS does: the SDKs read a request id from this header.
    if let Ok(id) = http::HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-amzn-requestid", id);
    }
    if let Some((kind, policy)) = denial {
        let headers = response.headers_mut();
        if let Some(kind) = kind {
            headers.insert(
                xrole_core::DENIAL_KIND_HEADER,
                http::HeaderValue::from_static(kind.as_str()),
            );
        }
        // A label a header cannot carry (not visible ASCII) stays in the audit log.
        if let Some(value) = policy.and_then(|p| http::HeaderValue::from_str(&p).ok()) {
            headers.insert(xrole_core::DENIAL_POLICY_HEADER, value);
        }
    }
    response
}
