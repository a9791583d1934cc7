//! loom models of the task state word (`state.rs`): the races between a poll ending, a
//! wake, an abort, completion and the `Task` handle. Each model drives `State` the way
//! the harness, the wakers and the handle do, and checks what must hold whatever the
//! interleaving: exactly one queue entry per wake-up, one reader of each slot at a time
//! (loom's `UnsafeCell` reports a data race otherwise), exactly one side dropping the
//! output, and references that balance to exactly one deallocation.
//!
//! Run: `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib -- loom`

use super::state::*;
use crate::sync::UnsafeCell;
use loom::sync::Arc;
use loom::sync::atomic::AtomicUsize;
use loom::thread;
use std::sync::atomic::Ordering::SeqCst;

/// A task that was spawned and polled once, and is now idle: the poll's reference (the
/// first queue entry's) was dropped; the owned list and the handle hold the other two.
fn idle_task() -> State {
    let s = State::new();
    assert_eq!(s.transition_to_running(), ToRunning::Poll { first: true, aborted: false });
    assert_eq!(s.transition_to_idle(), ToIdle::Idle);
    s
}

/// A wake by value (the waker's reference) races the poll that is ending: whichever way
/// it goes, the task is submitted exactly once, and the references balance.
#[test]
fn loom_wake_by_val_races_transition_to_idle() {
    loom::model(|| {
        let s = Arc::new(State::new());
        assert!(matches!(s.transition_to_running(), ToRunning::Poll { .. }));
        s.ref_inc(); // the waker a timer holds
        let submits = Arc::new(AtomicUsize::new(0));
        let (s2, sub2) = (s.clone(), submits.clone());
        let waker = thread::spawn(move || match s2.transition_to_notified_by_val() {
            ToNotified::Submit => {
                sub2.fetch_add(1, SeqCst);
            }
            ToNotified::DoNothing => {}
            ToNotified::Dealloc => panic!("the owned list still holds a reference"),
        });
        match s.transition_to_idle() {
            ToIdle::Notified => {
                submits.fetch_add(1, SeqCst);
            }
            ToIdle::Idle => {}
            ToIdle::Aborted => panic!("nobody aborted"),
        }
        waker.join().unwrap();
        assert_eq!(submits.load(SeqCst), 1, "one wake-up, one queue entry");
        let now = s.load();
        assert!(now.is(NOTIFIED) && !now.is(RUNNING));
        // Owned list + handle + the one queue entry.
        assert_eq!(now.ref_count(), 3);
    });
}

/// The same with wakes by reference from two threads (no reference of their own): one
/// submission, and a reference is taken only for it.
#[test]
fn loom_two_wakes_by_ref_race_transition_to_idle() {
    loom::model(|| {
        let s = Arc::new(State::new());
        assert!(matches!(s.transition_to_running(), ToRunning::Poll { .. }));
        let submits = Arc::new(AtomicUsize::new(0));
        let wakers: Vec<_> = (0..2)
            .map(|_| {
                let (s2, sub2) = (s.clone(), submits.clone());
                thread::spawn(move || {
                    if s2.transition_to_notified_by_ref() == ToNotified::Submit {
                        sub2.fetch_add(1, SeqCst);
                    }
                })
            })
            .collect();
        if s.transition_to_idle() == ToIdle::Notified {
            submits.fetch_add(1, SeqCst);
        }
        for w in wakers {
            w.join().unwrap();
        }
        assert_eq!(submits.load(SeqCst), 1);
        assert_eq!(s.load().ref_count(), 3);
    });
}

/// `abort()` races a wake on an idle task: one queue entry between them, and the poll
/// that takes it sees the abort.
#[test]
fn loom_abort_races_a_wake() {
    loom::model(|| {
        let s = Arc::new(idle_task());
        let submits = Arc::new(AtomicUsize::new(0));
        let (s2, sub2) = (s.clone(), submits.clone());
        let aborter = thread::spawn(move || {
            if s2.transition_to_aborted() == ToNotified::Submit {
                sub2.fetch_add(1, SeqCst);
            }
        });
        if s.transition_to_notified_by_ref() == ToNotified::Submit {
            submits.fetch_add(1, SeqCst);
        }
        aborter.join().unwrap();
        assert_eq!(submits.load(SeqCst), 1);
        assert_eq!(s.load().ref_count(), 3);
        assert_eq!(s.transition_to_running(), ToRunning::Poll { first: false, aborted: true });
    });
}

/// `abort()` races the end of a poll: either the poll sees the abort (and completes the
/// task itself), or the abort finds the task idle and submits it. Never both, never
/// neither.
#[test]
fn loom_abort_races_transition_to_idle() {
    loom::model(|| {
        let s = Arc::new(State::new());
        assert!(matches!(s.transition_to_running(), ToRunning::Poll { .. }));
        let s2 = s.clone();
        let aborter = thread::spawn(move || s2.transition_to_aborted() == ToNotified::Submit);
        let poll_saw_abort = match s.transition_to_idle() {
            ToIdle::Aborted => true,
            ToIdle::Idle => false,
            ToIdle::Notified => panic!("nobody woke the task"),
        };
        let abort_submitted = aborter.join().unwrap();
        assert!(poll_saw_abort != abort_submitted, "exactly one side finishes the abort");
        if abort_submitted {
            assert_eq!(s.transition_to_running(), ToRunning::Poll { first: false, aborted: true });
        }
    });
}

/// The handle stores its waker (`set_join_waker`) while the task completes: the slot has
/// one user at a time, and the handle is either woken or sees `COMPLETE` itself.
#[test]
fn loom_set_join_waker_races_transition_to_complete() {
    loom::model(|| {
        let s = Arc::new(State::new());
        let slot = Arc::new(UnsafeCell::new(None::<usize>)); // the join waker
        let output = Arc::new(UnsafeCell::new(None::<usize>)); // the stage
        let woken = Arc::new(AtomicUsize::new(0));

        let (s2, slot2, out2, woken2) = (s.clone(), slot.clone(), output.clone(), woken.clone());
        let runtime = thread::spawn(move || {
            assert!(matches!(s2.transition_to_running(), ToRunning::Poll { .. }));
            // SAFETY: the state-word protocol under test gives this thread the cell here; loom checks it.
            out2.with_mut(|p| unsafe { *p = Some(42) });
            let prev = s2.transition_to_complete(false);
            if prev.is(JOIN_INTEREST | JOIN_WAKER) {
                // SAFETY: the state-word protocol under test gives this thread the cell here; loom checks it.
                if slot2.with(|p| unsafe { *p }) == Some(7) {
                    woken2.fetch_add(1, SeqCst);
                }
            }
        });

        // The handle's first poll (harness::can_read_output / set_join_waker).
        let read_directly = if s.load().is(COMPLETE) {
            true
        } else {
            // SAFETY: the state-word protocol under test gives this thread the cell here; loom checks it.
            slot.with_mut(|p| unsafe { *p = Some(7) });
            if s.set_join_waker().is_err() {
                // SAFETY: the state-word protocol under test gives this thread the cell here; loom checks it.
                slot.with_mut(|p| unsafe { *p = None });
                true
            } else {
                false
            }
        };
        runtime.join().unwrap();
        assert!(read_directly != (woken.load(SeqCst) == 1), "woken xor saw COMPLETE");
        // Either way the output is now the handle's to read.
        assert!(s.load().is(COMPLETE));
        // SAFETY: the state-word protocol under test gives this thread the cell here; loom checks it.
        assert_eq!(output.with(|p| unsafe { *p }), Some(42));
    });
}

/// The handle replaces its waker (`unset_join_waker`, write, `set_join_waker`) while the
/// task completes: no data race on the slot, and the waker the runtime reads, if any, is
/// a whole one.
#[test]
fn loom_replacing_the_join_waker_races_completion() {
    loom::model(|| {
        let s = Arc::new(State::new());
        let slot = Arc::new(UnsafeCell::new(Some(1usize)));
        assert!(s.set_join_waker().is_ok());
        let s2 = s.clone();
        let slot2 = slot.clone();
        let runtime = thread::spawn(move || {
            assert!(matches!(s2.transition_to_running(), ToRunning::Poll { .. }));
            let prev = s2.transition_to_complete(false);
            if prev.is(JOIN_WAKER) {
                // SAFETY: the state-word protocol under test gives this thread the cell here; loom checks it.
                slot2.with(|p| unsafe { *p }).expect("a stored waker")
            } else {
                0
            }
        });
        // 0: the handle saw COMPLETE and reads the output itself.
        let current = if s.unset_join_waker().is_ok() {
            // SAFETY: the state-word protocol under test gives this thread the cell here; loom checks it.
            slot.with_mut(|p| unsafe { *p = Some(2) });
            if s.set_join_waker().is_ok() { 2 } else { 0 }
        } else {
            0
        };
        let woke = runtime.join().unwrap();
        if current != 0 {
            assert_eq!(woke, current, "the runtime woke the handle's latest waker");
        }
    });
}

/// The handle is dropped while the task completes: exactly one side drops the output,
/// and exactly one drop of a reference frees the task.
#[test]
fn loom_unset_join_interest_races_completion() {
    loom::model(|| {
        let s = Arc::new(State::new());
        let output = Arc::new(UnsafeCell::new(None::<usize>));
        let dropped_output = Arc::new(AtomicUsize::new(0));
        let deallocs = Arc::new(AtomicUsize::new(0));

        let (s2, out2, drop2, dealloc2) =
            (s.clone(), output.clone(), dropped_output.clone(), deallocs.clone());
        let runtime = thread::spawn(move || {
            assert!(matches!(s2.transition_to_running(), ToRunning::Poll { .. }));
            // SAFETY: the state-word protocol under test gives this thread the cell here; loom checks it.
            out2.with_mut(|p| unsafe { *p = Some(42) });
            let prev = s2.transition_to_complete(false);
            if !prev.is(JOIN_INTEREST) {
                // SAFETY: the state-word protocol under test gives this thread the cell here; loom checks it.
                out2.with_mut(|p| unsafe { *p = None });
                drop2.fetch_add(1, SeqCst);
            }
            // The poll's reference and the owned list's.
            if s2.ref_dec_n(2) {
                dealloc2.fetch_add(1, SeqCst);
            }
        });

        // Task::drop -> drop_join_handle_slow.
        if s.unset_join_interest().is_err() {
            // SAFETY: the state-word protocol under test gives this thread the cell here; loom checks it.
            output.with_mut(|p| unsafe { *p = None });
            dropped_output.fetch_add(1, SeqCst);
        }
        if s.ref_dec() {
            deallocs.fetch_add(1, SeqCst);
        }
        runtime.join().unwrap();
        assert_eq!(dropped_output.load(SeqCst), 1, "the output is dropped exactly once");
        assert_eq!(deallocs.load(SeqCst), 1, "the task is freed exactly once");
    });
}

/// A wake by value from another thread races completion and the last references: the
/// task is freed exactly once, and a complete task is never submitted.
#[test]
fn loom_wake_by_val_races_completion_and_release() {
    loom::model(|| {
        let s = Arc::new(State::new());
        assert!(matches!(s.transition_to_running(), ToRunning::Poll { .. }));
        s.ref_inc(); // a waker held by another thread
        assert!(s.unset_join_interest().is_ok()); // detached: the handle is gone...
        assert!(!s.ref_dec()); // ...with its reference
        let deallocs = Arc::new(AtomicUsize::new(0));
        let (s2, d2) = (s.clone(), deallocs.clone());
        let waker = thread::spawn(move || match s2.transition_to_notified_by_val() {
            ToNotified::Dealloc => {
                d2.fetch_add(1, SeqCst);
            }
            ToNotified::DoNothing => {}
            ToNotified::Submit => panic!("a running or complete task was submitted"),
        });
        s.transition_to_complete(false);
        if s.ref_dec_n(2) {
            deallocs.fetch_add(1, SeqCst);
        }
        waker.join().unwrap();
        assert_eq!(deallocs.load(SeqCst), 1);
    });
}
