//! [`Server`]: hyper's HTTP/1.1 connections served as the children of a weft task group.

use super::body::BoxError;
use super::io::Io;
use super::rt::Timer;
use ::hyper::body::{Body, Incoming};
use ::hyper::rt::{Read, Write};
use ::hyper::server::conn::http1;
use ::hyper::service::Service;
use ::hyper::{Request, Response};
use std::convert::Infallible;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use weft_executor::cancel::{self, ScopeCore};
use weft_executor::net::TcpListener;
use weft_executor::{Cancelled, time};
use weft_structured::{GroupError, Policy, TaskGroup};

/// How long a cancelled connection may take to finish its graceful shutdown before it
/// is closed, unless [`Server::grace`] says otherwise.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(5);

/// An HTTP/1.1 server (keep-alive on) whose connections are structured: see
/// [`serve`](Server::serve) and [`serve_connection`](Server::serve_connection).
///
/// HTTP/2 is not offered: hyper's `http2` feature brings the `h2` crate and, with it,
/// tokio's I/O utilities, which weft keeps out of its build.
///
/// ```
/// use std::time::Duration;
/// let mut server = weft::hyper::Server::new();
/// server.grace(Duration::from_secs(1));
/// server.http1().header_read_timeout(Duration::from_secs(10));
/// ```
#[derive(Clone)]
pub struct Server {
    http1: http1::Builder,
    grace: Duration,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server").field("http1", &self.http1).field("grace", &self.grace).finish()
    }
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

/// Why a connection served by [`Server::serve_connection`] ended other than by the
/// client closing it.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The task serving it was cancelled: the connection was shut down gracefully (or
    /// closed when its grace period ran out). A cancellation, not a failure.
    Cancelled(Cancelled),
    /// hyper ended the connection with an error (a malformed request, an I/O error, a
    /// handler's error).
    Http(::hyper::Error),
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionError::Cancelled(c) => write!(f, "the connection was shut down: {c}"),
            ConnectionError::Http(e) => write!(f, "the connection failed: {e}"),
        }
    }
}

impl std::error::Error for ConnectionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectionError::Cancelled(c) => Some(c),
            ConnectionError::Http(e) => Some(e),
        }
    }
}

impl Server {
    /// A server with hyper's HTTP/1 defaults, keep-alive on, and weft's [`Timer`] (so
    /// hyper's header read timeout, 30 s by default, works).
    ///
    /// ```
    /// let _ = weft::hyper::Server::new();
    /// ```
    pub fn new() -> Server {
        let mut http1 = http1::Builder::new();
        http1.timer(Timer).keep_alive(true);
        Server { http1, grace: DEFAULT_GRACE }
    }

    /// hyper's HTTP/1 settings, to change them.
    pub fn http1(&mut self) -> &mut http1::Builder {
        &mut self.http1
    }

    /// How long a cancelled connection may take to finish its shutdown (its in-flight
    /// response, its cancelled handler's cleanup) before it is closed.
    pub fn grace(&mut self, grace: Duration) -> &mut Self {
        self.grace = grace;
        self
    }

    /// Accepts connections on `listener` and serves each with `service`, each as a child
    /// of a task group, until the task awaiting this is cancelled (`task.cancel()`, a
    /// [`move_on_after`](crate::move_on_after) or [`timeout`](crate::timeout()) around
    /// it, the group it runs in failing). Then it stops accepting, cancels every
    /// connection (see [`serve_connection`](Self::serve_connection) for what that
    /// does), waits until each has finished, and returns the cancellation. It never
    /// returns otherwise.
    ///
    /// Each connection's task is named `hyper connection from <peer address>`. An error
    /// of one connection ends that connection only. A failed `accept` (out of file
    /// descriptors, say) is reported on stderr and retried after 100 ms, as asyncio does.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::hyper::{Full, Server};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let addr = listener.local_addr()?;
    /// let hello = hyper::service::service_fn(|_req| async {
    ///     Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new("hello")))
    /// });
    /// let server = weft::spawn(async move { Server::new().serve(listener, hello).await });
    ///
    /// let mut client = weft::hyper::connect(addr).await?;
    /// let resp = client.send(hyper::Request::new(Full::empty())).await?;
    /// assert_eq!(weft::hyper::collect(resp.into_body()).await?, "hello");
    ///
    /// server.cancel(Some("shutting down"));
    /// assert!(server.await.unwrap_err().is_cancelled());
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub async fn serve<S, B>(&self, listener: TcpListener, service: S) -> Result<Infallible, Cancelled>
    where
        S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
        S::Future: Send + 'static,
        S::Error: Into<BoxError>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<BoxError>,
    {
        let server = Arc::new(self.clone());
        let group = TaskGroup::with_policy(Policy::Supervise);
        let run =
            group.run(|tg| accept_loop(tg, listener, server, service)).expect("a new group is not entered");
        match run.await {
            Ok(never) => match never {},
            Err(GroupError::Cancelled(c)) => Err(c),
            // The body ends only by a cancellation, and a connection never fails.
            Err(other) => unreachable!("weft::hyper::Server::serve: {other}"),
        }
    }

    /// Serves one connection until the client closes it, or until the task awaiting
    /// this is cancelled. A cancellation shuts the connection down gracefully:
    ///
    /// 1. hyper's `graceful_shutdown`: an idle keep-alive connection closes at once; a
    ///    response being sent is finished, with `connection: close`;
    /// 2. the handler still running (an in-flight request) is cancelled: the
    ///    handler runs inside a cancel scope, which the cancellation cancels, so the
    ///    handler's checkpoints return `Err(Cancelled)` from then on (Trio's level-
    ///    triggered semantics: cleanup that must await shields itself, with
    ///    [`shield`](crate::shield()) or a shielded [`CancelScope`](crate::CancelScope)).
    ///    A handler that then returns an error ends the connection without a
    ///    response; one that returns a response has it sent;
    /// 3. once hyper is done, or after the [grace period](Self::grace) (then the
    ///    connection is closed), this returns [`ConnectionError::Cancelled`].
    ///
    /// The connection's reads and writes are shielded from the task's cancellation, so
    /// that the shutdown can still write; the handlers are not.
    ///
    /// ```
    /// use weft::hyper::{Full, Io, Server};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (a, b) = weft::net::UnixStream::pair()?;
    /// let svc = hyper::service::service_fn(|_req| async {
    ///     Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new("over a Unix socket")))
    /// });
    /// let conn = weft::spawn(async move { Server::new().serve_connection(Io::new(a), svc).await });
    /// let mut client = weft::hyper::handshake(b).await?;
    /// let resp = client.send(hyper::Request::new(Full::empty())).await?;
    /// assert_eq!(weft::hyper::collect(resp.into_body()).await?, "over a Unix socket");
    /// drop(client); // the client closes the connection: it ends without error
    /// assert!(conn.await.unwrap().is_ok());
    /// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
    /// ```
    pub async fn serve_connection<I, S, B>(&self, io: I, service: S) -> Result<(), ConnectionError>
    where
        I: Read + Write + Unpin + 'static,
        S: Service<Request<Incoming>, Response = Response<B>>,
        S::Error: Into<BoxError>,
        B: Body + 'static,
        B::Error: Into<BoxError>,
    {
        // The handlers' scope, inside a shield that keeps the task's cancellation away
        // from the connection's I/O (this function takes it instead, below).
        let handlers = ScopeCore::new();
        let shield = ScopeCore::new();
        shield.set_shield(true);
        let conn = self.http1.serve_connection(io, Scoped { inner: service, scope: &handlers });
        let mut conn = pin!(conn);
        let mut entered = false;
        let mut cancelled: Option<Cancelled> = None;
        let mut grace: Option<time::Sleep> = None;
        let ended = poll_fn(|cx| {
            if !entered {
                entered = true;
                let _ = shield.enter(cx); // a fresh scope: entering it cannot fail
            }
            if cancelled.is_none() {
                if let Err(c) = cancel::check() {
                    cancelled = Some(c);
                    conn.as_mut().graceful_shutdown();
                    grace = Some(cancel_handlers(&shield, &handlers, cx, self.grace));
                }
            }
            if let Poll::Ready(r) = shield.poll_inside(cx, |cx| conn.as_mut().poll(cx)) {
                return Poll::Ready(Some(r));
            }
            match grace.as_mut().map(|g| g.poll_expired(cx)) {
                Some(Poll::Ready(())) => Poll::Ready(None), // out of time: close it
                _ => Poll::Pending,
            }
        })
        .await;
        if cancelled.is_some() {
            handlers.exit();
        }
        shield.exit();
        match (cancelled, ended) {
            (Some(c), _) => Err(ConnectionError::Cancelled(c)),
            (None, Some(Err(e))) => Err(ConnectionError::Http(e)),
            (None, _) => Ok(()),
        }
    }
}

/// Accepts connections on `listener` and serves them with `service` on a default
/// [`Server`]: see [`Server::serve`].
///
/// ```no_run
/// use weft::hyper::Full;
/// # weft::Runtime::builder().build().unwrap().block_on(async {
/// let listener = weft::net::TcpListener::bind("127.0.0.1:8080").await?;
/// let hello = hyper::service::service_fn(|_req| async {
///     Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new("hello")))
/// });
/// weft::hyper::serve(listener, hello).await?; // until cancelled
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub async fn serve<S, B>(listener: TcpListener, service: S) -> Result<Infallible, Cancelled>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    Server::new().serve(listener, service).await
}

/// The server's group body: accepts connections and spawns a child for each, until
/// cancelled.
async fn accept_loop<S, B>(
    tg: TaskGroup,
    listener: TcpListener,
    server: Arc<Server>,
    service: S,
) -> Result<Infallible, Cancelled>
where
    S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                if let Some(c) = weft_executor::io::as_cancelled(&e) {
                    return Err(c.clone());
                }
                eprintln!("weft::hyper: accept failed: {e}; retrying in 100 ms");
                time::sleep(Duration::from_millis(100)).await?;
                continue;
            }
        };
        // Responses go out whole: no Nagle delay on a response's last segment.
        let _ = stream.set_nodelay(true);
        let (server, service) = (server.clone(), service.clone());
        let connection = async move {
            match server.serve_connection(Io::new(stream), service).await {
                Err(ConnectionError::Cancelled(c)) => Err(c),
                _ => Ok(()), // a connection's error ends that connection only
            }
        };
        // A group that no longer takes children is ending: the body's next
        // checkpoint returns its cancellation, and the connection is dropped.
        let _ = tg.spawn_named(&format!("hyper connection from {peer}"), connection);
    }
}

/// A connection's shutdown has begun: the handlers' scope is entered (inside the shield,
/// so it is the shield's child) and cancelled, so that from here on the handlers run
/// inside it (see [`ScopedFuture`]). Returns the grace period's timer. Out of line: it
/// runs once in a connection's life, and its poll runs on every request.
#[cold]
#[inline(never)]
fn cancel_handlers(
    shield: &Arc<ScopeCore>,
    handlers: &Arc<ScopeCore>,
    cx: &mut Context<'_>,
    grace: Duration,
) -> time::Sleep {
    let _ = shield.poll_inside(cx, |cx| handlers.enter(cx));
    handlers.cancel();
    time::sleep(grace)
}

/// A service whose calls run inside `scope` once it is cancelled (so that cancelling the
/// scope cancels the handlers, and only them). Until then they run as the connection's
/// I/O does, in the shield, which costs nothing more per poll. The scope is borrowed
/// from the connection's future, which outlives the service and its calls.
struct Scoped<'s, S> {
    inner: S,
    scope: &'s Arc<ScopeCore>,
}

impl<'s, S: Service<R>, R> Service<R> for Scoped<'s, S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = ScopedFuture<'s, S::Future>;

    fn call(&self, req: R) -> Self::Future {
        ScopedFuture { fut: self.inner.call(req), scope: self.scope }
    }
}

struct ScopedFuture<'s, F> {
    fut: F,
    scope: &'s Arc<ScopeCore>,
}

impl<F: Future> Future for ScopedFuture<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        // SAFETY: `fut` is structurally pinned: it is never moved out of `self` (no method
        // takes it by value, `ScopedFuture` has no `Drop` that could move it, and it is
        // `Unpin` only when `F` is); `scope` is never pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: see above: `this.fut` stays where it is until it is dropped in place.
        let fut = unsafe { Pin::new_unchecked(&mut this.fut) };
        if this.scope.is_cancelled() { this.scope.poll_inside(cx, |cx| fut.poll(cx)) } else { fut.poll(cx) }
    }
}
