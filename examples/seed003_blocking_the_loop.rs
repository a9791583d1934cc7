//! Seed 003, "Pitfall 1: Blocking the Event Loop": `time.sleep(5)` instead of `await
//! asyncio.sleep(5)`, a blocking read instead of `run_in_executor`, heavy CPU work
//! inside a coroutine: "blocking calls freeze ALL async tasks".
//!
//! weft: the BAD and the GOOD version of each row, on the current-thread runtime (one
//! loop, as asyncio's; on the multi-thread runtime a blocking task freezes one worker
//! and everything queued behind it). A heartbeat task ticks every 2 ms; each row runs
//! 40 ms of "work" and counts the heartbeat's ticks meanwhile. `std::thread::sleep` in a
//! task is `time.sleep`: no tick. `weft::time::sleep(..).await` is `asyncio.sleep`;
//! [`weft::to_thread`] is `run_in_executor(None, ...)` for a blocking read or CPU work:
//! the heartbeat keeps ticking.
//!
//! ```text
//! BAD  std::thread::sleep in a task: heartbeat ticked 0 times
//! GOOD weft::time::sleep().await: heartbeat kept ticking
//! BAD  blocking read in a task: heartbeat ticked 0 times
//! GOOD blocking read in to_thread: heartbeat kept ticking
//! BAD  heavy CPU work in a task: heartbeat ticked 0 times
//! GOOD heavy CPU work in to_thread: heartbeat kept ticking
//! ```
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

const WORK: Duration = Duration::from_millis(40);

/// A blocking read: a slow disk.
fn blocking_read() -> String {
    std::thread::sleep(WORK);
    "file contents".to_string()
}

/// CPU work that takes about `WORK`.
fn cpu_work() -> u64 {
    let start = Instant::now();
    let mut x = 0u64;
    while start.elapsed() < WORK {
        for i in 0..10_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
        }
    }
    std::hint::black_box(x)
}

async fn row(label: &str, ticks: &AtomicU32, work: impl Future<Output = ()>) {
    // Let the heartbeat get going, then measure the ticks during the work.
    weft::time::sleep(Duration::from_millis(5)).await.unwrap();
    let before = ticks.load(Ordering::SeqCst);
    work.await;
    let during = ticks.load(Ordering::SeqCst) - before;
    if during == 0 {
        println!("{label}: heartbeat ticked 0 times");
    } else {
        println!("{label}: heartbeat kept ticking");
    }
}

fn main() {
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    rt.block_on(async {
        let ticks = Arc::new(AtomicU32::new(0));
        let heartbeat = {
            let ticks = ticks.clone();
            weft::spawn(async move {
                loop {
                    weft::time::sleep(Duration::from_millis(2)).await?;
                    ticks.fetch_add(1, Ordering::SeqCst);
                }
                #[allow(unreachable_code)]
                Ok::<(), weft::Cancelled>(())
            })
        };
        row("BAD  std::thread::sleep in a task", &ticks, async { std::thread::sleep(WORK) }).await;
        row("GOOD weft::time::sleep().await", &ticks, async { weft::time::sleep(WORK).await.unwrap() }).await;
        row("BAD  blocking read in a task", &ticks, async {
            blocking_read();
        })
        .await;
        row("GOOD blocking read in to_thread", &ticks, async {
            weft::to_thread(blocking_read).await.unwrap();
        })
        .await;
        row("BAD  heavy CPU work in a task", &ticks, async {
            cpu_work();
        })
        .await;
        row("GOOD heavy CPU work in to_thread", &ticks, async {
            weft::to_thread(cpu_work).await.unwrap();
        })
        .await;
        heartbeat.cancel(None);
        assert!(heartbeat.await.unwrap_err().is_cancelled());
    });
}
