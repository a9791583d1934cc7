//! Seed 004, "asyncio.TaskGroup() (Python 3.11+, Enhanced in 3.14)":
//! `fetch_with_taskgroup(urls)` creates a task per URL in a `TaskGroup` and returns
//! `[task.result() for task in tasks]` once the group has joined them; `process_batch`
//! runs `may_fail_1()` and `may_fail_2()` in a group and catches `except* ValueError as
//! eg`, printing how many there were.
//!
//! weft: [`weft::task_group`] with `tg.spawn` (`create_task`) and
//! `task.take_result()` (`task.result()`); a failing group returns
//! `Err(GroupError::Failed(group))`, and `group.split::<ValueError>()` is `except*`.
//! `may_fail_1` and `may_fail_2` are not defined by the seed: here both raise
//! `ValueError` after the same 5 ms sleep. Fetches are simulated. The example runs on
//! the current-thread runtime (asyncio's single loop), so its order is fixed.
//!
//! As in CPython 3.13 it prints "Got 2 ValueError exceptions": both timers fire in the
//! same tick, so both children resume and fail before the group's reaction to the
//! first failure (queued behind them, like asyncio's done-callback) cancels anything.
//!
//! ```text
//! ["https://a.example: ok", "https://b.example: ok", "https://c.example: ok"]
//! Got 2 ValueError exceptions
//! ```
use std::fmt;
use std::time::Duration;
use weft::{Cancelled, GroupError, GroupSpawnError, task_group};

/// `except* ValueError` matches by type: the failures are this type.
#[derive(Debug)]
struct ValueError(String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

async fn fetch_data(url: String) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(5)).await?;
    Ok(format!("{url}: ok"))
}

/// Use TaskGroup for automatic cleanup.
async fn fetch_with_taskgroup(urls: &[&str]) -> Result<Vec<String>, GroupError> {
    let urls: Vec<String> = urls.iter().map(|u| u.to_string()).collect();
    let tasks = task_group(|tg| async move {
        let tasks = urls.into_iter().map(|u| tg.spawn(fetch_data(u))).collect::<Result<Vec<_>, _>>()?;
        Ok::<_, GroupSpawnError>(tasks)
    })
    .await?;
    // All tasks completed or exception raised
    Ok(tasks.iter().map(|t| t.take_result().unwrap().unwrap()).collect())
}

/// A child that may be cancelled and may raise any error: a boxed error keeps the
/// concrete type for `split`, and `?` boxes a cancellation (still recognised as one).
type AnyError = Box<dyn std::error::Error + Send + Sync>;

async fn may_fail_1() -> Result<(), AnyError> {
    weft::time::sleep(Duration::from_millis(5)).await?;
    Err(Box::new(ValueError("may_fail_1 failed".into())))
}

async fn may_fail_2() -> Result<(), AnyError> {
    weft::time::sleep(Duration::from_millis(5)).await?;
    Err(Box::new(ValueError("may_fail_2 failed".into())))
}

/// TaskGroup handles errors properly.
async fn process_batch() {
    let r = task_group(|tg| async move {
        tg.spawn(may_fail_1())?;
        tg.spawn(may_fail_2())?;
        Ok::<_, GroupSpawnError>(())
    })
    .await;
    if let Err(GroupError::Failed(group)) = r {
        // except* ValueError as eg
        if let (Some(eg), _) = group.split::<ValueError>() {
            println!("Got {} ValueError exceptions", eg.len());
        }
    }
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, async {
        let pages =
            fetch_with_taskgroup(&["https://a.example", "https://b.example", "https://c.example"]).await;
        println!("{:?}", pages.unwrap());
        process_batch().await;
    })
    .unwrap();
}
