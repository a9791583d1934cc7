//! Seed 004, "Queue": a producer puts `item_0` .. `item_4` into a bounded queue
//! (`maxsize=10`), sleeping between puts, then a `None` sentinel; the consumer prints
//! "Processing {item}" for each, calls `task_done()` for every item including the
//! sentinel, and stops at the sentinel; `main` gathers both, then `await queue.join()`.
//!
//! weft: [`weft::Queue`] with `put(..).await`, `get().await`, `task_done()` and
//! `join().await`; the sentinel `None` is `Option::None`. Sleeps are 1 ms and 2 ms
//! instead of 0.1 s and 0.2 s.
//!
//! ```text
//! Processing item_0
//! Processing item_1
//! Processing item_2
//! Processing item_3
//! Processing item_4
//! all items processed; unfinished tasks: 0
//! ```
use std::sync::Arc;
use std::time::Duration;
use weft::{Cancelled, GetError, PutError, Queue};

/// This queue is never shut down, so a failed put or get is a cancellation.
fn put_cancelled<T>(e: PutError<T>) -> Cancelled {
    match e {
        PutError::Cancelled(c, _item) => c,
        _ => unreachable!("the queue is never shut down"),
    }
}

fn get_cancelled(e: GetError) -> Cancelled {
    match e {
        GetError::Cancelled(c) => c,
        _ => unreachable!("the queue is never shut down"),
    }
}

/// Produce items.
async fn producer(queue: Arc<Queue<Option<String>>>, n: usize) -> Result<(), Cancelled> {
    for i in 0..n {
        let item = format!("item_{i}");
        queue.put(Some(item)).await.map_err(put_cancelled)?;
        weft::time::sleep(Duration::from_millis(1)).await?;
    }
    // Signal completion
    queue.put(None).await.map_err(put_cancelled)?;
    Ok(())
}

/// Consume items.
async fn consumer(queue: Arc<Queue<Option<String>>>) -> Result<(), Cancelled> {
    loop {
        let item = queue.get().await.map_err(get_cancelled)?;
        let Some(item) = item else {
            // Completion signal
            queue.task_done().expect("one task_done per get");
            break;
        };
        println!("Processing {item}");
        weft::time::sleep(Duration::from_millis(2)).await?;
        queue.task_done().expect("one task_done per get");
    }
    Ok(())
}

fn main() {
    weft::run(async {
        let queue = Arc::new(Queue::new(10));
        weft::gather!(producer(queue.clone(), 5), consumer(queue.clone())).await.unwrap();
        queue.join().await.unwrap(); // Wait for all items to be processed
        println!("all items processed; unfinished tasks: {}", queue.unfinished_tasks());
    });
}
