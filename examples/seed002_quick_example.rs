//! Seed 002, "Quick example": `greet` awaits a non-blocking sleep, then prints and
//! returns its greeting; `asyncio.run` is the entry point.
//!
//! weft: an `async fn` is a coroutine function, `.await` suspends, [`weft::run`] is
//! `asyncio.run`. Every weft await point returns a `Result` whose `Err` is a
//! cancellation, propagated with `?`. The program is the seed's as written.
//!
//! ```text
//! Hello, Alice!
//! ```
use std::time::Duration;
use weft::Cancelled;

async fn greet(name: &str, delay: f64) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_secs_f64(delay)).await?; // non-blocking sleep
    let msg = format!("Hello, {name}!");
    println!("{msg}");
    Ok(msg)
}

fn main() {
    weft::run(greet("Alice", 0.1)).unwrap(); // entry point for async code
}
