//! Seed 002, "Bounded fan-out with a concurrency cap": five GETs gathered through one
//! client, at most three at a time (an `asyncio.Semaphore`); each returns its URL and
//! status code, or `"error: …"` if the request raised.
//!
//! weft: [`weft::Semaphore`] caps the fetches, [`weft::gather`] keeps argument order.
//! The client is the httpx stand-in of `examples/support/http.rs` (weft's sockets),
//! talking to a local HTTP/1.1 server the program starts, which answers
//! `/status/<code>` with that code after 20 ms, as
//! tests/seeds/python/seed002_bounded_fan_out.py does. As with httpx, a 404 or a 500 is
//! a response, not an error, so no "error:" line. `except Exception` does not catch a
//! cancellation: the port propagates one.
//!
//! ```text
//! 200 https://httpbin.org/status/200
//! 200 https://httpbin.org/status/200
//! 404 https://httpbin.org/status/404
//! 500 https://httpbin.org/status/500
//! 200 https://httpbin.org/status/200
//! ```
//!
//! Real clock: the local HTTP server answers from a thread of its own
//! (`examples/support/http.rs`), and a paused clock does not wait for a reply in flight (it
//! would fire the client's timeout first), so `tests/seed_examples.rs` runs this one in
//! real time. Its output does not depend on timing: each request's 10 s timeout is 500
//! times the server's 20 ms delay.
#[path = "support/http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;

use http::httpx::{AsyncClient, HttpError};
use http::{Body, Reply, start_server};
use std::sync::Arc;
use std::time::Duration;
use weft::{Cancelled, Semaphore};

async fn fetch_one(
    client: Arc<AsyncClient>,
    sem: Arc<Semaphore>,
    url: String,
) -> Result<(String, String), Cancelled> {
    let _permit = sem.acquire().await?;
    match client.get(&url, Duration::from_secs(10)).await {
        Ok(r) => Ok((url, r.status_code.to_string())),
        Err(HttpError::Cancelled(c)) => Err(c),
        Err(e) => Ok((url, format!("error: {e}"))),
    }
}

async fn fetch_all(urls: Vec<String>, concurrency: usize) -> Result<Vec<(String, String)>, Cancelled> {
    let sem = Arc::new(Semaphore::new(concurrency));
    let client = Arc::new(AsyncClient::new()); // async with httpx.AsyncClient() as client:
    let results =
        weft::gather(urls.into_iter().map(|u| fetch_one(client.clone(), sem.clone(), u)).collect()).await;
    client.aclose().await;
    results
}

async fn main_() -> Result<(), Cancelled> {
    let urls = [200, 200, 404, 500, 200].map(|c| format!("https://httpbin.org/status/{c}"));
    for (url, status) in fetch_all(urls.to_vec(), 3).await? {
        println!("{status} {url}");
    }
    Ok(())
}

fn main() {
    start_server(|req| {
        let status = req.path.strip_prefix("/status/").and_then(|c| c.parse().ok()).unwrap_or(404);
        Reply { status, body: Body::Text(String::new()), delay: Duration::from_millis(20) }
    });
    weft::run(main_()).unwrap();
}
