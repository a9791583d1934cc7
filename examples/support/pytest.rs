//! A minimal test runner in the place of pytest + pytest-asyncio, for the testing
//! recipes (the CPython programs use `_pytest_stub.py`, which works the same way).
//!
//! [`run_tests`] runs each test function in order, each in a fresh runtime (one event
//! loop per test, as pytest-asyncio's default), and prints `<name> PASSED` or
//! `<name> FAILED: <kind>: <message>`, then `N passed` (and `, M failed`), instead of
//! pytest's report, which has timings in it. A test is an async function returning
//! `Result<(), Failure>`; [`check`] is `assert`, [`raises`] is `pytest.raises`. A
//! fixture is an async function the test calls for its value, with a teardown the test
//! awaits at its end (a Rust future cannot await in a destructor).
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
