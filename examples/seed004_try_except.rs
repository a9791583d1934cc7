//! Seed 004, "Try/Except in Async": `fetch_with_retry(url, max_retries=3)` retries on
//! `asyncio.TimeoutError` with a `2 ** attempt` backoff and re-raises on the last
//! attempt; `robust_fetch(url)` maps `TimeoutError` and `ConnectionError` to error
//! dicts and logs and re-raises anything else.
//!
//! weft: the error types are an enum (`Timeout`, `Connection`, `Other`, and the
//! cancellation, which is never retried or swallowed). Backoff is `2 ** attempt`
//! milliseconds instead of seconds. The server is simulated: `flaky` times out twice
//! then answers, `slow` always times out, `refused` refuses the connection, `broken`
//! fails in an unexpected way.
//!
//! ```text
//! fetch_with_retry(flaky): {'url': 'flaky', 'status': 'ok'} after 3 attempts
//! fetch_with_retry(slow): raised TimeoutError after 3 attempts
//! robust_fetch(slow): {'error': 'timeout'}
//! robust_fetch(refused): {'error': 'connection: connection refused'}
//! ERROR:root:Unexpected error: malformed response
//! robust_fetch(broken): raised malformed response
//! ```
use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::Duration;
use weft::Cancelled;

#[derive(Debug)]
enum FetchError {
    Timeout,
    Connection(String),
    Other(String),
    Cancelled(Cancelled),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Timeout => f.write_str("TimeoutError"),
            FetchError::Connection(m) | FetchError::Other(m) => f.write_str(m),
            FetchError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl From<Cancelled> for FetchError {
    fn from(c: Cancelled) -> Self {
        FetchError::Cancelled(c)
    }
}

static CALLS: Mutex<Option<HashMap<String, u32>>> = Mutex::new(None);

async fn fetch_data(url: &str) -> Result<String, FetchError> {
    let n = {
        let mut calls = CALLS.lock().unwrap();
        let n = calls.get_or_insert_with(HashMap::new).entry(url.to_string()).or_default();
        *n += 1;
        *n
    };
    weft::time::sleep(Duration::from_millis(1)).await?;
    match url {
        "flaky" if n <= 2 => Err(FetchError::Timeout),
        "slow" => Err(FetchError::Timeout),
        "refused" => Err(FetchError::Connection("connection refused".into())),
        "broken" => Err(FetchError::Other("malformed response".into())),
        _ => Ok(format!("{{'url': '{url}', 'status': 'ok'}}")),
    }
}

fn calls(url: &str) -> u32 {
    CALLS.lock().unwrap().as_ref().and_then(|c| c.get(url).copied()).unwrap_or(0)
}

/// Fetch with retry on failure.
async fn fetch_with_retry(url: &str, max_retries: u32) -> Result<String, FetchError> {
    for attempt in 0..max_retries {
        match fetch_data(url).await {
            Ok(result) => return Ok(result),
            Err(FetchError::Timeout) => {
                if attempt == max_retries - 1 {
                    return Err(FetchError::Timeout);
                }
                weft::time::sleep(Duration::from_millis(2u64.pow(attempt))).await?;
                // Exponential backoff
            }
            Err(e) => return Err(e),
        }
    }
    Err(FetchError::Other("Max retries exceeded".into()))
}

/// Handle multiple error types.
async fn robust_fetch(url: &str) -> Result<String, FetchError> {
    match fetch_data(url).await {
        Ok(result) => Ok(result),
        Err(FetchError::Timeout) => Ok("{'error': 'timeout'}".into()),
        Err(FetchError::Connection(e)) => Ok(format!("{{'error': 'connection: {e}'}}")),
        Err(FetchError::Cancelled(c)) => Err(FetchError::Cancelled(c)),
        Err(e) => {
            // Log unexpected errors
            println!("ERROR:root:Unexpected error: {e}");
            Err(e)
        }
    }
}

fn main() {
    weft::run(async {
        for url in ["flaky", "slow"] {
            match fetch_with_retry(url, 3).await {
                Ok(r) => println!("fetch_with_retry({url}): {r} after {} attempts", calls(url)),
                Err(e) => println!("fetch_with_retry({url}): raised {e} after {} attempts", calls(url)),
            }
        }
        for url in ["slow", "refused", "broken"] {
            match robust_fetch(url).await {
                Ok(r) => println!("robust_fetch({url}): {r}"),
                Err(e) => println!("robust_fetch({url}): raised {e}"),
            }
        }
    });
}
