//! Seed 004, "Lock": `Counter.increment()` reads the value, awaits simulated work, and
//! writes it back, under an `asyncio.Lock`; five workers increment ten times each.
//!
//! weft: [`weft::Lock`] is asyncio's lock (the guard is the `async with` block); the
//! workers run as tasks of [`weft::gather`] on every worker thread of the multi-thread
//! runtime. Completed as tests/seeds/python/seed004_lock.py is: the work sleeps 2 ms;
//! `main` (never run in the seed) is run; an added second part runs the same workers on
//! a counter without the lock and prints whether updates were lost.
//!
//! ```text
//! Final value: 50
//! without the lock: lost updates: True
//! ```
#[path = "support/py.rs"]
mod py;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use weft::{Cancelled, Lock};

/// Protect shared state
struct Counter {
    value: AtomicU64,
    lock: Lock,
    /// The added variant without the lock.
    locked: bool,
}

impl Counter {
    fn new(locked: bool) -> Arc<Counter> {
        Arc::new(Counter { value: AtomicU64::new(0), lock: Lock::new(), locked })
    }

    async fn increment(&self) -> Result<(), Cancelled> {
        let _guard = if self.locked { Some(self.lock.acquire().await?) } else { None };
        // Critical section
        let current = self.value.load(Ordering::SeqCst);
        weft::time::sleep(Duration::from_millis(2)).await?; // Simulate work
        self.value.store(current + 1, Ordering::SeqCst);
        Ok(())
    }

    async fn get_value(&self) -> Result<u64, Cancelled> {
        let _guard = self.lock.acquire().await?;
        Ok(self.value.load(Ordering::SeqCst))
    }
}

async fn worker(counter: Arc<Counter>) -> Result<(), Cancelled> {
    for _ in 0..10 {
        counter.increment().await?;
    }
    Ok(())
}

async fn main_() -> Result<(), Cancelled> {
    let counter = Counter::new(true);
    weft::gather((0..5).map(|_| worker(counter.clone())).collect()).await?;
    println!("Final value: {}", counter.get_value().await?);
    Ok(())
}

async fn without_lock() -> Result<(), Cancelled> {
    let c = Counter::new(false);
    weft::gather((0..5).map(|_| worker(c.clone())).collect()).await?;
    println!("without the lock: lost updates: {}", py::py_bool(c.get_value().await? < 50));
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
    weft::run(without_lock()).unwrap();
}
