//! Seed 003, "Quick Reference Commands": run a main, gather three operations, fire a
//! background task, put a timeout on an operation, run a blocking function in the
//! executor, use an async context manager, iterate asynchronously.
//!
//! weft, one line each: `weft::run(main)`; [`weft::gather!`] (futures of different
//! types, a tuple back); `weft::spawn` (dropping the handle detaches the task);
//! [`weft::wait_for`]; [`weft::to_thread`]; an async context manager is a function that
//! takes the body as a closure (Rust has no async destructor); `async for` is a loop
//! over an async `next()`. Every operation is simulated in-process and sleeps a few
//! milliseconds.
//!
//! ```text
//! gather: (1, "two", 3.0)
//! background work done
//! wait_for: operation finished
//! run_in_executor: blocking_func ran on weft-blocking-*
//! resource opened
//! resource.operation() -> 42
//! resource closed
//! async for: 0 1 2
//! ```
use std::future::Future;
use std::time::Duration;
use weft::{Cancelled, Interrupted, gather, wait_for};

async fn op1() -> Result<i32, Cancelled> {
    weft::time::sleep(Duration::from_millis(3)).await?;
    Ok(1)
}
async fn op2() -> Result<&'static str, Cancelled> {
    weft::time::sleep(Duration::from_millis(1)).await?;
    Ok("two")
}
async fn op3() -> Result<f64, Cancelled> {
    weft::time::sleep(Duration::from_millis(2)).await?;
    Ok(3.0)
}

async fn background_work() -> Result<(), Cancelled> {
    weft::time::sleep(Duration::from_millis(2)).await?;
    println!("background work done");
    Ok(())
}

async fn operation() -> Result<&'static str, Interrupted> {
    weft::time::sleep(Duration::from_millis(2)).await?;
    Ok("operation finished")
}

fn blocking_func() -> String {
    std::thread::current().name().unwrap_or("?").to_string()
}

struct AsyncResource;

impl AsyncResource {
    async fn operation(&self) -> Result<i32, Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        Ok(42)
    }
}

/// `async with AsyncResource() as resource:`
async fn with_resource<T, Fut: Future<Output = T>>(body: impl FnOnce(&'static AsyncResource) -> Fut) -> T {
    static RESOURCE: AsyncResource = AsyncResource;
    println!("resource opened");
    let out = body(&RESOURCE).await;
    println!("resource closed");
    out
}

/// An async iterator: three items, each after a short wait.
struct AsyncIterator {
    next: u32,
}

impl AsyncIterator {
    async fn next(&mut self) -> Result<Option<u32>, Cancelled> {
        if self.next == 3 {
            return Ok(None);
        }
        weft::time::sleep(Duration::from_millis(1)).await?;
        self.next += 1;
        Ok(Some(self.next - 1))
    }
}

async fn main_() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Concurrent execution
    let results = gather!(op1(), op2(), op3()).await?;
    println!("gather: {results:?}");

    // Fire and forget
    drop(weft::spawn(background_work())); // dropping the handle detaches the task
    weft::time::sleep(Duration::from_millis(10)).await?; // (let it finish before the next line)

    // Timeout
    let result = wait_for(operation(), Duration::from_secs(5)).await?;
    println!("wait_for: {result}");

    // Run blocking code
    let result = weft::to_thread(blocking_func).await?;
    println!("run_in_executor: blocking_func ran on {result}");

    // Async context manager
    with_resource(|resource| async move {
        println!("resource.operation() -> {}", resource.operation().await?);
        Ok::<_, Cancelled>(())
    })
    .await?;

    // Async iteration
    let mut items = Vec::new();
    let mut it = AsyncIterator { next: 0 };
    while let Some(item) = it.next().await? {
        items.push(item.to_string());
    }
    println!("async for: {}", items.join(" "));
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
