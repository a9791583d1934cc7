//! Seed 004, "asyncio.create_task()": three fetches started as tasks, other work done
//! meanwhile, then each awaited; and a task created with a name, for debugging.
//!
//! weft: [`weft::spawn`] is `create_task` (the task starts at once);
//! [`weft::spawn_named`] is `create_task(coro, name=...)`, and `task.name()` is
//! `get_name()`. Completed as tests/seeds/python/seed004_create_task.py is: the seed's
//! `fetch_data` sleeps 0.2 s, the other work 0.02 s; the seed's module-level named-task
//! lines (which fail at module level: no running loop) run in `main`, which also prints
//! whether the three fetches overlapped (under 0.4 s; one after the other would take
//! 0.62 s).
//!
//! ```text
//! [{'url': 'url1', 'status': 'ok'}, {'url': 'url2', 'status': 'ok'}, {'url': 'url3', 'status': 'ok'}]
//! overlapped: True
//! task fetch_important_data -> {'url': 'url', 'status': 'ok'}
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::Cancelled;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// `{'url': url, 'status': 'ok'}`
struct Data {
    url: String,
}

impl Repr for Data {
    fn repr(&self) -> String {
        py::dict(&[("url", &self.url), ("status", &"ok")])
    }
}

/// Asynchronous function.
async fn fetch_data(url: &str) -> Result<Data, Cancelled> {
    weft::time::sleep(Duration::from_millis(200)).await?; // Simulate I/O
    Ok(Data { url: url.to_string() })
}

/// Create tasks for concurrent execution.
async fn process_with_tasks() -> Result<Vec<Data>, Error> {
    let task1 = weft::spawn(fetch_data("url1"));
    let task2 = weft::spawn(fetch_data("url2"));
    let task3 = weft::spawn(fetch_data("url3"));

    // Do other work while tasks run
    weft::time::sleep(Duration::from_millis(20)).await?;

    // Wait for all tasks
    let result1 = task1.await??;
    let result2 = task2.await??;
    let result3 = task3.await??;

    Ok(vec![result1, result2, result3])
}

async fn main_() -> Result<(), Error> {
    let t0 = weft::time::now();
    println!("{}", process_with_tasks().await?.repr());
    println!("overlapped: {}", py::py_bool((weft::time::now() - t0) < Duration::from_millis(400)));

    // Task with name (for debugging)
    let task = weft::spawn_named("fetch_important_data", fetch_data("url"));
    let name = task.name().unwrap_or_default();
    println!("task {name} -> {}", task.await??.repr());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
