//! Seed 004, "asyncio.wait_for()": `fetch_with_timeout` awaits one fetch under
//! `wait_for` and turns a timeout into `{"error": "timeout"}`;
//! `fetch_multiple_with_timeout` puts one overall timeout on a gather.
//!
//! weft: [`weft::wait_for`] is CPython 3.13's: a timeout around the future, which is
//! cancelled when the time is up (a gather, cancelled, cancels its children and waits
//! for them). Completed as tests/seeds/python/seed004_wait_for.py is: the seed's
//! `fetch_data` (10 ms, but 1 s for a URL containing "slow") and `fetch_multiple`; fast
//! calls run under the seed's default timeouts (5.0 and 10.0 s), slow ones under 0.05 s.
//!
//! ```text
//! {'url': 'https://a.example', 'status': 'ok'}
//! Timeout fetching https://slow.example
//! {'error': 'timeout'}
//! all within the overall timeout: [{'url': 'https://a.example', 'status': 'ok'}, {'url': 'https://b.example', 'status': 'ok'}]
//! overall timeout: [{'error': 'timeout'}, {'error': 'timeout'}]
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::{Interrupted, wait_for};

/// `{'url': url, 'status': 'ok'}`, or `{'error': 'timeout'}`.
enum Data {
    Ok { url: String },
    Error(&'static str),
}

impl Repr for Data {
    fn repr(&self) -> String {
        match self {
            Data::Ok { url } => py::dict(&[("url", url), ("status", &"ok")]),
            Data::Error(e) => py::dict(&[("error", e)]),
        }
    }
}

/// Asynchronous function.
async fn fetch_data(url: String) -> Result<Data, Interrupted> {
    let took = if url.contains("slow") { Duration::from_secs(1) } else { Duration::from_millis(10) };
    weft::time::sleep(took).await?; // Simulate I/O
    Ok(Data::Ok { url })
}

/// Fetch multiple URLs concurrently.
async fn fetch_multiple(urls: &[&str]) -> Result<Vec<Data>, Interrupted> {
    let tasks = urls.iter().map(|url| fetch_data(url.to_string())).collect();
    weft::gather(tasks).await
}

/// Fetch with timeout.
async fn fetch_with_timeout(url: &str, timeout: f64) -> Result<Data, Interrupted> {
    match wait_for(fetch_data(url.to_string()), Duration::from_secs_f64(timeout)).await {
        Err(Interrupted::TimedOut(_)) => {
            println!("Timeout fetching {url}");
            Ok(Data::Error("timeout"))
        }
        result => result,
    }
}

/// Fetch multiple with overall timeout.
async fn fetch_multiple_with_timeout(urls: &[&str], timeout: f64) -> Result<Vec<Data>, Interrupted> {
    match wait_for(fetch_multiple(urls), Duration::from_secs_f64(timeout)).await {
        Err(Interrupted::TimedOut(_)) => Ok(urls.iter().map(|_| Data::Error("timeout")).collect()),
        result => result,
    }
}

async fn main_() -> Result<(), Interrupted> {
    println!("{}", fetch_with_timeout("https://a.example", 5.0).await?.repr());
    println!("{}", fetch_with_timeout("https://slow.example", 0.05).await?.repr());
    let all = fetch_multiple_with_timeout(&["https://a.example", "https://b.example"], 10.0).await?;
    println!("all within the overall timeout: {}", all.repr());
    let cut = fetch_multiple_with_timeout(&["https://a.example", "https://slow.example"], 0.05).await?;
    println!("overall timeout: {}", cut.repr());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
