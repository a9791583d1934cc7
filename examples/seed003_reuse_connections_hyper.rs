//! Seed 003, "Optimization: Reuse Connections": `inefficient` opens a new aiohttp
//! session per URL, one after the other; `efficient` opens one and gathers the fetches.
//!
//! weft: the sessions are the aiohttp stand-in of `examples/support/http.rs` (on hyper here: see below) (weft's
//! sockets; it counts the sessions made); [`weft::gather`] runs the fetches at once.
//! Completed as tests/seeds/python/seed003_reuse_connections.py is: a local HTTP/1.1
//! server the program starts answers `{"path": ...}` after 50 ms; `fetch_with_session`
//! (not in the seed) reads the JSON; `main` runs both on ten URLs and compares (about
//! 0.5 s against 0.05 s).
//!
//! This is the same recipe on hyper (`weft::hyper`, feature `hyper`): each session is
//! `support/hyper_http.rs`'s aiohttp stand-in, a pool of keep-alive hyper connections,
//! and the local server is `weft::hyper::serve`. It prints what CPython prints for
//! tests/seeds/python/seed003_reuse_connections.py (tests/seed_examples.rs checks a
//! `_hyper` example against its recipe's output), and checks the connections: ten for
//! the ten sessions of `inefficient`, at most ten more for `efficient`'s one session.
//!
//! Real clock: the local hyper server answers from a runtime on a thread of its own
//!
//! ```text
//! inefficient: 10 results, 10 sessions opened, * ms
//! efficient: 10 results, 1 sessions opened, * ms
//! efficient took less than half as long: True
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
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

async fn fetch_with_session(session: Arc<ClientSession>, url: String) -> Result<Value, ClientError> {
    session.get(&url).await?.json().await
}

// ❌ BAD - creates new session each time
async fn inefficient(urls: Vec<String>) -> Result<Vec<Value>, ClientError> {
    let mut results = Vec::new();
    for url in urls {
        let session = ClientSession::new(); // New session!
        let response = session.get(&url).await;
        let data = match response {
            Ok(response) => response.json().await,
            Err(e) => Err(e),
        };
        session.close().await;
        results.push(data?);
    }
    Ok(results)
}

// ✅ GOOD - reuse single session
async fn efficient(urls: Vec<String>) -> Result<Vec<Value>, ClientError> {
    let session = Arc::new(ClientSession::new()); // Single session
    let tasks = urls.into_iter().map(|url| fetch_with_session(session.clone(), url)).collect();
    let results = weft::gather(tasks).await;
    session.close().await;
    results
}

async fn main_() -> Result<(), ClientError> {
    let urls: Vec<String> = (0..10).map(|i| format!("https://api.example.com/item/{i}")).collect();
    let mut times = Vec::new();
    for name in ["inefficient", "efficient"] {
        let before = SESSIONS_OPENED.load(Ordering::SeqCst);
        let t0 = Instant::now();
        let results = if name == "inefficient" {
            inefficient(urls.clone()).await?
        } else {
            efficient(urls.clone()).await?
        };
        times.push(t0.elapsed());
        let sessions = SESSIONS_OPENED.load(Ordering::SeqCst) - before;
        let connections = http::aiohttp::CONNECTIONS_OPENED.swap(0, Ordering::SeqCst);
        assert!(connections == sessions || (sessions == 1 && connections <= 10), "{connections}");
        let ms = times.last().unwrap().as_millis();
        println!("{name}: {} results, {sessions} sessions opened, {ms} ms", results.len());
    }
    println!("efficient took less than half as long: {}", py::py_bool(times[1] < times[0] / 2));
    Ok(())
}

fn main() {
    start_server(|req| {
        Reply::json(200, Value::object([("path", req.path.as_str().into())])).after(Duration::from_millis(50))
    });
    weft::run(main_()).unwrap();
}
