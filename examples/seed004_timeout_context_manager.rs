//! Seed 004, "timeout context manager": `process_with_timeout` runs a fetch inside
//! `asyncio.timeout` and turns a timeout into `{"error": "timeout"}`; `nested_timeouts`
//! puts a tighter timeout inside a looser one.
//!
//! weft: [`weft::timeout`] is `async with asyncio.timeout(d)`; nested timeouts report at
//! the one that fired (CPython 3.13's counting), and the outer one passes the inner's
//! `TimeoutError` through. Completed as
//! tests/seeds/python/seed004_timeout_context_manager.py is: the seed's `fetch_data`
//! sleeps `FETCH_DELAY` (10 ms, then 2 s for the slow case); `long_operation` sleeps
//! 5 s; the timeouts are ten times shorter (0.5 s; 1.0 s outside 0.5 s); `main` prints
//! whether the nested timeout came from the inner one (under 0.9 s).
//!
//! ```text
//! process_with_timeout (fast): {'url': 'url', 'status': 'ok'}
//! process_with_timeout (slow): {'error': 'timeout'}
//! nested_timeouts raised TimeoutError; the inner timeout fired: True
//! ```
#[path = "support/py.rs"]
mod py;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use weft::{Interrupted, timeout};

/// The fetch's delay in milliseconds.
static FETCH_DELAY_MS: AtomicU64 = AtomicU64::new(10);

/// Asynchronous function.
async fn fetch_data(url: &str) -> Result<String, Interrupted> {
    weft::time::sleep(Duration::from_millis(FETCH_DELAY_MS.load(Ordering::SeqCst))).await?; // Simulate I/O
    Ok(py::dict(&[("url", &url), ("status", &"ok")]))
}

async fn long_operation() -> Result<(), Interrupted> {
    weft::time::sleep(Duration::from_secs(5)).await?;
    Ok(())
}

/// Use timeout context manager.
async fn process_with_timeout() -> Result<String, Interrupted> {
    match timeout(Duration::from_millis(500), fetch_data("url")).await {
        Err(Interrupted::TimedOut(_)) => Ok(py::dict(&[("error", &"timeout")])),
        result => result,
    }
}

// Nested timeouts
async fn nested_timeouts() -> Result<(), Interrupted> {
    // Outer timeout
    timeout(Duration::from_secs(1), async {
        // Inner timeout (tighter)
        timeout(Duration::from_millis(500), long_operation()).await
    })
    .await
}

async fn main_() -> Result<(), Interrupted> {
    println!("process_with_timeout (fast): {}", process_with_timeout().await?);
    FETCH_DELAY_MS.store(2000, Ordering::SeqCst);
    println!("process_with_timeout (slow): {}", process_with_timeout().await?);
    let t0 = weft::time::now();
    match nested_timeouts().await {
        Err(Interrupted::TimedOut(_)) => {
            let inner = (weft::time::now() - t0) < Duration::from_millis(900);
            println!("nested_timeouts raised TimeoutError; the inner timeout fired: {}", py::py_bool(inner));
        }
        other => other?,
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap();
}
