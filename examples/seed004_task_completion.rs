//! Seed 004, "Task Completion Tracking": `wait_for_any` waits with `FIRST_COMPLETED`
//! and cancels the rest; `wait_for_all_with_timeout` waits for all with a timeout and
//! cancels what is still pending.
//!
//! weft: [`weft::wait`] is asyncio's `wait`: it returns `(done, pending)` and cancels
//! nothing; the recipe cancels the pending tasks itself. Completed as
//! tests/seeds/python/seed004_task_completion.py is: three tasks sleeping 10 ms, 0.4 s
//! and 2 s (returning their milliseconds); `wait_for_any` on them, then
//! `wait_for_all_with_timeout` with 0.8 s on three fresh ones. A report prints the
//! results of the done tasks (sorted: a set has no order), how many were pending, and,
//! after awaiting the pending ones, how many ended cancelled.
//!
//! ```text
//! wait_for_any: done [10], pending 2
//! cancelled pending tasks ended cancelled: 2
//! wait_for_all_with_timeout: done [10, 400], pending 1
//! cancelled pending tasks ended cancelled: 1
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::{Cancelled, Finished, ReturnWhen, Task, gather_settled, wait};

type Error = Box<dyn std::error::Error + Send + Sync>;
type Job = Task<Result<u64, Cancelled>>;
type Sets = (Vec<Finished<Result<u64, Cancelled>>>, Vec<Job>);

/// Wait for any task to complete.
async fn wait_for_any(tasks: Vec<Job>) -> Result<Sets, Error> {
    let (done, pending) = wait(tasks, ReturnWhen::FirstCompleted, None).await?;

    // Cancel remaining tasks
    let pending: Vec<Job> = pending.into_iter().map(|(_, task)| task).collect();
    for task in &pending {
        task.cancel(None);
    }

    Ok((done, pending))
}

/// Wait for all tasks with timeout.
async fn wait_for_all_with_timeout(tasks: Vec<Job>, timeout: f64) -> Result<Sets, Error> {
    let (done, pending) =
        wait(tasks, ReturnWhen::AllCompleted, Some(Duration::from_secs_f64(timeout))).await?;

    // Cancel pending tasks
    let pending: Vec<Job> = pending.into_iter().map(|(_, task)| task).collect();
    for task in &pending {
        task.cancel(None);
    }

    Ok((done, pending))
}

async fn job(ms: u64) -> Result<u64, Cancelled> {
    weft::time::sleep(Duration::from_millis(ms)).await?;
    Ok(ms)
}

async fn report(name: &str, (done, pending): Sets) -> Result<(), Error> {
    let mut results = done.into_iter().map(|t| Ok(t.result??)).collect::<Result<Vec<u64>, Error>>()?;
    results.sort();
    println!("{name}: done {}, pending {}", results.repr(), pending.len());
    let refs: Vec<_> = pending.iter().map(Task::task_ref).collect();
    let _ = gather_settled(pending).await?;
    println!("cancelled pending tasks ended cancelled: {}", refs.iter().filter(|t| t.is_cancelled()).count());
    Ok(())
}

async fn main_() -> Result<(), Error> {
    let tasks = [10, 400, 2000].map(|ms| weft::spawn(job(ms))).into();
    report("wait_for_any", wait_for_any(tasks).await?).await?;
    let tasks = [10, 400, 2000].map(|ms| weft::spawn(job(ms))).into();
    report("wait_for_all_with_timeout", wait_for_all_with_timeout(tasks, 0.8).await?).await?;
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
