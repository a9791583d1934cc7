//! Seed 003, "Performance: When asyncio is Fastest": `fetch_1000_urls` gathers a
//! thousand fetches through one aiohttp session ("Single thread handles 1000+
//! concurrent connections!").
//!
//! weft: [`weft::gather`] runs the fetches as a thousand tasks on one thread (the
//! current-thread runtime); the session lets at most 100 connections through at once,
//! as aiohttp's connector does. Completed as
//! tests/seeds/python/seed003_fetch_1000_urls.py is: the session is the aiohttp stand-in
//! of `examples/support/http.rs` (on hyper here: see below), and every request really goes over weft's sockets to a
//! local HTTP/1.1 server the program starts, which answers `{"path": ...}`;
//! `fetch_with_session` (not in the seed) reads the JSON and counts fetches in flight;
//! `main` prints the count, the sessions opened, the peak in flight (all 1000 are
//! started before any completes: a task woken by I/O queues behind the tasks not yet
//! started, as on asyncio's loop) and whether the results are in URL order.
//!
//! This is the same recipe on hyper (`weft::hyper`, feature `hyper`): the session is
//! `support/hyper_http.rs`'s aiohttp stand-in, a pool of at most 100 keep-alive hyper
//! connections, and the local server is `weft::hyper::serve`. It prints what CPython
//! prints for tests/seeds/python/seed003_fetch_1000_urls.py (tests/seed_examples.rs
//! checks a `_hyper` example against its recipe's output), and checks that the
//! thousand requests went over at most 100 connections.
//!
//! Real clock: the local hyper server answers from a runtime on a thread of its own
//!
//! ```text
//! fetched 1000 urls through 1 session
//! most fetches in flight at once: 1000
//! results in URL order: True
//! ```
#[path = "support/hyper_http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;
#[path = "support/py.rs"]
mod py;

use http::aiohttp::{ClientError, ClientSession, SESSIONS_OPENED};
use http::{Reply, start_server};
use json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

async fn fetch_with_session(session: Arc<ClientSession>, url: String) -> Result<Value, ClientError> {
    let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
    PEAK.fetch_max(now, Ordering::SeqCst);
    let data = match session.get(&url).await {
        Ok(response) => response.json().await,
        Err(e) => Err(e),
    };
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    data
}

/// Fetch 1000 URLs concurrently (seconds, not minutes).
async fn fetch_1000_urls(urls: Vec<String>) -> Result<Vec<Value>, ClientError> {
    let session = Arc::new(ClientSession::new()); // async with aiohttp.ClientSession() as session:
    let tasks = urls.into_iter().map(|url| fetch_with_session(session.clone(), url)).collect();
    let results = weft::gather(tasks).await;
    session.close().await;
    results
}

// Single thread handles 1000+ concurrent connections!

async fn main_() -> Result<(), ClientError> {
    let urls: Vec<String> = (0..1000).map(|i| format!("https://api.example.com/item/{i}")).collect();
    let results = fetch_1000_urls(urls).await?;
    println!("fetched {} urls through {} session", results.len(), SESSIONS_OPENED.load(Ordering::SeqCst));
    println!("most fetches in flight at once: {}", PEAK.load(Ordering::SeqCst));
    let paths: Vec<&str> =
        results.iter().map(|r| r.get("path").and_then(Value::as_str).unwrap_or("")).collect();
    let expected: Vec<String> = (0..1000).map(|i| format!("/item/{i}")).collect();
    println!("results in URL order: {}", py::py_bool(paths == expected));
    assert!(http::aiohttp::CONNECTIONS_OPENED.load(Ordering::SeqCst) <= 100, "connections are reused");
    Ok(())
}

fn main() {
    start_server(|req| Reply::json(200, Value::object([("path", req.path.as_str().into())])));
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
