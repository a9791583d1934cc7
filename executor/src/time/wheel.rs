//! The timer wheel: every pending timer of a runtime, in a hierarchical timing wheel.
//!
//! A runtime may hold a million pending timers (one per sleeping task, per timeout, per
//! interval), and must do three things with them quickly: register one, cancel one, and
//! find and fire the ones that are due. A sorted structure (a heap, a B-tree) pays
//! `O(log n)` for the first two. A timing wheel pays `O(1)`, by giving up exact order
//! for the distant future: far deadlines are only sorted into coarse buckets, and refined
//! as the clock gets close to them.
//!
//! # Ticks
//!
//! The wheel counts time in *ticks*: 100 µs steps since the `Instant` the driver started
//! it at (`TICK_NANOS` in `time/mod.rs`). The driver converts, rounding a deadline **up** to the next tick, so a timer can
//! fire late by up to a tick and never early. The wheel itself only ever sees `u64`s:
//! [`TimerWheel::elapsed`] is the tick it has advanced to, and a timer with deadline `d`
//! fires in the first [`TimerWheel::advance`] whose `now` is at least `d`.
//!
//! # Structure
//!
//! Six levels of 64 slots each. A slot of level `L` covers `64^L` ticks, so each level is
//! 64 times coarser than the one below, and the whole wheel covers `64^6 = 2^36` ticks.
//!
//! ```text
//!              slot width     level span
//!   level 5    ~29.8 h        ~79.5 days   [ 0 | 1 | 2 | ........ | 63 ]
//!   level 4    ~28 min        ~29.8 h      [ 0 | 1 | 2 | ........ | 63 ]
//!   level 3    ~26.2 s        ~28 min      [ 0 | 1 | 2 | ........ | 63 ]
//!   level 2    409.6 ms       ~26.2 s      [ 0 | 1 | 2 | ........ | 63 ]
//!   level 1      6.4 ms       409.6 ms     [ 0 | 1 |*2*| ........ | 63 ]
//!   level 0      100 µs         6.4 ms     [ 0 | 1 | 2 | ...*37*. | 63 ]
//!   overflow   deadlines in a later 2^36-tick block than `elapsed`: one list
//!
//!   a tick in binary, 6 bits per level:
//!   | ...overflow... | L5 | L4 | L3 | L2 | L1 | L0 |
//! ```
//!
//! Read a tick as a number in base 64: digit `L` is its slot at level `L`. A timer goes to
//! the level of the **highest digit in which its deadline differs from `elapsed`** (level 0
//! if none differs), into the slot named by the deadline's digit there. In the picture, a
//! wheel at `elapsed = 37` holds a timer due at 37 in level 0 slot 37, and a timer due at
//! 150 (digits 2, 22) in level 1 slot 2, because 150 and 37 first differ in digit 1.
//!
//! Each slot is an intrusive doubly-linked list through the entries, which live in an
//! arena (see [`list`] and [`arena`]): inserting and cancelling are `O(1)` and, once the arena has grown to the
//! peak number of timers, allocate nothing. Each level keeps a `u64` *occupancy bitmap*
//! whose bit `S` says whether slot `S` is non-empty, so the earliest non-empty slot of a
//! level is one `trailing_zeros`, however sparse the wheel is.
//!
//! # Cascading
//!
//! A level-0 slot holds timers with one exact deadline; when the clock reaches it they
//! fire. A slot of a higher level holds timers whose deadlines share all digits from its
//! level up, but may differ below: when the clock reaches the slot's first tick, they are
//! not all due, but they now share that digit with `elapsed` too. So the wheel takes the
//! slot's list and places each timer again by the same rule; each lands on a lower level.
//! This *cascade* happens at most five times per timer (plus, for a timer more than
//! ~79.5 days away, once each time the clock reaches a `2^36`-tick block where an overflow
//! timer may be due), which keeps every operation `O(1)` amortised. In the picture, when
//! the clock reaches 128 (digits 2, 0), level 1 slot 2 cascades, and the timer due at 150
//! moves to level 0 slot 22.
//!
//! [`TimerWheel::advance`] jumps from one due slot to the next: it never walks tick by tick,
//! so `advance(now)` costs the number of non-empty slots passed plus the timers fired or
//! moved, even when `now` is years ahead.
//!
//! # Invariants
//!
//! With `e` the elapsed tick and `d` the (stored) deadline of a pending timer:
//!
//! 1. `d >= e`. A timer set in the past is stored with `d = e`, and `advance` fires every
//!    timer with `d <= now` before it sets `e = now`.
//! 2. The timer is in level `L` slot `S` exactly when `L < 6` is the highest base-64 digit
//!    in which `d` and `e` differ (0 if `d == e`) and `S` is digit `L` of `d`. Equivalently,
//!    `d` lies in `[start, start + 64^L)`, where `start` is slot `S`'s first tick in the
//!    level-`(L + 1)` block that holds `e`, and for `L > 0`, `S` lies after `e`'s own digit.
//! 3. The timer is in the overflow list exactly when `d` and `e` differ in a bit above
//!    bit 35 (`d` is in a later `2^36`-tick block than `e`).
//! 4. Bit `S` of level `L`'s bitmap is set exactly when level `L` slot `S` is non-empty.
//!
//! So a timer's list is a function of `d` and `e` alone: entries do not store it, and
//! [`TimerWheel::remove`] recomputes it. `advance` keeps invariant 2 by never moving `e`
//! past the first tick of a non-empty slot without processing that slot: it sets `e` to
//! that tick, fires or cascades the slot, and repeats, and only then sets `e = now`.
//!
//! **Architecture Invariant:** the wheel is single-threaded state: the driver holds a lock
//! around it, and wakes the wakers that [`TimerWheel::advance`] returns after releasing it.

mod arena;
mod list;
mod slots;

#[cfg(test)]
mod tests;

use std::task::Waker;

use self::arena::Arena;
pub(crate) use self::list::MAX_SLACK;
use self::list::{Entry, GENERATIONS, NIL};
pub(crate) use self::slots::NextWake;
use self::slots::{Place, Slots, WHEEL_BITS, slot_start};

/// Every pending timer of one runtime, sorted into a hierarchical timing wheel.
///
/// Ticks are 100 µs steps since the wheel's start `Instant`; the driver converts, and
/// rounds deadlines **up** to the next tick so that a timer never fires early. See the
/// [module docs](self) for the structure and its invariants.
///
/// The wheel is plain single-threaded state: the caller holds a lock around it. It never
/// wakes a waker itself; [`advance`](TimerWheel::advance) hands the due ones back so that
/// the caller can wake them after releasing the lock.
pub(crate) struct TimerWheel {
    /// The pending timers; the slot lists thread through them.
    entries: Arena,
    /// The slot lists, their occupancy bitmaps and the overflow list.
    slots: Slots,
    /// The tick the wheel has advanced to.
    elapsed: u64,
    /// The generation the next inserted timer gets; reused only after 2^48 insertions.
    next_generation: u64,
    /// Every timer with a stored deadline below this tick has fired: no pending timer's
    /// deadline is below it. See [`TimerWheel::fired_below`].
    fired_below: u64,
}

/// Names one timer registered with [`TimerWheel::insert`].
///
/// A key stays valid until its timer fires or is removed; after that every operation
/// with it returns `false` and does nothing, even if a new timer reuses the same slab
/// slot, because the generation will differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimerKey {
    /// The timer's index in the slab.
    index: u32,
    /// Which of the driver's wheels holds the timer (the driver keeps one per worker; see
    /// `time/driver.rs`). The wheel itself ignores it and makes keys with 0.
    shard: u32,
    /// The generation of the insertion that created it (modulo 2^48).
    generation: u64,
    /// The timer's stored deadline, as of its insertion or its last
    /// [`reset`](TimerWheel::reset) through this key: what [`TimerKey::fired`] compares.
    deadline: u64,
}

impl TimerKey {
    /// Whether the timer has certainly fired, given the wheel's
    /// [`fired_below`](TimerWheel::fired_below) (read now or at any earlier moment after
    /// the key was made). `false` only means "maybe not": ask the wheel.
    ///
    /// This is what lets a woken sleep see that its timer fired without taking the
    /// driver's lock or touching the timer's entry (with a million timers, a cache miss).
    pub(crate) fn fired(&self, fired_below: u64) -> bool {
        self.deadline < fired_below
    }

    /// The same key with its deadline forgotten, so that [`fired`](TimerKey::fired) always
    /// answers "maybe not": for a holder that resets the timer through copies of the key.
    pub(crate) fn without_deadline(self) -> TimerKey {
        TimerKey { deadline: u64::MAX, ..self }
    }

    /// The same key, naming the driver's wheel `shard`.
    pub(crate) fn in_shard(self, shard: usize) -> TimerKey {
        TimerKey { shard: shard as u32, ..self }
    }

    /// The driver's wheel that holds the timer.
    pub(crate) fn shard(&self) -> usize {
        self.shard as usize
    }
}

impl TimerWheel {
    /// An empty wheel at tick 0.
    pub(crate) fn new() -> Self {
        TimerWheel {
            entries: Arena::new(),
            slots: Slots::new(),
            elapsed: 0,
            next_generation: 0,
            fired_below: 0,
        }
    }

    /// A tick below which every stored deadline has fired: after an
    /// [`advance`](TimerWheel::advance) to `now` it is `now + 1`, and an insertion or a
    /// [`reset`](TimerWheel::reset) at a deadline below it lowers it to that deadline (a
    /// timer set at [`elapsed`](TimerWheel::elapsed) is pending although the wheel has
    /// advanced to its tick). So no pending timer's deadline is ever below it, and a key
    /// whose deadline is below it names a timer that fired (or was removed).
    ///
    /// | event | `fired_below` becomes |
    /// |---|---|
    /// | `advance(now)` | `max(now, elapsed) + 1` |
    /// | `insert(d)` / `reset(key, d)` | `min(fired_below, max(d, elapsed))` |
    /// | `remove(key)` | unchanged |
    pub(crate) fn fired_below(&self) -> u64 {
        self.fired_below
    }

    /// The tick the wheel has advanced to: the largest `now` given to
    /// [`advance`](TimerWheel::advance) so far (0 before the first).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn elapsed(&self) -> u64 {
        self.elapsed
    }

    /// The number of pending timers: inserted, and neither fired nor removed.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Registers a timer that wakes `waker` at tick `deadline`, and returns its key. O(1).
    ///
    /// A `deadline` at or before [`elapsed`](TimerWheel::elapsed) fires at the next
    /// [`advance`](TimerWheel::advance), whatever its `now`. `slack` (at most
    /// [`MAX_SLACK`]) is how many ticks late the timer may fire so that one wake-up serves
    /// it together with others: it only shapes [`next_wake`](TimerWheel::next_wake);
    /// `advance` fires every timer that is due, whatever its slack.
    ///
    /// # Panics
    ///
    /// If `u32::MAX - 1` timers are already pending.
    pub(crate) fn insert(&mut self, deadline: u64, slack: u64, waker: Waker) -> TimerKey {
        let deadline = deadline.max(self.elapsed);
        let slack = slack.min(MAX_SLACK);
        let generation = self.next_generation;
        self.next_generation = (generation + 1) % GENERATIONS;
        // A full arena changes nothing, so the panic leaves the wheel consistent.
        let Ok(index) = self.entries.insert(Entry::new(waker, deadline, generation, slack)) else {
            panic!("weft timer wheel: more than {} pending timers", u32::MAX - 1);
        };
        let place = Place::of(deadline, self.elapsed);
        self.slots.push(&mut self.entries, place, index, deadline, slack);
        self.fired_below = self.fired_below.min(deadline);
        TimerKey { index, shard: 0, generation, deadline }
    }

    /// Makes a pending timer wake `waker` instead of the waker it had; returns `false` and
    /// does nothing if the timer already fired or was removed.
    ///
    /// When `waker` [`will_wake`](Waker::will_wake) the same task as the stored one (the
    /// common case: a future polled again by the same task), nothing is cloned.
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: &Waker) -> bool {
        let Some(entry) = self.entry_mut(key) else {
            return false;
        };
        if let Some(stored) = &mut entry.waker
            && !stored.will_wake(waker)
        {
            stored.clone_from(waker);
        }
        true
    }

    /// Cancels a pending timer, dropping its waker; returns `false` and does nothing if it
    /// already fired or was removed. O(1): it is unlinked from its slot, never searched for.
    pub(crate) fn remove(&mut self, key: TimerKey) -> bool {
        let Some(entry) = self.entry_mut(key) else {
            return false;
        };
        let place = Place::of(entry.deadline, self.elapsed);
        self.slots.unlink(&mut self.entries, place, key.index);
        drop(self.entries.remove(key.index));
        true
    }

    /// Moves a pending timer to a new `deadline` with a new `slack`, keeping its key and
    /// waker; returns `false` and does nothing if it already fired or was removed. O(1).
    ///
    /// As with [`insert`](TimerWheel::insert), a deadline at or before
    /// [`elapsed`](TimerWheel::elapsed) fires at the next advance. A moved timer fires
    /// after timers that were already registered for the same tick, as if newly inserted.
    /// `key` learns the new deadline. A copy of the key made before keeps the old one and
    /// must no longer be asked [`fired`](TimerKey::fired): the timer may have moved later.
    pub(crate) fn reset(&mut self, key: &mut TimerKey, deadline: u64, slack: u64) -> bool {
        let elapsed = self.elapsed;
        let slack = slack.min(MAX_SLACK);
        let Some(entry) = self.entry_mut(*key) else {
            return false;
        };
        let deadline = deadline.max(elapsed);
        key.deadline = deadline;
        let old_deadline = entry.deadline;
        if deadline == old_deadline {
            // It keeps its place (and its turn among the timers of its tick).
            entry.set_slack(slack);
            self.fired_below = self.fired_below.min(deadline);
            self.slots.tighten(Place::of(deadline, elapsed), deadline.saturating_add(slack));
            return true;
        }
        entry.deadline = deadline;
        entry.set_slack(slack);
        self.fired_below = self.fired_below.min(deadline);
        self.slots.unlink(&mut self.entries, Place::of(old_deadline, elapsed), key.index);
        self.slots.push(&mut self.entries, Place::of(deadline, elapsed), key.index, deadline, slack);
        true
    }

    /// The tick of the earliest pending deadline, or `None` if no timer is pending: the
    /// driver may sleep until then.
    ///
    /// It may be earlier than the true earliest deadline (the first tick of a higher-level
    /// slot, where a cascade is due), but never later, and it is exact when the earliest
    /// timer is within the current 64-tick block (on level 0). It is never before
    /// [`elapsed`](TimerWheel::elapsed), and equal to it only when a timer is due now.
    /// `advance` to the returned tick always makes progress: it fires or cascades.
    pub(crate) fn next_expiration(&self) -> Option<u64> {
        self.slots.next_due(self.elapsed).map(|due| due.tick)
    }

    /// The tick from which a timer stored now at `deadline` would make the wheel due: what
    /// [`next_expiration`](TimerWheel::next_expiration) would say if it were the only
    /// timer (its deadline on level 0; the first tick of its slot higher up, where it must
    /// cascade; the start of its `2^36`-tick block in the overflow list). So after an
    /// insertion or a [`reset`](TimerWheel::reset) at `deadline`, `next_expiration` is at
    /// most the smaller of what it was and this: a bound kept without the lock (the
    /// driver's `next_due`) stays at or below it when lowered to this.
    pub(crate) fn due_tick(&self, deadline: u64) -> u64 {
        let deadline = deadline.max(self.elapsed);
        match Place::of(deadline, self.elapsed) {
            Place::Slot { level, slot } => slot_start(level, slot, self.elapsed),
            Place::Overflow => deadline & !((1u64 << WHEEL_BITS) - 1),
        }
    }

    /// When the driver must next advance the wheel so that no timer fires later than its
    /// deadline plus its slack, and the latest deadline such an advance fires (see
    /// [`NextWake`]); `None` if no timer is pending.
    ///
    /// `at` is the earliest `deadline + slack` over the pending timers (or a bound below
    /// it, when a higher-level list must cascade first). Waking there instead of at the
    /// earliest deadline lets one wake-up serve every timer whose deadline falls before
    /// the first window closes: the fewest wake-ups that keep every timer inside its
    /// window. It is never before [`next_expiration`](TimerWheel::next_expiration).
    pub(crate) fn next_wake(&self) -> Option<NextWake> {
        self.slots.next_wake(self.elapsed, &self.entries)
    }

    /// Advances the wheel to tick `now`, pushing onto `fired` the waker of every timer with
    /// a deadline at or before `now` and forgetting those timers (their keys become stale).
    ///
    /// Wakers come out in deadline order, and timers with equal deadlines in the order they
    /// were inserted (or last [`reset`](TimerWheel::reset)). A `now` before
    /// [`elapsed`](TimerWheel::elapsed) is taken as `elapsed`: the clock never runs
    /// backwards, but timers due at `elapsed` still fire.
    ///
    /// The cost is the number of non-empty slots passed plus the number of timers fired or
    /// cascaded; empty stretches are skipped with the occupancy bitmaps, so a jump of years
    /// costs no more than a jump of one tick over the same timers.
    pub(crate) fn advance(&mut self, now: u64, fired: &mut Vec<Waker>) {
        let now = now.max(self.elapsed);
        while let Some(due) = self.slots.next_due(self.elapsed) {
            if due.tick > now {
                break;
            }
            debug_assert!(due.tick >= self.elapsed, "the wheel would run backwards");
            self.elapsed = due.tick;
            match due.place {
                Place::Slot { level: 0, .. } => self.fire(due.place, fired),
                _ => self.cascade(due.place),
            }
        }
        self.elapsed = now;
        self.fired_below = self.fired_below.max(now.saturating_add(1));
    }

    /// Fires every timer of the level-0 list at `place`, all due at exactly `elapsed`.
    fn fire(&mut self, place: Place, fired: &mut Vec<Waker>) {
        let mut index = self.slots.take(place);
        while index != NIL {
            let entry = &self.entries[index];
            debug_assert_eq!(entry.deadline, self.elapsed);
            let next = entry.next();
            fired.push(self.entries.remove(index));
            index = next;
        }
    }

    /// Places again, relative to the new `elapsed`, every timer of the list at `place`,
    /// whose first tick the clock has just reached. Each one moves to a lower level (or,
    /// from overflow, into the wheel or back to overflow).
    fn cascade(&mut self, place: Place) {
        let mut index = self.slots.take(place);
        while index != NIL {
            let entry = &self.entries[index];
            let (next, deadline, slack) = (entry.next(), entry.deadline, entry.slack());
            let new_place = Place::of(deadline, self.elapsed);
            debug_assert!(
                place == Place::Overflow || new_place != place,
                "a cascade must move every timer down"
            );
            self.slots.push(&mut self.entries, new_place, index, deadline, slack);
            index = next;
        }
    }

    /// The entry `key` names, if it is still pending.
    fn entry_mut(&mut self, key: TimerKey) -> Option<&mut Entry> {
        self.entries.get_mut(key.index, key.generation)
    }
}

impl std::fmt::Debug for TimerWheel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimerWheel")
            .field("elapsed", &self.elapsed)
            .field("len", &self.len())
            .field("next_expiration", &self.next_expiration())
            .finish()
    }
}

impl Default for TimerWheel {
    fn default() -> Self {
        TimerWheel::new()
    }
}
