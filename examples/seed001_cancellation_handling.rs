//! Seed 001, "Cancellation Handling": a task that cleans up when cancelled and
//! re-raises.
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
        if let Err(c) = weft::time::sleep(Duration::from_secs(1)).await {
            println!("Task cancelled, cleaning up...");
            // Cleanup may await here.
            return Err(c); // re-raise: the cancellation propagates
        }
    }
}

fn main() {
    weft::run(async {
        let task = weft::spawn(cancellable_task());
        // A little under 3 s, so that exactly three "Working..." lines print.
        weft::time::sleep(Duration::from_millis(2500)).await.unwrap();
        task.cancel(None);
        if let Err(e) = task.await {
            if e.is_cancelled() {
                println!("Cancellation completed");
            }
        }
    });
}
