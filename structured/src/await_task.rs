//! [`await_task`]: asyncio's `await task`, where cancelling the waiter cancels the task.
//!
//! Awaiting a weft [`Task`] directly leaves the task alone when the waiting task is
//! cancelled: the await returns at once and the task runs on. asyncio does otherwise:
//! the cancellation is passed on to the awaited task, and the waiter keeps waiting for
//! it to finish; if the task swallows the cancellation and returns a value, the waiter
//! gets that value. `await_task` gives asyncio's behaviour, which is what `wait_for`
//! around a task needs.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use weft_executor::{Cancelled, JoinError, Task};

/// Waits for `task`; a cancellation of the waiting task is passed on to `task`
/// (`task.cancel(msg)`), and the wait goes on until `task` has finished. If `task` ends
/// cancelled, the result is `Err(JoinError::Cancelled)` holding the waiter's own
/// cancellation (so it propagates with `?`); if it returns a value anyway, the value.
///
/// ```
/// use std::time::Duration;
/// use weft::await_task;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let waiter = weft::spawn(async {
///     let child = weft::spawn(async {
///         weft::time::sleep(Duration::from_secs(60)).await
///     });
///     let probe = child.task_ref();
///     let r = await_task(child).await;
///     (r.unwrap_err().is_cancelled(), probe.is_cancelled())
/// });
/// weft::yield_now().await.unwrap();
/// waiter.cancel(None);
/// // The waiter's cancellation reached the child, and came back to the waiter.
/// assert_eq!(waiter.await.unwrap(), (true, true));
/// # });
/// ```
pub fn await_task<T>(task: Task<T>) -> AwaitTask<T> {
    AwaitTask { task, cancelled: None }
}

/// Future returned by [`await_task`].
///
/// ```
/// use weft::{await_task, AwaitTask};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let waiter = weft::spawn(async {
///     let child = weft::spawn(async {
///         // The cancellation the waiter passed on: caught, and a value returned anyway.
///         let r = weft::time::sleep(std::time::Duration::from_secs(60)).await;
///         if r.is_err() { "cleaned up" } else { "slept" }
///     });
///     let join: AwaitTask<&str> = await_task(child);
///     join.await
/// });
/// weft::yield_now().await.unwrap();
/// waiter.cancel(None);
/// // The child swallowed the cancellation, so the waiter gets its value.
/// assert_eq!(waiter.await.unwrap().unwrap(), "cleaned up");
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct AwaitTask<T> {
    task: Task<T>,
    /// The waiter's cancellation, once it was passed on.
    cancelled: Option<Cancelled>,
}

impl<T> fmt::Debug for AwaitTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwaitTask").field("task", &self.task).finish()
    }
}

impl<T> Future for AwaitTask<T> {
    type Output = Result<T, JoinError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            match poll_join(&mut self.task, cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Joined::Done(Err(JoinError::Cancelled(c)))) => {
                    // The waiter's own cancellation if it passed one on, otherwise the
                    // task's, delivered to the waiter as `await task` raises it.
                    let c = self.cancelled.take().unwrap_or_else(|| c.redeliver());
                    return Poll::Ready(Err(JoinError::Cancelled(c)));
                }
                Poll::Ready(Joined::Done(r)) => {
                    // The task swallowed the cancellation: so does the waiter.
                    self.cancelled = None;
                    return Poll::Ready(r);
                }
                Poll::Ready(Joined::WaiterCancelled(c)) => {
                    if self.cancelled.is_some() {
                        // Passed on already (a cancelled scope fails every checkpoint):
                        // the join waker is registered; wait for the task.
                        return Poll::Pending;
                    }
                    self.task.cancel(c.message());
                    self.cancelled = Some(c);
                }
            }
        }
    }
}

/// The outcome of one poll of a task handle, telling the task's own end from the
/// waiter's cancellation (`Task::poll` reports both as `JoinError::Cancelled`).
pub(crate) enum Joined<T> {
    Done(Result<T, JoinError>),
    WaiterCancelled(Cancelled),
}

///
/// The task's own cancellation comes back as a record (`Cancelled::caught`): the caller
/// decides whether to hand it on to the awaiting task (`Cancelled::redeliver`).
pub(crate) fn poll_join<T>(task: &mut Task<T>, cx: &mut Context<'_>) -> Poll<Joined<T>> {
    match task.poll_result(cx) {
        Poll::Pending => Poll::Pending,
        Poll::Ready(Err(JoinError::Cancelled(c))) if !task.is_finished() => {
            Poll::Ready(Joined::WaiterCancelled(c))
        }
        Poll::Ready(r) => Poll::Ready(Joined::Done(r)),
    }
}

/// asyncio's `wait_for(task, timeout)` for a spawned task: waits for `task`; if `delay`
/// passes first (at once for a zero delay), cancels it and waits until it has finished.
/// `Err(Interrupted::TimedOut)` if the task ended cancelled by that; its value if it
/// swallowed the cancellation and returned; `Err(Interrupted::Cancelled)` if the waiting
/// task was cancelled (the task is cancelled too, and awaited), or if the task ended
/// cancelled by someone else. A panic of the task is resumed in the waiter.
///
/// For a future that is not a spawned task, [`wait_for`](fn@crate::wait_for) is
/// asyncio's `wait_for(coro, timeout)`: with a zero delay it never starts the future.
///
/// ```
/// use std::time::Duration;
/// use weft::{wait_for_task, Interrupted};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let task = weft::spawn(async { weft::time::sleep(Duration::from_secs(60)).await });
/// let probe = task.task_ref();
/// let r = wait_for_task(task, Duration::ZERO).await;
/// assert!(matches!(r, Err(Interrupted::TimedOut(_))));
/// assert!(probe.is_finished() && probe.is_cancelled());
///
/// let done = weft::spawn(async { 7 });
/// weft::yield_now().await.unwrap();
/// assert_eq!(wait_for_task(done, Duration::ZERO).await, Ok(7), "a finished task's value");
/// # });
/// ```
pub fn wait_for_task<T>(task: Task<T>, delay: std::time::Duration) -> WaitForTask<T> {
    WaitForTask { timeout: crate::timeout(delay, JoinInterrupted { join: await_task(task) }) }
}

/// The future of [`wait_for_task`].
///
/// ```
/// use std::time::Duration;
/// use weft::{wait_for_task, WaitForTask};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let task = weft::spawn(async {
///     match weft::time::sleep(Duration::from_secs(60)).await {
///         Ok(()) => "slept",
///         Err(_) => "stopped early", // the timeout's cancellation, caught
///     }
/// });
/// let wait: WaitForTask<&str> = wait_for_task(task, Duration::from_millis(10));
/// // The task swallowed the cancellation and returned: its value, not a timeout.
/// assert_eq!(wait.await, Ok("stopped early"));
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct WaitForTask<T> {
    timeout: crate::TimeoutFuture<JoinInterrupted<T>>,
}

impl<T> fmt::Debug for WaitForTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitForTask").field("timeout", &self.timeout).finish()
    }
}

impl<T> Unpin for WaitForTask<T> {}

impl<T> Future for WaitForTask<T> {
    type Output = Result<T, crate::Interrupted>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.timeout).poll(cx)
    }
}

/// `await_task` with its join error as `Interrupted` (what a timeout around it needs).
struct JoinInterrupted<T> {
    join: AwaitTask<T>,
}

impl<T> Unpin for JoinInterrupted<T> {}

impl<T> Future for JoinInterrupted<T> {
    type Output = Result<T, crate::Interrupted>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.join).poll(cx).map(|r| match r {
            Ok(v) => Ok(v),
            Err(JoinError::Cancelled(c)) => Err(crate::Interrupted::Cancelled(c)),
            Err(JoinError::Panicked(p)) => std::panic::resume_unwind(Box::new(p.message().to_string())),
            Err(e) => unreachable!("a task is joined once here: {e}"),
        })
    }
}
