//! Seed 004, "Background Tasks": `BackgroundTasks` keeps a set of the tasks it creates
//! (each removes itself when done, through `add_done_callback`) and `wait_all()`
//! gathers them with `return_exceptions=True`.
//!
//! weft: [`weft::spawn`] is `create_task`; a task has no done callbacks, so each one
//! removes its own entry from the set as it finishes (the same moment, as seen by
//! anyone awaiting it). A weft task handle is awaited by value, so `wait_all` takes the
//! handles out of the set and awaits them with [`weft::gather_settled`], dropping the
//! outcomes as the seed drops gather's results: job 2's failure is silently swallowed,
//! as in CPython. Completed as tests/seeds/python/seed004_background_tasks.py is: job 1
//! prints after 5 ms, job 2 fails with `OSError("disk full")` after 0.5 s, the main
//! work takes 0.3 s; `main` prints how many tasks are tracked along the way.
//!
//! ```text
//! tasks tracked: 2
//! background_job_1 done
//! main work done
//! tasks still tracked: 1
//! all background tasks finished; tracked: 0
//! ```
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{Cancelled, Id, Task};

type Error = Box<dyn std::error::Error + Send + Sync>;
/// The tracked tasks, by id (asyncio's `set[asyncio.Task]`).
type TaskSet = Arc<Mutex<HashMap<Id, Task<Result<(), Error>>>>>;

/// Manage background tasks.
#[derive(Default)]
struct BackgroundTasks {
    tasks: TaskSet,
}

impl BackgroundTasks {
    /// Create and track background task.
    fn create_task<F>(&self, coro: F)
    where
        F: Future<Output = Result<(), Error>> + Send + 'static,
    {
        let tasks = self.tasks.clone();
        let mut set = self.tasks.lock().unwrap();
        let task = weft::spawn(async move {
            let result = coro.await;
            // task.add_done_callback(self._tasks.discard)
            let me = weft::current_task().expect("inside a task").id();
            tasks.lock().unwrap().remove(&me);
            result
        });
        set.insert(task.id(), task);
    }

    fn len(&self) -> usize {
        self.tasks.lock().unwrap().len()
    }

    /// Wait for all background tasks.
    async fn wait_all(&self) -> Result<(), Cancelled> {
        let tasks: Vec<_> = self.tasks.lock().unwrap().drain().map(|(_, task)| task).collect();
        weft::gather_settled(tasks).await?;
        Ok(())
    }
}

async fn background_job_1() -> Result<(), Error> {
    weft::time::sleep(Duration::from_millis(5)).await?;
    println!("background_job_1 done");
    Ok(())
}

async fn background_job_2() -> Result<(), Error> {
    weft::time::sleep(Duration::from_millis(500)).await?;
    Err(std::io::Error::other("disk full").into())
}

async fn main_work() -> Result<(), Cancelled> {
    weft::time::sleep(Duration::from_millis(300)).await?;
    println!("main work done");
    Ok(())
}

async fn main_(tasks: Arc<BackgroundTasks>) -> Result<(), Cancelled> {
    // Start background tasks
    tasks.create_task(background_job_1());
    tasks.create_task(background_job_2());
    println!("tasks tracked: {}", tasks.len());

    // Do main work
    main_work().await?;
    println!("tasks still tracked: {}", tasks.len());

    // Wait for background tasks
    tasks.wait_all().await?;
    println!("all background tasks finished; tracked: {}", tasks.len());
    Ok(())
}

fn main() {
    // Usage
    let tasks = Arc::new(BackgroundTasks::default());
    weft::run(main_(tasks)).unwrap();
}
