//! The network recipes' local server and aiohttp stand-in again, on hyper 1.x over weft
//! (`weft::hyper`, feature `hyper`) instead of hand-written HTTP: the same API as
//! `support/http.rs` ([`start_server`], [`Reply`], [`aiohttp`]), so that a recipe runs
//! on either by changing its `#[path]` line.
//!
//! * [`start_server`] runs `weft::hyper::serve` on a thread of its own, in its own
//!   weft runtime; each connection is a task, so delays overlap.
//! * [`aiohttp::ClientSession`] is a real connection pool: keep-alive HTTP/1.1
//!   connections (`weft::hyper::Client`) reused from request to request, at most 100 at
//!   once (aiohttp's default connector), a total timeout around each request. Every
//!   request goes to the local server whatever host its URL names, with that host in
//!   the `Host` header (as `support/http.rs` does).
#![allow(dead_code)]

use super::json::Value;
use hyper::body::Incoming;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use weft::hyper::{Full, collect};

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

static SERVER: OnceLock<SocketAddr> = OnceLock::new();

/// Starts the hyper server on 127.0.0.1 (an ephemeral port) on a thread of its own;
/// returns its port. Call it once, before the first request.
pub fn start_server<H>(handler: H) -> u16
where
    H: Fn(&Request) -> Reply + Send + Sync + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    let handler = Arc::new(handler);
    std::thread::Builder::new()
        .name("http-server".into())
        .spawn(move || {
            let rt = weft::Runtime::builder().current_thread().build().expect("server runtime");
            rt.block_on(async move {
                let listener = weft::net::TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
                tx.send(listener.local_addr().expect("local address")).unwrap();
                let service = hyper::service::service_fn(move |req| answer(handler.clone(), req));
                let _ = weft::hyper::serve(listener, service).await;
            });
        })
        .expect("start the server thread");
    let addr = rx.recv().expect("the server started");
    SERVER.set(addr).expect("start_server is called once");
    addr.port()
}

/// One request: the handler's reply, after its delay.
async fn answer<H: Fn(&Request) -> Reply>(
    handler: Arc<H>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full>, weft::hyper::BoxError> {
    let method = req.method().to_string();
    let host = req.headers().get("host").and_then(|h| h.to_str().ok()).unwrap_or("").to_string();
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str()).to_string();
    let body = collect(req.into_body()).await?.to_vec();
    let reply = handler(&Request { method, host, path, body });
    if !reply.delay.is_zero() {
        weft::time::sleep(reply.delay).await?;
    }
    let (data, ctype) = match &reply.body {
        Body::Json(v) => (v.to_string(), "application/json"),
        Body::Text(t) => (t.clone(), "text/plain; charset=utf-8"),
    };
    let resp = hyper::Response::builder()
        .status(reply.status)
        .header("content-type", ctype)
        .body(Full::new(data))?;
    Ok(resp)
}

fn server_addr() -> io::Result<SocketAddr> {
    SERVER.get().copied().ok_or_else(|| io::Error::other("start_server() was not called"))
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

/// The aiohttp stand-in, over a pool of hyper connections.
pub mod aiohttp {
    use super::*;
    use weft::{Cancelled, Semaphore, TimeoutError};

    /// How many `ClientSession`s were created (instrumentation, not aiohttp's API).
    pub static SESSIONS_OPENED: AtomicUsize = AtomicUsize::new(0);
    /// How many connections the sessions opened (instrumentation).
    pub static CONNECTIONS_OPENED: AtomicUsize = AtomicUsize::new(0);

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

    impl From<weft::hyper::ClientError> for ClientError {
        fn from(e: weft::hyper::ClientError) -> Self {
            match e {
                weft::hyper::ClientError::Cancelled(c) => ClientError::Cancelled(c),
                other => ClientError::Connection(io::Error::other(other)),
            }
        }
    }

    impl From<weft::hyper::BoxError> for ClientError {
        fn from(e: weft::hyper::BoxError) -> Self {
            match e.downcast::<Cancelled>() {
                Ok(c) => ClientError::Cancelled(*c),
                Err(e) => ClientError::Connection(io::Error::other(e)),
            }
        }
    }

    /// `aiohttp.ClientSession(timeout=ClientTimeout(total=...))`: a pool of keep-alive
    /// connections.
    pub struct ClientSession {
        total: Duration,
        limit: Semaphore,
        idle: Mutex<Vec<weft::hyper::Client<Full>>>,
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
            ClientSession {
                total,
                limit: Semaphore::new(100),
                idle: Mutex::new(Vec::new()),
                closed: Default::default(),
            }
        }

        /// `session.get(url)`.
        pub async fn get(&self, url: &str) -> Result<ClientResponse, ClientError> {
            self.request("GET", url, None).await
        }

        /// `session.request(method, url, json=...)`: on an idle pooled connection, or a
        /// new one.
        pub async fn request(
            &self,
            method: &str,
            url: &str,
            json: Option<&Value>,
        ) -> Result<ClientResponse, ClientError> {
            if self.closed.load(Ordering::SeqCst) {
                return Err(ClientError::Connection(io::Error::other("Session is closed")));
            }
            let (host, path) = split_url(url);
            let mut req = hyper::Request::builder().method(method).uri(path).header("host", host);
            let body = match json {
                Some(v) => {
                    req = req.header("content-type", "application/json");
                    Full::new(v.to_string())
                }
                None => Full::empty(),
            };
            let req = req.body(body).map_err(|e| ClientError::Connection(io::Error::other(e)))?;
            weft::timeout(self.total, async {
                let _slot = self.limit.acquire().await?;
                let pooled = self.idle.lock().unwrap().pop().filter(|c| !c.is_closed());
                let mut client = match pooled {
                    Some(c) => c,
                    None => {
                        CONNECTIONS_OPENED.fetch_add(1, Ordering::SeqCst);
                        weft::hyper::connect(server_addr().map_err(ClientError::Connection)?).await?
                    }
                };
                // A request that fails or is cancelled drops its connection.
                let resp = client.send(req).await?;
                let status = resp.status();
                let body = collect(resp.into_body()).await?;
                self.idle.lock().unwrap().push(client);
                Ok::<_, ClientError>(ClientResponse {
                    url: url.to_string(),
                    status: status.as_u16(),
                    reason: status.canonical_reason().unwrap_or("Unknown").to_string(),
                    body: body.to_vec(),
                })
            })
            .await
        }

        /// `await session.close()`: closes the pooled connections.
        pub async fn close(&self) {
            self.closed.store(true, Ordering::SeqCst);
            self.idle.lock().unwrap().clear();
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
