//! A task's cancellation word: asyncio's request counter, the pending-delivery flag, and
//! the count of delivered `Cancelled` values still alive, in one `AtomicU64` of the header.
//!
//! Keeping them in the header (rather than in the extras, see extras.rs) is what lets
//! `cancel()` on a task, the delivery at its next checkpoint, and the test at its
//! completion run without an allocation or a lock: the common case of cancelling many
//! plain tasks (a task group shutting down) is then a few atomic operations per task.
//!
//! # Bits
//!
//! | bits    | name        | changed by                                                     |
//! |---------|-------------|----------------------------------------------------------------|
//! | 0..=31  | live        | +1 per delivery ([`CancelState::take_pending`]) and per clone of a delivered `Cancelled`; −1 per drop |
//! | 32..=62 | requested   | +1 per `cancel()` ([`CancelState::request`], saturating); −1 per `uncancel()` |
//! | 63      | `PENDING`   | set by `cancel()`; cleared by the delivery, or by the `uncancel()` that brings `requested` to 0 |
//!
//! `requested` is asyncio's `Task.cancelling()`. `PENDING` is the "must cancel" flag that
//! every checkpoint tests: one request, one delivery, however many requests were made
//! before the task reached a checkpoint. `live` answers the question the harness asks when
//! a task's future returns: does a `Cancelled` that was delivered to this task still exist
//! (in the output being returned, typically)? If so the task propagated its cancellation
//! and ended cancelled; if not it swallowed it and ended normally.
//!
//! The message of `cancel(msg)`, the kind of the last delivery (a request or a scope) and
//! everything else that is rare stays in the extras.

use crate::sync::AtomicU64;
use std::sync::atomic::Ordering::{AcqRel, Acquire};

const LIVE_ONE: u64 = 1;
const LIVE_MASK: u64 = (1 << 32) - 1;
const REQUESTED_SHIFT: u32 = 32;
const REQUESTED_ONE: u64 = 1 << REQUESTED_SHIFT;
const REQUESTED_MAX: u64 = (1 << 31) - 1;
const PENDING: u64 = 1 << 63;

/// The cancellation word; see the module docs for its bits.
pub(crate) struct CancelState(AtomicU64);

impl CancelState {
    pub(crate) fn new() -> CancelState {
        CancelState(AtomicU64::new(0))
    }

    fn requested_of(word: u64) -> u32 {
        ((word >> REQUESTED_SHIFT) & REQUESTED_MAX) as u32
    }

    /// Whether a request waits to be delivered: the checkpoints' fast test.
    #[inline]
    pub(crate) fn is_pending(&self) -> bool {
        self.0.load(Acquire) & PENDING != 0
    }

    /// asyncio's `Task.cancel`: counts one request and marks one pending delivery; returns
    /// the new count.
    pub(crate) fn request(&self) -> u32 {
        let prev = self
            .0
            .fetch_update(AcqRel, Acquire, |w| {
                let bump = if Self::requested_of(w) as u64 == REQUESTED_MAX { 0 } else { REQUESTED_ONE };
                Some((w + bump) | PENDING)
            })
            .unwrap_or_else(|w| w);
        (Self::requested_of(prev) + 1).min(REQUESTED_MAX as u32)
    }

    /// asyncio's `Task.uncancel`: undoes one request; at zero, a pending delivery is
    /// dropped. Returns the remaining count.
    pub(crate) fn uncancel(&self) -> u32 {
        let prev = self
            .0
            .fetch_update(AcqRel, Acquire, |w| {
                let n = Self::requested_of(w);
                match n {
                    0 => None,
                    1 => Some((w - REQUESTED_ONE) & !PENDING),
                    _ => Some(w - REQUESTED_ONE),
                }
            })
            .unwrap_or_else(|w| w);
        Self::requested_of(prev).saturating_sub(1)
    }

    /// asyncio's `Task.cancelling`.
    pub(crate) fn requested(&self) -> u32 {
        Self::requested_of(self.0.load(Acquire))
    }

    /// Takes the pending delivery, if there is one, and counts the `Cancelled` about to be
    /// made for it as live, in the same step.
    pub(crate) fn take_pending(&self) -> bool {
        self.0
            .fetch_update(AcqRel, Acquire, |w| (w & PENDING != 0).then(|| (w & !PENDING) + LIVE_ONE))
            .is_ok()
    }

    /// One more delivered `Cancelled` alive (a clone, or a scope's delivery).
    pub(crate) fn add_live(&self) {
        let prev = self.0.fetch_add(LIVE_ONE, AcqRel);
        debug_assert!(prev & LIVE_MASK != LIVE_MASK, "live deliveries overflow");
    }

    /// One delivered `Cancelled` dropped.
    pub(crate) fn drop_live(&self) {
        let prev = self.0.fetch_sub(LIVE_ONE, AcqRel);
        debug_assert!(prev & LIVE_MASK != 0, "live deliveries underflow");
    }

    /// Whether a `Cancelled` delivered to the task is still alive.
    pub(crate) fn any_live(&self) -> bool {
        self.0.load(Acquire) & LIVE_MASK != 0
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_delivery_per_burst_of_requests() {
        let s = CancelState::new();
        assert!(!s.is_pending());
        assert_eq!(s.request(), 1);
        assert_eq!(s.request(), 2);
        assert!(s.is_pending());
        assert!(s.take_pending());
        assert!(!s.take_pending(), "two requests before a checkpoint deliver once");
        assert!(s.any_live());
        assert_eq!(s.requested(), 2);
        s.drop_live();
        assert!(!s.any_live());
    }

    #[test]
    fn uncancel_to_zero_drops_the_pending_delivery() {
        let s = CancelState::new();
        s.request();
        s.request();
        assert_eq!(s.uncancel(), 1);
        assert!(s.is_pending(), "one request is still standing");
        assert_eq!(s.uncancel(), 0);
        assert!(!s.is_pending());
        assert_eq!(s.uncancel(), 0, "uncancel at zero stays at zero");
        assert!(!s.take_pending());
    }

    #[test]
    fn live_count_is_independent_of_requests() {
        let s = CancelState::new();
        s.request();
        assert!(s.take_pending());
        s.add_live();
        s.request();
        assert_eq!(s.requested(), 2);
        s.drop_live();
        assert!(s.any_live());
        s.drop_live();
        assert!(!s.any_live());
        assert!(s.is_pending());
    }

    #[test]
    fn requested_saturates_instead_of_overflowing_into_the_flag() {
        let s = CancelState::new();
        s.0.store((REQUESTED_MAX - 1) << REQUESTED_SHIFT, std::sync::atomic::Ordering::Release);
        assert_eq!(s.request(), REQUESTED_MAX as u32);
        assert_eq!(s.request(), REQUESTED_MAX as u32);
        assert!(s.is_pending());
        assert_eq!(s.requested(), REQUESTED_MAX as u32);
    }
}
