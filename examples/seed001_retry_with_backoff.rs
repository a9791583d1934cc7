//! Seed 001, "Retry with Backoff": a simulated request fails 70% of the time; on a
//! `ConnectionError` the loop prints the delay and sleeps `base_delay * 2 ** attempt`,
//! re-raising on the last attempt.
//!
//! weft: the loop is ported line for line; the sleep is a checkpoint. Completed as
//! tests/seeds/python/seed001_retry_with_backoff.py is: `random.seed(11)` (the
//! generator is Python's own, `examples/support/pyrandom.rs`, so the first two attempts
//! fail and the third succeeds, as in CPython), and the sleep is the printed delay
//! divided by 100. (weft also has [`weft::retry`], with backoff, a cap and jitter built
//! in.)
//!
//! ```text
//! Retry 1/3 after 1s
//! Retry 2/3 after 2s
//! Data from api.example.com
//! ```
#[path = "support/pyrandom.rs"]
mod pyrandom;

use std::sync::Mutex;
use std::time::Duration;
use weft::Cancelled;

static RANDOM: Mutex<Option<pyrandom::Random>> = Mutex::new(None);

/// `random.random()`
fn random() -> f64 {
    RANDOM.lock().unwrap().as_mut().expect("random.seed() was called").random()
}

#[derive(Debug)]
enum Error {
    Connection(String),
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

async fn fetch_with_retry(url: &str, max_retries: u32, base_delay: u64) -> Result<String, Error> {
    let mut attempt = 0;
    loop {
        // Simulate a network request
        let request = if random() < 0.7 {
            // 70% chance of failure
            Err(Error::Connection(format!("Failed to fetch {url}")))
        } else {
            Ok(format!("Data from {url}"))
        };
        match request {
            Ok(data) => return Ok(data),
            Err(e) => {
                if attempt == max_retries - 1 {
                    return Err(e);
                }
                let delay = base_delay * 2u64.pow(attempt); // Exponential backoff
                println!("Retry {}/{max_retries} after {delay}s", attempt + 1);
                weft::time::sleep(Duration::from_secs(delay) / 100).await?;
            }
        }
        attempt += 1;
    }
}

async fn main_() -> Result<(), Error> {
    let result = fetch_with_retry("api.example.com", 3, 1).await?;
    println!("{result}");
    Ok(())
}

fn main() {
    *RANDOM.lock().unwrap() = Some(pyrandom::Random::seed(11));
    weft::run(main_()).unwrap_or_else(|e| panic!("{e}"));
}
