//! Seed 004, "pytest-asyncio" and "Mocking Async Functions": `test_fetch_data` asserts
//! the fetch's status, `test_concurrent_fetch` asserts two results, `test_with_timeout`
//! expects `asyncio.TimeoutError` from `wait_for(slow_operation(), timeout=1.0)`, and
//! `test_with_mock` patches `fetch_data` with `AsyncMock(return_value={"status": "ok"})`
//! and checks `assert_called_once_with("url")`.
//!
//! weft has no pytest or `unittest.mock`: each test is an async function returning
//! `Result<(), String>` that `main` runs on a fresh runtime, as `#[test]` functions
//! would, printing pytest's verdict. The mock is a struct implementing the same
//! fetcher trait as the real client, recording its calls; "patching" is passing it in.
//! The server is simulated; the timeout is 10 ms against a 1 s operation.
//!
//! ```text
//! test_fetch_data PASSED
//! test_concurrent_fetch PASSED
//! test_with_timeout PASSED
//! test_with_mock PASSED
//! 4 passed
//! ```
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::Duration;
use weft::{Cancelled, Interrupted, gather, wait_for};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What the code under test fetches through (`module.fetch_data`).
trait Fetcher: Sync {
    fn fetch_data<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<String, Cancelled>>;
}

struct RealClient;

impl Fetcher for RealClient {
    fn fetch_data<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<String, Cancelled>> {
        Box::pin(fetch_data(url.to_string()))
    }
}

async fn fetch_data(url: String) -> Result<String, Cancelled> {
    weft::time::sleep(Duration::from_millis(2)).await?;
    Ok(format!("{{'url': '{url}', 'status': 'ok'}}"))
}

async fn fetch_multiple(urls: &[&str]) -> Result<Vec<String>, Cancelled> {
    gather(urls.iter().map(|u| fetch_data(u.to_string())).collect()).await
}

async fn slow_operation() -> Result<(), Interrupted> {
    weft::time::sleep(Duration::from_secs(1)).await?;
    Ok(())
}

/// `AsyncMock(return_value=...)`, recording its calls.
struct AsyncMock {
    return_value: &'static str,
    calls: Mutex<Vec<String>>,
}

impl Fetcher for AsyncMock {
    fn fetch_data<'a>(&'a self, url: &'a str) -> BoxFuture<'a, Result<String, Cancelled>> {
        self.calls.lock().unwrap().push(url.to_string());
        Box::pin(async move { Ok(self.return_value.to_string()) })
    }
}

fn check(cond: bool, what: &str) -> Result<(), String> {
    cond.then_some(()).ok_or_else(|| format!("assert {what}"))
}

async fn test_fetch_data() -> Result<(), String> {
    let result = RealClient.fetch_data("http://example.com").await.map_err(|e| e.to_string())?;
    check(result.contains("'status': 'ok'"), "result['status'] == 'ok'")
}

async fn test_concurrent_fetch() -> Result<(), String> {
    let results =
        fetch_multiple(&["http://example.com", "http://example.org"]).await.map_err(|e| e.to_string())?;
    check(results.len() == 2, "len(results) == 2")
}

async fn test_with_timeout() -> Result<(), String> {
    match wait_for(slow_operation(), Duration::from_millis(10)).await {
        Err(Interrupted::TimedOut(_)) => Ok(()),
        other => Err(format!("DID NOT RAISE TimeoutError: {other:?}")),
    }
}

async fn test_with_mock() -> Result<(), String> {
    let mock_fetch = AsyncMock { return_value: "{'status': 'ok'}", calls: Mutex::new(Vec::new()) };
    let result = mock_fetch.fetch_data("url").await.map_err(|e| e.to_string())?;
    check(result == "{'status': 'ok'}", "result['status'] == 'ok'")?;
    let calls = mock_fetch.calls.lock().unwrap().clone();
    check(calls == ["url"], "mock_fetch.assert_called_once_with('url')")
}

fn run_test(name: &str, test: impl Future<Output = Result<(), String>>) -> bool {
    let outcome = weft::run(test);
    match &outcome {
        Ok(()) => println!("{name} PASSED"),
        Err(e) => println!("{name} FAILED: {e}"),
    }
    outcome.is_ok()
}

fn main() {
    let results = [
        run_test("test_fetch_data", test_fetch_data()),
        run_test("test_concurrent_fetch", test_concurrent_fetch()),
        run_test("test_with_timeout", test_with_timeout()),
        run_test("test_with_mock", test_with_mock()),
    ];
    let passed = results.iter().filter(|&&ok| ok).count();
    println!("{passed} passed");
    if passed != results.len() {
        std::process::exit(1);
    }
}
