//! Seed 004, "Lock": a `Counter` whose `increment` reads the value, sleeps (simulated
//! work) and writes it back, all under `async with self._lock`; five workers increment
//! ten times each; `main` prints "Final value: 50".
//!
//! weft: a [`weft::Lock`] guards the critical section (`let _guard =
//! lock.acquire().await?` is `async with lock:`, released when the guard drops). The
//! value sits in an atomic (the workers are tasks on several threads, and Rust wants
//! shared state to be `Sync`); the lock is what keeps the read-sleep-write sequence
//! whole. Without it, the same workers lose updates, which the second line shows. The
//! sleep is 1 ms instead of 0.1 s.
//!
//! ```text
//! Final value: 50
//! without the lock: lost updates: true
//! ```
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use weft::{Cancelled, Lock, gather};

/// Protect shared state.
#[derive(Default)]
struct Counter {
    value: AtomicU64,
    lock: Lock,
}

impl Counter {
    async fn increment(&self, use_lock: bool) -> Result<(), Cancelled> {
        let _guard = if use_lock { Some(self.lock.acquire().await?) } else { None };
        // Critical section
        let current = self.value.load(Ordering::SeqCst);
        weft::time::sleep(Duration::from_millis(1)).await?; // Simulate work
        self.value.store(current + 1, Ordering::SeqCst);
        Ok(())
    }

    async fn get_value(&self) -> Result<u64, Cancelled> {
        let _guard = self.lock.acquire().await?;
        Ok(self.value.load(Ordering::SeqCst))
    }
}

async fn worker(counter: Arc<Counter>, use_lock: bool) -> Result<(), Cancelled> {
    for _ in 0..10 {
        counter.increment(use_lock).await?;
    }
    Ok(())
}

async fn run(use_lock: bool) -> u64 {
    let counter = Arc::new(Counter::default());
    gather((0..5).map(|_| worker(counter.clone(), use_lock)).collect()).await.unwrap();
    counter.get_value().await.unwrap()
}

fn main() {
    weft::run(async {
        println!("Final value: {}", run(true).await);
        println!("without the lock: lost updates: {}", run(false).await < 50);
    });
}
