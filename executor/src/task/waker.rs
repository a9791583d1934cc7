//! Wakers that point straight at a task.
//!
//! A waker is a task pointer with one reference, except the one handed to the future
//! during a poll ([`waker_ref`]): that one borrows the poll's reference, so a future that
//! only wakes by reference, or clones nothing, costs no reference-count traffic at all.

use super::raw::{Header, RawTask};
use super::state::ToNotified;
use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::task::{RawWaker, RawWakerVTable, Waker};

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake_by_val, wake_by_ref, drop_waker);

/// A waker that borrows the caller's reference to `raw`; it must not outlive that reference.
pub(crate) fn waker_ref(raw: RawTask) -> ManuallyDrop<Waker> {
    let ptr = raw.header_ptr().as_ptr() as *const ();
    // SAFETY: VTABLE's functions expect a task header pointer; ManuallyDrop keeps the
    // borrowed reference from being dropped with the waker.
    ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(ptr, &VTABLE)) })
}

/// Makes a waker that owns a fresh reference.
pub(crate) fn waker(raw: RawTask) -> Waker {
    raw.ref_inc();
    ManuallyDrop::into_inner(waker_ref(raw))
}

/// # Safety
/// `ptr` is a task header pointer made by [`waker_ref`] (every waker of this vtable).
unsafe fn raw(ptr: *const ()) -> RawTask {
    // SAFETY: the waker's data pointer is a non-null task header (see `waker_ref`).
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

/// # Safety
/// Called by `Waker::clone` on a waker of this vtable, which holds or borrows a reference.
unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: the waker being cloned keeps the task alive; the clone owns a new reference.
    unsafe { raw(ptr) }.ref_inc();
    RawWaker::new(ptr, &VTABLE)
}

/// Transition (4'): the waker's reference becomes the queue entry's.
///
/// # Safety
/// Called by `Waker::wake` on an owned waker of this vtable, whose reference it consumes.
unsafe fn wake_by_val(ptr: *const ()) {
    // SAFETY: the waker's own reference keeps the task alive until it is handed on.
    let task = unsafe { raw(ptr) };
    match task.state().transition_to_notified_by_val() {
        ToNotified::Submit => task.schedule(),
        ToNotified::Dealloc => task.dealloc(),
        ToNotified::DoNothing => {}
    }
}

/// Transition (4): a reference is taken only when the task is actually submitted.
///
/// # Safety
/// Called by `Waker::wake_by_ref` on a waker of this vtable, which keeps the task alive.
unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: the waker keeps the task alive for the whole call.
    let task = unsafe { raw(ptr) };
    if task.state().transition_to_notified_by_ref() == ToNotified::Submit {
        task.schedule();
    }
}

/// # Safety
/// Called by `Waker::drop` on an owned waker of this vtable, whose reference it drops.
unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: the waker's reference is alive until this call drops it.
    unsafe { raw(ptr) }.ref_dec();
}
