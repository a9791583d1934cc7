//! Seed 003, "Real-World Example: API Client": `AsyncAPIClient` opens an
//! `aiohttp.ClientSession` with a total timeout in `__aenter__` and closes it in
//! `__aexit__`; `get(endpoint)` goes through `_request_with_retry`, which retries
//! `ClientError` and `TimeoutError` with exponential backoff, logs a warning per failed
//! attempt, and re-raises on the last one.
//!
//! weft: `AsyncAPIClient::enter()` / `exit()` are the two halves of the `async with`
//! (Rust has no async destructor, so the exit is awaited explicitly); the session is the
//! aiohttp stand-in of `examples/support/http.rs` (on hyper here: see below), whose total timeout is a
//! [`weft::timeout`] around each request, over weft's sockets; the retry loop is ported
//! line for line; a cancellation is never retried. Completed as
//! tests/seeds/python/seed003_api_client.py is: a local HTTP/1.1 server the program
//! starts answers `users/123` with 503 the first time, and hangs 3 s (past the client's
//! 1 s timeout) the first time on `users/123/posts`; the first retry delay is 0.01 s;
//! `LOG` writes to stdout as Python's logging does (the timeout's line ends in ": ",
//! since `str(TimeoutError())` is empty, and so is the stand-in's).
//!
//! This is the same recipe on hyper (`weft::hyper`, feature `hyper`): the session is
//! `support/hyper_http.rs`'s aiohttp stand-in, a pool of keep-alive hyper connections,
//! and the local server is `weft::hyper::serve`. It prints what CPython prints for
//! tests/seeds/python/seed003_api_client.py (tests/seed_examples.rs checks a `_hyper`
//! example against its recipe's output), and checks that the session reused its
//! connection: two connections in all, the second because the timed-out request's
//! connection was dropped with it.
//!
//! Real clock: the local hyper server answers from a runtime on a thread of its own
//!
//! ```text
//! WARNING:__main__:Request failed (attempt 1): 503, message='Service Unavailable', url='https://api.example.com/users/123'
//! WARNING:__main__:Request failed (attempt 1):
//! user: {'id': 123, 'name': 'Ada'}
//! posts: [{'id': 1, 'title': 'weft'}]
//! ```
#[path = "support/hyper_http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;
#[path = "support/py.rs"]
mod py;

use http::aiohttp::{ClientError, ClientSession};
use http::{Reply, start_server};
use json::Value;
use py::Logger;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

static LOG: Logger = Logger::new("__main__");

/// Async API client with connection pooling and retry.
struct AsyncAPIClient {
    base_url: String,
    timeout: Duration,
    session: Option<ClientSession>,
}

impl AsyncAPIClient {
    fn new(base_url: &str, timeout: f64) -> AsyncAPIClient {
        AsyncAPIClient {
            base_url: base_url.to_string(),
            timeout: Duration::from_secs_f64(timeout),
            session: None,
        }
    }

    /// Create session on context entry.
    async fn enter(mut self) -> AsyncAPIClient {
        self.session = Some(ClientSession::with_timeout(self.timeout));
        self
    }

    /// Close session on context exit.
    async fn exit(self) {
        if let Some(session) = &self.session {
            session.close().await;
        }
    }

    /// GET request with automatic retry.
    async fn get(&self, endpoint: &str) -> Result<Value, ClientError> {
        let url = format!("{}/{endpoint}", self.base_url);
        self.request_with_retry("GET", &url, 3).await
    }

    /// Make request with exponential backoff retry.
    async fn request_with_retry(
        &self,
        method: &str,
        url: &str,
        max_retries: u32,
    ) -> Result<Value, ClientError> {
        let session = self.session.as_ref().expect("inside `async with`");
        let mut delay = 0.01;

        let mut attempt = 0;
        loop {
            let response = async {
                let resp = session.request(method, url, None).await?;
                resp.raise_for_status()?;
                resp.json().await
            };
            match response.await {
                Ok(data) => return Ok(data),
                Err(
                    e @ (ClientError::Response { .. } | ClientError::Connection(_) | ClientError::Timeout(_)),
                ) => {
                    if attempt == max_retries - 1 {
                        return Err(e);
                    }
                    LOG.warning(&format!("Request failed (attempt {}): {e}", attempt + 1));
                    weft::time::sleep(Duration::from_secs_f64(delay)).await?;
                    delay *= 2.0;
                }
                Err(e) => return Err(e),
            }
            attempt += 1;
        }
    }
}

// Usage
async fn main_() -> Result<(Value, Value), ClientError> {
    let client = AsyncAPIClient::new("https://api.example.com", 1.0).enter().await;
    let result = async {
        let user = client.get("users/123").await?;
        let posts = client.get("users/123/posts").await?;
        Ok((user, posts))
    }
    .await;
    client.exit().await;
    result
}

fn main() {
    let seen = Mutex::new(HashMap::<String, u32>::new());
    start_server(move |req| {
        let n = {
            let mut seen = seen.lock().unwrap();
            let n = seen.entry(req.path.clone()).or_default();
            *n += 1;
            *n
        };
        match req.path.as_str() {
            "/users/123" if n == 1 => Reply::text(503, "busy"),
            "/users/123" => {
                Reply::json(200, Value::object([("id", Value::Int(123)), ("name", "Ada".into())]))
            }
            "/users/123/posts" => {
                let posts =
                    Value::List(vec![Value::object([("id", Value::Int(1)), ("title", "weft".into())])]);
                let reply = Reply::json(200, posts);
                if n == 1 { reply.after(Duration::from_secs(3)) } else { reply }
            }
            _ => Reply::text(404, "not found"),
        }
    });
    let (user, posts) = weft::run(main_()).unwrap();
    println!("user: {}", user.repr());
    println!("posts: {}", posts.repr());
    assert_eq!(http::aiohttp::CONNECTIONS_OPENED.load(std::sync::atomic::Ordering::SeqCst), 2);
}
