//! The synchronisation types the lock-free code uses, swapped for loom's when the crate
//! is built with `--cfg loom`, so the same source is model-checked.
//!
//! Only the structures that loom models cover go through this module (the task state word,
//! the run-queue ring, the LIFO slot, the idle counters and sleepers list, the injector, the
//! timer driver's lock and its `fired_below`). Everything else
//! uses `std` and `parking_lot` directly.

#[cfg(loom)]
pub(crate) use loom::{
    cell::UnsafeCell,
    sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, AtomicUsize},
};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, AtomicUsize};

/// A sequentially consistent fence (loom's under `--cfg loom`): the two halves of a
/// handshake on two different atomics each fence between their write and their read, so
/// that at least one of them sees the other's write.
#[inline]
pub(crate) fn fence_seq_cst() {
    #[cfg(loom)]
    loom::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
    #[cfg(not(loom))]
    std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
}

/// [`fence_seq_cst`] for a thread whose write half of the handshake was an atomic
/// read-modify-write (a `fetch_or`, a compare-exchange), placed right after it.
///
/// On x86 every atomic read-modify-write is a `lock`-prefixed instruction, and those are
/// full barriers already: the write is visible to every core before any later read
/// executes. The fence would be a second `lock` instruction doing nothing more, so there
/// it is only a compiler fence (the same reasoning as Linux's `smp_mb__after_atomic`,
/// which is empty on x86). Elsewhere, under loom (which checks the handshake against the
/// language's memory model) and under Miri, it is the full fence. The task's end pays
/// this once per task (`State::set_finishing`): measured, one spawn+join on the
/// current-thread runtime spent about 6% of its time on the second `lock`.
#[inline]
pub(crate) fn fence_seq_cst_after_rmw() {
    #[cfg(all(any(target_arch = "x86", target_arch = "x86_64"), not(loom), not(miri)))]
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    #[cfg(not(all(any(target_arch = "x86", target_arch = "x86_64"), not(loom), not(miri))))]
    fence_seq_cst();
}

/// A value alone on its cache lines: 128 bytes, as the adjacent-line prefetcher of x86
/// moves lines in pairs. A struct that holds one is 128-aligned too, so the `Arc` it
/// lives in keeps its counts on lines of their own. Used where two threads would
/// otherwise write one line for unrelated reasons (the time driver's fields, grouped by
/// who writes them; the injector's lock and its length).
#[repr(align(128))]
pub(crate) struct Line<T>(pub(crate) T);

impl<T> std::ops::Deref for Line<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// `std::cell::UnsafeCell` with loom's closure-based access API, so that the ring's code
/// reads the same under both.
#[cfg(not(loom))]
#[derive(Debug)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}

/// A mutex with `parking_lot`'s API (`lock()` returns the guard), backed by loom's mutex
/// under `--cfg loom` so that code holding it across atomic operations can be modelled.
#[cfg(not(loom))]
pub(crate) use parking_lot::{Condvar, Mutex, MutexGuard};

#[cfg(loom)]
pub(crate) use self::loom_lock::{Condvar, Mutex, MutexGuard};

#[cfg(loom)]
mod loom_lock {
    use std::ops::{Deref, DerefMut};

    /// loom's mutex behind `parking_lot`'s API.
    #[derive(Debug)]
    pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

    /// The guard; an `Option` inside so that [`Condvar::wait`] can hand it to loom's
    /// condvar (which takes guards by value) through a `&mut`, as `parking_lot`'s does.
    pub(crate) struct MutexGuard<'a, T>(Option<loom::sync::MutexGuard<'a, T>>);

    impl<T> Mutex<T> {
        pub(crate) fn new(value: T) -> Mutex<T> {
            Mutex(loom::sync::Mutex::new(value))
        }

        pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
            MutexGuard(Some(self.0.lock().expect("loom mutex poisoned")))
        }
    }

    impl<T> Deref for MutexGuard<'_, T> {
        type Target = T;
        fn deref(&self) -> &T {
            self.0.as_ref().expect("guard present")
        }
    }

    impl<T> DerefMut for MutexGuard<'_, T> {
        fn deref_mut(&mut self) -> &mut T {
            self.0.as_mut().expect("guard present")
        }
    }

    /// loom's condvar behind `parking_lot`'s API.
    #[derive(Debug)]
    pub(crate) struct Condvar(loom::sync::Condvar);

    impl Condvar {
        pub(crate) fn new() -> Condvar {
            Condvar(loom::sync::Condvar::new())
        }

        pub(crate) fn wait<T>(&self, guard: &mut MutexGuard<'_, T>) {
            let g = guard.0.take().expect("guard present");
            guard.0 = Some(self.0.wait(g).expect("loom mutex poisoned"));
        }

        /// loom never times a wait out: it explores the wait ending by a notification
        /// only (or spuriously).
        pub(crate) fn wait_for<T>(&self, guard: &mut MutexGuard<'_, T>, timeout: std::time::Duration) {
            let g = guard.0.take().expect("guard present");
            guard.0 = Some(self.0.wait_timeout(g, timeout).expect("loom mutex poisoned").0);
        }

        pub(crate) fn notify_one(&self) -> bool {
            self.0.notify_one();
            true
        }
    }
}
