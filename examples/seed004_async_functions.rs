//! Seed 004, "Async Functions": an `async def` that awaits simulated I/O and returns a
//! dict, awaited from `main`, run by `asyncio.run`.
//!
//! weft: an `async fn` is a coroutine function; `.await` suspends; [`weft::run`] is
//! `asyncio.run`. Completed as tests/seeds/python/seed004_async_functions.py is: the
//! simulated I/O is 10 ms.
//!
//! ```text
//! {'url': 'http://example.com', 'status': 'ok'}
//! ```
#[path = "support/py.rs"]
mod py;

use std::time::Duration;
use weft::Cancelled;

/// Asynchronous function.
async fn fetch_data(url: &str) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(10)).await?; // Simulate I/O
    Ok(py::dict(&[("url", &url), ("status", &"ok")]))
}

// Calling async functions
async fn main_() -> Result<(), Cancelled> {
    let result = fetch_data("http://example.com").await?;
    println!("{result}");
    Ok(())
}

// Run async code
fn main() {
    weft::run(main_()).unwrap();
}
