//! Seed 003, "Real-World Example: API Client": `AsyncAPIClient` opens an
//! `aiohttp.ClientSession` with a total timeout in `__aenter__` and closes it in
//! `__aexit__`; `get(endpoint)` goes through `_request_with_retry`, which retries
//! `ClientError` and `TimeoutError` with exponential backoff (1 s, 2 s, ...), logs a
//! warning per failed attempt, and re-raises on the last one.
//!
//! weft: `AsyncAPIClient::open(base_url, timeout, |client| async { ... })` is the
//! `async with` (setup, body, then the awaited close, whatever the body returned: Rust
//! has no async destructor). The session's total timeout is [`weft::timeout`] around
//! each request; the retry loop is ported line for line, with the delays at 10 ms and
//! 20 ms. The HTTP server is simulated in-process (no sockets): `users/123` answers 503
//! the first time; `users/123/posts` hangs the first time, longer than the 50 ms timeout.
//!
//! ```text
//! session opened for https://api.example.com
//! WARNING:root:Request failed (attempt 1): 503 Service Unavailable for GET https://api.example.com/users/123
//! WARNING:root:Request failed (attempt 1): deadline exceeded
//! session closed
//! user: {'id': 123, 'name': 'Ada'}
//! posts: [{'id': 1, 'title': 'weft'}]
//! ```
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use weft::{Cancelled, TimeoutError, timeout};

#[derive(Debug)]
enum ClientError {
    /// aiohttp.ClientError (here: a bad status).
    Status(u16, String),
    /// asyncio.TimeoutError
    TimedOut(TimeoutError),
    Cancelled(Cancelled),
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Status(code, what) => write!(f, "{code} Service Unavailable for {what}"),
            ClientError::TimedOut(t) => t.fmt(f),
            ClientError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Cancelled(c) => Some(c),
            _ => None,
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
        ClientError::TimedOut(t)
    }
}

/// The remote API, simulated: counts calls per URL.
#[derive(Default)]
struct FakeServer {
    calls: std::sync::Mutex<HashMap<String, u32>>,
}

impl FakeServer {
    async fn handle(&self, method: &str, url: &str) -> Result<(u16, String), Cancelled> {
        let n = {
            let mut calls = self.calls.lock().unwrap();
            let n = calls.entry(url.to_string()).or_default();
            *n += 1;
            *n
        };
        weft::time::sleep(Duration::from_millis(3)).await?;
        if url.ends_with("/users/123") {
            if n == 1 {
                return Ok((503, format!("{method} {url}")));
            }
            return Ok((200, "{'id': 123, 'name': 'Ada'}".into()));
        }
        if url.ends_with("/users/123/posts") {
            if n == 1 {
                weft::time::sleep(Duration::from_secs(10)).await?; // hangs
            }
            return Ok((200, "[{'id': 1, 'title': 'weft'}]".into()));
        }
        Ok((404, format!("{method} {url}")))
    }
}

struct Session {
    server: Arc<FakeServer>,
    timeout: Duration,
}

impl Session {
    async fn request(&self, method: &str, url: &str) -> Result<String, ClientError> {
        timeout(self.timeout, async {
            let (status, body) = self.server.handle(method, url).await?;
            if status >= 400 {
                return Err(ClientError::Status(status, body)); // resp.raise_for_status()
            }
            Ok(body)
        })
        .await
    }
}

/// Async API client with connection pooling and retry.
struct AsyncAPIClient {
    base_url: String,
    session: Session,
}

impl AsyncAPIClient {
    /// `async with AsyncAPIClient(base_url, timeout) as client: body`
    async fn open<T, Fut>(
        base_url: &str,
        timeout: Duration,
        server: Arc<FakeServer>,
        body: impl FnOnce(Arc<AsyncAPIClient>) -> Fut,
    ) -> T
    where
        Fut: Future<Output = T>,
    {
        let client =
            Arc::new(AsyncAPIClient { base_url: base_url.into(), session: Session { server, timeout } });
        println!("session opened for {base_url}");
        let out = body(client.clone()).await;
        println!("session closed"); // __aexit__: await self.session.close()
        out
    }

    /// GET request with automatic retry.
    async fn get(&self, endpoint: &str) -> Result<String, ClientError> {
        let url = format!("{}/{endpoint}", self.base_url);
        self.request_with_retry("GET", &url, 3).await
    }

    /// Make request with exponential backoff retry.
    async fn request_with_retry(
        &self,
        method: &str,
        url: &str,
        max_retries: u32,
    ) -> Result<String, ClientError> {
        let mut delay = Duration::from_millis(10);
        for attempt in 0..max_retries {
            match self.session.request(method, url).await {
                Ok(body) => return Ok(body),
                Err(e @ (ClientError::Status(..) | ClientError::TimedOut(_))) => {
                    if attempt == max_retries - 1 {
                        return Err(e);
                    }
                    println!("WARNING:root:Request failed (attempt {}): {e}", attempt + 1);
                    weft::time::sleep(delay).await?;
                    delay *= 2;
                }
                Err(e) => return Err(e), // a cancellation is not retried
            }
        }
        unreachable!("max_retries is at least 1")
    }
}

fn main() {
    let server = Arc::new(FakeServer::default());
    let (user, posts) = weft::run(AsyncAPIClient::open(
        "https://api.example.com",
        Duration::from_millis(50),
        server,
        |client| async move {
            let user = client.get("users/123").await?;
            let posts = client.get("users/123/posts").await?;
            Ok::<_, ClientError>((user, posts))
        },
    ))
    .unwrap();
    println!("user: {user}");
    println!("posts: {posts}");
}
