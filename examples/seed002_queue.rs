//! Seed 002, "Producer / consumer with Queue": a producer puts three items on an
//! `asyncio.Queue(maxsize=2)` (pausing 50 ms after each), then a `None` sentinel; a
//! consumer prints each item until the sentinel.
//!
//! weft: [`weft::Queue`] is asyncio's queue: a put hands the item straight to a waiting
//! getter, a bounded queue makes a put wait for room. [`weft::gather!`] runs the two
//! as tasks. The program is the seed's as written (the consumer gives no `task_done`
//! for the sentinel, which is harmless: nothing joins the queue). On the current-thread
//! runtime the two tasks take turns as on asyncio's loop.
//!
//! ```text
//! Produced: a
//!   Consumed: a
//! Produced: b
//!   Consumed: b
//! Produced: c
//!   Consumed: c
//! ```
use std::sync::Arc;
use std::time::Duration;
use weft::Queue;

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn producer(queue: Arc<Queue<Option<&'static str>>>, items: Vec<&'static str>) -> Result<(), Error> {
    for item in items {
        queue.put(Some(item)).await?;
        println!("Produced: {item}");
        weft::time::sleep(Duration::from_millis(50)).await?;
    }
    queue.put(None).await?; // sentinel
    Ok(())
}

async fn consumer(queue: Arc<Queue<Option<&'static str>>>) -> Result<(), Error> {
    while let Some(item) = queue.get().await? {
        println!("  Consumed: {item}");
        queue.task_done()?;
    }
    Ok(())
}

async fn main_() -> Result<(), Error> {
    let queue = Arc::new(Queue::new(2));
    weft::gather!(producer(queue.clone(), vec!["a", "b", "c"]), consumer(queue.clone())).await?;
    Ok(())
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
