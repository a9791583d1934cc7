//! A minimal test runner in the place of pytest + pytest-asyncio, for the testing
//! recipes (the CPython programs use `_pytest_stub.py`, which works the same way).
//!
//! [`run_tests`] runs each test function in order, each in a fresh runtime (one event
//! loop per test, as pytest-asyncio's default), and prints `<name> PASSED` or
//! `<name> FAILED: <kind>: <message>`, then `N passed` (and `, M failed`), instead of
//! pytest's report, which has timings in it. A test is an async function returning
//! `Result<(), Failure>`; [`check`] is `assert`, [`raises`] is `pytest.raises`. A
//! fixture is an async function the test calls for its value, with a teardown the test
//! awaits at its end (a Rust future cannot await in a destructor). [`AsyncMock`] and
//! [`Patchable`] are `unittest.mock`'s `AsyncMock` and `patch`, for a module whose
//! functions look a name up at each call.
//!
//! An example includes it with `#[path = "support/pytest.rs"] mod pytest;`.
#![allow(dead_code)]

use std::fmt;
use std::future::Future;
use std::pin::Pin;

/// Why a test failed: Python's exception class name and message.
#[derive(Debug, Clone)]
pub struct Failure {
    /// `AssertionError`, `TimeoutError`, ...
    pub kind: &'static str,
    /// The message.
    pub message: String,
}

impl Failure {
    /// An `AssertionError` with `message`.
    pub fn assertion(message: impl Into<String>) -> Failure {
        Failure { kind: "AssertionError", message: message.into() }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

/// A cancellation that reaches the runner fails the test, as an uncaught
/// `CancelledError` would.
impl From<weft::Cancelled> for Failure {
    fn from(c: weft::Cancelled) -> Failure {
        Failure { kind: "CancelledError", message: c.to_string() }
    }
}

/// `assert condition` (with pytest's empty message when none is given).
pub fn check(condition: bool, message: &str) -> Result<(), Failure> {
    if condition { Ok(()) } else { Err(Failure::assertion(message)) }
}

/// `with pytest.raises(E):` around `result`: passes if `result` is the expected error
/// (as `is_expected` tells), fails with pytest's "DID NOT RAISE" otherwise.
pub fn raises<T, E>(
    name: &str,
    result: Result<T, E>,
    is_expected: impl FnOnce(&E) -> bool,
) -> Result<(), Failure> {
    match result {
        Err(e) if is_expected(&e) => Ok(()),
        Err(_) => Err(Failure::assertion(format!("raised something other than {name}"))),
        Ok(_) => Err(Failure::assertion(format!("DID NOT RAISE {name}"))),
    }
}

/// A test function: its name and a function that starts it.
pub type Test = (&'static str, fn() -> Pin<Box<dyn Future<Output = Result<(), Failure>>>>);

/// Runs every test in order, each in its own runtime, and prints the report.
pub fn run_tests(tests: &[Test]) {
    let (mut passed, mut failed) = (0, 0);
    for (name, test) in tests {
        match weft::run(test()) {
            Ok(()) => {
                passed += 1;
                println!("{name} PASSED");
            }
            Err(e) => {
                failed += 1;
                println!("{name} FAILED: {e}");
            }
        }
    }
    if failed > 0 {
        println!("{passed} passed, {failed} failed");
    } else {
        println!("{passed} passed");
    }
}

/// `unittest.mock.AsyncMock(return_value=...)`: an async callable that returns its value
/// and records how it was called and awaited.
pub struct AsyncMock<T> {
    return_value: T,
    calls: std::sync::Mutex<Vec<String>>,
    awaits: std::sync::atomic::AtomicUsize,
}

impl<T: Clone> AsyncMock<T> {
    /// `AsyncMock(return_value=value)`.
    pub fn new(return_value: T) -> std::sync::Arc<AsyncMock<T>> {
        std::sync::Arc::new(AsyncMock { return_value, calls: Default::default(), awaits: Default::default() })
    }

    /// Calls the mock with `arg` (recorded at once, as Python records the call when the
    /// coroutine is made) and returns a future of its value (an await is recorded when
    /// the future runs).
    pub fn call(self: &std::sync::Arc<Self>, arg: &str) -> impl Future<Output = T> + Send + 'static
    where
        T: Send + Sync + 'static,
    {
        self.calls.lock().unwrap().push(arg.to_string());
        let mock = self.clone();
        async move {
            mock.awaits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            mock.return_value.clone()
        }
    }

    /// `mock.assert_awaited_once()`.
    pub fn assert_awaited_once(&self) -> Result<(), Failure> {
        match self.awaits.load(std::sync::atomic::Ordering::SeqCst) {
            1 => Ok(()),
            n => Err(Failure::assertion(format!(
                "Expected mock to have been awaited once. Awaited {n} times."
            ))),
        }
    }

    /// `mock.assert_called_once_with(arg)`.
    pub fn assert_called_once_with(&self, arg: &str) -> Result<(), Failure> {
        let calls = self.calls.lock().unwrap();
        match calls.as_slice() {
            [only] if only == arg => Ok(()),
            [only] => Err(Failure::assertion(format!(
                "expected call not found.\nExpected: mock({arg:?})\n  Actual: mock({only:?})"
            ))),
            calls => Err(Failure::assertion(format!(
                "Expected 'mock' to be called once. Called {} times.",
                calls.len()
            ))),
        }
    }
}

/// A name a module holds and its functions look up at each call, which
/// [`Patchable::patch`] replaces for a while: `patch("module.fetch_data", mock)`.
pub struct Patchable<F>(std::sync::Mutex<F>);

impl<F: Clone> Patchable<F> {
    /// The name, bound to `f`.
    pub fn new(f: F) -> Patchable<F> {
        Patchable(std::sync::Mutex::new(f))
    }

    /// What the name is bound to now.
    pub fn get(&self) -> F {
        self.0.lock().unwrap().clone()
    }

    /// `with patch(name, f):` binds the name to `f` until the guard is dropped.
    pub fn patch(&self, f: F) -> PatchGuard<'_, F> {
        let original = std::mem::replace(&mut *self.0.lock().unwrap(), f);
        PatchGuard { name: self, original: Some(original) }
    }
}

/// Restores a patched name when dropped (the end of the `with` block).
pub struct PatchGuard<'a, F> {
    name: &'a Patchable<F>,
    original: Option<F>,
}

impl<F> Drop for PatchGuard<'_, F> {
    fn drop(&mut self) {
        if let Some(original) = self.original.take() {
            *self.name.0.lock().unwrap() = original;
        }
    }
}
