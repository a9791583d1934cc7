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

unsafe fn raw(ptr: *const ()) -> RawTask {
    unsafe { RawTask::from_raw(NonNull::new_unchecked(ptr as *mut Header)) }
}

unsafe fn clone(ptr: *const ()) -> RawWaker {
    unsafe {
        raw(ptr).ref_inc();
        RawWaker::new(ptr, &VTABLE)
    }
}

/// Transition (4'): the waker's reference becomes the queue entry's.
unsafe fn wake_by_val(ptr: *const ()) {
    unsafe {
        let task = raw(ptr);
        match task.state().transition_to_notified_by_val() {
            ToNotified::Submit => task.schedule(),
            ToNotified::Dealloc => task.dealloc(),
            ToNotified::DoNothing => {}
        }
    }
}

/// Transition (4): a reference is taken only when the task is actually submitted.
unsafe fn wake_by_ref(ptr: *const ()) {
    unsafe {
        let task = raw(ptr);
        if task.state().transition_to_notified_by_ref() == ToNotified::Submit {
            task.schedule();
        }
    }
}

unsafe fn drop_waker(ptr: *const ()) {
    unsafe {
        raw(ptr).ref_dec();
    }
}
