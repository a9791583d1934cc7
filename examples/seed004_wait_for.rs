//! Seed 004, "asyncio.wait_for()": `fetch_with_timeout(url, timeout)` prints "Timeout
//! fetching {url}" and returns `{"error": "timeout"}` when the fetch takes too long;
//! `fetch_multiple_with_timeout(urls, timeout)` puts one overall timeout on gathering
//! them all, and returns an error entry per URL when it passes.
//!
//! weft: [`weft::wait_for`] (`Err(Interrupted::TimedOut)` when the deadline passes; the
//! fetch, or the whole gather with its children, is cancelled). Fetches are simulated:
//! URLs containing "slow" take 1 s; the timeouts are 50 ms (the seed's 5 s and 10 s).
//!
//! ```text
//! {'url': 'https://a.example', 'status': 'ok'}
//! Timeout fetching https://slow.example
//! {'error': 'timeout'}
//! all within the overall timeout: ["{'url': 'https://a.example', 'status': 'ok'}", "{'url': 'https://b.example', 'status': 'ok'}"]
//! overall timeout: ["{'error': 'timeout'}", "{'error': 'timeout'}"]
//! ```
use std::time::Duration;
use weft::{Interrupted, gather, wait_for};

async fn fetch_data(url: String) -> Result<String, Interrupted> {
    let ms = if url.contains("slow") { 1000 } else { 5 };
    weft::time::sleep(Duration::from_millis(ms)).await?;
    Ok(format!("{{'url': '{url}', 'status': 'ok'}}"))
}

/// Fetch with timeout.
async fn fetch_with_timeout(url: &str, timeout: Duration) -> String {
    match wait_for(fetch_data(url.to_string()), timeout).await {
        Ok(result) => result,
        Err(_) => {
            println!("Timeout fetching {url}");
            "{'error': 'timeout'}".to_string()
        }
    }
}

async fn fetch_multiple(urls: &[&str]) -> Result<Vec<String>, Interrupted> {
    gather(urls.iter().map(|u| fetch_data(u.to_string())).collect()).await
}

/// Fetch multiple with overall timeout.
async fn fetch_multiple_with_timeout(urls: &[&str], timeout: Duration) -> Vec<String> {
    match wait_for(fetch_multiple(urls), timeout).await {
        Ok(result) => result,
        Err(_) => urls.iter().map(|_| "{'error': 'timeout'}".to_string()).collect(),
    }
}

fn main() {
    weft::run(async {
        let t = Duration::from_millis(50);
        println!("{}", fetch_with_timeout("https://a.example", t).await);
        println!("{}", fetch_with_timeout("https://slow.example", t).await);
        let all = fetch_multiple_with_timeout(&["https://a.example", "https://b.example"], t).await;
        println!("all within the overall timeout: {all:?}");
        let all = fetch_multiple_with_timeout(&["https://a.example", "https://slow.example"], t).await;
        println!("overall timeout: {all:?}");
    });
}
