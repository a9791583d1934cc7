//! Seed 004, "Task Cancellation": a long-running task prints "Working..." after each
//! sleep; `manage_task` cancels it; the task's `except CancelledError` prints, cleans up
//! and re-raises, and `manage_task`, awaiting it, sees the cancellation.
//!
//! weft: `task.cancel()` is asyncio's: the sleep the task waits in returns
//! `Err(Cancelled)` once; the task propagates it with `?` after its cleanup; awaiting it
//! gives a cancelled `JoinError`. Completed as
//! tests/seeds/python/seed004_task_cancellation.py is: rounds of 0.25 s and the cancel
//! at 0.75 s (four times shorter); `manage_task` is run. The task's second round ends
//! at the same nominal time as `manage_task`'s sleep; `manage_task`'s timer was set
//! first, so, on the current-thread runtime as on asyncio's loop, the task is cancelled
//! before its third print: "Working..." twice.
//!
//! ```text
//! Working...
//! Working...
//! Task cancelled
//! Task was cancelled
//! ```
use std::time::Duration;
use weft::Cancelled;

/// Long running task that can be cancelled.
async fn long_running_task() -> Result<(), Cancelled> {
    loop {
        if let Err(cancelled) = weft::time::sleep(Duration::from_millis(250)).await {
            println!("Task cancelled");
            // Cleanup
            return Err(cancelled); // Re-raise to propagate cancellation
        }
        println!("Working...");
    }
}

// Cancel task
async fn manage_task() -> Result<(), Cancelled> {
    let task = weft::spawn(long_running_task());

    weft::time::sleep(Duration::from_millis(750)).await?;

    // Cancel task
    task.cancel(None);

    if let Err(e) = task.await {
        if e.is_cancelled() {
            println!("Task was cancelled");
        }
    }
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, manage_task()).unwrap().unwrap();
}
