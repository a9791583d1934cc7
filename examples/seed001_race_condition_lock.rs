//! Seed 001, "Race Condition Prevention": two workers increment a shared counter five
//! times each through `Counter.increment()`, which holds an `asyncio.Lock` around the
//! read-modify-write; the final value is 10.
//!
//! weft: the counter's value sits behind a [`weft::Lock`] (`async with self.lock:` is
//! the guard held for the block); [`weft::gather!`] runs both workers as tasks. The
//! program is the seed's as written. As in CPython, worker A does all five increments
//! before B starts: an uncontended `acquire` does not suspend and nothing awaits inside
//! the lock, so A never gives up its turn, on the current-thread runtime that runs
//! tasks in asyncio's order.
//!
//! ```text
//! Worker A incremented to 1
//! Worker A incremented to 2
//! Worker A incremented to 3
//! Worker A incremented to 4
//! Worker A incremented to 5
//! Worker B incremented to 6
//! Worker B incremented to 7
//! Worker B incremented to 8
//! Worker B incremented to 9
//! Worker B incremented to 10
//! Final value: 10
//! ```
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use weft::{Cancelled, Lock};

struct Counter {
    value: AtomicU32,
    lock: Lock,
}

impl Counter {
    fn new() -> Counter {
        Counter { value: AtomicU32::new(0), lock: Lock::new() }
    }

    async fn increment(&self) -> Result<u32, Cancelled> {
        let _guard = self.lock.acquire().await?;
        let value = self.value.load(Ordering::SeqCst) + 1;
        self.value.store(value, Ordering::SeqCst);
        Ok(value)
    }
}

async fn worker(counter: Arc<Counter>, worker_id: &'static str) -> Result<(), Cancelled> {
    for _ in 0..5 {
        let value = counter.increment().await?;
        println!("Worker {worker_id} incremented to {value}");
    }
    Ok(())
}

async fn main_() -> Result<(), Cancelled> {
    let counter = Arc::new(Counter::new());
    weft::gather!(worker(counter.clone(), "A"), worker(counter.clone(), "B")).await?;
    println!("Final value: {}", counter.value.load(Ordering::SeqCst));
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
    // Final value will be 10 (not less due to locking)
}
