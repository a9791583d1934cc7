//! Seed 001, "Retry with Backoff": a flaky fetch retried with exponential backoff.
//! The seed fails at random (70%); this port fails the first two attempts so that it
//! prints the same lines every run:
//!
//! ```text
//! Retry 1/3 after 1s
//! Retry 2/3 after 2s
//! Data from api.example.com
//! ```
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use weft::{Cancelled, RetryPolicy, retry};

#[derive(Debug)]
enum FetchError {
    Connection(String),
    Cancelled(Cancelled),
}
impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Connection(m) => f.write_str(m),
            FetchError::Cancelled(c) => write!(f, "{c}"),
        }
    }
}
impl std::error::Error for FetchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FetchError::Cancelled(c) => Some(c),
            _ => None,
        }
    }
}
impl From<Cancelled> for FetchError {
    fn from(c: Cancelled) -> Self {
        FetchError::Cancelled(c)
    }
}

fn main() {
    weft::run(async {
        let max_retries = 3;
        let policy = RetryPolicy::builder()
            .max_attempts(max_retries)
            .initial_delay(Duration::from_secs(1))
            .multiplier(2.0)
            .build()
            .unwrap();
        let failures_left = AtomicU32::new(2);
        let result = retry(&policy, |attempt| {
            let fail = failures_left.fetch_sub(1, Ordering::Relaxed) > 0;
            async move {
                if fail {
                    if attempt < max_retries {
                        let delay = policy_delay(attempt);
                        println!("Retry {attempt}/{max_retries} after {delay}s");
                    }
                    return Err(FetchError::Connection("Failed to fetch api.example.com".into()));
                }
                Ok("Data from api.example.com".to_string())
            }
        })
        .await;
        println!("{}", result.unwrap());
    });
}

/// The seed's `base_delay * 2 ** attempt`, for the message.
fn policy_delay(attempt: u32) -> u64 {
    1 << (attempt - 1)
}
