//! Helpers shared by the conformance ports: a runtime, a test error type with the
//! exceptions CPython's tests raise, and small timing helpers.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::time::Duration;
use weft_executor::{Cancelled, Runtime};
use weft_structured::{ErrorGroup, GroupError, GroupSpawnError, TimeoutError};

/// asyncio's loop: a current-thread runtime (exact FIFO order), under the [`watchdog`].
pub fn run<F>(f: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    watchdog(WATCHDOG, move || Runtime::builder().current_thread().build().unwrap().block_on(f))
}

/// [`run`] on a paused clock that advances only when every task waits (asyncio's test
/// loops, tokio's `start_paused`): for a test whose outcome depends on two timers set a
/// moment apart firing in the same turn, which a real clock cannot promise when the
/// thread is descheduled between the two (a loaded machine), in weft or in asyncio.
pub fn run_paused<F>(f: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    watchdog(WATCHDOG, move || {
        Runtime::builder().current_thread().start_paused(true).build().unwrap().block_on(f)
    })
}

/// A multi-thread runtime with two workers, under the [`watchdog`].
pub fn run_mt<F>(f: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    watchdog(WATCHDOG, move || {
        Runtime::builder().multi_thread().worker_threads(2).build().unwrap().block_on(f)
    })
}

/// How long one test body may run before the watchdog fails it as hung. The longest port
/// waits about a second; the rest is room for a machine loaded by builds beside the tests.
pub const WATCHDOG: Duration = Duration::from_secs(60);

/// Runs `body` on a thread of its own (named after the test) and returns what it returns.
/// If it has not returned after `limit`, fails the test with a message instead of letting
/// it hang: a port whose wake-up is lost would otherwise fail only by never ending. A
/// panic in `body` is re-raised here. The hung thread is left behind (nothing can stop it).
pub fn watchdog<R: Send + 'static>(limit: Duration, body: impl FnOnce() -> R + Send + 'static) -> R {
    let name = std::thread::current().name().unwrap_or("test").to_string();
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(name.clone())
        .spawn(move || {
            let _ = tx.send(body());
        })
        .expect("spawn the test body's thread");
    match rx.recv_timeout(limit) {
        Ok(v) => {
            handle.join().expect("the test body's thread");
            v
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the body neither returned nor panicked"),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => panic!(
            "{name}: hung: the test body had not returned after {limit:?} \
             (a lost wake-up, or a wait that nothing ends)"
        ),
    }
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

pub async fn sleep_ms(n: u64) -> Result<(), Cancelled> {
    weft_executor::time::sleep(ms(n)).await
}

/// The exceptions CPython's tests raise, plus the errors weft returns.
#[derive(Debug)]
pub enum E {
    Cancelled(Cancelled),
    Timeout(TimeoutError),
    Group(GroupError),
    Spawn(GroupSpawnError),
    ZeroDivision,
    Value,
    Key,
    Type,
    Runtime,
    MyExc,
    MyBaseExc,
    Custom,
    Foo,
}

impl fmt::Display for E {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            E::Cancelled(c) => write!(f, "{c}"),
            E::Timeout(t) => write!(f, "{t}"),
            E::Group(g) => write!(f, "{g}"),
            E::Spawn(s) => write!(f, "{s}"),
            other => write!(f, "{other:?}"),
        }
    }
}

impl std::error::Error for E {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            E::Cancelled(c) => Some(c),
            E::Group(g) => Some(g),
            E::Timeout(t) => Some(t),
            E::Spawn(s) => Some(s),
            _ => None,
        }
    }
}

impl From<Cancelled> for E {
    fn from(c: Cancelled) -> E {
        E::Cancelled(c)
    }
}
impl From<TimeoutError> for E {
    fn from(t: TimeoutError) -> E {
        E::Timeout(t)
    }
}
impl From<GroupError> for E {
    fn from(g: GroupError) -> E {
        E::Group(g)
    }
}
impl From<GroupSpawnError> for E {
    fn from(s: GroupSpawnError) -> E {
        E::Spawn(s)
    }
}

impl E {
    pub fn name(&self) -> &'static str {
        match self {
            E::Cancelled(_) => "CancelledError",
            E::Timeout(_) => "TimeoutError",
            E::Group(GroupError::Failed(_)) => "ExceptionGroup",
            E::Group(_) => "GroupError",
            E::Spawn(_) => "RuntimeError",
            E::ZeroDivision => "ZeroDivisionError",
            E::Value => "ValueError",
            E::Key => "KeyError",
            E::Type => "TypeError",
            E::Runtime => "RuntimeError",
            E::MyExc => "MyExc",
            E::MyBaseExc => "MyBaseExc",
            E::Custom => "CustomException",
            E::Foo => "FooException",
        }
    }
}

/// CPython's `get_error_types`: the type names of a group's direct failures.
pub fn error_types(g: &ErrorGroup) -> BTreeSet<&'static str> {
    g.failures()
        .iter()
        .map(|f| {
            if let Some(e) = f.downcast_ref::<E>() {
                e.name()
            } else if f.is::<GroupError>() {
                "ExceptionGroup"
            } else if f.is::<weft_structured::ChildPanicked>() {
                "Panic"
            } else {
                "?"
            }
        })
        .collect()
}

pub fn set(names: &[&'static str]) -> BTreeSet<&'static str> {
    names.iter().copied().collect()
}

/// The nested group of a failure that is one.
pub fn nested(g: &ErrorGroup, i: usize) -> ErrorGroup {
    match g.failures()[i].downcast_ref::<GroupError>() {
        Some(GroupError::Failed(inner)) => inner.clone(),
        Some(other) => panic!("not a failed group: {other:?}"),
        None => match g.failures()[i].downcast_ref::<E>() {
            Some(E::Group(GroupError::Failed(inner))) => inner.clone(),
            other => panic!("not a nested group: {other:?}"),
        },
    }
}

pub fn failed(r: Result<impl fmt::Debug, GroupError>) -> ErrorGroup {
    match r {
        Err(GroupError::Failed(g)) => g,
        other => panic!("expected an error group, got {other:?}"),
    }
}

pub fn failed_e(r: Result<impl fmt::Debug, E>) -> ErrorGroup {
    match r {
        Err(E::Group(GroupError::Failed(g))) => g,
        other => panic!("expected an error group, got {other:?}"),
    }
}
