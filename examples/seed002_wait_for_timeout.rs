//! Seed 002, "Timeout (wait_for)": a 5 s operation awaited under a 1 s `wait_for`,
//! which cancels it and raises `TimeoutError`.
//!
//! weft: [`weft::wait_for`] is asyncio's (CPython 3.13's): a timeout around the
//! future; when the time is up the future is cancelled at its checkpoint and the
//! result is a `TimeoutError`. The program is the seed's as written (it runs 1 s).
//!
//! ```text
//! Timed out after 1s
//! ```
use std::time::Duration;
use weft::{Interrupted, wait_for};

async fn slow_op() -> Result<&'static str, Interrupted> {
    weft::time::sleep(Duration::from_secs(5)).await?;
    Ok("done")
}

async fn main_() {
    match wait_for(slow_op(), Duration::from_secs(1)).await {
        Ok(_result) => {}
        Err(Interrupted::TimedOut(_)) => println!("Timed out after 1s"),
        Err(Interrupted::Cancelled(c)) => panic!("cancelled: {c}"),
    }
}

fn main() {
    weft::run(main_());
}
