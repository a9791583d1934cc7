//! The task's stage: its future while it runs, then its output, in one slot with no tag
//! of its own.
//!
//! An `enum { Running(F), Finished(output), Consumed }` would need a tag beside the
//! future, because the compiler gives an `async` block's layout no spare values to hide
//! one in: a word per task for what the state word already knows. So the stage is a
//! union, and which half is alive is read from the task's state word:
//!
//! | state word              | the slot holds                                           |
//! |-------------------------|----------------------------------------------------------|
//! | `COMPLETE` clear        | the future (from spawn until the owner of the stage drops it) |
//! | `COMPLETE` set          | the output: `Some(result)` until read or dropped, then `None` |
//!
//! Between the two, the owner of the stage (the thread that set `RUNNING`, or that
//! claimed the task at shutdown) drops the future, writes the output and then sets
//! `COMPLETE` ([`super::harness`]'s `complete`), holding a reference all along: nobody
//! else looks at the slot in that window, and the cell cannot be freed in it. The one
//! reader that is not an owner is the cell's destructor, which runs when the last
//! reference is gone and so sees the state word's final value.
//!
//! The output half is an `Option`, so that "read" needs no tag either: `None` is what
//! a second read or a late drop finds (`Option<Result<(), JoinError>>` is as large as the
//! `Result`: `JoinError` has room for both).

use super::JoinError;
use std::future::Future;
use std::mem::ManuallyDrop;

/// What a task's output slot holds once it is complete: `None` once read or dropped.
pub(crate) type Output<F> = Option<Result<<F as Future>::Output, JoinError>>;

/// The future or the output; see the module docs for which one is alive.
pub(crate) union Stage<F: Future> {
    future: ManuallyDrop<F>,
    output: ManuallyDrop<Output<F>>,
}

impl<F: Future> Stage<F> {
    pub(crate) fn new(future: F) -> Stage<F> {
        Stage { future: ManuallyDrop::new(future) }
    }

    /// The future, to poll it.
    ///
    /// # Safety
    /// The future is alive (`COMPLETE` clear and not yet dropped) and the caller owns the
    /// stage.
    pub(crate) unsafe fn future_mut(&mut self) -> &mut F {
        // SAFETY: the caller says the future half is the live one.
        unsafe { &mut self.future }
    }

    /// Moves the future out, leaving the slot empty (neither half alive).
    ///
    /// # Safety
    /// As for [`Stage::future_mut`]; the caller then writes an output before anything
    /// reads the slot.
    pub(crate) unsafe fn take_future(&mut self) -> F {
        // SAFETY: the future is alive and, being taken, is not dropped here again.
        unsafe { ManuallyDrop::take(&mut self.future) }
    }

    /// Drops the future in place, leaving the slot empty. If its destructor panics, the
    /// slot is empty all the same (the panic propagates to the caller, which catches it).
    ///
    /// # Safety
    /// As for [`Stage::take_future`].
    pub(crate) unsafe fn drop_future(&mut self) {
        // SAFETY: the future is alive; it is dropped once, here.
        unsafe { ManuallyDrop::drop(&mut self.future) }
    }

    /// Writes the output into an empty slot.
    ///
    /// # Safety
    /// The slot is empty (the future was taken or dropped) and the caller owns the stage.
    pub(crate) unsafe fn set_output(&mut self, output: Result<F::Output, JoinError>) {
        // Writing a union field drops nothing, which is what an empty slot needs.
        self.output = ManuallyDrop::new(Some(output));
    }

    /// Takes the output, leaving `None`.
    ///
    /// # Safety
    /// `COMPLETE` is set (the output half is alive) and the caller owns the stage.
    pub(crate) unsafe fn take_output(&mut self) -> Output<F> {
        // SAFETY: the caller says the output half is the live one.
        unsafe { (*self.output).take() }
    }

    /// The output, to look at it.
    ///
    /// # Safety
    /// As for [`Stage::take_output`].
    pub(crate) unsafe fn output(&self) -> &Output<F> {
        // SAFETY: the caller says the output half is the live one.
        unsafe { &self.output }
    }

    /// Drops whichever half is alive, for the cell's destructor.
    ///
    /// # Safety
    /// `complete` is the state word's `COMPLETE` bit, read after the last reference to the
    /// task was dropped, and the slot is not empty (it never is then: see the module docs).
    pub(crate) unsafe fn drop_in_place(&mut self, complete: bool) {
        if complete {
            // SAFETY: COMPLETE: the output half is alive.
            unsafe { ManuallyDrop::drop(&mut self.output) }
        } else {
            // SAFETY: not complete: the future was never taken or dropped.
            unsafe { ManuallyDrop::drop(&mut self.future) }
        }
    }
}
