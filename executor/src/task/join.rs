//! [`Task`]: the handle `spawn` returns, asyncio's `Task` object.

use super::raw::RawTask;
use super::task_ref::{Id, TaskRef};
use crate::cancel::{self, Cancelled};
use crate::coop;
use std::any::Any;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

/// A spawned task: await it for its result, or cancel it.
///
/// `Task<T>` is a future of `Result<T, JoinError>`. Dropping it detaches the task (it runs
/// on; its result is dropped). Awaiting it is a checkpoint for the awaiting task: if *that*
/// task is cancelled while it waits, the await returns `Err(JoinError::Cancelled)` and the
/// awaited task runs on (asyncio would cancel it too; weft leaves that to you:
/// call [`Task::cancel`]).
///
/// ```
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let task = weft::spawn(async { 6 * 7 });
/// assert_eq!(task.await.unwrap(), 42);
/// # });
/// ```
pub struct Task<T> {
    raw: RawTask,
    /// The output was taken (by an await, or by [`Task::try_take`] through `&self`).
    joined: AtomicBool,
    _output: PhantomData<T>,
}

// SAFETY: the handle only moves the output (T) across threads; the rest is the Sync header.
unsafe impl<T: Send> Send for Task<T> {}
// SAFETY: &Task only reads the header.
unsafe impl<T: Send> Sync for Task<T> {}
impl<T> Unpin for Task<T> {}

impl<T> Task<T> {
    pub(crate) fn from_raw(raw: RawTask) -> Task<T> {
        Task { raw, joined: AtomicBool::new(false), _output: PhantomData }
    }

    /// The task's id, unique for the life of the process.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let a = weft::spawn(async {});
    /// let b = weft::spawn(async {});
    /// assert_ne!(a.id(), b.id());
    /// # });
    /// ```
    pub fn id(&self) -> Id {
        self.raw.id()
    }

    /// The task's name, if it was given one (see `Builder::name` / `spawn_named`).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let t = weft::spawn_named("worker-1", async {});
    /// assert_eq!(t.name().as_deref(), Some("worker-1"));
    /// # });
    /// ```
    pub fn name(&self) -> Option<std::sync::Arc<str>> {
        self.task_ref_borrowed().name()
    }

    /// asyncio's `Task.cancel(msg)`: returns false if the task is done; otherwise counts
    /// the request, marks one pending delivery and wakes the task. The checkpoint it is
    /// suspended in, or the next one it reaches, returns `Err(Cancelled)` once. A task
    /// cancelled before its first poll never runs.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let t = weft::spawn(async { "ran" });
    /// assert!(t.cancel(None));
    /// assert!(t.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn cancel(&self, message: Option<&str>) -> bool {
        self.task_ref_borrowed().cancel(message)
    }

    /// asyncio's `Task.uncancel()`: undoes one request; returns the remaining count.
    pub fn uncancel(&self) -> u32 {
        self.task_ref_borrowed().uncancel()
    }

    /// asyncio's `Task.cancelling()`: requests not yet undone.
    pub fn cancelling(&self) -> u32 {
        self.task_ref_borrowed().cancelling()
    }

    /// The hard cancel: the future is dropped at its next poll, without running any more
    /// of it (tokio's `abort`). The join result is `JoinError::Cancelled`.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let t = weft::spawn(std::future::pending::<()>());
    /// t.abort();
    /// assert!(t.await.unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn abort(&self) {
        self.task_ref_borrowed().abort()
    }

    /// Whether the task has finished (returned, was cancelled, or panicked).
    pub fn is_finished(&self) -> bool {
        self.task_ref_borrowed().is_finished()
    }

    /// Whether the task finished cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.task_ref_borrowed().is_cancelled()
    }

    /// A handle without the result, that can be cloned and kept (asyncio's task object
    /// as `all_tasks()` returns it).
    pub fn task_ref(&self) -> TaskRef {
        self.raw.ref_inc();
        TaskRef::from_raw(self.raw)
    }

    fn task_ref_borrowed(&self) -> std::mem::ManuallyDrop<TaskRef> {
        std::mem::ManuallyDrop::new(TaskRef::from_raw(self.raw))
    }
}

impl<T> Task<T> {
    /// Polls for the result as awaiting the task does, except that a cancellation the
    /// task ended with comes back as a record (see [`Cancelled::caught`]) instead of
    /// being delivered to the polling task: for joins whose caller decides what to hand
    /// on (weft's `gather`, `wait`, `shield`). The awaiting task's own cancellation, as
    /// the checkpoint delivers it, is returned as with `.await`.
    #[doc(hidden)]
    pub fn poll_result(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, JoinError>> {
        self.poll_join(cx, false)
    }

    /// The result of a task that has finished, taken through a shared reference (for
    /// handles that hold a `Task` and answer `&self` queries, like a group's child
    /// handle): `None` while the task runs, the result once (a cancellation delivered to
    /// the calling task, as by `.await`), then `Err(JoinError::AlreadyJoined)`. It never
    /// waits, registers no waker and is no checkpoint.
    #[doc(hidden)]
    pub fn try_take(&self) -> Option<Result<T, JoinError>> {
        if !self.is_finished() {
            return None;
        }
        if self.joined.swap(true, Ordering::AcqRel) {
            return Some(Err(JoinError::AlreadyJoined));
        }
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: `out` has the task's output type and this is its handle; the swap above
        // lets one caller through, and `&mut self` (the only other reader) excludes us.
        // COMPLETE was seen, so the read touches no waker.
        unsafe { self.raw.try_read_output(&mut out as *mut _ as *mut (), Waker::noop()) };
        match out {
            Poll::Ready(result) => Some(result.map_err(|e| match e {
                JoinError::Cancelled(c) => JoinError::Cancelled(c.redeliver()),
                e => e,
            })),
            Poll::Pending => unreachable!("a finished task's output is readable"),
        }
    }

    fn poll_join(&mut self, cx: &mut Context<'_>, deliver: bool) -> Poll<Result<T, JoinError>> {
        if *self.joined.get_mut() {
            return Poll::Ready(Err(JoinError::AlreadyJoined));
        }
        if crate::context::current_task() == Some(self.raw) {
            // It would wait for itself forever (asyncio raises RuntimeError).
            return Poll::Ready(Err(JoinError::AwaitsItself));
        }
        if !coop::has_budget_remaining() {
            // Out of budget: yield first (poll_proceed wakes the task and says Pending).
            return coop::poll_proceed(cx).map(|()| unreachable!());
        }
        let mut out: Poll<Result<T, JoinError>> = Poll::Pending;
        // SAFETY: `out` has the task's output type and this is its handle.
        unsafe { self.raw.try_read_output(&mut out as *mut _ as *mut (), cx.waker()) };
        if let Poll::Ready(result) = out {
            // Spends one unit: joining finished tasks in a loop still yields now and then.
            let _ = coop::poll_proceed(cx);
            *self.joined.get_mut() = true;
            // As `await task` raises the task's `CancelledError` in the awaiter, the
            // cancellation is delivered to the awaiting task (see `Cancelled::redeliver`):
            // propagating it ends the awaiter cancelled too.
            return Poll::Ready(result.map_err(|e| match e {
                JoinError::Cancelled(c) if deliver => JoinError::Cancelled(c.redeliver()),
                JoinError::Cancelled(c) => JoinError::Cancelled(c.caught()),
                e => e,
            }));
        }
        match cancel::check() {
            Err(c) => Poll::Ready(Err(JoinError::Cancelled(c))),
            Ok(()) => {
                crate::observe::waiting_on("join", crate::observe::WaitDetail::Task(self.raw.id().as_u64()));
                Poll::Pending
            }
        }
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll_join(cx, true)
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        self.raw.drop_join_handle_slow();
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Task").field("id", &self.id()).field("finished", &self.is_finished()).finish()
    }
}

/// Why awaiting a [`Task`] gave no value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum JoinError {
    /// The task ended cancelled (a delivered `Cancelled` propagated out of it, it was
    /// aborted, cancelled before it started, or the runtime shut down); or the awaiting
    /// task itself was cancelled while it waited.
    Cancelled(Cancelled),
    /// The task panicked; the worker thread survived.
    Panicked(Panicked),
    /// The task's result was already taken by an earlier await of this handle.
    AlreadyJoined,
    /// The task awaited its own handle, which could only wait forever (asyncio's
    /// `RuntimeError: Task cannot await on itself`).
    AwaitsItself,
}

// Two words (see `Panicked`), so that `Poll<Result<(), JoinError>>` is two words too.
const _: () = assert!(std::mem::size_of::<JoinError>() == 2 * std::mem::size_of::<usize>());
const _: () = assert!(std::mem::size_of::<Poll<Result<(), JoinError>>>() == 2 * std::mem::size_of::<usize>());

impl JoinError {
    /// Whether this is a cancellation.
    ///
    /// ```
    /// use weft::{Cancelled, JoinError};
    /// assert!(JoinError::Cancelled(Cancelled::new(None)).is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled(_))
    }

    /// Whether the task panicked.
    ///
    /// ```
    /// assert!(!weft::JoinError::AlreadyJoined.is_panic());
    /// ```
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked(_))
    }

    /// The panic message, if the task panicked.
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let t = weft::spawn(async { panic!("boom") });
    /// assert_eq!(t.await.unwrap_err().panic_message(), Some("boom"));
    /// # });
    /// ```
    pub fn panic_message(&self) -> Option<&str> {
        match self {
            JoinError::Panicked(p) => Some(p.message()),
            _ => None,
        }
    }

    /// The same error, with a cancellation turned into a plain record (see
    /// [`Cancelled::caught`]): what to keep when a task's join result is data rather than
    /// something to propagate (a list of results, a log).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let inner = weft::spawn(std::future::pending::<()>());
    /// inner.cancel(None);
    /// let outer = weft::spawn(async move { inner.await.map_err(weft::JoinError::caught) });
    /// // The outer task returned the inner one's result as data: it was not cancelled.
    /// assert!(outer.await.unwrap().unwrap_err().is_cancelled());
    /// # });
    /// ```
    pub fn caught(self) -> JoinError {
        match self {
            JoinError::Cancelled(c) => JoinError::Cancelled(c.caught()),
            e => e,
        }
    }

    /// The cancellation, if this is one.
    pub fn as_cancelled(&self) -> Option<&Cancelled> {
        match self {
            JoinError::Cancelled(c) => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Cancelled(c) => write!(f, "{c}"),
            JoinError::Panicked(p) => write!(f, "{p}"),
            JoinError::AlreadyJoined => {
                f.write_str("the task's result was already taken: a Task can be awaited to completion once")
            }
            JoinError::AwaitsItself => f.write_str(
                "a task cannot await on itself: it would wait forever (await the handle from another task)",
            ),
        }
    }
}

impl std::error::Error for JoinError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JoinError::Cancelled(c) => Some(c),
            JoinError::Panicked(p) => Some(p),
            JoinError::AlreadyJoined | JoinError::AwaitsItself => None,
        }
    }
}

impl From<Cancelled> for JoinError {
    fn from(c: Cancelled) -> Self {
        JoinError::Cancelled(c)
    }
}

/// A panic caught at a task's poll boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Panicked {
    /// Boxed twice so that a `Panicked` is one pointer: a [`JoinError`] is then two words,
    /// and a task's `Result<(), JoinError>` comes back from a poll in two registers
    /// instead of through memory (a panic pays the extra allocation; every join gains).
    message: Box<Box<str>>,
}

impl Panicked {
    pub(crate) fn new(message: String) -> Panicked {
        Panicked { message: Box::new(message.into_boxed_str()) }
    }

    pub(crate) fn from_payload(payload: Box<dyn Any + Send>) -> Panicked {
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "Box<dyn Any>".to_string()
        };
        // The payload's own destructor may panic; do not let it escape the runtime.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(payload)));
        Panicked::new(message)
    }

    /// The panic message (`"Box<dyn Any>"` for a payload that is not a string).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task panicked: {}", self.message)
    }
}

impl std::error::Error for Panicked {}
