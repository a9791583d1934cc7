//! loom models of the cancel word (`state.rs`): requests, deliveries and
//! `uncancel()` racing from different threads, as `Task::cancel` on one thread races the
//! task's own checkpoint on another. Whatever the interleaving: a burst of requests is
//! delivered once, a delivery never gets lost between "pending" and "taken", and the
//! counters balance.
//!
//! Run: `LOOM_MAX_PREEMPTIONS=2 RUSTFLAGS="--cfg loom" cargo test -p weft-executor --release --lib -- loom`

use super::state::CancelState;
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
                    s.request(false).0;
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
        s.request(false).0;
        assert!(s.take_pending());
        let (a, b) = (s.clone(), s.clone());
        let uncancel = thread::spawn(move || a.uncancel());
        let drop_live = thread::spawn(move || b.drop_live());
        s.request(false).0;
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
