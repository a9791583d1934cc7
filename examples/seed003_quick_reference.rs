//! Seed 003, "Quick Reference Commands: Basic Patterns": the one-liners for concurrent
//! execution, fire and forget, a timeout, blocking code, an async context manager and
//! async iteration.
//!
//! Constructed as tests/seeds/python/seed003_quick_reference.py is: every one-liner, in
//! its order, in one `main`, with small in-process stand-ins for the names the seed
//! leaves undefined. In weft: [`weft::gather!`] (futures of different types),
//! [`weft::spawn`], [`weft::wait_for`], [`weft::spawn_blocking`] (`run_in_executor(None,
//! f)`), an `enter`/`exit` pair for `async with`, and a hand-written async iterator.
//!
//! weft prints something else here on purpose, on one line, and its expected output is
//! tests/seeds/expected/seed003_quick_reference.weft.txt: `blocking_func` reports the
//! name of the thread it ran on, and weft's blocking pool names its threads
//! `weft-blocking-N` where asyncio's executor says `asyncio_N`.
//!
//! ```text
//! gather: [1, 'two', 3.0]
//! background work done
//! wait_for: operation finished
//! run_in_executor: blocking_func ran on weft-blocking-0
//! resource opened
//! resource.operation() -> 42
//! resource closed
//! async for: 0
//! async for: 1
//! async for: 2
//! ```
#[path = "support/py.rs"]
mod py;

use py::Repr;
use std::time::Duration;
use weft::{Cancelled, Interrupted};

type Error = Box<dyn std::error::Error + Send + Sync>;

async fn op1() -> Result<i64, Cancelled> {
    weft::time::sleep(Duration::from_millis(30)).await?;
    Ok(1)
}

async fn op2() -> Result<&'static str, Cancelled> {
    weft::time::sleep(Duration::from_millis(10)).await?;
    Ok("two")
}

async fn op3() -> Result<f64, Cancelled> {
    weft::time::sleep(Duration::from_millis(20)).await?;
    Ok(3.0)
}

async fn background_work() -> Result<(), Cancelled> {
    weft::yield_now().await?;
    println!("background work done");
    Ok(())
}

async fn operation() -> Result<&'static str, Interrupted> {
    weft::time::sleep(Duration::from_millis(20)).await?;
    Ok("operation finished")
}

fn blocking_func() -> String {
    format!("blocking_func ran on {}", std::thread::current().name().unwrap_or("?"))
}

struct AsyncResource;

impl AsyncResource {
    /// `__aenter__`
    async fn enter() -> Result<AsyncResource, Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("resource opened");
        Ok(AsyncResource)
    }

    /// `__aexit__`
    async fn exit(self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("resource closed");
        Ok(())
    }

    async fn operation(&self) -> Result<i64, Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("resource.operation() -> 42");
        Ok(42)
    }
}

/// `async def async_iterator()`: yields 0, 1, 2.
struct AsyncIterator(i64);

impl AsyncIterator {
    async fn next(&mut self) -> Result<Option<i64>, Cancelled> {
        if self.0 == 3 {
            return Ok(None);
        }
        weft::time::sleep(Duration::from_millis(1)).await?;
        self.0 += 1;
        Ok(Some(self.0 - 1))
    }
}

async fn process(item: i64) -> Result<(), Cancelled> {
    println!("async for: {item}");
    Ok(())
}

async fn main_() -> Result<(), Error> {
    // Concurrent execution
    let (a, b, c) = weft::gather!(op1(), op2(), op3()).await?;
    println!("gather: [{}, {}, {}]", a.repr(), b.repr(), c.repr());

    // Fire and forget
    let bg = weft::spawn(background_work());

    // Timeout
    let result = weft::wait_for(operation(), Duration::from_secs(5)).await?;
    println!("wait_for: {result}");

    // Run blocking code
    let result = weft::spawn_blocking(blocking_func).await?;
    println!("run_in_executor: {result}");

    // Async context manager
    let resource = AsyncResource::enter().await?;
    resource.operation().await?;
    resource.exit().await?;

    // Async iteration
    let mut items = AsyncIterator(0);
    while let Some(item) = items.next().await? {
        process(item).await?;
    }

    bg.await??;
    Ok(())
}

fn main() {
    // Run async function
    weft::run(main_()).unwrap();
}
