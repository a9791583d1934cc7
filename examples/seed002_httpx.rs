//! Seed 002, "httpx.AsyncClient example": three GETs through one `AsyncClient`,
//! gathered, each with a 10 s timeout; the status codes are printed with their URLs.
//!
//! weft: the client is the httpx stand-in of `examples/support/http.rs`, over weft's
//! sockets, talking to a local HTTP/1.1 server the program starts (weft's
//! `TcpListener`, on its own thread), which answers 200 to every path: every request
//! goes to it, whatever host the URL names, as
//! tests/seeds/python/seed002_httpx.py does. The URLs and the rest are the seed's.
//! [`weft::gather`] runs the fetches as tasks, results in argument order.
//!
//! ```text
//! 200 https://httpbin.org/get
//! 200 https://example.com
//! 200 https://python.org
//! ```
//!
//! Real clock: the local HTTP server answers from a thread of its own
//! (`examples/support/http.rs`), and a paused clock does not wait for a reply in flight (it
//! would fire the client's timeout first), so `tests/seed_examples.rs` runs this one in
//! real time. Its output does not depend on timing: the server answers at once, under a 10
//! s timeout.
#[path = "support/http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;

use http::httpx::{AsyncClient, HttpError};
use http::{Reply, start_server};
use json::Value;
use std::sync::Arc;
use std::time::Duration;

async fn fetch(client: Arc<AsyncClient>, url: &'static str) -> Result<u16, HttpError> {
    let r = client.get(url, Duration::from_secs(10)).await?;
    Ok(r.status_code)
}

async fn main_() -> Result<(), HttpError> {
    let urls = ["https://httpbin.org/get", "https://example.com", "https://python.org"];
    let client = Arc::new(AsyncClient::new()); // async with httpx.AsyncClient() as client:
    let codes = weft::gather(urls.iter().map(|u| fetch(client.clone(), u)).collect()).await;
    client.aclose().await;
    for (u, c) in urls.iter().zip(codes?) {
        println!("{c} {u}");
    }
    Ok(())
}

fn main() {
    start_server(|req| {
        Reply::json(
            200,
            Value::object([("host", req.host.as_str().into()), ("path", req.path.as_str().into())]),
        )
    });
    weft::run(main_()).unwrap();
}
