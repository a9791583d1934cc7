//! Seed 004, "Enhanced asyncio.timeout() (3.14+)": `fetch_with_improved_timeout(coro,
//! timeout)` awaits a coroutine inside `asyncio.timeout`; `adaptive_timeout_fetch`
//! reschedules its timeout mid-operation when the first part says it needs more time.
//! (`Timeout.reschedule` exists since Python 3.11, not 3.14 as the seed says.)
//!
//! weft: [`weft::timeout`] is `async with asyncio.timeout(d)`; for the handle,
//! [`weft::Timeout::after`] makes one and `run(body)` enters it; the body reschedules it
//! through a clone, `reschedule(Some(now + 0.7 s))` (`loop.time()` is
//! [`weft::time::now`]). Completed as tests/seeds/python/seed004_timeout_reschedule.py
//! is (the seed's `Awaitable` is not imported, a `NameError` in 3.13): `fetch_partial`
//! (10 ms) says whether the URL needs more time, `fetch_complete` takes 0.4 s; the
//! adaptive timeout is 0.25 s, rescheduled to 0.7 s from then; `main` runs a quick and a
//! slow coroutine under `fetch_with_improved_timeout`, then a URL that needs more time
//! (rescheduled: completes) and one that does not (times out). Every gap between a
//! deadline and the end of an operation is at least 0.15 s.
//!
//! ```text
//! fetch_with_improved_timeout: {'data': 'quick'}
//! fetch_with_improved_timeout: timed out
//! adaptive_timeout_fetch(https://example.com/big): complete data for https://example.com/big
//! adaptive_timeout_fetch(https://example.com/small): timed out
//! ```
#[path = "support/py.rs"]
mod py;

use std::future::Future;
use std::time::Duration;
use weft::{Interrupted, Timeout};

/// Generic timeout with enhanced error context.
async fn fetch_with_improved_timeout<T, F>(coro: F, timeout: f64) -> Result<T, Interrupted>
where
    F: Future<Output = Result<T, Interrupted>>,
{
    weft::timeout(Duration::from_secs_f64(timeout), coro).await
}

struct Partial {
    needs_more_time: bool,
}

async fn fetch_partial(url: &str) -> Result<Partial, Interrupted> {
    weft::time::sleep(Duration::from_millis(10)).await?;
    Ok(Partial { needs_more_time: !url.ends_with("/small") })
}

async fn fetch_complete(url: &str, _data: Partial) -> Result<String, Interrupted> {
    weft::time::sleep(Duration::from_millis(400)).await?;
    Ok(format!("complete data for {url}"))
}

/// Timeout that adapts based on progress.
async fn adaptive_timeout_fetch(url: &str) -> Result<String, Interrupted> {
    let timeout_cm = Timeout::after(Some(Duration::from_millis(250)));
    let cm = timeout_cm.clone();
    let body = async move {
        let data = fetch_partial(url).await?;
        if data.needs_more_time {
            // Can reschedule the timeout mid-operation
            cm.reschedule(Some(weft::time::now() + Duration::from_millis(700))).expect("inside the block");
        }
        fetch_complete(url, data).await
    };
    timeout_cm.run(body).expect("a fresh timeout").await
}

async fn work(delay: f64, value: &str) -> Result<String, Interrupted> {
    weft::time::sleep(Duration::from_secs_f64(delay)).await?;
    Ok(py::dict(&[("data", &value)]))
}

async fn main_() -> Result<(), Interrupted> {
    for (delay, value, timeout) in [(0.01, "quick", 1.0), (1.0, "slow", 0.05)] {
        match fetch_with_improved_timeout(work(delay, value), timeout).await {
            Ok(result) => println!("fetch_with_improved_timeout: {result}"),
            Err(Interrupted::TimedOut(_)) => println!("fetch_with_improved_timeout: timed out"),
            Err(e) => return Err(e),
        }
    }
    for url in ["https://example.com/big", "https://example.com/small"] {
        match adaptive_timeout_fetch(url).await {
            Ok(result) => println!("adaptive_timeout_fetch({url}): {result}"),
            Err(Interrupted::TimedOut(_)) => println!("adaptive_timeout_fetch({url}): timed out"),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
