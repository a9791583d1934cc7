//! Seed 001, "Producer-Consumer with Queues": a producer puts ten items on an
//! `asyncio.Queue(maxsize=5)`, one every 0.5 s, then a `None` sentinel; two consumers
//! take items and process each for 1 s, all three gathered.
//!
//! **As written, the seed's program never ends**: one sentinel for two consumers, so
//! one consumer stops and the other waits in `queue.get()` forever, and `gather` never
//! returns. The port keeps that, as tests/seeds/python/seed001_producer_consumer.py
//! does: the gather runs under `wait_for(…, 2.2 s)` and the program reports the hang;
//! the sleeps are 0.3 of the seed's (0.15 s and 0.3 s), and a consumer says when it took
//! the sentinel.
//!
//! weft: [`weft::Queue`] is asyncio's queue (a put hands the item straight to a waiting
//! getter; `task_done` counts); [`weft::gather!`] runs the three as tasks;
//! [`weft::wait_for`] cancels them when the time is up (the gather cancels every child
//! and waits for them). On the current-thread runtime the order of the lines is
//! asyncio's: each consumer frees up when the item meant for it arrives, the other one
//! is busy then.
//!
//! ```text
//! Produced: item-0
//! consumer-1 consumed: item-0
//! Produced: item-1
//! consumer-2 consumed: item-1
//! Produced: item-2
//! consumer-1 consumed: item-2
//! Produced: item-3
//! consumer-2 consumed: item-3
//! Produced: item-4
//! consumer-1 consumed: item-4
//! Produced: item-5
//! consumer-2 consumed: item-5
//! Produced: item-6
//! consumer-1 consumed: item-6
//! Produced: item-7
//! consumer-2 consumed: item-7
//! Produced: item-8
//! consumer-1 consumed: item-8
//! Produced: item-9
//! consumer-2 consumed: item-9
//! consumer-1 got the sentinel and stopped
//! gather still waiting after 2.2 s: one None sentinel for two consumers, the other consumer waits in queue.get() forever
//! ```
use std::sync::Arc;
use std::time::Duration;
use weft::{Queue, wait_for};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn producer(queue: Arc<Queue<Option<String>>>, n: usize) -> Result<(), Error> {
    for i in 0..n {
        weft::time::sleep(Duration::from_millis(150)).await?;
        let item = format!("item-{i}");
        queue.put(Some(item.clone())).await?;
        println!("Produced: {item}");
    }
    queue.put(None).await?; // Signal completion
    Ok(())
}

async fn consumer(queue: Arc<Queue<Option<String>>>, name: &'static str) -> Result<(), Error> {
    loop {
        let Some(item) = queue.get().await? else {
            queue.task_done()?;
            println!("{name} got the sentinel and stopped");
            break;
        };
        println!("{name} consumed: {item}");
        weft::time::sleep(Duration::from_millis(300)).await?; // Simulate processing
        queue.task_done()?;
    }
    Ok(())
}

async fn main_() {
    let queue = Arc::new(Queue::new(5));
    let all = weft::gather!(
        producer(queue.clone(), 10),
        consumer(queue.clone(), "consumer-1"),
        consumer(queue.clone(), "consumer-2"),
    );
    match wait_for(all, Duration::from_millis(2200)).await {
        Err(e) if e.is::<weft::TimeoutError>() => println!(
            "gather still waiting after 2.2 s: one None sentinel for two consumers, \
             the other consumer waits in queue.get() forever"
        ),
        Err(e) => panic!("{e}"),
        Ok(_) => println!("gather returned"),
    }
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap();
}
