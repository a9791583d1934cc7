//! Seed 004, "Async Context Manager": a class whose `__aenter__` acquires a resource
//! (awaiting 0.1 s) and whose `__aexit__` releases it (awaiting 0.1 s), used with
//! `async with`.
//!
//! weft: Rust has no `async with` and no async destructor, so the two halves are
//! explicit: `AsyncResource::enter().await?` is `__aenter__`, and `exit()` is awaited
//! on the way out whatever the body did. Completed as
//! tests/seeds/python/seed004_async_context_manager.py is: `use_resource()` (never run in
//! the seed) is run, then a second use whose body fails: the resource is still
//! released, and the error reaches the caller (`__aexit__` returns `None`).
//!
//! ```text
//! Acquiring resource
//! Using resource
//! Releasing resource
//! Acquiring resource
//! Releasing resource
//! caller caught: body failed
//! ```
use std::time::Duration;
use weft::Cancelled;

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Async context manager for resource management.
struct AsyncResource;

impl AsyncResource {
    /// `__aenter__`
    async fn enter() -> Result<AsyncResource, Cancelled> {
        println!("Acquiring resource");
        weft::time::sleep(Duration::from_millis(100)).await?;
        Ok(AsyncResource)
    }

    /// `__aexit__`
    async fn exit(self) -> Result<(), Cancelled> {
        println!("Releasing resource");
        weft::time::sleep(Duration::from_millis(100)).await
    }

    async fn use_(&self) -> Result<&'static str, Cancelled> {
        Ok("Using resource")
    }
}

// Usage
async fn use_resource() -> Result<(), Error> {
    let resource = AsyncResource::enter().await?;
    let body = async {
        let result = resource.use_().await?;
        println!("{result}");
        Ok::<_, Error>(())
    }
    .await;
    resource.exit().await?;
    body
}

async fn use_resource_failing() -> Result<(), Error> {
    let resource = AsyncResource::enter().await?;
    let body: Result<(), Error> = Err("body failed".into()); // raise RuntimeError("body failed")
    resource.exit().await?;
    if let Err(e) = body {
        println!("caller caught: {e}");
    }
    Ok(())
}

fn main() {
    weft::run(use_resource()).unwrap();
    weft::run(use_resource_failing()).unwrap();
}
