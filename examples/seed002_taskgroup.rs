//! Seed 002, "TaskGroup (3.11+) — structured concurrency": three fetches in a
//! `TaskGroup`; when the `async with` block ends, every task has completed and their
//! results are read.
//!
//! weft: [`weft::task_group`] runs the body, then joins every child before it returns;
//! `tg.spawn` is `create_task` and gives a handle whose `take_result()` is
//! `task.result()` once the group is done. The program is the seed's as written; the
//! next recipe, the failing group, is `seed002_taskgroup_failure`.
//!
//! ```text
//! ['alpha-result', 'beta-result', 'gamma-result']
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::{Cancelled, GroupSpawnError, task_group};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn fetch(name: &str, delay: f64) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_secs_f64(delay)).await?;
    Ok(format!("{name}-result"))
}

async fn main_() -> Result<(), Error> {
    let (t1, t2, t3) = task_group(|tg| async move {
        let t1 = tg.spawn(fetch("alpha", 0.1))?;
        let t2 = tg.spawn(fetch("beta", 0.2))?;
        let t3 = tg.spawn(fetch("gamma", 0.05))?;
        Ok::<_, GroupSpawnError>((t1, t2, t3))
    })
    .await?;
    // All tasks have completed at this point
    let results = [t1, t2, t3].map(|t| t.take_result().expect("the group joined it"));
    let results: Vec<String> = results.into_iter().collect::<Result<_, _>>()?;
    println!("{}", results.repr());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
