//! The typed half of a task: polling, completing, cancelling, reading the output. Each
//! function here is reached through the task's vtable and performs the numbered
//! transitions of the life cycle (see `task/mod.rs`).
//!
//! # Pointers, not references
//!
//! Everything here reaches the cell through [`Harness`], a raw pointer, and never holds a
//! `&Cell` or `&Header` across a step after which the cell may be freed. The reason is the
//! reference count: the moment a function drops the reference it runs on (the last step of
//! `complete`, or `transition_to_idle`, after which another thread may complete the task
//! and drop the last reference), the allocation may disappear. A reference that is still
//! live then (above all a reference passed as a function argument, which Rust treats as
//! valid for the whole call) points at freed memory, which is undefined behaviour even if
//! it is never read again. Short borrows made through `Harness` end before any such step,
//! and the only things used after it are the atomic state word (reached by value through
//! [`RawTask`]) and nothing at all after `dealloc`.

use super::raw::{Cell, Header, Notified, RawTask};
use super::stage::Stage;
use super::state::{JOIN_INTEREST, JOIN_WAKER, State, ToIdle, ToRunning};
use super::{JoinError, Panicked, Schedule, waker};
use crate::cancel::Cancelled;
use crate::context;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// A typed pointer to a task's cell. It owns nothing: the functions below each run on a
/// reference to the task that their caller handed over (a queue entry's, the owned list's,
/// the `Task` handle's), and say when they drop it.
struct Harness<F: Future, S> {
    cell: NonNull<Cell<F, S>>,
}

impl<F: Future, S: Schedule> Harness<F, S> {
    /// # Safety
    /// `ptr` must be the header of a live `Cell<F, S>` (the vtable it came from says so),
    /// and the caller must hold a reference to the task for as long as it uses the harness
    /// before the step that drops that reference.
    unsafe fn from_raw(ptr: NonNull<Header>) -> Self {
        Harness { cell: ptr.cast() }
    }

    fn raw(&self) -> RawTask {
        // SAFETY: the cell's header is its first field (`#[repr(C)]`), and the caller of
        // `from_raw` holds a reference to the task.
        unsafe { RawTask::from_raw(self.cell.cast()) }
    }

    fn header(&self) -> &Header {
        // SAFETY: the cell is alive while the harness is used (see `from_raw`); the borrow
        // lasts as long as `&self`, and no caller keeps it across a reference drop.
        unsafe { &(*self.cell.as_ptr()).header }
    }

    fn state(&self) -> &State {
        &self.header().state
    }

    fn scheduler(&self) -> &S {
        // SAFETY: as in `header`; the scheduler is never mutated after the cell is made.
        unsafe { &(*self.cell.as_ptr()).scheduler }
    }

    /// The stage slot. Who may touch it is decided by the state word (RUNNING, COMPLETE,
    /// JOIN_INTEREST): see the invariant in ARCHITECTURE.md.
    fn stage(&self) -> *mut Stage<F> {
        // SAFETY: the cell is alive (see `from_raw`); `addr_of!` makes no reference to
        // the stage itself, and `UnsafeCell::get` only computes its address.
        unsafe { (*std::ptr::addr_of!((*self.cell.as_ptr()).stage)).get() }
    }

    /// The join waker slot (see state.rs, `JOIN_WAKER`).
    fn join_waker(&self) -> *mut Option<Waker> {
        // SAFETY: as in `stage`.
        unsafe { (*std::ptr::addr_of!((*self.cell.as_ptr()).join_waker)).get() }
    }

    /// Drops the future in place, catching a panic in its destructor. The slot is then
    /// empty until [`complete`] writes the output.
    ///
    /// # Safety
    /// The caller owns the stage (it set RUNNING, or claimed the task at shutdown), and
    /// the future is still in it.
    unsafe fn drop_future(&self) -> Result<(), JoinError> {
        let stage = self.stage();
        // SAFETY: the caller owns the stage and the future is alive.
        catch_unwind(AssertUnwindSafe(|| unsafe { (*stage).drop_future() }))
            .map_err(|p| JoinError::Panicked(Panicked::from_payload(p)))
    }

    /// Drops the output nobody will read (leaving `None`), catching a panic.
    ///
    /// # Safety
    /// The caller owns the stage, and COMPLETE is set.
    unsafe fn drop_output(&self) {
        let stage = self.stage();
        // SAFETY: the caller owns the stage; COMPLETE: the output half is alive.
        let _ = catch_unwind(AssertUnwindSafe(|| drop(unsafe { (*stage).take_output() })));
    }
}

/// Runs one queue entry: transitions (1) and (2), or (3) when the future finishes.
///
/// # Safety
/// `ptr` is the header of a `Cell<F, S>`, and the caller hands over a queue entry's
/// reference (and its NOTIFIED bit).
pub(super) unsafe fn poll<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the queue entry's reference keeps the cell alive until we drop it.
    let h = unsafe { Harness::<F, S>::from_raw(ptr) };
    match h.state().transition_to_running() {
        ToRunning::Skip { dealloc } => {
            if dealloc {
                h.raw().dealloc();
            }
        }
        // SAFETY: transition (1) set RUNNING: the stage is ours.
        ToRunning::Poll { aborted: true, .. } => unsafe { cancel_and_complete(h, Cancelled::aborted()) },
        ToRunning::Poll { first, aborted: false } => {
            // A task cancelled before it ever ran ends cancelled without running, as an
            // asyncio coroutine that is cancelled before its first step never starts.
            // (The test of the cancel word first: `take` locks the task's extras, when it
            // has them, before it looks.)
            if first
                && h.header().cancel.is_pending()
                && let Some(c) = crate::cancel::delivery::take(h.raw())
            {
                // SAFETY: RUNNING is set: the stage is ours.
                return unsafe { cancel_and_complete(h, c) };
            }
            // Debug mode or the timeline: the task carries a record (observe/), and the
            // poll is timed, out of line. Otherwise one load of the extras pointer, which
            // the poll reads anyway for the task's scope.
            match crate::observe::before_poll(h.raw()) {
                // SAFETY: RUNNING is set, and the queue entry's reference is still held.
                None => unsafe { poll_future(h) },
                // SAFETY: as above.
                Some(o) => unsafe { poll_observed(h, o) },
            }
        }
    }
}

/// [`poll_future`], timed for debug mode or the timeline (`observe::Observed`).
///
/// # Safety
/// As for [`poll_future`].
#[cold]
#[inline(never)]
unsafe fn poll_observed<F: Future, S: Schedule>(h: Harness<F, S>, o: crate::observe::Observed) {
    // SAFETY: forwarded from the caller.
    unsafe { poll_future(h) };
    o.after_poll();
}

/// # Safety
/// RUNNING is set by this thread, which holds the queue entry's reference.
unsafe fn poll_future<F: Future, S: Schedule>(h: Harness<F, S>) {
    let raw = h.raw();
    let waker = waker::waker_ref(raw);
    let mut cx = Context::from_waker(&waker);
    let _current = context::enter_task(raw);
    let stage = h.stage();
    let polled = catch_unwind(AssertUnwindSafe(|| {
        // The borrow ends with this closure, before any transition that could let the
        // cell be freed.
        // SAFETY: RUNNING gives this thread the stage, and the future is alive in it:
        // RUNNING is never set again once COMPLETE is, and the poll that drops the future
        // completes the task before it lets RUNNING go. The future lives in the task's
        // cell, which never moves, so pinning it is sound.
        let future = unsafe { Pin::new_unchecked((*stage).future_mut()) };
        future.poll(&mut cx)
    }));
    match polled {
        Ok(Poll::Pending) => match h.state().transition_to_idle() {
            // The queue entry's reference is gone: the cell may already be freed by
            // another thread. Nothing below touches it.
            ToIdle::Idle => {}
            // SAFETY: the entry's reference and the NOTIFIED bit pass to the new entry.
            ToIdle::Notified => h.scheduler().yield_now(unsafe { Notified::from_raw(raw) }),
            // SAFETY: still RUNNING, and the entry's reference is still held.
            ToIdle::Aborted => unsafe { cancel_and_complete(h, Cancelled::aborted()) },
        },
        Ok(Poll::Ready(output)) => {
            // SAFETY: RUNNING: the stage is ours.
            let result = match unsafe { h.drop_future() } {
                Err(panic) => Err(panic),
                // The rule of `cancel/outcome.rs`: a request still pending, or a delivered
                // `Cancelled` alive in an output that can hold one, ends the task
                // cancelled (the `raise` after `except CancelledError`).
                Ok(()) => match crate::cancel::outcome::task_verdict::<F::Output>(raw) {
                    Some(c) => {
                        drop(catch_unwind(AssertUnwindSafe(move || drop(output))));
                        Err(JoinError::Cancelled(c))
                    }
                    None => Ok(output),
                },
            };
            // SAFETY: RUNNING, and the entry's reference is held.
            unsafe { complete(h, result, true) };
        }
        Err(payload) => {
            // SAFETY: RUNNING: the stage is ours.
            let _ = unsafe { h.drop_future() };
            let result = Err(JoinError::Panicked(Panicked::from_payload(payload)));
            // SAFETY: as above.
            unsafe { complete(h, result, true) };
        }
    }
}

/// # Safety
/// As for [`complete`].
unsafe fn cancel_and_complete<F: Future, S: Schedule>(h: Harness<F, S>, c: Cancelled) {
    // SAFETY: the caller owns the stage.
    let result = match unsafe { h.drop_future() } {
        Ok(()) => Err(JoinError::Cancelled(c)),
        Err(panic) => Err(panic),
    };
    // SAFETY: forwarded from the caller.
    unsafe { complete(h, result, true) };
}

/// Transition (3): stores the output, leaves the owned list, publishes COMPLETE, wakes
/// the handle, and drops the reference of the poll (and the list's, if it still held
/// one).
///
/// The task leaves the owned list *before* COMPLETE is published: a joiner that got the
/// result must not still find the task in `all_tasks()` or `alive_tasks()`. Waking the
/// handle after leaving is not enough, since a handle can see COMPLETE without being
/// woken (its first poll, or a poll for another reason, while a worker is between the
/// two steps; under load a preempted worker can stay there for a whole time slice).
///
/// # Safety
/// The caller owns the stage (RUNNING, or claimed at shutdown) and hands over one
/// reference (the poll's, or with `release == false` the owned list's), which this
/// function drops last: the cell may be freed when it returns.
unsafe fn complete<F: Future, S: Schedule>(
    h: Harness<F, S>,
    result: Result<F::Output, JoinError>,
    release: bool,
) {
    let raw = h.raw();
    let cancelled = matches!(result, Err(JoinError::Cancelled(_)));
    // Debug mode (the task carries a record): a task that was cancelled yet ends normally
    // with its request still counted swallowed the cancellation; a panic may go unseen.
    let debug = crate::observe::debug_of(h.header());
    let panic_message = match &result {
        Err(JoinError::Panicked(p)) if debug.is_some() => Some(p.message().to_owned()),
        Ok(_) if debug.is_some() && h.header().cancel.requested() > 0 => {
            crate::observe::report_for(h.header(), debug, |task| {
                crate::observe::DebugEvent::SwallowedCancellation { task }
            });
            None
        }
        _ => None,
    };
    // SAFETY: the caller owns the stage until COMPLETE is published just below, and
    // dropped or took the future.
    unsafe { (*h.stage()).set_output(result) };
    // Out of the list first: from COMPLETE on, a joiner may take the output and return.
    let released = release && h.scheduler().release(h.header());
    let prev = h.state().transition_to_complete(cancelled);
    if !prev.is(JOIN_INTEREST) {
        // Nobody will read the output: drop it here (its destructor may panic).
        // SAFETY: without join interest, the stage stays ours after COMPLETE.
        unsafe { h.drop_output() };
    }
    // Debug mode: a detached task failed and nobody will see it.
    if let Some(message) = panic_message.filter(|_| !prev.is(JOIN_INTEREST)) {
        crate::observe::report_for(h.header(), debug, |task| crate::observe::DebugEvent::UnobservedFailure {
            task,
            message,
            handle_dropped: false,
        });
    }
    if let Some(extras) = raw.extras() {
        extras.on_complete(raw.id());
    }
    // What the future asked to run once its task is complete (`task::after_complete`):
    // a group child reports its end to its group here, so that the group never sees a
    // child gone whose handle does not say finished yet.
    if let Some(hook) = context::take_after_complete() {
        hook();
    }
    if prev.is(JOIN_INTEREST | JOIN_WAKER) {
        // The reference we still hold keeps the cell alive while the waker runs.
        // SAFETY: JOIN_WAKER was set, so the slot is the runtime's to read; COMPLETE now
        // stops the handle from writing it again.
        if let Some(w) = unsafe { &*h.join_waker() } {
            w.wake_by_ref();
        }
    }
    // The last use of the cell: after this, it may be freed (by us or by the handle).
    if raw.state().ref_dec_n(1 + released as usize) {
        raw.dealloc();
    }
}

/// # Safety
/// `ptr` is the header of a `Cell<F, S>`; the caller hands over one reference.
pub(super) unsafe fn schedule<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the handed-over reference keeps the cell alive; it passes to the entry.
    let h = unsafe { Harness::<F, S>::from_raw(ptr) };
    // SAFETY: the caller handed over a reference and the NOTIFIED bit.
    h.scheduler().schedule(unsafe { Notified::from_raw(h.raw()) });
}

/// # Safety
/// `ptr` is the header of a `Cell<F, S>` whose reference count just reached zero.
pub(super) unsafe fn dealloc<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    let cell = ptr.cast::<Cell<F, S>>().as_ptr();
    // SAFETY: the cell was allocated with `cell_layout::<F, S>()` and written in
    // `RawTask::new`; nobody refers to it any more, so it is ours to drop and free.
    unsafe {
        std::ptr::drop_in_place(cell);
        std::alloc::dealloc(cell.cast(), super::raw::cell_layout::<F, S>());
    }
}

/// Takes the future back out of a task that could not be published (its spawn failed)
/// and completes the emptied task as shutdown would, using the reference the owned list
/// would have held.
///
/// # Safety
/// `raw` is a `Cell<F, S>` that no other thread has seen and that was never polled, so
/// its stage is the caller's and the future was never pinned; the caller hands over the
/// list's reference.
pub(super) unsafe fn reject_unpolled<F: Future, S: Schedule>(raw: RawTask) -> F {
    // SAFETY: the caller's contract: a live `Cell<F, S>` it alone refers to.
    let h = unsafe { Harness::<F, S>::from_raw(raw.header_ptr()) };
    let claimed = h.state().transition_to_shutdown();
    debug_assert!(claimed, "a task nobody has seen is neither running nor complete");
    // SAFETY: as above, the stage is the caller's, and the future is in it.
    let future = unsafe { (*h.stage()).take_future() };
    // SAFETY: transition (6) claimed the task; the slot is empty and gets the output.
    unsafe { complete(h, Err(JoinError::Cancelled(Cancelled::shutdown())), false) };
    future
}

/// The root task's end (scheduler/root.rs): `block_on`'s future returned. The root's
/// own future is an empty `Pending` that is dropped here, so that the output slot holds
/// an output once COMPLETE is set, as in every task.
///
/// # Safety
/// `raw` is a `Cell<F, S>` whose RUNNING bit the caller set and whose future it never
/// dropped.
pub(crate) unsafe fn complete_root<F: Future<Output = ()>, S: Schedule>(raw: RawTask) {
    // SAFETY: the caller's contract: a live `Cell<F, S>`.
    let h = unsafe { Harness::<F, S>::from_raw(raw.header_ptr()) };
    // SAFETY: RUNNING: the stage is ours, and the future is in it.
    unsafe { (*h.stage()).drop_future() };
    // SAFETY: as above; the slot is now empty.
    unsafe { (*h.stage()).set_output(Ok(())) };
    h.state().transition_to_complete(false);
}

/// Transition (6): the runtime is shutting down and the owned list hands over its reference.
///
/// # Safety
/// `ptr` is the header of a `Cell<F, S>`; the caller hands over the owned list's reference.
pub(super) unsafe fn shutdown<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the list's reference keeps the cell alive until we drop it.
    let h = unsafe { Harness::<F, S>::from_raw(ptr) };
    if h.state().transition_to_shutdown() {
        // The list's reference stands in for the poll's; the list already unlinked us.
        // SAFETY: transition (6) claimed the task: the stage is ours.
        let result = match unsafe { h.drop_future() } {
            Ok(()) => Err(JoinError::Cancelled(Cancelled::shutdown())),
            Err(p) => Err(p),
        };
        // SAFETY: we own the stage and hand over the list's reference.
        unsafe { complete(h, result, false) };
    } else {
        h.raw().ref_dec();
    }
}

/// # Safety
/// `ptr` is the header of a `Cell<F, S>`, the caller is its `Task` handle (which holds a
/// reference), and `dst` points to a `Poll<Result<F::Output, JoinError>>`.
pub(super) unsafe fn try_read_output<F: Future, S: Schedule>(
    ptr: NonNull<Header>,
    dst: *mut (),
    waker: &Waker,
) {
    // SAFETY: the handle's reference keeps the cell alive.
    let h = unsafe { Harness::<F, S>::from_raw(ptr) };
    // SAFETY: the caller says `dst` has this type.
    let out = unsafe { &mut *(dst as *mut Poll<Result<F::Output, JoinError>>) };
    // SAFETY: the caller is the handle, the side of the join-waker protocol this implements.
    if unsafe { can_read_output(&h, waker) } {
        // SAFETY: COMPLETE with join interest: the stage belongs to the handle.
        let output = unsafe { (*h.stage()).take_output() };
        *out = Poll::Ready(output.unwrap_or(Err(JoinError::AlreadyJoined)));
    }
}

/// The handle's side of the JOIN_WAKER protocol (state.rs). Returns true once COMPLETE.
///
/// # Safety
/// Called by the task's `Task` handle only.
unsafe fn can_read_output<F: Future, S: Schedule>(h: &Harness<F, S>, waker: &Waker) -> bool {
    let state = h.state();
    let snapshot = state.load();
    if snapshot.is(super::state::COMPLETE) {
        return true;
    }
    let stored = if !snapshot.is(JOIN_WAKER) {
        // SAFETY: the caller is the handle.
        unsafe { set_join_waker(h, waker.clone()) }
    } else {
        // SAFETY: reading is allowed while JOIN_WAKER is set (the runtime only reads too).
        if unsafe { &*h.join_waker() }.as_ref().is_some_and(|w| w.will_wake(waker)) {
            return false;
        }
        // SAFETY: once `unset_join_waker` succeeded, the slot is the handle's again.
        state.unset_join_waker().map_err(|_| ()).and_then(|()| unsafe { set_join_waker(h, waker.clone()) })
    };
    stored.is_err()
}

/// # Safety
/// Called by the handle while JOIN_WAKER is clear (the slot is the handle's).
unsafe fn set_join_waker<F: Future, S: Schedule>(h: &Harness<F, S>, waker: Waker) -> Result<(), ()> {
    let slot = h.join_waker();
    // SAFETY: JOIN_WAKER is clear, so the slot belongs to the handle.
    unsafe { *slot = Some(waker) };
    if h.state().set_join_waker().is_err() {
        // Completed meanwhile: the runtime never saw this waker; take it back.
        // SAFETY: COMPLETE froze JOIN_WAKER clear: the slot is still the handle's.
        unsafe { *slot = None };
        return Err(());
    }
    Ok(())
}

/// # Safety
/// `ptr` is the header of a `Cell<F, S>`; the caller is the `Task` handle being dropped,
/// which hands over its reference.
pub(super) unsafe fn drop_join_handle_slow<F: Future, S: Schedule>(ptr: NonNull<Header>) {
    // SAFETY: the handle's reference keeps the cell alive until the last line.
    let h = unsafe { Harness::<F, S>::from_raw(ptr) };
    if h.state().unset_join_interest().is_err() {
        // Debug mode: the handle drops a failure nobody read.
        if let Some(debug) = crate::observe::debug_of(h.header()) {
            // SAFETY: COMPLETE with join interest: the stage belongs to the handle.
            if let Some(Err(JoinError::Panicked(p))) = unsafe { (*h.stage()).output() } {
                let message = p.message().to_owned();
                crate::observe::report_for(h.header(), Some(debug), |task| {
                    crate::observe::DebugEvent::UnobservedFailure { task, message, handle_dropped: true }
                });
            }
        }
        // Complete: the output is the handle's to drop.
        // SAFETY: COMPLETE with join interest: the stage belongs to the handle.
        unsafe { h.drop_output() };
    } else {
        // JOIN_WAKER is now clear: the slot is ours; drop the waker early.
        // SAFETY: with JOIN_WAKER clear, the slot belongs to the handle.
        unsafe { *h.join_waker() = None };
    }
    h.raw().ref_dec();
}
