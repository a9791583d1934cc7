//! Seed 003, "Pattern 4: Run Blocking Code with run_in_executor()": `read_file_async`
//! runs a blocking `open(...).read()` in the default executor, and
//! `compute_intensive_async` runs `compute_heavy(data)` in a `ProcessPoolExecutor`.
//!
//! weft: [`weft::to_thread`] (`run_in_executor(None, f)`) runs a blocking closure on the
//! runtime's blocking pool and returns a future of its result. Python needs a process
//! pool for CPU work to run in parallel (the GIL); Rust has no GIL, so the CPU-bound
//! job goes to the blocking pool too, with [`weft::spawn_blocking`]. Completed as
//! tests/seeds/python/seed003_run_in_executor.py is: `compute_heavy` sums the squares; a
//! temporary file is read back; a heartbeat task ticks at each turn it gets
//! ([`weft::yield_now`]), and the program prints whether it ticked while the blocking
//! work ran: it did, since the task waiting for the pool left the loop free. The
//! current-thread runtime is asyncio's single loop.
//!
//! ```text
//! read 26 bytes: hello from a blocking read
//! compute_heavy: 333328333350000
//! heartbeat kept ticking while the blocking work ran: True
//! ```
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Read file without blocking the runtime.
async fn read_file_async(path: PathBuf) -> Result<String, Error> {
    let blocking_read = move || std::fs::read_to_string(&path);
    Ok(weft::to_thread(blocking_read).await??)
}

fn compute_heavy(data: Vec<u64>) -> u64 {
    data.iter().map(|x| x * x).sum()
}

/// Run CPU-bound work on the blocking pool (the seed uses a process pool).
async fn compute_intensive_async(data: Vec<u64>) -> Result<u64, Error> {
    Ok(weft::spawn_blocking(move || compute_heavy(data)).await?)
}

static TICKS: AtomicU64 = AtomicU64::new(0);

async fn heartbeat() -> Result<(), weft::Cancelled> {
    loop {
        weft::yield_now().await?;
        TICKS.fetch_add(1, Ordering::SeqCst);
    }
}

async fn main_(path: PathBuf) -> Result<(), Error> {
    let hb = weft::spawn(heartbeat());
    weft::yield_now().await?;
    let text = read_file_async(path).await?;
    println!("read {} bytes: {text}", text.len());
    println!("compute_heavy: {}", compute_intensive_async((0..100_000).collect()).await?);
    hb.cancel(None);
    let ticked = if TICKS.load(Ordering::SeqCst) > 0 { "True" } else { "False" };
    println!("heartbeat kept ticking while the blocking work ran: {ticked}");
    Ok(())
}

fn main() {
    let dir = std::env::temp_dir().join(format!("weft-seed003-run-in-executor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("data.txt");
    std::fs::write(&path, "hello from a blocking read").unwrap();
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    let result = weft::run_on(&rt, main_(path));
    let _ = std::fs::remove_dir_all(&dir);
    result.unwrap().unwrap();
}
