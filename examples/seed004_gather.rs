//! Seed 004, "asyncio.gather()": `fetch_multiple` gathers one fetch per URL;
//! `fetch_with_errors` gathers with `return_exceptions=True` and turns each exception
//! into `None`.
//!
//! weft: [`weft::gather`] returns the values in argument order (or the first error);
//! [`weft::gather_settled`] is `return_exceptions=True`, every child's outcome.
//! Completed as tests/seeds/python/seed004_gather.py is: the seed's `fetch_data` (10 ms)
//! fails for a URL containing "down"; `main` fetches two good URLs, then three with one
//! failing.
//!
//! ```text
//! fetch_multiple: [{'url': 'https://a.example', 'status': 'ok'}, {'url': 'https://b.example', 'status': 'ok'}]
//! fetch_with_errors: [{'url': 'https://a.example', 'status': 'ok'}, None, {'url': 'https://b.example', 'status': 'ok'}]
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::Cancelled;

#[derive(Debug)]
enum Error {
    Connection(String),
    Cancelled(Cancelled),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Connection(m) => f.write_str(m),
            Error::Cancelled(c) => c.fmt(f),
        }
    }
}

impl From<Cancelled> for Error {
    fn from(c: Cancelled) -> Self {
        Error::Cancelled(c)
    }
}

/// `{'url': url, 'status': 'ok'}`
struct Data {
    url: String,
}

impl Repr for Data {
    fn repr(&self) -> String {
        py::dict(&[("url", &self.url), ("status", &"ok")])
    }
}

/// Asynchronous function.
async fn fetch_data(url: String) -> Result<Data, Error> {
    weft::time::sleep(Duration::from_millis(10)).await?; // Simulate I/O
    if url.contains("down") {
        return Err(Error::Connection(format!("{url} is down")));
    }
    Ok(Data { url })
}

/// Fetch multiple URLs concurrently.
async fn fetch_multiple(urls: &[&str]) -> Result<Vec<Data>, Error> {
    let tasks = urls.iter().map(|url| fetch_data(url.to_string())).collect();
    weft::gather(tasks).await
}

/// Handle individual failures.
async fn fetch_with_errors(urls: &[&str]) -> Result<Vec<Option<Data>>, Cancelled> {
    let tasks = urls.iter().map(|url| fetch_data(url.to_string())).collect();
    let results = weft::gather_settled(tasks).await?;

    // Filter out exceptions
    Ok(results.into_iter().map(|r| r.ok().and_then(Result::ok)).collect())
}

async fn main_() -> Result<(), Error> {
    println!("fetch_multiple: {}", fetch_multiple(&["https://a.example", "https://b.example"]).await?.repr());
    let urls = ["https://a.example", "https://down.example", "https://b.example"];
    println!("fetch_with_errors: {}", fetch_with_errors(&urls).await?.repr());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap_or_else(|e| panic!("{e}"));
}
