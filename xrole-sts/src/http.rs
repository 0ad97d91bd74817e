//! A bounded HTTP/1 server loop: what the embedded STS and the `xrole` command's
//! credential endpoint share. A bounded number of connections, a pause after an
//! accept error instead of a spin, a short time for a new connection's first
//! request and a time limit on each request's headers and on idle connections.
//! No local process can starve a server by holding connections open: at the
//! limit, a new connection takes the place of the oldest idle one that no
//! trusted request came on (a server says which requests it trusts: the
//! credential endpoint, those carrying its token).

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// How long the loop waits after an accept error (out of file descriptors, most
/// often) before it tries again: connections that end free descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// The bounds of one server.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Connections served at once. Clients keep their connections alive between
    /// requests, so the limit counts idle ones too; at the limit a new connection
    /// takes the place of the oldest idle untrusted one, and is closed when every
    /// connection is busy or trusted.
    pub max_connections: usize,
    /// Time to send a request's headers, and the longest idle time between requests.
    pub header_timeout: Duration,
    /// Time a new connection has to start its first request: a client connects to
    /// send one at once.
    pub first_request_timeout: Duration,
}

/// One live connection, as the loop sees it.
struct Live {
    abort: AbortHandle,
    state: Arc<ConnState>,
}

#[derive(Default)]
struct ConnState {
    /// A request is being answered.
    busy: AtomicBool,
    /// A request the server trusts came on it: it is never given up for another.
    trusted: AtomicBool,
}

/// Serves `listener` until the task is aborted, answering each request with
/// `handle(request, peer)`. Every connection lives in a `JoinSet` owned here, so
/// aborting the task ends them all. No request is trusted: at the limit, the
/// oldest idle connection gives its place to a new one.
pub async fn serve<H, Fut>(listener: TcpListener, bounds: Bounds, handle: H)
where
    H: Fn(hyper::Request<Incoming>, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = hyper::Response<Full<Bytes>>> + Send + 'static,
{
    serve_trusting(listener, bounds, |_| false, handle).await;
}

/// [`serve`], where a connection that carried a request `trusted` accepts (its
/// headers: a credential endpoint's token, say) keeps its place at the limit.
pub async fn serve_trusting<T, H, Fut>(listener: TcpListener, bounds: Bounds, trusted: T, handle: H)
where
    T: Fn(&http::HeaderMap) -> bool + Send + Sync + 'static,
    H: Fn(hyper::Request<Incoming>, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = hyper::Response<Full<Bytes>>> + Send + 'static,
{
    let handle = Arc::new(handle);
    let trusted = Arc::new(trusted);
    let max = bounds.max_connections.max(1);
    let mut connections = tokio::task::JoinSet::new();
    let mut live: VecDeque<Live> = VecDeque::with_capacity(max);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(_) => {
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                while connections.try_join_next().is_some() {}
                continue;
            }
        };
        while connections.try_join_next().is_some() {}
        live.retain(|c| !c.abort.is_finished());
        if live.len() >= max {
            let idle = live.iter().position(|c| {
                !c.state.busy.load(Ordering::Acquire) && !c.state.trusted.load(Ordering::Acquire)
            });
            match idle.and_then(|i| live.remove(i)) {
                Some(oldest) => oldest.abort.abort(),
                // Every connection is answering or trusted: this one waits for none.
                None => continue,
            }
        }
        let state = Arc::new(ConnState::default());
        let first = Arc::new(Notify::new());
        let (handle, trusted, conn_state) = (handle.clone(), trusted.clone(), state.clone());
        let abort = connections.spawn(async move {
            let seen = first.clone();
            let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                conn_state.busy.store(true, Ordering::Release);
                seen.notify_one();
                if trusted(req.headers()) {
                    conn_state.trusted.store(true, Ordering::Release);
                }
                let answer = handle(req, peer);
                let conn_state = conn_state.clone();
                async move {
                    let answer = answer.await;
                    conn_state.busy.store(false, Ordering::Release);
                    Ok::<_, Infallible>(answer)
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(bounds.header_timeout)
                // Clients that shut their write side after a request still get the answer.
                .half_close(true)
                .serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            let started = tokio::time::timeout(bounds.first_request_timeout, async {
                tokio::select! {
                    _ = &mut connection => false,
                    () = first.notified() => true,
                }
            })
            .await;
            if started == Ok(true) {
                let _ = connection.await;
            }
        });
        live.push_back(Live { abort, state });
    }
}
