//! Seed 004, "Queue": a producer puts five items on an `asyncio.Queue(maxsize=10)` and
//! a `None` sentinel; the consumer processes each and marks it done; `queue.join()`
//! waits until every item is done.
//!
//! weft: [`weft::Queue`] is asyncio's queue, with `task_done` and `join`;
//! [`weft::gather!`] runs producer and consumer as tasks. Completed as
//! tests/seeds/python/seed004_queue.py is: ten times shorter (the producer pauses 10 ms
//! after each item, the consumer works 20 ms on each); `main` (never run in the seed) is
//! run and says, after `join()`, that the queue is empty.
//!
//! ```text
//! Processing item_0
//! Processing item_1
//! Processing item_2
//! Processing item_3
//! Processing item_4
//! all items processed; queue empty: True
//! ```
#[path = "support/py.rs"]
mod py;

use std::sync::Arc;
use std::time::Duration;
use weft::Queue;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Produce items.
async fn producer(queue: Arc<Queue<Option<String>>>, n: usize) -> Result<(), Error> {
    for i in 0..n {
        let item = format!("item_{i}");
        queue.put(Some(item)).await?;
        weft::time::sleep(Duration::from_millis(10)).await?;
    }

    // Signal completion
    queue.put(None).await?;
    Ok(())
}

/// Consume items.
async fn consumer(queue: Arc<Queue<Option<String>>>) -> Result<(), Error> {
    loop {
        let Some(item) = queue.get().await? else {
            // Completion signal
            queue.task_done()?;
            break;
        };

        println!("Processing {item}");
        weft::time::sleep(Duration::from_millis(20)).await?;
        queue.task_done()?;
    }
    Ok(())
}

async fn main_() -> Result<(), Error> {
    let queue = Arc::new(Queue::new(10));

    weft::gather!(producer(queue.clone(), 5), consumer(queue.clone())).await?;

    queue.join().await?; // Wait for all items to be processed
    println!("all items processed; queue empty: {}", py::py_bool(queue.empty()));
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
