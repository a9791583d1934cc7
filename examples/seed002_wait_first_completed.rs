//! Seed 002, "wait — first-completed or partial timeout": three tasks; `asyncio.wait`
//! with `FIRST_COMPLETED` returns as soon as one is done; the others are cancelled.
//!
//! weft: [`weft::wait`] is asyncio's `wait`: it returns `(done, pending)` and cancels
//! nothing; the recipe cancels the pending tasks itself, and `weft::run`, like
//! `asyncio.run`, waits for them to finish at the end. Completed as
//! tests/seeds/python/seed002_wait_first_completed.py is: the delays are 0.2, 0.4 and
//! 0.6 s (the seed's 0.1 s apart, doubled), so that a loaded machine that wakes late
//! cannot find two tasks done when `wait` returns.
//!
//! ```text
//! done: 0
//! ```
use std::time::Duration;
use weft::{Cancelled, ReturnWhen};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn task(n: u32, delay: f64) -> Result<u32, Cancelled> {
    weft::time::sleep(Duration::from_secs_f64(delay)).await?;
    Ok(n)
}

async fn main_() -> Result<(), Error> {
    let tasks = (0..3).map(|i| weft::spawn(task(i, 0.2 + f64::from(i) * 0.2))).collect();
    let (done, pending) = weft::wait(tasks, ReturnWhen::FirstCompleted, None).await?;
    for t in done {
        println!("done: {}", t.result??);
    }
    for (_, t) in pending {
        t.cancel(None);
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
