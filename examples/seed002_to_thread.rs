//! Seed 002, "Run blocking code in a thread (to_thread)": five blocking calls of 0.1 s
//! each, run in threads with `asyncio.to_thread` and gathered, so the loop is never
//! blocked and the five overlap.
//!
//! weft: [`weft::to_thread`] runs a closure on the blocking pool and gives a future of
//! its result; [`weft::gather`] waits for the five in argument order. The program is
//! the seed's as written.
//!
//! ```text
//! [0, 1, 4, 9, 16]
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;

type Error = Box<dyn std::error::Error + Send + Sync>;

fn cpu_or_blocking_work(n: u64) -> u64 {
    std::thread::sleep(Duration::from_millis(100)); // simulates blocking I/O or CPU work
    n * n
}

async fn main_() -> Result<(), Error> {
    // to_thread wraps a sync function so it doesn't block the runtime
    let calls = (0..5)
        .map(|i| async move { Ok::<_, Error>(weft::to_thread(move || cpu_or_blocking_work(i)).await?) });
    let results = weft::gather(calls.collect()).await?;
    println!("{}", results.repr());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
