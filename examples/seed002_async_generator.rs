//! Seed 002, "Async iterators and generators": `ticks(n)` is an async generator that
//! sleeps 50 ms before yielding each number; `async for` reads it, and the follow-up
//! one-liner `[v async for v in ticks(3)]` collects it (run inside `main`, as
//! tests/seeds/python/seed002_async_generator.py does; the seed gives it as a fragment).
//!
//! weft: stable Rust has no async generators; `Ticks` is one written by hand, a struct
//! whose `next()` is an async function (`__anext__`) returning `None` at the end (`StopAsyncIteration`).
//! `while let Some(v) = ticks.next().await?` is the `async for`.
//!
//! ```text
//! got 0
//! got 1
//! got 2
//! comprehension: [0, 1, 2]
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::Cancelled;

/// `async def ticks(n)`: yields 0..n, sleeping 50 ms before each.
struct Ticks {
    i: u32,
    n: u32,
}

fn ticks(n: u32) -> Ticks {
    Ticks { i: 0, n }
}

impl Ticks {
    async fn next(&mut self) -> Result<Option<u32>, Cancelled> {
        if self.i == self.n {
            return Ok(None);
        }
        weft::time::sleep(Duration::from_millis(50)).await?;
        self.i += 1;
        Ok(Some(self.i - 1))
    }
}

async fn main_() -> Result<(), Cancelled> {
    let mut values = ticks(3);
    while let Some(value) = values.next().await? {
        println!("got {value}");
    }
    // result = [v async for v in ticks(3)]
    let mut result = Vec::new();
    let mut values = ticks(3);
    while let Some(v) = values.next().await? {
        result.push(v);
    }
    println!("comprehension: {}", result.repr());
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
