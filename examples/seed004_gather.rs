//! Seed 004, "asyncio.gather()": `fetch_multiple(urls)` gathers one fetch per URL;
//! `fetch_with_errors(urls)` gathers with `return_exceptions=True` and replaces each
//! exception with `None`.
//!
//! weft: [`weft::gather`] (values in argument order, or the first error) and
//! [`weft::gather_settled`] (`return_exceptions=True`: every child's result); `None` is
//! `Option::None`. The server is simulated: a fetch sleeps a few milliseconds, and the
//! URL containing "down" fails.
//!
//! ```text
//! fetch_multiple: [{'url': 'https://a.example', 'status': 'ok'}, {'url': 'https://b.example', 'status': 'ok'}]
//! fetch_with_errors: [Some("{'url': 'https://a.example', 'status': 'ok'}"), None, Some("{'url': 'https://b.example', 'status': 'ok'}")]
//! ```
use std::fmt;
use std::time::Duration;
use weft::{Cancelled, gather, gather_settled};

#[derive(Debug)]
enum FetchError {
    Down(String),
    Cancelled(Cancelled),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Down(url) => write!(f, "{url} is down"),
            FetchError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl From<Cancelled> for FetchError {
    fn from(c: Cancelled) -> Self {
        FetchError::Cancelled(c)
    }
}

async fn fetch_data(url: String) -> Result<String, FetchError> {
    weft::time::sleep(Duration::from_millis(5)).await?;
    if url.contains("down") {
        return Err(FetchError::Down(url));
    }
    Ok(format!("{{'url': '{url}', 'status': 'ok'}}"))
}

/// Fetch multiple URLs concurrently.
async fn fetch_multiple(urls: &[&str]) -> Result<Vec<String>, FetchError> {
    let tasks = urls.iter().map(|u| fetch_data(u.to_string())).collect();
    gather(tasks).await
}

/// Handle individual failures.
async fn fetch_with_errors(urls: &[&str]) -> Result<Vec<Option<String>>, Cancelled> {
    let tasks = urls.iter().map(|u| fetch_data(u.to_string())).collect();
    let results = gather_settled(tasks).await?;
    // Replace exceptions with None
    Ok(results.into_iter().map(|r| r.ok().and_then(Result::ok)).collect())
}

fn main() {
    weft::run(async {
        let pages = fetch_multiple(&["https://a.example", "https://b.example"]).await.unwrap();
        println!("fetch_multiple: [{}]", pages.join(", "));
        let pages =
            fetch_with_errors(&["https://a.example", "https://down.example", "https://b.example"]).await;
        println!("fetch_with_errors: {:?}", pages.unwrap());
    });
}
