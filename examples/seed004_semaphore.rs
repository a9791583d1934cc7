//! Seed 004, "Semaphore": `fetch_with_semaphore(urls, max_concurrent=5)` wraps each
//! fetch in `async with semaphore:` and gathers them.
//!
//! weft: a [`weft::Semaphore`] in an `Arc` (the fetches are tasks, possibly on other
//! threads); the permit from `acquire().await?` is released when it drops. Fetches are
//! simulated (10 ms each) and count how many run at once.
//!
//! ```text
//! 20 results, in order: true
//! never more than 5 at once: true (peak *)
//! ```
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft::{Cancelled, Semaphore, gather};

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

async fn fetch_data(url: String) -> Result<String, Cancelled> {
    PEAK.fetch_max(NOW.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
    let r = weft::time::sleep(Duration::from_millis(10)).await;
    NOW.fetch_sub(1, Ordering::SeqCst);
    r?;
    Ok(url)
}

/// Limit concurrent requests.
async fn fetch_with_semaphore(urls: Vec<String>, max_concurrent: usize) -> Result<Vec<String>, Cancelled> {
    let semaphore = Arc::new(Semaphore::new(max_concurrent));
    let fetch_limited = |url: String| {
        let semaphore = semaphore.clone();
        async move {
            let _permit = semaphore.acquire().await?;
            fetch_data(url).await
        }
    };
    gather(urls.into_iter().map(fetch_limited).collect()).await
}

fn main() {
    weft::run(async {
        let urls: Vec<String> = (0..20).map(|i| format!("https://example.com/{i}")).collect();
        let results = fetch_with_semaphore(urls.clone(), 5).await.unwrap();
        println!("{} results, in order: {}", results.len(), results == urls);
        let peak = PEAK.load(Ordering::SeqCst);
        println!("never more than 5 at once: {} (peak {peak})", peak <= 5);
    });
}
