//! A task's cancellation word: asyncio's request counter, the pending-delivery flag, and
//! the count of delivered `Cancelled` values still alive, in one `AtomicU64` of the header.
//!
//! Keeping them in the header (rather than in the extras, see task/extras.rs) is what lets
//! `cancel()` on a task, the delivery at its next checkpoint, and the test at its
//! completion run without an allocation or a lock: the common case of cancelling many
//! plain tasks (a task group shutting down) is then a few atomic operations per task.
//!
//! # Bits
//!
//! | bits    | name        | changed by                                                     |
//! |---------|-------------|----------------------------------------------------------------|
//! | 0..=26  | live        | +1 per delivery ([`CancelState::take_pending`]) and per clone of a delivered `Cancelled`; −1 per drop |
//! | 27      | `AT_START`  | set by `cancel()` ([`CancelState::mark_at_start`]) when it made its request while the task's future was not being polled; cleared with `PENDING` |
//! | 28      | `BY_ITSELF` | set with `PENDING` by a request the task makes on itself while it runs; cleared with `PENDING` |
//! | 29      | `TAKEN_AT_END` | set by [`CancelState::take_at_end`] when the harness takes a pending request as the task's future ends; never cleared |
//! | 30      | `NEXT_CHECKPOINT` | set with `PENDING` by [`CancelState::rearm`] when nothing was pending; cleared by any other request and with `PENDING` |
//! | 31      | `FIRST_WINS`| set with `PENDING` by the request that starts a burst while the task waits in a checkpoint; cleared with `PENDING` |
//! | 32..=62 | requested   | +1 per `cancel()` ([`CancelState::request`], saturating); −1 per `uncancel()` |
//! | 63      | `PENDING`   | set by `cancel()`; cleared by the delivery, or by the `uncancel()` that brings `requested` to 0 |
//!
//! `requested` is asyncio's `Task.cancelling()`. `PENDING` is the "must cancel" flag that
//! every checkpoint tests: one request, one delivery, however many requests were made
//! before the task reached a checkpoint. `FIRST_WINS` says whose message that delivery
//! carries (see `delivery::request`). `NEXT_CHECKPOINT` marks a pending delivery that only
//! a checkpoint takes: a task whose future ends with only such a delivery pending is not
//! cancelled by it (see [`CancelState::rearm`]). `live` answers the question the rule of
//! `outcome.rs` asks when code that can be cancelled has finished: does a `Cancelled`
//! that was delivered to this task still exist (in the error being returned, typically)?
//! If so the code propagated its cancellation; if not it swallowed it.
//!
//! The message of `cancel(msg)`, the kind of the last delivery (a request or a scope) and
//! everything else that is rare stays in the extras (`delivery::Record`).
//!
//! # A request that races the end
//!
//! asyncio runs a task one step at a time on one thread, so a `cancel()` from outside
//! lands between two steps: before the step that would have returned (the step then
//! starts by raising `CancelledError` where the coroutine waits), or after it (the task is
//! done and `cancel()` says no). Only the task itself can request its own cancellation
//! *during* a step, and a coroutine that returns with such a request pending ends
//! cancelled (`_must_cancel`).
//!
//! On the multi-thread runtime a request from another thread can land while the task's
//! future is being polled. weft orders it as asyncio orders a `call_soon_threadsafe
//! (task.cancel)`: after the step that is running. If that step (the poll) completes the
//! future, the task keeps what it returns: an item its last `get()` took from a queue is
//! never lost to a cancellation that arrived too late to stop the `get`. So the end takes
//! a pending request only if it was made while the future was not being polled
//! (`AT_START`: `cancel()` looks at the task word after its request and marks it; the
//! next poll had its chance to see it at a checkpoint, and asyncio would have raised it
//! into the step) or if the task made it on itself (`BY_ITSELF`). A request that landed
//! during the last poll stays counted (`cancelling()` shows it, as asyncio's counter
//! would after a request the task did not act on) and delivers nothing. The mark is made
//! on the request's path, not by the harness, so a poll costs nothing more.

//! `cancel()` returns whether the task was still running. The request can arrive just as
//! the task's future returns, after the harness looked for a pending request; two flags
//! on two words make `cancel()` say no when it lost that race, as in Dekker's algorithm:
//!
//! ```text
//!   harness (the task's end)                    cancel() (any thread)
//!   set FINISHING in the state word             count the request, set PENDING
//!   fence(SeqCst)                               fence(SeqCst)
//!   take_at_end(): PENDING with AT_START or     FINISHING or COMPLETE? then withdraw():
//!     BY_ITSELF? take it, set TAKEN_AT_END:       TAKEN_AT_END set: say yes (the task
//!     the task ends cancelled                     ends cancelled); otherwise take the
//!                                                 request back, say no; not polled?
//!                                                 mark AT_START
//! ```
//!
//! The fences guarantee that at least one side sees the other's write; when both do, the
//! CAS on this word decides: either the harness took a request (and `cancel()` says yes,
//! its request merged into that burst) or `cancel()` withdrew its own first (the task
//! ends with its value and `cancel()` says no).
//!
//! The harness's fence follows the `fetch_or` that sets `FINISHING`, and on x86 that
//! read-modify-write is a `lock` instruction, a full barrier already: there the fence is
//! only a compiler fence (`sync::fence_seq_cst_after_rmw`), the full one under loom and
//! on other machines. Every task's end pays this fence; `cancel()`'s is rarer and stays.

use crate::sync::AtomicU64;
use std::sync::atomic::Ordering::{AcqRel, Acquire};

const LIVE_ONE: u64 = 1;
const LIVE_MASK: u64 = (1 << 27) - 1;
const AT_START: u64 = 1 << 27;
const BY_ITSELF: u64 = 1 << 28;
const TAKEN_AT_END: u64 = 1 << 29;
const NEXT_CHECKPOINT: u64 = 1 << 30;
const FIRST_WINS: u64 = 1 << 31;
/// The flags that go with a pending delivery and go away with it.
const PENDING_FLAGS: u64 = PENDING | FIRST_WINS | NEXT_CHECKPOINT | AT_START | BY_ITSELF;
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

    /// asyncio's `Task.cancel`, from outside the task: counts one request and marks one
    /// pending delivery. A request that starts a burst (nothing pending) with `first_wins`
    /// also sets `FIRST_WINS`. Returns the new count and the word as it was before.
    #[cfg(test)]
    pub(crate) fn request(&self, first_wins: bool) -> (u32, Requested) {
        self.request_by(first_wins, false)
    }

    /// [`request`](Self::request), saying whether the task makes it on itself while it
    /// runs (`BY_ITSELF`: a future that returns with it pending ends cancelled).
    pub(crate) fn request_by(&self, first_wins: bool, by_itself: bool) -> (u32, Requested) {
        let itself = if by_itself { BY_ITSELF } else { 0 };
        let prev = self
            .0
            .fetch_update(AcqRel, Acquire, |w| {
                let bump = if Self::requested_of(w) as u64 == REQUESTED_MAX { 0 } else { REQUESTED_ONE };
                let first = if w & PENDING == 0 && first_wins { FIRST_WINS } else { 0 };
                Some(((w + bump) | PENDING | first | itself) & !NEXT_CHECKPOINT)
            })
            .unwrap_or_else(|w| w);
        let count = (Self::requested_of(prev) + 1).min(REQUESTED_MAX as u32);
        let was = match (prev & PENDING != 0, prev & FIRST_WINS != 0) {
            (false, _) => Requested::StartedBurst,
            (true, false) => Requested::LastWins,
            (true, true) => Requested::FirstWins,
        };
        (count, was)
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
                    1 => Some((w - REQUESTED_ONE) & !PENDING_FLAGS),
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
            .fetch_update(AcqRel, Acquire, |w| (w & PENDING != 0).then(|| (w & !PENDING_FLAGS) + LIVE_ONE))
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
        self.live() != 0
    }

    /// How many delivered `Cancelled` values are alive.
    #[inline]
    pub(crate) fn live(&self) -> u32 {
        (self.0.load(Acquire) & LIVE_MASK) as u32
    }

    /// `requested` and `live` from one load: what a block records when it starts (see
    /// `outcome::Watch`).
    #[inline]
    pub(crate) fn snapshot(&self) -> (u32, u32) {
        let w = self.0.load(Acquire);
        (Self::requested_of(w), (w & LIVE_MASK) as u32)
    }
}

/// What a request found: see [`CancelState::request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Requested {
    /// Nothing was pending: this request starts a burst, and its message is the burst's.
    StartedBurst,
    /// A burst is pending and the last request's message wins.
    LastWins,
    /// A burst is pending whose first request's message stands.
    FirstWins,
}

impl CancelState {
    /// CPython's `uncancel(); cancel()` in `TaskGroup.__aexit__`: takes back one request
    /// and makes one that the next checkpoint delivers. When nothing else is pending, the
    /// new delivery is marked `NEXT_CHECKPOINT`: the group is about to return its error
    /// group, which (like an exception asyncio raises) must end the task as a failure if
    /// the task propagates it, not as a cancellation.
    pub(crate) fn rearm(&self) {
        let _ = self.0.fetch_update(AcqRel, Acquire, |w| {
            let flag = if w & PENDING == 0 { PENDING | NEXT_CHECKPOINT } else { 0 };
            Some(w | flag)
        });
    }

    /// Whether a delivery is pending that ends a finishing task cancelled: one from a
    /// request, not only a re-armed one.
    pub(crate) fn is_pending_at_completion(&self) -> bool {
        let w = self.0.load(Acquire);
        w & PENDING != 0 && w & NEXT_CHECKPOINT == 0
    }

    /// `cancel()`, after its request, when the task's future was not being polled: the
    /// pending delivery is one the next poll can see (`AT_START`, module docs).
    pub(crate) fn mark_at_start(&self) {
        let _ = self.0.fetch_update(AcqRel, Acquire, |w| (w & PENDING != 0).then_some(w | AT_START));
    }

    /// The harness's half of the handshake (module docs): takes a pending request (not a
    /// re-armed one) made while the future was not being polled, or by the task itself,
    /// as the task's future ends, counting it live as a delivery, and marks that it did.
    /// Call after `State::set_finishing`.
    pub(crate) fn take_at_end(&self) -> bool {
        self.0
            .fetch_update(AcqRel, Acquire, |w| {
                (w & PENDING != 0 && w & NEXT_CHECKPOINT == 0 && w & (AT_START | BY_ITSELF) != 0)
                    .then(|| ((w & !PENDING_FLAGS) + LIVE_ONE) | TAKEN_AT_END)
            })
            .is_ok()
    }

    /// `cancel()`'s half (module docs), for a request made just as the task's future was
    /// ending: true if the harness took a request at the end (the task ends cancelled);
    /// otherwise takes this request back and returns false. The pending delivery goes
    /// with it only if this request started the burst (`started_burst`): a request that
    /// joined one already pending leaves that one in place.
    pub(crate) fn withdraw(&self, started_burst: bool) -> bool {
        let mut taken = false;
        let _ = self.0.fetch_update(AcqRel, Acquire, |w| {
            if w & TAKEN_AT_END != 0 {
                taken = true;
                return None;
            }
            taken = false;
            let n = Self::requested_of(w);
            let w = if n > 0 { w - REQUESTED_ONE } else { w };
            Some(if started_burst { w & !PENDING_FLAGS } else { w })
        });
        taken
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn one_delivery_per_burst_of_requests() {
        let s = CancelState::new();
        assert!(!s.is_pending());
        assert_eq!(s.request(false).0, 1);
        assert_eq!(s.request(false).0, 2);
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
        s.request(false);
        s.request(false);
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
        s.request(false);
        assert!(s.take_pending());
        s.add_live();
        s.request(false);
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
        assert_eq!(s.request(false).0, REQUESTED_MAX as u32);
        assert_eq!(s.request(false).0, REQUESTED_MAX as u32);
        assert!(s.is_pending());
        assert_eq!(s.requested(), REQUESTED_MAX as u32);
    }

    #[test]
    fn first_wins_is_set_by_the_request_that_starts_a_burst_and_cleared_by_its_delivery() {
        let s = CancelState::new();
        assert_eq!(s.request(true).1, Requested::StartedBurst);
        assert_eq!(s.request(false).1, Requested::FirstWins);
        assert!(s.take_pending());
        assert_eq!(s.request(false).1, Requested::StartedBurst);
        assert_eq!(s.request(true).1, Requested::LastWins, "only the burst's first request decides");
        assert_eq!(s.snapshot(), (4, 1));
    }

    #[test]
    fn a_rearmed_delivery_is_for_the_next_checkpoint_only_until_a_real_request() {
        let s = CancelState::new();
        s.request(false);
        assert!(s.take_pending());
        s.rearm();
        assert!(s.is_pending() && !s.is_pending_at_completion());
        assert_eq!(s.requested(), 1, "a re-arm counts no new request");
        s.request(false);
        assert!(s.is_pending_at_completion(), "a real request makes it count at completion");
        assert!(s.take_pending());
        assert!(!s.is_pending());
    }
}
