//! Seed 004, "Mocking Async Functions": a test patches `module.fetch_data` with an
//! `AsyncMock` and asserts the mock was called once with "url".
//!
//! **The seed's test fails, in CPython too**: `patch("module.fetch_data", ...)` replaces
//! the name in `module`, but the test calls the `fetch_data` it imported, which still
//! refers to the real function; the real one runs (so the status check passes) and
//! `assert_called_once_with` finds no call. The port keeps that, as
//! tests/seeds/python/seed004_mocking.py does, and prints the failure. (The test would
//! pass by calling the function through the name `module` holds, or by patching the
//! name it calls.)
//!
//! weft has no pytest nor `unittest.mock`: `examples/support/pytest.rs` runs the test
//! in a fresh runtime and prints pytest's verdict; its `Patchable` is a name a module
//! looks up at each call, which `patch` replaces until the guard is dropped, and its
//! `AsyncMock` records its calls. `module` holds the seed's `fetch_data` (10 ms).
//!
//! ```text
//! test_with_mock FAILED: AssertionError: Expected 'mock' to be called once. Called 0 times.
//! 0 passed, 1 failed
//! ```
#[path = "support/pytest.rs"]
mod pytest;

use pytest::{AsyncMock, Failure, check, run_tests};
use std::sync::Arc;

/// `{'status': ...}`
#[derive(Clone, Debug)]
struct Status(&'static str);

mod module {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::LazyLock;
    use std::time::Duration;
    use weft::Cancelled;

    type FetchFn =
        Arc<dyn Fn(String) -> Pin<Box<dyn Future<Output = Result<Status, Cancelled>> + Send>> + Send + Sync>;

    /// The name `fetch_data` in `module`, which `patch("module.fetch_data", ...)`
    /// replaces.
    pub static FETCH_DATA: LazyLock<pytest::Patchable<FetchFn>> = LazyLock::new(|| {
        pytest::Patchable::new(Arc::new(|url| Box::pin(async move { fetch_data(&url).await })))
    });

    /// Asynchronous function.
    pub async fn fetch_data(_url: &str) -> Result<Status, Cancelled> {
        weft::time::sleep(Duration::from_millis(10)).await?; // Simulate I/O
        Ok(Status("ok"))
    }
}

use module::fetch_data; // from module import fetch_data

/// Test with async mock.
async fn test_with_mock() -> Result<(), Failure> {
    let mock_fetch = AsyncMock::new(Status("ok"));

    let result = {
        let mock = mock_fetch.clone();
        let _patched = module::FETCH_DATA.patch(Arc::new(move |url: String| {
            let call = mock.call(&url);
            Box::pin(async move { Ok(call.await) })
        }));
        fetch_data("url").await?
    };

    check(result.0 == "ok", "")?;
    mock_fetch.assert_called_once_with("url")
}

fn main() {
    run_tests(&[("test_with_mock", || Box::pin(test_with_mock()))]);
}
