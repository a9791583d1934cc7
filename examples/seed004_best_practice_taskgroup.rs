//! Seed 004, "Best Practices: 4. Use TaskGroup for Structured Concurrency": prefer a
//! `TaskGroup` (automatic cleanup and error handling) to loose tasks.
//!
//! weft: [`weft::task_group`] joins every child before it returns, on success, error or
//! cancellation. Completed as tests/seeds/python/seed004_best_practice_taskgroup.py is:
//! the seed's module-level `async with` runs in `main`; `task1` takes 50 ms and `task2`
//! 10 ms, each printing when done; a line after the block shows both are done when it
//! exits.
//!
//! ```text
//! task2 done
//! task1 done
//! task group exited: both tasks finished
//! ```
use std::time::Duration;
use weft::{Cancelled, GroupError, GroupSpawnError};

async fn task1() -> Result<(), Cancelled> {
    weft::time::sleep(Duration::from_millis(50)).await?;
    println!("task1 done");
    Ok(())
}

async fn task2() -> Result<(), Cancelled> {
    weft::time::sleep(Duration::from_millis(10)).await?;
    println!("task2 done");
    Ok(())
}

async fn main_() -> Result<(), GroupError> {
    // Prefer TaskGroup
    weft::task_group(|tg| async move {
        tg.spawn(task1())?;
        tg.spawn(task2())?;
        Ok::<_, GroupSpawnError>(())
    })
    .await?;
    // Automatic cleanup and error handling
    println!("task group exited: both tasks finished");
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
