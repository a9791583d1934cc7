//! Seed 003, "Pattern 3: Timeouts with wait_for()": `fetch_with_timeout(url, timeout)`
//! wraps the fetch in `asyncio.wait_for`, logs a warning on `TimeoutError` and re-raises.
//!
//! weft: [`weft::wait_for`] returns `Err(Interrupted::TimedOut)` when the deadline
//! passes (the fetch is cancelled at the checkpoint it waits in); the port logs and
//! returns the same error, the port of the bare `raise`. `LOG.warning` prints to stdout
//! in logging's default format. The server is simulated in-process; the seed's 5 s
//! timeout is 50 ms, and the slow URL takes 1 s.
//!
//! ```text
//! https://fast.example.com: {'status': 'ok'}
//! WARNING:root:Timeout fetching https://slow.example.com
//! https://slow.example.com: raised deadline exceeded
//! ```
use std::time::Duration;
use weft::{Interrupted, wait_for};

async fn fetch_data(url: &str) -> Result<String, Interrupted> {
    let latency = if url.contains("slow") { 1000 } else { 5 };
    weft::time::sleep(Duration::from_millis(latency)).await?;
    Ok("{'status': 'ok'}".to_string())
}

/// Fetch with timeout.
async fn fetch_with_timeout(url: &str, timeout: Duration) -> Result<String, Interrupted> {
    match wait_for(fetch_data(url), timeout).await {
        Err(e @ Interrupted::TimedOut(_)) => {
            println!("WARNING:root:Timeout fetching {url}");
            Err(e)
        }
        other => other,
    }
}

fn main() {
    weft::run(async {
        for url in ["https://fast.example.com", "https://slow.example.com"] {
            match fetch_with_timeout(url, Duration::from_millis(50)).await {
                Ok(data) => println!("{url}: {data}"),
                Err(e) => println!("{url}: raised {e}"),
            }
        }
    });
}
