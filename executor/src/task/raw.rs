//! The task's single allocation and the type-erased pointer the scheduler moves around.
//!
//! ```text
//! Cell<F, S>, one allocation (#[repr(C)], so a *Header is a *Cell)
//! +------------------------------+
//! | Header                       |  state word, vtable, owned-list links, cancel word, id or extras
//! +------------------------------+
//! | scheduler: S                 |  where to submit the task when it is woken
//! | stage: F | Option<output>    |  the future; once COMPLETE the output (see stage.rs)
//! | join_waker: Option<Waker>    |  the Task handle's waker (see state.rs, JOIN_WAKER)
//! +------------------------------+
//! ```
//!
//! Queues, wakers and handles all hold a [`RawTask`] (a `NonNull<Header>`) and reach the
//! typed code through the header's [`Vtable`], so the scheduler is not generic over the
//! future.

use super::extras::{Extras, IdWord};
use super::harness;
use super::stage::Stage;
use super::state::State;
use super::{Id, Schedule};
use crate::cancel::state::CancelState;
use std::cell::UnsafeCell;
use std::future::Future;
use std::ptr::NonNull;
use std::task::Waker;

/// The part of every task that the scheduler reads without knowing the future's type.
#[repr(C)]
pub(crate) struct Header {
    pub(crate) state: State,
    pub(crate) vtable: &'static Vtable,
    /// Links of the intrusive owned-task list (see list.rs); guarded by that list's lock.
    pub(crate) owned_prev: UnsafeCell<Option<NonNull<Header>>>,
    pub(crate) owned_next: UnsafeCell<Option<NonNull<Header>>>,
    /// asyncio's cancellation counters and the live deliveries (see `cancel/state.rs`).
    pub(crate) cancel: CancelState,
    /// The task's id, until it needs its extras (name, cancel message, scopes,
    /// task-locals: allocated on first use), then a pointer to them, which hold the id:
    /// a plain task pays one word for the id and all of those (see extras.rs).
    pub(crate) id_word: IdWord,
}

impl Header {
    #[inline]
    pub(crate) fn id(&self) -> Id {
        self.id_word.id()
    }
}

// SAFETY: the header's interior-mutable fields are the atomic state, the atomic id word, and the owned-list links, which are only touched with the list's lock held.
unsafe impl Send for Header {}
// SAFETY: as above.
unsafe impl Sync for Header {}

/// Typed entry points, one table per (future, scheduler) pair.
pub(crate) struct Vtable {
    pub(crate) poll: unsafe fn(NonNull<Header>),
    pub(crate) schedule: unsafe fn(NonNull<Header>),
    pub(crate) dealloc: unsafe fn(NonNull<Header>),
    pub(crate) try_read_output: unsafe fn(NonNull<Header>, *mut (), &Waker),
    pub(crate) drop_join_handle_slow: unsafe fn(NonNull<Header>),
    pub(crate) shutdown: unsafe fn(NonNull<Header>),
}

pub(crate) fn vtable<F: Future, S: Schedule>() -> &'static Vtable {
    &Vtable {
        poll: harness::poll::<F, S>,
        schedule: harness::schedule::<F, S>,
        dealloc: harness::dealloc::<F, S>,
        try_read_output: harness::try_read_output::<F, S>,
        drop_join_handle_slow: harness::drop_join_handle_slow::<F, S>,
        shutdown: harness::shutdown::<F, S>,
    }
}

#[repr(C)]
pub(crate) struct Cell<F: Future, S> {
    pub(crate) header: Header,
    pub(crate) scheduler: S,
    pub(crate) stage: UnsafeCell<Stage<F>>,
    pub(crate) join_waker: UnsafeCell<Option<Waker>>,
}

impl<F: Future, S> Drop for Cell<F, S> {
    fn drop(&mut self) {
        // The last reference is gone (its drop synchronised with every earlier one), so
        // this reads the state word's final value.
        let complete = self.header.state.load().is(super::state::COMPLETE);
        // SAFETY: the slot is never empty once the last reference is gone (stage.rs).
        unsafe { self.stage.get_mut().drop_in_place(complete) };
        drop(self.header.id_word.take_extras());
    }
}

/// The allocation of a `Cell<F, S>`: its own layout, or 16 bytes more when its size
/// would make glibc's malloc place consecutive cells exactly 128 bytes apart.
///
/// malloc puts an 8-byte size word before each block and rounds blocks to 16 bytes, so
/// cells spawned one after another sit `round_up(size + 8, 16)` bytes apart. When that
/// is a multiple of 128, every pair of 64-byte lines that the processor's spatial
/// prefetcher fetches together (a 128-byte-aligned pair) holds the same part of each
/// cell, and for half of the possible starting addresses that part is the end of one
/// cell (its future) and the start of the next (its state word): two workers polling
/// neighbouring tasks then pull that pair back and forth at every poll. Measured with
/// `rt_multi/yield_many` (a 120-byte cell, 128 bytes apart): 4.7 ms a round at 144 bytes
/// apart, 5.2 to 7.5 ms at 128. Any other distance mixes the parts from cell to cell.
/// tokio aligns every task to 128 bytes instead, which makes its smallest task 128
/// bytes; this costs 16 bytes only for the cells that need it.
pub(crate) fn cell_layout<F: Future, S>() -> std::alloc::Layout {
    let layout = std::alloc::Layout::new::<Cell<F, S>>();
    let apart = (layout.size() + 8).next_multiple_of(16);
    if apart % 128 == 0 {
        // A size 16 bytes larger with the same alignment is still a valid layout.
        std::alloc::Layout::from_size_align(layout.size() + 16, layout.align()).expect("a task cell's layout")
    } else {
        layout
    }
}

/// A pointer to a task, without ownership of a reference. The types that own one
/// ([`Notified`], `TaskRef`, the `Task` handle, wakers) build on it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct RawTask {
    ptr: NonNull<Header>,
}

// SAFETY: a RawTask only exposes the Sync header; access to the typed stage is
// serialized by the state word (RUNNING / COMPLETE / JOIN_WAKER).
unsafe impl Send for RawTask {}
// SAFETY: as above.
unsafe impl Sync for RawTask {}

impl RawTask {
    pub(crate) fn new<F: Future, S: Schedule>(future: F, scheduler: S, id: Id) -> RawTask {
        let cell = Cell {
            header: Header {
                state: State::new(),
                vtable: vtable::<F, S>(),
                owned_prev: UnsafeCell::new(None),
                owned_next: UnsafeCell::new(None),
                cancel: CancelState::new(),
                id_word: IdWord::new(id),
            },
            scheduler,
            stage: UnsafeCell::new(Stage::new(future)),
            join_waker: UnsafeCell::new(None),
        };
        let layout = cell_layout::<F, S>();
        // SAFETY: the layout's size is not zero (the header alone is 48 bytes).
        let Some(ptr) = NonNull::new(unsafe { std::alloc::alloc(layout) }.cast::<Cell<F, S>>()) else {
            std::alloc::handle_alloc_error(layout)
        };
        // SAFETY: `ptr` is a fresh allocation of at least a `Cell<F, S>`'s size, with its
        // alignment; `harness::dealloc` frees it with the same layout.
        unsafe { ptr.write(cell) };
        RawTask { ptr: ptr.cast() }
    }

    /// # Safety
    /// `ptr` must point to a live task header.
    pub(crate) unsafe fn from_raw(ptr: NonNull<Header>) -> RawTask {
        RawTask { ptr }
    }

    pub(crate) fn header_ptr(self) -> NonNull<Header> {
        self.ptr
    }

    /// The header. The borrow is tied to this `RawTask` value, not to the task: the
    /// caller must hold a reference to the task for as long as it uses the result, and
    /// must not keep it across a step that may drop that reference.
    #[inline]
    pub(crate) fn header(&self) -> &Header {
        // SAFETY: every RawTask in circulation is backed by a reference that keeps the
        // allocation alive for as long as the caller uses it (the caller's own reference).
        unsafe { self.ptr.as_ref() }
    }

    pub(crate) fn state(&self) -> &State {
        &self.header().state
    }

    pub(crate) fn id(self) -> Id {
        self.header().id()
    }

    /// Polls the task, consuming the queue entry's reference.
    pub(crate) fn poll(self) {
        // SAFETY: the vtable matches the cell's types; poll is called with a queue entry's
        // reference, which `harness::poll` takes over.
        unsafe { (self.header().vtable.poll)(self.ptr) }
    }

    /// Submits the task to its scheduler, handing over one reference.
    pub(crate) fn schedule(self) {
        // SAFETY: as above; the caller holds the reference being handed over.
        unsafe { (self.header().vtable.schedule)(self.ptr) }
    }

    pub(crate) fn dealloc(self) {
        // SAFETY: called once, by whoever dropped the last reference.
        unsafe { (self.header().vtable.dealloc)(self.ptr) }
    }

    /// # Safety
    /// `dst` must point to a `Poll<Result<F::Output, JoinError>>` of this task's output type,
    /// and the caller must be the task's `Task` handle.
    pub(crate) unsafe fn try_read_output(self, dst: *mut (), waker: &Waker) {
        // SAFETY: the vtable matches the cell's types; the caller's contract is the
        // callee's.
        unsafe { (self.header().vtable.try_read_output)(self.ptr, dst, waker) }
    }

    pub(crate) fn drop_join_handle_slow(self) {
        // SAFETY: called once, by the Task handle's drop, which owns a reference.
        unsafe { (self.header().vtable.drop_join_handle_slow)(self.ptr) }
    }

    pub(crate) fn shutdown(self) {
        // SAFETY: called by the owned list with the reference it held for the task.
        unsafe { (self.header().vtable.shutdown)(self.ptr) }
    }

    pub(crate) fn ref_inc(self) {
        self.state().ref_inc();
    }

    pub(crate) fn ref_dec(self) {
        if self.state().ref_dec() {
            self.dealloc();
        }
    }

    #[inline]
    pub(crate) fn extras(&self) -> Option<&Extras> {
        Extras::get(self.header())
    }

    pub(crate) fn extras_or_init(&self) -> &Extras {
        Extras::get_or_init(self.header())
    }
}

/// A queue entry: one reference to a task whose `NOTIFIED` bit this entry stands for.
/// Running it consumes it; dropping it (at shutdown) drops the reference.
pub(crate) struct Notified(RawTask);

impl Notified {
    /// # Safety
    /// The caller hands over one reference and the task's `NOTIFIED` bit.
    pub(crate) unsafe fn from_raw(raw: RawTask) -> Notified {
        Notified(raw)
    }

    pub(crate) fn run(self) {
        let raw = self.0;
        std::mem::forget(self);
        raw.poll();
    }

    pub(crate) fn raw(&self) -> RawTask {
        self.0
    }

    pub(crate) fn into_raw(self) -> RawTask {
        let raw = self.0;
        std::mem::forget(self);
        raw
    }
}

impl Drop for Notified {
    fn drop(&mut self) {
        self.0.ref_dec();
    }
}

impl std::fmt::Debug for Notified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Notified({:?})", self.0.id())
    }
}
#[cfg(test)]
mod tests {
    use super::{Cell, Header};
    use std::mem::size_of;

    /// What a task costs beside its future: six words of header, the scheduler, and the
    /// join waker, with no tag for the stage (stage.rs) and no word for the id apart from
    /// the extras pointer (extras.rs).
    #[test]
    fn a_task_is_its_future_plus_nine_words() {
        const W: usize = size_of::<usize>();
        assert_eq!(size_of::<Header>(), 6 * W);
        // The idle task of `mem/task_bytes`: a captured receiver, moved into its await.
        let rx = Some(std::sync::Arc::new(0u8));
        let future = async move {
            let r = rx;
            std::future::pending::<()>().await;
            drop(r);
        };
        fn cell_size<F: std::future::Future>(_: &F) -> usize {
            size_of::<Cell<F, std::sync::Arc<()>>>()
        }
        fn size<T>(_: &T) -> usize {
            size_of::<T>()
        }
        assert_eq!(size(&future), 3 * W);
        assert_eq!(cell_size(&future), 6 * W + W + 3 * W + 2 * W);
    }

    /// Cells are never allocated a multiple of 128 bytes apart (see `cell_layout`): a
    /// cell that would be gets 16 more bytes, any other gets what it asks for.
    #[test]
    fn no_cell_is_allocated_a_multiple_of_128_bytes_apart() {
        /// (size of the cell, size allocated) for a future holding N words.
        fn sizes<const N: usize>() -> (usize, usize) {
            fn of<F: std::future::Future>(_: &F) -> (usize, usize) {
                (
                    size_of::<Cell<F, std::sync::Arc<()>>>(),
                    super::cell_layout::<F, std::sync::Arc<()>>().size(),
                )
            }
            let words = [0u64; N];
            of(&async move {
                let _ = std::hint::black_box(words);
            })
        }
        let apart = |size: usize| (size + 8).next_multiple_of(16);
        let all = [
            sizes::<0>(),
            sizes::<1>(),
            sizes::<2>(),
            sizes::<3>(),
            sizes::<4>(),
            sizes::<5>(),
            sizes::<6>(),
            sizes::<7>(),
            sizes::<8>(),
            sizes::<13>(),
            sizes::<21>(),
            sizes::<29>(),
        ];
        for (size, allocated) in all {
            assert_ne!(apart(allocated) % 128, 0, "a {size}-byte cell allocated as {allocated}");
            let padded = if apart(size) % 128 == 0 { 16 } else { 0 };
            assert_eq!(allocated, size + padded, "a {size}-byte cell");
        }
        assert_eq!(sizes::<2>(), (96, 96), "the idle task of mem/task_bytes");
        assert_eq!(sizes::<5>(), (120, 136), "a cell 128 bytes apart gets 16 more");
    }
}
