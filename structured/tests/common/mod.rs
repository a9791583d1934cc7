//! Helpers shared by the conformance ports: a runtime, a test error type with the
//! exceptions CPython's tests raise, and small timing helpers.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::time::Duration;
use weft_executor::{Cancelled, Runtime};
use weft_structured::{ErrorGroup, GroupError, GroupSpawnError, TimeoutError};

/// asyncio's loop: a current-thread runtime (exact FIFO order).
pub fn run<F: Future>(f: F) -> F::Output {
    Runtime::builder().current_thread().build().unwrap().block_on(f)
}

/// A multi-thread runtime with two workers.
pub fn run_mt<F: Future>(f: F) -> F::Output {
    Runtime::builder().multi_thread().worker_threads(2).build().unwrap().block_on(f)
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
