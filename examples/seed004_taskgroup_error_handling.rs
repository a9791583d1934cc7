//! Seed 004, "Improved TaskGroup Error Handling (3.14+)": `fetch_all_improved(urls)`
//! creates one named task per URL (`name=f"fetch-{url}"`) in a `TaskGroup`, then reads
//! each task's result, printing "Task {name} failed: {e}" for failures;
//! `cancelable_batch_processing(items)` runs a batch in a `TaskGroup` and, when
//! cancelled, prints "Batch cancelled, all tasks properly cleaned up" and re-raises.
//!
//! weft: `tg.spawn_named(name, fut)` names the child; `task.take_result()` is
//! `task.result()`. One deliberate change: in the seed, a failing fetch makes the
//! `TaskGroup` itself raise (and cancel the other fetches), so the per-task loop after
//! it never sees a failure. This port shows that first (the fail-fast group's error
//! group), then reaches the loop with every result by using
//! [`weft::Policy::Supervise`] (failures are collected, siblings run on). The
//! cancellation half cancels the task running the batch from outside: the group
//! cancels and joins every child (each one reports its cleanup) and returns
//! `GroupError::Cancelled`, which the batch re-raises. Fetches are simulated (a short
//! sleep; the URL containing "bad" answers 500).
//!
//! ```text
//! fail-fast group raised: unhandled errors in a task group (1 sub-exception)
//!   [1] HTTP 500 from https://bad.example
//! Task fetch-https://bad.example failed: HTTP 500 from https://bad.example
//! {'url': 'https://a.example', 'status': 'ok'}
//! {'url': 'https://c.example', 'status': 'ok'}
//! Batch cancelled, all tasks properly cleaned up
//! children cleaned up: 3
//! batch task ended cancelled: true
//! ```
use std::fmt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{Cancelled, GroupError, GroupSpawnError, Policy, TaskGroup};

#[derive(Debug)]
enum FetchError {
    Status(u16, String),
    Cancelled(Cancelled),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Status(code, url) => write!(f, "HTTP {code} from {url}"),
            FetchError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Cancelled(c) => Some(c),
            FetchError::Status(..) => None,
        }
    }
}

impl From<Cancelled> for FetchError {
    fn from(c: Cancelled) -> Self {
        FetchError::Cancelled(c)
    }
}

async fn fetch_data(url: String) -> Result<String, FetchError> {
    weft::time::sleep(Duration::from_millis(5)).await?;
    if url.contains("bad") {
        return Err(FetchError::Status(500, url));
    }
    Ok(format!("{{'url': '{url}', 'status': 'ok'}}"))
}

/// Per-task error reporting after the group has joined every task.
async fn fetch_all_improved(urls: &[&str], policy: Policy) -> Result<Vec<String>, GroupError> {
    let urls: Vec<String> = urls.iter().map(|u| u.to_string()).collect();
    // `tasks` lives outside the `async with`, as in the seed.
    let tasks = Arc::new(Mutex::new(Vec::new()));
    let list = tasks.clone();
    let outcome = TaskGroup::with_policy(policy)
        .run(|tg| async move {
            for url in urls {
                let task = tg.spawn_named(&format!("fetch-{url}"), fetch_data(url))?;
                list.lock().unwrap().push(task);
            }
            Ok::<_, GroupSpawnError>(())
        })
        .unwrap()
        .await;
    match (policy, outcome) {
        (_, Ok(())) => {}
        // A supervising group reports the failures too; we read them task by task.
        (Policy::Supervise, Err(GroupError::Failed(_))) => {}
        (_, Err(e)) => return Err(e),
    }
    let tasks = std::mem::take(&mut *tasks.lock().unwrap());
    let mut results = Vec::new();
    for task in tasks {
        match task.take_result().expect("the group joined it") {
            Ok(v) => results.push(v),
            Err(e) => {
                let name = task.name().unwrap_or_default();
                println!("Task {name} failed: {e}");
                results.push(format!("{{'error': '{e}'}}"));
            }
        }
    }
    Ok(results)
}

static CLEANED_UP: AtomicU32 = AtomicU32::new(0);

async fn process_item(item: u32) -> Result<(), Cancelled> {
    let r = weft::time::sleep(Duration::from_millis(1000 + u64::from(item))).await;
    if r.is_err() {
        CLEANED_UP.fetch_add(1, Ordering::SeqCst);
    }
    r
}

/// Cancellation handling around a group.
async fn cancelable_batch_processing(items: Vec<u32>) -> Result<(), GroupError> {
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

fn main() {
    weft::run(async {
        let urls = ["https://a.example", "https://bad.example", "https://c.example"];
        match fetch_all_improved(&urls, Policy::FailFast).await {
            Ok(_) => println!("fail-fast group: no error"),
            Err(e) => println!("fail-fast group raised: {e}"),
        }
        let results = fetch_all_improved(&urls, Policy::Supervise).await;
        for r in results.unwrap() {
            if !r.starts_with("{'error'") {
                println!("{r}");
            }
        }

        let batch = weft::spawn(cancelable_batch_processing(vec![1, 2, 3]));
        weft::time::sleep(Duration::from_millis(20)).await.unwrap();
        batch.cancel(None);
        let ended = batch.await;
        println!("children cleaned up: {}", CLEANED_UP.load(Ordering::SeqCst));
        let cancelled = matches!(ended, Ok(Err(GroupError::Cancelled(_))) | Err(_));
        println!("batch task ended cancelled: {cancelled}");
    });
}
