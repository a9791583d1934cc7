//! asyncio's `wait` and `as_completed` over spawned tasks.
//!
//! Neither cancels anything: when the time is up, or the waiting task is cancelled, the
//! tasks still running are simply not waited for any more.

use crate::await_task::{Joined, poll_join};
use crate::timeout::TimeoutError;
use crate::timer::QuietTimer;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use weft_executor::{Cancelled, Id, JoinError, Task};

/// When [`wait`] returns (asyncio's `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
/// `ALL_COMPLETED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReturnWhen {
    /// As soon as one task has finished.
    FirstCompleted,
    /// As soon as one task has failed (returned `Err` or panicked; a cancelled task is
    /// not a failure), or when all have finished.
    FirstException,
    /// When all have finished.
    #[default]
    AllCompleted,
}

/// One finished task: its position in the input, its id, and its join result.
#[derive(Debug)]
pub struct Finished<O> {
    /// Index of the task in the `Vec` given to `wait` / `as_completed`.
    pub index: usize,
    /// The task's id.
    pub id: Id,
    /// What awaiting the task gave.
    pub result: Result<O, JoinError>,
}

impl<O> Finished<O> {
    /// As `as_completed` hands it out: like `await next_task` in asyncio, a cancellation
    /// is delivered to the task that takes it.
    fn handed_out(self) -> Self {
        let result = self.result.map_err(|e| match e {
            JoinError::Cancelled(c) => JoinError::Cancelled(c.redeliver()),
            e => e,
        });
        Finished { result, ..self }
    }
}

/// Why [`wait`] returned no sets.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum WaitError {
    /// `wait` was given no tasks (asyncio: "Set of Tasks/Futures is empty").
    Empty,
    /// The waiting task was cancelled; the tasks run on.
    Cancelled(Cancelled),
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Empty => f.write_str("wait() needs at least one task"),
            WaitError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for WaitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Cancelled(c) => Some(c),
            WaitError::Empty => None,
        }
    }
}

/// What [`wait`] returns: the finished tasks (with their results, in completion order)
/// and the tasks still running (in input order).
pub type WaitSets<T, E> = (Vec<Finished<Result<T, E>>>, Vec<(usize, Task<Result<T, E>>)>);

/// asyncio's `wait(tasks, timeout, return_when)`: waits until `when` is met or `timeout`
/// passes; returns `(done, pending)`. Cancels nothing.
///
/// ```
/// use std::time::Duration;
/// use weft::{wait, ReturnWhen};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let sleeper = |ms| weft::spawn(async move {
///     weft::time::sleep(Duration::from_millis(ms)).await?;
///     Ok::<_, weft::Cancelled>(ms)
/// });
/// let (done, pending) = wait(vec![sleeper(5), sleeper(10_000)], ReturnWhen::FirstCompleted, None)
///     .await
///     .unwrap();
/// assert_eq!(done.len(), 1);
/// assert_eq!(done[0].result.as_ref().unwrap().as_ref().unwrap(), &5);
/// assert_eq!(pending.len(), 1);
/// assert!(wait(Vec::<weft::Task<Result<(), ()>>>::new(), ReturnWhen::AllCompleted, None).await.is_err());
/// # });
/// ```
pub fn wait<T, E>(tasks: Vec<Task<Result<T, E>>>, when: ReturnWhen, timeout: Option<Duration>) -> Wait<T, E> {
    Wait {
        pending: tasks.into_iter().enumerate().map(|(i, t)| Some((i, t))).collect(),
        done: Vec::new(),
        when,
        deadline: timeout.map(|d| Instant::now().checked_add(d).unwrap_or_else(far_future)),
        timer: None,
    }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365 * 30)
}

/// A task `wait` still waits for, with its index; `None` once it finished.
type PendingTask<T, E> = Option<(usize, Task<Result<T, E>>)>;

/// The future of [`wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<T, E> {
    pending: Vec<PendingTask<T, E>>,
    done: Vec<Finished<Result<T, E>>>,
    when: ReturnWhen,
    deadline: Option<Instant>,
    timer: Option<QuietTimer>,
}

impl<T, E> Unpin for Wait<T, E> {}

impl<T, E> fmt::Debug for Wait<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").field("when", &self.when).field("done", &self.done.len()).finish()
    }
}

impl<T, E> Future for Wait<T, E> {
    type Output = Result<WaitSets<T, E>, WaitError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.pending.is_empty() && this.done.is_empty() {
            return Poll::Ready(Err(WaitError::Empty));
        }
        let mut failed = false;
        for slot in this.pending.iter_mut() {
            let Some((index, task)) = slot else { continue };
            match poll_join(task, cx) {
                Poll::Pending => {}
                Poll::Ready(Joined::WaiterCancelled(c)) => return Poll::Ready(Err(WaitError::Cancelled(c))),
                Poll::Ready(Joined::Done(result)) => {
                    failed |= matches!(result, Err(JoinError::Panicked(_)) | Ok(Err(_)));
                    let (index, id) = (*index, task.id());
                    *slot = None;
                    // The sets are data (asyncio returns the task objects, whose
                    // exceptions are raised only when asked for): a cancellation stays a
                    // record, not delivered to the waiting task.
                    this.done.push(Finished { index, id, result });
                }
            }
        }
        let all = this.pending.iter().all(Option::is_none);
        let ready = all
            || match this.when {
                ReturnWhen::FirstCompleted => !this.done.is_empty(),
                ReturnWhen::FirstException => failed || this.done.iter().any(is_failure),
                ReturnWhen::AllCompleted => false,
            };
        let timed_out = !ready
            && this.deadline.is_some_and(|d| {
                this.timer.get_or_insert_with(|| QuietTimer::new(d)).poll_elapsed(cx).is_ready()
            });
        if ready || timed_out {
            let done = std::mem::take(&mut this.done);
            let pending = this.pending.drain(..).flatten().collect();
            return Poll::Ready(Ok((done, pending)));
        }
        Poll::Pending
    }
}

fn is_failure<T, E>(f: &Finished<Result<T, E>>) -> bool {
    matches!(f.result, Err(JoinError::Panicked(_)) | Ok(Err(_)))
}

/// Why [`as_completed`] stopped with an error.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AsCompletedError {
    /// The timeout passed before every task finished (asyncio raises `TimeoutError`).
    TimedOut(TimeoutError),
    /// The waiting task was cancelled.
    Cancelled(Cancelled),
}

impl fmt::Display for AsCompletedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AsCompletedError::TimedOut(t) => t.fmt(f),
            AsCompletedError::Cancelled(c) => c.fmt(f),
        }
    }
}

impl std::error::Error for AsCompletedError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AsCompletedError::TimedOut(t) => Some(t),
            AsCompletedError::Cancelled(c) => Some(c),
        }
    }
}

/// asyncio's `as_completed(tasks, timeout=...)`: a [`Stream`](futures_core::Stream) of
/// the tasks' results in the order they finish. After a timeout or a cancellation it
/// yields that error once and ends; the tasks still running are not cancelled.
///
/// ```
/// use std::time::Duration;
/// use std::future::poll_fn;
/// use futures_core::Stream;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let sleeper = |ms: u64| weft::spawn(async move {
///     weft::time::sleep(Duration::from_millis(ms)).await.map(|_| ms)
/// });
/// let mut s = weft::as_completed(vec![sleeper(30), sleeper(5)], None);
/// let mut order = Vec::new();
/// while let Some(item) = poll_fn(|cx| std::pin::Pin::new(&mut s).poll_next(cx)).await {
///     order.push(item.unwrap().result.unwrap().unwrap());
/// }
/// assert_eq!(order, vec![5, 30]);
/// # });
/// ```
pub fn as_completed<O>(tasks: Vec<Task<O>>, timeout: Option<Duration>) -> AsCompleted<O> {
    AsCompleted {
        pending: tasks.into_iter().enumerate().map(|(i, t)| Some((i, t))).collect(),
        ready: VecDeque::new(),
        deadline: timeout.map(|d| Instant::now().checked_add(d).unwrap_or_else(far_future)),
        timer: None,
        ended: false,
    }
}

/// The stream of [`as_completed`].
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<O> {
    pending: Vec<Option<(usize, Task<O>)>>,
    ready: VecDeque<Finished<O>>,
    deadline: Option<Instant>,
    timer: Option<QuietTimer>,
    ended: bool,
}

impl<O> Unpin for AsCompleted<O> {}

impl<O> fmt::Debug for AsCompleted<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted").field("ready", &self.ready.len()).finish()
    }
}

impl<O> AsCompleted<O> {
    /// The next result, as a future (for use without a `StreamExt`).
    ///
    /// ```
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let mut s = weft::as_completed(vec![weft::spawn(async { 1 })], None);
    /// assert_eq!(s.next().await.unwrap().unwrap().result.unwrap(), 1);
    /// assert!(s.next().await.is_none());
    /// # });
    /// ```
    #[allow(clippy::should_implement_trait)] // a future, not `Iterator::next`: `.next().await` without `StreamExt`
    pub fn next(&mut self) -> impl Future<Output = Option<Result<Finished<O>, AsCompletedError>>> + '_ {
        std::future::poll_fn(move |cx| Pin::new(&mut *self).poll_next_item(cx))
    }

    fn poll_next_item(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Finished<O>, AsCompletedError>>> {
        if let Some(f) = self.ready.pop_front() {
            return Poll::Ready(Some(Ok(f.handed_out())));
        }
        if self.ended {
            return Poll::Ready(None);
        }
        let mut live = 0;
        for slot in self.pending.iter_mut() {
            let Some((index, task)) = slot else { continue };
            match poll_join(task, cx) {
                Poll::Pending => live += 1,
                Poll::Ready(Joined::WaiterCancelled(c)) => {
                    self.ended = true;
                    return Poll::Ready(Some(Err(AsCompletedError::Cancelled(c))));
                }
                Poll::Ready(Joined::Done(result)) => {
                    let (index, id) = (*index, task.id());
                    *slot = None;
                    // A record until it is handed out (see `poll_next_item`).
                    self.ready.push_back(Finished { index, id, result });
                }
            }
        }
        if live == 0 {
            self.pending.clear();
            self.ended = true;
        }
        if let Some(f) = self.ready.pop_front() {
            return Poll::Ready(Some(Ok(f.handed_out())));
        }
        if self.ended {
            return Poll::Ready(None);
        }
        if let Some(d) = self.deadline {
            if self.timer.get_or_insert_with(|| QuietTimer::new(d)).poll_elapsed(cx).is_ready() {
                self.ended = true;
                return Poll::Ready(Some(Err(AsCompletedError::TimedOut(TimeoutError))));
            }
        }
        Poll::Pending
    }
}

impl<O> futures_core::Stream for AsCompleted<O> {
    type Item = Result<Finished<O>, AsCompletedError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.poll_next_item(cx)
    }
}
