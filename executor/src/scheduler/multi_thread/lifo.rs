//! The LIFO slot: one task that its worker runs next, which an idle worker may take when
//! the owner is stuck in a long poll.
//!
//! # Why the slot must be reachable
//!
//! A task that the running task wakes or spawns goes into the worker's LIFO slot and runs
//! right after it (see the `multi_thread` docs). If the running task then computes for a
//! long time without returning, the slot's task waits that whole time, even with other
//! workers idle: tokio's LIFO slot cannot be stolen, a long-standing complaint. Here the
//! slot is one atomic pointer that another worker can empty, and an idle worker watches
//! for an owner that has not finished a poll for [`WATCH_PERIOD`] while its slot is full
//! (`worker.rs`, `watch_lifo_slots`).
//!
//! # The protocol
//!
//! | operation | who | how |
//! |---|---|---|
//! | [`push`](LifoSlot::push) | owner | `swap(new)`: the previous occupant, if still there, is the owner's to requeue |
//! | [`take`](LifoSlot::take) | owner or thief | a plain load first (an empty slot costs no write), then `swap(null)` |
//!
//! Every transfer of a task is one `swap`, so each task comes out of the slot exactly
//! once: whoever's swap returns the pointer owns it. The swaps are `AcqRel` so that the
//! task's queue entry, written before the push, is visible to whoever takes it.
//!
//! The element type is generic ([`SlotPointer`]) so that the loom models below can check
//! the protocol with boxed integers.

use crate::sync::AtomicPtr;
use std::marker::PhantomData;
use std::ptr::{self, NonNull};
use std::sync::atomic::Ordering::{AcqRel, Relaxed};
use std::time::Duration;

/// How long an idle worker sleeps between two looks at the busy workers' LIFO slots, and
/// so how long a task can wait in the slot of a worker stuck in one poll (one to two
/// periods) while another worker is idle.
pub(super) const WATCH_PERIOD: Duration = Duration::from_millis(1);

/// The watch period of a worker whose last park was short ([`SHORT_PARK`]): one tick of
/// the kernel at Linux's common `HZ=250`.
pub(super) const BUSY_WATCH_PERIOD: Duration = Duration::from_millis(4);

/// A park that ends sooner than this was ended by work, not by its timeout: the worker is
/// parking often.
pub(super) const SHORT_PARK: Duration = Duration::from_micros(250);

/// The timeout of a watcher's sleep: [`WATCH_PERIOD`], or [`BUSY_WATCH_PERIOD`] if the
/// worker's last park was shorter than [`SHORT_PARK`].
///
/// The watcher sleeps with this timeout at every park while another worker is awake. A
/// timeout that falls before the kernel's next tick makes the kernel reprogram the timer
/// hardware when the sleep starts and again when an event ends it early (on a virtual
/// machine, two exits to the hypervisor); one at least a tick away rides on the tick.
/// That is a few microseconds per park, nothing beside a park of a millisecond, but a
/// worker serving a stream parks every 70 µs or so: there it came to a fifth of its CPU
/// time (`net/tcp_stream_16mib` on a two-core virtual machine: 1.18 to 1.23 times
/// tokio's CPU per round with a 1 ms period, 1.09 to 1.13 with 2 ms, 0.97 to 1.00 with
/// 4 ms, at equal wall time). Parks of a millisecond keep the short period, and with it
/// a timer of the busy worker's that falls due within it needs no wake-up of the
/// sleeping driver holder (`time/timeout_fires`: 4 ms there cost a fifth more CPU). A
/// task stranded behind a stuck poll waits at most about `BUSY_WATCH_PERIOD +
/// WATCH_PERIOD`, since a watch that times out was a long park.
pub(super) fn watch_period(last_park_short: bool) -> Duration {
    if last_park_short { BUSY_WATCH_PERIOD } else { WATCH_PERIOD }
}

/// A value that is one non-null pointer (a queue entry), so that it fits an atomic slot.
pub(crate) trait SlotPointer: Sized {
    fn into_ptr(self) -> NonNull<()>;
    /// # Safety
    /// `ptr` came from [`into_ptr`](SlotPointer::into_ptr) and is turned back only once.
    unsafe fn from_ptr(ptr: NonNull<()>) -> Self;
}

impl SlotPointer for crate::task::Notified {
    fn into_ptr(self) -> NonNull<()> {
        self.into_raw().header_ptr().cast()
    }

    unsafe fn from_ptr(ptr: NonNull<()>) -> Self {
        // SAFETY: `ptr` is a task header that `into_ptr` took from a `Notified` together
        // with its reference and NOTIFIED bit, handed back here exactly once (the caller's
        // contract).
        unsafe { crate::task::Notified::from_raw(crate::task::RawTask::from_raw(ptr.cast())) }
    }
}

pub(crate) struct LifoSlot<T: SlotPointer> {
    ptr: AtomicPtr<()>,
    _owns: PhantomData<T>,
}

// SAFETY: the slot owns at most one `T` and hands it to exactly one thread (one `swap`
// returns it); `T: Send` lets that thread be another one.
unsafe impl<T: SlotPointer + Send> Send for LifoSlot<T> {}
// SAFETY: as above: shared access only moves whole `T`s through atomic swaps.
unsafe impl<T: SlotPointer + Send> Sync for LifoSlot<T> {}

impl<T: SlotPointer> LifoSlot<T> {
    pub(crate) fn new() -> Self {
        LifoSlot { ptr: AtomicPtr::new(ptr::null_mut()), _owns: PhantomData }
    }

    /// Puts `task` in the slot (owner only). Returns the previous occupant, unless another
    /// worker took it.
    pub(crate) fn push(&self, task: T) -> Option<T> {
        let prev = self.ptr.swap(task.into_ptr().as_ptr(), AcqRel);
        // SAFETY: a non-null value in the slot came from `into_ptr`, and this swap removed
        // it, so no one else turns it back.
        NonNull::new(prev).map(|p| unsafe { T::from_ptr(p) })
    }

    /// Empties the slot (the owner, or another worker rescuing the task).
    pub(crate) fn take(&self) -> Option<T> {
        if self.ptr.load(Relaxed).is_null() {
            return None;
        }
        let prev = self.ptr.swap(ptr::null_mut(), AcqRel);
        // SAFETY: as in `push`: this swap removed the pointer from the slot.
        NonNull::new(prev).map(|p| unsafe { T::from_ptr(p) })
    }

    /// Whether a task is in the slot (a snapshot).
    pub(crate) fn is_occupied(&self) -> bool {
        !self.ptr.load(Relaxed).is_null()
    }
}

impl<T: SlotPointer> Drop for LifoSlot<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

#[cfg(test)]
impl<T> SlotPointer for Box<T> {
    fn into_ptr(self) -> NonNull<()> {
        NonNull::from(Box::leak(self)).cast()
    }

    unsafe fn from_ptr(ptr: NonNull<()>) -> Self {
        // SAFETY: `ptr` came from `Box::leak` in `into_ptr`, turned back once.
        unsafe { Box::from_raw(ptr.cast::<T>().as_ptr()) }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn push_returns_the_previous_occupant_and_take_empties() {
        let slot = LifoSlot::new();
        assert!(slot.push(Box::new(1)).is_none());
        assert!(slot.is_occupied());
        assert_eq!(slot.push(Box::new(2)).map(|b| *b), Some(1));
        assert_eq!(slot.take().map(|b| *b), Some(2));
        assert!(slot.take().is_none());
        assert!(!slot.is_occupied());
        slot.push(Box::new(3)); // dropped with the slot
    }

    /// A watcher that parks often sleeps a kernel tick or more; one whose parks are long
    /// keeps the short period; a park shorter than `SHORT_PARK` could not have been ended
    /// by either period's timeout, so it was ended by work.
    #[test]
    fn the_watch_period_is_a_tick_long_only_for_a_worker_that_parks_often() {
        assert_eq!(watch_period(false), WATCH_PERIOD);
        assert_eq!(watch_period(true), BUSY_WATCH_PERIOD);
        assert!(BUSY_WATCH_PERIOD >= Duration::from_millis(4), "one tick at HZ=250");
        assert!(SHORT_PARK < WATCH_PERIOD);
    }

    /// A task spawns a child (it lands in this worker's LIFO slot) and then computes
    /// without returning until the child has run. The child can only run on the other,
    /// idle worker, which must take it from the slot: the parent's "computation" is a
    /// blocking wait for the child's message, so the test proves that the child ran while
    /// its parent was still inside the same poll. Before the slot could be emptied by
    /// another worker, the child waited for the whole poll and the wait timed out.
    #[test]
    fn a_child_in_the_lifo_slot_runs_elsewhere_while_its_parent_computes() {
        let rt = crate::Runtime::builder().multi_thread().worker_threads(2).build().unwrap();
        for round in 0..20 {
            let ran_during_the_poll = rt.block_on(async {
                crate::spawn(async {
                    let (tx, rx) = std::sync::mpsc::channel();
                    drop(crate::spawn(async move { tx.send(()).unwrap() }));
                    // Generous: the child is taken within a few watch periods (1 ms).
                    rx.recv_timeout(Duration::from_secs(30)).is_ok()
                })
                .await
                .unwrap()
            });
            assert!(ran_during_the_poll, "round {round}: the child waited in the LIFO slot");
        }
    }

    /// The same with the parent's child woken rather than spawned: a task blocked in one
    /// poll wakes a waiting task (a oneshot-style hand-off), which lands in its LIFO slot.
    #[test]
    fn a_woken_task_in_the_lifo_slot_runs_elsewhere_while_the_waker_computes() {
        let rt = crate::Runtime::builder().multi_thread().worker_threads(2).build().unwrap();
        for round in 0..20 {
            let ok = rt.block_on(async {
                let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
                let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
                let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                let waker_slot = std::sync::Arc::new(std::sync::Mutex::new(None::<std::task::Waker>));
                let waiter = {
                    let (flag, waker_slot) = (flag.clone(), waker_slot.clone());
                    crate::spawn(async move {
                        std::future::poll_fn(|cx| {
                            if flag.load(std::sync::atomic::Ordering::Acquire) {
                                return std::task::Poll::Ready(());
                            }
                            *waker_slot.lock().unwrap() = Some(cx.waker().clone());
                            let _ = go_tx.send(());
                            std::task::Poll::Pending
                        })
                        .await;
                        done_tx.send(()).unwrap();
                    })
                };
                let waker_task = crate::spawn(async move {
                    // The waiter has registered its waker.
                    crate::blocking::spawn_blocking(move || go_rx.recv().unwrap()).await.unwrap();
                    flag.store(true, std::sync::atomic::Ordering::Release);
                    let waker = waker_slot.lock().unwrap().take().unwrap();
                    waker.wake(); // into this worker's LIFO slot
                    done_rx.recv_timeout(Duration::from_secs(30)).is_ok()
                });
                let ok = waker_task.await.unwrap();
                waiter.await.unwrap();
                ok
            });
            assert!(ok, "round {round}: the woken task waited in the LIFO slot");
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use loom::sync::Arc;
    use loom::thread;

    /// The owner pushes two tasks (the second displaces the first, which it requeues) and
    /// then takes, while another worker tries to rescue: each task ends up with exactly
    /// one of them.
    #[test]
    fn loom_owner_and_thief_never_share_or_lose_a_task() {
        loom::model(|| {
            let slot = Arc::new(LifoSlot::<Box<usize>>::new());
            let thief = {
                let slot = slot.clone();
                thread::spawn(move || slot.take().map(|b| *b))
            };
            let mut owner = vec![];
            assert!(slot.push(Box::new(1)).is_none());
            if let Some(prev) = slot.push(Box::new(2)) {
                owner.push(*prev);
            }
            if let Some(t) = slot.take() {
                owner.push(*t);
            }
            let mut all = owner;
            all.extend(thief.join().unwrap());
            all.sort();
            assert_eq!(all, vec![1, 2]);
            assert!(!slot.is_occupied());
        });
    }

    /// Two workers try to rescue the same task: one gets it.
    #[test]
    fn loom_two_takers_one_task() {
        loom::model(|| {
            let slot = Arc::new(LifoSlot::<Box<usize>>::new());
            slot.push(Box::new(7));
            let other = {
                let slot = slot.clone();
                thread::spawn(move || slot.take().map(|b| *b))
            };
            let mine = slot.take().map(|b| *b);
            let theirs = other.join().unwrap();
            assert_eq!(mine.into_iter().chain(theirs).collect::<Vec<_>>(), vec![7]);
        });
    }
}
