//! Seed 001, "Timeout Patterns": a slow operation awaited under `asyncio.wait_for`,
//! which cancels it when the time is up and raises `TimeoutError`.
//!
//! weft: [`weft::wait_for`] is asyncio's (CPython 3.13's). Completed as
//! tests/seeds/python/seed001_wait_for_timeout.py is: ten times shorter (a 1 s
//! operation, a 0.2 s timeout).
//!
//! ```text
//! Operation timed out!
//! ```
use std::time::Duration;
use weft::{Interrupted, wait_for};

async fn slow_operation() -> Result<&'static str, Interrupted> {
    weft::time::sleep(Duration::from_secs(1)).await?;
    Ok("finished")
}

async fn main_() {
    match wait_for(slow_operation(), Duration::from_millis(200)).await {
        Ok(result) => println!("{result}"),
        Err(Interrupted::TimedOut(_)) => println!("Operation timed out!"),
        Err(Interrupted::Cancelled(c)) => panic!("cancelled: {c}"),
    }
}

fn main() {
    weft::run(main_());
}
