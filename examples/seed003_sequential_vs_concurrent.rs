//! Seed 003, "Pitfall 5: Sequential Instead of Concurrent": awaiting fetches one by one
//! in a loop takes the sum of their times; gathering them takes about the longest.
//!
//! weft: [`weft::gather`] runs the futures as tasks at once. Completed as
//! tests/seeds/python/seed003_sequential_vs_concurrent.py is: five URLs and an in-process
//! `fetch` of 0.1 s; `main` runs both and compares (about 0.5 s against 0.1 s), timed by
//! the runtime's clock ([`weft::time::now`], asyncio's `loop.time()`; the seed's
//! `time.perf_counter()` reads the same real time when the clock is not paused).
//!
//! ```text
//! sequential: 5 results in * ms
//! concurrent: 5 results in * ms
//! same results: True
//! concurrent took less than half as long: True
//! ```
#[path = "support/py.rs"]
mod py;

use std::time::Duration;
use weft::Cancelled;

fn urls() -> Vec<String> {
    (0..5).map(|i| format!("https://example.com/{i}")).collect()
}

async fn fetch(url: String) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(100)).await?;
    Ok(format!("data from {url}"))
}

// ❌ BAD - runs sequentially (slow)
async fn sequential() -> Result<Vec<String>, Cancelled> {
    let mut results = Vec::new();
    for url in urls() {
        results.push(fetch(url).await?); // One at a time
    }
    Ok(results)
}

// ✅ GOOD - runs concurrently (fast)
async fn concurrent() -> Result<Vec<String>, Cancelled> {
    let tasks = urls().into_iter().map(fetch).collect();
    weft::gather(tasks).await // All at once
}

async fn main_() -> Result<(), Cancelled> {
    let t0 = weft::time::now();
    let seq = sequential().await?;
    let t1 = weft::time::now();
    let con = concurrent().await?;
    let t2 = weft::time::now();
    println!("sequential: {} results in {} ms", seq.len(), (t1 - t0).as_millis());
    println!("concurrent: {} results in {} ms", con.len(), (t2 - t1).as_millis());
    println!("same results: {}", py::py_bool(seq == con));
    println!("concurrent took less than half as long: {}", py::py_bool(t2 - t1 < (t1 - t0) / 2));
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
