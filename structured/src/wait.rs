//! asyncio's `wait` and `as_completed` over spawned tasks.
//!
//! Neither cancels anything: when the time is up, or the waiting task is cancelled, the
//! tasks still running are simply not waited for any more.
//!
//! Both hear of the tasks as asyncio's do, through done callbacks (see `done.rs`): tasks
//! that finish in the same turn are seen in the order they finished, and the waiter
//! resumes two turns after the task that decided it finished (the callback's turn, then
//! its own). A `timeout` is a timer callback: in the turn it fires, the wait ends, and a
//! task that finishes after that is not counted, even in the same turn.

use crate::await_task::{Joined, poll_join};
use crate::done::{DoneOrder, Hops};
use crate::timeout::TimeoutError;
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};
use weft_executor::time::Timer;
use weft_executor::{Cancelled, Id, JoinError, Task};

mod placeholder;
pub use placeholder::Placeholder;

/// When [`wait`] returns (asyncio's `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
/// `ALL_COMPLETED`).
///
/// ```
/// use std::time::Duration;
/// use weft::{wait, ReturnWhen};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let job = |fail: bool| weft::spawn(async move {
///     if fail {
///         return Err("boom".into());
///     }
///     weft::time::sleep(Duration::from_secs(60)).await?;
///     Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
/// });
/// let (done, pending) = wait(vec![job(false), job(true)], ReturnWhen::FirstException, None).await?;
/// assert_eq!((done.len(), done[0].index), (1, 1), "the failure ended the wait");
/// for (_, task) in pending {
///     task.cancel(None); // wait cancels nothing: the caller does
///     assert!(task.await.unwrap_err().is_cancelled());
/// }
/// # Ok::<(), weft::WaitError>(()) }).unwrap();
/// ```
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
///
/// ```
/// use weft::{wait, Finished, ReturnWhen};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let task = weft::spawn(async { Ok::<_, weft::Cancelled>(7) });
/// let id = task.id();
/// let (done, _) = wait(vec![task], ReturnWhen::AllCompleted, None).await.unwrap();
/// let f: &Finished<_> = &done[0];
/// assert_eq!((f.index, f.id), (0, id));
/// assert_eq!(f.result.as_ref().unwrap().as_ref().ok(), Some(&7));
/// # });
/// ```
#[derive(Debug)]
pub struct Finished<O> {
    /// Index of the task in the `Vec` given to `wait` / `as_completed`.
    pub index: usize,
    /// The task's id.
    pub id: Id,
    /// What awaiting the task gave.
    pub result: Result<O, JoinError>,
}

/// Why [`wait`] returned no sets.
///
/// ```
/// use std::time::Duration;
/// use weft::{wait, ReturnWhen, WaitError};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let sleeper = weft::spawn(async { weft::time::sleep(Duration::from_secs(60)).await });
/// let probe = sleeper.task_ref();
/// let waiter = weft::spawn(async move {
///     let r = wait(vec![sleeper], ReturnWhen::AllCompleted, None).await;
///     matches!(r, Err(WaitError::Cancelled(_)))
/// });
/// weft::yield_now().await.unwrap();
/// waiter.cancel(None);
/// assert!(waiter.await.unwrap());
/// assert!(!probe.is_finished(), "the waiter's cancellation is not passed on");
/// probe.cancel(None);
/// # });
/// ```
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
/// As in asyncio, `done` and `pending` are taken when the waiting task resumes: two turns
/// after the task that met `when` finished, so a task that finished in between is in
/// `done` too.
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
    Wait { tasks: Tasks::new(tasks, timeout), done: Vec::new(), when, hops: Hops::default(), started: false }
}

fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(86400 * 365 * 30)
}

/// The tasks a waiter of this module waits for, and how it hears of them: a join waker per
/// task that records completions in order ([`DoneOrder`]), and the deadline's timer.
struct Tasks<O> {
    /// By index; `None` once joined.
    tasks: Vec<Option<Task<O>>>,
    /// Made at the first poll, when the waiting starts (asyncio adds its done callbacks
    /// then).
    order: Option<DoneOrder>,
    wakers: Vec<Waker>,
    deadline: Option<Instant>,
    timer: Option<Timer>,
    /// Completions taken from `order`, not yet joined.
    taken: VecDeque<usize>,
}

/// What [`Tasks::poll_finished`] found.
struct Heard<O> {
    /// Finished tasks, in completion order, with their join results.
    finished: Vec<Finished<O>>,
    /// The waiting task was cancelled (a join delivered it); `finished` is still valid and
    /// every task is still listened to.
    cancelled: Option<Cancelled>,
}

impl<O> Tasks<O> {
    fn new(tasks: Vec<Task<O>>, timeout: Option<Duration>) -> Self {
        Tasks {
            tasks: tasks.into_iter().map(Some).collect(),
            order: None,
            wakers: Vec::new(),
            deadline: timeout.map(|d| weft_executor::time::now().checked_add(d).unwrap_or_else(far_future)),
            timer: None,
            taken: VecDeque::new(),
        }
    }

    /// At the first call, registers a join waker on every task (and the deadline's timer)
    /// and returns the tasks already finished, in index order. Later, returns the tasks
    /// that finished since, in completion order.
    fn poll_finished(&mut self, cx: &mut Context<'_>) -> Heard<O> {
        let mut finished = Vec::new();
        let mut cancelled = None;
        let Some(order) = &self.order else {
            let order = DoneOrder::new(self.tasks.len());
            self.wakers = (0..self.tasks.len()).map(|i| order.waker(i)).collect();
            order.take(cx.waker(), &mut self.taken);
            if let Some(d) = self.deadline {
                let timer = Timer::register(d, order.deadline_waker());
                self.timer =
                    Some(timer.expect("weft: wait() and as_completed() are awaited inside a weft runtime"));
            }
            self.order = Some(order);
            // Every task gets its join waker, also after a join delivered a cancellation
            // (a join registers its waker before it checks for one).
            for i in 0..self.tasks.len() {
                match self.join(i) {
                    Some(Ok(f)) => finished.push(f),
                    Some(Err(c)) => cancelled = Some(c),
                    None => {}
                }
            }
            return Heard { finished, cancelled };
        };
        order.take(cx.waker(), &mut self.taken);
        while let Some(i) = self.taken.pop_front() {
            if self.tasks[i].is_none() {
                continue; // joined at the first poll
            }
            match self.join(i) {
                Some(Ok(f)) => finished.push(f),
                Some(Err(c)) => {
                    self.taken.push_front(i);
                    cancelled = Some(c);
                    break;
                }
                None => {
                    // Not ready to be joined yet (its output is being published on another
                    // thread, or the budget ran out): its handle wakes us.
                    self.taken.push_front(i);
                    break;
                }
            }
        }
        Heard { finished, cancelled }
    }

    /// Polls task `i` with its join waker.
    fn join(&mut self, i: usize) -> Option<Result<Finished<O>, Cancelled>> {
        let task = self.tasks[i].as_mut()?;
        let mut cx = Context::from_waker(&self.wakers[i]);
        match poll_join(task, &mut cx) {
            Poll::Pending => None,
            Poll::Ready(Joined::WaiterCancelled(c)) => Some(Err(c)),
            Poll::Ready(Joined::Done(result)) => {
                let id = task.id();
                self.tasks[i] = None;
                // A cancellation stays a record (it is not delivered to the waiter): the
                // sets are data, and `as_completed` delivers it when it hands it out.
                Some(Ok(Finished { index: i, id, result }))
            }
        }
    }

    /// The deadline's timer fired: from now on, nothing more is heard.
    fn timed_out(&self) -> bool {
        self.order.as_ref().is_some_and(DoneOrder::timed_out)
    }

    /// Stops listening: the timer is cancelled, completions are no longer recorded.
    fn stop(&mut self) {
        if let Some(t) = self.timer.take() {
            t.cancel();
        }
        if let Some(o) = &self.order {
            o.close();
        }
    }

    /// The tasks not joined, in index order.
    fn remaining(&mut self) -> Vec<(usize, Task<O>)> {
        self.tasks.iter_mut().enumerate().filter_map(|(i, t)| Some((i, t.take()?))).collect()
    }
}

impl<O> Drop for Tasks<O> {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The future of [`wait`].
///
/// ```
/// use std::time::Duration;
/// use weft::{wait, ReturnWhen, Wait};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let slow = weft::spawn(async { weft::time::sleep(Duration::from_secs(60)).await });
/// let limit = Some(Duration::from_millis(10));
/// let w: Wait<(), weft::Cancelled> = wait(vec![slow], ReturnWhen::AllCompleted, limit);
/// let (done, pending) = w.await.unwrap();
/// assert!(done.is_empty() && pending.len() == 1, "timed out, and nothing was cancelled");
/// for (_, task) in pending {
///     task.cancel(None);
///     assert!(task.await.unwrap_err().is_cancelled());
/// }
/// # });
/// ```
#[must_use = "futures do nothing unless awaited"]
pub struct Wait<T, E> {
    tasks: Tasks<Result<T, E>>,
    done: Vec<Finished<Result<T, E>>>,
    when: ReturnWhen,
    hops: Hops,
    started: bool,
}

impl<T, E> Unpin for Wait<T, E> {}

impl<T, E> fmt::Debug for Wait<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait").field("when", &self.when).field("done", &self.done.len()).finish()
    }
}

impl<T, E> Wait<T, E> {
    fn record(&mut self, finished: Vec<Finished<Result<T, E>>>) {
        // The sets are data (asyncio returns the task objects, whose exceptions are raised
        // only when asked for): a cancellation stays a record, not delivered to the
        // waiting task.
        self.done.extend(finished);
    }

    fn met(&self) -> bool {
        self.tasks.tasks.iter().all(Option::is_none)
            || match self.when {
                ReturnWhen::FirstCompleted => !self.done.is_empty(),
                ReturnWhen::FirstException => self.done.iter().any(is_failure),
                ReturnWhen::AllCompleted => false,
            }
    }

    /// The sets as asyncio's `_wait` takes them when it resumes: every task finished by
    /// now is done.
    fn sets(&mut self, cx: &mut Context<'_>) -> WaitSets<T, E> {
        let heard = self.tasks.poll_finished(cx);
        if heard.cancelled.is_none() {
            self.record(heard.finished);
        }
        for i in 0..self.tasks.tasks.len() {
            if self.tasks.tasks[i].as_ref().is_some_and(Task::is_finished) {
                if let Some(Ok(f)) = self.tasks.join(i) {
                    self.record(vec![f]);
                }
            }
        }
        self.tasks.stop();
        (std::mem::take(&mut self.done), self.tasks.remaining())
    }
}

impl<T, E> Future for Wait<T, E> {
    type Output = Result<WaitSets<T, E>, WaitError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.tasks.tasks.is_empty() {
            return Poll::Ready(Err(WaitError::Empty));
        }
        if this.hops.owing() {
            std::task::ready!(this.hops.poll(cx));
            return Poll::Ready(Ok(this.sets(cx)));
        }
        let first = !std::mem::replace(&mut this.started, true);
        let heard = this.tasks.poll_finished(cx);
        if let Some(c) = heard.cancelled {
            this.tasks.stop();
            return Poll::Ready(Err(WaitError::Cancelled(c)));
        }
        this.record(heard.finished);
        if this.met() {
            // asyncio's `_on_completion` runs in the turn after the completion, and the
            // waiter resumes in the turn after that; for tasks already finished when the
            // waiting starts, the callback is scheduled now.
            this.hops.owe(if first { 2 } else { 1 });
            std::task::ready!(this.hops.poll(cx));
        }
        if this.tasks.timed_out() {
            // The timer's callback released the waiter: it resumes now.
            return Poll::Ready(Ok(this.sets(cx)));
        }
        // Waiting is a checkpoint.
        if let Err(c) = weft_executor::cancel::check() {
            this.tasks.stop();
            return Poll::Ready(Err(WaitError::Cancelled(c)));
        }
        Poll::Pending
    }
}

fn is_failure<T, E>(f: &Finished<Result<T, E>>) -> bool {
    matches!(f.result, Err(JoinError::Panicked(_)) | Ok(Err(_)))
}

/// Why [`as_completed`] stopped with an error.
///
/// ```
/// use std::time::Duration;
/// use weft::AsCompletedError;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let slow = weft::spawn(async { weft::time::sleep(Duration::from_secs(60)).await });
/// let mut s = weft::as_completed(vec![slow], Some(Duration::from_millis(10)));
/// let e = s.next().await.unwrap().unwrap_err();
/// assert!(matches!(e, AsCompletedError::TimedOut(_)));
/// assert_eq!(e.to_string(), "deadline exceeded");
/// assert!(s.next().await.is_none(), "the stream ended");
/// for (_, task) in s.into_remaining().pending {
///     task.cancel(None);
/// }
/// # });
/// ```
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
/// the tasks' results in the order they finish (of tasks that finish in the same turn,
/// the one whose step ran first comes first). After a timeout or a cancellation it
/// yields that error once and ends; the tasks still running are not cancelled, and a
/// task that finishes after the deadline is not yielded: take the tasks it did not
/// yield back with [`AsCompleted::into_remaining`] and await them (asyncio's `await
/// ts[i]`).
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
        tasks: Tasks::new(tasks, timeout),
        ready: VecDeque::new(),
        hops: Hops::default(),
        started: false,
        ended: false,
        end_error: None,
    }
}

/// The stream of [`as_completed`].
///
/// ```
/// use std::sync::Arc;
/// use weft::{AsCompleted, Event};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let ev = Arc::new(Event::new());
/// let ev2 = ev.clone();
/// let waiter = weft::spawn(async move { ev2.wait().await.map(|()| "waiter") });
/// let setter = weft::spawn(async move { ev.set(); Ok::<_, weft::Cancelled>("setter") });
/// let mut s: AsCompleted<_> = weft::as_completed(vec![waiter, setter], None);
/// let first = s.next().await.unwrap().unwrap(); // in the order they finish
/// assert_eq!((first.index, first.result.unwrap()), (1, Ok("setter")));
/// let second = s.next().await.unwrap().unwrap();
/// assert_eq!((second.index, second.result.unwrap()), (0, Ok("waiter")));
/// assert!(s.next().await.is_none());
/// # });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct AsCompleted<O> {
    tasks: Tasks<O>,
    /// Finished and joined, not yet handed out, in completion order.
    ready: VecDeque<Finished<O>>,
    hops: Hops,
    started: bool,
    ended: bool,
    /// The error it ended with, for the placeholders still waiting (see
    /// [`AsCompleted::into_futures`]).
    end_error: Option<AsCompletedError>,
}

impl<O> Unpin for AsCompleted<O> {}

impl<O> fmt::Debug for AsCompleted<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AsCompleted").field("ready", &self.ready.len()).finish()
    }
}

/// One item of [`AsCompleted`].
type Item<O> = Result<Finished<O>, AsCompletedError>;

/// What [`AsCompleted::into_remaining`] gives back: everything the stream did not yield.
///
/// ```
/// use std::time::Duration;
/// use weft::Remaining;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let job = |n: u64| weft::spawn(async move {
///     if n == 3 {
///         weft::time::sleep(Duration::from_secs(60)).await?;
///     }
///     Ok::<_, weft::Cancelled>(n)
/// });
/// let mut s = weft::as_completed(vec![job(1), job(2), job(3)], None);
/// assert_eq!(s.next().await.unwrap().unwrap().index, 0);
/// let rest: Remaining<_> = s.into_remaining();
/// assert_eq!(rest.finished[0].index, 1, "finished, not handed out yet");
/// assert_eq!(rest.pending[0].0, 2, "still running");
/// rest.pending[0].1.cancel(None);
/// # });
/// ```
#[derive(Debug)]
pub struct Remaining<O> {
    /// Tasks that finished before the deadline, joined but not yet yielded, in the
    /// order they finished.
    pub finished: Vec<Finished<O>>,
    /// Tasks not joined (still running, or finished after the deadline), with their
    /// index in the input, in input order: await them for their results.
    pub pending: Vec<(usize, Task<O>)>,
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

    /// Stops and gives back what was not yielded: the finished results not handed out
    /// yet, and the tasks not joined, still running or finished after the deadline
    /// (asyncio's `await ts[i]` after `as_completed` timed out).
    ///
    /// ```
    /// use std::time::Duration;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let slow = weft::spawn(async {
    ///     weft::time::sleep(Duration::from_millis(50)).await.map(|_| "slow")
    /// });
    /// let mut s = weft::as_completed(vec![slow], Some(Duration::from_millis(5)));
    /// assert!(s.next().await.unwrap().is_err()); // timed out; the task runs on
    /// let mut rest = s.into_remaining();
    /// let (index, task) = rest.pending.pop().unwrap();
    /// assert_eq!(index, 0);
    /// assert_eq!(task.await.unwrap().unwrap(), "slow");
    /// # });
    /// ```
    pub fn into_remaining(mut self) -> Remaining<O> {
        self.tasks.stop();
        Remaining { finished: std::mem::take(&mut self.ready).into(), pending: self.tasks.remaining() }
    }

    /// asyncio's plain iterator, `for f in as_completed(aws)`: one future per result still
    /// to come, all at once. Each resolves to the *next* result in completion order when
    /// it is its turn: the first placeholder awaited gets the first completion, whatever
    /// its place in the `Vec`, and placeholders awaited concurrently (in several tasks, or
    /// in `wait`) get one each. After a timeout every placeholder still to resolve gives
    /// [`AsCompletedError::TimedOut`].
    ///
    /// A placeholder whose await is cancelled (its task cancelled while it waits, or the
    /// placeholder dropped) takes no result: that completion goes to the next placeholder
    /// awaited, as in asyncio. It then gives `Err(AsCompletedError::Cancelled)`, once: a
    /// placeholder is a future, spent when it has given its output.
    ///
    /// ```
    /// use std::time::Duration;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let (slow, fast) = (
    ///     weft::spawn(async { weft::time::sleep(Duration::from_millis(30)).await.map(|_| "slow") }),
    ///     weft::spawn(async { weft::time::sleep(Duration::from_millis(5)).await.map(|_| "fast") }),
    /// );
    /// let mut futs = weft::as_completed(vec![slow, fast], None).into_futures();
    /// assert_eq!(futs.len(), 2);
    /// let second = futs.pop().unwrap();
    /// let first = futs.pop().unwrap();
    /// // Awaited first, the second placeholder gets the first completion.
    /// assert_eq!(second.await.unwrap().result.unwrap().unwrap(), "fast");
    /// assert_eq!(first.await.unwrap().result.unwrap().unwrap(), "slow");
    /// # });
    /// ```
    pub fn into_futures(self) -> Vec<Placeholder<O>> {
        placeholder::placeholders(self)
    }

    fn hand_out(&mut self) -> Option<Result<Finished<O>, AsCompletedError>> {
        let f = self.ready.pop_front()?;
        // Like `await next_task` in asyncio, a cancellation is delivered to the task that
        // takes it.
        let result = f.result.map_err(|e| match e {
            JoinError::Cancelled(c) => JoinError::Cancelled(c.redeliver()),
            e => e,
        });
        Some(Ok(Finished { result, ..f }))
    }

    fn end(
        &mut self,
        error: Option<AsCompletedError>,
    ) -> Poll<Option<Result<Finished<O>, AsCompletedError>>> {
        self.ended = true;
        self.end_error.clone_from(&error);
        self.tasks.stop();
        Poll::Ready(error.map(Err))
    }

    fn poll_next_item(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Finished<O>, AsCompletedError>>> {
        match self.poll_item(cx) {
            Poll::Ready(Ok(item)) => Poll::Ready(item),
            Poll::Ready(Err(c)) => self.end(Some(AsCompletedError::Cancelled(c))),
            // Waiting is a checkpoint.
            Poll::Pending => match weft_executor::cancel::check() {
                Err(c) => self.end(Some(AsCompletedError::Cancelled(c))),
                Ok(()) => Poll::Pending,
            },
        }
    }

    /// The next item, without the waiting task's checkpoint: `Err` when a join delivered
    /// the waiting task's cancellation (nothing is lost: the stream can go on).
    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Result<Option<Item<O>>, Cancelled>> {
        if self.hops.owing() {
            std::task::ready!(self.hops.poll(cx));
            return Poll::Ready(Ok(self.hand_out()));
        }
        if self.ended {
            return Poll::Ready(Ok(None));
        }
        if !self.ready.is_empty() {
            return Poll::Ready(Ok(self.hand_out()));
        }
        let first = !std::mem::replace(&mut self.started, true);
        let heard = self.tasks.poll_finished(cx);
        // Kept as records until they are handed out (see `hand_out`).
        self.ready.extend(heard.finished);
        if let Some(c) = heard.cancelled {
            return Poll::Ready(Err(c));
        }
        if !self.ready.is_empty() {
            // A completion reaches the stream through asyncio's done callback (the turn
            // after it) and its queue's getter (the turn after that); for tasks already
            // finished when it starts, the callbacks are scheduled now. Results taken
            // together come out together.
            self.hops.owe(if first { 2 } else { 1 });
            std::task::ready!(self.hops.poll(cx));
            return Poll::Ready(Ok(self.hand_out()));
        }
        if self.tasks.tasks.iter().all(Option::is_none) {
            return self.end(None).map(Ok);
        }
        if self.tasks.timed_out() {
            return self.end(Some(AsCompletedError::TimedOut(TimeoutError))).map(Ok);
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
