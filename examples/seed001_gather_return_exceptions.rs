//! Seed 001, "Error Handling Strategies": a risky operation that fails half the time is
//! awaited once inside `try/except`, then twice with `gather(...,
//! return_exceptions=True)`, whose results are inspected one by one.
//!
//! weft: [`weft::gather_settled`] is `gather(..., return_exceptions=True)`: every
//! child's join result, in argument order. Completed as
//! tests/seeds/python/seed001_gather_return_exceptions.py is: `random.seed(3)` (Python's
//! own generator, `examples/support/pyrandom.rs`: the first call fails, the gathered
//! ones succeed and fail) and a 0.05 s sleep. The two gathered calls draw their numbers
//! in task order, as in CPython: on the current-thread runtime, equal sleeps end in the
//! order they started.
//!
//! ```text
//! Caught: Something went wrong
//! Task 0 succeeded: success
//! Task 1 failed: Something went wrong
//! ```
#[path = "support/pyrandom.rs"]
mod pyrandom;

use std::sync::Mutex;
use std::time::Duration;
use weft::{Cancelled, gather_settled};

static RANDOM: Mutex<Option<pyrandom::Random>> = Mutex::new(None);

/// `random.random()`
fn random() -> f64 {
    RANDOM.lock().unwrap().as_mut().expect("random.seed() was called").random()
}

#[derive(Debug)]
enum Error {
    Value(&'static str),
    Cancelled(Cancelled),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Value(m) => f.write_str(m),
            Error::Cancelled(c) => c.fmt(f),
        }
    }
}

impl From<Cancelled> for Error {
    fn from(c: Cancelled) -> Self {
        Error::Cancelled(c)
    }
}

async fn risky_operation() -> Result<&'static str, Error> {
    weft::time::sleep(Duration::from_millis(50)).await?;
    if random() < 0.5 {
        return Err(Error::Value("Something went wrong"));
    }
    Ok("success")
}

async fn main_() -> Result<(), Error> {
    // Option 1: Try/except directly
    match risky_operation().await {
        Ok(_result) => {}
        Err(Error::Value(e)) => println!("Caught: {e}"),
        Err(e) => return Err(e),
    }

    // Option 2: gather with return_exceptions
    let results = gather_settled(vec![risky_operation(), risky_operation()]).await?;

    for (i, result) in results.into_iter().enumerate() {
        match result {
            Ok(Ok(result)) => println!("Task {i} succeeded: {result}"),
            Ok(Err(e)) => println!("Task {i} failed: {e}"),
            Err(e) => println!("Task {i} failed: {e}"),
        }
    }
    Ok(())
}

fn main() {
    *RANDOM.lock().unwrap() = Some(pyrandom::Random::seed(3));
    let rt = weft::Runtime::builder().current_thread().build().unwrap();
    weft::run_on(&rt, main_()).unwrap().unwrap();
}
