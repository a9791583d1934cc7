//! Seed 004, "timeout context manager (Python 3.11+, Enhanced in 3.14)":
//! `process_with_timeout()` fetches inside `async with asyncio.timeout(5.0)` and
//! returns `{"error": "timeout"}` on `TimeoutError`; `nested_timeouts()` puts a tighter
//! inner timeout (5 s) inside an outer one (10 s) around `long_operation()`.
//!
//! weft: [`weft::timeout`] around an async block. Nested timeouts report at the one
//! that fired: the inner one turns its own cancellation into `TimeoutError`, and the
//! outer one sees a body that failed with that error, not a timeout of its own
//! (`outer.expired()` is false). Durations are milliseconds (50/100 instead of 5/10 s);
//! `fetch_data` and `long_operation` are simulated.
//!
//! ```text
//! process_with_timeout (fast): {'url': 'url', 'status': 'ok'}
//! process_with_timeout (slow): {'error': 'timeout'}
//! nested: the inner timeout fired: deadline exceeded
//! outer expired: false, inner expired: true
//! ```
use std::time::Duration;
use weft::{Interrupted, Timeout, timeout};

async fn fetch_data(url: &str, ms: u64) -> Result<String, Interrupted> {
    weft::time::sleep(Duration::from_millis(ms)).await?;
    Ok(format!("{{'url': '{url}', 'status': 'ok'}}"))
}

/// Use timeout context manager.
async fn process_with_timeout(ms: u64) -> String {
    match timeout(Duration::from_millis(50), async { fetch_data("url", ms).await }).await {
        Ok(result) => result,
        Err(_) => "{'error': 'timeout'}".to_string(),
    }
}

async fn long_operation() -> Result<(), Interrupted> {
    weft::time::sleep(Duration::from_secs(5)).await?;
    Ok(())
}

async fn nested_timeouts() -> (Result<(), Interrupted>, bool, bool) {
    let outer = Timeout::after(Some(Duration::from_millis(100))); // Outer timeout
    let inner = Timeout::after(Some(Duration::from_millis(50))); // Inner timeout (tighter)
    let inner2 = inner.clone();
    let r = outer.run(async move { inner2.run(long_operation()).unwrap().await }).unwrap().await;
    (r, outer.expired(), inner.expired())
}

fn main() {
    weft::run(async {
        println!("process_with_timeout (fast): {}", process_with_timeout(5).await);
        println!("process_with_timeout (slow): {}", process_with_timeout(1000).await);
        let (r, outer, inner) = nested_timeouts().await;
        match r {
            Err(Interrupted::TimedOut(e)) => println!("nested: the inner timeout fired: {e}"),
            other => println!("nested: {other:?}"),
        }
        println!("outer expired: {outer}, inner expired: {inner}");
    });
}
