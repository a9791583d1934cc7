//! A child as the group sees it ([`Child`], the future the child's task runs), where its
//! result goes (its task's output), and [`GroupTask`], asyncio's `Task` as `create_task` returns it.

use super::state::Shared;
use super::{BoxError, ChildError, ChildPanicked, Failure};
use crate::panic::panic_message;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use weft_executor::cancel::{Outcome, Watch};
use weft_executor::{JoinError, Task, TaskRef};

/// One child as the group sees it: the user's future, and where to report its end. It
/// is its task's whole future, and its output is what the child's [`GroupTask`] gives:
/// the result lives in the task, as a spawned task's does, not in a slot of its own.
pub(super) struct Child<F> {
    pub(super) fut: Option<F>,
    pub(super) report: Option<Report>,
    /// The group was recorded on the task's span (at the first poll).
    #[cfg(feature = "tracing")]
    pub(super) traced: bool,
}

pub(super) struct Report {
    pub(super) group: Arc<Shared>,
    pub(super) key: usize,
    pub(super) seq: u64,
}

impl Report {
    /// Tells the group how the child ended, once its task has completed (see
    /// [`report_ended`]): before a task that awaits the child is woken, as asyncio runs
    /// a task's done-callbacks in the order they were added, the group's first (added at
    /// `create_task`). A failure's reaction is a task of its own (`Notify`), queued then.
    fn send(self, failure: Option<Failure>) {
        #[cfg(feature = "tracing")]
        if let Some(f) = &failure {
            self.group.trace_failure(f);
        }
        // The hook first: a hook left from before (a spawn that failed) runs now, and
        // finds nothing or an older report, never this one.
        if !weft_executor::after_complete(report_ended) {
            // A thread that is exiting (a runtime dropped by a thread-local's
            // destructor): nothing will call the hook; tell the group now.
            return self.deliver(failure);
        }
        let mut report = Some((self, failure));
        match ENDED.try_with(|e| e.replace(report.take())) {
            Ok(Some((earlier, f))) => earlier.deliver(f),
            Ok(None) => {}
            Err(_) => {
                if let Some((r, f)) = report {
                    r.deliver(f);
                }
            }
        }
    }

    fn deliver(self, failure: Option<Failure>) {
        let owner = match failure {
            None => self.group.child_done(self.key, self.seq),
            Some(f) => Shared::child_failed(&self.group, self.key, self.seq, f),
        };
        if let Some(w) = owner {
            w.wake();
        }
    }
}

thread_local! {
    /// The report of the child whose task is completing on this thread, until the
    /// executor calls [`report_ended`].
    static ENDED: std::cell::Cell<Option<(Report, Option<Failure>)>> = const { std::cell::Cell::new(None) };
}

/// Delivers the report of the child whose task just completed on this thread: its
/// output is stored and its handle says finished (`weft_executor::after_complete`).
/// Also called by `spawn` when the child's task could not be made.
pub(super) fn report_ended() {
    if let Ok(Some((report, failure))) = ENDED.try_with(|e| e.take()) {
        report.deliver(failure);
    }
}

impl<F, T, E> Future for Child<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError> + 'static,
{
    /// `Err(ChildError::Cancelled)` with the child's own cancellation when it ended
    /// cancelled: the task then ends cancelled too (the executor sees the delivered
    /// `Cancelled` alive in the output), so that its `TaskRef` says so, as asyncio's
    /// `task.cancelled()` does.
    type Output = Result<T, ChildError>;

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
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            ended => Poll::Ready(this.finish(ended)),
        }
    }
}

impl<F, T, E> Child<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError> + 'static,
{
    /// The poll that ended the child (its future returned or panicked): judges the
    /// result, drops the future and tells the group. Kept out of `poll`, which every
    /// wake-up of the child runs, so that the instructions a wake-up runs stay few and
    /// close together.
    #[cold]
    #[inline(never)]
    fn finish(&mut self, ended: std::thread::Result<Poll<Result<T, E>>>) -> Result<T, ChildError> {
        // The child is its task's whole future: it started with nothing delivered, so a
        // watch taken now marks the start as well as one taken at the first poll.
        let watch = Watch::task_start();
        let (result, failure) = match ended {
            Ok(Poll::Pending) => unreachable!("finish is called for an ended child"),
            // The one rule (weft::cancel::outcome), for the whole of the child's task.
            Ok(Poll::Ready(out)) => match (watch.task_outcome(&out), out) {
                (Outcome::Value, Ok(v)) => (Ok(v), None),
                // Whoever awaits the child gets the cancellation delivered to them.
                (Outcome::Cancelled(c), _) => (Err(ChildError::Cancelled(c)), None),
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
        // panic: the group is told first, and the panic goes on afterwards (the task
        // then ends panicked, which its handle reports as this failure).
        let dropped = catch_unwind(AssertUnwindSafe(|| self.fut = None));
        if let Some(r) = self.report.take() {
            match &dropped {
                Ok(()) => {
                    if result.is_ok() {
                        // The rule was applied above, to the `Result` the executor
                        // cannot see into: a kept `Cancelled` does not undo the value.
                        weft_executor::cancel::outcome::returns_value();
                    }
                    r.send(failure)
                }
                Err(payload) => {
                    let f: Failure = Arc::new(ChildPanicked::new(panic_message(&**payload)));
                    r.send(Some(f));
                }
            }
        }
        if let Err(payload) = dropped {
            std::panic::resume_unwind(payload);
        }
        result
    }
}

impl<F> Drop for Child<F> {
    fn drop(&mut self) {
        // Never finished: cancelled before its first poll, aborted, or the runtime shut
        // down. It ended cancelled, unless its future's destructor panics: then that is
        // its failure. Either way the group is told before the panic goes on.
        let report = self.report.take();
        let dropped = catch_unwind(AssertUnwindSafe(|| self.fut = None));
        if let Some(r) = report {
            match &dropped {
                Ok(()) => r.send(None),
                Err(payload) => {
                    let f: Failure = Arc::new(ChildPanicked::new(panic_message(&**payload)));
                    r.send(Some(f));
                }
            }
        }
        if let Err(payload) = dropped {
            std::panic::resume_unwind(payload);
        }
    }
}

/// The child's task's result as its [`GroupTask`] gives it. A cancellation was already
/// delivered to the taking task by the executor (asyncio raises the child's
/// `CancelledError` in whoever awaits it); a panic that reached the executor is the
/// failure of a child whose future's destructor panicked.
fn from_join<T>(result: Result<Result<T, ChildError>, JoinError>) -> Result<T, ChildError> {
    match result {
        Ok(Err(ChildError::Cancelled(c))) => Err(ChildError::Cancelled(c.redeliver())),
        Ok(r) => r,
        Err(JoinError::Cancelled(c)) => Err(ChildError::Cancelled(c)),
        Err(JoinError::Panicked(p)) => {
            Err(ChildError::Failed(Arc::new(ChildPanicked::new(p.message().to_owned()))))
        }
        Err(JoinError::AwaitsItself) => Err(ChildError::AwaitsItself),
        Err(_) => Err(ChildError::AlreadyTaken),
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
    pub(super) task: Task<Result<T, ChildError>>,
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
        self.task.task_ref()
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
        self.task.is_finished()
    }

    /// Whether the child ended cancelled.
    pub fn is_cancelled(&self) -> bool {
        self.task.is_cancelled()
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
        self.task.try_take().map(from_join)
    }
}

impl<T> Future for GroupTask<T> {
    type Output = Result<T, ChildError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.task).poll(cx).map(from_join)
    }
}
