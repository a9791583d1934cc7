//! Seed 004, "Best Practices: 5. Set Timeouts": always put a timeout on an operation.
//!
//! weft: [`weft::timeout`] is `async with asyncio.timeout(d)`. Completed as
//! tests/seeds/python/seed004_best_practice_timeouts.py is: the seed's module-level
//! block runs in `main` as written (10 s around the seed's `fetch_data`, 10 ms), then
//! the same block with 50 ms around a fetch that hangs (1 s).
//!
//! ```text
//! {'url': 'url', 'status': 'ok'}
//! fetch_data('hang-url'): TimeoutError after 0.05 s
//! ```
#[path = "support/py.rs"]
mod py;

use std::time::Duration;
use weft::Interrupted;

/// Asynchronous function.
async fn fetch_data(url: &str) -> Result<String, Interrupted> {
    let took = if url.contains("hang") { Duration::from_secs(1) } else { Duration::from_millis(10) };
    weft::time::sleep(took).await?; // Simulate I/O
    Ok(py::dict(&[("url", &url), ("status", &"ok")]))
}

async fn main_() -> Result<(), Interrupted> {
    // Always set timeouts for operations
    weft::timeout(Duration::from_secs(10), async {
        println!("{}", fetch_data("url").await?);
        Ok::<_, Interrupted>(())
    })
    .await?;
    let r = weft::timeout(Duration::from_millis(50), async {
        println!("{}", fetch_data("hang-url").await?);
        Ok::<_, Interrupted>(())
    })
    .await;
    match r {
        Err(Interrupted::TimedOut(_)) => println!("fetch_data('hang-url'): TimeoutError after 0.05 s"),
        other => other?,
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
