//! Seed 002, "TaskGroup (3.11+) — structured concurrency": three fetches in a group,
//! then a group where one child fails and its sibling is cancelled.
//!
//! ```text
//! ["alpha-result", "beta-result", "gamma-result"]
//! caught: boom
//! ```
use std::time::Duration;
use weft::{Cancelled, GroupError, GroupSpawnError, task_group};

async fn fetch(name: &'static str, delay: f64) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_secs_f64(delay)).await?;
    Ok(format!("{name}-result"))
}

#[derive(Debug)]
struct ValueError(&'static str);
impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}
impl std::error::Error for ValueError {}

fn main() {
    weft::run(async {
        let (t1, t2, t3) = task_group(|tg| async move {
            let t1 = tg.spawn(fetch("alpha", 0.1))?;
            let t2 = tg.spawn(fetch("beta", 0.2))?;
            let t3 = tg.spawn(fetch("gamma", 0.05))?;
            Ok::<_, GroupSpawnError>((t1, t2, t3))
        })
        .await
        .unwrap();
        // All tasks have completed at this point.
        let results: Vec<String> = [t1, t2, t3].iter().map(|t| t.take_result().unwrap().unwrap()).collect();
        println!("{results:?}");

        let r = task_group(|tg| async move {
            tg.spawn(async { Err::<(), _>(ValueError("boom")) })?;
            tg.spawn(weft::time::sleep(Duration::from_secs(5)))?;
            Ok::<_, GroupSpawnError>(())
        })
        .await;
        // `except* ValueError as eg:`
        if let Err(GroupError::Failed(group)) = r {
            if let (Some(values), _) = group.split::<ValueError>() {
                for e in values.failures() {
                    println!("caught: {e}");
                }
            }
        }
    });
}
