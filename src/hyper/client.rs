//! [`Client`]: an HTTP/1 connection over a weft stream, driven by a weft task.

use super::body::BoxError;
use super::io::Io;
use ::hyper::body::{Body, Incoming};
use ::hyper::client::conn::http1::{self, SendRequest};
use ::hyper::rt::{Read, Write};
use ::hyper::{Request, Response};
use std::fmt;
use std::future::poll_fn;
use std::io;
use std::net::ToSocketAddrs;
use weft_executor::cancel::CancellableExt;
use weft_executor::net::TcpStream;
use weft_executor::{Cancelled, Task};

/// Why a [`Client`] operation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum ClientError {
    /// Connecting failed.
    Io(io::Error),
    /// hyper failed (the connection closed, a malformed response, ...).
    Http(::hyper::Error),
    /// The task was cancelled while it waited: the request was abandoned and the
    /// connection is closed (its response would otherwise arrive on it unread).
    Cancelled(Cancelled),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Io(e) => write!(f, "could not connect: {e}"),
            ClientError::Http(e) => write!(f, "HTTP error: {e}"),
            ClientError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Io(e) => Some(e),
            ClientError::Http(e) => Some(e),
            ClientError::Cancelled(c) => Some(c),
        }
    }
}

impl From<Cancelled> for ClientError {
    fn from(c: Cancelled) -> Self {
        ClientError::Cancelled(c)
    }
}

impl From<io::Error> for ClientError {
    fn from(e: io::Error) -> Self {
        match weft_executor::io::as_cancelled(&e) {
            Some(c) => ClientError::Cancelled(c.clone()),
            None => ClientError::Io(e),
        }
    }
}

/// One HTTP/1 connection (aiohttp's session, for one host): requests go out one at a
/// time and reuse the connection (keep-alive). The connection itself is driven by a
/// weft task named `hyper client connection to <address>`, which ends when the
/// `Client` is dropped or the server closes the connection.
///
/// ```
/// use weft::hyper::Full;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// # let listener = weft::net::TcpListener::bind("127.0.0.1:0").await?;
/// # let addr = listener.local_addr()?;
/// # let svc = hyper::service::service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
/// #     Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(req.uri().path().to_owned())))
/// # });
/// # let server = weft::spawn(weft::hyper::serve(listener, svc));
/// let mut client = weft::hyper::connect(addr).await?;
/// for path in ["/a", "/b"] {
///     let resp = client.send(hyper::Request::get(path).body(Full::empty())?).await?;
///     assert_eq!(weft::hyper::collect(resp.into_body()).await?, path);
/// }
/// # server.cancel(None);
/// # let _ = server.await;
/// # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(()) }).unwrap();
/// ```
pub struct Client<B> {
    sender: SendRequest<B>,
    driver: Task<Result<(), ::hyper::Error>>,
}

impl<B> fmt::Debug for Client<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("closed", &self.sender.is_closed()).finish()
    }
}

/// Connects to `addr` over TCP (`TCP_NODELAY` on) and opens an HTTP/1 connection on it.
/// A checkpoint. See [`Client`].
pub async fn connect<B, A>(addr: A) -> Result<Client<B>, ClientError>
where
    A: ToSocketAddrs + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let stream = TcpStream::connect(addr).await?;
    let _ = stream.set_nodelay(true);
    let name = match stream.peer_addr() {
        Ok(peer) => format!("hyper client connection to {peer}"),
        Err(_) => "hyper client connection".to_owned(),
    };
    handshake_named(&name, stream).await
}

/// Opens an HTTP/1 connection over a connected stream ([`TcpStream`] or
/// [`UnixStream`](crate::net::UnixStream)): hyper's `client::conn::http1::handshake`,
/// with the connection driven by a weft task named `hyper client connection`. A
/// checkpoint.
pub async fn handshake<S, B>(stream: S) -> Result<Client<B>, ClientError>
where
    Io<S>: Read + Write + Unpin + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    handshake_named("hyper client connection", stream).await
}

async fn handshake_named<S, B>(name: &str, stream: S) -> Result<Client<B>, ClientError>
where
    Io<S>: Read + Write + Unpin + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<BoxError>,
{
    let (sender, conn) = http1::handshake(Io::new(stream)).cancellable().await?.map_err(ClientError::Http)?;
    let driver = weft_executor::spawn_named(name, conn);
    Ok(Client { sender, driver })
}

impl<B> Client<B>
where
    B: Body + 'static,
{
    /// Sends `req` once the connection is free, and returns the response's head (read
    /// its body with [`collect`](super::collect) or frame by frame). A checkpoint:
    /// if the task is cancelled meanwhile, the request is abandoned, the connection is
    /// closed (a response still on its way would make it unusable) and
    /// [`ClientError::Cancelled`] is returned.
    pub async fn send(&mut self, req: Request<B>) -> Result<Response<Incoming>, ClientError> {
        let sent = async {
            poll_fn(|cx| self.sender.poll_ready(cx)).await.map_err(ClientError::Http)?;
            self.sender.send_request(req).await.map_err(ClientError::Http)
        };
        match sent.cancellable().await {
            Ok(r) => r,
            Err(c) => {
                self.driver.abort(); // the connection is closed with the task
                Err(ClientError::Cancelled(c))
            }
        }
    }

    /// Whether the connection is closed (by the server, an error, or a cancelled
    /// [`send`](Self::send)): a closed client sends nothing more.
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// hyper's sender, for what `Client` does not offer.
    pub fn sender(&mut self) -> &mut SendRequest<B> {
        &mut self.sender
    }

    /// The task that drives the connection, and the sender: dropping the sender lets the
    /// connection finish, and the task return.
    pub fn into_parts(self) -> (SendRequest<B>, Task<Result<(), ::hyper::Error>>) {
        (self.sender, self.driver)
    }
}
