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
//! How weft tells a cancelled child from a failed one: see [`is_cancellation`](crate::is_cancellation).

mod error;

pub use error::{
    ChildError, ChildPanicked, ErrorGroup, Failure, GroupError, GroupSpawnError, GroupStateError, StartError,
};

use crate::outcome::{find_cancelled, panic_message};
use parking_lot::Mutex;
use slab::Slab;
use std::any::Any;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use weft_executor::{Cancelled, TaskRef};

type BoxError = Box<dyn Error + Send + Sync + 'static>;

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

struct Shared {
    policy: Policy,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// `run` was called (a group runs once).
    claimed: bool,
    /// The group's future was first polled inside a task: children may be spawned.
    entered: bool,
    exiting: bool,
    aborting: bool,
    finished: bool,
    /// `cancel()` was called on the group.
    stopped: bool,
    parent: Option<TaskRef>,
    parent_cancel_requested: bool,
    /// Live children: a sequence number (keys are reused) and the task, once spawned.
    children: Slab<(u64, Option<TaskRef>)>,
    next_seq: u64,
    errors: Vec<Failure>,
    /// The parent's waker while it waits for the last children.
    waker: Option<Waker>,
}

impl State {
    /// CPython's `_abort`: cancel every child once.
    ///
    /// Every caller holds a `defer_wakes` guard made before it took the lock: a child
    /// cancelled here would otherwise start on another worker at once and block on this
    /// very lock (to report its end) until the loop is done. Held back, the children
    /// reach the workers in one batch once the lock is released.
    fn abort(&mut self) {
        self.aborting = true;
        for (_, (_, task)) in self.children.iter() {
            if let Some(t) = task {
                t.cancel(None);
            }
        }
    }
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
        TaskGroup { shared: Arc::new(Shared { policy, state: Mutex::new(State::default()) }) }
    }

    /// The group's policy.
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
        Ok(Run { group: self.clone(), body, phase: Phase::Start, outcome: None, propagate: None })
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
    pub fn spawn_named<F, T, E>(&self, name: &str, fut: F) -> Result<GroupTask<T>, GroupSpawnError>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Into<BoxError> + 'static,
    {
        self.spawn_inner(Some(name), fut)
    }

    fn spawn_inner<F, T, E>(&self, name: Option<&str>, fut: F) -> Result<GroupTask<T>, GroupSpawnError>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let (key, seq) = {
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
            (s.children.insert((seq, None)), seq)
        };
        let slot = Arc::new(Slot::new());
        let child = Child {
            fut: Some(fut),
            report: Some(Report { group: self.shared.clone(), key, seq, slot: slot.clone() }),
        };
        // If the spawn fails, `child` is dropped inside and reports itself cancelled,
        // which frees its entry.
        let task = weft_executor::try_spawn(child).map_err(GroupSpawnError::Runtime)?;
        let task = task.task_ref();
        if let Some(name) = name {
            task.set_name(name);
        }
        let mut s = self.shared.state.lock();
        if let Some(entry) = s.children.get_mut(key).filter(|e| e.0 == seq) {
            entry.1 = Some(task.clone());
            if s.aborting {
                // The group began to abort between the two locks: catch up.
                task.cancel(None);
            }
        }
        drop(s);
        Ok(GroupTask { slot, task })
    }

    /// Trio's `nursery.start`: spawns a child that is given a [`StartStatus`], and waits
    /// until the child calls [`StartStatus::started`]; returns the value it reported.
    /// The child then runs on in the group.
    ///
    /// ```
    /// use weft::{task_group, StartError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// task_group(|tg| async move {
    ///     let port = tg.start(|status| async move {
    ///         // bind a listener, then report where it listens
    ///         status.started(8080);
    ///         weft::time::sleep(std::time::Duration::from_millis(5)).await
    ///     }).await?;
    ///     assert_eq!(port, 8080);
    ///     Ok::<_, StartError>(())
    /// }).await.unwrap();
    /// # });
    /// ```
    pub async fn start<S, Fut, V, T, E>(&self, child: S) -> Result<V, StartError>
    where
        S: FnOnce(StartStatus<V>) -> Fut,
        Fut: Future<Output = Result<T, E>> + Send + 'static,
        V: Send + 'static,
        T: Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let shared = Arc::new(Mutex::new(StartSlot { value: None, ended: false, waker: None }));
        let status = StartStatus { shared: Some(shared.clone()) };
        let handle = self.spawn(child(status))?;
        std::future::poll_fn(|cx| {
            let mut s = shared.lock();
            if let Some(v) = s.value.take() {
                return Poll::Ready(Ok(v));
            }
            if s.ended {
                return Poll::Ready(Err(StartError::EndedBeforeStarted));
            }
            s.waker = Some(cx.waker().clone());
            drop(s);
            if let Err(c) = weft_executor::cancel::check() {
                handle.cancel(c.message());
                return Poll::Ready(Err(StartError::Cancelled(c)));
            }
            Poll::Pending
        })
        .await
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
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Shared {
    /// A child failed. The failure is recorded now, so that failures keep the order in
    /// which they happened on every runtime; the group's reaction (CPython's
    /// `_on_task_done`) runs later, as a scheduled step: see [`Notify`].
    ///
    /// When the reaction cannot change anything any more (supervise policy, or a group
    /// that is already aborting, has already cancelled its parent, or is finished), it
    /// is done in place: it is only bookkeeping then, and costs no task.
    fn child_failed(this: &Arc<Shared>, key: usize, seq: u64, failure: Failure) {
        let mut s = this.state.lock();
        s.errors.push(failure);
        let may_react =
            this.policy == Policy::FailFast && !s.finished && !s.aborting && !s.parent_cancel_requested;
        if !may_react {
            this.on_task_done(s, key, seq, false);
            return;
        }
        drop(s);
        // If the spawn fails (the runtime is shutting down), the notifier is dropped
        // inside `try_spawn` and its `Drop` reacts in place.
        if let Ok(task) = weft_executor::try_spawn(Notify { group: Some(this.clone()), key, seq }) {
            drop(task); // detached: it finishes in one poll
        }
    }

    /// A child ended with a value or cancelled: nothing to react to but the join.
    fn child_done(&self, key: usize, seq: u64) {
        let s = self.state.lock();
        self.on_task_done(s, key, seq, false);
    }

    /// CPython's `_on_task_done` (the failure itself was already recorded): forgets the
    /// child, reacts to its failure if `failed` (fail-fast: cancel the siblings and the
    /// parent once), and wakes the parent if it waits for the last child.
    fn on_task_done(&self, mut s: parking_lot::MutexGuard<'_, State>, key: usize, seq: u64, failed: bool) {
        if s.children.get(key).is_some_and(|e| e.0 == seq) {
            s.children.remove(key);
        }
        if failed {
            let parent_done = s.finished || s.parent.as_ref().is_none_or(|p| p.is_finished());
            if self.policy == Policy::FailFast && !parent_done && !s.aborting && !s.parent_cancel_requested {
                s.abort();
                s.parent_cancel_requested = true;
                if let Some(p) = &s.parent {
                    p.cancel(None);
                }
            }
        }
        if s.children.is_empty() {
            if let Some(w) = s.waker.take() {
                drop(s);
                w.wake();
            }
        }
    }
}

/// The group's reaction to a child's failure, run as a task of its own: asyncio's
/// done-callback, which the loop runs with `call_soon`, *behind* every task that was
/// already ready when the child finished. On the current-thread runtime the notifier
/// lands at the back of the FIFO exactly as `call_soon` does, so siblings that were
/// already ready run their next step (and may fail too) before the group cancels them.
///
/// Until it runs, the failed child still counts as a live child of the group (as the
/// task stays in CPython's `_tasks` until its callback ran): the group does not return
/// before its reaction, so a notifier never cancels a parent that already left the
/// group. It never awaits, so it finishes at its first poll, even when the runtime
/// cancels every task at shutdown; if it is dropped unpolled (runtime shut down,
/// `abort()`), its `Drop` reacts in place, so the group is never left waiting.
struct Notify {
    group: Option<Arc<Shared>>,
    key: usize,
    seq: u64,
}

impl Notify {
    fn fire(&mut self) {
        if let Some(g) = self.group.take() {
            let _batch = weft_executor::defer_wakes(); // see `State::abort`
            let s = g.state.lock();
            g.on_task_done(s, self.key, self.seq, true);
        }
    }
}

impl Future for Notify {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        self.fire();
        Poll::Ready(())
    }
}

impl Drop for Notify {
    fn drop(&mut self) {
        self.fire();
    }
}

/// The future of a running group: see [`TaskGroup::run`] and [`task_group`].
#[must_use = "futures do nothing unless awaited"]
pub struct Run<Fut, R> {
    group: TaskGroup,
    body: Fut,
    phase: Phase,
    outcome: Option<BodyOutcome<R>>,
    /// CPython's `propagate_cancellation_error`.
    propagate: Option<Cancelled>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start,
    Body,
    Join,
    Done,
}

enum BodyOutcome<R> {
    Value(R),
    Cancelled,
    Failed(Failure),
}

impl<Fut, R> fmt::Debug for Run<Fut, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Run").field("group", &self.group).finish()
    }
}

impl<Fut, R, E> Future for Run<Fut, R>
where
    Fut: Future<Output = Result<R, E>>,
    E: Into<BoxError>,
{
    type Output = Result<R, GroupError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: `body` is structurally pinned: it is never moved out of `self`, and it
        // is dropped in place with `self`. Other fields are not pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if this.phase == Phase::Start {
            let parent = weft_executor::current_task()
                .expect("weft: a task group must be awaited inside a weft task (spawn it or use block_on)");
            let mut s = this.group.shared.state.lock();
            s.parent = Some(parent);
            s.entered = true;
            drop(s);
            this.phase = Phase::Body;
        }
        if this.phase == Phase::Body {
            // SAFETY: see above.
            let body = unsafe { Pin::new_unchecked(&mut this.body) };
            let outcome = match catch_unwind(AssertUnwindSafe(|| body.poll(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(Ok(v))) => BodyOutcome::Value(v),
                Ok(Poll::Ready(Err(e))) => {
                    let e: BoxError = e.into();
                    match find_cancelled(&*e) {
                        Some(c) => {
                            this.propagate = Some(c);
                            BodyOutcome::Cancelled
                        }
                        None => BodyOutcome::Failed(Arc::from(e)),
                    }
                }
                Err(payload) => BodyOutcome::Failed(Arc::new(ChildPanicked::new(panic_message(&*payload)))),
            };
            let _batch = weft_executor::defer_wakes(); // see `State::abort`
            let mut s = this.group.shared.state.lock();
            s.exiting = true;
            let abort = match outcome {
                BodyOutcome::Value(_) => false,
                BodyOutcome::Cancelled => true,
                BodyOutcome::Failed(_) => this.group.shared.policy == Policy::FailFast,
            };
            if abort && !s.aborting {
                s.abort();
            }
            drop(s);
            this.outcome = Some(outcome);
            this.phase = Phase::Join;
        }
        if this.phase == Phase::Join {
            let mut s = this.group.shared.state.lock();
            let waiting = !s.children.is_empty();
            if waiting {
                s.waker = Some(cx.waker().clone());
            }
            drop(s);
            if waiting {
                // Waiting for the children is a checkpoint (CPython awaits a future here).
                match weft_executor::cancel::check() {
                    Ok(()) => return Poll::Pending,
                    Err(c) => {
                        let _batch = weft_executor::defer_wakes(); // see `State::abort`
                        let mut s = this.group.shared.state.lock();
                        if !s.aborting {
                            this.propagate = Some(c);
                            s.abort();
                        }
                        if !s.children.is_empty() {
                            return Poll::Pending;
                        }
                    }
                }
            }
            this.phase = Phase::Done;
            return Poll::Ready(this.finish());
        }
        panic!("weft: a task group's future was polled after it completed")
    }
}

impl<Fut, R> Run<Fut, R> {
    /// The end of CPython's `__aexit__`, once every child has finished.
    fn finish(&mut self) -> Result<R, GroupError> {
        let mut s = self.group.shared.state.lock();
        s.finished = true;
        s.waker = None;
        let parent = s.parent.clone().expect("entered");
        if s.parent_cancel_requested && parent.uncancel() == 0 {
            self.propagate = None;
        }
        let outcome = self.outcome.take().expect("the body ended");
        if s.errors.is_empty() {
            if let Some(c) = self.propagate.take() {
                return Err(GroupError::Cancelled(c));
            }
        }
        let mut errors = std::mem::take(&mut s.errors);
        let stopped = s.stopped;
        drop(s);
        let value = match outcome {
            BodyOutcome::Failed(e) => {
                errors.push(e);
                None
            }
            BodyOutcome::Value(v) => Some(v),
            BodyOutcome::Cancelled => None,
        };
        if !errors.is_empty() {
            // The cancellation the group asked for was taken back; one from outside is
            // still owed: re-arm it, so the next checkpoint after the group sees it.
            if parent.cancelling() > 0 {
                parent.uncancel();
                parent.cancel(None);
            }
            return Err(GroupError::Failed(ErrorGroup::new(errors)));
        }
        match value {
            Some(v) => Ok(v),
            None => {
                debug_assert!(
                    stopped,
                    "a cancelled body with nothing to propagate means cancel() was called"
                );
                Err(GroupError::Stopped)
            }
        }
    }
}

impl<Fut, R> Drop for Run<Fut, R> {
    fn drop(&mut self) {
        if matches!(self.phase, Phase::Body | Phase::Join) {
            // Dropped before the end: the children cannot be joined any more; cancel them.
            let _batch = weft_executor::defer_wakes(); // see `State::abort`
            let mut s = self.group.shared.state.lock();
            s.finished = true;
            s.waker = None;
            if !s.aborting {
                s.abort();
            }
        }
    }
}

/// One child as the group sees it: the user's future, and where to report its end.
struct Child<F, T> {
    fut: Option<F>,
    report: Option<Report<T>>,
}

struct Report<T> {
    group: Arc<Shared>,
    key: usize,
    seq: u64,
    slot: Arc<Slot<T>>,
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
        let fut = this.fut.as_mut().expect("a child is not polled after it finished");
        // SAFETY: see above.
        let fut = unsafe { Pin::new_unchecked(fut) };
        let mut own_cancellation = None;
        let (result, failure) = match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(Ok(v))) => (Ok(v), None),
            Ok(Poll::Ready(Err(e))) if (&e as &dyn Any).is::<Cancelled>() => {
                // The common way to end cancelled (`?` on a checkpoint): no boxing.
                let c = (&e as &dyn Any).downcast_ref::<Cancelled>().expect("checked above");
                let reported = Cancelled::new(c.message());
                own_cancellation = Some(c.clone());
                (Err(ChildError::Cancelled(reported)), None)
            }
            Ok(Poll::Ready(Err(e))) => {
                let e: BoxError = e.into();
                match find_cancelled(&*e) {
                    Some(c) => {
                        let reported = Cancelled::new(c.message());
                        own_cancellation = Some(c);
                        (Err(ChildError::Cancelled(reported)), None)
                    }
                    None => {
                        let f: Failure = Arc::from(e);
                        (Err(ChildError::Failed(f.clone())), Some(f))
                    }
                }
            }
            Err(payload) => {
                let f: Failure = Arc::new(ChildPanicked::new(panic_message(&*payload)));
                (Err(ChildError::Failed(f.clone())), Some(f))
            }
        };
        // The user's future is finished: drop it before telling the group, so that a
        // group that returns has nothing of its children left running.
        this.fut = None;
        if let Some(r) = this.report.take() {
            r.send(result, failure);
        }
        Poll::Ready(own_cancellation.map_or(Ok(()), Err))
    }
}

impl<F, T> Drop for Child<F, T> {
    fn drop(&mut self) {
        // Never finished: cancelled before its first poll, aborted, or the runtime shut
        // down. It ended cancelled.
        self.fut = None;
        if let Some(r) = self.report.take() {
            r.send(Err(ChildError::Cancelled(Cancelled::new(None))), None);
        }
    }
}

struct Slot<T> {
    state: Mutex<SlotState<T>>,
}

struct SlotState<T> {
    result: Option<Result<T, ChildError>>,
    done: bool,
    cancelled: bool,
    waker: Option<Waker>,
}

impl<T> Slot<T> {
    fn new() -> Self {
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

/// A child of a [`TaskGroup`]: asyncio's `Task` as `create_task` returns it. Await it
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
    slot: Arc<Slot<T>>,
    task: TaskRef,
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
        Some(s.result.take().unwrap_or(Err(ChildError::AlreadyTaken)))
    }
}

impl<T> Future for GroupTask<T> {
    type Output = Result<T, ChildError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        {
            let mut s = self.slot.state.lock();
            if s.done {
                return Poll::Ready(s.result.take().unwrap_or(Err(ChildError::AlreadyTaken)));
            }
            s.waker = Some(cx.waker().clone());
        }
        match weft_executor::cancel::check() {
            Ok(()) => Poll::Pending,
            Err(c) => Poll::Ready(Err(ChildError::Cancelled(c))),
        }
    }
}

/// Given to a child spawned with [`TaskGroup::start`]: call [`started`](Self::started)
/// when it is ready.
pub struct StartStatus<V> {
    shared: Option<Arc<Mutex<StartSlot<V>>>>,
}

struct StartSlot<V> {
    value: Option<V>,
    ended: bool,
    waker: Option<Waker>,
}

impl<V> fmt::Debug for StartStatus<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StartStatus").field("reported", &self.shared.is_none()).finish()
    }
}

impl<V> StartStatus<V> {
    /// Reports that the child is ready, with `value` for the caller of `start`.
    ///
    /// ```
    /// use weft::{task_group, StartError};
    /// # weft::Runtime::builder().current_thread().build().unwrap().block_on(async {
    /// task_group(|tg| async move {
    ///     let v = tg.start(|s| async move { s.started("ready"); Ok::<_, weft::Cancelled>(()) }).await?;
    ///     assert_eq!(v, "ready");
    ///     Ok::<_, StartError>(())
    /// }).await.unwrap();
    /// # });
    /// ```
    pub fn started(mut self, value: V) {
        if let Some(shared) = self.shared.take() {
            let mut s = shared.lock();
            s.value = Some(value);
            let w = s.waker.take();
            drop(s);
            if let Some(w) = w {
                w.wake();
            }
        }
    }
}

impl<V> Drop for StartStatus<V> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            let mut s = shared.lock();
            s.ended = true;
            let w = s.waker.take();
            drop(s);
            if let Some(w) = w {
                w.wake();
            }
        }
    }
}
