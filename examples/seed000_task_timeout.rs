//! Seed 000, "Task Management with Timeout": `with_timeout(coro, timeout)` awaits
//! `asyncio.wait_for(coro, timeout)` and turns asyncio's `TimeoutError` into one that
//! says how long it waited.
//!
//! weft: [`weft::wait_for`] runs the future under a deadline and returns
//! `Err(Interrupted::TimedOut)` when it passes (the future is cancelled at its
//! checkpoint, as asyncio cancels the coroutine). `with_timeout` maps that into its own
//! `OperationTimedOut` error, keeps a cancellation of the caller a cancellation, and is
//! generic over the future, as the Python one is over the coroutine. `fetch_data` is
//! simulated in-process (a sleep, then data); the seed's 5 s timeout is 50 ms here, and
//! the slow fetch takes 500 ms.
//!
//! ```text
//! result: {'data': 'fetched'}
//! error: Operation timed out after 0.05s
//! ```
use std::fmt;
use std::future::Future;
use std::time::Duration;
use weft::{Cancelled, Interrupted, wait_for};

/// What `with_timeout` raises: its own timeout error, or the caller's cancellation.
#[derive(Debug)]
enum WithTimeoutError {
    TimedOut(Duration),
    Cancelled(Cancelled),
}

impl fmt::Display for WithTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WithTimeoutError::TimedOut(d) => write!(f, "Operation timed out after {}s", d.as_secs_f64()),
            WithTimeoutError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for WithTimeoutError {}

/// Execute a future with a timeout.
async fn with_timeout<T, F>(fut: F, timeout: Duration) -> Result<T, WithTimeoutError>
where
    F: Future<Output = Result<T, Interrupted>>,
{
    match wait_for(fut, timeout).await {
        Ok(v) => Ok(v),
        Err(Interrupted::TimedOut(_)) => Err(WithTimeoutError::TimedOut(timeout)),
        Err(Interrupted::Cancelled(c)) => Err(WithTimeoutError::Cancelled(c)),
    }
}

/// The remote side, simulated: answers after `latency`.
async fn fetch_data(latency: Duration) -> Result<&'static str, Interrupted> {
    weft::time::sleep(latency).await?;
    Ok("{'data': 'fetched'}")
}

fn main() {
    weft::run(async {
        let timeout = Duration::from_millis(50);
        // Usage: a fetch that answers in time...
        let result = with_timeout(fetch_data(Duration::from_millis(10)), timeout).await;
        println!("result: {}", result.unwrap());
        // ...and one that does not.
        match with_timeout(fetch_data(Duration::from_millis(500)), timeout).await {
            Ok(v) => println!("result: {v}"),
            Err(e) => println!("error: {e}"),
        }
    });
}
