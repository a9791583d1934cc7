//! asyncio's `start_server`: a [`Server`] whose connection handlers are the children of
//! one task group.
//!
//! ```text
//!   asyncio                                          weft
//!   server = await asyncio.start_server(cb, h, p)    let server = start_server(cb, (h, p)).await?;
//!   server.sockets                                   server.sockets()
//!   await server.serve_forever()                     server.serve_forever().await?;
//!   server.close(); server.close_clients()           server.close();
//!   await server.wait_closed()                       server.wait_closed().await?;
//! ```
//!
//! Each connection's handler `cb(reader, writer)` runs as a child of the server's
//! [`TaskGroup`] (supervise policy), the accept loops too. So the server
//! is structured: [`Server::close`] stops listening and cancels every handler, and
//! [`Server::wait_closed`] returns once every handler has finished its cleanup (their
//! cleanup may await). [`Server::shutdown`] is the graceful version: stop listening,
//! let the handlers finish on their own until a deadline, then cancel the rest.
//!
//! **Where weft differs from asyncio.** asyncio 3.13's `close()` only stops listening
//! (its `close_clients()` closes the connections); weft's `close()` does both, because
//! its handlers are a task group that ends as a whole. A handler's error other than a
//! cancellation is reported on stderr (asyncio's loop logs it through its exception
//! handler) and does not stop the server. Dropping the `Server` closes it.

use crate::group::{GroupTask, Policy, TaskGroup};
use parking_lot::Mutex;
use std::error::Error;
use std::future::{Future, poll_fn};
use std::io;
use std::net::ToSocketAddrs;
use std::path::Path;
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::Duration;
use weft_executor::is_cancellation;
use weft_executor::net::stream::streams;
use weft_executor::net::{StreamAddr, StreamReader, StreamWriter, TcpListener, UnixListener};
use weft_executor::{Cancelled, cancel};

type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// A running server: see the [module docs](self).
///
/// ```
/// use weft::net::{open_connection, start_server, Server, StreamAddr, StreamReader, StreamWriter};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let server: Server = start_server(
///     |_reader: StreamReader, writer: StreamWriter| async move { writer.write(b"hi\n") },
///     "127.0.0.1:0",
/// )
/// .await?;
/// let StreamAddr::Inet(addr) = server.sockets()[0] else { unreachable!() };
/// let (mut r, _w) = open_connection(addr).await?;
/// assert_eq!(r.readline().await?, b"hi\n");
/// server.close();
/// server.wait_closed().await?;
/// assert!(!server.is_serving());
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub struct Server {
    shared: Arc<Shared>,
}

struct Shared {
    group: TaskGroup,
    sockets: Vec<StreamAddr>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// `close` was called.
    closed: bool,
    /// `close`, `stop_listening` or `shutdown` was called.
    stopped_listening: bool,
    acceptors: Vec<GroupTask<()>>,
    /// Handlers running.
    handlers: usize,
    /// The group has ended: every handler finished.
    done: bool,
    /// Tasks waiting for `done` or for `handlers == 0`.
    waiters: Vec<Waker>,
}

impl State {
    fn wake(&mut self) {
        for w in self.waiters.drain(..) {
            w.wake();
        }
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.shared.state.lock();
        f.debug_struct("Server")
            .field("sockets", &self.shared.sockets)
            .field("handlers", &s.handlers)
            .field("serving", &!s.stopped_listening)
            .finish()
    }
}

enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

impl Listener {
    async fn accept(&self) -> io::Result<(StreamReader, StreamWriter)> {
        Ok(match self {
            Listener::Tcp(l) => streams(l.accept().await?.0),
            Listener::Unix(l) => streams(l.accept().await?.0),
        })
    }
}

/// asyncio's `start_server(client_connected_cb, host, port)`: listens on `addr` (as
/// [`TcpListener::bind`]) and runs `handler(reader, writer)` for each connection, as a
/// child of the server's task group. Must be called inside a weft runtime.
///
/// ```
/// use weft::net::{open_connection, start_server, StreamReader, StreamWriter};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// async fn echo(mut reader: StreamReader, writer: StreamWriter) -> Result<(), weft::net::StreamError> {
///     let line = reader.readline().await?;
///     writer.write(&line)?;
///     writer.drain().await?;
///     Ok(())
/// }
/// let server = start_server(echo, "127.0.0.1:0").await?;
/// let addr = server.sockets()[0].clone();
/// let weft::net::StreamAddr::Inet(addr) = addr else { unreachable!() };
/// let (mut r, w) = open_connection(addr).await?;
/// w.write(b"hello\n")?;
/// assert_eq!(r.readline().await?, b"hello\n");
/// server.close();
/// server.wait_closed().await?;
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub async fn start_server<H, Fut, E, A>(handler: H, addr: A) -> io::Result<Server>
where
    H: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError> + 'static,
    A: ToSocketAddrs + Send + 'static,
{
    let listener = TcpListener::bind(addr).await?;
    let sockets = vec![StreamAddr::Inet(listener.local_addr()?)];
    Server::start(handler, Listener::Tcp(listener), sockets)
}

/// asyncio's `start_unix_server(client_connected_cb, path)`: as [`start_server`], on a
/// Unix socket at `path` (`AddrInUse` if a file exists there).
///
/// ```
/// use weft::net::{open_unix_connection, start_unix_server, StreamReader, StreamWriter};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let dir = std::env::temp_dir().join(format!("weft-doc-server-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let path = dir.join("server.sock");
/// # let _ = std::fs::remove_file(&path);
/// let server = start_unix_server(
///     |_reader: StreamReader, writer: StreamWriter| async move { writer.write(b"hi\n") },
///     &path,
/// )
/// .await?;
/// let (mut r, _w) = open_unix_connection(&path).await?;
/// assert_eq!(r.readline().await?, b"hi\n");
/// server.close();
/// server.wait_closed().await?;
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
/// ```
pub async fn start_unix_server<H, Fut, E>(handler: H, path: impl AsRef<Path>) -> io::Result<Server>
where
    H: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    let listener = UnixListener::bind(path)?;
    let sockets = vec![listener.local_addr()?.into()];
    Server::start(handler, Listener::Unix(listener), sockets)
}

impl Server {
    fn start<H, Fut, E>(handler: H, listener: Listener, sockets: Vec<StreamAddr>) -> io::Result<Server>
    where
        H: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let shared = Arc::new(Shared {
            group: TaskGroup::with_policy(Policy::Supervise),
            sockets,
            state: Mutex::new(State::default()),
        });
        let handler = Arc::new(handler);
        let run = {
            let shared = shared.clone();
            shared
                .group
                .clone()
                .run(move |tg| body(tg, shared, listener, handler))
                .expect("a new group is not entered")
        };
        let task_shared = shared.clone();
        weft_executor::try_spawn(async move {
            let _ = run.await;
            let mut s = task_shared.state.lock();
            s.done = true;
            s.wake();
        })
        .map_err(|e| io::Error::other(e.to_string()))?;
        Ok(Server { shared })
    }

    /// The addresses the server listens on (asyncio's `server.sockets`).
    ///
    /// ```
    /// use weft::net::{start_server, StreamAddr, StreamReader, StreamWriter};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let noop = |_r: StreamReader, _w: StreamWriter| async { Ok::<_, std::io::Error>(()) };
    /// let server = start_server(noop, "127.0.0.1:0").await?;
    /// let sockets = server.sockets();
    /// assert_eq!(sockets.len(), 1);
    /// let StreamAddr::Inet(addr) = sockets[0] else { unreachable!() };
    /// assert!(addr.ip().is_loopback() && addr.port() != 0, "port 0 asks the system for a free port");
    /// server.close();
    /// server.wait_closed().await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn sockets(&self) -> Vec<StreamAddr> {
        self.shared.sockets.clone()
    }

    /// Whether the server accepts connections (asyncio's `is_serving()`).
    ///
    /// ```
    /// use weft::net::{start_server, StreamReader, StreamWriter};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let noop = |_r: StreamReader, _w: StreamWriter| async { Ok::<_, std::io::Error>(()) };
    /// let server = start_server(noop, "127.0.0.1:0").await?;
    /// assert!(server.is_serving());
    /// server.close();
    /// assert!(!server.is_serving());
    /// server.wait_closed().await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn is_serving(&self) -> bool {
        !self.shared.state.lock().stopped_listening
    }

    /// Handlers running now.
    ///
    /// ```
    /// use weft::net::{open_connection, start_server, StreamAddr, StreamReader, StreamWriter};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let server = start_server(
    ///     |mut r: StreamReader, _w: StreamWriter| async move { r.readline().await.map(drop) },
    ///     "127.0.0.1:0",
    /// )
    /// .await?;
    /// assert_eq!(server.active_connections(), 0);
    /// let StreamAddr::Inet(addr) = server.sockets()[0] else { unreachable!() };
    /// let (_r, w) = open_connection(addr).await?;
    /// while server.active_connections() == 0 { weft::yield_now().await?; }
    /// assert_eq!(server.active_connections(), 1);
    /// w.write(b"bye\n")?; // the handler reads its line and ends
    /// while server.active_connections() == 1 { weft::yield_now().await?; }
    /// server.close();
    /// server.wait_closed().await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn active_connections(&self) -> usize {
        self.shared.state.lock().handlers
    }

    /// Stops accepting connections; the handlers run on. Idempotent.
    ///
    /// ```
    /// use weft::net::{open_connection, start_server, StreamAddr, StreamReader, StreamWriter};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// async fn echo(mut r: StreamReader, w: StreamWriter) -> Result<(), weft::net::StreamError> {
    ///     w.write(&r.readline().await?)?;
    ///     Ok(w.drain().await?)
    /// }
    /// let server = start_server(echo, "127.0.0.1:0").await?;
    /// let StreamAddr::Inet(addr) = server.sockets()[0] else { unreachable!() };
    /// let (mut r, w) = open_connection(addr).await?;
    /// while server.active_connections() == 0 { weft::yield_now().await?; }
    /// server.stop_listening();
    /// assert!(!server.is_serving());
    /// w.write(b"still here\n")?;
    /// assert_eq!(r.readline().await?, b"still here\n", "the connection's handler runs on");
    /// server.close();
    /// server.wait_closed().await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn stop_listening(&self) {
        let acceptors = {
            let mut s = self.shared.state.lock();
            s.stopped_listening = true;
            std::mem::take(&mut s.acceptors)
        };
        for a in acceptors {
            a.cancel(None);
        }
    }

    /// asyncio's `close()` and `close_clients()` together: stops accepting and cancels
    /// every handler (each sees `Err(Cancelled)` at its next checkpoint and may clean
    /// up). Returns at once; [`wait_closed`](Self::wait_closed) waits for the handlers.
    /// Idempotent.
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::net::{open_connection, start_server, StreamAddr, StreamReader, StreamWriter};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let server = start_server(
    ///     |_r: StreamReader, _w: StreamWriter| weft::time::sleep(Duration::from_secs(3600)),
    ///     "127.0.0.1:0",
    /// )
    /// .await?;
    /// let StreamAddr::Inet(addr) = server.sockets()[0] else { unreachable!() };
    /// let _conn = open_connection(addr).await?;
    /// while server.active_connections() == 0 { weft::yield_now().await?; }
    /// server.close();
    /// assert!(!server.is_serving());
    /// server.wait_closed().await?;
    /// assert_eq!(server.active_connections(), 0, "the sleeping handler was cancelled");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub fn close(&self) {
        self.stop_listening();
        self.shared.state.lock().closed = true;
        self.shared.group.cancel();
    }

    /// asyncio's `wait_closed()`: waits until the server is closed and every handler has
    /// finished. A checkpoint (a cancelled wait leaves the server as it was).
    ///
    /// ```
    /// use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    /// use std::sync::Arc;
    /// use weft::net::{open_connection, start_server, StreamAddr, StreamReader, StreamWriter};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let cleaned = Arc::new(AtomicBool::new(false));
    /// let flag = cleaned.clone();
    /// let handler = move |_r: StreamReader, w: StreamWriter| {
    ///     let flag = flag.clone();
    ///     async move {
    ///         w.write(b"ready\n")?;
    ///         let slept = weft::time::sleep(std::time::Duration::from_secs(3600)).await;
    ///         weft::yield_now().await.ok(); // cleanup that awaits
    ///         flag.store(true, SeqCst);
    ///         Ok::<_, Box<dyn std::error::Error + Send + Sync>>(slept?)
    ///     }
    /// };
    /// let server = start_server(handler, "127.0.0.1:0").await?;
    /// let StreamAddr::Inet(addr) = server.sockets()[0] else { unreachable!() };
    /// let (mut r, _w) = open_connection(addr).await?;
    /// assert_eq!(r.readline().await?, b"ready\n"); // the handler is running
    /// server.close(); // returns at once...
    /// server.wait_closed().await?;
    /// assert!(cleaned.load(SeqCst), "...wait_closed waited for the handler's cleanup");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn wait_closed(&self) -> Result<(), Cancelled> {
        poll_fn(|cx| {
            cancel::check()?;
            let mut s = self.shared.state.lock();
            if s.done {
                return Poll::Ready(Ok(()));
            }
            register(&mut s.waiters, cx.waker());
            Poll::Pending
        })
        .await
    }

    /// asyncio's `serve_forever()`: waits until the server is closed. If the waiting task
    /// is cancelled, closes the server, waits for its handlers, and returns the
    /// cancellation.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use weft::net::{start_server, StreamReader, StreamWriter};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let noop = |_r: StreamReader, _w: StreamWriter| async { Ok::<_, std::io::Error>(()) };
    /// let server = Arc::new(start_server(noop, "127.0.0.1:0").await?);
    /// let serving = server.clone();
    /// let forever = weft::spawn(async move { serving.serve_forever().await });
    /// weft::yield_now().await?;
    /// forever.cancel(None); // say, on Ctrl-C
    /// assert!(forever.await.unwrap_err().is_cancelled());
    /// assert!(!server.is_serving(), "serve_forever closed the server on its way out");
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn serve_forever(&self) -> Result<(), Cancelled> {
        match self.wait_closed().await {
            Ok(()) => Ok(()),
            Err(c) => {
                self.close();
                // One request, one delivery: this wait is not cancelled again by it.
                let _ = self.wait_closed().await;
                Err(c)
            }
        }
    }

    /// A graceful shutdown: stops accepting, lets the handlers finish on their own for
    /// at most `grace`, then cancels those still running and waits for their cleanup.
    /// Returns how many handlers had to be cancelled. A checkpoint: if the caller is
    /// cancelled meanwhile, the server is closed at once (and the cancellation returned).
    ///
    /// ```
    /// use std::time::Duration;
    /// use weft::net::{open_connection, start_server, StreamReader, StreamWriter};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let server = start_server(
    ///     |_r: StreamReader, _w: StreamWriter| async move {
    ///         weft::time::sleep(Duration::from_secs(3600)).await // never done in time
    ///     },
    ///     "127.0.0.1:0",
    /// )
    /// .await?;
    /// let weft::net::StreamAddr::Inet(addr) = server.sockets()[0] else { unreachable!() };
    /// let _conn = open_connection(addr).await?;
    /// while server.active_connections() == 0 {
    ///     weft::yield_now().await?;
    /// }
    /// assert_eq!(server.shutdown(Duration::from_millis(10)).await?, 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
    /// ```
    pub async fn shutdown(&self, grace: Duration) -> Result<usize, Cancelled> {
        self.stop_listening();
        let mut deadline = std::pin::pin!(weft_executor::time::sleep(grace));
        // Until the handlers are done or the grace period is over (the sleep is the
        // checkpoint).
        let waited = poll_fn(|cx| {
            {
                let mut s = self.shared.state.lock();
                if s.handlers == 0 || s.done {
                    return Poll::Ready(Ok(()));
                }
                register(&mut s.waiters, cx.waker());
            }
            deadline.as_mut().poll(cx)
        })
        .await;
        let cancelled = self.shared.state.lock().handlers;
        self.close();
        match waited {
            Err(c) => {
                let _ = self.wait_closed().await;
                Err(c)
            }
            Ok(_) => {
                self.wait_closed().await?;
                Ok(cancelled)
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.close();
    }
}

fn register(list: &mut Vec<Waker>, waker: &Waker) {
    if !list.iter().any(|w| w.will_wake(waker)) {
        list.push(waker.clone());
    }
}

/// The group's body: starts the accept loop (unless the server was closed before the
/// group began), then waits until the server is closed.
async fn body<H, Fut, E>(
    tg: TaskGroup,
    shared: Arc<Shared>,
    listener: Listener,
    handler: Arc<H>,
) -> Result<(), Cancelled>
where
    H: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    {
        let mut s = shared.state.lock();
        if s.closed {
            return Ok(());
        }
        if !s.stopped_listening {
            let acceptor = tg.spawn(accept_loop(tg.clone(), shared.clone(), listener, handler));
            if let Ok(a) = acceptor {
                s.acceptors.push(a);
            }
        }
    }
    poll_fn(|cx| {
        cancel::check()?;
        let mut s = shared.state.lock();
        if s.closed {
            return Poll::Ready(Ok(()));
        }
        register(&mut s.waiters, cx.waker());
        Poll::Pending
    })
    .await
}

/// Accepts connections and spawns a handler child for each. An accept that fails (the
/// process is out of descriptors, say) is reported and retried after a pause, as asyncio
/// does.
async fn accept_loop<H, Fut, E>(
    tg: TaskGroup,
    shared: Arc<Shared>,
    listener: Listener,
    handler: Arc<H>,
) -> Result<(), io::Error>
where
    H: Fn(StreamReader, StreamWriter) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<BoxError> + 'static,
{
    loop {
        let (reader, writer) = match listener.accept().await {
            Ok(pair) => pair,
            Err(e) if weft_executor::io::is_cancelled_error(&e) => return Err(e),
            Err(e) => {
                eprintln!("weft: a server's accept failed: {e}; retrying in 100 ms");
                weft_executor::time::sleep(Duration::from_millis(100))
                    .await
                    .map_err(weft_executor::io::cancelled_error)?;
                continue;
            }
        };
        let guard = HandlerGuard::new(shared.clone());
        let fut = handler(reader, writer);
        let child = async move {
            let _guard = guard;
            match fut.await {
                Ok(()) => Ok(()),
                Err(e) => {
                    let e: BoxError = e.into();
                    if is_cancellation(&*e) {
                        return Err(e);
                    }
                    eprintln!("weft: a connection handler failed: {e}");
                    Ok(())
                }
            }
        };
        if tg.spawn(child).is_err() {
            return Ok(()); // the group is closing: the connection is dropped
        }
    }
}

/// Counts a handler while its future lives.
struct HandlerGuard(Arc<Shared>);

impl HandlerGuard {
    fn new(shared: Arc<Shared>) -> HandlerGuard {
        shared.state.lock().handlers += 1;
        HandlerGuard(shared)
    }
}

impl Drop for HandlerGuard {
    fn drop(&mut self) {
        let mut s = self.0.state.lock();
        s.handlers -= 1;
        if s.handlers == 0 {
            s.wake();
        }
    }
}
