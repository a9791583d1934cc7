//! How long `block_on` looks for its wake-up before it parks its thread, and how long a
//! worker that answered it looks for the next request.
//!
//! `block_on` runs its future on the caller's thread, not on a worker. When the future
//! waits for a task on a worker (a request and its reply), the reply usually comes within
//! microseconds, and looking for it a little longer saves the futex round trip of parking
//! and unparking the thread: on a quiet machine a short spin halves the cost of a
//! request/reply through `block_on`.
//!
//! On a busy machine the same spin is harmful. When runnable threads outnumber cores,
//! the spinning thread takes a core from the very worker it waits for, and if the OS
//! preempts it in mid-spin, the reply waits a whole scheduler slice (milliseconds) for
//! it to run again, where a parked thread would have been woken at once. A fixed spin
//! measured 2× tokio's cost on a loaded machine and 1.05× without it.
//!
//! So the spin adapts to whether it pays:
//!
//! * a spin **pays** when the wake-up arrives within [`SPIN`] of wall time, as measured
//!   when it is seen; then the next wait spins too;
//! * a spin **fails** when [`SPIN`] passes first (nothing came, or the thread was
//!   preempted mid-spin and saw the wake-up late). After `k` failures in a row the next
//!   `2^k` waits (at most [`MAX_SKIP`]) park at once, then one wait tries a spin again.
//!
//! On a quiet machine spins pay and keep paying; on a loaded one they fail, and within
//! ten failures `block_on` spins on fewer than one wait in a thousand. A spin is also
//! never tried when every worker sleeps: the wake-up must then come from outside (I/O, a
//! timer), which takes longer than a spin.
//!
//! The other side of the same exchange is the worker that answered: after its task woke a
//! `block_on` caller, it has nothing to run until the caller's next request, which comes
//! within a microsecond or two if the caller runs on another core. A worker that parks
//! in between is woken for every request, and on a virtual machine a wake-up of an idle
//! core costs tens of microseconds (measured: 5 to 50 µs per request on a quiet
//! two-core machine, where lingering for the request takes 0.7 µs). So such a worker
//! *lingers* (`worker.rs`, `linger`) under a second policy of the same kind, with its own
//! counters and a limit of 10 µs: when caller and worker share a core, neither can
//! answer while the other spins, lingers fail, and they soon stop.
//!
//! The counters are shared by every `block_on` of one runtime (and, for lingers, by its
//! workers) and updated with relaxed atomics: they are a heuristic, and a lost update only
//! shifts one decision.

use std::sync::atomic::AtomicU32;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

/// The longest `block_on` looks for its wake-up before it parks.
pub(super) const SPIN: Duration = Duration::from_micros(20);

/// The most waits that park at once, without a spin, between two tries.
const MAX_SKIP: u32 = 1 << 10;

pub(super) struct SpinPolicy {
    /// Failed spins in a row (capped).
    failures: AtomicU32,
    /// Waits left that park without spinning.
    skip: AtomicU32,
}

impl SpinPolicy {
    pub(super) fn new() -> SpinPolicy {
        SpinPolicy { failures: AtomicU32::new(0), skip: AtomicU32::new(0) }
    }

    /// Spins until `ready()` or [`SPIN`] has passed, if spinning has been paying.
    /// Returns true if `ready()` held when it returned.
    pub(super) fn spin(&self, ready: impl FnMut() -> bool) -> bool {
        self.spin_within(SPIN, ready)
    }

    /// [`spin`](Self::spin) with `limit` in place of [`SPIN`] (the tests give a limit that
    /// no stall of the test's thread can reach, or none at all).
    fn spin_within(&self, limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
        let Some(start) = self.begin() else { return false };
        loop {
            if ready() {
                self.end(start, limit);
                return true;
            }
            if start.elapsed() > limit {
                self.failed();
                return false;
            }
            std::hint::spin_loop();
        }
    }

    /// Whether to spin this time: `None` while failures say park at once (one wait fewer
    /// to skip), else the spin's start.
    pub(super) fn begin(&self) -> Option<Instant> {
        let skip = self.skip.load(Relaxed);
        if skip > 0 {
            self.skip.store(skip - 1, Relaxed);
            return None;
        }
        Some(Instant::now())
    }

    /// A spin begun at `start` saw what it waited for: it paid if that took at most
    /// `limit` (else the thread was preempted mid-spin, and the wake-up waited for it).
    pub(super) fn end(&self, start: Instant, limit: Duration) {
        if start.elapsed() <= limit {
            self.failures.store(0, Relaxed);
        } else {
            self.failed();
        }
    }

    /// A spin gave up: the next `2^failures` waits park at once.
    pub(super) fn failed(&self) {
        let failures = (self.failures.load(Relaxed) + 1).min(MAX_SKIP.trailing_zeros());
        self.failures.store(failures, Relaxed);
        self.skip.store(1 << failures, Relaxed);
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// A spin that pays: `ready()` holds at once, and no stall of the test's thread between
    /// two clock reads can reach an hour.
    fn pays(policy: &SpinPolicy) -> bool {
        policy.spin_within(Duration::from_secs(3600), || true)
    }

    /// A spin that fails: nothing comes, and the limit is already over.
    fn fails(policy: &SpinPolicy) -> bool {
        policy.spin_within(Duration::ZERO, || false)
    }

    #[test]
    fn a_spin_that_pays_keeps_spinning() {
        let policy = SpinPolicy::new();
        for _ in 0..100 {
            assert!(pays(&policy));
        }
        assert_eq!(policy.skip.load(Relaxed), 0);
    }

    #[test]
    fn failures_back_off_exponentially_up_to_the_cap() {
        let policy = SpinPolicy::new();
        let mut tries = 0;
        let mut waits = 0;
        // Never ready: every spin fails. Count how many of the waits actually spin.
        while waits < 10_000 {
            let before = policy.skip.load(Relaxed);
            assert!(!fails(&policy));
            if before == 0 {
                tries += 1;
            }
            waits += 1;
        }
        // 2 + 4 + ... + 1024 waits are skipped after the first ten failures, then one
        // try per 1025 waits: about twenty tries in ten thousand waits.
        assert!(tries <= 20, "{tries} spins in {waits} waits");
        assert!(policy.skip.load(Relaxed) <= MAX_SKIP);
    }

    #[test]
    fn one_success_resets_the_back_off() {
        let policy = SpinPolicy::new();
        for _ in 0..5 {
            while policy.skip.load(Relaxed) > 0 {
                assert!(!pays(&policy)); // skipped: parks without looking
            }
            assert!(!fails(&policy));
        }
        while policy.skip.load(Relaxed) > 0 {
            pays(&policy);
        }
        assert!(pays(&policy));
        assert_eq!(policy.failures.load(Relaxed), 0);
        assert_eq!(policy.skip.load(Relaxed), 0);
    }

    /// A worker's linger (`worker.rs`) drives the policy by hand: `begin`, then `end` when
    /// it found work or `failed` when it gave up.
    #[test]
    fn a_linger_that_finds_work_late_counts_as_a_failure() {
        let policy = SpinPolicy::new();
        let start = policy.begin().expect("no failure yet: the first wait spins");
        policy.end(start, Duration::from_secs(3600));
        assert_eq!(policy.failures.load(Relaxed), 0);
        // Found, but a millisecond after a limit of zero: the wake-up waited for the thread.
        let late = policy.begin().unwrap().checked_sub(Duration::from_millis(1)).unwrap();
        policy.end(late, Duration::ZERO);
        assert_eq!(policy.failures.load(Relaxed), 1);
        assert!(policy.begin().is_none(), "the wait after a failure parks at once");
        assert!(policy.begin().is_none());
        assert!(policy.begin().is_some(), "then one wait tries again");
        policy.failed();
        assert_eq!(policy.failures.load(Relaxed), 2);
        assert_eq!(policy.skip.load(Relaxed), 4);
    }
}
