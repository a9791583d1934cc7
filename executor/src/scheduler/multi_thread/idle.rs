//! Who is searching for work, who is asleep, and whom to wake.
//!
//! Waking a worker for every new task would have every worker bounce between sleeping
//! and stealing. Instead (the policy tokio measured best):
//!
//! * at most half the workers search (steal) at once;
//! * a new task wakes a sleeping worker only if nobody is searching: a searcher will find
//!   the task anyway;
//! * a searcher that finds work and stops searching, if it was the last searcher, looks
//!   at every queue once more and wakes the next worker if any holds a task: tasks
//!   submitted while it searched woke nobody (tokio wakes the next worker unconditionally,
//!   which costs a futex round trip per task when one request brings one task);
//! * the last searcher to go to sleep re-checks every queue after announcing it sleeps;
//!   a task submitted in between either sees it asleep (and wakes someone) or is found by
//!   the re-check. This is where lost wake-ups would live.
//!
//! # The state word
//!
//! | bits   | meaning                               |
//! |--------|---------------------------------------|
//! | 0..16  | number of searching workers           |
//! | 16..   | number of unparked (awake) workers    |

use crate::sync::AtomicUsize;
use crate::sync::Mutex;
use std::sync::atomic::Ordering::{Acquire, SeqCst};

const UNPARK_SHIFT: usize = 16;
const UNPARK_ONE: usize = 1 << UNPARK_SHIFT;
const SEARCH_MASK: usize = UNPARK_ONE - 1;

pub(crate) struct Idle {
    state: AtomicUsize,
    num_workers: usize,
    sleepers: Mutex<Vec<usize>>,
}

impl Idle {
    pub(crate) fn new(num_workers: usize) -> Idle {
        Idle {
            state: AtomicUsize::new(num_workers << UNPARK_SHIFT),
            num_workers,
            sleepers: Mutex::new(Vec::with_capacity(num_workers)),
        }
    }

    fn searching(s: usize) -> usize {
        s & SEARCH_MASK
    }

    fn unparked(s: usize) -> usize {
        s >> UNPARK_SHIFT
    }

    /// The worker to wake for a new task, if one should be woken. The chosen worker is
    /// counted as unparked and searching before it runs.
    pub(crate) fn worker_to_notify(&self) -> Option<usize> {
        if !self.notify_should_wakeup() {
            return None;
        }
        let mut sleepers = self.sleepers.lock();
        if !self.notify_should_wakeup() {
            return None;
        }
        // Both counts go up in one step so that no other notifier also wakes a worker.
        self.state.fetch_add(UNPARK_ONE | 1, SeqCst);
        sleepers.pop()
    }

    fn notify_should_wakeup(&self) -> bool {
        // A read-modify-write, not a load: it is ordered after the caller's push of the
        // task in the single total order of SeqCst operations, which is what the
        // "submit, then check" / "park, then re-check" handshake needs.
        let s = self.state.fetch_add(0, SeqCst);
        Self::searching(s) == 0 && Self::unparked(s) < self.num_workers
    }

    /// Whether a worker may be asleep with nobody searching: a cheap pre-check (one plain
    /// load) before [`worker_to_notify`](Self::worker_to_notify), for callers that would
    /// otherwise call it on every task.
    pub(crate) fn may_have_sleepers(&self) -> bool {
        let s = self.state.load(Acquire);
        Self::searching(s) == 0 && Self::unparked(s) < self.num_workers
    }

    /// Whether any worker is awake (running, searching, or notified and about to run).
    pub(crate) fn any_unparked(&self) -> bool {
        Self::unparked(self.state.load(Acquire)) > 0
    }

    /// A worker wants to steal: allowed while fewer than half are searching.
    pub(crate) fn transition_worker_to_searching(&self) -> bool {
        let s = self.state.load(Acquire);
        if 2 * Self::searching(s) >= self.num_workers {
            return false;
        }
        self.state.fetch_add(1, SeqCst);
        true
    }

    /// A searcher found work or gives up. Returns true if it was the last searcher.
    pub(crate) fn transition_worker_from_searching(&self) -> bool {
        let prev = self.state.fetch_sub(1, SeqCst);
        debug_assert!(Self::searching(prev) > 0);
        Self::searching(prev) == 1
    }

    /// A worker goes to sleep. Returns true if it was the last searcher (it must then
    /// re-check every queue).
    pub(crate) fn transition_worker_to_parked(&self, worker: usize, is_searching: bool) -> bool {
        let mut sleepers = self.sleepers.lock();
        let dec = UNPARK_ONE + is_searching as usize;
        let prev = self.state.fetch_sub(dec, SeqCst);
        sleepers.push(worker);
        is_searching && Self::searching(prev) == 1
    }

    /// A parked worker woke up: if it is no longer in the sleepers list it was notified
    /// (and already counted as unparked and searching); otherwise the wake was spurious or
    /// a timer's, and it counts itself back in.
    /// Returns true if the worker was notified (then it is a searcher).
    pub(crate) fn transition_worker_from_parked(&self, worker: usize) -> bool {
        let mut sleepers = self.sleepers.lock();
        match sleepers.iter().position(|&w| w == worker) {
            None => true,
            Some(i) => {
                sleepers.swap_remove(i);
                self.state.fetch_add(UNPARK_ONE, SeqCst);
                false
            }
        }
    }
}

#[cfg(all(test, loom))]
#[path = "loom_idle.rs"]
mod loom_tests;
