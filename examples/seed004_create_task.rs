//! Seed 004, "asyncio.create_task()": `process_with_tasks` creates three fetch tasks,
//! does other work (`await asyncio.sleep(0.1)`) while they run, then awaits each; a
//! fourth task is created with `name="fetch_important_data"`.
//!
//! weft: [`weft::spawn`] is `create_task` and returns a `Task`, a future of
//! `Result<T, JoinError>`; [`weft::spawn_named`] takes the name, and `task.name()` is
//! `get_name()`. Fetches are simulated (20 ms each); the "other work" is 10 ms, and the
//! three fetches overlap it and each other, so the whole thing takes about 20 ms, not
//! 70.
//!
//! ```text
//! ["data from url1", "data from url2", "data from url3"]
//! overlapped: true
//! task fetch_important_data -> data from url
//! ```
use std::time::{Duration, Instant};
use weft::Cancelled;

async fn fetch_data(url: &'static str) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(20)).await?;
    Ok(format!("data from {url}"))
}

/// Create tasks for concurrent execution.
async fn process_with_tasks() -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let task1 = weft::spawn(fetch_data("url1"));
    let task2 = weft::spawn(fetch_data("url2"));
    let task3 = weft::spawn(fetch_data("url3"));

    // Do other work while tasks run
    weft::time::sleep(Duration::from_millis(10)).await?;

    // Wait for all tasks
    let result1 = task1.await??;
    let result2 = task2.await??;
    let result3 = task3.await??;
    Ok(vec![result1, result2, result3])
}

fn main() {
    weft::run(async {
        let start = Instant::now();
        let results = process_with_tasks().await.unwrap();
        println!("{results:?}");
        println!("overlapped: {}", start.elapsed() < Duration::from_millis(60));

        // Task with name (for debugging)
        let task = weft::spawn_named("fetch_important_data", fetch_data("url"));
        let name = task.name().unwrap();
        println!("task {name} -> {}", task.await.unwrap().unwrap());
    });
}
