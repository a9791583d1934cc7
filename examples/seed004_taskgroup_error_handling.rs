//! Seed 004, "Improved TaskGroup Error Handling (3.14+)": `fetch_all_improved(urls)`
//! creates one named task per URL in a `TaskGroup`, then reads each task's result,
//! printing "Task {name} failed: {e}" for failures; `cancelable_batch_processing(items)`
//! runs a batch in a `TaskGroup` and, when cancelled, prints "Batch cancelled, all tasks
//! properly cleaned up" and re-raises.
//!
//! In the seed's code a failing fetch makes the `TaskGroup` itself raise an
//! `ExceptionGroup` (and cancel the other fetches) before the per-task loop runs, so the
//! loop's "failed" branch is dead code; `main` catches the group instead.
//!
//! weft: [`weft::task_group`] is the `TaskGroup`; `tg.spawn_named(name, fut)` names the
//! child; `take_result()` is `task.result()`. A failure makes the group cancel its
//! siblings, join them, and return `GroupError::Failed` with an [`weft::ErrorGroup`];
//! `split::<ConnectionError>()` is `except* ConnectionError`, and the group is printed as
//! Python prints an `ExceptionGroup`, from its count and its failures. Cancelling the
//! task that runs the batch makes the group cancel and join every child (each one
//! counts its cleanup) and return `GroupError::Cancelled`, which the batch re-raises.
//! Completed as tests/seeds/python/seed004_taskgroup_error_handling.py is: `fetch_data`
//! answers after 10 ms, or fails after 20 ms for a URL containing "bad"; `process_item`
//! sleeps 10 s; the batch is cancelled after 0.05 s.
//!
//! ```text
//! {'url': 'https://a.example', 'status': 'ok'}
//! {'url': 'https://b.example', 'status': 'ok'}
//! {'url': 'https://c.example', 'status': 'ok'}
//! fetch_all_improved raised ExceptionGroup: unhandled errors in a TaskGroup (1 sub-exception)
//!   ConnectionError: HTTP 500 from https://bad.example
//! Batch cancelled, all tasks properly cleaned up
//! children cleaned up: 3
//! batch task ended cancelled: True
//! ```
#[path = "support/py.rs"]
mod py;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{Cancelled, ErrorGroup, GroupError, GroupSpawnError};

#[derive(Debug)]
enum FetchError {
    Connection(String),
    Cancelled(Cancelled),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Connection(m) => f.write_str(m),
            FetchError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for FetchError {}

impl From<Cancelled> for FetchError {
    fn from(c: Cancelled) -> Self {
        FetchError::Cancelled(c)
    }
}

async fn fetch_data(url: String) -> Result<String, FetchError> {
    if url.contains("bad") {
        weft::time::sleep(Duration::from_millis(20)).await?;
        return Err(FetchError::Connection(format!("HTTP 500 from {url}")));
    }
    weft::time::sleep(Duration::from_millis(10)).await?;
    Ok(py::dict(&[("url", &url), ("status", &"ok")]))
}

static CLEANED_UP: AtomicU32 = AtomicU32::new(0);

async fn process_item(_item: &str) -> Result<(), Cancelled> {
    if let Err(cancelled) = weft::time::sleep(Duration::from_secs(10)).await {
        CLEANED_UP.fetch_add(1, Ordering::SeqCst);
        return Err(cancelled);
    }
    Ok(())
}

/// Better error handling and cancellation in TaskGroup.
async fn fetch_all_improved(urls: &[&str]) -> Result<Vec<String>, GroupError> {
    let mut results = Vec::new();
    let urls: Vec<String> = urls.iter().map(|u| u.to_string()).collect();
    let tasks = Arc::new(Mutex::new(Vec::new()));
    let list = tasks.clone();
    weft::task_group(|tg| async move {
        for url in urls {
            let task = tg.spawn_named(&format!("fetch-{url}"), fetch_data(url))?;
            list.lock().unwrap().push(task);
        }
        Ok::<_, GroupSpawnError>(())
    })
    .await?;

    // Better exception context in 3.14 - includes task names in traceback
    for task in std::mem::take(&mut *tasks.lock().unwrap()) {
        match task.take_result().expect("the group joined it") {
            Ok(result) => results.push(result),
            Err(e) => {
                // Enhanced error messages show which task failed
                println!("Task {} failed: {e}", task.name().unwrap_or_default());
                results.push(py::dict(&[("error", &e.to_string())]));
            }
        }
    }
    Ok(results)
}

/// Better cancellation handling.
async fn cancelable_batch_processing(items: Vec<&'static str>) -> Result<(), GroupError> {
    let r = weft::task_group(|tg| async move {
        for item in items {
            tg.spawn(process_item(item))?;
        }
        Ok::<_, GroupSpawnError>(())
    })
    .await;
    if let Err(GroupError::Cancelled(_)) = &r {
        println!("Batch cancelled, all tasks properly cleaned up");
    }
    r // raise
}

/// `str(eg)` of the `ExceptionGroup` a `TaskGroup` raises.
fn python_str(eg: &ErrorGroup) -> String {
    let n = eg.len();
    format!("unhandled errors in a TaskGroup ({n} sub-exception{})", if n == 1 { "" } else { "s" })
}

async fn main_() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    for r in fetch_all_improved(&["https://a.example", "https://b.example", "https://c.example"]).await? {
        println!("{r}");
    }
    match fetch_all_improved(&["https://a.example", "https://bad.example", "https://c.example"]).await {
        // except* ConnectionError as eg:
        Err(GroupError::Failed(group)) => {
            if let (Some(eg), _rest) = group.split::<FetchError>() {
                println!("fetch_all_improved raised ExceptionGroup: {}", python_str(&eg));
                for e in eg.downcast::<FetchError>() {
                    println!("  ConnectionError: {e}");
                }
            }
        }
        other => drop(other?),
    }
    let batch = weft::spawn(cancelable_batch_processing(vec!["x", "y", "z"]));
    let batch_ref = batch.task_ref();
    weft::time::sleep(Duration::from_millis(50)).await?;
    batch.cancel(None);
    if let Err(e) = batch.await {
        if e.is_cancelled() {
            println!("children cleaned up: {}", CLEANED_UP.load(Ordering::SeqCst));
            println!("batch task ended cancelled: {}", py::py_bool(batch_ref.is_cancelled()));
        }
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
