//! Seed 004, "Try/Except in Async": `fetch_with_retry` retries a fetch that times out,
//! with exponential backoff, re-raising on the last attempt; `robust_fetch` turns a
//! timeout and a connection error into error dicts, and logs any other error with its
//! traceback before re-raising.
//!
//! weft: each `except` clause is a match arm on the error type; a cancellation is none
//! of them and propagates. Completed as tests/seeds/python/seed004_try_except.py is:
//! `fetch_data` is in-process and keyed on the URL ("flaky" times out twice, "slow"
//! always, "refused" and "broken" fail); `logger` writes to stdout as Python's logging
//! does; the backoff sleeps are 100 times shorter (the seed's final `raise RuntimeError`
//! is unreachable).
//!
//! weft prints something else here on purpose, and its expected output is
//! tests/seeds/expected/seed004_try_except.weft.txt: `logger.error(...,
//! exc_info=True)` appends Python's traceback (file paths, line numbers, source lines);
//! a Rust error has no traceback, so the port logs the message line only.
//!
//! ```text
//! fetch_with_retry(flaky): {'url': 'flaky', 'status': 'ok'} after 3 attempts
//! fetch_with_retry(slow): raised TimeoutError after 3 attempts
//! robust_fetch(slow): {'error': 'timeout'}
//! robust_fetch(refused): {'error': 'connection: connection refused'}
//! ERROR:__main__:Unexpected error: malformed response
//! robust_fetch(broken): raised ValueError: malformed response
//! ```
#[path = "support/py.rs"]
mod py;

use py::Logger;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use weft::{Cancelled, TimeoutError};

static LOGGER: Logger = Logger::new("__main__");

#[derive(Debug)]
enum Error {
    Timeout(TimeoutError),
    Connection(&'static str),
    Value(&'static str),
    Cancelled(Cancelled),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // str(asyncio.TimeoutError()) is empty.
            Error::Timeout(_) => Ok(()),
            Error::Connection(m) | Error::Value(m) => f.write_str(m),
            Error::Cancelled(c) => c.fmt(f),
        }
    }
}

impl From<Cancelled> for Error {
    fn from(c: Cancelled) -> Self {
        Error::Cancelled(c)
    }
}

static CALLS: Mutex<Option<HashMap<&'static str, u32>>> = Mutex::new(None);

fn calls(url: &'static str) -> u32 {
    CALLS.lock().unwrap().get_or_insert_default().get(url).copied().unwrap_or(0)
}

async fn fetch_data(url: &'static str) -> Result<String, Error> {
    let n = {
        let mut calls = CALLS.lock().unwrap();
        let n = calls.get_or_insert_default().entry(url).or_default();
        *n += 1;
        *n
    };
    weft::time::sleep(Duration::from_millis(1)).await?;
    if url == "slow" || (url == "flaky" && n <= 2) {
        return Err(Error::Timeout(TimeoutError));
    }
    match url {
        "refused" => Err(Error::Connection("connection refused")),
        "broken" => Err(Error::Value("malformed response")),
        _ => Ok(py::dict(&[("url", &url), ("status", &"ok")])),
    }
}

/// Fetch with retry on failure.
async fn fetch_with_retry(url: &'static str, max_retries: u32) -> Result<String, Error> {
    for attempt in 0..max_retries {
        match fetch_data(url).await {
            Ok(result) => return Ok(result),
            Err(Error::Timeout(t)) => {
                if attempt == max_retries - 1 {
                    return Err(Error::Timeout(t));
                }
                let backoff = f64::from(2u32.pow(attempt)) / 100.0;
                weft::time::sleep(Duration::from_secs_f64(backoff)).await?; // Exponential backoff
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("Max retries exceeded")
}

/// Handle multiple error types.
async fn robust_fetch(url: &'static str) -> Result<String, Error> {
    match fetch_data(url).await {
        Ok(result) => Ok(result),
        Err(Error::Timeout(_)) => Ok(py::dict(&[("error", &"timeout")])),
        Err(Error::Connection(e)) => Ok(py::dict(&[("error", &format!("connection: {e}"))])),
        Err(e @ Error::Cancelled(_)) => Err(e),
        Err(e) => {
            // Log unexpected errors
            LOGGER.error(&format!("Unexpected error: {e}"));
            Err(e)
        }
    }
}

async fn main_() -> Result<(), Error> {
    for url in ["flaky", "slow"] {
        match fetch_with_retry(url, 3).await {
            Ok(r) => println!("fetch_with_retry({url}): {r} after {} attempts", calls(url)),
            Err(Error::Timeout(_)) => {
                println!("fetch_with_retry({url}): raised TimeoutError after {} attempts", calls(url))
            }
            Err(e) => return Err(e),
        }
    }
    for url in ["slow", "refused", "broken"] {
        match robust_fetch(url).await {
            Ok(r) => println!("robust_fetch({url}): {r}"),
            Err(Error::Value(e)) => println!("robust_fetch({url}): raised ValueError: {e}"),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn main() {
    weft::run(main_()).unwrap_or_else(|e| panic!("{e}"));
}
