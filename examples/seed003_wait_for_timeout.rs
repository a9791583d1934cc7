//! Seed 003, "Pattern 3: Timeouts with wait_for()": `fetch_with_timeout` awaits the
//! seed's `fetch_data(url)` under `asyncio.wait_for`, logs a warning when it times out,
//! and re-raises.
//!
//! weft: [`weft::wait_for`] is CPython 3.13's; the body's error type (the aiohttp
//! stand-in's) holds the timeout. Completed as
//! tests/seeds/python/seed003_wait_for_timeout.py is: `fetch_data` is the seed's own,
//! over the aiohttp stand-in of `examples/support/http.rs` (weft's sockets), to a local
//! HTTP/1.1 server the program starts, which answers after 1 s for a host containing
//! "slow"; `LOG` is `logging.getLogger(__name__)` writing to stdout
//! (`examples/support/py.rs`); a fast URL runs under the default 5.0 s, a slow one under
//! 0.2 s.
//!
//! ```text
//! https://fast.example.com: {'status': 'ok'}
//! WARNING:__main__:Timeout fetching https://slow.example.com
//! https://slow.example.com: raised TimeoutError
//! ```
//!
//! Real clock: the local HTTP server answers from a thread of its own
//! (`examples/support/http.rs`), and a paused clock does not wait for a reply in flight (it
//! would fire the client's timeout first), so `tests/seed_examples.rs` runs this one in
//! real time. The margins: the slow host answers after 1 s against the 0.2 s timeout; the
//! fast one at once, under 5 s.
#[path = "support/http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;
#[path = "support/py.rs"]
mod py;

use http::aiohttp::{ClientError, ClientSession};
use http::{Reply, start_server};
use json::Value;
use py::Logger;
use std::time::Duration;
use weft::wait_for;

static LOG: Logger = Logger::new("__main__");

/// Fetch data from URL asynchronously.
async fn fetch_data(url: &str) -> Result<Value, ClientError> {
    let session = ClientSession::new();
    let data = match session.get(url).await {
        Ok(response) => response.json().await,
        Err(e) => Err(e),
    };
    session.close().await;
    data
}

/// Fetch with timeout.
async fn fetch_with_timeout(url: &str, timeout: f64) -> Result<Value, ClientError> {
    match wait_for(fetch_data(url), Duration::from_secs_f64(timeout)).await {
        Err(e @ ClientError::Timeout(_)) => {
            LOG.warning(&format!("Timeout fetching {url}"));
            Err(e)
        }
        result => result,
    }
}

async fn main_() -> Result<(), ClientError> {
    for (url, timeout) in [("https://fast.example.com", 5.0), ("https://slow.example.com", 0.2)] {
        match fetch_with_timeout(url, timeout).await {
            Ok(data) => println!("{url}: {}", data.repr()),
            Err(ClientError::Timeout(_)) => println!("{url}: raised TimeoutError"),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn main() {
    start_server(|req| {
        let reply = Reply::json(200, Value::object([("status", "ok".into())]));
        if req.host.contains("slow") { reply.after(Duration::from_secs(1)) } else { reply }
    });
    weft::run(main_()).unwrap();
}
