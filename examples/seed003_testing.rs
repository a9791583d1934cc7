//! Seed 003, "pytest with pytest-asyncio": an async test of `fetch_data`, an async
//! fixture yielding an aiohttp session, a test that mocks `module.fetch_data` with an
//! `AsyncMock`, and a test that `wait_for` raises `TimeoutError`.
//!
//! weft has no pytest: `examples/support/pytest.rs` runs each test function in a fresh
//! runtime and prints pytest's verdict, as the CPython program's stand-in does; its
//! `AsyncMock` and `Patchable` are `unittest.mock`'s. A fixture is an async function
//! giving the value, with its teardown awaited at the end of the test. Completed as
//! tests/seeds/python/seed003_testing.py is: `module` is a real module holding the
//! seed's `fetch_data` (the aiohttp stand-in of `examples/support/http.rs`, over weft's
//! sockets, to a local HTTP/1.1 server the program starts, which answers
//! `{"status": "success"}`) and `process_data`, which looks `fetch_data` up in `module`
//! at each call, so the patch reaches it; `slow_operation` sleeps 10 s, so
//! `test_timeout` takes its 1 s timeout.
//!
//! ```text
//! test_fetch_data PASSED
//! test_with_fixture PASSED
//! test_with_mock PASSED
//! test_timeout PASSED
//! 4 passed
//! ```
//!
//! Real clock: the local HTTP server answers from a thread of its own
//! (`examples/support/http.rs`), and a paused clock does not wait for a reply in flight (it
//! would fire the client's timeout first), so `tests/seed_examples.rs` runs this one in
//! real time. The margins: the slow operation takes 10 s against the 1 s timeout.
#[path = "support/http.rs"]
mod http;
#[path = "support/json.rs"]
mod json;
#[path = "support/pytest.rs"]
mod pytest;

use http::aiohttp::{ClientError, ClientSession};
use http::{Reply, start_server};
use json::Value;
use pytest::{AsyncMock, Failure, check, raises, run_tests};
use std::time::Duration;
use weft::Interrupted;

mod module {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::{Arc, LazyLock};

    type FetchFn =
        Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<Value, ClientError>> + Send>> + Send + Sync>;

    /// The name `fetch_data` in `module`, looked up by `process_data` at each call.
    pub static FETCH_DATA: LazyLock<pytest::Patchable<FetchFn>> = LazyLock::new(|| {
        pytest::Patchable::new(Arc::new(|url| Box::pin(async move { fetch_data(&url).await })))
    });

    /// Fetch data from URL asynchronously.
    pub async fn fetch_data(url: &str) -> Result<Value, ClientError> {
        let session = ClientSession::new();
        let data = match session.get(url).await {
            Ok(response) => response.json().await,
            Err(e) => Err(e),
        };
        session.close().await;
        data
    }

    pub async fn process_data() -> Result<Value, ClientError> {
        (FETCH_DATA.get())("https://api.example.com".to_string()).await
    }
}

use module::{fetch_data, process_data};

fn failed(e: ClientError) -> Failure {
    Failure { kind: "ClientError", message: e.to_string() }
}

async fn slow_operation() -> Result<(), Interrupted> {
    weft::time::sleep(Duration::from_secs(10)).await?;
    Ok(())
}

// Mark async test
async fn test_fetch_data() -> Result<(), Failure> {
    let result = fetch_data("https://api.example.com").await.map_err(failed)?;
    check(result.get("status").and_then(Value::as_str) == Some("success"), "")
}

// Async fixtures
async fn async_client() -> ClientSession {
    ClientSession::new() // async with aiohttp.ClientSession() as session: yield session
}

async fn async_client_teardown(session: ClientSession) {
    session.close().await;
}

async fn test_with_fixture() -> Result<(), Failure> {
    let async_client = async_client().await;
    let resp = async_client.get("https://api.example.com").await.map_err(failed);
    async_client_teardown(async_client).await;
    check(resp?.status == 200, "")
}

// Mocking async functions
async fn test_with_mock() -> Result<(), Failure> {
    let mock_fetch = AsyncMock::new(Value::object([("data", "test".into())]));

    let result = {
        let mock = mock_fetch.clone();
        let _patched = module::FETCH_DATA.patch(std::sync::Arc::new(move |url: String| {
            let call = mock.call(&url);
            Box::pin(async move { Ok(call.await) })
        }));
        process_data().await.map_err(failed)?
    };

    check(result.get("data").and_then(Value::as_str) == Some("test"), "")?;
    mock_fetch.assert_awaited_once()
}

// Testing timeouts
async fn test_timeout() -> Result<(), Failure> {
    let r = weft::wait_for(slow_operation(), Duration::from_secs(1)).await;
    raises("TimeoutError", r, Interrupted::is_timeout)
}

fn main() {
    start_server(|_| Reply::json(200, Value::object([("status", "success".into())])));
    run_tests(&[
        ("test_fetch_data", || Box::pin(test_fetch_data())),
        ("test_with_fixture", || Box::pin(test_with_fixture())),
        ("test_with_mock", || Box::pin(test_with_mock())),
        ("test_timeout", || Box::pin(test_timeout())),
    ]);
}
