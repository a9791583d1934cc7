//! Seed 000, "Testing Async Code": a pytest-asyncio fixture connects an `AsyncClient`,
//! yields it, and disconnects it; `test_concurrent_requests` gathers two GETs and
//! asserts that both answered 200.
//!
//! weft has no pytest: `examples/support/pytest.rs` runs each test function in a fresh
//! runtime and prints pytest's verdict, as the CPython program's stand-in does. The
//! fixture is an async function that connects and hands back the client, with its
//! teardown (the code after `yield`) awaited at the end of the test. Completed as
//! tests/seeds/python/seed000_testing_async.py is: `AsyncClient` is in-process
//! (`get` sleeps 20 ms and answers 200) and reports, when it disconnects, how many
//! requests it had in flight at once: two, since `gather` ran them concurrently.
//!
//! ```text
//! fixture: connected
//! most requests in flight at once: 2
//! fixture: disconnected
//! test_concurrent_requests PASSED
//! 1 passed
//! ```
#[path = "support/pytest.rs"]
mod pytest;

use pytest::{Failure, check, run_tests};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use weft::Cancelled;

struct Response {
    status: u16,
}

#[derive(Default)]
struct AsyncClient {
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

impl AsyncClient {
    async fn connect(&self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("fixture: connected");
        Ok(())
    }

    async fn disconnect(&self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(1)).await?;
        println!("most requests in flight at once: {}", self.peak.load(Ordering::SeqCst));
        println!("fixture: disconnected");
        Ok(())
    }

    async fn get(&self, _path: &str) -> Result<Response, Cancelled> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        weft::time::sleep(Duration::from_millis(20)).await?;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        Ok(Response { status: 200 })
    }
}

/// `@pytest_asyncio.fixture async def async_client()`: the setup; the teardown is
/// `async_client_teardown`.
async fn async_client() -> Result<Arc<AsyncClient>, Failure> {
    let client = Arc::new(AsyncClient::default());
    client.connect().await?;
    Ok(client) // yield client
}

async fn async_client_teardown(client: Arc<AsyncClient>) -> Result<(), Failure> {
    Ok(client.disconnect().await?)
}

async fn test_concurrent_requests() -> Result<(), Failure> {
    let async_client = async_client().await?;
    let c = async_client.clone();
    let results = weft::gather!(
        {
            let c = c.clone();
            async move { c.get("/endpoint1").await }
        },
        async move { c.get("/endpoint2").await },
    )
    .await;
    let body = match results {
        Ok((r1, r2)) => check([r1, r2].iter().all(|r| r.status == 200), ""),
        Err(c) => Err(c.into()),
    };
    async_client_teardown(async_client).await?;
    body
}

fn main() {
    run_tests(&[("test_concurrent_requests", || Box::pin(test_concurrent_requests()))]);
}
