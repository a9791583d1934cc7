//! Seed 004, "Semaphore": `fetch_with_semaphore` gathers one fetch per URL, each inside
//! an `asyncio.Semaphore(max_concurrent)`.
//!
//! weft: [`weft::Semaphore`] caps the fetches; [`weft::gather`] keeps argument order.
//! Completed as tests/seeds/python/seed004_semaphore.py is: the seed's `fetch_data`
//! (10 ms) with a counter of fetches in flight; 20 URLs, five at a time. On the
//! current-thread runtime the first five are all in flight before any finishes, as on
//! asyncio's loop: the peak is exactly five.
//!
//! ```text
//! 20 results, in order: True
//! never more than 5 at once: True (peak 5)
//! ```
#[path = "support/py.rs"]
mod py;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft::{Cancelled, Semaphore};

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

/// Asynchronous function: `{'url': url, 'status': 'ok'}`.
async fn fetch_data(url: String) -> Result<(String, &'static str), Cancelled> {
    let now = IN_FLIGHT.fetch_add(1, Ordering::SeqCst) + 1;
    PEAK.fetch_max(now, Ordering::SeqCst);
    weft::time::sleep(Duration::from_millis(10)).await?; // Simulate I/O
    IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
    Ok((url, "ok"))
}

/// Limit concurrent requests.
async fn fetch_with_semaphore(
    urls: &[String],
    max_concurrent: usize,
) -> Result<Vec<(String, &'static str)>, Cancelled> {
    let semaphore = Arc::new(Semaphore::new(max_concurrent));

    let fetch_limited = |url: String| {
        let semaphore = semaphore.clone();
        async move {
            let _permit = semaphore.acquire().await?;
            fetch_data(url).await
        }
    };

    let tasks = urls.iter().cloned().map(fetch_limited).collect();
    weft::gather(tasks).await
}

async fn main_() -> Result<(), Cancelled> {
    let urls: Vec<String> = (0..20).map(|i| format!("https://example.com/{i}")).collect();
    let results = fetch_with_semaphore(&urls, 5).await?;
    let in_order = results.iter().map(|(url, _)| url).eq(urls.iter());
    println!("{} results, in order: {}", results.len(), py::py_bool(in_order));
    let peak = PEAK.load(Ordering::SeqCst);
    println!("never more than 5 at once: {} (peak {peak})", py::py_bool(peak <= 5));
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
