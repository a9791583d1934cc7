//! Seed 000, "Retry with Exponential Backoff": `run_with_retries(coro_func,
//! max_retries=3, delay=1.0, backoff=2.0, user_id="123")` calls the coroutine function,
//! sleeps `delay`, `delay * backoff`, ... between failed attempts, and re-raises the last
//! exception when every attempt failed.
//!
//! weft: the loop is ported line for line as a generic `run_with_retries` (an async
//! closure stands for `coro_func(*args, **kwargs)`); the sleeps are checkpoints, so a
//! cancellation of the caller ends the loop at once, and a cancellation is never
//! retried (the seed's `except Exception` does not catch `CancelledError` either).
//! weft's own helper, [`weft::retry`] with a [`weft::RetryPolicy`], does the same and
//! adds a cap and jitter; the second half runs the same fetch through it. `fetch_user`
//! is simulated in-process and fails its first two calls. Delays are 10 ms and 20 ms
//! instead of 1 s and 2 s.
//!
//! ```text
//! attempt 1: fetching user 123
//! attempt 1 failed: connection reset (next try in 10ms)
//! attempt 2: fetching user 123
//! attempt 2 failed: connection reset (next try in 20ms)
//! attempt 3: fetching user 123
//! result: {'id': '123', 'name': 'Ada'}
//! attempt 1: server down
//! attempt 1 failed: connection refused (next try in 1ms)
//! attempt 2: server down
//! attempt 2 failed: connection refused (next try in 2ms)
//! attempt 3: server down
//! all 3 attempts failed; re-raised: connection refused
//! weft::retry: {'id': '123', 'name': 'Ada'} after 3 attempts
//! ```
use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use weft::{Cancelled, RetryPolicy, retry};

#[derive(Debug)]
enum FetchError {
    Connection(&'static str),
    Cancelled(Cancelled),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Connection(m) => f.write_str(m),
            FetchError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Cancelled(c) => Some(c),
            FetchError::Connection(_) => None,
        }
    }
}

impl From<Cancelled> for FetchError {
    fn from(c: Cancelled) -> Self {
        FetchError::Cancelled(c)
    }
}

/// Execute an async operation with exponential backoff retries.
async fn run_with_retries<T, Fut>(
    mut coro_func: impl FnMut(u32) -> Fut,
    max_retries: u32,
    delay: Duration,
    backoff: f64,
) -> Result<T, FetchError>
where
    Fut: Future<Output = Result<T, FetchError>>,
{
    let mut last_exception = None;
    let mut current_delay = delay;
    for attempt in 0..max_retries {
        match coro_func(attempt + 1).await {
            Ok(v) => return Ok(v),
            // A cancellation is not an `Exception`: propagate it at once.
            Err(FetchError::Cancelled(c)) => return Err(FetchError::Cancelled(c)),
            Err(exc) => {
                if attempt < max_retries - 1 {
                    println!(
                        "attempt {} failed: {exc} (next try in {}ms)",
                        attempt + 1,
                        current_delay.as_millis()
                    );
                    weft::time::sleep(current_delay).await?;
                    current_delay = current_delay.mul_f64(backoff);
                }
                last_exception = Some(exc);
            }
        }
    }
    Err(last_exception.expect("max_retries is at least 1"))
}

/// The remote side, simulated: fails while `failures` is above zero.
async fn fetch_user(user_id: &str, failures: &AtomicU32, attempt: u32) -> Result<String, FetchError> {
    println!("attempt {attempt}: fetching user {user_id}");
    weft::time::sleep(Duration::from_millis(2)).await?;
    if failures.fetch_sub(1, Ordering::Relaxed) > 0 {
        return Err(FetchError::Connection("connection reset"));
    }
    Ok(format!("{{'id': '{user_id}', 'name': 'Ada'}}"))
}

fn main() {
    weft::run(async {
        // Usage: the seed's call, with a server that fails twice.
        let failures = AtomicU32::new(2);
        let result = run_with_retries(
            |attempt| fetch_user("123", &failures, attempt),
            3,
            Duration::from_millis(10),
            2.0,
        )
        .await;
        println!("result: {}", result.unwrap());

        // A server that never answers: the last exception is re-raised.
        let never = run_with_retries(
            |attempt| async move {
                println!("attempt {attempt}: server down");
                Err::<(), _>(FetchError::Connection("connection refused"))
            },
            3,
            Duration::from_millis(1),
            2.0,
        )
        .await;
        println!("all 3 attempts failed; re-raised: {}", never.unwrap_err());

        // The same policy through weft's helper.
        let policy = RetryPolicy::builder()
            .max_attempts(3)
            .initial_delay(Duration::from_millis(10))
            .multiplier(2.0)
            .build()
            .unwrap();
        let failures = AtomicU32::new(2);
        let attempts = AtomicU32::new(0);
        let user = retry(&policy, |_| {
            attempts.fetch_add(1, Ordering::Relaxed);
            let fail = failures.fetch_sub(1, Ordering::Relaxed) > 0;
            async move {
                weft::time::sleep(Duration::from_millis(2)).await?;
                if fail {
                    Err(FetchError::Connection("connection reset"))
                } else {
                    Ok("{'id': '123', 'name': 'Ada'}")
                }
            }
        })
        .await
        .unwrap();
        println!("weft::retry: {user} after {} attempts", attempts.load(Ordering::Relaxed));
    });
}
