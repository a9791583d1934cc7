//! Seed 004, "Best Practices: 3. Handle CancelledError": catch the cancellation, await
//! the cleanup, and re-raise.
//!
//! weft: the checkpoint the task waits in returns `Err(Cancelled)` once; the handler
//! may await (the cleanup sleeps) before it propagates it, the port of `raise`; the
//! task then ends cancelled. Completed as
//! tests/seeds/python/seed004_best_practice_cancelled_error.py is: `long_operation`
//! sleeps 10 s; `cleanup` prints, sleeps 10 ms, prints; `main` runs `task()` as a task,
//! cancels it after 50 ms and awaits it.
//!
//! ```text
//! cleanup: started
//! cleanup: done
//! task ended cancelled: True
//! ```
#[path = "support/py.rs"]
mod py;

use std::time::Duration;
use weft::Cancelled;

async fn long_operation() -> Result<(), Cancelled> {
    weft::time::sleep(Duration::from_secs(10)).await
}

async fn cleanup() -> Result<(), Cancelled> {
    println!("cleanup: started");
    weft::time::sleep(Duration::from_millis(10)).await?;
    println!("cleanup: done");
    Ok(())
}

async fn task() -> Result<(), Cancelled> {
    if let Err(cancelled) = long_operation().await {
        // Cleanup
        cleanup().await?;
        return Err(cancelled); // Re-raise
    }
    Ok(())
}

async fn main_() -> Result<(), Cancelled> {
    let t = weft::spawn(task());
    let t_ref = t.task_ref();
    weft::time::sleep(Duration::from_millis(50)).await?;
    t.cancel(None);
    if let Err(e) = t.await {
        if e.is_cancelled() {
            println!("task ended cancelled: {}", py::py_bool(t_ref.is_cancelled()));
        }
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
