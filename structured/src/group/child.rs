//! A child as the group sees it ([`Child`], the future the child's task runs), where its
//! result goes ([`Slot`]), and [`GroupTask`], asyncio's `Task` as `create_task` returns it.

use super::state::Shared;
use super::{BoxError, ChildError, ChildPanicked, Failure};
use crate::panic::panic_message;
use parking_lot::Mutex;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use weft_executor::cancel::{Outcome, Watch};
use weft_executor::{Cancelled, TaskRef};

/// One child as the group sees it: the user's future, and where to report its end.
pub(super) struct Child<F, T> {
    pub(super) fut: Option<F>,
    pub(super) report: Option<Report<T>>,
    /// The group was recorded on the task's span (at the first poll).
    #[cfg(feature = "tracing")]
    pub(super) traced: bool,
}

pub(super) struct Report<T> {
    pub(super) group: Arc<Shared>,
    pub(super) key: usize,
    pub(super) seq: u64,
    pub(super) slot: Arc<Slot<T>>,
}

impl<T> Report<T> {
    fn send(self, result: Result<T, ChildError>, failure: Option<Failure>) {
        match failure {
            None => {
                self.slot.fill(result);
                self.group.child_done(self.key, self.seq);
            }
            Some(f) => {
                // asyncio runs a task's done-callbacks in the order they were added: the
                // group's first (added at `create_task`), then those of tasks awaiting
                // the child. So the group's notifier is queued before the awaiter wakes.
                let waiter = self.slot.store(result);
                Shared::child_failed(&self.group, self.key, self.seq, f);
                if let Some(w) = waiter {
                    w.wake();
                }
            }
        }
    }
}

impl<F, T, E> Future for Child<F, T>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError> + 'static,
{
    /// `Err` with the child's own cancellation when it ended cancelled: the task then
    /// ends cancelled too (see the executor's delivery marks), so that its `TaskRef`
    /// says so, as asyncio's `task.cancelled()` does.
    type Output = Result<(), Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `fut` is structurally pinned: it is never moved, only dropped in place
        // (by assigning `None`) once it has completed.
        let this = unsafe { self.get_unchecked_mut() };
        #[cfg(feature = "tracing")]
        if !std::mem::replace(&mut this.traced, true) {
            if let Some(r) = &this.report {
                weft_executor::trace::record_group(r.group.id);
            }
        }
        let fut = this.fut.as_mut().expect("a child is not polled after it finished");
        // SAFETY: see above.
        let fut = unsafe { Pin::new_unchecked(fut) };
        // The child is its task's whole future: it started with nothing delivered, so a
        // watch taken now, at any poll, marks the start.
        let watch = Watch::task_start();
        let mut own_cancellation = None;
        let (result, failure) = match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            // The one rule (weft::cancel::outcome), for the whole of the child's task.
            Ok(Poll::Ready(out)) => match (watch.task_outcome(&out), out) {
                (Outcome::Value, Ok(v)) => (Ok(v), None),
                (Outcome::Cancelled(c), _) => {
                    // The child's task ends cancelled too (it returns `c`), so that its
                    // `TaskRef` says so, as asyncio's `task.cancelled()` does; whoever
                    // awaits the child gets the cancellation delivered to them.
                    let reported = c.clone();
                    own_cancellation = Some(c);
                    (Err(ChildError::Cancelled(reported)), None)
                }
                (_, Err(e)) => {
                    let f: Failure = Arc::from(e.into());
                    (Err(ChildError::Failed(f.clone())), Some(f))
                }
                (_, Ok(_)) => unreachable!("an Ok outcome is a value or a cancellation"),
            },
            Err(payload) => {
                let f: Failure = Arc::new(ChildPanicked::new(panic_message(&*payload)));
                (Err(ChildError::Failed(f.clone())), Some(f))
            }
        };
        // The user's future is finished: drop it before telling the group, so that a
        // group that returns has nothing of its children left running. Its destructor may
        // panic: the group is told first, and the panic goes on afterwards.
        let dropped = catch_unwind(AssertUnwindSafe(|| this.fut = None));
        if let Some(r) = this.report.take() {
            match &dropped {
                Ok(()) => r.send(result, failure),
                Err(payload) => {
                    let f: Failure = Arc::new(ChildPanicked::new(panic_message(&**payload)));
                    r.send(Err(ChildError::Failed(f.clone())), Some(f));
                }
            }
        }
        if let Err(payload) = dropped {
            std::panic::resume_unwind(payload);
        }
        Poll::Ready(own_cancellation.map_or(Ok(()), Err))
    }
}

impl<F, T> Drop for Child<F, T> {
    fn drop(&mut self) {
        // Never finished: cancelled before its first poll, aborted, or the runtime shut
        // down. It ended cancelled, unless its future's destructor panics: then that is
        // its failure. Either way the group is told before the panic goes on.
        let report = self.report.take();
        let dropped = catch_unwind(AssertUnwindSafe(|| self.fut = None));
        if let Some(r) = report {
            match &dropped {
                Ok(()) => r.send(Err(ChildError::Cancelled(Cancelled::new(None))), None),
                Err(payload) => {
                    let f: Failure = Arc::new(ChildPanicked::new(panic_message(&**payload)));
                    r.send(Err(ChildError::Failed(f.clone())), Some(f));
                }
            }
        }
        if let Err(payload) = dropped {
            std::panic::resume_unwind(payload);
        }
    }
}

/// A child's result as the task that takes it sees it: a cancellation is delivered to
/// that task (asyncio raises the child's `CancelledError` in whoever awaits it).
fn handed_over<T>(result: Result<T, ChildError>) -> Result<T, ChildError> {
    result.map_err(|e| match e {
        ChildError::Cancelled(c) => ChildError::Cancelled(c.redeliver()),
        e => e,
    })
}

pub(super) struct Slot<T> {
    state: Mutex<SlotState<T>>,
}

struct SlotState<T> {
    result: Option<Result<T, ChildError>>,
    done: bool,
    cancelled: bool,
    waker: Option<Waker>,
}

impl<T> Slot<T> {
    pub(super) fn new() -> Self {
        Slot { state: Mutex::new(SlotState { result: None, done: false, cancelled: false, waker: None }) }
    }

    fn fill(&self, result: Result<T, ChildError>) {
        if let Some(w) = self.store(result) {
            w.wake();
        }
    }

    /// Stores the result; returns the awaiter's waker, for the caller to wake.
    fn store(&self, result: Result<T, ChildError>) -> Option<Waker> {
        let mut s = self.state.lock();
        s.cancelled = matches!(result, Err(ChildError::Cancelled(_)));
        s.result = Some(result);
        s.done = true;
        s.waker.take()
    }
}

/// A child of a [`TaskGroup`](super::TaskGroup): asyncio's `Task` as `create_task` returns it. Await it
/// for the child's value, or take the value once the group is done.
///
/// ```
/// use weft::{task_group, GroupSpawnError};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// task_group(|tg| async move {
///     let t = tg.spawn(async { Ok::<_, weft::Cancelled>(2) })?;
///     assert_eq!(t.await.unwrap(), 2);
///     Ok::<_, GroupSpawnError>(())
/// }).await.unwrap();
/// # });
/// ```
pub struct GroupTask<T> {
    pub(super) slot: Arc<Slot<T>>,
    pub(super) task: TaskRef,
}

impl<T> fmt::Debug for GroupTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupTask")
            .field("id", &self.task.id())
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> GroupTask<T> {
    /// The child's task id.
    pub fn id(&self) -> weft_executor::Id {
        self.task.id()
    }

    /// The child's name, if it has one.
    pub fn name(&self) -> Option<Arc<str>> {
        self.task.name()
    }

    /// The child's task, to cancel it or read its name.
    pub fn task_ref(&self) -> TaskRef {
        self.task.clone()
    }

    /// asyncio's `Task.cancel(msg)` on the child. A child that ends cancelled is not a
    /// failure of the group.
    ///
    /// ```
    /// use weft::{task_group, GroupSpawnError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let t = task_group(|tg| async move {
    ///     let t = tg.spawn(async { weft::time::sleep(std::time::Duration::from_secs(60)).await })?;
    ///     t.cancel(None);
    ///     Ok::<_, GroupSpawnError>(t)
    /// }).await.unwrap();
    /// assert!(t.is_cancelled());
    /// # });
    /// ```
    pub fn cancel(&self, message: Option<&str>) -> bool {
        !self.is_finished() && self.task.cancel(message)
    }

    /// Whether the child has finished.
    pub fn is_finished(&self) -> bool {
        self.slot.state.lock().done
    }

    /// Whether the child ended cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.slot.state.lock().cancelled
    }

    /// asyncio's `Task.result()`: the child's result once it finished (taken: the next
    /// call gives `Err(ChildError::AlreadyTaken)`); `None` while it runs.
    ///
    /// ```
    /// use weft::{task_group, GroupSpawnError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let t = task_group(|tg| async move {
    ///     Ok::<_, GroupSpawnError>(tg.spawn(async { Ok::<_, weft::Cancelled>("v") })?)
    /// }).await.unwrap();
    /// assert_eq!(t.take_result().unwrap().unwrap(), "v");
    /// assert!(t.take_result().unwrap().is_err());
    /// # });
    /// ```
    pub fn take_result(&self) -> Option<Result<T, ChildError>> {
        let mut s = self.slot.state.lock();
        if !s.done {
            return None;
        }
        Some(handed_over(s.result.take().unwrap_or(Err(ChildError::AlreadyTaken))))
    }
}

impl<T> Future for GroupTask<T> {
    type Output = Result<T, ChildError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        {
            let mut s = self.slot.state.lock();
            if s.done {
                return Poll::Ready(handed_over(s.result.take().unwrap_or(Err(ChildError::AlreadyTaken))));
            }
            s.waker = Some(cx.waker().clone());
        }
        match weft_executor::cancel::check() {
            Ok(()) => Poll::Pending,
            Err(c) => Poll::Ready(Err(ChildError::Cancelled(c))),
        }
    }
}
