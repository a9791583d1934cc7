//! A group's shared state and CPython's `_on_task_done`: what the group, its body and its
//! children all reach, behind one lock.
//!
//! # A group's life
//!
//! ```text
//!   TaskGroup::new() ──run(body)──► CLAIMED ──(0)──► BODY ──(3)──► JOIN ──(4)──► DONE
//!                                                   │  ▲          │  ▲
//!                                                   └──┘          └──┘
//!                                               (1) (2) (6)   (1) (2) (5) (6)
//!
//!   aborting: set by (2), (3), (5) or (6). Every child is cancelled once, and no child can
//!             be spawned any more; the phases go on, because a group always joins its
//!             children.
//! ```
//!
//! | | transition | made by |
//! |---|---|---|
//! | (0) | the group's future is first polled, inside the parent task: the parent is recorded, and children may be spawned (`entered`) | `Run::poll`, `Phase::Start` |
//! | (1) | a child fails: its failure is recorded at once, and the group's reaction is queued as a task of its own, behind the tasks already ready (asyncio's `call_soon`) | `Report::send`, `Shared::child_failed`, `Notify` |
//! | (2) | the reaction, under `Policy::FailFast`: every child is cancelled, and the parent once (`aborting`, `parent_cancel_requested`) | `Notify::fire`, `Shared::on_task_done`, `State::abort` |
//! | (3) | the body ends with a value, a failure or a cancellation (`exiting`); unless it returned a value, the children are cancelled (a failure under `Policy::Supervise` does not) | `Run::poll`, `Phase::Body` |
//! | (4) | the last child ends and wakes the parent; the group takes back its own cancel request and decides what to return | `Shared::on_task_done`, `Run::finish` |
//! | (5) | the parent is cancelled from outside while it waits: the children are cancelled, and the group will return that cancellation | `Run::poll`, `Phase::Join` |
//! | (6) | `TaskGroup::cancel`: the children are cancelled, and the body once (`stopped`) | `TaskGroup::cancel` |
//!
//! A `Run` dropped before DONE cancels its children, and nobody joins them (`Drop for Run`).

use super::{Failure, Policy};
use parking_lot::Mutex;
use slab::Slab;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use weft_executor::TaskRef;

pub(super) struct Shared {
    pub(super) policy: Policy,
    pub(super) state: Mutex<State>,
    /// The group's number in tracing's events and its children's spans (`task.group`).
    #[cfg(feature = "tracing")]
    pub(super) id: u64,
}

/// A new group's number for tracing (from 1, in the order groups are made).
#[cfg(feature = "tracing")]
pub(super) fn next_group_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

#[derive(Default)]
pub(super) struct State {
    /// `run` was called (a group runs once).
    pub(super) claimed: bool,
    /// The group's future was first polled inside a task: children may be spawned.
    pub(super) entered: bool,
    pub(super) exiting: bool,
    pub(super) aborting: bool,
    pub(super) finished: bool,
    /// `cancel()` was called on the group.
    pub(super) stopped: bool,
    pub(super) parent: Option<TaskRef>,
    pub(super) parent_cancel_requested: bool,
    /// Live children: a sequence number (keys are reused) and the task. An entry and its
    /// task are made under one lock (`TaskGroup::spawn`).
    pub(super) children: Slab<(u64, TaskRef)>,
    pub(super) next_seq: u64,
    pub(super) errors: Vec<Failure>,
    /// The parent's waker while it waits for the last children.
    pub(super) waker: Option<Waker>,
}

impl State {
    /// CPython's `_abort`: cancel every child once.
    ///
    /// Every caller holds a `defer_wakes` guard made before it took the lock: a child
    /// cancelled here would otherwise start on another worker at once and block on this
    /// very lock (to report its end) until the loop is done. Held back, the children
    /// reach the workers in one batch once the lock is released.
    pub(super) fn abort(&mut self) {
        self.aborting = true;
        for (_, (_, task)) in self.children.iter() {
            task.cancel(None);
        }
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
    ///
    /// Returns the parent's waker when this was the last child and the reaction was done
    /// in place: the caller wakes it (see [`Shared::child_done`]).
    #[must_use = "the parent's waker must be woken"]
    pub(super) fn child_failed(this: &Arc<Shared>, key: usize, seq: u64, failure: Failure) -> Option<Waker> {
        let mut s = this.state.lock();
        s.errors.push(failure);
        let may_react =
            this.policy == Policy::FailFast && !s.finished && !s.aborting && !s.parent_cancel_requested;
        if !may_react {
            return this.on_task_done(s, key, seq, false);
        }
        drop(s);
        // If the spawn fails (the runtime is shutting down), the notifier is dropped
        // inside `try_spawn` and its `Drop` reacts in place.
        if let Ok(task) = weft_executor::try_spawn(Notify { group: Some(this.clone()), key, seq }) {
            drop(task); // detached: it finishes in one poll
        }
        None
    }

    /// tracing's event for a child's failure, emitted by the child in its last poll (in
    /// its task's span), before the group records the failure once the task completed.
    #[cfg(feature = "tracing")]
    pub(super) fn trace_failure(&self, failure: &Failure) {
        let failures = self.state.lock().errors.len() + 1;
        tracing::info!(
            target: "weft::group",
            failures,
            group.id = self.id,
            task.id = weft_executor::current_task().map(|t| t.id().as_u64()),
            error = %failure,
            "task group child failed"
        );
    }

    /// A child ended with a value or cancelled: nothing to react to but the join.
    /// Returns the parent's waker when this was the last child, for the caller to wake
    /// once whoever awaits the child has been woken (asyncio wakes the owner through a
    /// future that the group's done-callback completes, so the owner runs after them).
    #[must_use = "the parent's waker must be woken"]
    pub(super) fn child_done(&self, key: usize, seq: u64) -> Option<Waker> {
        let s = self.state.lock();
        self.on_task_done(s, key, seq, false)
    }

    /// CPython's `_on_task_done` (the failure itself was already recorded): forgets the
    /// child, reacts to its failure if `failed` (fail-fast: cancel the siblings and the
    /// parent once), and returns the parent's waker if it waits for the last child.
    #[must_use = "the parent's waker must be woken"]
    pub(super) fn on_task_done(
        &self,
        mut s: parking_lot::MutexGuard<'_, State>,
        key: usize,
        seq: u64,
        failed: bool,
    ) -> Option<Waker> {
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
        if s.children.is_empty() { s.waker.take() } else { None }
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
            if let Some(w) = g.on_task_done(s, self.key, self.seq, true) {
                w.wake();
            }
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
