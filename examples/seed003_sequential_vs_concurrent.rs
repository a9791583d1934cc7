//! Seed 003, "Pitfall 5: Sequential Instead of Concurrent": awaiting each fetch in a
//! loop runs them one at a time; `asyncio.gather(*tasks)` runs them all at once.
//!
//! weft: the BAD loop awaits each future in turn; the GOOD version hands them all to
//! [`weft::gather`]. The fetch is simulated (20 ms each, 5 URLs): the sequential
//! version takes about 100 ms, the concurrent one about 20 ms. Times vary; the check
//! is that the concurrent run took less than half as long.
//!
//! ```text
//! sequential: 5 results in * ms
//! concurrent: 5 results in * ms
//! concurrent took less than half as long: true
//! ```
use std::time::{Duration, Instant};
use weft::{Cancelled, gather};

async fn fetch(url: String) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(20)).await?;
    Ok(format!("body of {url}"))
}

/// ❌ BAD - runs sequentially (slow)
async fn sequential(urls: &[String]) -> Result<Vec<String>, Cancelled> {
    let mut results = Vec::new();
    for url in urls {
        results.push(fetch(url.clone()).await?); // One at a time
    }
    Ok(results)
}

/// ✅ GOOD - runs concurrently (fast)
async fn concurrent(urls: &[String]) -> Result<Vec<String>, Cancelled> {
    let tasks = urls.iter().cloned().map(fetch).collect();
    gather(tasks).await // All at once
}

fn main() {
    weft::run(async {
        let urls: Vec<String> = (0..5).map(|i| format!("https://example.com/{i}")).collect();
        let start = Instant::now();
        let a = sequential(&urls).await.unwrap();
        let seq = start.elapsed();
        println!("sequential: {} results in {} ms", a.len(), seq.as_millis());
        let start = Instant::now();
        let b = concurrent(&urls).await.unwrap();
        let conc = start.elapsed();
        println!("concurrent: {} results in {} ms", b.len(), conc.as_millis());
        assert_eq!(a, b);
        println!("concurrent took less than half as long: {}", conc * 2 < seq);
    });
}
