//! A bounded HTTP/1 server loop: what the embedded STS and the `xrole` command's
//! credential endpoint share. A bounded number of connections (more wait to be
//! accepted), a pause after an accept error instead of a spin, and a time limit on
//! each request's headers and on idle connections.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
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
