//! Seed 002, "Cancellation and CancelledError": a task is cancelled while it sleeps;
//! its `except CancelledError` block cleans up and re-raises, and the caller, awaiting
//! it, sees `CancelledError`.
//!
//! weft: `task.cancel()` is asyncio's: the checkpoint the task waits in returns
//! `Err(Cancelled)` once; the task may clean up (awaiting if it likes) and propagate it
//! with `?` (re-raise); awaiting a task that ended that way gives a cancelled
//! `JoinError`. The program is the seed's as written.
//!
//! ```text
//! started
//! cleaning up
//! confirmed cancelled
//! ```
use std::time::Duration;
use weft::Cancelled;

async fn cancellable() -> Result<(), Cancelled> {
    println!("started");
    if let Err(cancelled) = weft::time::sleep(Duration::from_secs(5)).await {
        println!("cleaning up");
        return Err(cancelled); // always re-raise!
    }
    println!("never reached");
    Ok(())
}

async fn main_() -> Result<(), Cancelled> {
    let task = weft::spawn(cancellable());
    weft::time::sleep(Duration::from_millis(100)).await?;
    task.cancel(None);
    if let Err(e) = task.await {
        if e.is_cancelled() {
            println!("confirmed cancelled");
        }
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
