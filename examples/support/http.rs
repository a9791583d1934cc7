//! A local HTTP/1.1 server and minimal clients for the network recipes, on weft's own
//! sockets ([`weft::net::TcpListener`] and [`weft::net::TcpStream`]).
//!
//! The recipes fetch from the internet with aiohttp, httpx or requests; the examples
//! must run anywhere, so each starts this server on 127.0.0.1 and talks to it. It is
//! what the CPython programs in tests/seeds/python/ do with `_http_stub.py`, and it
//! behaves the same way:
//!
//! * [`start_server`] runs the server on a thread of its own, in its own weft runtime,
//!   so that it serves every `weft::run` of the program and keeps answering while the
//!   example blocks its own threads on purpose. The handler gets the method, the
//!   `Host` header, the path and the body, and returns a [`Reply`]: a status, a body
//!   (JSON or text) and a delay the server waits before answering (each connection is
//!   its own task, so delays overlap, as in a threading server).
//! * The clients send every request to that server whatever host the URL names (as if
//!   DNS resolved every name to it) and put the URL's host in the `Host` header, so the
//!   recipes keep their own URLs and no port number appears in their output. One
//!   request per connection (`Connection: close`).
//! * [`aiohttp`]: `ClientSession` (a total timeout, at most 100 connections at once, as
//!   aiohttp's default connector), `get` / `request`, `ClientResponse` with `status`,
//!   `json()`, `text()` and `raise_for_status()`; errors print as aiohttp's do.
//!   [`httpx`]: `AsyncClient::get(url, timeout)` giving a `status_code`. [`requests`]:
//!   a *blocking* GET (std's socket), to show what blocking I/O does to a runtime.
//!
//! An example includes it with `#[path = "support/http.rs"] mod http;` next to
//! `#[path = "support/json.rs"] mod json;`.
#![allow(dead_code)]

use super::json::Value;
use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft::net::{TcpListener, TcpStream};

/// One request, as the handler sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The `Host` header: the host the client's URL named.
    pub host: String,
    /// The path, with its query string.
    pub path: String,
    /// The request body.
    pub body: Vec<u8>,
}

/// What the handler answers.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body: JSON (`application/json`) or text.
    pub body: Body,
    /// How long the server waits before answering.
    pub delay: Duration,
}

/// A reply's body.
#[derive(Debug, Clone)]
pub enum Body {
    /// Sent as `application/json`.
    Json(Value),
    /// Sent as `text/plain`.
    Text(String),
}

impl Reply {
    /// A JSON reply, sent at once.
    pub fn json(status: u16, body: Value) -> Reply {
        Reply { status, body: Body::Json(body), delay: Duration::ZERO }
    }

    /// A text reply, sent at once.
    pub fn text(status: u16, body: &str) -> Reply {
        Reply { status, body: Body::Text(body.to_string()), delay: Duration::ZERO }
    }

    /// The same reply, sent after `delay`.
    pub fn after(self, delay: Duration) -> Reply {
        Reply { delay, ..self }
    }
}

/// The reason phrase of a status code.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

static SERVER: OnceLock<SocketAddr> = OnceLock::new();

/// Starts the server on 127.0.0.1 (an ephemeral port) on a thread of its own; returns
/// its port. Call it once, before the first request.
pub fn start_server<H>(handler: H) -> u16
where
    H: Fn(&Request) -> Reply + Send + Sync + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("http-server".into())
        .spawn(move || {
            let rt = weft::Runtime::builder().current_thread().build().expect("server runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
                tx.send(listener.local_addr().expect("local address")).unwrap();
                let handler = std::sync::Arc::new(handler);
                loop {
                    let Ok((conn, _)) = listener.accept().await else { continue };
                    let handler = handler.clone();
                    weft::spawn(async move {
                        // A client that gave up (a timeout) is nothing to report.
                        let _ = serve(conn, &*handler).await;
                    });
                }
            });
        })
        .expect("start the server thread");
    let addr = rx.recv().expect("the server started");
    SERVER.set(addr).expect("start_server is called once");
    addr.port()
}

fn server_addr() -> io::Result<SocketAddr> {
    SERVER.get().copied().ok_or_else(|| io::Error::other("start_server() was not called"))
}

/// Reads one request from `conn`, answers it, closes.
async fn serve<H: Fn(&Request) -> Reply>(conn: TcpStream, handler: &H) -> io::Result<()> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        match conn.read(&mut buf).await? {
            0 => return Ok(()),
            n => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("/").to_string();
    let (mut host, mut length) = (String::new(), 0usize);
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "host" => host = v.trim().to_string(),
                "content-length" => length = v.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
    }
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        match conn.read(&mut buf).await? {
            0 => break,
            n => body.extend_from_slice(&buf[..n]),
        }
    }
    let reply = handler(&Request { method, host, path, body });
    if !reply.delay.is_zero() {
        weft::time::sleep(reply.delay).await.map_err(io::Error::other)?;
    }
    let (data, ctype) = match &reply.body {
        Body::Json(v) => (v.to_string(), "application/json"),
        Body::Text(t) => (t.clone(), "text/plain; charset=utf-8"),
    };
    let response = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{data}",
        reply.status,
        reason(reply.status),
        data.len()
    );
    conn.write_all(response.as_bytes()).await?;
    conn.shutdown(Shutdown::Write)
}

/// The cancellation a cancelled socket operation reports inside its `io::Error`, taken
/// out of it; any other error back as it was.
fn cancellation_in(e: io::Error) -> Result<weft::Cancelled, io::Error> {
    if e.get_ref().is_some_and(|inner| inner.is::<weft::Cancelled>()) {
        let inner = e.into_inner().expect("checked above");
        return Ok(*inner.downcast::<weft::Cancelled>().expect("checked above"));
    }
    Err(e)
}

/// A URL split as the clients use it: the host for the `Host` header, and the path
/// (a bare `"url"` with no scheme is sent as the path `/url`).
fn split_url(url: &str) -> (&str, String) {
    match url.split_once("://") {
        Some((_, rest)) => match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        },
        None => ("", format!("/{}", url.trim_start_matches('/'))),
    }
}

/// A response as read off the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status code.
    pub status: u16,
    /// The reason phrase.
    pub reason: String,
    /// The body.
    pub body: Vec<u8>,
}

/// One HTTP/1.1 exchange with the local server.
pub async fn exchange(method: &str, url: &str, json: Option<&Value>) -> io::Result<RawResponse> {
    let (host, path) = split_url(url);
    let body = json.map(|v| v.to_string()).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    if !body.is_empty() || method == "POST" || method == "PUT" {
        head += &format!("Content-Length: {}\r\nContent-Type: application/json\r\n", body.len());
    }
    let conn = TcpStream::connect(server_addr()?).await?;
    conn.write_all(format!("{head}\r\n{body}").as_bytes()).await?;
    let mut raw = Vec::new();
    conn.read_to_end(&mut raw).await?;
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> io::Result<RawResponse> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no end of headers"))?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let status_line = head.split("\r\n").next().unwrap_or("");
    let mut parts = status_line.splitn(3, ' ');
    let _version = parts.next();
    let status = parts
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad status line"))?;
    let reason = parts.next().unwrap_or("").to_string();
    Ok(RawResponse { status, reason, body: raw[end + 4..].to_vec() })
}

/// The aiohttp stand-in.
pub mod aiohttp {
    use super::*;
    use weft::{Cancelled, Semaphore, TimeoutError};

    /// How many `ClientSession`s were created (instrumentation, not aiohttp's API).
    pub static SESSIONS_OPENED: AtomicUsize = AtomicUsize::new(0);

    /// aiohttp's errors, and the two a request can also end with: the total timeout
    /// (`asyncio.TimeoutError`) and a cancellation.
    #[derive(Debug)]
    pub enum ClientError {
        /// `ClientResponseError` from `raise_for_status()`.
        Response {
            /// The status code.
            status: u16,
            /// The reason phrase.
            message: String,
            /// The URL requested.
            url: String,
        },
        /// A connection or protocol error (`ClientConnectionError`).
        Connection(io::Error),
        /// The session's total timeout passed (`asyncio.TimeoutError`).
        Timeout(TimeoutError),
        /// The task was cancelled.
        Cancelled(Cancelled),
    }

    impl fmt::Display for ClientError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                // aiohttp's ClientResponseError.__str__
                ClientError::Response { status, message, url } => {
                    write!(f, "{status}, message='{message}', url='{url}'")
                }
                ClientError::Connection(e) => e.fmt(f),
                // str(asyncio.TimeoutError()) is empty.
                ClientError::Timeout(_) => Ok(()),
                ClientError::Cancelled(c) => c.fmt(f),
            }
        }
    }

    impl std::error::Error for ClientError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            match self {
                ClientError::Response { .. } => None,
                ClientError::Connection(e) => Some(e),
                ClientError::Timeout(t) => Some(t),
                ClientError::Cancelled(c) => Some(c),
            }
        }
    }

    impl From<Cancelled> for ClientError {
        fn from(c: Cancelled) -> Self {
            ClientError::Cancelled(c)
        }
    }

    impl From<TimeoutError> for ClientError {
        fn from(t: TimeoutError) -> Self {
            ClientError::Timeout(t)
        }
    }

    impl From<io::Error> for ClientError {
        fn from(e: io::Error) -> Self {
            match cancellation_in(e) {
                Ok(c) => ClientError::Cancelled(c),
                Err(e) => ClientError::Connection(e),
            }
        }
    }

    /// `aiohttp.ClientSession(timeout=ClientTimeout(total=...))`.
    pub struct ClientSession {
        total: Duration,
        limit: Semaphore,
        closed: std::sync::atomic::AtomicBool,
    }

    impl Default for ClientSession {
        fn default() -> Self {
            ClientSession::new()
        }
    }

    impl ClientSession {
        /// A session with aiohttp's default total timeout (5 minutes).
        pub fn new() -> ClientSession {
            ClientSession::with_timeout(Duration::from_secs(300))
        }

        /// A session whose every request must finish within `total`.
        pub fn with_timeout(total: Duration) -> ClientSession {
            SESSIONS_OPENED.fetch_add(1, Ordering::SeqCst);
            ClientSession { total, limit: Semaphore::new(100), closed: Default::default() }
        }

        /// `session.get(url)`.
        pub async fn get(&self, url: &str) -> Result<ClientResponse, ClientError> {
            self.request("GET", url, None).await
        }

        /// `session.request(method, url, json=...)`.
        pub async fn request(
            &self,
            method: &str,
            url: &str,
            json: Option<&Value>,
        ) -> Result<ClientResponse, ClientError> {
            if self.closed.load(Ordering::SeqCst) {
                return Err(ClientError::Connection(io::Error::other("Session is closed")));
            }
            let raw = weft::timeout(self.total, async {
                let _slot = self.limit.acquire().await?;
                Ok::<_, ClientError>(exchange(method, url, json).await?)
            })
            .await?;
            Ok(ClientResponse {
                url: url.to_string(),
                status: raw.status,
                reason: raw.reason,
                body: raw.body,
            })
        }

        /// `await session.close()`.
        pub async fn close(&self) {
            self.closed.store(true, Ordering::SeqCst);
        }
    }

    /// `aiohttp.ClientResponse`.
    #[derive(Debug, Clone)]
    pub struct ClientResponse {
        /// The URL requested.
        pub url: String,
        /// The status code.
        pub status: u16,
        /// The reason phrase.
        pub reason: String,
        body: Vec<u8>,
    }

    impl ClientResponse {
        /// `await resp.json()`.
        pub async fn json(&self) -> Result<Value, ClientError> {
            let text = String::from_utf8_lossy(&self.body);
            Value::parse(&text)
                .map_err(|e| ClientError::Connection(io::Error::new(io::ErrorKind::InvalidData, e)))
        }

        /// `await resp.text()`.
        pub async fn text(&self) -> Result<String, ClientError> {
            Ok(String::from_utf8_lossy(&self.body).into_owned())
        }

        /// `resp.raise_for_status()`.
        pub fn raise_for_status(&self) -> Result<(), ClientError> {
            if self.status >= 400 {
                return Err(ClientError::Response {
                    status: self.status,
                    message: self.reason.clone(),
                    url: self.url.clone(),
                });
            }
            Ok(())
        }
    }
}

/// The httpx stand-in.
pub mod httpx {
    use super::*;
    use weft::{Cancelled, TimeoutError};

    /// httpx's errors.
    #[derive(Debug)]
    pub enum HttpError {
        /// A connection or protocol error.
        Transport(io::Error),
        /// The request's timeout passed.
        Timeout(TimeoutError),
        /// The task was cancelled.
        Cancelled(Cancelled),
    }

    impl fmt::Display for HttpError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                HttpError::Transport(e) => e.fmt(f),
                HttpError::Timeout(t) => t.fmt(f),
                HttpError::Cancelled(c) => c.fmt(f),
            }
        }
    }

    impl std::error::Error for HttpError {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            match self {
                HttpError::Transport(e) => Some(e),
                HttpError::Timeout(t) => Some(t),
                HttpError::Cancelled(c) => Some(c),
            }
        }
    }

    impl From<Cancelled> for HttpError {
        fn from(c: Cancelled) -> Self {
            HttpError::Cancelled(c)
        }
    }

    impl From<TimeoutError> for HttpError {
        fn from(t: TimeoutError) -> Self {
            HttpError::Timeout(t)
        }
    }

    impl From<io::Error> for HttpError {
        fn from(e: io::Error) -> Self {
            match cancellation_in(e) {
                Ok(c) => HttpError::Cancelled(c),
                Err(e) => HttpError::Transport(e),
            }
        }
    }

    /// `httpx.AsyncClient()`.
    #[derive(Debug, Default)]
    pub struct AsyncClient;

    impl AsyncClient {
        /// `AsyncClient()`.
        pub fn new() -> AsyncClient {
            AsyncClient
        }

        /// `await client.get(url, timeout=...)`.
        pub async fn get(&self, url: &str, timeout: Duration) -> Result<Response, HttpError> {
            let raw = weft::timeout(timeout, async { Ok::<_, HttpError>(exchange("GET", url, None).await?) })
                .await?;
            Ok(Response { url: url.to_string(), status_code: raw.status, content: raw.body })
        }

        /// `await client.aclose()`.
        pub async fn aclose(&self) {}
    }

    /// `httpx.Response`.
    #[derive(Debug, Clone)]
    pub struct Response {
        /// The URL requested.
        pub url: String,
        /// The status code.
        pub status_code: u16,
        /// The body.
        pub content: Vec<u8>,
    }

    impl Response {
        /// `response.text`.
        pub fn text(&self) -> String {
            String::from_utf8_lossy(&self.content).into_owned()
        }
    }
}

/// The requests stand-in: a blocking GET.
pub mod requests {
    use super::*;
    use std::io::{Read, Write};

    /// `requests.get(url)`: blocks the calling thread until the whole response is in.
    pub fn get(url: &str) -> io::Result<RawResponse> {
        let (host, path) = split_url(url);
        let mut conn = std::net::TcpStream::connect(server_addr()?)?;
        write!(conn, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n")?;
        let mut raw = Vec::new();
        conn.read_to_end(&mut raw)?;
        parse_response(&raw)
    }
}
