//! Seed 002, "asyncio.timeout — context-manager timeouts": a deadline on a block.
//!
//! ```text
//! block exceeded 100ms
//! ```
use std::time::Duration;
use weft::{Interrupted, timeout};

fn main() {
    weft::run(async {
        let r = timeout(Duration::from_millis(100), async {
            weft::time::sleep(Duration::from_millis(50)).await?; // fine
            weft::time::sleep(Duration::from_millis(500)).await?; // raises
            Ok::<_, Interrupted>(())
        })
        .await;
        if let Err(Interrupted::TimedOut(_)) = r {
            println!("block exceeded 100ms");
        }
    });
}
