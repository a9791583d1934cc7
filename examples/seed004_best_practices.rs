//! Seed 004, "Best Practices": 1. never block the event loop (`asyncio.sleep`,
//! `aiohttp`, `aiofiles` instead of `time.sleep`, `requests`, `open`); 2. one
//! `asyncio.run(main())` entry point; 3. handle `CancelledError`: clean up, then
//! re-raise; 4. prefer `TaskGroup`; 5. always set timeouts.
//!
//! weft, one short section per practice: 1. `weft::time::sleep(..).await` and
//! [`weft::to_thread`] for blocking work (weft has no HTTP client or async file API;
//! the blocking pool stands in for `aiohttp`/`aiofiles`, and the fetch is simulated);
//! 2. `weft::run(main_())` once, in `main`; 3. `Err(Cancelled)` from the checkpoint,
//! an awaited cleanup, then the cancellation returned; 4. [`weft::task_group`];
//! 5. [`weft::timeout`] around a fetch that would otherwise hang. Durations are
//! milliseconds.
//!
//! ```text
//! 1. good: slept without blocking, read "config" on the blocking pool
//! 2. fetch_data("url") -> data for url
//! 3. cleanup ran: true; task ended cancelled: true
//! 4. task group: ["task1 done", "task2 done"]
//! 5. timeout: deadline exceeded
//! ```
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use weft::{Cancelled, GroupSpawnError, Interrupted, task_group, timeout};

async fn fetch_data(url: &str, ms: u64) -> Result<String, Interrupted> {
    weft::time::sleep(Duration::from_millis(ms)).await?;
    Ok(format!("data for {url}"))
}

async fn long_operation() -> Result<(), Cancelled> {
    weft::time::sleep(Duration::from_secs(5)).await
}

static CLEANED_UP: AtomicBool = AtomicBool::new(false);

async fn cleanup() {
    let _ = weft::time::sleep(Duration::from_millis(1)).await;
    CLEANED_UP.store(true, Ordering::SeqCst);
}

/// 3. Handle CancelledError.
async fn task() -> Result<bool, Cancelled> {
    match long_operation().await {
        Ok(()) => Ok(false),
        Err(c) => {
            cleanup().await; // Cleanup
            Err(c) // Re-raise
        }
    }
}

async fn main_() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // 1. Never block the event loop.
    weft::time::sleep(Duration::from_millis(2)).await?;
    let text = weft::to_thread(|| "config".to_string()).await?; // open("file").read() off the loop
    println!("1. good: slept without blocking, read {text:?} on the blocking pool");

    // 2. The entry point is `weft::run(main_())` in `main` below.
    println!("2. fetch_data(\"url\") -> {}", fetch_data("url", 2).await?);

    // 3. Handle CancelledError.
    let t = weft::spawn(task());
    weft::time::sleep(Duration::from_millis(5)).await?;
    t.cancel(None);
    let cancelled = t.await.is_err_and(|e| e.is_cancelled());
    println!("3. cleanup ran: {}; task ended cancelled: {cancelled}", CLEANED_UP.load(Ordering::SeqCst));

    // 4. Use TaskGroup for structured concurrency.
    let (t1, t2) = task_group(|tg| async move {
        let t1 =
            tg.spawn(async { weft::time::sleep(Duration::from_millis(3)).await.map(|_| "task1 done") })?;
        let t2 =
            tg.spawn(async { weft::time::sleep(Duration::from_millis(1)).await.map(|_| "task2 done") })?;
        Ok::<_, GroupSpawnError>((t1, t2))
    })
    .await?; // Automatic cleanup and error handling
    println!("4. task group: {:?}", [t1.take_result().unwrap()?, t2.take_result().unwrap()?]);

    // 5. Set timeouts.
    match timeout(Duration::from_millis(10), fetch_data("url", 10_000)).await {
        Ok(v) => println!("5. {v}"),
        Err(e) => println!("5. timeout: {e}"),
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
