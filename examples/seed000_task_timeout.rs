//! Seed 000, "Task Management with Timeout": `with_timeout(coro, timeout)` awaits
//! `asyncio.wait_for(coro, timeout)` and turns asyncio's `TimeoutError` into one that
//! says how long it waited.
//!
//! weft: [`weft::wait_for`] runs the future under a deadline and returns
//! `Err(Interrupted::TimedOut)` when it passes (the future is cancelled at its
//! checkpoint, as asyncio cancels the coroutine). `with_timeout` maps that into its own
//! `TimeoutError` with the message, keeps a cancellation of the caller a cancellation,
//! and is generic over the future, as the Python one is over the coroutine. Completed
//! as tests/seeds/python/seed000_task_timeout.py is: `fetch_data(delay=0.01)` sleeps and
//! returns `{'data': 'fetched'}`; the usage runs as written (timeout 5.0), then once
//! more with a 0.5 s fetch under a 0.05 s timeout.
//!
//! ```text
//! result: {'data': 'fetched'}
//! error: Operation timed out after 0.05s
//! ```
#[path = "support/py.rs"]
mod py;

use std::fmt;
use std::future::Future;
use std::time::Duration;
use weft::{Cancelled, Interrupted, wait_for};

/// What `with_timeout` raises: its own `TimeoutError`, or the caller's cancellation.
#[derive(Debug)]
enum WithTimeoutError {
    TimedOut(f64),
    Cancelled(Cancelled),
}

impl fmt::Display for WithTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WithTimeoutError::TimedOut(t) => write!(f, "Operation timed out after {t}s"),
            WithTimeoutError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for WithTimeoutError {}

/// Execute coroutine with timeout.
async fn with_timeout<T, F>(coro: F, timeout: f64) -> Result<T, WithTimeoutError>
where
    F: Future<Output = Result<T, Interrupted>>,
{
    match wait_for(coro, Duration::from_secs_f64(timeout)).await {
        Ok(v) => Ok(v),
        Err(Interrupted::TimedOut(_)) => Err(WithTimeoutError::TimedOut(timeout)),
        Err(Interrupted::Cancelled(c)) => Err(WithTimeoutError::Cancelled(c)),
    }
}

/// `{'data': 'fetched'}`
struct Data(&'static str);

impl py::Repr for Data {
    fn repr(&self) -> String {
        py::dict(&[("data", &self.0)])
    }
}

async fn fetch_data(delay: f64) -> Result<Data, Interrupted> {
    weft::time::sleep(Duration::from_secs_f64(delay)).await?;
    Ok(Data("fetched"))
}

async fn main_() -> Result<(), WithTimeoutError> {
    // Usage
    let result = with_timeout(fetch_data(0.01), 5.0).await?;
    println!("result: {}", py::repr(&result));
    match with_timeout(fetch_data(0.5), 0.05).await {
        Ok(result) => println!("result: {}", py::repr(&result)),
        Err(e @ WithTimeoutError::TimedOut(_)) => println!("error: {e}"),
        Err(e) => return Err(e),
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
