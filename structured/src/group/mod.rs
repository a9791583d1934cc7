//! [`TaskGroup`]: asyncio's `TaskGroup` (CPython 3.13), with Trio's `start` and a
//! supervise policy.
//!
//! ```text
//!   asyncio                                   weft
//!   async with asyncio.TaskGroup() as tg:     task_group(|tg| async move {
//!       t1 = tg.create_task(fetch(a))             let t1 = tg.spawn(fetch(a))?;
//!       t2 = tg.create_task(fetch(b))             let t2 = tg.spawn(fetch(b))?;
//!                                                 Ok::<_, MyError>(())
//!                                             }).await?;
//!   print(t1.result(), t2.result())           println!("{:?} {:?}", t1.take_result(), t2.take_result());
//! ```
//!
//! The body runs in the task that awaits the group (the *parent*); children are tasks
//! (`'static + Send`: on the multi-thread runtime they run in parallel, so they cannot
//! borrow from the body). The group's rules are CPython's, word for word:
//!
//! * **The group always joins every child** before `run` returns, whatever happened.
//! * **Fail-fast** ([`Policy::FailFast`], the default): the first child that fails makes
//!   the group cancel every other child and cancel the parent once (`cancel()` on the
//!   parent task, so the body sees `Err(Cancelled)` at its next checkpoint). The group
//!   returns [`GroupError::Failed`] with every failure in the order they happened, the
//!   body's own error last. A child that ended cancelled is not a failure.
//! * **When the group reacts**: as in asyncio, where the group hears of a child's end
//!   through a done-callback that the loop queues with `call_soon`, the reaction to a
//!   failure is a scheduled step of its own, queued *behind* the tasks that were
//!   already ready when the child failed. Those run their next step first (and may fail
//!   too: every such failure is reported). On the current-thread runtime this is
//!   asyncio's exact order; a failed child counts as running until the reaction ran.
//!   The group hears of a child's end once the child's task has completed (its result
//!   stored in the task, where its [`GroupTask`] reads it), so every child's handle
//!   says finished when the group returns, as every task is done after asyncio's
//!   `async with`.
//! * **External cancellation**: if the parent is cancelled from outside, the group
//!   cancels every child, joins them, and returns [`GroupError::Cancelled`]: a
//!   cancellation, not an error group (unless children failed meanwhile: failures win,
//!   as in CPython). The group counts its own cancel request and takes it back with
//!   `uncancel()` when it exits, so `cancelling()` is left as it found it.
//! * **Supervise** ([`Policy::Supervise`]): failures are collected and siblings run on;
//!   the group still returns every failure at the end.
//! * A child's **panic** is a failure ([`ChildPanicked`]) like any error; so is a
//!   panic of the body.
//! * [`TaskGroup::cancel`]: stop the group from inside or outside (Trio's
//!   `nursery.cancel_scope.cancel()`): children and body are cancelled, and the group
//!   returns normally ([`GroupError::Stopped`] if the body had no value to give).
//! * [`TaskGroup::start`]: Trio's `nursery.start`: spawn a child and wait until it
//!   reports that it is ready, with the value it reports.
//!
//! How weft tells a cancelled child from a failed one: the one rule of
//! [`weft::cancel::outcome`](weft_executor::cancel::outcome), whatever error type the child returns.

mod error;

pub use error::{
    ChildError, ChildPanicked, ErrorGroup, Failure, GroupError, GroupSpawnError, GroupStateError, StartError,
};

mod child;
mod run;
mod start;
mod state;

pub use child::GroupTask;
pub use run::Run;
pub use start::StartStatus;

use child::{Child, Report};
use parking_lot::Mutex;
use state::{Shared, State};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::sync::Arc;

pub(crate) type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// What a group does when a child fails.
///
/// ```
/// let tg = weft::TaskGroup::with_policy(weft::Policy::Supervise);
/// assert_eq!(tg.policy(), weft::Policy::Supervise);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// asyncio's: the first failure cancels the siblings and the body.
    #[default]
    FailFast,
    /// Failures are collected; siblings and body run on.
    Supervise,
}

/// A task group: see the [module docs](self). Cloning gives another handle to the same
/// group (children may hold one to spawn siblings).
///
/// ```
/// use std::time::Duration;
/// use weft::task_group;
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let (a, b) = task_group(|tg| async move {
///     let a = tg.spawn(async {
///         weft::time::sleep(Duration::from_millis(10)).await?;
///         Ok::<_, weft::Cancelled>(42)
///     })?;
///     let b = tg.spawn(async { Ok::<_, weft::Cancelled>(11) })?;
///     Ok::<_, weft::GroupSpawnError>((a, b))
/// })
/// .await
/// .unwrap();
/// assert_eq!(a.take_result().unwrap().unwrap(), 42);
/// assert_eq!(b.take_result().unwrap().unwrap(), 11);
/// # });
/// ```
#[derive(Clone)]
pub struct TaskGroup {
    shared: Arc<Shared>,
}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.shared.state.lock();
        f.debug_struct("TaskGroup")
            .field("policy", &self.shared.policy)
            .field("children", &s.children.len())
            .field("errors", &s.errors.len())
            .field("aborting", &s.aborting)
            .field("finished", &s.finished)
            .finish()
    }
}

impl Default for TaskGroup {
    fn default() -> Self {
        TaskGroup::new()
    }
}

/// asyncio's `async with asyncio.TaskGroup() as tg: body`: a fail-fast group running
/// `body`. See [`TaskGroup`].
///
/// ```
/// use weft::{task_group, GroupError};
/// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
/// let r = task_group(|tg| async move {
///     tg.spawn(async { Err::<(), _>(std::fmt::Error) })?;
///     tg.spawn(async {
///         weft::time::sleep(std::time::Duration::from_secs(60)).await
///     })?; // cancelled when its sibling fails
///     Ok::<_, weft::GroupSpawnError>(())
/// })
/// .await;
/// assert!(matches!(r, Err(GroupError::Failed(g)) if g.len() == 1));
/// # });
/// ```
pub fn task_group<B, Fut, R, E>(body: B) -> Run<Fut, R>
where
    B: FnOnce(TaskGroup) -> Fut,
    Fut: Future<Output = Result<R, E>>,
    E: Into<BoxError>,
{
    TaskGroup::new().run(body).expect("a new group is not entered")
}

impl TaskGroup {
    /// A fail-fast group, not yet entered.
    ///
    /// ```
    /// assert_eq!(weft::TaskGroup::new().policy(), weft::Policy::FailFast);
    /// ```
    pub fn new() -> TaskGroup {
        TaskGroup::with_policy(Policy::FailFast)
    }

    /// A group with the given policy, not yet entered.
    ///
    /// ```
    /// use weft::{Policy, TaskGroup, GroupError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let r = TaskGroup::with_policy(Policy::Supervise).run(|tg| async move {
    ///     tg.spawn(async { Err::<(), _>(std::fmt::Error) })?;
    ///     let survivor = tg.spawn(async {
    ///         weft::time::sleep(std::time::Duration::from_millis(20)).await?;
    ///         Ok::<_, weft::Cancelled>("still here")
    ///     })?;
    ///     Ok::<_, weft::GroupSpawnError>(survivor)
    /// }).unwrap().await;
    /// // The failure is reported, but the sibling ran to completion.
    /// assert!(matches!(r, Err(GroupError::Failed(_))));
    /// # });
    /// ```
    pub fn with_policy(policy: Policy) -> TaskGroup {
        TaskGroup {
            shared: Arc::new(Shared {
                policy,
                state: Mutex::new(State::default()),
                #[cfg(feature = "tracing")]
                id: state::next_group_id(),
            }),
        }
    }

    /// The group's policy.
    ///
    /// ```
    /// use weft::{Policy, TaskGroup};
    /// assert_eq!(TaskGroup::new().policy(), Policy::FailFast);
    /// assert_eq!(TaskGroup::with_policy(Policy::Supervise).policy(), Policy::Supervise);
    /// ```
    pub fn policy(&self) -> Policy {
        self.shared.policy
    }

    /// Enters the group around `body`, which receives a handle to it. A group is entered
    /// once.
    ///
    /// # Panics
    ///
    /// The returned future panics when polled outside a weft task (asyncio: "cannot
    /// determine the parent task").
    ///
    /// ```
    /// use weft::TaskGroup;
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let n = TaskGroup::new().run(|_tg| async { Ok::<_, weft::Cancelled>(5) }).unwrap().await;
    /// assert_eq!(n.unwrap(), 5);
    /// # });
    /// ```
    pub fn run<B, Fut, R, E>(&self, body: B) -> Result<Run<Fut, R>, GroupStateError>
    where
        B: FnOnce(TaskGroup) -> Fut,
        Fut: Future<Output = Result<R, E>>,
        E: Into<BoxError>,
    {
        {
            let mut s = self.shared.state.lock();
            if s.claimed {
                return Err(GroupStateError::AlreadyEntered);
            }
            s.claimed = true;
        }
        let body = body(self.clone());
        Ok(Run::new(self.clone(), body))
    }

    /// asyncio's `tg.create_task(fut)`: spawns a child. Its `Ok` value is kept for the
    /// returned [`GroupTask`]; its error is a failure of the group (unless it is a
    /// cancellation).
    ///
    /// ```
    /// use weft::{task_group, GroupSpawnError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let leaked = task_group(|tg| async move { Ok::<_, GroupSpawnError>(tg.clone()) }).await.unwrap();
    /// // The group is finished: no more children.
    /// let e = leaked.spawn(async { Ok::<(), weft::Cancelled>(()) }).unwrap_err();
    /// assert_eq!(e, GroupSpawnError::Finished);
    /// # });
    /// ```
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn<F, T, E>(&self, fut: F) -> Result<GroupTask<T>, GroupSpawnError>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.spawn_inner(None, fut)
    }

    /// [`spawn`](Self::spawn) with a task name (asyncio's `create_task(coro, name=...)`).
    ///
    /// ```
    /// use weft::{task_group, GroupSpawnError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// task_group(|tg| async move {
    ///     let t = tg.spawn_named("yolo", async { Ok::<_, weft::Cancelled>(()) })?;
    ///     assert_eq!(t.name().as_deref(), Some("yolo"));
    ///     Ok::<_, GroupSpawnError>(())
    /// }).await.unwrap();
    /// # });
    /// ```
    #[cfg_attr(feature = "tracing", track_caller)]
    pub fn spawn_named<F, T, E>(&self, name: &str, fut: F) -> Result<GroupTask<T>, GroupSpawnError>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.spawn_inner(Some(name), fut)
    }

    #[cfg_attr(feature = "tracing", track_caller)]
    fn spawn_inner<F, T, E>(&self, name: Option<&str>, fut: F) -> Result<GroupTask<T>, GroupSpawnError>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Into<BoxError> + 'static,
    {
        // One lock for the whole spawn: the checks, the child's entry and its task are
        // made together, so `abort` (under the same lock) never finds a child without its
        // task. What the spawn does under the lock touches no group: it allocates, links
        // the task into the runtime's list and queues it. A child that cannot be spawned
        // comes back undropped, and is dropped (and reports its end) after the lock.
        let mut s = self.shared.state.lock();
        if !s.entered {
            return Err(GroupSpawnError::NotEntered);
        }
        if s.finished || (s.exiting && s.children.is_empty()) {
            return Err(GroupSpawnError::Finished);
        }
        if s.aborting {
            return Err(GroupSpawnError::ShuttingDown);
        }
        let seq = s.next_seq;
        s.next_seq += 1;
        let entry = s.children.vacant_entry();
        let key = entry.key();
        let child = Child {
            fut: Some(fut),
            report: Some(Report { group: self.shared.clone(), key, seq }),
            #[cfg(feature = "tracing")]
            traced: false,
        };
        match weft_executor::try_spawn_keeping(name, child) {
            Ok(task) => {
                entry.insert((seq, task.task_ref()));
                drop(s);
                Ok(GroupTask { task })
            }
            Err((e, child)) => {
                drop(s);
                // No task was made: the child is dropped here, and reports itself
                // cancelled to an entry that was never made.
                drop(child);
                child::report_ended();
                Err(GroupSpawnError::Runtime(e))
            }
        }
    }

    /// Stops the group (asyncio 3.15's `TaskGroup.cancel`, Trio's
    /// `nursery.cancel_scope.cancel()`): cancels every child and, if the body is still
    /// running, the body once. The group then returns normally: the body's value if it
    /// produced one anyway, otherwise [`GroupError::Stopped`]. Idempotent; does nothing
    /// on a group that is not running.
    ///
    /// ```
    /// use weft::{task_group, GroupError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let r = task_group(|tg| async move {
    ///     tg.spawn(async { weft::time::sleep(std::time::Duration::from_secs(60)).await })?;
    ///     tg.cancel();
    ///     weft::time::sleep(std::time::Duration::from_secs(60)).await?;
    ///     Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
    /// }).await;
    /// assert!(matches!(r, Err(GroupError::Stopped)));
    /// // The cancellation stayed inside the group.
    /// assert_eq!(weft::current_task().unwrap().cancelling(), 0);
    /// # });
    /// ```
    pub fn cancel(&self) {
        // The children start over once the lock is released (see `State::abort`).
        let _batch = weft_executor::defer_wakes();
        let mut s = self.shared.state.lock();
        if !s.entered || s.finished || s.parent.is_none() {
            return;
        }
        s.stopped = true;
        if !s.aborting {
            s.abort();
        }
        if !s.exiting && !s.parent_cancel_requested {
            s.parent_cancel_requested = true;
            if let Some(p) = &s.parent {
                p.cancel(None);
            }
        }
    }

    /// Children that have not finished yet.
    ///
    /// ```
    /// assert_eq!(weft::TaskGroup::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.shared.state.lock().children.len()
    }

    /// Whether no child is running.
    ///
    /// ```
    /// use weft::{task_group, GroupSpawnError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// let tg = task_group(|tg| async move {
    ///     assert!(tg.is_empty());
    ///     tg.spawn(weft::yield_now())?;
    ///     assert!(!tg.is_empty());
    ///     Ok::<_, GroupSpawnError>(tg)
    /// })
    /// .await
    /// .unwrap();
    /// assert!(tg.is_empty(), "the group joined its child before it returned");
    /// # });
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
