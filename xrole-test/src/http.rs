//! A bounded HTTP/1 server loop: what the embedded STS and the `xrole` command's
//! credential endpoint share. A bounded number of connections (more wait to be
//! accepted), a pause after an accept error instead of a spin, and a time limit on
//! each request's headers and on idle connections. And [`get`], with which tests
//! follow the links these servers hand out.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How long the loop waits after an accept error (out of file descriptors, most
/// often) before it tries again: connections that end free descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The bounds of one server.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Connections served at once; more wait to be accepted. Clients keep their
    /// connections alive between requests, so the limit counts idle ones too.
    pub max_connections: usize,
    /// Time to send a request's headers, and the longest idle time between requests.
    pub header_timeout: Duration,
}

/// Serves `listener` until the task is aborted, answering each request with
/// `handle(request, peer)`. Every connection lives in a `JoinSet` owned here, so
/// aborting the task ends them all.
pub async fn serve<H, Fut>(listener: TcpListener, bounds: Bounds, handle: H)
where
    H: Fn(hyper::Request<Incoming>, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = hyper::Response<Full<Bytes>>> + Send + 'static,
{
    let handle = Arc::new(handle);
    let permits = Arc::new(Semaphore::new(bounds.max_connections.max(1)));
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                drop(permit);
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                while connections.try_join_next().is_some() {}
                continue;
            }
        };
        let handle = handle.clone();
        connections.spawn(async move {
            let _permit = permit;
            let service = hyper::service::service_fn(move |req| {
                let answer = handle(req, peer);
                async move { Ok::<_, Infallible>(answer.await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(bounds.header_timeout)
                // Clients that shut their write side after a request still get the answer.
                .half_close(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
        while connections.try_join_next().is_some() {}
    }
}

/// What a server answered to [`get`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// The status code.
    pub status: u16,
    /// The `Location` header of a redirect.
    pub location: Option<String>,
    /// The body, as text (at most [`Page::MAX_BODY`] bytes are read).
    pub body: String,
}

impl Page {
    /// The longest body read.
    pub const MAX_BODY: usize = 1024 * 1024;
}

/// GETs `url` (`http://HOST:PORT/PATH?QUERY`) on a connection of its own, as a
/// browser following a link does, without following a redirect: for tests of
/// servers on 127.0.0.1, such as the embedded STS's federation endpoint.
pub async fn get(url: &str) -> Result<Page, Box<dyn std::error::Error + Send + Sync>> {
    let uri: http::Uri = url.parse()?;
    let authority = uri
        .authority()
        .ok_or_else(|| format!("{url}: no host"))?
        .clone();
    let stream = tokio::net::TcpStream::connect(authority.as_str()).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    let driver = tokio::spawn(connection);
    let request = hyper::Request::get(uri.path_and_query().map_or("/", |p| p.as_str()))
        .header(http::header::HOST, authority.as_str())
        .body(Empty::<Bytes>::new())?;
    let answer = sender.send_request(request).await;
    let page = match answer {
        Ok(response) => {
            let status = response.status().as_u16();
            let location = response
                .headers()
                .get(http::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = Limited::new(response.into_body(), Page::MAX_BODY)
                .collect()
                .await?
                .to_bytes();
            Ok(Page {
                status,
                location,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        }
        Err(e) => Err(e.into()),
    };
    driver.abort();
    page
}
