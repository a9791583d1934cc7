//! Seed 004, "Task Cancellation": `long_running_task()` prints "Working..." every
//! second until it is cancelled, then prints "Task cancelled" and re-raises;
//! `manage_task()` cancels it after 3 s and prints "Task was cancelled" when awaiting it
//! raises `CancelledError`.
//!
//! weft: `task.cancel(None)` delivers one `Err(Cancelled)` at the sleep the task is
//! waiting in; the task prints and returns it (the `raise`); awaiting the task gives
//! `Err(JoinError::Cancelled)`. The interval is 100 ms; the cancel comes at 250 ms
//! rather than exactly at a multiple of the interval (the seed's 3 s against 1 s sleeps
//! is a tie that asyncio happens to resolve in favour of the canceller), so the task
//! prints "Working..." twice, as the seed's does.
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
        if let Err(c) = weft::time::sleep(Duration::from_millis(100)).await {
            println!("Task cancelled");
            // Cleanup
            return Err(c); // Re-raise to propagate cancellation
        }
        println!("Working...");
    }
}

async fn manage_task() {
    let task = weft::spawn(long_running_task());
    weft::time::sleep(Duration::from_millis(250)).await.unwrap();
    // Cancel task
    task.cancel(None);
    match task.await {
        Err(e) if e.is_cancelled() => println!("Task was cancelled"),
        other => println!("unexpected: {other:?}"),
    }
}

fn main() {
    weft::run(manage_task());
}
