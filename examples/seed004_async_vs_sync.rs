//! Seed 004, "Async vs Sync": DON'T `time.sleep(5)` in an async function (it blocks the
//! entire loop), DO `await asyncio.sleep(5)`; DON'T `open(...).read()` in an async
//! function, DO use async file I/O (`aiofiles`).
//!
//! weft: the BAD and GOOD versions, each run three times concurrently with
//! [`weft::gather`] on the current-thread runtime (asyncio's single loop): blocking
//! calls serialise (three 30 ms blocking sleeps take 90 ms), awaited ones overlap (three
//! take 30 ms). weft has no `aiofiles`; a file read goes to the blocking pool with
//! [`weft::to_thread`], which is what `aiofiles` does under the hood. The file is a
//! temporary file this example writes, and each read also waits 30 ms (a slow disk).
//!
//! ```text
//! bad_fetch x3: * ms (serialised: true)
//! good_fetch x3: * ms (overlapped: true)
//! bad_read_file x3: * ms (serialised: true)
//! good_read_file x3: * ms (overlapped: true)
//! contents: "hello"
//! ```
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use weft::{Cancelled, gather};

const DELAY: Duration = Duration::from_millis(30);

/// DON'T: blocking call in async function.
async fn bad_fetch() -> Result<&'static str, Cancelled> {
    std::thread::sleep(DELAY); // Blocks the entire loop!
    Ok("data")
}

/// DO: use async operations.
async fn good_fetch() -> Result<&'static str, Cancelled> {
    weft::time::sleep(DELAY).await?; // Non-blocking
    Ok("data")
}

fn slow_read(path: &PathBuf) -> String {
    std::thread::sleep(DELAY); // a slow disk
    std::fs::read_to_string(path).unwrap()
}

/// DON'T: sync I/O in async function.
async fn bad_read_file(path: PathBuf) -> Result<String, Cancelled> {
    Ok(slow_read(&path)) // Blocking!
}

/// DO: hand the blocking read to a thread.
async fn good_read_file(path: PathBuf) -> Result<String, Cancelled> {
    weft::to_thread(move || slow_read(&path)).await.map_err(|e| e.as_cancelled().cloned().expect("no panic"))
}

async fn three<F, Fut, T>(label: &str, f: F) -> Vec<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, Cancelled>> + Send + 'static,
    T: Send + 'static,
{
    let start = Instant::now();
    let out = gather(vec![f(), f(), f()]).await.unwrap();
    let took = start.elapsed();
    let verdict = if label.starts_with("bad") {
        format!("serialised: {}", took >= DELAY * 3)
    } else {
        format!("overlapped: {}", took < DELAY * 2)
    };
    println!("{label} x3: {} ms ({verdict})", took.as_millis());
    out
}

fn main() {
    let path = std::env::temp_dir().join(format!("weft-seed004-{}.txt", std::process::id()));
    std::fs::write(&path, "hello").unwrap();
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    rt.block_on(async {
        three("bad_fetch", bad_fetch).await;
        three("good_fetch", good_fetch).await;
        three("bad_read_file", || bad_read_file(path.clone())).await;
        let contents = three("good_read_file", || good_read_file(path.clone())).await;
        println!("contents: {:?}", contents[0]);
    });
    let _ = std::fs::remove_file(&path);
}
