//! Seed 002, "Lock — mutual exclusion": a hundred increments gathered; each reads the
//! counter, yields to the loop, then writes it back, under an `asyncio.Lock`, so no
//! update is lost.
//!
//! weft: [`weft::Lock`] is asyncio's lock (`async with lock:` is the guard held for the
//! block); [`weft::yield_now`] is `asyncio.sleep(0)`. The tasks run on every worker of
//! the multi-thread runtime, which is what the lock is for. The program is the seed's as
//! written.
//!
//! ```text
//! counter: 100
//! ```
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use weft::{Cancelled, Lock};

static LOCK: LazyLock<Lock> = LazyLock::new(Lock::new);
static COUNTER: AtomicU64 = AtomicU64::new(0);

async fn increment(n: u64) -> Result<(), Cancelled> {
    let _guard = LOCK.acquire().await?;
    let local = COUNTER.load(Ordering::SeqCst);
    weft::yield_now().await?; // simulate context switch
    COUNTER.store(local + n, Ordering::SeqCst);
    Ok(())
}

async fn main_() -> Result<(), Cancelled> {
    weft::gather((0..100).map(|_| increment(1)).collect()).await?;
    println!("counter: {}", COUNTER.load(Ordering::SeqCst));
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
