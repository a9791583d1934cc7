//! The task's state word: every flag and the reference count in one `AtomicUsize`, so
//! that each transition of the life cycle is a single compare-and-swap.
//!
//! # Bits
//!
//! | bit  | name            | set by                                   | cleared by                          |
//! |------|-----------------|------------------------------------------|-------------------------------------|
//! | 0    | `RUNNING`       | [`State::transition_to_running`]         | [`State::transition_to_idle`], [`State::transition_to_complete`] |
//! | 1    | `COMPLETE`      | [`State::transition_to_complete`]        | never                               |
//! | 2    | `NOTIFIED`      | a wake, [`State::transition_to_aborted`] | [`State::transition_to_running`]    |
//! | 3    | `JOIN_INTEREST` | spawn (the `Task` handle exists)         | the handle's drop                   |
//! | 4    | `JOIN_WAKER`    | the handle, once its waker is stored     | the handle, to replace the waker    |
//! | 5    | `ABORTED`       | `abort()`, runtime shutdown              | never                               |
//! | 6    | `STARTED`       | the first [`State::transition_to_running`] | never                             |
//! | 7    | `CANCELLED`     | completion, when the task ended cancelled | never                              |
//! | 8    | `FINISHING`     | [`State::set_finishing`], when the future returned and the verdict is being made | never |
//! | 8..  | reference count | clones of wakers, queue entries, handles | their drops                         |
//!
//! `NOTIFIED` means "exactly one queue entry for this task exists, or will exist when the
//! current poll ends": a wake sets it and, if the task was idle, submits the task with a
//! new reference. A wake that finds the task `RUNNING` only sets the bit; the poll that is
//! running re-submits the task when it returns `Pending` (a task that wakes itself yields).
//!
//! `JOIN_WAKER` hands the join waker slot back and forth: while it is clear, only the
//! `Task` handle may touch the slot; while it is set, only the runtime may read it (to wake
//! the handle on completion). Setting `COMPLETE` freezes it, so the handle never writes the
//! slot after the runtime might have read it.
//!
//! # References
//!
//! A new task starts with three: the owned-task list, the first queue entry, the `Task`
//! handle. The allocation is freed when the count reaches zero, by whoever dropped the last
//! one. Liveness: every holder of a reference drops it in finite time (queue entries are
//! drained at shutdown, the owned list releases on completion or shutdown).

use crate::sync::AtomicUsize;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed};

pub(crate) const RUNNING: usize = 1 << 0;
pub(crate) const COMPLETE: usize = 1 << 1;
pub(crate) const NOTIFIED: usize = 1 << 2;
pub(crate) const JOIN_INTEREST: usize = 1 << 3;
pub(crate) const JOIN_WAKER: usize = 1 << 4;
pub(crate) const ABORTED: usize = 1 << 5;
pub(crate) const STARTED: usize = 1 << 6;
pub(crate) const CANCELLED: usize = 1 << 7;
pub(crate) const FINISHING: usize = 1 << 8;
const REF_SHIFT: usize = 9;
const REF_ONE: usize = 1 << REF_SHIFT;
const FLAGS: usize = REF_ONE - 1;

/// The atomic state word. See the module docs for the table of bits.
pub(crate) struct State(AtomicUsize);

/// A copy of the state word, read once.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(pub(crate) usize);

impl Snapshot {
    pub(crate) fn is(self, flag: usize) -> bool {
        self.0 & flag == flag
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = [
            "RUNNING",
            "COMPLETE",
            "NOTIFIED",
            "JOIN_INTEREST",
            "JOIN_WAKER",
            "ABORTED",
            "STARTED",
            "CANCELLED",
            "FINISHING",
        ];
        let mut l = f.debug_list();
        for (i, n) in names.iter().enumerate() {
            if self.0 & (1 << i) != 0 {
                l.entry(n);
            }
        }
        l.entry(&format_args!("refs={}", self.ref_count()));
        l.finish()
    }
}

/// What the scheduler does with a queue entry it popped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the task. `first` is true on its first poll; `aborted` means drop it instead.
    Poll { first: bool, aborted: bool },
    /// The task is running elsewhere or finished (a stale entry after shutdown): the
    /// entry's reference was dropped; `true` if it was the last.
    Skip { dealloc: bool },
}

/// How a poll that returned `Pending` ends.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Nothing to do: the poll's reference was dropped.
    Idle,
    /// The task was woken while it ran: re-submit it, reusing the poll's reference.
    Notified,
    /// `abort()` was called while it ran: drop the future and complete it.
    Aborted,
}

/// What a wake must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    DoNothing,
    /// Submit the task to its scheduler with the reference this call holds.
    Submit,
    /// The caller held the last reference: free the task.
    Dealloc,
}

impl State {
    /// The state of a fresh task: notified (its first queue entry), join interest, three
    /// references.
    pub(crate) fn new() -> State {
        State(AtomicUsize::new(NOTIFIED | JOIN_INTEREST | (3 * REF_ONE)))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    fn update<T>(&self, mut f: impl FnMut(usize) -> (Option<usize>, T)) -> T {
        let mut cur = self.0.load(Acquire);
        loop {
            let (next, out) = f(cur);
            let Some(next) = next else { return out };
            match self.0.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return out,
                Err(actual) => cur = actual,
            }
        }
    }

    /// (1) A popped queue entry: NOTIFIED -> RUNNING. Called by `harness::poll`.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.update(|cur| {
            debug_assert!(cur & NOTIFIED != 0, "polled a task that was not notified");
            if cur & (RUNNING | COMPLETE) != 0 {
                let next = cur - REF_ONE;
                return (Some(next), ToRunning::Skip { dealloc: next >> REF_SHIFT == 0 });
            }
            let next = (cur & !NOTIFIED) | RUNNING | STARTED;
            let out = ToRunning::Poll { first: cur & STARTED == 0, aborted: cur & ABORTED != 0 };
            (Some(next), out)
        })
    }

    /// (2) A poll returned `Pending`: RUNNING -> idle, or re-submit if woken meanwhile.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.update(|cur| {
            debug_assert!(cur & RUNNING != 0);
            if cur & ABORTED != 0 {
                return (None, ToIdle::Aborted);
            }
            if cur & NOTIFIED != 0 {
                // The poll's reference becomes the new queue entry's.
                (Some(cur & !RUNNING), ToIdle::Notified)
            } else {
                // The owned list still holds a reference, so this never frees the task.
                debug_assert!(cur >> REF_SHIFT >= 2);
                (Some((cur & !RUNNING) - REF_ONE), ToIdle::Idle)
            }
        })
    }

    /// (3) The output is stored: RUNNING -> COMPLETE. Returns the state before.
    /// The future returned: from now on a `cancel()` cannot change how the task ends
    /// unless the verdict (made next) takes its request. See `cancel/state.rs`, "A request
    /// that races the end", for the handshake this is half of.
    pub(crate) fn set_finishing(&self) {
        self.0.fetch_or(FINISHING, AcqRel);
        crate::sync::fence_seq_cst_after_rmw();
    }

    /// Whether the task finished, or its future has returned and is being finished.
    pub(crate) fn is_finishing_or_complete(&self) -> bool {
        self.0.load(Acquire) & (FINISHING | COMPLETE) != 0
    }

    /// `cancel()`'s look at the task after its request: `None` if the task finished or
    /// is finishing, otherwise whether its future is being polled right now.
    pub(crate) fn polling_unless_finishing(&self) -> Option<bool> {
        let s = self.0.load(Acquire);
        (s & (FINISHING | COMPLETE) == 0).then_some(s & RUNNING != 0)
    }

    pub(crate) fn transition_to_complete(&self, cancelled: bool) -> Snapshot {
        let bits = RUNNING | COMPLETE | if cancelled { CANCELLED } else { 0 };
        let prev = Snapshot(self.0.fetch_xor(bits, AcqRel));
        debug_assert!(prev.is(RUNNING) && !prev.is(COMPLETE) && !prev.is(CANCELLED));
        prev
    }

    /// (4) A wake through a waker reference: submit only if the task is idle, and only
    /// then take a new reference for the queue entry.
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.update(|cur| {
            if cur & (COMPLETE | NOTIFIED) != 0 {
                (None, ToNotified::DoNothing)
            } else if cur & RUNNING != 0 {
                (Some(cur | NOTIFIED), ToNotified::DoNothing)
            } else {
                (Some((cur | NOTIFIED) + REF_ONE), ToNotified::Submit)
            }
        })
    }

    /// (4') A wake that consumes a waker: its reference becomes the queue entry's, or is
    /// dropped.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.update(|cur| {
            if cur & RUNNING != 0 && cur & (COMPLETE | NOTIFIED) == 0 {
                let next = (cur | NOTIFIED) - REF_ONE;
                (Some(next), ToNotified::DoNothing)
            } else if cur & (COMPLETE | NOTIFIED | RUNNING) != 0 {
                let next = cur - REF_ONE;
                let out = if next >> REF_SHIFT == 0 { ToNotified::Dealloc } else { ToNotified::DoNothing };
                (Some(next), out)
            } else {
                (Some(cur | NOTIFIED), ToNotified::Submit)
            }
        })
    }

    /// (5) `abort()`: mark the task and make sure it is polled once more, so that the
    /// scheduler drops its future on a worker.
    pub(crate) fn transition_to_aborted(&self) -> ToNotified {
        self.update(|cur| {
            if cur & (COMPLETE | ABORTED) != 0 {
                (None, ToNotified::DoNothing)
            } else if cur & (RUNNING | NOTIFIED) != 0 {
                (Some(cur | ABORTED), ToNotified::DoNothing)
            } else {
                (Some((cur | ABORTED | NOTIFIED) + REF_ONE), ToNotified::Submit)
            }
        })
    }

    /// (6) Runtime shutdown: claim an idle task so its future can be dropped here.
    /// Returns false if the task is running (it will see `ABORTED`) or complete.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.update(|cur| {
            if cur & (RUNNING | COMPLETE) != 0 {
                (Some(cur | ABORTED), false)
            } else {
                (Some(cur | ABORTED | RUNNING), true)
            }
        })
    }

    /// The handle is dropped: clear `JOIN_INTEREST`. Fails if the task is complete, in
    /// which case the handle owns the output and must drop it.
    pub(crate) fn unset_join_interest(&self) -> Result<(), Snapshot> {
        self.update(|cur| {
            if cur & COMPLETE != 0 {
                (None, Err(Snapshot(cur)))
            } else {
                (Some(cur & !(JOIN_INTEREST | JOIN_WAKER)), Ok(()))
            }
        })
    }

    /// The handle stored its waker: give the slot to the runtime. Fails if complete.
    pub(crate) fn set_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|cur| {
            debug_assert!(cur & JOIN_INTEREST != 0 && cur & JOIN_WAKER == 0);
            if cur & COMPLETE != 0 { (None, Err(Snapshot(cur))) } else { (Some(cur | JOIN_WAKER), Ok(())) }
        })
    }

    /// The handle wants to replace its waker: take the slot back. Fails if complete.
    pub(crate) fn unset_join_waker(&self) -> Result<(), Snapshot> {
        self.update(|cur| {
            debug_assert!(cur & JOIN_WAKER != 0);
            if cur & COMPLETE != 0 { (None, Err(Snapshot(cur))) } else { (Some(cur & !JOIN_WAKER), Ok(())) }
        })
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.0.fetch_add(REF_ONE, Relaxed);
        // A count this large means references leak in a loop; abort rather than wrap.
        if prev > usize::MAX / 2 {
            std::process::abort();
        }
    }

    /// Drops `n` references; true if they were the last.
    pub(crate) fn ref_dec_n(&self, n: usize) -> bool {
        let prev = self.0.fetch_sub(n * REF_ONE, AcqRel);
        debug_assert!(prev >> REF_SHIFT >= n, "task reference count underflow");
        prev >> REF_SHIFT == n
    }

    pub(crate) fn ref_dec(&self) -> bool {
        self.ref_dec_n(1)
    }

    #[allow(dead_code)]
    pub(crate) fn flags(&self) -> usize {
        self.0.load(Acquire) & FLAGS
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn life_cycle_of_a_task_that_pends_once() {
        let s = State::new();
        assert_eq!(s.transition_to_running(), ToRunning::Poll { first: true, aborted: false });
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert!(s.load().is(NOTIFIED | RUNNING));
        assert_eq!(s.transition_to_idle(), ToIdle::Notified);
        assert_eq!(s.transition_to_running(), ToRunning::Poll { first: false, aborted: false });
        assert_eq!(s.transition_to_idle(), ToIdle::Idle);
        assert_eq!(s.load().ref_count(), 2);
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::Submit);
        assert_eq!(s.load().ref_count(), 3);
        assert_eq!(s.transition_to_running(), ToRunning::Poll { first: false, aborted: false });
        let prev = s.transition_to_complete(false);
        assert!(prev.is(JOIN_INTEREST));
        assert!(s.load().is(COMPLETE));
        assert_eq!(s.transition_to_notified_by_ref(), ToNotified::DoNothing);
        assert!(s.unset_join_interest().is_err(), "complete: the handle owns the output");
    }

    #[test]
    fn abort_submits_an_idle_task_once() {
        let s = State::new();
        let _ = s.transition_to_running();
        assert_eq!(s.transition_to_idle(), ToIdle::Idle);
        assert_eq!(s.transition_to_aborted(), ToNotified::Submit);
        assert_eq!(s.transition_to_aborted(), ToNotified::DoNothing);
        assert_eq!(s.transition_to_running(), ToRunning::Poll { first: false, aborted: true });
    }

    #[test]
    fn wake_by_val_on_a_complete_task_frees_it_when_last() {
        let s = State::new();
        let _ = s.transition_to_running();
        s.transition_to_complete(false);
        assert!(!s.ref_dec_n(2)); // owned list + running
        assert_eq!(s.transition_to_notified_by_val(), ToNotified::Dealloc);
    }

    #[test]
    fn join_waker_slot_is_frozen_by_completion() {
        let s = State::new();
        assert!(s.set_join_waker().is_ok());
        let _ = s.transition_to_running();
        s.transition_to_complete(true);
        assert!(s.load().is(CANCELLED));
        assert!(s.unset_join_waker().is_err());
    }
}
