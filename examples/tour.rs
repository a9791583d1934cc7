//! A tour of weft: `cargo run --release --example tour`.
//!
//! Each section shows one idea and prints what happened:
//!
//! 1. tasks run concurrently on a work-stealing runtime;
//! 2. cancellation is delivered at a checkpoint, and cleanup can await;
//! 3. a task group joins every child, and one failure cancels the siblings;
//! 4. timeouts and cancel scopes (asyncio's `timeout`, Trio's `move_on_after`);
//! 5. `shield`: the caller moves on, the shielded work finishes;
//! 6. primitives: a bounded queue between producers and consumers, a lock;
//! 7. blocking work goes to the blocking pool.

use std::error::Error;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use weft::{Cancelled, GroupSpawnError, Interrupted, Lock, Queue};

const MS: Duration = Duration::from_millis(1);

fn main() {
    weft::run(async {
        tasks().await;
        cancellation().await;
        task_groups().await;
        timeouts().await;
        shields().await;
        primitives().await;
        blocking().await;
        println!("\nThat was weft. Read docs/book/ next.");
    });
}

async fn tasks() {
    println!("== 1. tasks run concurrently");
    let start = Instant::now();
    let tasks: Vec<_> = (1..=5u64)
        .map(|i| {
            weft::spawn_named(&format!("sleeper-{i}"), async move {
                weft::time::sleep(20 * i as u32 * MS).await?;
                Ok::<_, Cancelled>(i)
            })
        })
        .collect();
    let mut sum = 0;
    for t in tasks {
        sum += t.await.expect("task failed").expect("cancelled");
    }
    println!(
        "   five sleepers (20..100 ms) summed to {sum} in {} ms (one after another: 300 ms)",
        start.elapsed().as_millis()
    );
}

async fn cancellation() {
    println!("== 2. cancellation is delivered once, and cleanup can await");
    let worker = weft::spawn(async {
        match weft::time::sleep(Duration::from_secs(60)).await {
            Ok(()) => Ok("finished"),
            Err(c) => {
                println!("   worker: got `{c}`; flushing before I go");
                weft::time::sleep(10 * MS).await.ok(); // a second await: the request was delivered once
                println!("   worker: flushed");
                Err(c) // propagating it makes the task end cancelled
            }
        }
    });
    weft::time::sleep(20 * MS).await.unwrap();
    worker.cancel(Some("tour is moving on"));
    let ended = worker.await;
    println!("   the task ended cancelled: {}", ended.unwrap_err().is_cancelled());
}

#[derive(Debug)]
struct Boom;
impl fmt::Display for Boom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("boom")
    }
}
impl Error for Boom {}

async fn task_groups() {
    println!("== 3. a task group: one failure cancels the siblings, every child is joined");
    let cleaned_all = Arc::new(parking_lot::Mutex::new(Vec::new()));
    let cleaned = cleaned_all.clone();
    let result = weft::task_group(|tg| async move {
        tg.spawn(async {
            weft::time::sleep(10 * MS).await.ok();
            Err::<(), _>(Boom)
        })?;
        for i in 0..3 {
            let cleaned = cleaned.clone();
            tg.spawn(async move {
                match weft::time::sleep(Duration::from_secs(60)).await {
                    Ok(()) => Ok(()),
                    Err(c) => {
                        weft::yield_now().await.ok(); // cleanup may await
                        cleaned.lock().push(i);
                        Err(c)
                    }
                }
            })?;
        }
        Ok::<_, GroupSpawnError>(())
    })
    .await;
    // The siblings run on both workers: collect their reports, then print them in order.
    let mut cleaned = cleaned_all.lock().clone();
    cleaned.sort();
    println!("   siblings {cleaned:?} were cancelled and cleaned up before the group returned");
    match result {
        Err(e) => println!("   the group failed with: {e}"),
        Ok(()) => println!("   unexpected: the group succeeded"),
    }
}

async fn timeouts() {
    println!("== 4. timeouts and cancel scopes");
    let r = weft::timeout(30 * MS, async {
        weft::time::sleep(Duration::from_secs(60)).await?;
        Ok::<_, Interrupted>("slept")
    })
    .await;
    println!("   asyncio.timeout(30 ms) around a 60 s sleep: timed out = {}", r.unwrap_err().is_timeout());

    let r = weft::move_on_after(30 * MS, async {
        weft::time::sleep(Duration::from_secs(60)).await?;
        Ok::<_, Cancelled>("slept")
    })
    .await;
    println!("   trio.move_on_after(30 ms): moved on = {}", r.is_none());
}

async fn shields() {
    println!("== 5. shield: the caller is cancelled at once, the inner work runs on");
    let (started, release) = (Arc::new(weft::Event::new()), Arc::new(weft::Event::new()));
    let (s, r) = (started.clone(), release.clone());
    let caller = weft::spawn(async move {
        let shielded = weft::shield(async move {
            s.set();
            r.wait().await?; // the work: done when the tour says so
            Ok::<_, Cancelled>("saved")
        })
        .await;
        // Cancelled while it waited: the error hands back the inner task, still running.
        shielded.map_err(|e| e.into_task())
    });
    started.wait().await.unwrap(); // the caller is waiting in the shield
    caller.cancel(None);
    let inner = match caller.await.unwrap() {
        Err(Some(inner)) => inner,
        other => panic!("the caller should have been cancelled in the shield: {other:?}"),
    };
    println!("   caller cancelled; shielded work done yet: {}", inner.is_finished());
    release.set();
    let saved = inner.await.unwrap().unwrap();
    println!("   ...and the shielded work finished anyway: {saved:?}");
}

async fn primitives() {
    println!("== 6. a bounded queue between 2 producers and 3 consumers, a lock around a total");
    let queue = Arc::new(Queue::new(4));
    let total = Arc::new(Lock::new());
    let sum = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut producers = Vec::new();
    for p in 0..2u64 {
        let q = queue.clone();
        producers.push(weft::spawn(async move {
            for i in 0..50 {
                q.put(p * 1000 + i).await.map_err(|_| "put refused")?;
            }
            Ok::<_, &str>(())
        }));
    }
    let mut consumers = Vec::new();
    for _ in 0..3 {
        let (q, lock, sum) = (queue.clone(), total.clone(), sum.clone());
        consumers.push(weft::spawn(async move {
            let mut n = 0;
            while let Ok(item) = q.get().await {
                let _guard = lock.acquire().await?;
                sum.fetch_add(item, std::sync::atomic::Ordering::Relaxed);
                n += 1;
                q.task_done().ok();
            }
            Ok::<_, Cancelled>(n)
        }));
    }
    for p in producers {
        p.await.unwrap().unwrap();
    }
    queue.join().await.unwrap();
    queue.shutdown(false);
    // How the items spread over the consumers depends on the workers; the total does not.
    let mut consumed = 0;
    for c in consumers {
        consumed += c.await.unwrap().unwrap();
    }
    println!(
        "   100 items put, {consumed} consumed by 3 consumers (sum {}), none lost",
        sum.load(std::sync::atomic::Ordering::Relaxed)
    );
}

async fn blocking() {
    println!("== 7. blocking work goes to the blocking pool");
    let n = weft::to_thread(|| (1..=1_000_000u64).sum::<u64>()).await.unwrap();
    println!("   sum of 1..=1e6 computed on a blocking thread: {n}");
}
