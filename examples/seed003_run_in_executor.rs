//! Seed 003, "Pattern 4: Run Blocking Code with run_in_executor()": `read_file_async`
//! runs a blocking `open(...).read()` in the default thread pool, and
//! `compute_intensive_async` runs `compute_heavy(data)` in a `ProcessPoolExecutor`.
//!
//! weft: [`weft::to_thread`] (asyncio's `to_thread` / `run_in_executor(None, f)`) runs a
//! blocking closure on the runtime's blocking pool and returns a future of its result.
//! weft has no process pool; CPU-bound work goes to the same pool with
//! [`weft::spawn_blocking`]: Rust threads have no GIL, so a blocking-pool thread uses a
//! core of its own, which is what the process pool is for in Python. While both run, a
//! heartbeat task keeps ticking on the runtime, which shows the loop was not blocked.
//! The file is a temporary file this example writes first.
//!
//! ```text
//! read 26 bytes: hello from a blocking read
//! compute_heavy: 333328333350000
//! heartbeat kept ticking while the blocking work ran: true
//! ```
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;
use weft::JoinError;

/// Read file without blocking the runtime.
async fn read_file_async(path: std::path::PathBuf) -> Result<String, JoinError> {
    let blocking_read = move || {
        let text = std::fs::read_to_string(&path).expect("read the file");
        std::thread::sleep(Duration::from_millis(30)); // a slow disk
        text
    };
    weft::to_thread(blocking_read).await
}

fn compute_heavy(data: Vec<u64>) -> u64 {
    data.iter().map(|x| x * x).sum()
}

/// Run CPU-bound work on the blocking pool (the seed uses a process pool).
async fn compute_intensive_async(data: Vec<u64>) -> Result<u64, JoinError> {
    weft::spawn_blocking(move || compute_heavy(data)).await
}

fn main() {
    let path = std::env::temp_dir().join(format!("weft-seed003-{}.txt", std::process::id()));
    std::fs::write(&path, "hello from a blocking read").unwrap();
    weft::run(async {
        let ticks = Arc::new(AtomicU32::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let heartbeat = {
            let (ticks, stop) = (ticks.clone(), stop.clone());
            weft::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    weft::time::sleep(Duration::from_millis(2)).await?;
                    ticks.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<_, weft::Cancelled>(())
            })
        };
        let text = read_file_async(path.clone()).await.unwrap();
        println!("read {} bytes: {text}", text.len());
        let total = compute_intensive_async((0..100_000).collect()).await.unwrap();
        println!("compute_heavy: {total}");
        stop.store(true, Ordering::Relaxed);
        heartbeat.await.unwrap().unwrap();
        println!(
            "heartbeat kept ticking while the blocking work ran: {}",
            ticks.load(Ordering::Relaxed) >= 3
        );
    });
    let _ = std::fs::remove_file(&path);
}
