//! Seed 004, "Testing Async Code" (pytest-asyncio): tests of `fetch_data` and of the
//! concurrent `fetch_multiple`, and a test that `wait_for` raises `TimeoutError`.
//!
//! weft has no pytest: `examples/support/pytest.rs` runs each test function in a fresh
//! runtime and prints pytest's verdict, as the CPython program's stand-in does; `check`
//! is `assert` and `raises` is `pytest.raises`. Completed as
//! tests/seeds/python/seed004_testing.py is: the seed's `fetch_data` (10 ms) and
//! `fetch_multiple`; `slow_operation` sleeps 10 s, so `test_with_timeout` takes its 1 s
//! timeout. The next recipe, mocking, is `seed004_mocking`.
//!
//! ```text
//! test_fetch_data PASSED
//! test_concurrent_fetch PASSED
//! test_with_timeout PASSED
//! 3 passed
//! ```
#[path = "support/pytest.rs"]
mod pytest;

use pytest::{Failure, check, raises, run_tests};
use std::time::Duration;
use weft::{Cancelled, Interrupted};

/// Asynchronous function: `{'url': url, 'status': 'ok'}`.
async fn fetch_data(url: String) -> Result<(String, &'static str), Cancelled> {
    weft::time::sleep(Duration::from_millis(10)).await?; // Simulate I/O
    Ok((url, "ok"))
}

/// Fetch multiple URLs concurrently.
async fn fetch_multiple(urls: &[&str]) -> Result<Vec<(String, &'static str)>, Cancelled> {
    let tasks = urls.iter().map(|url| fetch_data(url.to_string())).collect();
    weft::gather(tasks).await
}

async fn slow_operation() -> Result<(), Interrupted> {
    weft::time::sleep(Duration::from_secs(10)).await?;
    Ok(())
}

/// Test async function.
async fn test_fetch_data() -> Result<(), Failure> {
    let (_url, status) = fetch_data("http://example.com".into()).await?;
    check(status == "ok", "")
}

/// Test concurrent execution.
async fn test_concurrent_fetch() -> Result<(), Failure> {
    let urls = ["http://example.com", "http://example.org"];
    let results = fetch_multiple(&urls).await?;
    check(results.len() == 2, "")
}

/// Test async with timeout.
async fn test_with_timeout() -> Result<(), Failure> {
    let r = weft::wait_for(slow_operation(), Duration::from_secs(1)).await;
    raises("TimeoutError", r, Interrupted::is_timeout)
}

fn main() {
    run_tests(&[
        ("test_fetch_data", || Box::pin(test_fetch_data())),
        ("test_concurrent_fetch", || Box::pin(test_concurrent_fetch())),
        ("test_with_timeout", || Box::pin(test_with_timeout())),
    ]);
}
