//! The errors of the lock family and the condition, asyncio's `RuntimeError` and
//! `ValueError` made typed.

use std::fmt;
use weft_executor::Cancelled;

/// `release()` on a [`Lock`](crate::Lock) that is not locked, or `notify()` on a
/// [`Condition`](crate::Condition) whose lock is not held (asyncio's `RuntimeError`).
///
/// ```
/// let lock = weft::Lock::new();
/// assert_eq!(lock.release(), Err(weft::NotLocked));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotLocked;

impl fmt::Display for NotLocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the lock is not acquired")
    }
}

impl std::error::Error for NotLocked {}

/// `release()` on a [`BoundedSemaphore`](crate::BoundedSemaphore) that would raise it above
/// its initial value (asyncio's `ValueError`).
///
/// ```
/// let sem = weft::BoundedSemaphore::new(1);
/// assert_eq!(sem.release(), Err(weft::ReleasedTooManyTimes));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReleasedTooManyTimes;

impl fmt::Display for ReleasedTooManyTimes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BoundedSemaphore released too many times")
    }
}

impl std::error::Error for ReleasedTooManyTimes {}

/// Why a [`Condition::wait`](crate::Condition::wait) failed.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let cond = weft::Condition::new();
/// let err = cond.wait().await.unwrap_err();
/// assert_eq!(err, weft::ConditionError::NotLocked);
/// # });
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ConditionError {
    /// The task was cancelled. The lock is held again, as asyncio guarantees.
    Cancelled(Cancelled),
    /// `wait` was called without holding the condition's lock.
    NotLocked,
}

impl From<Cancelled> for ConditionError {
    fn from(c: Cancelled) -> Self {
        ConditionError::Cancelled(c)
    }
}

impl fmt::Display for ConditionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConditionError::Cancelled(c) => write!(f, "condition wait cancelled: {c}"),
            ConditionError::NotLocked => f.write_str("cannot wait on un-acquired lock"),
        }
    }
}

impl std::error::Error for ConditionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConditionError::Cancelled(c) => Some(c),
            ConditionError::NotLocked => None,
        }
    }
}
