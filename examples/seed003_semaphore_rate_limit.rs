//! Seed 003, "Pattern 5: Rate Limiting with Semaphore": `fetch_with_rate_limit` gathers
//! one fetch per URL, each inside an `asyncio.Semaphore(max_concurrent)`.
//!
//! weft: [`weft::Semaphore`] caps the fetches; [`weft::gather`] keeps argument order.
//! Completed as tests/seeds/python/seed003_semaphore_rate_limit.py is: `fetch_data` is the
//! seed's own (a session per call), over the aiohttp stand-in of
//! `examples/support/http.rs` (weft's sockets), to a local HTTP/1.1 server the program
//! starts, which answers `{"path": ...}` after 20 ms; a counter around the fetch records
//! the most in flight at once; 12 URLs, `max_concurrent=5`. On the current-thread
//! runtime the first five fetches are all under way before any answer comes back, as
//! on asyncio's loop.
//!
//! ```text
//! fetched 12 urls, in order: True
//! most fetches in flight at once: 5
//! ```
//!
//! Real clock: the local HTTP server answers from a thread of its own
//! (`examples/support/http.rs`), and a paused clock does not wait for a reply in flight (it
//! would fire the client's timeout first), so `tests/seed_examples.rs` runs this one in
//! real time. Its output does not depend on timing: the peak is the semaphore's five.
#[path = "support/http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;
#[path = "support/py.rs"]
mod py;

use http::aiohttp::{ClientError, ClientSession};
use http::{Reply, start_server};
use json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft::Semaphore;

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Fetch data from URL asynchronously.
async fn fetch_data(url: &str) -> Result<Value, ClientError> {
    let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
    PEAK.fetch_max(now, Ordering::SeqCst);
    let session = ClientSession::new();
    let data = match session.get(url).await {
        Ok(response) => response.json().await,
        Err(e) => Err(e),
    };
    session.close().await;
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    data
}

/// Limit concurrent requests.
async fn fetch_with_rate_limit(urls: Vec<String>, max_concurrent: usize) -> Result<Vec<Value>, ClientError> {
    let semaphore = Arc::new(Semaphore::new(max_concurrent));
    let fetch_one = |url: String| {
        let semaphore = semaphore.clone();
        async move {
            let _permit = semaphore.acquire().await?;
            fetch_data(&url).await
        }
    };
    let tasks = urls.into_iter().map(fetch_one).collect();
    weft::gather(tasks).await
}

async fn main_() -> Result<(), ClientError> {
    let urls: Vec<String> = (0..12).map(|i| format!("https://api.example.com/item/{i}")).collect();
    let results = fetch_with_rate_limit(urls, 5).await?;
    let paths: Vec<&str> =
        results.iter().map(|r| r.get("path").and_then(Value::as_str).unwrap_or("")).collect();
    let expected: Vec<String> = (0..12).map(|i| format!("/item/{i}")).collect();
    println!("fetched {} urls, in order: {}", results.len(), py::py_bool(paths == expected));
    println!("most fetches in flight at once: {}", PEAK.load(Ordering::SeqCst));
    Ok(())
}

fn main() {
    start_server(|req| {
        Reply::json(200, Value::object([("path", req.path.as_str().into())])).after(Duration::from_millis(20))
    });
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
