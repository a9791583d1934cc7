//! Seed 004, "Best Practices: 2. Use asyncio.run() for Entry Point": one `main`
//! coroutine, run once from the program's entry point.
//!
//! weft: [`weft::run`] is `asyncio.run` (the `if __name__ == "__main__":` guard is
//! Rust's `fn main`). Completed as tests/seeds/python/seed004_best_practice_entry_point.py
//! is: the seed's `fetch_data`, 10 ms.
//!
//! ```text
//! {'url': 'url', 'status': 'ok'}
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

// Entry point
async fn main_() -> Result<(), Cancelled> {
    let result = fetch_data("url").await?;
    println!("{result}");
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
