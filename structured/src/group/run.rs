//! [`Run`]: the future of a running group. The body runs in the task that awaits it (the
//! *parent*); then the group joins every child and decides what to return, as CPython's
//! `TaskGroup.__aexit__` does.
//!
//! # One future, four phases
//!
//! CPython's group is an `async with` block: `__aenter__` records the parent task, the
//! body runs, `__aexit__` waits for the children and raises. A Rust future cannot be
//! split across a block like that, so `Run` is all three in one state machine, polled by
//! the parent task, its phase saying where it is (the numbers are the transitions of
//! `state.rs`'s diagram):
//!
//! ```text
//!   phase   what a poll does                                  CPython
//!   Start   (0) records the parent (current_task) and          __aenter__
//!           takes a Watch of it; children may be spawned
//!   Body    polls the body; when it ends, judges its result     the body
//!           by the one rule (value, failure, cancellation),
//!           and (3) aborts unless it returned a value
//!   Join    waits for the last child; a cancellation of the     __aexit__: await
//!           parent meanwhile (5) aborts and keeps waiting;      self._on_completed_fut
//!           then owes asyncio's extra turn (Hops)
//!   Done    finish() decided what to return; polling again
//!           is a bug (it panics)
//! ```
//!
//! The body is polled inside `catch_unwind`: a panicking body is a failure of the group
//! (`ChildPanicked`), like a panicking child, and the children are still joined. Every
//! `abort` happens under a `defer_wakes` guard and the group's lock, in that order: the
//! children's wake-ups are submitted together after the lock is released (`State::abort`).
//!
//! # What it returns
//!
//! [`Run::finish`] is the end of `__aexit__`: the group takes back the cancel request it
//! made of the parent (`uncancel`), and then decides in CPython's order: a cancellation
//! that must propagate (one that reached the body or the join from outside) is returned
//! as `GroupError::Cancelled` if no child failed; otherwise the failures, the children's
//! in the order they happened and the body's last (CPython appends the body's exception
//! after that check too), make an [`ErrorGroup`]; otherwise the body's value, or
//! `GroupError::Stopped` after [`TaskGroup::cancel`]. A cancellation from outside that a
//! failure outranked is re-armed on the parent, so its next checkpoint still sees it.
//!
//! # Dropped before the end
//!
//! A `Run` dropped in its body or join phase (its parent was dropped, or a `select`
//! chose another branch) can no longer join, so it cancels every child and marks the
//! group finished: the children end on their own, and no child is left running on
//! behalf of a group that no longer exists.

use super::{BoxError, ChildPanicked, ErrorGroup, Failure, GroupError, Policy, TaskGroup};
use crate::done::Hops;
use crate::panic::panic_message;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use weft_executor::Cancelled;
use weft_executor::cancel::{Outcome, Watch};

/// The future of a running group: see [`TaskGroup::run`](super::TaskGroup::run) and [`task_group`](super::task_group).
#[must_use = "futures do nothing unless awaited"]
pub struct Run<Fut, R> {
    group: TaskGroup,
    body: Fut,
    phase: Phase,
    /// The parent as the group found it (the rule's mark for the body's result).
    watch: Option<Watch>,
    outcome: Option<BodyOutcome<R>>,
    /// CPython's `propagate_cancellation_error`.
    propagate: Option<Cancelled>,
    /// The parent waited for the last children (it returned `Pending` in the join).
    waited: bool,
    /// The turn asyncio's `_on_task_done` takes between the last child's end and the
    /// parent's wake-up (see `crate::done`).
    hops: Hops,
}

impl<Fut, R> Run<Fut, R> {
    pub(super) fn new(group: TaskGroup, body: Fut) -> Self {
        Run {
            group,
            body,
            phase: Phase::Start,
            watch: None,
            outcome: None,
            propagate: None,
            waited: false,
            hops: Hops::default(),
        }
    }
}

/// Where the group is (module docs, "One future, four phases").
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    Start,
    Body,
    Join,
    Done,
}

/// How the body ended, judged by the one rule of `weft::cancel::outcome`.
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
            let parent = weft_executor::current_task().expect(
                "weft: a task group must be awaited inside a weft task: spawn it with weft::spawn, or await it \
                 in the future given to weft::run or Runtime::block_on",
            );
            this.watch = Some(weft_executor::cancel::watch());
            let mut s = this.group.shared.state.lock();
            s.parent = Some(parent);
            s.entered = true;
            drop(s);
            this.phase = Phase::Body;
        }
        if this.phase == Phase::Body {
            // SAFETY: see above.
            let body = unsafe { Pin::new_unchecked(&mut this.body) };
            let watch = this.watch.expect("entered");
            let outcome = match catch_unwind(AssertUnwindSafe(|| body.poll(cx))) {
                Ok(Poll::Pending) => return Poll::Pending,
                // The one rule (weft::cancel::outcome) tells a body that propagates a
                // cancellation from one that failed, whatever its error type.
                Ok(Poll::Ready(out)) => match (watch.outcome(&out), out) {
                    (_, Ok(v)) => BodyOutcome::Value(v),
                    (Outcome::Cancelled(c), Err(_)) => {
                        this.propagate = Some(c);
                        BodyOutcome::Cancelled
                    }
                    (_, Err(e)) => BodyOutcome::Failed(Arc::from(e.into())),
                },
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
            if this.hops.owing() {
                std::task::ready!(this.hops.poll(cx));
                this.phase = Phase::Done;
                return Poll::Ready(this.finish());
            }
            let mut s = this.group.shared.state.lock();
            let waiting = !s.children.is_empty();
            if waiting {
                s.waker = Some(cx.waker().clone());
            }
            drop(s);
            if waiting {
                // Waiting for the children is a checkpoint (CPython awaits a future here).
                match weft_executor::cancel::check() {
                    Ok(()) => {
                        this.waited = true;
                        return Poll::Pending;
                    }
                    Err(c) => {
                        let _batch = weft_executor::defer_wakes(); // see `State::abort`
                        let mut s = this.group.shared.state.lock();
                        if !s.aborting {
                            this.propagate = Some(c);
                            s.abort();
                        }
                        if !s.children.is_empty() {
                            this.waited = true;
                            return Poll::Pending;
                        }
                    }
                }
            }
            if std::mem::replace(&mut this.waited, false) {
                // Woken by the last child's end: asyncio's `_on_task_done` runs in this
                // turn and sets the future the parent waits on; the parent resumes in
                // the next.
                this.hops.owe(1);
                std::task::ready!(this.hops.poll(cx));
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
                parent.recancel();
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
