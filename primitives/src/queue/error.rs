//! The queue's errors: asyncio's `QueueEmpty`, `QueueFull`, `QueueShutDown`, the
//! `ValueError` of `task_done`, and cancellation. Every error of a put carries the item
//! back: a value put into a queue is never lost.

use std::fmt;
use weft_executor::Cancelled;

/// Why [`Queue::get`](crate::Queue::get) failed.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let q = weft::Queue::<u8>::new(0);
/// q.shutdown(false);
/// assert_eq!(q.get().await, Err(weft::GetError::ShutDown));
/// # });
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum GetError {
    /// The task was cancelled; no item was taken.
    Cancelled(Cancelled),
    /// The queue is shut down and empty, or was shut down with `immediate`.
    ShutDown,
}

impl From<Cancelled> for GetError {
    fn from(c: Cancelled) -> Self {
        GetError::Cancelled(c)
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::Cancelled(c) => write!(f, "queue get cancelled: {c}"),
            GetError::ShutDown => f.write_str("the queue is shut down"),
        }
    }
}

impl std::error::Error for GetError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            GetError::Cancelled(c) => Some(c),
            GetError::ShutDown => None,
        }
    }
}

/// Why [`Queue::put`](crate::Queue::put) failed; the item comes back in it.
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let q = weft::Queue::new(0);
/// q.shutdown(false);
/// let err = q.put("job").await.unwrap_err();
/// assert_eq!(err.into_inner(), "job");
/// # });
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum PutError<T> {
    /// The task was cancelled before the item went in.
    Cancelled(Cancelled, T),
    /// The queue is shut down.
    ShutDown(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// let e = weft::PutError::ShutDown(7);
    /// assert_eq!(e.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            PutError::Cancelled(_, item) | PutError::ShutDown(item) => item,
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Cancelled(c, _) => write!(f, "queue put cancelled: {c}"),
            PutError::ShutDown(_) => f.write_str("the queue is shut down"),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for PutError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PutError::Cancelled(c, _) => Some(c),
            PutError::ShutDown(_) => None,
        }
    }
}

/// Why [`Queue::get_nowait`](crate::Queue::get_nowait) failed.
///
/// ```
/// let q = weft::Queue::<u8>::new(0);
/// assert_eq!(q.get_nowait(), Err(weft::TryGetError::Empty));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TryGetError {
    /// Nothing to get now (asyncio's `QueueEmpty`).
    Empty,
    /// The queue is shut down and empty (asyncio's `QueueShutDown`).
    ShutDown,
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryGetError::Empty => "the queue is empty",
            TryGetError::ShutDown => "the queue is shut down",
        })
    }
}

impl std::error::Error for TryGetError {}

/// Why [`Queue::put_nowait`](crate::Queue::put_nowait) failed; the item comes back in it.
///
/// ```
/// let q = weft::Queue::new(1);
/// q.put_nowait(1).unwrap();
/// assert_eq!(q.put_nowait(2), Err(weft::TryPutError::Full(2)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TryPutError<T> {
    /// No free slot now (asyncio's `QueueFull`).
    Full(T),
    /// The queue is shut down (asyncio's `QueueShutDown`).
    ShutDown(T),
}

impl<T> TryPutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// assert_eq!(weft::TryPutError::Full('x').into_inner(), 'x');
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            TryPutError::Full(item) | TryPutError::ShutDown(item) => item,
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryPutError::Full(_) => "the queue is full",
            TryPutError::ShutDown(_) => "the queue is shut down",
        })
    }
}

impl<T: fmt::Debug> std::error::Error for TryPutError<T> {}

/// [`Queue::task_done`](crate::Queue::task_done) called more times than items were put
/// (asyncio's `ValueError`).
///
/// ```
/// let q = weft::Queue::<u8>::new(0);
/// assert_eq!(q.task_done(), Err(weft::TaskDoneError));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called too many times")
    }
}

impl std::error::Error for TaskDoneError {}
