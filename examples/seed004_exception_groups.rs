//! Seed 004, "Exception Groups (Python 3.11+)": `process_batch` runs one task per item
//! in a `TaskGroup`; items containing "fail" raise `ValueError`; the caller catches the
//! group with `except* ValueError` and prints each exception.
//!
//! weft: [`weft::task_group`] collects every failure, in the order they happened, in an
//! [`weft::ErrorGroup`]; `split::<ValueError>()` is `except* ValueError`. Both failing
//! items fail: each child runs its first (and only) step before the group reacts to
//! the first failure, on the current-thread runtime as on asyncio's loop. Completed as
//! tests/seeds/python/seed004_exception_groups.py is: the seed's top-level `await` runs
//! in `main`.
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

/// Process with exception group.
async fn process_batch(items: &[&str]) -> Result<(), GroupError> {
    async fn process_item(item: String) -> Result<String, ValueError> {
        if item.contains("fail") {
            return Err(ValueError(format!("Failed: {item}")));
        }
        Ok(format!("Processed: {item}"))
    }

    let items: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    task_group(|tg| async move {
        let _tasks =
            items.into_iter().map(|item| tg.spawn(process_item(item))).collect::<Result<Vec<_>, _>>()?;
        Ok::<_, GroupSpawnError>(())
    })
    .await
}

async fn main_() {
    // Catch specific exceptions from group
    if let Err(GroupError::Failed(group)) = process_batch(&["item1", "fail2", "fail3"]).await {
        // except* ValueError as eg:
        if let (Some(eg), _) = group.split::<ValueError>() {
            println!("Got {} ValueError exceptions", eg.len());
            for exc in eg.failures() {
                println!("  - {exc}");
            }
        }
    }
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap();
}
