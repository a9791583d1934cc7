//! Seed 000, "Retry with Exponential Backoff": `run_with_retries(coro_func,
//! max_retries=3, delay=1.0, backoff=2.0, *args, **kwargs)` calls the coroutine
//! function, sleeps `delay`, `delay * backoff`, ... between failed attempts, and
//! re-raises the last exception when every attempt failed.
//!
//! weft: the loop is ported line for line as a generic `run_with_retries` (a closure
//! stands for `coro_func(*args, **kwargs)`); the sleeps are checkpoints, so a
//! cancellation of the caller ends the loop at once, and a cancellation is never
//! retried (the seed's `except Exception` does not catch `CancelledError` either).
//! weft's own helper, [`weft::retry`] with a [`weft::RetryPolicy`], does the same and
//! adds a cap and jitter. Completed as tests/seeds/python/seed000_retry_backoff.py is:
//! `fetch_user` prints each attempt and fails its first two calls; the first delay is
//! 0.01 s instead of 1.0; a second call, to an always-failing `server_down`, shows the
//! last exception re-raised.
//!
//! ```text
//! attempt 1: fetching user 123
//! attempt 2: fetching user 123
//! attempt 3: fetching user 123
//! result: {'id': '123', 'name': 'Ada'}
//! attempt 1: server down
//! attempt 2: server down
//! attempt 3: server down
//! all 3 attempts failed; re-raised: connection refused
//! ```
#[path = "support/py.rs"]
mod py;

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use weft::Cancelled;

#[derive(Debug)]
enum Error {
    Connection(&'static str),
    Cancelled(Cancelled),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Connection(m) => f.write_str(m),
            Error::Cancelled(c) => c.fmt(f),
        }
    }
}

impl From<Cancelled> for Error {
    fn from(c: Cancelled) -> Self {
        Error::Cancelled(c)
    }
}

/// Execute coroutine with exponential backoff retries.
async fn run_with_retries<T, F, Fut>(
    coro_func: F,
    max_retries: u32,
    delay: f64,
    backoff: f64,
) -> Result<T, Error>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let mut last_exception = None;
    let mut current_delay = delay;

    for attempt in 0..max_retries {
        match coro_func().await {
            Ok(v) => return Ok(v),
            // `except Exception` does not catch a cancellation.
            Err(Error::Cancelled(c)) => return Err(Error::Cancelled(c)),
            Err(exc) => {
                last_exception = Some(exc);
                if attempt < max_retries - 1 {
                    weft::time::sleep(Duration::from_secs_f64(current_delay)).await?;
                    current_delay *= backoff;
                }
            }
        }
    }

    Err(last_exception.expect("max_retries > 0"))
}

/// `{'id': user_id, 'name': 'Ada'}`
struct User(String);

impl py::Repr for User {
    fn repr(&self) -> String {
        py::dict(&[("id", &self.0), ("name", &"Ada")])
    }
}

static CALLS: AtomicU32 = AtomicU32::new(0);

async fn fetch_user(user_id: &str) -> Result<User, Error> {
    let calls = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    println!("attempt {calls}: fetching user {user_id}");
    weft::time::sleep(Duration::from_millis(1)).await?;
    if calls <= 2 {
        return Err(Error::Connection("connection reset"));
    }
    Ok(User(user_id.to_string()))
}

static DOWN_CALLS: AtomicU32 = AtomicU32::new(0);

async fn server_down() -> Result<User, Error> {
    let calls = DOWN_CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    println!("attempt {calls}: server down");
    Err(Error::Connection("connection refused"))
}

async fn main_() -> Result<(), Error> {
    // Usage
    let result = run_with_retries(|| fetch_user("123"), 3, 0.01, 2.0).await?;
    println!("result: {}", py::repr(&result));
    match run_with_retries(server_down, 3, 0.001, 2.0).await {
        Err(Error::Connection(e)) => println!("all 3 attempts failed; re-raised: {e}"),
        Err(e) => return Err(e),
        Ok(_) => {}
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
