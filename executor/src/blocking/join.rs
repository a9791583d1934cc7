//! The join side of a blocking job: a one-shot slot between the pool thread that fills it
//! (through a [`Completer`]) and the async task that awaits it (through [`BlockingJoin`]).
//!
//! The slot is a `parking_lot::Mutex` around a four-state enum. A lock is the right tool
//! here: each side takes it about twice per job, never contended for long, and a blocking
//! job already costs a thread hand-off, so an atomic protocol would buy nothing a reader
//! could measure. What matters is *what runs under the lock*: nothing but moving values in
//! and out. Waking the task, and dropping a result, a panic payload or a stale waker (all of
//! which may run foreign code), happen after the guard is gone.
//!
//! ```text
//!                 [1] fill                     [2] poll
//!   Waiting(w) ───────────────▶ Ready(r) ───────────────▶ Taken
//!        │                          │
//!        │ [3] drop BlockingJoin    │ [3] drop BlockingJoin
//!        ▼                          ▼
//!     Detached ◀────────────────────┘      [1] fill on Detached drops the result
//! ```
//!
//! 1. [`Completer::complete`] stores the job's result, or the `Completer`'s `Drop` stores
//!    `Err(BlockingError::Shutdown)` if the job was dropped without running; then the stored
//!    waker, if any, is woken. Exactly one fill happens, because the `Completer` is consumed
//!    by `complete` or else dropped, never both.
//! 2. [`BlockingJoin::poll`] takes the result, or stores (replaces) the waker while `Waiting`.
//! 3. Dropping the [`BlockingJoin`] detaches: the job still runs, and its result is dropped
//!    by the pool thread when it arrives.

use std::fmt;
use std::future::Future;
use std::mem;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use super::error::BlockingError;

/// The states of the one-shot slot; see the module docs for the transitions.
enum SlotState<R> {
    /// No result yet; holds the waker of the task that last polled, if any did.
    Waiting(Option<Waker>),
    /// The result has arrived and nobody has taken it yet.
    Ready(Result<R, BlockingError>),
    /// [`BlockingJoin::poll`] returned the result.
    Taken,
    /// The [`BlockingJoin`] was dropped; a result that arrives now is dropped.
    Detached,
}

type Slot<R> = Arc<Mutex<SlotState<R>>>;

/// Creates the two ends of one job's slot.
pub(super) fn pair<R>() -> (Completer<R>, BlockingJoin<R>) {
    let slot: Slot<R> = Arc::new(Mutex::new(SlotState::Waiting(None)));
    let completer = Completer { slot: Some(Arc::clone(&slot)) };
    (completer, BlockingJoin { slot })
}

/// The pool's end of a job's slot: it travels inside the job and fills the slot exactly
/// once, with the job's result or, if the job is dropped unrun, with
/// [`BlockingError::Shutdown`]. That `Drop` is what guarantees a joiner never hangs.
pub(super) struct Completer<R> {
    /// `Some` until the slot is filled.
    slot: Option<Slot<R>>,
}

impl<R> Completer<R> {
    /// Stores the job's result and wakes the joiner (transition 1).
    pub(super) fn complete(mut self, result: Result<R, BlockingError>) {
        if let Some(slot) = self.slot.take() {
            fill(&slot, result);
        }
    }
}

impl<R> Drop for Completer<R> {
    fn drop(&mut self) {
        if let Some(slot) = self.slot.take() {
            fill(&slot, Err(BlockingError::Shutdown));
        }
    }
}

/// Transition 1: moves `result` into the slot under the lock, then wakes (or, if the
/// joiner detached, drops the result) after releasing it.
fn fill<R>(slot: &Mutex<SlotState<R>>, result: Result<R, BlockingError>) {
    let mut state = slot.lock();
    if matches!(*state, SlotState::Detached) {
        drop(state);
        drop(result);
        return;
    }
    let previous = mem::replace(&mut *state, SlotState::Ready(result));
    drop(state);
    match previous {
        SlotState::Waiting(Some(waker)) => waker.wake(),
        SlotState::Waiting(None) => {}
        SlotState::Ready(_) | SlotState::Taken | SlotState::Detached => {
            unreachable!("a blocking job's slot is filled exactly once")
        }
    }
}

/// A future that resolves to the result of a closure run on the blocking pool.
///
/// Output: `Ok(value)` when the closure returned, [`BlockingError::Panicked`] when it
/// panicked, [`BlockingError::Shutdown`] when the pool shut down and dropped the job
/// before it ran. It never hangs: every accepted job ends in one of those three.
///
/// Dropping a `BlockingJoin` **detaches** the job rather than cancelling it: a thread
/// cannot be interrupted safely, so the closure runs to the end anyway and its result is
/// dropped on the pool thread.
///
/// Polling again after it returned `Ready` panics, as for most futures.
pub struct BlockingJoin<R> {
    slot: Slot<R>,
}

impl<R> BlockingJoin<R> {
    /// Whether the job has ended (returned, panicked, or been dropped by shutdown), so that
    /// the next poll returns `Ready`. Also `true` once the result has been taken.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        !matches!(*self.slot.lock(), SlotState::Waiting(_))
    }
}

impl<R> Future for BlockingJoin<R> {
    type Output = Result<R, BlockingError>;

    /// Transition 2. The waker is cloned under the lock (cloning a waker is cheap and
    /// must not re-enter the future, by `Waker`'s contract); a replaced waker is dropped
    /// after the lock is released.
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.slot.lock();
        match mem::replace(&mut *state, SlotState::Taken) {
            SlotState::Ready(result) => Poll::Ready(result),
            SlotState::Waiting(previous) => {
                let (current, stale) = match previous {
                    Some(waker) if waker.will_wake(cx.waker()) => (waker, None),
                    other => (cx.waker().clone(), other),
                };
                *state = SlotState::Waiting(Some(current));
                drop(state);
                drop(stale);
                Poll::Pending
            }
            SlotState::Taken => panic!("BlockingJoin polled after it returned Ready"),
            SlotState::Detached => unreachable!("only BlockingJoin's Drop detaches"),
        }
    }
}

impl<R> Drop for BlockingJoin<R> {
    /// Transition 3: detach. Whatever the slot held (a result, a waker) is dropped after
    /// the lock is released: the guard is a temporary of the `let` statement.
    fn drop(&mut self) {
        let previous = mem::replace(&mut *self.slot.lock(), SlotState::Detached);
        drop(previous);
    }
}

impl<R> fmt::Debug for BlockingJoin<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockingJoin").field("finished", &self.is_finished()).finish()
    }
}
