//! Seed 003, "pytest with pytest-asyncio": `test_fetch_data` awaits a fetch and asserts
//! on it; an async fixture yields an `aiohttp.ClientSession`; `test_with_mock` patches
//! `fetch_data` with an `AsyncMock` and checks `assert_awaited_once()`; `test_timeout`
//! expects `asyncio.TimeoutError` from `wait_for(slow_operation(), timeout=1.0)`.
//!
//! weft has no pytest, `patch` or `AsyncMock`: each test is an async function returning
//! `Result<(), String>` (an `Err` is a failed assertion) that `main` runs on a fresh
//! runtime, the way `#[test]` functions would, printing pytest's verdict. The fixture
//! is an async function that sets up, runs the test with the resource, and tears down
//! whatever happened. Patching becomes dependency injection: `process_data` takes its
//! fetcher as a parameter, and the mock is a small struct that returns a canned value
//! and counts its awaits. The HTTP server is simulated; the timeout is 10 ms against a
//! 1 s operation.
//!
//! ```text
//! test_fetch_data PASSED
//! session opened
//! session closed
//! test_with_fixture PASSED
//! test_with_mock PASSED
//! test_timeout PASSED
//! 4 passed
//! ```
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use weft::{Cancelled, Interrupted, wait_for};

// --- code under test ----------------------------------------------------------------

async fn fetch_data(url: &str) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(2)).await?;
    Ok(format!("{{'status': 'success', 'url': '{url}'}}"))
}

/// What `module.fetch_data` is, so that a test can swap it.
trait Fetch: Send + Sync {
    fn fetch(&self) -> std::pin::Pin<Box<dyn Future<Output = Result<String, Cancelled>> + Send + '_>>;
}

async fn process_data(fetcher: &dyn Fetch) -> Result<String, Cancelled> {
    let data = fetcher.fetch().await?;
    Ok(data)
}

async fn slow_operation() -> Result<(), Interrupted> {
    weft::time::sleep(Duration::from_secs(1)).await?;
    Ok(())
}

struct Session;

impl Session {
    async fn get(&self, _url: &str) -> Result<u16, Cancelled> {
        weft::time::sleep(Duration::from_millis(2)).await?;
        Ok(200)
    }
}

// --- tests --------------------------------------------------------------------------

async fn test_fetch_data() -> Result<(), String> {
    let result = fetch_data("https://api.example.com").await.map_err(|e| e.to_string())?;
    check(result.contains("'status': 'success'"), "result['status'] == 'success'")
}

/// `@pytest.fixture async def async_client()`: a session, closed after the test.
async fn with_async_client<Fut>(test: impl FnOnce(Arc<Session>) -> Fut) -> Result<(), String>
where
    Fut: Future<Output = Result<(), String>>,
{
    let session = Arc::new(Session);
    println!("session opened");
    let out = test(session).await;
    println!("session closed");
    out
}

async fn test_with_fixture(async_client: Arc<Session>) -> Result<(), String> {
    let status = async_client.get("https://api.example.com").await.map_err(|e| e.to_string())?;
    check(status == 200, "resp.status == 200")
}

/// `AsyncMock(return_value={"data": "test"})`.
struct AsyncMock {
    return_value: &'static str,
    awaits: AtomicU32,
}

impl Fetch for AsyncMock {
    fn fetch(&self) -> std::pin::Pin<Box<dyn Future<Output = Result<String, Cancelled>> + Send + '_>> {
        Box::pin(async move {
            self.awaits.fetch_add(1, Ordering::SeqCst);
            Ok(self.return_value.to_string())
        })
    }
}

async fn test_with_mock() -> Result<(), String> {
    let mock_fetch = AsyncMock { return_value: "{'data': 'test'}", awaits: AtomicU32::new(0) };
    let result = process_data(&mock_fetch).await.map_err(|e| e.to_string())?;
    check(result == "{'data': 'test'}", "result['data'] == 'test'")?;
    check(mock_fetch.awaits.load(Ordering::SeqCst) == 1, "mock_fetch.assert_awaited_once()")
}

async fn test_timeout() -> Result<(), String> {
    // with pytest.raises(asyncio.TimeoutError):
    match wait_for(slow_operation(), Duration::from_millis(10)).await {
        Err(Interrupted::TimedOut(_)) => Ok(()),
        other => Err(format!("DID NOT RAISE TimeoutError: {other:?}")),
    }
}

fn check(cond: bool, what: &str) -> Result<(), String> {
    if cond { Ok(()) } else { Err(format!("assert {what}")) }
}

fn run_test<Fut: Future<Output = Result<(), String>>>(name: &str, test: Fut) -> bool {
    match weft::run(test) {
        Ok(()) => {
            println!("{name} PASSED");
            true
        }
        Err(e) => {
            println!("{name} FAILED: {e}");
            false
        }
    }
}

fn main() {
    let results = [
        run_test("test_fetch_data", test_fetch_data()),
        run_test("test_with_fixture", with_async_client(test_with_fixture)),
        run_test("test_with_mock", test_with_mock()),
        run_test("test_timeout", test_timeout()),
    ];
    let passed = results.iter().filter(|&&ok| ok).count();
    println!("{passed} passed");
    if passed != results.len() {
        std::process::exit(1);
    }
}
