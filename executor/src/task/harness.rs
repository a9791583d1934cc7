//! The typed half of a task: polling, completing, cancelling, reading the output. Each
//! function here is reached through the task's vtable and performs the numbered
//! transitions of the life cycle (see `task/mod.rs`).

use super::raw::{Cell, Header, Notified, RawTask, Stage};
use super::state::{JOIN_INTEREST, JOIN_WAKER, ToIdle, ToRunning};
use super::{JoinError, Panicked, Schedule, waker};
use crate::cancel::Cancelled;
use crate::context;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

unsafe fn cell<'a, F: Future, S>(ptr: NonNull<Header>) -> &'a Cell<F, S> {
    unsafe { ptr.cast::<Cell<F, S>>().as_ref() }
}

/// Runs one queue entry: transitions (1) and (2), or (3) when the future finishes.
pub(super) unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    unsafe {
        let raw = RawTask::from_raw(ptr);
        let cell = cell::<F, S>(ptr);
        match cell.header.state.transition_to_running() {
            ToRunning::Skip { dealloc } => {
                if dealloc {
                    raw.dealloc();
                }
            }
            ToRunning::Poll { aborted: true, .. } => cancel_and_complete(cell, raw, Cancelled::aborted()),
            ToRunning::Poll { first, aborted: false } => {
                // A task cancelled before it ever ran ends cancelled without running, as an
                // asyncio coroutine that is cancelled before its first step never starts.
                if first {
                    if let Some(c) = super::extras::take_delivery(raw) {
                        return cancel_and_complete(cell, raw, c);
                    }
                }
                poll_future(cell, raw)
            }
        }
    }
}

unsafe fn poll_future<F: Future, S: Schedule>(cell: &Cell<F, S>, raw: RawTask) {
    unsafe {
        let waker = waker::waker_ref(raw);
        let mut cx = Context::from_waker(&waker);
        let _current = context::enter_task(raw);
        let polled = catch_unwind(AssertUnwindSafe(|| match &mut *cell.stage.get() {
            // SAFETY: the cell is boxed and never moves; RUNNING gives this thread exclusive
            // access to the stage.
            Stage::Running(future) => Pin::new_unchecked(future).poll(&mut cx),
            _ => unreachable!("a task's future was polled after it finished"),
        }));
        match polled {
            Ok(Poll::Pending) => match cell.header.state.transition_to_idle() {
                ToIdle::Idle => {}
                ToIdle::Notified => cell.scheduler.yield_now(Notified::from_raw(raw)),
                ToIdle::Aborted => cancel_and_complete(cell, raw, Cancelled::aborted()),
            },
            Ok(Poll::Ready(output)) => {
                let result = match drop_future(cell) {
                    Err(panic) => Err(panic),
                    // A task that still holds (in its output, or anywhere else) a `Cancelled`
                    // delivered to it ended by propagating its cancellation (the `raise`
                    // after `except CancelledError`): it is a cancelled task.
                    Ok(()) => match super::extras::delivered_cancellation_alive(raw) {
                        Some(c) => {
                            drop(catch_unwind(AssertUnwindSafe(move || drop(output))));
                            Err(JoinError::Cancelled(c))
                        }
                        None => Ok(output),
                    },
                };
                complete(cell, raw, result, true);
            }
            Err(payload) => {
                let _ = drop_future(cell);
                complete(cell, raw, Err(JoinError::Panicked(Panicked::from_payload(payload))), true);
            }
        }
    }
}

/// Drops the future in place, catching a panic in its destructor.
unsafe fn drop_future<F: Future, S>(cell: &Cell<F, S>) -> Result<(), JoinError> {
    unsafe {
        catch_unwind(AssertUnwindSafe(|| *cell.stage.get() = Stage::Consumed))
            .map_err(|p| JoinError::Panicked(Panicked::from_payload(p)))
    }
}

unsafe fn cancel_and_complete<F: Future, S: Schedule>(cell: &Cell<F, S>, raw: RawTask, c: Cancelled) {
    unsafe {
        let result = match drop_future(cell) {
            Ok(()) => Err(JoinError::Cancelled(c)),
            Err(panic) => Err(panic),
        };
        complete(cell, raw, result, true);
    }
}

/// Transition (3): stores the output, leaves the owned list, wakes the handle, and drops
/// the reference of the poll (and the list's, if it still held one).
///
/// The task leaves the owned list *before* its handle is woken: a joiner that got the
/// result must not still find the task in `all_tasks()` or `alive_tasks()`.
unsafe fn complete<F: Future, S: Schedule>(
    cell: &Cell<F, S>,
    raw: RawTask,
    result: Result<F::Output, JoinError>,
    release: bool,
) {
    unsafe {
        let cancelled = matches!(result, Err(JoinError::Cancelled(_)));
        *cell.stage.get() = Stage::Finished(result);
        let prev = cell.header.state.transition_to_complete(cancelled);
        if !prev.is(JOIN_INTEREST) {
            // Nobody will read the output: drop it here (its destructor may panic).
            let _ = catch_unwind(AssertUnwindSafe(|| *cell.stage.get() = Stage::Consumed));
        }
        if let Some(extras) = raw.extras() {
            extras.on_complete(raw.id());
        }
        let released = release && cell.scheduler.release(&cell.header);
        if prev.is(JOIN_INTEREST | JOIN_WAKER) {
            // SAFETY: JOIN_WAKER was set, so the slot is the runtime's to read, and COMPLETE
            // now stops the handle from writing it again; the poll's reference, dropped
            // below, keeps the cell alive.
            if let Some(w) = &*cell.join_waker.get() {
                w.wake_by_ref();
            }
        }
        if cell.header.state.ref_dec_n(1 + released as usize) {
            raw.dealloc();
        }
    }
}

pub(super) unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    unsafe {
        let cell = cell::<F, S>(ptr);
        cell.scheduler.schedule(Notified::from_raw(RawTask::from_raw(ptr)));
    }
}

pub(super) unsafe fn dealloc<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    unsafe {
        drop(Box::from_raw(ptr.cast::<Cell<F, S>>().as_ptr()));
    }
}

/// Transition (6): the runtime is shutting down and the owned list hands over its reference.
pub(super) unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    unsafe {
        let raw = RawTask::from_raw(ptr);
        let cell = cell::<F, S>(ptr);
        if cell.header.state.transition_to_shutdown() {
            // The list's reference stands in for the poll's; the list already unlinked us.
            let result = match drop_future(cell) {
                Ok(()) => Err(JoinError::Cancelled(Cancelled::shutdown())),
                Err(p) => Err(p),
            };
            complete(cell, raw, result, false);
        } else {
            raw.ref_dec();
        }
    }
}

pub(super) unsafe fn try_read_output<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    unsafe {
        let cell = cell::<F, S>(ptr);
        let out = &mut *(dst as *mut Poll<Result<F::Output, JoinError>>);
        if can_read_output(cell, waker) {
            match std::mem::replace(&mut *cell.stage.get(), Stage::Consumed) {
                Stage::Finished(result) => *out = Poll::Ready(result),
                _ => *out = Poll::Ready(Err(JoinError::AlreadyJoined)),
            }
        }
    }
}

/// The handle's side of the JOIN_WAKER protocol (state.rs). Returns true once COMPLETE.
unsafe fn can_read_output<F: Future, S>(cell: &Cell<F, S>, waker: &Waker) -> bool {
    unsafe {
        let state = &cell.header.state;
        let snapshot = state.load();
        if snapshot.is(super::state::COMPLETE) {
            return true;
        }
        let stored = if !snapshot.is(JOIN_WAKER) {
            set_join_waker(cell, waker.clone())
        } else {
            // SAFETY: reading is allowed while JOIN_WAKER is set (the runtime only reads too).
            if (*cell.join_waker.get()).as_ref().is_some_and(|w| w.will_wake(waker)) {
                return false;
            }
            state.unset_join_waker().map_err(|_| ()).and_then(|()| set_join_waker(cell, waker.clone()))
        };
        stored.is_err()
    }
}

unsafe fn set_join_waker<F: Future, S>(cell: &Cell<F, S>, waker: Waker) -> Result<(), ()> {
    unsafe {
        // SAFETY: JOIN_WAKER is clear, so the slot belongs to the handle.
        *cell.join_waker.get() = Some(waker);
        if cell.header.state.set_join_waker().is_err() {
            // Completed meanwhile: the runtime never saw this waker; take it back.
            *cell.join_waker.get() = None;
            return Err(());
        }
        Ok(())
    }
}

pub(super) unsafe fn drop_join_handle_slow<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    unsafe {
        let raw = RawTask::from_raw(ptr);
        let cell = cell::<F, S>(ptr);
        if cell.header.state.unset_join_interest().is_err() {
            // Complete: the output is the handle's to drop.
            let _ = catch_unwind(AssertUnwindSafe(|| *cell.stage.get() = Stage::Consumed));
        } else {
            // JOIN_WAKER is now clear: the slot is ours; drop the waker early.
            *cell.join_waker.get() = None;
        }
        raw.ref_dec();
    }
}
