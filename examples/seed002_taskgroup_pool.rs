//! Seed 002, "Producer / consumer pool with TaskGroup": a producer and three consumers in
//! one `TaskGroup`, sharing an `asyncio.Queue(maxsize=4)`; the producer puts six items
//! (pausing a random 0–20 ms after each), then one sentinel per consumer; each consumer
//! works on an item, prints it, and stops at a sentinel.
//!
//! weft: [`weft::task_group`] runs the four and joins them; [`weft::Queue`] hands items
//! to waiting getters in the order they asked. Completed as
//! tests/seeds/python/seed002_taskgroup_pool.py is: `random.seed(1)` (Python's own
//! generator, `examples/support/pyrandom.rs`, so the pauses are CPython's), and 0.3 s of
//! work per item (the seed's 0.05 s lets a late wake-up on a loaded machine reorder who
//! takes what). On the current-thread runtime the consumers take turns as on asyncio's
//! loop.
//!
//! ```text
//! c0 processed 0
//! c1 processed 1
//! c2 processed 2
//! c0 processed 3
//! c1 processed 4
//! c2 processed 5
//! ```
#[path = "support/pyrandom.rs"]
mod pyrandom;

use std::sync::{Arc, Mutex};
use std::time::Duration;
use weft::{GroupSpawnError, Queue, task_group};

type Error = Box<dyn std::error::Error + Send + Sync>;

static RANDOM: Mutex<Option<pyrandom::Random>> = Mutex::new(None);

/// `random.uniform(a, b)`
fn uniform(a: f64, b: f64) -> f64 {
    RANDOM.lock().unwrap().as_mut().expect("random.seed() was called").uniform(a, b)
}

/// `None` is the sentinel.
type Jobs = Arc<Queue<Option<u32>>>;

async fn producer(queue: Jobs, items: u32, workers: u32) -> Result<(), Error> {
    for i in 0..items {
        queue.put(Some(i)).await?;
        weft::time::sleep(Duration::from_secs_f64(uniform(0.0, 0.02))).await?;
    }
    for _ in 0..workers {
        queue.put(None).await?;
    }
    Ok(())
}

async fn consumer(name: String, queue: Jobs) -> Result<(), Error> {
    loop {
        let Some(item) = queue.get().await? else {
            queue.task_done()?;
            return Ok(());
        };
        weft::time::sleep(Duration::from_millis(300)).await?; // simulate work
        println!("{name} processed {item}");
        queue.task_done()?;
    }
}

async fn main_() -> Result<(), Error> {
    *RANDOM.lock().unwrap() = Some(pyrandom::Random::seed(1));
    let queue: Jobs = Arc::new(Queue::new(4));
    let workers = 3;
    task_group(|tg| async move {
        tg.spawn(producer(queue.clone(), 6, workers))?;
        for i in 0..workers {
            tg.spawn(consumer(format!("c{i}"), queue.clone()))?;
        }
        Ok::<_, GroupSpawnError>(())
    })
    .await?;
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
