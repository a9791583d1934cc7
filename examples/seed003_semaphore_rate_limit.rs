//! Seed 003, "Pattern 5: Rate Limiting with Semaphore": `fetch_with_rate_limit(urls,
//! max_concurrent=5)` gathers one `fetch_one` per URL, each inside `async with
//! semaphore:`.
//!
//! weft: a [`weft::Semaphore`] shared through an `Arc` (the fetches are tasks, on
//! several threads); `let _permit = semaphore.acquire().await?` is `async with
//! semaphore:` (the permit is released when it is dropped). The server is simulated:
//! each fetch sleeps 10 ms and records how many fetches are in flight, so the example
//! can show the limit held.
//!
//! ```text
//! fetched 12 urls, in order: true
//! most fetches in flight at once: 5
//! ```
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft::{Cancelled, Semaphore, gather};

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static MOST: AtomicUsize = AtomicUsize::new(0);

async fn fetch_data(url: String) -> Result<String, Cancelled> {
    let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
    MOST.fetch_max(now, Ordering::SeqCst);
    let r = weft::time::sleep(Duration::from_millis(10)).await;
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    r?;
    Ok(format!("body of {url}"))
}

/// Limit concurrent requests.
async fn fetch_with_rate_limit(urls: Vec<String>, max_concurrent: usize) -> Result<Vec<String>, Cancelled> {
    let semaphore = Arc::new(Semaphore::new(max_concurrent));
    let fetch_one = |url: String| {
        let semaphore = semaphore.clone();
        async move {
            let _permit = semaphore.acquire().await?;
            fetch_data(url).await
        }
    };
    let tasks = urls.into_iter().map(fetch_one).collect();
    gather(tasks).await
}

fn main() {
    weft::run(async {
        let urls: Vec<String> = (0..12).map(|i| format!("https://example.com/{i}")).collect();
        let bodies = fetch_with_rate_limit(urls.clone(), 5).await.unwrap();
        let in_order = bodies.iter().zip(&urls).all(|(b, u)| b == &format!("body of {u}"));
        println!("fetched {} urls, in order: {in_order}", bodies.len());
        println!("most fetches in flight at once: {}", MOST.load(Ordering::SeqCst));
    });
}
