//! Seed 000, "Testing Async Code": a pytest-asyncio fixture connects an `AsyncClient`,
//! yields it, and disconnects it; `test_concurrent_requests` gathers two GETs and
//! asserts that both answered 200.
//!
//! weft has no pytest: the fixture is an async function that connects, runs the test
//! body with the client, and disconnects whatever the body did (the code after
//! `yield`); the test is an async function that asserts, and `main` runs it the way
//! `#[test]` would, printing pytest's verdict. The client and its server are simulated
//! in-process: `get` sleeps 20 ms and answers 200, and counts how many requests are in
//! flight at once, so the test can also check that `gather` ran them concurrently.
//!
//! ```text
//! fixture: connected
//! statuses: [200, 200]
//! most requests in flight at once: 2
//! fixture: disconnected
//! test_concurrent_requests PASSED
//! ```
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use weft::{Cancelled, gather};

#[derive(Default)]
struct AsyncClient {
    connected: AtomicBool,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

struct Response {
    status: u16,
}

impl AsyncClient {
    async fn connect(&self) -> Result<(), Cancelled> {
        weft::time::sleep(Duration::from_millis(2)).await?;
        self.connected.store(true, Ordering::SeqCst);
        println!("fixture: connected");
        Ok(())
    }

    async fn disconnect(&self) {
        let _ = weft::time::sleep(Duration::from_millis(2)).await;
        self.connected.store(false, Ordering::SeqCst);
        println!("fixture: disconnected");
    }

    async fn get(&self, path: &str) -> Result<Response, Cancelled> {
        assert!(self.connected.load(Ordering::SeqCst), "GET {path} on a closed client");
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let r = weft::time::sleep(Duration::from_millis(20)).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        r?;
        Ok(Response { status: 200 })
    }
}

/// `@pytest_asyncio.fixture async def async_client()`: setup, yield, teardown.
async fn with_async_client<F, Fut, T>(test: F) -> T
where
    F: FnOnce(Arc<AsyncClient>) -> Fut,
    Fut: Future<Output = T>,
{
    let client = Arc::new(AsyncClient::default());
    client.connect().await.expect("connect");
    let out = test(client.clone()).await; // yield client
    client.disconnect().await;
    out
}

/// `@pytest.mark.asyncio async def test_concurrent_requests(async_client)`.
async fn test_concurrent_requests(async_client: Arc<AsyncClient>) -> Result<(), String> {
    let get = |path: &'static str| {
        let client = async_client.clone();
        async move { client.get(path).await }
    };
    let results = gather(vec![get("/endpoint1"), get("/endpoint2")]).await.map_err(|e| e.to_string())?;
    let statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    println!("statuses: {statuses:?}");
    if !results.iter().all(|r| r.status == 200) {
        return Err(format!("assert all(r.status == 200 ...) failed: {statuses:?}"));
    }
    let most = async_client.max_in_flight.load(Ordering::SeqCst);
    println!("most requests in flight at once: {most}");
    if most != 2 {
        return Err("the two requests did not run concurrently".into());
    }
    Ok(())
}

fn main() {
    let outcome = weft::run(with_async_client(test_concurrent_requests));
    match outcome {
        Ok(()) => println!("test_concurrent_requests PASSED"),
        Err(e) => {
            println!("test_concurrent_requests FAILED: {e}");
            std::process::exit(1);
        }
    }
}
