//! loom models of the cancel word (`state.rs`): requests, deliveries and
//! `uncancel()` racing from different threads, as `Task::cancel` on one thread races the
//! task's own checkpoint on another. Whatever the interleaving: a burst of requests is
//! delivered once, a delivery never gets lost between "pending" and "taken", and the
//! counters balance.
//!
//! Run: `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib -- loom`

use super::state::{CancelState, Requested};
use loom::sync::Arc;
use loom::thread;

/// A request races the task's checkpoint: either the checkpoint took the delivery, or
/// the delivery is still pending for the next one; never both, never neither.
#[test]
fn loom_request_races_a_checkpoint() {
    loom::model(|| {
        let s = Arc::new(CancelState::new());
        let s2 = s.clone();
        let canceller = thread::spawn(move || s2.request(false).0);
        let taken = s.take_pending();
        assert_eq!(canceller.join().unwrap(), 1);
        assert_ne!(taken, s.is_pending(), "delivered exactly once: now or at the next checkpoint");
        assert_eq!(s.any_live(), taken);
        assert_eq!(s.requested(), 1);
    });
}

/// Two requests from two threads race the checkpoint: the count is 2, and at most one
/// delivery was taken; if none was, one is pending.
#[test]
fn loom_two_requests_race_a_checkpoint() {
    loom::model(|| {
        let s = Arc::new(CancelState::new());
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let s = s.clone();
                thread::spawn(move || {
                    s.request(false);
                })
            })
            .collect();
        let first = s.take_pending();
        for h in handles {
            h.join().unwrap();
        }
        let second = s.take_pending();
        assert!(first || second, "a request was lost");
        assert!(!s.is_pending());
        assert_eq!(s.requested(), 2);
        s.drop_live();
        if first && second {
            s.drop_live();
        }
        assert!(!s.any_live());
    });
}

/// `uncancel()` races a second request and the live count of a delivery being dropped:
/// the counts balance and the live count is never disturbed by the request counter.
#[test]
fn loom_uncancel_races_a_request_and_a_drop() {
    loom::model(|| {
        let s = Arc::new(CancelState::new());
        s.request(false);
        assert!(s.take_pending());
        let (a, b) = (s.clone(), s.clone());
        let uncancel = thread::spawn(move || a.uncancel());
        let drop_live = thread::spawn(move || b.drop_live());
        s.request(false);
        let left = uncancel.join().unwrap();
        drop_live.join().unwrap();
        assert!(left <= 1);
        assert_eq!(s.requested(), 1);
        assert!(!s.any_live());
        // The second request is pending unless the uncancel ran after it and brought the
        // count from 2 to 1 (a pending delivery stays while any request stands).
        assert!(s.is_pending());
    });
}

/// A group's re-arm races an outside request: whichever comes first, a request makes the
/// pending delivery one that counts at completion, and the re-arm never hides it.
#[test]
fn loom_rearm_races_a_request() {
    loom::model(|| {
        let s = Arc::new(CancelState::new());
        s.request(false);
        assert!(s.take_pending());
        s.drop_live();
        let a = s.clone();
        let rearm = thread::spawn(move || a.rearm());
        s.request(false);
        rearm.join().unwrap();
        assert!(s.is_pending());
        assert!(s.is_pending_at_completion(), "the outside request was hidden by the re-arm");
        assert_eq!(s.requested(), 2);
    });
}

/// The request that starts a burst decides whose message is delivered, while the
/// checkpoint may take the delivery between two requests: a request that comes after the
/// delivery starts a new burst, never inherits `FIRST_WINS`.
#[test]
fn loom_first_wins_belongs_to_one_burst() {
    loom::model(|| {
        let s = Arc::new(CancelState::new());
        assert_eq!(s.request(true).1, Requested::StartedBurst);
        let a = s.clone();
        let second = thread::spawn(move || a.request(false).1);
        let taken = s.take_pending();
        let was = second.join().unwrap();
        assert!(taken);
        match was {
            // The second request came before the delivery: it joined the first burst.
            Requested::FirstWins => assert!(!s.is_pending()),
            // It came after: a burst of its own, pending, without the first one's flag.
            Requested::StartedBurst => {
                assert!(s.is_pending());
                assert!(s.is_pending_at_completion());
            }
            Requested::LastWins => panic!("the first request's flag was lost"),
        }
    });
}

/// The handshake of "A request that races the end": whatever the interleaving of the
/// task's end (FINISHING, fence, take_at_end) and a `cancel()` from another thread
/// (request, fence, check, withdraw), a request from outside the task is not taken by
/// the end (the task keeps its value), and `cancel()` that saw the
/// end takes its request back and says no.
#[test]
fn loom_a_request_that_races_the_end() {
    loom::model(|| {
        let (said_yes, taken, cancel) = race_the_end(false);
        assert!(!taken, "a request that landed during the last poll ended the task cancelled");
        if !said_yes {
            assert_eq!(cancel.requested(), 0, "a request that did not count was taken back");
            assert!(!cancel.is_pending());
        }
    });
}

/// The same race when a request was made before the last poll began: the end
/// takes it (the task ends cancelled); the racing `cancel()` says yes when its request
/// joined the burst that the end took, and no only when it saw the task finishing, with
/// its request taken back.
#[test]
fn loom_a_request_that_races_the_end_of_a_cancelled_task() {
    loom::model(|| {
        let (said_yes, taken, cancel) = race_the_end(true);
        assert!(taken, "the request made before the poll was not taken");
        let expected = if said_yes { 2 } else { 1 };
        assert_eq!(cancel.requested(), expected, "cancel() said {said_yes}");
    });
}

fn race_the_end(pending_at_start: bool) -> (bool, bool, Arc<CancelState>) {
    use crate::sync::{AtomicUsize, fence_seq_cst};
    use std::sync::atomic::Ordering::{AcqRel, Acquire};
    let cancel = Arc::new(CancelState::new());
    if pending_at_start {
        // A request made before the last poll began.
        cancel.request(false);
        cancel.mark_at_start();
    }
    let finishing = Arc::new(AtomicUsize::new(0));
    let (c2, f2) = (cancel.clone(), finishing.clone());
    let canceller = thread::spawn(move || {
        if f2.load(Acquire) != 0 {
            return false;
        }
        let (_, found) = c2.request(false);
        fence_seq_cst();
        if f2.load(Acquire) != 0 {
            return c2.withdraw(found == Requested::StartedBurst);
        }
        true
    });
    finishing.fetch_or(1, AcqRel);
    fence_seq_cst();
    let taken = cancel.take_at_end();
    let said_yes = canceller.join().unwrap();
    (said_yes, taken, cancel)
}
