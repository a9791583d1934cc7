//! Seed 002, "Async context managers" (a class with `__aenter__`/`__aexit__`): entering
//! and leaving the resource each await a 50 ms sleep.
//!
//! weft: Rust has no `async with` and no async destructor, so the two halves are
//! explicit: `AsyncResource::enter().await?` is `__aenter__`, `resource.exit().await?`
//! is `__aexit__`, awaited on the way out. The program is the seed's as written.
//!
//! ```text
//! acquired
//! using resource
//! released
//! ```
use std::time::Duration;
use weft::Cancelled;

struct AsyncResource;

impl AsyncResource {
    /// `__aenter__`
    async fn enter() -> Result<AsyncResource, Cancelled> {
        weft::time::sleep(Duration::from_millis(50)).await?;
        println!("acquired");
        Ok(AsyncResource)
    }

    /// `__aexit__`
    async fn exit(self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(50)).await?;
        println!("released");
        Ok(())
    }
}

async fn main_() -> Result<(), Cancelled> {
    let r = AsyncResource::enter().await?; // async with AsyncResource() as r:
    println!("using resource");
    r.exit().await
}

fn main() {
    weft::run(main_()).unwrap();
}
