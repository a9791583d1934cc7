//! Seed 004, "asyncio.TaskGroup()": `fetch_with_taskgroup` creates one task per URL in a
//! `TaskGroup` and reads the results after the block; `process_batch` catches the
//! group's `ValueError`s with `except*`.
//!
//! weft: [`weft::task_group`] joins every child before it returns; `take_result()` is
//! `task.result()`. A failure cancels the siblings still running and the group returns
//! `GroupError::Failed` with an [`weft::ErrorGroup`]; `split::<ValueError>()` is
//! `except* ValueError`. Completed as tests/seeds/python/seed004_taskgroup.py is: the
//! seed's `fetch_data` (10 ms); `may_fail_1` fails after 0.01 s and `may_fail_2` after
//! 0.3 s, so the group cancels `may_fail_2` before it fails: one `ValueError`.
//!
//! ```text
//! [{'url': 'https://a.example', 'status': 'ok'}, {'url': 'https://b.example', 'status': 'ok'}, {'url': 'https://c.example', 'status': 'ok'}]
//! Got 1 ValueError exceptions
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::{Cancelled, GroupError, GroupSpawnError};

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
async fn fetch_data(url: String) -> Result<Data, Cancelled> {
    weft::time::sleep(Duration::from_millis(10)).await?; // Simulate I/O
    Ok(Data { url })
}

#[derive(Debug)]
enum ValueError {
    Failed(&'static str),
    Cancelled(Cancelled),
}

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ValueError::Failed(m) => f.write_str(m),
            ValueError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for ValueError {}

impl From<Cancelled> for ValueError {
    fn from(c: Cancelled) -> Self {
        ValueError::Cancelled(c)
    }
}

async fn may_fail_1() -> Result<(), ValueError> {
    weft::time::sleep(Duration::from_millis(10)).await?;
    Err(ValueError::Failed("may_fail_1 failed"))
}

async fn may_fail_2() -> Result<(), ValueError> {
    weft::time::sleep(Duration::from_millis(300)).await?;
    Err(ValueError::Failed("may_fail_2 failed"))
}

/// Use TaskGroup for automatic cleanup.
async fn fetch_with_taskgroup(urls: &[&str]) -> Result<Vec<Data>, Error> {
    let urls: Vec<String> = urls.iter().map(|u| u.to_string()).collect();
    let tasks = weft::task_group(|tg| async move {
        urls.into_iter().map(|url| tg.spawn(fetch_data(url))).collect::<Result<Vec<_>, GroupSpawnError>>()
    })
    .await?;

    // All tasks completed or exception raised
    let results = tasks.iter().map(|task| task.take_result().expect("the group joined it"));
    Ok(results.collect::<Result<_, _>>()?)
}

/// TaskGroup handles errors properly.
async fn process_batch() -> Result<(), GroupError> {
    let r = weft::task_group(|tg| async move {
        tg.spawn(may_fail_1())?;
        tg.spawn(may_fail_2())?;
        Ok::<_, GroupSpawnError>(())
    })
    .await;
    match r {
        // except* ValueError as eg:
        Err(GroupError::Failed(group)) => match group.split::<ValueError>() {
            (Some(eg), None) => {
                println!("Got {} ValueError exceptions", eg.len());
                Ok(())
            }
            _ => Err(GroupError::Failed(group)),
        },
        other => other,
    }
}

async fn main_() -> Result<(), Error> {
    let urls = ["https://a.example", "https://b.example", "https://c.example"];
    println!("{}", fetch_with_taskgroup(&urls).await?.repr());
    process_batch().await?;
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
