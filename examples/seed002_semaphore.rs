//! Seed 002, "Semaphore — bound concurrency": ten requests gathered, at most three
//! inside an `asyncio.Semaphore(3)` at once; each prints when it gets in. The seed shows
//! the first four lines and "..."; all ten print, in order.
//!
//! weft: [`weft::Semaphore`] is asyncio's: FIFO, and a release hands the permit straight
//! to the first waiter, so the requests get in in the order they asked. On the
//! current-thread runtime the tasks ask in asyncio's order. The program is the seed's as
//! written.
//!
//! ```text
//! request 0 running (active ≤ 3)
//! request 1 running (active ≤ 3)
//! request 2 running (active ≤ 3)
//! request 3 running (active ≤ 3)
//! request 4 running (active ≤ 3)
//! request 5 running (active ≤ 3)
//! request 6 running (active ≤ 3)
//! request 7 running (active ≤ 3)
//! request 8 running (active ≤ 3)
//! request 9 running (active ≤ 3)
//! ```
use std::sync::Arc;
use std::time::Duration;
use weft::{Cancelled, Semaphore};

async fn request(sem: Arc<Semaphore>, n: u32) -> Result<(), Cancelled> {
    let _permit = sem.acquire().await?;
    println!("request {n} running (active ≤ 3)");
    weft::time::sleep(Duration::from_millis(50)).await
}

async fn main_() -> Result<(), Cancelled> {
    let sem = Arc::new(Semaphore::new(3));
    weft::gather((0..10).map(|i| request(sem.clone(), i)).collect()).await?;
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
