//! Seed 001, "Batching with Semaphores": ten simulated fetches gathered at once, with an
//! `asyncio.Semaphore(3)` letting only three run at a time.
//!
//! weft: [`weft::Semaphore`] is asyncio's (FIFO, a permit handed straight to the next
//! waiter); `async with semaphore:` is a permit guard held for the block;
//! [`weft::gather`] runs the coroutines as tasks and returns their results in argument
//! order. Completed as tests/seeds/python/seed001_batching_semaphore.py is: the request
//! sleeps 0.05 s, and a counter around it reports the most fetches inside the semaphore
//! at once. The current-thread runtime runs the tasks in asyncio's order.
//!
//! ```text
//! Fetched 10 URLs
//! at most 3 at once; results in order: True
//! ```
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft::{Cancelled, Semaphore};

static ACTIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

async fn fetch_url(semaphore: Arc<Semaphore>, url: String) -> Result<String, Cancelled> {
    let _permit = semaphore.acquire().await?;
    // Only 3 requests run at a time
    let now = ACTIVE.fetch_add(1, Ordering::SeqCst) + 1;
    PEAK.fetch_max(now, Ordering::SeqCst);
    weft::time::sleep(Duration::from_millis(50)).await?; // Simulated request
    ACTIVE.fetch_sub(1, Ordering::SeqCst);
    Ok(format!("Data from {url}"))
}

async fn main_() -> Result<(), Cancelled> {
    let semaphore = Arc::new(Semaphore::new(3)); // Max 3 concurrent
    let urls: Vec<String> = (0..10).map(|i| format!("api.example.com/item/{i}")).collect();

    let tasks = urls.iter().map(|url| fetch_url(semaphore.clone(), url.clone())).collect();
    let results = weft::gather(tasks).await?;

    println!("Fetched {} URLs", results.len());
    let in_order = results.iter().zip(&urls).all(|(r, u)| *r == format!("Data from {u}"));
    let in_order = if in_order && results.len() == urls.len() { "True" } else { "False" };
    println!("at most {} at once; results in order: {in_order}", PEAK.load(Ordering::SeqCst));
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
