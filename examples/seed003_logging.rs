//! Seed 003, "Logging in Async Code": `async_operation` logs that it started, awaits
//! `fetch_data()`, logs how many items came back, and on an error logs it and
//! re-raises.
//!
//! weft: the logger is `examples/support/py.rs`'s `Logger`, Python's `logging` as the
//! CPython program configures it (to stdout, default format `LEVEL:logger:message`, the
//! logger `__main__` at DEBUG). Completed as tests/seeds/python/seed003_logging.py is:
//! `fetch_data()` is in-process: its first call sleeps 10 ms and returns three items,
//! its second fails with "upstream unavailable"; `main` calls `async_operation` twice.
//! `except Exception` does not catch a cancellation: the port lets one pass unlogged.
//!
//! ```text
//! INFO:__main__:Started async operation
//! DEBUG:__main__:Fetched 3 items
//! first call returned ['a', 'b', 'c']
//! INFO:__main__:Started async operation
//! ERROR:__main__:Error in async operation: upstream unavailable
//! second call raised upstream unavailable
//! ```
#[path = "support/py.rs"]
mod py;

use py::{Level, Logger, Repr};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use weft::Cancelled;

static LOG: Logger = Logger::new("__main__");

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

static CALLS: AtomicU32 = AtomicU32::new(0);

async fn fetch_data() -> Result<Vec<&'static str>, Error> {
    let calls = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
    weft::time::sleep(Duration::from_millis(10)).await?;
    if calls == 2 {
        return Err(Error::Connection("upstream unavailable"));
    }
    Ok(vec!["a", "b", "c"])
}

/// Async function with logging.
async fn async_operation() -> Result<Vec<&'static str>, Error> {
    LOG.info("Started async operation");

    match fetch_data().await {
        Ok(result) => {
            LOG.debug(&format!("Fetched {} items", result.len()));
            Ok(result)
        }
        Err(e @ Error::Cancelled(_)) => Err(e),
        Err(e) => {
            LOG.error(&format!("Error in async operation: {e}"));
            Err(e)
        }
    }
}

async fn main_() -> Result<(), Error> {
    println!("first call returned {}", async_operation().await?.repr());
    match async_operation().await {
        Err(Error::Connection(e)) => println!("second call raised {e}"),
        other => drop(other?),
    }
    Ok(())
}

fn main() {
    LOG.set_level(Level::Debug);
    weft::run(main_()).unwrap();
}
