//! A tour of weft (grows with the project): tasks, cancellation that can clean up, timers.
use std::time::{Duration, Instant};

fn main() {
    weft::run(async {
        println!("== tasks");
        let start = Instant::now();
        let tasks: Vec<_> = (1..=5u64)
            .map(|i| {
                weft::spawn_named(&format!("sleeper-{i}"), async move {
                    weft::time::sleep(Duration::from_millis(20 * i)).await?;
                    Ok::<_, weft::Cancelled>(i)
                })
            })
            .collect();
        let mut sum = 0;
        for t in tasks {
            sum += t.await.expect("task failed").expect("cancelled");
        }
        println!("five sleepers ran concurrently: sum={sum} in {:?} (not 300ms)", start.elapsed());

        println!("== cancellation is delivered, and cleanup can await");
        let worker = weft::spawn(async {
            match weft::time::sleep(Duration::from_secs(60)).await {
                Ok(()) => Ok("finished"),
                Err(c) => {
                    println!("  worker: got {c}; flushing before I go");
                    weft::time::sleep(Duration::from_millis(10)).await.ok();
                    println!("  worker: flushed");
                    Err(c)
                }
            }
        });
        weft::time::sleep(Duration::from_millis(20)).await.unwrap();
        worker.cancel(Some("tour is moving on"));
        let r = worker.await;
        println!("  worker ended cancelled: {}", r.unwrap_err().is_cancelled());

        println!("== blocking work goes to the pool");
        let n = weft::to_thread(|| (1..=1_000_000u64).sum::<u64>()).await.unwrap();
        println!("  sum computed on a blocking thread: {n}");
    });
}
