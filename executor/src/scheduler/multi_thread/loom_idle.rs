//! loom models of the idle protocol (`idle.rs`): who sleeps, who is woken, and the
//! lost wake-up that the last searcher's re-check prevents.
//!
//! The worker side re-enacts `worker.rs` (`steal_work` then `park`) and
//! `Shared::notify_if_work_pending`, with the real [`Idle`] and the real injector, so
//! that a change to the orderings in either shows up here.
//!
//! Run: `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib -- loom`

use super::Idle;
use crate::scheduler::inject::Inject;
use crate::scheduler::ring::Overflow;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicUsize, fence};
use loom::thread;
use std::sync::atomic::Ordering::SeqCst;

/// Worker `index`, searching, finds the injector empty (or takes the task) and parks as
/// the last searcher, re-checking the queues as `Shared::notify_if_work_pending` does.
/// Returns true if it took the task itself.
fn search_then_park(idle: &Idle, inject: &Inject<usize>, index: usize, woken: &AtomicUsize) -> bool {
    if inject.pop().is_some() {
        found_work(idle, inject, woken);
        return true;
    }
    if idle.transition_worker_to_parked(index, true) {
        fence(SeqCst);
        if !inject.is_empty() {
            if let Some(w) = idle.worker_to_notify() {
                woken.fetch_or(1 << w, SeqCst);
            }
        }
    }
    false
}

/// The last searcher found work (`WorkerCx::run_task`): it looks at the queues once more,
/// as `Shared::notify_if_work_pending` does, and wakes a sleeper if any task is queued.
fn found_work(idle: &Idle, inject: &Inject<usize>, woken: &AtomicUsize) {
    if idle.transition_worker_from_searching() {
        fence(SeqCst);
        if !inject.is_empty() {
            if let Some(w) = idle.worker_to_notify() {
                woken.fetch_or(1 << w, SeqCst);
            }
        }
    }
}

/// The only searcher takes a task while a remote spawn pushes another: the spawn sees a
/// searcher and wakes nobody, or sees none and wakes the sleeper; either way the second
/// task does not wait behind the first while a worker sleeps: it is already taken, or a
/// worker was woken for it.
#[test]
fn loom_the_last_searcher_wakes_a_sleeper_for_work_submitted_while_it_searched() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(2));
        let inject = Arc::new(Inject::<usize>::new());
        let woken = Arc::new(AtomicUsize::new(0));
        assert!(!idle.transition_worker_to_parked(1, false));
        assert!(idle.transition_worker_to_searching());
        inject.push(1);

        let (idle2, inject2, woken2) = (idle.clone(), inject.clone(), woken.clone());
        let spawner = thread::spawn(move || {
            inject2.push(2);
            if let Some(w) = idle2.worker_to_notify() {
                woken2.fetch_or(1 << w, SeqCst);
            }
        });
        assert!(inject.pop().is_some());
        found_work(&idle, &inject, &woken);
        spawner.join().unwrap();

        assert!(inject.is_empty() || woken.load(SeqCst) != 0, "a task waits while a worker sleeps");
    });
}

/// A task is pushed from outside the workers (a remote spawn) while the only searching
/// worker gives up and goes to sleep, and the other worker already sleeps. Whatever the
/// interleaving, the task is taken by the searcher or some worker is woken for it: it is
/// never left in the queue with every worker asleep.
#[test]
fn loom_no_lost_wakeup_between_a_remote_spawn_and_the_last_searcher() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(2));
        let inject = Arc::new(Inject::<usize>::new());
        let woken = Arc::new(AtomicUsize::new(0));
        // Worker 1 sleeps; worker 0 searches.
        assert!(!idle.transition_worker_to_parked(1, false));
        assert!(idle.transition_worker_to_searching());

        let (idle2, inject2, woken2) = (idle.clone(), inject.clone(), woken.clone());
        let spawner = thread::spawn(move || {
            // Shared::schedule_task from a thread that is not a worker.
            inject2.push(7);
            if let Some(w) = idle2.worker_to_notify() {
                woken2.fetch_or(1 << w, SeqCst);
            }
        });
        let took_it = search_then_park(&idle, &inject, 0, &woken);
        spawner.join().unwrap();

        assert!(took_it || woken.load(SeqCst) != 0, "lost wake-up: a task is queued and every worker sleeps");
        if !took_it {
            assert!(!inject.is_empty());
        }
    });
}

/// Two remote spawns race while both workers sleep: each wake-up goes to a different
/// worker or to none (someone is already searching); the counters stay consistent.
#[test]
fn loom_two_notifiers_wake_distinct_workers() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(2));
        assert!(!idle.transition_worker_to_parked(0, false));
        assert!(!idle.transition_worker_to_parked(1, false));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let idle = idle.clone();
                thread::spawn(move || idle.worker_to_notify())
            })
            .collect();
        let woken: Vec<usize> = handles.into_iter().filter_map(|h| h.join().unwrap()).collect();
        // The first wake-up makes a searcher; a searcher suppresses further wake-ups.
        assert_eq!(woken.len(), 1, "woken: {woken:?}");
        // One searcher of two workers: nobody else may start searching.
        assert!(!idle.transition_worker_to_searching());
        // The woken worker finds itself picked (out of the sleepers list).
        assert!(idle.transition_worker_from_parked(woken[0]));
    });
}

/// A sleeping worker wakes on its own (a timer, a spurious wake-up) while a notifier
/// picks it: it ends up counted once as awake, searching iff it was picked.
#[test]
fn loom_a_worker_waking_on_its_own_races_a_notifier() {
    loom::model(|| {
        let idle = Arc::new(Idle::new(2));
        assert!(!idle.transition_worker_to_parked(1, false));
        let idle2 = idle.clone();
        let notifier = thread::spawn(move || idle2.worker_to_notify());
        let picked = idle.transition_worker_from_parked(1);
        let notified = notifier.join().unwrap();
        assert_eq!(picked, notified == Some(1), "the worker knows whether it was picked");
        // Both workers are awake now: nobody else can be woken.
        assert_eq!(idle.worker_to_notify(), None);
        // Worker 0 may search only if the woken worker is not already searching.
        assert_eq!(idle.transition_worker_to_searching(), !picked);
    });
}
