//! Seed 001, "Cancellation Handling": a task prints "Working..." and sleeps, in a loop;
//! main cancels it after a while; the task's `except CancelledError` cleans up and
//! re-raises, and main, awaiting it, sees the cancellation.
//!
//! weft: `task.cancel()` is asyncio's: the sleep the task waits in returns
//! `Err(Cancelled)` once; the task may clean up (awaiting if it likes) and propagate it
//! with `?`. Completed as tests/seeds/python/seed001_cancellation_handling.py is: rounds
//! of 0.25 s and the cancel at 0.75 s (the seed's 1 s and 3 s, four times shorter). The
//! third round ends at the same nominal time as main's sleep; main's timer was set
//! first, so, on the current-thread runtime as on asyncio's loop, main cancels first and
//! "Working..." prints three times, as the seed states.
//!
//! ```text
//! Working...
//! Working...
//! Working...
//! Task cancelled, cleaning up...
//! Cancellation completed
//! ```
use std::time::Duration;
use weft::Cancelled;

async fn cancellable_task() -> Result<(), Cancelled> {
    loop {
        println!("Working...");
        if let Err(cancelled) = weft::time::sleep(Duration::from_millis(250)).await {
            println!("Task cancelled, cleaning up...");
            // Do cleanup here
            return Err(cancelled); // Re-raise if you want cancellation to propagate
        }
    }
}

async fn main_() -> Result<(), Cancelled> {
    let task = weft::spawn(cancellable_task());
    weft::time::sleep(Duration::from_millis(750)).await?;
    task.cancel(None);
    if let Err(e) = task.await {
        if e.is_cancelled() {
            println!("Cancellation completed");
        }
    }
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
