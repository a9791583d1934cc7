//! Seed 004, "Enhanced asyncio.timeout() (3.14+)": `fetch_with_improved_timeout(coro,
//! timeout)` runs a coroutine inside `async with asyncio.timeout(timeout)`;
//! `adaptive_timeout_fetch(url)` keeps the timeout object and, when the partial fetch
//! says it needs more time, moves the deadline with `timeout_cm.reschedule(loop.time() +
//! 10.0)` before the complete fetch.
//!
//! weft: [`weft::timeout`] is `async with asyncio.timeout(...)`; a [`weft::Timeout`] made
//! with `Timeout::after` is the object the body can hold and `reschedule` (weft has it
//! with 3.13's semantics, which is what the seed uses). `loop.time() + 10.0` becomes
//! `weft::time::now() + ...`. The server is simulated: the partial fetch takes 10 ms and
//! says it needs more time; the complete fetch takes 80 ms. With a 50 ms timeout and no
//! reschedule, the fetch times out; rescheduled to 200 ms from now, it completes.
//!
//! ```text
//! fetch_with_improved_timeout: {'data': 'quick'}
//! fetch_with_improved_timeout: timed out
//! adaptive (reschedule): complete data for https://example.com/big
//! adaptive (no reschedule): timed out
//! ```
use std::future::Future;
use std::time::Duration;
use weft::{Interrupted, Timeout, timeout};

/// Generic timeout: `T` is any result type.
async fn fetch_with_improved_timeout<T, F>(fut: F, t: Duration) -> Result<T, Interrupted>
where
    F: Future<Output = Result<T, Interrupted>>,
{
    timeout(t, fut).await
}

async fn quick(ms: u64) -> Result<&'static str, Interrupted> {
    weft::time::sleep(Duration::from_millis(ms)).await?;
    Ok("{'data': 'quick'}")
}

struct Partial {
    needs_more_time: bool,
}

async fn fetch_partial(_url: &str) -> Result<Partial, Interrupted> {
    weft::time::sleep(Duration::from_millis(10)).await?;
    Ok(Partial { needs_more_time: true })
}

async fn fetch_complete(url: &str, _data: Partial) -> Result<String, Interrupted> {
    weft::time::sleep(Duration::from_millis(80)).await?;
    Ok(format!("complete data for {url}"))
}

/// Timeout that adapts based on progress.
async fn adaptive_timeout_fetch(url: &str, allow_reschedule: bool) -> Result<String, Interrupted> {
    let timeout_cm = Timeout::after(Some(Duration::from_millis(50)));
    let inside = timeout_cm.clone();
    timeout_cm
        .run(async move {
            let data = fetch_partial(url).await?;
            if data.needs_more_time && allow_reschedule {
                inside.reschedule(Some(weft::time::now() + Duration::from_millis(200))).unwrap();
            }
            fetch_complete(url, data).await
        })
        .expect("a new timeout is entered once")
        .await
}

fn show<T: std::fmt::Display>(label: &str, r: Result<T, Interrupted>) {
    match r {
        Ok(v) => println!("{label}: {v}"),
        Err(Interrupted::TimedOut(_)) => println!("{label}: timed out"),
        Err(Interrupted::Cancelled(c)) => println!("{label}: cancelled ({c})"),
    }
}

fn main() {
    weft::run(async {
        show(
            "fetch_with_improved_timeout",
            fetch_with_improved_timeout(quick(5), Duration::from_millis(50)).await,
        );
        show(
            "fetch_with_improved_timeout",
            fetch_with_improved_timeout(quick(500), Duration::from_millis(50)).await,
        );
        show("adaptive (reschedule)", adaptive_timeout_fetch("https://example.com/big", true).await);
        show("adaptive (no reschedule)", adaptive_timeout_fetch("https://example.com/big", false).await);
    });
}
