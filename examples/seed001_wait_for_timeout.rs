//! Seed 001, "Timeout Patterns": `wait_for` around a slow operation.
//!
//! ```text
//! Operation timed out!
//! ```
use std::time::Duration;
use weft::{Interrupted, wait_for};

async fn slow_operation() -> Result<&'static str, Interrupted> {
    weft::time::sleep(Duration::from_secs(10)).await?;
    Ok("finished")
}

fn main() {
    weft::run(async {
        match wait_for(slow_operation(), Duration::from_secs(2)).await {
            Ok(result) => println!("{result}"),
            Err(Interrupted::TimedOut(_)) => println!("Operation timed out!"),
            Err(Interrupted::Cancelled(c)) => panic!("{c}"),
        }
    });
}
