//! A bounded HTTP/1 server loop: what the embedded STS and the `xrole` command's
//! credential endpoint share. A bounded number of connections, a pause after an
//! accept error instead of a spin, a short time for a new connection's first
//! request and a time limit on each request's headers and on idle connections.
//! No local process can starve a server by holding connections open: at the
//! limit, a new connection takes the place of the oldest idle one that no
//! trusted request came on (a server says which requests it trusts: the
//! credential endpoint, those carrying its token). Connections whose client had
//! sent nothing when they were accepted go first; one whose request was waiting
//! goes only after [`MIN_TENURE`].

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio::task::AbortHandle;

/// How long the loop waits after an accept error (out of file descriptors, most
/// often) before it tries again: connections that end free descriptors.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// How long a new connection whose client had sent its request by the time it was
/// accepted keeps its place: the time the server has to read that request. Clients
/// that send nothing and reconnect as fast as they are closed churn the idle
/// connections faster than a busy server may get to a newcomer's request; they
/// take the places of each other, not of a connection with a request waiting.
pub const MIN_TENURE: Duration = Duration::from_millis(100);

/// The bounds of one server.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Connections served at once. Clients keep their connections alive between
    /// requests, so the limit counts idle ones too; at the limit a new connection
    /// takes the place of the oldest idle untrusted one (see [`MIN_TENURE`]), and
    /// is closed when there is none.
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
    /// When it was accepted.
    since: Instant,
    /// Its client had sent data when it was accepted.
    proven: bool,
}

/// The connection to close for a new one, oldest first: an idle untrusted one whose
/// client had sent nothing when it was accepted, or failing that one that has had
/// its [`MIN_TENURE`].
fn victim(live: &VecDeque<Live>) -> Option<usize> {
    let idle = |c: &Live| {
        !c.state.busy.load(Ordering::Acquire) && !c.state.trusted.load(Ordering::Acquire)
    };
    live.iter().position(|c| idle(c) && !c.proven).or_else(|| {
        live.iter()
            .position(|c| idle(c) && c.since.elapsed() >= MIN_TENURE)
    })
}

/// Whether the client has sent anything yet, without waiting.
fn has_data(stream: &tokio::net::TcpStream) -> bool {
    let mut byte = [0u8; 1];
    let mut buf = tokio::io::ReadBuf::new(&mut byte);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    matches!(stream.poll_peek(&mut cx, &mut buf), std::task::Poll::Ready(Ok(n)) if n > 0)
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
pub async fn serve<H, Fut, B>(listener: TcpListener, bounds: Bounds, handle: H)
where
    H: Fn(hyper::Request<Incoming>, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = hyper::Response<B>> + Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    serve_trusting(listener, bounds, |_| false, handle).await;
}

/// [`serve`], where a connection that carried a request `trusted` accepts (its
/// headers: a credential endpoint's token, say) keeps its place at the limit.
pub async fn serve_trusting<T, H, Fut, B>(
    listener: TcpListener,
    bounds: Bounds,
    trusted: T,
    handle: H,
) where
    T: Fn(&http::HeaderMap) -> bool + Send + Sync + 'static,
    H: Fn(hyper::Request<Incoming>, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = hyper::Response<B>> + Send + 'static,
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
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
        // A client sends its request as it connects; by the time the connection
        // is accepted the request is usually waiting. Such a connection is not
        // given up for one that sent nothing until it has had its tenure.
        let proven = has_data(&stream);
        // An answer streamed in parts (the gateway's) must not wait for the
        // client's delayed acknowledgement of the first part.
        let _ = stream.set_nodelay(true);
        while connections.try_join_next().is_some() {}
        live.retain(|c| !c.abort.is_finished());
        if live.len() >= max {
            match victim(&live).and_then(|i| live.remove(i)) {
                Some(oldest) => oldest.abort.abort(),
                // Every connection is answering, trusted or new: this one waits for none.
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
        live.push_back(Live {
            abort,
            state,
            since: Instant::now(),
            proven,
        });
    }
}

/// The full URI as the client addressed it (`http://HOST/PATH?QUERY`): what a
/// signature is made over.
pub(crate) fn addressed_uri(parts: &http::request::Parts) -> String {
    let host = parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    format!("http://{host}{path}")
}

/// Why a request's body could not be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Longer than the limit, or broken off.
    TooLarge,
    /// Not all there within the time.
    Late,
}

/// A request's body, at most `limit` bytes, within `timeout`.
pub(crate) async fn read_body(
    body: Incoming,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    use http_body_util::{BodyExt, Limited};
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Ok(Ok(b)) => Ok(b.to_bytes()),
        Ok(Err(_)) => Err(BodyError::TooLarge),
        Err(_) => Err(BodyError::Late),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests may fail loudly

    use super::*;

    fn live(set: &mut tokio::task::JoinSet<()>, age: Duration, proven: bool) -> Live {
        Live {
            abort: set.spawn(std::future::pending()),
            state: Arc::default(),
            since: Instant::now().checked_sub(age).unwrap(),
            proven,
        }
    }

    #[tokio::test]
    async fn connections_that_sent_nothing_go_first_and_waiting_requests_keep_their_tenure() {
        let mut set = tokio::task::JoinSet::new();
        let young = MIN_TENURE / 4;
        let old = MIN_TENURE * 2;
        // The oldest connection had a request waiting; a later one sent nothing.
        let mut connections: VecDeque<Live> =
            [live(&mut set, young, true), live(&mut set, young, false)].into();
        assert_eq!(victim(&connections), Some(1));
        // A waiting request keeps its place while it is young...
        connections.remove(1);
        assert_eq!(victim(&connections), None);
        // ...and gives it up after its tenure.
        connections.push_front(live(&mut set, old, true));
        assert_eq!(victim(&connections), Some(0));
        // Busy and trusted connections are never given up.
        connections[0].state.busy.store(true, Ordering::Release);
        assert_eq!(victim(&connections), None);
        connections.push_back(live(&mut set, old, false));
        connections[2].state.trusted.store(true, Ordering::Release);
        assert_eq!(victim(&connections), None);
        set.abort_all();
    }
}
