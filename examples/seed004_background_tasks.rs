//! Seed 004, "Background Tasks": `BackgroundTasks` keeps a set of tasks;
//! `create_task(coro)` adds the new task and registers `add_done_callback(discard)` so
//! that finished tasks leave the set; `wait_all()` gathers what is left with
//! `return_exceptions=True`; `main` starts two background jobs, does its main work,
//! then waits for them.
//!
//! weft has no done-callbacks on tasks; the port wraps the future so that, when it
//! finishes, it removes its own id from the set (the callback's job), and keeps the
//! `Task` handles in a map keyed by task id. `wait_all` takes the remaining handles and
//! hands them to [`weft::gather_settled`], which is `return_exceptions=True`. The jobs
//! are simulated: job 1 takes 5 ms, job 2 takes 40 ms and fails; the main work takes
//! 20 ms, so job 1 has already left the set when `wait_all` runs.
//!
//! ```text
//! main work done; tasks still tracked: 1
//! background_job_2 failed: disk full
//! all background tasks finished; tracked: 0
//! ```
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{Cancelled, Id, Task, gather_settled};

type JobResult = Result<&'static str, String>;

/// Manage background tasks.
#[derive(Clone, Default)]
struct BackgroundTasks {
    tasks: Arc<Mutex<HashMap<Id, Task<JobResult>>>>,
}

impl BackgroundTasks {
    /// Create and track background task.
    fn create_task(&self, fut: impl Future<Output = JobResult> + Send + 'static) {
        let tasks = self.tasks.clone();
        // Hold the set's lock across the spawn, so the task cannot discard itself
        // before it was added.
        let mut set = self.tasks.lock().unwrap();
        let task = weft::spawn(async move {
            let out = fut.await;
            // task.add_done_callback(self._tasks.discard)
            let me = weft::current_task().expect("inside a task").id();
            tasks.lock().unwrap().remove(&me);
            out
        });
        set.insert(task.id(), task);
    }

    fn len(&self) -> usize {
        self.tasks.lock().unwrap().len()
    }

    /// Wait for all background tasks.
    async fn wait_all(&self) -> Result<(), Cancelled> {
        let tasks: Vec<Task<JobResult>> = self.tasks.lock().unwrap().drain().map(|(_, t)| t).collect();
        let results = gather_settled(tasks).await?;
        for r in results {
            if let Ok(Ok(Err(e))) = r {
                println!("background_job_2 failed: {e}");
            }
        }
        Ok(())
    }
}

async fn background_job_1() -> JobResult {
    weft::time::sleep(Duration::from_millis(5)).await.map_err(|c| c.to_string())?;
    Ok("job 1 done")
}

async fn background_job_2() -> JobResult {
    weft::time::sleep(Duration::from_millis(40)).await.map_err(|c| c.to_string())?;
    Err("disk full".to_string())
}

async fn main_work() {
    let _ = weft::time::sleep(Duration::from_millis(20)).await;
}

fn main() {
    weft::run(async {
        let tasks = BackgroundTasks::default();
        // Start background tasks
        tasks.create_task(background_job_1());
        tasks.create_task(background_job_2());
        // Do main work
        main_work().await;
        println!("main work done; tasks still tracked: {}", tasks.len());
        // Wait for background tasks
        tasks.wait_all().await.unwrap();
        println!("all background tasks finished; tracked: {}", tasks.len());
    });
}
