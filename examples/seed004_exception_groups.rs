//! Seed 004, "Exception Groups (Python 3.11+)": `process_batch(["item1", "fail2",
//! "fail3"])` runs `process_item` for each item in a `TaskGroup`; items with "fail" in
//! their name raise `ValueError`; the caller catches the group with `except* ValueError`
//! and prints each exception.
//!
//! weft: [`weft::task_group`] returns `Err(GroupError::Failed(group))` holding every
//! failure in the order they happened; [`weft::ErrorGroup::split`] is `except*`: it
//! splits out the failures of one error type. It runs on the current-thread runtime,
//! asyncio's single loop, so that the order is asyncio's and the output is fixed.
//!
//! As in CPython 3.13 it prints "Got 2 ValueError exceptions" (fail2 and fail3), though
//! `process_item` never awaits: the group reacts to fail2's failure in a scheduled step
//! queued *behind* fail3's first poll (asyncio's done-callback, queued with
//! `call_soon`), so fail3 runs, and fails, before the group cancels anything. (On the
//! multi-thread runtime the children run in parallel and the order is not fixed.)
//!
//! ```text
//! Got 2 ValueError exceptions
//!   - Failed: fail2
//!   - Failed: fail3
//! ```
use std::fmt;
use weft::{GroupError, GroupSpawnError, task_group};

#[derive(Debug)]
struct ValueError(String);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

async fn process_item(item: String) -> Result<String, ValueError> {
    if item.contains("fail") {
        return Err(ValueError(format!("Failed: {item}")));
    }
    Ok(format!("Processed: {item}"))
}

/// Process with exception group.
async fn process_batch(items: &[&str]) -> Result<(), GroupError> {
    let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    task_group(|tg| async move {
        let _tasks =
            items.into_iter().map(|item| tg.spawn(process_item(item))).collect::<Result<Vec<_>, _>>()?;
        Ok::<_, GroupSpawnError>(())
    })
    .await
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, async {
        // except* ValueError as eg:
        if let Err(GroupError::Failed(group)) = process_batch(&["item1", "fail2", "fail3"]).await {
            if let (Some(eg), _) = group.split::<ValueError>() {
                println!("Got {} ValueError exceptions", eg.len());
                for exc in eg.failures() {
                    println!("  - {exc}");
                }
            }
        }
    })
    .unwrap();
}
