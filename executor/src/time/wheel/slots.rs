//! Where each timer lives: the wheel's geometry, its 6 x 64 slot lists with their
//! occupancy bitmaps, and the overflow list.
//!
//! This file knows the placement rule ([`Place::of`]) and how to find the earliest slot
//! that is due ([`Slots::next_due`]); it does not know about wakers, firing or cascading,
//! which belong to the wheel itself.

use super::arena::Arena;
use super::list::{List, NIL};

/// How many entries [`Slots::next_wake`] walks, at most, to learn the earliest deadline in
/// a higher-level list: enough for timers at low density, where it saves an alarm per
/// park; at high density a level-0 list is nearly always first anyway.
const WALK_LIMIT: usize = 64;

/// Bits of a tick consumed by one level: each level has `1 << SLOT_BITS` slots.
pub(super) const SLOT_BITS: u32 = 6;

/// Slots per level.
pub(super) const SLOTS: usize = 1 << SLOT_BITS;

/// Number of levels. Level `L` has slots of `64^L` ticks and spans `64^(L+1)` ticks.
pub(super) const LEVELS: usize = 6;

/// Ticks spanned by the whole wheel, as a power of two: `2^36` ticks of 100 µs, about 79.5 days.
/// Deadlines in a later `2^36`-tick block than the elapsed tick go to the overflow list.
pub(super) const WHEEL_BITS: u32 = SLOT_BITS * LEVELS as u32;

/// Index of the overflow list, after the `LEVELS * SLOTS` slot lists.
const OVERFLOW: usize = LEVELS * SLOTS;

/// The list an entry belongs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Place {
    /// Slot `slot` (0..64) of level `level` (0..6).
    Slot { level: usize, slot: usize },
    /// The overflow list: the deadline is in a later `2^36`-tick block than the elapsed tick.
    Overflow,
}

impl Place {
    /// Where an entry with `deadline` belongs while the wheel's elapsed tick is `elapsed`
    /// (`deadline >= elapsed`).
    ///
    /// The level is the highest 6-bit group in which the two ticks differ (level 0 when
    /// they are equal), and the slot is the deadline's bits in that group. Everything
    /// above that group is the same in both, so the slot is the first point at which the
    /// clock will "reach" the deadline at that level's resolution.
    pub(super) fn of(deadline: u64, elapsed: u64) -> Place {
        debug_assert!(deadline >= elapsed, "deadline {deadline} is before elapsed {elapsed}");
        // `| (SLOTS - 1)` makes equal ticks (and differences in the low group) level 0.
        let differing = (deadline ^ elapsed) | (SLOTS as u64 - 1);
        let level = (differing.ilog2() / SLOT_BITS) as usize;
        if level >= LEVELS {
            return Place::Overflow;
        }
        let slot = (deadline >> (SLOT_BITS * level as u32)) as usize & (SLOTS - 1);
        Place::Slot { level, slot }
    }

    /// Index of this place's list in [`Slots`].
    fn list_index(self) -> usize {
        match self {
            Place::Slot { level, slot } => level * SLOTS + slot,
            Place::Overflow => OVERFLOW,
        }
    }
}

/// The first tick of slot `slot` of level `level`, in the same level-`(level + 1)` block as
/// `elapsed`: every entry in that slot has a deadline in `[start, start + 64^level)`.
pub(super) fn slot_start(level: usize, slot: usize, elapsed: u64) -> u64 {
    let slot_bits = SLOT_BITS * level as u32;
    let block_mask = (1u64 << (slot_bits + SLOT_BITS)) - 1;
    (elapsed & !block_mask) + ((slot as u64) << slot_bits)
}

/// The earliest list that needs attention, and from which tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Due {
    /// The tick from which the list is due: for level 0 the exact deadline of its entries,
    /// otherwise a lower bound on them (the slot's first tick, where it must cascade).
    pub(super) tick: u64,
    /// The list that is due.
    pub(super) place: Place,
}

/// When to wake for the timers, as [`Slots::next_wake`] (and `TimerWheel::next_wake`)
/// compute it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NextWake {
    /// The tick by which the wheel must be advanced: no timer's `deadline + slack` is
    /// earlier (it may be a bound that is earlier than needed, never later).
    pub(crate) at: u64,
    /// The earliest pending deadline (or, when it sits in a long higher-level list, the
    /// first tick that list covers; or `at`, if a stale bound makes `at` earlier): waking
    /// anywhere from `first_due` to `at` fires at least that timer, and keeps every timer
    /// inside its window.
    pub(crate) first_due: u64,
}

/// All the wheel's lists, and the bitmaps that say which are non-empty.
pub(super) struct Slots {
    /// `LEVELS * SLOTS` slot lists (level-major), then the overflow list.
    lists: [List; LEVELS * SLOTS + 1],
    /// For each slot list, a lower bound on `deadline + slack` over its entries (the tick
    /// by which the earliest of them must have fired), `u64::MAX` while the list is empty.
    /// Like the overflow floor, unlinking an entry does not raise it: it stays a bound.
    fire_by: [u64; LEVELS * SLOTS],
    /// Bit `S` of `occupied[L]` is set exactly when slot `S` of level `L` is non-empty.
    occupied: [u64; LEVELS],
    /// A lower bound on the deadline of every overflow entry, `u64::MAX` while the list is
    /// empty. Unlinking an overflow entry does not raise it (it stays a bound, which is all
    /// [`Slots::next_due`] needs) unless the list becomes empty.
    overflow_floor: u64,
}

impl Slots {
    /// Every list empty.
    pub(super) fn new() -> Self {
        Slots {
            lists: [List::EMPTY; LEVELS * SLOTS + 1],
            fire_by: [u64::MAX; LEVELS * SLOTS],
            occupied: [0; LEVELS],
            overflow_floor: u64::MAX,
        }
    }

    /// Appends the entry at `index`, whose deadline is `deadline` and slack `slack`, to the
    /// list at `place`.
    pub(super) fn push(&mut self, entries: &mut Arena, place: Place, index: u32, deadline: u64, slack: u64) {
        let list = place.list_index();
        self.lists[list].push_back(entries, index);
        match place {
            Place::Slot { level, slot } => {
                self.occupied[level] |= 1 << slot;
                self.fire_by[list] = self.fire_by[list].min(deadline.saturating_add(slack));
            }
            Place::Overflow => self.overflow_floor = self.overflow_floor.min(deadline),
        }
    }

    /// Lowers the fire-by bound of the list at `place` to `fire_by` if that is earlier (an
    /// entry of it got a smaller slack in place).
    pub(super) fn tighten(&mut self, place: Place, fire_by: u64) {
        if let Place::Slot { .. } = place {
            let bound = &mut self.fire_by[place.list_index()];
            *bound = (*bound).min(fire_by);
        }
    }

    /// Unlinks the entry at `index` from the list at `place`, which must hold it.
    pub(super) fn unlink(&mut self, entries: &mut Arena, place: Place, index: u32) {
        let list = &mut self.lists[place.list_index()];
        list.unlink(entries, index);
        if list.is_empty() {
            match place {
                Place::Slot { level, slot } => {
                    self.occupied[level] &= !(1 << slot);
                    self.fire_by[place.list_index()] = u64::MAX;
                }
                // A stale floor of an empty list could later lie behind the clock.
                Place::Overflow => self.overflow_floor = u64::MAX,
            }
        }
    }

    /// Empties the list at `place` and returns its first entry's index; see [`List::take`].
    pub(super) fn take(&mut self, place: Place) -> u32 {
        match place {
            Place::Slot { level, slot } => {
                self.occupied[level] &= !(1 << slot);
                self.fire_by[place.list_index()] = u64::MAX;
            }
            Place::Overflow => self.overflow_floor = u64::MAX,
        }
        self.lists[place.list_index()].take()
    }

    /// The earliest list that is due, given the wheel's `elapsed` tick, or `None` if every
    /// list is empty. Never later than the earliest deadline: see [`Due::tick`].
    ///
    /// Every entry of a lower level is due before any entry of a higher level (its slot
    /// lies inside the elapsed tick's current slot of every higher level, and higher-level
    /// entries sit in later slots), so the answer is the lowest set bit of the lowest
    /// non-empty level: at most six bitmap tests and one `trailing_zeros`.
    pub(super) fn next_due(&self, elapsed: u64) -> Option<Due> {
        for (level, &occupied) in self.occupied.iter().enumerate() {
            if occupied != 0 {
                debug_assert_eq!(occupied & passed_slots(level, elapsed), 0, "level {level}");
                let slot = occupied.trailing_zeros() as usize;
                let tick = slot_start(level, slot, elapsed);
                return Some(Due { tick, place: Place::Slot { level, slot } });
            }
        }
        if self.lists[OVERFLOW].is_empty() {
            return None;
        }
        // The start of the 2^36-tick block holding the floor: the overflow entries must be
        // re-placed no later than when the elapsed tick enters a block that may hold them.
        let block_start = self.overflow_floor & !((1u64 << WHEEL_BITS) - 1);
        Some(Due { tick: block_start, place: Place::Overflow })
    }

    /// When the wheel must next be advanced so that no timer fires later than its deadline
    /// plus its slack, and the earliest deadline such an advance serves: see [`NextWake`].
    ///
    /// This is the greedy answer to "serve every timer inside its window with as few
    /// wake-ups as possible" (stabbing intervals): wake at the earliest *end* of a window,
    /// `min(deadline + slack)`, and fire every timer whose window has *begun* by then.
    /// Walking the non-empty lists in tick order, a list that starts after the best end
    /// found so far cannot lower it (its timers' windows end later still), so the walk
    /// stops there: it visits only the lists inside the first window, at most the slack's
    /// width in level-0 slots plus one list of a higher level.
    pub(super) fn next_wake(&self, elapsed: u64, entries: &Arena) -> Option<NextWake> {
        let first = self.next_due(elapsed)?;
        let mut at = u64::MAX;
        'levels: for (level, &occupied) in self.occupied.iter().enumerate() {
            let mut bits = occupied;
            while bits != 0 {
                let slot = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                let start = slot_start(level, slot, elapsed);
                if start > at {
                    break 'levels;
                }
                at = at.min(self.fire_by[level * SLOTS + slot].max(start));
            }
        }
        if first.place == Place::Overflow {
            at = at.min(first.tick);
        }
        // A level-0 list's tick is its timers' deadline. A higher level's first tick is only
        // a bound: one short list (the common case at low density, the next 6.4 ms slot of
        // level 1) is looked into for its earliest deadline.
        let first_due = match first.place {
            Place::Slot { level: 0, .. } => first.tick,
            place => self.earliest(place, entries).map_or(first.tick, |earliest| earliest.min(at)),
        };
        Some(NextWake { at, first_due })
    }

    /// The earliest deadline in the list at `place`, walking at most [`WALK_LIMIT`]
    /// entries; `None` if the list is longer.
    fn earliest(&self, place: Place, entries: &Arena) -> Option<u64> {
        let mut earliest = u64::MAX;
        let mut index = self.lists[place.list_index()].first();
        for _ in 0..WALK_LIMIT {
            if index == NIL {
                return Some(earliest);
            }
            let entry = &entries[index];
            earliest = earliest.min(entry.deadline);
            index = entry.next();
        }
        (index == NIL).then_some(earliest)
    }

    /// The slab indices in each non-empty list, with its place (for the tests' invariant
    /// checks); also checks that the occupancy bitmaps match the lists.
    #[cfg(test)]
    pub(super) fn contents(&self, entries: &Arena) -> Vec<(Place, Vec<u32>)> {
        let mut contents = Vec::new();
        for level in 0..LEVELS {
            for slot in 0..SLOTS {
                let place = Place::Slot { level, slot };
                let indices = self.lists[place.list_index()].indices(entries);
                let bit = self.occupied[level] & (1 << slot) != 0;
                assert_eq!(bit, !indices.is_empty(), "occupancy bit of {place:?}");
                if !indices.is_empty() {
                    contents.push((place, indices));
                }
            }
        }
        let overflow = self.lists[OVERFLOW].indices(entries);
        for &index in &overflow {
            assert!(entries[index].deadline >= self.overflow_floor, "overflow floor");
        }
        if !overflow.is_empty() {
            contents.push((Place::Overflow, overflow));
        }
        contents
    }
}

/// The slots of `level` that the `elapsed` tick has already passed and so must be empty:
/// at level 0 those before the current slot (the current one may hold timers due now), at
/// higher levels the current slot too (it was cascaded when the clock entered it).
fn passed_slots(level: usize, elapsed: u64) -> u64 {
    let current = (elapsed >> (SLOT_BITS * level as u32)) as u32 & (SLOTS as u32 - 1);
    let through_current = u64::MAX >> (63 - current);
    if level == 0 { through_current >> 1 } else { through_current }
}
